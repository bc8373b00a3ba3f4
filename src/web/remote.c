/* remote.c — another node (otter or BEAM) as a dashboard source: every
 * question goes over erpc, with the functions both kinds of node answer
 * (erlang:processes/0, erlang:process_info/2, erlang:memory/0,
 * application:which_applications/0, application_controller:get_master/1,
 * application_master:get_child/1, supervisor:which_children/1, ets:all/0,
 * ets:info/1). Nothing is loaded onto the target. Questions come from the
 * web server's plain threads, so each erpc runs in a short-lived process
 * (through a proxy process, one call at a time).
 *
 * Also the Connect view's action (ot_dashboard_connect: cookie, connection,
 * which kind of node, the switch) and what the dashboard and the otter
 * command say when a connection fails (ot_dashboard_connect_error). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "otter/erpc.h"
#include "term/term_internal.h"
#include "otter/node.h"
#include "web/web_internal.h"

#define REMOTE_TIMEOUT_MS 5000

typedef struct remote {
    ot_dashboard_source src;
    ot_term node;
    ot_term proxy;         /* the process that makes the calls */
    char kind[8];
} remote;

/* One question for the proxy: the web thread that asks waits on it; the
 * last of the two to let go frees it (the thread may give up waiting). */
typedef struct rjob {
    ot_term node;
    char mod[64], fun[64];
    uint64_t *args_block;  /* a copy of the arguments, owned by the job */
    ot_term args;
    ot_heap *answer;       /* the proxy's answer, on a heap of the job's */
    ot_term out;
    int rc;
    bool done;
    pthread_mutex_t m;
    pthread_cond_t cv;
    _Atomic int refs;
} rjob;

static void rjob_unref(rjob *j)
{
    if (atomic_fetch_sub(&j->refs, 1) == 1) {
        ot_heap_free(j->answer);
        ot__free(j->args_block);
        pthread_mutex_destroy(&j->m);
        pthread_cond_destroy(&j->cv);
        ot__free(j);
    }
}

/* The proxy: a process of this node that takes jobs ({rjob, Address})
 * one at a time and makes their erpc calls. Every call to the observed
 * node goes through it, as the web server's threads are not processes. */
static void proxy_main(void *arg)
{
    (void)arg;
    ot_set_label(ot_atom("otter_observe_proxy"));
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(m);
        uint64_t addr;
        if (ot_is_tuple(t) && ot_tuple_arity(t) == 2 && ot_get_uint64(ot_tuple_get(t, 1), &addr) == 0) {
            rjob *j = (rjob *)(uintptr_t)addr;
            ot_term out = OT_NONE;
            int rc = ot_erpc_call(j->answer, j->node, ot_atom(j->mod), ot_atom(j->fun), j->args,
                                  REMOTE_TIMEOUT_MS, &out);
            pthread_mutex_lock(&j->m);
            j->rc = rc > 0 ? -EPROTO : rc;   /* a raise is an error to the view */
            j->out = out;
            j->done = true;
            pthread_cond_signal(&j->cv);
            pthread_mutex_unlock(&j->m);
            rjob_unref(j);
        }
        ot_msg_free(m);
    }
}

