/* core_internal.h — the runtime's shared structures: processes, signals,
 * schedulers, execution stacks and timers. Only src/core/ and the layers
 * above that need process internals (introspection) include it.
 *
 * The shape, in one paragraph: each scheduler thread owns a run queue, a
 * timer heap and a few execution stacks ("slots"). A process runs on one of
 * its scheduler's slots; when another process needs that slot, the frames
 * of the resident process are copied out to a buffer of exactly their size
 * and copied back when it runs again (a copy stack). A process that waits
 * therefore costs its control block plus the bytes its frames really use,
 * and a hibernated process (ot_hibernate) holds no frames at all. Every
 * interaction between processes is a signal pushed on the receiver's
 * inbox (messages, links, monitors, exits), handled by the receiver in
 * order: that gives Erlang's per-pair ordering without locks on the
 * receiver's state. The bookkeeping that must happen after a process has
 * left its stack (waiting, exiting) is done by the scheduler on its own
 * stack, so no other thread can run a process that is still switching out.
 */
#ifndef OTTER_CORE_INTERNAL_H
#define OTTER_CORE_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/alloc.h"
#include "otter/process.h"
#include "term/term_internal.h"

typedef struct ot__proc ot__proc;
typedef struct ot__sched ot__sched;
/* A process's cleanup: what ot__spawn_owned runs once its process is gone
 * (not the exit hook of ot__set_exit_hook, which runs before links fire). */
typedef void (*ot__cleanup_fn)(void *arg, ot_term pid, ot_term reason);

/* ---------------------------------------------------------------- spinlock */

static inline void ot__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* locked: 0 when free; the holder's thread id in debug builds (1 in
 * release), so that ot__spin_held can tell who holds it. */
typedef struct ot__spin {
    _Atomic int locked;
} ot__spin;

static inline void ot__spin_lock(ot__spin *s)
{
    int token = OT__LOCK_TOKEN();
    OT__ASSERT(atomic_load_explicit(&s->locked, memory_order_relaxed) != token); /* not recursive */
    for (;;) {
#ifdef NDEBUG
        if (!atomic_exchange_explicit(&s->locked, token, memory_order_acquire))
            return;
#else
        /* A compare-and-swap: a contender must not overwrite the holder's id. */
        int free_ = 0;
        if (atomic_compare_exchange_weak_explicit(&s->locked, &free_, token, memory_order_acquire,
                                                  memory_order_relaxed)) {
            OT__LOCK_NOTE(1);
            return;
        }
#endif
        while (atomic_load_explicit(&s->locked, memory_order_relaxed))
            ot__cpu_relax();
    }
}

static inline void ot__spin_unlock(ot__spin *s)
{
    OT__ASSERT(atomic_load_explicit(&s->locked, memory_order_relaxed) == OT__LOCK_TOKEN());
    OT__LOCK_NOTE(-1);
    atomic_store_explicit(&s->locked, 0, memory_order_release);
}

/* ot__spin_held: does this thread hold s? Meaningful in debug builds
 * only, where OT__ASSERT uses it. */
static inline bool ot__spin_held(ot__spin *s)
{
    return atomic_load_explicit(&s->locked, memory_order_relaxed) == OT__LOCK_TOKEN();
}

/* Counters with one writer (the process or its scheduler) and lock-free
 * readers (introspection): a plain load and store, never a locked add. */
static inline void ot__counter_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

/* The mailbox length: changed by its process only, read by anyone. */
#define OT__MQ_LEN(p) atomic_load_explicit(&(p)->mq_len, memory_order_relaxed)
#define OT__MQ_LEN_SET(p, v) atomic_store_explicit(&(p)->mq_len, (v), memory_order_relaxed)
#define OT__MQ_BYTES_ADD(p, d) \
    atomic_store_explicit(&(p)->mq_bytes, atomic_load_explicit(&(p)->mq_bytes, memory_order_relaxed) + (d), \
                          memory_order_relaxed)
#define OT__SIG_BYTES(s) (sizeof(ot__sig) + (s)->nwords * sizeof(uint64_t))

