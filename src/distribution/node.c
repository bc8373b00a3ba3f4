/* node.c — this node: starting and stopping distribution (name, cookie,
 * listening socket, epmd registration), the processes every node runs
 * (the acceptor, net_kernel for Node.ping, rex for rpc, a group leader
 * for the output of calls made on other nodes), and the hooks through
 * which the core reaches other nodes. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "distribution/distribution_internal.h"

static ot_term group_leader = OT_NONE;

/* ---------------------------------------------------------------- hooks */

static void runtime_stopped(void)
{
    /* Every process is gone: close what their owners could not. */
    atomic_store(&ot__self_node.alive, false);
    ot__fd_close_all();
    ot__owned_free_all();
    ot__dnodes_free();
    pthread_mutex_lock(&ot__self_node.lock);
    ot__self_node.epmd_fd = ot__self_node.listen_fd = -1;
    ot__self_node.port = 0;
    ot__self_node.creation = 0;
    ot__self_node.acceptor = ot__self_node.net_kernel = ot__self_node.rex = OT_NONE;
    group_leader = OT_NONE;
    pthread_mutex_unlock(&ot__self_node.lock);
    ot__set_local_node(OT_ATOM(NONODE));
    ot__set_local_creation(0);
}

static const ot__remote_hooks hooks = {
    .signal = ot__dist_hook_signal,
    .runtime_stopped = runtime_stopped,
};

/* ---------------------------------------------------------------- processes */

