/* test_dist_beam.c — otter against real Elixir nodes (Debian's erlang and
 * elixir, loopback, the real epmd), each test with nodes of its own:
 *   - the notebook's remote cells, exactly as written, from Elixir
 *     against an otter node; rpc; GenServer.call to an otter server;
 *     erpc's error shapes compared with BEAM's own
 *   - otter calling an Elixir node: processes, process_info, memory,
 *     applications, a supervisor's children, throw/exit/error, timeouts
 *   - links, monitors and exit signals both ways; the peer killed at
 *     the OS level fires them with noconnection
 *   - a wrong cookie both ways; garbage on the distribution port and on
 *     an established connection, after which the node answers normally */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "distribution/distribution_internal.h"
#include "otter/application.h"
#include "otter/call.h"
#include "otter/ets.h"
#include "otter/erpc.h"
#include "otter/introspect.h"
#include "otter/node.h"
#include "peer.h"
#include "proctest.h"
#include "testutil.h"

#define P(x) ((void *)(uintptr_t)(x))
#define T(x) ((ot_term)(uintptr_t)(x))

static peer *PEER;
static char my_name[64];
static const char *COOKIE = "distcookie";

static void start_node(const char *prefix)
{
    peer_unique_name(prefix, my_name, sizeof my_name);
    int rc = ot_node_start(my_name, OT_NODE_SHORT, COOKIE);
    CHECK(rc == 0, "node start: %s", ot_strerror(rc));
}

static const char *text(ot_term t)
{
    static _Thread_local char buf[8192];
    ot_print(buf, sizeof buf, t, NULL);
    return buf;
}

static const char *node_text(void) { return ot_atom_text(ot_node(), NULL); }

/* "=> value" replies: checks and frees. */
static bool reply_is_at(int line, char *r, const char *want)
{
    bool ok = r && !strncmp(r, "=> ", 3) && !strcmp(r + 3, want);
    CHECK(ok, "line %d: got %s, want %s", line, r ? r : "(no reply)", want);
    free(r);
    return ok;
}
#define reply_is(r, want) reply_is_at(__LINE__, r, want)

static peer *start_peer(const char *prefix, const char *cookie)
{
    char name[64];
    peer *p = peer_start_elixir(peer_unique_name(prefix, name, sizeof name), cookie);
    cr_assert(p, "the Elixir peer did not start");
    return p;
}

/* ---------------------------------------------------------------- helpers on otter */

/* A call server: {double, N} -> 2N; which_children / count_children as
 * a supervisor would answer (for the forwarding built-ins). */
static void echo_server(void *arg)
{
    (void)arg;
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term from, req, b[1];
        ot_heap *h = ot_proc_heap();
        if (ot_call_parse(ot_msg_term(m), &from, &req)) {
            if (ot_match(ot_pattern(h, "{double, N}"), req, b)) {
                int64_t n = 0;
                ot_get_int64(b[0], &n);
                ot_reply(from, ot_int(h, 2 * n));
            } else if (req == ot_atom("which_children")) {
                ot_reply(from, ot_build(h, "[{worker1, ~p, worker, [demo]}]", ot_self()));
            } else if (req == ot_atom("count_children")) {
                ot_reply(from, ot_build(h, "[{specs, 1}, {active, 1}, {supervisors, 0}, {workers, 1}]"));
            }
        } else if (ot_match(ot_pattern(h, "{size_of, Bin, From}"), ot_msg_term(m), b)) {
            /* unreachable: only calls come here */
        }
        ot_msg_free(m);
        ot_heap_reset(h);
    }
}

/* Answers {size, Bin, From} with {size, byte_size(Bin)} to From. */
static void sizer(void *arg)
{
    (void)arg;
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(m);
        ot_heap *h = ot_proc_heap();
        if (ot_tuple_arity(t) == 3) {
            size_t n = 0;
            ot_binary_data(ot_tuple_get(t, 1), &n);
            ot_send(ot_tuple_get(t, 2), ot_tuple(h, 2, ot_atom("size"), ot_int(h, (int64_t)n)));
        }
        ot_msg_free(m);
        ot_heap_reset(h);
    }
}

static ot_rpc_class notify(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_send(ot_hd(args), ot_tuple(h, 2, ot_atom("notified"), ot_node()));
    *result = OT_ATOM(OK);
    return OT_RPC_RETURN;
}

/* Answers only when told (or after the cap): the caller's timeout comes
 * first however slow the machine is. */
static ot_rpc_class slow(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    (void)args;
    ot_register(ot_atom("slow_rpc"), ot_self());
    ot_msg_free(ot_receive(ot_atom("answer_now"), TU_POLL_CAP_MS, NULL));
    *result = ot_atom("late");
    (void)h;
    return OT_RPC_RETURN;
}

static ot_rpc_class raiser(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_term how = ot_hd(args);
    *result = ot_build(h, "{reason, ~p}", how);
    if (how == ot_atom("throw"))
        return OT_RPC_THROW;
    if (how == ot_atom("exit"))
        return OT_RPC_EXIT;
    return OT_RPC_ERROR;
}

static void idle(void *arg)
{
    (void)arg;
    ot_msg_free(ot_receive(OT_NONE, OT_INFINITY, NULL));
}

static void busy(void *arg)
{
    (void)arg;
    for (int i = 0;; i++) {
        ot_send(ot_self(), ot_int(NULL, i));
        ot_msg_free(ot_receive(OT_NONE, OT_INFINITY, NULL));
        if (i % 1000 == 0)
            ot_sleep(5);
    }
}

/* Is the abandoned call of Peer.held waiting under its name on BEAM? */
static ot_term held_beam;
static bool held_registered(void *arg)
{
    (void)arg;
    ot_heap *h = ot_heap_new();
    ot_term r = OT_NONE;
    bool up = ot_erpc_call(h, held_beam, ot_atom("erlang"), ot_atom("whereis"), ot_build(h, "[held_call]"), 60000, &r) == 0 &&
              ot_is_pid(r);
    ot_heap_free(h);
    return up;
}

