/* ps.c — otter ps NODE: the processes of a node (otter or BEAM), read over
 * erpc with erlang:processes/0 and erlang:process_info/2, sorted, the top N,
 * as a table, JSON or the notebook's reductions-vs-memory scatter. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "otter/erpc.h"
#include "otter/process.h"
#include "otter/vegalite.h"
#include "tool.h"

enum { SORT_MEMORY, SORT_REDUCTIONS, SORT_QUEUE, SORT_CPU };
static const char *const sort_words[] = {"memory", "reductions", "queue", "cpu", NULL};
enum { FMT_TABLE, FMT_JSON, FMT_VEGA };
static const char *const format_words[] = {"table", "json", "vega-lite", NULL};

typedef struct row {
    char pid[64], name[128], fn[160], status[24];
    int64_t reductions, memory, queue, cpu;
} row;

typedef struct ps_args {
    int sort, format;
    long long top;   /* 0: all */
} ps_args;

static int sort_key;

static int64_t key(const row *r)
{
    switch (sort_key) {
    case SORT_REDUCTIONS: return r->reductions;
    case SORT_QUEUE: return r->queue;
    case SORT_CPU: return r->cpu;
    default: return r->memory;
    }
}

static int by_key(const void *a, const void *b)
{
    int64_t x = key(a), y = key(b);
    return x < y ? 1 : x > y ? -1 : strcmp(((const row *)a)->pid, ((const row *)b)->pid);
}

static int64_t int_of(ot_term t)
{
    int64_t v = 0;
    return ot_get_int64(t, &v) == 0 ? v : 0;
}

/* {M, F, A} as "M.F/A" (Elixir modules without their prefix) or "mod:fun/A". */
static void mfa_text(char *buf, size_t cap, ot_term t)
{
    if (!ot_is_tuple(t) || ot_tuple_arity(t) != 3 || !ot_is_atom(ot_tuple_get(t, 0))) {
        cli_text(buf, cap, t, true);
        return;
    }
    const char *m = ot_atom_text(ot_tuple_get(t, 0), NULL);
    char f[128];
    cli_text(f, sizeof f, ot_tuple_get(t, 1), true);
    if (strncmp(m, "Elixir.", 7) == 0)
        snprintf(buf, cap, "%s.%s/%lld", m + 7, f, (long long)int_of(ot_tuple_get(t, 2)));
    else
        snprintf(buf, cap, "%s:%s/%lld", m, f, (long long)int_of(ot_tuple_get(t, 2)));
}

static void fill(row *r, ot_term pid, ot_term info)
{
    memset(r, 0, sizeof *r);
    cli_text(r->pid, sizeof r->pid, pid, true);
    for (ot_term l = info; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term kv = ot_hd(l);
        if (!ot_is_tuple(kv) || ot_tuple_arity(kv) != 2)
            continue;
        const char *k = ot_atom_text(ot_tuple_get(kv, 0), NULL);
        ot_term v = ot_tuple_get(kv, 1);
        if (!k)
            continue;
        if (!strcmp(k, "registered_name") && ot_is_atom(v))
            snprintf(r->name, sizeof r->name, "%s", ot_atom_text(v, NULL));
        else if (!strcmp(k, "current_function"))
            mfa_text(r->fn, sizeof r->fn, v);
        else if (!strcmp(k, "status") && ot_is_atom(v))
            snprintf(r->status, sizeof r->status, "%s", ot_atom_text(v, NULL));
        else if (!strcmp(k, "reductions"))
            r->reductions = int_of(v);
        else if (!strcmp(k, "memory"))
            r->memory = int_of(v);
        else if (!strcmp(k, "message_queue_len"))
            r->queue = int_of(v);
        else if (!strcmp(k, "cpu_time"))
            r->cpu = int_of(v);
    }
}

static void print_table(const row *rows, size_t n, bool cpu)
{
    printf("%-16s %-24s %12s %10s %6s %-9s %s%s\n", "PID", "NAME", "REDUCTIONS", "MEMORY", "MSGQ",
           "STATUS", cpu ? "CPU_US " : "", "CURRENT FUNCTION");
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        printf("%-16s %-24s %12lld %10lld %6lld %-9s ", r->pid, r->name[0] ? r->name : "-",
               (long long)r->reductions, (long long)r->memory, (long long)r->queue, r->status);
        if (cpu)
            printf("%6lld ", (long long)r->cpu);
        printf("%s\n", r->fn);
    }
}

static void print_json(const row *rows, size_t n, bool cpu)
{
    fputc('[', stdout);
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        fputs(i ? ",\n {\"pid\":" : "{\"pid\":", stdout);
        cli_json_string(stdout, r->pid);
        fputs(",\"name\":", stdout);
        if (r->name[0])
            cli_json_string(stdout, r->name);
        else
            fputs("null", stdout);
        fputs(",\"current_function\":", stdout);
        cli_json_string(stdout, r->fn);
        fputs(",\"status\":", stdout);
        cli_json_string(stdout, r->status);
        printf(",\"reductions\":%lld,\"memory\":%lld,\"message_queue_len\":%lld",
               (long long)r->reductions, (long long)r->memory, (long long)r->queue);
        if (cpu)
            printf(",\"cpu_time_us\":%lld", (long long)r->cpu);
        fputc('}', stdout);
    }
    fputs("]\n", stdout);
}