/* Accepts connections and hands each socket to a process of its own. */
static void acceptor_main(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    for (;;) {
        int fd = ot__io_accept(lfd, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            errno = -fd;
        if (fd >= 0) {
            ot__fd_track(fd);
            ot__sock_setup(fd);
            ot_spawn_opts o = {.initial_call = "otter_dist:accept/1"};
            if (ot_spawn_opt(ot__conn_accept_main, (void *)(intptr_t)fd, &o) == OT_NONE)
                ot__fd_close(fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            ot_sleep(100); /* out of descriptors: let some close */
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            break; /* shut down by ot_node_stop */
        if (ot_wait_fd(lfd, OT_FD_READ, OT_INFINITY) < 0)
            break;
    }
    pthread_mutex_lock(&ot__self_node.lock);
    if (ot__self_node.listen_fd == lfd)
        ot__self_node.listen_fd = -1;
    pthread_mutex_unlock(&ot__self_node.lock);
    ot__fd_close(lfd);
}

/* Writes the text of an io request's characters (a binary, a charlist
 * or an iolist) to stdout. */
static void put_chars(ot_term chars)
{
    if (ot_is_binary(chars)) {
        size_t n;
        const uint8_t *p = ot_binary_data(chars, &n);
        fwrite(p, 1, n, stdout);
        return;
    }
    for (ot_term l = chars; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
        ot_term c = ot_hd(l);
        int64_t v;
        if (ot_get_int64(c, &v) == 0 && v >= 0 && v < 0x110000) {
            char u[4];
            int n = v < 0x80 ? (u[0] = (char)v, 1)
                  : v < 0x800 ? (u[0] = (char)(0xC0 | v >> 6), u[1] = (char)(0x80 | (v & 63)), 2)
                  : v < 0x10000 ? (u[0] = (char)(0xE0 | v >> 12), u[1] = (char)(0x80 | (v >> 6 & 63)),
                                   u[2] = (char)(0x80 | (v & 63)), 3)
                  : (u[0] = (char)(0xF0 | v >> 18), u[1] = (char)(0x80 | (v >> 12 & 63)),
                     u[2] = (char)(0x80 | (v >> 6 & 63)), u[3] = (char)(0x80 | (v & 63)), 4);
            fwrite(u, 1, (size_t)n, stdout);
        } else {
            put_chars(c);
        }
    }
}

/* io_lib:format(Format, Args) for the directives programs print with:
 * ~n ~~ ~p ~w ~s ~a ~b ~B ~i and the rest printed as terms; widths and
 * precisions are skipped. Enough for the output of a remote call to be
 * read, not a full io_lib. */
static void put_format(ot_term fmt, ot_term args)
{
    char text[4096];
    size_t n = 0;
    if (ot_is_atom(fmt)) {
        const char *t = ot_atom_text(fmt, &n);
        n = n < sizeof text ? n : sizeof text - 1;
        memcpy(text, t, n);
    } else if (ot_is_binary(fmt)) {
        const uint8_t *b = ot_binary_data(fmt, &n);
        n = n < sizeof text ? n : sizeof text - 1;
        memcpy(text, b, n);
    } else {
        for (ot_term l = fmt; ot_is_list(l) && l != OT_NIL && n < sizeof text - 1; l = ot_tl(l)) {
            int64_t c = 0;
            ot_get_int64(ot_hd(l), &c);
            text[n++] = c > 0 && c < 128 ? (char)c : '?';
        }
    }
    text[n] = 0;
    ot_print_opts erl = {.syntax = OT_SYNTAX_ERLANG};
    for (size_t i = 0; i < n; i++) {
        if (text[i] != '~' || i + 1 >= n) {
            fputc(text[i], stdout);
            continue;
        }
        i++;
        while (i < n && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.' || text[i] == '-' ||
                         text[i] == 't' || text[i] == 'l'))
            i++;
        char d = i < n ? text[i] : 0;
        if (d == 'n') {
            fputc('\n', stdout);
            continue;
        }
        if (d == '~') {
            fputc('~', stdout);
            continue;
        }
        if (!ot_is_list(args) || args == OT_NIL)
            break;
        ot_term a = ot_hd(args);
        args = ot_tl(args);
        if (d == 'i')
            continue;
        if (d == 's' && !ot_is_atom(a))
            put_chars(a);
        else if (d == 's' || d == 'a')
            fputs(ot_atom_text(a, NULL) ? ot_atom_text(a, NULL) : "", stdout);
        else
            ot_fprint(stdout, a, &erl);
    }
}

/* The group leader of processes this node spawns elsewhere (erpc calls):
 * their output is written to this program's stdout, other io requests
 * are refused, as a node without a terminal would. */
static void group_leader_main(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(m);
        if (ot_tuple_arity(t) == 4 && ot_tuple_get(t, 0) == ot_atom("io_request")) {
            ot_term from = ot_tuple_get(t, 1), as = ot_tuple_get(t, 2), req = ot_tuple_get(t, 3);
            ot_term reply = ot_tuple(h, 2, OT_ATOM(ERROR), ot_atom("enotsup"));
            ot_term tag = ot_tuple_get(req, 0);
            if (tag == ot_atom("put_chars") && ot_tuple_arity(req) == 3) {
                put_chars(ot_tuple_get(req, 2));
                reply = OT_ATOM(OK);
            } else if (tag == ot_atom("put_chars") && ot_tuple_arity(req) == 2) {
                put_chars(ot_tuple_get(req, 1));
                reply = OT_ATOM(OK);
            } else if (tag == ot_atom("put_chars") && ot_tuple_arity(req) >= 4) {
                /* {put_chars, [Encoding,] io_lib, format, [Format, Args]} */
                size_t k = ot_tuple_arity(req) - 3;
                ot_term fa = ot_tuple_get(req, k + 2);
                if (ot_tuple_get(req, k) == ot_atom("io_lib") &&
                    ot_tuple_get(req, k + 1) == ot_atom("format") && ot_list_length(fa) == 2) {
                    put_format(ot_hd(fa), ot_hd(ot_tl(fa)));
                    reply = OT_ATOM(OK);
                }
            }
            fflush(stdout);
            ot_send(from, ot_tuple(h, 3, ot_atom("io_reply"), as, reply));
        }
        ot_msg_free(m);
        ot_heap_reset(h);
    }
}

/* ---------------------------------------------------------------- names */

typedef struct fqdn_job {
    char host[256];
} fqdn_job;

static void fqdn_run(void *arg)
{
    fqdn_job *j = arg;
    struct addrinfo hints = {.ai_flags = AI_CANONNAME}, *res = NULL;
    if (getaddrinfo(j->host, NULL, &hints, &res) == 0 && res && res->ai_canonname &&
        strchr(res->ai_canonname, '.'))
        snprintf(j->host, sizeof j->host, "%s", res->ai_canonname);
    if (res)
        freeaddrinfo(res);
}

/* This host's name as erl would put it in a node name. */
static int default_host(bool long_names, char *out, size_t cap)
{
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        return -errno;
    host[sizeof host - 1] = 0;
    if (!long_names) {
        char *dot = strchr(host, '.');
        if (dot)
            *dot = 0;
        snprintf(out, cap, "%s", host);
        return 0;
    }
    fqdn_job *j = ot__calloc(1, sizeof *j);
    if (!j)
        return -ENOMEM;
    snprintf(j->host, sizeof j->host, "%s", host);
    int rc = ot_blocking(fqdn_run, j);
    snprintf(out, cap, "%s", j->host);
    ot__free(j);
    return rc;
}

static bool valid_alive(const char *s, size_t n)
{
    if (n == 0 || n > 200)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool valid_host(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 200)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == '@' || s[i] == 0x7f)
            return false;
    return true;
}

