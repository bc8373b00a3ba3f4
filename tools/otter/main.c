/* main.c — the otter command: one program, a subcommand per job.
 *
 *   otter tour [--out DIR] [--serve]    the notebook, cell by cell, on a local node
 *   otter node --sname NAME [--demo]    a node that runs until stopped
 *   otter --help | --version
 *
 * Every subcommand has --help; exit codes are in tool.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"

#ifndef OTTER_VERSION
#define OTTER_VERSION "unknown"
#endif

static const struct {
    const char *name;
    int (*main)(int, char **);
    const char *what;
} subcommands[] = {
    {"tour", tour_main, "walk the notebook cell by cell on a local node and write a report"},
    {"node", node_main, "run an otter node (for otter and Erlang/Elixir nodes to connect to)"},
    {"observe", observe_main, "serve the live dashboard for another otter or Erlang/Elixir node"},
    {"ps", ps_main, "list a node's processes, sorted (table, JSON or Vega-Lite)"},
    {"memory", memory_main, "sample a node's erlang:memory() (table, JSON or Vega-Lite)"},
    {"apps", apps_main, "list the applications running on a node"},
    {"sup-tree", sup_tree_main, "draw a supervision tree on a node (Mermaid or SVG)"},
    {"app-tree", app_tree_main, "draw an application's supervision tree on a node (Mermaid or SVG)"},
};
#define NSUB (sizeof subcommands / sizeof subcommands[0])

int tool_usage_error(const char *sub, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "otter %s: ", sub);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see: otter %s --help)\n", sub);
    va_end(ap);
    return TOOL_USAGE;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: otter COMMAND [ARGS]\n\n"
               "Erlang-style processes for C, with a runtime you can watch.\n\ncommands:\n");
    for (size_t i = 0; i < NSUB; i++)
        fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].what);
    fprintf(f, "\n`otter COMMAND --help` tells more about each.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return TOOL_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return TOOL_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("otter %s\n", OTTER_VERSION);
        return TOOL_OK;
    }
    for (size_t i = 0; i < NSUB; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].main(argc - 1, argv + 1);
    fprintf(stderr, "otter: no command called '%s'\n\n", argv[1]);
    usage(stderr);
    return TOOL_USAGE;
}
