/* supervisor.c — supervisors (include/otter/supervisor.h): a process that
 * starts children from specs, traps their exits and restarts them by
 * strategy within a restart intensity, answering BEAM's supervisor calls.
 *
 * Where the state lives: everything a supervisor keeps (its children
 * array, their ids, arguments and modules, the restart times) is on its
 * own process heap, ot_proc_heap(), which the runtime frees when the
 * process exits — even when it is killed, which no cleanup code would
 * survive. The heap is an arena, so replies and received terms copied
 * there accumulate; when it has grown to twice what the state needed at
 * the last count, the state is copied out, the heap reset and the state
 * copied back (between two messages, with no runtime call in between,
 * so no signal can interrupt it). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "otp/otp_internal.h"
#include "term/term_internal.h"

/* ---------------------------------------------------------------- atoms */


/* ---------------------------------------------------------------- start functions */

/* The node's table of (fn, data) pairs named by child specs, with an
 * open-addressing index for finding a pair again. Only grows. */
struct fn_entry {
    ot_child_start_fn fn;
    void *data;
};

static pthread_mutex_t fn_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fn_entry *fn_tab;
static size_t fn_n, fn_cap;
static int64_t *fn_index; /* slot -> entry + 1, 0 = empty */
static size_t fn_index_cap;

static size_t fn_hash(ot_child_start_fn fn, void *data)
{
    uint64_t h = (uint64_t)(uintptr_t)fn * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)(uintptr_t)data + 0x7F4A7C159E3779B9ull + (h << 6) + (h >> 2);
    h ^= h >> 29;
    return (size_t)(h * 0xBF58476D1CE4E5B9ull >> 17);
}

static bool fn_index_grow(void)
{
    size_t cap = fn_index_cap ? fn_index_cap * 2 : 64;
    int64_t *idx = ot__calloc(cap, sizeof *idx);
    if (!idx)
        return false;
    for (size_t i = 0; i < fn_n; i++) {
        size_t s = fn_hash(fn_tab[i].fn, fn_tab[i].data) & (cap - 1);
        while (idx[s])
            s = (s + 1) & (cap - 1);
        idx[s] = (int64_t)i + 1;
    }
    ot__free(fn_index);
    fn_index = idx;
    fn_index_cap = cap;
    return true;
}

int64_t ot__start_fn_index(ot_child_start_fn fn, void *data)
{
    pthread_mutex_lock(&fn_lock);
    int64_t found = -ENOMEM;
    if (fn_index_cap) {
        for (size_t s = fn_hash(fn, data) & (fn_index_cap - 1); fn_index[s]; s = (s + 1) & (fn_index_cap - 1)) {
            struct fn_entry *e = &fn_tab[fn_index[s] - 1];
            if (e->fn == fn && e->data == data) {
                found = fn_index[s] - 1;
                goto out;
            }
        }
    }
    if ((fn_n + 1) * 2 > fn_index_cap && !fn_index_grow())
        goto out;
    if (fn_n == fn_cap) {
        size_t cap = fn_cap ? fn_cap * 2 : 32;
        struct fn_entry *t = ot__realloc(fn_tab, cap * sizeof *t);
        if (!t)
            goto out;
        fn_tab = t;
        fn_cap = cap;
    }
    fn_tab[fn_n] = (struct fn_entry){fn, data};
    size_t s = fn_hash(fn, data) & (fn_index_cap - 1);
    while (fn_index[s])
        s = (s + 1) & (fn_index_cap - 1);
    fn_index[s] = (int64_t)fn_n + 1;
    found = (int64_t)fn_n++;
out:
    pthread_mutex_unlock(&fn_lock);
    return found;
}

bool ot__start_fn_get(int64_t idx, ot_child_start_fn *fn, void **data)
{
    bool ok = false;
    pthread_mutex_lock(&fn_lock);
    if (idx >= 0 && (size_t)idx < fn_n) {
        *fn = fn_tab[idx].fn;
        *data = fn_tab[idx].data;
        ok = true;
    }
    pthread_mutex_unlock(&fn_lock);
    return ok;
}

/* ---------------------------------------------------------------- the set of supervisors */

/* Pids of live supervisors, for ot_is_supervisor. A supervisor adds itself
 * when it starts and removes itself when it exits; one that was killed
 * cannot, so dead pids are swept out whenever the table is rebuilt (a pid
 * is never reused: its serial changes). 0 = empty slot, 1 = deleted. */
static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;
static ot_term *set_tab;
static size_t set_cap, set_used; /* used: live entries + deleted marks */

#define SET_DELETED ((ot_term)1)

static size_t pid_hash(ot_term pid)
{
    uint64_t h = pid * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 20);
}

static void set_put(ot_term *tab, size_t cap, ot_term pid)
{
    size_t s = pid_hash(pid) & (cap - 1);
    while (tab[s] && tab[s] != SET_DELETED)
        s = (s + 1) & (cap - 1);
    tab[s] = pid;
}

static void set_add(ot_term pid)
{
    pthread_mutex_lock(&set_lock);
    if ((set_used + 1) * 2 > set_cap) {
        size_t live = 0;
        for (size_t i = 0; i < set_cap; i++)
            if (set_tab[i] && set_tab[i] != SET_DELETED && ot_is_alive(set_tab[i]))
                live++;
        size_t cap = 64;
        while ((live + 1) * 4 > cap)
            cap *= 2;
        ot_term *tab = ot__calloc(cap, sizeof *tab);
        if (!tab) {
            pthread_mutex_unlock(&set_lock);
            return; /* ot_is_supervisor will say false: the tree shows a worker */
        }
        for (size_t i = 0; i < set_cap; i++)
            if (set_tab[i] && set_tab[i] != SET_DELETED && ot_is_alive(set_tab[i]))
                set_put(tab, cap, set_tab[i]);
        ot__free(set_tab);
        set_tab = tab;
        set_cap = cap;
        set_used = live;
    }
    set_put(set_tab, set_cap, pid);
    set_used++;
    pthread_mutex_unlock(&set_lock);
}

static ot_term *set_find(ot_term pid)
{
    if (!set_cap)
        return NULL;
    for (size_t s = pid_hash(pid) & (set_cap - 1); set_tab[s]; s = (s + 1) & (set_cap - 1))
        if (set_tab[s] == pid)
            return &set_tab[s];
    return NULL;
}

