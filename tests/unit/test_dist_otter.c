/* test_dist_otter.c — two otter nodes (the second one is
 * tests/dist/otter_peer, a separate program): connect with per-node
 * cookies, erpc both to registered C functions and to built-ins,
 * messages in order and without loss, a large message, calls, remote
 * spawn, and links and monitors fired by a node that dies. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "otter/call.h"
#include "otter/erpc.h"
#include "otter/introspect.h"
#include "otter/node.h"
#include "peer.h"
#include "proctest.h"
#include "testutil.h"

static peer *PEER;

static const char *text(ot_term t)
{
    static _Thread_local char buf[4096];
    ot_print(buf, sizeof buf, t, NULL);
    return buf;
}

static void start_node(const char *prefix, const char *cookie)
{
    char name[64];
    peer_unique_name(prefix, name, sizeof name);
    int rc = ot_node_start(name, OT_NODE_SHORT, cookie);
    CHECK(rc == 0, "node start: %s", ot_strerror(rc));
}

static void two_nodes_body(void *arg)
{
    (void)arg;
    start_node("otone", "mine");
    ot_heap *h = ot_proc_heap();
    ot_term other = ot_atom(PEER->node);
    /* the peer has another cookie: refused until we use it for that node */
    CHECK(ot_connect(other) == -EACCES);
    CHECK(ot_set_node_cookie(other, "theirs") == 0);
    int rc = ot_connect(other);
    CHECK(rc == 0, "%s", ot_strerror(rc));
    CHECK(ot_get_node_cookie(other) == ot_atom("theirs") && ot_get_cookie() == ot_atom("mine"));

    ot_term r;
    CHECK(ot_erpc_call(h, other, ot_atom("test"), ot_atom("add"), ot_build(h, "[40, 2]"), TU_POLL_CAP_MS, &r) == 0);
    CHECK(ot_equal(r, ot_int(h, 42)), "%.300s", text(r));
    CHECK(ot_erpc_call(h, other, ot_atom("test"), ot_atom("add"), ot_build(h, "[40, x]"), TU_POLL_CAP_MS, &r) == OT_RPC_ERROR);
    CHECK(!strcmp(text(r), "{:badarith, [{:test, :add, [40, :x], []}]}"), "%.300s", text(r));
    CHECK(ot_erpc_call(h, other, ot_atom("no"), ot_atom("such"), OT_NIL, TU_POLL_CAP_MS, &r) == OT_RPC_ERROR);
    CHECK(!strcmp(text(r), "{:undef, [{:no, :such, [], []}]}"), "%.300s", text(r));
    CHECK(ot_erpc_call(h, other, ot_atom("erlang"), ot_atom("memory"), OT_NIL, TU_POLL_CAP_MS, &r) == 0);
    CHECK(ot_list_length(r) == 9, "%.300s", text(r));
    CHECK(ot_erpc_call(h, other, ot_atom("erlang"), ot_atom("node"), OT_NIL, TU_POLL_CAP_MS, &r) == 0 && r == other);
    char *zs = memset(malloc(3 << 20), 'z', 3 << 20);
    ot_term zbin = ot_binary(h, zs, 3 << 20);
    free(zs);
    ot_term big = ot_erpc_call(h, other, ot_atom("test"), ot_atom("echo"), ot_list(h, 1, zbin), TU_POLL_CAP_MS, &r) == 0
                      ? r : OT_NONE;
    size_t bn = 0;
    CHECK(ot_binary_data(big, &bn) && bn == (3u << 20), "a 3 MiB echo");

    /* messages to a name arrive, in order, all of them */
    ot_term sink = ot_tuple(h, 2, ot_atom("sink"), other);
    for (int i = 0; i < 20000; i++) {
        CHECK(ot_send(sink, ot_build(h, "{ping, ~i}", i)) == 0);
        if (i % 1000 == 0)
            ot_heap_reset(h), sink = ot_tuple(h, 2, ot_atom("sink"), other);
    }
    ot_send(sink, ot_tuple(h, 2, ot_atom("count"), ot_self()));
    ot_term b[1];
    ot_msg *m = ot_receive(ot_pattern(h, "{count, N}"), TU_POLL_CAP_MS, b);
    CHECK(m && ot_equal(b[0], ot_int(h, 20000)), "%.300s", m ? text(ot_msg_term(m)) : "nothing");
    ot_msg_free(m);

    /* a call to a server found by name */
    ot_term echo;
    CHECK(ot_erpc_call(h, other, ot_atom("erlang"), ot_atom("whereis"), ot_build(h, "[echo]"), TU_POLL_CAP_MS, &echo) == 0);
    CHECK(ot_call(h, echo, ot_build(h, "{double, 8}"), TU_POLL_CAP_MS, &r) == 0 && ot_equal(r, ot_int(h, 16)));
    /* a spawn of a registered function there */
    int err;
    ot_term sp = ot_spawn_remote(h, other, ot_atom("test"), ot_atom("echo"), ot_build(h, "[hi]"), &err);
    CHECK(ot_is_pid(sp) && err == 0, "%d", err);
    ot_term und = ot_spawn_remote(h, other, ot_atom("erlang"), ot_atom("no_such"), OT_NIL, &err);
    CHECK(ot_is_pid(und), "BEAM spawns, then the process fails with undef");

    /* links and monitors to the peer's processes, then the peer dies */
    ot_trap_exit(true);
    CHECK(ot_link(echo) == 0);
    ot_term mref = ot_monitor(h, echo);
    ot_term nref = ot_monitor(h, ot_tuple(h, 2, ot_atom("sink"), other));
    CHECK(ot_monitor_node(other, true) == 0);
    ot_term li = ot_process_info(h, ot_self(), ot_atom("monitors"));
    CHECK(ot_list_length(ot_tuple_get(li, 1)) == 2, "%.300s", text(li));
    pe_kill(PEER);
    PEER = NULL;
    m = ot_receive(ot_pattern(h, "{'EXIT', ~p, noconnection}", echo), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL, "EXIT noconnection");
    ot_msg_free(m);
    m = ot_receive(ot_pattern(h, "{'DOWN', ~p, process, ~p, noconnection}", mref, echo), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL, "DOWN noconnection");
    ot_msg_free(m);
    m = ot_receive(ot_pattern(h, "{'DOWN', ~p, process, {sink, ~p}, noconnection}", nref, other), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL, "DOWN noconnection for a name");
    ot_msg_free(m);
    m = ot_receive(ot_pattern(h, "{nodedown, ~p}", other), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL, "nodedown");
    ot_msg_free(m);
    li = ot_process_info(h, ot_self(), ot_build(h, "[links, monitors]"));
    CHECK(!strcmp(text(li), "[links: [], monitors: []]"), "%.300s", text(li));
    CHECK(ot_erpc_call(h, other, ot_atom("erlang"), ot_atom("node"), OT_NIL, TU_POLL_CAP_MS, &r) == -ENOTCONN);
}