/* ---------------------------------------------------------------- signals */

enum ot__sig_kind {
    OT__SIG_MSG = 1,     /* an ordinary message: term */
    OT__SIG_EXIT,        /* exit signal from exit/2: from, term = reason */
    OT__SIG_EXIT_LINKED, /* exit signal through a link: from, term = reason */
    OT__SIG_LINK,        /* from wants a link */
    OT__SIG_UNLINK,      /* from drops its link */
    OT__SIG_MONITOR,     /* from monitors us: ref */
    OT__SIG_DEMONITOR,   /* from drops its monitor: ref */
    OT__SIG_DOWN,        /* a monitored process died: from, ref, term = reason */
};

/* A signal and (for messages and exits) the term it carries, in one
 * allocation: the term lives in `heap`, a fixed heap over `words`. A
 * received message (ot_msg) is the same object. */
typedef struct ot__sig {
    struct ot__sig *next;
    uint16_t kind;
    uint16_t trace;         /* sequential trace token it carries (0: none) */
    uint32_t to_serial;     /* serial of the receiver it was sent to */
    ot_term from;           /* sender pid (immediate) or OT_NONE */
    ot_term ref;            /* monitor reference (in heap) or OT_NONE */
    ot_term term;           /* message or reason (in words) */
    struct ot__refcbin *offheap; /* shared binaries the copies hold */
    uint32_t nwords;        /* size of words */
    uint64_t words[];       /* copies of ref and term */
} ot__sig;

struct ot_msg {
    ot__sig sig;
};

/* ot__sig_new: a signal of kind whose heap can hold copies of the given
 * terms (OT_NONE for absent ones); the copies are made. NULL on failure. */
ot__sig *ot__sig_new(uint32_t kind, ot_term from, ot_term ref, ot_term term);
void ot__sig_free(ot__sig *s);
/* ot__small_alloc / ot__small_free: a block of `bytes` from this thread's
 * cache of signal-sized blocks (malloc above 512 bytes); free it with the
 * same size, on any thread. Uninitialised; NULL if memory runs out. */
void *ot__small_alloc(size_t bytes);
void ot__small_free(void *b, size_t bytes);
/* ot__sig_cache_flush: frees this thread's cache of signal blocks. */
void ot__sig_cache_flush(void);
/* ot__sig_depot_free: frees the blocks threads handed to the shared depot;
 * called once the scheduler threads have stopped. */
void ot__sig_depot_free(void);

/* The inbox: a lock-free stack of signals (newest first), reversed when
 * drained. OT__INBOX_CLOSED marks a process that no longer accepts any. */
#define OT__INBOX_CLOSED ((ot__sig *)(uintptr_t)1)

/* ot__signals_take: puts a drained inbox batch (newest first) in order and
 * hands each signal meant for p's current life to each(), freeing it if
 * each() returns false; signals for an earlier life are dropped. */
void ot__signals_take(ot__proc *p, ot__sig *batch, bool (*each)(ot__proc *, ot__sig *));

/* ---------------------------------------------------------------- processes */

enum ot__pstate {
    OT__P_FREE = 0,     /* slot unused */
    OT__P_RUNNABLE,     /* in a run queue */
    OT__P_RUNNING,      /* on a scheduler */
    OT__P_WAITING,      /* blocked: a signal or timer makes it runnable */
    OT__P_EXITING,      /* gone from the user's view, being torn down */
};

/* Where a process waits, for introspection. */
enum ot__where { OT__IN_CODE = 0, OT__IN_RECEIVE, OT__IN_SLEEP };

/* What a process asks of its scheduler when it switches out. */
enum ot__want {
    OT__WANT_YIELD = 0,
    OT__WANT_WAIT,
    OT__WANT_EXIT,
    OT__WANT_HIBERNATE,
};

