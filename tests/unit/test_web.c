/* test_web.c — the dashboard's HTTP server (src/web/): what it answers,
 * and that garbage, oversized, slow and flooding clients are refused
 * without disturbing the node. The node runs on a thread of its own (a
 * ticker process counts while clients misbehave); the test's thread is the
 * client, over loopback only, with bounded counts. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "demo.h"
#include "otter/dashboard.h"
#include "otter/introspect.h"
#include "otter/node.h"
#include "otter/process.h"
#include "testutil.h"

/* ---------------------------------------------------------------- the node */

static ot_dashboard_opts node_opts;
static pthread_t node_thread;
static pthread_mutex_t node_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t node_cv = PTHREAD_COND_INITIALIZER;
static int node_rc = 1; /* 1: starting */
static ot_term node_pid;
static uint16_t node_port;
static _Atomic long ticks;
static long extra_procs;
static char node_sname[64];   /* non-empty: the node is distributed */

static void ticker(void *arg)
{
    (void)arg;
    for (;;) {
        ot_sleep(5);
        atomic_fetch_add(&ticks, 1);
    }
}

static void mailbox_holder(void *arg)
{
    (void)arg;
    ot_msg_free(ot_receive(ot_atom("never"), OT_INFINITY, NULL));
}

static void node_body(void *arg)
{
    (void)arg;
    ot_spawn_opts to = {.initial_call = "test:ticker/0"};
    ot_spawn_opt(ticker, NULL, &to);
    ot_heap *h = ot_proc_heap();
    for (long i = 0; i < extra_procs; i++) {
        ot_spawn_opts o = {.initial_call = "test:holder/0",
                           .label = i % 10 == 0 ? ot_build(h, "{needle, ~l}", (int64_t)i) : OT_NONE};
        ot_term p = ot_spawn_opt(mailbox_holder, NULL, &o);
        for (long k = 0; k < i; k++)
            ot_send(p, ot_build(h, "{m, ~l}", (int64_t)k));
        ot_heap_reset(h);
    }
    const char *url;
    int rc = node_sname[0] ? ot_node_start(node_sname, OT_NODE_SHORT, "test_web_cookie") : 0;
    if (rc == 0)
        rc = ot_dashboard_start(&node_opts, &url);
    pthread_mutex_lock(&node_m);
    node_rc = rc;
    node_pid = ot_self();
    if (rc == 0) {
        const char *colon = strrchr(url, ':');
        node_port = (uint16_t)atoi(colon + 1);
    }
    pthread_cond_signal(&node_cv);
    pthread_mutex_unlock(&node_m);
    if (rc)
        return;
    ot_msg_free(ot_receive(ot_atom("stop"), OT_INFINITY, NULL));
    cr_expect_eq(ot_dashboard_stop(), 0);
    cr_expect_eq(ot_dashboard_stop(), -ENOENT);
}

static void *node_thread_main(void *arg)
{
    (void)arg;
    ot_runtime_opts ro = {.schedulers = 2};
    ot_run(node_body, NULL, &ro);
    return NULL;
}

static int node_up(const ot_dashboard_opts *o, long procs)
{
    node_opts = o ? *o : (ot_dashboard_opts){0};
    if (!node_opts.action)
        node_opts.action = otter_demo_action; /* the otter command's demo buttons */
    node_opts.quiet = true;
    extra_procs = procs;
    node_rc = 1;
    pthread_create(&node_thread, NULL, node_thread_main, NULL);
    pthread_mutex_lock(&node_m);
    while (node_rc == 1)
        pthread_cond_wait(&node_cv, &node_m);
    pthread_mutex_unlock(&node_m);
    return node_rc;
}

static void node_down(void)
{
    ot_send(node_pid, ot_atom("stop"));
    pthread_join(node_thread, NULL);
}

/* ---------------------------------------------------------------- a raw client */

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(node_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {.tv_sec = TU_POLL_CAP_MS / 1000}; /* a hang, not a slow machine */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}

