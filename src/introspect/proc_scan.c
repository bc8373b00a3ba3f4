/* proc_scan.c — a walk over every process that reads each one's counters
 * in place, without building terms: the dashboard's processes view, with a
 * million processes, then costs one pass over the process table. Its values
 * are the ones ot_process_info gives (tests/unit/test_web.c compares
 * them process by process). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/core_internal.h"
#include "introspect/introspect_internal.h"

/* "prog:symbol/1" for a C function, as ot_process_info's initial_call
 * names it. */
static void fn_text(ot_proc_fn fn, char *out, size_t cap)
{
    char mod[128], fun[160];
    ot__fn_name(fn, mod, sizeof mod, fun, sizeof fun);
    char whole[sizeof mod + sizeof fun + 3];
    snprintf(whole, sizeof whole, "%s:%s/1", mod, fun);
    size_t n = strlen(whole);
    if (n >= cap)
        n = cap - 1; /* cut as snprintf into out would */
    memcpy(out, whole, n);
    out[n] = 0;
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

static const char *status_text(uint32_t st)
{
    switch (st) {
    case OT__P_RUNNING: return "running";
    case OT__P_RUNNABLE: return "runnable";
    case OT__P_WAITING: return "waiting";
    default: return "exiting";
    }
}

int ot__proc_scan(int (*fn)(const ot__proc_row *row, void *arg), void *arg)
{
    if (!ot__rt)
        return -ENOTSUP;
    fn_cache *cache = ot__calloc(1, sizeof *cache);
    if (!cache)
        return -ENOMEM;
    char scratch[112];
    int rc = 0;
    uint32_t end = ot__proc_ids_end();
    for (uint32_t id = 1; id < end && rc == 0; id++) {
        ot__proc_row r;
        ot__proc *p = ot__proc_live_at(id, &r.pid);
        if (!p)
            continue;
        r.name = p->name;
        r.label = p->label;
        const char *ic = p->initial_call;
        size_t ml, fl;
        int arity;
        if (!ic || !ot__mfa_split(ic, &ml, &fl, &arity))
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
        r.status = status_text(atomic_load_explicit(&p->state, memory_order_acquire));
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

int64_t ot__uptime_ms(void)
{
    /* The first process (ot_run's, id 1) lives as long as the runtime. */
    ot__proc *first = ot__rt ? ot__proc_at(1) : NULL;
    if (first && atomic_load_explicit(&first->state, memory_order_acquire) != OT__P_FREE)
        return (ot__now_ns() - first->started_ns) / 1000000;
    return 0;
}
