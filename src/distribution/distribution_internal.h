/* distribution_internal.h — the distribution layer's shared structures: the
 * protocol's constants, the node's own state, one entry per remote node
 * (its connection, queued output, and the links and monitors that cross
 * it), and the functions the files of src/distribution/ share.
 *
 * Files, by job:
 *   epmd.c       the epmd client: start the daemon, ALIVE2, PORT_PLEASE2
 *   cookie.c     the cookie file and per-node cookies
 *   sock.c       non-blocking socket I/O from processes (ot_wait_fd), with
 *                fault injection for tests
 *   handshake.c  handshake messages (pure) and both sides of the handshake
 *   packet.c     control messages: decoding untrusted packets (pure) and
 *                encoding outgoing ones
 *   log.c        messages on stderr (ot__dist_log)
 *   dnode.c      the node's own state and the table of remote nodes
 *   drel.c       links and monitors across a connection
 *   conn.c       connection processes (owner/reader, writer, connector,
 *                acceptor's side), ticks, nodedown and the noconnection
 *                firing
 *   signals.c    the core's hook (outgoing signals) and incoming dispatch
 *   node.c       ot_node_start/stop, the acceptor, net_kernel and rex
 *   rpc.c        the function table, SPAWN_REQUEST serving, erpc/rpc
 *   builtins.c   the functions BEAM tools call (processes, memory, ...)
 *   erpc.c       calling out: ot_erpc_call, ot_spawn_remote
 */
#ifndef OTTER_DISTRIBUTION_INTERNAL_H
#define OTTER_DISTRIBUTION_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/io.h"
#include "core/core_internal.h"
#include "otter/erpc.h"
#include "otter/node.h"

/* ---------------------------------------------------------------- protocol */

/* Capability flags (lib/kernel/include/dist.hrl). */
#define OT__DFLAG_PUBLISHED 0x1ULL
#define OT__DFLAG_ATOM_CACHE 0x2ULL
#define OT__DFLAG_EXTENDED_REFERENCES 0x4ULL
#define OT__DFLAG_DIST_MONITOR 0x8ULL
#define OT__DFLAG_FUN_TAGS 0x10ULL
#define OT__DFLAG_DIST_MONITOR_NAME 0x20ULL
#define OT__DFLAG_NEW_FUN_TAGS 0x80ULL
#define OT__DFLAG_EXTENDED_PIDS_PORTS 0x100ULL
#define OT__DFLAG_EXPORT_PTR_TAG 0x200ULL
#define OT__DFLAG_BIT_BINARIES 0x400ULL
#define OT__DFLAG_NEW_FLOATS 0x800ULL
#define OT__DFLAG_UTF8_ATOMS 0x10000ULL
#define OT__DFLAG_MAP_TAG 0x20000ULL
#define OT__DFLAG_BIG_CREATION 0x40000ULL
#define OT__DFLAG_SEND_SENDER 0x80000ULL
#define OT__DFLAG_EXIT_PAYLOAD 0x400000ULL
#define OT__DFLAG_FRAGMENTS 0x800000ULL
#define OT__DFLAG_HANDSHAKE_23 0x1000000ULL
#define OT__DFLAG_UNLINK_ID 0x2000000ULL
#define OT__DFLAG_MANDATORY_25_DIGEST 0x4000000ULL
#define OT__DFLAG_SPAWN (1ULL << 32)
#define OT__DFLAG_NAME_ME (2ULL << 32)
#define OT__DFLAG_V4_NC (4ULL << 32)
#define OT__DFLAG_ALIAS (8ULL << 32)

/* What OTP 25 requires of a peer; MANDATORY_25_DIGEST stands for all of it. */
#define OT__DFLAGS_MANDATORY_25 0x1070F94ULL
/* What otter announces: the mandatory set, monitors by pid and by name,
 * UNLINK_ID, the digest bit (OTP 27 requires it), SPAWN (to serve erpc)
 * and V4_NC (OTP 26 requires it). Not PUBLISHED: otter is hidden. */
#define OT__DFLAGS_OURS (OT__DFLAGS_MANDATORY_25 | OT__DFLAG_DIST_MONITOR |              \
                         OT__DFLAG_DIST_MONITOR_NAME | OT__DFLAG_UNLINK_ID |              \
                         OT__DFLAG_MANDATORY_25_DIGEST | OT__DFLAG_SPAWN | OT__DFLAG_V4_NC)

