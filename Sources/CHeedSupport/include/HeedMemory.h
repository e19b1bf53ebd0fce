#ifndef HEED_MEMORY_H
#define HEED_MEMORY_H

/* Raises glibc's mmap threshold to its maximum (32 MiB), serves larger blocks from the heap
   too (no mmap), and raises the trim threshold to 1 GiB and the top pad to 64 MiB, so that
   freed blocks stay in the process for reuse. Returns 1 when glibc accepted every setting, 0
   otherwise (and always 0 without glibc). */
int heed_retain_freed_memory(void);

#endif
