/* views.c — the dashboard's JSON endpoints, one per view (the table in
 * docs/dashboard.md). Each asks the current data source and answers
 * JSON; a question the source cannot answer gives 200 with
 * {"available": false, "reason": ...}, so the page shows "not available"
 * rather than an error. */
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "otter/introspect.h"
#include "otter/node.h"
#include "term/term_internal.h"
#include "web/web_internal.h"

#include "otter/mermaid.h"

const char *ot__web_arg(const ot__web_request *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

json_t *ot__web_term_text(ot_term t, size_t limit)
{
    ot_print_opts po = {.syntax = OT_SYNTAX_ELIXIR, .limit = limit};
    char small[256];
    ssize_t n = ot_print(small, sizeof small, t, &po);
    if (n < 0)
        return json_string("");
    if ((size_t)n < sizeof small)
        return json_stringn(small, (size_t)n);
    char *big = ot__malloc((size_t)n + 1);
    if (!big)
        return json_string("");
    ot_print(big, (size_t)n + 1, t, &po);
    json_t *j = json_stringn(big, (size_t)n);
    ot__free(big);
    return j ? j : json_string("");
}

ot_term ot__web_pid_parse(ot_heap *h, const char *s, ot_term node)
{
    if (!s)
        return OT_NONE;
    if (!strncmp(s, "#PID", 4))
        s += 4;
    unsigned a, b, c;
    char end;
    int n = *s == '<' ? sscanf(s, "<%u.%u.%u%c", &a, &b, &c, &end) : sscanf(s, "%u.%u.%u%c", &a, &b, &c, &end);
    if (n < 3 || (*s == '<' && (n != 4 || end != '>')) || (*s != '<' && n != 3))
        return OT_NONE;
    if (*s == '<' && s[strlen(s) - 1] != '>')
        return OT_NONE;
    if (a != 0) {
        /* Another node's pid, printed <N.id.serial> with N that node's
         * atom: only the shown (connected) node's, with its creation. */
        ot_conn_stats st;
        if (!ot_is_atom(node) || node == ot_node() || ot__atom_index(node) != a ||
            ot_conn_stats_get(node, &st) != 0)
            return OT_NONE;
        return ot_pid(h, node, b, c, st.peer_creation);
    }
    char text[64];
    snprintf(text, sizeof text, "<%u.%u.%u>", a, b, c);
    ot_term pid;
    if (ot_parse(h, text, strlen(text), false, &pid, NULL))
        return OT_NONE;
    return ot_is_pid(pid) ? pid : OT_NONE;
}

/* ---------------------------------------------------------------- replies */

static void reply_json(ot__web_reply *out, unsigned status, json_t *j)
{
    out->status = status;
    out->body = NULL;
    if (!j)
        return;
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s)
        return;
    size_t n = strlen(s);
    out->body = ot__malloc(n + 1);
    if (out->body) {
        memcpy(out->body, s, n + 1);
        out->len = n;
    }
    free(s);
}

static void reply_error(ot__web_reply *out, unsigned status, const char *what)
{
    json_t *o = json_object();
    json_object_set_new(o, "error", json_string(what));
    reply_json(out, status, o);
}

static void reply_unavailable(ot__web_reply *out, const char *reason)
{
    json_t *o = json_object();
    json_object_set_new(o, "available", json_false());
    json_object_set_new(o, "reason", json_string(reason));
    reply_json(out, 200, o);
}

static void reply_errno(ot__web_reply *out, int rc, const char *what)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s: %s", what, ot_strerror(rc));
    if (rc == -ENOTSUP) {
        reply_unavailable(out, msg);
        return;
    }
    unsigned st = rc == -ESRCH || rc == -ENOENT ? 404
                : rc == -EINVAL                 ? 400
                : rc == -ETIMEDOUT              ? 504
                : rc == -EPERM                  ? 403
                                                : 500;
    reply_error(out, st, msg);
}

/* A term (from a source) as JSON, through otter's JSON mapping. */
static json_t *term_json(ot_term t)
{
    char *s = t == OT_NONE ? NULL : ot_to_json(t, NULL);
    json_t *j = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
    free(s);
    return j ? j : json_null();
}