static void serve_things(void)
{
    ot_spawn_opts o = {.name = ot_atom("echo")};
    ot_spawn_opt(echo_server, NULL, &o);
    ot_spawn_opts s = {.name = ot_atom("sizer")};
    ot_spawn_opt(sizer, NULL, &s);
    for (int i = 0; i < 3; i++)
        ot_spawn(busy, NULL);
    ot_rpc_register("test", "notify", 1, notify, NULL);
    ot_rpc_register("test", "slow", 0, slow, NULL);
    ot_rpc_register("test", "raise", 1, raiser, NULL);
}

/* ---------------------------------------------------------------- Elixir -> otter */

static void notebook_body(void *arg)
{
    (void)arg;
    start_node("otnb");
    serve_things();
    const char *src = getenv("OTTER_SOURCE_DIR");
    reply_is(pe_evalf(PEER, 90000,
                      "Process.put(:otter_node, \"%s\"); Process.put(:otter_cookie, \"%s\"); "
                      "Code.eval_file(\"%s/tests/dist/notebook_stubs.exs\"); "
                      "{v, _} = Code.eval_file(\"%s/tests/dist/notebook_remote.exs\"); v",
                      node_text(), COOKIE, src ? src : ".", src ? src : "."),
             ":ok");
}

Test(dist_beam, notebook_cells_from_elixir, .timeout = 180)
{
    PEER = start_peer("exnb", COOKIE);
    pt_run(notebook_body, NULL, 2);
    peer_stop(PEER);
}

static void shapes_body(void *arg)
{
    (void)arg;
    start_node("otshape");
    serve_things();
    const char *n = node_text();
    reply_is(pe_evalf(PEER, 20000, "o = :\"%s\"; Node.connect(o)", n), "true");
    reply_is(pe_eval(PEER, "Node.ping(o)", 20000), ":pong");
    reply_is(pe_eval(PEER, "o in Node.list(:hidden)", 20000), "true");
    /* undef, badarg and rpc's shapes exactly as BEAM gives them for itself */
    reply_is(pe_eval(PEER, "c = fn n, m, f, a -> try do {:ok, :erpc.call(n, m, f, a)} catch k, r -> {k, r} end end; "
                           "c.(o, :foo, :bar, [1]) == c.(node(), :foo, :bar, [1])", 20000), "true");
    reply_is(pe_eval(PEER, "c.(o, :foo, :bar, [1])", 20000), "{:error, {:exception, :undef, [{:foo, :bar, [1], []}]}}");
    reply_is(pe_eval(PEER, ":rpc.call(o, :foo, :bar, [1]) == :rpc.call(node(), :foo, :bar, [1])", 20000), "true");
    reply_is(pe_eval(PEER, ":rpc.call(o, :foo, :bar, [1])", 20000), "{:badrpc, {:EXIT, {:undef, [{:foo, :bar, [1], []}]}}}");
    reply_is(pe_eval(PEER, "elem(c.(o, :erlang, :process_info, [self(), :status]), 1) |> elem(1)", 20000), ":badarg");
    reply_is(pe_eval(PEER, "p = :erpc.call(o, :erlang, :whereis, [:echo]); is_pid(p) and node(p) == o", 20000), "true");
    reply_is(pe_eval(PEER, "elem(c.(o, :erlang, :process_info, [p, :bogus]), 1) |> elem(1)", 20000), ":badarg");
    reply_is(pe_eval(PEER, ":erpc.call(o, Process, :info, [p, :registered_name])", 20000), "{:registered_name, :echo}");
    reply_is(pe_eval(PEER, "q = hd(:erpc.call(o, Process, :list, [])); :erpc.call(o, Process, :info, [q, :registered_name])", 20000),
             "{:registered_name, []}");
    reply_is(pe_eval(PEER, "Keyword.keys(:erpc.call(o, :erlang, :process_info, [p])) |> Enum.take(4)", 20000),
             "[:registered_name, :current_function, :initial_call, :status]");
    reply_is(pe_eval(PEER, "i = :erpc.call(o, Process, :info, [p]); {i[:status], is_integer(i[:reductions]), i[:links]}", 20000),
             "{:waiting, true, []}");
    reply_is(pe_eval(PEER, "is_integer(:erpc.call(o, :erlang, :system_info, [:process_count]))", 20000), "true");
    reply_is(pe_eval(PEER, "elem(c.(o, :erlang, :system_info, [:no_such_thing]), 1) |> elem(1)", 20000), ":badarg");
    reply_is(pe_eval(PEER, ":erpc.call(o, :erlang, :memory, [:total]) > 0", 20000), "true");
    reply_is(pe_eval(PEER, ":erpc.call(o, :erlang, :memory, [[:atom, :ets]]) |> Keyword.keys()", 20000), "[:atom, :ets]");
    reply_is(pe_eval(PEER, ":erpc.call(o, :erlang, :node, [])", 20000), text(ot_node()));
    reply_is(pe_eval(PEER, "node() in :erpc.call(o, :erlang, :nodes, [])", 20000), "true");
    reply_is(pe_eval(PEER, ":echo in :erpc.call(o, :erlang, :registered, [])", 20000), "true");
    reply_is(pe_eval(PEER, ":erpc.call(o, Kernel, :inspect, [%{a: [1, 2]}])", 20000), "\"%{a: [1, 2]}\"");
    reply_is(pe_eval(PEER, ":erpc.call(o, Kernel, :inspect, [Enum.to_list(1..100), [limit: 3]])", 20000), "\"[1, 2, 3, ...]\"");
    /* classes raised by a C function */
    reply_is(pe_eval(PEER, "c.(o, :test, :raise, [:throw])", 20000), "{:throw, {:reason, :throw}}");
    reply_is(pe_eval(PEER, "c.(o, :test, :raise, [:exit])", 20000), "{:exit, {:exception, {:reason, :exit}}}");
    reply_is(pe_eval(PEER, "c.(o, :test, :raise, [:error])", 20000),
             "{:error, {:exception, {:reason, :error}, [{:test, :raise, [:error], []}]}}");
    /* a fun cannot run on otter: a clean error, nothing else happens */
    reply_is(pe_eval(PEER, "c.(o, :erlang, :apply, [fn -> 1 end, []])", 20000), "{:error, {:erpc, :notsup}}");
    reply_is(pe_eval(PEER, "is_pid(Node.spawn(o, fn -> 1 end))", 20000), "true");
    /* supervisor calls forwarded as gen_server calls */
    reply_is(pe_eval(PEER, "[{:worker1, w, :worker, [:demo]}] = :erpc.call(o, :supervisor, :which_children, [:echo]); w == p", 20000), "true");
    reply_is(pe_eval(PEER, ":erpc.call(o, Supervisor, :count_children, [{:echo, o}])", 20000),
             "[specs: 1, active: 1, supervisors: 0, workers: 1]");
    reply_is(pe_eval(PEER, "elem(c.(o, :supervisor, :which_children, [:nobody]), 1)", 20000),
             "{:exception, {:noproc, {:gen_server, :call, [:nobody, :which_children, :infinity]}}}");
    /* GenServer calls by name, by pid, and to nobody */
    reply_is(pe_eval(PEER, "GenServer.call({:echo, o}, {:double, 21})", 20000), "42");
    reply_is(pe_eval(PEER, "GenServer.call(p, {:double, 4})", 20000), "8");
    reply_is(pe_eval(PEER, "try do GenServer.call({:nobody, o}, :x) catch :exit, {r, _} -> r end", 20000), ":noproc");
    /* erpc.cast and a message back from otter */
    reply_is(pe_eval(PEER, ":erpc.cast(o, :test, :notify, [self()]); Peer.await(&match?({:notified, _}, &1))", 20000),
             text(ot_tuple(ot_proc_heap(), 2, ot_atom("notified"), ot_node())));
    /* a timeout, and the node answers afterwards */
    reply_is(pe_eval(PEER, "try do :erpc.call(o, :test, :slow, [], 100) catch :error, e -> e end", 20000), "{:erpc, :timeout}");
    ot_send(ot_atom("slow_rpc"), ot_atom("answer_now")); /* -ENOENT if the caller's end killed it */
    reply_is(pe_eval(PEER, ":erpc.call(o, :erlang, :node, [])", 20000), text(ot_node()));
    /* a message of a megabyte, and a reply of many processes */
    reply_is(pe_eval(PEER, "send({:sizer, o}, {:size, :binary.copy(\"x\", 1_000_000), self()}); Peer.await(&match?({:size, _}, &1))", 20000),
             "{:size, 1000000}");
    for (int i = 0; i < 3000; i++)
        ot_spawn(idle, NULL);
    reply_is(pe_eval(PEER, "length(:erpc.call(o, :erlang, :processes, [])) > 3000", 20000), "true");
    /* rpc's older paths through rex */
    reply_is(pe_eval(PEER, ":rpc.block_call(o, :test, :raise, [:throw])", 20000), "{:reason, :throw}");
    reply_is(pe_eval(PEER, "send({:rex, o}, {self(), {:call, :erlang, :node, [], :user}}); Peer.await(&match?({:rex, _}, &1))", 20000),
             text(ot_tuple(ot_proc_heap(), 2, ot_atom("rex"), ot_node())));
}

