/* test_sched_stress.c — the scheduler and mailboxes under load on every
 * scheduler at once, built for ThreadSanitizer (and AddressSanitizer):
 * many processes, many messages, spawn/exit churn with links and
 * monitors, timers. A plain program writing TAP, because the Criterion
 * runner itself does not run under ThreadSanitizer.
 *
 * Usage: test_sched_stress [--tap=FILE] */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_internal.h"
#include "otter/process.h"

static FILE *tap;
static int tests_run, tests_failed;
static char failure[256];
static _Atomic int failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond) && !atomic_exchange(&failed, 1))                                 \
            snprintf(failure, sizeof failure, "%s:%d: %s", __FILE__, __LINE__, #cond); \
    } while (0)

static void run(const char *name, ot_proc_fn body)
{
    atomic_store(&failed, 0);
    failure[0] = 0;
    ot_runtime_opts o = {.schedulers = 2};
    int64_t t0 = ot_monotonic_ns();
    int rc = ot_run(body, NULL, &o);
    fprintf(stderr, "# %s: %.3f s\n", name, (ot_monotonic_ns() - t0) / 1e9);
    tests_run++;
    if (rc != 0 || atomic_load(&failed)) {
        tests_failed++;
        fprintf(tap, "not ok %d - %s\n  # rc=%d %s\n", tests_run, name, rc, failure);
    } else {
        fprintf(tap, "ok %d - %s\n", tests_run, name);
    }
    fflush(tap);
}

/* The runtime's invariants (docs/assertions.md), once the load has passed. */
static void check_invariants(void)
{
    const char *bad = ot__check_core();
    if (bad && !atomic_exchange(&failed, 1))
        snprintf(failure, sizeof failure, "invariants: %s", bad);
}

#if defined(__SANITIZE_THREAD__)
#define SCALE 8 /* ThreadSanitizer runs everything about 50 times slower */
#else
#define SCALE 1
#endif

#define P(x) ((void *)(uintptr_t)(x))
#define T(x) ((ot_term)(uintptr_t)(x))

/* ---------------------------------------------------------------- pairs */

#define PAIRS (64 / SCALE)
#define ROUNDS 2000

static void echo(void *arg)
{
    (void)arg;
    for (;;) {
        ot_term b[2];
        ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{From, N}"), OT_INFINITY, b);
        ot_send(b[0], b[1]);
        ot_msg_free(m);
        ot_heap_reset(ot_proc_heap());
    }
}

static void pinger(void *arg)
{
    ot_term parent = T(arg);
    /* the echo on the other scheduler: every message crosses threads */
    ot_spawn_opts o = {.name = OT_NONE, .label = OT_NONE, .term_arg = OT_NONE,
                       .scheduler = ot_scheduler_id() == 1 ? 2 : 1};
    ot_term e = ot_spawn_opt(echo, NULL, &o);
    CHECK(e != OT_NONE);
    ot_heap *h = ot_heap_new();
    for (int i = 0; i < ROUNDS; i++) {
        ot_send(e, ot_tuple(h, 2, ot_self(), ot_int(NULL, i)));
        ot_msg *m = ot_receive(OT_NONE, 10000, NULL);
        CHECK(m && ot_msg_term(m) == ot_int(NULL, i));
        ot_msg_free(m);
        ot_heap_reset(h);
    }
    ot_heap_free(h);
    ot_exit_signal(e, OT_ATOM(KILL));
    ot_send(parent, ot_atom("done"));
}

static void pairs_body(void *arg)
{
    (void)arg;
    for (int i = 0; i < PAIRS; i++) {
        ot_spawn_opts o = {.name = OT_NONE, .label = OT_NONE, .term_arg = OT_NONE,
                           .scheduler = 1 + (unsigned)(i % 2)};
        CHECK(ot_spawn_opt(pinger, P(ot_self()), &o) != OT_NONE);
    }
    for (int i = 0; i < PAIRS; i++) {
        ot_msg *m = ot_receive(ot_atom("done"), 60000, NULL);
        CHECK(m != NULL);
        ot_msg_free(m);
    }
    check_invariants();
}

/* ---------------------------------------------------------------- fan-in */

#define SENDERS 16
#define PER_SENDER 5000

static void sender(void *arg)
{
    ot_term to = T(arg);
    ot_heap *h = ot_heap_new();
    ot_term me = ot_spawn_arg();
    unsigned where = ot_scheduler_id();
    for (int i = 0; i < PER_SENDER; i++) {
        CHECK(ot_scheduler_id() == where);
        ot_send(to, ot_tuple(h, 2, me, ot_int(NULL, i)));
        ot_heap_reset(h);
    }
    ot_heap_free(h);
}

