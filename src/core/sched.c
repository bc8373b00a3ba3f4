/* sched.c — scheduler threads: run queues, execution stacks (copy stacks),
 * switching processes in and out, sleeping when idle, stealing work, faults
 * inside processes, and ot_run, which brings the runtime up and down. */
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/core_internal.h"
#include "core/ctx.h"

ot__runtime *ot__rt;

_Thread_local ot__sched *ot__tl_sched;
static _Thread_local void *tl_fake_stack;      /* ASan bookkeeping */
static _Thread_local const void *tl_thread_stack_lo;
static _Thread_local size_t tl_thread_stack_size;

unsigned ot_schedulers(void)
{
    return ot__rt ? ot__rt->nscheds : 0;
}

unsigned ot_scheduler_id(void)
{
    return ot__tl_sched ? ot__tl_sched->index + 1 : 0;
}

/* ---------------------------------------------------------------- clock */

int64_t ot__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A cheap cycle counter for CPU time per process (read twice per switch),
 * scaled to nanoseconds with a factor measured when the runtime starts. */
static inline uint64_t cycles(void)
{
#if defined(__x86_64__)
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
#elif defined(__aarch64__)
    uint64_t v;
    __asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(v));
    return v;
#else
    return (uint64_t)ot__now_ns();
#endif
}

static double ns_per_cycle = 1.0;

uint64_t ot__cycles(void) { return cycles(); }
double ot__ns_per_cycle(void) { return ns_per_cycle; }

/* A clock reading and the cycle count at the same moment: the reading
 * bracketed by two counts, the tightest of five tries (a thread preempted
 * between the two would pair them badly). */
static void clock_pair(int64_t *ns, uint64_t *cyc)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 5; i++) {
        uint64_t a = cycles();
        int64_t t = ot__now_ns();
        uint64_t b = cycles();
        if (b >= a && b - a < best) {
            best = b - a;
            *ns = t;
            *cyc = a + (b - a) / 2;
        }
    }
}

static void calibrate_cycles(void)
{
    int64_t t0 = 0, t1 = 0;
    uint64_t c0 = 0, c1 = 0;
    clock_pair(&t0, &c0);
    struct timespec ts = {0, 5000000};
    nanosleep(&ts, NULL);
    clock_pair(&t1, &c1);
    if (c1 > c0 && t1 > t0)
        ns_per_cycle = (double)(t1 - t0) / (double)(c1 - c0);
}

/* ---------------------------------------------------------------- futex */

void ot__futex_wait(_Atomic uint32_t *word, uint32_t val, int64_t timeout_ns)
{
    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tsp = &ts;
    }
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, val, tsp, NULL, 0);
}

void ot__futex_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* ---------------------------------------------------------------- run queues */

/* Three queues per scheduler:
 *  - local: processes whose frames live on this scheduler, made runnable by
 *    this scheduler's own thread. Only this thread touches it: no atomics.
 *  - remote: the same kind of processes woken by other threads, pushed on a
 *    lock-free stack and moved to the local queue by the owner.
 *  - shared: processes with no frames (new, hibernated), under a spinlock,
 *    which idle schedulers may take from.
 * Sleeping: the owner sets sleep_word, then looks at the remote stack and
 * the shared queue once more; a waker pushes, then reads sleep_word. Both
 * sides use sequentially consistent operations, so one sees the other.
 *
 * Placement. A process's frames can only ever be restored where they were
 * made, so a process stays on the scheduler that first runs it (until it
 * hibernates). The first run decides, and it happens where the process was
 * spawned unless that scheduler falls behind: an idle scheduler takes new
 * processes only from a shared queue whose oldest entry has waited longer
 * than OT__STEAL_AFTER_NS, and then half of them at once. So processes that
 * a process spawns to talk with each other (a ring, a pipeline) stay on one
 * scheduler, where a message costs no cache line moving between cores and
 * no sleeping thread to wake, while a real backlog is shared out; a busy
 * scheduler wakes a sleeping one when its backlog gets that old. */
#define OT__STEAL_AFTER_NS 5000000

static uint64_t steal_after_cycles = 1;

static void wake_sleeper(ot__sched *s)
{
    if (atomic_load_explicit(&s->sleep_word, memory_order_seq_cst) &&
        atomic_exchange_explicit(&s->sleep_word, 0, memory_order_seq_cst))
        ot__futex_wake(&s->sleep_word);
}

/* The cycle count for stamping queued work: the current slice's start on a
 * scheduler thread (the scheduler has been busy since then), else now. */
static inline uint64_t queue_clock(void)
{
    ot__sched *t = ot__tl_sched;
    return t && t->current ? t->clock : cycles();
}

/* Appends the chain first..last (n processes, stamped, last->rq_next
 * NULL) to s's shared queue. */