/* Reads until the server closes (or max bytes); returns bytes read. */
static size_t read_all(int fd, char *buf, size_t max)
{
    size_t n = 0;
    while (n + 1 < max) {
        ssize_t k = recv(fd, buf + n, max - 1 - n, 0);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    buf[n] = 0;
    return n;
}

typedef struct resp {
    int status;
    char head[8192];
    char *body;
    char raw[1 << 20];
} resp;

static resp R;

/* Sends raw bytes and reads the whole answer; R.status is 0 when the
 * server closed without answering. */
static int raw(const char *req, size_t len)
{
    memset(R.head, 0, sizeof R.head);
    R.status = 0;
    R.body = NULL;
    int fd = dial();
    cr_assert(fd >= 0, "connect");
    send_all(fd, req, len);
    size_t n = read_all(fd, R.raw, sizeof R.raw);
    close(fd);
    if (n > 12 && !strncmp(R.raw, "HTTP/1.", 7))
        R.status = atoi(R.raw + 9);
    char *end = strstr(R.raw, "\r\n\r\n");
    if (end) {
        size_t hl = (size_t)(end - R.raw) < sizeof R.head - 1 ? (size_t)(end - R.raw) : sizeof R.head - 1;
        memcpy(R.head, R.raw, hl);
        R.body = end + 4;
    }
    return R.status;
}

static int get(const char *path, const char *extra_headers)
{
    char req[4096];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n", path,
                     extra_headers ? extra_headers : "");
    return raw(req, (size_t)n);
}

static int post(const char *path, const char *extra_headers)
{
    char req[4096];
    int n = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n%s\r\n",
                     path, extra_headers ? extra_headers : "");
    return raw(req, (size_t)n);
}

static json_t *body_json(void)
{
    cr_assert(R.body, "no body in: %.300s", R.raw);
    json_error_t e;
    json_t *j = json_loads(R.body, 0, &e);
    cr_assert(j, "JSON: %s in %.300s", e.text, R.body);
    return j;
}

/* tu_poll's condition: the ticker has ticked up to *(long *)ctx. */
static bool ticked_to(void *ctx)
{
    return atomic_load(&ticks) >= *(long *)ctx;
}

/* The node still answers and its processes still run. */
static void node_is_fine(void)
{
    long t0 = atomic_load(&ticks);
    cr_assert_eq(get("/api/overview", NULL), 200, "overview after the abuse: %.200s", R.raw);
    json_t *j = body_json();
    cr_assert(json_integer_value(json_object_get(j, "process_count")) > 0);
    json_decref(j);
    long want = t0 + 3;
    cr_assert(tu_poll(ticked_to, &want), "the node's processes stopped running");
}

/* ---------------------------------------------------------------- answers */

Test(web, overview_has_security_headers)
{
    cr_assert_eq(node_up(NULL, 0), 0);
    cr_assert_eq(get("/api/overview", NULL), 200);
    cr_assert(strstr(R.head, "Content-Security-Policy: default-src 'self'; script-src 'self';"), "%s", R.head);
    cr_assert(strstr(R.head, "X-Content-Type-Options: nosniff"));
    cr_assert(strstr(R.head, "X-Frame-Options: DENY"));
    json_t *j = body_json();
    cr_assert_str_eq(json_string_value(json_object_get(j, "node")), "nonode@nohost");
    cr_assert_eq(json_integer_value(json_object_get(j, "schedulers")), 2);
    cr_assert(json_integer_value(json_object_get(json_object_get(j, "memory"), "total")) > 0);
    json_decref(j);
    node_down();
}

Test(web, static_files_only_from_the_whitelist)
{
    cr_assert_eq(node_up(NULL, 0), 0);
    cr_assert_eq(get("/", NULL), 200);
    cr_assert(strstr(R.head, "Content-Type: text/html"));
    cr_assert(strstr(R.body, "/vendor/vega-embed.min.js"));
    cr_assert_eq(get("/vendor/vega.min.js", NULL), 200);
    cr_assert_eq(get("/../../etc/passwd", NULL), 404);
    cr_assert_eq(get("/dashboard/index.html", NULL), 404);
    cr_assert_eq(get("/node_modules/vega/package.json", NULL), 404);
    node_down();
}

Test(web, start_and_stop_errors)
{
    ot_dashboard_opts bad = {.address = "not an address"};
    cr_assert_eq(node_up(&bad, 0), -EINVAL);
    pthread_join(node_thread, NULL);
    ot_dashboard_opts badtok = {.token = "short"};
    cr_assert_eq(node_up(&badtok, 0), -EINVAL);
    pthread_join(node_thread, NULL);
    ot_dashboard_opts nodir = {.static_dir = "/nonexistent"};
    cr_assert_eq(node_up(&nodir, 0), -ENOENT);
    pthread_join(node_thread, NULL);
    cr_assert_eq(ot_dashboard_start(NULL, NULL), -EPERM, "no runtime");
}

/* ---------------------------------------------------------------- access */

