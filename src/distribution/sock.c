/* sock.c — sockets served from processes: non-blocking reads and writes
 * that wait with ot_wait_fd (the scheduler runs other processes
 * meanwhile), TCP connects with a deadline, host names resolved on the
 * blocking-call pool; every call goes through base/io.h, where tests
 * inject short transfers, EINTR, EAGAIN and ECONNRESET. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "distribution/distribution_internal.h"

/* ---------------------------------------------------------------- calls */

/* Through base/io.h, where tests inject faults. */
ssize_t ot__sock_recv(int fd, void *buf, size_t n)
{
    return ot__io_recv(fd, buf, n, MSG_DONTWAIT);
}

ssize_t ot__sock_send(int fd, const void *buf, size_t n)
{
    return ot__io_send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void ot__sock_setup(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* ---------------------------------------------------------------- waiting */

/* Waits for events on fd until deadline (0: none). 0 when ready, or a
 * negative errno (-ETIMEDOUT). */
static int wait_for(int fd, uint32_t events, int64_t deadline_ns)
{
    int64_t ms = OT_INFINITY;
    if (deadline_ns) {
        int64_t left = deadline_ns - ot__now_ns();
        if (left <= 0)
            return -ETIMEDOUT;
        ms = (left + 999999) / 1000000;
    }
    int r = ot_wait_fd(fd, events, ms);
    if (r < 0)
        return r;
    return r == 0 ? -ETIMEDOUT : 0;
}

int ot__sock_read_exact(int fd, void *buf, size_t n, int64_t deadline_ns)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t r = ot__sock_recv(fd, p, n);
        if (r > 0) {
            p += r;
            n -= (size_t)r;
            continue;
        }
        if (r == 0)
            return -ECONNRESET;
        if (r == -EINTR)
            continue;
        if (r != -EAGAIN && r != -EWOULDBLOCK)
            return (int)r;
        int w = wait_for(fd, OT_FD_READ, deadline_ns);
        if (w)
            return w;
    }
    return 0;
}

int ot__sock_write_all(int fd, const void *buf, size_t n, int64_t deadline_ns)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t r = ot__sock_send(fd, p, n);
        if (r > 0) {
            p += r;
            n -= (size_t)r;
            continue;
        }
        if (r == -EINTR || r == 0)
            continue;
        if (r != -EAGAIN && r != -EWOULDBLOCK)
            return r == -EPIPE ? -ECONNRESET : (int)r;
        int w = wait_for(fd, OT_FD_WRITE, deadline_ns);
        if (w)
            return w;
    }
    return 0;
}

/* ---------------------------------------------------------------- connect */

int ot__sock_connect_addr(uint32_t addr_be, uint16_t port, int64_t deadline_ns)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    ot__fd_track(fd);
    ot__sock_setup(fd);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = addr_be;
    int c = ot__io_connect(fd, (struct sockaddr *)&sa, sizeof sa);
    if (c != 0) {
        if (c != -EINPROGRESS) {
            ot__fd_close(fd);
            return c;
        }
        int w = wait_for(fd, OT_FD_WRITE, deadline_ns);
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (!w && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
            soerr = errno;
        if (w || soerr) {
            ot__fd_close(fd);
            return w ? w : -soerr;
        }
    }
    return fd;
}

/* A name lookup, run on the blocking-call pool: it lives in memory of its
 * own, never on the waiting process's stack (whose frames may move). */
typedef struct lookup {
    char host[256];
    uint32_t addr_be;
    int err;
} lookup;

static void lookup_run(void *arg)
{
    lookup *l = arg;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(l->host, NULL, &hints, &res);
    if (rc != 0 || !res) {
        l->err = -EHOSTUNREACH;
    } else {
        l->addr_be = ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr;
        l->err = 0;
    }
    if (res)
        freeaddrinfo(res);
}