static void shared_append(ot__sched *s, ot__proc *first, ot__proc *last, size_t n)
{
    OT__ASSERT(n > 0 && last->rq_next == NULL && !first->slot);
    ot__spin_lock(&s->rq_lock);
    if (s->rq_tail) {
        s->rq_tail->rq_next = first;
    } else {
        s->rq_head = first;
        atomic_store_explicit(&s->rq_head_since, first->queued_at, memory_order_relaxed);
    }
    s->rq_tail = last;
    atomic_store_explicit(&s->rq_len, atomic_load_explicit(&s->rq_len, memory_order_relaxed) + n,
                          memory_order_seq_cst);
    ot__spin_unlock(&s->rq_lock);
}

static void shared_push(ot__sched *s, ot__proc *p)
{
    uint64_t now = queue_clock();
    p->queued_at = now ? now : 1;
    shared_append(s, p, p, 1);
}

static inline void local_push(ot__sched *s, ot__proc *p)
{
    OT__ASSERT(s == ot__tl_sched && p->rq_next == NULL); /* the owner's thread only */
    if (s->lq_tail)
        s->lq_tail->rq_next = p;
    else
        s->lq_head = p;
    s->lq_tail = p;
}

static void remote_push(ot__sched *s, ot__proc *p)
{
    ot__proc *old = atomic_load_explicit(&s->remote, memory_order_relaxed);
    do
        p->rq_next = old;
    while (!atomic_compare_exchange_weak_explicit(&s->remote, &old, p, memory_order_seq_cst,
                                                  memory_order_relaxed));
}

void ot__sched_enqueue(ot__sched *s, ot__proc *p)
{
    OT__ASSERT(atomic_load_explicit(&p->state, memory_order_relaxed) == OT__P_RUNNABLE);
    OT__ASSERT(!p->slot || p->home == s); /* frames are restored only where they were made */
    p->rq_next = NULL;
    if (p->slot && s == ot__tl_sched) {
        p->queued_at = s->clock;
        local_push(s, p);
        return;
    }
    if (p->slot) {
        p->queued_at = queue_clock();
        remote_push(s, p);
    } else {
        shared_push(s, p);
    }
    if (s != ot__tl_sched)
        wake_sleeper(s);
}

void ot__sched_enqueue_bound(ot__sched *s, ot__proc *p)
{
    /* The local queue and the remote stack are never stolen from. */
    OT__ASSERT(atomic_load_explicit(&p->state, memory_order_relaxed) == OT__P_RUNNABLE && !p->slot);
    p->rq_next = NULL;
    p->queued_at = queue_clock();
    if (s == ot__tl_sched) {
        local_push(s, p);
        return;
    }
    remote_push(s, p);
    wake_sleeper(s);
}

/* Unlinks up to n processes from the head of s's shared queue (the oldest
 * first) and returns them as a list linked by rq_next. */
static ot__proc *shared_take(ot__sched *s, size_t n)
{
    ot__spin_lock(&s->rq_lock);
    ot__proc *first = s->rq_head, *last = NULL;
    size_t len = atomic_load_explicit(&s->rq_len, memory_order_relaxed), k = 0;
    for (ot__proc *p = first; p && k < n; p = p->rq_next, k++)
        last = p;
    OT__ASSERT(k <= len);
    if (last) {
        s->rq_head = last->rq_next;
        last->rq_next = NULL;
        if (!s->rq_head)
            s->rq_tail = NULL;
        atomic_store_explicit(&s->rq_len, len - k, memory_order_relaxed);
        atomic_store_explicit(&s->rq_head_since, s->rq_head ? s->rq_head->queued_at : 0,
                              memory_order_relaxed);
    }
    ot__spin_unlock(&s->rq_lock);
    return last ? first : NULL;
}

static ot__proc *shared_pop(ot__sched *s)
{
    if (atomic_load_explicit(&s->rq_len, memory_order_relaxed) == 0)
        return NULL;
    return shared_take(s, 1);
}

/* The next process to run: the local queue's head or the shared queue's,
 * whichever was queued first, so that a process that used up its slice
 * goes behind the processes it spawned meanwhile, as in one FIFO queue. */
static ot__proc *rq_pop(ot__sched *s)
{
    s->pops++;
    /* Processes other threads woke join the local queue's tail at every
     * pop: waiting for the local queue to empty could starve them behind
     * two processes that keep waking each other. */
    if (atomic_load_explicit(&s->remote, memory_order_relaxed)) {
        ot__proc *batch = atomic_exchange_explicit(&s->remote, NULL, memory_order_acquire);
        ot__proc *fifo = NULL, *last = batch;
        while (batch) {
            ot__proc *n = batch->rq_next;
            batch->rq_next = fifo;
            fifo = batch;
            batch = n;
        }
        if (s->lq_tail)
            s->lq_tail->rq_next = fifo;
        else
            s->lq_head = fifo;
        s->lq_tail = last;
    }
    ot__proc *p = s->lq_head;
    if (p) {
        uint64_t shared_since = atomic_load_explicit(&s->rq_head_since, memory_order_relaxed);
        if (shared_since && shared_since < p->queued_at) {
            ot__proc *q = shared_pop(s);
            if (q)
                return q;
        }
        s->lq_head = p->rq_next;
        if (!s->lq_head)
            s->lq_tail = NULL;
        OT__ASSERT(!s->lq_head || s->lq_tail);
        return p;
    }
    return shared_pop(s);
}

