/* tree.c — otter sup-tree NODE NAME|PID and otter app-tree NODE APP: the
 * Mermaid text of a supervision tree on a node (otter or BEAM), built over
 * erpc into the term ot_mermaid_tree draws (include/otter/mermaid.h).
 * --format svg draws that same Mermaid text as SVG with the project's
 * renderer (render.h), run once the node is left, outside the runtime.
 *
 * Which processes are asked for children (supervisor:which_children/1), so
 * that a busy worker is never called: the root only if it is a supervisor
 * — its '$initial_call' (in its process dictionary, as proc_lib keeps it on
 * BEAM) is {supervisor, _, _}; where the dictionary cannot be read (otter
 * nodes), which_children itself answers at once for a process that is not
 * a supervisor — and below it only the children whose child spec says
 * type supervisor. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "otter/erpc.h"
#include "otter/mermaid.h"
#include "otter/process.h"
#include "render.h"
#include "tool.h"

#define MAX_NODES 10000

typedef struct tree_args {
    bool app;          /* app-tree */
    bool lr;           /* --direction lr */
    bool svg;          /* --format svg */
    const char *what;  /* NAME|PID or APP */
    size_t nodes;
    char *mermaid;     /* --format svg: the text drawn (malloc'd), to render */
    size_t mermaid_len;
} tree_args;

/* A key of a [{key, value}] list, or OT_NONE. */
static ot_term kv_get(ot_term list, ot_term key)
{
    for (ot_term l = list; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term kv = ot_hd(l);
        if (ot_is_tuple(kv) && ot_tuple_arity(kv) == 2 && ot_tuple_get(kv, 0) == key)
            return ot_tuple_get(kv, 1);
    }
    return OT_NONE;
}

/* Adds name and links of pid to node map m. */
static ot_term describe(cli *c, ot_heap *h, ot_term pid, ot_term m)
{
    ot_term info;
    if (cli_call(c, h, "erlang", "process_info", ot_list(h, 2, pid, ot_build(h, "[registered_name, links]")),
                 &info, true) != 0 || !ot_is_list(info))
        return m;
    ot_term name = kv_get(info, ot_atom("registered_name"));
    if (name != OT_NONE && ot_is_atom(name))
        m = ot_map_put(h, m, ot_atom("name"), name);
    ot_term links = kv_get(info, ot_atom("links"));
    if (links != OT_NONE && ot_is_list(links))
        m = ot_map_put(h, m, ot_atom("links"), links);
    return m;
}

/* The children of supervisor sup as node maps; *rc a negative errno. */
static ot_term children_of(cli *c, ot_heap *h, tree_args *a, ot_term sup, int depth, int *rc);

static ot_term child_node(cli *c, ot_heap *h, tree_args *a, ot_term spec, int depth, int *rc)
{
    ot_term id = ot_tuple_get(spec, 0), pid = ot_tuple_get(spec, 1), type = ot_tuple_get(spec, 2);
    ot_term m = ot_build(h, "#{pid => ~t, id => ~t, type => ~t}", pid, id,
                         type == ot_atom("supervisor") ? type : ot_atom("worker"));
    if (!ot_is_pid(pid))
        return m;
    m = describe(c, h, pid, m);
    if (type == ot_atom("supervisor"))
        m = ot_map_put(h, m, ot_atom("children"), children_of(c, h, a, pid, depth + 1, rc));
    return m;
}

static ot_term children_of(cli *c, ot_heap *h, tree_args *a, ot_term sup, int depth, int *rc)
{
    if (depth > 1000) {
        *rc = -E2BIG;
        return OT_NIL;
    }
    ot_term specs;
    if (cli_call(c, h, "supervisor", "which_children", ot_list(h, 1, sup), &specs, true) != 0 ||
        ot_list_length(specs) < 0)
        return OT_NIL;   /* it went away meanwhile, or is busy: drawn without children */
    ot_term out = OT_NIL;
    for (ot_term l = specs; l != OT_NIL && *rc == 0; l = ot_tl(l)) {
        ot_term s = ot_hd(l);
        if (!ot_is_tuple(s) || ot_tuple_arity(s) != 4)
            continue;
        if (++a->nodes > MAX_NODES) {
            *rc = -E2BIG;
            break;
        }
        out = ot_cons(h, child_node(c, h, a, s, depth, rc), out);
    }
    ot_term rev = OT_NIL;   /* in which_children's order */
    for (ot_term l = out; l != OT_NIL; l = ot_tl(l))
        rev = ot_cons(h, ot_hd(l), rev);
    return rev;
}

/* Is pid a supervisor? 1 yes, 0 no, -1 unknown (dictionary unreadable). */
static int is_supervisor(cli *c, ot_heap *h, ot_term pid)
{
    ot_term info;
    if (cli_call(c, h, "erlang", "process_info", ot_list(h, 2, pid, ot_atom("dictionary")), &info, true) != 0 ||
        !ot_is_tuple(info))
        return -1;
    ot_term ic = kv_get(ot_tuple_get(info, 1), ot_atom("$initial_call"));
    if (ic == OT_NONE)
        return -1;
    return ot_is_tuple(ic) && ot_tuple_arity(ic) == 3 && ot_tuple_get(ic, 0) == ot_atom("supervisor");
}

