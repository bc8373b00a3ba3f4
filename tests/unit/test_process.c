/* test_process.c — Erlang's process semantics in otter: spawn, send,
 * selective receive, ordering, timeouts, links, trap_exit, kill, monitors,
 * registered names, timers, hibernation, faults inside processes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <stdatomic.h>

#include "otter/introspect.h"
#include "proctest.h"
#include "testutil.h"
#include "core/core_internal.h"

#define P(x) ((void *)(uintptr_t)(x))
#define T(x) ((ot_term)(uintptr_t)(x))

static ot_term pat(const char *text)
{
    ot_term p = ot_pattern(ot_proc_heap(), text);
    CHECK(p != OT_NONE, "bad pattern %s", text);
    return p;
}

/* Receives a message matching `text` within ms, and returns bind 0. */
static ot_term expect(const char *text, int64_t ms, ot_msg **keep)
{
    ot_term binds[4] = {0};
    ot_msg *m = ot_receive(pat(text), ms, binds);
    CHECK(m != NULL, "no message matching %s within %lld ms", text, (long long)ms);
    if (keep)
        *keep = m;
    else
        ot_msg_free(m);
    return m ? binds[0] : OT_NONE;
}

static void expect_nothing(const char *text, int64_t ms)
{
    ot_msg *m = ot_receive(pat(text), ms, NULL);
    CHECK(m == NULL, "unexpected message matching %s", text);
    ot_msg_free(m);
}

/* A process's count drops at the very end of its exit, after its exit
 * and DOWN signals have been sent: once only `n` processes live, every
 * signal of the ones that died is in its receiver's inbox, and a receive
 * sees it (so that "nothing came" is decided by order, not by waiting). */
static bool count_is(void *n) { return ot_process_count() == (size_t)(uintptr_t)n; }
static void wait_count(size_t n)
{
    CHECK(tu_poll(count_is, P(n)), "%zu processes live, %zu expected", ot_process_count(), n);
}

/* Is the process (a pid in ctx) waiting in a receive? */
static bool is_waiting(void *pid)
{
    ot_term st = ot_process_info(ot_proc_heap(), T(pid), OT_ATOM(STATUS));
    return ot_tuple_arity(st) == 2 && ot_tuple_get(st, 1) == OT_ATOM(WAITING);
}

/* The runtime's invariants (docs/assertions.md), where the test is quiet. */
static void check_invariants(void)
{
    const char *bad = ot__check_core();
    CHECK(bad == NULL, "%s", bad);
}

/* ---------------------------------------------------------------- the notebook's ping/pong */