static int rcall(remote *r, ot_heap *h, const char *mod, const char *fun, ot_term args, ot_term *out)
{
    if (ot_self() != OT_NONE) {
        /* Asked by a process (the dashboard's memory sampler): it makes
         * the call itself. Waiting on the proxy would hold its scheduler's
         * thread, and with it the processes the answer needs. */
        int rc = ot_erpc_call(h, r->node, ot_atom(mod), ot_atom(fun), args, REMOTE_TIMEOUT_MS, out);
        return rc > 0 ? -EPROTO : rc;
    }
    rjob *j = ot__calloc(1, sizeof *j);
    if (!j)
        return -ENOMEM;
    j->node = r->node;
    snprintf(j->mod, sizeof j->mod, "%s", mod);
    snprintf(j->fun, sizeof j->fun, "%s", fun);
    j->answer = ot_heap_new();
    size_t words = ot__copy_words(args);
    j->args_block = words ? ot__malloc(words * sizeof(uint64_t)) : NULL;
    if (!j->answer || (words && !j->args_block)) {
        ot_heap_free(j->answer);
        ot__free(j->args_block);
        ot__free(j);
        return -ENOMEM;
    }
    ot_heap fixed;
    ot__heap_init_fixed(&fixed, j->args_block, words);
    j->args = ot_copy(&fixed, args);
    ot__heap_release_fixed(&fixed);   /* arguments here hold no shared binary */
    pthread_mutex_init(&j->m, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_store(&j->refs, 2);
    uint64_t mem[8];
    ot_heap tmp;
    ot__heap_init_fixed(&tmp, mem, 8);
    ot_term msg = ot_tuple(&tmp, 2, ot_atom("rjob"), ot_uint(&tmp, (uint64_t)(uintptr_t)j));
    if (ot_send(r->proxy, msg) != 0) {
        atomic_store(&j->refs, 1);
        rjob_unref(j);
        return -ECONNRESET;
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += REMOTE_TIMEOUT_MS / 1000 + 2;
    pthread_mutex_lock(&j->m);
    while (!j->done)
        if (pthread_cond_timedwait(&j->cv, &j->m, &until) == ETIMEDOUT)
            break;
    int rc = -ETIMEDOUT;
    if (j->done) {
        rc = j->rc;
        if (rc == 0) {
            *out = ot_copy(h, j->out);
            if (*out == OT_NONE)
                rc = -ENOMEM;
        }
    }
    pthread_mutex_unlock(&j->m);
    rjob_unref(j);
    return rc;
}

static ot_term r_node_name(void *ctx)
{
    return ((remote *)ctx)->node;
}

static int r_system_info(void *ctx, ot_heap *h, ot_term *out)
{
    remote *r = ctx;
    ot_term count, scheds, release;
    if (rcall(r, h, "erlang", "system_info", ot_list(h, 1, ot_atom("process_count")), &count) ||
        rcall(r, h, "erlang", "system_info", ot_list(h, 1, ot_atom("schedulers")), &scheds))
        return -ECONNRESET;
    ot_term m = ot_build(h, "#{process_count => ~t, schedulers => ~t}", count, scheds);
    if (rcall(r, h, "erlang", "system_info", ot_list(h, 1, ot_atom("otp_release")), &release) == 0)
        m = ot_map_put(h, m, ot_atom("otp_release"), release);
    *out = m;
    return m == OT_NONE ? -ENOMEM : 0;
}

static int r_processes(void *ctx, ot_heap *h, ot_term *out)
{
    return rcall(ctx, h, "erlang", "processes", OT_NIL, out);
}

static int r_process_info(void *ctx, ot_heap *h, ot_term pid, ot_term keys, ot_term *out)
{
    return rcall(ctx, h, "erlang", "process_info", ot_list(h, 2, pid, keys), out);
}

static int r_memory(void *ctx, ot_heap *h, ot_term *out)
{
    return rcall(ctx, h, "erlang", "memory", OT_NIL, out);
}

static int r_kill(void *ctx, ot_term pid)
{
    ot_heap *h = ot_heap_new();
    if (!h)
        return -ENOMEM;
    ot_term res;
    int rc = rcall(ctx, h, "erlang", "exit", ot_list(h, 2, pid, ot_atom("kill")), &res);
    ot_heap_free(h);
    return rc;
}

static int r_which_applications(void *ctx, ot_heap *h, ot_term *out)
{
    return rcall(ctx, h, "application", "which_applications", OT_NIL, out);
}

static int r_application_root(void *ctx, ot_heap *h, ot_term app, ot_term *out)
{
    ot_term master, child;
    int rc = rcall(ctx, h, "application_controller", "get_master", ot_list(h, 1, app), &master);
    if (rc)
        return rc;
    if (!ot_is_pid(master))
        return -ESRCH;
    rc = rcall(ctx, h, "application_master", "get_child", ot_list(h, 1, master), &child);
    if (rc)
        return rc;
    if (!ot_is_tuple(child) || ot_tuple_arity(child) < 1)
        return -ESRCH;
    *out = ot_tuple(h, 2, master, ot_tuple_get(child, 0));
    return *out == OT_NONE ? -ENOMEM : 0;
}

static int r_which_children(void *ctx, ot_heap *h, ot_term sup, ot_term *out)
{
    /* A worker must not be asked (it would not answer): only processes
     * whose initial call is supervisor's, or whose children answer at
     * once on an otter node, are. */
    ot_term info;
    int rc = rcall(ctx, h, "erlang", "process_info", ot_list(h, 2, sup, ot_atom("dictionary")), &info);
    if (rc == 0 && ot_is_tuple(info) && ot_tuple_arity(info) == 2) {
        bool is_sup = false;
        for (ot_term l = ot_tuple_get(info, 1); ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
            ot_term kv = ot_hd(l);
            if (ot_is_tuple(kv) && ot_tuple_arity(kv) == 2 &&
                ot_tuple_get(kv, 0) == ot_atom("$initial_call")) {
                ot_term mfa = ot_tuple_get(kv, 1);
                is_sup = ot_is_tuple(mfa) && ot_tuple_arity(mfa) == 3 &&
                         ot_tuple_get(mfa, 0) == ot_atom("supervisor");
            }
        }
        if (!is_sup)
            return -ENOTSUP;
    }
    /* otter nodes keep no process dictionary: their supervisor module
     * answers which_children for supervisors only, at once. */
    return rcall(ctx, h, "supervisor", "which_children", ot_list(h, 1, sup), out);
}

static int r_ets_tables(void *ctx, ot_heap *h, ot_term *out)
{
    ot_term all;
    int rc = rcall(ctx, h, "ets", "all", OT_NIL, &all);
    if (rc)
        return rc;
    ot_term list = OT_NIL;
    for (; ot_is_list(all) && all != OT_NIL; all = ot_tl(all)) {
        ot_term tab = ot_hd(all), info;
        if (rcall(ctx, h, "ets", "info", ot_list(h, 1, tab), &info) || !ot_is_list(info))
            continue;   /* deleted meanwhile */
        ot_term m = ot_build(h, "#{id => ~t}", tab);
        for (ot_term l = info; ot_is_list(l) && l != OT_NIL; l = ot_tl(l)) {
            ot_term kv = ot_hd(l);
            if (ot_is_tuple(kv) && ot_tuple_arity(kv) == 2)
                m = ot_map_put(h, m, ot_tuple_get(kv, 0), ot_tuple_get(kv, 1));
        }
        /* ets:info gives words; the view shows bytes */
        int64_t words;
        if (ot_get_int64(ot_map_get(m, ot_atom("memory")), &words) == 0)
            m = ot_map_put(h, m, ot_atom("memory"), ot_int(h, words * 8));
        list = ot_cons(h, m, list);
    }
    *out = list;
    return list == OT_NONE ? -ENOMEM : 0;
}

ot_dashboard_source *ot_dashboard_remote_source(ot_term node, bool otter_node)
{
    if (!ot_is_atom(node))
        return NULL;
    remote *r = ot__calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->node = node;
    r->proxy = ot_spawn(proxy_main, NULL);
    if (r->proxy == OT_NONE) {
        ot__free(r);
        return NULL;
    }
    strcpy(r->kind, otter_node ? "otter" : "beam");
    r->src = (ot_dashboard_source){
        .kind = r->kind,
        .ctx = r,
        .node_name = r_node_name,
        .system_info = r_system_info,
        .processes = r_processes,
        .process_info = r_process_info,
        .memory = r_memory,
        .kill = r_kill,
        .which_applications = r_which_applications,
        .application_root = r_application_root,
        .which_children = r_which_children,
        .ets_tables = r_ets_tables,
    };
    return &r->src;
}

void ot_dashboard_remote_source_free(ot_dashboard_source *src)
{
    if (!src)
        return;
    remote *r = src->ctx;
    ot_exit_signal(r->proxy, ot_atom("kill"));
    ot__free(r);
}

/* ---------------------------------------------------------------- which node, connecting */

int ot_dashboard_peer_is_otter(ot_term node, int64_t timeout_ms)
{
    if (!ot_is_atom(node))
        return -EINVAL;
    ot_heap *h = ot_heap_new();
    if (!h)
        return -ENOMEM;
    ot_term machine;
    int rc = ot_erpc_call(h, node, ot_atom("erlang"), ot_atom("system_info"), ot_list(h, 1, ot_atom("machine")),
                          timeout_ms, &machine);
    if (rc == 0) {
        /* A charlist: "otter" or "BEAM". */
        static const char otter[] = "otter";
        size_t i = 0;
        bool same = ot_is_list(machine);
        for (ot_term l = machine; same && ot_is_list(l) && l != OT_NIL; l = ot_tl(l), i++) {
            int64_t ch;
            same = i < sizeof otter - 1 && ot_get_int64(ot_hd(l), &ch) == 0 && ch == otter[i];
        }
        rc = same && i == sizeof otter - 1;
    } else if (rc > 0) {
        rc = -EPROTO;   /* it raised: not a node that answers the question */
    }
    ot_heap_free(h);
    return rc;
}

const char *ot_dashboard_connect_error(char *buf, size_t cap, const char *node, int rc, const char *cookie_hint)
{
    if (!buf || cap == 0)
        return buf;
    if (!node)
        node = "?";
    const char *at = strchr(node, '@');
    const char *host = at ? at + 1 : "";
    switch (rc) {
    case -ECONNREFUSED:
        snprintf(buf, cap,
                 "no node %s registered with epmd on host %s (is it running, and started with "
                 "-sname/-name? `epmd -names` on %s lists the nodes there)",
                 node, host, host);
        break;
    case -EACCES:
        snprintf(buf, cap, "cookie rejected by %s%s%s", node, cookie_hint ? ": " : "", cookie_hint ? cookie_hint : "");
        break;
    case -EHOSTUNREACH:
        snprintf(buf, cap, "host %s of %s is unknown or unreachable", host, node);
        break;
    case -ETIMEDOUT:
        snprintf(buf, cap, "%s did not complete the handshake in time", node);
        break;
    case -EINVAL:
        snprintf(buf, cap,
                 "cannot connect to %s: short and long node names do not mix (a node started with "
                 "-sname reaches only name@host without a dot, one started with -name only full names)",
                 node);
        break;
    case -EPROTO:
        snprintf(buf, cap, "%s refused the connection (distribution capabilities)", node);
        break;
    default:
        snprintf(buf, cap, "cannot connect to %s: %s", node, ot_strerror(rc));
        break;
    }
    return buf;
}

/* How long the dashboard waits for the kind question once connected; the
 * connection's own set-up is bounded by the node's setup_ms (7 s). */
#define KIND_TIMEOUT_MS 4000
#define CONNECT_WAIT_MS 12000

/* name@host: the name of [A-Za-z0-9_-], the host of [A-Za-z0-9._-]. */
static bool node_name_ok(const char *s, char *why, size_t cap)
{
    size_t n = strlen(s);
    if (n > 255) {
        snprintf(why, cap, "node: at most 255 characters (name@host)");
        return false;
    }
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strchr(at + 1, '@')) {
        snprintf(why, cap, "node: expected name@host (e.g. demo@localhost)");
        return false;
    }
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        bool ok = p < at ? alnum || c == '_' || c == '-' : p == at || alnum || c == '_' || c == '-' || c == '.';
        if (!ok) {
            snprintf(why, cap, "node: expected name@host, where the name has only letters, digits, _ and - "
                               "and the host only letters, digits, _, - and .");
            return false;
        }
    }
    return true;
}

