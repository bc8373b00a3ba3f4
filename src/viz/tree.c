/* tree.c — a supervision or application tree as a Mermaid graph, in the
 * format Kino.Process.render_sup_tree / render_app_tree write (see
 * otter/mermaid.h for the input term, docs/viz.md for examples).
 *
 * Nodes are numbered depth first, then each edge is written as one line
 * naming both of its nodes in full (as Kino does), in the order of Kino's
 * edge keys: [low, high] for supervision, link and owner edges, [table,
 * heir] for heir edges.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "viz/viz_internal.h"

#define MAX_DEPTH 1000

#define CLASSDEFS                                                                                  \
    "classDef root fill:#c4b5fd, stroke:#374151, stroke-width:4px, line-height:1.5em;\n"           \
    "classDef supervisor fill:#c4b5fd, stroke:#374151, stroke-width:1px, line-height:1.5em;\n"     \
    "classDef worker fill:#66c2a5, stroke:#374151, stroke-width:1px, line-height:1.5em;\n"         \
    "classDef notstarted color:#777, fill:#d9d9d9, stroke:#777, stroke-width:1px, "                \
    "line-height:1.5em;\n"                                                                         \
    "classDef ets fill:#a5f3fc, stroke:#374151, stroke-width:1px;\n"

enum edge_kind { E_SUP, E_LINK, E_OWNER, E_HEIR };

typedef struct tnode {
    ot_term pid;            /* OT_NONE for a child not running and for tables */
    size_t text, len;       /* the node's text in tree.texts */
    ot_term links;
    bool in_edge;
} tnode;

typedef struct tedge {
    size_t k1, k2;          /* Kino's key: the order of the lines */
    size_t a, b;            /* drawn as a <op> b */
    enum edge_kind kind;
    size_t seq;             /* insertion order: the first edge of a key wins */
} tedge;

typedef struct pidix {
    ot_term pid;
    size_t idx;
} pidix;

typedef struct tree {
    size_t limit, max_label;
    tnode *nodes;
    size_t n, cap;
    tedge *edges;
    size_t ne, cape;
    ot__buf texts;
    ot_mermaid_error *err;
    bool nomem;
} tree;

static int fail(tree *t, size_t index, const char *what)
{
    if (t->err) {
        t->err->index = index;
        t->err->what = what;
    }
    return -EINVAL;
}

static size_t new_node(tree *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 32;
        tnode *nn = ot__realloc(t->nodes, cap * sizeof *nn);
        if (!nn) {
            t->nomem = true;
            return SIZE_MAX;
        }
        t->nodes = nn;
        t->cap = cap;
    }
    t->nodes[t->n] = (tnode){.pid = OT_NONE, .links = OT_NONE};
    return t->n++;
}

static void add_edge(tree *t, size_t a, size_t b, enum edge_kind kind)
{
    if (t->ne == t->cape) {
        size_t cap = t->cape ? 2 * t->cape : 32;
        tedge *ne = ot__realloc(t->edges, cap * sizeof *ne);
        if (!ne) {
            t->nomem = true;
            return;
        }
        t->edges = ne;
        t->cape = cap;
    }
    size_t k1 = a < b ? a : b, k2 = a < b ? b : a;
    if (kind == E_HEIR) {   /* Kino keys heir edges [table, heir], unsorted */
        k1 = a;
        k2 = b;
    }
    t->edges[t->ne] = (tedge){k1, k2, a, b, kind, t->ne};
    t->ne++;
}

/* Text of a term as a label: a UTF-8 binary as its text, else printed. */
static void label_text(tree *t, ot__buf *sb, ot_term v)
{
    size_t n;
    const uint8_t *b;
    if (ot_is_binary(v) && (b = ot_binary_data(v, &n)) && ot__utf8_valid(b, n, NULL))
        ot__mm_escape(sb, (const char *)b, n, OT_MERMAID_TEXT, t->max_label);
    else
        ot__mm_term(sb, v, t->limit, OT_MERMAID_TEXT, t->max_label);
}

