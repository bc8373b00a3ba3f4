/* node.c — `otter node`: an otter node that runs until stopped, for other
 * nodes (otter or BEAM) to connect to, call and watch.
 *
 *   otter node --sname NAME | --name NAME [--cookie C] [--demo]
 *
 * SIGINT or SIGTERM shut it down cleanly (connections closed, the name
 * unregistered from epmd). --demo also starts the notebook's supervisor (a
 * Task sleeping forever and an Agent, one_for_one, registered as demo_sup)
 * and a few busy processes, so that there is something to watch. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <otter/agent.h>
#include <otter/application.h>
#include <otter/node.h>
#include <otter/process.h>
#include <otter/supervisor.h>
#include <otter/task.h>

#include "tool.h"

static struct {
    const char *name;
    ot_node_names names;
    const char *cookie;
    bool demo;
    int status;
} opt;

/* ---------------------------------------------------------------- the demo */

/* The notebook's children, {Task, fn -> Process.sleep(:infinity) end} and
 * {Agent, fn -> [] end}: the tour's own (tour.c, tool.h). */

/* Two processes that play ping-pong every few milliseconds, and one that
 * keeps a growing list: work and memory to see. */
static void pinger(void *arg)
{
    ot_term peer = OT_NONE;
    ot_set_label(ot_atom(arg ? "ping" : "pong"));
    if (arg) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);   /* the partner's pid */
        peer = ot_msg_term(m);
        ot_msg_free(m);
        ot_send(peer, ot_self());
    }
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        if (peer == OT_NONE && ot_is_pid(ot_msg_term(m)))
            peer = ot_msg_term(m);
        ot_msg_free(m);
        ot_sleep(5);
        ot_send(peer, ot_atom("ball"));
    }
}

static void hoarder(void *arg)
{
    (void)arg;
    ot_set_label(ot_atom("hoarder"));
    ot_heap *h = ot_proc_heap();
    ot_term list = OT_NIL;
    for (int64_t i = 0;; i++) {
        list = ot_cons(h, ot_int(h, i), list);
        if (i % 10000 == 9999) {
            ot_heap_reset(h);   /* start over: a sawtooth in memory */
            list = OT_NIL;
        }
        if (i % 100 == 0)
            ot_sleep(10);
    }
}

static int start_demo(void)
{
    ot_heap *h = ot_heap_new();
    ot_child_spec children[] = {
        {.id = ot_atom("Task"), .start = start_task, .modules = ot_build(h, "['Elixir.Task']")},
        {.id = ot_atom("Agent"), .start = start_agent, .modules = ot_build(h, "['Elixir.Agent']")},
    };
    ot_sup_opts so = {.strategy = OT_ONE_FOR_ONE, .name = ot_atom("demo_sup")};
    ot_term sup;
    int rc = ot_supervisor_start_link(&so, children, 2, h, &sup);
    ot_heap_free(h);
    if (rc != 0)
        return rc;
    ot_spawn_opts named = {.name = ot_atom("demo_pong")};
    ot_term pong = ot_spawn_opt(pinger, NULL, &named);
    ot_term ping = ot_spawn(pinger, (void *)1);
    ot_send(ping, pong);
    ot_spawn(hoarder, NULL);
    return 0;
}

/* ---------------------------------------------------------------- main */

static void node_process(void *arg)
{
    (void)arg;
    ot_otter_start();
    int rc = ot_node_start(opt.name, opt.names, opt.cookie);
    if (rc != 0) {
        fprintf(stderr, "otter node: cannot start node %s: %s%s\n", opt.name, ot_strerror(rc),
                rc == -EADDRINUSE ? " (epmd already has a node of that name)" : "");
        opt.status = TOOL_FAILED;
        return;
    }
    if (opt.demo && (rc = start_demo()) != 0) {
        fprintf(stderr, "otter node: the demo did not start: %s\n", ot_strerror(rc));
        opt.status = TOOL_FAILED;
        ot_node_stop();
        return;
    }
    char name[300];
    ot_print(name, sizeof name, ot_node(), NULL);
    printf("node %s is up%s; connect with the cookie in %s (Ctrl-C stops it)\n", name,
           opt.demo ? " with the demo (demo_sup)" : "",
           opt.cookie ? "--cookie" : "~/.erlang.cookie");
    fflush(stdout);
    int sig = ot_node_await_signal();
    ot_node_stop();
    printf("node %s stopped (signal %d)\n", name, sig);
}

static void help(FILE *f)
{
    fprintf(f, "usage: otter node (--sname NAME | --name NAME) [--cookie C] [--demo]\n\n"
               "Runs an otter node until SIGINT or SIGTERM, registered with epmd (started if\n"
               "none runs), for otter and Erlang/Elixir nodes to connect to.\n\n"
               "  --sname NAME  short node name (NAME@host), as erl -sname\n"
               "  --name NAME   long node name (NAME@host.domain), as erl -name\n"
               "  --cookie C    the cookie (default: ~/.erlang.cookie, made if missing)\n"
               "  --demo        also start the notebook's supervisor (demo_sup) and a few\n"
               "                busy processes\n"
               "  --help        this text\n");
}

int node_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"sname", required_argument, NULL, 's'},
        {"name", required_argument, NULL, 'n'},
        {"cookie", required_argument, NULL, 'c'},
        {"demo", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (c) {
        case 's': opt.name = optarg; opt.names = OT_NODE_SHORT; break;
        case 'n': opt.name = optarg; opt.names = OT_NODE_LONG; break;
        case 'c': opt.cookie = optarg; break;
        case 'd': opt.demo = true; break;
        case 'h': help(stdout); return TOOL_OK;
        default:
            return tool_usage_error("node", "unknown option or missing value: %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return tool_usage_error("node", "unexpected argument: %s", argv[optind]);
    if (!opt.name)
        return tool_usage_error("node", "give the node a name with --sname NAME or --name NAME");
    int rc = ot_run(node_process, NULL, NULL);
    if (rc < 0) {
        fprintf(stderr, "otter node: the runtime did not start: %s\n", ot_strerror(rc));
        return TOOL_FAILED;
    }
    return opt.status;
}