/* Whether s's shared queue holds a process that has waited longer than the
 * placement rule allows (read without the lock: a hint). */
static inline bool backlog_old(ot__sched *s, uint64_t now)
{
    uint64_t since = atomic_load_explicit(&s->rq_head_since, memory_order_relaxed);
    return since && now > since && now - since > steal_after_cycles;
}

/* Takes half of the oldest shared queue's processes, when it has fallen
 * behind (see Placement above): returns one to run and queues the rest on
 * self's shared queue. */
static ot__proc *steal(ot__sched *self)
{
    ot__runtime *rt = ot__rt;
    uint64_t now = cycles();
    for (unsigned k = 1; k < rt->nscheds; k++) {
        ot__sched *v = &rt->scheds[(self->index + k) % rt->nscheds];
        if (!backlog_old(v, now))
            continue;
        size_t len = atomic_load_explicit(&v->rq_len, memory_order_relaxed);
        ot__proc *batch = shared_take(v, (len + 1) / 2);
        if (!batch)
            continue;
        /* The first runs now; the rest join this scheduler's shared queue
         * in one piece, queued as of now. */
        ot__proc *first = batch, *rest = batch->rq_next, *last = NULL;
        first->home = self;
        first->rq_next = NULL;
        uint64_t stamp = queue_clock();
        size_t n = 0;
        for (ot__proc *p = rest; p; p = p->rq_next, n++) {
            p->home = self;
            p->queued_at = stamp ? stamp : 1;
            last = p;
        }
        if (rest)
            shared_append(self, rest, last, n);
        return first;
    }
    return NULL;
}

/* On a busy scheduler: if its own backlog has grown old, wake one idle
 * scheduler to take a share (the poke makes it look even while it still
 * spins before sleeping). */
static void share_backlog(ot__sched *s, uint64_t now)
{
    ot__runtime *rt = ot__rt;
    if (!backlog_old(s, now))
        return;
    for (unsigned k = 1; k < rt->nscheds; k++) {
        ot__sched *v = &rt->scheds[(s->index + k) % rt->nscheds];
        if (atomic_load_explicit(&v->sleep_word, memory_order_relaxed) &&
            !atomic_load_explicit(&v->poked, memory_order_relaxed)) {
            ot__sched_nudge(v);
            return;
        }
    }
}

void ot__wake(ot__proc *p)
{
    uint32_t expect = OT__P_WAITING;
    if (!atomic_compare_exchange_strong_explicit(&p->state, &expect, OT__P_RUNNABLE,
                                                 memory_order_seq_cst, memory_order_seq_cst))
        return;
    ot__sched *s = p->home;
    if (!p->slot && ot__tl_sched)
        s = ot__tl_sched; /* a stackless process may run anywhere: keep it close */
    ot__sched_enqueue(s, p);
}

ot__sched *ot__sched_pick(void)
{
    if (ot__tl_sched)
        return ot__tl_sched;
    static _Atomic unsigned rr;
    return &ot__rt->scheds[atomic_fetch_add(&rr, 1) % ot__rt->nscheds];
}

void ot__sched_balance(void)
{
    ot__runtime *rt = ot__rt;
    uint64_t now = cycles();
    for (unsigned i = 0; rt->nscheds > 1 && i < rt->nscheds; i++)
        share_backlog(&rt->scheds[i], now);
}

/* ---------------------------------------------------------------- stacks */

