/* test_server.c — gen_server's documented behaviour in otter's servers:
 * start and init (ok, stop, ignore, a crash, a timeout, a taken name),
 * calls, casts and info, deferred replies from the server and from other
 * processes, call timeouts and calls to dead servers, stop and terminate,
 * the parent's exit with and without trap_exit, callbacks that stop,
 * system messages, stacklessness, release on every path, and many callers
 * on two schedulers. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/core_internal.h"
#include "otp/otp_internal.h"
#include "otter/introspect.h"
#include "otter/server.h"
#include "proctest.h"
#include "testutil.h"

#define P(x) ((void *)(uintptr_t)(x))
#define T(x) ((ot_term)(uintptr_t)(x))

/* Every server whose init returned OK must be released exactly once. */
static _Atomic long inits_ok, releases;

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

static ot_term pat(const char *text)
{
    ot_term p = ot_pattern(ot_proc_heap(), text);
    CHECK(p != OT_NONE, "bad pattern %s", text);
    return p;
}

/* Receives a message matching `text` within ms; returns bind 0. */
static ot_term expect(const char *text, int64_t ms)
{
    ot_term b[4] = {0};
    ot_msg *m = ot_receive(pat(text), ms, b);
    CHECK(m != NULL, "no message matching %s within %lld ms", text, (long long)ms);
    ot_term r = m ? ot_copy(ot_proc_heap(), b[0]) : OT_NONE;
    ot_msg_free(m);
    return r;
}

static void expect_nothing(const char *text, int64_t ms)
{
    ot_msg *m = ot_receive(pat(text), ms, NULL);
    CHECK(m == NULL, "unexpected message matching %s", text);
    ot_msg_free(m);
}

/* ---------------------------------------------------------------- the test server */

/* Its start term (s->arg) is {Watcher, Mode}; the watcher gets
 * {terminate, Reason} and {info, Msg}. */
typedef struct ts_state {
    ot_term watcher;
    int64_t count;
    ot_heap *keep;          /* holds a deferred caller's from */
    ot_term deferred;       /* OT_NONE or a copy of a from on keep */
} ts_state;

static void ts_release(void *state)
{
    ts_state *st = state;
    ot_heap_free(st->keep);
    free(st);
    atomic_fetch_add(&releases, 1);
}

static ot_server_ret ts_init(ot_server *s, void *arg)
{
    (void)arg;
    ot_term mode = ot_tuple_get(s->arg, 1);
    if (mode == ot_atom("stop"))
        return OT_SRV_STOP(ot_build(ot_proc_heap(), "{init_failed, 42}"));
    if (mode == ot_atom("ignore"))
        return OT_SRV_IGNORE;
    if (mode == ot_atom("crash"))
        ot_exit(ot_atom("crashed_in_init"));
    if (mode == ot_atom("bad"))
        return OT_SRV_REPLY(ot_atom("what"));
    if (mode == ot_atom("slow"))
        ot_msg_free(ot_receive(ot_atom("never_sent"), OT_INFINITY, NULL)); /* until start gives up on it */
    if (mode == ot_atom("trap"))
        ot_trap_exit(true);
    ts_state *st = calloc(1, sizeof *st);
    if (!st)
        return OT_SRV_STOP(ot_atom("enomem"));
    st->watcher = ot_tuple_get(s->arg, 0);
    st->keep = ot_heap_new();
    st->deferred = OT_NONE;
    s->state = st;
    atomic_fetch_add(&inits_ok, 1);
    return OT_SRV_OK;
}

static void helper_replies(void *arg)
{
    (void)arg;
    ot_term b[2];
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{reply_to, From, V}"), TU_POLL_CAP_MS, b);
    CHECK(m != NULL);
    if (m)
        CHECK(ot_reply(b[0], b[1]) == 0);
    ot_msg_free(m);
}

