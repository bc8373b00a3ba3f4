/* test_tree.c — supervision and application trees as terms (ot_sup_tree,
 * ot_app_tree): children in which_children's order, nested supervisors,
 * links inside the tree, names and labels, tables owned in the tree, a
 * worker that never answers calls is never asked; and the Mermaid drawn
 * from each tree is checked by the real mermaid. */
#include <errno.h>
#include <stdint.h>

#include "otter/application.h"
#include "otter/ets.h"
#include "otter/introspect.h"
#include "otter/mermaid.h"
#include "otter/supervisor.h"
#include "proctest.h"
#include "../viz/vizcheck.h"

#define P(x) ((void *)(uintptr_t)(x))
#define T(x) ((ot_term)(uintptr_t)(x))

/* A worker that waits forever for a message nobody sends: calling it would
 * hang the walk. Worker "a" also owns a table and links to "b". */
static void stubborn(void *arg)
{
    (void)arg;
    ot_msg_free(ot_receive(ot_atom("never_sent"), OT_INFINITY, NULL));
}

static void owner_a(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    ot_term tid;
    ot_ets_new(h, ot_atom("tree_users"), ot_build(h, "[set, public, named_table]"), &tid);
    ot_term b = ot_whereis(ot_atom("worker_b"));
    if (b != OT_NONE)
        ot_link(b);
    ot_set_label(ot_build(h, "{cache, <<\"<users>\">>}"));
    /* set up: tell the supervisor's start function (as proc_lib's ack) */
    ot_send(ot_spawn_arg(), ot_atom("owner_ready"));
    stubborn(NULL);
}

static ot_term start_worker(ot_heap *h, ot_term arg, void *data)
{
    ot_spawn_opts o = {.link = true, .name = ot_is_atom(arg) ? arg : OT_NONE, .label = OT_NONE,
                       .term_arg = ot_self()};
    ot_term pid = ot_spawn_opt(data ? (ot_proc_fn)data : stubborn, NULL, &o);
    /* owner_a has started once its table and label are there: the tree
     * read below may run on the other scheduler at once */
    if (pid != OT_NONE && data == (void *)owner_a)
        ot_msg_free(ot_receive(ot_atom("owner_ready"), 60000, NULL));
    return pid == OT_NONE ? OT_NONE : ot_tuple(h, 2, ot_atom("ok"), pid);
}

static ot_term start_sub(ot_heap *h, ot_term arg, void *data)
{
    (void)arg;
    (void)data;
    ot_child_spec kids[2] = {
        {.id = ot_atom("b"), .start = start_worker, .arg = ot_atom("worker_b")},
        {.id = ot_atom("c"), .start = start_worker, .arg = OT_NONE},
    };
    ot_term r;
    int rc = ot_supervisor_start_link(NULL, kids, 2, h, &r);
    return rc == 0 ? r : ot_tuple(h, 2, ot_atom("error"), r);
}

static ot_term field(ot_term m, const char *k) { return ot_map_get(m, ot_atom(k)); }

