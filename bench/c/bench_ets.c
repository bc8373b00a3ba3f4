/* bench_ets.c — otter's shared tables beside ets: the notebook's spike
 * (a million inserts into a set table) and random lookups in the table it
 * leaves, from two processes on the two schedulers.
 *
 * Each job is timed once per run (scripts/bench.py runs the program several
 * times and keeps the median); its twin, bench/erl/bench_ets.erl, does the
 * same job with the same counts and prints the same RESULT and CHECK names.
 *
 *   insert N      ot_ets_new(users, [set, public]), then N inserts of
 *                 {I, "User I"} (a binary, Elixir's "User #{i}") for
 *                 I = 1..N, each term built right before its insert:
 *                 ets_insert_1m_seconds. Then the table's memory by
 *                 otter's own accounting (ot_ets_memory, every byte the
 *                 table holds): ets_insert_1m_bytes.
 *   lookup N L    the same table, then two processes each doing L lookups
 *                 of keys drawn with x' = 48271 x rem (2^31 - 1), seeded 1
 *                 and 2, key x rem N + 1, summing the byte sizes of the
 *                 values found; ets_lookup_ns = time from the go message to
 *                 the last reply / (2 L).
 *
 * CHECK lines: the table size, the sum of the values' byte sizes (read back
 * with ot_ets_foldl after the timed part), and the lookups' byte-size sum. */
#include <otter/ets.h>
#include <otter/process.h>
#include <otter/term.h>

#include <pthread.h>
#include <unistd.h>

#include "benchutil.h"

/* Resident set size of this OS process in bytes (/proc/self/statm). */
static long long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long long size = 0, resident = 0;
    if (!f || fscanf(f, "%lld %lld", &size, &resident) != 2)
        bu_fail("/proc/self/statm", "unreadable");
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static long long job_n, job_l;
static const char *job;

/* "User " followed by the decimal digits of i, into buf; returns length. */
static size_t user_name(char *buf, long long i)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    memcpy(buf, "User ", 5);
    for (size_t k = 0; k < n; k++)
        buf[5 + k] = digits[n - 1 - k];
    return 5 + n;
}

/* Fills tid with the N objects; returns the elapsed nanoseconds. */
static uint64_t fill(ot_term tid, long long n)
{
    ot_heap *h = ot_heap_new();
    char buf[32];
    uint64_t t0 = bu_now_ns();
    for (long long i = 1; i <= n; i++) {
        size_t len = user_name(buf, i);
        ot_term obj = ot_tuple(h, 2, ot_int(h, i), ot_binary(h, buf, len));
        if (ot_ets_insert(tid, obj) != 0)
            bu_fail("ot_ets_insert", NULL);
        if ((i & 1023) == 0)
            ot_heap_reset(h);
    }
    uint64_t t1 = bu_now_ns();
    ot_heap_free(h);
    return t1 - t0;
}

static int sum_value_bytes(ot_term obj, void *acc)
{
    size_t n = 0;
    ot_binary_data(ot_tuple_get(obj, 1), &n);
    *(long long *)acc += (long long)n;
    return 0;
}

static ot_term new_users(ot_heap *h)
{
    ot_term tid;
    int rc = ot_ets_new(h, ot_atom("users"), ot_build(h, "[set, public]"), &tid);
    if (rc)
        bu_fail("ot_ets_new", ot_strerror(rc));
    return tid;
}

/* ---------------------------------------------------------------- lookup */

typedef struct worker_arg {
    ot_term parent, tid;
    uint64_t seed;
} worker_arg;