/* An execution stack of a scheduler. */
typedef struct ot__slot {
    char *map;              /* the mapping, guard page first */
    size_t map_size;
    char *base, *top;       /* usable range [base, top), top 16-aligned */
    ot__proc *resident;     /* process whose frames are in it, or NULL */
    char *low_water;        /* lowest sp any resident reached (sanitizers) */
} ot__slot;

/* A process's links and monitors: a hash table (chained) keyed by the
 * other pid for links and by the reference for monitors, so that a
 * supervisor with many thousands of children stays fast. */
typedef struct ot__relset {
    struct ot__rel **buckets;
    size_t nbuckets, count;
} ot__relset;

/* A link or monitor entry kept by a process. */
typedef struct ot__rel {
    struct ot__rel *next;
    ot_term pid;            /* the other process (boxed ones in words) */
    ot_term ref;            /* monitors: the reference (in words) */
    bool is_monitor;        /* entry in monitors (we watch pid) */
    bool is_monitored_by;   /* entry in monitored_by (pid watches us) */
    uint32_t nwords;        /* length of words */
    uint64_t words[];       /* copies of ref and a boxed pid, in the same
                               allocation (they hold no shared binary) */
} ot__rel;

struct ot__proc {
    /* hot: scheduling */
    _Atomic uint32_t state;         /* enum ot__pstate */
    uint32_t want;                  /* enum ot__want, set before switching out */
    ot__proc *rq_next;              /* run queue link */
    uint64_t queued_at;             /* cycle count when put on a shared queue */
    ot__sched *home;                /* scheduler that holds its frames / last ran it */
    void *sp;                       /* saved stack pointer while switched out */
    ot__slot *slot;                 /* slot its frames belong to; NULL: stackless */
    char *saved;                    /* copied-out frames, saved_len bytes */
    size_t saved_len, saved_cap;
    int64_t reds_left;              /* reduction budget of this time slice */

    /* mailbox */
    ot__sig *_Atomic inbox;         /* signals pushed by others, newest first */
    ot__sig *mq_head;               /* messages in arrival order */
    ot__sig **mq_tail;
    _Atomic size_t mq_len;          /* written by the process only */
    _Atomic size_t mq_bytes;

    /* receive / timers */
    _Atomic uint64_t timer_seq;     /* current wait's generation (timers, I/O) */
    _Atomic bool io_done;           /* an fd wait or blocking call finished */
    _Atomic int64_t io_result;
    bool hibernated;                /* next start: fn(arg) only once a message is there */
    _Atomic uint8_t where;          /* enum ot__where: for current_function */
    bool is_first;                  /* the process ot_run waits for */
    _Atomic bool timed_out;

    /* identity: serial changes when the slot of the table is reused; a
     * timer pins the process while it checks the serial and acts */
    ot_term pid;                    /* immediate local pid */
    uint32_t id;
    _Atomic uint32_t serial;
    _Atomic uint32_t pins;
    ot_proc_fn fn;                  /* entry, or continuation after hibernate */
    void *arg;
    ot__cleanup_fn cleanup;         /* see ot__spawn_owned; NULL: none */
    void *cleanup_arg;
    const char *initial_call;       /* NULL: derived from fn */
    ot_term name;                   /* registered atom or OT_NONE */
    ot_term label;                  /* in meta_heap, or OT_NONE */
    ot_term spawn_arg;              /* in meta_heap, or OT_NIL */
    ot_heap *meta_heap;             /* label, spawn arg, exit reason */
    ot_heap *user_heap;             /* ot_proc_heap(), created on demand */

    /* relations: only the process itself (or its scheduler while it is
     * switched out) changes these, under rel_lock so that introspection
     * can read them from another thread */
    struct ot__relset *rels;        /* NULL while it has none */
    ot__spin rel_lock;
    bool trap_exit;
    uint16_t trace;                 /* sequential trace token held (0: none) */
    ot_term exit_reason;            /* set when exiting, in meta_heap */
    _Atomic bool wants_exit_hook;   /* run the exit hook when exiting (see below) */

    /* statistics, read by introspection without locks */
    _Atomic uint64_t reductions;
    _Atomic uint64_t cpu_ns;
    int64_t started_ns;