Test(dist_beam, elixir_calls_otter_with_beam_shapes, .timeout = 180)
{
    PEER = start_peer("exshape", COOKIE);
    pt_run(shapes_body, NULL, 2);
    peer_stop(PEER);
}

/* ---------------------------------------------------------------- otter -> Elixir */

static void calls_body(void *arg)
{
    (void)arg;
    start_node("otcall");
    ot_heap *h = ot_proc_heap();
    ot_term beam = ot_atom(PEER->node);
    /* a supervisor on the Elixir side, to look at */
    reply_is(pe_eval(PEER, "{:ok, sup} = Supervisor.start_link([{Agent, fn -> 0 end}, {Peer.Echo, 0}], "
                           "strategy: :one_for_one, name: :demo_sup); Process.register(self(), :peer_main); :ok",
                     20000), ":ok");
    CHECK(ot_connect(beam) == 0);
    CHECK(ot_is_connected(beam));
    CHECK(ot_list_length(ot_nodes(h)) == 1 && ot_hd(ot_nodes(h)) == beam);
    ot_conn_stats st;
    CHECK(ot_conn_stats_get(beam, &st) == 0 && (st.peer_flags & OT__DFLAG_SPAWN) && st.peer_creation);
    ot_term r;
    int rc = ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("processes"), OT_NIL, 10000, &r);
    CHECK(rc == 0 && ot_list_length(r) > 20, "%d %.300s", rc, text(r));
    /* process_info of every pid, as the notebook does */
    size_t answered = 0, n = 0;
    for (ot_term l = r; l != OT_NIL && rc == 0; l = ot_tl(l), n++) {
        ot_term info;
        int rc2 = ot_erpc_call(h, beam, ot_atom("Elixir.Process"), ot_atom("info"),
                               ot_list(h, 2, ot_hd(l), ot_build(h, "[reductions, memory, status]")), 10000, &info);
        CHECK(rc2 == 0, "%d", rc2);
        if (ot_list_length(info) == 3 && ot_tuple_get(ot_hd(info), 0) == OT_ATOM(REDUCTIONS))
            answered++;
        ot_term s;
        CHECK(ot_erpc_call(h, beam, ot_atom("Elixir.Kernel"), ot_atom("inspect"), ot_list(h, 1, ot_hd(l)), 10000, &s) == 0);
        CHECK(ot_is_binary(s) && !memcmp(ot_binary_data(s, NULL), "#PID<0.", 7), "%.300s", text(s));
    }
    CHECK(answered + 2 >= n, "%zu of %zu", answered, n);
    /* memory: the nine categories */
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("memory"), OT_NIL, 10000, &r) == 0);
    CHECK(ot_list_length(r) == 9 && ot_tuple_get(ot_hd(r), 0) == OT_ATOM(TOTAL), "%.300s", text(r));
    /* applications and a supervisor's children, as BEAM reports them */
    CHECK(ot_erpc_call(h, beam, ot_atom("Elixir.Application"), ot_atom("started_applications"), OT_NIL, 10000, &r) == 0);
    bool has_elixir = false;
    for (ot_term l = r; ot_is_list(l) && l != OT_NIL; l = ot_tl(l))
        has_elixir |= ot_tuple_get(ot_hd(l), 0) == ot_atom("elixir");
    CHECK(has_elixir, "%.300s", text(r));
    CHECK(ot_erpc_call(h, beam, ot_atom("supervisor"), ot_atom("which_children"), ot_list(h, 1, ot_atom("demo_sup")), 10000, &r) == 0);
    CHECK(ot_list_length(r) == 2, "%.300s", text(r));
    char want[64];
    snprintf(want, sizeof want, "%zd", ot_list_length(r));
    reply_is(pe_eval(PEER, "length(Supervisor.which_children(:demo_sup))", 20000), want);
    ot_term echo_pid = OT_NONE;
    for (ot_term l = r; l != OT_NIL; l = ot_tl(l))
        if (ot_tuple_get(ot_hd(l), 0) == ot_atom("Elixir.Peer.Echo"))
            echo_pid = ot_tuple_get(ot_hd(l), 1);
    CHECK(ot_is_pid(echo_pid), "%.300s", text(r));
    /* a GenServer call to the Elixir side, by pid */
    CHECK(ot_call(h, echo_pid, ot_build(h, "{double, 21}"), 60000, &r) == 0 && ot_equal(r, ot_int(h, 42)), "%.300s", text(r));
    CHECK(ot_call(h, echo_pid, ot_atom("whoami"), 60000, &r) == 0);
    CHECK(ot_equal(ot_tuple_get(r, 1), ot_self()) && ot_tuple_get(r, 0) == beam, "%.300s", text(r));
    /* raises of every class */
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("throw"), ot_build(h, "[ball]"), 60000, &r) == OT_RPC_THROW);
    CHECK(r == ot_atom("ball"));
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("exit"), ot_build(h, "[bye]"), 60000, &r) == OT_RPC_EXIT);
    CHECK(r == ot_atom("bye"));
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("error"), ot_build(h, "[oops]"), 60000, &r) == OT_RPC_ERROR);
    CHECK(ot_tuple_get(r, 0) == ot_atom("oops"), "%.300s", text(r));
    CHECK(ot_erpc_call(h, beam, ot_atom("nope"), ot_atom("f"), ot_build(h, "[1]"), 60000, &r) == OT_RPC_ERROR);
    CHECK(!strcmp(text(r), "{:undef, [{:nope, :f, [1], []}]}"), "%.300s", text(r));
    /* a timeout abandons the call; the node answers afterwards. The
     * abandoned call (Peer.held) answers once released, and its answer
     * must not land in the mailbox: :released comes on the same
     * connection once the answering process is gone, after its answer. */
    CHECK(ot_erpc_call(h, beam, ot_atom("Elixir.Peer"), ot_atom("held"), ot_build(h, "[held_call]"), 100, &r) == -ETIMEDOUT);
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("node"), OT_NIL, 60000, &r) == 0 && r == beam);
    held_beam = beam;
    CHECK(tu_poll(held_registered, NULL), "Peer.held never started");
    ot_send(ot_tuple(h, 2, ot_atom("held_call"), beam), ot_tuple(h, 2, ot_atom("release"), ot_self()));
    ot_msg *rm = ot_receive(ot_atom("released"), TU_POLL_CAP_MS, NULL);
    CHECK(rm != NULL, "Peer.held was not released");
    ot_msg_free(rm);
    CHECK(ot_message_queue_len() == 0, "%zu left", ot_message_queue_len());
    /* output of a remote call comes to our group leader */
    rc = ot_erpc_call(h, beam, ot_atom("io"), ot_atom("format"), ot_build(h, "[\"from beam~~n\"]"), 60000, &r);
    CHECK(rc == 0 && r == OT_ATOM(OK), "%d %.300s", rc, text(r));
    /* sends by name and by pid, and a reply */
    CHECK(ot_send(ot_tuple(h, 2, ot_atom("peer_main"), beam), ot_tuple(h, 2, ot_atom("hello"), ot_self())) == 0);
    reply_is(pe_eval(PEER, "{:hello, pid} = Peer.await(&match?({:hello, _}, &1)); send(pid, {:back, node()}); node(pid)", 20000),
             text(ot_node()));
    ot_msg *m = ot_receive(ot_pattern(h, "{back, _}"), 60000, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    /* a remote spawn of a function BEAM has */
    int err;
    ot_term sp = ot_spawn_remote(h, beam, ot_atom("timer"), ot_atom("sleep"), ot_build(h, "[10]"), &err);
    CHECK(ot_is_pid(sp) && err == 0, "%d", err);
    /* ot_disconnect, and the next call connects again */
    CHECK(ot_disconnect(beam) == 0);
    CHECK(!ot_is_connected(beam));
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("node"), OT_NIL, 10000, &r) == 0 && r == beam);
}