/* Writes idx(text):::class for a process node into t->texts. */
static void process_text(tree *t, size_t idx, ot_term node, ot_term pid, ot_term id,
                         const char *cls, bool running)
{
    ot__buf *sb = &t->texts;
    ot__buf_printf(sb, "%zu(", idx);
    ot__buf tmp = {0};
    if (!running) {
        /* Kino: id: inspect(id), unquoted when that is plain text */
        ot_print_opts po = {.syntax = OT_SYNTAX_ELIXIR, .limit = t->limit};
        ot__buf_puts(&tmp, "id: ");
        if (ot__print_sb(&tmp, id, &po) < 0)
            tmp.failed = true;
        bool plain = tmp.len > 4 && !tmp.failed && tmp.len <= t->max_label;
        for (size_t i = 4; plain && i < tmp.len; i++) {
            char c = tmp.data[i];
            plain = ot__mm_plain(&c, 1) || (c == ':' && i == 4);
        }
        if (plain) {
            ot__buf_add(sb, tmp.data, tmp.len);
        } else if (!tmp.failed) {
            ot__buf_putc(sb, '"');
            ot__mm_escape(sb, tmp.data, tmp.len, OT_MERMAID_TEXT, t->max_label);
            ot__buf_putc(sb, '"');
        }
        if (tmp.failed)
            sb->failed = true;
        ot__buf_free(&tmp);
        ot__buf_printf(sb, "):::%s", cls);
        return;
    }
    ot_term name = ot__viz_get(node, "name");
    ot_term label = ot__viz_get(node, "label");
    if (!ot__viz_absent(name) && ot_is_atom(name)) {
        ot__mm_name(&tmp, name, t->max_label);
        size_t len;
        const char *txt = ot_atom_text(name, &len);
        if (len > 7 && !memcmp(txt, "Elixir.", 7))
            txt += 7, len -= 7;
        if (ot__mm_plain(txt, len) && len <= t->max_label) {
            ot__buf_add(sb, txt, len);
        } else {
            ot__buf_putc(sb, '"');
            ot__buf_add(sb, tmp.data ? tmp.data : "", tmp.len);
            ot__buf_putc(sb, '"');
        }
    } else if (!ot__viz_absent(label) || (idx != 0 && id != OT_NONE && id != OT_ATOM(UNDEFINED))) {
        ot__buf_putc(sb, '"');
        label_text(t, sb, ot__viz_absent(label) ? id : label);
        ot__buf_puts(sb, "<br/>");
        ot__mm_pid_text(sb, pid);
        ot__buf_putc(sb, '"');
    } else {
        /* Kino: inspect(pid), as it is: #PID<0.1.2> */
        ot__buf_puts(sb, "#PID");
        ot__mm_pid_text(sb, pid);
    }
    if (tmp.failed)
        sb->failed = true;
    ot__buf_free(&tmp);
    ot__buf_printf(sb, "):::%s", cls);
}

