/* conn.c — connections to other nodes: the processes that make and serve
 * a connection, ticks, and what happens when a connection is lost (the
 * entries themselves are in dnode.c, the relations across them in
 * drel.c).
 *
 * A connection is served by two otter processes. The owner makes the
 * connection (the initiating or accepting handshake), then reads: it
 * waits on the socket with ot_wait_fd, splits the byte stream into
 * packets, decodes each and delivers it (signals.c), answers ticks and
 * sends its own. The writer waits for a message telling it that output is
 * queued, takes the whole queue in one swap and writes it. Senders
 * (ot_send to a remote pid, links, monitors, exits — any process, any
 * thread) encode their packet straight into the entry's output buffer
 * under its lock; on an idle connection they write the queue themselves
 * (ot__conn_flush_locked), otherwise they wake the writer once, so a
 * burst of messages becomes a few large writes. Processes rather than a
 * thread of its own: a connection costs two small processes, the
 * scheduler interleaves it with everything else, and a reader process
 * delivers to receivers on its own scheduler without waking another
 * thread (docs/distribution.md has the measurements).
 *
 * The socket belongs to the owner, its duplicate to the writer; each
 * closes its own. Anyone who wants a connection gone (the writer on a
 * write error, ot_disconnect, the node stopping) calls ot__conn_lost,
 * which shuts the socket down under the entry's lock, so that both
 * processes wake up, see that the generation moved on, and leave.
 *
 * Entries are never freed while the runtime runs, so a pointer to one
 * stays valid; `gen` tells one connection (or attempt) from the next. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "distribution/distribution_internal.h"

#define ATOM_CONNECT_DONE "$otter_connect_done"

static uint64_t gen_of(ot__dnode *d)
{
    return __atomic_load_n(&d->gen, __ATOMIC_ACQUIRE);
}

static void gen_bump(ot__dnode *d)
{
    __atomic_store_n(&d->gen, d->gen + 1, __ATOMIC_RELEASE);
}

/* Appends pid to a growable array of pids. */
static bool pids_add(ot_term **a, size_t *n, size_t *cap, ot_term pid)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        ot_term *na = ot__realloc(*a, nc * sizeof *na);
        if (!na)
            return false;
        *a = na;
        *cap = nc;
    }
    (*a)[(*n)++] = pid;
    return true;
}

/* ---------------------------------------------------------------- output */

/* A sender writes the queue itself (its own packet, and whatever was
 * queued before it), saving the hop to the writer, when nothing is being
 * written and nothing was for DIRECT_GAP_NS. A request that waits for its
 * answer (erpc, a call) goes out at once; a burst of sends goes out in
 * batches: by the sender every DIRECT_GAP_NS, by the writer meanwhile. */
#define DIRECT_GAP_NS 20000

void ot__conn_flush_locked(ot__dnode *d, size_t start, bool *kick)
{
    OT__ASSERT(ot__mutex_held(&d->lock) && start <= d->out.len);
    (void)start;
    if (d->state != OT__CONN_UP)
        return;
    if (!d->writing && d->fd >= 0) {
        int64_t now = ot__now_ns();
        if (now - atomic_load_explicit(&d->last_tx_ns, memory_order_relaxed) >= DIRECT_GAP_NS) {
            /* never blocks; an error is left for the writer to report */
            ssize_t r = ot__sock_send(d->fd, d->out.bytes, d->out.len);
            if (r > 0) {
                atomic_fetch_add_explicit(&d->bytes_out, (uint64_t)r, memory_order_relaxed);
                atomic_store_explicit(&d->last_tx_ns, now, memory_order_relaxed);
                memmove(d->out.bytes, d->out.bytes + r, d->out.len - (size_t)r);
                d->out.len -= (size_t)r;
            }
            if (d->out.len == 0)
                return;
        }
    }
    if (!d->kicked) {
        d->kicked = true;
        *kick = true;
    }
}

bool ot__conn_append_locked(ot__dnode *d, const uint8_t *p, size_t n, bool *kick)
{
    OT__ASSERT(ot__mutex_held(&d->lock));
    size_t start = d->out.len;
    if (!ot__dist_buf_reserve(&d->out, n))
        return false;
    memcpy(d->out.bytes + d->out.len, p, n);
    d->out.len += n;
    ot__conn_flush_locked(d, start, kick);
    return true;
}

