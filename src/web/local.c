/* local.c — the running node as a data source for the dashboard, and a
 * helper that runs a question inside a process.
 *
 * Most answers are the public introspection functions (ot_processes,
 * ot_process_info, ot_memory). The processes view also has a fast walk
 * (scan): introspect's ot__proc_scan (introspect/proc_scan.c), which reads
 * each process's counters in place, without building terms.
 *
 * Applications, supervisors and ETS come from their modules when this
 * build has them (their headers are present); until then those questions
 * answer -ENOTSUP and their views say "not available". */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "introspect/introspect_internal.h"
#include "otter/introspect.h"
#include "otter/node.h"
#include "web/web_internal.h"

#include "otter/application.h"
#include "otter/ets.h"
#include "otter/supervisor.h"

/* ---------------------------------------------------------------- in a process */

typedef struct job {
    int (*fn)(ot_heap *h, void *arg, ot_term *out);
    void *arg;
    ot_heap *caller_heap;
    ot_term out;
    int rc;
    bool done, abandoned;
    pthread_mutex_t m;
    pthread_cond_t cv;
    _Atomic int refs;
} job;

static void job_unref(job *j)
{
    if (atomic_fetch_sub(&j->refs, 1) == 1) {
        pthread_mutex_destroy(&j->m);
        pthread_cond_destroy(&j->cv);
        ot__free(j);
    }
}

static void job_body(void *arg)
{
    job *j = arg;
    ot_heap *h = ot_heap_new();
    ot_term out = OT_NONE;
    int rc = h ? j->fn(h, j->arg, &out) : -ENOMEM;
    pthread_mutex_lock(&j->m);
    if (!j->abandoned) {
        /* The caller waits (its heap is not in use): copy the answer in. */
        j->out = rc == 0 && out != OT_NONE ? ot_copy(j->caller_heap, out) : OT_NONE;
        if (rc == 0 && out != OT_NONE && j->out == OT_NONE)
            rc = -ENOMEM;
        j->rc = rc;
    }
    j->done = true;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->m);
    ot_heap_free(h);
    job_unref(j);
}

/* ot__web_in_process: runs fn(h', arg, &out) in a new process (for calls that
 * need one, such as supervisor:which_children) and waits up to timeout_ms
 * for it; the answer is copied onto h. Callable from any thread with a
 * running runtime. Returns fn's result, -ETIMEDOUT (the process is left to
 * finish on its own; its answer is dropped), -ENOMEM, -EAGAIN. */
