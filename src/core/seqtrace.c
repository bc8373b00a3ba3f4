/* seqtrace.c — sequential trace tokens and the sessions that record what
 * their holders do (Kino.Process.seq_trace's data, without a tracer
 * process): sends, spawns, and exit signals along links and monitors.
 *
 * A session lives in a small table; a token is its index, carried in a
 * spare field of every signal and of the process, so tracing costs
 * untraced processes nothing but a test for zero. Holders record under
 * the session's lock; events are terms on the session's heap, built when
 * they happen (the message copied then, names and labels looked up then),
 * so a trace stays readable after its processes are gone. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/core_internal.h"

#define MAX_SESSIONS 256

typedef struct participant {
    ot_term pid;
    ot_term name;      /* atom or OT_NONE */
    ot_term label;     /* on the session heap, or OT_NONE */
} participant;

typedef struct session {
    pthread_mutex_t lock;
    _Atomic bool open;
    _Atomic int holders;        /* processes holding the token */
    ot_heap *heap;
    int64_t t0;
    ot_term *events;            /* newest last */
    size_t n, cap, max;
    uint64_t dropped;
    participant *parts;
    size_t nparts, partcap;
} session;

static session *_Atomic sessions[MAX_SESSIONS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static void session_free(session *s)
{
    ot_heap_free(s->heap);
    ot__free(s->events);
    ot__free(s->parts);
    pthread_mutex_destroy(&s->lock);
    ot__free(s);
}

uint16_t ot__trace_begin(size_t max_events)
{
    session *s = ot__calloc(1, sizeof *s);
    if (!s || !(s->heap = ot_heap_new())) {
        ot__free(s);
        return 0;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->max = max_events ? max_events : 10000;
    s->t0 = ot__now_ns();
    atomic_store(&s->open, true);
    pthread_mutex_lock(&table_lock);
    /* Round robin, so that a token still travelling in a message of a
     * finished session is unlikely to find its index taken again. */
    static unsigned next = 1;
    uint16_t idx = 0;
    for (unsigned k = 0; k < MAX_SESSIONS - 1; k++) {
        unsigned i = 1 + (next - 1 + k) % (MAX_SESSIONS - 1);
        if (!atomic_load(&sessions[i])) {
            idx = (uint16_t)i;
            atomic_store(&sessions[i], s);
            next = i + 1;
            break;
        }
    }
    pthread_mutex_unlock(&table_lock);
    if (!idx)
        session_free(s);
    return idx;
}

/* The open session of token t, or NULL. */
static session *open_session(uint16_t t)
{
    session *s = t ? atomic_load_explicit(&sessions[t], memory_order_acquire) : NULL;
    return s && atomic_load_explicit(&s->open, memory_order_acquire) ? s : NULL;
}

/* Releases one holder of t; the last one of a closed session frees it. */
static void release(uint16_t t)
{
    if (!t)
        return;
    pthread_mutex_lock(&table_lock);
    session *s = atomic_load(&sessions[t]);
    if (s && atomic_fetch_sub(&s->holders, 1) == 1 && !atomic_load(&s->open)) {
        atomic_store(&sessions[t], NULL);
        session_free(s);
    }
    pthread_mutex_unlock(&table_lock);
}

void ot__trace_hold(ot__proc *p, uint16_t t)
{
    if (p->trace == t)
        return;
    if (t) {
        /* under the table lock, so that the session cannot go meanwhile */
        pthread_mutex_lock(&table_lock);
        session *s = open_session(t);
        if (s)
            atomic_fetch_add(&s->holders, 1);
        else
            t = 0;   /* a closed session's token is not passed on */
        pthread_mutex_unlock(&table_lock);
        if (p->trace == t)
            return;
    }
    uint16_t old = p->trace;
    p->trace = t;
    release(old);
}

/* Remembers how pid was known when it first appeared. Session lock held. */
static void note_participant(session *s, ot_term pid)
{
    OT__ASSERT(ot__mutex_held(&s->lock));
    for (size_t i = 0; i < s->nparts; i++)
        if (s->parts[i].pid == pid)
            return;
    if (s->nparts == s->partcap) {
        size_t cap = s->partcap ? 2 * s->partcap : 16;
        participant *np = ot__realloc(s->parts, cap * sizeof *np);
        if (!np)
            return;
        s->parts = np;
        s->partcap = cap;
    }
    participant *pt = &s->parts[s->nparts++];
    pt->pid = pid;
    pt->name = OT_NONE;
    pt->label = OT_NONE;
    ot__proc *p = ot__is_lpid(pid) ? ot__proc_lookup(pid) : NULL;
    if (p) {
        /* name and label change only in the process itself; a stale read
         * gives the previous value, which is as good a name */
        pt->name = p->name;
        if (p->label != OT_NONE)
            pt->label = ot_copy(s->heap, p->label);
    }
}

/* Appends an event %{type:, time:, from:, to:, <what>: term}: what is msg
 * for sends, reason for exits; to == OT_NONE leaves `to` out. */
static void record(uint16_t t, ot_term type, ot_term from, ot_term to, ot_term what_key,
                   ot_term what)
{
    session *s = open_session(t);
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    /* read under the lock: the order of events is the order of times */
    int64_t now = ot__now_ns();
    if (!atomic_load(&s->open))
        goto out;
    if (s->n >= s->max) {
        s->dropped++;
        goto out;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        ot_term *ne = ot__realloc(s->events, cap * sizeof *ne);
        if (!ne) {
            s->dropped++;
            goto out;
        }
        s->events = ne;
        s->cap = cap;
    }
    note_participant(s, from);
    if (to != OT_NONE)
        note_participant(s, to);
    ot_heap *h = s->heap;
    ot_term keys[5] = {OT__ATOM(TYPE), OT__ATOM(TIME), OT__ATOM(FROM), what_key, OT__ATOM(TO)};
    ot_term vals[5] = {type, ot_int(h, now - s->t0), from,
                       what == OT_NONE ? OT_ATOM(NIL) : ot_copy(h, what), to};
    ot_term ev = OT_NONE;
    if (vals[1] != OT_NONE && vals[3] != OT_NONE)
        ev = ot_map(h, to == OT_NONE ? 4 : 5, keys, vals);
    if (ev == OT_NONE)
        s->dropped++;
    else
        s->events[s->n++] = ev;
out:
    pthread_mutex_unlock(&s->lock);
}

void ot__trace_send(ot__proc *p, ot_term to_pid, ot_term msg, ot__sig *sig)
{
    if (!open_session(p->trace)) {
        ot__trace_hold(p, 0);
        return;
    }
    sig->trace = p->trace;
    if (to_pid != p->pid)       /* as Kino: a process's messages to itself are not drawn */
        record(p->trace, OT__ATOM(SEND), p->pid, to_pid, OT__ATOM(MSG), msg);
}

void ot__trace_spawn(ot__proc *parent, ot__proc *child)
{
    if (!open_session(parent->trace))
        return;
    ot__trace_hold(child, parent->trace);
    record(parent->trace, OT__ATOM(SPAWN), parent->pid, child->pid, OT__ATOM(MSG), OT_NONE);
}

void ot__trace_exit_signal(ot__proc *p, ot_term to, bool down, ot_term reason)
{
    record(p->trace, down ? OT__ATOM(DOWN_LC) : OT__ATOM(EXIT_LC), p->pid, to, OT__ATOM(REASON), reason);
}

ot_term ot__trace_end(uint16_t t, ot_heap *h)
{
    if (!t || t >= MAX_SESSIONS)
        return OT_NONE;
    /* Hold the session while reading it: once it is closed, the last of
     * its other holders (a process exiting on another scheduler) would
     * free it. */
    pthread_mutex_lock(&table_lock);
    session *s = atomic_load(&sessions[t]);
    if (s)
        atomic_fetch_add(&s->holders, 1);
    pthread_mutex_unlock(&table_lock);
    if (!s)
        return OT_NONE;
    pthread_mutex_lock(&s->lock);
    atomic_store(&s->open, false);
    pthread_mutex_unlock(&s->lock);

    /* Nothing records any more: build the result. */
    ot_term events = OT_NIL;
    for (size_t i = s->n; i-- > 0;)
        events = ot_cons(h, ot_copy(h, s->events[i]), events);
    ot_term *pk = ot__malloc((s->nparts + 1) * sizeof *pk);
    ot_term *pv = ot__malloc((s->nparts + 1) * sizeof *pv);
    ot_term parts = OT_NONE;
    if (pk && pv) {
        for (size_t i = 0; i < s->nparts; i++) {
            ot_term k[2] = {OT__ATOM(NAME), OT_ATOM(LABEL)};
            ot_term v[2] = {s->parts[i].name == OT_NONE ? OT_ATOM(NIL) : s->parts[i].name,
                            s->parts[i].label == OT_NONE ? OT_ATOM(NIL) : ot_copy(h, s->parts[i].label)};
            pk[i] = s->parts[i].pid;
            pv[i] = ot_map(h, 2, k, v);
        }
        parts = ot_map(h, s->nparts, pk, pv);
    }
    ot__free(pk);
    ot__free(pv);
    ot_term keys[3] = {OT__ATOM(EVENTS), OT_ATOM(PROCESSES), OT__ATOM(DROPPED)};
    ot_term vals[3] = {events, parts, ot_uint(h, s->dropped)};
    ot_term out = events == OT_NONE || parts == OT_NONE ? OT_NONE : ot_map(h, 3, keys, vals);

    /* The session goes when its last holder lets go of the token (this
     * one, if the others have). */
    release(t);
    return out;
}