/* ---------------------------------------------------------------- overview */

static void view_overview(const ot_dashboard_source *src, ot__web_reply *out)
{
    ot_heap *h = ot_heap_new();
    if (!h) {
        reply_error(out, 500, "out of memory");
        return;
    }
    json_t *o = json_object();
    ot_term node = src->node_name ? src->node_name(src->ctx) : OT_ATOM(NONODE);
    json_object_set_new(o, "node", json_string(ot_atom_text(node, NULL)));
    json_object_set_new(o, "source", json_string(src->kind ? src->kind : "?"));
    ot_term info;
    if (src->system_info && src->system_info(src->ctx, h, &info) == 0 && ot_is_map(info)) {
        json_t *ji = term_json(info);
        json_object_update(o, ji);
        json_decref(ji);
    }
    ot_term mem;
    json_t *jm = json_object();
    if (src->memory && src->memory(src->ctx, h, &mem) == 0)
        for (ot_term l = mem; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
            ot_term kv = ot_hd(l);
            int64_t v;
            if (ot_is_tuple(kv) && ot_tuple_arity(kv) == 2 && ot_get_int64(ot_tuple_get(kv, 1), &v) == 0)
                json_object_set_new(jm, ot_atom_text(ot_tuple_get(kv, 0), NULL), json_integer(v));
        }
    json_object_set_new(o, "memory", jm);
    json_object_set_new(o, "event_streams", json_integer((json_int_t)ot__web_stream_clients()));
    ot_heap_free(h);
    reply_json(out, 200, o);
}

/* ---------------------------------------------------------------- processes */

static size_t size_arg(const ot__web_request *rq, const char *key, size_t dflt, size_t max, bool *bad)
{
    const char *s = ot__web_arg(rq, key);
    if (!s || !*s)
        return dflt;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || s[0] == '-' || v > max) {
        *bad = true;
        return dflt;
    }
    return (size_t)v;
}

static void view_processes(const ot__web_request *rq, const ot_dashboard_source *src, ot__web_reply *out)
{
    bool bad = false;
    ot__web_proc_query q = {
        .sort = OW_COL_MEMORY,
        .desc = true,
        .offset = size_arg(rq, "offset", 0, 100000000, &bad),
        .limit = size_arg(rq, "limit", 50, 5000, &bad),
        .search = ot__web_arg(rq, "q"),
    };
    const char *sort = ot__web_arg(rq, "sort");
    if (sort) {
        q.sort = ot__web_col_parse(sort);
        if (q.sort < 0) {
            reply_error(out, 400, "sort: unknown column");
            return;
        }
    }
    const char *dir = ot__web_arg(rq, "dir");
    if (dir) {
        if (strcmp(dir, "asc") && strcmp(dir, "desc")) {
            reply_error(out, 400, "dir: asc or desc");
            return;
        }
        q.desc = !strcmp(dir, "desc");
    }
    if (bad) {
        reply_error(out, 400, "offset and limit: whole numbers (limit at most 5,000)");
        return;
    }
    if (q.search && strlen(q.search) > 200) {
        reply_error(out, 400, "q: at most 200 characters");
        return;
    }
    json_t *j;
    int rc = ot__web_proc_table(src, &q, &j);
    if (rc) {
        reply_errno(out, rc, "processes");
        return;
    }
    reply_json(out, 200, j);
}

static json_t *pid_list_json(ot_term l)
{
    json_t *a = json_array();
    ot_print_opts po = {.syntax = OT_SYNTAX_ERLANG, .limit = 10};
    for (; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term t = ot_hd(l);
        /* monitors: {process, Pid} */
        if (ot_is_tuple(t) && ot_tuple_arity(t) == 2)
            t = ot_tuple_get(t, 1);
        char buf[128];
        if (ot_print(buf, sizeof buf, t, &po) >= 0)
            json_array_append_new(a, json_string(buf));
    }
    return a;
}

