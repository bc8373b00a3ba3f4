/* seq_trace.c — the public face of sequential traces (otter/trace.h); the
 * tokens and the recording live in the core (src/core/seqtrace.c), where
 * messages are sent and received. */
#include <errno.h>

#include "core/core_internal.h"
#include "otter/trace.h"

int ot_seq_trace_begin(const ot_seq_trace_opts *opts)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        return -EPERM;
    uint16_t t = ot__trace_begin(opts ? opts->max_events : 0);
    if (!t)
        return -EAGAIN;
    ot__trace_hold(p, t);
    return t;
}

ot_term ot_seq_trace_end(ot_heap *h, int id)
{
    ot__proc *p = ot__proc_current();
    if (!h || id <= 0 || id > UINT16_MAX)
        return OT_NONE;
    if (p && p->trace == (uint16_t)id)
        ot__trace_hold(p, 0);
    ot_term rec = ot__trace_end((uint16_t)id, h);
    if (rec == OT_NONE || !p)
        return rec;
    return ot_map_put(h, rec, OT__ATOM(SELF), p->pid);
}

ot_term ot_seq_trace(ot_heap *h, ot_proc_fn fn, void *arg, const ot_seq_trace_opts *opts)
{
    ot__proc *p = ot__proc_current();
    if (!p || !h || !fn)
        return OT_NONE;
    uint16_t before = p->trace;
    int id = ot_seq_trace_begin(opts);
    if (id < 0)
        return OT_NONE;
    fn(arg);
    ot_term rec = ot_seq_trace_end(h, id);
    ot__trace_hold(p, before);
    return rec;
}