/* Control operations (erts/emulator/beam/dist.h). */
enum ot__dop {
    OT__DOP_LINK = 1,
    OT__DOP_SEND = 2,
    OT__DOP_EXIT = 3,
    OT__DOP_UNLINK = 4,
    OT__DOP_REG_SEND = 6,
    OT__DOP_GROUP_LEADER = 7,
    OT__DOP_EXIT2 = 8,
    OT__DOP_SEND_TT = 12,
    OT__DOP_EXIT_TT = 13,
    OT__DOP_REG_SEND_TT = 16,
    OT__DOP_EXIT2_TT = 18,
    OT__DOP_MONITOR_P = 19,
    OT__DOP_DEMONITOR_P = 20,
    OT__DOP_MONITOR_P_EXIT = 21,
    OT__DOP_SEND_SENDER = 22,
    OT__DOP_SEND_SENDER_TT = 23,
    OT__DOP_PAYLOAD_EXIT = 24,
    OT__DOP_PAYLOAD_EXIT_TT = 25,
    OT__DOP_PAYLOAD_EXIT2 = 26,
    OT__DOP_PAYLOAD_EXIT2_TT = 27,
    OT__DOP_PAYLOAD_MONITOR_P_EXIT = 28,
    OT__DOP_SPAWN_REQUEST = 29,
    OT__DOP_SPAWN_REQUEST_TT = 30,
    OT__DOP_SPAWN_REPLY = 31,
    OT__DOP_SPAWN_REPLY_TT = 32,
    OT__DOP_ALIAS_SEND = 33,
    OT__DOP_ALIAS_SEND_TT = 34,
    OT__DOP_UNLINK_ID = 35,
    OT__DOP_UNLINK_ID_ACK = 36,
};

#define OT__SPAWN_FLAG_LINK 1
#define OT__SPAWN_FLAG_MONITOR 2

/* The byte before the control term of every packet without the atom cache. */
#define OT__PASS_THROUGH 112

/* ---------------------------------------------------------------- the node */

typedef struct ot__node {
    pthread_mutex_t lock;          /* guards the fields below but the atomics */
    _Atomic bool alive;
    ot_term name;                  /* atom name@host */
    char alive_name[256];          /* the part before '@' (epmd's name) */
    char host[256];                /* the part after '@' */
    bool long_names;
    uint32_t creation;
    char cookie[256];              /* the default cookie */
    int epmd_fd;                   /* registration; closing it unregisters */
    int listen_fd;
    uint16_t port;
    ot_term acceptor;              /* processes of the node (lpids) */
    ot_term net_kernel, rex;
    _Atomic unsigned ticktime_s;
    unsigned setup_ms;
    size_t max_packet;
    size_t max_depth;
} ot__node;

extern ot__node ot__self_node;

/* ---------------------------------------------------------------- buffers */

/* The distribution's buffers are base's ot__buf, their bytes counted as
 * system memory (sock.c): ot__dist_buf_reserve is ot__buf_reserve,
 * ot__dist_buf_free is ot__buf_free, each with the count kept. */
bool ot__dist_buf_reserve(ot__buf *b, size_t n);
void ot__dist_buf_free(ot__buf *b);

/* ---------------------------------------------------------------- remote nodes */

enum ot__conn_state {
    OT__CONN_IDLE = 0,    /* no connection, none being made */
    OT__CONN_PENDING,     /* a handshake is under way */
    OT__CONN_UP,          /* connected */
};

/* A link or monitor that crosses a connection, kept so that a lost
 * connection can fire it with noconnection. */
enum ot__drel_kind {
    OT__DREL_LINK = 1,    /* local <-> remote */
    OT__DREL_MON_OUT,     /* local monitors remote (pid, or {name, node}) */
    OT__DREL_MON_IN,      /* remote monitors local (by pid, or by `name`) */
    OT__DREL_SPAWN,       /* a spawn request of local in flight (ref = ReqId) */
    OT__DREL_SPAWN_MON,   /* a spawned process local's request monitors (ref = ReqId) */
};