static void view_process(const ot__web_request *rq, const ot_dashboard_source *src, ot__web_reply *out)
{
    ot_heap *h = ot_heap_new();
    if (!h) {
        reply_error(out, 500, "out of memory");
        return;
    }
    ot_term node = src->node_name ? src->node_name(src->ctx) : OT_ATOM(NONODE);
    ot_term pid = ot__web_pid_parse(h, ot__web_arg(rq, "pid"), node);
    if (pid == OT_NONE) {
        ot_heap_free(h);
        reply_error(out, 400, "pid: expected <0.N.S>");
        return;
    }
    if (!src->process_info) {
        ot_heap_free(h);
        reply_unavailable(out, "this node does not answer process_info");
        return;
    }
    ot_term keys = ot_build(h, "[registered_name, label, status, initial_call, current_function, "
                               "reductions, memory, message_queue_len, cpu_time, trap_exit, "
                               "links, monitors, monitored_by]");
    ot_term info;
    int rc = src->process_info(src->ctx, h, pid, keys, &info);
    if (rc == -EINVAL || rc == -EPROTO) {
        /* A BEAM node has neither label nor cpu_time (badarg: over erpc
         * the raise comes back as -EPROTO). */
        keys = ot_build(h, "[registered_name, status, initial_call, current_function, reductions, "
                           "memory, message_queue_len, trap_exit, links, monitors, monitored_by]");
        rc = src->process_info(src->ctx, h, pid, keys, &info);
    }
    if (rc) {
        ot_heap_free(h);
        reply_errno(out, rc, "process_info");
        return;
    }
    json_t *o = json_object();
    ot_print_opts po = {.syntax = OT_SYNTAX_ERLANG};
    char pt[64];
    ot_print(pt, sizeof pt, pid, &po);
    json_object_set_new(o, "pid", json_string(pt));
    if (!ot_is_list(info)) {
        json_object_set_new(o, "alive", json_false());
        ot_heap_free(h);
        reply_json(out, 200, o);
        return;
    }
    json_object_set_new(o, "alive", json_true());
    json_t *fields = json_array();
    for (ot_term l = info; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term kv = ot_hd(l);
        if (!ot_is_tuple(kv) || ot_tuple_arity(kv) != 2)
            continue;
        const char *k = ot_atom_text(ot_tuple_get(kv, 0), NULL);
        ot_term v = ot_tuple_get(kv, 1);
        if (!strcmp(k, "links") || !strcmp(k, "monitors") || !strcmp(k, "monitored_by")) {
            json_object_set_new(o, k, pid_list_json(v));
            continue;
        }
        json_t *f = json_object();
        json_object_set_new(f, "key", json_string(k));
        json_object_set_new(f, "value", ot__web_term_text(v, 20));
        json_array_append_new(fields, f);
    }
    json_object_set_new(o, "info", fields);
    ot_heap_free(h);
    reply_json(out, 200, o);
}

static void view_kill(const ot__web_request *rq, const ot_dashboard_source *src, ot__web_reply *out)
{
    ot_heap *h = ot_heap_new();
    ot_term node = src->node_name ? src->node_name(src->ctx) : OT_ATOM(NONODE);
    ot_term pid = h ? ot__web_pid_parse(h, ot__web_arg(rq, "pid"), node) : OT_NONE;
    int rc = pid == OT_NONE ? -EINVAL : !src->kill ? -ENOTSUP : src->kill(src->ctx, pid);
    ot_heap_free(h);
    if (rc) {
        reply_errno(out, rc, "kill");
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "killed", json_string(ot__web_arg(rq, "pid")));
    reply_json(out, 200, o);
}

static void view_scatter(const ot__web_request *rq, const ot_dashboard_source *src, ot__web_reply *out)
{
    bool bad = false;
    size_t max = size_arg(rq, "max", 10000, 100000, &bad);
    if (bad) {
        reply_error(out, 400, "max: at most 100,000");
        return;
    }
    json_t *j;
    int rc = ot__web_proc_scatter(src, max, &j);
    if (rc) {
        reply_errno(out, rc, "scatter");
        return;
    }
    reply_json(out, 200, j);
}

/* ---------------------------------------------------------------- memory */

