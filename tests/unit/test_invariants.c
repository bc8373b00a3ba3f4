/* test_invariants.c — the assertion tiers and the invariant checkers
 * (docs/assertions.md): a failed OT__ASSERT names file, line and condition
 * and aborts; a lock rule catches a caller without the lock; the checkers
 * pass on a busy but quiet runtime and name the rule when a structure is
 * corrupted on purpose (run queue, mailbox, timer heap, registry, tables). */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proctest.h"

#include "core/core_internal.h"
#include "distribution/distribution_internal.h"
#include "ets/ets_internal.h"
#include "otter/ets.h"

#define T(x) ((ot_term)(uintptr_t)(x))
#define P(x) ((void *)(uintptr_t)(x))

/* ---------------------------------------------------------------- aborts */

/* Runs fn in a child process with its stderr captured; asserts that it
 * ended by SIGABRT and that stderr holds `text`. */
static void expect_abort(void (*fn)(void), const char *text)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fflush(stderr);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        fn();
        _exit(0);
    }
    close(fds[1]);
    char out[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof out - 1 && (r = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = 0;
    close(fds[0]);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
              "the child did not abort (status %#x); it wrote: %s", status, out);
    cr_assert(strstr(out, text) != NULL, "stderr lacks \"%s\": %s", text, out);
}

static volatile int two = 2;

enum { FAILING_LINE = __LINE__ + 3 };
static void failing_assert(void)
{
    OT__ASSERT(two + two == 5);
}

static void never_that_happens(void)
{
    if (OT__NEVER(two == 2))
        _exit(3); /* the release path: not reached in a debug build */
}

static void always_that_fails(void)
{
    if (!OT__ALWAYS(two == 3))
        _exit(3);
}

#ifdef NDEBUG
#define DEBUG_ONLY() cr_skip_test("OT__ASSERT and lock owners are compiled out of release builds")
#else
#define DEBUG_ONLY() ((void)0)
#endif

Test(assertions, a_failed_assert_names_file_line_and_condition)
{
    DEBUG_ONLY();
    char want[256];
    snprintf(want, sizeof want, "test_invariants.c:%d: failing_assert: assertion failed: two + two == 5",
             (int)FAILING_LINE);
    expect_abort(failing_assert, want);
}

Test(assertions, never_and_always_stop_a_debug_build)
{
    DEBUG_ONLY();
    expect_abort(never_that_happens, "never_that_happens: assertion failed: !(two == 2)");
    expect_abort(always_that_fails, "always_that_fails: assertion failed: two == 3");
}

Test(assertions, never_and_always_pass_their_condition_on)
{
    /* Both tiers return the condition when it is as expected; in release
     * they return it whatever it is (the safe path is the caller's). */
    cr_assert_eq(OT__NEVER(two == 3), 0);
    cr_assert_eq(OT__ALWAYS(two == 2), 1);
#ifdef NDEBUG
    cr_assert_eq(OT__NEVER(two == 2), 1);
    cr_assert_eq(OT__ALWAYS(two == 3), 0);
#endif
}

/* ---------------------------------------------------------------- lock owners */

static ot__spin spin;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static bool other_sees_spin, other_sees_mutex;

static void *other_thread(void *arg)
{
    (void)arg;
    other_sees_spin = ot__spin_held(&spin);
    other_sees_mutex = ot__mutex_held(&mutex);
    return NULL;
}

Test(assertions, lock_owners_are_known)
{
    DEBUG_ONLY();
    cr_assert(!ot__spin_held(&spin));
    cr_assert(!ot__mutex_held(&mutex));
    ot__spin_lock(&spin);
    pthread_mutex_lock(&mutex);
    cr_assert(ot__spin_held(&spin));
    cr_assert(ot__mutex_held(&mutex));
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, other_thread, NULL), 0);
    pthread_join(t, NULL);
    cr_assert(!other_sees_spin, "another thread thinks it holds the spinlock");
    cr_assert(!other_sees_mutex, "another thread thinks it holds the mutex");
    pthread_mutex_unlock(&mutex);
    ot__spin_unlock(&spin);
    cr_assert(!ot__spin_held(&spin));
    cr_assert(!ot__mutex_held(&mutex));
}

/* A _locked function called without its lock. */
static void conn_start_unlocked(void)
{
    ot__dnode *d = ot__dnode_get(ot_atom("nobody@nowhere"), true);
    uint64_t gen;
    if (d)
        ot__conn_start_locked(d, &gen);
}

Test(assertions, a_locked_function_checks_its_lock)
{
    DEBUG_ONLY();
    expect_abort(conn_start_unlocked, "ot__conn_start_locked: assertion failed: ot__mutex_held(&d->lock)");
}

/* A process that yields with a spinlock held. */
static void yield_holding(void *arg)
{
    (void)arg;
    ot__spin_lock(&spin);
    ot_yield();
    ot__spin_unlock(&spin);
}

static void run_yield_holding(void)
{
    ot_runtime_opts o = {.schedulers = 1};
    ot_run(yield_holding, NULL, &o);
}