typedef struct ot__drel {
    struct ot__drel *next;
    uint8_t kind;
    bool abandoned;       /* spawn requests whose caller gave up */
    bool want_ok;         /* spawn requests: tell the caller the pid too */
    ot_term local;        /* a local pid (immediate) */
    ot_term remote;       /* a pid of the node, {name, node}, or OT_NONE */
    ot_term ref;          /* monitors and spawn requests */
    ot_term name;         /* MON_IN by name: the atom; OT_NONE otherwise */
    uint32_t nwords;
    uint64_t words[];     /* copies of remote and ref */
} ot__drel;

typedef struct ot__drelset {
    ot__drel **buckets;
    size_t nbuckets, count;
} ot__drelset;

/* One remote node: its connection (if any) and what crosses it. Entries
 * are made on first use and kept until the runtime stops, so a pointer to
 * one stays valid; `gen` tells connections apart. */
typedef struct ot__dnode {
    struct ot__dnode *next;
    ot_term node;                  /* atom */
    pthread_mutex_t lock;          /* guards every field below but the atomics */
    int state;                     /* enum ot__conn_state */
    uint64_t gen;                  /* bumped at every new attempt and at every loss */
    ot_term owner;                 /* the handshake process, then the reader */
    ot_term writer;                /* the writer process (UP) */
    int fd;                        /* the socket: the owner closes it */
    int wfd;                       /* the writer's duplicate: the writer closes it */
    bool kicked;                   /* the writer has been told there is output */
    bool writing;                  /* the writer is writing a batch (outside the lock) */
    ot__buf out;                   /* packets waiting for the writer */
    uint64_t peer_flags;
    uint32_t peer_creation;
    char *cookie;                  /* its own cookie (ot__malloc'd), or NULL */
    uint64_t next_unlink_id;
    ot__drelset rels;              /* links, monitors and spawn requests across it */
    ot_term *watchers;             /* local pids with monitor_node on it */
    size_t nwatchers, capwatchers;
    ot_term *waiters;              /* processes waiting in ot_connect */
    size_t nwaiters, capwaiters;
    int last_error;                /* why the last attempt failed (negative errno) */
    int64_t up_since_ms;
    _Atomic int64_t last_rx_ns, last_tx_ns;
    _Atomic uint64_t packets_in, packets_out, bytes_in, bytes_out;
} ot__dnode;

/* ot__dnode_get: the entry of node (an atom naming another node), made if
 * `make`; NULL if absent (or memory runs out). Any thread. */
ot__dnode *ot__dnode_get(ot_term node, bool make);
/* ot__dnode_each: calls fn for every entry (table lock held: fn must not
 * take it again). */
void ot__dnode_each(void (*fn)(ot__dnode *d, void *ctx), void *ctx);
/* ot__dnodes_free: frees every entry (runtime stopped: no process left). */
void ot__dnodes_free(void);

/* ot__valid_node_name: is node an atom name@host with both parts non-empty? */
bool ot__valid_node_name(ot_term node);

/* ot__conn_start_locked: makes sure a connection to d exists or is being made:
 * with d IDLE, starts an outgoing attempt. Caller holds d->lock; returns
 * true if a connecting process must be spawned afterwards with
 * ot__conn_spawn_connector(d, gen) (outside the lock). */
bool ot__conn_start_locked(ot__dnode *d, uint64_t *gen);
void ot__conn_spawn_connector(ot__dnode *d, uint64_t gen);
/* ot__conn_append_locked: queues packet bytes for d (d->lock held); kicks the
 * writer afterwards if *kick is set (outside the lock: ot__conn_kick). */
bool ot__conn_append_locked(ot__dnode *d, const uint8_t *p, size_t n, bool *kick);
/* ot__conn_flush_locked: after a packet was appended to d->out at offset
 * start (d->lock held): writes it at once if the connection is idle,
 * else sets *kick when the writer must be told (ot__conn_kick). */
void ot__conn_flush_locked(ot__dnode *d, size_t start, bool *kick);
void ot__conn_kick(ot__dnode *d);
/* ot__conn_lost: the connection of generation gen is gone (why: for the
 * log, NULL for a quiet close); fires its links, monitors, node monitors
 * and requests with noconnection. Only the first call for a generation
 * acts. Any thread. */
void ot__conn_lost(ot__dnode *d, uint64_t gen, const char *why);
/* ot__conn_accept_main: serves an accepted socket (the acceptor spawns one
 * process per socket running this). */
void ot__conn_accept_main(void *arg);
/* ot__conn_shutdown_all: closes every connection (node stop). */
void ot__conn_shutdown_all(void);

