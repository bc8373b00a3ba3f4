/* test_io_faults.c — I/O fault sweeps on the distribution path, as
 * SQLite's test_vfs: a connection to a second otter node and an erpc over
 * it run with the Nth socket call (recv, send, accept, connect; counted by
 * base/io.h) failing with EINTR, EAGAIN or ECONNRESET, or shortened to
 * one byte, for N = 0, 1, ... until the operation makes fewer calls. Each
 * faulted run must end in success or a clean error return (the connection
 * dropped and logged), an erpc that answered must have answered right
 * (nothing acknowledged is lost), the next run without a fault must
 * succeed (the node is alive), and ASan must find nothing leaked. Each
 * sweep prints how many injected points it covered. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "base/io.h"
#include "otter/erpc.h"
#include "otter/node.h"
#include "peer.h"
#include "proctest.h"

#define CALL_MS 3000

static peer *PEER;
static ot_term OTHER;

/* Connect, then an erpc whose answer is checked. */
static int op(void)
{
    int rc = ot_connect(OTHER);
    if (rc)
        return rc;
    ot_heap *h = ot_heap_new();
    ot_term r;
    rc = ot_erpc_call(h, OTHER, ot_atom("test"), ot_atom("add"), ot_build(h, "[40, 2]"), CALL_MS, &r);
    if (rc == 0)
        CHECK(ot_equal(r, ot_int(h, 42)), "an erpc that answered answered right");
    ot_heap_free(h);
    return rc > 0 ? -EPROTO : rc;
}

static void cleanup(void)
{
    if (ot_is_connected(OTHER))
        ot_disconnect(OTHER);
    for (int i = 0; i < 400 && ot_is_connected(OTHER); i++)
        ot_sleep(5);
    ot_msg *m;
    while ((m = ot_receive(OT_NONE, 0, NULL)) != NULL)
        ot_msg_free(m);
}

static long io_sweep(const char *what, int err)
{
    /* How many socket calls does one run make? */
    ot_test_io_fault count = {.after = LONG_MAX};
    ot_test_io_fault_set(&count);
    int rc = op();
    long calls = ot_test_io_calls();
    ot_test_io_fault_set(NULL);
    cleanup();
    CHECK(rc == 0, "%s: fails without a fault: %s", what, ot_strerror(rc));
    long points = 0;
    for (long n = 0; n < calls + 5 && !atomic_load(&pt_failed); n++) {
        ot_test_io_fault f = {.after = n, .err = err, .short_max = 1};
        ot_test_io_fault_set(&f);
        rc = op();
        long hit = ot_test_io_fault_set(NULL);
        cleanup();
        if (!hit)
            continue;
        points++;
        CHECK(rc <= 0, "%s at call %ld: rc %d", what, n, rc);
        int again = op();
        cleanup();
        CHECK(again == 0, "%s at call %ld (rc %s): the next run fails: %s", what, n, ot_strerror(rc),
              ot_strerror(again));
    }
    fprintf(stderr, "io sweep %s: %ld socket calls, %ld injected points\n", what, calls, points);
    return points;
}

static void body(void *arg)
{
    (void)arg;
    char name[64];
    peer_unique_name("otio", name, sizeof name);
    int rc = ot_node_start(name, OT_NODE_SHORT, "iofaults");
    CHECK(rc == 0, "node start: %s", ot_strerror(rc));
    if (rc)
        return;
    OTHER = ot_atom(PEER->node);
    long p = 0;
    p += io_sweep("EINTR", EINTR);
    p += io_sweep("EAGAIN", EAGAIN);
    p += io_sweep("ECONNRESET", ECONNRESET);
    p += io_sweep("short transfer", 0);
    CHECK(p > 0, "faults struck");
    ot_node_stop();
}

Test(io_faults, distribution_connect_and_erpc, .timeout = 300)
{
    char name[64];
    PEER = peer_start_otter(peer_unique_name("otiopeer", name, sizeof name), "iofaults");
    cr_assert(PEER, "the otter peer starts");
    pt_run(body, NULL, 2);
    peer_stop(PEER);
#if defined(__SANITIZE_ADDRESS__)
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "leaks: see the report above");
#endif
}