/* The pid for NAME or <x.y.z> on the node, or OT_NONE (message printed). */
static ot_term resolve(cli *c, ot_heap *h, const char *what)
{
    ot_term pid;
    if (what[0] == '<') {
        ot_term chars = OT_NIL;
        for (size_t i = strlen(what); i-- > 0;)
            chars = ot_cons(h, ot_int(h, (unsigned char)what[i]), chars);
        if (cli_call(c, h, "erlang", "list_to_pid", ot_list(h, 1, chars), &pid, true) != 0 || !ot_is_pid(pid)) {
            cli_fail(c, "no pid %s on %s (a pid is written <0.123.0>, as on that node)", what, c->target);
            return OT_NONE;
        }
        return pid;
    }
    const char *name = what;
    char buf[300];
    if (strncmp(what, "Elixir.", 7) != 0 && what[0] >= 'A' && what[0] <= 'Z') {
        snprintf(buf, sizeof buf, "Elixir.%s", what);   /* MyApp.Sup, as Elixir writes it */
        name = buf;
    }
    if (cli_call(c, h, "erlang", "whereis", ot_list(h, 1, ot_atom(name)), &pid, false) != 0)
        return OT_NONE;
    if (!ot_is_pid(pid)) {
        cli_fail(c, "no process registered as %s on %s", what, c->target);
        return OT_NONE;
    }
    return pid;
}

/* Prints the tree's Mermaid text, ending in a newline; with --format svg
 * keeps that same text in a->mermaid instead (rendered after the runtime
 * stops). */
static int draw(cli *c, tree_args *a, ot_term tree)
{
    ot_tree_opts o = {.flags = a->lr ? OT_TREE_LR : 0};
    char *text = NULL;
    ot_mermaid_error err = {0};
    ssize_t n = ot_mermaid_tree(tree, &o, &text, &err);
    if (n < 0)
        return cli_fail(c, "cannot draw the tree: %s", err.what ? err.what : ot_strerror((int)n));
    bool nl = n > 0 && text[n - 1] == '\n';
    if (a->svg) {
        char *t = realloc(text, (size_t)n + 2);
        if (!t) {
            free(text);
            return cli_fail(c, "out of memory");
        }
        if (!nl)
            t[n++] = '\n';
        t[n] = 0;
        a->mermaid = t;
        a->mermaid_len = (size_t)n;
        return TOOL_OK;
    }
    fwrite(text, 1, (size_t)n, stdout);
    if (!nl)
        fputc('\n', stdout);
    free(text);
    return TOOL_OK;
}

static int tree_body(cli *c, void *arg)
{
    tree_args *a = arg;
    ot_heap *h = ot_heap_new();
    int code = TOOL_FAILED;
    ot_term root = OT_NONE, app = OT_NONE;
    if (a->app) {
        ot_term master, child;
        if (cli_call(c, h, "application_controller", "get_master", ot_list(h, 1, ot_atom(a->what)), &master, false) != 0)
            goto out;
        if (!ot_is_pid(master)) {
            code = cli_fail(c, "application %s on %s has no master: not running, or a library application (see: otter apps %s)", a->what, c->target, c->target);
            goto out;
        }
        if (cli_call(c, h, "application_master", "get_child", ot_list(h, 1, master), &child, false) != 0)
            goto out;
        if (!ot_is_tuple(child) || !ot_is_pid(ot_tuple_get(child, 0))) {
            code = cli_fail(c, "application %s on %s has no supervision tree (a library application)", a->what, c->target);
            goto out;
        }
        root = ot_tuple_get(child, 0);
        ot_term ancestor = master, info;
        if (cli_call(c, h, "erlang", "process_info", ot_list(h, 2, root, ot_atom("dictionary")), &info, true) == 0 &&
            ot_is_tuple(info)) {
            ot_term anc = kv_get(ot_tuple_get(info, 1), ot_atom("$ancestors"));
            if (anc != OT_NONE && ot_is_list(anc) && anc != OT_NIL && ot_is_pid(ot_hd(anc)))
                ancestor = ot_hd(anc);
        }
        app = ot_build(h, "#{master => ~t, ancestor => ~t}", master, ancestor);
    } else {
        root = resolve(c, h, a->what);
        if (root == OT_NONE)
            goto out;
        if (is_supervisor(c, h, root) == 0) {
            code = cli_fail(c, "%s on %s is not a supervisor (its '$initial_call' is not supervisor's)", a->what, c->target);
            goto out;
        }
        ot_term specs;
        int rc = cli_call(c, h, "supervisor", "which_children", ot_list(h, 1, root), &specs, true);
        if (rc != 0 || ot_list_length(specs) < 0) {
            code = cli_fail(c, "%s on %s is not a supervisor (supervisor:which_children/1 failed)", a->what, c->target);
            goto out;
        }
    }
    int rc = 0;
    ot_term node = ot_build(h, "#{pid => ~t, type => supervisor}", root);
    node = describe(c, h, root, node);
    node = ot_map_put(h, node, ot_atom("children"), children_of(c, h, a, root, 1, &rc));
    if (rc != 0) {
        code = cli_fail(c, "the tree is too big or too deep to draw (over %d processes or 1,000 levels)", MAX_NODES);
        goto out;
    }
    ot_term tree = app == OT_NONE ? ot_build(h, "#{root => ~t}", node)
                                  : ot_build(h, "#{root => ~t, application => ~t}", node, app);
    code = draw(c, a, tree);
out:
    ot_heap_free(h);
    return code;
}

