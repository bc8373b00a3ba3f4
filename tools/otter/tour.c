/* tour.c — `otter tour`: the notebook "Runtime introspection with Mermaid
 * and VegaLite", cell by cell, on a local otter node. Each cell below is
 * the C counterpart of a notebook cell; the report shows its code (taken
 * from this file at build time, see scripts/embed-cells.py) beside what it
 * printed, drew or charted.
 *
 * The cells run in one otter process (the tour's main process), in the
 * notebook's order. Output goes to the terminal and to the report folder
 * (report.h). */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otter/agent.h>
#include <otter/application.h>
#include <otter/dashboard.h>
#include <otter/erpc.h>
#include <otter/ets.h>
#include <otter/introspect.h>
#include <otter/livechart.h>
#include <otter/mermaid.h>
#include <otter/node.h>
#include <otter/process.h>
#include <otter/supervisor.h>
#include <otter/task.h>
#include <otter/term.h>
#include <otter/trace.h>
#include <otter/vegalite.h>

#include "demo.h"
#include "render.h"
#include "report.h"
#include "tool.h"
#include "tour_cells.h"

/* ---------------------------------------------------------------- output */

static struct {
    report *r;
    bool quiet;
    int failures;           /* outputs that could not be made */
    ot_livechart *memory;   /* the live memory chart */
    ot_term memory_listener;
    bool serve;             /* --serve: the dashboard runs during and after the tour */
    int signal_fd;          /* SIGINT/SIGTERM, read by the tour's process */
    const char *node_arg;   /* --node: the node the remote cells look at (default: itself) */
    const char *cookie_arg; /* --cookie: its cookie */
    ot_term node;           /* that node, once connected */
    ot_heap *traces;        /* traces kept for the dashboard */
} tour;

static const char *cell_code(const char *slug)
{
    for (size_t i = 0; i < sizeof tour_cell_code / sizeof tour_cell_code[0]; i++)
        if (strcmp(tour_cell_code[i].slug, slug) == 0)
            return tour_cell_code[i].code;
    return "";
}

static void section(const char *name)
{
    if (!tour.quiet)
        printf("\n\033[1m== %s ==\033[0m\n", name);
}

static const char *current_section;

/* Starts a cell: its title, and the code of the cell called slug. */
static void cell(const char *sect, const char *title, const char *slug)
{
    if (sect != current_section) {
        section(sect);
        current_section = sect;
    }
    report_cell(tour.r, sect, title, cell_code(slug));
    if (!tour.quiet)
        printf("\n\033[1m%s\033[0m\n", title);
}

static void emit(const char *kind, const char *slug, const char *text, size_t len)
{
    const char *file = report_output(tour.r, kind, slug, text, len);
    if (!file)
        tour.failures++;
    if (tour.quiet)
        return;
    if (strcmp(kind, "text") == 0)
        printf("%.*s%s", (int)len, text, len && text[len - 1] == '\n' ? "" : "\n");
    else
        printf("  -> %s/%s\n", report_dir(tour.r), file ? file : "(not written)");
}

