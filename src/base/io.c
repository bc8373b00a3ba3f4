/* io.c — socket calls with fault injection (see io.h). */
#include "base/io.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/socket.h>

/* The program: set while `armed` is 0 (tests program it between
 * operations), read by the calls after `armed` is seen 1. `count` is the
 * one atomic counter the calls race for. */
static _Atomic int armed;
static ot_test_io_fault prog;
static _Atomic long count;
static _Atomic long injected;

long ot_test_io_fault_set(const ot_test_io_fault *f)
{
    atomic_store(&armed, 0);
    long n = atomic_exchange(&injected, 0);
    atomic_store(&count, 0);
    if (f && f->after >= 0) {
        prog = *f;
        if (!prog.ops)
            prog.ops = OT_TEST_IO_ALL;
        if (!prog.err && !prog.short_max)
            prog.short_max = 1;
        atomic_store_explicit(&armed, 1, memory_order_release);
    }
    return n;
}

long ot_test_io_calls(void)
{
    return atomic_load(&armed) ? atomic_load(&count) : 0;
}

/* This call's fault: 0 none, else the errno to fail with; *n may shrink
 * (a short transfer). */
static int fault(unsigned op, size_t *n)
{
    if (!atomic_load_explicit(&armed, memory_order_acquire))
        return 0;
    if (!(prog.ops & op))
        return 0;
    long c = atomic_fetch_add(&count, 1);   /* calls before this one */
    long k = c - prog.after;
    if (k < 0)
        return 0;
    if (k > 0 && !prog.persist && !(prog.every && k % prog.every == 0))
        return 0;
    if (!prog.err) {
        if (!n || *n <= 1)
            return 0;     /* nothing to shorten: not a fault */
        if (*n > prog.short_max)
            *n = prog.short_max;
    }
    atomic_fetch_add(&injected, 1);
    return prog.err;
}

ssize_t ot__io_recv(int fd, void *buf, size_t n, int flags)
{
    int e = fault(OT_TEST_IO_READ, &n);
    if (e)
        return -e;
    ssize_t r = recv(fd, buf, n, flags);
    return r < 0 ? -errno : r;
}

ssize_t ot__io_send(int fd, const void *buf, size_t n, int flags)
{
    int e = fault(OT_TEST_IO_WRITE, &n);
    if (e)
        return -e;
    ssize_t r = send(fd, buf, n, flags);
    return r < 0 ? -errno : r;
}

int ot__io_accept(int lfd, int flags)
{
    int e = fault(OT_TEST_IO_ACCEPT, NULL);
    if (e)
        return -e;
    int fd = accept4(lfd, NULL, NULL, flags);
    return fd < 0 ? -errno : fd;
}

int ot__io_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    int e = fault(OT_TEST_IO_CONNECT, NULL);
    if (e)
        return -e;
    return connect(fd, sa, len) != 0 ? -errno : 0;
}