Test(web, token_is_checked_on_every_request)
{
    ot_dashboard_opts o = {.require_token = true, .token = "abcdefghijklmnop1234"};
    cr_assert_eq(node_up(&o, 0), 0);
    cr_assert_eq(get("/api/overview", NULL), 401);
    cr_assert_eq(get("/", NULL), 401);
    cr_assert_eq(get("/api/overview", "Authorization: Bearer wrongwrongwrongwrong\r\n"), 401);
    cr_assert_eq(get("/api/overview?token=abcdefghijklmnop123", NULL), 401);
    cr_assert_eq(get("/api/overview", "Authorization: Bearer abcdefghijklmnop1234\r\n"), 200);
    cr_assert_eq(get("/api/overview", "Cookie: otter_token=abcdefghijklmnop1234\r\n"), 200);
    cr_assert_eq(get("/?token=abcdefghijklmnop1234", NULL), 200);
    cr_assert(strstr(R.head, "Set-Cookie: otter_token=abcdefghijklmnop1234; Path=/; HttpOnly; SameSite=Strict"), "%s",
              R.head);
    cr_assert_eq(get("/events", NULL), 401);
    node_down();
}

Test(web, loopback_host_and_post_header)
{
    cr_assert_eq(node_up(NULL, 0), 0);
    char req[512];
    int n = snprintf(req, sizeof req, "GET /api/overview HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n");
    cr_assert_eq(raw(req, (size_t)n), 403);
    n = snprintf(req, sizeof req, "GET /api/overview HTTP/1.1\r\nHost: localhost:1\r\nConnection: close\r\n\r\n");
    cr_assert_eq(raw(req, (size_t)n), 200);
    cr_assert_eq(post("/api/traces/pingpong", NULL), 403, "POST without X-Otter-Dashboard");
    cr_assert_eq(post("/api/traces/pingpong", "X-Otter-Dashboard: 1\r\n"), 202);
    n = snprintf(req, sizeof req, "DELETE /api/overview HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    cr_assert_eq(raw(req, (size_t)n), 405);
    cr_assert_eq(post("/api/spike?kind=binary", "X-Otter-Dashboard: 1\r\n"), 403, "spikes only in tour mode");
    node_down();
}

/* ---------------------------------------------------------------- abuse */

Test(web, garbage_is_refused_and_the_node_goes_on)
{
    cr_assert_eq(node_up(NULL, 0), 0);
    static const char *junk[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET / HTTP/9.9\r\n\r\n",
        "GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", /* a TLS hello */
        "POST /api/spike HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n",
        "GET /api/processes?sort=%ZZ&limit=%%% HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        int st = raw(junk[i], strlen(junk[i]));
        cr_assert(st == 0 || st >= 400, "junk %zu answered %d", i, st);
    }
    /* Random bytes. */
    char rnd[4096];
    unsigned s = 12345;
    for (size_t i = 0; i < sizeof rnd; i++)
        rnd[i] = (char)((s = s * 1103515245 + 12345) >> 16);
    int st = raw(rnd, sizeof rnd);
    cr_assert(st == 0 || st >= 400);
    node_is_fine();
    node_down();
}

Test(web, oversized_requests_are_refused)
{
    ot_dashboard_opts o = {.max_request_bytes = 16 * 1024};
    cr_assert_eq(node_up(&o, 0), 0);
    size_t big = 64 * 1024;
    char *req = malloc(big + 256);
    int n = sprintf(req, "GET /api/overview HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ");
    memset(req + n, 'a', big);
    n += (int)big;
    n += sprintf(req + n, "\r\nConnection: close\r\n\r\n");
    int st = raw(req, (size_t)n);
    cr_assert(st == 0 || st == 431 || st == 413, "oversized header answered %d", st);
    /* A body beyond the limit. */
    n = sprintf(req, "POST /api/connect HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Otter-Dashboard: 1\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n", big);
    memset(req + n, 'b', big);
    st = raw(req, (size_t)n + big);
    cr_assert(st == 0 || st == 413, "oversized body answered %d", st);
    free(req);
    node_is_fine();
    node_down();
}

Test(web, slow_clients_are_cut_off)
{
    ot_dashboard_opts o = {.timeout_s = 1};
    cr_assert_eq(node_up(&o, 0), 0);
    int fd = dial();
    cr_assert(fd >= 0);
    const char *part = "GET /api/overview HTTP/1.1\r\nHost: 127.0.0.1\r\n"; /* never finished */
    send_all(fd, part, strlen(part));
    /* Meanwhile others are served. */
    node_is_fine();
    char buf[256];
    ssize_t k = recv(fd, buf, sizeof buf, 0); /* the server closes it (SO_RCVTIMEO bounds the wait) */
    cr_assert(k == 0 || (k < 0 && errno == ECONNRESET), "slow client still open (%zd, %s)", k, strerror(errno));
    close(fd);
    node_down();
}

/* A connection attempt that does not wait: established (1), refused or
 * still pending (0). */
static int dial_nowait(int *fdp)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(node_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *fdp = fd;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return 1;
    if (errno != EINPROGRESS)
        return 0;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t len = sizeof err;
    return poll(&p, 1, 200) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
}

/* Is the connection still open from the server's side? */
static bool still_open(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c;
    return poll(&p, 1, 0) == 0 || recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) > 0;
}