static ot_server_ret ts_call(ot_server *s, ot_term req, ot_term from)
{
    ts_state *st = s->state;
    ot_heap *h = ot_proc_heap();
    ot_term b[2];
    if (ot_match(pat("{add, N}"), req, b)) {
        int64_t n = 0;
        ot_get_int64(b[0], &n);
        st->count += n;
        return OT_SRV_REPLY(ot_int(h, st->count));
    }
    if (req == ot_atom("get"))
        return OT_SRV_REPLY(ot_int(h, st->count));
    if (req == ot_atom("defer")) {
        st->deferred = ot_copy(st->keep, from);
        return OT_SRV_NOREPLY;
    }
    if (req == ot_atom("defer_to_helper")) {
        ot_term helper = ot_spawn(helper_replies, NULL);
        ot_send(helper, ot_build(h, "{reply_to, ~t, {from_helper, ~l}}", from, st->count));
        return OT_SRV_NOREPLY;
    }
    if (ot_match(pat("{stop, R}"), req, b))
        return OT_SRV_STOP_REPLY(b[0], ot_atom("stopping"));
    if (req == ot_atom("call_self")) {
        ot_term r;
        int rc = ot_call(h, s->self, ot_atom("get"), TU_POLL_CAP_MS, &r);
        return OT_SRV_REPLY(ot_build(h, "{~i, ~t}", rc, r));
    }
    if (ot_match(pat("{set_term, T}"), req, b)) {
        int rc = ot_server_set_term(s, b[0]);
        return OT_SRV_REPLY(ot_int(h, rc));
    }
    if (req == ot_atom("whoami"))
        return OT_SRV_REPLY(ot_build(h, "{~t, ~t, ~t}", s->self, s->parent,
                                     s->name == OT_NONE ? OT_ATOM(UNDEFINED) : s->name));
    if (req == ot_atom("bad_reply"))
        return OT_SRV_REPLY(OT_NONE);
    if (req == ot_atom("die"))
        ot_exit(ot_atom("died_in_call"));
    return OT_SRV_NOREPLY; /* "ignore" and the rest: never answered */
}

static ot_server_ret ts_cast(ot_server *s, ot_term req)
{
    ts_state *st = s->state;
    ot_term b[2];
    if (ot_match(pat("{add, N}"), req, b)) {
        int64_t n = 0;
        ot_get_int64(b[0], &n);
        st->count += n;
        return OT_SRV_NOREPLY;
    }
    if (req == ot_atom("release_deferred") && st->deferred != OT_NONE) {
        CHECK(ot_reply(st->deferred, ot_build(ot_proc_heap(), "{deferred, ~l}", st->count)) == 0);
        st->deferred = OT_NONE;
        ot_heap_reset(st->keep);
        return OT_SRV_NOREPLY;
    }
    if (ot_match(pat("{stop, R}"), req, b))
        return OT_SRV_STOP(b[0]);
    return OT_SRV_NOREPLY;
}

static ot_server_ret ts_info(ot_server *s, ot_term msg)
{
    ts_state *st = s->state;
    ot_send(st->watcher, ot_build(ot_proc_heap(), "{info, ~t}", msg));
    return OT_SRV_NOREPLY;
}

static void ts_terminate(ot_server *s, ot_term reason)
{
    ts_state *st = s->state;
    ot_send(st->watcher, ot_build(ot_proc_heap(), "{terminate, ~t}", reason));
}

static const ot_server_callbacks ts = {
    .init = ts_init,
    .handle_call = ts_call,
    .handle_cast = ts_cast,
    .handle_info = ts_info,
    .terminate = ts_terminate,
    .release = ts_release,
    .initial_call = "ts:init/1",
};

/* Starts a test server in `mode` watched by the caller. */
static int start_ts(const char *mode, ot_term name, bool link, int64_t timeout, ot_term *result)
{
    ot_server_opts o = {
        .name = name,
        .link = link,
        .timeout_ms = timeout,
        .term_arg = ot_build(ot_proc_heap(), "{~t, ~a}", ot_self(), mode),
    };
    return ot_server_start(NULL, &ts, NULL, &o, result);
}

static ot_term start_ok(const char *mode)
{
    ot_term pid = OT_NONE;
    int rc = start_ts(mode, OT_NONE, false, 0, &pid);
    CHECK(rc == 0, "start: %s", ot_strerror(rc));
    return pid;
}

static int64_t call_int(ot_term srv, const char *req_fmt, int64_t arg)
{
    ot_heap *h = ot_proc_heap();
    ot_term r;
    int rc = ot_call(h, srv, ot_build(h, req_fmt, arg), TU_POLL_CAP_MS, &r);
    int64_t v = -1;
    CHECK(rc == 0 && ot_get_int64(r, &v) == 0, "call failed: %s", ot_strerror(rc));
    return v;
}