Test(dist_beam, otter_calls_elixir, .timeout = 180)
{
    PEER = start_peer("excall", COOKIE);
    pt_run(calls_body, NULL, 2);
    peer_stop(PEER);
}

/* ---------------------------------------------------------------- links and monitors */

static void exits_with(void *arg)
{
    ot_term reason = T(arg);
    ot_msg_free(ot_receive(ot_atom("go"), OT_INFINITY, NULL));
    ot_exit(reason);
}

static bool got(ot_heap *h, const char *pattern, int64_t ms, ot_term *binds)
{
    ot_msg *m = ot_receive(ot_pattern(h, pattern), ms, binds);
    CHECK(m != NULL, "no %s", pattern);
    ot_msg_free(m);
    return m != NULL;
}

/* Does the process (a pid in arg) have one link and one monitor on it? */
static bool one_link_one_monitor(void *pid)
{
    ot_heap *h = ot_proc_heap();
    ot_term li = ot_process_info(h, T(pid), ot_build(h, "[links, monitored_by]"));
    return ot_list_length(ot_tuple_get(ot_hd(li), 1)) == 1 && ot_list_length(ot_tuple_get(ot_hd(ot_tl(li)), 1)) == 1;
}

static void links_body(void *arg)
{
    (void)arg;
    start_node("otlink");
    ot_heap *h = ot_proc_heap();
    ot_term beam = ot_atom(PEER->node);
    ot_trap_exit(true);
    CHECK(ot_connect(beam) == 0);
    reply_is(pe_evalf(PEER, 20000, "o = :\"%s\"; Process.flag(:trap_exit, true); "
                                   "spawn_w = fn r -> spawn(fn -> receive do :go -> exit(r) end end) end; :ok",
                      node_text()),
             ":ok");
    ot_term b[2];
    /* otter links to a BEAM process, which exits */
    reply_is(pe_eval(PEER, "w1 = spawn_w.({:shutdown, :bye}); Process.register(w1, :w1)", 20000), "true");
    ot_term w1;
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("whereis"), ot_build(h, "[w1]"), 60000, &w1) == 0 && ot_is_pid(w1));
    w1 = ot_copy(h, w1);
    CHECK(ot_link(w1) == 0);
    ot_term mref = ot_monitor(h, w1);
    reply_is(pe_eval(PEER, "Peer.eventually(fn -> Process.info(w1, :links) |> elem(1) |> Enum.map(&node/1) end)", 20000),
             text(ot_list(h, 1, ot_node())));
    reply_is(pe_eval(PEER, "send(w1, :go)", 20000), ":go");
    CHECK(got(h, "{'EXIT', P, {shutdown, bye}}", 60000, b) && ot_equal(b[0], w1));
    CHECK(got(h, "{'DOWN', R, process, _, {shutdown, bye}}", 60000, b) && ot_equal(b[0], mref));

    /* unlink: the exit no longer arrives; a demonitored one neither */
    reply_is(pe_eval(PEER, "w2 = spawn_w.(:boom); Process.register(w2, :w2)", 20000), "true");
    ot_term w2;
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("whereis"), ot_build(h, "[w2]"), 60000, &w2) == 0);
    w2 = ot_copy(h, w2);
    CHECK(ot_link(w2) == 0);
    ot_term mref2 = ot_monitor(h, w2);
    CHECK(ot_unlink(w2) == 0);
    CHECK(ot_demonitor(mref2, true) == 0);
    reply_is(pe_eval(PEER, "Peer.eventually(fn -> Process.info(w2, :links) == {:links, []} end); Process.info(w2, :links)", 20000),
             "{:links, []}");
    reply_is(pe_eval(PEER, "Peer.eventually(fn -> Process.info(w2, :monitored_by) == {:monitored_by, []} end); "
                           "Process.info(w2, :monitored_by)", 20000), "{:monitored_by, []}");
    /* a monitor taken now marks w2's end: its DOWN comes from w2 on the
     * same connection as an exit or DOWN that should not come at all */
    ot_term mref3 = ot_monitor(h, w2);
    reply_is(pe_eval(PEER, "send(w2, :go)", 20000), ":go");
    CHECK(got(h, "{'DOWN', R, process, _, boom}", TU_POLL_CAP_MS, b) && ot_equal(b[0], mref3));
    CHECK(ot_receive(OT_NONE, 0, NULL) == NULL, "an exit or DOWN after unlink/demonitor");

    /* BEAM links to and monitors otter processes, by pid and by name */
    ot_term v1 = ot_spawn(exits_with, P(ot_atom("crashed")));
    ot_spawn_opts no = {.name = ot_atom("named_victim")};
    ot_term v2 = ot_spawn_opt(exits_with, P(ot_atom("normal")), &no);
    CHECK(ot_send(ot_tuple(h, 2, ot_atom("nobody_here"), beam), OT_NIL) == 0); /* dropped */
    /* pass our pids to the peer the distributed way: a message */
    reply_is(pe_eval(PEER, "Process.register(self(), :peer_main); :ok", 20000), ":ok");
    ot_send(ot_tuple(h, 2, ot_atom("peer_main"), beam), ot_tuple(h, 3, ot_atom("pids"), v1, v2));
    reply_is(pe_eval(PEER, "{:pids, v1, v2} = Peer.await(&match?({:pids, _, _}, &1)); Process.link(v1); "
                           "r1 = Process.monitor(v1); r2 = Process.monitor({:named_victim, o}); :ok", 20000), ":ok");
    /* v1's links and monitors show the BEAM process (once the signals,
     * sent asynchronously, have arrived) */
    tu_poll(one_link_one_monitor, P(v1));
    ot_term li = ot_process_info(h, v1, ot_build(h, "[links, monitored_by]"));
    CHECK(ot_list_length(ot_tuple_get(ot_hd(li), 1)) == 1, "%.300s", text(li));
    CHECK(ot_list_length(ot_tuple_get(ot_hd(ot_tl(li)), 1)) == 1, "%.300s", text(li));
    ot_send(v1, ot_atom("go"));
    ot_send(v2, ot_atom("go"));
    reply_is(pe_eval(PEER, "{:EXIT, ^v1, r} = Peer.await(&match?({:EXIT, _, _}, &1)); r", 20000), ":crashed");
    reply_is(pe_eval(PEER, "{:DOWN, ^r1, :process, ^v1, r} = Peer.await(&match?({:DOWN, ^r1, _, _, _}, &1)); r", 20000), ":crashed");
    reply_is(pe_eval(PEER, "{:DOWN, ^r2, :process, w, r} = Peer.await(&match?({:DOWN, ^r2, _, _, _}, &1)); {w, r}", 20000),
             text(ot_build(h, "{{named_victim, ~p}, normal}", ot_node())));
    /* a monitor of a name nobody has */
    reply_is(pe_eval(PEER, "r3 = Process.monitor({:no_one, o}); Peer.await(&match?({:DOWN, ^r3, _, _, _}, &1)) |> elem(4)", 20000),
             ":noproc");
    /* exit signals both ways */
    ot_term v3 = ot_spawn(exits_with, P(OT_ATOM(NORMAL)));
    ot_term ref3 = ot_monitor(h, v3);
    ot_send(ot_tuple(h, 2, ot_atom("peer_main"), beam), ot_tuple(h, 2, ot_atom("kill_me"), v3));
    reply_is(pe_eval(PEER, "{:kill_me, v3} = Peer.await(&match?({:kill_me, _}, &1)); Process.exit(v3, :kill)", 20000), "true");
    CHECK(got(h, "{'DOWN', R, process, _, killed}", 60000, b) && ot_equal(b[0], ref3));
}

