/* process.c — the process table, spawning, a process's life from its first
 * instruction to its teardown, and the calls a process makes about itself
 * (self, heaps, yield, exit, hibernate). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/core_internal.h"
#include "core/ctx.h"

/* ---------------------------------------------------------------- table */

/* Slot i of the table holds the control block for pids <0.i.*>. Blocks are
 * never freed while the runtime runs (a sender may still be looking at one
 * whose process just exited); a reused block gets a new serial. */
static ot__proc **table;
static uint32_t table_size;
static uint32_t *free_ids;     /* stack of reusable ids */
static uint32_t nfree;
static uint32_t next_fresh = 1; /* id 0 is never used: <0.0.0> means "none" */
static ot__spin table_lock;

/* Control blocks come from slabs of PCB_SLAB blocks (never freed while the
 * runtime runs): one allocation per thousands of processes. */
#define PCB_SLAB 4096
typedef struct pcb_slab {
    struct pcb_slab *next;
    size_t used;
    ot__proc blocks[PCB_SLAB];
} pcb_slab;
static pcb_slab *slabs;

/* A zeroed control block; NULL if memory runs out. Caller holds table_lock. */
static ot__proc *pcb_new_locked(void)
{
    OT__ASSERT(ot__spin_held(&table_lock));
    if (!slabs || slabs->used == PCB_SLAB) {
        /* Populated at once: one call instead of a page fault per page. */
        pcb_slab *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (s == MAP_FAILED)
            return NULL;
        ot__mem_add(OT__MEM_PROCESSES, (int64_t)sizeof *s);
        s->next = slabs;
        slabs = s;
    }
    return &slabs->blocks[slabs->used++];
}