static void view_memory(ot__web_reply *out)
{
    ot_livechart *c = ot_dashboard_memory_chart();
    ot_heap *h = ot_heap_new();
    if (!c || !h) {
        ot_heap_free(h);
        reply_error(out, 500, "no chart");
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "sample_ms", json_integer(ot__web_d->sample_ms));
    json_object_set_new(o, "window", json_integer((json_int_t)ot__web_d->opts.window));
    json_object_set_new(o, "points", term_json(ot_livechart_points(c, "memory", h)));
    ot_heap_free(h);
    reply_json(out, 200, o);
}

static void view_interval(const ot__web_request *rq, ot__web_reply *out)
{
    bool bad = false;
    size_t ms = size_arg(rq, "ms", 0, 60000, &bad);
    int rc = bad || ms == 0 ? -EINVAL : ot__web_set_sample_ms((int64_t)ms);
    if (rc) {
        reply_errno(out, rc, "ms: 50 to 60,000");
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "sample_ms", json_integer((json_int_t)ms));
    reply_json(out, 200, o);
}

/* ---------------------------------------------------------------- trees */

static const char NO_TREES[] = "not available: this build has no supervisors and applications "
                               "(otter/supervisor.h, otter/application.h) or no Mermaid renderer";

static void view_apps(const ot_dashboard_source *src, ot__web_reply *out)
{
    if (!src->which_applications) {
        reply_unavailable(out, NO_TREES);
        return;
    }
    ot_heap *h = ot_heap_new();
    ot_term apps;
    int rc = h ? src->which_applications(src->ctx, h, &apps) : -ENOMEM;
    if (rc) {
        ot_heap_free(h);
        reply_errno(out, rc, "which_applications");
        return;
    }
    json_t *arr = json_array();
    for (ot_term l = apps; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term t = ot_hd(l);
        if (!ot_is_tuple(t) || ot_tuple_arity(t) != 3)
            continue;
        json_t *a = json_object();
        json_object_set_new(a, "name", json_string(ot_atom_text(ot_tuple_get(t, 0), NULL)));
        /* description and version are charlists */
        char buf[512];
        ot_term d = ot_tuple_get(t, 1), v = ot_tuple_get(t, 2);
        size_t n = 0;
        for (ot_term c = d; ot_is_list(c) && c != OT_NIL && n + 1 < sizeof buf; c = ot_tl(c)) {
            int64_t ch = 0;
            ot_get_int64(ot_hd(c), &ch);
            buf[n++] = ch > 0 && ch < 128 ? (char)ch : '?';
        }
        buf[n] = 0;
        json_object_set_new(a, "description", json_string(buf));
        n = 0;
        for (ot_term c = v; ot_is_list(c) && c != OT_NIL && n + 1 < sizeof buf; c = ot_tl(c)) {
            int64_t ch = 0;
            ot_get_int64(ot_hd(c), &ch);
            buf[n++] = ch > 0 && ch < 128 ? (char)ch : '?';
        }
        buf[n] = 0;
        json_object_set_new(a, "vsn", json_string(buf));
        json_array_append_new(arr, a);
    }
    ot_heap_free(h);
    json_t *o = json_object();
    json_object_set_new(o, "available", json_true());
    json_object_set_new(o, "applications", arr);
    reply_json(out, 200, o);
}

