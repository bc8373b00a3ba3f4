/* bench_procs.c — what otter's processes cost: spawning, waiting, messages.
 *
 * Each benchmark is one fixed job, timed once per run (scripts/bench.py runs
 * the program several times and keeps the median); its Erlang twin,
 * bench/erl/bench_procs.erl, does the same job with the same counts and
 * prints the same RESULT and CHECK names.
 *
 *   spawn_idle N          N processes that each tell the parent they are
 *                         ready, then wait for a message hibernated
 *                         (ot_hibernate: no stack while waiting, the way
 *                         otter recommends keeping very many idle
 *                         processes). Reports spawn_idle_seconds (first
 *                         spawn to the last "ready" received) and
 *                         spawn_idle_bytes (RSS growth / N, from
 *                         /proc/self/statm read before the first spawn and
 *                         after the last "ready").
 *   spawn_idle_receive N  the same, each waiting in ot_receive on its own
 *                         stack: spawn_idle_receive_seconds and
 *                         spawn_idle_receive_bytes.
 *   spawn_exit N          N processes that each send one message to the
 *                         parent and exit; the parent receives all N:
 *                         spawn_exit_ns per process.
 *   pingpong N            N round trips between the first process and one
 *                         it spawned (ping, pong): pingpong_ns per round trip.
 *   ring P L              P processes in a ring pass a token L laps
 *                         (P x L hops): ring_ns per hop.
 *   big W M               Savina "Big": W workers, each sending M pings
 *                         {ping, From} to peers drawn at random and waiting
 *                         for each pong, while answering the pings of others;
 *                         big_msgs_per_s = 2 W M messages / elapsed time.
 *   counting N            Savina "Counting": the first process sends N
 *                         messages to a counter, then asks for the total:
 *                         counting_msgs_per_s = N / elapsed time.
 *   idle S                a node with nothing to do: after a second to
 *                         settle, the CPU time the OS process uses while its
 *                         one process sleeps S seconds (utime + stime from
 *                         /proc/self/stat, read the same way by the twin):
 *                         idle_cpu_ms_per_s.
 *
 * The runtime runs with its defaults (one scheduler per core). Setup that is
 * not part of a job (spawning the ring or the workers of Big) is outside the
 * timed span. Output: RESULT lines, CHECK lines with counts and sums the twin
 * prints too, and '#' lines of commentary. */
#include <otter/introspect.h>
#include <otter/process.h>
#include <otter/term.h>

#include <unistd.h>

#include "benchutil.h"

/* ---------------------------------------------------------------- helpers */

/* Resident set size of this OS process in bytes (/proc/self/statm, second
 * field, in pages): the same file the Erlang twin reads. */
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

#define PID_ARG(pid) ((void *)(uintptr_t)(pid))
#define ARG_PID(arg) ((ot_term)(uintptr_t)(arg))

/* Atoms used as messages, made once before the runtime starts. */
static ot_term a_ready, a_done, a_ping, a_pong, a_stop, a_go, a_inc, a_get;

static void make_atoms(void)
{
    a_ready = ot_atom("ready");
    a_done = ot_atom("done");
    a_ping = ot_atom("ping");
    a_pong = ot_atom("pong");
    a_stop = ot_atom("stop");
    a_go = ot_atom("go");
    a_inc = ot_atom("inc");
    a_get = ot_atom("get");
}

/* Takes one message matching pattern (OT_NONE: any), waiting forever. */
static ot_msg *take(ot_term pattern, ot_term *binds)
{
    ot_msg *m = ot_receive(pattern, OT_INFINITY, binds);
    if (!m)
        bu_fail("ot_receive", "returned no message with an infinite timeout");
    return m;
}

static void send(ot_term to, ot_term msg)
{
    int rc = ot_send(to, msg);
    if (rc != 0)
        bu_fail("ot_send", ot_strerror(rc));
}

static ot_term spawn(ot_proc_fn fn, void *arg)
{
    ot_term pid = ot_spawn(fn, arg);
    if (pid == OT_NONE)
        bu_fail("ot_spawn", "no process made (table full or out of memory)");
    return pid;
}

/* What a job reports, printed once ot_run has returned. */
static struct {
    const char *job;
    long n, laps;       /* the counts from the command line */
    double value[3];
    long long check[2];
} out;

/* ---------------------------------------------------------------- spawn_idle */

/* A hibernated process wakes here when a message arrives; it takes the
 * message and ends. */
static void idle_woken(void *arg)
{
    (void)arg;
    ot_msg_free(take(OT_NONE, NULL));
}

static void idle_hibernate(void *arg)
{
    send(ARG_PID(arg), a_ready);
    ot_hibernate(idle_woken, NULL);
}