static void ponger(void *arg)
{
    ot_term parent = T(arg);
    ot_msg *m = ot_receive(ot_atom("ping"), OT_INFINITY, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    CHECK(ot_send(parent, ot_atom("pong")) == 0);
}

static void pingpong_body(void *arg)
{
    (void)arg;
    ot_term self = ot_self();
    CHECK(ot_is_pid(self));
    ot_term child = ot_spawn(ponger, P(self));
    CHECK(ot_is_pid(child) && child != self);
    CHECK(ot_send(child, ot_atom("ping")) == 0);
    ot_msg *m = ot_receive(ot_atom("pong"), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL, "no pong");
    ot_msg_free(m);
}

Test(process, notebook_ping_pong) { pt_run(pingpong_body, NULL, 2); }

Test(process, self_outside_a_process_is_none)
{
    cr_assert_eq(ot_self(), OT_NONE);
    cr_assert_null(ot_receive(OT_NONE, 0, NULL));
}

/* ---------------------------------------------------------------- ordering */

#define SENDERS 8
#define PER_SENDER 2000

static void ordered_sender(void *arg)
{
    ot_term to = T(arg);
    ot_heap *h = ot_heap_new();
    ot_term tag = ot_spawn_arg();
    for (int i = 0; i < PER_SENDER; i++) {
        ot_send(to, ot_build(h, "{seq, ~t, ~i}", tag, i));
        ot_heap_reset(h);
    }
    ot_heap_free(h);
}

static void ordering_body(void *arg)
{
    (void)arg;
    int next[SENDERS] = {0};
    for (int s = 0; s < SENDERS; s++) {
        ot_spawn_opts o = {.term_arg = ot_int(NULL, s)};
        CHECK(ot_spawn_opt(ordered_sender, P(ot_self()), &o) != OT_NONE);
    }
    ot_term p = pat("{seq, S, I}");
    for (int k = 0; k < SENDERS * PER_SENDER; k++) {
        ot_term b[4];
        ot_msg *m = ot_receive(p, TU_POLL_CAP_MS, b);
        CHECK(m != NULL, "message %d missing", k);
        if (!m)
            return;
        int64_t s, i;
        ot_get_int64(b[0], &s);
        ot_get_int64(b[1], &i);
        CHECK(i == next[s], "sender %lld: got %lld, expected %d", (long long)s, (long long)i, next[s]);
        next[s] = (int)i + 1;
        ot_msg_free(m);
    }
    check_invariants();
}

Test(process, order_per_pair_is_kept_under_concurrency) { pt_run(ordering_body, NULL, 2); }

/* ---------------------------------------------------------------- selective receive */

static void selective_body(void *arg)
{
    (void)arg;
    ot_term self = ot_self();
    ot_heap *h = ot_proc_heap();
    ot_send(self, ot_build(h, "{a, 1}"));
    ot_send(self, ot_build(h, "{b, 2}"));
    ot_send(self, ot_build(h, "{a, 3}"));
    ot_send(self, ot_build(h, "{c, 4}"));
    check_invariants();
    ot_term v = expect("{c, X}", 0, NULL);
    CHECK(v == ot_int(NULL, 4));
    v = expect("{b, X}", 0, NULL);
    CHECK(v == ot_int(NULL, 2));
    CHECK(ot_message_queue_len() == 2);
    v = expect("{a, X}", 0, NULL);
    CHECK(v == ot_int(NULL, 1), "oldest matching first");
    v = expect("{a, X}", 0, NULL);
    CHECK(v == ot_int(NULL, 3));
    expect_nothing("_", 0);
    /* A repeated variable must bind equal terms. */
    ot_send(self, ot_build(h, "{pair, 1, 2}"));
    ot_send(self, ot_build(h, "{pair, 5, 5}"));
    v = expect("{pair, X, X}", 0, NULL);
    CHECK(v == ot_int(NULL, 5));
    CHECK(ot_flush() == 1);
}

Test(process, selective_receive_leaves_other_messages) { pt_run(selective_body, NULL, 1); }

/* ---------------------------------------------------------------- timeouts */

static bool is_waiting(void *pid);

/* Sends `late` once the receiver (a pid in arg) waits in its receive. */
static void late_sender(void *arg)
{
    if (tu_poll(is_waiting, arg))
        ot_send(T(arg), ot_atom("late"));
}

static void timeout_body(void *arg)
{
    (void)arg;
    int64_t t0 = ot_monotonic_ms();
    CHECK(ot_receive(OT_NONE, 50, NULL) == NULL);
    int64_t dt = ot_monotonic_ms() - t0;
    CHECK(dt >= 50, "timed out after %lld ms", (long long)dt);
    CHECK(ot_receive(OT_NONE, 0, NULL) == NULL);
    /* A message that arrives before the timeout ends the wait (the sender
     * sends once this process waits). */
    ot_spawn(late_sender, P(ot_self()));
    expect("late", TU_POLL_CAP_MS, NULL);
    /* A stale timer of an earlier wait must not cut a later one short:
     * the 20 ms wait ends by its timeout, never early, and the next wait
     * ends with the message. */
    t0 = ot_monotonic_ms();
    CHECK(ot_receive(OT_NONE, 20, NULL) == NULL);
    dt = ot_monotonic_ms() - t0;
    CHECK(dt >= 20, "timed out after %lld ms", (long long)dt);
    ot_spawn(late_sender, P(ot_self()));
    expect("late", TU_POLL_CAP_MS, NULL);
}

Test(process, receive_timeouts) { pt_run(timeout_body, NULL, 2); }

/* ---------------------------------------------------------------- links and exits */

static void die_with(void *arg)
{
    ot_exit(ot_atom((const char *)arg));
}

static void wait_forever(void *arg)
{
    (void)arg;
    ot_msg_free(ot_receive(ot_atom("never"), OT_INFINITY, NULL));
}

static void link_trap_body(void *arg)
{
    (void)arg;
    CHECK(ot_trap_exit(true) == false);
    ot_spawn_opts o = {.link = true};
    ot_term a = ot_spawn_opt(die_with, "boom", &o);
    ot_term b[4];
    ot_msg *m = ot_receive(pat("{'EXIT', P, R}"), TU_POLL_CAP_MS, b);
    CHECK(m != NULL);
    CHECK(b[0] == a);
    CHECK(b[1] == ot_atom("boom"));
    ot_msg_free(m);
    /* A normal exit arrives as a message too when trapping. */
    ot_term c = ot_spawn_opt(die_with, "normal", &o);
    m = ot_receive(pat("{'EXIT', P, R}"), TU_POLL_CAP_MS, b);
    CHECK(m && b[0] == c && b[1] == OT_ATOM(NORMAL));
    ot_msg_free(m);
}

Test(process, trapped_exits_become_messages) { pt_run(link_trap_body, NULL, 2); }

/* A middle process linked to a dying child dies with the same reason; the
 * test process monitors the middle one. */
static void middle(void *arg)
{
    ot_spawn_opts o = {.link = true};
    ot_spawn_opt(die_with, arg, &o);
    ot_send(ot_atom("propagation_test"), ot_atom("spawned"));
    wait_forever(NULL);
}

static void propagation_body(void *arg)
{
    (void)arg;
    ot_register(ot_atom("propagation_test"), ot_self());
    ot_term ref;
    ot_spawn_opts o = {.monitor = true, .monitor_ref = &ref};
    ot_term mid = ot_spawn_opt(middle, "crash", &o);
    ot_term b[4];
    ot_msg *m = ot_receive(pat("{'DOWN', R, process, P, Why}"), TU_POLL_CAP_MS, b);
    CHECK(m != NULL, "middle process did not die");
    if (m) {
        CHECK(ot_equal(b[0], ref));
        CHECK(b[1] == mid);
        CHECK(ot_tuple_get(ot_msg_term(m), 4) == ot_atom("crash"));
    }
    ot_msg_free(m);
    /* A normal exit does not propagate along a link. Once its child is
     * gone (the middle one has spawned it, and two processes are left),
     * the middle one has the child's exit
     * signal in its inbox ahead of the kill sent next: it dies of the
     * kill, not of the child's normal exit. */
    wait_count(1);
    ot_flush();
    mid = ot_spawn_opt(middle, "normal", &o);
    expect("spawned", TU_POLL_CAP_MS, NULL);
    wait_count(2);
    ot_exit_signal(mid, OT_ATOM(KILL));
    m = ot_receive(pat("{'DOWN', _, process, _, Why}"), TU_POLL_CAP_MS, b);
    CHECK(m && b[0] == OT_ATOM(KILLED), "a normal exit killed a linked process");
    ot_msg_free(m);
}

Test(process, abnormal_exit_propagates_normal_does_not) { pt_run(propagation_body, NULL, 2); }

static void trapper(void *arg)
{
    (void)arg;
    ot_trap_exit(true);
    ot_send(ot_whereis(ot_atom("kill_test")), ot_atom("trapping"));
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_send(ot_whereis(ot_atom("kill_test")), ot_msg_term(m));
        ot_msg_free(m);
    }
}