static void help(FILE *f, bool app)
{
    if (app)
        fprintf(f, "usage: otter app-tree NODE APP [--direction td|lr] [--format mermaid|svg]\n"
                   "                       [common options]\n\n"
                   "Draws the supervision tree of application APP running on NODE (an\n"
                   "Erlang/Elixir node) as Mermaid text, as Kino.Process.render_app_tree does:\n"
                   "its master (application_controller:get_master/1), root supervisor\n"
                   "(application_master:get_child/1) and everything below.\n\n");
    else
        fprintf(f, "usage: otter sup-tree NODE NAME|PID [--direction td|lr] [--format mermaid|svg]\n"
                   "                       [common options]\n\n"
                   "Draws the supervision tree under a supervisor on NODE (an otter node or an\n"
                   "Erlang/Elixir node), given by registered name (my_sup, MyApp.Sup) or pid\n"
                   "(<0.123.0>, BEAM nodes), as Mermaid text, as Kino.Process.render_sup_tree.\n\n");
    fprintf(f, "Only supervisors are asked for their children (supervisor:which_children/1):\n"
               "the root when its '$initial_call' is supervisor's (or, where the process\n"
               "dictionary cannot be read, when which_children answers), below it the\n"
               "children whose child spec has type supervisor. Workers are never called.\n\n"
               "  --direction D  td (top-down, default) or lr (left to right)\n"
               "  --format F     mermaid (default: the Mermaid text) or svg (that text drawn\n"
               "                 by the pinned mermaid in headless Chromium: needs node,\n"
               "                 chromium and web/node_modules, see scripts/deps.sh; the\n"
               "                 web folder is $OTTER_WEB_DIR if set, the browser\n"
               "                 $OTTER_CHROMIUM if set; exit code 1 if they are missing)\n"
               CLI_COMMON_HELP);
}

static int tree_main(int argc, char **argv, bool app)
{
    static const struct option opts[] = {
        CLI_COMMON_OPTIONS,
        {"direction", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {0, 0, 0, 0},
    };
    const char *sub = app ? "app-tree" : "sup-tree";
    cli c;
    cli_init(&c, sub);
    tree_args a = {.app = app};
    for (int o; (o = cli_next_option(&c, argc, argv, opts)) != -1;) {
        switch (o) {
        case 'h': help(stdout, app); return TOOL_OK;
        case 'd':
            if (!strcmp(optarg, "td")) a.lr = false;
            else if (!strcmp(optarg, "lr")) a.lr = true;
            else return tool_usage_error(sub, "--direction takes td or lr, not '%s'", optarg);
            break;
        case 'f':
            if (!strcmp(optarg, "mermaid")) a.svg = false;
            else if (!strcmp(optarg, "svg")) a.svg = true;
            else return tool_usage_error(sub, "--format takes mermaid or svg, not '%s'", optarg);
            break;
        default: /* CLI_BAD: reported */
            return TOOL_USAGE;
        }
    }
    if (optind < argc)
        c.target = argv[optind++];
    if (optind >= argc)
        return tool_usage_error(sub, app ? "which application? give NODE APP" : "which supervisor? give NODE NAME|PID");
    a.what = argv[optind++];
    if (!*a.what)
        return tool_usage_error(sub, "an empty %s", app ? "application name" : "supervisor name");
    if (optind < argc)
        return tool_usage_error(sub, "unexpected argument: %s", argv[optind]);
    if (!a.svg)
        return cli_run(&c, tree_body, &a);
    svg_renderer r;
    if (cli_check_target(&c) != TOOL_OK)   /* a usage error first, as without svg */
        return TOOL_USAGE;
    if (svg_renderer_find(&r, sub) != 0)
        return TOOL_FAILED;
    int code = cli_run(&c, tree_body, &a);
    if (code == TOOL_OK)
        code = svg_render(&r, sub, a.mermaid, a.mermaid_len, stdout);
    free(a.mermaid);
    svg_renderer_free(&r);
    return code;
}

int sup_tree_main(int argc, char **argv)
{
    return tree_main(argc, argv, false);
}

int app_tree_main(int argc, char **argv)
{
    return tree_main(argc, argv, true);
}