int ot__proc_table_init(uint32_t max)
{
    table_size = max;
    table = mmap(NULL, (size_t)max * sizeof *table, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    free_ids = mmap(NULL, (size_t)max * sizeof *free_ids, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (table == MAP_FAILED || free_ids == MAP_FAILED)
        return -ENOMEM;
    nfree = 0;
    next_fresh = 1;
    return 0;
}

void ot__proc_table_free(void)
{
    for (uint32_t i = 1; i < next_fresh; i++) {
        if (table[i])
            ot__fiber_tsan_destroy(table[i]->tsan_fiber);
    }
    while (slabs) {
        pcb_slab *n = slabs->next;
        ot__mem_add(OT__MEM_PROCESSES, -(int64_t)sizeof *slabs);
        munmap(slabs, sizeof *slabs);
        slabs = n;
    }
    munmap(table, (size_t)table_size * sizeof *table);
    munmap(free_ids, (size_t)table_size * sizeof *free_ids);
    table = NULL;
    free_ids = NULL;
}

/* A free control block with its id; NULL if the table is full. */
static ot__proc *proc_alloc(void)
{
    ot__spin_lock(&table_lock);
    uint32_t id;
    if (nfree)
        id = free_ids[--nfree];
    else if (next_fresh < table_size)
        id = next_fresh++;
    else
        id = 0;
    ot__proc *p = id ? table[id] : NULL;
    if (id && !p && !(p = pcb_new_locked())) {
        free_ids[nfree++] = id;
        id = 0;
    }
    ot__spin_unlock(&table_lock);
    if (!id)
        return NULL;
    /* A block is handed out again only once its last life is over. */
    OT__ASSERT(atomic_load_explicit(&p->state, memory_order_acquire) == OT__P_FREE);
    OT__ASSERT(!p->id || p->id == id);
    if (!p->id) {
        p->id = id;
        atomic_store_explicit(&p->serial, 0, memory_order_relaxed);
        atomic_store_explicit(&p->inbox, NULL, memory_order_relaxed);
        __atomic_store_n(&table[id], p, __ATOMIC_RELEASE);
    }
    return p;
}

static void proc_release_id(ot__proc *p)
{
    ot__spin_lock(&table_lock);
    OT__ASSERT(nfree < next_fresh && p->id && p->id < next_fresh);
    free_ids[nfree++] = p->id;
    ot__spin_unlock(&table_lock);
}

uint32_t ot__proc_ids_end(void)
{
    ot__spin_lock(&table_lock);
    uint32_t n = next_fresh;
    ot__spin_unlock(&table_lock);
    return n;
}

ot__proc *ot__proc_at(uint32_t id)
{
    return table && id < table_size ? __atomic_load_n(&table[id], __ATOMIC_ACQUIRE) : NULL;
}

ot__proc *ot__proc_lookup(ot_term pid)
{
    if (!ot__is_lpid(pid) || !table)
        return NULL;
    uint32_t id = ot__lpid_id(pid);
    if (id == 0 || id >= table_size)
        return NULL;
    ot__proc *p = __atomic_load_n(&table[id], __ATOMIC_ACQUIRE);
    if (!p || atomic_load_explicit(&p->serial, memory_order_acquire) != ot__lpid_serial(pid))
        return NULL;
    uint32_t st = atomic_load_explicit(&p->state, memory_order_acquire);
    return st == OT__P_FREE || st == OT__P_EXITING ? NULL : p;
}

/* ---------------------------------------------------------------- spawn */

ot_term ot__proc_keep(ot__proc *p, ot_term t)
{
    if (t == OT_NONE || (!ot__is_boxed(t) && !ot__is_cons(t)))
        return t;
    if (!p->meta_heap && !(p->meta_heap = ot_heap_new()))
        return OT_NONE;
    return ot_copy(p->meta_heap, t);
}

static ot_term spawn(ot_proc_fn fn, void *arg, const ot_spawn_opts *o, bool first,
                     ot__cleanup_fn hook)
{
    if (!fn || !ot__rt)
        return OT_NONE;
    ot__proc *parent = ot__proc_current();
    if (o && o->scheduler > ot__rt->nscheds)
        return OT_NONE;
    ot__proc *p = proc_alloc();
    if (!p)
        return OT_NONE;
    p->meta_heap = NULL; /* made on first need: most processes never need it */
    uint32_t serial = atomic_load_explicit(&p->serial, memory_order_relaxed);
    p->pid = ot__make_lpid(p->id, serial);
    p->fn = fn;
    p->arg = arg;
    p->cleanup = hook;
    p->cleanup_arg = arg;
    p->slot = NULL;
    p->saved_len = 0;
    p->home = o && o->scheduler ? &ot__rt->scheds[o->scheduler - 1] : ot__sched_pick();
    p->mq_head = NULL;
    p->mq_tail = &p->mq_head;
    OT__MQ_LEN_SET(p, 0);
    atomic_store_explicit(&p->mq_bytes, 0, memory_order_relaxed);
    atomic_store_explicit(&p->timer_seq, 0, memory_order_relaxed);
    atomic_store_explicit(&p->timed_out, false, memory_order_relaxed);
    p->hibernated = false;
    p->is_first = first;
    p->initial_call = o && o->initial_call ? o->initial_call : NULL;
    p->name = OT_NONE;
    p->label = o && o->label != OT_NONE ? ot__proc_keep(p, o->label) : OT_NONE;
    p->spawn_arg = o && o->term_arg != OT_NONE ? ot__proc_keep(p, o->term_arg) : OT_NIL;
    p->user_heap = NULL;
    p->rels = NULL;
    p->trap_exit = false;
    p->trace = 0;
    p->exit_reason = OT_NONE;
    atomic_store_explicit(&p->reductions, 0, memory_order_relaxed);
    atomic_store_explicit(&p->cpu_ns, 0, memory_order_relaxed);
    p->started_ns = ot__now_ns();
    /* p->tsan_fiber stays from an earlier life of this block, or is
     * created when the process first runs: ThreadSanitizer's fibers are
     * costly to make. */
    atomic_store_explicit(&p->inbox, NULL, memory_order_relaxed);
    atomic_fetch_add(&ot__rt->live, 1);

    /* A term argument that could not be kept (out of memory) fails the
     * spawn: the process would otherwise start with [] for it. */
    bool no_arg = o && o->term_arg != OT_NONE && p->spawn_arg == OT_NONE;
    if (no_arg || (o && o->name != OT_NONE)) {
        atomic_store_explicit(&p->state, OT__P_RUNNABLE, memory_order_release);
        int err = no_arg ? -ENOMEM : ot_register(o->name, p->pid);
        if (err) {
            /* Nothing knows the pid yet: undo quietly. */
            p->cleanup = NULL;
            atomic_store(&p->state, OT__P_FREE);
            ot_heap_free(p->meta_heap);
            p->meta_heap = NULL;
            atomic_fetch_add(&p->serial, 1);
            atomic_fetch_sub(&ot__rt->live, 1);
            proc_release_id(p);
            return OT_NONE;
        }
    }
    if (parent && o && o->link) {
        ot__rel_add_link(parent, p->pid);
        ot__rel_add_link(p, parent->pid);
    }
    if (parent && o && o->monitor) {
        ot_term ref = ot__rel_add_monitor(parent, p->pid, p);
        if (o->monitor_ref)
            *o->monitor_ref = ref == OT_NONE ? OT_NONE : ot_copy(ot_proc_heap(), ref);
    }
    if (parent && parent->trace)
        ot__trace_spawn(parent, p);
    atomic_store_explicit(&p->state, OT__P_RUNNABLE, memory_order_release);
    if (o && o->scheduler)
        ot__sched_enqueue_bound(p->home, p);
    else
        ot__sched_enqueue(p->home, p);
    if (parent)
        ot__proc_charge(parent, 10);
    return p->pid;
}

ot_term ot_spawn(ot_proc_fn fn, void *arg)
{
    return spawn(fn, arg, NULL, false, NULL);
}

ot_term ot_spawn_opt(ot_proc_fn fn, void *arg, const ot_spawn_opts *opts)
{
    return spawn(fn, arg, opts, false, NULL);
}

ot_term ot__spawn_owned(ot_proc_fn fn, void *arg, const ot_spawn_opts *o, ot__cleanup_fn hook)
{
    return spawn(fn, arg, o, false, hook);
}

ot_term ot__spawn_first(ot_proc_fn fn, void *arg)
{
    return spawn(fn, arg, NULL, true, NULL);
}

ot_term ot_spawn_arg(void)
{
    ot__proc *p = ot__proc_current();
    return p ? p->spawn_arg : OT_NONE;
}

/* ---------------------------------------------------------------- life */

/* The first frame of every process (and of every restart after
 * hibernation), on its execution stack. */
void ot__proc_entry(void *arg)
{
    ot__proc *p = arg;
    ot__fiber_after_switch(NULL);
    ot__proc_handle_signals(p);
    while (p->hibernated) {
        if (OT__MQ_LEN(p)) {
            p->hibernated = false;
            break;
        }
        ot__proc_switch_out(p, OT__WANT_HIBERNATE);
        __builtin_unreachable();
    }
    p->fn(p->arg);
    ot__proc_exit_now(p, OT_ATOM(NORMAL));
}

_Noreturn void ot__proc_exit_now(ot__proc *p, ot_term reason)
{
    ot_term r = ot__proc_keep(p, reason);
    p->exit_reason = r == OT_NONE ? OT_ATOM(ERROR) : r;
    ot__proc_switch_out(p, OT__WANT_EXIT);
    OT__ASSERT(!"a process that exited was switched back in");
    abort();
}

_Noreturn void ot_exit(ot_term reason)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        abort(); /* ot_exit outside a process: a programming error */
    ot__proc_exit_now(p, reason);
}

_Noreturn void ot_raise(ot_term reason)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        abort();
    ot_heap *h = ot_proc_heap();
    ot_term r = h ? ot_tuple(h, 2, reason, OT_NIL) : OT_NONE;
    ot__proc_exit_now(p, r == OT_NONE ? reason : r);
}

