/* mailbox.c — signals between processes: where messages are queued, how
 * they are sent and received, and how a process takes in the signals that
 * others pushed on its inbox.
 *
 * Senders push on a lock-free stack (the inbox). Only the receiving
 * process drains it, reversing the batch so that the signals of each
 * sender keep their order, and moves messages to its private mailbox list,
 * which selective receive scans. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/core_internal.h"

/* ---------------------------------------------------------------- signals */

/* Signal blocks of up to 512 bytes are kept in small per-scheduler caches
 * by size class: a message is usually freed on the thread that allocates
 * the next one, and the cache saves malloc and free on every message. */
#define SIG_CLASSES 4
static const size_t sig_class_bytes[SIG_CLASSES] = {64, 128, 256, 512};
/* Blocks kept per class: a time slice can send about 4,000 small messages
 * that the receiver then frees in one go. At most 1 MiB per thread. */
static const unsigned sig_cache_max[SIG_CLASSES] = {4096, 4096, 512, 256};

typedef struct sig_cache {
    void *head[SIG_CLASSES];
    unsigned n[SIG_CLASSES];
} sig_cache;

static _Thread_local sig_cache tl_cache;

/* Messages mostly flow one way between two threads: a sender's cache runs
 * dry while its receiver's overflows. A full cache hands half its blocks
 * to a depot shared by all threads, and an empty one takes a batch back,
 * one lock per batch, instead of a malloc on one thread and a free on the
 * other for every message. */
#define DEPOT_BATCHES 64
static struct {
    pthread_mutex_t lock;
    void *batch[DEPOT_BATCHES];     /* lists of blocks, linked by first word */
    unsigned size[DEPOT_BATCHES];
    _Atomic unsigned n;             /* changed under lock; read unlocked as a hint */
} depot[SIG_CLASSES] = {
    [0 ... SIG_CLASSES - 1] = {.lock = PTHREAD_MUTEX_INITIALIZER},
};

/* Moves half of this thread's class c blocks to the depot; false if the
 * depot is full. */
