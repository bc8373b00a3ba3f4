/* test_agent.c — Elixir's Agent in otter: start (the notebook's
 * {Agent, fn -> [] end}), get, update, get_and_update, cast, stop, names
 * and links, failing functions, forged requests, timeouts, and many
 * processes updating one agent on two schedulers. */
#include <errno.h>
#include <stdint.h>

#include "otter/agent.h"
#include "otter/introspect.h"
#include "proctest.h"
#include "testutil.h"

#define P(x) ((void *)(uintptr_t)(x))

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

/* ---------------------------------------------------------------- agent functions */

static ot_term empty_list(ot_term arg, ot_heap *h)
{
    (void)arg, (void)h;
    return OT_NIL;
}

static ot_term from_arg(ot_term arg, ot_heap *h)
{
    (void)h;
    return arg;
}

static ot_term fail_init(ot_term arg, ot_heap *h)
{
    (void)arg, (void)h;
    return OT_NONE;
}

static ot_term push(ot_term state, ot_term x, ot_heap *h)
{
    return ot_cons(h, x, state);
}

static ot_term length_of(ot_term state, ot_term arg, ot_heap *h)
{
    (void)arg;
    return ot_int(h, ot_list_length(state));
}

static ot_term whole(ot_term state, ot_term arg, ot_heap *h)
{
    (void)arg, (void)h;
    return state;
}

static ot_term pop(ot_term state, ot_term arg, ot_heap *h, ot_term *next)
{
    (void)arg, (void)h;
    if (state == OT_NIL) {
        *next = OT_NIL;
        return OT_ATOM(NIL);
    }
    *next = ot_tl(state);
    return ot_hd(state);
}

static ot_term add(ot_term state, ot_term n, ot_heap *h)
{
    int64_t a = 0, b = 0;
    ot_get_int64(state, &a);
    ot_get_int64(n, &b);
    return ot_int(h, a + b);
}

static ot_term broken_get(ot_term state, ot_term arg, ot_heap *h)
{
    (void)state, (void)arg, (void)h;
    return OT_NONE;
}

/* Keeps the agent busy until it is sent `release` (the agent's other
 * messages, calls among them, wait in its mailbox meanwhile). */
static ot_term held_update(ot_term state, ot_term arg, ot_heap *h)
{
    (void)arg, (void)h;
    ot_msg_free(ot_receive(ot_atom("release"), OT_INFINITY, NULL));
    return state;
}

/* ---------------------------------------------------------------- each call */