static int print_vega(cli *c, const row *rows, size_t n)
{
    ot_heap *h = ot_heap_new();
    ot_term list = OT_NIL;
    for (size_t i = n; i-- > 0;)
        list = ot_cons(h, ot_build(h, "#{pid => ~s, reductions => ~l, memory => ~l, status => ~s}",
                                   rows[i].pid, rows[i].reductions, rows[i].memory,
                                   rows[i].status), list);
    ot_term spec = ot_vl_process_scatter(h, list, NULL);
    char *json = spec == OT_NONE ? NULL : ot_vl_to_json(spec, NULL);
    ot_heap_free(h);
    if (!json)
        return cli_fail(c, "cannot make the chart: %s", ot_vl_error() ? ot_vl_error() : "out of memory");
    printf("%s\n", json);
    free(json);
    return TOOL_OK;
}

static int ps_body(cli *c, void *arg)
{
    ps_args *a = arg;
    ot_heap *h = ot_heap_new();
    ot_term pids;
    if (cli_call(c, h, "erlang", "processes", OT_NIL, &pids, false) != 0) {
        ot_heap_free(h);
        return TOOL_FAILED;
    }
    ssize_t np = ot_list_length(pids);
    if (np < 0) {
        ot_heap_free(h);
        return cli_fail(c, "erlang:processes/0 on %s did not answer a list", c->target);
    }
    ot_term keys = a->sort == SORT_CPU
                       ? ot_build(h, "[registered_name, current_function, status, reductions, memory, message_queue_len, cpu_time]")
                       : ot_build(h, "[registered_name, current_function, status, reductions, memory, message_queue_len]");
    row *rows = calloc((size_t)np + 1, sizeof *rows);
    size_t n = 0;
    int code = TOOL_OK;
    for (ot_term l = pids; l != OT_NIL; l = ot_tl(l)) {
        ot_term info;
        int rc = cli_call(c, h, "erlang", "process_info", ot_list(h, 2, ot_hd(l), keys), &info,
                          a->sort == SORT_CPU);
        if (rc != 0) {
            if (a->sort == SORT_CPU && rc == OT_RPC_ERROR)
                code = cli_fail(c, "--sort cpu needs an otter node: %s keeps no CPU time per process",
                                c->target);
            else if (a->sort != SORT_CPU)
                code = TOOL_FAILED;
            else
                code = cli_fail(c, "erlang:process_info/2 on %s failed", c->target);
            break;
        }
        if (!ot_is_list(info) || info == OT_NIL)
            continue;   /* it exited meanwhile (undefined) */
        fill(&rows[n++], ot_hd(l), info);
    }
    ot_heap_free(h);
    if (code == TOOL_OK) {
        sort_key = a->sort;
        qsort(rows, n, sizeof *rows, by_key);
        if (a->top > 0 && (size_t)a->top < n)
            n = (size_t)a->top;
        if (a->format == FMT_TABLE)
            print_table(rows, n, a->sort == SORT_CPU);
        else if (a->format == FMT_JSON)
            print_json(rows, n, a->sort == SORT_CPU);
        else
            code = print_vega(c, rows, n);
    }
    free(rows);
    return code;
}

static void help(FILE *f)
{
    fprintf(f, "usage: otter ps NODE [--sort memory|reductions|queue|cpu] [--top N]\n"
               "                [--format table|json|vega-lite] [common options]\n\n"
               "Lists the processes of NODE, an otter node or an Erlang/Elixir node, read over\n"
               "erpc (erlang:processes/0, then erlang:process_info/2 for each), biggest first.\n\n"
               "  --sort KEY    memory (default), reductions, queue (message queue length) or\n"
               "                cpu (CPU time; otter nodes only: BEAM keeps none per process)\n"
               "  --top N       only the first N (default: all)\n"
               "  --format F    table (default), json (an array of objects) or vega-lite (the\n"
               "                notebook's reductions-vs-memory scatter, a Vega-Lite v6 spec)\n"
               CLI_COMMON_HELP);
}

int ps_main(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_COMMON_OPTIONS,
        {"sort", required_argument, NULL, 's'},
        {"top", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},
        {0, 0, 0, 0},
    };
    cli c;
    cli_init(&c, "ps");
    ps_args a = {.sort = SORT_MEMORY, .format = FMT_TABLE};
    for (int o; (o = cli_next_option(&c, argc, argv, opts)) != -1;) {
        switch (o) {
        case 'h': help(stdout); return TOOL_OK;
        case 's':
            if ((a.sort = cli_choice(&c, "--sort", optarg, sort_words)) < 0)
                return TOOL_USAGE;
            break;
        case 't':
            if ((a.top = cli_parse_uint(optarg, 1, 100000000)) < 0)
                return tool_usage_error("ps", "--top takes a whole number from 1, not '%s'", optarg);
            break;
        case 'f':
            if ((a.format = cli_choice(&c, "--format", optarg, format_words)) < 0)
                return TOOL_USAGE;
            break;
        default: /* CLI_BAD: reported */
            return TOOL_USAGE;
        }
    }
    if (cli_operands(&c, argc, argv) != TOOL_OK)
        return TOOL_USAGE;
    return cli_run(&c, ps_body, &a);
}
