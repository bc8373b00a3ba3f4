/* io.c — waiting for the world outside: file-descriptor readiness (epoll)
 * and blocking calls run on a pool of threads, both without blocking a
 * scheduler. A process that waits is switched out like one in receive; a
 * poller thread or a pool thread marks it done and wakes it, with the same
 * pin-and-serial check that timers use, so a completion can never reach a
 * later process that reuses the control block. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/core_internal.h"

/* ---------------------------------------------------------------- completion */

/* Marks the process in block p done with `result` and wakes it, if it is
 * still the process that waits (its serial and wait generation match, in
 * their low bits as given by the masks). */
static void complete(ot__proc *p, uint32_t serial, uint32_t serial_mask, uint64_t seq,
                     uint64_t seq_mask, int64_t result)
{
    atomic_fetch_add_explicit(&p->pins, 1, memory_order_seq_cst);
    if ((atomic_load_explicit(&p->serial, memory_order_seq_cst) & serial_mask) == serial &&
        (atomic_load_explicit(&p->timer_seq, memory_order_acquire) & seq_mask) == seq) {
        atomic_store_explicit(&p->io_result, result, memory_order_relaxed);
        atomic_store_explicit(&p->io_done, true, memory_order_seq_cst);
        if (atomic_load_explicit(&p->state, memory_order_seq_cst) == OT__P_WAITING)
            ot__wake(p);
    }
    atomic_fetch_sub_explicit(&p->pins, 1, memory_order_release);
}

/* Waits (switched out) until io_done or the deadline (0: none). Returns
 * true if done. Signals are taken in meanwhile, as during a sleep. */
static bool wait_done(ot__proc *p, int64_t deadline_ns)
{
    if (deadline_ns && ot__timer_wait(p->home, p, deadline_ns) != 0)
        deadline_ns = 0;
    atomic_store_explicit(&p->where, OT__IN_SLEEP, memory_order_relaxed);
    while (!atomic_load_explicit(&p->io_done, memory_order_acquire) &&
           !(deadline_ns && atomic_load_explicit(&p->timed_out, memory_order_acquire))) {
        ot__proc_switch_out(p, OT__WANT_WAIT);
        ot__proc_handle_signals(p);
    }
    atomic_store_explicit(&p->where, OT__IN_CODE, memory_order_relaxed);
    bool done = atomic_load_explicit(&p->io_done, memory_order_acquire);
    atomic_fetch_add_explicit(&p->timer_seq, 1, memory_order_release); /* ends this wait */
    /* cleared once the wait is over: the scheduler wakes a process that
     * switches out with io_done set (see after_run) */
    atomic_store_explicit(&p->io_done, false, memory_order_relaxed);
    atomic_store_explicit(&p->timed_out, false, memory_order_relaxed);
    return done;
}

/* Starts a wait: a new generation that completions must name. */
static uint64_t begin_wait(ot__proc *p)
{
    atomic_store_explicit(&p->io_done, false, memory_order_relaxed);
    atomic_store_explicit(&p->timed_out, false, memory_order_relaxed);
    return atomic_fetch_add_explicit(&p->timer_seq, 1, memory_order_acq_rel) + 1;
}

/* ---------------------------------------------------------------- epoll */

static pthread_mutex_t poll_lock = PTHREAD_MUTEX_INITIALIZER;
static int epfd = -1, stopfd = -1;
static pthread_t poller;

/* An epoll registration carries no pointer (the waiting process's frames
 * may move while it waits) but the process and its wait, packed in the
 * event's 64 bits: the process id (23 bits), the low 20 bits of its serial
 * and the low 21 bits of its wait generation. */
#define FD_ID_BITS 23
#define FD_SERIAL_MASK 0xfffffu
#define FD_SEQ_MASK 0x1fffffu

static uint64_t fd_pack(uint32_t id, uint32_t serial, uint64_t seq)
{
    return ((uint64_t)id << 41) | ((uint64_t)(serial & FD_SERIAL_MASK) << 21) | (seq & FD_SEQ_MASK);
}

static void *poll_main(void *arg)
{
    (void)arg;
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(epfd, evs, 64, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return NULL;
        for (int i = 0; i < n; i++) {
            uint64_t d = evs[i].data.u64;
            if (d == 0)
                return NULL; /* the stop event */
            ot__proc *p = ot__proc_at((uint32_t)(d >> 41));
            if (p)
                complete(p, (uint32_t)(d >> 21) & FD_SERIAL_MASK, FD_SERIAL_MASK, d & FD_SEQ_MASK,
                         FD_SEQ_MASK, (int64_t)evs[i].events);
        }
    }
}

static int poller_start(void)
{
    pthread_mutex_lock(&poll_lock);
    int rc = 0;
    if (epfd < 0) {
        epfd = epoll_create1(EPOLL_CLOEXEC);
        stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};
        if (epfd < 0 || stopfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, stopfd, &ev) != 0 ||
            pthread_create(&poller, NULL, poll_main, NULL) != 0) {
            rc = -errno;
            if (epfd >= 0)
                close(epfd);
            if (stopfd >= 0)
                close(stopfd);
            epfd = stopfd = -1;
        }
    }
    pthread_mutex_unlock(&poll_lock);
    return rc;
}