Test(dist_otter, two_otter_nodes, .timeout = 180)
{
    char name[64];
    PEER = peer_start_otter(peer_unique_name("ottwo", name, sizeof name), "theirs");
    cr_assert(PEER);
    pt_run(two_nodes_body, NULL, 2);
    if (PEER)
        peer_stop(PEER);
}

/* The peer connects to us first, while we connect to it: one connection
 * survives, and both directions work over it. */
static void both_ways_body(void *arg)
{
    (void)arg;
    start_node("otboth", "same");
    ot_heap *h = ot_proc_heap();
    ot_term other = ot_atom(PEER->node);
    ot_term r;
    for (int round = 0; round < 5; round++) {
        int rc = ot_connect(other);
        CHECK(rc == 0, "round %d: %s", round, ot_strerror(rc));
        CHECK(ot_erpc_call(h, other, ot_atom("erlang"), ot_atom("nodes"), OT_NIL, TU_POLL_CAP_MS, &r) == 0);
        CHECK(ot_list_length(r) == 1 && ot_hd(r) == ot_node(), "%.300s", text(r));
        CHECK(ot_list_length(ot_nodes(h)) == 1);
        CHECK(ot_disconnect(other) == 0);
        ot_heap_reset(h);
    }
}

Test(dist_otter, reconnects, .timeout = 180)
{
    char name[64];
    PEER = peer_start_otter(peer_unique_name("otpeer", name, sizeof name), "same");
    cr_assert(PEER);
    pt_run(both_ways_body, NULL, 2);
    peer_stop(PEER);
}

/* Many callers at once on one connection: every call is answered (a lost
 * wake-up anywhere on the path shows as timeouts here). */
static _Atomic int stress_failed, stress_done;

static void stress_caller(void *arg)
{
    ot_term other = (ot_term)(uintptr_t)arg;
    for (int i = 0; i < 400; i++) {
        ot_heap *x = ot_heap_new();
        ot_term r;
        int rc = ot_erpc_call(x, other, ot_atom("test"), ot_atom("add"), ot_build(x, "[~i, 1]", i), TU_POLL_CAP_MS, &r);
        if (rc != 0 || !ot_equal(r, ot_int(x, i + 1)))
            stress_failed++;
        if (i % 5 == 0)
            ot_send(ot_tuple(x, 2, ot_atom("sink"), other), ot_build(x, "{ping, ~i}", i));
        ot_heap_free(x);
    }
    stress_done++;
}

/* tu_poll's condition: the eight callers have made all their calls. */
static bool callers_done(void *ctx)
{
    (void)ctx;
    return stress_done >= 8;
}

static void stress_body(void *arg)
{
    (void)arg;
    start_node("otstress", "same");
    ot_term other = ot_atom(PEER->node);
    CHECK(ot_connect(other) == 0);
    for (int i = 0; i < 8; i++)
        ot_spawn(stress_caller, (void *)(uintptr_t)other);
    CHECK(tu_poll(callers_done, NULL), "%d of 8 callers finished", (int)stress_done);
    CHECK(stress_failed == 0, "%d calls failed", (int)stress_failed);
}

Test(dist_otter, concurrent_callers, .timeout = 180)
{
    char name[64];
    PEER = peer_start_otter(peer_unique_name("otpeer", name, sizeof name), "same");
    cr_assert(PEER);
    pt_run(stress_body, NULL, 2);
    peer_stop(PEER);
}
