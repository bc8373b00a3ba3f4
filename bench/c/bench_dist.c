/* bench_dist.c — two otter nodes on loopback, one calling the other; the
 * twin is bench/erl/bench_dist.erl with two BEAM nodes.
 *
 *   bench_dist [erpc] [msgs N]
 *
 *   erpc     erpc_call_us: one erpc call of erlang:memory/0 on the other
 *            node, start to answer, in microseconds (calibrated like
 *            every bu_measure benchmark)
 *   msgs N   dist_msgs_per_s: N one-way messages {ping, I} to a process
 *            on the other node, until that process has counted them all
 *
 * The second node is a child OS process (forked before any runtime
 * starts) that runs until the parent closes the pipe it reads. Both
 * nodes register with the local epmd under names unique to this run. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchutil.h"
#include "otter/erpc.h"
#include "otter/node.h"
#include "otter/process.h"

static char server_name[64], client_name[64], cookie[64];
static int ready_pipe[2], stop_pipe[2];
static int want_erpc, want_msgs;
static long msgs_n = 500000;

/* ---------------------------------------------------------------- the server node */

/* Counts messages; answers {count, From} with {count, N}. */
static void sink(void *arg)
{
    (void)arg;
    int64_t count = 0;
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(m);
        if (ot_tuple_arity(t) == 2 && ot_tuple_get(t, 0) == ot_atom("count")) {
            ot_heap *h = ot_proc_heap();
            ot_send(ot_tuple_get(t, 1), ot_tuple(h, 2, ot_atom("count"), ot_int(h, count)));
            ot_heap_reset(h);
            count = 0;
        } else {
            count++;
        }
        ot_msg_free(m);
    }
}

static void server_body(void *arg)
{
    (void)arg;
    if (ot_node_start(server_name, OT_NODE_SHORT, cookie) != 0)
        ot_exit(ot_atom("no_node"));
    ot_spawn_opts o = {.name = ot_atom("sink")};
    ot_spawn_opt(sink, NULL, &o);
    if (write(ready_pipe[1], "R", 1) != 1)
        ot_exit(ot_atom("no_pipe"));
    ot_wait_fd(stop_pipe[0], OT_FD_READ, OT_INFINITY);
    ot_node_stop();
}

/* ---------------------------------------------------------------- the client node */

static ot_term server;
static size_t memory_len;

static uint64_t erpc_work(void *ctx, uint64_t iters)
{
    (void)ctx;
    ot_heap *h = ot_heap_new();
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++) {
        ot_term r;
        int rc = ot_erpc_call(h, server, ot_atom("erlang"), ot_atom("memory"), OT_NIL, 10000, &r);
        if (rc != 0) {
            char why[256];
            int n = snprintf(why, sizeof why, "a call failed: %s, ", rc > 0 ? "raised" : ot_strerror(rc));
            ot_print(why + n, sizeof why - (size_t)n, r, NULL);
            bu_fail("erpc", why);
        }
        memory_len = (size_t)ot_list_length(r);
        sum += memory_len;
        ot_heap_reset(h);
    }
    ot_heap_free(h);
    return sum;
}

static void client_body(void *arg)
{
    (void)arg;
    bu_config cfg = bu_config_init();
    if (ot_node_start(client_name, OT_NODE_SHORT, cookie) != 0)
        bu_fail("node", "the client node did not start");
    char host[256];
    gethostname(host, sizeof host);
    char *dot = strchr(host, '.');
    if (dot)
        *dot = 0;
    char full[320];
    snprintf(full, sizeof full, "%s@%s", server_name, host);
    server = ot_atom(full);
    if (ot_connect(server) != 0)
        bu_fail("connect", full);
    printf("# two otter nodes on loopback, %u schedulers each\n", ot_schedulers());

    if (want_erpc) {
        double ns = bu_measure("erpc of erlang:memory/0", &cfg, erpc_work, NULL);
        bu_result("erpc_call_us", ns / 1000.0, "us");
        bu_check("erpc_memory_categories", (long long)memory_len);
    }
    if (want_msgs) {
        ot_heap *h = ot_heap_new();
        ot_term sink_pid;
        if (ot_erpc_call(h, server, ot_atom("erlang"), ot_atom("whereis"), ot_build(h, "[sink]"), 10000,
                         &sink_pid) != 0 || !ot_is_pid(sink_pid))
            bu_fail("msgs", "no sink");
        sink_pid = ot_copy(h, sink_pid);
        ot_term count_pat = ot_pattern(h, "{count, N}");
        double best = 0;
        int64_t got = 0;
        for (int rep = 0; rep < cfg.reps; rep++) {
            ot_heap *mh = ot_heap_new();
            uint64_t t0 = bu_now_ns();
            for (long i = 0; i < msgs_n; i++) {
                ot_term msg = ot_tuple(mh, 2, ot_atom("ping"), ot_int(mh, i));
                ot_send(sink_pid, msg);
                if ((i & 1023) == 1023)
                    ot_heap_reset(mh);
            }
            ot_send(sink_pid, ot_tuple(mh, 2, ot_atom("count"), ot_self()));
            ot_term b[1];
            ot_msg *m = ot_receive(count_pat, 60000, b);
            uint64_t t = bu_now_ns() - t0;
            if (!m)
                bu_fail("msgs", "no count from the sink");
            ot_get_int64(b[0], &got);
            ot_msg_free(m);
            ot_heap_free(mh);
            double rate = (double)msgs_n / ((double)t / 1e9);
            printf("# %ld messages in %.1f ms: %.0f msg/s\n", msgs_n, t / 1e6, rate);
            if (rate > best)
                best = rate;
        }
        bu_result("dist_msgs_per_s", best, "msg/s");
        bu_check("dist_msgs_counted", got);
        ot_heap_free(h);
    }
    ot_node_stop();
}

int main(int argc, char **argv)
{
    want_erpc = bu_wanted(argc, argv, "erpc");
    want_msgs = bu_wanted(argc, argv, "msgs");
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "msgs") && atol(argv[i + 1]) > 0)
            msgs_n = atol(argv[i + 1]);
    snprintf(server_name, sizeof server_name, "otbench_s%d", (int)getpid());
    snprintf(client_name, sizeof client_name, "otbench_c%d", (int)getpid());
    snprintf(cookie, sizeof cookie, "bench%d", (int)getpid());
    if (pipe(ready_pipe) != 0 || pipe(stop_pipe) != 0)
        bu_fail("pipe", NULL);
    pid_t child = fork();
    if (child < 0)
        bu_fail("fork", NULL);
    if (child == 0) {
        close(stop_pipe[1]);
        close(ready_pipe[0]);
        _exit(ot_run(server_body, NULL, NULL) < 0 ? 1 : 0);
    }
    close(stop_pipe[0]);
    close(ready_pipe[1]);
    char c;
    if (read(ready_pipe[0], &c, 1) != 1)
        bu_fail("server node", "did not start");
    int rc = ot_run(client_body, NULL, NULL);
    close(stop_pipe[1]);
    int st;
    waitpid(child, &st, 0);
    return rc == 0 ? 0 : 1;
}
