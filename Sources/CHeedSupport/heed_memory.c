#include "HeedMemory.h"

#if defined(__GLIBC__)
#include <malloc.h>

int heed_retain_freed_memory(void) {
    int ok = mallopt(M_MMAP_THRESHOLD, 1 << 30);
    ok &= mallopt(M_TRIM_THRESHOLD, 1 << 30);
    ok &= mallopt(M_TOP_PAD, 64 << 20);
    return ok;
}
#else
int heed_retain_freed_memory(void) { return 0; }
#endif