    void *tsan_fiber;               /* ThreadSanitizer's view of this context */
};

/* The process table: slot i holds the process with pid <0.i.serial>. */
ot__proc *ot__proc_lookup(ot_term pid);
/* ot__proc_ids_end: one past the highest id ever used; ot__proc_at: the
 * block of id (or NULL). For walking every process. */
uint32_t ot__proc_ids_end(void);
ot__proc *ot__proc_at(uint32_t id);
/* ot__proc_live_at: the block of id when it holds a live process (neither
 * free nor exiting), with its pid in *pid; NULL otherwise. For walks over
 * every process: the answer may be stale as soon as it is given. */
static inline ot__proc *ot__proc_live_at(uint32_t id, ot_term *pid)
{
    ot__proc *p = ot__proc_at(id);
    if (!p)
        return NULL;
    uint32_t st = atomic_load_explicit(&p->state, memory_order_acquire);
    if (st == OT__P_FREE || st == OT__P_EXITING)
        return NULL;
    *pid = ot__make_lpid(id, atomic_load_explicit(&p->serial, memory_order_acquire));
    return p;
}
/* ot__rels_snapshot: copies onto h the `pid` field of p's relations of
 * kind (1 link, 2 monitor, 3 monitored by) into out (at most max);
 * returns how many there are. Safe from any thread. */
size_t ot__rels_snapshot(ot__proc *p, int kind, ot_term *out, size_t max, ot_heap *h);
/* ot__rels_list: the same relations as a list on h, each item the pid, or
 * {tag, Pid} when tag is not OT_NONE; OT_NONE if memory runs out. Safe from
 * any thread. */
ot_term ot__rels_list(ot_heap *h, ot__proc *p, int kind, ot_term tag);
/* ot__rel_add_link: p (the current process, or one not yet running) now
 * links to other; 0, or -ENOMEM. ot__rel_add_monitor: spawn's monitor
 * option: watcher monitors target_p (not yet running), both sides set up
 * at once; the reference (on the caller's heap), or OT_NONE. */
int ot__rel_add_link(ot__proc *p, ot_term other);
ot_term ot__rel_add_monitor(ot__proc *watcher, ot_term target, ot__proc *target_p);
/* ot__proc_keep: t copied where it lives as long as p (t itself if
 * immediate); OT_NONE if memory runs out. */
ot_term ot__proc_keep(ot__proc *p, ot_term t);
/* ot__proc_switch_out: the current process gives the CPU back to its
 * scheduler, asking for `want`; returns when it runs again. */
void ot__proc_switch_out(ot__proc *p, enum ot__want want);
/* ot__proc_wait: the current process p waits (as ot__proc_switch_out with
 * OT__WANT_WAIT), handing its scheduler straight to the next process when
 * that one is ready with its frames in place: one context switch instead
 * of two, and no trip through the scheduler's loop. Returns when p runs
 * again, or at once if its wake-up was already there. */
void ot__proc_wait(ot__proc *p);
/* ot__proc_exit_now: ends the current process with reason (copied).
 * Never returns. */
_Noreturn void ot__proc_exit_now(ot__proc *p, ot_term reason);
/* ot__proc_handle_signals: drains p's inbox (p is the current process):
 * messages go to the mailbox, other signals are acted on — which may end
 * p. Returns true if any message was added. */
bool ot__proc_handle_signals(ot__proc *p);
/* ot__proc_teardown: the scheduler's part of an exit: notify links and
 * monitors, unregister, free. p has left its stack for good. */
void ot__proc_teardown(ot__sched *s, ot__proc *p);
/* Between the scheduler (sched.c) and the process table (process.c):
 * ot__proc_entry: the first frame of every process (and of every restart
 * after hibernation), on its execution stack.
 * ot__proc_crashed: the scheduler's part when p's code faulted (a signal):
 * p exits with reason.
 * ot__proc_table_init / ot__proc_table_free: the process table for at most
 * max processes (0 or -ENOMEM), and its release at shutdown.
 * ot__spawn_first: spawns ot_run's first process.
 * ot__kill_all: kills every process still alive (shutdown).
 * ot__first_exited: the first process has exited with status; ot_run may
 * return it.
 * ot__runtime_last_exit: the last process has gone while the runtime
 * stops: wakes every scheduler to end. */
