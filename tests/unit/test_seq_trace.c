/* test_seq_trace.c — sequential traces: who holds the token (senders,
 * receivers, spawned processes; not bystanders; not after an untraced
 * message), which events are kept (sends, spawns, EXIT along links, DOWN
 * along monitors; not messages to oneself), names and labels, the cap, and
 * a trace that ends while its processes live on. */
#include <errno.h>
#include <stdint.h>

#include "otter/introspect.h"
#include "otter/trace.h"
#include "proctest.h"
#include "testutil.h"

#define P(x) ((void *)(uintptr_t)(x))
#define T(x) ((ot_term)(uintptr_t)(x))

static ot_heap *rh;   /* results of the trace under test */

static ot_term field(ot_term map, const char *key)
{
    return ot_map_get(map, ot_atom(key));
}

static size_t count_events(ot_term rec, const char *type, ot_term from, ot_term to)
{
    size_t n = 0;
    for (ot_term c = field(rec, "events"); c != OT_NIL; c = ot_tl(c)) {
        ot_term e = ot_hd(c);
        if (field(e, "type") == ot_atom(type) && (from == OT_NONE || field(e, "from") == from) &&
            (to == OT_NONE || field(e, "to") == to))
            n++;
    }
    return n;
}

static ot_term nth_event(ot_term rec, size_t i)
{
    ot_term c = field(rec, "events");
    while (i-- && c != OT_NIL)
        c = ot_tl(c);
    return c == OT_NIL ? OT_NONE : ot_hd(c);
}

/* ---------------------------------------------------------------- ping/pong */

static void ponger(void *arg)
{
    ot_msg *m = ot_receive(ot_atom("ping"), 60000, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    ot_send(T(arg), ot_atom("pong"));
    ot_send(ot_self(), ot_atom("note_to_self"));
    ot_flush();
}

static ot_term child_pid;

static void ping_pong(void *arg)
{
    (void)arg;
    child_pid = ot_spawn(ponger, P(ot_self()));
    ot_send(child_pid, ot_atom("ping"));
    ot_msg *m = ot_receive(ot_atom("pong"), 60000, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
}

/* A process that talks with the traced ones' neighbourhood but never gets
 * the token. */
static void bystander(void *arg)
{
    (void)arg;
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_msg_free(m);
        ot_send(ot_self(), ot_atom("x"));
        ot_flush();
    }
}

static void pingpong_body(void *arg)
{
    (void)arg;
    rh = ot_heap_new();
    ot_term by = ot_spawn(bystander, NULL);
    ot_send(by, ot_atom("hello"));   /* untraced: before the trace */
    ot_term rec = ot_seq_trace(rh, ping_pong, NULL, NULL);
    CHECK(rec != OT_NONE);
    ot_term self = ot_self();
    CHECK(field(rec, "self") == self);
    /* the child may also have ended before the trace did: an :exit without `to` */
    ssize_t nev = ot_list_length(field(rec, "events"));
    CHECK(nev == 3 || (nev == 4 && count_events(rec, "exit", child_pid, OT_NONE) == 1),
          "events: %zd", nev);
    ot_term e0 = nth_event(rec, 0), e1 = nth_event(rec, 1), e2 = nth_event(rec, 2);
    CHECK(field(e0, "type") == ot_atom("spawn") && field(e0, "from") == self && field(e0, "to") == child_pid);
    CHECK(field(e1, "type") == ot_atom("send") && field(e1, "to") == child_pid &&
          field(e1, "msg") == ot_atom("ping"));
    CHECK(field(e2, "type") == ot_atom("send") && field(e2, "from") == child_pid &&
          field(e2, "to") == self && field(e2, "msg") == ot_atom("pong"));
    int64_t t0 = -1, t1 = -1, t2 = -1;
    ot_get_int64(field(e0, "time"), &t0);
    ot_get_int64(field(e1, "time"), &t1);
    ot_get_int64(field(e2, "time"), &t2);
    CHECK(t0 >= 0 && t0 <= t1 && t1 <= t2);
    CHECK(ot_map_size(field(rec, "processes")) == 2);
    CHECK(field(rec, "dropped") == ot_int(rh, 0));
    /* afterwards the caller sends untraced again */
    ot_send(by, ot_atom("after"));
    ot_exit_signal(by, ot_atom("kill"));
    ot_heap_free(rh);
}

Test(seq_trace, ping_pong) { pt_run(pingpong_body, NULL, 2); }

/* ---------------------------------------------------------------- exits */

static void die_with(void *arg)
{
    ot_msg_free(ot_receive(ot_atom("go"), 60000, NULL));
    ot_exit(T(arg));
}

static ot_term linked_pid, monitored_pid, quiet_pid;

static void say_bye(void *arg)
{
    ot_send(T(arg), ot_atom("bye"));
}

/* How many processes live: a process's count drops at the very end of its
 * exit, after its exit has been traced. */
static bool count_is(void *n) { return ot_process_count() == (size_t)(uintptr_t)n; }

static void exits(void *arg)
{
    (void)arg;
    size_t base = ot_process_count();
    ot_trap_exit(true);
    ot_spawn_opts lo = {.link = true};
    linked_pid = ot_spawn_opt(die_with, P(ot_atom("boom")), &lo);
    ot_term ref;
    ot_spawn_opts mo = {.monitor = true, .monitor_ref = &ref};
    monitored_pid = ot_spawn_opt(die_with, P(ot_atom("bang")), &mo);
    ot_send(linked_pid, ot_atom("go"));
    ot_send(monitored_pid, ot_atom("go"));
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{'EXIT', _, boom}"), 60000, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    m = ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', _, process, _, bang}"), 60000, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    ot_trap_exit(false);
    /* a process with neither links nor monitors: its end is an :exit without `to` */
    quiet_pid = ot_spawn(say_bye, P(ot_self()));
    ot_msg_free(ot_receive(ot_atom("bye"), 60000, NULL));
    CHECK(tu_poll(count_is, P(base)), "%zu processes, %zu before", ot_process_count(), base);
}