int ot__web_in_process(int (*fn)(ot_heap *h, void *arg, ot_term *out), void *arg, ot_heap *h,
                  ot_term *out, int64_t timeout_ms)
{
    job *j = ot__calloc(1, sizeof *j);
    if (!j)
        return -ENOMEM;
    j->fn = fn;
    j->arg = arg;
    j->caller_heap = h;
    pthread_mutex_init(&j->m, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_store(&j->refs, 2);
    ot_spawn_opts o = {.initial_call = "otter_dashboard:query/1"};
    if (ot_spawn_opt(job_body, j, &o) == OT_NONE) {
        atomic_store(&j->refs, 1);
        job_unref(j);
        return -EAGAIN;
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&j->m);
    while (!j->done)
        if (pthread_cond_timedwait(&j->cv, &j->m, &until) == ETIMEDOUT)
            break;
    int rc;
    if (j->done) {
        rc = j->rc;
        *out = j->out;
    } else {
        j->abandoned = true;
        rc = -ETIMEDOUT;
    }
    pthread_mutex_unlock(&j->m);
    job_unref(j);
    return rc;
}

/* ---------------------------------------------------------------- the source */

/* node(): nonode@nohost until the node is started (otter/node.h). */
static ot_term local_node_name(void *ctx)
{
    (void)ctx;
    return ot_node();
}

static int local_system_info(void *ctx, ot_heap *h, ot_term *out)
{
    (void)ctx;
    int64_t uptime = ot__uptime_ms();
    ot_term ls = ot_long_schedules(h);
    ssize_t nls = ls == OT_NONE ? 0 : ot_list_length(ls);
    *out = ot_build(h, "#{uptime_ms => ~l, schedulers => ~l, process_count => ~l, atom_count => ~l, "
                       "long_schedules => ~l, version => ~s}",
                    uptime, (int64_t)ot_schedulers(), (int64_t)ot_process_count(),
                    (int64_t)ot_atom_count(), (int64_t)(nls < 0 ? 0 : nls), "otter 0.1.0");
    return *out == OT_NONE ? -ENOMEM : 0;
}

static int local_processes(void *ctx, ot_heap *h, ot_term *out)
{
    (void)ctx;
    *out = ot_processes(h);
    return *out == OT_NONE ? -ENOMEM : 0;
}

static int local_process_info(void *ctx, ot_heap *h, ot_term pid, ot_term keys, ot_term *out)
{
    (void)ctx;
    if (!ot_is_pid(pid))
        return -EINVAL;
    *out = ot_process_info(h, pid, keys);
    return *out == OT_NONE ? -EINVAL : 0;
}

/* The in-place walk's row, printed into the dashboard's. */
struct scan_arg {
    ot_dashboard_scan_fn fn;
    void *arg;
};

static int scan_row(const ot__proc_row *row, void *arg)
{
    struct scan_arg *sa = arg;
    char label[160];
    ot_print_opts po = {.syntax = OT_SYNTAX_ELIXIR, .limit = 10};
    ot_dashboard_proc r;
    r.pid = row->pid;
    r.name = row->name;
    r.label = NULL;
    if (row->label != OT_NONE && ot_print(label, sizeof label, row->label, &po) >= 0)
        r.label = label;
    r.initial_call = row->initial_call;
    r.current_function = row->current_function;
    r.status = row->status;
    r.reductions = row->reductions;
    r.memory = row->memory;
    r.message_queue_len = row->message_queue_len;
    r.cpu_time_us = row->cpu_time_us;
    return sa->fn(&r, sa->arg);
}

static int local_scan(void *ctx, ot_dashboard_scan_fn fn, void *arg)
{
    (void)ctx;
    struct scan_arg sa = {fn, arg};
    return ot__proc_scan(scan_row, &sa);
}

static int local_memory(void *ctx, ot_heap *h, ot_term *out)
{
    (void)ctx;
    *out = ot_memory(h);
    return *out == OT_NONE ? -ENOMEM : 0;
}

static int local_kill(void *ctx, ot_term pid)
{
    (void)ctx;
    if (!ot_is_pid(pid))
        return -EINVAL;
    if (!ot_is_alive(pid))
        return -ESRCH;
    return ot_exit_signal(pid, OT_ATOM(KILL));
}

static int apps_in_process(ot_heap *h, void *arg, ot_term *out)
{
    (void)arg;
    *out = ot_application_which_applications(h);
    return *out == OT_NONE ? -ENOMEM : 0;
}

static int local_which_applications(void *ctx, ot_heap *h, ot_term *out)
{
    (void)ctx;
    return ot__web_in_process(apps_in_process, NULL, h, out, 5000);
}

static int root_in_process(ot_heap *h, void *arg, ot_term *out)
{
    ot_term app = *(ot_term *)arg, master, child;
    int rc = ot_application_get_master(app, &master);
    if (rc)
        return rc == -ENOENT ? -ESRCH : rc;
    rc = ot_application_get_child(h, master, &child);
    if (rc)
        return rc;
    *out = ot_tuple(h, 2, master, ot_tuple_get(child, 0));
    return *out == OT_NONE ? -ENOMEM : 0;
}

static int local_application_root(void *ctx, ot_heap *h, ot_term app, ot_term *out)
{
    (void)ctx;
    if (!ot_is_atom(app))
        return -EINVAL;
    return ot__web_in_process(root_in_process, &app, h, out, 5000);
}

static int children_in_process(ot_heap *h, void *arg, ot_term *out)
{
    ot_term sup = *(ot_term *)arg;
    if (!ot_is_supervisor(sup))
        return -ENOTSUP;
    return ot_supervisor_which_children(h, sup, out);
}

static int local_which_children(void *ctx, ot_heap *h, ot_term sup, ot_term *out)
{
    (void)ctx;
    if (!ot_is_pid(sup))
        return -EINVAL;
    return ot__web_in_process(children_in_process, &sup, h, out, 5000);
}

static int local_ets_tables(void *ctx, ot_heap *h, ot_term *out)
{
    (void)ctx;
    ot_term all;
    int rc = ot_ets_all(h, &all);
    if (rc)
        return rc;
    ot_term list = OT_NIL;
    for (; ot_is_list(all) && all != OT_NIL; all = ot_tl(all)) {
        ot_term tab = ot_hd(all), info;
        if (ot_ets_info(h, tab, &info) || !ot_is_list(info))
            continue; /* deleted meanwhile */
        ot_term m = ot_build(h, "#{id => ~t}", tab);
        for (ot_term l = info; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
            ot_term kv = ot_hd(l);
            if (ot_is_tuple(kv) && ot_tuple_arity(kv) == 2)
                m = ot_map_put(h, m, ot_tuple_get(kv, 0), ot_tuple_get(kv, 1));
        }
        ssize_t bytes = ot_ets_memory(tab);
        if (bytes >= 0)
            m = ot_map_put(h, m, OT_ATOM(MEMORY), ot_int(h, bytes));
        list = ot_cons(h, m, list);
    }
    *out = list;
    return list == OT_NONE ? -ENOMEM : 0;
}

static const ot_dashboard_source LOCAL = {
    .kind = "local",
    .ctx = NULL,
    .node_name = local_node_name,
    .system_info = local_system_info,
    .processes = local_processes,
    .process_info = local_process_info,
    .scan = local_scan,
    .memory = local_memory,
    .kill = local_kill,
    .which_applications = local_which_applications,
    .application_root = local_application_root,
    .which_children = local_which_children,
    .ets_tables = local_ets_tables,
};

const ot_dashboard_source *ot_dashboard_local_source(void)
{
    return &LOCAL;
}