static void kill_body(void *arg)
{
    (void)arg;
    ot_register(ot_atom("kill_test"), ot_self());
    ot_term ref;
    ot_spawn_opts o = {.monitor = true, .monitor_ref = &ref};
    ot_term t = ot_spawn_opt(trapper, NULL, &o);
    expect("trapping", TU_POLL_CAP_MS, NULL); /* as in Erlang, trapping starts when the process says so */
    /* A trappable signal becomes a message... */
    ot_exit_signal(t, ot_atom("please"));
    ot_term b[4];
    ot_msg *m = ot_receive(pat("{'EXIT', P, please}"), TU_POLL_CAP_MS, b);
    CHECK(m != NULL, "trapped exit not forwarded");
    ot_msg_free(m);
    CHECK(ot_is_alive(t));
    /* ... but kill cannot be trapped, and the reason becomes killed. */
    ot_exit_signal(t, OT_ATOM(KILL));
    m = ot_receive(pat("{'DOWN', _, process, _, Why}"), TU_POLL_CAP_MS, b);
    CHECK(m && b[0] == OT_ATOM(KILLED));
    ot_msg_free(m);
    CHECK(!ot_is_alive(t));
}

Test(process, kill_is_untrappable) { pt_run(kill_body, NULL, 2); }

static void exit_in_receive_body(void *arg)
{
    (void)arg;
    ot_term ref;
    ot_spawn_opts o = {.monitor = true, .monitor_ref = &ref};
    ot_term w = ot_spawn_opt(wait_forever, NULL, &o);
    CHECK(tu_poll(is_waiting, P(w)), "it never got to its receive");
    ot_exit_signal(w, ot_atom("stop_now"));
    ot_term b[4];
    ot_msg *m = ot_receive(pat("{'DOWN', _, process, _, Why}"), TU_POLL_CAP_MS, b);
    CHECK(m && b[0] == ot_atom("stop_now"));
    ot_msg_free(m);
    /* exit/2 with normal does not stop another process: signals from one
     * sender come in order, so the kill sent next finds it alive. */
    w = ot_spawn_opt(wait_forever, NULL, &o);
    CHECK(tu_poll(is_waiting, P(w)), "it never got to its receive");
    ot_exit_signal(w, OT_ATOM(NORMAL));
    ot_exit_signal(w, OT_ATOM(KILL));
    m = ot_receive(pat("{'DOWN', _, process, _, Why}"), TU_POLL_CAP_MS, b);
    CHECK(m && b[0] == OT_ATOM(KILLED), "exit(normal) stopped another process");
    ot_msg_free(m);
}