static void sup_tree_body(void *arg)
{
    (void)arg;
    ot_heap *h = ot_heap_new();
    ot_child_spec specs[2] = {
        {.id = ot_atom("sub"), .start = start_sub, .type = OT_SUPERVISOR},
        {.id = ot_atom("a"), .start = start_worker, .arg = ot_atom("worker_a"), .data = (void *)owner_a},
    };
    ot_sup_opts o = {.name = ot_atom("top_sup")};
    ot_term top;
    int started = ot_supervisor_start_link(&o, specs, 2, h, &top);
    CHECK(started == 0, "start_link: %d", started);
    if (started != 0)
        return;
    /* worker a has its table, its link and its label: its start function
     * waited for it to say so (owner_ready) */

    ot_term tree;
    CHECK(ot_sup_tree(h, ot_atom("top_sup"), NULL, &tree) == 0);
    ot_term root = field(tree, "root");
    CHECK(field(root, "pid") == top && field(root, "name") == ot_atom("top_sup"));
    ot_term kids = field(root, "children");
    CHECK(ot_list_length(kids) == 2);
    ot_term which = OT_NIL;
    CHECK(ot_supervisor_which_children(h, top, &which) == 0 && ot_is_list(which));
    /* the same order as which_children */
    ot_term k = kids;
    for (ot_term w = which; w != OT_NIL && k != OT_NIL; w = ot_tl(w), k = ot_tl(k))
        CHECK(ot_equal(field(ot_hd(k), "id"), ot_tuple_get(ot_hd(w), 0)));
    ot_term sub = OT_NONE, a = OT_NONE;
    for (ot_term l = kids; l != OT_NIL; l = ot_tl(l)) {
        if (field(ot_hd(l), "id") == ot_atom("sub"))
            sub = ot_hd(l);
        if (field(ot_hd(l), "id") == ot_atom("a"))
            a = ot_hd(l);
    }
    CHECK(sub != OT_NONE && field(sub, "type") == ot_atom("supervisor"));
    CHECK(ot_list_length(field(sub, "children")) == 2);
    CHECK(a != OT_NONE && field(a, "type") == ot_atom("worker") && field(a, "children") == OT_NONE,
          "a worker is not asked for children");
    CHECK(a != OT_NONE && field(a, "name") == ot_atom("worker_a"));
    char label[64] = "";
    if (a != OT_NONE)
        ot_print(label, sizeof label, field(a, "label"), NULL);
    CHECK(strcmp(label, "{:cache, \"<users>\"}") == 0, "label %s", label);
    ot_term b = ot_whereis(ot_atom("worker_b"));
    bool linked = false;
    for (ot_term l = a == OT_NONE ? OT_NIL : field(a, "links"); l != OT_NIL; l = ot_tl(l))
        linked |= ot_hd(l) == b;
    CHECK(linked, "a's link to b is in the tree");
    ot_term tables = field(tree, "ets");
    CHECK(ot_list_length(tables) == 1 && field(ot_hd(tables), "name") == ot_atom("tree_users") &&
          field(ot_hd(tables), "owner") == ot_whereis(ot_atom("worker_a")));

    /* drawn, and checked by mermaid in the test body (vc_run) */
    char *text;
    ot_mermaid_error err;
    ssize_t n = ot_mermaid_tree(tree, NULL, &text, &err);
    CHECK(n > 0);
    if (n > 0) {
        FILE *f = fopen(getenv("OTTER_TREE_OUT"), "w");
        if (f) {
            fwrite(text, 1, (size_t)n, f);
            fclose(f);
        }
        free(text);
    }

    /* a limit on nodes */
    ot_tree_walk_opts lim = {.max_nodes = 2, .ets = false};
    CHECK(ot_sup_tree(h, top, &lim, &tree) == 0);
    CHECK(field(tree, "ets") == OT_NIL);

    /* errors */
    CHECK(ot_sup_tree(h, ot_whereis(ot_atom("worker_a")), NULL, &tree) == -ENOTSUP);
    CHECK(ot_sup_tree(h, ot_atom("no_such_name"), NULL, &tree) == -ESRCH);
    CHECK(ot_sup_tree(h, ot_int(h, 3), NULL, &tree) == -EINVAL);
    CHECK(ot_app_tree(h, ot_atom("not_running_app"), NULL, &tree) == -ENOENT);
    ot_supervisor_stop(top, ot_atom("normal"), 5000);
    ot_heap_free(h);
}

static void check_mermaid_file(const char *path, const char *name)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "no Mermaid written to %s", path);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    vc_dir d;
    vc_open(&d);
    ot_heap *h = ot_heap_new();
    vc_case(&d, name, ".mmd", text, ot_build(h, "#{<<\"kind\">> => <<\"mermaid\">>, <<\"valid\">> => true}"));
    vc_run(&d);
    ot_heap_free(h);
}

Test(tree, supervision_tree, .timeout = 120)
{
    char *path = tu_mktemp(".mmd");
    setenv("OTTER_TREE_OUT", path, 1);
    pt_run(sup_tree_body, NULL, 2);
    check_mermaid_file(path, "sup-tree");
    unlink(path);
    free(path);
}

static void app_tree_body(void *arg)
{
    (void)arg;
    ot_heap *h = ot_heap_new();
    CHECK(ot_otter_start() == 0);
    ot_term tree;
    CHECK(ot_app_tree(h, ot_atom("otter"), NULL, &tree) == 0);
    ot_term app = field(tree, "application");
    ot_term master;
    ot_application_get_master(ot_atom("otter"), &master);
    CHECK(app != OT_NONE && field(app, "master") == master);
    CHECK(app != OT_NONE && ot_is_pid(field(app, "ancestor")) && field(app, "ancestor") != master);
    ot_term root = field(tree, "root");
    CHECK(field(root, "name") == ot_atom("otter_sup"));
    bool logger = false;
    for (ot_term l = field(root, "children"); l != OT_NONE && l != OT_NIL; l = ot_tl(l))
        logger |= field(ot_hd(l), "name") == ot_atom("otter_logger");
    CHECK(logger, "otter_logger under otter_sup");
    char *text;
    ssize_t n = ot_mermaid_tree(tree, NULL, &text, NULL);
    CHECK(n > 0);
    if (n > 0) {
        FILE *f = fopen(getenv("OTTER_TREE_OUT"), "w");
        if (f) {
            fwrite(text, 1, (size_t)n, f);
            fclose(f);
        }
        free(text);
    }
    ot_heap_free(h);
}

Test(tree, application_tree, .timeout = 120)
{
    char *path = tu_mktemp(".mmd");
    setenv("OTTER_TREE_OUT", path, 1);
    pt_run(app_tree_body, NULL, 2);
    check_mermaid_file(path, "app-tree");
    unlink(path);
    free(path);
}
