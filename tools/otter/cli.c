/* cli.c — the introspection subcommands' own node, connection and calls. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "otter/dashboard.h"
#include "otter/erpc.h"
#include "otter/node.h"
#include "otter/process.h"
#include "tool.h"

void cli_init(cli *c, const char *sub)
{
    memset(c, 0, sizeof *c);
    c->sub = sub;
    c->timeout_ms = 5000;
    c->node = OT_NONE;
    optind = 1; /* a command parses its own argv from the start */
    opterr = 0; /* and reports errors in its own words */
}

int cli_next_option(cli *c, int argc, char **argv, const struct option *opts)
{
    for (;;) {
        int o = getopt_long(argc, argv, "h", opts, NULL);
        if (o == -1)
            return -1;
        if (o == '?' || o == ':') {
            tool_usage_error(c->sub, "unknown option or missing value: %s", argv[optind - 1]);
            return CLI_BAD;
        }
        int r = cli_option(c, o, optarg);
        if (r == TOOL_USAGE)
            return CLI_BAD;
        if (r == 0)
            return o;
    }
}

long long cli_parse_uint(const char *arg, long long min, long long max)
{
    if (!arg || !*arg)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    return v;
}

int cli_option(cli *c, int opt, const char *arg)
{
    switch (opt) {
    case CLI_OPT_SNAME:
    case CLI_OPT_NAME:
        if (c->own_name)
            return tool_usage_error(c->sub, "give --sname or --name once");
        if (!*arg)
            return tool_usage_error(c->sub, "--%s needs a node name", opt == CLI_OPT_NAME ? "name" : "sname");
        c->own_name = arg;
        c->long_names = opt == CLI_OPT_NAME;
        return 1;
    case CLI_OPT_COOKIE:
        if (!*arg)
            return tool_usage_error(c->sub, "--cookie needs a cookie");
        c->cookie = arg;
        return 1;
    case CLI_OPT_TIMEOUT: {
        long long v = cli_parse_uint(arg, 1, 3600000);
        if (v < 0)
            return tool_usage_error(c->sub, "--timeout takes milliseconds, 1 to 3600000, not '%s'", arg);
        c->timeout_ms = v;
        return 1;
    }
    default:
        return 0;
    }
}

int cli_fail(cli *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "otter %s: ", c->sub);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return TOOL_FAILED;
}

const char *cli_text(char *buf, size_t cap, ot_term t, bool erlang)
{
    ot_print_opts o = {.syntax = erlang ? OT_SYNTAX_ERLANG : OT_SYNTAX_ELIXIR, .local_node = OT_NONE};
    if (ot_print(buf, cap, t, &o) < 0)
        snprintf(buf, cap, "?");
    return buf;
}

void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

int cli_call(cli *c, ot_heap *h, const char *mod, const char *fun, ot_term args, ot_term *out,
             bool quiet)
{
    int rc = ot_erpc_call(h, c->node, ot_atom(mod), ot_atom(fun), args, c->timeout_ms, out);
    if (rc == 0 || quiet)
        return rc;
    char why[512];
    switch (rc) {
    case -ENOTCONN: snprintf(why, sizeof why, "the connection went down"); break;
    case -ETIMEDOUT: snprintf(why, sizeof why, "no answer within %lld ms (try --timeout)", (long long)c->timeout_ms); break;
    case OT_RPC_ERROR:
    case OT_RPC_EXIT:
    case OT_RPC_THROW: {
        char t[400];
        snprintf(why, sizeof why, "%s %s", rc == OT_RPC_ERROR ? "error" : rc == OT_RPC_EXIT ? "exit" : "throw",
                 cli_text(t, sizeof t, rc == OT_RPC_ERROR && ot_is_tuple(*out) ? ot_tuple_get(*out, 0) : *out, true));
        break;
    }
    default: snprintf(why, sizeof why, "%s", ot_strerror(rc)); break;
    }
    ssize_t n = ot_list_length(args);
    cli_fail(c, "%s:%s/%zd on %s: %s", mod, fun, n < 0 ? (ssize_t)0 : n, c->target, why);
    return rc;
}