static void worker(void *p)
{
    worker_arg *a = p;
    ot_send(a->parent, ot_atom("ready"));
    ot_msg_free(ot_receive(ot_atom("go"), OT_INFINITY, NULL));
    ot_heap *h = ot_heap_new();
    uint64_t x = a->seed;
    long long sum = 0;
    for (long long i = 0; i < job_l; i++) {
        x = (48271 * x) % 2147483647;
        ot_term found;
        if (ot_ets_lookup(h, a->tid, ot_int(h, (int64_t)(x % (uint64_t)job_n) + 1), &found) != 0 ||
            found == OT_NIL)
            bu_fail("ot_ets_lookup", NULL);
        size_t n = 0;
        ot_binary_data(ot_tuple_get(ot_hd(found), 1), &n);
        sum += (long long)n;
        if ((i & 255) == 0)
            ot_heap_reset(h);
    }
    ot_heap_free(h);
    ot_send(a->parent, ot_build(ot_proc_heap(), "{done, ~l}", (int64_t)sum));
}

/* Spawns the two workers. From a plain thread, where ot_spawn places new
 * processes on the schedulers in turn (from inside a process it places
 * them on the caller's scheduler): one worker per scheduler, as the twin
 * pins its workers with {scheduler, 1} and {scheduler, 2}. */
typedef struct spawner {
    worker_arg *args;
    ot_term pids[2];
} spawner;

static void *spawn_workers(void *p)
{
    spawner *sp = p;
    for (int i = 0; i < 2; i++)
        sp->pids[i] = ot_spawn(worker, &sp->args[i]);
    return NULL;
}

static void main_process(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    ot_term tid = new_users(h);
    if (strcmp(job, "insert") == 0) {
        long long rss0 = rss_bytes();
        uint64_t ns = fill(tid, job_n);
        ssize_t bytes = ot_ets_memory(tid);
        long long rss1 = rss_bytes();
        printf("# %lld inserts: %.3f s, %zd bytes (%.1f per object); RSS grew %lld bytes\n", job_n,
               (double)ns / 1e9, bytes, (double)bytes / (double)job_n, rss1 - rss0);
        bu_result("ets_insert_1m_seconds", (double)ns / 1e9, "s");
        bu_result("ets_insert_1m_bytes", (double)bytes, "B");
        bu_check("ets_insert_size", (long long)ot_ets_size(tid));
        long long vbytes = 0;
        ot_ets_foldl(tid, sum_value_bytes, &vbytes);
        bu_check("ets_insert_value_bytes", vbytes);
        return;
    }
    fill(tid, job_n);
    /* shared with other threads: not on this process's (copy) stack */
    static worker_arg args[2];
    static spawner sp;
    args[0] = (worker_arg){ot_self(), tid, 1};
    args[1] = (worker_arg){ot_self(), tid, 2};
    sp.args = args;
    pthread_t th;
    if (pthread_create(&th, NULL, spawn_workers, &sp) != 0)
        bu_fail("pthread_create", NULL);
    pthread_join(th, NULL);
    ot_term *pids = sp.pids;
    for (int i = 0; i < 2; i++)
        ot_msg_free(ot_receive(ot_atom("ready"), OT_INFINITY, NULL));
    uint64_t t0 = bu_now_ns();
    for (int i = 0; i < 2; i++)
        ot_send(pids[i], ot_atom("go"));
    long long sum = 0;
    for (int i = 0; i < 2; i++) {
        ot_term binds[1];
        ot_msg *m = ot_receive(ot_pattern(h, "{done, S}"), OT_INFINITY, binds);
        int64_t s = 0;
        ot_get_int64(binds[0], &s);
        sum += s;
        ot_msg_free(m);
    }
    uint64_t t1 = bu_now_ns();
    bu_result("ets_lookup_ns", (double)(t1 - t0) / (2.0 * (double)job_l), "ns");
    bu_check("ets_lookup_value_bytes", sum);
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "insert") && strcmp(argv[1], "lookup")) ||
        (strcmp(argv[1], "lookup") == 0 && argc < 4)) {
        fprintf(stderr, "usage: %s insert N | lookup N L\n", argv[0]);
        return 2;
    }
    job = argv[1];
    job_n = atoll(argv[2]);
    job_l = argc > 3 ? atoll(argv[3]) : 0;
    if (job_n < 1)
        bu_fail("N", "must be positive");
    int rc = ot_run(main_process, NULL, NULL);
    return rc == 0 ? 0 : 1;
}