/* tu_poll's condition: at most the kernel's backlog (64) of the flood's
 * connections is still open (the count is left in open_). */
typedef struct flood {
    int *fds;
    int n, open_;
} flood;

static bool flood_cut(void *ctx)
{
    flood *fl = ctx;
    fl->open_ = 0;
    for (int i = 0; i < fl->n; i++)
        fl->open_ += still_open(fl->fds[i]);
    return fl->open_ <= 64;
}

Test(web, a_flood_of_connections_is_bounded)
{
    /* 120 idle connections (loopback, a fixed count) against a limit of
     * 16: the server takes 16, the kernel queues what its backlog (64)
     * holds, the rest wait; idle ones are cut after the timeout. */
    ot_dashboard_opts o = {.max_connections = 16, .timeout_s = 1};
    cr_assert_eq(node_up(&o, 0), 0);
    enum { N = 120 };
    int fds[N];
    long t0 = atomic_load(&ticks);
    int established = 0;
    for (int i = 0; i < N; i++)
        established += dial_nowait(&fds[i]);
    cr_assert(established > 16, "the flood reached the server (%d)", established);
    /* The node's processes run on while it lasts. */
    long want = t0 + 20;
    cr_assert(tu_poll(ticked_to, &want), "the node's processes stopped running");
    /* Idle connections are closed by the server: wait until every one the
     * server took is gone. */
    flood fl = {.fds = fds, .n = N};
    bool closed = tu_poll(flood_cut, &fl);
    cr_assert(closed, "%d idle connections are still open after the timeouts", fl.open_);
    for (int i = 0; i < N; i++)
        close(fds[i]);
    node_is_fine();
    node_down();
}

/* ---------------------------------------------------------------- views */

static json_t *processes(const char *query)
{
    char path[512];
    snprintf(path, sizeof path, "/api/processes?%s", query);
    cr_assert_eq(get(path, NULL), 200, "%s: %.300s", path, R.raw);
    return body_json();
}

/* tu_poll's condition: the ten longest mailboxes have all their messages
 * counted (the tenth holds 290); the last answer is left in *ctx. */
static bool top_ten_in(void *ctx)
{
    json_t **j = ctx;
    json_decref(*j);
    *j = processes("sort=message_queue_len&dir=desc&limit=10");
    json_t *rows = json_object_get(*j, "rows");
    return json_integer_value(json_object_get(json_array_get(rows, 9), "message_queue_len")) == 290;
}

