/* test_dist_netns.c — a partition: an Elixir node in a network namespace
 * of its own, joined to this one by a veth pair (made and removed by the
 * test, which needs root and `ip`; skipped otherwise). Cutting the link
 * silences the connection without closing it: the node must notice from
 * the missing ticks (net_ticktime), fire links and node monitors with
 * noconnection, and connect again once the link is back. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "otter/erpc.h"
#include "otter/node.h"
#include "peer.h"
#include "proctest.h"
#include "testutil.h"

static char ns[32], veth_host[16], veth_ns[16], host_ip[32], ns_ip[32];
static peer *PEER;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* Removes the namespace and the link, killing whatever still runs in the
 * namespace (the peer, the epmd it started). */
static void teardown(void)
{
    if (PEER) {
        peer_kill(PEER);
        PEER = NULL;
    }
    sh("for p in $(ip netns pids %s 2>/dev/null); do kill -9 $p; done", ns);
    sh("ip link del %s >/dev/null 2>&1", veth_host);
    sh("ip netns del %s >/dev/null 2>&1", ns);
}

static bool setup(void)
{
    int pid = (int)getpid();
    snprintf(ns, sizeof ns, "otdist%d", pid);
    snprintf(veth_host, sizeof veth_host, "otd%da", pid % 10000000);
    snprintf(veth_ns, sizeof veth_ns, "otd%db", pid % 10000000);
    int a = 64 + (pid >> 8) % 64, b = pid & 255;
    snprintf(host_ip, sizeof host_ip, "10.%d.%d.1", a, b);
    snprintf(ns_ip, sizeof ns_ip, "10.%d.%d.2", a, b);
    if (sh("ip netns add %s", ns))
        return false;
    atexit(teardown);
    return !sh("ip link add %s type veth peer name %s", veth_host, veth_ns) &&
           !sh("ip link set %s netns %s", veth_ns, ns) &&
           !sh("ip addr add %s/24 dev %s", host_ip, veth_host) && !sh("ip link set %s up", veth_host) &&
           !sh("ip netns exec %s ip addr add %s/24 dev %s", ns, ns_ip, veth_ns) &&
           !sh("ip netns exec %s ip link set %s up", ns, veth_ns) &&
           !sh("ip netns exec %s ip link set lo up", ns);
}

typedef struct job {
    char cmd[256];
    int rc;
} job;

static void run_job(void *arg)
{
    job *j = arg;
    j->rc = system(j->cmd);
}

/* ip commands from inside a process: on the blocking pool. */
static int sh_p(const char *fmt, const char *a)
{
    job *j = calloc(1, sizeof *j);
    snprintf(j->cmd, sizeof j->cmd, fmt, a);
    ot_blocking(run_job, j);
    int rc = j->rc;
    free(j);
    return rc;
}

static void partition_body(void *arg)
{
    (void)arg;
    char name[64];
    snprintf(name, sizeof name, "otpart%d@%s", (int)getpid(), host_ip);
    ot_node_opts o = {.name = name, .names = OT_NODE_LONG, .cookie = "nscookie", .ticktime_s = 3};
    int rc = ot_node_start_opt(&o);
    CHECK(rc == 0, "node: %s", ot_strerror(rc));
    ot_heap *h = ot_proc_heap();
    ot_term beam = ot_atom(PEER->node);
    rc = ot_connect(beam);
    CHECK(rc == 0, "connect: %s", ot_strerror(rc));
    CHECK(ot_monitor_node(beam, true) == 0);
    ot_trap_exit(true);
    ot_term w;
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("whereis"), ot_build(h, "[init]"), TU_POLL_CAP_MS, &w) == 0);
    w = ot_copy(h, w);
    CHECK(ot_link(w) == 0);

    CHECK(sh_p("ip link set %s down", veth_host) == 0);
    int64_t t0 = ot_monotonic_ms();
    ot_msg *m = ot_receive(ot_pattern(h, "{nodedown, ~p}", beam), TU_POLL_CAP_MS, NULL);
    int64_t waited = ot_monotonic_ms() - t0;
    CHECK(m != NULL, "no nodedown after the link was cut");
    ot_msg_free(m);
    CHECK(waited >= 3000 - 250, "nodedown after %lld ms", (long long)waited);
    fprintf(stderr, "# link cut: nodedown after %lld ms (net_ticktime 3 s)\n", (long long)waited);
    m = ot_receive(ot_pattern(h, "{'EXIT', ~p, noconnection}", w), TU_POLL_CAP_MS, NULL);
    CHECK(m != NULL, "the link did not fire");
    ot_msg_free(m);
    CHECK(!ot_is_connected(beam));

    CHECK(sh_p("ip link set %s up", veth_host) == 0);
    /* the link comes back when the kernel says so: tried again every
     * 250 ms for up to TU_POLL_CAP_MS (a hang, not a slow machine) */
    rc = -1;
    for (int64_t end = ot_monotonic_ms() + TU_POLL_CAP_MS; rc != 0;) {
        rc = ot_connect(beam);
        if (rc == 0 || ot_monotonic_ms() >= end)
            break;
        ot_sleep(250);
    }
    CHECK(rc == 0, "reconnect: %s", ot_strerror(rc));
    ot_term r;
    CHECK(ot_erpc_call(h, beam, ot_atom("erlang"), ot_atom("node"), OT_NIL, TU_POLL_CAP_MS, &r) == 0 && r == beam);
}

Test(dist_netns, partition_and_heal, .timeout = 240)
{
    if (geteuid() != 0 || system("command -v ip >/dev/null 2>&1") != 0)
        cr_skip_test("needs root and ip(8)");
    cr_assert(setup(), "could not make the namespace and the veth pair");
    const char *src = getenv("OTTER_SOURCE_DIR");
    char script[4096], pname[128];
    snprintf(script, sizeof script, "%s/tests/dist/peer.exs", src ? src : ".");
    snprintf(pname, sizeof pname, "expart%d@%s", (int)getpid(), ns_ip);
    char *argv[] = {"ip", "netns", "exec", ns, "elixir", "--name", pname, "--cookie", "nscookie", script, NULL};
    PEER = peer_start(argv, 60000);
    cr_assert(PEER, "the Elixir peer did not start in the namespace");
    pt_run(partition_body, NULL, 2);
    teardown();
}