void ot__conn_kick(ot__dnode *d)
{
    pthread_mutex_lock(&d->lock);
    ot_term w = d->writer;
    pthread_mutex_unlock(&d->lock);
    if (w != OT_NONE)
        ot_send(w, OT_NIL);
}

/* ---------------------------------------------------------------- losing */

static void notify_waiters(ot_term node, ot_term *waiters, size_t n, int result)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t mem[8];
        ot_heap h;
        ot__heap_init_fixed(&h, mem, 8);
        ot_send(waiters[i], ot_tuple(&h, 3, ot_atom(ATOM_CONNECT_DONE), node, ot_int(&h, result)));
        ot__heap_release_fixed(&h);
    }
}

/* Ends generation gen of d: d becomes IDLE, and what depended on the
 * connection is told. result is the error that waiters in ot_connect get. */
static void lose(ot__dnode *d, uint64_t gen, const char *why, int result)
{
    pthread_mutex_lock(&d->lock);
    if (gen_of(d) != gen || d->state == OT__CONN_IDLE) {
        pthread_mutex_unlock(&d->lock);
        return;
    }
    bool was_up = d->state == OT__CONN_UP;
    d->state = OT__CONN_IDLE;
    gen_bump(d);
    d->last_error = result;
    ot__drel *rels = ot__drel_take_all(&d->rels);
    ot_term *watchers = d->watchers, *waiters = d->waiters;
    size_t nwatchers = d->nwatchers, nwaiters = d->nwaiters;
    d->watchers = d->waiters = NULL;
    d->nwatchers = d->capwatchers = d->nwaiters = d->capwaiters = 0;
    d->out.len = 0; /* what was queued for this connection is lost with it */
    d->kicked = false;
    ot_term writer = d->writer;
    d->writer = OT_NONE;
    d->owner = OT_NONE;
    if (d->fd >= 0)
        shutdown(d->fd, SHUT_RDWR); /* wakes the owner and the writer */
    d->fd = -1;
    pthread_mutex_unlock(&d->lock);

    if (writer != OT_NONE)
        ot_send(writer, OT_NIL);
    if (was_up && why && strcmp(why, "closed by the peer") != 0)
        ot__dist_log("connection to %s lost: %s", ot_atom_text(d->node, NULL), why);
    ot__dist_fire(d, rels);
    for (size_t i = 0; i < nwatchers; i++) {
        uint64_t mem[4];
        ot_heap h;
        ot__heap_init_fixed(&h, mem, 4);
        ot_send(watchers[i], ot_tuple(&h, 2, ot_atom("nodedown"), d->node));
        ot__heap_release_fixed(&h);
    }
    notify_waiters(d->node, waiters, nwaiters, result);
    ot__free(watchers);
    ot__free(waiters);
}

void ot__conn_lost(ot__dnode *d, uint64_t gen, const char *why)
{
    lose(d, gen, why, -ENOTCONN);
}

/* ---------------------------------------------------------------- the writer */

/* The writer of generation gen: waits to be told that output is queued,
 * writes all of it, and leaves when the generation moves on. */