Test(assertions, no_process_switches_out_holding_a_spinlock)
{
    DEBUG_ONLY();
    expect_abort(run_yield_holding, "assertion failed: ot__lock_depth == 0");
}

/* ---------------------------------------------------------------- a busy, quiet runtime */

static void idle_receiver(void *arg)
{
    (void)arg;
    ot_msg *m = ot_receive(ot_atom("never_sent"), OT_INFINITY, NULL);
    ot_msg_free(m);
}

static void hibernator(void *arg)
{
    (void)arg;
    ot_hibernate(idle_receiver, NULL);
}

static void table_owner(void *arg)
{
    ot_term parent = T(arg);
    ot_heap *h = ot_proc_heap();
    static const char *const kinds[] = {"[set, public, named_table]", "[ordered_set, public]",
                                        "[bag, public]", "[duplicate_bag, public]"};
    ot_term tabs[4];
    for (int k = 0; k < 4; k++) {
        ot_term opts = ot_pattern(h, kinds[k]);
        CHECK(ot_ets_new(h, k == 0 ? ot_atom("invariants_set") : ot_atom("t"), opts, &tabs[k]) == 0);
        for (int i = 0; i < 300; i++) {
            ot_term big = ot_binary(h, "0123456789012345678901234567890123456789012345678901234567890123456789",
                                    70); /* a shared binary: a special object */
            ot_term obj = ot_tuple(h, 3, ot_int(h, i % 97), ot_int(h, i), i % 10 ? ot_atom("small") : big);
            CHECK(ot_ets_insert(tabs[k], obj) == 0);
        }
        for (int i = 0; i < 300; i += 7)
            ot_ets_delete_key(tabs[k], ot_int(h, i));
    }
    ot_send(parent, ot_tuple(h, 2, ot_atom("tables"), ot_listv(h, 4, tabs)));
    idle_receiver(NULL);
}

typedef struct scene {
    ot_term waiters[16];
    ot_term named, tables, owner;
    ot_term timer_refs[3];
} scene;

/* Fills the runtime: waiting processes with messages they do not take,
 * hibernated ones, links and monitors, a registered name, timers, four
 * tables; returns once every message has reached its mailbox. */
static void build_scene(scene *sc)
{
    ot_heap *h = ot_proc_heap();
    for (int i = 0; i < 16; i++) {
        ot_spawn_opts o = {.name = OT_NONE, .label = OT_NONE, .term_arg = OT_NONE, .link = i % 2 == 0,
                           .monitor = i % 3 == 0, .monitor_ref = &(ot_term){0}};
        sc->waiters[i] = ot_spawn_opt(i % 4 == 3 ? hibernator : idle_receiver, NULL, &o);
        CHECK(sc->waiters[i] != OT_NONE);
        for (int k = 0; k < i % 5; k++)
            ot_send(sc->waiters[i], ot_tuple(h, 2, ot_atom("junk"), ot_int(h, k)));
    }
    ot_spawn_opts no = {.name = ot_atom("invariants_named"), .label = OT_NONE, .term_arg = OT_NONE};
    sc->named = ot_spawn_opt(idle_receiver, NULL, &no);
    CHECK(sc->named != OT_NONE);
    for (int i = 0; i < 3; i++)
        sc->timer_refs[i] = ot_send_after(h, 60000 + i * 1000, ot_self(), ot_atom("late"));
    sc->owner = ot_spawn(table_owner, P(ot_self()));
    ot_term b[1];
    ot_msg *m = ot_receive(ot_pattern(h, "{tables, T}"), 10000, b);
    CHECK(m != NULL, "the table owner did not answer");
    ot_msg_free(m);
    sc->tables = m ? b[0] : OT_NIL;
    /* Bounded wait until every sent message sits in its mailbox. */
    for (int tries = 0; tries < 2000; tries++) {
        bool all = true;
        for (int i = 0; i < 16; i++) {
            ot__proc *p = ot__proc_lookup(sc->waiters[i]);
            all &= p && (size_t)OT__MQ_LEN(p) == (size_t)(i % 5) &&
                   atomic_load(&p->state) == OT__P_WAITING;
        }
        if (all)
            return;
        ot_sleep(1);
    }
    CHECK(false, "the waiters never took in their messages");
}

static void quiet_body(void *arg)
{
    (void)arg;
    scene sc;
    build_scene(&sc);
    const char *bad = ot__check_core();
    CHECK(bad == NULL, "%s", bad);
    bad = ot__ets_check_all();
    CHECK(bad == NULL, "%s", bad);
    for (ot_term l = sc.tables; l != OT_NIL && l != OT_NONE; l = ot_tl(l)) {
        bad = ot__ets_check(ot_hd(l));
        CHECK(bad == NULL, "%s", bad);
    }
}

Test(invariants, a_busy_quiet_runtime_keeps_every_rule_1) { pt_run(quiet_body, NULL, 1); }
Test(invariants, a_busy_quiet_runtime_keeps_every_rule_2) { pt_run(quiet_body, NULL, 2); }
Test(invariants, a_busy_quiet_runtime_keeps_every_rule_4) { pt_run(quiet_body, NULL, 4); }