static int slot_map(ot__slot *sl, size_t stack_size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t size = (stack_size + page - 1) / page * page;
    sl->map_size = size + page;
    sl->map = mmap(NULL, sl->map_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (sl->map == MAP_FAILED)
        return -errno;
    if (mprotect(sl->map, page, PROT_NONE) != 0) {
        int e = -errno;
        munmap(sl->map, sl->map_size);
        return e;
    }
    sl->base = sl->map + page;
    sl->top = sl->map + sl->map_size;
    sl->resident = NULL;
    /* The address range may have been a stack before (an earlier runtime):
     * clear any marks AddressSanitizer kept for it. */
    ot__stack_unpoison(sl->base, sl->top);
    sl->low_water = sl->top;
    return 0;
}

/* Makes room for the resident's frames in its save buffer, so that
 * evicting it cannot fail; false if there is no memory for it. */
static bool slot_room(ot__slot *sl)
{
    ot__proc *r = sl->resident;
    if (!r)
        return true;
    size_t len = (size_t)(sl->top - (char *)r->sp);
    if (len > r->saved_cap) {
        size_t cap = (len + 255) & ~(size_t)255;
        char *buf = ot__malloc(cap);
        if (!buf)
            return false;
        ot__mem_add(OT__MEM_PROCESSES, (int64_t)cap - (int64_t)r->saved_cap);
        ot__free(r->saved);
        r->saved = buf;
        r->saved_cap = cap;
    }
    return true;
}

/* Copies the resident's frames out of its slot. */
static bool slot_evict(ot__slot *sl)
{
    ot__proc *r = sl->resident;
    if (!r)
        return true;
    if (!slot_room(sl))
        return false;
    size_t len = (size_t)(sl->top - (char *)r->sp);
    ot__stack_copy(r->saved, r->sp, len);
    r->saved_len = len;
    if ((char *)r->sp < sl->low_water)
        sl->low_water = r->sp;
    sl->resident = NULL;
    return true;
}

/* Puts p's frames back into its slot. */
static bool slot_restore(ot__slot *sl, ot__proc *p)
{
    OT__ASSERT(p->slot == sl);
    if (sl->resident == p)
        return true;
    if (!slot_evict(sl))
        return false;
    char *sp = p->sp;
    ot__stack_unpoison(sl->low_water < sp ? sl->low_water : sp, sl->top);
    sl->low_water = sp;
    ot__stack_copy(sp, p->saved, p->saved_len);
    sl->resident = p;
    return true;
}

/* Chooses a slot for a process that has no frames: an empty one, else the
 * next victim in turn, whose frames are copied out. */
static ot__slot *slot_acquire(ot__sched *s)
{
    for (unsigned i = 0; i < OT__SLOTS_PER_SCHED; i++)
        if (!s->slots[i].resident)
            return &s->slots[i];
    ot__slot *sl = &s->slots[s->next_victim++ % OT__SLOTS_PER_SCHED];
    return slot_evict(sl) ? sl : NULL;
}

/* Forgets p's frames (exit, hibernate). */
void ot__proc_drop_stack(ot__proc *p)
{
    if (p->slot) {
        if (p->slot->resident == p)
            p->slot->resident = NULL;
        p->slot = NULL;
    }
    p->saved_len = 0;
    if (p->saved) {
        ot__mem_add(OT__MEM_PROCESSES, -(int64_t)p->saved_cap);
        ot__free(p->saved);
        p->saved = NULL;
        p->saved_cap = 0;
    }
}

/* ---------------------------------------------------------------- switching */

void ot__proc_switch_out(ot__proc *p, enum ot__want want)
{
    ot__sched *s = p->home;
    /* Only the running process switches itself out, and never with a
     * spinlock or table lock held: the next process on this thread could
     * wait for it forever. */
    OT__ASSERT(s == ot__tl_sched && s->current == p);
    OT__ASSERT(ot__lock_depth == 0);
    void *fake = NULL;
    p->want = want;
    ot__fiber_before_switch(&fake, tl_thread_stack_lo, tl_thread_stack_size, s->tsan_fiber,
                            want == OT__WANT_EXIT || want == OT__WANT_HIBERNATE);
    ot__ctx_switch(&p->sp, s->sched_sp);
    /* Running again, possibly much later. */
    ot__fiber_after_switch(fake);
    p->reds_left = OT__REDS_PER_SLICE;
}

/* The end of the current process's slice and the start of q's, at cycle
 * count now: CPU time, long-schedule check, the watchdog's view. */
static inline void slice_turn(ot__sched *s, ot__proc *p, ot__proc *q, uint64_t now)
{
    int64_t dt = (int64_t)((double)(now - s->clock) * ns_per_cycle);
    s->switches++;
    ot__counter_add(&p->cpu_ns, (uint64_t)dt);
    if ((uint64_t)dt > ot__rt->long_schedule_ns)
        ot__long_sched_record(p->pid, ot__now_ns() - dt, dt, false);
    s->clock = now;
    s->current = q;
    atomic_store_explicit(&q->state, OT__P_RUNNING, memory_order_relaxed);
    q->reds_left = OT__REDS_PER_SLICE;
    atomic_store_explicit(&s->slice_pid, q->pid, memory_order_relaxed);
    atomic_store_explicit(&s->slice_start, now ? now : 1, memory_order_release);
}

/* The preparation of ot__proc_wait's hand-over, in a frame of its own that
 * is gone before the switch (so a waiting process keeps no more frames
 * than with ot__proc_switch_out): returns the process to switch to, with
 * its frames restored and the slice accounted for; p itself if p's wake-up
 * was already there (p runs on); NULL to wait through the scheduler. */
__attribute__((noinline)) static ot__proc *handoff_target(ot__proc *p)
{
    ot__sched *s = p->home;
    ot__proc *q = s->lq_head;
    /* A direct hand-over to the local queue's head, when it holds frames in
     * another slot and the shared queue has nothing older; one wait in 32
     * goes through the scheduler's loop (timers, the remote queue, backlog
     * sharing run there). */
    uint64_t shared_since = atomic_load_explicit(&s->rq_head_since, memory_order_relaxed);
    if (!q || !q->slot || q->slot == p->slot || (shared_since && shared_since < q->queued_at) ||
        ((s->pops + 1) & 31) == 0 || !slot_room(q->slot))
        return NULL;
    /* q can run in another slot than p's, and restoring its frames cannot
     * fail now. First p waits, as after_run would have it: the fence
     * between p's state and its inbox comes before the copies, whose
     * stores it would otherwise wait for. */
    p->want = OT__WANT_WAIT;
    atomic_store_explicit(&p->state, OT__P_WAITING, memory_order_seq_cst);
    ot__sig *in = atomic_load_explicit(&p->inbox, memory_order_seq_cst);
    if ((in && in != OT__INBOX_CLOSED) || atomic_load_explicit(&p->timed_out, memory_order_seq_cst) ||
        atomic_load_explicit(&p->io_done, memory_order_seq_cst)) {
        /* A wake-up is already there: run on, unless a waker has just
         * queued p (then it waits its turn there, and q runs now). */
        uint32_t expect = OT__P_WAITING;
        if (atomic_compare_exchange_strong_explicit(&p->state, &expect, OT__P_RUNNING,
                                                    memory_order_seq_cst, memory_order_seq_cst))
            return p;
    }
    OT__ASSERT(atomic_load_explicit(&q->state, memory_order_relaxed) == OT__P_RUNNABLE);
    slot_restore(q->slot, q);
    s->lq_head = q->rq_next;
    if (!s->lq_head)
        s->lq_tail = NULL;
    s->pops++;
    /* Where p's frames will end: above this frame, which is deeper (for
     * AddressSanitizer's marks; see run_process). */
    char *low = (char *)__builtin_frame_address(0) - 256;
    if (low < p->slot->low_water)
        p->slot->low_water = low;
    slice_turn(s, p, q, cycles());
    return q;
}

void ot__proc_wait(ot__proc *p)
{
    OT__ASSERT(p->home == ot__tl_sched && p->home->current == p);
    OT__ASSERT(ot__lock_depth == 0);
    ot__proc *q = handoff_target(p);
    if (!q) {
        ot__proc_switch_out(p, OT__WANT_WAIT);
        return;
    }
    if (q == p)
        return;
    void *fake = NULL;
    ot__fiber_before_switch(&fake, q->slot->base, (size_t)(q->slot->top - q->slot->base),
                            q->tsan_fiber, 0);
    ot__ctx_switch(&p->sp, q->sp);
    /* Running again, possibly much later. */
    ot__fiber_after_switch(fake);
    p->reds_left = OT__REDS_PER_SLICE;
}

/* Runs p until control comes back to the scheduler; returns what the
 * process that gave it back wants, and that process in *back (p, or one
 * handed the scheduler directly: see ot__proc_wait). */
static enum ot__want run_process(ot__sched *s, ot__proc *p, ot__proc **back)
{
    *back = p;
    /* A process runs only out of a run queue, and only where its frames are. */
    OT__ASSERT(atomic_load_explicit(&p->state, memory_order_relaxed) == OT__P_RUNNABLE);
    OT__ASSERT(!p->slot || (p->home == s && p->slot >= s->slots && p->slot < s->slots + OT__SLOTS_PER_SCHED));
    if (!p->slot) {
        ot__slot *sl = slot_acquire(s);
        if (!sl)
            return OT__WANT_YIELD; /* no memory to save a victim: try later */
        ot__stack_unpoison(sl->low_water, sl->top);
        sl->low_water = sl->top;
        p->slot = sl;
        p->home = s;
        sl->resident = p;
        p->sp = ot__ctx_init(sl->top, ot__proc_entry, p);
        if (!p->tsan_fiber)
            p->tsan_fiber = ot__fiber_tsan_create();
    } else if (!slot_restore(p->slot, p)) {
        return OT__WANT_YIELD;
    }
    atomic_store_explicit(&p->state, OT__P_RUNNING, memory_order_relaxed);
    p->reds_left = OT__REDS_PER_SLICE;
    /* One cycle-counter read per switch: going straight from one process
     * to the next, the last slice's end is this one's start. */
    uint64_t c0 = s->clock_fresh ? s->clock : cycles();
    s->clock = c0;
    s->current = p;
    atomic_store_explicit(&s->slice_pid, p->pid, memory_order_relaxed);
    atomic_store_explicit(&s->slice_start, c0 ? c0 : 1, memory_order_release);
    void *fake = NULL;
    ot__fiber_before_switch(&fake, p->slot->base, (size_t)(p->slot->top - p->slot->base),
                            p->tsan_fiber, 0);
    ot__ctx_switch(&s->sched_sp, p->sp);
    ot__fiber_after_switch(fake);
    p = *back = s->current;   /* who gave control back (see ot__proc_wait) */
    c0 = s->clock;
    /* Frames a process leaves behind (it exits, or is evicted) may keep
     * AddressSanitizer's marks below where it stopped: remember the
     * lowest point, to clear the marks before the next user of the slot. */
    if (p->slot && (char *)p->sp < p->slot->low_water)
        p->slot->low_water = p->sp;
    atomic_store_explicit(&s->slice_start, 0, memory_order_release);
    uint64_t c1 = cycles();
    s->clock = c1;
    s->clock_fresh = true;
    int64_t dt = (int64_t)((double)(c1 - c0) * ns_per_cycle);
    s->current = NULL;
    s->switches++;
    ot__counter_add(&p->cpu_ns, (uint64_t)dt);
    if ((uint64_t)dt > ot__rt->long_schedule_ns)
        ot__long_sched_record(p->pid, ot__now_ns() - dt, dt, false);
    return (enum ot__want)p->want;
}

/* The scheduler's side of a switch-out. */
static void after_run(ot__sched *s, ot__proc *p, enum ot__want want)
{
    switch (want) {
    case OT__WANT_YIELD:
        atomic_store_explicit(&p->state, OT__P_RUNNABLE, memory_order_relaxed);
        ot__sched_enqueue(s, p);
        break;
    case OT__WANT_HIBERNATE:
        ot__proc_drop_stack(p);
        /* fall through */
    case OT__WANT_WAIT:
        atomic_store_explicit(&p->state, OT__P_WAITING, memory_order_seq_cst);
        /* io_done too: an fd wait or blocking call that completed while the
         * process was switching out saw it RUNNING and did not wake it */
        if (ot__proc_inbox_nonempty(p) || atomic_load_explicit(&p->timed_out, memory_order_seq_cst) ||
            atomic_load_explicit(&p->io_done, memory_order_seq_cst))
            ot__wake(p);
        break;
    case OT__WANT_EXIT:
        ot__proc_teardown(s, p);
        break;
    }
}

/* ---------------------------------------------------------------- faults */

static void on_fault(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    ot__sched *s = ot__tl_sched;
    if (s && s->current) {
        /* The fault happened while a process ran: end that process. */
        ot__slot *sl = s->current->slot;
        s->crash_signal = sig;
        s->crash_addr = info->si_addr;
        if (sl && (char *)info->si_addr >= sl->map && (char *)info->si_addr < sl->base)
            s->crash_signal = -sig; /* the guard page: stack overflow */
        siglongjmp(s->crash_jmp, 1);
    }
    /* Not inside a process: the runtime itself is broken. */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_fault_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
}

/* The exit reason of a process ended by a fault. */
static ot_term fault_reason(ot_heap *h, int sig)
{
    if (sig < 0)
        return OT__ATOM(STACK_OVERFLOW);
    const char *name = sig == SIGSEGV ? "sigsegv" : sig == SIGBUS ? "sigbus"
                     : sig == SIGFPE ? "sigfpe" : "sigill";
    return ot_tuple(h, 2, OT__ATOM(SIGNAL), ot_atom(name));
}

/* ---------------------------------------------------------------- loop */

/* Timers need the monotonic clock, which costs a read of the kernel's
 * time page (about 25 ns on a virtual machine) per look, and a scheduler
 * going from process to process looks at every turn.
 * Between readings, the cycle count at the end of the last slice tells
 * whether the earliest deadline may have come: the clock is read (and the
 * timers run) when it may have, and in any case at every 64th look or when
 * the last reading is 1 ms old, so that an error in the cycle rate cannot
 * add up. Timers still fire only by the clock itself. Returns the next
 * deadline, as ot__timers_run does. */
#define TIMER_SLACK_NS 50000
static int64_t timers_due_maybe(ot__sched *s)
{
    if (!ot__timers_pending(s))
        return INT64_MAX;
    int64_t first = ot__timers_first(s);
    uint64_t c = s->clock_fresh ? s->clock : cycles();
    if (s->tbase_cycles && c >= s->tbase_cycles && (++s->tlooks & 63) != 0) {
        int64_t since = (int64_t)((double)(c - s->tbase_cycles) * ns_per_cycle);
        if (since < 1000000 && s->tbase_ns + since + TIMER_SLACK_NS < first)
            return first;
    }
    int64_t now = ot__now_ns();
    s->tbase_ns = now;
    s->tbase_cycles = cycles();
    return ot__timers_run(s, now);
}

static ot__proc *next_process(ot__sched *s)
{
    ot__runtime *rt = ot__rt;
    for (;;) {
        int64_t next_deadline = timers_due_maybe(s);
        if (rt->nscheds > 1 && (s->pops & 31) == 0)
            share_backlog(s, s->clock);
        ot__proc *p = rq_pop(s);
        if (p)
            return p;
        s->clock_fresh = false; /* from here on the scheduler may spin or sleep */
        if (rt->nscheds > 1 && (p = steal(s)))
            return p;
        if (atomic_load(&rt->stopping) && atomic_load(&rt->live) == 0)
            return NULL;
        /* Spin a little before sleeping: a wakeup often follows at once. */
        for (int i = 0; i < 2000; i++) {
            if (atomic_load_explicit(&s->rq_len, memory_order_relaxed) ||
                atomic_load_explicit(&s->remote, memory_order_relaxed) ||
                atomic_load_explicit(&s->poked, memory_order_relaxed))
                break;
            ot__cpu_relax();
        }
        if (atomic_load_explicit(&s->rq_len, memory_order_relaxed) ||
            atomic_load_explicit(&s->remote, memory_order_relaxed))
            continue;
        atomic_store_explicit(&s->sleep_word, 1, memory_order_seq_cst);
        bool empty = !s->lq_head && !atomic_load_explicit(&s->remote, memory_order_seq_cst) &&
                     atomic_load_explicit(&s->rq_len, memory_order_seq_cst) == 0 &&
                     !atomic_exchange_explicit(&s->poked, false, memory_order_seq_cst);
        if (empty && !(atomic_load(&rt->stopping) && atomic_load(&rt->live) == 0)) {
            int64_t timeout = -1;
            if (next_deadline != INT64_MAX) {
                timeout = next_deadline - ot__now_ns();
                if (timeout < 0)
                    timeout = 0;
            }
            if (timeout != 0)
                ot__futex_wait(&s->sleep_word, 1, timeout);
        }
        /* Awake again: if the watchdog parked itself because every
         * scheduler slept, it watches again (seq_cst: see watchdog_main). */
        atomic_store_explicit(&s->sleep_word, 0, memory_order_seq_cst);
        if (atomic_load_explicit(&ot__watchdog_parked, memory_order_seq_cst))
            ot__watchdog_unpark();
    }
}

static void *sched_main(void *arg)
{
    ot__sched *s = arg;
    ot__tl_sched = s;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *lo;
        size_t size;
        pthread_attr_getstack(&attr, &lo, &size);
        tl_thread_stack_lo = lo;
        tl_thread_stack_size = size;
        pthread_attr_destroy(&attr);
    }
    /* Faults are handled on an alternate signal stack; keep one that is
     * already there (the sanitizers install their own). */
    stack_t old, ss = {.ss_sp = s->altstack, .ss_size = 64 * 1024, .ss_flags = 0};
    volatile bool own_altstack = sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE);
    if (own_altstack)
        sigaltstack(&ss, NULL);
    s->tsan_fiber = ot__fiber_tsan_current();
    (void)tl_fake_stack;

    /* A fault inside a process comes back here with the process still
     * s->current; the loop below then carries on. */
    if (sigsetjmp(s->crash_jmp, 0)) {
        ot__fiber_after_switch(NULL);
        ot__proc *p = s->current;
        s->current = NULL;
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGSEGV);
        sigaddset(&set, SIGBUS);
        sigaddset(&set, SIGFPE);
        sigaddset(&set, SIGILL);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        ot_heap *h = ot_heap_new();
        if (p->slot) {
            /* Where its frames stopped is unknown: clear the whole slot. */
            ot__stack_unpoison(p->slot->base, p->slot->top);
            p->slot->low_water = p->slot->top;
        }
        ot__proc_crashed(s, p, h ? fault_reason(h, s->crash_signal) : OT__ATOM(SIGNAL));
        ot_heap_free(h);
    }
    for (;;) {
        ot__proc *p = next_process(s);
        if (!p)
            break;
        ot__proc *back;
        enum ot__want w = run_process(s, p, &back);
        after_run(s, back, w);
    }
    ot__sig_cache_flush();
    if (own_altstack) {
        stack_t off = {.ss_flags = SS_DISABLE};
        sigaltstack(&off, NULL);
    }
    return NULL;
}

