/* test_task.c — Elixir's Task in otter: async/await, await's timeout,
 * yield, shutdown, await_many, start_link, a crashing task (with and
 * without trap_exit), and async_stream: the notebook's cell (tasks run at
 * the same time: their intervals overlap), input order and completion
 * order, max_concurrency (counted), both on_timeout modes, crashes,
 * iterator input, closing early. No test compares elapsed time with a
 * threshold: concurrency is shown by overlapping intervals and counts,
 * order by tasks that wait for each other. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "otter/introspect.h"
#include "otter/task.h"
#include "proctest.h"
#include "testutil.h"

static bool text_is(ot_term t, const char *want)
{
    char buf[200];
    ot_print(buf, sizeof buf, t, NULL);
    if (strcmp(buf, want) != 0) {
        CHECK(false, "got %s, want %s", buf, want);
        return false;
    }
    return true;
}

static ot_term expect(const char *text, int64_t ms)
{
    ot_term b[4] = {0};
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), text), ms, b);
    CHECK(m != NULL, "no message matching %s within %lld ms", text, (long long)ms);
    ot_term r = m ? ot_copy(ot_proc_heap(), b[0]) : OT_NONE;
    ot_msg_free(m);
    return r;
}

static void expect_nothing(const char *text, int64_t ms)
{
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), text), ms, NULL);
    CHECK(m == NULL, "unexpected message matching %s", text);
    ot_msg_free(m);
}

static int64_t int_of(ot_term t)
{
    int64_t v = -1;
    ot_get_int64(t, &v);
    return v;
}

/* ---------------------------------------------------------------- task functions */

static ot_term double_it(ot_term x, void *ctx, ot_heap *h)
{
    (void)ctx;
    return ot_int(h, 2 * int_of(x));
}

/* Sleeps arg ms, then answers {slept, arg}. */
static ot_term sleeper(ot_term ms, void *ctx, ot_heap *h)
{
    (void)ctx;
    ot_sleep(int_of(ms));
    return ot_tuple(h, 2, ot_atom("slept"), ms);
}

/* Waits for a `release` that never comes: a task still running however
 * slow the machine, until it is killed. Item 0 of a stream answers at once
 * instead ({slept, 0}). */
static ot_term held(ot_term x, void *ctx, ot_heap *h)
{
    (void)ctx;
    if (int_of(x) == 0)
        return ot_tuple(h, 2, ot_atom("slept"), x);
    ot_msg_free(ot_receive(ot_atom("release"), OT_INFINITY, NULL));
    return ot_tuple(h, 2, ot_atom("slept"), x);
}

/* Ends with reason arg. */
static ot_term crasher(ot_term reason, void *ctx, ot_heap *h)
{
    (void)ctx, (void)h;
    ot_exit(reason);
}

static ot_term no_result(ot_term x, void *ctx, ot_heap *h)
{
    (void)x, (void)ctx, (void)h;
    return OT_NONE;
}

/* Traps exits and ignores shutdown: only a kill ends it. */
static ot_term stubborn(ot_term x, void *ctx, ot_heap *h)
{
    (void)x, (void)ctx, (void)h;
    ot_trap_exit(true);
    for (;;)
        ot_msg_free(ot_receive(OT_NONE, OT_INFINITY, NULL));
    return OT_NIL;
}

/* ---------------------------------------------------------------- async / await */