/* Relations across a connection (d->lock held). */
bool ot__drel_add(ot__dnode *d, int kind, ot_term local, ot_term remote, ot_term ref, ot_term name);
/* ot__drel_take: removes and returns the entry (caller frees with
 * ot__drel_free), matched by (local, remote) for links, by ref otherwise. */
ot__drel *ot__drel_take(ot__dnode *d, int kind, ot_term local, ot_term remote, ot_term ref);
ot__drel *ot__drel_find(ot__dnode *d, int kind, ot_term local, ot_term remote, ot_term ref);
void ot__drel_free(ot__drel *r);
/* ot__drel_take_all: empties the set, returning its entries as a list. */
ot__drel *ot__drel_take_all(ot__drelset *s);

/* ---------------------------------------------------------------- packets */

/* A decoded control message, every field validated for its operation.
 * Terms live on the heap given to ot__packet_decode. */
typedef struct ot__dmsg {
    int op;               /* the operation as sent (enum ot__dop) */
    int base;             /* the same without _TT / PAYLOAD_ / SENDER variants */
    ot_term from, to;     /* pids; `to` of MONITOR_P / from of MONITOR_P_EXIT may be an atom */
    ot_term name;         /* REG_SEND: the registered name */
    ot_term ref;          /* monitors: the reference; spawn: ReqId */
    ot_term reason;       /* exits */
    ot_term msg;          /* SEND, REG_SEND, ALIAS_SEND: the message; SPAWN_REQUEST: args */
    ot_term id;           /* UNLINK_ID(_ACK): the id */
    ot_term mfa, opts;    /* SPAWN_REQUEST */
    ot_term result;       /* SPAWN_REPLY: pid or error atom */
    int64_t flags;        /* SPAWN_REPLY */
    ot_term gl;           /* SPAWN_REQUEST: group leader */
} ot__dmsg;

/* ot__packet_next: the framing of an established connection: is there a
 * whole packet at the start of buf[0..len)? 1 with *n its data length (0
 * for a tick; the packet takes 4 + *n bytes), 0 if more bytes are needed
 * (*n set once the length is known), -E2BIG if it announces more than max. */
int ot__packet_next(const uint8_t *buf, size_t len, size_t max, size_t *n);

/* ot__packet_decode: decodes the data of one packet (after its 4-byte
 * length; a tick has none and is not passed here) into *m on h. Returns 0,
 * or a negative errno with *why set to a static description: -EBADMSG for
 * malformed bytes or a control message of the wrong shape, -ENOTSUP for an
 * operation otter does not know, -E2BIG for a limit exceeded. Never reads
 * outside buf. Untrusted input. */
int ot__packet_decode(ot_heap *h, const uint8_t *buf, size_t len, size_t max_depth, ot__dmsg *m,
                      const char **why);

/* ot__packet_put: appends one packet (4-byte length, 112, control term,
 * then msg unless OT_NONE) to b. Returns 0 or a negative errno (b is left
 * as it was). */
int ot__packet_put(ot__buf *b, ot_term control, ot_term msg);

/* ot__dist_send_control: queues a control message (and msg, or OT_NONE)
 * for node, connecting first if needed. Returns 0, or -ENOTCONN when the
 * node is not valid / not reachable without trying, -ENOMEM. Any thread. */
int ot__dist_send_control(ot_term node, ot_term control, ot_term msg);
/* ot__dist_send_control_later: as ot__dist_send_control for a node with an
 * entry, but the packet goes out with the next one (an erpc's SPAWN_REPLY
 * leaves together with the result that follows it). */
int ot__dist_send_control_later(ot_term node, ot_term control);

/* ---------------------------------------------------------------- handshake */

/* Handshake messages, without their 2-byte length. All parsers take
 * untrusted bytes and return 0 or -EBADMSG. */
typedef struct ot__hs_name {
    uint64_t flags;
    uint32_t creation;
    uint32_t challenge;      /* challenge messages only */
    char name[256];          /* NUL-terminated; validated: name@host */
    size_t name_len;
} ot__hs_name;