static void set_remove(ot_term pid)
{
    pthread_mutex_lock(&set_lock);
    ot_term *e = set_find(pid);
    if (e)
        *e = SET_DELETED;
    pthread_mutex_unlock(&set_lock);
}

bool ot_is_supervisor(ot_term pid)
{
    if (!ot_is_pid(pid))
        return false;
    pthread_mutex_lock(&set_lock);
    bool in = set_find(pid) != NULL;
    pthread_mutex_unlock(&set_lock);
    return in && ot_is_alive(pid);
}

/* ---------------------------------------------------------------- child specs as terms */

/* A spec travels as OTP's map: #{id, start => {otter, FnIndex, [Arg]},
 * restart, shutdown, type, modules}. Internally shutdown is ms >= 0, or
 * the two negative constants. */

static ot_term restart_atom(int r)
{
    return r == OT_TRANSIENT ? OT__ATOM(TRANSIENT) : r == OT_TEMPORARY ? OT__ATOM(TEMPORARY) : OT__ATOM(PERMANENT);
}

static ot_term shutdown_term(int64_t sh)
{
    return sh == OT_SHUTDOWN_BRUTAL_KILL ? OT__ATOM(BRUTAL_KILL)
         : sh == OT_SHUTDOWN_INFINITY ? OT_ATOM(INFINITY) : ot__make_small(sh);
}

static bool modules_ok(ot_term m)
{
    if (m == OT__ATOM(DYNAMIC))
        return true;
    if (ot_list_length(m) < 0)
        return false;
    for (ot_term l = m; l != OT_NIL; l = ot_tl(l))
        if (!ot_is_atom(ot_hd(l)))
            return false;
    return true;
}

/* The map for a C spec; OT_NONE with *why set when the spec is invalid. */
static ot_term spec_from_c(ot_heap *h, const ot_child_spec *c, ot_term *why)
{
    if (c->id == OT_NONE) {
        *why = OT__ATOM(MISSING_ID);
        return OT_NONE;
    }
    if (!c->start) {
        *why = OT__ATOM(MISSING_START);
        return OT_NONE;
    }
    if ((int)c->restart < OT_PERMANENT || c->restart > OT_TEMPORARY) {
        *why = ot_tuple(h, 2, OT__ATOM(INVALID_RESTART_TYPE), ot_int(h, (int64_t)c->restart));
        return OT_NONE;
    }
    if ((int)c->type < OT_WORKER || c->type > OT_SUPERVISOR) {
        *why = ot_tuple(h, 2, OT__ATOM(INVALID_CHILD_TYPE), ot_int(h, (int64_t)c->type));
        return OT_NONE;
    }
    int64_t sh = c->shutdown;
    if (sh < OT_SHUTDOWN_BRUTAL_KILL || sh > OT__SMALL_MAX) {
        *why = ot_tuple(h, 2, OT__ATOM(INVALID_SHUTDOWN), ot_int(h, sh));
        return OT_NONE;
    }
    if (sh == OT_SHUTDOWN_DEFAULT)
        sh = c->type == OT_SUPERVISOR ? OT_SHUTDOWN_INFINITY : 5000;
    ot_term mods = c->modules == OT_NONE ? OT_NIL : c->modules;
    if (!modules_ok(mods)) {
        *why = ot_tuple(h, 2, OT__ATOM(INVALID_MODULES), mods);
        return OT_NONE;
    }
    int64_t idx = ot__start_fn_index(c->start, c->data);
    if (idx < 0) {
        *why = OT__ATOM(SYSTEM_LIMIT);
        return OT_NONE;
    }
    ot_term arg = c->arg == OT_NONE ? OT_NIL : c->arg;
    ot_term keys[6] = {OT__ATOM(ID), OT__ATOM(START), OT__ATOM(RESTART), OT_ATOM(SHUTDOWN), OT__ATOM(TYPE), OT__ATOM(MODULES)};
    ot_term vals[6] = {c->id, ot_tuple(h, 3, OT__ATOM(OTTER), ot_int(h, idx), ot_list(h, 1, arg)),
                       restart_atom(c->restart), shutdown_term(sh),
                       c->type == OT_SUPERVISOR ? OT__ATOM(SUPERVISOR) : OT__ATOM(WORKER), mods};
    ot_term m = ot_map(h, 6, keys, vals);
    if (m == OT_NONE)
        *why = OT__ATOM(SYSTEM_LIMIT);
    return m;
}

/* ---------------------------------------------------------------- state */

#define KID_UNDEFINED OT_ATOM(UNDEFINED)

/* One child. Every field is a word, so that the array can live on the
 * process heap (ot__heap_alloc hands out words). */
typedef struct kid {
    ot_term id, arg, modules;   /* on the process heap */
    ot_term pid;                /* a pid, KID_UNDEFINED, or OT__ATOM(RESTARTING) */
    ot_child_start_fn fn;
    void *data;
    int64_t fn_idx;
    int64_t shutdown;           /* ms >= 0, OT_SHUTDOWN_INFINITY, OT_SHUTDOWN_BRUTAL_KILL */
    int64_t restart;            /* ot_restart */
    int64_t type;               /* ot_child_type */
} kid;

#define KID_WORDS (sizeof(kid) / sizeof(uint64_t))
_Static_assert(sizeof(kid) % sizeof(uint64_t) == 0, "kid is made of words");

typedef struct sup {
    ot_term self, parent;
    int strategy;
    int64_t intensity;          /* restarts allowed within the period */
    int64_t period_ms;
    kid *kids;                  /* in start order; on the process heap */
    size_t n, cap;
    int64_t *rs;                /* restart times (ms), a ring on the process heap */
    size_t rs_head, rs_len, rs_cap;
    size_t mark;                /* heap bytes after the last compaction */
} sup;

static ot_heap *ph(void) { return ot_proc_heap(); }

/* Parses a spec (OTP's map, or the old 6-tuple) into *k, its terms copied
 * to the process heap. Returns false with *why (on the process heap). */