static void writer_main(void *arg)
{
    ot__dnode *d = arg;
    ot_term a = ot_spawn_arg();
    uint64_t gen = 0;
    int64_t fdv = -1;
    ot_get_uint64(ot_tuple_get(a, 0), &gen);
    ot_get_int64(ot_tuple_get(a, 1), &fdv);
    int wfd = (int)fdv;
    ot__owned *own = ot__owned_new();
    if (!own) {
        ot__conn_lost(d, gen, "out of memory");
        ot__fd_close(wfd);
        return;
    }
    ot__buf mine = {0};
    for (;;) {
        ot_msg_free(ot_receive(OT_NONE, OT_INFINITY, NULL));
        ot_flush(); /* wake-ups are all alike */
        bool gone = false;
        for (;;) {
            pthread_mutex_lock(&d->lock);
            if (gen_of(d) != gen) {
                pthread_mutex_unlock(&d->lock);
                gone = true;
                break;
            }
            if (d->out.len == 0) {
                d->kicked = false;
                pthread_mutex_unlock(&d->lock);
                break;
            }
            if (d->writing) {
                /* a sender is writing directly: it kicks us again after */
                d->kicked = false;
                pthread_mutex_unlock(&d->lock);
                break;
            }
            ot__buf t = d->out;
            d->out = mine;
            mine = t;
            own->buf = mine; /* tracked while it is ours */
            d->writing = true;
            pthread_mutex_unlock(&d->lock);
            int rc = ot__sock_write_all(wfd, mine.bytes, mine.len, 0);
            pthread_mutex_lock(&d->lock);
            d->writing = false;
            pthread_mutex_unlock(&d->lock);
            if (rc) {
                ot__conn_lost(d, gen, rc == -ECONNRESET ? "closed by the peer" : ot_strerror(rc));
                gone = true;
                break;
            }
            atomic_fetch_add_explicit(&d->bytes_out, mine.len, memory_order_relaxed);
            atomic_store_explicit(&d->last_tx_ns, ot__now_ns(), memory_order_relaxed);
            mine.len = 0;
            own->buf = mine;
        }
        if (gone)
            break;
    }
    own->buf = mine;
    ot__owned_free(own);
    pthread_mutex_lock(&d->lock);
    if (d->wfd == wfd)
        d->wfd = -1;
    pthread_mutex_unlock(&d->lock);
    ot__fd_close(wfd);
}

/* ---------------------------------------------------------------- the reader */