void ot__proc_entry(void *arg);
void ot__proc_crashed(ot__sched *s, ot__proc *p, ot_term reason);
int ot__proc_table_init(uint32_t max);
void ot__proc_table_free(void);
ot_term ot__spawn_first(ot_proc_fn fn, void *arg);
void ot__kill_all(void);
void ot__first_exited(int status);
void ot__runtime_last_exit(void);
/* ot__proc_charge: spends n reductions; yields if the budget is gone. */
void ot__proc_charge(ot__proc *p, int64_t n);
/* ot__deliver: pushes signal s to the local process pid; false (s not
 * consumed) if pid names no live process. Safe from any thread. */
bool ot__deliver(ot_term pid, ot__sig *s);
/* ot__send_signal: builds and delivers a signal without a term payload
 * beyond ref/term; false if the target is gone or memory ran out. */
bool ot__send_signal(ot_term to, uint32_t kind, ot_term from, ot_term ref, ot_term term);
/* ot__send_signal_traced: as ot__send_signal, carrying trace token `trace`. */
bool ot__send_signal_traced(ot_term to, uint32_t kind, ot_term from, ot_term ref, ot_term term,
                            uint16_t trace);
/* ot__spawn_owned: ot_spawn_opt(fn, arg, o), where the new process owns
 * arg from the start: the cleanup hook(arg, pid, reason) runs once when the process is
 * gone, whatever ended it (return, ot_exit, an exit signal, kill, a fault,
 * even before its first instruction), so that a behaviour can free what
 * its process owns (C has no garbage collector) and tell whoever waits on
 * it. The hook runs on the scheduler's stack during teardown, after links,
 * monitors and the name were dealt with, outside any process: it may free
 * memory and send messages (ot_send), nothing else. reason is valid for
 * the call only. OT_NONE if the process could not be made (the hook does
 * not run: arg is still the caller's). */
ot_term ot__spawn_owned(ot_proc_fn fn, void *arg, const ot_spawn_opts *o, ot__cleanup_fn hook);
/* ot__proc_set_cleanup: replaces the calling process's cleanup (of
 * ot__spawn_owned; NULL: none). No-op outside a process. */
void ot__proc_set_cleanup(ot__cleanup_fn hook, void *arg);
/* ot__proc_drop_stack: forgets p's frames (it exits or hibernates). */
void ot__proc_drop_stack(ot__proc *p);
/* Mailbox helpers for the exit path. */
bool ot__proc_inbox_nonempty(ot__proc *p);
void ot__mailbox_free(ot__proc *p);
void ot__mq_append(ot__proc *p, ot__sig *s);

/* Links and monitors, used by process.c's exit path. */
void ot__rels_on_exit(ot__proc *p, ot_term reason);
bool ot__rels_handle_signal(ot__proc *p, ot__sig *s);

/* The exit hook: one function that a layer above the core (the ETS
 * tables) has run while a process exits, after it stopped taking signals
 * and before its links and monitors fire, so that those who learn of the
 * exit see its effect (a table deleted or given to its heir). Only
 * processes marked with ot__proc_want_exit_hook call it; the others pay
 * one flag test. It runs on the scheduler's stack, outside any process. */
typedef void (*ot__exit_hook_fn)(ot_term pid);
void ot__set_exit_hook(ot__exit_hook_fn fn);
/* ot__proc_want_exit_hook: marks pid so that the hook runs when it exits.
 * True if pid is alive (the hook will run for it); false if it is gone or
 * already exiting. Any thread. */
bool ot__proc_want_exit_hook(ot_term pid);

/* Registry: drop p's name when it exits. */
void ot__registry_forget(ot__proc *p);
void ot__registry_init(void);
void ot__registry_shutdown(void);