Test(dist_beam, links_monitors_and_exits_both_ways, .timeout = 180)
{
    PEER = start_peer("exlink", COOKIE);
    pt_run(links_body, NULL, 2);
    peer_stop(PEER);
}

/* ---------------------------------------------------------------- a peer killed */

static void killed_body(void *arg)
{
    (void)arg;
    start_node("otkill");
    ot_heap *h = ot_proc_heap();
    ot_term beam = ot_atom(PEER->node);
    ot_trap_exit(true);
    CHECK(ot_connect(beam) == 0);
    ot_term w;
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("whereis"), ot_build(h, "[init]"), 60000, &w) == 0);
    w = ot_copy(h, w);
    CHECK(ot_link(w) == 0);
    ot_term mref = ot_monitor(h, w);
    CHECK(ot_monitor_node(beam, true) == 0);
    /* and the peer links to and watches one of ours */
    ot_term v = ot_spawn(idle, NULL);
    reply_is(pe_eval(PEER, "Process.register(self(), :peer_main); :ok", 20000), ":ok");
    ot_send(ot_tuple(h, 2, ot_atom("peer_main"), beam), ot_tuple(h, 2, ot_atom("watch"), v));
    reply_is(pe_eval(PEER, "{:watch, v} = Peer.await(&match?({:watch, _}, &1)); Process.monitor(v); Process.link(v); :ok", 20000), ":ok");
    tu_poll(one_link_one_monitor, P(v));
    ot_term before = ot_process_info(h, v, ot_build(h, "[links, monitored_by]"));
    CHECK(!strcmp(text(ot_tuple_get(ot_hd(before), 1)), text(ot_tuple_get(ot_hd(ot_tl(before)), 1))) &&
          ot_list_length(ot_tuple_get(ot_hd(before), 1)) == 1, "%.300s", text(before));
    /* v does not trap exits: the lost link will end it */
    ot_term vref = ot_monitor(h, v);
    pe_kill(PEER);
    PEER = NULL;
    ot_term b[2];
    CHECK(got(h, "{'EXIT', P, noconnection}", 10000, b) && ot_equal(b[0], w));
    ot_msg *m = ot_receive(ot_pattern(h, "{'DOWN', ~p, process, _, noconnection}", mref), 10000, NULL);
    CHECK(m != NULL, "no DOWN noconnection");
    ot_msg_free(m);
    CHECK(got(h, "{nodedown, N}", 10000, b) && b[0] == beam);
    CHECK(!ot_is_connected(beam));
    CHECK(ot_nodes(h) == OT_NIL);
    /* a process linked to the lost node dies with noconnection, as on BEAM */
    m = ot_receive(ot_pattern(h, "{'DOWN', ~p, process, _, noconnection}", vref), 10000, NULL);
    CHECK(m != NULL, "the linked process did not exit with noconnection");
    ot_msg_free(m);
}