static bool kid_from_spec(ot_term spec, kid *k, ot_term *why)
{
    ot_heap *h = ph();
    ot_term id, start, restart, shutdown, type, mods;
    if (ot_is_map(spec)) {
        id = ot_map_get(spec, OT__ATOM(ID));
        start = ot_map_get(spec, OT__ATOM(START));
        restart = ot_map_get(spec, OT__ATOM(RESTART));
        shutdown = ot_map_get(spec, OT_ATOM(SHUTDOWN));
        type = ot_map_get(spec, OT__ATOM(TYPE));
        mods = ot_map_get(spec, OT__ATOM(MODULES));
        if (id == OT_NONE) {
            *why = OT__ATOM(MISSING_ID);
            return false;
        }
        if (start == OT_NONE) {
            *why = OT__ATOM(MISSING_START);
            return false;
        }
        if (restart == OT_NONE)
            restart = OT__ATOM(PERMANENT);
        if (type == OT_NONE)
            type = OT__ATOM(WORKER);
        if (shutdown == OT_NONE)
            shutdown = type == OT__ATOM(SUPERVISOR) ? OT_ATOM(INFINITY) : ot__make_small(5000);
        if (mods == OT_NONE)
            mods = OT_NIL;
    } else if (ot_is_tuple(spec) && ot_tuple_arity(spec) == 6) {
        id = ot_tuple_get(spec, 0);
        start = ot_tuple_get(spec, 1);
        restart = ot_tuple_get(spec, 2);
        shutdown = ot_tuple_get(spec, 3);
        type = ot_tuple_get(spec, 4);
        mods = ot_tuple_get(spec, 5);
    } else {
        *why = ot_tuple(h, 2, OT__ATOM(INVALID_CHILD_SPEC), ot_copy(h, spec));
        return false;
    }
    /* start: {M, F, A}; otter runs only its own {otter, FnIndex, [Arg]}. */
    bool mfa = ot_is_tuple(start) && ot_tuple_arity(start) == 3 && ot_is_atom(ot_tuple_get(start, 0))
               && ot_list_length(ot_tuple_get(start, 2)) >= 0;
    int64_t idx = -1;
    ot_child_start_fn fn = NULL;
    void *data = NULL;
    if (!mfa || ot_tuple_get(start, 0) != OT__ATOM(OTTER) || ot_get_int64(ot_tuple_get(start, 1), &idx) != 0
        || ot_list_length(ot_tuple_get(start, 2)) != 1 || !ot__start_fn_get(idx, &fn, &data)) {
        *why = ot_tuple(h, 2, OT__ATOM(INVALID_MFA), ot_copy(h, start));
        return false;
    }
    int64_t r;
    if (restart == OT__ATOM(PERMANENT))
        r = OT_PERMANENT;
    else if (restart == OT__ATOM(TRANSIENT))
        r = OT_TRANSIENT;
    else if (restart == OT__ATOM(TEMPORARY))
        r = OT_TEMPORARY;
    else {
        *why = ot_tuple(h, 2, OT__ATOM(INVALID_RESTART_TYPE), ot_copy(h, restart));
        return false;
    }
    int64_t sh;
    if (shutdown == OT__ATOM(BRUTAL_KILL))
        sh = OT_SHUTDOWN_BRUTAL_KILL;
    else if (shutdown == OT_ATOM(INFINITY))
        sh = OT_SHUTDOWN_INFINITY;
    else if (ot_get_int64(shutdown, &sh) != 0 || sh < 0) {
        *why = ot_tuple(h, 2, OT__ATOM(INVALID_SHUTDOWN), ot_copy(h, shutdown));
        return false;
    }
    int64_t t;
    if (type == OT__ATOM(WORKER))
        t = OT_WORKER;
    else if (type == OT__ATOM(SUPERVISOR))
        t = OT_SUPERVISOR;
    else {
        *why = ot_tuple(h, 2, OT__ATOM(INVALID_CHILD_TYPE), ot_copy(h, type));
        return false;
    }
    if (!modules_ok(mods)) {
        *why = ot_tuple(h, 2, OT__ATOM(INVALID_MODULES), ot_copy(h, mods));
        return false;
    }
    k->id = ot_copy(h, id);
    k->arg = ot_copy(h, ot_hd(ot_tuple_get(start, 2)));
    k->modules = ot_copy(h, mods);
    if (k->id == OT_NONE || k->arg == OT_NONE || k->modules == OT_NONE) {
        *why = OT__ATOM(SYSTEM_LIMIT);
        return false;
    }
    k->pid = KID_UNDEFINED;
    k->fn = fn;
    k->data = data;
    k->fn_idx = idx;
    k->shutdown = sh;
    k->restart = r;
    k->type = t;
    return true;
}

static ot_term kid_spec(ot_heap *h, const kid *k)
{
    ot_term keys[7] = {OT__ATOM(ID), OT__ATOM(START), OT__ATOM(RESTART), OT_ATOM(SHUTDOWN), OT__ATOM(TYPE), OT__ATOM(MODULES), OT__ATOM(SIGNIFICANT)};
    ot_term vals[7] = {k->id, ot_tuple(h, 3, OT__ATOM(OTTER), ot_int(h, k->fn_idx), ot_list(h, 1, k->arg)),
                       restart_atom((int)k->restart), shutdown_term(k->shutdown),
                       k->type == OT_SUPERVISOR ? OT__ATOM(SUPERVISOR) : OT__ATOM(WORKER), k->modules,
                       OT_ATOM(FALSE)};
    return ot_map(h, 7, keys, vals);
}

static kid *kid_find(sup *s, ot_term id)
{
    for (size_t i = 0; i < s->n; i++)
        if (ot_equal(s->kids[i].id, id))
            return &s->kids[i];
    return NULL;
}

static size_t kid_by_pid(sup *s, ot_term pid)
{
    for (size_t i = s->n; i-- > 0;)
        if (s->kids[i].pid == pid)
            return i;
    return SIZE_MAX;
}

static bool kid_append(sup *s, const kid *k)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        kid *a = (kid *)ot__heap_alloc(ph(), cap * KID_WORDS);
        if (!a)
            return false;
        if (s->n)
            memcpy(a, s->kids, s->n * sizeof *a);
        s->kids = a;
        s->cap = cap;
    }
    s->kids[s->n++] = *k;
    return true;
}

static void kid_remove(sup *s, size_t i)
{
    memmove(&s->kids[i], &s->kids[i + 1], (s->n - i - 1) * sizeof(kid));
    s->n--;
}