/* The tree under sup as ot_mermaid_tree's node map, asking the source. */
static ot_term tree_of(const ot_dashboard_source *src, ot_heap *h, ot_term pid, ot_term id, ot_term type,
                       int depth, size_t *budget)
{
    ot_term node = ot_build(h, "#{pid => ~t, type => ~t}", pid, type);
    if (id != OT_NONE)
        node = ot_map_put(h, node, ot_atom("id"), id);
    if (!ot_is_pid(pid))
        return node;
    ot_term info;
    ot_term keys = ot_build(h, "[registered_name, links]");
    if (src->process_info && src->process_info(src->ctx, h, pid, keys, &info) == 0 && ot_is_list(info)) {
        for (ot_term l = info; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
            ot_term kv = ot_hd(l);
            ot_term k = ot_tuple_get(kv, 0), v = ot_tuple_get(kv, 1);
            if (k == OT_ATOM(REGISTERED_NAME) && ot_is_atom(v))
                node = ot_map_put(h, node, ot_atom("name"), v);
            else if (k == OT_ATOM(LINKS))
                node = ot_map_put(h, node, OT_ATOM(LINKS), v);
        }
    }
    ot_term lab;
    if (src->process_info && src->process_info(src->ctx, h, pid, OT_ATOM(LABEL), &lab) == 0 && ot_is_tuple(lab) &&
        ot_tuple_get(lab, 1) != OT_ATOM(UNDEFINED))
        node = ot_map_put(h, node, OT_ATOM(LABEL), ot_tuple_get(lab, 1));
    if (type != ot_atom("supervisor") || depth > 40)
        return node;
    ot_term kids;
    if (src->which_children(src->ctx, h, pid, &kids))
        return node;
    ot_term rev = OT_NIL;
    for (ot_term l = kids; ot_is_list(l) && l != OT_NIL && *budget > 0; l = ot_tl(l), (*budget)--) {
        ot_term c = ot_hd(l);
        if (!ot_is_tuple(c) || ot_tuple_arity(c) != 4)
            continue;
        rev = ot_cons(h, tree_of(src, h, ot_tuple_get(c, 1), ot_tuple_get(c, 0), ot_tuple_get(c, 2), depth + 1,
                                 budget),
                      rev);
    }
    ot_term children = OT_NIL;
    for (; rev != OT_NIL && rev != OT_NONE; rev = ot_tl(rev))
        children = ot_cons(h, ot_hd(rev), children);
    return ot_map_put(h, node, ot_atom("children"), children);
}

static void reply_mermaid(ot__web_reply *out, ot_term tree, const char *title)
{
    char *text = NULL;
    ot_mermaid_error err = {0};
    ot_tree_opts to = {.flags = OT_TREE_LR};
    ssize_t n = ot_mermaid_tree(tree, &to, &text, &err);
    if (n < 0) {
        reply_error(out, 500, err.what ? err.what : ot_strerror((int)n));
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "available", json_true());
    json_object_set_new(o, "title", json_string(title));
    json_object_set_new(o, "mermaid", json_stringn(text, (size_t)n));
    free(text);
    reply_json(out, 200, o);
}

static void view_app_tree(const ot__web_request *rq, const ot_dashboard_source *src, ot__web_reply *out)
{
    const char *app = ot__web_arg(rq, "app");
    if (!src->application_root || !src->which_children) {
        reply_unavailable(out, NO_TREES);
        return;
    }
    if (!app || !*app || strlen(app) > 255) {
        reply_error(out, 400, "app: an application name");
        return;
    }
    ot_term a = ot_atom_existing(app, strlen(app));
    ot_heap *h = ot_heap_new();
    ot_term root;
    int rc = a == OT_NONE ? -ESRCH : h ? src->application_root(src->ctx, h, a, &root) : -ENOMEM;
    if (rc) {
        ot_heap_free(h);
        reply_errno(out, rc, "application");
        return;
    }
    size_t budget = 2000;
    ot_term master = ot_tuple_get(root, 0), sup = ot_tuple_get(root, 1);
    ot_term tree = tree_of(src, h, sup, OT_NONE, ot_atom("supervisor"), 0, &budget);
    /* The root supervisor's ancestor: the process between it and the
     * master (linked to both). */
    ot_term links = ot_map_get(tree, OT_ATOM(LINKS)), ancestor = OT_NONE;
    for (ot_term l = links; l != OT_NONE && ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term p = ot_hd(l);
        bool child = false;
        for (ot_term c = ot_map_get(tree, ot_atom("children")); c != OT_NONE && ot_is_list(c) && c != OT_NIL;
             c = ot_tl(c))
            child |= ot_equal(ot_map_get(ot_hd(c), ot_atom("pid")), p);
        if (!child && !ot_equal(p, master)) {
            ancestor = p;
            break;
        }
    }
    ot_term full = ot_build(h, "#{root => ~t}", tree);
    if (ancestor != OT_NONE)
        full = ot_map_put(h, full, ot_atom("application"),
                          ot_build(h, "#{master => ~t, ancestor => ~t}", master, ancestor));
    reply_mermaid(out, full, app);
    ot_heap_free(h);
}