Test(dist_beam, killed_peer_fires_noconnection, .timeout = 180)
{
    PEER = start_peer("exkill", COOKIE);
    pt_run(killed_body, NULL, 2);
    peer_stop(PEER);
}

/* ---------------------------------------------------------------- cookies */

static void bad_cookie_body(void *arg)
{
    (void)arg;
    start_node("otck");
    ot_heap *h = ot_proc_heap();
    ot_term beam = ot_atom(PEER->node);
    /* otter -> BEAM with the wrong cookie: refused */
    CHECK(ot_connect(beam) == -EACCES);
    CHECK(!ot_is_connected(beam) && ot_nodes(h) == OT_NIL);
    /* BEAM -> otter with the wrong cookie: refused too */
    reply_is(pe_evalf(PEER, 20000, "o = :\"%s\"; Node.connect(o)", node_text()), "false");
    reply_is(pe_eval(PEER, "Node.list(:hidden)", 20000), "[]");
    /* nothing else was disturbed: with the peer using our cookie for us
     * (Node.set_cookie/2), it connects, and we reach it too */
    reply_is(pe_evalf(PEER, 20000, "Node.set_cookie(o, :%s); Node.connect(o)", COOKIE), "true");
    reply_is(pe_eval(PEER, ":erpc.call(o, :erlang, :node, [])", 20000), text(ot_node()));
    ot_term r;
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("node"), OT_NIL, 60000, &r) == 0 && r == beam);
}

Test(dist_beam, wrong_cookie_refused_both_ways, .timeout = 180)
{
    /* otter's log goes to a file, to check what it says */
    char *log = tu_mktemp(".log");
    int saved = dup(2);
    int fd = open(log, O_WRONLY | O_TRUNC);
    dup2(fd, 2);
    close(fd);
    PEER = start_peer("exck", "peercookie");
    pt_run(bad_cookie_body, NULL, 2);
    peer_stop(PEER);
    dup2(saved, 2);
    close(saved);
    size_t n;
    int st;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "cat %s", log);
    char *text_log = tu_run(cmd, NULL, 0, &n, &st);
    cr_assert(strstr(text_log, "rejected: invalid challenge reply"), "log: %s", text_log);
    cr_assert(strstr(text_log, "invalid challenge ack") || strstr(text_log, "refused by the peer"),
              "log: %s", text_log);
    free(text_log);
    unlink(log);
    free(log);
}

/* ---------------------------------------------------------------- garbage */

static int raw_connect(void)
{
    int fd = ot__sock_connect_addr(htonl(INADDR_LOOPBACK), (uint16_t)ot_node_port(),
                                   ot__now_ns() + 5 * INT64_C(1000000000));
    CHECK(fd >= 0, "%s", ot_strerror(fd));
    return fd;
}

/* Did the node close the socket (within 10 s)? */
static bool closed_by_node(int fd)
{
    int64_t deadline = ot__now_ns() + 10 * INT64_C(1000000000);
    for (;;) {
        uint8_t b[512];
        ssize_t r = ot__sock_recv(fd, b, sizeof b);
        if (r == 0 || r == -ECONNRESET || r == -EPIPE)
            return true;
        if (r > 0 || r == -EINTR)
            continue;
        if (r != -EAGAIN)
            return true;
        int64_t left = deadline - ot__now_ns();
        if (left <= 0 || ot_wait_fd(fd, OT_FD_READ, left / 1000000 + 1) <= 0)
            return false;
    }
}

static void send_raw(int fd, const void *p, size_t n)
{
    ot__sock_write_all(fd, p, n, ot__now_ns() + 5 * INT64_C(1000000000));
}