Test(web, processes_sorted_searched_and_paged_in_c)
{
    cr_assert_eq(node_up(NULL, 300), 0);
    /* The holders take their messages in when they next run: until then a
     * mailbox counts its waiting signals as one. */
    json_t *j = NULL;
    tu_poll(top_ten_in, &j);
    json_t *rows = json_object_get(j, "rows");
    cr_assert_eq(json_array_size(rows), 10);
    for (size_t i = 0; i < 10; i++)
        cr_assert_eq(json_integer_value(json_object_get(json_array_get(rows, i), "message_queue_len")),
                     (json_int_t)(299 - i));
    cr_assert(json_integer_value(json_object_get(j, "total")) >= 300);
    json_decref(j);

    /* Pages of 50 put together are the one page of everything. */
    json_t *all = processes("sort=memory&dir=desc&limit=5000");
    size_t total = json_array_size(json_object_get(all, "rows"));
    for (size_t off = 0; off < total; off += 50) {
        char q[128];
        snprintf(q, sizeof q, "sort=memory&dir=desc&limit=50&offset=%zu", off);
        json_t *page = processes(q);
        json_t *pr = json_object_get(page, "rows");
        for (size_t i = 0; i < json_array_size(pr); i++) {
            json_t *a = json_array_get(json_object_get(all, "rows"), off + i);
            if (!a)
                break;
            /* Memory can change between two walks for the node's busy
             * processes; the order must hold. */
            if (i > 0)
                cr_assert(json_integer_value(json_object_get(json_array_get(pr, i - 1), "memory")) >=
                          json_integer_value(json_object_get(json_array_get(pr, i), "memory")));
        }
        json_decref(page);
    }
    json_decref(all);

    j = processes("q=needle&sort=pid&dir=asc&limit=100");
    cr_assert_eq(json_integer_value(json_object_get(j, "matched")), 30);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "rows"), 0), "label")),
                     "{:needle, 0}");
    json_decref(j);

    /* The change of reductions appears from the second query on. */
    j = processes("sort=reductions_delta&limit=5");
    cr_assert(json_integer_value(json_object_get(j, "interval_ms")) >= 0);
    cr_assert(!json_is_null(json_object_get(json_array_get(json_object_get(j, "rows"), 0), "reductions_delta")));
    json_decref(j);

    cr_assert_eq(get("/api/processes?sort=bogus", NULL), 400);
    cr_assert_eq(get("/api/processes?limit=99999", NULL), 400);
    cr_assert_eq(get("/api/processes?dir=up", NULL), 400);
    cr_assert_eq(get("/api/processes?offset=-1", NULL), 400);
    node_down();
}

static int scan_check(const ot_dashboard_proc *p, void *arg)
{
    int *bad = arg;
    if (!p->status || strcmp(p->status, "waiting"))
        return 0; /* busy processes change under us */
    ot_heap *h = ot_heap_new();
    ot_term info = ot_process_info(h, p->pid, ot_build(h, "[memory, message_queue_len, initial_call]"));
    if (ot_is_list(info)) {
        uint64_t mem = 0, mq = 0;
        ot_get_uint64(ot_tuple_get(ot_hd(info), 1), &mem);
        ot_get_uint64(ot_tuple_get(ot_hd(ot_tl(info)), 1), &mq);
        ot_term ic = ot_tuple_get(ot_hd(ot_tl(ot_tl(info))), 1);
        char text[256];
        int64_t arity = -1;
        ot_get_int64(ot_tuple_get(ic, 2), &arity);
        snprintf(text, sizeof text, "%s:%s/%lld", ot_atom_text(ot_tuple_get(ic, 0), NULL),
                 ot_atom_text(ot_tuple_get(ic, 1), NULL), (long long)arity);
        if (mem != p->memory || mq != p->message_queue_len || strcmp(text, p->initial_call)) {
            fprintf(stderr, "scan %s/%llu/%llu vs process_info %s/%llu/%llu\n", p->initial_call,
                    (unsigned long long)p->memory, (unsigned long long)p->message_queue_len, text,
                    (unsigned long long)mem, (unsigned long long)mq);
            (*bad)++;
        }
    }
    ot_heap_free(h);
    return 0;
}

Test(web, fast_walk_agrees_with_process_info)
{
    cr_assert_eq(node_up(NULL, 100), 0);
    const ot_dashboard_source *src = ot_dashboard_local_source();
    int bad = 0;
    cr_assert_eq(src->scan(src->ctx, scan_check, &bad), 0);
    cr_assert_eq(bad, 0);
    node_down();
}

Test(web, scatter_bins_above_the_limit)
{
    cr_assert_eq(node_up(NULL, 200), 0);
    cr_assert_eq(get("/api/scatter?max=50", NULL), 200);
    json_t *j = body_json();
    cr_assert_str_eq(json_string_value(json_object_get(j, "mode")), "binned");
    json_int_t sum = 0;
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(j, "bins"), i, b) sum += json_integer_value(json_object_get(b, "count"));
    cr_assert_eq(sum, json_integer_value(json_object_get(j, "total")));
    json_decref(j);
    cr_assert_eq(get("/api/scatter?max=100000", NULL), 200);
    j = body_json();
    cr_assert_str_eq(json_string_value(json_object_get(j, "mode")), "points");
    cr_assert_eq((json_int_t)json_array_size(json_object_get(j, "values")), json_integer_value(json_object_get(j, "total")));
    json_decref(j);
    node_down();
}

/* tu_poll's condition: GET ctx (a process's detail) answers that it is
 * no longer alive; the answer stays in R. */
