/* test_call.c — the gen:call protocol: replies, deferred replies, dead and
 * unknown servers, a server dying mid-call, timeouts, casts, and that the
 * caller's other messages stay where they were. */
#include <errno.h>
#include <stdint.h>

#include "otter/call.h"
#include "proctest.h"
#include "testutil.h"

#define P(x) ((void *)(uintptr_t)(x))
#define T(x) ((ot_term)(uintptr_t)(x))

static bool text_is(ot_term t, const char *want)
{
    char buf[256];
    ot_print(buf, sizeof buf, t, NULL);
    if (strcmp(buf, want) != 0) {
        CHECK(false, "got %s, want %s", buf, want);
        return false;
    }
    return true;
}

/* A server that answers {double, N} with 2N, {defer, N} by handing the
 * caller's handle to a helper process that replies later, `die` by exiting
 * with reason {crash, N} without replying, and `ignore` not at all. Casts
 * {set, X} are acknowledged to the pid in the server's argument. */
static void helper_replies(void *arg)
{
    (void)arg;
    ot_term b[2];
    ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{reply_to, From, N}"), TU_POLL_CAP_MS, b);
    CHECK(m != NULL);
    int64_t n = 0;
    ot_get_int64(b[1], &n);
    CHECK(ot_reply(b[0], ot_int(ot_proc_heap(), n + 1000)) == 0);
    ot_msg_free(m);
}

static void server(void *arg)
{
    ot_term watcher = T(arg);
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term from, req;
        ot_heap *h = ot_proc_heap();
        if (ot_call_parse(ot_msg_term(m), &from, &req)) {
            ot_term b[1];
            if (ot_match(ot_pattern(h, "{double, N}"), req, b)) {
                int64_t n = 0;
                ot_get_int64(b[0], &n);
                CHECK(ot_reply(from, ot_int(h, 2 * n)) == 0);
            } else if (ot_match(ot_pattern(h, "{defer, N}"), req, b)) {
                ot_term helper = ot_spawn(helper_replies, NULL);
                ot_send(helper, ot_build(h, "{reply_to, ~p, ~p}", from, b[0]));
            } else if (req == ot_atom("die")) {
                ot_msg_free(m);   /* a message held is not freed by an exit */
                ot_exit(ot_build(h, "{crash, 7}"));
            }
        } else if (ot_cast_parse(ot_msg_term(m), &req)) {
            ot_send(watcher, ot_build(h, "{cast_seen, ~p}", req));
        }
        ot_msg_free(m);
        ot_heap_reset(h);
    }
}

static void calls_body(void *arg)
{
    (void)arg;
    ot_heap *h = ot_heap_new();
    ot_term srv = ot_spawn(server, P(ot_self()));
    ot_term r = OT_NONE;

    /* messages already waiting stay, in order */
    ot_send(ot_self(), ot_atom("first"));
    ot_send(ot_self(), ot_atom("second"));

    CHECK(ot_call(h, srv, ot_build(h, "{double, 21}"), TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "42");
    CHECK(ot_call(h, srv, ot_build(h, "{defer, 5}"), TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "1005");

    /* by registered name */
    CHECK(ot_register(ot_atom("doubler"), srv) == 0);
    CHECK(ot_call(h, ot_atom("doubler"), ot_build(h, "{double, -4}"), TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "-8");

    /* no reply in time; the server lives on */
    CHECK(ot_call(h, srv, ot_atom("ignore"), 50, &r) == -ETIMEDOUT);
    CHECK(r == OT_ATOM(TIMEOUT));
    CHECK(ot_is_alive(srv));

    /* casts never fail */
    CHECK(ot_cast(srv, ot_atom("hello")) == 0);
    ot_msg *m = ot_receive(ot_pattern(h, "{cast_seen, hello}"), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    CHECK(ot_cast(ot_atom("nobody_has_this_name"), ot_atom("x")) == 0);

    /* the server dies while the call waits: its reason comes back */
    CHECK(ot_call(h, srv, ot_atom("die"), TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    text_is(r, "{:crash, 7}");

    /* a dead pid, an unknown name */
    CHECK(ot_call(h, srv, ot_atom("anything"), TU_POLL_CAP_MS, &r) == -ESRCH);
    CHECK(r == OT_ATOM(NOPROC));
    CHECK(ot_call(h, ot_atom("doubler"), ot_atom("anything"), TU_POLL_CAP_MS, &r) == -ESRCH);
    CHECK(r == OT_ATOM(NOPROC));

    /* bad arguments */
    CHECK(ot_call(h, ot_int(h, 3), ot_atom("x"), TU_POLL_CAP_MS, &r) == -EINVAL);
    CHECK(ot_reply(ot_atom("nope"), ot_atom("x")) == -EINVAL);

    /* nothing of the protocol is left behind; the first messages are intact */
    CHECK(ot_message_queue_len() == 2, "queue %zu", ot_message_queue_len());
    m = ot_receive(OT_NONE, 0, NULL);
    CHECK(m && ot_msg_term(m) == ot_atom("first"));
    ot_msg_free(m);
    m = ot_receive(OT_NONE, 0, NULL);
    CHECK(m && ot_msg_term(m) == ot_atom("second"));
    ot_msg_free(m);
    ot_heap_free(h);
}

Test(call, protocol) { pt_run(calls_body, NULL, 2); }

/* Many callers on both schedulers: every caller gets its own answers. */
static void many_caller(void *arg)
{
    ot_term srv = ot_whereis(ot_atom("doubler"));
    int64_t base = (int64_t)(uintptr_t)arg * 1000;
    ot_heap *h = ot_heap_new();
    for (int64_t i = 0; i < 200; i++) {
        ot_term r;
        int rc = ot_call(h, srv, ot_build(h, "{double, ~l}", base + i), OT_INFINITY, &r);
        int64_t v = -1;
        ot_get_int64(r, &v);
        CHECK(rc == 0 && v == 2 * (base + i), "caller %lld call %lld: rc %d", (long long)base, (long long)i, rc);
        ot_heap_reset(h);
    }
    ot_heap_free(h);
}

static void concurrent_body(void *arg)
{
    (void)arg;
    ot_term srv = ot_spawn(server, P(ot_self()));
    CHECK(ot_register(ot_atom("doubler"), srv) == 0);
    enum { N = 20 };
    ot_term refs[N];
    for (int i = 0; i < N; i++) {
        ot_spawn_opts o = {.monitor = true, .monitor_ref = &refs[i]};
        ot_spawn_opt(many_caller, P(i), &o);
    }
    for (int i = 0; i < N; i++) {
        ot_msg *m = ot_receive(ot_pattern(ot_proc_heap(), "{'DOWN', _, process, _, normal}"), TU_POLL_CAP_MS, NULL);
        CHECK(m != NULL);
        ot_msg_free(m);
    }
    ot_exit_signal(srv, ot_atom("kill"));
}

Test(call, concurrent_callers) { pt_run(concurrent_body, NULL, 2); }