static void view_sup_tree(const ot__web_request *rq, const ot_dashboard_source *src, ot__web_reply *out)
{
    if (!src->which_children) {
        reply_unavailable(out, NO_TREES);
        return;
    }
    ot_heap *h = ot_heap_new();
    ot_term node = src->node_name ? src->node_name(src->ctx) : OT_ATOM(NONODE);
    ot_term pid = h ? ot__web_pid_parse(h, ot__web_arg(rq, "pid"), node) : OT_NONE;
    if (pid == OT_NONE) {
        ot_heap_free(h);
        reply_error(out, 400, "pid: expected <0.N.S>");
        return;
    }
    ot_term kids;
    int rc = src->which_children(src->ctx, h, pid, &kids);
    if (rc) {
        ot_heap_free(h);
        reply_errno(out, rc, rc == -ENOTSUP ? "not a supervisor" : "which_children");
        return;
    }
    size_t budget = 2000;
    ot_term tree = tree_of(src, h, pid, OT_NONE, ot_atom("supervisor"), 0, &budget);
    reply_mermaid(out, tree, ot__web_arg(rq, "pid"));
    ot_heap_free(h);
}

/* ---------------------------------------------------------------- ets, traces, connect */

static void view_ets(const ot_dashboard_source *src, ot__web_reply *out)
{
    if (!src->ets_tables) {
        reply_unavailable(out, "not available: this build has no ETS (otter/ets.h)");
        return;
    }
    ot_heap *h = ot_heap_new();
    ot_term tabs;
    int rc = h ? src->ets_tables(src->ctx, h, &tabs) : -ENOMEM;
    if (rc) {
        ot_heap_free(h);
        reply_errno(out, rc, "ets");
        return;
    }
    json_t *arr = json_array();
    for (ot_term l = tabs; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term m = ot_hd(l);
        json_t *t = json_object();
        static const char *keys[] = {"id", "name", "size", "memory", "owner", "heir", "type", "protection"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            ot_term v = ot_map_get(m, ot_atom(keys[i]));
            int64_t n;
            if (v == OT_NONE)
                json_object_set_new(t, keys[i], json_null());
            else if (ot_is_int(v) && ot_get_int64(v, &n) == 0)
                json_object_set_new(t, keys[i], json_integer(n));
            else if (ot_is_atom(v))
                json_object_set_new(t, keys[i], json_string(ot_atom_text(v, NULL)));
            else
                json_object_set_new(t, keys[i], ot__web_term_text(v, 10));
        }
        json_array_append_new(arr, t);
    }
    ot_heap_free(h);
    json_t *o = json_object();
    json_object_set_new(o, "available", json_true());
    json_object_set_new(o, "tables", arr);
    reply_json(out, 200, o);
}

static void view_traces(ot__web_reply *out)
{
    json_t *o = json_object();
    json_object_set_new(o, "available", json_true());
    json_object_set_new(o, "traces", ot__web_traces_json());
    reply_json(out, 200, o);
}

/* The Connect view: which node the views show, of which kind, and this
 * node's own name (the form's default). */
static void view_node(const ot_dashboard_source *src, ot__web_reply *out)
{
    json_t *o = json_object();
    ot_term node = src->node_name ? src->node_name(src->ctx) : OT_ATOM(NONODE);
    json_object_set_new(o, "node", json_string(ot_atom_text(node, NULL)));
    json_object_set_new(o, "source", json_string(src->kind ? src->kind : "?"));
    json_object_set_new(o, "local_node", json_string(ot_atom_text(ot_node(), NULL)));
    json_object_set_new(o, "local", json_boolean(src == ot_dashboard_local_source()));
    bool alive = ot_node_alive();
    json_object_set_new(o, "connect_available", json_boolean(alive));
    if (!alive)
        json_object_set_new(o, "reason", json_string(OW_NOT_DISTRIBUTED));
    reply_json(out, 200, o);
}

/* POST /api/connect?node=name@host&cookie=C: ot_dashboard_connect. 200
 * with the node now shown; 400 for a bad name or cookie (or a long name
 * asked of a short-names node, and the reverse); 200 "not
 * available" when this node is not distributed; 502 when the node could
 * not be reached or refused (the message says what to do), 504 when it
 * did not answer in time, 409 while another connect is under way. */
