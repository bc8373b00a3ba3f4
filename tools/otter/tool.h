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

/* Subcommands: each takes the arguments after its name (argv[0] is the
 * subcommand) and returns an exit code. */
int tour_main(int argc, char **argv);

#endif
