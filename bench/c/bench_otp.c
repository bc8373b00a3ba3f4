/* bench_otp.c — what otter's behaviours cost: a call to a server, and a
 * million idle servers.
 *
 * Its Erlang twin, bench/erl/bench_otp.erl, does the same jobs with a
 * plain gen_server and prints the same RESULT and CHECK names.
 *
 *   server_call         ot_call round trips to a server whose handle_call
 *                       answers {add, I} with its new total, with a 5 s
 *                       timeout (gen_server:call/2's default; the twin
 *                       calls gen_server:call/2): server_call_ns per call
 *                       (bu_measure: calibrated loop, best of
 *                       OTTER_BENCH_REPS). The same without a timeout
 *                       (OT_INFINITY; gen_server:call/3 with infinity, so
 *                       that neither side arms a timer):
 *                       server_call_infinity_ns. Before the clock, a fresh
 *                       server gets {add, I} for I = 1..1000: CHECK
 *                       server_call_total (its last reply) and
 *                       server_call_reply_sum (the sum of all replies).
 *   idle_servers N      N servers started one after another with
 *                       ot_server_start (init keeps I as the state), then
 *                       left idle (stackless, as every otter server).
 *                       idle_servers_bytes = RSS growth / N, from
 *                       /proc/self/statm read before the first start and
 *                       after the last; idle_servers_start_ns = time / N.
 *                       The pid of every 1,000th server is kept and called
 *                       with get afterwards: CHECK idle_servers_count and
 *                       idle_servers_sample_sum.
 *
 * The runtime runs with its defaults (one scheduler per core). */
#include <otter/call.h>
#include <otter/process.h>
#include <otter/server.h>
#include <otter/term.h>

#include <unistd.h>

#include "benchutil.h"

static ot_term a_add, a_get;

static long long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long long size = 0, resident = 0;
    if (!f)
        bu_fail("/proc/self/statm", "cannot open");
    if (fscanf(f, "%lld %lld", &size, &resident) != 2)
        bu_fail("/proc/self/statm", "unreadable");
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

/* ---------------------------------------------------------------- the server */

/* The state is an integer kept in the state pointer itself. */
static ot_server_ret adder_init(ot_server *s, void *arg)
{
    s->state = arg;
    return OT_SRV_OK;
}

static ot_server_ret adder_call(ot_server *s, ot_term req, ot_term from)
{
    (void)from;
    int64_t total = (int64_t)(intptr_t)s->state;
    if (req == a_get)
        return OT_SRV_REPLY(ot_int(NULL, total));
    if (ot_is_tuple(req) && ot_tuple_arity(req) == 2 && ot_tuple_get(req, 0) == a_add) {
        int64_t i = 0;
        ot_get_int64(ot_tuple_get(req, 1), &i);
        total += i;
        s->state = (void *)(intptr_t)total;
        /* A small integer is immediate (no heap), as Total + I is on BEAM. */
        return OT_SRV_REPLY(ot_int(NULL, total));
    }
    return OT_SRV_REPLY(OT_ATOM(ERROR));
}

static const ot_server_callbacks adder = {
    .init = adder_init,
    .handle_call = adder_call,
};

static ot_term start(intptr_t initial)
{
    ot_term pid;
    int rc = ot_server_start(NULL, &adder, (void *)initial, NULL, &pid);
    if (rc != 0)
        bu_fail("ot_server_start", ot_strerror(rc));
    return pid;
}

static int64_t call(ot_heap *h, ot_term srv, ot_term req, int64_t timeout)
{
    ot_term r;
    int rc = ot_call(h, srv, req, timeout, &r);
    int64_t v = 0;
    if (rc != 0 || ot_get_int64(r, &v) != 0)
        bu_fail("ot_call", ot_strerror(rc));
    return v;
}

/* What a job reports, printed once ot_run has returned. */
static struct {
    long n;
    double value[2];
    long long check[2];
} out;

/* ---------------------------------------------------------------- server_call */

typedef struct call_ctx {
    ot_term srv, req;
    ot_heap *h;
    int64_t timeout;
} call_ctx;