Test(process, exit_signal_while_waiting) { pt_run(exit_in_receive_body, NULL, 2); }

static void link_dead_body(void *arg)
{
    (void)arg;
    ot_trap_exit(true);
    ot_term dref;
    ot_spawn_opts mo = {.monitor = true, .monitor_ref = &dref};
    ot_term d = ot_spawn_opt(die_with, "normal", &mo);
    expect("{'DOWN', _, process, _, normal}", TU_POLL_CAP_MS, NULL);
    CHECK(!ot_is_alive(d));
    CHECK(ot_link(d) == 0);
    ot_term b[4];
    ot_msg *m = ot_receive(pat("{'EXIT', P, R}"), TU_POLL_CAP_MS, b);
    CHECK(m && b[0] == d && b[1] == OT_ATOM(NOPROC), "linking to a dead process gives noproc");
    ot_msg_free(m);
    /* After unlink, the partner's exit does not arrive. */
    wait_count(1);
    ot_term w = ot_spawn(wait_forever, NULL);
    ot_link(w);
    ot_unlink(w);
    ot_exit_signal(w, OT_ATOM(KILL));
    wait_count(1);
    expect_nothing("{'EXIT', _, _}", 0);
}

Test(process, link_to_dead_and_unlink) { pt_run(link_dead_body, NULL, 2); }

/* ---------------------------------------------------------------- monitors */