/* Queues a tick (an empty packet). */
static void send_tick(ot__dnode *d, uint64_t gen)
{
    static const uint8_t tick[4] = {0, 0, 0, 0};
    bool kick = false;
    pthread_mutex_lock(&d->lock);
    if (gen_of(d) == gen)
        ot__conn_append_locked(d, tick, 4, &kick);
    pthread_mutex_unlock(&d->lock);
    /* Counted as sent now: the writer will be quick, and a stuck writer
     * shows up as the peer's missing ticks, not as more ticks from us. */
    atomic_store_explicit(&d->last_tx_ns, ot__now_ns(), memory_order_relaxed);
    if (kick)
        ot__conn_kick(d);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads and serves the connection of generation gen until it is lost. */
static void reader_loop(ot__dnode *d, uint64_t gen, int fd)
{
    ot__proc *self = ot__proc_current();
    /* Its memory is tracked: a reader killed when the runtime stops
     * cannot free it itself. */
    ot__owned *own = ot__owned_new();
    ot__buf *in = own ? &own->buf : NULL;
    ot_heap *h = own ? (own->heap = ot_heap_new()) : NULL;
    size_t max_packet = ot__self_node.max_packet;
    size_t max_depth = ot__self_node.max_depth;
    const char *why = NULL;
    char whybuf[160];
    if (!h || !ot__dist_buf_reserve(in, 65536)) {
        why = "out of memory";
        goto out;
    }
    for (;;) {
        if (gen_of(d) != gen)
            goto out; /* replaced or disconnected: someone else told everyone */
        ssize_t r = ot__sock_recv(fd, in->bytes + in->len, in->cap - in->len);
        if (r == -EINTR)
            continue;
        if (r == 0) {
            why = "closed by the peer";
            goto out;
        }
        if (r < 0 && r != -EAGAIN && r != -EWOULDBLOCK) {
            snprintf(whybuf, sizeof whybuf, "read failed: %s", ot_strerror((int)r));
            why = whybuf;
            goto out;
        }
        int64_t now = ot__now_ns();
        if (r < 0) {
            /* Nothing to read: tick, check the peer's ticks, wait. */
            int64_t tick_ns = (int64_t)atomic_load(&ot__self_node.ticktime_s) * 1000000000;
            int64_t last_rx = atomic_load_explicit(&d->last_rx_ns, memory_order_relaxed);
            if (now - last_rx > tick_ns) {
                snprintf(whybuf, sizeof whybuf, "no data or tick for %u s (net_ticktime)",
                         atomic_load(&ot__self_node.ticktime_s));
                why = whybuf;
                goto out;
            }
            int64_t last_tx = atomic_load_explicit(&d->last_tx_ns, memory_order_relaxed);
            if (now - last_tx >= tick_ns / 4)
                send_tick(d, gen);
            int w = ot_wait_fd(fd, OT_FD_READ, tick_ns / 4 / 1000000 + 1);
            if (w < 0) {
                snprintf(whybuf, sizeof whybuf, "wait failed: %s", ot_strerror(w));
                why = whybuf;
                goto out;
            }
            continue;
        }
        in->len += (size_t)r;
        atomic_store_explicit(&d->last_rx_ns, now, memory_order_relaxed);
        atomic_fetch_add_explicit(&d->bytes_in, (uint64_t)r, memory_order_relaxed);

        /* Every whole packet in the buffer. */
        size_t off = 0;
        int64_t served = 0;
        for (;;) {
            size_t n = 0;
            int got = ot__packet_next(in->bytes + off, in->len - off, max_packet, &n);
            if (got < 0) {
                snprintf(whybuf, sizeof whybuf, "packet of %u bytes over the limit (%zu)",
                         be32(in->bytes + off), max_packet);
                why = whybuf;
                goto out;
            }
            if (got == 0)
                break; /* the rest of it has not arrived */
            served++;
            if (n) {
                ot__dmsg m;
                const char *bad = NULL;
                int rc = ot__packet_decode(h, in->bytes + off + 4, n, max_depth, &m, &bad);
                if (!rc)
                    rc = ot__dist_dispatch(d, &m, &bad);
                ot_heap_reset(h);
                if (rc) {
                    snprintf(whybuf, sizeof whybuf, "bad packet (%s)", bad ? bad : ot_strerror(rc));
                    why = whybuf;
                    goto out;
                }
                atomic_fetch_add_explicit(&d->packets_in, 1, memory_order_relaxed);
            }
            off += 4 + n;
        }
        if (off) {
            memmove(in->bytes, in->bytes + off, in->len - off);
            in->len -= off;
        }
        /* Room for the rest of a packet that did not fit. */
        if (in->len >= 4) {
            size_t n = be32(in->bytes);
            if (n + 4 > in->cap && !ot__dist_buf_reserve(in, n + 4 - in->len)) {
                why = "out of memory for a large packet";
                goto out;
            }
        }
        if (in->cap - in->len < 1024 && !ot__dist_buf_reserve(in, 65536)) {
            why = "out of memory";
            goto out;
        }
        /* What the batch woke or spawned here (an erpc worker, a caller)
         * runs before this reader goes back to the socket. */
        ot__proc_charge(self, served + 1);
        ot_yield();
    }
out:
    ot__conn_lost(d, gen, why);
    ot__owned_free(own);
    pthread_mutex_lock(&d->lock);
    if (d->fd == fd)
        d->fd = -1;
    pthread_mutex_unlock(&d->lock);
    ot__fd_close(fd);
}

/* ---------------------------------------------------------------- up */

/* Makes the connection of d established on fd, served by the calling
 * process. incoming: an accepted connection, which replaces whatever d
 * had; otherwise it must still be generation gen. Returns the
 * connection's generation, or 0 if it lost the race (fd not taken). */
static uint64_t connection_up(ot__dnode *d, uint64_t gen, int fd, const ot__hs_name *peer,
                              bool incoming)
{
    if (!atomic_load(&ot__self_node.alive))
        return 0;
    if (incoming) {
        pthread_mutex_lock(&d->lock);
        bool up = d->state == OT__CONN_UP;
        uint64_t old = gen_of(d);
        pthread_mutex_unlock(&d->lock);
        if (up) /* the peer came back: its old connection is dead */
            lose(d, old, "replaced by a new connection from the same node", -ENOTCONN);
    }
    pthread_mutex_lock(&d->lock);
    if (!incoming && (gen_of(d) != gen || d->state != OT__CONN_PENDING)) {
        pthread_mutex_unlock(&d->lock);
        return 0;
    }
    if (incoming) {
        /* an attempt of ours in progress gives way to this one */
        gen_bump(d);
    }
    uint64_t g = gen_of(d);
    d->state = OT__CONN_UP;
    d->owner = ot_self();
    d->fd = fd;
    d->peer_flags = peer->flags;
    d->peer_creation = peer->creation;
    d->up_since_ms = ot_monotonic_ms();
    int64_t now = ot__now_ns();
    atomic_store(&d->last_rx_ns, now);
    atomic_store(&d->last_tx_ns, now);
    ot_term *waiters = d->waiters;
    size_t nwaiters = d->nwaiters;
    d->waiters = NULL;
    d->nwaiters = d->capwaiters = 0;
    d->kicked = true; /* until the writer exists, nobody else kicks */
    pthread_mutex_unlock(&d->lock);

    int wfd = dup(fd);
    ot_term writer = OT_NONE;
    if (wfd >= 0) {
        ot__fd_track(wfd);
        uint64_t mem[8];
        ot_heap h;
        ot__heap_init_fixed(&h, mem, 8);
        ot_spawn_opts o = {.term_arg = ot_tuple(&h, 2, ot_uint(&h, g), ot_int(&h, wfd)),
                           .initial_call = "otter_dist:writer/1"};
        writer = ot_spawn_opt(writer_main, d, &o);
        ot__heap_release_fixed(&h);
        if (writer == OT_NONE)
            ot__fd_close(wfd);
    }
    pthread_mutex_lock(&d->lock);
    bool same = gen_of(d) == g;
    if (same) {
        d->writer = writer;
        d->wfd = writer != OT_NONE ? wfd : -1;
    }
    pthread_mutex_unlock(&d->lock);
    if (writer == OT_NONE) {
        notify_waiters(d->node, waiters, nwaiters, -ENOMEM);
        ot__free(waiters);
        ot__conn_lost(d, g, "no memory for the writer");
        return 0;
    }
    ot_send(writer, OT_NIL); /* flush what was queued meanwhile */
    notify_waiters(d->node, waiters, nwaiters, same ? 0 : -ENOTCONN);
    ot__free(waiters);
    return same ? g : 0;
}

/* ---------------------------------------------------------------- connecting */

bool ot__conn_start_locked(ot__dnode *d, uint64_t *gen)
{
    OT__ASSERT(ot__mutex_held(&d->lock));
    if (d->state != OT__CONN_IDLE)
        return false;
    d->state = OT__CONN_PENDING;
    gen_bump(d);
    d->owner = OT_NONE;
    *gen = gen_of(d);
    return true;
}

static void fail_attempt(ot__dnode *d, uint64_t gen, int err, const char *why)
{
    lose(d, gen, why, err);
}

/* The process that makes an outgoing connection, then serves it. */
static void connector_main(void *arg)
{
    ot__dnode *d = arg;
    uint64_t gen = 0;
    ot_get_uint64(ot_spawn_arg(), &gen);
    int64_t deadline = ot__now_ns() + (int64_t)ot__self_node.setup_ms * 1000000;
    size_t nlen;
    const char *text = ot_atom_text(d->node, &nlen);
    char alive[256], host[256];
    const char *at = memchr(text, '@', nlen);
    snprintf(alive, sizeof alive, "%.*s", (int)(at - text), text);
    snprintf(host, sizeof host, "%.*s", (int)(text + nlen - at - 1), at + 1);
    bool peer_long = strchr(host, '.') != NULL;
    if (peer_long != ot__self_node.long_names && strcmp(host, "localhost") != 0) {
        ot__dist_log("cannot connect to %s: %s names do not mix with %s names", text,
                     peer_long ? "long" : "short", ot__self_node.long_names ? "long" : "short");
        fail_attempt(d, gen, -EINVAL, NULL);
        return;
    }
    int port = ot__epmd_port_please(host, alive, deadline);
    if (port < 0) {
        fail_attempt(d, gen, port == -ETIMEDOUT ? -ETIMEDOUT
                              : port == -EHOSTUNREACH ? -EHOSTUNREACH : -ECONNREFUSED, NULL);
        return;
    }
    int fd = ot__sock_connect(host, (uint16_t)port, deadline);
    if (fd < 0) {
        fail_attempt(d, gen, fd == -ETIMEDOUT ? -ETIMEDOUT : -ECONNREFUSED, NULL);
        return;
    }
    pthread_mutex_lock(&d->lock);
    bool mine = gen_of(d) == gen;
    if (mine) {
        d->fd = fd;
        d->owner = ot_self();
    }
    pthread_mutex_unlock(&d->lock);
    if (!mine) {
        ot__fd_close(fd);
        return;
    }
    char cookie[256];
    ot__cookie_for(d, cookie, sizeof cookie);
    ot__hs_name peer;
    int rc = ot__handshake_connect(fd, d, cookie, deadline, &peer);
    if (rc == -EALREADY) {
        /* The peer sets up its own connection to us, which the acceptor
         * takes over (ok_simultaneous); wait for it to do so. */
        while (gen_of(d) == gen && ot__now_ns() < deadline)
            ot_sleep(10);
        if (gen_of(d) == gen)
            fail_attempt(d, gen, -ETIMEDOUT, NULL);
        rc = -EALREADY;
    } else if (rc) {
        fail_attempt(d, gen, rc == -EACCES || rc == -EPROTO || rc == -ETIMEDOUT ? rc : -ECONNREFUSED,
                     NULL);
    }
    uint64_t g = rc ? 0 : connection_up(d, gen, fd, &peer, false);
    if (!g) {
        pthread_mutex_lock(&d->lock);
        if (d->fd == fd)
            d->fd = -1;
        pthread_mutex_unlock(&d->lock);
        ot__fd_close(fd);
        return;
    }
    reader_loop(d, g, fd);
}

void ot__conn_spawn_connector(ot__dnode *d, uint64_t gen)
{
    uint64_t mem[4];
    ot_heap h;
    ot__heap_init_fixed(&h, mem, 4);
    ot_spawn_opts o = {.term_arg = ot_uint(&h, gen), .initial_call = "otter_dist:connect/1"};
    ot_term pid = ot_spawn_opt(connector_main, d, &o);
    ot__heap_release_fixed(&h);
    if (pid == OT_NONE)
        fail_attempt(d, gen, -ENOMEM, NULL);
}

/* ---------------------------------------------------------------- accepting */

/* Serves one accepted socket: the accepting handshake, then the reader. */
void ot__conn_accept_main(void *arg)
{
    int fd = (int)(intptr_t)arg;
    int64_t deadline = ot__now_ns() + (int64_t)ot__self_node.setup_ms * 1000000;
    uint8_t buf[512];
    size_t n;
    ot__hs_name peer;
    const char *reject = NULL;
    if (ot__hs_recv(fd, buf, sizeof buf, &n, deadline) != 0) {
        ot__fd_close(fd); /* garbage, a port scan, a peer that gave up: nothing to log */
        return;
    }
    if (ot__hs_parse_send_name(buf, n, &peer) != 0) {
        if (n && buf[0] == 'n')
            ot__dist_log("connection attempt refused: the peer speaks handshake version 5");
        ot__fd_close(fd);
        return;
    }
    uint64_t missing = ot__hs_missing_flags(peer.flags);
    if (missing) {
        ot__hs_send(fd, (const uint8_t *)"snot_allowed", 12, deadline);
        ot__dist_log("connection attempt from %s rejected: it lacks capabilities 0x%llx", peer.name,
                     (unsigned long long)missing);
        ot__fd_close(fd);
        return;
    }
    if (!strcmp(peer.name, ot_atom_text(ot__self_node.name, NULL))) {
        ot__fd_close(fd); /* a node calling itself by our name */
        return;
    }
    /* Untrusted until the digest checks out: no atom is made for the name
     * yet, an existing entry is only looked at. */
    ot_term known = ot_atom_existing(peer.name, peer.name_len);
    ot__dnode *d = known != OT_NONE ? ot__dnode_get(known, false) : NULL;
    const char *status = "sok";
    if (d) {
        pthread_mutex_lock(&d->lock);
        int st = d->state;
        pthread_mutex_unlock(&d->lock);
        if (st == OT__CONN_UP)
            status = "salive";
        else if (st == OT__CONN_PENDING)
            status = strcmp(ot_atom_text(ot__self_node.name, NULL), peer.name) > 0 ? "snok"
                                                                                 : "sok_simultaneous";
    }
    if (ot__hs_send(fd, (const uint8_t *)status, strlen(status), deadline) != 0 ||
        !strcmp(status, "snok")) {
        ot__fd_close(fd);
        return;
    }
    if (!strcmp(status, "salive")) {
        char answer[16];
        if (ot__hs_recv(fd, buf, sizeof buf, &n, deadline) != 0 ||
            ot__hs_parse_status(buf, n, answer, sizeof answer) != 0 || strcmp(answer, "true") != 0) {
            ot__fd_close(fd);
            return;
        }
    }
    uint32_t mine = ot__hs_new_challenge();
    n = ot__hs_put_name(buf, true, mine);
    if (ot__hs_send(fd, buf, n, deadline) != 0) {
        ot__fd_close(fd);
        return;
    }
    uint32_t theirs;
    uint8_t digest[16], expect[16];
    if (ot__hs_recv(fd, buf, sizeof buf, &n, deadline) != 0 ||
        ot__hs_parse_reply(buf, n, &theirs, digest) != 0) {
        ot__fd_close(fd);
        return;
    }
    char cookie[256];
    if (d) {
        ot__cookie_for(d, cookie, sizeof cookie);
    } else {
        pthread_mutex_lock(&ot__self_node.lock);
        snprintf(cookie, sizeof cookie, "%s", ot__self_node.cookie);
        pthread_mutex_unlock(&ot__self_node.lock);
    }
    ot__hs_digest(cookie, mine, expect);
    if (memcmp(digest, expect, 16) != 0)
        reject = "invalid challenge reply (the cookies differ)";
    if (reject) {
        ot__dist_log("connection attempt from %s rejected: %s", peer.name, reject);
        ot__fd_close(fd);
        return;
    }
    uint8_t ack[17];
    ack[0] = 'a';
    ot__hs_digest(cookie, theirs, ack + 1);
    if (ot__hs_send(fd, ack, sizeof ack, deadline) != 0) {
        ot__fd_close(fd);
        return;
    }
    /* Trusted from here on. */
    ot_term node = ot_atom_len(peer.name, peer.name_len);
    d = node != OT_NONE ? ot__dnode_get(node, true) : NULL;
    uint64_t g = d ? connection_up(d, 0, fd, &peer, true) : 0;
    if (!g) {
        ot__fd_close(fd);
        return;
    }
    reader_loop(d, g, fd);
}

/* ---------------------------------------------------------------- stopping */

struct collect {
    ot__dnode *ds[1024];
    size_t n;
};

static void collect_one(ot__dnode *d, void *ctx)
{
    struct collect *c = ctx;
    if (c->n < 1024)
        c->ds[c->n++] = d;
}

void ot__conn_shutdown_all(void)
{
    /* Collect first: lose() takes locks the table walk must not hold. */
    struct collect c = {.n = 0};
    ot__dnode_each(collect_one, &c);
    ot__dnode **ds = c.ds;
    size_t n = c.n;
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&ds[i]->lock);
        uint64_t g = gen_of(ds[i]);
        bool idle = ds[i]->state == OT__CONN_IDLE;
        pthread_mutex_unlock(&ds[i]->lock);
        if (!idle)
            lose(ds[i], g, NULL, -ENOTCONN);
    }
}