static bool shown_dead(void *ctx)
{
    cr_assert_eq(get(ctx, NULL), 200);
    json_t *j = body_json();
    bool alive = json_is_true(json_object_get(j, "alive"));
    json_decref(j);
    return !alive;
}

Test(web, process_detail_and_kill)
{
    cr_assert_eq(node_up(NULL, 3), 0);
    json_t *j = processes("q=needle&limit=1");
    const char *pid = json_string_value(json_object_get(json_array_get(json_object_get(j, "rows"), 0), "pid"));
    char path[128], pidcopy[64];
    snprintf(pidcopy, sizeof pidcopy, "%s", pid);
    json_decref(j);
    snprintf(path, sizeof path, "/api/process?pid=%s", pidcopy);
    cr_assert_eq(get(path, NULL), 200);
    j = body_json();
    cr_assert(json_is_true(json_object_get(j, "alive")));
    cr_assert(json_is_array(json_object_get(j, "links")));
    json_decref(j);
    snprintf(path, sizeof path, "/api/process/kill?pid=%s", pidcopy);
    cr_assert_eq(post(path, "X-Otter-Dashboard: 1\r\n"), 200);
    snprintf(path, sizeof path, "/api/process?pid=%s", pidcopy);
    tu_poll(shown_dead, path);
    cr_assert(strstr(R.body, "\"alive\":false"));
    snprintf(path, sizeof path, "/api/process/kill?pid=%s", pidcopy);
    cr_assert_eq(post(path, "X-Otter-Dashboard: 1\r\n"), 404, "a dead process");
    cr_assert_eq(get("/api/process?pid=<0.x.0>", NULL), 400);
    cr_assert_eq(get("/api/process?pid=%3C0.1.0", NULL), 400);
    node_down();
}

Test(web, views_behind_the_source_say_when_not_available)
{
    cr_assert_eq(node_up(NULL, 0), 0);
    static const char *paths[] = {"/api/apps", "/api/ets", "/api/apps/tree?app=kernel", "/api/suptree?pid=<0.1.0>"};
    for (size_t i = 0; i < 4; i++) {
        int st = get(paths[i], NULL);
        cr_assert(st == 200 || st == 404 || st == 400, "%s: %d", paths[i], st);
        json_t *j = body_json();
        cr_assert(json_object_get(j, "available") || json_object_get(j, "error"), "%s: %s", paths[i], R.body);
        json_decref(j);
    }
    cr_assert_eq(get("/api/traces", NULL), 200);
    node_down();
}

/* ---------------------------------------------------------------- the event stream */

/* Reads from an open stream until `needle` has been seen. */
static bool stream_until(int fd, char *buf, size_t cap, size_t *len, const char *needle)
{
    while (!strstr(buf, needle)) {
        if (*len + 1 >= cap)
            return false;
        ssize_t k = recv(fd, buf + *len, cap - 1 - *len, 0);
        if (k <= 0)
            return false;
        *len += (size_t)k;
        buf[*len] = 0;
    }
    return true;
}