static bool cookie_ok(const char *s)
{
    size_t n = strlen(s);
    if (n > 255)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* Connects to node and asks its kind: *out = {ConnectRc, Kind}, where Kind
 * is ot_dashboard_peer_is_otter's answer. Runs in a process; node travels in
 * arg as its (immediate) atom, so nothing of the caller's is read. */
static int connect_job(ot_heap *h, void *arg, ot_term *out)
{
    ot_term node = (ot_term)(uintptr_t)arg;
    int rc = ot_connect(node);
    int kind = rc == 0 ? ot_dashboard_peer_is_otter(node, KIND_TIMEOUT_MS) : 0;
    *out = ot_tuple(h, 2, ot_int(h, rc), ot_int(h, kind));
    return *out == OT_NONE ? -ENOMEM : 0;
}

static pthread_mutex_t connect_m = PTHREAD_MUTEX_INITIALIZER;

static int connect_locked(const char *node, const char *cookie, char *why, size_t cap)
{
    ot_term a = ot_atom(node);
    if (a == OT_NONE) {
        snprintf(why, cap, "node: cannot be made an atom (the atom table is full?)");
        return -ENOMEM;
    }
    char dflt[256] = "";
    if (!cookie || !*cookie) {
        const char *c = ot_atom_text(ot_get_cookie(), NULL);
        snprintf(dflt, sizeof dflt, "%s", c ? c : "");
        cookie = dflt;
    }
    int rc = ot_set_node_cookie(a, cookie);
    if (rc) {
        snprintf(why, cap, "cookie: %s", rc == -EINVAL ? "not one a node accepts" : ot_strerror(rc));
        return rc;
    }
    ot_heap *h = ot_heap_new();
    if (!h)
        return -ENOMEM;
    ot_term res = OT_NONE;
    void *arg = (void *)(uintptr_t)a;
    rc = ot_self() != OT_NONE ? connect_job(h, arg, &res) : ot__web_in_process(connect_job, arg, h, &res, CONNECT_WAIT_MS);
    int64_t crc = 0, kind = 0;
    if (rc == 0 && (ot_get_int64(ot_tuple_get(res, 0), &crc) || ot_get_int64(ot_tuple_get(res, 1), &kind)))
        rc = -ENOMEM;
    ot_heap_free(h);
    if (rc == -ETIMEDOUT) {
        snprintf(why, cap, "%s did not answer within %d s", node, CONNECT_WAIT_MS / 1000);
        return rc;
    }
    if (rc) {
        snprintf(why, cap, "cannot connect to %s: %s", node, ot_strerror(rc));
        return rc;
    }
    if (crc) {
        ot_dashboard_connect_error(why, cap, node, (int)crc,
                              "give its cookie in the cookie field (empty: this node's own cookie)");
        return (int)crc;
    }
    if (kind < 0) {
        snprintf(why, cap, "connected to %s, but it did not answer erlang:system_info(machine): %s", node,
                 ot_strerror((int)kind));
        return (int)kind;
    }
    ot_dashboard_source *src = ot_dashboard_remote_source(a, kind == 1);
    if (!src) {
        snprintf(why, cap, "out of memory");
        return -ENOMEM;
    }
    rc = ot__web_switch_source(src, src);
    if (rc) {
        ot_dashboard_remote_source_free(src);
        snprintf(why, cap, "the dashboard stopped");
    }
    return rc;
}

int ot_dashboard_connect(const char *node, const char *cookie, char *why, size_t why_cap)
{
    char scratch[512];
    if (!why || why_cap == 0) {
        why = scratch;
        why_cap = sizeof scratch;
    }
    why[0] = 0;
    if (!ot_dashboard_url()) {
        snprintf(why, why_cap, "no dashboard runs");
        return -ENOENT;
    }
    const char *self = ot_atom_text(ot_node(), NULL);
    if (!node || !*node || (self && !strcmp(node, self))) {
        int rc = ot__web_switch_source(NULL, NULL);
        if (rc)
            snprintf(why, why_cap, "no dashboard runs");
        return rc;
    }
    if (!ot_node_alive()) {
        snprintf(why, why_cap, "%s", OW_NOT_DISTRIBUTED);
        return -ENOTSUP;
    }
    if (!node_name_ok(node, why, why_cap))
        return -EINVAL;
    if (cookie && *cookie && !cookie_ok(cookie)) {
        snprintf(why, why_cap, "cookie: at most 255 characters, none of them control characters");
        return -EINVAL;
    }
    if (pthread_mutex_trylock(&connect_m)) {
        snprintf(why, why_cap, "another connection is being made: try again in a moment");
        return -EBUSY;
    }
    int rc = connect_locked(node, cookie, why, why_cap);
    pthread_mutex_unlock(&connect_m);
    return rc;
}