/* ---------------------------------------------------------------- start / stop */

static int listen_on(uint16_t port, uint16_t *bound)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    ot__fd_track(fd);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t sl = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        int e = -errno;
        ot__fd_close(fd);
        return e;
    }
    *bound = ntohs(sa.sin_port);
    return fd;
}

static ot_term spawn_named(ot_proc_fn fn, const char *name, const char *initial)
{
    ot_spawn_opts o = {.initial_call = initial};
    if (name && ot_whereis(ot_atom(name)) == OT_NONE)
        o.name = ot_atom(name);
    return ot_spawn_opt(fn, NULL, &o);
}

/* ot_node_start_opt's steps: the name, host and cookie checked into a
 * node_config; the listening socket and the EPMD registration; the node
 * published; its service processes spawned. */

/* What the checks make of the options: the node's parts, as text. */
typedef struct node_config {
    bool long_names;
    char alive[256];
    char host[256];
    char cookie[256];
    ot_term name;                   /* the atom alive@host */
    uint16_t port;                  /* to listen on (0: any) */
    bool start_epmd;
} node_config;

/* Step 1: opts checked and completed (the default host and cookie). */
static int node_config_make(const ot_node_opts *opts, node_config *c)
{
    c->long_names = opts->names == OT_NODE_LONG;
    const char *at = strchr(opts->name, '@');
    size_t alive_len = at ? (size_t)(at - opts->name) : strlen(opts->name);
    if (!valid_alive(opts->name, alive_len))
        return -EINVAL;
    if (at) {
        snprintf(c->host, sizeof c->host, "%s", at + 1);
    } else {
        int rc = default_host(c->long_names, c->host, sizeof c->host);
        if (rc)
            return rc;
    }
    if (!valid_host(c->host) || (!c->long_names && strchr(c->host, '.')))
        return -EINVAL;
    if (opts->cookie) {
        if (!ot__cookie_valid(opts->cookie))
            return -EINVAL;
        snprintf(c->cookie, sizeof c->cookie, "%s", opts->cookie);
    } else {
        int rc = ot__cookie_default(c->cookie, sizeof c->cookie);
        if (rc)
            return rc;
    }
    char full[512];
    snprintf(full, sizeof full, "%.*s@%s", (int)alive_len, opts->name, c->host);
    c->name = ot_atom(full);
    if (c->name == OT_NONE)
        return -EINVAL;
    snprintf(c->alive, sizeof c->alive, "%.*s", (int)alive_len, opts->name);
    c->port = opts->port;
    c->start_epmd = !opts->no_epmd_daemon;
    return 0;
}

/* Step 2: the listening socket, and the name registered with EPMD (its
 * connection, kept open while the node lives, and the creation it gave).
 * On failure neither is left open. */