/* ot__hs_parse_send_name: 'N' flags:64 creation:32 nlen:16 name. */
int ot__hs_parse_send_name(const uint8_t *p, size_t n, ot__hs_name *out);
/* ot__hs_parse_challenge: 'N' flags:64 challenge:32 creation:32 nlen:16 name. */
int ot__hs_parse_challenge(const uint8_t *p, size_t n, ot__hs_name *out);
/* ot__hs_parse_reply: 'r' challenge:32 digest:16 bytes. */
int ot__hs_parse_reply(const uint8_t *p, size_t n, uint32_t *challenge, uint8_t digest[16]);
/* ot__hs_parse_ack: 'a' digest:16 bytes. */
int ot__hs_parse_ack(const uint8_t *p, size_t n, uint8_t digest[16]);
/* ot__hs_parse_status: 's' text; copies the text (NUL-terminated) to out. */
int ot__hs_parse_status(const uint8_t *p, size_t n, char *out, size_t cap);
/* ot__hs_send / ot__hs_recv: one handshake message with its 2-byte
 * length (at most 512 bytes / cap bytes). 0 or a negative errno. */
int ot__hs_send(int fd, const uint8_t *p, size_t n, int64_t deadline);
int ot__hs_recv(int fd, uint8_t *buf, size_t cap, size_t *len, int64_t deadline);
/* ot__hs_put_name: this node's send_name (or, with challenge_msg, its
 * challenge) into out (room for 300 bytes); returns the length. */
size_t ot__hs_put_name(uint8_t *out, bool challenge_msg, uint32_t challenge);
uint32_t ot__hs_new_challenge(void);
/* ot__hs_digest: md5(cookie ++ decimal text of challenge). */
void ot__hs_digest(const char *cookie, uint32_t challenge, uint8_t out[16]);
/* ot__hs_missing_flags: the mandatory flags that `flags` lacks (0: none),
 * MANDATORY_25_DIGEST standing for the whole mandatory set. */
uint64_t ot__hs_missing_flags(uint64_t flags);

/* ot__handshake_connect: the initiating side on a connected socket:
 * returns 0 with *peer filled, or a negative errno (-EACCES bad cookie,
 * -EPROTO refused/incompatible, -EALREADY when the peer said nok, -EBADMSG,
 * -ETIMEDOUT, -ECONNRESET...). */
int ot__handshake_connect(int fd, ot__dnode *d, const char *cookie, int64_t deadline_ns,
                          ot__hs_name *peer);

/* ---------------------------------------------------------------- sockets */

/* Non-blocking socket I/O for processes, waiting with ot_wait_fd.
 * deadline_ns is absolute (ot__now_ns() clock); 0 means none. Return 0 or
 * a negative errno (-ETIMEDOUT, -ECONNRESET for a peer that closed). */
int ot__sock_read_exact(int fd, void *buf, size_t n, int64_t deadline_ns);
int ot__sock_write_all(int fd, const void *buf, size_t n, int64_t deadline_ns);
/* ot__sock_connect: a non-blocking TCP socket connected to host:port
 * (host resolved on the blocking-call pool). Returns the fd or a negative
 * errno (-EHOSTUNREACH for an unknown host). */
int ot__sock_connect(const char *host, uint16_t port, int64_t deadline_ns);
/* ot__sock_connect_addr: to an IPv4 address in network order. */
int ot__sock_connect_addr(uint32_t addr_be, uint16_t port, int64_t deadline_ns);
/* ot__sock_recv / ot__sock_send: one recv/send (MSG_DONTWAIT, no
 * SIGPIPE), through base/io.h's fault injection. Return bytes, or -errno. */
ssize_t ot__sock_recv(int fd, void *buf, size_t n);
ssize_t ot__sock_send(int fd, const void *buf, size_t n);
/* ot__sock_setup: sets TCP_NODELAY and O_NONBLOCK. */
void ot__sock_setup(int fd);
/* Every socket the layer opens is tracked, so that sockets of processes
 * killed when the runtime stops are closed too. ot__fd_close untracks and
 * closes; ot__fd_close_all closes whatever is left (no process runs). */
void ot__fd_track(int fd);
void ot__fd_close(int fd);
void ot__fd_close_all(void);
/* Memory of connection processes, tracked for the same reason: a buffer
 * and a heap, freed by their process, or all at once when the runtime
 * stops. */
typedef struct ot__owned {
    struct ot__owned *next, *prev;
    ot__buf buf;
    ot_heap *heap;
} ot__owned;
ot__owned *ot__owned_new(void);
void ot__owned_free(ot__owned *o);
void ot__owned_free_all(void);

/* Fault injection for tests: base/io.h (ot_test_io_fault_set). */