Test(web, event_stream_starts_with_state_and_resumes_after_last_event_id)
{
    ot_dashboard_opts o = {.sample_ms = 50};
    cr_assert_eq(node_up(&o, 0), 0);
    static char buf[1 << 20];
    size_t len = 0;
    buf[0] = 0;
    int fd = dial();
    const char *req = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    send_all(fd, req, strlen(req));
    cr_assert(stream_until(fd, buf, sizeof buf, &len, "event: hello"));
    cr_assert(strstr(buf, "Content-Type: text/event-stream"));
    cr_assert(stream_until(fd, buf, sizeof buf, &len, "\"kind\":\"spec\""));
    /* Pushes follow, each with an id. */
    cr_assert(stream_until(fd, buf, sizeof buf, &len, "\"kind\":\"push\""));
    char *push = strstr(buf, "\"kind\":\"push\"");
    /* the id line of that push event */
    char *idl = push;
    while (idl > buf && strncmp(idl, "id: ", 4))
        idl--;
    long long id = atoll(idl + 4);
    cr_assert(id > 0);
    close(fd);

    /* Reconnect: no hello, the events after id. */
    len = 0;
    buf[0] = 0;
    fd = dial();
    char r2[256];
    snprintf(r2, sizeof r2, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: %lld\r\n\r\n", id);
    send_all(fd, r2, strlen(r2));
    char want[64];
    snprintf(want, sizeof want, "id: %lld\n", id + 1);
    cr_assert(stream_until(fd, buf, sizeof buf, &len, want), "%.500s", buf);
    cr_assert(!strstr(buf, "event: hello"), "a resumed stream does not start over");
    close(fd);

    /* An id older than the ring (or from another run): the state again. */
    len = 0;
    buf[0] = 0;
    fd = dial();
    const char *r3 = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: 5\r\n\r\n";
    send_all(fd, r3, strlen(r3));
    cr_assert(stream_until(fd, buf, sizeof buf, &len, "event: hello"));
    close(fd);
    node_down();
}

/* ---------------------------------------------------------------- connect */

static const char *json_str(json_t *j, const char *key)
{
    const char *v = json_string_value(json_object_get(j, key));
    return v ? v : "";
}

Test(web, connect_needs_a_distributed_node)
{
    char why[256];
    cr_assert_eq(ot_dashboard_connect("a@b", NULL, why, sizeof why), -ENOENT, "no dashboard");
    cr_assert_eq(node_up(NULL, 0), 0);
    cr_assert_eq(get("/api/node", NULL), 200);
    json_t *j = body_json();
    cr_assert(json_is_false(json_object_get(j, "connect_available")), "%s", R.body);
    cr_assert(strstr(json_str(j, "reason"), "start this node with a name (--sname)"), "%s", R.body);
    cr_assert_str_eq(json_str(j, "local_node"), "nonode@nohost");
    json_decref(j);
    /* Another node: not available, said so. */
    cr_assert_eq(post("/api/connect?node=other@somewhere", "X-Otter-Dashboard: 1\r\n"), 200);
    j = body_json();
    cr_assert(json_is_false(json_object_get(j, "available")), "%s", R.body);
    cr_assert(strstr(json_str(j, "reason"), "start this node with a name (--sname) to connect to others"),
              "%s", R.body);
    json_decref(j);
    /* This node itself (empty, or its name) always works. */
    cr_assert_eq(post("/api/connect?node=", "X-Otter-Dashboard: 1\r\n"), 200, "%s", R.raw);
    j = body_json();
    cr_assert(json_is_true(json_object_get(j, "local")), "%s", R.body);
    json_decref(j);
    cr_assert_eq(post("/api/connect?node=nonode%40nohost", "X-Otter-Dashboard: 1\r\n"), 200, "%s", R.raw);
    /* Without the page's header: refused like every other POST. */
    cr_assert_eq(post("/api/connect?node=", NULL), 403);
    node_is_fine();
    node_down();
}

Test(web, connect_refuses_bad_names_and_says_what_to_do)
{
    snprintf(node_sname, sizeof node_sname, "test_web_%d", (int)getpid());
    cr_assert_eq(node_up(NULL, 0), 0);
    cr_assert_eq(get("/api/node", NULL), 200);
    json_t *j = body_json();
    cr_assert(json_is_true(json_object_get(j, "connect_available")), "%s", R.body);
    char self[300];
    snprintf(self, sizeof self, "%s", json_str(j, "local_node"));
    cr_assert(!strncmp(self, node_sname, strlen(node_sname)) && self[strlen(node_sname)] == '@', "%s", self);
    cr_assert_str_eq(json_str(j, "node"), self, "the local node shows its own name");
    json_decref(j);
    const char *host = strchr(self, '@') + 1;

    /* Malformed names and cookies: 400, with what was wrong. */
    static const char *bad[] = {"nohost", "a@b@c", "@host", "name@", "bad%20name@h", "a%2Fb@h", "a@h%2Fx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/connect?node=%s", bad[i]);
        cr_assert_eq(post(path, "X-Otter-Dashboard: 1\r\n"), 400, "%s: %s", bad[i], R.raw);
        j = body_json();
        cr_assert(!strncmp(json_str(j, "error"), "node: ", 6), "%s: %s", bad[i], R.body);
        json_decref(j);
    }
    char path[512];
    int n = snprintf(path, sizeof path, "/api/connect?node=");
    memset(path + n, 'a', 300);
    snprintf(path + n + 300, sizeof path - (size_t)n - 300, "@%s", host);
    cr_assert_eq(post(path, "X-Otter-Dashboard: 1\r\n"), 400, "%s", R.raw);
    j = body_json();
    cr_assert(strstr(json_str(j, "error"), "at most 255"), "%s", R.body);
    json_decref(j);
    snprintf(path, sizeof path, "/api/connect?node=peer@%s&cookie=a%%01b", host);
    cr_assert_eq(post(path, "X-Otter-Dashboard: 1\r\n"), 400, "%s", R.raw);
    j = body_json();
    cr_assert(!strncmp(json_str(j, "error"), "cookie: ", 8), "%s", R.body);
    json_decref(j);

    /* A node epmd does not know: 502 and the message the otter command gives. */
    snprintf(path, sizeof path, "/api/connect?node=nobody_%d@%s", (int)getpid(), host);
    cr_assert_eq(post(path, "X-Otter-Dashboard: 1\r\n"), 502, "%s", R.raw);
    j = body_json();
    char want[200];
    snprintf(want, sizeof want, "no node nobody_%d@%s registered with epmd on host %s", (int)getpid(), host, host);
    cr_assert(strstr(json_str(j, "error"), want), "%s", R.body);
    json_decref(j);
    char why[300];
    snprintf(want, sizeof want, "nobody_%d@%s", (int)getpid(), host);
    cr_assert_eq(ot_dashboard_connect(want, "", why, sizeof why), -ECONNREFUSED, "%s", why);
    cr_assert(strstr(why, "registered with epmd"), "%s", why);

    /* Nothing changed: the views still show this node. */
    cr_assert_eq(get("/api/overview", NULL), 200);
    j = body_json();
    cr_assert_str_eq(json_str(j, "node"), self);
    json_decref(j);
    /* Its own name: this node. */
    snprintf(path, sizeof path, "/api/connect?node=%s", self);
    cr_assert_eq(post(path, "X-Otter-Dashboard: 1\r\n"), 200, "%s", R.raw);
    node_is_fine();
    node_down();
}

