/* benchutil.h — timing and result output shared by otter's benchmark
 * programs.
 *
 * A benchmark program prints each measurement as one stdout line
 *     RESULT <name> <value> <unit>
 * which scripts/bench.py collects, and may print
 *     CHECK <name> <value>
 * lines that its Erlang twin prints too (sizes, sums): the harness compares
 * them to make sure both sides did the same work. Lines starting with '#'
 * are commentary for people.
 *
 * Timed work is a function that performs `iters` operations and returns a
 * checksum of their results; the checksum goes to a volatile sink so the
 * compiler cannot drop the work. bu_measure calibrates the iteration count
 * so that one repetition lasts about `seconds`, runs `reps` repetitions and
 * keeps the fastest (the least disturbed by the rest of the machine). The
 * Erlang twins (bench/erl/bench_util.erl) do exactly the same.
 *
 * Header-only: every benchmark program includes it once. */
#ifndef OTTER_BENCHUTIL_H
#define OTTER_BENCHUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Settings every program accepts; the environment gives the defaults so
 * the harness can shorten a whole run (OTTER_BENCH_SECONDS=0.05). */
typedef struct bu_config {
    double seconds;   /* target length of one repetition */
    int reps;         /* repetitions per measurement; the best is kept */
} bu_config;

/* Results of timed work land here, so the optimiser must compute them. */
static volatile uint64_t bu_sink;

/* bu_now_ns: monotonic time in nanoseconds. */
static inline uint64_t bu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* bu_config_init: defaults (0.3 s, 3 repetitions), then the environment
 * variables OTTER_BENCH_SECONDS and OTTER_BENCH_REPS if set and sensible. */
static inline bu_config bu_config_init(void)
{
    bu_config c = { 0.3, 3 };
    const char *s = getenv("OTTER_BENCH_SECONDS");
    if (s && atof(s) > 0)
        c.seconds = atof(s);
    s = getenv("OTTER_BENCH_REPS");
    if (s && atoi(s) > 0)
        c.reps = atoi(s);
    return c;
}

/* Timed work: perform `iters` operations on ctx, return a checksum. */
typedef uint64_t (*bu_work)(void *ctx, uint64_t iters);

/* bu_measure: nanoseconds per operation of `work`, the best of cfg->reps
 * repetitions of about cfg->seconds each. The iteration count is found by
 * doubling from 1 until a run lasts 10 ms or more (which also warms caches
 * and the allocator). Prints a '#' line saying what was done. */
static inline double bu_measure(const char *name, const bu_config *cfg, bu_work work, void *ctx)
{
    uint64_t iters = 1, t = 0;
    for (;;) {
        uint64_t t0 = bu_now_ns();
        bu_sink += work(ctx, iters);
        t = bu_now_ns() - t0;
        if (t >= 10000000u || iters >= (UINT64_C(1) << 40))
            break;
        iters *= 2;
    }
    double per_op = (double)t / (double)iters;
    uint64_t n = (uint64_t)(cfg->seconds * 1e9 / (per_op > 0 ? per_op : 1));
    if (n < 1)
        n = 1;
    double best = 0;
    for (int r = 0; r < cfg->reps; r++) {
        uint64_t t0 = bu_now_ns();
        bu_sink += work(ctx, n);
        double ns = (double)(bu_now_ns() - t0) / (double)n;
        if (r == 0 || ns < best)
            best = ns;
    }
    printf("# %s: best of %d x %llu iterations: %.1f ns/op\n", name, cfg->reps,
           (unsigned long long)n, best);
    return best;
}

/* bu_result: one measurement line for the harness. */
static inline void bu_result(const char *name, double value, const char *unit)
{
    printf("RESULT %s %.6g %s\n", name, value, unit);
    fflush(stdout);
}

/* bu_check: one cross-check line (compared with the Erlang twin's). */
static inline void bu_check(const char *name, long long value)
{
    printf("CHECK %s %lld\n", name, value);
    fflush(stdout);
}

/* bu_fail: report a setup failure and exit non-zero (the harness shows
 * stderr and records the benchmark as failed). */
static inline void bu_fail(const char *what, const char *detail)
{
    fprintf(stderr, "benchmark setup failed: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    exit(1);
}

/* bu_wanted: does the command line (argv[1..argc)) select `group`? With no
 * arguments every group is selected. */
static inline int bu_wanted(int argc, char **argv, const char *group)
{
    if (argc <= 1)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], group) == 0)
            return 1;
    return 0;
}

#endif