/* ---------------------------------------------------------------- timers */

typedef struct ot__timer {
    int64_t deadline_ns;
    uint64_t seq;           /* process wait generation, or timer id */
    ot_term pid;            /* process to wake, or destination */
    ot__proc *proc;         /* for wakeups: the process (checked by pid) */
    ot__sig *msg;           /* send_after: the message; NULL for wakeups */
    int64_t interval_ns;    /* send_interval: period; 0 otherwise */
} ot__timer;

typedef struct ot__timerheap {
    ot__spin lock;
    ot__timer *items;
    size_t n, cap;
    _Atomic size_t count;           /* n, readable without the lock */
    _Atomic int64_t first;          /* the earliest deadline (INT64_MAX: none), likewise */
    size_t sweep_at;                /* n at which stale wakeups are swept */
} ot__timerheap;

/* ot__timer_wait: arms a wakeup of p (the current process) at deadline. */
int ot__timer_wait(ot__sched *s, ot__proc *p, int64_t deadline_ns);
/* ot__timers_run: fires every timer due at now; returns the next
 * deadline, or INT64_MAX. */
int64_t ot__timers_run(ot__sched *s, int64_t now_ns);
void ot__timers_free(ot__sched *s);
/* ot__timers_pending: does s have any timer (a lock-free hint)? */
#define ot__timers_pending(s) (atomic_load_explicit(&(s)->timers.count, memory_order_acquire) != 0)
/* ot__timers_first: the earliest deadline of s's timers, INT64_MAX if none
 * (a lock-free hint: a timer added meanwhile nudges the scheduler). */
#define ot__timers_first(s) atomic_load_explicit(&(s)->timers.first, memory_order_acquire)

/* ot__futex_wait: waits while *word == val, at most timeout_ns (< 0: no
 * limit), or until ot__futex_wake; may return early. */
void ot__futex_wait(_Atomic uint32_t *word, uint32_t val, int64_t timeout_ns);
/* ot__futex_wake: wakes one waiter on word. */
void ot__futex_wake(_Atomic uint32_t *word);

/* The watchdog (longsched.c) parks while every scheduler sleeps:
 * ot__watchdog_parked is 1 then, and a scheduler that wakes calls
 * ot__watchdog_unpark. ot__watchdog_rounds counts its looks. */
extern _Atomic uint32_t ot__watchdog_parked;
extern _Atomic uint64_t ot__watchdog_rounds;
void ot__watchdog_unpark(void);

/* ---------------------------------------------------------------- schedulers */

#define OT__SLOTS_PER_SCHED 8
#define OT__REDS_PER_SLICE 4000

struct ot__sched {
    unsigned index;
    pthread_t thread;
    void *sched_sp;                 /* the scheduler's own context */
    ot__proc *current;

    /* run queues (see sched.c) */
    ot__proc *lq_head, *lq_tail;    /* local: this thread only */
    ot__proc *_Atomic remote;       /* woken by other threads, newest first */
    ot__spin rq_lock;               /* shared: stackless processes */
    ot__proc *rq_head, *rq_tail;
    _Atomic size_t rq_len;
    _Atomic uint64_t rq_head_since; /* cycle count when the head was queued (0: empty) */
    unsigned pops;

    /* the scheduler's clock: the cycle count where the last slice ended,
     * reused as the next slice's start while the scheduler goes straight
     * from one process to the next (clock_fresh) */
    uint64_t clock;
    bool clock_fresh;
    /* the monotonic clock's last reading by this scheduler, and the cycle
     * count then: between readings, whether a timer may be due is judged
     * from the cycle count (see timers_due_maybe) */
    int64_t tbase_ns;
    uint64_t tbase_cycles;
    unsigned tlooks;

    /* sleeping */
    _Atomic uint32_t sleep_word;    /* futex: 1 while sleeping */
    _Atomic bool poked;             /* look again before sleeping */

    ot__slot slots[OT__SLOTS_PER_SCHED];
    unsigned next_victim;

    ot__timerheap timers;