/* ---------------------------------------------------------------- public */

int ot_connect(ot_term node)
{
    ot__proc *self = ot__proc_current();
    if (!self)
        return -EPERM;
    if (!atomic_load(&ot__self_node.alive))
        return -ENOENT;
    if (node == ot__local_node())
        return 0;
    if (!ot__valid_node_name(node))
        return -EINVAL;
    ot__dnode *d = ot__dnode_get(node, true);
    if (!d)
        return -ENOMEM;
    pthread_mutex_lock(&d->lock);
    if (d->state == OT__CONN_UP) {
        pthread_mutex_unlock(&d->lock);
        return 0;
    }
    if (!pids_add(&d->waiters, &d->nwaiters, &d->capwaiters, self->pid)) {
        pthread_mutex_unlock(&d->lock);
        return -ENOMEM;
    }
    uint64_t gen;
    bool start = ot__conn_start_locked(d, &gen);
    pthread_mutex_unlock(&d->lock);
    if (start)
        ot__conn_spawn_connector(d, gen);
    uint64_t mem[8];
    ot_heap h;
    ot__heap_init_fixed(&h, mem, 8);
    ot_term pat = ot_tuple(&h, 3, ot_atom(ATOM_CONNECT_DONE), node, ot__make_var(0));
    ot_term b[1];
    /* The attempt itself is bounded by setup_ms; the margin covers a
     * takeover by a simultaneous connection. */
    ot_msg *m = ot_receive(pat, (int64_t)ot__self_node.setup_ms * 2 + 1000, b);
    ot__heap_release_fixed(&h);
    if (!m)
        return -ETIMEDOUT;
    int64_t r = -EIO;
    ot_get_int64(b[0], &r);
    ot_msg_free(m);
    return (int)r;
}