static void view_connect(const ot__web_request *rq, ot__web_reply *out)
{
    char why[512];
    int rc = ot_dashboard_connect(ot__web_arg(rq, "node"), ot__web_arg(rq, "cookie"), why, sizeof why);
    if (rc == -ENOTSUP) {
        reply_unavailable(out, why);
        return;
    }
    if (rc) {
        /* -EINVAL: a bad name or cookie, or a name of the other kind
         * (long/short): the request's fault either way. */
        unsigned st = rc == -EINVAL                                   ? 400
                    : rc == -EBUSY                                    ? 409
                    : rc == -ETIMEDOUT                                ? 504
                    : rc == -ENOMEM || rc == -EAGAIN || rc == -ENOENT ? 500
                                                                      : 502;
        reply_error(out, st, why);
        return;
    }
    ot__web_src_ref *ref = ot__web_source_hold();
    const ot_dashboard_source *src = ref->src;
    json_t *o = json_object();
    ot_term node = src->node_name ? src->node_name(src->ctx) : OT_ATOM(NONODE);
    json_object_set_new(o, "node", json_string(ot_atom_text(node, NULL)));
    json_object_set_new(o, "source", json_string(src->kind ? src->kind : "?"));
    json_object_set_new(o, "local", json_boolean(src == ot_dashboard_local_source()));
    ot__web_source_drop(ref);
    reply_json(out, 200, o);
}

/* ---------------------------------------------------------------- routing */

bool ot__web_views_handle(const ot__web_request *rq, ot__web_reply *out)
{
    bool get = !strcmp(rq->method, "GET"), post = !strcmp(rq->method, "POST");
    const char *p = rq->path;
    memset(out, 0, sizeof *out);
#define ROUTE(path, is_method) (!strcmp(p, path) && (is_method))
    /* Connecting switches the source: it holds none itself (a switch waits
     * for the readers of a source the dashboard was given). */
    if (ROUTE("/api/connect", post)) {
        view_connect(rq, out);
        return true;
    }
    /* Every other view reads the source it starts with until it answers. */
    ot__web_src_ref *ref = ot__web_source_hold();
    const ot_dashboard_source *src = ref->src;
    bool found = true;
    if (ROUTE("/api/overview", get))
        view_overview(src, out);
    else if (ROUTE("/api/processes", get))
        view_processes(rq, src, out);
    else if (ROUTE("/api/process", get))
        view_process(rq, src, out);
    else if (ROUTE("/api/process/kill", post))
        view_kill(rq, src, out);
    else if (ROUTE("/api/scatter", get))
        view_scatter(rq, src, out);
    else if (ROUTE("/api/memory", get))
        view_memory(out);
    else if (ROUTE("/api/memory/interval", post))
        view_interval(rq, out);
    else if (ROUTE("/api/apps", get))
        view_apps(src, out);
    else if (ROUTE("/api/apps/tree", get))
        view_app_tree(rq, src, out);
    else if (ROUTE("/api/suptree", get))
        view_sup_tree(rq, src, out);
    else if (ROUTE("/api/ets", get))
        view_ets(src, out);
    else if (ROUTE("/api/traces", get))
        view_traces(out);
    else if (ROUTE("/api/traces/pingpong", post)) {
        int rc = ot__web_trace_pingpong();
        if (rc)
            reply_errno(out, rc, "trace");
        else
            reply_json(out, 202, json_pack("{s:b}", "started", 1));
    } else if (ROUTE("/api/spike", post)) {
        const char *kind = ot__web_arg(rq, "kind");
        int rc = kind ? ot__web_spike(kind) : -EINVAL;
        if (rc)
            reply_errno(out, rc, "spike (binary or ets, tour mode only)");
        else
            reply_json(out, 202, json_pack("{s:s}", "started", kind));
    } else if (ROUTE("/api/node", get))
        view_node(src, out);
    else
        found = false;
#undef ROUTE
    ot__web_source_drop(ref);
    return found;
}