    sigjmp_buf crash_jmp;           /* a fault in a process lands here */
    volatile int crash_signal;
    void *crash_addr;
    char *altstack;

    void *tsan_fiber;
    uint64_t switches;

    /* for the watchdog: when the running process's time slice began (cycle
     * counter, 0 between slices), and which slice it already reported */
    _Atomic uint64_t slice_start;
    _Atomic ot_term slice_pid;
    uint64_t watch_reported;
};

/* The runtime: one per OS process. */
typedef struct ot__runtime {
    unsigned nscheds;
    ot__sched *scheds;
    size_t stack_size;
    uint64_t long_schedule_ns;
    _Atomic bool stopping;
    _Atomic size_t live;            /* processes alive */
    pthread_mutex_t done_lock;
    pthread_cond_t done_cond;
    ot_term first_pid;
    _Atomic int first_status;       /* -1 until the first process exits */
} ot__runtime;

extern ot__runtime *ot__rt;

/* Sequential traces (seqtrace.c). A token is the index of a trace session;
 * a process holding one passes it on with every message it sends and to
 * every process it spawns; a process takes the token of each message it
 * receives (none if the message has none), as Erlang's seq_trace does. The
 * session records sends, spawns and exits of token holders. Untraced
 * processes pay one test of p->trace per send. */
uint16_t ot__trace_begin(size_t max_events);
/* ot__trace_end: closes session t and returns its record as a term on h:
 * %{events: [...], processes: %{pid => %{name:, label:}}, dropped: N}. */
ot_term ot__trace_end(uint16_t t, ot_heap *h);
void ot__trace_hold(ot__proc *p, uint16_t t);   /* p's token becomes t (0: none) */
void ot__trace_send(ot__proc *p, ot_term to_pid, ot_term msg, ot__sig *s);
void ot__trace_spawn(ot__proc *parent, ot__proc *child);
void ot__trace_exit_signal(ot__proc *p, ot_term to, bool down, ot_term reason);

/* ot__proc_memory: the bytes process_info reports as `memory` for p:
 * control block, saved frames, mailbox, process heaps, link and monitor
 * table. Read without locks by introspection (values may be stale). */
static inline uint64_t ot__proc_memory(ot__proc *p)
{
    uint64_t bytes = sizeof(ot__proc) + sizeof(ot__proc *) + p->saved_cap +
                     atomic_load_explicit(&p->mq_bytes, memory_order_relaxed);
    ot_heap *uh = p->user_heap, *mh = p->meta_heap;
    if (uh)
        bytes += ot_heap_bytes(uh);
    if (mh)
        bytes += ot_heap_bytes(mh);
    struct ot__relset *rs = p->rels;
    if (rs)
        bytes += sizeof *rs + rs->nbuckets * sizeof(void *) + rs->count * sizeof(ot__rel);
    return bytes;
}

/* ot__pcb_unused_bytes: bytes of control blocks allocated (they are
 * allocated in slabs) but held by no live process. */
size_t ot__pcb_unused_bytes(void);

/* The scheduler of this thread (NULL on other threads): set once by each
 * scheduler thread when it starts. */
extern _Thread_local ot__sched *ot__tl_sched;

/* ot__sched_current: the scheduler of this thread, or NULL. */
static inline ot__sched *ot__sched_current(void)
{
    return ot__tl_sched;
}

/* ot__proc_current: the process running on this thread, or NULL. */
static inline ot__proc *ot__proc_current(void)
{
    ot__sched *s = ot__tl_sched;
    return s ? s->current : NULL;
}
/* ot__sched_balance: from any thread: wakes an idle scheduler for every
 * scheduler whose backlog of new processes has waited too long (see
 * Placement in sched.c). The watchdog calls it, for backlogs that sit
 * behind a long time slice. */
void ot__sched_balance(void);
/* ot__sched_enqueue_bound: queues a new process p (no frames yet) where
 * only s runs it: its first run, and so its frames, are on s. */