static void run_counted(ot_proc_fn body, unsigned scheds)
{
    atomic_store(&inits_ok, 0);
    atomic_store(&releases, 0);
    pt_run(body, NULL, scheds);
    cr_assert_eq(atomic_load(&inits_ok), atomic_load(&releases),
                 "%ld servers started, %ld released", atomic_load(&inits_ok), atomic_load(&releases));
}

/* ---------------------------------------------------------------- calls, casts, info */

static void basics_body(void *arg)
{
    (void)arg;
    ot_term srv = start_ok("ok");
    CHECK(ot_is_pid(srv) && ot_is_alive(srv));
    CHECK(call_int(srv, "{add, ~l}", 5) == 5);
    CHECK(call_int(srv, "{add, ~l}", 37) == 42);
    /* a cast is applied before a later call from the same caller */
    CHECK(ot_cast(srv, ot_build(ot_proc_heap(), "{add, 8}")) == 0);
    CHECK(call_int(srv, "{add, ~l}", 0) == 50);
    /* any other message is info */
    CHECK(ot_send(srv, ot_atom("hello")) == 0);
    expect("{info, hello}", TU_POLL_CAP_MS);
    /* who the server is: its pid, its parent (itself without link), no name */
    ot_term r;
    CHECK(ot_call(NULL, srv, ot_atom("whoami"), TU_POLL_CAP_MS, &r) == 0);
    CHECK(ot_tuple_get(r, 0) == srv && ot_tuple_get(r, 1) == srv);
    CHECK(ot_tuple_get(r, 2) == OT_ATOM(UNDEFINED));
    /* introspection names it as given */
    ot_term ic = ot_process_info(ot_proc_heap(), srv, OT_ATOM(INITIAL_CALL));
    text_is(ic, "{:initial_call, {:ts, :init, 1}}");
    CHECK(ot_server_stop(NULL, srv, OT_ATOM(NORMAL), TU_POLL_CAP_MS, NULL) == 0);
}

Test(server, call_cast_info) { run_counted(basics_body, 2); }

static void named_body(void *arg)
{
    (void)arg;
    ot_term name = ot_atom("ts_named");
    ot_term pid, r;
    CHECK(start_ts("ok", name, false, 0, &pid) == 0);
    CHECK(ot_whereis(name) == pid);
    CHECK(call_int(name, "{add, ~l}", 7) == 7);
    CHECK(ot_cast(name, ot_build(ot_proc_heap(), "{add, 1}")) == 0);
    CHECK(call_int(name, "{add, ~l}", 0) == 8);
    CHECK(ot_call(NULL, name, ot_atom("whoami"), TU_POLL_CAP_MS, &r) == 0);
    CHECK(ot_tuple_get(r, 2) == name);
    /* a second server under the same name: gen_server's already_started */
    ot_term other;
    CHECK(start_ts("ok", name, false, 0, &other) == -EEXIST);
    text_is(ot_tuple_get(other, 0), ":already_started");
    CHECK(ot_tuple_get(other, 1) == pid);
    CHECK(ot_whereis(name) == pid);
    /* stopped by name; the name is free again, calls to it give noproc */
    CHECK(ot_server_stop(NULL, name, ot_atom("shutdown"), TU_POLL_CAP_MS, NULL) == 0);
    expect("{terminate, shutdown}", TU_POLL_CAP_MS);
    CHECK(ot_whereis(name) == OT_NONE);
    CHECK(ot_call(NULL, name, ot_atom("get"), TU_POLL_CAP_MS, &r) == -ESRCH);
    CHECK(r == OT_ATOM(NOPROC));
    CHECK(start_ts("ok", name, false, 0, &pid) == 0);
    CHECK(ot_server_stop(NULL, pid, OT_ATOM(NORMAL), TU_POLL_CAP_MS, NULL) == 0);
    /* a name that is not an atom */
    CHECK(start_ts("ok", ot_int(NULL, 3), false, 0, &r) == -EINVAL);
}

Test(server, registered_names) { run_counted(named_body, 2); }

/* ---------------------------------------------------------------- init */

