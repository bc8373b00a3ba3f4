/* cli.h — what the introspection subcommands (ps, memory, apps, sup-tree,
 * app-tree, observe) share: the CLI's own node (--sname/--name/--cookie),
 * connecting to the node they inspect with errors that say what to do, and
 * erpc calls to it. */
#ifndef OTTER_CLI_H
#define OTTER_CLI_H
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#include "otter/term.h"

/* Long option codes of the common options (getopt_long's val). */
enum { CLI_OPT_SNAME = 0x100, CLI_OPT_NAME, CLI_OPT_COOKIE, CLI_OPT_TIMEOUT };

/* The common options, to put first in a subcommand's option table. */
#define CLI_COMMON_OPTIONS                                              \
    {"sname", required_argument, NULL, CLI_OPT_SNAME},                  \
    {"name", required_argument, NULL, CLI_OPT_NAME},                    \
    {"cookie", required_argument, NULL, CLI_OPT_COOKIE},                \
    {"timeout", required_argument, NULL, CLI_OPT_TIMEOUT},              \
    {"help", no_argument, NULL, 'h'}

/* Their --help text. */
#define CLI_COMMON_HELP                                                                  \
    "  --sname NAME  this command's own node name, short names (default:\n"             \
    "                otter_cli_<pid>; long names when NODE's host has a dot)\n"          \
    "  --name NAME   the same, long names (erl -name)\n"                                 \
    "  --cookie C    the cookie (default: ~/.erlang.cookie, as erl)\n"                   \
    "  --timeout MS  how long to wait for each answer (default: 5000)\n"                 \
    "  --help        this text\n\n"                                                      \
    "Exit codes: 0 done, 1 the node could not be reached or answered an error,\n"      \
    "2 bad arguments.\n"

typedef struct cli {
    const char *sub;        /* the subcommand, for messages */
    const char *own_name;   /* --sname / --name, or NULL */
    bool long_names;        /* --name given (or NODE's host has a dot) */
    const char *cookie;     /* --cookie, or NULL */
    int64_t timeout_ms;     /* per call */
    const char *target;     /* NODE as given */
    ot_term node;           /* its atom, once connected */
} cli;

/* cli_init: defaults for subcommand sub. */
void cli_init(cli *c, const char *sub);

/* cli_option: handles a common option (getopt's return value opt, with
 * optarg). Returns 1 if it was one, 0 if not, or TOOL_USAGE (after
 * printing the error) for a bad value. */
int cli_option(cli *c, int opt, const char *arg);

/* cli_next_option: the next option in argv that is the command's own
 * (getopt_long with opts, which list CLI_COMMON_OPTIONS and "h"): the
 * common options are taken into c on the way. Returns the option's value
 * (its argument in optarg), -1 after the last option, or CLI_BAD after
 * printing the error (an unknown option, a missing value, or a bad value
 * of a common option). cli_init prepares getopt for it. */
#define CLI_BAD (-2)
int cli_next_option(cli *c, int argc, char **argv, const struct option *opts);

/* cli_parse_uint: arg as a whole number in [min, max]; -1 if it is not. */
long long cli_parse_uint(const char *arg, long long min, long long max);

/* cli_choice: the index of arg in words (NULL-terminated), or -1 after
 * printing "otter SUB: OPT takes a, b or c, not 'ARG'" (sub from c). */
int cli_choice(const cli *c, const char *opt, const char *arg, const char *const *words);

/* cli_operands: after the options (getopt's optind), takes the NODE
 * operand, if any, into c->target. TOOL_OK, or TOOL_USAGE after printing
 * "unexpected argument" for anything more. */
int cli_operands(cli *c, int argc, char **argv);

/* cli_check_target: checks c->target (given, and name@host) and picks
 * long names when its host has a dot and no --sname/--name was given.
 * Returns TOOL_OK, or TOOL_USAGE after printing the error. cli_run does
 * it too; call it first to report a bad NODE before other checks. */
int cli_check_target(cli *c);

/* cli_run: checks c->target, starts the runtime, makes this OS process a
 * node, connects to c->target and runs body(c, arg) in a process; returns
 * body's exit code, or TOOL_FAILED / TOOL_USAGE with a message on stderr
 * when the node cannot be started or reached. */
int cli_run(cli *c, int (*body)(cli *c, void *arg), void *arg);

/* cli_call: erpc:call(node, mod, fun, args) with c->timeout_ms. Returns 0
 * with *out on h, or the ot_erpc_call code; on failure, unless quiet,
 * prints "otter SUB: mod:fun/N on NODE: why" on stderr. */
int cli_call(cli *c, ot_heap *h, const char *mod, const char *fun, ot_term args, ot_term *out,
             bool quiet);

/* cli_fail: prints "otter SUB: message" on stderr; returns TOOL_FAILED. */
int cli_fail(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_text: t printed (Erlang syntax when erlang, else Elixir's) into buf
 * of cap bytes; buf. */
const char *cli_text(char *buf, size_t cap, ot_term t, bool erlang);

/* cli_json_string: writes s to f as a JSON string. */
void cli_json_string(FILE *f, const char *s);

#endif