Test(web, connect_error_messages)
{
    char b[400];
    cr_assert_str_eq(ot_dashboard_connect_error(b, sizeof b, "x@y", -EACCES, NULL), "cookie rejected by x@y");
    cr_assert_str_eq(ot_dashboard_connect_error(b, sizeof b, "x@y", -EACCES, "give it"), "cookie rejected by x@y: give it");
    cr_assert(!strncmp(ot_dashboard_connect_error(b, sizeof b, "x@y", -ECONNREFUSED, NULL),
                       "no node x@y registered with epmd on host y (", 44), "%s", b);
    cr_assert_str_eq(ot_dashboard_connect_error(b, sizeof b, "x@y", -EHOSTUNREACH, NULL),
                     "host y of x@y is unknown or unreachable");
    cr_assert_str_eq(ot_dashboard_connect_error(b, 8, "x@y", -EACCES, NULL), "cookie ", "truncated, terminated");
}

/* ---------------------------------------------------------------- racing starts */

#define RACERS 16
static int racer_rc[RACERS];
static ot_term racer_root;
static atomic_bool racers_go;

static void racer(void *arg)
{
    size_t i = (size_t)(uintptr_t)arg;
    while (!atomic_load(&racers_go))   /* all released together */
        ot_yield();
    ot_dashboard_opts o = {.quiet = true};
    racer_rc[i] = ot_dashboard_start(&o, NULL);
    ot_send(racer_root, ot_atom("done"));
}

static void race_body(void *arg)
{
    (void)arg;
    racer_root = ot_self();
    atomic_store(&racers_go, false);
    for (size_t i = 0; i < RACERS; i++) {
        racer_rc[i] = 1;
        ot_spawn(racer, (void *)(uintptr_t)i);
    }
    atomic_store(&racers_go, true);
    for (size_t i = 0; i < RACERS; i++)
        ot_msg_free(ot_receive(ot_atom("done"), OT_INFINITY, NULL));
    int won = 0, already = 0;
    for (size_t i = 0; i < RACERS; i++) {
        if (racer_rc[i] == 0)
            won++;
        else if (racer_rc[i] == -EALREADY)
            already++;
        else
            cr_expect_fail("start %zu returned %d", i, racer_rc[i]);
    }
    cr_expect_eq(won, 1, "%d starts succeeded", won);
    cr_expect_eq(already, RACERS - 1);
    cr_expect_neq(ot_dashboard_url(), NULL);
    cr_expect_eq(ot_dashboard_stop(), 0);
    cr_expect_eq(ot_dashboard_stop(), -ENOENT);
}

/* Starts from many processes on several scheduler threads at once: exactly
 * one dashboard, the others told -EALREADY (include/otter/dashboard.h). */
Test(web, concurrent_starts_make_one_dashboard)
{
    for (int round = 0; round < 5; round++) {
        ot_runtime_opts ro = {.schedulers = 4};
        ot_run(race_body, NULL, &ro);
    }
}
