/* tool.h — what the otter command's subcommands share: exit codes and
 * error messages that say what to do. */
#ifndef OTTER_TOOL_H
#define OTTER_TOOL_H

/* Exit codes of every subcommand. */
enum {
    TOOL_OK = 0,
    TOOL_FAILED = 1,     /* the work failed (a node unreachable, a file unwritable) */
    TOOL_USAGE = 2,      /* bad arguments: the message says which and what to do */
};

/* tool_usage_error: prints "otter SUB: message" and a hint to --help on
 * stderr and returns TOOL_USAGE. */
int tool_usage_error(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The notebook supervisor's two children (tour.c's supervisor cell), also
 * started by `otter node --demo`: child start functions for
 * otter/supervisor.h. */
#include "otter/term.h"
ot_term start_task(ot_heap *h, ot_term arg, void *data);
ot_term start_agent(ot_heap *h, ot_term arg, void *data);

/* Subcommands: each takes the arguments after its name (argv[0] is the
 * subcommand) and returns an exit code. */
int tour_main(int argc, char **argv);
int node_main(int argc, char **argv);
int ps_main(int argc, char **argv);
int observe_main(int argc, char **argv);
int memory_main(int argc, char **argv);
int apps_main(int argc, char **argv);
int sup_tree_main(int argc, char **argv);
int app_tree_main(int argc, char **argv);

#endif