/* Plays a node named `name` through the handshake; true if accepted. */
static bool fake_handshake(int fd, const char *name, const char *cookie, bool good_digest)
{
    int64_t dl = ot__now_ns() + 5 * INT64_C(1000000000);
    uint8_t b[512];
    size_t n = strlen(name);
    b[0] = 'N';
    for (int i = 0; i < 8; i++)
        b[1 + i] = (uint8_t)(OT__DFLAGS_OURS >> (56 - 8 * i));
    b[9] = 0, b[10] = 0, b[11] = 0, b[12] = 7;
    b[13] = (uint8_t)(n >> 8), b[14] = (uint8_t)n;
    memcpy(b + 15, name, n);
    if (ot__hs_send(fd, b, 15 + n, dl))
        return false;
    size_t len;
    char status[32];
    if (ot__hs_recv(fd, b, sizeof b, &len, dl) || ot__hs_parse_status(b, len, status, sizeof status) ||
        strcmp(status, "ok"))
        return false;
    ot__hs_name ch;
    if (ot__hs_recv(fd, b, sizeof b, &len, dl) || ot__hs_parse_challenge(b, len, &ch))
        return false;
    uint8_t reply[21] = {'r', 0, 0, 0, 9};
    ot__hs_digest(cookie, ch.challenge, reply + 5);
    if (!good_digest)
        reply[7] ^= 1;
    if (ot__hs_send(fd, reply, sizeof reply, dl))
        return false;
    uint8_t got[16], want[16];
    if (ot__hs_recv(fd, b, sizeof b, &len, dl) || ot__hs_parse_ack(b, len, got))
        return false;
    ot__hs_digest(cookie, 9, want);
    return memcmp(got, want, 16) == 0;
}

static void forwarder(void *arg)
{
    ot_term to = T(arg);
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_send(to, ot_msg_term(m));
        ot_msg_free(m);
    }
}

static bool is_connected(void *name) { return ot_is_connected(ot_atom(name)); }
static bool is_not_connected(void *name) { return !ot_is_connected(ot_atom(name)); }

/* The node marks a connection up just after it sends its last handshake
 * message, and down once it has closed it: wait until it has. */
static bool becomes_connected(const char *name) { return tu_poll(is_connected, (void *)name); }
static bool becomes_disconnected(const char *name) { return tu_poll(is_not_connected, (void *)name); }

static bool at_most_two_more(void *before) { return ot_process_count() <= *(size_t *)before + 2; }

static void garbage_body(void *arg)
{
    (void)arg;
    peer_unique_name("otgarb", my_name, sizeof my_name);
    ot_node_opts o = {.name = my_name, .cookie = COOKIE, .max_packet = 1 << 20};
    CHECK(ot_node_start_opt(&o) == 0);
    ot_heap *h = ot_proc_heap();
    size_t procs_before = ot_process_count();
    ot_spawn_opts fo = {.name = ot_atom("probe")};
    ot_spawn_opt(forwarder, P(ot_self()), &fo);
    uint64_t seed = 7;

    /* random bytes, before any handshake */
    for (int round = 0; round < 20; round++) {
        int fd = raw_connect();
        uint8_t junk[300];
        size_t n = 1 + tu_rng(&seed) % sizeof junk;
        for (size_t i = 0; i < n; i++)
            junk[i] = (uint8_t)tu_rng(&seed);
        send_raw(fd, junk, n);
        shutdown(fd, SHUT_WR);
        CHECK(closed_by_node(fd), "round %d", round);
        ot__fd_close(fd);
    }
    /* a length that promises more than comes, then silence: the set-up
     * time limit closes it (7 s) — here we just hang up */
    int fd = raw_connect();
    send_raw(fd, "\xff\xff" "N", 3);
    ot__fd_close(fd);
    /* the version-5 handshake */
    fd = raw_connect();
    send_raw(fd, "\x00\x0an\x00\x05\x00\x00\x00\x00" "a@b", 12);
    CHECK(closed_by_node(fd));
    ot__fd_close(fd);
    /* a peer lacking mandatory capabilities is told not_allowed */
    fd = raw_connect();
    uint8_t sn[32] = {'N', 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 0, 3, 'a', '@', 'b'};
    ot__hs_send(fd, sn, 18, ot__now_ns() + INT64_C(5000000000));
    uint8_t b[64];
    size_t len = 0;
    CHECK(ot__hs_recv(fd, b, sizeof b, &len, ot__now_ns() + INT64_C(5000000000)) == 0 && len == 12 &&
          !memcmp(b, "snot_allowed", 12));
    CHECK(closed_by_node(fd));
    ot__fd_close(fd);
    /* a wrong digest */
    char fake[64];
    snprintf(fake, sizeof fake, "fake%d@vm", (int)getpid());
    fd = raw_connect();
    CHECK(!fake_handshake(fd, fake, COOKIE, false));
    CHECK(closed_by_node(fd));
    ot__fd_close(fd);
    CHECK(ot_nodes(h) == OT_NIL);

    /* after a good handshake: bad packets close the connection */
    struct {
        const char *what;
        uint8_t bytes[40];
        size_t n;
    } bad[] = {
        {"no 112", {0, 0, 0, 3, 1, 2, 3}, 7},
        {"a bad term", {0, 0, 0, 4, 112, 131, 104, 9}, 8},
        {"not a tuple", {0, 0, 0, 3, 112, 131, 106}, 7},
        {"unknown operation", {0, 0, 0, 6, 112, 131, 104, 1, 97, 99}, 10},
        {"over max_packet", {0, 0x20, 0, 0, 112}, 5},
        {"atom cache header", {0, 0, 0, 2, 68, 0}, 6},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fd = raw_connect();
        CHECK(fake_handshake(fd, fake, COOKIE, true), "%s", bad[i].what);
        CHECK(becomes_connected(fake), "%s", bad[i].what);
        send_raw(fd, bad[i].bytes, bad[i].n);
        CHECK(closed_by_node(fd), "%s", bad[i].what);
        ot__fd_close(fd);
        CHECK(becomes_disconnected(fake), "%s", bad[i].what);
    }
    /* a good message goes through; a signal claiming another node's
     * sender closes the connection */
    fd = raw_connect();
    CHECK(fake_handshake(fd, fake, COOKIE, true));
    ot__buf out = {0};
    ot_term fp = ot_pid(h, ot_atom(fake), 1, 0, 7);
    ot__packet_put(&out, ot_build(h, "{6, ~p, '', probe}", fp), ot_atom("hello_from_fake"));
    send_raw(fd, out.bytes, out.len);
    ot_msg *m = ot_receive(ot_atom("hello_from_fake"), 60000, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
    out.len = 0;
    ot_term liar = ot_pid(h, ot_atom("someone@else"), 1, 0, 7);
    ot__packet_put(&out, ot_build(h, "{1, ~p, ~p}", liar, ot_whereis(ot_atom("probe"))), OT_NONE);
    send_raw(fd, out.bytes, out.len);
    CHECK(closed_by_node(fd));
    ot__fd_close(fd);
    ot__dist_buf_free(&out);

    /* the node answers normally afterwards, once the closed connection's
     * processes are gone */
    CHECK(ot_is_alive(ot_whereis(ot_atom("probe"))));
    CHECK(tu_poll(at_most_two_more, &procs_before), "%zu -> %zu", procs_before, ot_process_count());
    reply_is(pe_evalf(PEER, 20000, "o = :\"%s\"; :erpc.call(o, :erlang, :node, [])", node_text()), text(ot_node()));
    reply_is(pe_eval(PEER, "send({:probe, o}, :still_fine); :ok", 20000), ":ok");
    m = ot_receive(ot_atom("still_fine"), 60000, NULL);
    CHECK(m != NULL);
    ot_msg_free(m);
}

Test(dist_beam, garbage_closes_only_its_connection, .timeout = 180)
{
    PEER = start_peer("exgarb", COOKIE);
    pt_run(garbage_body, NULL, 2);
    peer_stop(PEER);
}

/* ---------------------------------------------------------------- ticks */

/* A peer that stops answering (SIGSTOP: its socket stays open, nothing
 * comes) is dropped after net_ticktime; once it runs again, we connect
 * again. */
static void ticks_body(void *arg)
{
    (void)arg;
    start_node("ottick");
    ot_heap *h = ot_proc_heap();
    ot_term beam = ot_atom(PEER->node);
    CHECK(ot_set_net_ticktime(3) == 0);
    CHECK(ot_connect(beam) == 0);
    CHECK(ot_monitor_node(beam, true) == 0);
    ot_trap_exit(true);
    ot_term w;
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("whereis"), ot_build(h, "[init]"), 60000, &w) == 0);
    w = ot_copy(h, w);
    CHECK(ot_link(w) == 0);
    kill(PEER->pid, SIGSTOP);
    int64_t t0 = ot_monotonic_ms();
    ot_msg *m = ot_receive(ot_pattern(h, "{nodedown, ~p}", beam), 30000, NULL);
    int64_t waited = ot_monotonic_ms() - t0;
    CHECK(m != NULL, "no nodedown");
    ot_msg_free(m);
    /* not before the peer has been silent for the whole ticktime (the
     * receive's timeout above is the only upper bound: no timing
     * threshold that a loaded machine could miss) */
    CHECK(waited >= 3000 - 250, "nodedown after %lld ms", (long long)waited);
    fprintf(stderr, "# a silent peer dropped after %lld ms (net_ticktime 3 s)\n", (long long)waited);
    m = ot_receive(ot_pattern(h, "{'EXIT', ~p, noconnection}", w), 60000, NULL);
    CHECK(m != NULL, "the link did not fire");
    ot_msg_free(m);
    kill(PEER->pid, SIGCONT);
    int rc = ot_connect(beam);
    CHECK(rc == 0, "reconnect: %s", ot_strerror(rc));
    ot_term r;
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("node"), OT_NIL, 60000, &r) == 0 && r == beam);
}