_Noreturn void ot_hibernate(ot_proc_fn fn, void *arg)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        abort();
    p->fn = fn;
    p->arg = arg;
    p->hibernated = true;
    if (p->user_heap) {
        ot_heap_free(p->user_heap);
        p->user_heap = NULL;
    }
    ot__proc_switch_out(p, OT__WANT_HIBERNATE);
    abort();
}

void ot__proc_crashed(ot__sched *s, ot__proc *p, ot_term reason)
{
    ot_term r = ot__proc_keep(p, reason);
    p->exit_reason = r == OT_NONE ? OT_ATOM(ERROR) : r;
    /* Its frames may be garbage: never copy them again. */
    if (p->slot && p->slot->resident == p)
        p->slot->resident = NULL;
    p->slot = NULL;
    ot__proc_teardown(s, p);
}

/* ---------------------------------------------------------------- exit hook */

static _Atomic(ot__exit_hook_fn) exit_hook;

void ot__set_exit_hook(ot__exit_hook_fn fn)
{
    atomic_store_explicit(&exit_hook, fn, memory_order_release);
}

bool ot__proc_want_exit_hook(ot_term pid)
{
    if (!ot__is_lpid(pid) || !table)
        return false;
    uint32_t id = ot__lpid_id(pid);
    if (id == 0 || id >= table_size)
        return false;
    ot__proc *p = __atomic_load_n(&table[id], __ATOMIC_ACQUIRE);
    if (!p)
        return false;
    /* Flag first, then look (both seq_cst); teardown stores EXITING, then
     * takes the flag: either we see it exiting, or it sees the flag. A
     * flag left on a reused block only costs its next owner a call. */
    atomic_store_explicit(&p->wants_exit_hook, true, memory_order_seq_cst);
    uint32_t st = atomic_load_explicit(&p->state, memory_order_seq_cst);
    return st != OT__P_FREE && st != OT__P_EXITING &&
           atomic_load_explicit(&p->serial, memory_order_seq_cst) == ot__lpid_serial(pid);
}