static void idle_receive(void *arg)
{
    send(ARG_PID(arg), a_ready);
    ot_msg_free(take(OT_NONE, NULL));
}

static void spawn_idle_main(void *arg)
{
    ot_proc_fn body = arg;
    ot_term self = ot_self();
    long n = out.n;
    long long rss0 = rss_bytes();
    ot_memory_info m0, m1;
    ot_memory_read(&m0);
    uint64_t t0 = bu_now_ns();
    for (long i = 0; i < n; i++)
        spawn(body, PID_ARG(self));
    long ready = 0;
    for (; ready < n; ready++)
        ot_msg_free(take(a_ready, NULL));
    uint64_t t1 = bu_now_ns();
    long long rss1 = rss_bytes();
    ot_memory_read(&m1);
    out.value[0] = (double)(t1 - t0) / 1e9;
    out.value[1] = (double)(rss1 - rss0) / (double)n;
    out.value[2] = ((double)m1.processes - (double)m0.processes) / (double)n;
    out.check[0] = ready;
    printf("# %ld processes: RSS %lld -> %lld bytes\n", n, rss0, rss1);
    /* Returning ends ot_run, which stops the idle processes. */
}

/* ---------------------------------------------------------------- spawn_exit */

static void exit_child(void *arg)
{
    send(ARG_PID(arg), a_done);
}

static void spawn_exit_main(void *arg)
{
    (void)arg;
    ot_term self = ot_self();
    long n = out.n;
    uint64_t t0 = bu_now_ns();
    for (long i = 0; i < n; i++)
        spawn(exit_child, PID_ARG(self));
    long done = 0;
    for (; done < n; done++)
        ot_msg_free(take(a_done, NULL));
    uint64_t t1 = bu_now_ns();
    out.value[0] = (double)(t1 - t0) / (double)n;
    out.check[0] = done;
}

/* ---------------------------------------------------------------- pingpong */

/* Answers every ping with pong until stop. */
static void ponger(void *arg)
{
    ot_term pinger = ARG_PID(arg);
    for (;;) {
        ot_msg *m = take(OT_NONE, NULL);
        ot_term t = ot_msg_term(m);
        ot_msg_free(m);
        if (t == a_stop)
            return;
        send(pinger, a_pong);
    }
}

static void pingpong_main(void *arg)
{
    (void)arg;
    long n = out.n;
    ot_term pong = spawn(ponger, PID_ARG(ot_self()));
    long trips = 0;
    uint64_t t0 = bu_now_ns();
    for (long i = 0; i < n; i++) {
        send(pong, a_ping);
        ot_msg_free(take(a_pong, NULL));
        trips++;
    }
    uint64_t t1 = bu_now_ns();
    send(pong, a_stop);
    out.value[0] = (double)(t1 - t0) / (double)n;
    out.check[0] = trips;
}

/* ---------------------------------------------------------------- ring */

/* A ring member: learns its successor from a {next, Pid} message, then
 * passes every token T on as T - 1; the member that gets 0 tells the parent
 * (whose pid is its argument) and sends stop around the ring. */
static void ring_member(void *arg)
{
    ot_term parent = ARG_PID(arg);
    ot_term b[1];
    ot_msg *m = take(ot_pattern(ot_proc_heap(), "{next, Next}"), b);
    ot_term next = b[0];
    ot_msg_free(m);
    ot_heap_reset(ot_proc_heap());
    for (;;) {
        m = take(OT_NONE, NULL);
        ot_term t = ot_msg_term(m);
        ot_msg_free(m);
        if (t == a_stop) {
            send(next, a_stop);
            return;
        }
        int64_t token = 0;
        if (ot_get_int64(t, &token) != 0)
            bu_fail("ring", "a member got neither a token nor stop");
        if (token == 0) {
            send(parent, a_done);
            send(next, a_stop);
            return;
        }
        send(next, ot_int(NULL, token - 1));
    }
}

static void ring_main(void *arg)
{
    (void)arg;
    long procs = out.n, laps = out.laps;
    ot_term *pids = malloc((size_t)procs * sizeof *pids);
    if (!pids)
        bu_fail("malloc", "out of memory");
    for (long i = 0; i < procs; i++)
        pids[i] = spawn(ring_member, PID_ARG(ot_self()));
    ot_heap *h = ot_proc_heap();
    for (long i = 0; i < procs; i++) {
        send(pids[i], ot_tuple(h, 2, ot_atom("next"), pids[(i + 1) % procs]));
        ot_heap_reset(h);
    }
    long long hops = (long long)procs * laps;
    uint64_t t0 = bu_now_ns();
    send(pids[0], ot_int(NULL, hops));
    ot_msg_free(take(a_done, NULL));
    uint64_t t1 = bu_now_ns();
    free(pids);
    out.value[0] = (double)(t1 - t0) / (double)hops;
    out.check[0] = hops;
}