/* ---------------------------------------------------------------- runtime */

static void runtime_free(ot__runtime *rt)
{
    for (unsigned i = 0; i < rt->nscheds; i++) {
        ot__sched *s = &rt->scheds[i];
        for (unsigned k = 0; k < OT__SLOTS_PER_SCHED; k++)
            if (s->slots[k].map)
                munmap(s->slots[k].map, s->slots[k].map_size);
        ot__timers_free(s);
        ot__free(s->altstack);
    }
    ot__free(rt->scheds);
    pthread_mutex_destroy(&rt->done_lock);
    pthread_cond_destroy(&rt->done_cond);
    ot__free(rt);
}

void ot__first_exited(int status)
{
    ot__runtime *rt = ot__rt;
    pthread_mutex_lock(&rt->done_lock);
    atomic_store(&rt->first_status, status);
    pthread_cond_broadcast(&rt->done_cond);
    pthread_mutex_unlock(&rt->done_lock);
}

void ot__runtime_last_exit(void)
{
    ot__runtime *rt = ot__rt;
    for (unsigned i = 0; i < rt->nscheds; i++)
        ot__sched_nudge(&rt->scheds[i]);
}

/* ot_run's steps, in order: configure and allocate the runtime, publish
 * it, start the first process and the schedulers, wait for the first
 * process's exit, stop everything. */

