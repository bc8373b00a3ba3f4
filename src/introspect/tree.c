/* tree.c — supervision and application trees as terms, the input of
 * ot_mermaid_tree (Kino.Process.render_sup_tree / render_app_tree's data).
 *
 * The walk asks only processes that ot_is_supervisor() knows for their
 * children (a worker is never called, so the walk cannot block on one),
 * reads names, labels and links with ot_process_info, and adds the ETS
 * tables whose owner is in the tree. */
#include <errno.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "otter/application.h"
#include "otter/ets.h"
#include "otter/introspect.h"
#include "otter/supervisor.h"

#define MAX_DEPTH 1000

typedef struct walk {
    ot_heap *h;
    size_t nodes, max_nodes;
    ot_term pids;          /* every live pid in the tree, a list */
} walk;

static ot_term info_value(ot_heap *h, ot_term pid, const char *key)
{
    ot_term kv = ot_process_info(h, pid, ot_atom(key));
    if (!ot_is_tuple(kv) || ot_tuple_arity(kv) != 2)
        return OT_NONE;
    return ot_tuple_get(kv, 1);
}

static ot_term node_of(walk *w, ot_term pid, ot_term id, ot_term type, int depth, int *err);

/* The children of supervisor sup, as nodes, in which_children's order. */
static ot_term children_of(walk *w, ot_term sup, int depth, int *err)
{
    ot_term kids;
    if (ot_supervisor_which_children(w->h, sup, &kids) != 0 || !ot_is_list(kids))
        return OT_NIL;    /* it stopped meanwhile: drawn without children */
    ot_term out = OT_NIL, *tail = &out;
    (void)tail;
    size_t n = 0;
    for (ot_term l = kids; l != OT_NIL; l = ot_tl(l))
        n++;
    ot_term *items = ot__malloc((n + 1) * sizeof *items);
    if (!items) {
        *err = -ENOMEM;
        return OT_NONE;
    }
    size_t i = 0;
    for (ot_term l = kids; l != OT_NIL && !*err; l = ot_tl(l)) {
        ot_term c = ot_hd(l);   /* {Id, Child, Type, Modules} */
        if (!ot_is_tuple(c) || ot_tuple_arity(c) != 4)
            continue;
        ot_term node = node_of(w, ot_tuple_get(c, 1), ot_tuple_get(c, 0), ot_tuple_get(c, 2),
                               depth + 1, err);
        if (node != OT_NONE)
            items[i++] = node;
    }
    ot_term list = *err ? OT_NONE : ot_listv(w->h, i, items);
    ot__free(items);
    return list;
}

static ot_term node_of(walk *w, ot_term pid, ot_term id, ot_term type, int depth, int *err)
{
    ot_heap *h = w->h;
    if (depth > MAX_DEPTH) {
        *err = -E2BIG;
        return OT_NONE;
    }
    if (w->max_nodes && ++w->nodes > w->max_nodes)
        return OT_NONE;    /* the renderer says how many more */
    ot_term keys[7], vals[7];
    size_t n = 0;
    keys[n] = ot_atom("pid"), vals[n++] = pid;
    if (id != OT_NONE)
        keys[n] = ot_atom("id"), vals[n++] = id;
    keys[n] = ot_atom("type"), vals[n++] = type;
    if (ot_is_pid(pid)) {
        w->pids = ot_cons(h, pid, w->pids);
        ot_term name = info_value(h, pid, "registered_name");
        if (ot_is_atom(name))
            keys[n] = ot_atom("name"), vals[n++] = name;
        ot_term label = info_value(h, pid, "label");
        if (label != OT_NONE && label != OT_ATOM(UNDEFINED))
            keys[n] = ot_atom("label"), vals[n++] = label;
        ot_term links = info_value(h, pid, "links");
        keys[n] = ot_atom("links"), vals[n++] = links == OT_NONE ? OT_NIL : links;
        if (ot_is_supervisor(pid)) {
            ot_term kids = children_of(w, pid, depth, err);
            if (kids == OT_NONE)
                return OT_NONE;
            keys[n] = ot_atom("children"), vals[n++] = kids;
        }
    }
    ot_term m = ot_map(h, n, keys, vals);
    if (m == OT_NONE)
        *err = -ENOMEM;
    return m;
}

