/* epmd.c — the client of epmd, Erlang's port mapper: starting the daemon
 * when none runs (as erl does), registering this node (ALIVE2: the
 * registration lasts as long as its socket stays open, and the reply
 * carries the node's creation) and looking other nodes' ports up
 * (PORT_PLEASE2). Requests carry a 2-byte length; replies do not. */
#include <arpa/inet.h>
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "distribution/distribution_internal.h"

#define EPMD_ALIVE2_REQ 120
#define EPMD_ALIVE2_X_RESP 118
#define EPMD_ALIVE2_RESP 121
#define EPMD_PORT_PLEASE2_REQ 122
#define EPMD_PORT2_RESP 119

#define NODE_TYPE_HIDDEN 72
#define PROTO_TCP_IPV4 0
#define DIST_VERSION 6

/* How long one exchange with epmd may take. */
#define EPMD_TIMEOUT_NS (5 * INT64_C(1000000000))

extern char **environ;

uint16_t ot__epmd_port(void)
{
    const char *e = getenv("ERL_EPMD_PORT");
    long p = e ? strtol(e, NULL, 10) : 0;
    return p > 0 && p < 65536 ? (uint16_t)p : 4369;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

/* ---------------------------------------------------------------- pure parts */

size_t ot__epmd_alive2_req(uint8_t *out, size_t cap, const char *name, uint16_t port)
{
    size_t nlen = strlen(name);
    size_t body = 1 + 2 + 1 + 1 + 2 + 2 + 2 + nlen + 2;
    if (nlen > 255 || cap < body + 2)
        return 0;
    uint8_t *p = out;
    put16(p, (unsigned)body);
    p += 2;
    *p++ = EPMD_ALIVE2_REQ;
    put16(p, port);
    p += 2;
    *p++ = NODE_TYPE_HIDDEN;
    *p++ = PROTO_TCP_IPV4;
    put16(p, DIST_VERSION); /* highest */
    p += 2;
    put16(p, DIST_VERSION); /* lowest */
    p += 2;
    put16(p, (unsigned)nlen);
    p += 2;
    memcpy(p, name, nlen);
    p += nlen;
    put16(p, 0); /* no extra */
    p += 2;
    return (size_t)(p - out);
}

int ot__epmd_parse_alive2_resp(const uint8_t *p, size_t n, uint32_t *creation)
{
    if (n >= 6 && p[0] == EPMD_ALIVE2_X_RESP) {
        if (p[1] != 0)
            return -EADDRINUSE;
        *creation = (uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 8 | p[5];
        return 0;
    }
    if (n >= 4 && p[0] == EPMD_ALIVE2_RESP) {
        if (p[1] != 0)
            return -EADDRINUSE;
        *creation = get16(p + 2);
        return 0;
    }
    if (n >= 2 && (p[0] == EPMD_ALIVE2_X_RESP || p[0] == EPMD_ALIVE2_RESP) && p[1] != 0)
        return -EADDRINUSE;
    return -EBADMSG;
}

int ot__epmd_parse_port2_resp(const uint8_t *p, size_t n, uint16_t *port)
{
    if (n < 2 || p[0] != EPMD_PORT2_RESP)
        return -EBADMSG;
    if (p[1] != 0)
        return -ECONNREFUSED; /* no such node */
    /* PortNo:16 NodeType:8 Protocol:8 Highest:16 Lowest:16 Nlen:16 Name Elen:16 Extra */
    if (n < 12)
        return -EBADMSG;
    size_t nlen = get16(p + 10);
    if (n < 12 + nlen + 2 || n < 12 + nlen + 2 + get16(p + 12 + nlen))
        return -EBADMSG;
    unsigned highest = get16(p + 6), lowest = get16(p + 8);
    if (highest < DIST_VERSION || lowest > DIST_VERSION)
        return -EPROTO;
    *port = (uint16_t)get16(p + 2);
    return *port ? 0 : -EBADMSG;
}

/* ---------------------------------------------------------------- the daemon */

typedef struct daemon_job {
    int status;
} daemon_job;

static void daemon_run(void *arg)
{
    daemon_job *j = arg;
    char *argv[] = {"epmd", "-daemon", NULL};
    pid_t pid;
    j->status = -1;
    if (posix_spawnp(&pid, "epmd", NULL, NULL, argv, environ) != 0)
        return;
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    j->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Starts `epmd -daemon` (which forks and returns at once). */
static int start_daemon(void)
{
    daemon_job *j = ot__calloc(1, sizeof *j);
    if (!j)
        return -ENOMEM;
    int rc = ot_blocking(daemon_run, j);
    if (!rc && j->status != 0)
        rc = -ECONNREFUSED;
    ot__free(j);
    return rc;
}

static int connect_local(int64_t deadline)
{
    return ot__sock_connect_addr(htonl(INADDR_LOOPBACK), ot__epmd_port(), deadline);
}

/* ---------------------------------------------------------------- requests */

int ot__epmd_register(const char *name, uint16_t port, bool start, uint32_t *creation)
{
    int64_t deadline = ot__now_ns() + EPMD_TIMEOUT_NS;
    int fd = connect_local(deadline);
    if (fd == -ECONNREFUSED && start) {
        int rc = start_daemon();
        if (rc)
            return rc;
        /* The daemon takes a moment to listen. */
        for (int i = 0; i < 50 && fd == -ECONNREFUSED; i++) {
            ot_sleep(20);
            fd = connect_local(ot__now_ns() + EPMD_TIMEOUT_NS);
        }
    }
    if (fd < 0)
        return fd;
    uint8_t req[300];
    size_t n = ot__epmd_alive2_req(req, sizeof req, name, port);
    int rc = n ? ot__sock_write_all(fd, req, n, deadline) : -EINVAL;
    uint8_t resp[6];
    if (!rc)
        rc = ot__sock_read_exact(fd, resp, 2, deadline);
    if (!rc && resp[1] == 0) {
        size_t more = resp[0] == EPMD_ALIVE2_X_RESP ? 4 : 2;
        rc = ot__sock_read_exact(fd, resp + 2, more, deadline);
        if (!rc)
            rc = ot__epmd_parse_alive2_resp(resp, 2 + more, creation);
    } else if (!rc) {
        rc = ot__epmd_parse_alive2_resp(resp, 2, creation);
    }
    if (rc) {
        ot__fd_close(fd);
        return rc;
    }
    return fd;
}

int ot__epmd_port_please(const char *host, const char *name, int64_t deadline_ns)
{
    int64_t deadline = ot__now_ns() + EPMD_TIMEOUT_NS;
    if (deadline_ns && deadline_ns < deadline)
        deadline = deadline_ns;
    int fd = ot__sock_connect(host, ot__epmd_port(), deadline);
    if (fd < 0)
        return fd;
    size_t nlen = strlen(name);
    uint8_t req[260];
    int rc = 0;
    if (nlen > 255) {
        rc = -EINVAL;
    } else {
        put16(req, (unsigned)(nlen + 1));
        req[2] = EPMD_PORT_PLEASE2_REQ;
        memcpy(req + 3, name, nlen);
        rc = ot__sock_write_all(fd, req, nlen + 3, deadline);
    }
    /* The reply is short and epmd closes the socket after it: read all. */
    uint8_t resp[1024];
    size_t got = 0;
    while (!rc && got < sizeof resp) {
        ssize_t r = ot__sock_recv(fd, resp + got, sizeof resp - got);
        if (r > 0) {
            got += (size_t)r;
        } else if (r == 0) {
            break;
        } else if (r == -EAGAIN || r == -EWOULDBLOCK) {
            int64_t left = deadline - ot__now_ns();
            if (left <= 0) {
                rc = -ETIMEDOUT;
                break;
            }
            int w = ot_wait_fd(fd, OT_FD_READ, (left + 999999) / 1000000);
            if (w < 0)
                rc = w;
        } else if (r != -EINTR) {
            rc = (int)r;
        }
    }
    ot__fd_close(fd);
    if (rc)
        return rc;
    uint16_t port;
    rc = ot__epmd_parse_port2_resp(resp, got, &port);
    return rc ? rc : port;
}
