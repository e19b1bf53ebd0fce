#include "CHeedSupport.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>

#define HEED_MXCSR_FTZ 0x8000u
#define HEED_MXCSR_DAZ 0x0040u

uint64_t heed_enable_ftz_daz(void) {
    unsigned int old = _mm_getcsr();
    _mm_setcsr(old | HEED_MXCSR_FTZ | HEED_MXCSR_DAZ);
    return old;
}

void heed_restore_float_mode(uint64_t state) { _mm_setcsr((unsigned int)state); }

int heed_ftz_enabled(void) { return (_mm_getcsr() & HEED_MXCSR_FTZ) != 0; }

#elif defined(__aarch64__)

#define HEED_FPCR_FZ (1ull << 24)

uint64_t heed_enable_ftz_daz(void) {
    uint64_t old;
    __asm__ volatile("mrs %0, fpcr" : "=r"(old));
    __asm__ volatile("msr fpcr, %0" : : "r"(old | HEED_FPCR_FZ));
    return old;
}

void heed_restore_float_mode(uint64_t state) { __asm__ volatile("msr fpcr, %0" : : "r"(state)); }

int heed_ftz_enabled(void) {
    uint64_t v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v));
    return (v & HEED_FPCR_FZ) != 0;
}

#else

uint64_t heed_enable_ftz_daz(void) { return 0; }
void heed_restore_float_mode(uint64_t state) { (void)state; }
int heed_ftz_enabled(void) { return 0; }

#endif

long heed_fetch_add(long *counter, long delta) {
    return __atomic_fetch_add(counter, delta, __ATOMIC_RELAXED);
}

static long heed_thread_count = 0;

long heed_threads_get(void) { return __atomic_load_n(&heed_thread_count, __ATOMIC_RELAXED); }

void heed_threads_set(long threads) { __atomic_store_n(&heed_thread_count, threads, __ATOMIC_RELAXED); }

static _Thread_local int heed_kernel_worker = 0;

int heed_in_kernel_worker(void) { return heed_kernel_worker; }

int heed_set_kernel_worker(int inside) {
    int previous = heed_kernel_worker;
    heed_kernel_worker = inside;
    return previous;
}