Test(invariants, outside_a_process_the_core_check_refuses)
{
    const char *bad = ot__check_core();
    cr_assert(bad && strstr(bad, "outside a process"), "%s", bad ? bad : "(passed)");
}

/* ---------------------------------------------------------------- corruptions */

/* The checker's finding, which must contain `want`; then the damage is
 * undone and the checker must pass again. */
static void expect_finding(const char *bad, const char *want)
{
    CHECK(bad != NULL, "the checker missed a corruption (wanted \"%s\")", want);
    CHECK(bad == NULL || strstr(bad, want) != NULL, "finding \"%s\" lacks \"%s\"", bad, want);
}

static void expect_clean(void)
{
    const char *bad = ot__check_core();
    CHECK(bad == NULL, "after repair: %s", bad);
    bad = ot__ets_check_all();
    CHECK(bad == NULL, "after repair: %s", bad);
}

static void corrupt_body(void *arg)
{
    (void)arg;
    scene sc;
    build_scene(&sc);
    ot__proc *w = ot__proc_lookup(sc.waiters[4]);   /* four messages, waiting */
    CHECK(w != NULL);
    if (!w)
        return;

    /* mailbox: a length that is not the list's */
    size_t len = OT__MQ_LEN(w);
    OT__MQ_LEN_SET(w, len + 1);
    expect_finding(ot__check_core(), "messages, length says");
    OT__MQ_LEN_SET(w, len);
    expect_clean();

    /* mailbox: bytes counted wrong */
    OT__MQ_BYTES_ADD(w, 8);
    expect_finding(ot__check_core(), "bytes of messages, counted");
    OT__MQ_BYTES_ADD(w, -8);
    expect_clean();

    /* process state: RUNNABLE, but in no run queue (a lost wake-up) */
    atomic_store(&w->state, OT__P_RUNNABLE);
    expect_finding(ot__check_core(), "is RUNNABLE and in no run queue");
    atomic_store(&w->state, OT__P_WAITING);
    expect_clean();

    /* registry: a name whose process does not carry it */
    ot__proc *n = ot__proc_lookup(sc.named);
    CHECK(n != NULL);
    if (n) {
        n->name = OT_NONE;
        expect_finding(ot__check_core(), "registry: a name of a process that does not carry it");
        n->name = ot_atom("invariants_named");
        expect_clean();
    }

    /* timer heap: a timer due before the one above it (all of them are
     * seconds away: none fires meanwhile) */
    ot__timerheap *th = &ot__sched_current()->timers;
    ot__spin_lock(&th->lock);
    bool two_timers = th->n >= 2;
    int64_t d1 = two_timers ? th->items[1].deadline_ns : 0;
    if (two_timers)
        th->items[1].deadline_ns = th->items[0].deadline_ns - 1;
    ot__spin_unlock(&th->lock);
    CHECK(two_timers, "the scene's timers are not on this scheduler");
    if (two_timers) {
        expect_finding(ot__check_core(), "is due before its parent");
        ot__spin_lock(&th->lock);
        th->items[1].deadline_ns = d1;
        ot__spin_unlock(&th->lock);
        expect_clean();
    }

    /* tables: a size counter, a hash's key count, a tree's heights */
    ot_term tabs[4];
    size_t k = 0;
    for (ot_term l = sc.tables; k < 4 && l != OT_NIL && l != OT_NONE; l = ot_tl(l))
        tabs[k++] = ot_hd(l);
    CHECK(k == 4);
    if (k < 4)
        return;
    ets_ref r;
    CHECK(ot__ets_acquire(tabs[0], true, false, &r) == 0);
    r.t->size++;
    ot__ets_release(&r);
    expect_finding(ot__ets_check(tabs[0]), "objects stored, size says");
    expect_finding(ot__ets_check_all(), "objects stored, size says");
    CHECK(ot__ets_acquire(tabs[0], true, false, &r) == 0);
    r.t->size--;
    r.t->hash.keys--;
    ot__ets_release(&r);
    expect_finding(ot__ets_check(tabs[0]), "hash entries used, counted");
    CHECK(ot__ets_acquire(tabs[0], true, false, &r) == 0);
    r.t->hash.keys++;
    ot__ets_release(&r);
    CHECK(ot__ets_acquire(tabs[1], true, false, &r) == 0);
    r.t->tree.root->height++;
    ot__ets_release(&r);
    expect_finding(ot__ets_check(tabs[1]), "not a balanced tree of correct heights");
    CHECK(ot__ets_acquire(tabs[1], true, false, &r) == 0);
    r.t->tree.root->height--;
    ot__ets_release(&r);
    CHECK(ot__ets_acquire(tabs[2], true, false, &r) == 0);
    r.t->special++;
    ot__ets_release(&r);
    expect_finding(ot__ets_check(tabs[2]), "objects with outside parts, counted");
    CHECK(ot__ets_acquire(tabs[2], true, false, &r) == 0);
    r.t->special--;
    ot__ets_release(&r);
    expect_clean();
}

Test(invariants, the_checkers_catch_corruption_1) { pt_run(corrupt_body, NULL, 1); }
Test(invariants, the_checkers_catch_corruption_2) { pt_run(corrupt_body, NULL, 2); }