/* Copies the state's terms and arrays to `to`; false if memory runs out. */
static bool state_copy(sup *s, ot_heap *to)
{
    size_t cap = s->n ? s->n : 1;
    kid *a = (kid *)ot__heap_alloc(to, cap * KID_WORDS);
    size_t rcap = s->rs_len ? s->rs_len : 1;
    int64_t *rs = (int64_t *)ot__heap_alloc(to, rcap);
    if (!a || !rs)
        return false;
    for (size_t i = 0; i < s->n; i++) {
        a[i] = s->kids[i];
        a[i].id = ot_copy(to, s->kids[i].id);
        a[i].arg = ot_copy(to, s->kids[i].arg);
        a[i].modules = ot_copy(to, s->kids[i].modules);
        if (a[i].id == OT_NONE || a[i].arg == OT_NONE || a[i].modules == OT_NONE)
            return false;
    }
    for (size_t i = 0; i < s->rs_len; i++)
        rs[i] = s->rs[(s->rs_head + i) % s->rs_cap];
    s->kids = a;
    s->cap = cap;
    s->rs = rs;
    s->rs_cap = rcap;
    s->rs_head = 0;
    return true;
}

/* Gives the process heap back its garbage when it has grown enough (see
 * the file comment). No runtime call happens in here. */
static void maybe_compact(sup *s)
{
    ot_heap *h = ph();
    if (ot_heap_bytes(h) <= 2 * s->mark + 32768)
        return;
    ot_heap *tmp = ot_heap_new();
    if (!tmp)
        return;
    if (!state_copy(s, tmp)) {
        /* The old state is intact; try again after the next message. */
        ot_heap_free(tmp);
        return;
    }
    ot_heap_reset(h);
    if (!state_copy(s, h)) {
        ot_heap_free(tmp);
        ot_exit(OT__ATOM(SYSTEM_LIMIT));
    }
    ot_heap_free(tmp);
    s->mark = ot_heap_bytes(h);
}

/* ---------------------------------------------------------------- reports */

static bool logging(void) { return ot_whereis(OT__ATOM(OTTER_LOGGER)) != OT_NONE; }

static const char *text(char *buf, size_t cap, ot_term t)
{
    ot_print_opts o = {.syntax = OT_SYNTAX_ERLANG, .limit = 20};
    if (ot_print(buf, cap, t, &o) < 0)
        snprintf(buf, cap, "?");
    return buf;
}

static void report(sup *s, const char *context, ot_term reason, const kid *k)
{
    if (!logging())
        return;
    char r[512], id[256], self[64], pid[64];
    ot__log_report(OT_ATOM(ERROR),
                   "supervisor report: supervisor %s, context %s, reason %s, offender id %s pid %s",
                   text(self, sizeof self, s->self), context, text(r, sizeof r, reason),
                   k ? text(id, sizeof id, k->id) : "-", k ? text(pid, sizeof pid, k->pid) : "-");
}

/* ---------------------------------------------------------------- starting and stopping children */

/* Starts k. Returns 1 when a pid came back (in k->pid, *info its extra
 * info or OT_NONE), 0 for ignore (k->pid undefined), -1 for a failure
 * with *why. Terms are built on the process heap. */
static int kid_start(sup *s, kid *k, ot_term *why, ot_term *info)
{
    (void)s;
    ot_heap *h = ph();
    *info = OT_NONE;
    ot_term r = k->fn(h, k->arg, k->data);
    ot_term pid = OT_NONE;
    if (r == OT_NONE) {
        *why = OT__ATOM(SYSTEM_LIMIT);
        return -1;
    }
    if (ot_is_pid(r)) {
        pid = r;
    } else if (r == OT__ATOM(IGNORE)) {
        k->pid = KID_UNDEFINED;
        return 0;
    } else if (ot_is_tuple(r) && ot_tuple_get(r, 0) == OT_ATOM(OK) && ot_is_pid(ot_tuple_get(r, 1))
               && (ot_tuple_arity(r) == 2 || ot_tuple_arity(r) == 3)) {
        pid = ot_tuple_get(r, 1);
        if (ot_tuple_arity(r) == 3)
            *info = ot_tuple_get(r, 2);
    } else if (ot_is_tuple(r) && ot_tuple_arity(r) == 2 && ot_tuple_get(r, 0) == OT_ATOM(ERROR)) {
        *why = ot_tuple_get(r, 1);
        return -1;
    } else {
        *why = r;
        return -1;
    }
    ot_link(pid); /* a start function that forgot the link still gets supervised */
    k->pid = pid;
    return 1;
}


static bool is_exit_from(ot_term m, void *ctx)
{
    ot_term pid = *(ot_term *)ctx;
    return ot_is_tuple(m) && ot_tuple_arity(m) == 3 && ot_tuple_get(m, 0) == OT_ATOM(EXIT)
           && ot_tuple_get(m, 1) == pid;
}

/* Waits for the monitor's DOWN; returns its reason (an atom, or
 * `error` for a reason that is not an atom: only reports look at it), or
 * OT_NONE on timeout. */
static ot_term wait_down(ot_term ref, int64_t timeout)
{
    ot__await w = {OT_NONE, ref, false};
    ot_msg *m = ot_receive_if(ot__await_pred, &w, timeout);
    if (!m)
        return OT_NONE;
    ot_term r = ot_tuple_get(ot_msg_term(m), 4);
    if (!ot_is_atom(r))
        r = OT_ATOM(ERROR);
    ot_msg_free(m);
    return r;
}

/* Stops a running child as OTP does: monitor it and unlink (taking an
 * EXIT that already came: it was dead), then exit(shutdown) and wait up
 * to its shutdown time, then kill; or kill at once for brutal_kill. */