/* Step 1: the runtime's settings from opts (and OTTER_SCHEDULERS), its
 * schedulers, their stacks and the process table. On failure nothing is
 * left allocated. */
static int runtime_new(const ot_runtime_opts *opts, ot__runtime **out)
{
    ot_runtime_opts o = {0};
    if (opts)
        o = *opts;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    ot__runtime *rt = ot__calloc(1, sizeof *rt);
    if (!rt)
        return -ENOMEM;
    /* OTTER_SCHEDULERS overrides the default, as erl's +S does. */
    const char *env = getenv("OTTER_SCHEDULERS");
    long from_env = env ? strtol(env, NULL, 10) : 0;
    if (!o.schedulers && from_env > 0 && from_env <= 1024)
        o.schedulers = (unsigned)from_env;
    rt->nscheds = o.schedulers ? o.schedulers : (unsigned)(ncpu > 0 ? ncpu : 1);
    rt->stack_size = o.stack_size ? o.stack_size : (size_t)1 << 20;
    rt->long_schedule_ns = (uint64_t)(o.long_schedule_us ? o.long_schedule_us : 10000) * 1000;
    atomic_store(&rt->first_status, -1);
    pthread_mutex_init(&rt->done_lock, NULL);
    pthread_cond_init(&rt->done_cond, NULL);
    rt->scheds = ot__calloc(rt->nscheds, sizeof *rt->scheds);
    int err = rt->scheds ? 0 : -ENOMEM;
    for (unsigned i = 0; !err && i < rt->nscheds; i++) {
        ot__sched *s = &rt->scheds[i];
        s->index = i;
        s->altstack = ot__malloc(64 * 1024);
        if (!s->altstack)
            err = -ENOMEM;
        for (unsigned k = 0; !err && k < OT__SLOTS_PER_SCHED; k++)
            err = slot_map(&s->slots[k], rt->stack_size);
    }
    if (!err)
        err = ot__proc_table_init(o.max_processes ? o.max_processes : (1u << 22));
    if (err) {
        if (rt->scheds)
            runtime_free(rt);
        else
            ot__free(rt);
        return err;
    }
    *out = rt;
    return 0;
}