static bool depot_give(sig_cache *sc, int c)
{
    unsigned half = sc->n[c] / 2;
    /* Look before walking the list: with the depot full, every free of a
     * long mailbox would otherwise walk half a cache in vain. */
    if (half == 0 || atomic_load_explicit(&depot[c].n, memory_order_relaxed) >= DEPOT_BATCHES)
        return false;
    void *first = sc->head[c], *last = first;
    for (unsigned i = 1; i < half; i++)
        last = *(void **)last;
    /* Cut the batch off before publishing it: once in the depot, another
     * thread may take it and walk it to its end at once. */
    void *rest = *(void **)last;
    *(void **)last = NULL;
    pthread_mutex_lock(&depot[c].lock);
    unsigned n = atomic_load_explicit(&depot[c].n, memory_order_relaxed);
    bool ok = n < DEPOT_BATCHES;
    if (ok) {
        depot[c].batch[n] = first;
        depot[c].size[n] = half;
        atomic_store_explicit(&depot[c].n, n + 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&depot[c].lock);
    if (ok) {
        sc->head[c] = rest;
        sc->n[c] -= half;
    } else {
        *(void **)last = rest;
    }
    return ok;
}

/* Fills this thread's empty class c list with a batch from the depot. */
static bool depot_take(sig_cache *sc, int c)
{
    pthread_mutex_lock(&depot[c].lock);
    unsigned n = atomic_load_explicit(&depot[c].n, memory_order_relaxed);
    bool ok = n > 0;
    if (ok) {
        atomic_store_explicit(&depot[c].n, n - 1, memory_order_relaxed);
        sc->head[c] = depot[c].batch[n - 1];
        sc->n[c] = depot[c].size[n - 1];
    }
    pthread_mutex_unlock(&depot[c].lock);
    return ok;
}

/* ot__sig_depot_free: frees every block in the depot (the runtime has
 * stopped). */
void ot__sig_depot_free(void)
{
    for (int c = 0; c < SIG_CLASSES; c++) {
        pthread_mutex_lock(&depot[c].lock);
        for (unsigned i = 0; i < atomic_load(&depot[c].n); i++) {
            for (void *b = depot[c].batch[i]; b;) {
                void *next = *(void **)b;
                ot__free(b);
                b = next;
            }
        }
        atomic_store(&depot[c].n, 0);
        pthread_mutex_unlock(&depot[c].lock);
    }
}

static int sig_class(size_t bytes)
{
    for (int c = 0; c < SIG_CLASSES; c++)
        if (bytes <= sig_class_bytes[c])
            return c;
    return -1;
}

static void *sig_alloc(size_t bytes)
{
    int c = sig_class(bytes);
    if (c < 0)
        return ot__malloc(bytes);
    sig_cache *sc = &tl_cache;
    void *b = sc->head[c];
    if (!b && ot__sched_current() && atomic_load_explicit(&depot[c].n, memory_order_relaxed) &&
        depot_take(sc, c))
        b = sc->head[c];
    if (b) {
        sc->head[c] = *(void **)b;
        sc->n[c]--;
        return b;
    }
    return ot__malloc(sig_class_bytes[c]);
}

static void sig_release(void *b, size_t bytes)
{
    int c = sig_class(bytes);
    sig_cache *sc = &tl_cache;
    if (c < 0 || !ot__sched_current() ||
        (sc->n[c] >= sig_cache_max[c] && !depot_give(sc, c))) {
        ot__free(b);
        return;
    }
    *(void **)b = sc->head[c];
    sc->head[c] = b;
    sc->n[c]++;
}

/* The same caches serve other small blocks of the runtime that come and
 * go as often as messages (the monitor entries of every gen:call). */
void *ot__small_alloc(size_t bytes)
{
    return sig_alloc(bytes);
}

void ot__small_free(void *b, size_t bytes)
{
    sig_release(b, bytes);
}

void ot__sig_cache_flush(void)
{
    sig_cache *sc = &tl_cache;
    for (int c = 0; c < SIG_CLASSES; c++) {
        while (sc->head[c]) {
            void *b = sc->head[c];
            sc->head[c] = *(void **)b;
            ot__free(b);
        }
        sc->n[c] = 0;
    }
}

static inline size_t term_words(ot_term t)
{
    if (t == OT_NONE || (!ot__is_boxed(t) && !ot__is_cons(t)))
        return 0;
    return ot__copy_words(t);
}

ot__sig *ot__sig_new(uint32_t kind, ot_term from, ot_term ref, ot_term term)
{
    size_t wr = term_words(ref);
    size_t wt = term_words(term);
    size_t wf = term_words(from);   /* a pid of another node is boxed */
    if (wr == SIZE_MAX || wt == SIZE_MAX || wf == SIZE_MAX)
        return NULL;
    size_t bytes = sizeof(ot__sig) + (wr + wt + wf) * sizeof(uint64_t);
    ot__sig *s = sig_alloc(bytes);
    if (!s)
        return NULL;
    s->next = NULL;
    s->kind = (uint16_t)kind;
    s->trace = 0;
    s->from = from;
    s->nwords = (uint32_t)(wr + wt + wf);
    if (s->nwords == 0) { /* immediates only (atoms, small integers, local pids) */
        s->ref = ref;
        s->term = term;
        s->offheap = NULL;
        ot__mem_add(OT__MEM_PROCESSES, (int64_t)bytes);
        return s;
    }
    ot_heap h;
    ot__heap_init_fixed(&h, s->words, wr + wt + wf);
    s->ref = ref == OT_NONE ? OT_NONE : ot_copy(&h, ref);
    s->term = term == OT_NONE ? OT_NONE : ot_copy(&h, term);
    if (wf)
        s->from = ot_copy(&h, from);
    s->offheap = h.offheap;
    if ((ref != OT_NONE && s->ref == OT_NONE) || (term != OT_NONE && s->term == OT_NONE) ||
        (wf && s->from == OT_NONE)) {
        ot__heap_release_fixed(&h);
        sig_release(s, bytes);
        return NULL;
    }
    ot__mem_add(OT__MEM_PROCESSES, (int64_t)bytes);
    return s;
}

void ot__sig_free(ot__sig *s)
{
    if (!s)
        return;
    size_t bytes = OT__SIG_BYTES(s);
    ot__mem_add(OT__MEM_PROCESSES, -(int64_t)bytes);
    if (s->offheap)
        ot__offheap_release(s->offheap);
    sig_release(s, bytes);
}

bool ot__deliver(ot_term pid, ot__sig *s)
{
    if (!ot__is_lpid(pid))
        return false;
    ot__proc *p = ot__proc_lookup(pid);
    if (!p)
        return false;
    /* No lock and no pin: if p exits and its block is reused between the
     * lookup and the push, the signal lands in the new process's inbox,
     * which drops it (or answers it as a dead process would): see
     * to_serial in ot__proc_handle_signals. */
    s->to_serial = ot__lpid_serial(pid);
    ot__sig *old = atomic_load_explicit(&p->inbox, memory_order_relaxed);
    do {
        if (old == OT__INBOX_CLOSED)
            return false;
        s->next = old;
    } while (!atomic_compare_exchange_weak_explicit(&p->inbox, &old, s, memory_order_seq_cst,
                                                    memory_order_relaxed));
    if (atomic_load_explicit(&p->state, memory_order_seq_cst) == OT__P_WAITING)
        ot__wake(p);
    return true;
}

/* A signal meant for an earlier process of the same control block: drop
 * it, answering a link or monitor request as a dead process does. */
static void stale_signal(ot__proc *p, ot__sig *s)
{
    ot_term was = ot__make_lpid(p->id, s->to_serial);
    if (s->kind == OT__SIG_LINK)
        ot__send_signal(s->from, OT__SIG_EXIT_LINKED, was, OT_NONE, OT_ATOM(NOPROC));
    else if (s->kind == OT__SIG_MONITOR)
        ot__send_signal(s->from, OT__SIG_DOWN, was, s->ref, OT_ATOM(NOPROC));
    ot__sig_free(s);
}

void ot__signals_take(ot__proc *p, ot__sig *batch, bool (*each)(ot__proc *, ot__sig *))
{
    ot__sig *fifo = NULL;
    while (batch && batch != OT__INBOX_CLOSED) {
        ot__sig *n = batch->next;
        batch->next = fifo;
        fifo = batch;
        batch = n;
    }
    uint32_t serial = atomic_load_explicit(&p->serial, memory_order_relaxed);
    while (fifo) {
        ot__sig *n = fifo->next;
        OT__ASSERT(fifo->kind >= OT__SIG_MSG && fifo->kind <= OT__SIG_DOWN);
        if (fifo->to_serial != serial)
            stale_signal(p, fifo);
        else if (!each(p, fifo))
            ot__sig_free(fifo);
        fifo = n;
    }
}

bool ot__send_signal(ot_term to, uint32_t kind, ot_term from, ot_term ref, ot_term term)
{
    return ot__send_signal_traced(to, kind, from, ref, term, 0);
}

bool ot__send_signal_traced(ot_term to, uint32_t kind, ot_term from, ot_term ref, ot_term term,
                            uint16_t trace)
{
    if (!ot__is_lpid(to) && ot__is_remote(to))
        return ot__remote_signal(kind, from, to, ref, term); /* another node */
    ot__sig *s = ot__sig_new(kind, from, ref, term);
    if (!s)
        return false;
    s->trace = trace;
    if (!ot__deliver(to, s)) {
        ot__sig_free(s);
        return false;
    }
    return true;
}

bool ot__proc_inbox_nonempty(ot__proc *p)
{
    ot__sig *h = atomic_load_explicit(&p->inbox, memory_order_seq_cst);
    return h != NULL && h != OT__INBOX_CLOSED;
}

void ot__mq_append(ot__proc *p, ot__sig *s)
{
    /* The mailbox holds messages only; its tail is always its last link. */
    OT__ASSERT(s->kind == OT__SIG_MSG && *p->mq_tail == NULL);
    s->next = NULL;
    *p->mq_tail = s;
    p->mq_tail = &s->next;
    OT__MQ_LEN_SET(p, OT__MQ_LEN(p) + 1);
    OT__MQ_BYTES_ADD(p, OT__SIG_BYTES(s));
}

void ot__mailbox_free(ot__proc *p)
{
    ot__sig *s = p->mq_head;
    while (s) {
        ot__sig *n = s->next;
        ot__sig_free(s);
        s = n;
    }
    p->mq_head = NULL;
    p->mq_tail = &p->mq_head;
    OT__MQ_LEN_SET(p, 0);
    atomic_store_explicit(&p->mq_bytes, 0, memory_order_relaxed);
}

/* ---------------------------------------------------------------- intake */

/* Takes one signal in: messages to the mailbox, others acted on. Returns
 * true if it kept the signal. */
static bool take_one(ot__proc *p, ot__sig *s)
{
    if (s->kind == OT__SIG_MSG) {
        ot__mq_append(p, s);
        return true;
    }
    return ot__rels_handle_signal(p, s);
}

bool ot__proc_handle_signals(ot__proc *p)
{
    OT__ASSERT(p == ot__proc_current()); /* only a process drains its own inbox */
    if (!atomic_load_explicit(&p->inbox, memory_order_relaxed))
        return false;
    ot__sig *batch = atomic_exchange_explicit(&p->inbox, NULL, memory_order_acquire);
    size_t before = OT__MQ_LEN(p);
    ot__signals_take(p, batch, take_one);
    /* An exit signal that ends p was noted by the handler. */
    if (p->exit_reason != OT_NONE)
        ot__proc_exit_now(p, p->exit_reason);
    return OT__MQ_LEN(p) != before;
}

/* ---------------------------------------------------------------- send */

int ot_send(ot_term to, ot_term msg)
{
    if (msg == OT_NONE)
        return -EINVAL;
    ot_term pid = to;
    if (ot__is_lpid(to)) {
        /* the common case: a pid of this node */
    } else if (ot__is_atom(to)) {
        pid = ot_whereis(to);
        if (pid == OT_NONE)
            return -ENOENT;
    } else if (ot__is_remote(to)) {
        /* another node's pid, or {name, node}: the distribution layer's */
        ot__proc *me = ot__proc_current();
        if (!ot__remote_available())
            return -ENOTSUP;
        ot__remote_signal(OT__SIG_MSG, me ? me->pid : OT_NONE, to, OT_NONE, msg);
        if (me)
            ot__proc_charge(me, 1);
        return 0;
    } else if (ot_is_tuple(to) && ot_tuple_arity(to) == 2 && ot__is_atom(ot_tuple_get(to, 0))) {
        pid = ot_whereis(ot_tuple_get(to, 0)); /* {name, node()} */
        if (pid == OT_NONE)
            return -ENOENT;
    } else {
        return -EINVAL;
    }
    ot__proc *self = ot__proc_current();
    ot__sig *s = ot__sig_new(OT__SIG_MSG, self ? self->pid : OT_NONE, OT_NONE, msg);
    if (!s)
        return -ENOMEM;
    if (self && self->trace)
        ot__trace_send(self, pid, msg, s);
    if (!ot__deliver(pid, s))
        ot__sig_free(s); /* a dead process: dropped, as in Erlang */
    if (self)
        ot__proc_charge(self, 1);
    return 0;
}

/* ---------------------------------------------------------------- receive */

/* The receive loop behind ot_receive and ot_receive_if: takes the oldest
 * message that `accept` accepts (NULL accepts anything). */
static ot_msg *receive_where(bool (*accept)(ot_term msg, void *ctx), void *ctx,
                             int64_t timeout_ms)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        return NULL;
    ot__sig **pos = &p->mq_head;
    bool armed = false;
    int64_t deadline = 0;
    if (timeout_ms > 0)
        deadline = ot__now_ns() + timeout_ms * 1000000;
    for (;;) {
        ot__proc_handle_signals(p);
        int64_t scanned = 0;
        for (ot__sig *s; (s = *pos) != NULL; pos = &s->next) {
            scanned++;
            if (!accept || accept(s->term, ctx)) {
                OT__ASSERT(OT__MQ_LEN(p) > 0 && s->kind == OT__SIG_MSG);
                *pos = s->next;
                if (p->mq_tail == &s->next)
                    p->mq_tail = pos;
                OT__MQ_LEN_SET(p, OT__MQ_LEN(p) - 1);
                OT__MQ_BYTES_ADD(p, -OT__SIG_BYTES(s));
                s->next = NULL;
                if (s->trace != p->trace)
                    ot__trace_hold(p, s->trace);   /* seq_trace: the token comes with the message */
                if (armed)
                    atomic_fetch_add_explicit(&p->timer_seq, 1, memory_order_release);
                ot__counter_add(&p->reductions, (uint64_t)scanned);
                p->reds_left -= scanned;
                return (ot_msg *)s;
            }
        }
        ot__counter_add(&p->reductions, (uint64_t)scanned + 1);
        if (timeout_ms == 0)
            return NULL;
        if (armed && atomic_load_explicit(&p->timed_out, memory_order_acquire)) {
            atomic_fetch_add_explicit(&p->timer_seq, 1, memory_order_release);
            atomic_store_explicit(&p->timed_out, false, memory_order_relaxed);
            return NULL;
        }
        if (timeout_ms > 0 && !armed) {
            /* Armed on the first pass, so the deadline is still ahead but
             * for the time the scan took; if that passed it, the timer
             * fires at the scheduler's next look. */
            atomic_store_explicit(&p->timed_out, false, memory_order_relaxed);
            atomic_fetch_add_explicit(&p->timer_seq, 1, memory_order_release);
            if (ot__timer_wait(p->home, p, deadline) != 0)
                return NULL;
            armed = true;
        }
        atomic_store_explicit(&p->where, OT__IN_RECEIVE, memory_order_relaxed);
        ot__proc_wait(p);
        atomic_store_explicit(&p->where, OT__IN_CODE, memory_order_relaxed);
    }
}