static void exits_body(void *arg)
{
    (void)arg;
    rh = ot_heap_new();
    ot_term rec = ot_seq_trace(rh, exits, NULL, NULL);
    ot_term self = ot_self();
    CHECK(count_events(rec, "exit", linked_pid, self) == 1);
    CHECK(count_events(rec, "down", monitored_pid, self) == 1);
    CHECK(count_events(rec, "spawn", self, OT_NONE) == 3);
    size_t quiet_ends = 0;
    for (ot_term c = field(rec, "events"); c != OT_NIL; c = ot_tl(c)) {
        ot_term e = ot_hd(c);
        if (field(e, "from") == quiet_pid && field(e, "type") == ot_atom("exit")) {
            quiet_ends++;
            CHECK(field(e, "to") == OT_NONE && field(e, "reason") == OT_ATOM(NORMAL));
        }
    }
    CHECK(quiet_ends == 1);
    for (ot_term c = field(rec, "events"); c != OT_NIL; c = ot_tl(c)) {
        ot_term e = ot_hd(c);
        if (field(e, "type") == ot_atom("exit") && field(e, "from") == linked_pid)
            CHECK(field(e, "reason") == ot_atom("boom"));
        if (field(e, "type") == ot_atom("down"))
            CHECK(field(e, "reason") == ot_atom("bang"));
    }
    ot_heap_free(rh);
}

Test(seq_trace, exit_and_down) { pt_run(exits_body, NULL, 2); }

/* ---------------------------------------------------------------- token rules */

/* Spawned before the trace, so untraced until it receives :traced. Then
 * it relays (holding the token: kept); then it receives a timer's message,
 * which carries no token, and what it sends next is not kept. */
static void relay(void *arg)
{
    ot_term to = T(arg);
    ot_set_label(ot_build(ot_proc_heap(), "{relay, 1}"));
    ot_msg_free(ot_receive(ot_atom("traced"), 60000, NULL));
    ot_send(to, ot_atom("relayed"));
    ot_msg_free(ot_receive(ot_atom("untraced"), 60000, NULL));
    ot_send(to, ot_atom("after_untraced"));
}

static ot_term relay_pid;