int ot_disconnect(ot_term node)
{
    ot__dnode *d = ot__is_atom(node) ? ot__dnode_get(node, false) : NULL;
    if (!d)
        return -ENOTCONN;
    pthread_mutex_lock(&d->lock);
    bool up = d->state == OT__CONN_UP;
    uint64_t g = gen_of(d);
    pthread_mutex_unlock(&d->lock);
    if (!up)
        return -ENOTCONN;
    lose(d, g, NULL, -ENOTCONN); /* asked for: nothing to log */
    return 0;
}

bool ot_is_connected(ot_term node)
{
    ot__dnode *d = ot__is_atom(node) ? ot__dnode_get(node, false) : NULL;
    if (!d)
        return false;
    pthread_mutex_lock(&d->lock);
    bool up = d->state == OT__CONN_UP;
    pthread_mutex_unlock(&d->lock);
    return up;
}

struct up_list {
    ot_heap *h;
    ot_term list;
};

static void cons_if_up(ot__dnode *d, void *ctx)
{
    struct up_list *u = ctx;
    pthread_mutex_lock(&d->lock);
    bool up = d->state == OT__CONN_UP;
    pthread_mutex_unlock(&d->lock);
    if (up)
        u->list = ot_cons(u->h, d->node, u->list);
}

ot_term ot_nodes(ot_heap *h)
{
    if (!h)
        return OT_NONE;
    struct up_list u = {h, OT_NIL};
    ot__dnode_each(cons_if_up, &u);
    return u.list;
}