/* ---------------------------------------------------------------- epmd */

/* ot__epmd_port: $ERL_EPMD_PORT or 4369. */
uint16_t ot__epmd_port(void);
/* ot__epmd_register: ALIVE2: connects to the local epmd (starting
 * `epmd -daemon` if allowed and none answers), registers name on port,
 * and returns the open socket (closing it unregisters) with *creation.
 * -EADDRINUSE if the name is taken, -ECONNREFUSED without epmd. */
int ot__epmd_register(const char *name, uint16_t port, bool start_daemon, uint32_t *creation);
/* ot__epmd_port_please: PORT_PLEASE2 for name at host: the port, or a
 * negative errno (-ECONNREFUSED: unknown name or no epmd). */
int ot__epmd_port_please(const char *host, const char *name, int64_t deadline_ns);

/* Pure parts, for the fuzzer and the tests. */
size_t ot__epmd_alive2_req(uint8_t *out, size_t cap, const char *name, uint16_t port);
int ot__epmd_parse_alive2_resp(const uint8_t *p, size_t n, uint32_t *creation);
int ot__epmd_parse_port2_resp(const uint8_t *p, size_t n, uint16_t *port);

/* ---------------------------------------------------------------- cookies */

/* ot__cookie_default: the cookie from $HOME/.erlang.cookie into out,
 * creating the file when missing. 0 or a negative errno. */
int ot__cookie_default(char *out, size_t cap);
/* ot__cookie_valid: usable as a cookie? */
bool ot__cookie_valid(const char *c);
/* ot__cookie_for: the cookie for d into out (its own, else the node's). */
void ot__cookie_for(ot__dnode *d, char *out, size_t cap);

/* ---------------------------------------------------------------- signals */

/* ot__dist_hook_signal: the core's hook (see core_internal.h). */
bool ot__dist_hook_signal(uint32_t kind, ot_term from, ot_term to, ot_term ref, ot_term term);
/* ot__dist_dispatch: acts on one control message from d's connection
 * (the reader process). Returns 0, or a negative errno when the message
 * breaks the protocol and the connection must close (*why set). */
int ot__dist_dispatch(ot__dnode *d, ot__dmsg *m, const char **why);
/* ot__dist_fire: delivers the noconnection consequences of relations
 * taken from a lost connection. */
void ot__dist_fire(ot__dnode *d, ot__drel *list);
/* ot__dist_placeholder_pid: the pid sent as `from` for signals that have
 * no sender process: <node.0.0>. */
ot_term ot__dist_placeholder_pid(ot_heap *h);

/* ---------------------------------------------------------------- rpc */

/* ot__rpc_spawn_request: serves a SPAWN_REQUEST from d (reader process). */
void ot__rpc_spawn_request(ot__dnode *d, ot__dmsg *m);
/* ot__rpc_spawn_reply / ot__rpc_monitor_exit: answers for requests this
 * node made (erpc.c); return true if the message was one of them. */
bool ot__rpc_spawn_reply(ot__dnode *d, ot__dmsg *m);
bool ot__rpc_monitor_exit(ot__dnode *d, ot__dmsg *m);
/* ot__rpc_lookup: the registered function, or NULL. */
typedef struct ot__rpc_entry {
    ot_rpc_fn fn;
    void *arg;
} ot__rpc_entry;
bool ot__rpc_lookup(ot_term m, ot_term f, unsigned arity, ot__rpc_entry *out);
/* ot__rpc_builtins_register: registers the built-in functions (once,
 * through ot__rpc_register_builtin). */
void ot__rpc_builtins_register(void);
int ot__rpc_register_builtin(const char *m, const char *f, unsigned arity, ot_rpc_fn fn);
/* ot__rex_main / ot__net_kernel_main: the `rex` and `net_kernel` servers. */
void ot__rex_main(void *arg);
void ot__net_kernel_main(void *arg);
/* ot__rpc_stack: [{m, f, args, []}] on h: the stack erpc reports. */
ot_term ot__rpc_stack(ot_heap *h, ot_term m, ot_term f, ot_term args);

/* ot__dist_group_leader: the group leader given to processes this node
 * spawns elsewhere (it prints their output), or OT_NONE. */
ot_term ot__dist_group_leader(void);

/* ---------------------------------------------------------------- logging */

/* ot__dist_log: one line on stderr, "otter: <node>: <text>". */
void ot__dist_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