static void fanin_body(void *arg)
{
    (void)arg;
    int next[SENDERS] = {0};
    for (int s = 0; s < SENDERS; s++) {
        ot_spawn_opts o = {.term_arg = ot_int(NULL, s)};
        ot_spawn_opt(sender, P(ot_self()), &o);
    }
    for (int k = 0; k < SENDERS * PER_SENDER; k++) {
        ot_msg *m = ot_receive(OT_NONE, 30000, NULL);
        CHECK(m != NULL);
        if (!m)
            return;
        int64_t s, i;
        ot_get_int64(ot_tuple_get(ot_msg_term(m), 0), &s);
        ot_get_int64(ot_tuple_get(ot_msg_term(m), 1), &i);
        CHECK(s >= 0 && s < SENDERS && i == next[s]);
        if (s >= 0 && s < SENDERS)
            next[s] = (int)i + 1;
        ot_msg_free(m);
    }
    check_invariants();
}

/* ---------------------------------------------------------------- churn */

#define CHURN (20000 / SCALE)

static void short_lived(void *arg)
{
    long n = (long)(intptr_t)arg;
    if (n % 3 == 0)
        ot_exit(ot_atom("crashed"));
    if (n % 3 == 1)
        ot_yield();
}

static void churn_body(void *arg)
{
    (void)arg;
    ot_trap_exit(true);
    int downs = 0, exits = 0;
    for (long i = 0; i < CHURN; i++) {
        ot_spawn_opts o = {.link = i % 2 == 0, .monitor = i % 2 == 1, .monitor_ref = &(ot_term){0}};
        CHECK(ot_spawn_opt(short_lived, P(i), &o) != OT_NONE);
        if (i % 256 == 0)
            ot_heap_reset(ot_proc_heap());
    }
    while (downs + exits < CHURN) {
        ot_msg *m = ot_receive(OT_NONE, 30000, NULL);
        CHECK(m != NULL);
        if (!m)
            return;
        ot_term t = ot_msg_term(m);
        if (ot_tuple_get(t, 0) == OT_ATOM(DOWN))
            downs++;
        else if (ot_tuple_get(t, 0) == OT_ATOM(EXIT))
            exits++;
        ot_msg_free(m);
    }
    CHECK(downs == CHURN / 2 && exits == CHURN / 2);
    check_invariants();
}

/* ---------------------------------------------------------------- timers */

static void sleeper(void *arg)
{
    ot_sleep((int64_t)(intptr_t)arg % 20);
    ot_send(ot_whereis(ot_atom("timer_stress")), ot_atom("woke"));
}

static void timers_body(void *arg)
{
    (void)arg;
    ot_register(ot_atom("timer_stress"), ot_self());
    for (long i = 0; i < 2000 / SCALE; i++)
        ot_spawn(sleeper, P(i));
    for (int i = 0; i < 2000 / SCALE; i++) {
        ot_msg *m = ot_receive(ot_atom("woke"), 30000, NULL);
        CHECK(m != NULL);
        ot_msg_free(m);
    }
    check_invariants();
}

/* ---------------------------------------------------------------- backlog */

/* New processes that hold their scheduler for a while, spawned in waves:
 * the backlog ages, the idle scheduler is woken and steals half of it,
 * while the stolen and the unstolen exchange messages with the parent. */
#define WAVES 4
#define PER_WAVE 16

static void slow_start(void *arg)
{
    int64_t until = ot_monotonic_ns() + 2 * 1000000;
    while (ot_monotonic_ns() < until)
        ;
    ot_term b[1];
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{go, From}"), 60000, b);
    CHECK(m != NULL);
    if (!m)
        return;
    ot_send(b[0], ot_int(NULL, ot_scheduler_id()));
    ot_msg_free(m);
    (void)arg;
}

static void backlog_body(void *arg)
{
    (void)arg;
    unsigned seen = 0;
    ot_heap *h = ot_heap_new();
    for (int w = 0; w < WAVES; w++) {
        ot_term pids[PER_WAVE];
        for (int i = 0; i < PER_WAVE; i++) {
            pids[i] = ot_spawn(slow_start, NULL);
            CHECK(pids[i] != OT_NONE);
        }
        for (int i = 0; i < PER_WAVE; i++) {
            ot_send(pids[i], ot_tuple(h, 2, ot_atom("go"), ot_self()));
            ot_heap_reset(h);
        }
        for (int i = 0; i < PER_WAVE; i++) {
            ot_msg *m = ot_receive(OT_NONE, 60000, NULL);
            CHECK(m != NULL);
            int64_t id = 0;
            if (m && ot_get_int64(ot_msg_term(m), &id) == 0 && id > 0 && id < 32)
                seen |= 1u << id;
            ot_msg_free(m);
        }
    }
    ot_heap_free(h);
    CHECK(seen == ((1u << 1) | (1u << 2)));
    check_invariants();
}

int main(int argc, char **argv)
{
    tap = stdout;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--tap=", 6) == 0 && !(tap = fopen(argv[i] + 6, "w")))
            return 2;
    fprintf(tap, "1..5\n");
    run("sched: ping-pong pairs across schedulers", pairs_body);
    run("sched: 16 senders into one mailbox keep their order", fanin_body);
    run("sched: spawn/exit churn with links and monitors", churn_body);
    run("sched: many sleeping processes", timers_body);
    run("sched: an old backlog of new processes is stolen in halves", backlog_body);
    fprintf(stderr, "%d tests, %d failed\n", tests_run, tests_failed);
    return tests_failed ? 1 : 0;
}