/* ---------------------------------------------------------------- running */

typedef struct run {
    cli *c;
    int (*body)(cli *c, void *arg);
    void *arg;
    int code;
} run;

static int connect_error(cli *c, int rc)
{
    if (rc == -EINVAL) {
        fprintf(stderr, "otter %s: cannot connect to %s: %s names and %s names do not mix "
                        "(use %s)\n(see: otter %s --help)\n",
                c->sub, c->target, c->long_names ? "long" : "short", c->long_names ? "short" : "long",
                c->long_names ? "--sname" : "--name", c->sub);
        return TOOL_USAGE;
    }
    /* The dashboard's Connect view says the same (otter/dashboard.h). */
    char why[600];
    ot_dashboard_connect_error(why, sizeof why, c->target, rc,
                          "give its cookie with --cookie (or put it in ~/.erlang.cookie)");
    return cli_fail(c, "%s", why);
}

static void run_process(void *arg)
{
    run *r = arg;
    cli *c = r->c;
    char name[64];
    const char *own = c->own_name;
    if (!own) {
        snprintf(name, sizeof name, "otter_cli_%d", (int)getpid());
        own = name;
    }
    int rc = ot_node_start(own, c->long_names ? OT_NODE_LONG : OT_NODE_SHORT, c->cookie);
    if (rc != 0) {
        if (rc == -EADDRINUSE)
            r->code = cli_fail(c, "a node called %s is already registered with epmd: choose "
                                  "another with --sname/--name", own);
        else if (rc == -EINVAL)
            r->code = cli_fail(c, "cannot start node %s: bad name or cookie", own);
        else if (rc == -EACCES)
            r->code = cli_fail(c, "cannot read ~/.erlang.cookie (it must be private, mode 0400 "
                                  "or 0600): give --cookie");
        else
            r->code = cli_fail(c, "cannot start this command's node %s: %s", own, ot_strerror(rc));
        return;
    }
    c->node = ot_atom(c->target);
    rc = ot_connect(c->node);
    if (rc != 0) {
        r->code = connect_error(c, rc);
        return;
    }
    r->code = r->body(c, r->arg);
}

int cli_check_target(cli *c)
{
    const char *at = c->target ? strchr(c->target, '@') : NULL;
    if (!c->target)
        return tool_usage_error(c->sub, "which node? give NODE (name@host)");
    if (!at || at == c->target || !at[1] || strchr(at + 1, '@'))
        return tool_usage_error(c->sub, "NODE must be name@host, not '%s'", c->target);
    if (!c->own_name && strchr(at + 1, '.'))
        c->long_names = true;
    return TOOL_OK;
}

int cli_run(cli *c, int (*body)(cli *c, void *arg), void *arg)
{
    int bad = cli_check_target(c);
    if (bad != TOOL_OK)
        return bad;
    setvbuf(stdout, NULL, _IOLBF, 0);
    run r = {.c = c, .body = body, .arg = arg, .code = TOOL_FAILED};
    int rc = ot_run(run_process, &r, NULL);
    if (rc != 0 && r.code == TOOL_OK)
        return cli_fail(c, "the runtime failed (%d)", rc);
    return r.code;
}

int cli_choice(const cli *c, const char *opt, const char *arg, const char *const *words)
{
    size_t n = 0;
    for (; words[n]; n++)
        if (!strcmp(arg, words[n]))
            return (int)n;
    char list[256] = "";
    for (size_t i = 0; i < n; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", sep, words[i]);
    }
    tool_usage_error(c->sub, "%s takes %s, not '%s'", opt, list, arg);
    return -1;
}

int cli_operands(cli *c, int argc, char **argv)
{
    if (optind < argc)
        c->target = argv[optind++];
    if (optind < argc)
        return tool_usage_error(c->sub, "unexpected argument: %s", argv[optind]);
    return TOOL_OK;
}
