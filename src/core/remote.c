/* remote.c — where signals for processes of other nodes leave the core.
 *
 * The core knows pids of other nodes only as terms. A message, link,
 * unlink, exit signal, monitor, demonitor or DOWN meant for one of them (or
 * for a name on another node, {name, node}) is handed to the hook table
 * that the distribution layer (src/distribution) installs when the node starts.
 * The core calls nothing in src/distribution directly, so it builds and runs
 * without it; with no hooks installed, remote destinations are simply
 * unreachable. */
#include "core/core_internal.h"

static const ot__remote_hooks *_Atomic hooks;

void ot__remote_hooks_set(const ot__remote_hooks *h)
{
    atomic_store_explicit(&hooks, h, memory_order_release);
}

bool ot__is_remote(ot_term to)
{
    if (ot__is_lpid(to))
        return false;
    if (ot_is_pid(to))
        return true; /* a boxed pid: another node, or an old life of this one */
    if (ot_is_tuple(to) && ot_tuple_arity(to) == 2) {
        ot_term name = ot_tuple_get(to, 0), node = ot_tuple_get(to, 1);
        return ot__is_atom(name) && ot__is_atom(node) && node != ot__local_node();
    }
    return false;
}

bool ot__remote_signal(uint32_t kind, ot_term from, ot_term to, ot_term ref, ot_term term)
{
    const ot__remote_hooks *h = atomic_load_explicit(&hooks, memory_order_acquire);
    if (!h || !h->signal)
        return false;
    return h->signal(kind, from, to, ref, term);
}

bool ot__remote_available(void)
{
    const ot__remote_hooks *h = atomic_load_explicit(&hooks, memory_order_acquire);
    return h && h->signal;
}

void ot__remote_runtime_stopped(void)
{
    const ot__remote_hooks *h = atomic_load_explicit(&hooks, memory_order_acquire);
    if (h && h->runtime_stopped)
        h->runtime_stopped();
}
