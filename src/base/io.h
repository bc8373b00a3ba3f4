/* io.h — the socket calls of the distribution layer (and so of the
 * dashboard's outbound connections, which go over it) pass through here,
 * so that tests can inject the faults a network produces at the Nth call,
 * as SQLite's test_vfs does for files: short reads and writes, EINTR,
 * EAGAIN, ECONNRESET, or any other errno. Off (one relaxed load per call)
 * unless a test programs it. docs/faults.md describes how to use it. */
#ifndef OTTER_BASE_IO_H
#define OTTER_BASE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "otter/base.h"

/* ot__io_recv / ot__io_send: recv/send with `flags`; bytes moved or a
 * negative errno (never -1 with errno). */
ssize_t ot__io_recv(int fd, void *buf, size_t n, int flags);
ssize_t ot__io_send(int fd, const void *buf, size_t n, int flags);
/* ot__io_accept: accept4(lfd, NULL, NULL, flags): the new fd or a negative
 * errno. */
int ot__io_accept(int lfd, int flags);
/* ot__io_connect: connect(fd, sa, len): 0 or a negative errno (the
 * kernel's -EINPROGRESS on a non-blocking socket included). */
int ot__io_connect(int fd, const struct sockaddr *sa, socklen_t len);

/* The calls a fault may be aimed at (bits of ot_test_io_fault.ops). */
enum {
    OT_TEST_IO_READ = 1,
    OT_TEST_IO_WRITE = 2,
    OT_TEST_IO_ACCEPT = 4,
    OT_TEST_IO_CONNECT = 8,
    OT_TEST_IO_ALL = 15
};

/* A programmed fault. The matching calls (those whose kind is in `ops`)
 * are counted over all threads, atomically; the first `after` go through
 * untouched and the next one is faulted; with `every` > 0, every
 * `every`th matching call after it is faulted too, and with `persist`
 * every one after it. A fault is `err` (the call returns -err without
 * reaching the kernel), or with err = 0 a short transfer: a read or write
 * of at most `short_max` bytes (at least 1), really made. */
typedef struct ot_test_io_fault {
    unsigned ops;        /* OT_TEST_IO_* bits; 0 means all */
    long after;          /* matching calls let through before the first fault */
    int err;             /* EINTR, EAGAIN, ECONNRESET, ...; 0: short transfer */
    size_t short_max;    /* with err = 0 */
    unsigned every;      /* 0: one fault (unless persist) */
    bool persist;
} ot_test_io_fault;

/* ot_test_io_fault_set: programs the hook (NULL turns it off) and returns
 * how many faults it injected since the previous call: 0 means the
 * operation between the two calls never reached the Nth call. */
OT_API long ot_test_io_fault_set(const ot_test_io_fault *f);
/* ot_test_io_calls: the matching calls counted since the hook was
 * programmed (program it with a large `after` to measure how many calls
 * an operation makes); 0 when it is off. */
OT_API long ot_test_io_calls(void);

#endif
