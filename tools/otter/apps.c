/* apps.c — otter apps NODE: application:which_applications/0 on a node. */
#include <string.h>

#include "cli.h"
#include "otter/erpc.h"
#include "otter/process.h"
#include "tool.h"

/* t printed in Erlang syntax, without the quotes of a string (BEAM gives
 * descriptions and versions as charlists, otter as binaries). */
static void unquoted(char *buf, size_t cap, ot_term t)
{
    cli_text(buf, cap, t, true);
    size_t n = strlen(buf);
    if (n >= 2 && buf[0] == '"' && buf[n - 1] == '"') {
        memmove(buf, buf + 1, n - 2);
        buf[n - 2] = 0;
    }
}

static int apps_body(cli *c, void *arg)
{
    bool json = *(bool *)arg;
    ot_heap *h = ot_heap_new();
    ot_term apps;
    if (cli_call(c, h, "application", "which_applications", OT_NIL, &apps, false) != 0) {
        ot_heap_free(h);
        return TOOL_FAILED;
    }
    if (!json)
        printf("%-24s %-12s %s\n", "APPLICATION", "VERSION", "DESCRIPTION");
    else
        fputc('[', stdout);
    int i = 0;
    for (ot_term l = apps; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term t = ot_hd(l);
        if (!ot_is_tuple(t) || ot_tuple_arity(t) != 3)
            continue;
        char app[256], desc[512], vsn[128];
        cli_text(app, sizeof app, ot_tuple_get(t, 0), true);
        unquoted(desc, sizeof desc, ot_tuple_get(t, 1));
        unquoted(vsn, sizeof vsn, ot_tuple_get(t, 2));
        if (json) {
            fputs(i++ ? ",\n {\"name\":" : "{\"name\":", stdout);
            cli_json_string(stdout, app);
            fputs(",\"description\":", stdout);
            cli_json_string(stdout, desc);
            fputs(",\"version\":", stdout);
            cli_json_string(stdout, vsn);
            fputc('}', stdout);
        } else {
            printf("%-24s %-12s %s\n", app, vsn, desc);
        }
    }
    if (json)
        fputs("]\n", stdout);
    ot_heap_free(h);
    return TOOL_OK;
}

static void help(FILE *f)
{
    fprintf(f, "usage: otter apps NODE [--format table|json] [common options]\n\n"
               "The applications running on NODE: application:which_applications/0 over\n"
               "erpc (name, version, description).\n\n"
               "  --format F    table (default) or json (an array of {name, version,\n"
               "                description})\n"
               CLI_COMMON_HELP);
}

int apps_main(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_COMMON_OPTIONS,
        {"format", required_argument, NULL, 'f'},
        {0, 0, 0, 0},
    };
    cli c;
    cli_init(&c, "apps");
    bool json = false;
    for (int o; (o = cli_next_option(&c, argc, argv, opts)) != -1;) {
        switch (o) {
        case 'h': help(stdout); return TOOL_OK;
        case 'f': {
            static const char *const words[] = {"table", "json", NULL};
            int k = cli_choice(&c, "--format", optarg, words);
            if (k < 0)
                return TOOL_USAGE;
            json = k == 1;
            break;
        }
        default: /* CLI_BAD: reported */
            return TOOL_USAGE;
        }
    }
    if (cli_operands(&c, argc, argv) != TOOL_OK)
        return TOOL_USAGE;
    return cli_run(&c, apps_body, &json);
}
