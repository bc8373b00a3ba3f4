/* local.c — the running node as a data source for the dashboard, and a
 * helper that runs a question inside a process.
 *
 * Most answers are the public introspection functions (ot_processes,
 * ot_process_info, ot_memory). The processes view also has a fast walk
 * (scan) that reads each process's counters in place, without building
 * terms: with a million processes the view's sort and top-N then cost one
 * pass over the process table. Its values are the ones ot_process_info
 * gives (tests/unit/test_web_source.c compares them process by process).
 *
 * Applications, supervisors and ETS come from their modules when this
 * build has them (their headers are present); until then those questions
 * answer -ENOTSUP and their views say "not available". */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "core/core_internal.h"
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

/* ow_in_process: runs fn(h', arg, &out) in a new process (for calls that
 * need one, such as supervisor:which_children) and waits up to timeout_ms
 * for it; the answer is copied onto h. Callable from any thread with a
 * running runtime. Returns fn's result, -ETIMEDOUT (the process is left to
 * finish on its own; its answer is dropped), -ENOMEM, -EAGAIN. */
int ow_in_process(int (*fn)(ot_heap *h, void *arg, ot_term *out), void *arg, ot_heap *h,
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

/* ---------------------------------------------------------------- naming */

/* "prog:symbol/1" for a C function, as ot_process_info's initial_call
 * names it (by its dynamic symbol, else its offset in the object). */
static void fn_text(ot_proc_fn fn, char *out, size_t cap)
{
    Dl_info info;
    memset(&info, 0, sizeof info);
    void *addr = (void *)(uintptr_t)fn;
    dladdr(addr, &info);
    char mod[128] = "c";
    if (info.dli_fname && *info.dli_fname) {
        const char *base = strrchr(info.dli_fname, '/');
        base = base ? base + 1 : info.dli_fname;
        snprintf(mod, sizeof mod, "%s", base);
        char *dot = strchr(mod, '.');
        if (dot && dot != mod)
            *dot = 0;
    }
    if (info.dli_sname && info.dli_saddr == addr)
        snprintf(out, cap, "%s:%s/1", mod, info.dli_sname);
    else
        snprintf(out, cap, "%s:fun_%lx/1", mod, (unsigned long)((uintptr_t)addr - (uintptr_t)info.dli_fbase));
}

/* Is s shaped "mod:fun/arity"? (ot_process_info uses such a spawn option
 * as it is, and falls back to the C function otherwise.) */
static bool mfa_text(const char *s)
{
    const char *colon = strchr(s, ':');
    const char *slash = strrchr(s, '/');
    if (!colon || !slash || slash < colon)
        return false;
    char *end;
    long a = strtol(slash + 1, &end, 10);
    return !*end && end != slash + 1 && a >= 0 && a <= 255;
}

/* A small cache of function names for one walk (dladdr is slow). */
#define FN_CACHE 256
typedef struct fn_cache {
    ot_proc_fn fn[FN_CACHE];
    char text[FN_CACHE][112];
} fn_cache;

static const char *fn_cached(fn_cache *c, ot_proc_fn fn, char *scratch, size_t cap)
{
    size_t i = ((uintptr_t)fn >> 4) % FN_CACHE;
    for (size_t k = 0; k < 8; k++, i = (i + 1) % FN_CACHE) {
        if (c->fn[i] == fn)
            return c->text[i];
        if (!c->fn[i]) {
            c->fn[i] = fn;
            fn_text(fn, c->text[i], sizeof c->text[i]);
            return c->text[i];
        }
    }
    fn_text(fn, scratch, cap);
    return scratch;
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
    int64_t uptime = 0;
    /* The first process (ot_run's, id 1) lives as long as the runtime. */
    ot__proc *first = ot__rt ? ot__proc_at(1) : NULL;
    if (first && atomic_load_explicit(&first->state, memory_order_acquire) != OT__P_FREE)
        uptime = (ot__now_ns() - first->started_ns) / 1000000;
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

static const char *status_text(uint32_t st)
{
    switch (st) {
    case OT__P_RUNNING: return "running";
    case OT__P_RUNNABLE: return "runnable";
    case OT__P_WAITING: return "waiting";
    default: return "exiting";
    }
}


static int local_scan(void *ctx, ot_dash_scan_fn fn, void *arg)
{
    (void)ctx;
    if (!ot__rt)
        return -ENOTSUP;
    fn_cache *cache = ot__calloc(1, sizeof *cache);
    if (!cache)
        return -ENOMEM;
    char label[160], scratch[112];
    ot_print_opts po = {.syntax = OT_SYNTAX_ELIXIR, .limit = 10};
    int rc = 0;
    uint32_t end = ot__proc_ids_end();
    for (uint32_t id = 1; id < end && rc == 0; id++) {
        ot__proc *p = ot__proc_at(id);
        if (!p)
            continue;
        uint32_t st = atomic_load_explicit(&p->state, memory_order_acquire);
        if (st == OT__P_FREE || st == OT__P_EXITING)
            continue;
        ot_dash_proc r;
        r.pid = ot__make_lpid(id, atomic_load_explicit(&p->serial, memory_order_acquire));
        r.name = p->name;
        ot_term lab = p->label;
        r.label = NULL;
        if (lab != OT_NONE && ot_print(label, sizeof label, lab, &po) >= 0)
            r.label = label;
        const char *ic = p->initial_call;
        if (!ic || !mfa_text(ic))
            ic = fn_cached(cache, p->fn, scratch, sizeof scratch);
        r.initial_call = ic;
        if (p->hibernated)
            r.current_function = "erlang:hibernate/3";
        else {
            switch (atomic_load_explicit(&p->where, memory_order_relaxed)) {
            case OT__IN_RECEIVE: r.current_function = "otter:receive/3"; break;
            case OT__IN_SLEEP: r.current_function = "otter:sleep/1"; break;
            default: r.current_function = ic;
            }
        }
        r.status = status_text(st);
        r.reductions = atomic_load_explicit(&p->reductions, memory_order_relaxed);
        r.memory = ot__proc_memory(p);
        ot__sig *s = atomic_load_explicit(&p->inbox, memory_order_acquire);
        r.message_queue_len = OT__MQ_LEN(p) + (s && s != OT__INBOX_CLOSED ? 1 : 0);
        r.cpu_time_us = atomic_load_explicit(&p->cpu_ns, memory_order_relaxed) / 1000;
        rc = fn(&r, arg);
    }
    ot__free(cache);
    return rc < 0 ? rc : 0;
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
    return ow_in_process(apps_in_process, NULL, h, out, 5000);
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
    return ow_in_process(root_in_process, &app, h, out, 5000);
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
    return ow_in_process(children_in_process, &sup, h, out, 5000);
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

static const ot_dash_source LOCAL = {
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

const ot_dash_source *ot_dash_local_source(void)
{
    return &LOCAL;
}