static bool in_list(ot_term list, ot_term x)
{
    for (ot_term l = list; l != OT_NIL; l = ot_tl(l))
        if (ot_equal(ot_hd(l), x))
            return true;
    return false;
}

/* Tables whose owner is in the tree: %{name, owner, heir, protection}. */
static ot_term tables_of(walk *w)
{
    ot_heap *h = w->h;
    ot_term all, out = OT_NIL;
    if (ot_ets_all(h, &all) != 0)
        return OT_NIL;
    for (ot_term l = all; l != OT_NIL; l = ot_tl(l)) {
        ot_term tab = ot_hd(l), owner, heir, name, prot;
        if (ot_ets_info_item(h, tab, ot_atom("owner"), &owner) != 0 || !in_list(w->pids, owner))
            continue;
        ot_ets_info_item(h, tab, ot_atom("heir"), &heir);
        ot_ets_info_item(h, tab, ot_atom("name"), &name);
        ot_ets_info_item(h, tab, ot_atom("protection"), &prot);
        ot_term k[4] = {ot_atom("name"), ot_atom("owner"), ot_atom("heir"), ot_atom("protection")};
        ot_term v[4] = {name, owner, heir, prot};
        ot_term t = ot_map(h, 4, k, v);
        if (t != OT_NONE)
            out = ot_cons(h, t, out);
    }
    return out;
}

int ot_sup_tree(ot_heap *h, ot_term sup, const ot_tree_walk_opts *opts, ot_term *tree)
{
    if (!h || !tree)
        return -EINVAL;
    if (ot_is_atom(sup)) {
        ot_term pid = ot_whereis(sup);
        if (pid == OT_NONE)
            return -ESRCH;
        sup = pid;
    }
    if (!ot_is_pid(sup))
        return -EINVAL;
    if (!ot_is_alive(sup))
        return -ESRCH;
    if (!ot_is_supervisor(sup))
        return -ENOTSUP;
    walk w = {h, 0, opts ? opts->max_nodes : 0, OT_NIL};
    int err = 0;
    ot_term root = node_of(&w, sup, OT_NONE, ot_atom("supervisor"), 0, &err);
    if (err)
        return err;
    ot_term k[2] = {ot_atom("root"), ot_atom("ets")};
    ot_term v[2] = {root, opts && !opts->ets ? OT_NIL : tables_of(&w)};
    *tree = ot_map(h, 2, k, v);
    return *tree == OT_NONE ? -ENOMEM : 0;
}

int ot_app_tree(ot_heap *h, ot_term app, const ot_tree_walk_opts *opts, ot_term *tree)
{
    if (!h || !tree || !ot_is_atom(app))
        return -EINVAL;
    ot_term master, child;
    if (ot_application_get_master(app, &master) != 0)
        return -ENOENT;
    if (ot_application_get_child(h, master, &child) != 0 || !ot_is_tuple(child))
        return -ESRCH;
    ot_term root_pid = ot_tuple_get(child, 0);
    int rc = ot_sup_tree(h, root_pid, opts, tree);
    if (rc != 0)
        return rc;
    /* The root's ancestor: the master's child that started it, linked to
     * both (as $ancestors names it on BEAM). */
    ot_term ancestor = OT_ATOM(UNDEFINED);
    ot_term mlinks = info_value(h, master, "links"), rlinks = info_value(h, root_pid, "links");
    for (ot_term l = rlinks; l != OT_NONE && l != OT_NIL; l = ot_tl(l))
        if (mlinks != OT_NONE && in_list(mlinks, ot_hd(l)))
            ancestor = ot_hd(l);
    ot_term k[2] = {ot_atom("master"), ot_atom("ancestor")};
    ot_term v[2] = {master, ancestor};
    ot_term a = ot_map(h, 2, k, v);
    *tree = a == OT_NONE ? OT_NONE : ot_map_put(h, *tree, ot_atom("application"), a);
    return *tree == OT_NONE ? -ENOMEM : 0;
}