/* Step 2: the runtime becomes the process's one (ot__rt), with what every
 * scheduler reads: the cycle calibration, the fault handlers, the
 * registry. */
static void runtime_publish(ot__runtime *rt)
{
    ot__rt = rt;
    calibrate_cycles();
    steal_after_cycles = (uint64_t)(OT__STEAL_AFTER_NS / ns_per_cycle);
    install_fault_handlers();
    ot__registry_init();
}

/* Step 3: the first process, then the scheduler threads and the
 * watchdog. *started is how many threads run (to be joined), even on
 * failure. */
static int runtime_start(ot__runtime *rt, ot_proc_fn fn, void *arg, unsigned *started)
{
    *started = 0;
    if (ot__spawn_first(fn, arg) == OT_NONE)
        return -ENOMEM;
    for (; *started < rt->nscheds; (*started)++)
        if (pthread_create(&rt->scheds[*started].thread, NULL, sched_main, &rt->scheds[*started]))
            return -EAGAIN;
    ot__watchdog_start(); /* without it, long slices are still seen when they end */
    return 0;
}

/* Step 4: waits for the first process to exit; its status. */
static int runtime_wait_first(ot__runtime *rt)
{
    pthread_mutex_lock(&rt->done_lock);
    while (atomic_load(&rt->first_status) < 0)
        pthread_cond_wait(&rt->done_cond, &rt->done_lock);
    int status = atomic_load(&rt->first_status);
    pthread_mutex_unlock(&rt->done_lock);
    ot__watchdog_stop();
    return status;
}