int ot_wait_fd(int fd, uint32_t events, int64_t timeout_ms)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        return -EPERM;
    if (fd < 0 || !(events & (OT_FD_READ | OT_FD_WRITE)))
        return -EINVAL;
    if (timeout_ms == 0) {
        /* Only look: the readiness right now. */
        struct pollfd pf = {.fd = fd, .events = (short)((events & OT_FD_READ ? POLLIN : 0) |
                                                         (events & OT_FD_WRITE ? POLLOUT : 0))};
        if (poll(&pf, 1, 0) < 0)
            return -errno;
        if (pf.revents & POLLNVAL)
            return -EBADF;
        return (pf.revents & POLLIN ? OT_FD_READ : 0) | (pf.revents & POLLOUT ? OT_FD_WRITE : 0) |
               (pf.revents & (POLLERR | POLLHUP) ? OT_FD_ERROR : 0);
    }
    int rc = poller_start();
    if (rc)
        return rc;
    if (p->id >= (1u << FD_ID_BITS))
        return -ENOTSUP;
    uint64_t seq = begin_wait(p);
    struct epoll_event ev = {.events = EPOLLONESHOT,
                             .data.u64 = fd_pack(p->id, ot__lpid_serial(p->pid), seq)};
    if (events & OT_FD_READ)
        ev.events |= EPOLLIN | EPOLLRDHUP;
    if (events & OT_FD_WRITE)
        ev.events |= EPOLLOUT;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        return -errno;
    int64_t deadline = timeout_ms > 0 ? ot__now_ns() + timeout_ms * 1000000 : 0;
    bool done = wait_done(p, deadline);
    /* A completion that races with this names a finished wait and is
     * ignored. */
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    if (!done)
        return 0;
    uint32_t got = (uint32_t)atomic_load_explicit(&p->io_result, memory_order_relaxed);
    int out = 0;
    if (got & (EPOLLIN | EPOLLRDHUP))
        out |= OT_FD_READ;
    if (got & EPOLLOUT)
        out |= OT_FD_WRITE;
    if (got & (EPOLLERR | EPOLLHUP))
        out |= OT_FD_ERROR;
    return out;
}

/* ---------------------------------------------------------------- blocking pool */

#define POOL_THREADS 4

/* A job is allocated, not on the caller's stack: the caller's frames may
 * be copied out and its stack reused while the job runs. */
typedef struct job {
    struct job *next;
    void (*fn)(void *);
    void *arg;
    ot__proc *p;
    uint32_t serial;
    uint64_t seq;
} job;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;
static job *jobs_head, **jobs_tail = &jobs_head;
static pthread_t pool[POOL_THREADS];
static int pool_started;
static bool pool_stopping;

static void *pool_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pool_lock);
    for (;;) {
        while (!jobs_head && !pool_stopping)
            pthread_cond_wait(&pool_cond, &pool_lock);
        if (!jobs_head && pool_stopping)
            break;
        job *j = jobs_head;
        jobs_head = j->next;
        if (!jobs_head)
            jobs_tail = &jobs_head;
        pthread_mutex_unlock(&pool_lock);
        j->fn(j->arg);
        complete(j->p, j->serial, UINT32_MAX, j->seq, UINT64_MAX, 0);
        ot__free(j);
        pthread_mutex_lock(&pool_lock);
    }
    pthread_mutex_unlock(&pool_lock);
    return NULL;
}

int ot_blocking(void (*fn)(void *), void *arg)
{
    ot__proc *p = ot__proc_current();
    if (!p)
        return -EPERM;
    if (!fn)
        return -EINVAL;
    pthread_mutex_lock(&pool_lock);
    while (pool_started < POOL_THREADS && !pool_stopping) {
        if (pthread_create(&pool[pool_started], NULL, pool_main, NULL) != 0)
            break;
        pool_started++;
    }
    int started = pool_started;
    pthread_mutex_unlock(&pool_lock);
    if (!started)
        return -EAGAIN;
    job *j = ot__malloc(sizeof *j);
    if (!j)
        return -ENOMEM;
    *j = (job){NULL, fn, arg, p, ot__lpid_serial(p->pid), begin_wait(p)};
    pthread_mutex_lock(&pool_lock);
    *jobs_tail = j;
    jobs_tail = &j->next;
    pthread_cond_signal(&pool_cond);
    pthread_mutex_unlock(&pool_lock);
    /* Wait for the job even if exit signals arrive: fn may use data the
     * caller owns. */
    while (!atomic_load_explicit(&p->io_done, memory_order_acquire)) {
        atomic_store_explicit(&p->where, OT__IN_SLEEP, memory_order_relaxed);
        ot__proc_switch_out(p, OT__WANT_WAIT);
    }
    atomic_store_explicit(&p->where, OT__IN_CODE, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->timer_seq, 1, memory_order_release);
    atomic_store_explicit(&p->io_done, false, memory_order_relaxed);
    ot__proc_handle_signals(p);
    return 0;
}

/* ---------------------------------------------------------------- shutdown */

void ot__io_shutdown(void)
{
    pthread_mutex_lock(&poll_lock);
    if (epfd >= 0) {
        uint64_t one = 1;
        if (write(stopfd, &one, sizeof one) == sizeof one)
            pthread_join(poller, NULL);
        close(epfd);
        close(stopfd);
        epfd = stopfd = -1;
    }
    pthread_mutex_unlock(&poll_lock);
    pthread_mutex_lock(&pool_lock);
    pool_stopping = true;
    pthread_cond_broadcast(&pool_cond);
    int n = pool_started;
    pthread_mutex_unlock(&pool_lock);
    for (int i = 0; i < n; i++)
        pthread_join(pool[i], NULL);
    pthread_mutex_lock(&pool_lock);
    pool_started = 0;
    pool_stopping = false;
    pthread_mutex_unlock(&pool_lock);
}