static void kid_stop(sup *s, kid *k)
{
    ot_term pid = k->pid;
    k->pid = KID_UNDEFINED;
    if (!ot_is_pid(pid))
        return;
    uint64_t mem[32];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, sizeof mem / sizeof mem[0]);
    ot_term ref = ot_monitor(&local, pid);
    ot_unlink(pid);
    ot_msg *gone = ot_receive_if(is_exit_from, &pid, 0);
    ot_term reason;
    if (gone) {
        ot_msg_free(gone);
        wait_down(ref, OT_INFINITY);
    } else if (k->shutdown == OT_SHUTDOWN_BRUTAL_KILL) {
        ot_exit_signal(pid, OT_ATOM(KILL));
        reason = wait_down(ref, OT_INFINITY);
        if (reason != OT_ATOM(KILLED))
            report(s, "shutdown_error", reason, k);
    } else {
        ot_exit_signal(pid, OT_ATOM(SHUTDOWN));
        reason = wait_down(ref, k->shutdown == OT_SHUTDOWN_INFINITY ? OT_INFINITY : k->shutdown);
        if (reason == OT_NONE) {
            ot_exit_signal(pid, OT_ATOM(KILL));
            reason = wait_down(ref, OT_INFINITY);
            report(s, "shutdown_error", reason, k);
        } else if (reason != OT_ATOM(SHUTDOWN)) {
            report(s, "shutdown_error", reason, k);
        }
    }
    ot__heap_release_fixed(&local);
}

/* Stops every child, newest first, then exits with reason. */
static _Noreturn void sup_stop(sup *s, ot_term reason)
{
    for (size_t i = s->n; i-- > 0;)
        kid_stop(s, &s->kids[i]);
    set_remove(s->self);
    ot_exit(reason);
}

/* Counts a restart; false if that makes more than intensity restarts
 * within the period. */
static bool add_restart(sup *s)
{
    int64_t now = ot_monotonic_ms();
    while (s->rs_len && now - s->rs[s->rs_head] >= s->period_ms) {
        s->rs_head = (s->rs_head + 1) % s->rs_cap;
        s->rs_len--;
    }
    if (s->rs_len == s->rs_cap) {
        size_t cap = s->rs_cap ? s->rs_cap * 2 : 4;
        int64_t *rs = (int64_t *)ot__heap_alloc(ph(), cap);
        if (!rs)
            return false;
        for (size_t i = 0; i < s->rs_len; i++)
            rs[i] = s->rs[(s->rs_head + i) % s->rs_cap];
        s->rs = rs;
        s->rs_cap = cap;
        s->rs_head = 0;
    }
    s->rs[(s->rs_head + s->rs_len) % s->rs_cap] = now;
    s->rs_len++;
    return (int64_t)s->rs_len <= s->intensity;
}

static void try_again_later(sup *s, kid *k)
{
    k->pid = OT__ATOM(RESTARTING);
    ot_heap *h = ph();
    ot_send(s->self, ot_tuple(h, 2, OT_ATOM(GEN_CAST), ot_tuple(h, 2, OT__ATOM(TRY_AGAIN_RESTART), k->id)));
}

/* Starts kids[from..] that are not running, in order. On a failure the
 * failed child is marked restarting and retried later (a restart counted
 * against the intensity each time), as OTP's try_again_restart. */
static void start_from(sup *s, size_t from)
{
    for (size_t i = from; i < s->n;) {
        kid *k = &s->kids[i];
        if (ot_is_pid(k->pid)) {
            i++;
            continue;
        }
        ot_term why, info;
        int r = kid_start(s, k, &why, &info);
        if (r < 0) {
            report(s, "start_error", why, k);
            try_again_later(s, k);
            return;
        }
        if (r == 0 && k->restart == OT_TEMPORARY)
            kid_remove(s, i);
        else
            i++;
    }
}

/* Stops kids[from..] except skip, newest first; temporary ones go. Returns
 * skip's index afterwards. */
static size_t stop_from(sup *s, size_t from, size_t skip)
{
    for (size_t i = s->n; i-- > from;) {
        if (i == skip)
            continue;
        kid_stop(s, &s->kids[i]);
        if (s->kids[i].restart == OT_TEMPORARY) {
            kid_remove(s, i);
            if (i < skip)
                skip--;
        }
    }
    return skip;
}

/* Restarts after kids[i] stopped, by strategy. */
static void restart(sup *s, size_t i)
{
    switch (s->strategy) {
    case OT_ONE_FOR_ALL:
        stop_from(s, 0, i);
        start_from(s, 0);
        break;
    case OT_REST_FOR_ONE:
        stop_from(s, i + 1, SIZE_MAX); /* only later children go: i stays */
        start_from(s, i);
        break;
    default: {
        kid *k = &s->kids[i];
        ot_term why, info;
        int r = kid_start(s, k, &why, &info);
        if (r < 0) {
            report(s, "start_error", why, k);
            try_again_later(s, k);
        } else if (r == 0 && k->restart == OT_TEMPORARY) {
            kid_remove(s, i);
        }
        break;
    }
    }
}

static bool normal_exit(ot_term reason)
{
    return reason == OT_ATOM(NORMAL) || reason == OT_ATOM(SHUTDOWN)
           || (ot_is_tuple(reason) && ot_tuple_arity(reason) == 2 && ot_tuple_get(reason, 0) == OT_ATOM(SHUTDOWN));
}

/* kids[i] exited with reason. */
static void child_exited(sup *s, size_t i, ot_term reason)
{
    kid *k = &s->kids[i];
    bool normal = normal_exit(reason);
    if (!normal)
        report(s, "child_terminated", reason, k);
    k->pid = KID_UNDEFINED;
    if (k->restart == OT_TEMPORARY) {
        kid_remove(s, i);
        return;
    }
    if (k->restart == OT_TRANSIENT && normal)
        return;
    if (!add_restart(s)) {
        report(s, "shutdown", OT__ATOM(REACHED_MAX_RESTART_INTENSITY), k);
        sup_stop(s, OT_ATOM(SHUTDOWN));
    }
    restart(s, i);
}

/* ---------------------------------------------------------------- calls */

static ot_term err(ot_heap *h, ot_term why) { return ot_tuple(h, 2, OT_ATOM(ERROR), why); }

static ot_term ok_started(ot_heap *h, const kid *k, int r, ot_term info)
{
    if (r == 0)
        return ot_tuple(h, 2, OT_ATOM(OK), KID_UNDEFINED);
    if (info != OT_NONE)
        return ot_tuple(h, 3, OT_ATOM(OK), k->pid, info);
    return ot_tuple(h, 2, OT_ATOM(OK), k->pid);
}