/* Step 5: stops everything that is left, then the `started` schedulers,
 * and frees the runtime. */
static void runtime_stop(ot__runtime *rt, unsigned started)
{
    atomic_store(&rt->stopping, true);
    ot__kill_all();
    ot__runtime_last_exit();
    for (unsigned i = 0; i < started; i++)
        pthread_join(rt->scheds[i].thread, NULL);
    ot__remote_runtime_stopped(); /* the distribution layer closes its sockets */
    ot__io_shutdown();
    ot__registry_shutdown();
    ot__proc_table_free();
    ot__sig_depot_free();
    ot__rt = NULL;
    runtime_free(rt);
}

int ot_run(ot_proc_fn fn, void *arg, const ot_runtime_opts *opts)
{
    static _Atomic int running;
    if (atomic_exchange(&running, 1))
        return -EBUSY;
    ot__runtime *rt;
    int err = runtime_new(opts, &rt);
    if (err) {
        atomic_store(&running, 0);
        return err;
    }
    runtime_publish(rt);
    unsigned started;
    err = runtime_start(rt, fn, arg, &started);
    int status = err ? 1 : runtime_wait_first(rt);
    runtime_stop(rt, started);
    atomic_store(&running, 0);
    return err ? err : status;
}

void ot__sched_nudge(ot__sched *s)
{
    /* Something the scheduler must look at (a new timer, shutdown) came
     * from another thread: make it go round its loop once more. */
    atomic_store_explicit(&s->poked, true, memory_order_seq_cst);
    wake_sleeper(s);
}
