/* serve_dashboard.c — a small otter node serving the dashboard, for the
 * browser tests (tests/web/browser_test.mjs) and for looking at the page
 * by hand:
 *
 *     serve_dashboard [--tour] [--port P] [--procs N] [--address A]
 *                     [--sname NAME [--cookie C]]
 *
 * With --sname the node is distributed (short names, cookie C or the
 * default one), so the Connect view can switch to other nodes.
 * Prints "URL <url>" on stdout once the dashboard answers, and runs until
 * its standard input closes (or it gets SIGTERM / Ctrl-C). Like `otter
 * node` and the tour, it runs otter's own application (otter_sup and its
 * children), so the Applications view has a tree to show. It starts a few
 * processes worth looking at: named and labelled ones, one with a
 * mailbox, N idle ones; it owns a named ETS table, tour_users, of 100
 * objects (the ETS view's content), and records the notebook's ping/pong
 * trace. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "otter/application.h"
#include "otter/dashboard.h"
#include "otter/ets.h"
#include "otter/introspect.h"
#include "otter/node.h"
#include "otter/process.h"
#include "otter/trace.h"

static ot_dashboard_opts opts = {.quiet = true, .action = otter_demo_action};
static long idle_procs = 200;
static const char *sname, *cookie;

static void idle(void *arg)
{
    (void)arg;
    ot_msg_free(ot_receive(OT_NONE, OT_INFINITY, NULL));
}

static void idle_hib(void *arg);
static void idle_hib(void *arg)
{
    (void)arg;
    ot_hibernate(idle_hib, NULL);
}

static void hoarder(void *arg)
{
    (void)arg;
    /* A mailbox of 500 messages it never reads. */
    ot_msg_free(ot_receive(ot_atom("never"), OT_INFINITY, NULL));
}

static void node_main(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    int arc = ot_otter_start();
    if (arc) {
        fprintf(stderr, "serve_dashboard: the otter application: %s\n", ot_strerror(arc));
        ot_exit(ot_atom("no_otter"));
    }
    if (sname) {
        int nrc = ot_node_start(sname, OT_NODE_SHORT, cookie);
        if (nrc) {
            fprintf(stderr, "serve_dashboard: node %s: %s\n", sname, ot_strerror(nrc));
            ot_exit(ot_atom("no_node"));
        }
    }
    ot_spawn_opts named = {.name = ot_atom("tour_registry"), .initial_call = "tour:registry/0"};
    ot_spawn_opt(idle, NULL, &named);
    ot_spawn_opts lab = {.label = ot_build(h, "{worker, 1}"), .initial_call = "tour:worker/1"};
    ot_spawn_opt(idle, NULL, &lab);
    ot_spawn_opts ho = {.label = ot_atom("hoarder"), .initial_call = "tour:hoarder/0"};
    ot_term hp = ot_spawn_opt(hoarder, NULL, &ho);
    for (int i = 0; i < 500; i++)
        ot_send(hp, ot_build(h, "{msg, ~i}", i));
    ot_heap_reset(h);
    ot_term users;
    int erc = ot_ets_new(h, ot_atom("tour_users"), ot_build(h, "[set, public, named_table]"), &users);
    for (int i = 1; erc == 0 && i <= 100; i++) {
        char name[32];
        snprintf(name, sizeof name, "User %d", i);
        erc = ot_ets_insert(users, ot_build(h, "{~i, ~s}", i, name));
    }
    if (erc) {
        fprintf(stderr, "serve_dashboard: the tour_users table: %s\n", ot_strerror(erc));
        ot_exit(ot_atom("no_table"));
    }
    ot_heap_reset(h);
    for (long i = 0; i < idle_procs; i++) {
        ot_spawn_opts io = {.initial_call = i % 2 ? "tour:idle/0" : "tour:sleeper/0"};
        ot_spawn_opt(i % 2 ? idle : idle_hib, NULL, &io);
    }

    const char *url;
    int rc = ot_dashboard_start(&opts, &url);
    if (rc) {
        fprintf(stderr, "serve_dashboard: %s\n", ot_strerror(rc));
        ot_exit(ot_atom("no_dashboard"));
    }
    ot_term trace = ot_seq_trace(h, otter_demo_ping_pong, NULL, NULL);
    if (trace != OT_NONE)
        ot_dashboard_add_trace("ping/pong (the notebook's first cells)", trace);
    printf("URL %s\n", url);
    fflush(stdout);

    /* Serve until stdin closes. */
    char buf[256];
    for (;;) {
        int ev = ot_wait_fd(0, OT_FD_READ, 1000);
        if (ev < 0)
            break;
        if (ev == 0)
            continue;
        ssize_t n = read(0, buf, sizeof buf);
        if (n <= 0 && !(n < 0 && errno == EINTR))
            break;
    }
    ot_dashboard_stop();
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--tour"))
            opts.tour = true;
        else if (!strcmp(argv[i], "--port") && i + 1 < argc)
            opts.port = (uint16_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--procs") && i + 1 < argc)
            idle_procs = atol(argv[++i]);
        else if (!strcmp(argv[i], "--address") && i + 1 < argc)
            opts.address = argv[++i];
        else if (!strcmp(argv[i], "--sample-ms") && i + 1 < argc)
            opts.sample_ms = atol(argv[++i]);
        else if (!strcmp(argv[i], "--sname") && i + 1 < argc)
            sname = argv[++i];
        else if (!strcmp(argv[i], "--cookie") && i + 1 < argc)
            cookie = argv[++i];
        else {
            fprintf(stderr,
                    "usage: %s [--tour] [--port P] [--procs N] [--address A] [--sample-ms MS] "
                    "[--sname NAME [--cookie C]]\n",
                    argv[0]);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    ot_runtime_opts ro = {.schedulers = 2};
    int rc = ot_run(node_main, NULL, &ro);
    return rc < 0 ? 1 : rc;
}
