/* memory.c — otter memory NODE: samples of erlang:memory/0 on a node (otter
 * or BEAM) over erpc, as a table, JSON or the notebook's memory chart. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "otter/erpc.h"
#include "otter/process.h"
#include "otter/vegalite.h"
#include "tool.h"

enum { FMT_TABLE, FMT_JSON, FMT_VEGA };
static const char *const format_words[] = {"table", "json", "vega-lite", NULL};

static const char *const categories[] = {"total", "processes", "atom", "binary", "code", "ets"};
#define NCAT (sizeof categories / sizeof categories[0])

typedef struct mem_args {
    long long interval_ms, count;
    int format;
} mem_args;

static int64_t category(ot_term mem, const char *name)
{
    for (ot_term l = mem; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term kv = ot_hd(l);
        int64_t v;
        if (ot_is_tuple(kv) && ot_tuple_arity(kv) == 2 && ot_tuple_get(kv, 0) == ot_atom(name) &&
            ot_get_int64(ot_tuple_get(kv, 1), &v) == 0)
            return v;
    }
    return -1;
}

static int memory_body(cli *c, void *arg)
{
    mem_args *a = arg;
    ot_heap *h = ot_heap_new();
    ot_term points = OT_NIL;   /* newest first, for the chart */
    if (a->format == FMT_TABLE) {
        printf("%6s", "ITER");
        for (size_t k = 0; k < NCAT; k++)
            printf(" %12s", categories[k]);
        printf("   (bytes)\n");
    } else if (a->format == FMT_JSON) {
        fputc('[', stdout);
    }
    int code = TOOL_OK;
    for (long long i = 0; i < a->count; i++) {
        if (i > 0)
            ot_sleep(a->interval_ms);
        ot_term mem;
        if (cli_call(c, h, "erlang", "memory", OT_NIL, &mem, false) != 0) {
            code = TOOL_FAILED;
            break;
        }
        if (category(mem, "total") < 0) {
            code = cli_fail(c, "erlang:memory/0 on %s answered no total", c->target);
            break;
        }
        if (a->format == FMT_TABLE) {
            printf("%6lld", i + 1);
            for (size_t k = 0; k < NCAT; k++)
                printf(" %12lld", (long long)category(mem, categories[k]));
            printf("\n");
        } else if (a->format == FMT_JSON) {
            printf("%s{\"iter\":%lld", i ? ",\n " : "", i + 1);
            for (size_t k = 0; k < NCAT; k++)
                printf(",\"%s\":%lld", categories[k], (long long)category(mem, categories[k]));
            printf("}");
            fflush(stdout);
        } else {
            points = ot_cons(h, ot_vl_memory_point(h, mem, i + 1), points);
        }
    }
    if (a->format == FMT_JSON)
        fputs("]\n", stdout);
    if (a->format == FMT_VEGA && code == TOOL_OK) {
        ot_term inorder = OT_NIL;
        for (ot_term l = points; l != OT_NIL; l = ot_tl(l))
            inorder = ot_cons(h, ot_hd(l), inorder);
        ot_vl_memory_opts o = {.window = (size_t)a->count};
        ot_term spec = ot_vl_memory_chart(h, inorder, &o);
        char *json = spec == OT_NONE ? NULL : ot_vl_to_json(spec, NULL);
        if (!json)
            code = cli_fail(c, "cannot make the chart: %s", ot_vl_error() ? ot_vl_error() : "out of memory");
        else
            printf("%s\n", json);
        free(json);
    }
    ot_heap_free(h);
    return code;
}

static void help(FILE *f)
{
    fprintf(f, "usage: otter memory NODE [--interval MS] [--count N]\n"
               "                    [--format table|json|vega-lite] [common options]\n\n"
               "Samples erlang:memory/0 on NODE, an otter node or an Erlang/Elixir node,\n"
               "over erpc: N samples, MS milliseconds apart.\n\n"
               "  --interval MS  time between samples (default: 1000)\n"
               "  --count N      how many samples (default: 1)\n"
               "  --format F     table (default; bytes, a line per sample as it comes),\n"
               "                 json (an array of {iter, total, processes, atom, binary,\n"
               "                 code, ets} in bytes) or vega-lite (the notebook's memory\n"
               "                 chart in MB with the samples as its data)\n"
               CLI_COMMON_HELP);
}

int memory_main(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_COMMON_OPTIONS,
        {"interval", required_argument, NULL, 'i'},
        {"count", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {0, 0, 0, 0},
    };
    cli c;
    cli_init(&c, "memory");
    mem_args a = {.interval_ms = 1000, .count = 1, .format = FMT_TABLE};
    for (int o; (o = cli_next_option(&c, argc, argv, opts)) != -1;) {
        switch (o) {
        case 'h': help(stdout); return TOOL_OK;
        case 'i':
            if ((a.interval_ms = cli_parse_uint(optarg, 1, 86400000)) < 0)
                return tool_usage_error("memory", "--interval takes milliseconds from 1, not '%s'", optarg);
            break;
        case 'n':
            if ((a.count = cli_parse_uint(optarg, 1, 1000000)) < 0)
                return tool_usage_error("memory", "--count takes a whole number from 1, not '%s'", optarg);
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
    return cli_run(&c, memory_body, &a);
}