static int resolve(const char *host, uint32_t *addr_be)
{
    struct in_addr a;
    if (inet_aton(host, &a)) {
        *addr_be = a.s_addr;
        return 0;
    }
    lookup *l = ot__calloc(1, sizeof *l);
    if (!l)
        return -ENOMEM;
    snprintf(l->host, sizeof l->host, "%s", host);
    int rc = ot_blocking(lookup_run, l);
    if (!rc)
        rc = l->err;
    if (!rc)
        *addr_be = l->addr_be;
    ot__free(l);
    return rc;
}

int ot__sock_connect(const char *host, uint16_t port, int64_t deadline_ns)
{
    uint32_t a;
    int rc = resolve(host, &a);
    if (rc)
        return rc;
    return ot__sock_connect_addr(a, port, deadline_ns);
}

/* ---------------------------------------------------------------- buffers */

bool ot__dist_buf_reserve(ot__buf *b, size_t n)
{
    size_t cap = b->cap;
    if (!ot__buf_reserve(b, n))
        return false;
    if (b->cap != cap)
        ot__mem_add(OT__MEM_SYSTEM_OTHER, (int64_t)(b->cap - cap));
    return true;
}

void ot__dist_buf_free(ot__buf *b)
{
    ot__mem_add(OT__MEM_SYSTEM_OTHER, -(int64_t)b->cap);
    ot__buf_free(b);
}

/* ---------------------------------------------------------------- tracking */

static pthread_mutex_t fds_lock = PTHREAD_MUTEX_INITIALIZER;
static int *fds;
static size_t nfds, capfds;

void ot__fd_track(int fd)
{
    pthread_mutex_lock(&fds_lock);
    if (nfds == capfds) {
        size_t nc = capfds ? capfds * 2 : 32;
        int *n = ot__realloc(fds, nc * sizeof *n);
        if (n) {
            fds = n;
            capfds = nc;
        }
    }
    if (nfds < capfds)
        fds[nfds++] = fd;
    pthread_mutex_unlock(&fds_lock);
}

void ot__fd_close(int fd)
{
    if (fd < 0)
        return;
    pthread_mutex_lock(&fds_lock);
    for (size_t i = 0; i < nfds; i++)
        if (fds[i] == fd) {
            fds[i] = fds[--nfds];
            break;
        }
    close(fd);
    pthread_mutex_unlock(&fds_lock);
}

void ot__fd_close_all(void)
{
    pthread_mutex_lock(&fds_lock);
    for (size_t i = 0; i < nfds; i++)
        close(fds[i]);
    nfds = capfds = 0;
    ot__free(fds);
    fds = NULL;
    pthread_mutex_unlock(&fds_lock);
}

/* ---------------------------------------------------------------- owned memory */

static pthread_mutex_t owned_lock = PTHREAD_MUTEX_INITIALIZER;
static ot__owned *owned;

ot__owned *ot__owned_new(void)
{
    ot__owned *o = ot__calloc(1, sizeof *o);
    if (!o)
        return NULL;
    pthread_mutex_lock(&owned_lock);
    o->next = owned;
    if (owned)
        owned->prev = o;
    owned = o;
    pthread_mutex_unlock(&owned_lock);
    return o;
}

static void owned_release(ot__owned *o)
{
    ot__dist_buf_free(&o->buf);
    ot_heap_free(o->heap);
    ot__free(o);
}

void ot__owned_free(ot__owned *o)
{
    if (!o)
        return;
    pthread_mutex_lock(&owned_lock);
    if (o->prev)
        o->prev->next = o->next;
    else
        owned = o->next;
    if (o->next)
        o->next->prev = o->prev;
    pthread_mutex_unlock(&owned_lock);
    owned_release(o);
}

void ot__owned_free_all(void)
{
    pthread_mutex_lock(&owned_lock);
    ot__owned *o = owned;
    owned = NULL;
    pthread_mutex_unlock(&owned_lock);
    while (o) {
        ot__owned *n = o->next;
        owned_release(o);
        o = n;
    }
}