static void await_body(void *arg)
{
    (void)arg;
    ot_task t;
    ot_term r;
    CHECK(ot_task_async(NULL, double_it, ot_int(NULL, 21), NULL, &t) == 0);
    CHECK(t.owner == ot_self() && ot_is_pid(t.pid) && ot_is_ref(t.ref));
    CHECK(ot_task_await(NULL, &t, TU_POLL_CAP_MS, &r) == 0);
    CHECK(r == ot_int(NULL, 42));
    /* a task is awaited once */
    CHECK(ot_task_await(NULL, &t, 100, &r) == -ESRCH);
    CHECK(r == OT_ATOM(NOPROC));
    /* compound arguments and results */
    CHECK(ot_task_async(NULL, sleeper, ot_int(NULL, 1), NULL, &t) == 0);
    CHECK(ot_task_await(NULL, &t, TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "{:slept, 1}");
    /* nothing of the tasks is left: no reply, no DOWN */
    expect_nothing("_", 50);
    /* a function that fails to build its result */
    ot_trap_exit(true);
    CHECK(ot_task_async(NULL, no_result, OT_NIL, NULL, &t) == 0);
    CHECK(ot_task_await(NULL, &t, TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    CHECK(r == ot_atom("bad_return_value"));
    expect("{'EXIT', _, bad_return_value}", TU_POLL_CAP_MS);
    /* bad arguments */
    CHECK(ot_task_async(NULL, NULL, OT_NIL, NULL, &t) == -EINVAL);
}

Test(task, async_await) { pt_run(await_body, NULL, 2); }

/* Await's timeout: the task is killed and its result never shows up. */
static void await_timeout_body(void *arg)
{
    (void)arg;
    ot_task t;
    ot_term r;
    size_t before = ot_process_count();
    CHECK(ot_task_async(NULL, held, ot_int(NULL, 300), NULL, &t) == 0);
    ot_term pid = t.pid;
    CHECK(ot_task_await(NULL, &t, 20, &r) == -ETIMEDOUT);
    CHECK(r == OT_ATOM(TIMEOUT));
    CHECK(!ot_is_alive(pid));
    CHECK(ot_process_count() == before);
    /* the owner is still alive (it was unlinked before the kill) and no
     * late message of the task arrives (the count is back: its exit's
     * signals were all sent) */
    expect_nothing("_", 50);
    CHECK(ot_task_await(NULL, &t, 20, &r) == -ESRCH);
}

Test(task, await_timeout) { pt_run(await_timeout_body, NULL, 2); }

/* Only the owner may await. */
static void stranger(void *arg)
{
    (void)arg;
    ot_term b[3];
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{task, Pid, Ref, Owner}"), TU_POLL_CAP_MS, b);
    CHECK(m != NULL);
    ot_task t = {b[0], ot_copy(ot_proc_heap(), b[1]), b[2]};
    ot_msg_free(m);
    ot_term r;
    CHECK(ot_task_await(NULL, &t, 100, &r) == -EPERM);
    CHECK(r == OT_ATOM(BADARG));
    CHECK(ot_task_yield(NULL, &t, 100, &r) == -EPERM);
    CHECK(ot_task_shutdown(NULL, &t, 100, &r) == -EPERM);
    ot_send(t.owner, ot_atom("stranger_done"));
}

static void owner_body(void *arg)
{
    (void)arg;
    ot_task t;
    ot_term r;
    CHECK(ot_task_async(NULL, sleeper, ot_int(NULL, 50), NULL, &t) == 0);
    ot_term other = ot_spawn(stranger, NULL);
    ot_send(other, ot_build(ot_proc_heap(), "{task, ~t, ~t, ~t}", t.pid, t.ref, t.owner));
    expect("stranger_done", TU_POLL_CAP_MS);
    CHECK(ot_task_await(NULL, &t, TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "{:slept, 50}");
}

Test(task, only_the_owner_awaits) { pt_run(owner_body, NULL, 2); }

/* ---------------------------------------------------------------- yield, shutdown */

static void yield_body(void *arg)
{
    (void)arg;
    ot_task t;
    ot_term r;
    /* no result yet: nil, the task goes on */
    CHECK(ot_task_async(NULL, sleeper, ot_int(NULL, 100), NULL, &t) == 0);
    CHECK(ot_task_yield(NULL, &t, 0, &r) == -ETIMEDOUT);
    CHECK(ot_is_alive(t.pid));
    /* yield again until it comes */
    int rc;
    while ((rc = ot_task_yield(NULL, &t, 10, &r)) == -ETIMEDOUT)
        ;
    CHECK(rc == 0);
    text_is(r, "{:slept, 100}");
    CHECK(ot_task_yield(NULL, &t, 10, &r) == -ESRCH);
    /* a task that exits: {exit, reason} (the owner traps exits) */
    ot_trap_exit(true);
    CHECK(ot_task_async(NULL, crasher, ot_atom("boom"), NULL, &t) == 0);
    CHECK(ot_task_yield(NULL, &t, TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    CHECK(r == ot_atom("boom"));
    expect("{'EXIT', _, boom}", TU_POLL_CAP_MS);
}

Test(task, yield) { pt_run(yield_body, NULL, 2); }

/* tu_poll's conditions; ctx points at a pid. */
static bool has_exited(void *ctx)
{
    return !ot_is_alive(*(ot_term *)ctx);
}

static bool traps_exits(void *ctx)
{
    ot_term ti = ot_process_info(ot_proc_heap(), *(ot_term *)ctx, OT_ATOM(TRAP_EXIT));
    return ti != OT_NONE && ot_tuple_get(ti, 1) == OT_ATOM(TRUE);
}

static void shutdown_body(void *arg)
{
    (void)arg;
    ot_task t;
    ot_term r;
    /* running: shut down, no reply (nil) */
    CHECK(ot_task_async(NULL, sleeper, ot_int(NULL, 10000), NULL, &t) == 0);
    ot_term pid = t.pid;
    CHECK(ot_task_shutdown(NULL, &t, TU_POLL_CAP_MS, &r) == OT_TASK_NO_REPLY);
    CHECK(r == OT_ATOM(NIL));
    CHECK(!ot_is_alive(pid));
    CHECK(ot_task_await(NULL, &t, 10, &r) == -ESRCH);
    /* already finished: its reply ({ok, reply}) */
    CHECK(ot_task_async(NULL, double_it, ot_int(NULL, 4), NULL, &t) == 0);
    /* its reply left before it exited (one sender's signals keep their
     * order), so once it is gone the reply is in the mailbox */
    pid = t.pid;
    CHECK(tu_poll(has_exited, &pid), "the task never finished");
    CHECK(ot_task_shutdown(NULL, &t, TU_POLL_CAP_MS, &r) == 0);
    CHECK(r == ot_int(NULL, 8));
    /* brutal kill */
    CHECK(ot_task_async(NULL, sleeper, ot_int(NULL, 10000), NULL, &t) == 0);
    pid = t.pid;
    CHECK(ot_task_shutdown(NULL, &t, OT_TASK_BRUTAL_KILL, &r) == OT_TASK_NO_REPLY);
    CHECK(!ot_is_alive(pid));
    /* a task that ignores shutdown is killed after the timeout */
    CHECK(ot_task_async(NULL, stubborn, OT_NIL, NULL, &t) == 0);
    pid = t.pid;
    CHECK(tu_poll(traps_exits, &pid), "the task never trapped exits");
    CHECK(ot_task_shutdown(NULL, &t, 30, &r) == OT_TASK_NO_REPLY);
    CHECK(!ot_is_alive(pid));
    /* one that died of something else before: {exit, reason} */
    ot_trap_exit(true);
    CHECK(ot_task_async(NULL, crasher, ot_atom("oops"), NULL, &t) == 0);
    expect("{'EXIT', _, oops}", TU_POLL_CAP_MS);
    CHECK(ot_task_shutdown(NULL, &t, TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    CHECK(r == ot_atom("oops"));
    /* the owner got no EXIT for the tasks it shut down (unlinked first) */
    expect_nothing("{'EXIT', _, _}", 50);
}

Test(task, shutdown) { pt_run(shutdown_body, NULL, 2); }

static void await_many_body(void *arg)
{
    (void)arg;
    ot_task ts[5];
    ot_term rs[5];
    for (int i = 0; i < 5; i++)
        CHECK(ot_task_async(NULL, sleeper, ot_int(NULL, 50 - 10 * i), NULL, &ts[i]) == 0);
    CHECK(ot_task_await_many(NULL, ts, 5, TU_POLL_CAP_MS, rs) == 0);
    for (int i = 0; i < 5; i++)
        CHECK(int_of(ot_tuple_get(rs[i], 1)) == 50 - 10 * i);
    /* one too slow: timeout, and every task is gone */
    for (int i = 0; i < 3; i++)
        CHECK(ot_task_async(NULL, sleeper, ot_int(NULL, i == 1 ? 10000 : 1), NULL, &ts[i]) == 0);
    ot_term slow = ts[1].pid;
    CHECK(ot_task_await_many(NULL, ts, 3, 100, rs) == -ETIMEDOUT);
    CHECK(rs[0] == OT_ATOM(TIMEOUT));
    CHECK(!ot_is_alive(slow));
    expect_nothing("_", 50);
}

Test(task, await_many) { pt_run(await_many_body, NULL, 2); }

/* ---------------------------------------------------------------- crashes */

/* A task that exits abnormally takes its owner with it, as in Elixir. */
static void doomed_owner(void *arg)
{
    (void)arg;
    ot_task t;
    ot_term r;
    ot_task_async(NULL, crasher, ot_atom("task_failed"), NULL, &t);
    ot_task_await(NULL, &t, TU_POLL_CAP_MS, &r);
    ot_send(ot_whereis(ot_atom("tt_observer")), ot_atom("owner_survived"));
}

static void crash_body(void *arg)
{
    (void)arg;
    ot_register(ot_atom("tt_observer"), ot_self());
    ot_term ref;
    ot_spawn_opts o = {.monitor = true, .monitor_ref = &ref};
    ot_spawn_opt(doomed_owner, NULL, &o);
    CHECK(expect("{'DOWN', _, process, _, R}", TU_POLL_CAP_MS) == ot_atom("task_failed"));
    expect_nothing("owner_survived", 50);
    /* trapping exits, the owner lives and await reports the reason */
    ot_trap_exit(true);
    ot_task t;
    ot_term r;
    CHECK(ot_task_async(NULL, crasher, ot_build(ot_proc_heap(), "{shutdown, 7}"), NULL, &t) == 0);
    CHECK(ot_task_await(NULL, &t, TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    text_is(r, "{:shutdown, 7}");
    expect("{'EXIT', _, {shutdown, 7}}", TU_POLL_CAP_MS);
    /* ... and a normal exit shows up as an EXIT message too */
    CHECK(ot_task_async(NULL, double_it, ot_int(NULL, 1), NULL, &t) == 0);
    CHECK(ot_task_await(NULL, &t, TU_POLL_CAP_MS, &r) == 0);
    expect("{'EXIT', _, normal}", TU_POLL_CAP_MS);
}

Test(task, crashing_task) { pt_run(crash_body, NULL, 2); }

static ot_term report(ot_term to, void *ctx, ot_heap *h)
{
    (void)ctx, (void)h;
    ot_send(to, ot_atom("started"));
    return OT_NIL;
}

static void start_body(void *arg)
{
    (void)arg;
    ot_trap_exit(true);
    ot_term pid = ot_task_start_link(report, ot_self(), NULL);
    CHECK(ot_is_pid(pid));
    expect("started", TU_POLL_CAP_MS);
    CHECK(expect("{'EXIT', P, normal}", TU_POLL_CAP_MS) == pid);
    pid = ot_task_start_link(crasher, ot_atom("supervised_crash"), NULL);
    CHECK(expect("{'EXIT', _, R}", TU_POLL_CAP_MS) == ot_atom("supervised_crash"));
    pid = ot_task_start(report, ot_self(), NULL);
    expect("started", TU_POLL_CAP_MS);
    expect_nothing("{'EXIT', _, _}", 50);
    CHECK(ot_task_start(NULL, OT_NIL, NULL) == OT_NONE);
}

Test(task, start_link) { pt_run(start_body, NULL, 2); }

/* ---------------------------------------------------------------- async_stream */

/* Each task records when it ran: [start, end) in monotonic ns. */
typedef struct intervals {
    _Atomic int64_t start[64], end[64];
    _Atomic int running, max_running;
    _Atomic int arrived;
    int hold_first;         /* the first hold_first tasks wait for each other */
} intervals;

static void note_running(intervals *iv, int delta)
{
    int now = atomic_fetch_add(&iv->running, delta) + delta;
    int m = atomic_load(&iv->max_running);
    while (now > m && !atomic_compare_exchange_weak(&iv->max_running, &m, now))
        ;
}

/* tu_poll's condition: hold_first tasks have run at once. */
static bool all_held_ran(void *ctx)
{
    intervals *iv = ctx;
    return atomic_load(&iv->max_running) >= iv->hold_first;
}

/* The notebook's function: sleeps 100-300 ms (a fixed pseudo-random draw
 * per item), returns the item. With hold_first set, it then stays until
 * that many ran at once, so that whether they overlapped is decided by
 * the stream's concurrency, not by how the sleeps fell on a busy machine
 * (a stream that ran fewer at once keeps them until its timeout). */
static ot_term notebook_fn(ot_term i, void *ctx, ot_heap *h)
{
    (void)h;
    intervals *iv = ctx;
    int64_t k = int_of(i);
    atomic_store(&iv->start[k], ot_monotonic_ns());
    note_running(iv, 1);
    uint64_t x = (uint64_t)k * 2654435761u;
    ot_sleep(100 + (int64_t)(x % 201));
    if (iv->hold_first)
        tu_poll(all_held_ran, iv);
    note_running(iv, -1);
    atomic_store(&iv->end[k], ot_monotonic_ns());
    return i;
}

static void notebook_body(void *arg)
{
    (void)arg;
    static intervals iv;
    memset((void *)&iv, 0, sizeof iv);
    ot_term items[4];
    for (int i = 0; i < 4; i++)
        items[i] = ot_int(NULL, i + 1);
    /* 1..4 |> Task.async_stream(fn) |> Stream.run(), default options: on
     * this four-scheduler runtime, four at a time */
    CHECK(ot_schedulers() == 4);
    iv.hold_first = 4;
    ot_task_stream *s = ot_task_async_stream(items, 4, notebook_fn, &iv, NULL);
    CHECK(s != NULL);
    CHECK(ot_task_stream_run(s) == 0);
    ot_task_stream_close(s);
    /* all four ran at the same time: every start precedes every end */
    int64_t last_start = 0, first_end = INT64_MAX;
    for (int k = 1; k <= 4; k++) {
        CHECK(atomic_load(&iv.start[k]) && atomic_load(&iv.end[k]));
        if (atomic_load(&iv.start[k]) > last_start)
            last_start = atomic_load(&iv.start[k]);
        if (atomic_load(&iv.end[k]) < first_end)
            first_end = atomic_load(&iv.end[k]);
    }
    CHECK(last_start < first_end, "the tasks did not overlap");
    CHECK(atomic_load(&iv.max_running) == 4);
    /* the results, in input order, Elixir's shapes */
    s = ot_task_async_stream(items, 4, notebook_fn, &iv, NULL);
    ot_term list;
    CHECK(ot_task_stream_to_list(s, NULL, &list) == 0);
    text_is(list, "[ok: 1, ok: 2, ok: 3, ok: 4]");
    ot_task_stream_close(s);
    /* with two at a time, never more than two overlap */
    memset((void *)&iv, 0, sizeof iv);
    ot_task_stream_opts o = {.max_concurrency = 2};
    s = ot_task_async_stream(items, 4, notebook_fn, &iv, &o);
    CHECK(ot_task_stream_run(s) == 0);
    ot_task_stream_close(s);
    CHECK(atomic_load(&iv.max_running) <= 2);
    for (int a = 1; a <= 4; a++) {
        int overlapping = 0;
        for (int b = 1; b <= 4; b++)
            if (atomic_load(&iv.start[b]) <= atomic_load(&iv.start[a]) &&
                atomic_load(&iv.end[b]) > atomic_load(&iv.start[a]))
                overlapping++;
        CHECK(overlapping <= 2, "%d tasks ran at once", overlapping);
    }
}

Test(task, notebook_async_stream, .timeout = 60) { pt_run(notebook_body, NULL, 4); }

/* max_concurrency: the first `limit` tasks wait until that many ran at
 * once, so the count must reach the limit; it must never pass it. */
static ot_term counted(ot_term i, void *ctx, ot_heap *h)
{
    intervals *iv = ctx;
    note_running(iv, 1);
    if (atomic_fetch_add(&iv->arrived, 1) < iv->hold_first) {
        tu_poll(all_held_ran, iv);
    } else {
        ot_yield();
    }
    note_running(iv, -1);
    return ot_int(h, 10 * int_of(i));
}

static void concurrency_body(void *arg)
{
    (void)arg;
    static intervals iv;
    enum { N = 40 };
    ot_term items[N];
    for (int i = 0; i < N; i++)
        items[i] = ot_int(NULL, i);
    for (unsigned limit = 1; limit <= 5; limit += 2) {
        memset((void *)&iv, 0, sizeof iv);
        iv.hold_first = (int)limit;
        /* no per-task timeout: the held tasks wait as long as the machine
         * needs to start the others */
        ot_task_stream_opts o = {.max_concurrency = limit, .timeout_ms = OT_INFINITY};
        ot_task_stream *s = ot_task_async_stream(items, N, counted, &iv, &o);
        ot_term r;
        for (int i = 0; i < N; i++) {
            CHECK(ot_task_stream_next(s, NULL, &r) == 1);
            CHECK(ot_tuple_get(r, 0) == OT_ATOM(OK) && int_of(ot_tuple_get(r, 1)) == 10 * i,
                  "result %d out of order", i);
        }
        CHECK(ot_task_stream_next(s, NULL, &r) == 0);
        ot_task_stream_close(s);
        CHECK(atomic_load(&iv.max_running) == (int)limit, "limit %u: %d ran at once", limit,
              atomic_load(&iv.max_running));
    }
}

Test(task, max_concurrency_is_respected) { pt_run(concurrency_body, NULL, 2); }

/* Ordered and unordered: item 1 finishes last because it waits until the
 * others have finished (they tell it); ordered still gives it first,
 * unordered gives it last. */
typedef struct order_ctx {
    _Atomic int finished;
    int n;
} order_ctx;

/* tu_poll's condition: every item but 1 has finished. */
static bool others_finished(void *ctx)
{
    order_ctx *oc = ctx;
    return atomic_load(&oc->finished) >= oc->n - 1;
}

static ot_term ordered_fn(ot_term i, void *ctx, ot_heap *h)
{
    (void)h;
    order_ctx *oc = ctx;
    if (int_of(i) == 1) {
        tu_poll(others_finished, oc);
    } else {
        atomic_fetch_add(&oc->finished, 1);
    }
    return i;
}

static void order_body(void *arg)
{
    (void)arg;
    static order_ctx oc;
    ot_term items[5];
    for (int i = 0; i < 5; i++)
        items[i] = ot_int(NULL, i + 1);
    ot_term list;
    memset((void *)&oc, 0, sizeof oc);
    oc.n = 5;
    ot_task_stream_opts o = {.max_concurrency = 5, .timeout_ms = OT_INFINITY};
    ot_task_stream *s = ot_task_async_stream(items, 5, ordered_fn, &oc, &o);
    CHECK(ot_task_stream_to_list(s, NULL, &list) == 0);
    text_is(list, "[ok: 1, ok: 2, ok: 3, ok: 4, ok: 5]");
    ot_task_stream_close(s);
    memset((void *)&oc, 0, sizeof oc);
    oc.n = 5;
    o.unordered = true;
    s = ot_task_async_stream(items, 5, ordered_fn, &oc, &o);
    CHECK(ot_task_stream_to_list(s, NULL, &list) == 0);
    ot_task_stream_close(s);
    CHECK(ot_list_length(list) == 5);
    /* the last one is item 1; the others are 2..5 in some order */
    int seen = 0;
    ot_term l = list;
    for (int k = 0; k < 5; k++, l = ot_tl(l)) {
        ot_term r = ot_hd(l);
        CHECK(ot_tuple_get(r, 0) == OT_ATOM(OK));
        int64_t v = int_of(ot_tuple_get(r, 1));
        CHECK(v >= 1 && v <= 5 && !(seen & (1 << v)));
        seen |= 1 << v;
        if (k == 4)
            CHECK(v == 1, "unordered: item 1 came %d-th, not last", k + 1);
    }
}

Test(task, ordered_and_unordered) { pt_run(order_body, NULL, 2); }

/* Timeouts: the item 0 sleeps far longer than the timeout; the timeout
 * (5 s, Elixir's default) leaves the 1-3 ms ones room on a busy machine. */
static void timeout_stream_body(void *arg)
{
    (void)arg;
    ot_term items[4] = {ot_int(NULL, 60000), ot_int(NULL, 1), ot_int(NULL, 2), ot_int(NULL, 3)};
    size_t before = ot_process_count();
    /* on_timeout: :kill_task -> {exit, timeout} for it, the others go on */
    ot_task_stream_opts o = {.max_concurrency = 4, .timeout_ms = 5000, .kill_task_on_timeout = true};
    ot_task_stream *s = ot_task_async_stream(items, 4, sleeper, NULL, &o);
    ot_term list;
    CHECK(ot_task_stream_to_list(s, NULL, &list) == 0);
    text_is(list, "[exit: :timeout, ok: {:slept, 1}, ok: {:slept, 2}, ok: {:slept, 3}]");
    ot_task_stream_close(s);
    CHECK(ot_process_count() == before);
    /* zip_input_on_exit */
    o.zip_input_on_exit = true;
    s = ot_task_async_stream(items, 2, sleeper, NULL, &o);
    CHECK(ot_task_stream_to_list(s, NULL, &list) == 0);
    text_is(list, "[exit: {60000, :timeout}, ok: {:slept, 1}]");
    ot_task_stream_close(s);
    /* on_timeout: :exit -> the stream fails, its tasks are killed */
    o = (ot_task_stream_opts){.max_concurrency = 4, .timeout_ms = 5000};
    s = ot_task_async_stream(items, 4, sleeper, NULL, &o);
    ot_term r;
    int rc;
    while ((rc = ot_task_stream_next(s, NULL, &r)) == 1)
        CHECK(ot_tuple_get(r, 0) == OT_ATOM(OK));
    CHECK(rc == -ETIMEDOUT);
    CHECK(ot_task_stream_next(s, NULL, &r) == -ETIMEDOUT);
    CHECK(ot_process_count() == before);
    ot_task_stream_close(s);
    expect_nothing("_", 50);
}

Test(task, async_stream_timeouts, .timeout = 60) { pt_run(timeout_stream_body, NULL, 2); }

static ot_term maybe_crash(ot_term i, void *ctx, ot_heap *h)
{
    (void)ctx;
    if (int_of(i) % 3 == 0)
        ot_exit(ot_tuple(h, 2, ot_atom("bad_item"), i));
    return i;
}

static void stream_crash_body(void *arg)
{
    (void)arg;
    ot_trap_exit(true);
    ot_term items[5];
    for (int i = 0; i < 5; i++)
        items[i] = ot_int(NULL, i + 1);
    ot_task_stream *s = ot_task_async_stream(items, 5, maybe_crash, NULL, NULL);
    ot_term list;
    CHECK(ot_task_stream_to_list(s, NULL, &list) == 0);
    text_is(list, "[ok: 1, ok: 2, exit: {:bad_item, 3}, ok: 4, ok: 5]");
    ot_task_stream_close(s);
    ot_flush(); /* the EXIT messages of the five tasks */
    ot_task_stream_opts o = {.zip_input_on_exit = true};
    s = ot_task_async_stream(items, 3, maybe_crash, NULL, &o);
    CHECK(ot_task_stream_to_list(s, NULL, &list) == 0);
    text_is(list, "[ok: 1, ok: 2, exit: {3, {:bad_item, 3}}]");
    ot_task_stream_close(s);
}

Test(task, async_stream_crashing_task) { pt_run(stream_crash_body, NULL, 2); }

/* Input from a function; closing a stream early kills its tasks. */
typedef struct counter_it {
    int next, last;
} counter_it;

static bool count_up(void *it, ot_heap *h, ot_term *item)
{
    counter_it *c = it;
    if (c->next > c->last)
        return false;
    *item = ot_tuple(h, 2, ot_atom("n"), ot_int(h, c->next++));
    return true;
}

static ot_term second_doubled(ot_term t, void *ctx, ot_heap *h)
{
    (void)ctx;
    return ot_int(h, 2 * int_of(ot_tuple_get(t, 1)));
}

static void iter_body(void *arg)
{
    (void)arg;
    static counter_it c;
    c = (counter_it){1, 100};
    ot_task_stream *s = ot_task_async_stream_from(count_up, &c, second_doubled, NULL, NULL);
    ot_term r;
    int64_t sum = 0;
    int n = 0, rc;
    while ((rc = ot_task_stream_next(s, NULL, &r)) == 1) {
        sum += int_of(ot_tuple_get(r, 1));
        n++;
        ot_heap_reset(ot_proc_heap());
    }
    CHECK(rc == 0 && n == 100 && sum == 100 * 101, "n %d sum %lld", n, (long long)sum);
    ot_task_stream_close(s);
    /* closed after two results: the running tasks are gone */
    size_t before = ot_process_count();
    ot_term items[8];
    for (int i = 0; i < 8; i++)
        items[i] = ot_int(NULL, i);
    ot_task_stream_opts o = {.max_concurrency = 4, .unordered = true, .timeout_ms = OT_INFINITY};
    s = ot_task_async_stream(items, 8, held, NULL, &o);
    CHECK(ot_task_stream_next(s, NULL, &r) == 1);
    text_is(r, "{:ok, {:slept, 0}}");
    CHECK(ot_process_count() > before);
    ot_task_stream_close(s);
    CHECK(ot_process_count() == before);
    expect_nothing("_", 50);
    /* an empty input */
    s = ot_task_async_stream(NULL, 0, sleeper, NULL, NULL);
    CHECK(ot_task_stream_next(s, NULL, &r) == 0);
    ot_task_stream_close(s);
}

Test(task, async_stream_from_a_function_and_closed_early) { pt_run(iter_body, NULL, 2); }