static ot_term do_start_child(sup *s, ot_term spec)
{
    ot_heap *h = ph();
    kid k;
    ot_term why;
    if (!kid_from_spec(spec, &k, &why))
        return err(h, why);
    kid *old = kid_find(s, k.id);
    if (old)
        return err(h, ot_is_pid(old->pid) ? ot_tuple(h, 2, OT__ATOM(ALREADY_STARTED), old->pid) : OT__ATOM(ALREADY_PRESENT));
    ot_term info;
    int r = kid_start(s, &k, &why, &info);
    if (r < 0)
        return err(h, ot_tuple(h, 2, why, kid_spec(h, &k)));
    if (r == 0 && k.restart == OT_TEMPORARY)
        return ok_started(h, &k, 0, OT_NONE);
    if (!kid_append(s, &k)) {
        kid_stop(s, &k);
        return err(h, OT__ATOM(SYSTEM_LIMIT));
    }
    return ok_started(h, &k, r, info);
}

static ot_term which_children(sup *s)
{
    ot_heap *h = ph();
    ot_term l = OT_NIL;
    for (size_t i = 0; i < s->n; i++) {
        kid *k = &s->kids[i];
        l = ot_cons(h, ot_tuple(h, 4, k->id, k->pid, k->type == OT_SUPERVISOR ? OT__ATOM(SUPERVISOR) : OT__ATOM(WORKER), k->modules), l);
    }
    return l;
}

static ot_term count_children(sup *s)
{
    ot_heap *h = ph();
    int64_t active = 0, sups = 0, workers = 0;
    for (size_t i = 0; i < s->n; i++) {
        kid *k = &s->kids[i];
        if (ot_is_pid(k->pid) && ot_is_alive(k->pid))
            active++;
        if (k->type == OT_SUPERVISOR)
            sups++;
        else
            workers++;
    }
    return ot_list(h, 4, ot_tuple(h, 2, OT__ATOM(SPECS), ot_int(h, (int64_t)s->n)),
                   ot_tuple(h, 2, OT__ATOM(ACTIVE), ot_int(h, active)),
                   ot_tuple(h, 2, OT__ATOM(SUPERVISORS), ot_int(h, sups)),
                   ot_tuple(h, 2, OT__ATOM(WORKERS), ot_int(h, workers)));
}

static ot_term handle_call(sup *s, ot_term req)
{
    ot_heap *h = ph();
    if (req == OT__ATOM(WHICH_CHILDREN))
        return which_children(s);
    if (req == OT__ATOM(COUNT_CHILDREN))
        return count_children(s);
    if (ot_is_tuple(req) && ot_tuple_arity(req) == 2) {
        ot_term tag = ot_tuple_get(req, 0), arg = ot_tuple_get(req, 1);
        if (tag == OT__ATOM(START_CHILD))
            return do_start_child(s, arg);
        kid *k = kid_find(s, arg);
        if (tag == OT__ATOM(TERMINATE_CHILD)) {
            if (!k)
                return err(h, OT__ATOM(NOT_FOUND));
            kid_stop(s, k);
            if (k->restart == OT_TEMPORARY)
                kid_remove(s, (size_t)(k - s->kids));
            return OT_ATOM(OK);
        }
        if (tag == OT__ATOM(RESTART_CHILD)) {
            if (!k)
                return err(h, OT__ATOM(NOT_FOUND));
            if (ot_is_pid(k->pid))
                return err(h, OT_ATOM(RUNNING));
            if (k->pid == OT__ATOM(RESTARTING))
                return err(h, OT__ATOM(RESTARTING));
            ot_term why, info;
            int r = kid_start(s, k, &why, &info);
            if (r < 0)
                return err(h, why);
            return ok_started(h, k, r, info);
        }
        if (tag == OT__ATOM(DELETE_CHILD)) {
            if (!k)
                return err(h, OT__ATOM(NOT_FOUND));
            if (ot_is_pid(k->pid))
                return err(h, OT_ATOM(RUNNING));
            if (k->pid == OT__ATOM(RESTARTING))
                return err(h, OT__ATOM(RESTARTING));
            kid_remove(s, (size_t)(k - s->kids));
            return OT_ATOM(OK);
        }
        if (tag == OT__ATOM(GET_CHILDSPEC))
            return k ? ot_tuple(h, 2, OT_ATOM(OK), kid_spec(h, k)) : err(h, OT__ATOM(NOT_FOUND));
    }
    return err(h, ot_tuple(h, 2, OT__ATOM(BAD_CALL), req));
}

/* ---------------------------------------------------------------- the process */