static int node_listen(const node_config *c, int *lfd, int *efd, uint16_t *port, uint32_t *creation)
{
    *lfd = listen_on(c->port, port);
    if (*lfd < 0)
        return *lfd;
    *creation = 0;
    *efd = ot__epmd_register(c->alive, *port, c->start_epmd, creation);
    if (*efd < 0) {
        ot__fd_close(*lfd);
        return *efd;
    }
    return 0;
}

/* Step 3: the node record filled in, the local pids and refs named after
 * it, the remote hooks and builtins in place, the node alive. */
static void node_publish(const ot_node_opts *opts, const node_config *c, int lfd, int efd, uint16_t port,
                         uint32_t creation)
{
    pthread_mutex_lock(&ot__self_node.lock);
    ot__self_node.name = c->name;
    snprintf(ot__self_node.alive_name, sizeof ot__self_node.alive_name, "%s", c->alive);
    snprintf(ot__self_node.host, sizeof ot__self_node.host, "%s", c->host);
    ot__self_node.long_names = c->long_names;
    ot__self_node.creation = creation;
    snprintf(ot__self_node.cookie, sizeof ot__self_node.cookie, "%s", c->cookie);
    ot__self_node.epmd_fd = efd;
    ot__self_node.listen_fd = lfd;
    ot__self_node.port = port;
    atomic_store(&ot__self_node.ticktime_s, opts->ticktime_s ? opts->ticktime_s : 60);
    ot__self_node.setup_ms = opts->setup_ms ? opts->setup_ms : 7000;
    ot__self_node.max_packet = opts->max_packet ? opts->max_packet : (size_t)128 << 20;
    ot__self_node.max_depth = opts->max_depth ? opts->max_depth : 10000;
    pthread_mutex_unlock(&ot__self_node.lock);

    ot__set_local_creation(creation);
    ot__set_local_node(c->name);
    ot__remote_hooks_set(&hooks);
    ot__rpc_builtins_register();
    atomic_store(&ot__self_node.alive, true);
}

/* Step 4: the acceptor, net_kernel, rex and the group leader. If one
 * cannot be spawned the node stops again: -ENOMEM. */
static int node_spawn_services(int lfd)
{
    ot_spawn_opts ao = {.initial_call = "otter_dist:acceptor/1"};
    ot_term acc = ot_spawn_opt(acceptor_main, (void *)(intptr_t)lfd, &ao);
    ot_term nk = spawn_named(ot__net_kernel_main, "net_kernel", "net_kernel:init/1");
    ot_term rex = spawn_named(ot__rex_main, "rex", "rpc:init/1");
    ot_term gl = spawn_named(group_leader_main, NULL, "otter_dist:group_leader/1");
    pthread_mutex_lock(&ot__self_node.lock);
    ot__self_node.acceptor = acc;
    ot__self_node.net_kernel = nk;
    ot__self_node.rex = rex;
    group_leader = gl;
    pthread_mutex_unlock(&ot__self_node.lock);
    if (acc == OT_NONE || nk == OT_NONE || rex == OT_NONE || gl == OT_NONE) {
        ot_node_stop();
        return -ENOMEM;
    }
    return 0;
}

int ot_node_start_opt(const ot_node_opts *opts)
{
    if (!ot__proc_current())
        return -EPERM;
    if (!opts || !opts->name)
        return -EINVAL;
    if (atomic_load(&ot__self_node.alive))
        return -EEXIST;
    node_config c;
    int rc = node_config_make(opts, &c);
    if (rc)
        return rc;
    int lfd, efd;
    uint16_t port = 0;
    uint32_t creation;
    rc = node_listen(&c, &lfd, &efd, &port, &creation);
    if (rc)
        return rc;
    node_publish(opts, &c, lfd, efd, port, creation);
    return node_spawn_services(lfd);
}

int ot_node_start(const char *name, ot_node_names names, const char *cookie)
{
    ot_node_opts o = {.name = name, .names = names, .cookie = cookie};
    return ot_node_start_opt(&o);
}