struct match_ctx {
    ot_term pattern;
    ot_term *binds;
};

static bool accept_match(ot_term msg, void *ctx)
{
    struct match_ctx *c = ctx;
    return ot_match(c->pattern, msg, c->binds);
}

ot_msg *ot_receive(ot_term pattern, int64_t timeout_ms, ot_term *binds)
{
    if (pattern == OT_NONE)
        return receive_where(NULL, NULL, timeout_ms);
    struct match_ctx c = {pattern, binds};
    return receive_where(accept_match, &c, timeout_ms);
}

ot_msg *ot_receive_if(bool (*accept)(ot_term msg, void *ctx), void *ctx, int64_t timeout_ms)
{
    return receive_where(accept, ctx, timeout_ms);
}

ot_term ot_msg_term(const ot_msg *m)
{
    return m ? m->sig.term : OT_NONE;
}

void ot_msg_free(ot_msg *m)
{
    if (m)
        ot__sig_free(&m->sig);
}

size_t ot_flush(void)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        return 0;
    ot__proc_handle_signals(p);
    size_t n = OT__MQ_LEN(p);
    ot__mailbox_free(p);
    return n;
}

size_t ot_message_queue_len(void)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        return 0;
    ot__proc_handle_signals(p);
    return OT__MQ_LEN(p);
}