static void calls_body(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    ot_term agent, r;
    /* Agent.start_link(fn -> [] end) */
    ot_server_opts o = {.link = true};
    CHECK(ot_agent_start(NULL, empty_list, OT_NIL, &o, &agent) == 0);
    CHECK(ot_is_pid(agent));
    CHECK(ot_agent_get(NULL, agent, length_of, OT_NIL, TU_POLL_CAP_MS, &r) == 0);
    CHECK(r == ot_int(NULL, 0));
    /* update: returns ok once done */
    CHECK(ot_agent_update(NULL, agent, push, ot_atom("cat"), TU_POLL_CAP_MS, &r) == 0);
    CHECK(r == OT_ATOM(OK));
    CHECK(ot_agent_update(NULL, agent, push, ot_string(h, "dog"), TU_POLL_CAP_MS, NULL) == 0);
    CHECK(ot_agent_get(NULL, agent, whole, OT_NIL, TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "[\"dog\", :cat]");
    /* get_and_update */
    CHECK(ot_agent_get_and_update(NULL, agent, pop, OT_NIL, TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "\"dog\"");
    CHECK(ot_agent_get(NULL, agent, whole, OT_NIL, TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "[:cat]");
    /* cast: applied before a later call from the same process */
    CHECK(ot_agent_cast(agent, push, ot_build(h, "{big, [1, 2, 3], <<\"bytes\">>}")) == 0);
    CHECK(ot_agent_get(NULL, agent, whole, OT_NIL, TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "[{:big, [1, 2, 3], \"bytes\"}, :cat]");
    /* sys:get_state shows the state */
    CHECK(ot_server_get_state(NULL, agent, TU_POLL_CAP_MS, &r) == 0);
    text_is(r, "[{:big, [1, 2, 3], \"bytes\"}, :cat]");
    /* stop: gone, calls give noproc, casts still succeed */
    CHECK(ot_agent_stop(agent, OT_ATOM(NORMAL), TU_POLL_CAP_MS) == 0);
    CHECK(!ot_is_alive(agent));
    CHECK(ot_agent_get(NULL, agent, whole, OT_NIL, TU_POLL_CAP_MS, &r) == -ESRCH);
    CHECK(r == OT_ATOM(NOPROC));
    CHECK(ot_agent_update(NULL, agent, push, OT_NIL, TU_POLL_CAP_MS, &r) == -ESRCH);
    CHECK(ot_agent_cast(agent, push, OT_NIL) == 0);
    CHECK(ot_agent_stop(agent, OT_ATOM(NORMAL), TU_POLL_CAP_MS) == -ESRCH);
    /* bad arguments */
    CHECK(ot_agent_get(NULL, agent, NULL, OT_NIL, TU_POLL_CAP_MS, &r) == -EINVAL);
    CHECK(ot_agent_cast(agent, NULL, OT_NIL) == -EINVAL);
}

Test(agent, each_call) { pt_run(calls_body, NULL, 2); }

static void names_body(void *arg)
{
    (void)arg;
    ot_term agent, r;
    ot_server_opts o = {.name = ot_atom("shopping")};
    CHECK(ot_agent_start(NULL, from_arg, ot_int(NULL, 10), &o, &agent) == 0);
    CHECK(ot_whereis(ot_atom("shopping")) == agent);
    CHECK(ot_agent_update(NULL, ot_atom("shopping"), add, ot_int(NULL, 5), TU_POLL_CAP_MS, NULL) == 0);
    CHECK(ot_agent_get(NULL, ot_atom("shopping"), whole, OT_NIL, TU_POLL_CAP_MS, &r) == 0);
    CHECK(r == ot_int(NULL, 15));
    CHECK(ot_agent_start(NULL, from_arg, OT_NIL, &o, &r) == -EEXIST);
    CHECK(ot_tuple_get(r, 1) == agent);
    /* an init that fails to build a state */
    CHECK(ot_agent_start(NULL, fail_init, OT_NIL, NULL, &r) == -ECANCELED);
    CHECK(r == ot_atom("bad_return_value"));
    /* stopped with a reason: monitors see it */
    ot_monitor(NULL, agent);
    CHECK(ot_agent_stop(ot_atom("shopping"), ot_atom("shutdown"), TU_POLL_CAP_MS) == 0);
    CHECK(expect("{'DOWN', _, process, _, R}", TU_POLL_CAP_MS) == ot_atom("shutdown"));
    CHECK(ot_whereis(ot_atom("shopping")) == OT_NONE);
}

Test(agent, names_and_failed_starts) { pt_run(names_body, NULL, 2); }

static void failures_body(void *arg)
{
    (void)arg;
    ot_term agent, r;
    /* a function that fails to build its reply stops the agent */
    CHECK(ot_agent_start(NULL, empty_list, OT_NIL, NULL, &agent) == 0);
    CHECK(ot_agent_get(NULL, agent, broken_get, OT_NIL, TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    CHECK(r == ot_atom("bad_return_value"));
    /* a request naming no registered function: the agent stops with
     * {bad_call, Request}, as a GenServer without a matching clause */
    CHECK(ot_agent_start(NULL, empty_list, OT_NIL, NULL, &agent) == 0);
    ot_heap *h = ot_proc_heap();
    CHECK(ot_call(NULL, agent, ot_build(h, "{get, 999999, []}"), TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    text_is(r, "{:bad_call, {:get, 999999, []}}");
    CHECK(ot_agent_start(NULL, empty_list, OT_NIL, NULL, &agent) == 0);
    CHECK(ot_call(NULL, agent, ot_atom("hello"), TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    text_is(r, "{:bad_call, :hello}");
    /* a function registered as a get cannot be named by an update: each
     * test runs in a fresh OS process, where broken_get, the first agent
     * function used above, has index 0 */
    CHECK(ot_agent_start(NULL, empty_list, OT_NIL, NULL, &agent) == 0);
    CHECK(ot_call(NULL, agent, ot_build(h, "{update, 0, []}"), TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    text_is(r, "{:bad_call, {:update, 0, []}}");
    CHECK(ot_agent_start(NULL, empty_list, OT_NIL, NULL, &agent) == 0);
    CHECK(ot_call(NULL, agent, ot_build(h, "{get, 0, []}"), TU_POLL_CAP_MS, &r) == -ECONNABORTED);
    CHECK(r == ot_atom("bad_return_value")); /* index 0 is broken_get indeed */
    CHECK(ot_agent_start(NULL, empty_list, OT_NIL, NULL, &agent) == 0);
    ot_cast(agent, ot_build(h, "{cast, 0, []}"));
    ot_monitor(NULL, agent);
    text_is(expect("{'DOWN', _, process, _, R}", TU_POLL_CAP_MS), "{:bad_cast, {:cast, 0, []}}");
    CHECK(ot_agent_start(NULL, empty_list, OT_NIL, NULL, &agent) == 0);
    /* a call that times out leaves the agent working */
    CHECK(ot_agent_cast(agent, held_update, OT_NIL) == 0);
    CHECK(ot_agent_get(NULL, agent, length_of, OT_NIL, 20, &r) == -ETIMEDOUT);
    ot_send(agent, ot_atom("release"));
    CHECK(ot_agent_get(NULL, agent, length_of, OT_NIL, TU_POLL_CAP_MS, &r) == 0);
    CHECK(ot_agent_stop(agent, OT_ATOM(NORMAL), TU_POLL_CAP_MS) == 0);
}

Test(agent, failing_functions_and_forged_requests) { pt_run(failures_body, NULL, 2); }

/* ---------------------------------------------------------------- many processes */

#define WORKERS 30
#define ADDS 200

static void adder(void *arg)
{
    (void)arg;
    ot_term agent = ot_whereis(ot_atom("counter"));
    for (int i = 0; i < ADDS; i++) {
        if (i % 2)
            CHECK(ot_agent_update(NULL, agent, add, ot_int(NULL, 1), TU_POLL_CAP_MS, NULL) == 0);
        else
            CHECK(ot_agent_cast(agent, add, ot_int(NULL, 1)) == 0);
    }
    /* after my own casts: the agent has applied them before this call */
    ot_term r;
    CHECK(ot_agent_get(NULL, agent, whole, OT_NIL, TU_POLL_CAP_MS, &r) == 0);
}

static void stress_body(void *arg)
{
    (void)arg;
    ot_term agent, r;
    ot_server_opts o = {.name = ot_atom("counter")};
    CHECK(ot_agent_start(NULL, from_arg, ot_int(NULL, 0), &o, &agent) == 0);
    for (int i = 0; i < WORKERS; i++) {
        ot_term ref;
        ot_spawn_opts so = {.monitor = true, .monitor_ref = &ref};
        ot_spawn_opt(adder, P(i), &so);
    }
    for (int i = 0; i < WORKERS; i++)
        CHECK(expect("{'DOWN', _, process, _, R}", TU_POLL_CAP_MS) == OT_ATOM(NORMAL));
    CHECK(ot_agent_get(NULL, agent, whole, OT_NIL, TU_POLL_CAP_MS, &r) == 0);
    CHECK(r == ot_int(NULL, WORKERS * ADDS), "total %lld", (long long)(r >> 4));
    CHECK(ot_agent_stop(agent, OT_ATOM(NORMAL), TU_POLL_CAP_MS) == 0);
}

Test(agent, many_processes_two_schedulers, .timeout = 120) { pt_run(stress_body, NULL, 2); }
