/* bench_sup.c — supervisors, beside bench/erl/bench_sup.erl.
 *
 *   restart R K  K rounds; in each, a one_for_one supervisor (intensity
 *                R + 10 within an hour) with one permanent child that
 *                exits with reason crash right after it starts. The
 *                supervisor restarts it until its start function has run
 *                R + 1 times; then the start function tells the bench
 *                process and returns ignore, and the supervisor is shut
 *                down. Time per restart over all K * R restarts, start_link
 *                and shutdown of each round included (the twin says why
 *                rounds).
 *
 * Prints RESULT supervisor_restart_us and CHECK supervisor_restarts. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "benchutil.h"
#include "otter/supervisor.h"

static long rounds_k, restarts_r;
static _Atomic long started;   /* runs of the start function (the twin's counter) */
static ot_term bench_pid;
static int failed;

static void crasher(void *arg)
{
    (void)arg;
    ot_exit(ot_atom("crash"));
}

/* The start function: runs in the supervisor. data points to the last
 * count of this round. */
static ot_term start_child(ot_heap *h, ot_term arg, void *data)
{
    (void)h;
    (void)arg;
    long last = *(const long *)data;
    long n = atomic_fetch_add_explicit(&started, 1, memory_order_relaxed) + 1;
    if (n > last) {
        ot_send(bench_pid, ot_atom("restarted_enough"));
        return ot_atom("ignore");
    }
    ot_spawn_opts o = {.link = true};
    return ot_spawn_opt(crasher, NULL, &o);
}

static void bench(void *arg)
{
    (void)arg;
    bench_pid = ot_self();
    ot_trap_exit(true);
    static long last; /* read by the supervisor: static, not on this stack */
    ot_heap *h = ot_heap_new();
    uint64_t t0 = bu_now_ns();
    for (long k = 0; k < rounds_k; k++) {
        last = atomic_load(&started) + restarts_r;
        ot_child_spec kid = {.id = ot_atom("crasher"), .start = start_child, .data = &last,
                             .shutdown = OT_SHUTDOWN_BRUTAL_KILL};
        ot_sup_opts o = {.strategy = OT_ONE_FOR_ONE, .intensity = restarts_r + 10, .period = 3600};
        ot_term sup;
        if (ot_supervisor_start_link(&o, &kid, 1, h, &sup) != 0) {
            failed = 1;
            return;
        }
        ot_msg_free(ot_receive(ot_atom("restarted_enough"), OT_INFINITY, NULL));
        ot_term cc;
        ot_supervisor_count_children(h, sup, &cc);
        if (ot_tuple_get(ot_hd(ot_tl(cc)), 1) != ot_int(NULL, 0))
            failed = 2;
        ot_unlink(sup);
        ot_supervisor_stop(sup, ot_atom("shutdown"), OT_INFINITY);
        ot_heap_reset(h);
    }
    uint64_t t1 = bu_now_ns();
    long restarts = atomic_load(&started) - rounds_k;
    printf("# %ld restarts in %.1f ms\n", restarts, (double)(t1 - t0) / 1e6);
    bu_result("supervisor_restart_us", (double)(t1 - t0) / 1000.0 / (double)restarts, "us");
    bu_check("supervisor_restarts", restarts);
    ot_heap_free(h);
}

int main(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[1], "restart") != 0) {
        fprintf(stderr, "usage: bench_sup restart R K\n");
        return 2;
    }
    restarts_r = atol(argv[2]);
    rounds_k = atol(argv[3]);
    if (restarts_r <= 0 || rounds_k <= 0) {
        fprintf(stderr, "bench_sup: R and K must be positive\n");
        return 2;
    }
    int rc = ot_run(bench, NULL, NULL);
    if (rc != 0 || failed) {
        fprintf(stderr, "bench_sup: failed (ot_run %d, step %d)\n", rc, failed);
        return 1;
    }
    return 0;
}