static bool relay_waits(void *arg)
{
    (void)arg;
    ot_term st = ot_process_info(ot_proc_heap(), relay_pid, OT_ATOM(STATUS));
    return ot_tuple_arity(st) == 2 && ot_tuple_get(st, 1) == OT_ATOM(WAITING);
}

static void token_rules(void *arg)
{
    (void)arg;
    ot_send(relay_pid, ot_atom("traced"));
    ot_msg_free(ot_receive(ot_atom("relayed"), 60000, NULL));
    ot_msg *m = ot_receive(ot_atom("after_untraced"), 60000, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
}

static void token_body(void *arg)
{
    (void)arg;
    rh = ot_heap_new();
    ot_term self = ot_self();
    CHECK(ot_register(ot_atom("the_root"), self) == 0);
    relay_pid = ot_spawn(relay, P(self));
    CHECK(tu_poll(relay_waits, NULL), "the relay never got to its receive"); /* its label is set */
    ot_send_after(ot_proc_heap(), 100, relay_pid, ot_atom("untraced"));
    ot_term rec = ot_seq_trace(rh, token_rules, NULL, NULL);
    CHECK(count_events(rec, "send", self, relay_pid) == 1);
    CHECK(count_events(rec, "send", relay_pid, self) == 1, "the relayed message, only");
    CHECK(count_events(rec, "spawn", OT_NONE, OT_NONE) == 0);
    ot_term parts = field(rec, "processes");
    CHECK(ot_map_size(parts) == 2);
    ot_term me = ot_map_get(parts, self), relay_info = ot_map_get(parts, relay_pid);
    CHECK(me != OT_NONE && field(me, "name") == ot_atom("the_root"));
    CHECK(me != OT_NONE && field(me, "label") == OT_ATOM(NIL));
    char buf[64] = "";
    if (relay_info != OT_NONE)
        ot_print(buf, sizeof buf, field(relay_info, "label"), NULL);
    CHECK(strcmp(buf, "{:relay, 1}") == 0, "label %s", buf);
    CHECK(relay_info != OT_NONE && field(relay_info, "name") == OT_ATOM(NIL));
    ot_heap_free(rh);
}

Test(seq_trace, token_rules) { pt_run(token_body, NULL, 2); }

/* ---------------------------------------------------------------- cap, end */

/* Takes the token with its first message and keeps sending after the
 * trace has ended: nothing more is kept, nothing breaks. */
static void chatter(void *arg)
{
    ot_term to = T(arg);
    for (int i = 0; i < 30; i++) {
        ot_msg_free(ot_receive(OT_NONE, 60000, NULL));
        ot_send(to, ot_atom("ack"));
    }
}

static ot_term chatter_pid;

static void twenty(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        ot_send(chatter_pid, ot_atom("m"));
        ot_msg_free(ot_receive(ot_atom("ack"), 60000, NULL));
    }
}

static void cap_body(void *arg)
{
    (void)arg;
    rh = ot_heap_new();
    chatter_pid = ot_spawn(chatter, P(ot_self()));
    ot_seq_trace_opts o = {.max_events = 5};
    ot_term rec = ot_seq_trace(rh, twenty, NULL, &o);
    CHECK(ot_list_length(field(rec, "events")) == 5);
    int64_t dropped = -1;
    ot_get_int64(field(rec, "dropped"), &dropped);
    CHECK(dropped == 35, "dropped %lld", (long long)dropped);
    /* the chatter still holds the ended trace's token */
    for (int i = 0; i < 10; i++) {
        ot_send(chatter_pid, ot_atom("m"));
        ot_msg_free(ot_receive(ot_atom("ack"), 60000, NULL));
    }
    CHECK(ot_seq_trace_end(rh, 250) == OT_NONE);
    ot_heap_free(rh);
}

Test(seq_trace, cap_and_after_the_end) { pt_run(cap_body, NULL, 2); }

/* ---------------------------------------------------------------- concurrency */

static void sender(void *arg)
{
    for (int i = 0; i < 100; i++)
        ot_send(T(arg), ot_atom("n"));
}

static void fifty(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++)
        ot_spawn(sender, P(ot_self()));
    for (int i = 0; i < 5000; i++)
        ot_msg_free(ot_receive(ot_atom("n"), 60000, NULL));
}