static void init_results_body(void *arg)
{
    (void)arg;
    ot_term r;
    /* {stop, Reason}: start returns {error, Reason}; nothing is left */
    CHECK(start_ts("stop", ot_atom("ts_init"), false, 0, &r) == -ECANCELED);
    text_is(r, "{:init_failed, 42}");
    CHECK(ot_whereis(ot_atom("ts_init")) == OT_NONE);
    /* ignore */
    CHECK(start_ts("ignore", ot_atom("ts_init"), false, 0, &r) == OT_SERVER_IGNORED);
    CHECK(r == ot_atom("ignore"));
    CHECK(ot_whereis(ot_atom("ts_init")) == OT_NONE);
    /* the process ends during init: its reason */
    CHECK(start_ts("crash", OT_NONE, false, 0, &r) == -ECANCELED);
    CHECK(r == ot_atom("crashed_in_init"));
    /* init returns something init may not */
    CHECK(start_ts("bad", OT_NONE, false, 0, &r) == -ECANCELED);
    CHECK(r == ot_atom("bad_return_value"));
    /* init too slow: killed, start answers timeout */
    size_t before = ot_process_count();
    CHECK(start_ts("slow", ot_atom("ts_slow"), false, 50, &r) == -ETIMEDOUT);
    CHECK(r == OT_ATOM(TIMEOUT));
    CHECK(ot_whereis(ot_atom("ts_slow")) == OT_NONE);
    CHECK(ot_process_count() == before, "%zu processes, %zu before", ot_process_count(), before);
    /* no terminate was called for any of them, and nothing arrived */
    expect_nothing("_", 50);
    CHECK(ot_message_queue_len() == 0);
    /* bad arguments */
    CHECK(ot_server_start(NULL, NULL, NULL, NULL, &r) == -EINVAL);
}

Test(server, init_results) { run_counted(init_results_body, 2); }

/* start_link: a failing init's exit signal reaches the linked starter; a
 * starter that traps exits survives and its EXIT message is consumed. */
static void init_link_body(void *arg)
{
    (void)arg;
    ot_trap_exit(true);
    ot_term r;
    CHECK(start_ts("stop", OT_NONE, true, 0, &r) == -ECANCELED);
    text_is(r, "{:init_failed, 42}");
    CHECK(start_ts("slow", OT_NONE, true, 30, &r) == -ETIMEDOUT);
    CHECK(start_ts("ignore", OT_NONE, true, 0, &r) == OT_SERVER_IGNORED);
    expect_nothing("{'EXIT', _, _}", 100);
    /* a successful start_link: linked both ways, parent = the starter */
    ot_term pid;
    CHECK(start_ts("ok", OT_NONE, true, 0, &pid) == 0);
    CHECK(ot_call(NULL, pid, ot_atom("whoami"), TU_POLL_CAP_MS, &r) == 0);
    CHECK(ot_tuple_get(r, 1) == ot_self());
    ot_term links = ot_process_info(ot_proc_heap(), pid, OT_ATOM(LINKS));
    CHECK(ot_list_length(ot_tuple_get(links, 1)) == 1 && ot_hd(ot_tuple_get(links, 1)) == ot_self());
    CHECK(ot_server_stop(NULL, pid, ot_atom("shutdown"), TU_POLL_CAP_MS, NULL) == 0);
    expect("{'EXIT', _, shutdown}", TU_POLL_CAP_MS);
}

Test(server, init_failure_with_link) { run_counted(init_link_body, 2); }

/* Without trapping exits, a start_link whose init stops abnormally takes
 * the starter with it (gen_server and proc_lib say so). */
static void doomed_starter(void *arg)
{
    (void)arg;
    ot_term r;
    start_ts("stop", OT_NONE, true, 0, &r);
    ot_send(ot_whereis(ot_atom("ts_observer")), ot_atom("survived"));
}

static void init_link_kills_body(void *arg)
{
    (void)arg;
    ot_register(ot_atom("ts_observer"), ot_self());
    ot_term ref;
    ot_spawn_opts o = {.monitor = true, .monitor_ref = &ref};
    ot_spawn_opt(doomed_starter, NULL, &o);
    ot_term reason = expect("{'DOWN', _, process, _, R}", TU_POLL_CAP_MS);
    text_is(reason, "{:init_failed, 42}");
    expect_nothing("survived", 50);
}

Test(server, init_failure_kills_linked_starter) { run_counted(init_link_kills_body, 2); }

/* ---------------------------------------------------------------- replies */

void deferred_caller(void *arg);

/* A server that has taken every message it was sent and waits hibernated
 * (tu_poll's condition; ctx points at its pid). */
static bool idle_hibernated(void *ctx)
{
    ot_term srv = *(ot_term *)ctx;
    ot_term q = ot_process_info(ot_proc_heap(), srv, OT_ATOM(MESSAGE_QUEUE_LEN));
    ot_term st = ot_process_info(ot_proc_heap(), srv, OT_ATOM(CURRENT_FUNCTION));
    return ot_tuple_get(q, 1) == ot_int(NULL, 0) && ot_match(pat("{_, {erlang, hibernate, 3}}"), st, NULL);
}