void ot__proc_teardown(ot__sched *s, ot__proc *p)
{
    (void)s;
    /* Teardown runs on p's scheduler, once p has left its stack for good. */
    OT__ASSERT(s == ot__tl_sched && s->current == NULL);
    OT__ASSERT(atomic_load_explicit(&p->state, memory_order_relaxed) == OT__P_RUNNING);
    atomic_store_explicit(&p->state, OT__P_EXITING, memory_order_seq_cst);
    ot_term reason = p->exit_reason;
    /* Close the inbox, then answer what was still in it. */
    ot__sig *rest = atomic_exchange_explicit(&p->inbox, OT__INBOX_CLOSED, memory_order_acq_rel);
    ot__signals_take(p, rest, ot__rels_handle_signal);
    /* The name goes first, as on BEAM: whoever gets the exit or DOWN
     * signal may register it again at once (a supervisor restarting a
     * named child does). */
    ot__registry_forget(p);
    /* The exit hook (ETS: p's tables are deleted or go to their heirs)
     * runs before links and monitors fire, as BEAM orders it. */
    if (atomic_exchange_explicit(&p->wants_exit_hook, false, memory_order_seq_cst)) {
        ot__exit_hook_fn hook = atomic_load_explicit(&exit_hook, memory_order_acquire);
        if (hook)
            hook(p->pid);
    }
    ot__rels_on_exit(p, reason);
    ot__mailbox_free(p);
    ot__proc_drop_stack(p);
    if (p->cleanup) {
        /* What a behaviour's process owns (ot__spawn_owned): freed now,
         * whatever ended it. */
        ot__cleanup_fn hook = p->cleanup;
        p->cleanup = NULL;
        hook(p->cleanup_arg, p->pid, reason);
    }
    int status = reason == OT_ATOM(NORMAL) ? 0 : 1;
    bool first = p->is_first;
    ot_heap_free(p->user_heap);
    p->user_heap = NULL;
    ot_heap_free(p->meta_heap);
    p->meta_heap = NULL;
    /* New serial first, then wait for senders that may still hold the
     * old one, then the id may be reused. */
    atomic_fetch_add_explicit(&p->serial, 1, memory_order_seq_cst);
    while (atomic_load_explicit(&p->pins, memory_order_seq_cst))
        ot__cpu_relax();
    atomic_store_explicit(&p->inbox, NULL, memory_order_relaxed);
    atomic_store_explicit(&p->state, OT__P_FREE, memory_order_release);
    proc_release_id(p);
    if (first)
        ot__first_exited(status);
    if (atomic_fetch_sub(&ot__rt->live, 1) == 1 && atomic_load(&ot__rt->stopping))
        ot__runtime_last_exit();
}

void ot__kill_all(void)
{
    for (uint32_t i = 1; i < next_fresh; i++) {
        ot__proc *p = __atomic_load_n(&table[i], __ATOMIC_ACQUIRE);
        if (!p)
            continue;
        uint32_t st = atomic_load(&p->state);
        if (st == OT__P_FREE || st == OT__P_EXITING)
            continue;
        ot_term pid = ot__make_lpid(i, atomic_load(&p->serial));
        ot__send_signal(pid, OT__SIG_EXIT, OT_ATOM(UNDEFINED), OT_NONE, OT_ATOM(KILL));
    }
}

/* ---------------------------------------------------------------- self */

ot_term ot_self(void)
{
    ot__proc *p = ot__proc_current();
    return p ? p->pid : OT_NONE;
}

void ot__proc_set_cleanup(ot__cleanup_fn hook, void *arg)
{
    ot__proc *p = ot__proc_current();
    if (p) {
        p->cleanup = hook;
        p->cleanup_arg = arg;
    }
}

ot_heap *ot_proc_heap(void)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        return NULL;
    if (!p->user_heap) {
        p->user_heap = ot_heap_new();
        if (p->user_heap)
            ot__heap_count_as(p->user_heap, OT__MEM_PROCESSES);
    }
    return p->user_heap;
}

void ot__proc_charge(ot__proc *p, int64_t n)
{
    ot__counter_add(&p->reductions, (uint64_t)n);
    p->reds_left -= n;
    if (p->reds_left <= 0)
        ot__proc_switch_out(p, OT__WANT_YIELD);
}

void ot_yield(void)
{
    ot__proc *p = ot__proc_current();
    if (p)
        ot__proc_switch_out(p, OT__WANT_YIELD);
}

bool ot_is_alive(ot_term pid)
{
    return ot__proc_lookup(pid) != NULL;
}

void ot_set_label(ot_term label)
{
    ot__proc *p = ot__proc_current();
    if (p)
        p->label = ot__proc_keep(p, label);
}

bool ot_trap_exit(bool on)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        return false;
    bool old = p->trap_exit;
    p->trap_exit = on;
    return old;
}

size_t ot__live_processes(void)
{
    return ot__rt ? atomic_load(&ot__rt->live) : 0;
}

size_t ot__pcb_unused_bytes(void)
{
    ot__spin_lock(&table_lock);
    size_t blocks = 0;
    for (pcb_slab *sl = slabs; sl; sl = sl->next)
        blocks += PCB_SLAB;
    ot__spin_unlock(&table_lock);
    size_t live = ot__live_processes();
    return blocks > live ? (blocks - live) * sizeof(ot__proc) : 0;
}