Test(dist_beam, silent_peer_dropped_after_ticktime, .timeout = 180)
{
    PEER = start_peer("extick", COOKIE);
    pt_run(ticks_body, NULL, 2);
    peer_stop(PEER);
}

/* ---------------------------------------------------------------- applications, tables, supervisors */

static void apps_body(void *arg)
{
    (void)arg;
    CHECK(ot_otter_start() == 0);
    start_node("otapps");
    ot_heap *h = ot_proc_heap();
    ot_term tid;
    CHECK(ot_ets_new(h, ot_atom("users"), ot_build(h, "[set, public, named_table]"), &tid) == 0);
    for (int i = 0; i < 100; i++)
        ot_ets_insert(tid, ot_build(h, "{~i, <<\"user\">>}", i));
    reply_is(pe_evalf(PEER, 20000, "o = :\"%s\"; true = Node.connect(o); "
                                   "Enum.map(:erpc.call(o, Application, :started_applications, []), &elem(&1, 0)) |> Enum.member?(:otter)",
                      node_text()),
             "true");
    reply_is(pe_eval(PEER, ":erpc.call(o, :application, :which_applications, []) == :erpc.call(o, Application, :started_applications, [])", 20000), "true");
    reply_is(pe_eval(PEER, "m = :erpc.call(o, :application_controller, :get_master, [:otter]); is_pid(m) and node(m) == o", 20000), "true");
    reply_is(pe_eval(PEER, ":erpc.call(o, :application_controller, :get_master, [:no_such_app])", 20000), ":undefined");
    reply_is(pe_eval(PEER, "{sup, _mod} = :erpc.call(o, :application_master, :get_child, [m]); sup == :erpc.call(o, :erlang, :whereis, [:otter_sup])", 20000), "true");
    reply_is(pe_eval(PEER, "kids = :erpc.call(o, :supervisor, :which_children, [sup]); is_list(kids) and kids != []", 20000), "true");
    reply_is(pe_eval(PEER, ":erpc.call(o, :supervisor, :count_children, [:otter_sup]) |> Keyword.keys()", 20000),
             "[:specs, :active, :supervisors, :workers]");
    reply_is(pe_eval(PEER, ":users in :erpc.call(o, :ets, :all, [])", 20000), "true");
    reply_is(pe_eval(PEER, ":erpc.call(o, :ets, :info, [:users, :size])", 20000), "100");
    reply_is(pe_eval(PEER, "i = :erpc.call(o, :ets, :info, [:users]); {i[:size], i[:type], i[:named_table], i[:node] == o}", 20000),
             "{100, :set, true, true}");
    reply_is(pe_eval(PEER, ":erpc.call(o, :ets, :info, [:no_table])", 20000), ":undefined");
}

Test(dist_beam, elixir_reads_applications_tables_supervisors, .timeout = 180)
{
    PEER = start_peer("exapps", COOKIE);
    pt_run(apps_body, NULL, 2);
    peer_stop(PEER);
}