int ot_node_stop(void)
{
    if (!atomic_exchange(&ot__self_node.alive, false))
        return -ENOENT;
    pthread_mutex_lock(&ot__self_node.lock);
    int lfd = ot__self_node.listen_fd, efd = ot__self_node.epmd_fd;
    ot_term acc = ot__self_node.acceptor;
    ot_term procs[3] = {ot__self_node.net_kernel, ot__self_node.rex, group_leader};
    ot__self_node.epmd_fd = -1;
    ot__self_node.acceptor = ot__self_node.net_kernel = ot__self_node.rex = OT_NONE;
    group_leader = OT_NONE;
    /* The acceptor closes the listening socket once woken by this. */
    if (lfd >= 0)
        shutdown(lfd, SHUT_RDWR);
    pthread_mutex_unlock(&ot__self_node.lock);
    ot__fd_close(efd); /* epmd forgets the node */
    for (int i = 0; i < 3; i++)
        if (procs[i] != OT_NONE)
            ot_exit_signal(procs[i], OT_ATOM(KILL));
    ot__conn_shutdown_all();
    /* Wait (briefly) for the acceptor to let go of the port. */
    ot__proc *self = ot__proc_current();
    if (self && acc != OT_NONE && ot_is_alive(acc)) {
        uint64_t mem[16];
        ot_heap h;
        ot__heap_init_fixed(&h, mem, 16);
        ot_term ref = ot_monitor(&h, acc);
        if (ref != OT_NONE) {
            ot_term pat = ot_tuple(&h, 5, OT_ATOM(DOWN), ref, OT__ANY, OT__ANY, OT__ANY);
            ot_msg *m = ot_receive(pat, 1000, NULL);
            if (!m)
                ot_demonitor(ref, true);
            ot_msg_free(m);
        }
        ot__heap_release_fixed(&h);
    }
    pthread_mutex_lock(&ot__self_node.lock);
    ot__self_node.port = 0;
    ot__self_node.creation = 0;
    pthread_mutex_unlock(&ot__self_node.lock);
    ot__set_local_node(OT_ATOM(NONODE));
    ot__set_local_creation(0);
    return 0;
}

/* ---------------------------------------------------------------- reading */

ot_term ot_node(void) { return ot__local_node(); }

bool ot_node_alive(void) { return atomic_load(&ot__self_node.alive); }

int ot_node_port(void)
{
    pthread_mutex_lock(&ot__self_node.lock);
    int p = atomic_load(&ot__self_node.alive) ? ot__self_node.port : 0;
    pthread_mutex_unlock(&ot__self_node.lock);
    return p;
}

uint32_t ot_node_creation(void)
{
    return atomic_load(&ot__self_node.alive) ? ot__local_creation() : 0;
}

unsigned ot_net_ticktime(void)
{
    unsigned t = atomic_load(&ot__self_node.ticktime_s);
    return t ? t : 60;
}

int ot_set_net_ticktime(unsigned seconds)
{
    if (seconds == 0 || seconds > 3600)
        return -EINVAL;
    atomic_store(&ot__self_node.ticktime_s, seconds);
    return 0;
}

ot_term ot__dist_group_leader(void)
{
    pthread_mutex_lock(&ot__self_node.lock);
    ot_term gl = group_leader;
    pthread_mutex_unlock(&ot__self_node.lock);
    return gl;
}

/* ---------------------------------------------------------------- signals */

static int sig_pipe[2] = {-1, -1};
static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (write(sig_pipe[1], &b, 1) < 0) {
        /* nothing to do in a handler */
    }
    errno = saved;
}

int ot_node_await_signal(void)
{
    if (!ot__proc_current())
        return -EPERM;
    pthread_mutex_lock(&sig_lock);
    if (sig_pipe[0] < 0) {
        if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
            pthread_mutex_unlock(&sig_lock);
            return -errno;
        }
        struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    int rfd = sig_pipe[0];
    pthread_mutex_unlock(&sig_lock);
    for (;;) {
        unsigned char b;
        ssize_t r = read(rfd, &b, 1);
        if (r == 1)
            return b;
        if (r < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        int w = ot_wait_fd(rfd, OT_FD_READ, OT_INFINITY);
        if (w < 0)
            return w;
    }
}