static int visit(tree *t, ot_term node, size_t parent, size_t depth)
{
    size_t me = t->n;
    if (depth > MAX_DEPTH) {
        if (t->err) {
            t->err->index = me;
            t->err->what = "the tree is nested more than 1,000 levels deep";
        }
        return -E2BIG;
    }
    if (!ot_is_map(node))
        return fail(t, me, "a node is not a map");
    ot_term pid = ot__viz_get(node, "pid");
    ot_term id = ot__viz_get(node, "id");
    ot_term type = ot__viz_get(node, "type");
    bool root = parent == SIZE_MAX;
    bool running = ot_is_pid(pid);
    if (root && !running)
        return fail(t, me, "the root node has no :pid");
    if (!root && id == OT_NONE)
        return fail(t, me, "a child node has no :id");
    const char *tname = "worker";
    if (type == ot_atom("supervisor"))
        tname = "supervisor";
    else if (type != OT_NONE && type != ot_atom("worker"))
        return fail(t, me, "a node's :type is neither :supervisor nor :worker");
    const char *cls = root ? "root" : !running ? "notstarted" : tname;

    size_t idx = new_node(t);
    if (idx == SIZE_MAX)
        return -ENOMEM;
    t->nodes[idx].text = t->texts.len;
    process_text(t, idx, node, pid, id, cls, running);
    t->nodes[idx].len = t->texts.len - t->nodes[idx].text;
    if (running) {
        t->nodes[idx].pid = pid;
        t->nodes[idx].links = ot__viz_get(node, "links");
        if (t->nodes[idx].links != OT_NONE && ot_list_length(t->nodes[idx].links) < 0)
            return fail(t, idx, "a node's :links is not a list");
    }
    if (!root)
        add_edge(t, parent, idx, E_SUP);
    if (t->nomem || t->texts.failed)
        return -ENOMEM;

    ot_term children = ot__viz_get(node, "children");
    if (children == OT_NONE || !running)
        return 0;
    if (ot_list_length(children) < 0)
        return fail(t, idx, "a node's :children is not a list");
    for (ot_term l = children; l != OT_NIL; l = ot_tl(l)) {
        int rc = visit(t, ot_hd(l), idx, depth + 1);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int cmp_pidix(const void *a, const void *b)
{
    return ot_compare(((const pidix *)a)->pid, ((const pidix *)b)->pid);
}

static size_t lookup(const pidix *ix, size_t n, ot_term pid)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = ot_compare(ix[mid].pid, pid);
        if (c == 0)
            return ix[mid].idx;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

static int cmp_edge(const void *a, const void *b)
{
    const tedge *x = a, *y = b;
    if (x->k1 != y->k1)
        return x->k1 < y->k1 ? -1 : 1;
    if (x->k2 != y->k2)
        return x->k2 < y->k2 ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void put_node(tree *t, ot__buf *sb, size_t i)
{
    ot__buf_add(sb, t->texts.data + t->nodes[i].text, t->nodes[i].len);
}

/* Adds the ETS tables whose owner is in the tree. */
static int add_tables(tree *t, ot_term tables, const pidix *ix, size_t nix)
{
    if (ot_list_length(tables) < 0)
        return fail(t, SIZE_MAX, ":ets is not a list of tables");
    for (ot_term l = tables; l != OT_NIL; l = ot_tl(l)) {
        ot_term tab = ot_hd(l);
        if (!ot_is_map(tab))
            return fail(t, t->n, "an ETS table is not a map");
        ot_term owner = ot__viz_get(tab, "owner");
        ot_term name = ot__viz_get(tab, "name");
        if (owner == OT_NONE || name == OT_NONE)
            return fail(t, t->n, "an ETS table needs :name and :owner");
        size_t oi = ot_is_pid(owner) ? lookup(ix, nix, owner) : SIZE_MAX;
        if (oi == SIZE_MAX)
            continue;
        size_t idx = new_node(t);
        if (idx == SIZE_MAX)
            return -ENOMEM;
        ot__buf *sb = &t->texts;
        t->nodes[idx].text = sb->len;
        ot__buf_printf(sb, "%zu[(\"`", idx);
        size_t len;
        const char *txt = ot_atom_text(name, &len);
        if (txt) {
            if (len > 7 && !memcmp(txt, "Elixir.", 7))
                txt += 7, len -= 7;
            ot__mm_escape(sb, txt, len, OT_MERMAID_MARKDOWN, t->max_label);
        } else {
            ot__mm_term(sb, name, t->limit, OT_MERMAID_MARKDOWN, t->max_label);
        }
        ot_term prot = ot__viz_get(tab, "protection");
        if ((txt = ot_atom_text(prot, &len))) {
            ot__buf_puts(sb, "\n**_");
            ot__mm_escape(sb, txt, len, OT_MERMAID_MARKDOWN, t->max_label);
            ot__buf_puts(sb, "_**");
        }
        ot__buf_puts(sb, "`\")]:::ets");
        t->nodes[idx].len = sb->len - t->nodes[idx].text;
        add_edge(t, oi, idx, E_OWNER);
        ot_term heir = ot__viz_get(tab, "heir");
        size_t hi = ot_is_pid(heir) ? lookup(ix, nix, heir) : SIZE_MAX;
        if (hi != SIZE_MAX)
            add_edge(t, idx, hi, E_HEIR);
        if (t->nomem || sb->failed)
            return -ENOMEM;
    }
    return 0;
}

/* Kino's app_tree lines: `application_master(#PID<..>):::supervisor ---> ...` */
static void app_node(tree *t, ot__buf *sb, const char *what, ot_term pid)
{
    ot__buf_puts(sb, what);
    ot__buf_putc(sb, '(');
    if (ot_is_pid(pid)) {
        ot__buf_puts(sb, "#PID");
        ot__mm_pid_text(sb, pid);
    } else {
        ot__buf_putc(sb, '"');
        ot__mm_term(sb, pid, t->limit, OT_MERMAID_TEXT, t->max_label);
        ot__buf_putc(sb, '"');
    }
    ot__buf_puts(sb, "):::supervisor");
}

static int render(tree *t, ot_term in, unsigned flags, size_t max_bytes, ot__buf *out)
{
    ot_term root = in, tables = OT_NONE, app = OT_NONE;
    if (ot_is_map(in) && ot__viz_get(in, "root") != OT_NONE) {
        root = ot__viz_get(in, "root");
        tables = ot__viz_get(in, "ets");
        app = ot__viz_get(in, "application");
        if (app != OT_NONE && !ot_is_map(app))
            return fail(t, SIZE_MAX, ":application is not a map %{master: pid, ancestor: pid}");
    }
    int rc = visit(t, root, SIZE_MAX, 0);
    if (rc < 0)
        return rc;

    /* processes by pid, for links and tables */
    pidix *ix = ot__malloc((t->n + 1) * sizeof *ix);
    if (!ix)
        return -ENOMEM;
    size_t nix = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->nodes[i].pid != OT_NONE)
            ix[nix++] = (pidix){t->nodes[i].pid, i};
    qsort(ix, nix, sizeof *ix, cmp_pidix);

    size_t nproc = t->n;
    for (size_t i = 0; i < nproc; i++) {
        for (ot_term l = t->nodes[i].links; l != OT_NONE && l != OT_NIL; l = ot_tl(l)) {
            ot_term other = ot_hd(l);
            size_t j = ot_is_pid(other) ? lookup(ix, nix, other) : SIZE_MAX;
            if (j != SIZE_MAX && j != i)
                add_edge(t, i, j, E_LINK);
        }
    }
    if (tables != OT_NONE && !ot__viz_absent(tables))
        rc = add_tables(t, tables, ix, nix);
    ot__free(ix);
    if (rc < 0)
        return rc;
    if (t->nomem)
        return -ENOMEM;

    if (t->ne)
        qsort(t->edges, t->ne, sizeof *t->edges, cmp_edge);

    ot__buf_printf(out, "graph %s;\n", (flags & OT_TREE_LR) ? "LR" : "TD");
    if (app != OT_NONE) {
        app_node(t, out, "application_master", ot__viz_get(app, "master"));
        ot__buf_puts(out, " ---> supervisor_ancestor;\n");
        app_node(t, out, "supervisor_ancestor", ot__viz_get(app, "ancestor"));
        ot__buf_puts(out, " ---> 0;\n");
    }
    static const char *const ops[] = {
        [E_SUP] = " ---> ", [E_LINK] = " -..- ", [E_OWNER] = " -- owner --> ",
        [E_HEIR] = " -. heir .-> ",
    };
    /* within the budget: the edges in order, then what was left out */
    const size_t reserve = sizeof CLASSDEFS + 64;
    size_t budget = max_bytes > reserve ? max_bytes - reserve : 0;
    bool cut = false;
    for (size_t i = 0; i < t->ne; i++) {
        const tedge *e = &t->edges[i];
        if (i > 0 && e->k1 == t->edges[i - 1].k1 && e->k2 == t->edges[i - 1].k2)
            continue;   /* a supervision edge wins over a link */
        size_t need = t->nodes[e->a].len + strlen(ops[e->kind]) + t->nodes[e->b].len + 1;
        if (out->len + need > budget) {
            cut = true;
            break;
        }
        put_node(t, out, e->a);
        ot__buf_puts(out, ops[e->kind]);
        put_node(t, out, e->b);
        ot__buf_putc(out, '\n');
        t->nodes[e->a].in_edge = t->nodes[e->b].in_edge = true;
    }
    size_t hidden = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->nodes[i].in_edge)
            continue;
        if (cut && i > 0) {
            hidden++;
            continue;
        }
        put_node(t, out, i);   /* a lone root */
        ot__buf_putc(out, '\n');
    }
    if (hidden)
        ot__buf_printf(out, "more[\"… %zu more node%s\"]:::notstarted\n", hidden, hidden == 1 ? "" : "s");
    ot__buf_puts(out, CLASSDEFS);
    return out->failed || t->texts.failed ? -ENOMEM : 0;
}

ssize_t ot_mermaid_tree(ot_term in, const ot_tree_opts *opts, char **out, ot_mermaid_error *err)
{
    if (err) {
        err->index = SIZE_MAX;
        err->what = NULL;
    }
    tree t = {.err = err};
    if (!out)
        return fail(&t, SIZE_MAX, "no place for the text (out is NULL)");
    *out = NULL;
    t.limit = opts && opts->print_limit ? opts->print_limit : 10;
    t.max_label = opts && opts->max_label ? opts->max_label : 120;
    ot__buf sb = {0};
    int rc = render(&t, in, opts ? opts->flags : 0, opts && opts->max_bytes ? opts->max_bytes : 45000,
                    &sb);
    ot__free(t.nodes);
    ot__free(t.edges);
    ot__buf_free(&t.texts);
    if (rc < 0) {
        ot__buf_free(&sb);
        return rc;
    }
    size_t len;
    char *text = ot__buf_take(&sb, &len);
    if (!text)
        return -ENOMEM;
    *out = text;
    return (ssize_t)len;
}
