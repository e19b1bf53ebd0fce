#include "CBenchSupport.h"

#include <stdlib.h> /* defines __GLIBC__ on glibc */

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#include <pthread.h>
#include <unistd.h>

long bench_heap_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return (long)(info.uordblks + info.hblkhd);
}

struct bench_sampler {
    pthread_t thread;
    int interval_us;
    int running;
    long peak;
};

static void *bench_sample(void *arg) {
    bench_sampler *s = arg;
    while (__atomic_load_n(&s->running, __ATOMIC_ACQUIRE)) {
        long now = bench_heap_in_use();
        if (now > s->peak) s->peak = now;
        usleep((useconds_t)s->interval_us);
    }
    return NULL;
}

bench_sampler *bench_sampler_start(int interval_us) {
    bench_sampler *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->interval_us = interval_us;
    s->running = 1;
    s->peak = bench_heap_in_use();
    if (pthread_create(&s->thread, NULL, bench_sample, s) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

long bench_sampler_stop(bench_sampler *s) {
    if (!s) return -1;
    __atomic_store_n(&s->running, 0, __ATOMIC_RELEASE);
    pthread_join(s->thread, NULL);
    long now = bench_heap_in_use();
    long peak = s->peak > now ? s->peak : now;
    free(s);
    return peak;
}
#else
long bench_heap_in_use(void) { return -1; }
bench_sampler *bench_sampler_start(int interval_us) { (void)interval_us; return 0; }
long bench_sampler_stop(bench_sampler *sampler) { (void)sampler; return -1; }
#endif
