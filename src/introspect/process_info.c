/* process_info.c — erlang:processes/0, erlang:process_info/2, the process
 * count and the long-schedule events for the running node. Every value is
 * read without stopping the process: counters are single-writer atomics,
 * relations are copied under the process's relation lock, the rest is
 * written once at spawn. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_internal.h"
#include "introspect/introspect_internal.h"
#include "otter/introspect.h"

ot_term ot_processes(ot_heap *h)
{
    if (!h || !ot__rt)
        return OT_NONE;
    ot_term list = OT_NIL;
    for (uint32_t id = ot__proc_ids_end(); id-- > 1;) {
        ot_term pid;
        if (!ot__proc_live_at(id, &pid))
            continue;
        list = ot_cons(h, pid, list);
        if (list == OT_NONE)
            return OT_NONE;
    }
    return list;
}

/* ---------------------------------------------------------------- naming C functions */

bool ot__mfa_split(const char *text, size_t *mod_len, size_t *fun_len, int *arity)
{
    const char *colon = strchr(text, ':');
    const char *slash = strrchr(text, '/');
    if (!colon || !slash || slash < colon)
        return false;
    char *end;
    long a = strtol(slash + 1, &end, 10);
    if (*end || end == slash + 1 || a < 0 || a > 255)
        return false;
    *mod_len = (size_t)(colon - text);
    *fun_len = (size_t)(slash - colon - 1);
    *arity = (int)a;
    return true;
}

/* "mod:fun/arity" -> {mod, fun, arity}; OT_NONE if it is not that shape. */
static ot_term mfa_from_text(ot_heap *h, const char *text)
{
    size_t ml, fl;
    int arity;
    if (!ot__mfa_split(text, &ml, &fl, &arity))
        return OT_NONE;
    ot_term m = ot_atom_len(text, ml);
    ot_term f = ot_atom_len(text + ml + 1, fl);
    return ot_tuple(h, 3, m, f, ot_int(h, arity));
}

void ot__fn_name(ot_proc_fn fn, char *mod, size_t mod_cap, char *fun, size_t fun_cap)
{
    Dl_info info;
    memset(&info, 0, sizeof info);
    void *addr = (void *)(uintptr_t)fn;
    dladdr(addr, &info);
    snprintf(mod, mod_cap, "c");
    if (info.dli_fname && *info.dli_fname) {
        const char *base = strrchr(info.dli_fname, '/');
        base = base ? base + 1 : info.dli_fname;
        snprintf(mod, mod_cap, "%s", base);
        char *dot = strchr(mod, '.');
        if (dot && dot != mod)
            *dot = 0;
    }
    if (info.dli_sname && info.dli_saddr == addr)
        snprintf(fun, fun_cap, "%s", info.dli_sname);
    else
        snprintf(fun, fun_cap, "fun_%lx", (unsigned long)((uintptr_t)addr - (uintptr_t)info.dli_fbase));
}

/* {program, symbol, 1} for a C function, by its dynamic symbol when it has
 * one (static functions have none: then its address). */
static ot_term mfa_from_fn(ot_heap *h, ot_proc_fn fn)
{
    char mod[128], fun[160];
    ot__fn_name(fn, mod, sizeof mod, fun, sizeof fun);
    return ot_tuple(h, 3, ot_atom(mod), ot_atom(fun), ot_int(h, 1));
}

static ot_term initial_call(ot_heap *h, ot__proc *p)
{
    if (p->initial_call) {
        ot_term t = mfa_from_text(h, p->initial_call);
        if (t != OT_NONE)
            return t;
    }
    return mfa_from_fn(h, p->fn);
}

/* ---------------------------------------------------------------- keys */

static ot_term pid_list(ot_heap *h, ot__proc *p, int kind, bool as_process_tuple)
{
    return ot__rels_list(h, p, kind, as_process_tuple ? OT_ATOM(PROCESS) : OT_NONE);
}

static ot_term memory_of(ot__proc *p)
{
    return ot_uint(NULL, ot__proc_memory(p));
}

static ot_term status_of(ot__proc *p)
{
    switch (atomic_load_explicit(&p->state, memory_order_acquire)) {
    case OT__P_RUNNING: return OT_ATOM(RUNNING);
    case OT__P_RUNNABLE: return OT_ATOM(RUNNABLE);
    case OT__P_WAITING: return OT_ATOM(WAITING);
    default: return OT_ATOM(EXITING);
    }
}