/* ---------------------------------------------------------------- big */

/* The workers' pids, written by the parent before it sends them go (the
 * twin sends them the same table, as a tuple, before the clock starts). */
typedef struct big_ctx {
    ot_term parent;
    long workers, pings;
    ot_term *pids;
    long index;          /* this worker's place in pids (one big_ctx per worker) */
} big_ctx;

/* Park and Miller's minimal standard generator, x' = 48271 x mod (2^31 - 1):
 * its products stay below 2^47, small integers on BEAM too, so the twin
 * draws the very same peers. */
static inline uint64_t minstd(uint64_t x)
{
    return x * 48271u % 2147483647u;
}

static void big_worker(void *arg)
{
    big_ctx *bc = arg;
    ot_term self = ot_self();
    ot_term ping = ot_tuple(ot_proc_heap(), 2, a_ping, self);
    uint64_t seed = (uint64_t)bc->index + 1;
    long sent = 0;
    long long target_sum = 0;
    ot_msg_free(take(a_go, NULL));
    /* The first ping, then one more for every pong until `pings` pings
     * have been answered; pings from others are answered throughout. */
    seed = minstd(seed);
    long to = (long)(seed % (uint64_t)bc->workers);
    target_sum += to;
    send(bc->pids[to], ping);
    sent = 1;
    for (;;) {
        ot_msg *m = take(OT_NONE, NULL);
        ot_term t = ot_msg_term(m);
        if (t == a_pong) {
            ot_msg_free(m);
            if (sent < bc->pings) {
                seed = minstd(seed);
                to = (long)(seed % (uint64_t)bc->workers);
                target_sum += to;
                send(bc->pids[to], ping);
                sent++;
            } else if (sent == bc->pings) {
                send(bc->parent, ot_int(NULL, target_sum));
                sent++;
            }
        } else if (t == a_stop) {
            ot_msg_free(m);
            return;
        } else {
            ot_term from = ot_tuple_get(t, 1);
            ot_msg_free(m);
            send(from, a_pong);
        }
    }
}

static void big_main(void *arg)
{
    (void)arg;
    long w = out.n, pings = out.laps;
    ot_term *pids = malloc((size_t)w * sizeof *pids);
    big_ctx *ctx = malloc((size_t)w * sizeof *ctx);
    if (!pids || !ctx)
        bu_fail("malloc", "out of memory");
    for (long i = 0; i < w; i++) {
        ctx[i] = (big_ctx){ ot_self(), w, pings, pids, i };
        pids[i] = spawn(big_worker, &ctx[i]);
    }
    uint64_t t0 = bu_now_ns();
    for (long i = 0; i < w; i++)
        send(pids[i], a_go);
    long long target_sum = 0;
    for (long i = 0; i < w; i++) {
        ot_msg *m = take(OT_NONE, NULL);
        int64_t s = 0;
        if (ot_get_int64(ot_msg_term(m), &s) != 0)
            bu_fail("big", "a worker reported something else than its sum");
        target_sum += s;
        ot_msg_free(m);
    }
    uint64_t t1 = bu_now_ns();
    for (long i = 0; i < w; i++)
        send(pids[i], a_stop);
    double msgs = 2.0 * (double)w * (double)pings;
    out.value[0] = msgs / ((double)(t1 - t0) / 1e9);
    out.check[0] = (long long)msgs;
    out.check[1] = target_sum;
    /* The workers may still be reading their stop; ot_run stops them when
     * this process returns, so pids and ctx must outlive them: leak them. */
}

/* ---------------------------------------------------------------- counting */

static void counter(void *arg)
{
    (void)arg;
    long long count = 0;
    ot_term b[1];
    ot_term get = ot_pattern(ot_proc_heap(), "{get, From}");
    for (;;) {
        ot_msg *m = take(OT_NONE, NULL);
        ot_term t = ot_msg_term(m);
        if (t == a_inc) {
            count++;
            ot_msg_free(m);
        } else if (ot_match(get, t, b)) {
            ot_term from = b[0];
            ot_msg_free(m);
            send(from, ot_int(NULL, count));
            return;
        } else {
            bu_fail("counting", "the counter got an unexpected message");
        }
    }
}