/* The spawn argument: {Starter, Tag, Strategy, Intensity, PeriodMs, [Spec]}. */
static void sup_main(void *arg)
{
    (void)arg;
    ot_trap_exit(true);
    ot_term init = ot_spawn_arg();
    sup s = {.self = ot_self(), .parent = ot_tuple_get(init, 0)};
    ot_term tag = ot_tuple_get(init, 1);
    int64_t v = 0;
    ot_get_int64(ot_tuple_get(init, 2), &v);
    s.strategy = (int)v;
    ot_get_int64(ot_tuple_get(init, 3), &s.intensity);
    ot_get_int64(ot_tuple_get(init, 4), &s.period_ms);
    set_add(s.self);
    ot_heap *h = ph();
    if (!h) {
        /* No process heap (out of memory): the start fails cleanly. */
        uint64_t mem[8];
        ot_heap tmp;
        ot__heap_init_fixed(&tmp, mem, 8);
        ot_unlink(s.parent);
        ot_send(s.parent, ot_tuple(&tmp, 2, tag, ot_tuple(&tmp, 2, OT_ATOM(ERROR), OT__ATOM(SYSTEM_LIMIT))));
        ot__heap_release_fixed(&tmp);
        set_remove(s.self);
        ot_exit(OT__ATOM(SYSTEM_LIMIT));
    }

    /* Children in order; a failure stops those started, newest first. */
    ot_term fail = OT_NONE;
    for (ot_term l = ot_tuple_get(init, 5); l != OT_NIL && fail == OT_NONE; l = ot_tl(l)) {
        kid k;
        ot_term why, info;
        if (!kid_from_spec(ot_hd(l), &k, &why)) {
            fail = ot_tuple(h, 2, OT__ATOM(START_SPEC), why);
            break;
        }
        int r = kid_start(&s, &k, &why, &info);
        if (r < 0) {
            report(&s, "start_error", why, &k);
            fail = ot_tuple(h, 2, OT_ATOM(SHUTDOWN), ot_tuple(h, 3, OT__ATOM(FAILED_TO_START_CHILD), k.id, why));
        } else if ((r == 1 || k.restart != OT_TEMPORARY) && !kid_append(&s, &k)) {
            kid_stop(&s, &k);
            fail = OT__ATOM(SYSTEM_LIMIT);
        }
    }
    if (fail != OT_NONE) {
        for (size_t i = s.n; i-- > 0;)
            kid_stop(&s, &s.kids[i]);
        ot_unlink(s.parent); /* the caller learns it from the reply, not from a signal */
        ot_send(s.parent, ot_tuple(h, 2, tag, ot_tuple(h, 2, OT_ATOM(ERROR), fail)));
        set_remove(s.self);
        ot_exit(fail);
    }
    ot_send(s.parent, ot_tuple(h, 2, tag, OT_ATOM(OK)));
    s.mark = ot_heap_bytes(h);

    for (;;) {
        maybe_compact(&s);
        h = ph();
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(m);
        ot_term from, req;
        if (ot_is_tuple(t) && ot_tuple_arity(t) == 3 && ot_tuple_get(t, 0) == OT_ATOM(EXIT)) {
            ot_term pid = ot_tuple_get(t, 1);
            ot_term reason = ot_copy(h, ot_tuple_get(t, 2));
            ot_msg_free(m);
            if (pid == s.parent)
                sup_stop(&s, reason);
            size_t i = kid_by_pid(&s, pid);
            if (i != SIZE_MAX)
                child_exited(&s, i, reason);
        } else if (ot_call_parse(t, &from, &req)) {
            from = ot_copy(h, from);
            req = ot_copy(h, req);
            ot_msg_free(m);
            ot_reply(from, handle_call(&s, req));
        } else if (ot_cast_parse(t, &req) && ot_is_tuple(req) && ot_tuple_arity(req) == 2
                   && ot_tuple_get(req, 0) == OT__ATOM(TRY_AGAIN_RESTART)) {
            kid *k = kid_find(&s, ot_tuple_get(req, 1));
            ot_msg_free(m);
            if (k && k->pid == OT__ATOM(RESTARTING)) {
                size_t i = (size_t)(k - s.kids);
                if (!add_restart(&s)) {
                    report(&s, "shutdown", OT__ATOM(REACHED_MAX_RESTART_INTENSITY), k);
                    sup_stop(&s, OT_ATOM(SHUTDOWN));
                }
                k->pid = KID_UNDEFINED;
                restart(&s, i);
            }
        } else if (ot_is_tuple(t) && ot_tuple_arity(t) == 3 && ot_tuple_get(t, 0) == OT_ATOM(SYSTEM)
                   && ot_is_tuple(ot_tuple_get(t, 2)) && ot_tuple_arity(ot_tuple_get(t, 2)) == 2
                   && ot_tuple_get(ot_tuple_get(t, 2), 0) == OT__ATOM(TERMINATE)) {
            /* sys:terminate/2, as proc_lib:stop and gen_server:stop send it */
            ot_term reason = ot_copy(h, ot_tuple_get(ot_tuple_get(t, 2), 1));
            ot_msg_free(m);
            sup_stop(&s, reason);
        } else {
            ot_msg_free(m); /* OTP logs and drops an unexpected message */
        }
    }
}

/* ---------------------------------------------------------------- the caller's side */

static int fail_with(ot_term *result, int rc, ot_term why)
{
    if (result)
        *result = why;
    return rc;
}

int ot_supervisor_start_link(const ot_sup_opts *opts, const ot_child_spec *specs, size_t n,
                             ot_heap *h, ot_term *result)
{
    if (!ot_self())
        return fail_with(result, -EPERM, OT_ATOM(BADARG));
    if (!h)
        h = ot_proc_heap();
    if (!h)
        return fail_with(result, -ENOMEM, OT__ATOM(SYSTEM_LIMIT));
    ot_sup_opts o = opts ? *opts : (ot_sup_opts){0};
    if ((int)o.strategy < OT_ONE_FOR_ONE || o.strategy > OT_REST_FOR_ONE || o.intensity < OT_SUP_NO_RESTARTS
        || o.period < 0 || o.period > INT64_MAX / 1000 || (o.name != OT_NONE && !ot_is_atom(o.name))
        || (n && !specs))
        return fail_with(result, -EINVAL, OT_ATOM(BADARG));
    int64_t intensity = o.intensity == 0 ? 1 : o.intensity == OT_SUP_NO_RESTARTS ? 0 : o.intensity;
    int64_t period_ms = (o.period ? o.period : 5) * 1000;

    ot_heap *tmp = ot_heap_new();
    if (!tmp)
        return fail_with(result, -ENOMEM, OT__ATOM(SYSTEM_LIMIT));
    ot_term list = OT_NIL, why = OT_NONE;
    for (size_t i = n; i-- > 0;) {
        for (size_t j = 0; j < i; j++)
            if (specs[j].id != OT_NONE && ot_equal(specs[j].id, specs[i].id))
                why = ot_tuple(tmp, 2, OT__ATOM(DUPLICATE_CHILD_NAME), specs[i].id);
        ot_term m = why == OT_NONE ? spec_from_c(tmp, &specs[i], &why) : OT_NONE;
        if (m == OT_NONE) {
            int rc = why == OT__ATOM(SYSTEM_LIMIT) ? -ENOMEM : -EINVAL;
            ot_term r = rc == -ENOMEM ? why : ot_copy(h, ot_tuple(tmp, 2, OT__ATOM(START_SPEC), why));
            ot_heap_free(tmp);
            return fail_with(result, rc, r);
        }
        list = ot_cons(tmp, m, list);
    }
    uint64_t mem[32];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, sizeof mem / sizeof mem[0]);
    ot_term tag = ot_make_ref(&local);
    ot_term init = ot_tuple(tmp, 6, ot_self(), tag, ot_int(tmp, o.strategy), ot_int(tmp, intensity),
                            ot_int(tmp, period_ms), list);
    if (init == OT_NONE) {
        ot_heap_free(tmp);
        ot__heap_release_fixed(&local);
        return fail_with(result, -ENOMEM, OT__ATOM(SYSTEM_LIMIT));
    }
    ot_spawn_opts so = {.link = true, .name = o.name, .label = o.label,
                        .initial_call = o.initial_call ? o.initial_call : "supervisor:init/1",
                        .term_arg = init};
    ot_term pid = ot_spawn_opt(sup_main, NULL, &so);
    ot_heap_free(tmp);
    if (pid == OT_NONE) {
        ot__heap_release_fixed(&local);
        ot_term other = o.name != OT_NONE ? ot_whereis(o.name) : OT_NONE;
        if (other != OT_NONE)
            return fail_with(result, -EEXIST, ot_tuple(h, 2, OT__ATOM(ALREADY_STARTED), other));
        return fail_with(result, -ENOMEM, OT__ATOM(SYSTEM_LIMIT));
    }
    ot_term mref = ot_monitor(&local, pid);
    ot__await w = {tag, mref, false};
    ot_msg *m = ot_receive_if(ot__await_pred, &w, OT_INFINITY);
    ot_term answer = ot_tuple_get(ot_msg_term(m), w.down ? 4 : 1);
    int rc = 0;
    ot_term r = pid;
    if (w.down) {
        rc = -ECHILD;
        r = ot_copy(h, answer);
    } else if (answer != OT_ATOM(OK)) {
        ot_term reason = ot_tuple_get(answer, 1);
        rc = reason == OT__ATOM(SYSTEM_LIMIT) ? -ENOMEM
           : ot_is_tuple(reason) && ot_tuple_get(reason, 0) == OT__ATOM(START_SPEC) ? -EINVAL : -ECHILD;
        r = ot_copy(h, reason);
        /* it exits right after answering: wait, so that nothing of it
         * runs when this returns */
        wait_down(mref, OT_INFINITY);
    } else {
        ot_demonitor(mref, true);
    }
    ot_msg_free(m);
    ot__heap_release_fixed(&local);
    return fail_with(result, rc, r);
}