/* The value of one key, or OT_NONE for an unknown key. */
static ot_term value_of(ot_heap *h, ot__proc *p, ot_term key)
{
    if (key == OT_ATOM(REGISTERED_NAME)) {
        ot_term name = p->name;
        return name == OT_NONE ? OT_NIL : name;
    }
    if (key == OT_ATOM(STATUS))
        return status_of(p);
    if (key == OT_ATOM(REDUCTIONS))
        return ot_uint(h, atomic_load_explicit(&p->reductions, memory_order_relaxed));
    if (key == OT_ATOM(MEMORY))
        return memory_of(p);
    if (key == OT_ATOM(MESSAGE_QUEUE_LEN)) {
        size_t n = OT__MQ_LEN(p);
        /* Signals pushed but not yet taken in count too. */
        ot__sig *s = atomic_load_explicit(&p->inbox, memory_order_acquire);
        return ot_uint(h, n + (s && s != OT__INBOX_CLOSED ? 1 : 0));
    }
    if (key == OT_ATOM(LINKS))
        return pid_list(h, p, 1, false);
    if (key == OT_ATOM(MONITORS))
        return pid_list(h, p, 2, true);
    if (key == OT_ATOM(MONITORED_BY))
        return pid_list(h, p, 3, false);
    if (key == OT_ATOM(TRAP_EXIT))
        return p->trap_exit ? OT_ATOM(TRUE) : OT_ATOM(FALSE);
    if (key == OT_ATOM(LABEL))
        return p->label == OT_NONE ? OT_ATOM(UNDEFINED) : ot_copy(h, p->label);
    if (key == OT_ATOM(INITIAL_CALL))
        return initial_call(h, p);
    if (key == OT_ATOM(CURRENT_FUNCTION)) {
        if (p->hibernated)
            return ot_build(h, "{erlang, hibernate, 3}");
        switch (atomic_load_explicit(&p->where, memory_order_relaxed)) {
        case OT__IN_RECEIVE: return ot_build(h, "{otter, 'receive', 3}");
        case OT__IN_SLEEP: return ot_build(h, "{otter, sleep, 1}");
        default: return initial_call(h, p);
        }
    }
    if (key == OT__ATOM(CPU_TIME))
        return ot_uint(h, atomic_load_explicit(&p->cpu_ns, memory_order_relaxed) / 1000);
    return OT_NONE;
}

ot_term ot_process_info(ot_heap *h, ot_term pid, ot_term what)
{
    if (!h || !ot_is_pid(pid))
        return OT_NONE;
    ot__proc *p = ot__proc_lookup(pid);
    if (!p)
        return OT_ATOM(UNDEFINED);
    if (ot__is_atom(what)) {
        ot_term v = value_of(h, p, what);
        if (v == OT_NONE)
            return OT_NONE;
        if (what == OT_ATOM(REGISTERED_NAME) && v == OT_NIL)
            return OT_NIL;
        return ot_tuple(h, 2, what, v);
    }
    ssize_t n = ot_list_length(what);
    if (n < 0)
        return OT_NONE;
    ot_term items[64];
    ot_term *vals = n <= 64 ? items : ot__malloc((size_t)n * sizeof *vals);
    if (!vals)
        return OT_NONE;
    ot_term rest = what;
    ot_term result = OT_NIL;
    for (ssize_t i = 0; i < n; i++, rest = ot_tl(rest)) {
        ot_term key = ot_hd(rest);
        ot_term v = ot__is_atom(key) ? value_of(h, p, key) : OT_NONE;
        vals[i] = v == OT_NONE ? OT_NONE : ot_tuple(h, 2, key, v);
        if (vals[i] == OT_NONE) {
            result = OT_NONE;
            break;
        }
    }
    if (result != OT_NONE)
        result = ot_listv(h, (size_t)n, vals);
    if (vals != items)
        ot__free(vals);
    return result;
}

ot_term ot_long_schedules(ot_heap *h)
{
    if (!h)
        return OT_NONE;
    ot__long_sched ev[OT__LONG_SCHED_KEPT];
    size_t n = ot__long_sched_copy(ev, OT__LONG_SCHED_KEPT);
    ot_term list = OT_NIL;
    for (size_t i = n; i-- > 0;) {
        ot_term m = ot_build(h, "#{pid => ~t, at_ms => ~l, duration_us => ~l, ongoing => ~a}", ev[i].pid,
                             (int64_t)(ev[i].at_ns / 1000000), (int64_t)(ev[i].duration_ns / 1000),
                             ev[i].ongoing ? "true" : "false");
        list = ot_cons(h, m, list);
    }
    return list;
}

size_t ot_process_count(void)
{
    return ot__live_processes();
}
