#ifndef HEED_SUPPORT_H
#define HEED_SUPPORT_H

#include <stdint.h>

/* Turns on flush-to-zero and denormals-are-zero for the calling thread and returns the
   previous floating-point control state, to be handed back to heed_restore_float_mode.
   x86-64: MXCSR bits FTZ (15) and DAZ (6). AArch64: FPCR bit FZ (24). Elsewhere: no-op. */
uint64_t heed_enable_ftz_daz(void);

/* Restores the floating-point control state returned by heed_enable_ftz_daz. */
void heed_restore_float_mode(uint64_t state);

/* Whether flush-to-zero is on in the calling thread. */
int heed_ftz_enabled(void);

/* Atomically adds `delta` to `*counter` and returns the previous value. */
long heed_fetch_add(long *counter, long delta);

/* Heed's thread count (Heed.threads): 0 until first set. Read and written atomically, so any
   thread may read it while another sets it. */
long heed_threads_get(void);
void heed_threads_set(long threads);

/* Whether the calling thread is running items of a parallel kernel loop. Work started from
   inside one (a matrix product in a loop item, a nested loop) stays on that thread. */
int heed_in_kernel_worker(void);

/* Marks the calling thread as inside (1) or outside (0) a parallel kernel loop; returns the
   previous mark, to be handed back when the loop ends. */
int heed_set_kernel_worker(int inside);

#endif