static uint64_t calls(void *arg, uint64_t iters)
{
    call_ctx *c = arg;
    uint64_t last = 0;
    for (uint64_t i = 0; i < iters; i++) {
        last = (uint64_t)call(c->h, c->srv, c->req, c->timeout);
        ot_heap_reset(c->h);
    }
    return last;
}

static void server_call_main(void *arg)
{
    (void)arg;
    ot_heap *h = ot_heap_new();
    ot_term check = start(0);
    long long last = 0, sum = 0;
    for (int i = 1; i <= 1000; i++) {
        last = call(h, check, ot_tuple(h, 2, a_add, ot_int(NULL, i)), 5000);
        sum += last;
        ot_heap_reset(h);
    }
    ot_server_stop(NULL, check, OT_ATOM(NORMAL), OT_INFINITY, NULL);
    out.check[0] = last;
    out.check[1] = sum;

    /* The request is built once and sent every time (each send copies it),
     * as the twin's. */
    ot_heap *rh = ot_heap_new();
    call_ctx c = {start(0), ot_tuple(rh, 2, a_add, ot_int(NULL, 1)), h, 5000};
    bu_config cfg = bu_config_init();
    out.value[0] = bu_measure("server_call", &cfg, calls, &c);
    c.timeout = OT_INFINITY;
    out.value[1] = bu_measure("server_call_infinity", &cfg, calls, &c);
    ot_heap_free(rh);
    ot_heap_free(h);
}

/* ---------------------------------------------------------------- idle_servers */

static void idle_servers_main(void *arg)
{
    (void)arg;
    long n = out.n;
    long nsample = n / 1000 + 1;
    ot_term *sample = malloc((size_t)nsample * sizeof *sample);
    if (!sample)
        bu_fail("malloc", "out of memory");
    long kept = 0;
    long long rss0 = rss_bytes();
    uint64_t t0 = bu_now_ns();
    for (long i = 0; i < n; i++) {
        ot_term pid = start(i);
        if (i % 1000 == 0)
            sample[kept++] = pid;
    }
    uint64_t t1 = bu_now_ns();
    long long rss1 = rss_bytes();
    printf("# %ld servers: RSS %lld -> %lld bytes\n", n, rss0, rss1);
    ot_heap *h = ot_heap_new();
    long long sum = 0;
    for (long k = 0; k < kept; k++) {
        sum += call(h, sample[k], a_get, 5000);
        ot_heap_reset(h);
    }
    ot_heap_free(h);
    free(sample);
    out.value[0] = (double)(rss1 - rss0) / (double)n;
    out.value[1] = (double)(t1 - t0) / (double)n;
    out.check[0] = n;
    out.check[1] = sum;
}

/* ---------------------------------------------------------------- main */

static void run(ot_proc_fn fn)
{
    int rc = ot_run(fn, NULL, NULL);
    if (rc != 0)
        bu_fail("ot_run", rc < 0 ? ot_strerror(rc) : "the benchmark process failed");
}

int main(int argc, char **argv)
{
    if (argc < 2)
        bu_fail("usage", "bench_otp server_call | idle_servers [N]");
    a_add = ot_atom("add");
    a_get = ot_atom("get");
    if (strcmp(argv[1], "server_call") == 0) {
        run(server_call_main);
        bu_result("server_call_ns", out.value[0], "ns");
        bu_result("server_call_infinity_ns", out.value[1], "ns");
        bu_check("server_call_total", out.check[0]);
        bu_check("server_call_reply_sum", out.check[1]);
    } else if (strcmp(argv[1], "idle_servers") == 0) {
        out.n = argc > 2 ? atol(argv[2]) : 1000000;
        if (out.n <= 0)
            bu_fail("idle_servers", "N must be positive");
        run(idle_servers_main);
        bu_result("idle_servers_bytes", out.value[0], "B");
        bu_result("idle_servers_start_ns", out.value[1], "ns");
        bu_check("idle_servers_count", out.check[0]);
        bu_check("idle_servers_sample_sum", out.check[1]);
    } else {
        bu_fail("unknown job", argv[1]);
    }
    return 0;
}