static void monitor_body(void *arg)
{
    (void)arg;
    ot_term ref;
    ot_spawn_opts mo = {.monitor = true, .monitor_ref = &ref};
    ot_term d = ot_spawn_opt(die_with, "normal", &mo);
    expect("{'DOWN', _, process, _, normal}", TU_POLL_CAP_MS, NULL);
    ref = ot_monitor(NULL, d);
    CHECK(ot_is_ref(ref));
    ot_term b[4];
    ot_msg *m = ot_receive(pat("{'DOWN', R, process, P, noproc}"), TU_POLL_CAP_MS, b);
    CHECK(m && ot_equal(b[0], ref) && b[1] == d, "monitor on a dead pid gives noproc");
    ot_msg_free(m);
    /* Demonitor with flush: no DOWN afterwards. */
    ot_term w = ot_spawn(wait_forever, NULL);
    ref = ot_monitor(NULL, w);
    CHECK(ot_demonitor(ref, true) == 0);
    ot_exit_signal(w, OT_ATOM(KILL));
    wait_count(1);
    expect_nothing("{'DOWN', _, _, _, _}", 0);
    CHECK(ot_demonitor(ref, false) == -ENOENT);
    /* Monitor by registered name. */
    w = ot_spawn(wait_forever, NULL);
    CHECK(ot_register(ot_atom("watched"), w) == 0);
    ref = ot_monitor(NULL, ot_atom("watched"));
    ot_exit_signal(w, ot_atom("bye"));
    m = ot_receive(pat("{'DOWN', _, process, {watched, _}, bye}"), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL, "DOWN of a name monitor names {name, node}");
    ot_msg_free(m);
    ref = ot_monitor(NULL, ot_atom("nobody_here"));
    m = ot_receive(pat("{'DOWN', _, process, {nobody_here, _}, noproc}"), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    check_invariants();
}

Test(process, monitors) { pt_run(monitor_body, NULL, 2); }

/* ---------------------------------------------------------------- names */

static void names_body(void *arg)
{
    (void)arg;
    ot_term w = ot_spawn(wait_forever, NULL);
    CHECK(ot_register(ot_atom("srv"), w) == 0);
    CHECK(ot_whereis(ot_atom("srv")) == w);
    CHECK(ot_register(ot_atom("srv"), ot_self()) == -EEXIST, "a name is taken once");
    CHECK(ot_register(ot_atom("other"), w) == -EEXIST, "a process has one name");
    CHECK(ot_send(ot_atom("srv"), ot_atom("never")) == 0);
    CHECK(ot_send(ot_atom("nobody"), ot_atom("x")) == -ENOENT);
    ot_term names = ot_registered(ot_proc_heap());
    CHECK(ot_list_length(names) >= 1);
    ot_term ref = ot_monitor(NULL, w);
    ot_exit_signal(w, OT_ATOM(KILL));
    ot_msg_free(ot_receive(pat("{'DOWN', _, _, _, _}"), TU_POLL_CAP_MS, NULL));
    (void)ref;
    CHECK(ot_whereis(ot_atom("srv")) == OT_NONE, "the name goes with the process");
    CHECK(ot_register(ot_atom("srv"), ot_self()) == 0);
    CHECK(ot_unregister(ot_atom("srv")) == 0);
    CHECK(ot_unregister(ot_atom("srv")) == -ENOENT);
    /* spawn with a name that is taken starts nothing. */
    ot_register(ot_atom("mine"), ot_self());
    ot_spawn_opts o = {.name = ot_atom("mine")};
    CHECK(ot_spawn_opt(wait_forever, NULL, &o) == OT_NONE);
    check_invariants();
}

Test(process, registered_names) { pt_run(names_body, NULL, 2); }

/* ---------------------------------------------------------------- chains */

#define CHAIN 100000

static void chain_link(void *arg)
{
    long left = (long)(intptr_t)arg;
    if (left > 0) {
        ot_spawn_opts o = {.link = true};
        ot_term next = ot_spawn_opt(chain_link, P(left - 1), &o);
        if (next == OT_NONE)
            ot_exit(ot_atom("spawn_failed"));
    } else {
        ot_send(ot_whereis(ot_atom("chain_test")), ot_atom("chain_built"));
    }
    wait_forever(NULL);
}

static void chain_body(void *arg)
{
    (void)arg;
    ot_register(ot_atom("chain_test"), ot_self());
    ot_term ref;
    ot_spawn_opts o = {.monitor = true, .monitor_ref = &ref};
    ot_term head = ot_spawn_opt(chain_link, P(CHAIN - 1), &o);
    expect("chain_built", 60000, NULL);
    check_invariants();
    ot_exit_signal(head, ot_atom("chain_reaction"));
    ot_msg *m = ot_receive(pat("{'DOWN', _, process, _, chain_reaction}"), 60000, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    /* Every process of the chain must go: wait until only we remain. */
    wait_count(1);
}

Test(process, chain_of_100k_linked_processes_dies_together, .timeout = 300) { pt_run(chain_body, NULL, 2); }

/* ---------------------------------------------------------------- timers */

static void timers_body(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    int64_t t0 = ot_monotonic_ms();
    ot_term tref = ot_send_after(h, 30, ot_self(), ot_atom("tick"));
    CHECK(ot_is_ref(tref));
    expect("tick", TU_POLL_CAP_MS, NULL);
    CHECK(ot_monotonic_ms() - t0 >= 30);
    /* A cancelled timer gives the time it had left and never fires; one
     * that had fired already (a busy machine may take 200 ms to get to
     * the cancel) gives -ENOENT and its message is there. A later timer
     * marks the moment the cancelled one would have fired by. */
    tref = ot_send_after(h, 200, ot_self(), ot_atom("cancelled"));
    int64_t left = ot_cancel_timer(tref);
    CHECK((left >= 0 && left <= 200) || left == -ENOENT, "left %lld", (long long)left);
    CHECK(ot_cancel_timer(tref) == -ENOENT);
    ot_send_after(h, 400, ot_self(), ot_atom("mark"));
    expect("mark", TU_POLL_CAP_MS, NULL);
    if (left >= 0)
        expect_nothing("cancelled", 0);
    else
        expect("cancelled", 0, NULL);
    /* An interval fires again and again until cancelled. */
    tref = ot_send_interval(h, 20, ot_self(), ot_atom("again"));
    for (int i = 0; i < 3; i++)
        expect("again", TU_POLL_CAP_MS, NULL);
    CHECK(ot_cancel_timer(tref) >= 0);
    ot_flush();
    ot_send_after(h, 100, ot_self(), ot_atom("mark"));
    expect("mark", TU_POLL_CAP_MS, NULL);
    expect_nothing("again", 0);
    /* A timer to a registered name resolves the name when it fires. */
    ot_register(ot_atom("timer_target"), ot_self());
    ot_send_after(h, 10, ot_atom("timer_target"), ot_atom("by_name"));
    expect("by_name", TU_POLL_CAP_MS, NULL);
    /* sleep keeps the mailbox filling. */
    ot_send(ot_self(), ot_atom("during_sleep"));
    t0 = ot_monotonic_ms();
    ot_sleep(40);
    CHECK(ot_monotonic_ms() - t0 >= 40);
    expect("during_sleep", 0, NULL);
}

Test(process, timers) { pt_run(timers_body, NULL, 2); }

/* A timeout never ends early, also while the scheduler goes from process
 * to process without sleeping (where it judges from the cycle counter
 * whether a deadline may have come): sleepers with short timeouts share a
 * scheduler with two processes that keep messaging each other. */
static void chatter(void *arg)
{
    (void)arg;
    for (;;) { /* until killed */
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term peer = ot_msg_term(m);
        ot_msg_free(m);
        ot_send(peer, ot_self());
    }
}

static void sleeper(void *arg)
{
    ot_term parent = T(arg);
    uint64_t x = (uint64_t)ot_scheduler_id() * 7919 + (uint64_t)ot_monotonic_ns();
    long early = 0;
    for (int i = 0; i < 20; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int64_t ms = 1 + (int64_t)((x >> 33) % 4);
        int64_t t0 = ot_monotonic_ns();
        if (i % 2)
            ot_sleep(ms);
        else
            CHECK(ot_receive(ot_atom("never_sent"), ms, NULL) == NULL);
        if (ot_monotonic_ns() - t0 < ms * 1000000)
            early++;
    }
    ot_send(parent, ot_int(NULL, early));
}

static void busy_timeouts_body(void *arg)
{
    (void)arg;
    ot_spawn_opts o = {.name = OT_NONE, .label = OT_NONE, .term_arg = OT_NONE, .scheduler = 1};
    ot_term a = ot_spawn_opt(chatter, NULL, &o), b = ot_spawn_opt(chatter, NULL, &o);
    ot_send(a, b); /* a answers b with a, b answers a with b, ... */
    for (int i = 0; i < 20; i++)
        CHECK(ot_spawn_opt(sleeper, P(ot_self()), &o) != OT_NONE);
    long early = 0;
    for (int i = 0; i < 20; i++) {
        ot_msg *m = ot_receive(OT_NONE, 60000, NULL);
        CHECK(m != NULL, "sleeper %d of 20 never finished", i + 1);
        int64_t e = 0;
        ot_get_int64(ot_msg_term(m), &e);
        early += e;
        ot_msg_free(m);
    }
    CHECK(early == 0, "%ld of 400 timeouts ended early", early);
    ot_exit_signal(a, OT_ATOM(KILL));
    ot_exit_signal(b, OT_ATOM(KILL));
}

Test(process, timeouts_never_end_early_on_a_busy_scheduler) { pt_run(busy_timeouts_body, NULL, 2); }

/* ---------------------------------------------------------------- hibernate */

static void hib_loop(void *arg)
{
    long count = (long)(intptr_t)arg;
    ot_term b[4];
    ot_msg *m = ot_receive(pat("{bump, From}"), 0, b);
    if (m) {
        ot_send(b[0], ot_int(NULL, count + 1));
        ot_msg_free(m);
        count++;
    }
    ot_hibernate(hib_loop, P(count));
}

static void hibernate_body(void *arg)
{
    (void)arg;
    ot_term h = ot_spawn(hib_loop, P(0));
    for (int i = 1; i <= 5; i++) {
        ot_send(h, ot_build(ot_proc_heap(), "{bump, ~p}", ot_self()));
        ot_msg *m = ot_receive(OT_NONE, TU_POLL_CAP_MS, NULL);
        CHECK(m && ot_msg_term(m) == ot_int(NULL, i), "hibernated process lost its state");
        ot_msg_free(m);
    }
    check_invariants();
    ot_exit_signal(h, OT_ATOM(KILL));
}

Test(process, hibernate_resumes_in_the_given_function) { pt_run(hibernate_body, NULL, 2); }


/* ---------------------------------------------------------------- listeners */

static _Atomic int64_t events_seen[16];
static _Atomic int events_n;

static int on_event(int64_t i, void *arg)
{
    (void)arg;
    int n = atomic_fetch_add(&events_n, 1);
    if (n < 16)
        events_seen[n] = i;
    if (i == 2)
        return -EIO;             /* a failing event: logged, listening goes on */
    if (i == 3)
        ot_exit(ot_atom("oops")); /* so does an exiting one */
    return 0;
}

static bool seven_events(void *arg)
{
    (void)arg;
    return atomic_load(&events_n) >= 7;
}

static void listen_body(void *arg)
{
    (void)arg;
    atomic_store(&events_n, 0);
    int64_t t0 = ot_monotonic_ms();
    ot_term l = ot_listen(20, on_event, NULL);
    CHECK(ot_is_pid(l));
    tu_poll(seven_events, NULL);
    int64_t dt = ot_monotonic_ms() - t0;
    ot_exit_signal(l, OT_ATOM(KILL));
    CHECK(atomic_load(&events_n) >= 7, "only %d events", atomic_load(&events_n));
    for (int i = 0; i < 7; i++)
        CHECK(events_seen[i] == i, "event %d was %lld", i, (long long)events_seen[i]);
    CHECK(dt >= 6 * 20, "7 events 20 ms apart came within %lld ms", (long long)dt); /* never early */
    CHECK(ot_listen(0, on_event, NULL) == OT_NONE);
}

Test(process, listen_calls_fn_periodically_and_survives_failures) { pt_run(listen_body, NULL, 2); }

/* ---------------------------------------------------------------- outside */

/* Writes a byte to the pipe once the reader waits on it. On one
 * scheduler this runs only if the reader's wait left the scheduler free:
 * were it blocked, the byte would never come and the wait would time out. */
static ot_term fd_reader;
static void late_writer(void *arg)
{
    if (!tu_poll(is_waiting, P(fd_reader)))
        ot_exit(ot_atom("reader_never_waited"));
    if (write((int)(intptr_t)arg, "x", 1) != 1)
        ot_exit(ot_atom("write_failed"));
}

static void fd_body(void *arg)
{
    (void)arg;
    int fds[2];
    CHECK(pipe(fds) == 0);
    /* Nothing to read: the timeout ends the wait; 0 only looks. */
    int64_t t0 = ot_monotonic_ms();
    CHECK(ot_wait_fd(fds[0], OT_FD_READ, 30) == 0);
    CHECK(ot_monotonic_ms() - t0 >= 30);
    CHECK(ot_wait_fd(fds[0], OT_FD_READ, 0) == 0);
    CHECK(ot_wait_fd(fds[1], OT_FD_WRITE, 0) == OT_FD_WRITE, "a pipe is writable at once");
    CHECK(ot_wait_fd(fds[1], OT_FD_WRITE, OT_INFINITY) == OT_FD_WRITE);
    /* A writer comes later; the wait blocks only this process. */
    fd_reader = ot_self();
    ot_spawn(late_writer, (void *)(intptr_t)fds[1]);
    int r = ot_wait_fd(fds[0], OT_FD_READ, TU_POLL_CAP_MS);
    CHECK(r & OT_FD_READ, "got %d: the writer did not run while this process waited", r);
    char c;
    CHECK(read(fds[0], &c, 1) == 1 && c == 'x');
    close(fds[1]);
    r = ot_wait_fd(fds[0], OT_FD_READ, 1000);
    CHECK(r & (OT_FD_READ | OT_FD_ERROR), "end of file is readiness too (%d)", r);
    close(fds[0]);
    CHECK(ot_wait_fd(-1, OT_FD_READ, 10) == -EINVAL);
    CHECK(ot_wait_fd(0, 0, 10) == -EINVAL);
}

Test(process, wait_for_fd_readiness_without_blocking_the_scheduler) { pt_run(fd_body, NULL, 1); }

/* The blocking call wakes a process and waits until that process has
 * run: on one scheduler it can only run if the call left the scheduler
 * free. */
static ot_term nap_partner;
static _Atomic bool partner_ran;

static void partner(void *arg)
{
    (void)arg;
    ot_msg_free(ot_receive(ot_atom("go"), OT_INFINITY, NULL));
    atomic_store(&partner_ran, true);
}

static bool partner_has_run(void *arg)
{
    (void)arg;
    return atomic_load(&partner_ran);
}

static void nap(void *arg)
{
    ot_send(nap_partner, ot_atom("go"));
    *(int *)arg = tu_poll(partner_has_run, NULL) ? 42 : -1;
}

static void blocking_body(void *arg)
{
    (void)arg;
    atomic_store(&partner_ran, false);
    nap_partner = ot_spawn(partner, NULL);
    static int result;
    CHECK(ot_blocking(nap, &result) == 0);
    CHECK(result == 42, "one scheduler, and no other process ran during the call (%d)", result);
}

Test(process, blocking_calls_run_beside_the_scheduler) { pt_run(blocking_body, NULL, 1); }

/* ---------------------------------------------------------------- placement */

/* Holds its scheduler without any runtime call (a long time slice) until
 * some child has run on each of the two schedulers (or the cap passes),
 * then tells the parent which scheduler ran it. While the first ones hold
 * theirs, the rest wait in a backlog that only the other scheduler can
 * take. */
static _Atomic unsigned sched_mask;

static void busy_child(void *arg)
{
    ot_term parent = T(arg);
    atomic_fetch_or(&sched_mask, 1u << ot_scheduler_id());
    int64_t until = ot_monotonic_ns() + (int64_t)TU_POLL_CAP_MS * 1000000;
    while (atomic_load(&sched_mask) != ((1u << 1) | (1u << 2)) && ot_monotonic_ns() < until)
        ;
    ot_send(parent, ot_int(NULL, ot_scheduler_id()));
}

static void backlog_body(void *arg)
{
    (void)arg;
    CHECK(ot_schedulers() == 2);
    unsigned me = ot_scheduler_id();
    CHECK(me == 1 || me == 2, "scheduler id %u", me);
    enum { N = 8 };
    atomic_store(&sched_mask, 0);
    for (int i = 0; i < N; i++)
        CHECK(ot_spawn(busy_child, P(ot_self())) != OT_NONE);
    unsigned seen = 0;
    for (int i = 0; i < N; i++) {
        ot_msg *m = ot_receive(OT_NONE, 2 * TU_POLL_CAP_MS, NULL);
        CHECK(m != NULL, "child %d did not report", i);
        if (!m)
            return;
        int64_t id = 0;
        CHECK(ot_get_int64(ot_msg_term(m), &id) == 0 && (id == 1 || id == 2));
        seen |= 1u << id;
        ot_msg_free(m);
    }
    /* Eight new processes that hold their scheduler until the other one
     * has taken some of them: the idle scheduler must take from the
     * backlog (else the first child holds its scheduler to the cap). */
    CHECK(seen == ((1u << 1) | (1u << 2)), "the backlog ran on one scheduler only (mask %#x)", seen);
}

Test(process, a_backlog_of_new_processes_is_shared_out) { pt_run(backlog_body, NULL, 2); }

static void report_scheduler(void *arg)
{
    ot_send(T(arg), ot_int(NULL, ot_scheduler_id()));
    /* still the same scheduler after waiting with frames held */
    ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
    ot_msg_free(m);
    ot_send(T(arg), ot_int(NULL, ot_scheduler_id()));
}

static void bound_body(void *arg)
{
    (void)arg;
    for (unsigned want = 1; want <= 2; want++) {
        ot_spawn_opts o = {.name = OT_NONE, .label = OT_NONE, .term_arg = OT_NONE, .scheduler = want};
        ot_term pid = ot_spawn_opt(report_scheduler, P(ot_self()), &o);
        CHECK(pid != OT_NONE);
        ot_msg *m = ot_receive(OT_NONE, TU_POLL_CAP_MS, NULL);
        CHECK(m && ot_msg_term(m) == ot_int(NULL, want), "first run on scheduler %u", want);
        ot_msg_free(m);
        ot_send(pid, OT_ATOM(OK));
        m = ot_receive(OT_NONE, TU_POLL_CAP_MS, NULL);
        CHECK(m && ot_msg_term(m) == ot_int(NULL, want), "still on scheduler %u", want);
        ot_msg_free(m);
    }
    ot_spawn_opts bad = {.name = OT_NONE, .label = OT_NONE, .term_arg = OT_NONE, .scheduler = 3};
    CHECK(ot_spawn_opt(report_scheduler, P(ot_self()), &bad) == OT_NONE);
}

Test(process, spawn_on_a_chosen_scheduler) { pt_run(bound_body, NULL, 2); }

Test(process, scheduler_id_outside_a_scheduler_is_zero) { cr_assert_eq(ot_scheduler_id(), 0u); }

/* ---------------------------------------------------------------- names at exit */

static void named_then_exit(void *arg)
{
    (void)arg;
    ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
    ot_msg_free(m);
}

static void name_freed_body(void *arg)
{
    (void)arg;
    ot_term name = ot_atom("pt_reused_name");
    for (int round = 0; round < 200; round++) {
        ot_term ref = OT_NONE;
        /* on the other scheduler: its exit runs there while we wake here */
        ot_spawn_opts o = {.name = name, .label = OT_NONE, .term_arg = OT_NONE, .monitor = true,
                           .monitor_ref = &ref, .scheduler = ot_scheduler_id() == 1 ? 2 : 1};
        ot_term pid = ot_spawn_opt(named_then_exit, NULL, &o);
        CHECK(pid != OT_NONE, "round %d: the name was still taken", round);
        if (pid == OT_NONE)
            return;
        ot_send(name, OT_ATOM(OK));
        expect("{'DOWN', _, process, _, normal}", TU_POLL_CAP_MS, NULL);
        /* As on BEAM: once the DOWN is here, the name is free. */
        CHECK(ot_whereis(name) == OT_NONE, "round %d", round);
        ot_heap_reset(ot_proc_heap());
    }
}

Test(process, a_name_is_free_once_its_down_arrives) { pt_run(name_freed_body, NULL, 2); }
