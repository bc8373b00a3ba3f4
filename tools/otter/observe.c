/* observe.c — otter observe NODE: the live dashboard for another node, an
 * otter node or a BEAM one. This command is a hidden node of its own that
 * asks NODE only the introspection functions both kinds answer (over
 * erpc); nothing is loaded onto NODE. Runs until Ctrl-C. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "demo.h"
#include "otter/dashboard.h"
#include "otter/node.h"
#include "otter/process.h"
#include "tool.h"

typedef struct observe_opts {
    long long port;
} observe_opts;

static int observe_body(cli *c, void *arg)
{
    observe_opts *o = arg;
    /* A node that does not answer the question is shown as a BEAM node. */
    bool otter_node = ot_dashboard_peer_is_otter(c->node, c->timeout_ms) == 1;
    ot_dashboard_source *src = ot_dashboard_remote_source(c->node, otter_node);
    if (!src)
        return cli_fail(c, "out of memory");
    ot_dashboard_opts d = {.port = (uint16_t)o->port, .source = src, .quiet = true,
                         .action = otter_demo_action};
    const char *url;
    int rc = ot_dashboard_start(&d, &url);
    if (rc != 0) {
        ot_dashboard_remote_source_free(src);
        return cli_fail(c, "the dashboard did not start: %s", ot_strerror(rc));
    }
    char node[300];
    cli_text(node, sizeof node, c->node, true);
    printf("observing %s (%s node): %s\n(Ctrl-C stops it)\n", node, otter_node ? "an otter" : "a BEAM",
           url);
    fflush(stdout);
    ot_node_await_signal();
    ot_dashboard_stop();
    ot_dashboard_remote_source_free(src);
    return TOOL_OK;
}

static void help(FILE *f)
{
    fprintf(f, "usage: otter observe NODE [--port P] [options]\n\n"
               "Serves the live dashboard (on 127.0.0.1) for NODE, an otter or Erlang/Elixir\n"
               "node, until Ctrl-C. Nothing is loaded onto NODE: the views ask it only the\n"
               "introspection functions both kinds of node answer, over erpc.\n\n"
               "  --port P      the dashboard's port (default: any free port; the URL is printed)\n"
               CLI_COMMON_HELP);
}

int observe_main(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_COMMON_OPTIONS,
        {"port", required_argument, NULL, 'p'},
        {0, 0, 0, 0},
    };
    cli c;
    cli_init(&c, "observe");
    observe_opts o = {0};
    for (int ch; (ch = cli_next_option(&c, argc, argv, opts)) != -1;) {
        switch (ch) {
        case 'h': help(stdout); return TOOL_OK;
        case 'p':
            if ((o.port = cli_parse_uint(optarg, 0, 65535)) < 0)
                return tool_usage_error("observe", "--port takes a port number, not '%s'", optarg);
            break;
        default: /* CLI_BAD: reported */
            return TOOL_USAGE;
        }
    }
    if (optind != argc - 1)
        return tool_usage_error("observe", "give exactly one NODE to observe (name@host)");
    c.target = argv[optind];
    return cli_run(&c, observe_body, &o);
}