int ot_monitor_node(ot_term node, bool on)
{
    ot__proc *self = ot__proc_current();
    if (!self)
        return -EPERM;
    if (!ot__is_atom(node))
        return -EINVAL;
    if (!atomic_load(&ot__self_node.alive)) {
        if (on) {
            uint64_t mem[4];
            ot_heap h;
            ot__heap_init_fixed(&h, mem, 4);
            ot_send(self->pid, ot_tuple(&h, 2, ot_atom("nodedown"), node));
        }
        return 0;
    }
    if (node == ot__local_node())
        return 0;
    if (!ot__valid_node_name(node))
        return -EINVAL;
    ot__dnode *d = ot__dnode_get(node, true);
    if (!d)
        return -ENOMEM;
    pthread_mutex_lock(&d->lock);
    if (!on) {
        for (size_t i = 0; i < d->nwatchers; i++)
            if (d->watchers[i] == self->pid) {
                d->watchers[i] = d->watchers[--d->nwatchers];
                break;
            }
        pthread_mutex_unlock(&d->lock);
        return 0;
    }
    /* Monitors of processes that died meanwhile go first. */
    for (size_t i = 0; i < d->nwatchers;)
        if (!ot_is_alive(d->watchers[i]))
            d->watchers[i] = d->watchers[--d->nwatchers];
        else
            i++;
    bool ok = pids_add(&d->watchers, &d->nwatchers, &d->capwatchers, self->pid);
    uint64_t gen;
    bool start = ok && ot__conn_start_locked(d, &gen);
    pthread_mutex_unlock(&d->lock);
    if (!ok)
        return -ENOMEM;
    if (start)
        ot__conn_spawn_connector(d, gen);
    return 0;
}

int ot_conn_stats_get(ot_term node, ot_conn_stats *st)
{
    ot__dnode *d = ot__is_atom(node) ? ot__dnode_get(node, false) : NULL;
    if (!d || !st)
        return -ENOTCONN;
    pthread_mutex_lock(&d->lock);
    bool up = d->state == OT__CONN_UP;
    st->peer_flags = d->peer_flags;
    st->peer_creation = d->peer_creation;
    st->up_since_ms = d->up_since_ms;
    pthread_mutex_unlock(&d->lock);
    if (!up)
        return -ENOTCONN;
    st->packets_in = atomic_load(&d->packets_in);
    st->packets_out = atomic_load(&d->packets_out);
    st->bytes_in = atomic_load(&d->bytes_in);
    st->bytes_out = atomic_load(&d->bytes_out);
    return 0;
}
