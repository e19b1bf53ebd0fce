#ifndef HEED_BENCH_SUPPORT_H
#define HEED_BENCH_SUPPORT_H

/* Makes glibc serve every block of at least `mmap_threshold` bytes with its own mapping and give
   freed heap memory back above `trim_threshold` bytes, so that the resident high-water mark of a
   call reflects the memory that call touched. Returns 0 when the allocator is not glibc. */
int bench_configure_malloc(int mmap_threshold, int trim_threshold);

#endif