static void counting_main(void *arg)
{
    (void)arg;
    long n = out.n;
    ot_term c = spawn(counter, NULL);
    ot_term get = ot_tuple(ot_proc_heap(), 2, a_get, ot_self());
    uint64_t t0 = bu_now_ns();
    for (long i = 0; i < n; i++)
        send(c, a_inc);
    send(c, get);
    ot_msg *m = take(OT_NONE, NULL);
    uint64_t t1 = bu_now_ns();
    int64_t total = -1;
    ot_get_int64(ot_msg_term(m), &total);
    ot_msg_free(m);
    out.value[0] = (double)n / ((double)(t1 - t0) / 1e9);
    out.check[0] = total;
}

/* ---------------------------------------------------------------- idle */

/* CPU time of this OS process, all threads, in ms: utime + stime from
 * /proc/self/stat (fields 14 and 15, in clock ticks), as the twin reads it. */
static double cpu_ms(void)
{
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        bu_fail("/proc/self/stat", "cannot open");
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        bu_fail("/proc/self/stat", "unreadable");
    return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

static void idle_main(void *arg)
{
    (void)arg;
    ot_sleep(1000);
    double c0 = cpu_ms();
    ot_sleep(out.n * 1000);
    out.value[0] = (cpu_ms() - c0) / (double)out.n;
}

/* ---------------------------------------------------------------- main */

static long arg_long(int argc, char **argv, int i, long dflt)
{
    if (argc <= i)
        return dflt;
    char *end;
    long v = strtol(argv[i], &end, 10);
    if (*end || v <= 0)
        bu_fail("bad count", argv[i]);
    return v;
}

static void run(ot_proc_fn fn, void *arg)
{
    int rc = ot_run(fn, arg, NULL);
    if (rc != 0)
        bu_fail("ot_run", rc < 0 ? ot_strerror(rc) : "the first process did not exit normally");
}

int main(int argc, char **argv)
{
    if (argc < 2)
        bu_fail("usage", "bench_procs spawn_idle|spawn_idle_receive|spawn_exit|pingpong|"
                         "ring|big|counting|idle [counts]");
    const char *job = argv[1];
    out.job = job;
    make_atoms();
    if (strcmp(job, "spawn_idle") == 0 || strcmp(job, "spawn_idle_receive") == 0) {
        int hib = strcmp(job, "spawn_idle") == 0;
        out.n = arg_long(argc, argv, 2, 1000000);
        run(spawn_idle_main, hib ? (void *)idle_hibernate : (void *)idle_receive);
        char name[64];
        snprintf(name, sizeof name, "%s_seconds", job);
        bu_result(name, out.value[0], "s");
        snprintf(name, sizeof name, "%s_bytes", job);
        bu_result(name, out.value[1], "B");
        if (hib)
            bu_result("spawn_idle_memory_processes_bytes", out.value[2], "B");
        bu_check("spawn_idle_ready", out.check[0]);
    } else if (strcmp(job, "spawn_exit") == 0) {
        out.n = arg_long(argc, argv, 2, 1000000);
        run(spawn_exit_main, NULL);
        bu_result("spawn_exit_ns", out.value[0], "ns");
        bu_check("spawn_exit_messages", out.check[0]);
    } else if (strcmp(job, "pingpong") == 0) {
        out.n = arg_long(argc, argv, 2, 1000000);
        run(pingpong_main, NULL);
        bu_result("pingpong_ns", out.value[0], "ns");
        bu_check("pingpong_round_trips", out.check[0]);
    } else if (strcmp(job, "ring") == 0) {
        out.n = arg_long(argc, argv, 2, 1000);
        out.laps = arg_long(argc, argv, 3, 1000);
        run(ring_main, NULL);
        bu_result("ring_ns", out.value[0], "ns");
        bu_check("ring_hops", out.check[0]);
    } else if (strcmp(job, "big") == 0) {
        out.n = arg_long(argc, argv, 2, 500);
        out.laps = arg_long(argc, argv, 3, 2000);
        run(big_main, NULL);
        bu_result("big_msgs_per_s", out.value[0], "msg/s");
        bu_check("big_messages", out.check[0]);
        bu_check("big_target_sum", out.check[1]);
    } else if (strcmp(job, "counting") == 0) {
        out.n = arg_long(argc, argv, 2, 1000000);
        run(counting_main, NULL);
        bu_result("counting_msgs_per_s", out.value[0], "msg/s");
        bu_check("counting_total", out.check[0]);
    } else if (strcmp(job, "idle") == 0) {
        out.n = arg_long(argc, argv, 2, 10);
        run(idle_main, NULL);
        bu_result("idle_cpu_ms_per_s", out.value[0], "ms/s");
    } else {
        bu_fail("unknown job", job);
    }
    return 0;
}
