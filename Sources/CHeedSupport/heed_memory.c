#include "HeedMemory.h"

#include <stdlib.h> /* defines __GLIBC__ on glibc systems */

#if defined(__GLIBC__)
#include <malloc.h>

int heed_retain_freed_memory(void) {
    /* 32 MiB is the largest mmap threshold glibc accepts on 64-bit systems. */
    int ok = mallopt(M_MMAP_THRESHOLD, 32 << 20);
    /* Larger blocks (an embedding table's gradient) would still be mapped afresh on every
       allocation, page by page; taken from the heap instead, they are reused (glibc falls back
       to mmap when the heap cannot grow). */
    ok &= mallopt(M_MMAP_MAX, 0);
    ok &= mallopt(M_TRIM_THRESHOLD, 1 << 30);
    ok &= mallopt(M_TOP_PAD, 64 << 20);
    return ok;
}
#else
int heed_retain_freed_memory(void) { return 0; }
#endif
