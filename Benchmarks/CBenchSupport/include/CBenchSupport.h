#ifndef HEED_BENCH_SUPPORT_H
#define HEED_BENCH_SUPPORT_H

/* Bytes currently allocated through malloc (glibc mallinfo2: in-use heap blocks plus mmapped
   blocks), or -1 where that is not available. */
long bench_heap_in_use(void);

/* A background thread that samples bench_heap_in_use() until stopped. */
typedef struct bench_sampler bench_sampler;

/* Starts sampling every `interval_us` microseconds; NULL when sampling is not available. */
bench_sampler *bench_sampler_start(int interval_us);

/* Stops the sampler, frees it, and returns the largest value it saw. */
long bench_sampler_stop(bench_sampler *sampler);

#endif