/* A line of text output (also in the report). */
static void show_text(const char *slug, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void show_text(const char *slug, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    emit("text", slug, buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* A term, printed as Elixir prints it (as the notebook shows cell results). */
static void show_term(const char *slug, ot_term t)
{
    ot_print_opts o = {.limit = 50};
    char *s = ot_inspect(t, &o);
    emit("text", slug, s ? s : "(out of memory)", s ? strlen(s) : 15);
    free(s);
}

static void show_mermaid(const char *slug, ssize_t len, char *text, const ot_mermaid_error *err)
{
    if (len < 0) {
        show_text(slug, "could not draw: %s (%s)", ot_strerror((int)len), err ? err->what : "");
        tour.failures++;
        return;
    }
    emit("mermaid", slug, text, (size_t)len);
    free(text);
}

static void show_chart(const char *slug, ot_term spec)
{
    size_t len = 0;
    char *json = spec == OT_NONE ? NULL : ot_vl_to_json(spec, &len);
    if (!json) {
        show_text(slug, "could not chart: %s", ot_vl_error() ? ot_vl_error() : "no spec");
        tour.failures++;
        return;
    }
    emit("vega-lite", slug, json, len);
    free(json);
}

static void progress(const char *what, long done, long total)
{
    if (tour.quiet)
        return;
    fprintf(stderr, "\r  %s: %ld / %ld", what, done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

#define S_PROCESSES "Processes all the way down"
#define S_SUPERVISORS "Supervisors: a special type of process"
#define S_REMOTE "Connecting to a remote node"
#define S_INSPECT "Inspecting remote processes"
#define S_MEMORY "Tracking memory usage"

/* ================================================================ cells */

/* cell: self */
static void cell_self(void)
{
    ot_term me = ot_self();             /* self() */
    show_term("self", me);
}
/* end cell */

/* cell: ping-pong */
/* The child: waits for :ping, answers :pong. */
static void child(void *arg)
{
    ot_term parent = (ot_term)(uintptr_t)arg;
    ot_msg *m = ot_receive(ot_atom("ping"), OT_INFINITY, NULL);
    ot_msg_free(m);
    ot_send(parent, ot_atom("pong"));
}

static void ping_pong(void *arg)
{
    (void)arg;
    ot_term pid = ot_spawn(child, (void *)(uintptr_t)ot_self());
    ot_send(pid, ot_atom("ping"));
    ot_msg_free(ot_receive(ot_atom("pong"), OT_INFINITY, NULL));
}

static void cell_ping_pong(void)
{
    ping_pong(NULL);
    show_term("ponged", ot_atom("ponged!"));
}
/* end cell */

/* cell: seq-trace-ping-pong */
static void cell_seq_trace_ping_pong(void)
{
    ot_heap *h = ot_heap_new();
    ot_term trace = ot_seq_trace(h, ping_pong, NULL, NULL);   /* render_seq_trace(fn) */
    char *text;
    ot_mermaid_error err;
    ssize_t n = ot_mermaid_seq(trace, NULL, &text, &err);
    show_mermaid("seq-trace-ping-pong", n, text, &err);
    if (tour.serve)
        ot_dashboard_add_trace("ping/pong", trace);
    ot_heap_free(h);
}
/* end cell */

/* cell: seq-trace-async-stream */
/* Each task sleeps 100..300 ms at random, then returns its input. */
static ot_term sleepy(ot_term i, void *ctx, ot_heap *h)
{
    (void)ctx;
    (void)h;
    ot_sleep(100 + (int64_t)(ot_monotonic_ns() % 201));   /* Enum.random(100..300) */
    return i;
}

static void async_stream(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    ot_term items[4];
    for (int i = 0; i < 4; i++)
        items[i] = ot_int(h, i + 1);                      /* 1..4 */
    ot_task_stream_opts o = {.max_concurrency = 4};
    ot_task_stream *s = ot_task_async_stream(items, 4, sleepy, NULL, &o);
    ot_task_stream_run(s);                                /* Stream.run() */
    ot_task_stream_close(s);
}

static void cell_seq_trace_async_stream(void)
{
    ot_heap *h = ot_heap_new();
    int64_t t0 = ot_monotonic_ms();
    ot_term trace = ot_seq_trace(h, async_stream, NULL, NULL);
    int64_t took = ot_monotonic_ms() - t0;
    char *text;
    ot_mermaid_error err;
    ot_seq_opts o = {.flags = OT_SEQ_REPLIES};
    ssize_t n = ot_mermaid_seq(trace, &o, &text, &err);
    show_mermaid("seq-trace-async-stream", n, text, &err);
    show_text("async-stream-time", "4 tasks of 100..300 ms each took %lld ms together",
              (long long)took);
    if (tour.serve)
        ot_dashboard_add_trace("Task.async_stream(1..4)", trace);
    ot_heap_free(h);
}
/* end cell */

/* cell: supervisor */
/* {Task, fn -> Process.sleep(:infinity) end} */
static ot_term sleep_forever(ot_term arg, void *ctx, ot_heap *h)
{
    (void)arg;
    (void)ctx;
    (void)h;
    ot_msg_free(ot_receive(ot_atom("never sent"), OT_INFINITY, NULL));
    return OT_ATOM(OK);
}

ot_term start_task(ot_heap *h, ot_term arg, void *data)
{
    (void)h;
    (void)data;
    return ot_task_start_link(sleep_forever, arg, NULL);
}

/* {Agent, fn -> [] end} */
static ot_term empty_list(ot_term arg, ot_heap *h)
{
    (void)arg;
    (void)h;
    return OT_NIL;
}

ot_term start_agent(ot_heap *h, ot_term arg, void *data)
{
    (void)data;
    ot_server_opts o = {.link = true};
    ot_term pid;
    return ot_agent_start(h, empty_list, arg, &o, &pid) == 0 ? pid : OT_NONE;
}

static ot_term supervisor;

static void cell_supervisor(void)
{
    ot_heap *h = ot_heap_new();
    ot_child_spec children[] = {
        /* the ids Elixir's {Task, fun} and {Agent, fun} child specs have:
         * the modules Task and Agent */
        {.id = ot_atom("Elixir.Task"), .start = start_task, .modules = ot_build(h, "['Elixir.Task']")},
        {.id = ot_atom("Elixir.Agent"), .start = start_agent, .modules = ot_build(h, "['Elixir.Agent']")},
    };
    ot_sup_opts o = {.strategy = OT_ONE_FOR_ONE};
    int rc = ot_supervisor_start_link(&o, children, 2, h, &supervisor);
    show_term("supervisor", rc == 0 ? ot_tuple(h, 2, OT_ATOM(OK), supervisor) : supervisor);
    ot_heap_free(h);
}
/* end cell */

/* cell: sup-tree */
static void cell_sup_tree(void)
{
    ot_heap *h = ot_heap_new();
    ot_term tree;
    int rc = ot_sup_tree(h, supervisor, NULL, &tree);     /* render_sup_tree(supervisor) */
    if (rc != 0) {
        show_text("sup-tree", "no tree: %s", ot_strerror(rc));
    } else {
        char *text;
        ot_mermaid_error err;
        ot_tree_opts lr = {.flags = OT_TREE_LR};         /* as Livebook draws a returned supervisor */
        ssize_t n = ot_mermaid_tree(tree, &lr, &text, &err);
        show_mermaid("sup-tree", n, text, &err);
    }
    ot_heap_free(h);
}
/* end cell */

/* cell: app-tree */
static void cell_app_tree(void)
{
    ot_heap *h = ot_heap_new();
    ot_term tree;
    int rc = ot_app_tree(h, ot_atom("otter"), NULL, &tree);   /* render_app_tree(:otter) */
    if (rc != 0) {
        show_text("app-tree", "no tree: %s", ot_strerror(rc));
    } else {
        char *text;
        ot_mermaid_error err;
        ssize_t n = ot_mermaid_tree(tree, NULL, &text, &err);
        show_mermaid("app-tree", n, text, &err);
    }
    ot_heap_free(h);
}
/* end cell */

/* cell: started-applications */
static void cell_started_applications(void)
{
    ot_heap *h = ot_heap_new();
    show_term("started-applications", ot_application_which_applications(h));
    ot_heap_free(h);
}
/* end cell */

/* cell: node-cookie */
static void cell_node_cookie(void)
{
    ot_heap *h = ot_heap_new();
    /* IO.puts writes an atom's text, without the colon of inspect */
    show_text("node", "%s", ot_atom_text(ot_node(), NULL));            /* IO.puts node() */
    show_text("cookie", "%s", ot_atom_text(ot_get_cookie(), NULL));    /* IO.puts Node.get_cookie() */
    ot_heap_free(h);
}
/* end cell */

/* cell: connect */
static void cell_connect(void)
{
    ot_heap *h = ot_heap_new();
    ot_term node = tour.node_arg ? ot_atom(tour.node_arg) : ot_node();   /* read_text(default: node()) */
    if (tour.cookie_arg)
        ot_set_node_cookie(node, tour.cookie_arg);        /* Node.set_cookie(node, cookie) */
    int rc = ot_connect(node);                            /* true = Node.connect(node) */
    show_text("connect", "Node.connect(%s): %s", ot_atom_text(node, NULL),
              rc == 0 ? "true" : ot_strerror(rc));
    tour.node = rc == 0 ? node : OT_NONE;
    ot_heap_free(h);
}
/* end cell */

/* cell: node-spawn */
/* A function other nodes may spawn: C cannot ship a closure, so
 * Node.spawn names a registered function. What it prints goes, as in
 * Erlang (through the group leader), to the process that spawned it, which
 * shows it in the cell: its argument is that process. */
static ot_rpc_class print_node(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    char text[300];
    ot_print(text, sizeof text, ot_node(), NULL);        /* IO.inspect(node()) */
    ot_send(ot_hd(args), ot_build(h, "{tour_io, ~s}", text));
    *result = ot_node();
    return OT_RPC_RETURN;
}

static void cell_node_spawn(void)
{
    ot_heap *h = ot_heap_new();
    ot_rpc_register("tour", "print_node", 1, print_node, NULL);
    int err = 0;
    ot_term pid = ot_spawn_remote(h, tour.node, ot_atom("tour"), ot_atom("print_node"),
                                  ot_list(h, 1, ot_self()), &err);
    if (pid == OT_NONE) {
        show_text("node-spawn", "Node.spawn failed: %s", ot_strerror(err));
    } else {
        /* the cell shows what the process printed, then Node.spawn's pid */
        ot_term printed = OT_NONE;
        ot_msg *m = ot_receive(ot_pattern(h, "{tour_io, Text}"), 5000, &printed);
        size_t n = 0;
        const uint8_t *text = m ? ot_binary_data(printed, &n) : NULL;
        char *p = ot_inspect(pid, NULL);
        show_text("node-spawn", "%.*s\n%s", text ? (int)n : 0, text ? (const char *)text : "",
                  p ? p : "(out of memory)");
        if (!m)
            fprintf(stderr, "otter tour: the spawned process printed nothing in 5 s\n");
        free(p);
        ot_msg_free(m);
    }
    ot_heap_free(h);
}
/* end cell */

/* cell: process-list */
/* :erpc.call(node, Process, :info, [pid, keys]) and inspect(pid) there,
 * for every pid of :erpc.call(node, Process, :list, []). */
static ot_term remote(ot_heap *h, const char *mod, const char *fun, ot_term args)
{
    ot_term r;
    int rc = ot_erpc_call(h, tour.node, ot_atom(mod), ot_atom(fun), args, 5000, &r);
    return rc == 0 ? r : OT_NONE;
}

static ot_term process_rows(ot_heap *h)
{
    ot_term keys = ot_build(h, "[reductions, memory, status]");
    ot_term pids = remote(h, "Elixir.Process", "list", OT_NIL);
    ot_term rows = OT_NIL;
    for (ot_term l = pids; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term pid = ot_hd(l);
        ot_term info = remote(h, "Elixir.Process", "info", ot_list(h, 2, pid, keys));
        ot_term text = remote(h, "Elixir.Kernel", "inspect", ot_list(h, 1, pid));
        if (!ot_is_list(info) || info == OT_NIL || !ot_is_binary(text))
            continue;                                     /* it exited meanwhile */
        ot_term row = ot_build(h, "#{pid => ~t}", text);
        for (ot_term i = info; i != OT_NIL; i = ot_tl(i))
            row = ot_map_put(h, row, ot_tuple_get(ot_hd(i), 0), ot_tuple_get(ot_hd(i), 1));
        rows = ot_cons(h, row, rows);
    }
    return rows;
}

static void cell_process_list(void)
{
    ot_heap *h = ot_heap_new();
    ot_term rows = process_rows(h);
    show_text("process-count", "%zd processes on %s", ot_list_length(rows),
              ot_atom_text(tour.node, NULL));
    show_term("processes", rows);
    ot_heap_free(h);
}
/* end cell */

/* cell: process-scatter */
static void cell_process_scatter(void)
{
    ot_heap *h = ot_heap_new();
    ot_term spec = ot_vl_process_scatter(h, process_rows(h), NULL);
    show_chart("process-scatter", spec);
    ot_heap_free(h);
}
/* end cell */

/* cell: memory */
static void cell_memory(void)
{
    ot_heap *h = ot_heap_new();
    show_term("memory", ot_memory(h));                  /* :erlang.memory() */
    ot_heap_free(h);
}
/* end cell */

/* cell: memory-listen */
/* Every 200 ms: a point of :erlang.memory() in MB, pushed to the chart. */
static int sample_memory(int64_t i, void *arg)
{
    ot_livechart *chart = arg;
    ot_heap *h = ot_heap_new();
    ot_term point = ot_vl_memory_point(h, ot_memory(h), i);
    int rc = ot_livechart_push(chart, "memory", point);   /* push(plot, point, window: 1000) */
    ot_heap_free(h);
    return rc;
}

static void cell_memory_listen(void)
{
    ot_heap *h = ot_heap_new();
    ot_vl_memory_opts o = {.window = 1000};
    if (!tour.memory)   /* (with --serve, the dashboard's chart and sampler) */
        tour.memory = ot_livechart_new(ot_vl_memory_chart(h, OT_NIL, &o), 1000);
    if (!tour.serve)
        tour.memory_listener = ot_listen(200, sample_memory, tour.memory);   /* Kino.listen(200, fn) */
    show_text("memory-listen", "sampling memory every 200 ms (%s)",
              tour.serve ? "the dashboard's sampler"
              : tour.memory_listener == OT_NONE ? "the listener failed" : "listener started");
    ot_heap_free(h);
}
/* end cell */

/* cell: binary-spike */
static void cell_binary_spike(void)
{
    ot_heap *h = ot_heap_new();
    int64_t before = ot_memory_of(ot_atom("binary"));
    char *cats = malloc(3 * 10000);
    ot_term list = OT_NIL;
    for (int i = 1; i <= 10000; i++) {                 /* for i <- 1..10_000 */
        for (int k = 0; k < i; k++)
            memcpy(cats + 3 * k, "cat", 3);
        list = ot_cons(h, ot_binary(h, cats, (size_t)(3 * i)), list);   /* String.duplicate */
        if (i % 1000 == 0)
            progress("binaries", i, 10000);
    }
    int64_t during = ot_memory_of(ot_atom("binary"));
    ot_sleep(600);                                      /* let the chart see it */
    free(cats);
    ot_heap_free(h);
    show_text("binary-spike", "binary: %.1f MB before, %.1f MB with the 10,000 binaries, %.1f MB after",
              (double)before / 1e6, (double)during / 1e6,
              (double)ot_memory_of(ot_atom("binary")) / 1e6);
}
/* end cell */

/* cell: ets-spike */
static void cell_ets_spike(void)
{
    ot_heap *h = ot_heap_new();
    int64_t before = ot_memory_of(ot_atom("ets"));
    ot_term tid;
    ot_ets_new(h, ot_atom("users"), ot_build(h, "[set, public]"), &tid);   /* :ets.new */
    ot_heap *row = ot_heap_new();
    for (int64_t i = 1; i <= 1000000; i++) {              /* for i <- 1..1_000_000 */
        char name[32];
        snprintf(name, sizeof name, "User %lld", (long long)i);
        ot_ets_insert(tid, ot_build(row, "{~l, ~s}", i, name));   /* {i, "User #{i}"} */
        ot_heap_reset(row);
        if (i % 100000 == 0)
            progress("inserts", (long)i, 1000000);
    }
    int64_t during = ot_memory_of(ot_atom("ets"));
    ot_sleep(600);                                        /* let the chart see it */
    show_text("ets-spike", "ets: %.1f MB before, %.1f MB with %zd objects (%.1f MB in the table)",
              (double)before / 1e6, (double)during / 1e6, ot_ets_size(tid),
              (double)ot_ets_memory(tid) / 1e6);
    ot_ets_delete(tid);
    ot_heap_free(row);
    ot_heap_free(h);
}
/* end cell */

/* cell: memory-chart */
static void cell_memory_chart(void)
{
    ot_heap *h = ot_heap_new();
    ot_sleep(400);
    show_chart("memory-chart", ot_livechart_snapshot(tour.memory, h));
    ot_heap_free(h);
}
/* end cell */

/* ================================================================ the tour */

/* Waits for SIGINT or SIGTERM without holding a scheduler. */
static void wait_for_signal(void)
{
    for (;;) {
        if (ot_wait_fd(tour.signal_fd, OT_FD_READ, OT_INFINITY) < 0)
            return;
        struct signalfd_siginfo si;
        if (read(tour.signal_fd, &si, sizeof si) == (ssize_t)sizeof si)
            return;
    }
}

static void tour_process(void *arg)
{
    (void)arg;
    /* otter's own services, as kernel is on BEAM: the application tree
     * and started applications below show them. */
    ot_otter_start();
    /* A distributed node, as a Livebook runtime is: a unique short name,
     * the default cookie (~/.erlang.cookie). */
    char name[64];
    snprintf(name, sizeof name, "otter_tour_%d", (int)getpid());
    int nrc = ot_node_start(name, OT_NODE_SHORT, NULL);
    if (nrc != 0)
        fprintf(stderr, "otter tour: no distribution (%s): the node stays nonode@nohost\n",
                ot_strerror(nrc));
    tour.node = OT_NONE;
    if (tour.serve) {
        ot_dashboard_opts o = {.tour = true, .action = otter_demo_action};
        const char *url;
        int rc = ot_dashboard_start(&o, &url);
        if (rc != 0) {
            fprintf(stderr, "otter tour: the dashboard did not start: %s\n", ot_strerror(rc));
            tour.failures++;
            tour.serve = false;
        } else {
            printf("dashboard: %s\n", url);
            tour.memory = ot_dashboard_memory_chart();
        }
    }
    cell(S_PROCESSES, "self()", "self");
    cell_self();
    cell(S_PROCESSES, "spawn a child, send :ping, receive :pong", "ping-pong");
    cell_ping_pong();
    cell(S_PROCESSES, "Kino.Process.render_seq_trace(ping/pong)", "seq-trace-ping-pong");
    cell_seq_trace_ping_pong();

    cell(S_PROCESSES, "Kino.Process.render_seq_trace(Task.async_stream(1..4, sleep 100..300 ms))",
         "seq-trace-async-stream");
    cell_seq_trace_async_stream();

    cell(S_SUPERVISORS, "Supervisor.start_link([{Task, ...}, {Agent, ...}], strategy: :one_for_one)",
         "supervisor");
    cell_supervisor();
    cell(S_SUPERVISORS, "Kino.Process.render_sup_tree(supervisor)", "sup-tree");
    cell_sup_tree();
    cell(S_SUPERVISORS, "Kino.Process.render_app_tree(:otter)", "app-tree");
    cell_app_tree();
    cell(S_SUPERVISORS, "Application.started_applications()", "started-applications");
    cell_started_applications();

    cell(S_REMOTE, "node() and Node.get_cookie()", "node-cookie");
    cell_node_cookie();
    cell(S_REMOTE, "Node.set_cookie(node, cookie) and Node.connect(node)", "connect");
    cell_connect();
    if (tour.node != OT_NONE) {
        cell(S_REMOTE, "Node.spawn(node, fn -> IO.inspect(node()) end)", "node-spawn");
        cell_node_spawn();
        cell(S_INSPECT,
             ":erpc.call(node, Process, :list / :info, ...) and inspect(pid) for every process",
             "process-list");
        cell_process_list();
        cell(S_INSPECT, "The processes on a scatter plot", "process-scatter");
        cell_process_scatter();
    }

    cell(S_MEMORY, ":erlang.memory()", "memory");
    cell_memory();
    cell(S_MEMORY, "Kino.listen(200, fn) pushing memory to a live chart", "memory-listen");
    cell_memory_listen();
    cell(S_MEMORY, "Binary usage: String.duplicate(\"cat\", i) for 1..10,000", "binary-spike");
    cell_binary_spike();
    cell(S_MEMORY, "ETS usage: 1,000,000 inserts of {i, \"User #{i}\"}", "ets-spike");
    cell_ets_spike();
    cell(S_MEMORY, "The memory chart, live since the listener started", "memory-chart");
    cell_memory_chart();

    if (tour.memory_listener != OT_NONE)
        ot_exit_signal(tour.memory_listener, ot_atom("kill"));
    if (report_finish(tour.r, tool_web_dir("node_modules/mermaid/dist/mermaid.min.js")) != 0)
        tour.failures++;
    printf("\nreport: %s/index.html\n", report_dir(tour.r));
    if (tour.serve) {
        printf("\nThe dashboard shows this node live: %s\n(Ctrl-C stops it)\n", ot_dashboard_url());
        wait_for_signal();
        ot_dashboard_stop();
        tour.memory = NULL;   /* the dashboard's */
    }
}

static void help(FILE *f)
{
    fprintf(f,
            "usage: otter tour [--out DIR] [--quiet] [--serve] [--node NODE [--cookie C]]\n\n"
            "Runs the notebook \"Runtime introspection with Mermaid and VegaLite\" cell by cell\n"
            "on a local otter node, printing each cell's output, and writes a report:\n"
            "DIR/NN-slug.{mmd,vl.json,txt,json}, DIR/index.json and DIR/index.html (open it\n"
            "in a browser; it works offline).\n\n"
            "  --out DIR   where to write the report (default: a new folder, printed at the end)\n"
            "  --quiet     print only the report's path\n"
            "  --serve     also serve the live dashboard of the tour's node, from the\n"
            "              start, and keep it running after the tour until Ctrl-C\n"
            "  --node NODE the node the remote cells connect to and inspect, an otter or\n"
            "              Erlang/Elixir node (default: the tour's own node, as the notebook)\n"
            "  --cookie C  that node's cookie (default: ~/.erlang.cookie)\n"
            "  --help      this text\n");
}

int tour_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"serve", no_argument, NULL, 's'},
        {"node", required_argument, NULL, 'n'},
        {"cookie", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    const char *out = NULL;
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1;) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'q': tour.quiet = true; break;
        case 's': tour.serve = true; break;
        case 'n': tour.node_arg = optarg; break;
        case 'c': tour.cookie_arg = optarg; break;
        case 'h': help(stdout); return TOOL_OK;
        default:
            return tool_usage_error("tour", "unknown option or missing value: %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return tool_usage_error("tour", "unexpected argument: %s", argv[optind]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    tour.signal_fd = -1;
    if (tour.serve) {
        /* Blocked in every thread (the schedulers inherit the mask) and
         * read by the tour's process from a signalfd. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        tour.signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (tour.signal_fd < 0) {
            perror("otter tour: signalfd");
            return TOOL_FAILED;
        }
    }
    tour.r = report_open(out);
    if (!tour.r)
        return TOOL_FAILED;
    int rc = ot_run(tour_process, NULL, NULL);
    if (rc != 0) {
        fprintf(stderr, "otter tour: the tour's process failed (%d)\n", rc);
        tour.failures++;
    }
    if (tour.signal_fd >= 0)
        close(tour.signal_fd);
    report_free(tour.r);
    ot_livechart_free(tour.memory);
    if (tour.failures)
        fprintf(stderr, "otter tour: %d output(s) could not be made\n", tour.failures);
    return tour.failures ? TOOL_FAILED : TOOL_OK;
}