void ot__sched_enqueue_bound(ot__sched *s, ot__proc *p);
/* ot__sched_enqueue: makes p runnable on s (p's state already RUNNABLE). */
void ot__sched_enqueue(ot__sched *s, ot__proc *p);
/* ot__sched_nudge: from another thread: makes s go round its loop once
 * more (a new timer, shutdown), waking it if it sleeps. */
void ot__sched_nudge(ot__sched *s);
/* ot__wake: if p waits, makes it runnable; safe from any thread. */
void ot__wake(ot__proc *p);
/* ot__sched_pick: the scheduler a new process starts on. */
ot__sched *ot__sched_pick(void);

/* Long-schedule events, for introspection: the last OT__LONG_SCHED_KEPT
 * are kept; ot__long_sched_copy copies at most max of them, oldest first,
 * and returns how many it copied. */
#define OT__LONG_SCHED_KEPT 256
typedef struct ot__long_sched {
    ot_term pid;
    int64_t at_ns;
    int64_t duration_ns;
    bool ongoing;           /* seen by the watchdog while still running */
} ot__long_sched;
void ot__long_sched_record(ot_term pid, int64_t at_ns, int64_t duration_ns, bool ongoing);
size_t ot__long_sched_copy(ot__long_sched *out, size_t max);
/* ot__live_processes: how many processes are alive. */
size_t ot__live_processes(void);
/* The watchdog thread: reports a process that is still running past the
 * long-schedule threshold. Started and stopped by ot_run. */
int ot__watchdog_start(void);
void ot__watchdog_stop(void);
/* Cycle counter and its scale, for slice times. */
uint64_t ot__cycles(void);
double ot__ns_per_cycle(void);

/* ot__io_shutdown: stops the poller and the blocking-call threads. */
void ot__io_shutdown(void);

/* ---------------------------------------------------------------- other nodes */

/* Signals for processes of other nodes (remote.c). The distribution layer
 * installs a hook table when the node starts; src/core never calls into
 * src/distribution directly. `signal` takes a signal of `kind` (OT__SIG_*) from
 * `from` (a local pid, or OT_NONE outside a process) for `to` (a pid of
 * another node, or {name, node}); ref and term as in ot__sig. It returns
 * true when it took the signal (queued for the node, or answered locally,
 * e.g. with a noconnection exit), false if `to` cannot be reached at all
 * (an earlier life of this node). It may be called from any thread,
 * including a scheduler tearing a process down, and must not block.
 * `runtime_stopped` is called by ot_run once every process has exited and
 * the schedulers have stopped. */
typedef struct ot__remote_hooks {
    bool (*signal)(uint32_t kind, ot_term from, ot_term to, ot_term ref, ot_term term);
    void (*runtime_stopped)(void);
} ot__remote_hooks;
void ot__remote_hooks_set(const ot__remote_hooks *h);
/* ot__is_remote: is `to` a pid that is not immediate (another node), or
 * {name, node} with another node? */
bool ot__is_remote(ot_term to);
/* ot__remote_signal: hands a signal to the hooks; false without them. */
bool ot__remote_signal(uint32_t kind, ot_term from, ot_term to, ot_term ref, ot_term term);
bool ot__remote_available(void);
void ot__remote_runtime_stopped(void);

/* ---------------------------------------------------------------- checks */

/* The invariant checker (check.c, docs/assertions.md). Each function
 * returns NULL if the structure keeps its rules, else a description of the
 * first rule broken (a thread's own buffer, valid until its next check).
 * ot__check_core: every run queue, process state, mailbox, timer heap and
 * the registry; called by a process, it parks the other schedulers for
 * the time of the walk. The others assume the structure holds still:
 * ot__check_mailbox(p) for p running or waiting, ot__check_timers and
 * ot__registry_check take their locks. ot__check_fail formats a finding. */
const char *ot__check_core(void);
const char *ot__check_mailbox(ot__proc *p);
const char *ot__check_timers(ot__sched *s);
const char *ot__registry_check(void);
const char *ot__check_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---------------------------------------------------------------- clock */

int64_t ot__now_ns(void);

#endif