static void many_body(void *arg)
{
    (void)arg;
    rh = ot_heap_new();
    ot_seq_trace_opts o = {.max_events = 100000};
    ot_term rec = ot_seq_trace(rh, fifty, NULL, &o);
    CHECK(count_events(rec, "spawn", ot_self(), OT_NONE) == 50);
    CHECK(count_events(rec, "send", OT_NONE, ot_self()) == 5000);
    CHECK(ot_map_size(field(rec, "processes")) == 51);
    int64_t prev = -1;
    for (ot_term c = field(rec, "events"); c != OT_NIL; c = ot_tl(c)) {
        int64_t t;
        ot_get_int64(field(ot_hd(c), "time"), &t);
        CHECK(t >= prev, "events out of time order");
        prev = t;
    }
    ot_heap_free(rh);
}

Test(seq_trace, both_schedulers) { pt_run(many_body, NULL, 2); }

/* ---------------------------------------------------------------- errors */

static void errors_body(void *arg)
{
    (void)arg;
    CHECK(ot_seq_trace_end(ot_proc_heap(), 0) == OT_NONE);
    CHECK(ot_seq_trace_end(ot_proc_heap(), 70000) == OT_NONE);
    CHECK(ot_seq_trace(NULL, twenty, NULL, NULL) == OT_NONE);
}

Test(seq_trace, errors) { pt_run(errors_body, NULL, 1); }

Test(seq_trace, outside_a_process)
{
    cr_expect(ot_seq_trace_begin(NULL) == -EPERM);
}

/* ---------------------------------------------------------------- the notebook's second trace */

#include "otter/mermaid.h"
#include "otter/task.h"

/* Task.async_stream(1..4, fn i -> sleep 1..30 ms; i end) |> Stream.run():
 * four tasks spawned by the caller, each answering it; drawn with the
 * answers as messages back to self(). */
static ot_term nap(ot_term i, void *ctx, ot_heap *h)
{
    (void)ctx;
    (void)h;
    int64_t n = 0;
    ot_get_int64(i, &n);
    ot_sleep(1 + (n * 7) % 30);
    return i;
}

static void four_tasks(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    ot_term items[4];
    for (int i = 0; i < 4; i++)
        items[i] = ot_int(h, i + 1);
    ot_task_stream_opts o = {.max_concurrency = 4};
    ot_task_stream *s = ot_task_async_stream(items, 4, nap, NULL, &o);
    CHECK(ot_task_stream_run(s) == 0);
    ot_task_stream_close(s);
}

static void async_stream_body(void *arg)
{
    (void)arg;
    rh = ot_heap_new();
    ot_term self = ot_self();
    ot_term rec = ot_seq_trace(rh, four_tasks, NULL, NULL);
    CHECK(count_events(rec, "spawn", self, OT_NONE) == 4, "spawns: %zu",
          count_events(rec, "spawn", self, OT_NONE));
    /* every task answers the caller with its result */
    size_t tasks_answering = 0;
    for (ot_term c = field(rec, "events"); c != OT_NIL; c = ot_tl(c)) {
        ot_term e = ot_hd(c);
        if (field(e, "type") != ot_atom("spawn"))
            continue;
        ot_term task = field(e, "to");
        tasks_answering += count_events(rec, "send", task, self) >= 1;
    }
    CHECK(tasks_answering == 4, "tasks answering: %zu", tasks_answering);
    char *text = NULL;
    ot_seq_opts so = {.flags = OT_SEQ_REPLIES};
    ssize_t n = ot_mermaid_seq(rec, &so, &text, NULL);
    CHECK(n > 0);
    /* five participants: self() and four tasks, each spawned and activated */
    size_t parts = 0, spawns = 0;
    for (const char *p = text; p && (p = strstr(p, "\nparticipant ")); p++)
        parts++;
    for (const char *p = text; p && (p = strstr(p, "SPAWN")); p++)
        spawns++;
    CHECK(parts == 5 && spawns == 4, "participants %zu, SPAWN %zu", parts, spawns);
    free(text);
    ot_heap_free(rh);
}

Test(seq_trace, async_stream_of_four) { pt_run(async_stream_body, NULL, 2); }