static void deferred_body(void *arg)
{
    (void)arg;
    ot_term srv = start_ok("ok");
    ot_term r;
    call_int(srv, "{add, ~l}", 3);
    /* handle_call answers noreply; another process replies for it */
    CHECK(ot_call(NULL, srv, ot_atom("defer_to_helper"), TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "{:from_helper, 3}");
    /* the server keeps the caller's from and replies later itself, when a
     * cast tells it to */
    CHECK(ot_cast(srv, ot_atom("release_deferred")) == 0); /* nothing deferred yet: no-op */
    ot_spawn_opts so = {.term_arg = ot_build(ot_proc_heap(), "{~t, ~t}", srv, ot_self())};
    ot_spawn_opt(deferred_caller, NULL, &so);
    expect("calling", TU_POLL_CAP_MS);
    /* the call must have reached the server before the release does: the
     * server answers calls in order, so wait until it has seen it */
    CHECK(tu_poll(idle_hibernated, &srv), "the server never took the call");
    CHECK(ot_cast(srv, ot_build(ot_proc_heap(), "{add, 4}")) == 0);
    CHECK(ot_cast(srv, ot_atom("release_deferred")) == 0);
    ot_term got = expect("{deferred_reply, R}", TU_POLL_CAP_MS);
    text_is(got, "{:deferred, 7}");
    CHECK(ot_server_stop(NULL, srv, OT_ATOM(NORMAL), TU_POLL_CAP_MS, NULL) == 0);
}

void deferred_caller(void *arg)
{
    (void)arg;
    ot_term srv = ot_tuple_get(ot_spawn_arg(), 0);
    ot_term back = ot_tuple_get(ot_spawn_arg(), 1);
    ot_send(back, ot_atom("calling"));
    ot_term r;
    int rc = ot_call(NULL, srv, ot_atom("defer"), TU_POLL_CAP_MS, &r);
    CHECK(rc == 0, "deferred call: %s", ot_strerror(rc));
    ot_send(back, ot_build(ot_proc_heap(), "{deferred_reply, ~t}", r));
}

Test(server, deferred_replies) { run_counted(deferred_body, 2); }

/* gen_server:call's timeout: the caller decides; the server is not
 * affected and its late reply lands in the caller's mailbox. */
static void timeout_body(void *arg)
{
    (void)arg;
    ot_term srv = start_ok("ok");
    ot_term r;
    CHECK(ot_call(NULL, srv, ot_atom("defer"), 50, &r) == -ETIMEDOUT);
    CHECK(r == OT_ATOM(TIMEOUT));
    CHECK(ot_is_alive(srv));
    CHECK(call_int(srv, "{add, ~l}", 1) == 1);
    CHECK(ot_cast(srv, ot_atom("release_deferred")) == 0);
    /* {Tag, Reply}: a reference and the late reply */
    ot_term late = expect("{_, {deferred, N}}", TU_POLL_CAP_MS);
    CHECK(late == ot_int(NULL, 1));
    /* a call to itself is refused at once, as gen_server:call's calling_self */
    CHECK(ot_call(NULL, srv, ot_atom("call_self"), TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "{-35, :calling_self}"); /* -EDEADLK */
    CHECK(ot_server_stop(NULL, srv, OT_ATOM(NORMAL), TU_POLL_CAP_MS, NULL) == 0);
}

Test(server, call_timeout_and_late_reply) { run_counted(timeout_body, 2); }

/* Calls with a timeout that are answered in time leave no timers behind
 * for the length of the timeout (the runtime sweeps stale wakeups). */
static size_t timers_pending(void)
{
    size_t n = 0;
    for (unsigned i = 0; i < ot__rt->nscheds; i++)
        n += atomic_load(&ot__rt->scheds[i].timers.count);
    return n;
}

static void timers_body(void *arg)
{
    (void)arg;
    ot_term srv = start_ok("ok");
    for (int i = 0; i < 20000; i++)
        CHECK(call_int(srv, "{add, ~l}", 1) == i + 1);
    /* each call armed a 2 s wakeup; none of them is still due */
    CHECK(timers_pending() <= 2 * 1024 + 8, "%zu timers pending", timers_pending());
    CHECK(ot_server_stop(NULL, srv, OT_ATOM(NORMAL), TU_POLL_CAP_MS, NULL) == 0);
}

Test(server, answered_calls_leave_no_timers) { run_counted(timers_body, 2); }

static void dead_body(void *arg)
{
    (void)arg;
    ot_term srv = start_ok("ok");
    ot_term r;
    CHECK(ot_server_stop(NULL, srv, OT_ATOM(NORMAL), TU_POLL_CAP_MS, &r) == 0);
    CHECK(r == OT_ATOM(NORMAL));
    expect("{terminate, normal}", TU_POLL_CAP_MS);
    CHECK(!ot_is_alive(srv));
    CHECK(ot_call(NULL, srv, ot_atom("get"), TU_POLL_CAP_MS, &r) == -ESRCH);
    CHECK(r == OT_ATOM(NOPROC));
    CHECK(ot_cast(srv, ot_atom("get")) == 0); /* casts never fail */
    CHECK(ot_server_stop(NULL, srv, OT_ATOM(NORMAL), TU_POLL_CAP_MS, &r) == -ESRCH);
    CHECK(r == OT_ATOM(NOPROC));
    CHECK(ot_server_stop(NULL, ot_atom("nobody_by_this_name"), OT_ATOM(NORMAL), TU_POLL_CAP_MS, &r) == -ESRCH);
    /* the server dies in a callback while the call waits: its reason */
    srv = start_ok("ok");
    CHECK(ot_call(NULL, srv, ot_atom("die"), TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    CHECK(r == ot_atom("died_in_call"));
    /* (terminate is not called when a callback ends the process itself) */
    expect_nothing("{terminate, _}", 50);
}

Test(server, dead_servers) { run_counted(dead_body, 2); }

/* ---------------------------------------------------------------- stopping */

static void stop_returns_body(void *arg)
{
    (void)arg;
    ot_term r;
    /* handle_call returns {stop, Reason, Reply, State}: terminate, then
     * the reply, then the exit */
    ot_term srv = start_ok("ok");
    ot_term mref = ot_monitor(NULL, srv);
    (void)mref;
    CHECK(ot_call(NULL, srv, ot_build(ot_proc_heap(), "{stop, {shutdown, done}}"), TU_POLL_CAP_MS, &r) == 0);
    CHECK(r == ot_atom("stopping"));
    text_is(expect("{terminate, R}", TU_POLL_CAP_MS), "{:shutdown, :done}");
    text_is(expect("{'DOWN', _, process, _, R}", TU_POLL_CAP_MS), "{:shutdown, :done}");
    /* handle_cast returns {stop, Reason, State} */
    srv = start_ok("ok");
    ot_monitor(NULL, srv);
    CHECK(ot_cast(srv, ot_build(ot_proc_heap(), "{stop, bye}")) == 0);
    CHECK(expect("{terminate, R}", TU_POLL_CAP_MS) == ot_atom("bye"));
    CHECK(expect("{'DOWN', _, process, _, R}", TU_POLL_CAP_MS) == ot_atom("bye"));
    /* a reply that failed to build: bad_return_value */
    srv = start_ok("ok");
    CHECK(ot_call(NULL, srv, ot_atom("bad_reply"), TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    CHECK(r == ot_atom("bad_return_value"));
    expect("{terminate, bad_return_value}", TU_POLL_CAP_MS);
    /* ot_server_stop waits for the end, whatever reason is asked */
    srv = start_ok("ok");
    CHECK(ot_server_stop(NULL, srv, ot_build(ot_proc_heap(), "{shutdown, 3}"), TU_POLL_CAP_MS, &r) == 0);
    text_is(expect("{terminate, R}", TU_POLL_CAP_MS), "{:shutdown, 3}");
    CHECK(!ot_is_alive(srv));
    /* a server without handle_call stops with {bad_call, Request} */
    static const ot_server_callbacks bare = {0};
    CHECK(ot_server_start(NULL, &bare, NULL, NULL, &srv) == 0);
    CHECK(ot_call(NULL, srv, ot_atom("hi"), TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    text_is(r, "{:bad_call, :hi}");
    CHECK(ot_server_start(NULL, &bare, NULL, NULL, &srv) == 0);
    ot_monitor(NULL, srv);
    ot_cast(srv, ot_atom("hi"));
    text_is(expect("{'DOWN', _, process, _, R}", TU_POLL_CAP_MS), "{:bad_cast, :hi}");
    /* ... and drops info messages */
    CHECK(ot_server_start(NULL, &bare, NULL, NULL, &srv) == 0);
    ot_send(srv, ot_atom("hi"));
    CHECK(ot_server_stop(NULL, srv, OT_ATOM(NORMAL), TU_POLL_CAP_MS, NULL) == 0);
}

Test(server, callbacks_that_stop) { run_counted(stop_returns_body, 2); }

/* The parent (start_link's caller) exits: a server trapping exits calls
 * terminate with the parent's reason and exits with it; one that does not
 * trap just dies (no terminate), and is released all the same. */
static void parent_proc(void *arg)
{
    const char *mode = arg;
    ot_term observer = ot_whereis(ot_atom("ts_observer"));
    ot_server_opts o = {
        .link = true,
        .term_arg = ot_build(ot_proc_heap(), "{~t, ~a}", observer, mode),
    };
    ot_term pid;
    CHECK(ot_server_start(NULL, &ts, NULL, &o, &pid) == 0);
    ot_send(observer, ot_build(ot_proc_heap(), "{server, ~t}", pid));
    ot_msg_free(ot_receive(ot_atom("go_away"), TU_POLL_CAP_MS, NULL));
    ot_exit(ot_atom("parent_quits"));
}

static void parent_exit_body(void *arg)
{
    (void)arg;
    ot_register(ot_atom("ts_observer"), ot_self());
    /* trapping */
    ot_term parent = ot_spawn(parent_proc, (void *)"trap");
    ot_term srv = expect("{server, P}", TU_POLL_CAP_MS);
    ot_monitor(NULL, srv);
    /* an EXIT from someone else is only info */
    ot_send(srv, ot_build(ot_proc_heap(), "{'EXIT', ~t, whatever}", ot_self()));
    expect("{info, {'EXIT', _, whatever}}", TU_POLL_CAP_MS);
    ot_send(parent, ot_atom("go_away"));
    CHECK(expect("{terminate, R}", TU_POLL_CAP_MS) == ot_atom("parent_quits"));
    CHECK(expect("{'DOWN', _, process, _, R}", TU_POLL_CAP_MS) == ot_atom("parent_quits"));
    /* not trapping */
    parent = ot_spawn(parent_proc, (void *)"ok");
    srv = expect("{server, P}", TU_POLL_CAP_MS);
    ot_monitor(NULL, srv);
    ot_send(parent, ot_atom("go_away"));
    CHECK(expect("{'DOWN', _, process, _, R}", TU_POLL_CAP_MS) == ot_atom("parent_quits"));
    expect_nothing("{terminate, _}", 50);
}

Test(server, parent_exit_and_trap_exit) { run_counted(parent_exit_body, 2); }

static void killed_body(void *arg)
{
    (void)arg;
    long before = atomic_load(&releases);
    ot_term srv = start_ok("trap");
    ot_monitor(NULL, srv);
    ot_exit_signal(srv, OT_ATOM(KILL));
    CHECK(expect("{'DOWN', _, process, _, R}", TU_POLL_CAP_MS) == OT_ATOM(KILLED));
    expect_nothing("{terminate, _}", 50);
    CHECK(atomic_load(&releases) == before + 1, "not released after kill");
}

Test(server, release_after_kill) { run_counted(killed_body, 2); }

/* ---------------------------------------------------------------- system messages */

static void system_body(void *arg)
{
    (void)arg;
    ot_term srv, r;
    CHECK(start_ts("ok", ot_atom("ts_sys"), false, 0, &srv) == 0);
    /* sys:get_state: the term state */
    CHECK(ot_server_get_state(NULL, srv, TU_POLL_CAP_MS, &r) == 0);
    CHECK(r == OT_ATOM(UNDEFINED));
    CHECK(call_int(srv, "{set_term, [~l, two, <<\"three\">>]}", 1) == 0);
    CHECK(ot_server_get_state(NULL, ot_atom("ts_sys"), TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "[1, :two, \"three\"]");
    /* sys:get_status: gen_server's shape */
    ot_term b[4];
    CHECK(ot__call_as(NULL, srv, ot_atom("system"), ot_atom("get_status"), TU_POLL_CAP_MS, &r) == 0);
    CHECK(ot_match(pat("{status, Pid, {module, gen_server}, [_, running, Parent, _, Misc]}"), r, b));
    CHECK(b[0] == srv && b[1] == srv);
    /* sys:suspend: calls wait until resume; system messages still work */
    CHECK(ot__call_as(NULL, srv, ot_atom("system"), ot_atom("suspend"), TU_POLL_CAP_MS, &r) == 0);
    CHECK(r == OT_ATOM(OK));
    CHECK(ot_call(NULL, srv, ot_atom("get"), 50, &r) == -ETIMEDOUT);
    CHECK(ot_server_get_state(NULL, srv, TU_POLL_CAP_MS, &r) == 0);
    CHECK(ot__call_as(NULL, srv, ot_atom("system"), ot_atom("resume"), TU_POLL_CAP_MS, &r) == 0);
    /* the call that waited is answered now (late), then new calls work */
    expect("{_, 0}", TU_POLL_CAP_MS);
    CHECK(call_int(srv, "{add, ~l}", 2) == 2);
    /* an unknown system message */
    CHECK(ot__call_as(NULL, srv, ot_atom("system"), ot_atom("frobnicate"), TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "{:error, {:unknown_system_msg, :frobnicate}}");
    CHECK(ot_server_stop(NULL, srv, OT_ATOM(NORMAL), TU_POLL_CAP_MS, NULL) == 0);
}

Test(server, system_messages) { run_counted(system_body, 2); }

/* ---------------------------------------------------------------- stackless */

static void stackless_body(void *arg)
{
    (void)arg;
    enum { N = 200 };
    ot_term pids[N];
    for (int i = 0; i < N; i++)
        pids[i] = start_ok("ok");
    for (int i = 0; i < N; i++)
        CHECK(call_int(pids[i], "{add, ~l}", i) == i);
    /* every idle server comes to wait hibernated: no stack (each is polled
     * until it does, since its last reply left before it hibernated) */
    for (int i = 0; i < N; i++)
        CHECK(tu_poll(idle_hibernated, &pids[i]), "server %d never hibernated", i);
    for (int i = 0; i < N; i++)
        CHECK(ot_server_stop(NULL, pids[i], OT_ATOM(NORMAL), TU_POLL_CAP_MS, NULL) == 0);
}

Test(server, idle_servers_hold_no_stack) { run_counted(stackless_body, 2); }

/* ---------------------------------------------------------------- stress */

#define CALLERS 40
#define CALLS 300

static void stress_caller(void *arg)
{
    ot_term srv = ot_whereis(ot_atom("ts_stress"));
    int64_t id = (int64_t)(uintptr_t)arg;
    ot_heap *h = ot_heap_new();
    int64_t last = -1;
    for (int i = 0; i < CALLS; i++) {
        ot_term r;
        /* each caller's own request comes back: replies are never mixed up */
        int rc = ot_call(h, srv, ot_build(h, "{set_term, {~l, ~i}}", id, i), TU_POLL_CAP_MS, &r);
        CHECK(rc == 0 && r == ot_int(NULL, 0), "caller %lld call %d: %s", (long long)id, i, ot_strerror(rc));
        rc = ot_call(h, srv, ot_build(h, "{add, 1}"), TU_POLL_CAP_MS, &r);
        int64_t v = -1;
        ot_get_int64(r, &v);
        CHECK(rc == 0 && v > last, "caller %lld: count %lld after %lld", (long long)id, (long long)v,
              (long long)last);
        last = v;
        if (i % 16 == 0)
            ot_cast(srv, ot_build(h, "{add, 0}"));
        ot_heap_reset(h);
    }
    ot_heap_free(h);
}

static void stress_body(void *arg)
{
    (void)arg;
    ot_term srv;
    CHECK(start_ts("ok", ot_atom("ts_stress"), false, 0, &srv) == 0);
    for (int i = 0; i < CALLERS; i++) {
        ot_spawn_opts o = {.monitor = true, .monitor_ref = &(ot_term){0}};
        ot_spawn_opt(stress_caller, P(i), &o);
    }
    for (int i = 0; i < CALLERS; i++)
        CHECK(expect("{'DOWN', _, process, _, R}", TU_POLL_CAP_MS) == OT_ATOM(NORMAL));
    CHECK(call_int(srv, "{add, ~l}", 0) == CALLERS * CALLS);
    CHECK(ot_server_stop(NULL, srv, OT_ATOM(NORMAL), TU_POLL_CAP_MS, NULL) == 0);
}

Test(server, many_callers_two_schedulers, .timeout = 120) { run_counted(stress_body, 2); }