static int sup_call(ot_heap *h, ot_term sup, ot_term req, ot_term *result)
{
    ot_term r;
    int rc = ot_call(h, sup, req, OT_INFINITY, &r);
    if (result)
        *result = r;
    return rc;
}

static int id_call(ot_heap *h, ot_term sup, ot_term what, ot_term id, ot_term *result)
{
    if (id == OT_NONE)
        return fail_with(result, -EINVAL, OT_ATOM(BADARG));
    if (!h)
        h = ot_proc_heap();
    if (!h)
        return fail_with(result, -EPERM, OT_ATOM(BADARG));
    uint64_t mem[8];
    ot_heap local;
    ot__heap_init_fixed(&local, mem, 8);
    ot_term req = ot_tuple(&local, 2, what, id);
    int rc = sup_call(h, sup, req, result);
    ot__heap_release_fixed(&local);
    return rc;
}

int ot_supervisor_start_child(ot_heap *h, ot_term sup, const ot_child_spec *spec, ot_term *result)
{
    if (!h)
        h = ot_proc_heap();
    if (!h)
        return fail_with(result, -EPERM, OT_ATOM(BADARG));
    if (!spec)
        return fail_with(result, -EINVAL, OT_ATOM(BADARG));
    ot_heap *tmp = ot_heap_new();
    if (!tmp)
        return fail_with(result, -ENOMEM, OT__ATOM(SYSTEM_LIMIT));
    ot_term why = OT_NONE;
    ot_term m = spec_from_c(tmp, spec, &why);
    int rc;
    if (m == OT_NONE)
        rc = fail_with(result, why == OT__ATOM(SYSTEM_LIMIT) ? -ENOMEM : -EINVAL, ot_copy(h, why));
    else
        rc = sup_call(h, sup, ot_tuple(tmp, 2, OT__ATOM(START_CHILD), m), result);
    ot_heap_free(tmp);
    return rc;
}

int ot_supervisor_terminate_child(ot_heap *h, ot_term sup, ot_term id, ot_term *result)
{
    return id_call(h, sup, OT__ATOM(TERMINATE_CHILD), id, result);
}

int ot_supervisor_restart_child(ot_heap *h, ot_term sup, ot_term id, ot_term *result)
{
    return id_call(h, sup, OT__ATOM(RESTART_CHILD), id, result);
}

int ot_supervisor_delete_child(ot_heap *h, ot_term sup, ot_term id, ot_term *result)
{
    return id_call(h, sup, OT__ATOM(DELETE_CHILD), id, result);
}

int ot_supervisor_get_childspec(ot_heap *h, ot_term sup, ot_term id, ot_term *result)
{
    return id_call(h, sup, OT__ATOM(GET_CHILDSPEC), id, result);
}

int ot_supervisor_which_children(ot_heap *h, ot_term sup, ot_term *result)
{
    return sup_call(h, sup, OT__ATOM(WHICH_CHILDREN), result);
}

int ot_supervisor_count_children(ot_heap *h, ot_term sup, ot_term *result)
{
    return sup_call(h, sup, OT__ATOM(COUNT_CHILDREN), result);
}

int ot_supervisor_stop(ot_term sup, ot_term reason, int64_t timeout_ms)
{
    if (!ot_self())
        return -EPERM;
    if (!ot_is_pid(sup) && !ot_is_atom(sup))
        return -EINVAL;
    if (reason == OT_NONE)
        reason = OT_ATOM(NORMAL);
    ot_heap *tmp = ot_heap_new();
    if (!tmp)
        return -ENOMEM;
    ot_term ref = ot_monitor(tmp, sup);
    ot_term msg = ot_tuple(tmp, 3, OT_ATOM(SYSTEM), ot_tuple(tmp, 2, ot_self(), ref),
                           ot_tuple(tmp, 2, OT__ATOM(TERMINATE), reason));
    int rc = msg == OT_NONE ? -ENOMEM : 0;
    if (rc == 0)
        ot_send(sup, msg);
    ot__await w = {OT_NONE, ref, false};
    ot_msg *m = rc == 0 ? ot_receive_if(ot__await_pred, &w, timeout_ms) : NULL;
    if (rc == 0 && !m) {
        ot_demonitor(ref, true);
        rc = -ETIMEDOUT;
    } else if (m) {
        if (ot_tuple_get(ot_msg_term(m), 4) == OT_ATOM(NOPROC))
            rc = -ESRCH;
        ot_msg_free(m);
    }
    ot_heap_free(tmp);
    return rc;
}
