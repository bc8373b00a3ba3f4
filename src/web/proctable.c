/* proctable.c — the processes view and the scatter, computed in C.
 *
 * One walk over every process of the source answers a query: the search
 * filters, a bounded heap keeps the best offset+limit rows in the asked
 * order (O(n log k), so the top 50 of a million processes costs about one
 * pass), and only the rows kept are copied. The change of reductions is
 * measured against the previous query's walk (a table of pid hash ->
 * reductions), as observer and LiveDashboard show it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "otter/introspect.h"
#include "term/term_internal.h"
#include "web/web_internal.h"

static const char *COLS[OW_COL_COUNT] = {
    "pid", "name", "initial_call", "reductions", "reductions_delta",
    "memory", "message_queue_len", "cpu_time", "status", "current_function",
};

int ot__web_col_parse(const char *s)
{
    for (int i = 0; i < OW_COL_COUNT; i++)
        if (s && !strcmp(s, COLS[i]))
            return i;
    return -1;
}

const char *ot__web_col_name(int col)
{
    return col >= 0 && col < OW_COL_COUNT ? COLS[col] : "?";
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---------------------------------------------------------------- reductions' change */

typedef struct red_slot {
    uint64_t key;       /* 0: empty */
    uint64_t val;
} red_slot;

typedef struct red_table {
    red_slot *slots;    /* other nodes' pids, hashed */
    size_t cap, n;
    red_slot *direct;   /* local pids, at their process id: a walk in pid
                           order then reads and writes it in order */
    size_t ndirect;
    int64_t at_us;
} red_table;

static pthread_mutex_t red_lock = PTHREAD_MUTEX_INITIALIZER;
static red_table red_prev;

static uint64_t red_key(ot_term pid, size_t *home)
{
    uint64_t h = ot_hash(pid) | 1;
    *home = (size_t)h;
    return h;
}

static void red_free(red_table *t)
{
    ot__free(t->slots);
    ot__free(t->direct);
    memset(t, 0, sizeof *t);
}

static bool red_alloc(red_table *t, size_t cap)
{
    t->slots = ot__calloc(cap, sizeof *t->slots);
    t->cap = t->slots ? cap : 0;
    t->n = 0;
    return t->slots != NULL;
}

static bool red_put(red_table *t, ot_term pid, uint64_t val)
{
    if (ot__is_lpid(pid)) {
        size_t id = ot__lpid_id(pid);
        if (id >= t->ndirect) {
            size_t n = t->ndirect ? t->ndirect : 1024;
            while (n <= id)
                n *= 2;
            red_slot *d = ot__realloc(t->direct, n * sizeof *d);
            if (!d)
                return false;
            memset(d + t->ndirect, 0, (n - t->ndirect) * sizeof *d);
            t->direct = d;
            t->ndirect = n;
        }
        t->direct[id].key = pid;
        t->direct[id].val = val;
        return true;
    }
    if (!t->slots || (t->n + 1) * 2 > t->cap) {
        red_table g;
        if (!red_alloc(&g, t->cap ? t->cap * 2 : 1024))
            return false;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i].key)
                continue;
            size_t j = (size_t)t->slots[i].key & (g.cap - 1);
            while (g.slots[j].key)
                j = (j + 1) & (g.cap - 1);
            g.slots[j] = t->slots[i];
            g.n++;
        }
        ot__free(t->slots);
        t->slots = g.slots;
        t->cap = g.cap;
        t->n = g.n;
    }
    size_t home;
    uint64_t key = red_key(pid, &home);
    size_t j = home & (t->cap - 1);
    while (t->slots[j].key && t->slots[j].key != key)
        j = (j + 1) & (t->cap - 1);
    if (!t->slots[j].key)
        t->n++;
    t->slots[j].key = key;
    t->slots[j].val = val;
    return true;
}

static bool red_get(const red_table *t, ot_term pid, uint64_t *val)
{
    if (ot__is_lpid(pid)) {
        size_t id = ot__lpid_id(pid);
        if (id >= t->ndirect || t->direct[id].key != pid)
            return false;
        *val = t->direct[id].val;
        return true;
    }
    if (!t->cap)
        return false;
    size_t home;
    uint64_t key = red_key(pid, &home);
    size_t j = home & (t->cap - 1);
    while (t->slots[j].key) {
        if (t->slots[j].key == key) {
            *val = t->slots[j].val;
            return true;
        }
        j = (j + 1) & (t->cap - 1);
    }
    return false;
}

void ot__web_proc_forget(void)
{
    pthread_mutex_lock(&red_lock);
    red_free(&red_prev);
    pthread_mutex_unlock(&red_lock);
}

/* ---------------------------------------------------------------- rows */

typedef struct row {
    ot_term pid;              /* immediate, or a copy in pid_mem (another
                                 node's pid outlives the walk's heap) */
    uint64_t *pid_mem;        /* ot__malloc'd; NULL for a local pid */
    ot_term name;
    uint64_t reductions, delta, memory, mq, cpu;
    bool has_delta;
    char status[12];
    char *label, *ic, *cf;    /* ot__malloc'd */
    char *pid_text;           /* for sorting ties and output */
} row;

static void row_free(row *r)
{
    ot__free(r->label);
    ot__free(r->ic);
    ot__free(r->cf);
    ot__free(r->pid_text);
    ot__free(r->pid_mem);
}

/* Gives r a pid of its own: a remote source's pids live on the walk's
 * heap, and the rows are sorted after it is gone. */
static bool own_pid(row *r)
{
    size_t words = ot__copy_words(r->pid);
    if (words == 0)
        return true;
    r->pid_mem = ot__malloc(words * sizeof(uint64_t));
    if (!r->pid_mem)
        return false;
    ot_heap fixed;
    ot__heap_init_fixed(&fixed, r->pid_mem, words);
    r->pid = ot_copy(&fixed, r->pid);
    ot__heap_release_fixed(&fixed);   /* a pid holds no shared binary */
    return r->pid != OT_NONE;
}

static char *dup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *d = ot__malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

/* The "name or label" text of a process. */
static const char *name_text(ot_term name, const char *label)
{
    if (name != OT_NONE && ot_is_atom(name))
        return ot_atom_text(name, NULL);
    return label ? label : "";
}

typedef struct key {
    uint64_t num;
    const char *text;
    ot_term pid;
} key;

typedef struct query_state {
    const ot__web_proc_query *q;
    red_table next;
    red_table *prev;
    bool keep_reds;           /* building `next` (false once memory ran out) */
    size_t total, matched;
    row *heap;                /* best k rows, the worst at the root */
    size_t n, k;
    int err;
} query_state;

static uint64_t num_of(const row *r, int col)
{
    switch (col) {
    case OW_COL_REDUCTIONS: return r->reductions;
    case OW_COL_REDS_DELTA: return r->delta;
    case OW_COL_MEMORY: return r->memory;
    case OW_COL_MQ: return r->mq;
    case OW_COL_CPU: return r->cpu;
    default: return 0;
    }
}

static const char *text_of(const row *r, int col)
{
    switch (col) {
    case OW_COL_NAME: return name_text(r->name, r->label);
    case OW_COL_INITIAL_CALL: return r->ic ? r->ic : "";
    case OW_COL_STATUS: return r->status;
    case OW_COL_CURRENT: return r->cf ? r->cf : "";
    default: return NULL;
    }
}

/* Order of a and b in the asked sort: < 0 when a comes first. Ties go by
 * pid, ascending, so pages are stable. */
static int row_cmp(const row *a, const row *b, int col, bool desc)
{
    int c = 0;
    if (col == OW_COL_PID) {
        c = ot_compare(a->pid, b->pid);
    } else {
        const char *ta = text_of(a, col);
        if (ta) {
            c = strcasecmp(ta, text_of(b, col));
        } else {
            uint64_t x = num_of(a, col), y = num_of(b, col);
            c = x < y ? -1 : x > y;
        }
    }
    if (desc)
        c = -c;
    if (c == 0)
        c = ot_compare(a->pid, b->pid);
    return c;
}

static void sift_down(query_state *s, size_t i)
{
    int col = s->q->sort;
    bool desc = s->q->desc;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < s->n && row_cmp(&s->heap[l], &s->heap[w], col, desc) > 0)
            w = l;
        if (r < s->n && row_cmp(&s->heap[r], &s->heap[w], col, desc) > 0)
            w = r;
        if (w == i)
            return;
        row t = s->heap[i];
        s->heap[i] = s->heap[w];
        s->heap[w] = t;
        i = w;
    }
}

static void sift_up(query_state *s, size_t i)
{
    int col = s->q->sort;
    bool desc = s->q->desc;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (row_cmp(&s->heap[i], &s->heap[p], col, desc) <= 0)
            return;
        row t = s->heap[i];
        s->heap[i] = s->heap[p];
        s->heap[p] = t;
        i = p;
    }
}

static void pid_print(ot_term pid, char *buf, size_t cap)
{
    ot_print_opts po = {.syntax = OT_SYNTAX_ERLANG};
    if (ot_print(buf, cap, pid, &po) < 0)
        snprintf(buf, cap, "?");
}

static bool matches(const ot_dashboard_proc *p, const char *pid_text, const char *needle)
{
    if (strcasestr(pid_text, needle))
        return true;
    if (p->name != OT_NONE && ot_is_atom(p->name) && strcasestr(ot_atom_text(p->name, NULL), needle))
        return true;
    if (p->label && strcasestr(p->label, needle))
        return true;
    if (p->initial_call && strcasestr(p->initial_call, needle))
        return true;
    return p->current_function && strcasestr(p->current_function, needle);
}

static int collect(const ot_dashboard_proc *p, void *arg)
{
    query_state *s = arg;
    s->total++;
    uint64_t before = 0;
    bool has_delta = s->prev && red_get(s->prev, p->pid, &before);
    if (s->keep_reds && !red_put(&s->next, p->pid, p->reductions)) {
        red_free(&s->next);
        s->keep_reds = false;
    }
    char pid_text[64];
    pid_text[0] = 0;
    if (s->q->search && *s->q->search) {
        pid_print(p->pid, pid_text, sizeof pid_text);
        if (!matches(p, pid_text, s->q->search))
            return 0;
    }
    s->matched++;
    if (s->k == 0)
        return 0;
    row r = {
        .pid = p->pid,
        .name = p->name,
        .reductions = p->reductions,
        .delta = has_delta && p->reductions >= before ? p->reductions - before : 0,
        .has_delta = has_delta,
        .memory = p->memory,
        .mq = p->message_queue_len,
        .cpu = p->cpu_time_us,
        .label = (char *)p->label,
        .ic = (char *)p->initial_call,
        .cf = (char *)p->current_function,
    };
    snprintf(r.status, sizeof r.status, "%s", p->status ? p->status : "");
    if (s->n == s->k && row_cmp(&r, &s->heap[0], s->q->sort, s->q->desc) >= 0)
        return 0; /* not among the best k */
    /* Admitted: own the strings. */
    if (!pid_text[0])
        pid_print(p->pid, pid_text, sizeof pid_text);
    r.label = dup(p->label);
    r.ic = dup(p->initial_call);
    r.cf = dup(p->current_function);
    r.pid_text = dup(pid_text);
    bool pid_ok = own_pid(&r);
    if ((p->label && !r.label) || (p->initial_call && !r.ic) || (p->current_function && !r.cf) ||
        !r.pid_text || !pid_ok) {
        row_free(&r);
        s->err = -ENOMEM;
        return -ENOMEM;
    }
    if (s->n == s->k) {
        row_free(&s->heap[0]);
        s->heap[0] = r;
        sift_down(s, 0);
    } else {
        s->heap[s->n] = r;
        sift_up(s, s->n);
        s->n++;
    }
    return 0;
}

/* ---------------------------------------------------------------- walking */

static ot_term kv(ot_term list, const char *key)
{
    ot_term k = ot_atom(key);
    for (; ot_is_list(list) && list != OT_NIL; list = ot_tl(list)) {
        ot_term t = ot_hd(list);
        if (ot_is_tuple(t) && ot_tuple_arity(t) == 2 && ot_tuple_get(t, 0) == k)
            return ot_tuple_get(t, 1);
    }
    return OT_NONE;
}

static void mfa_print(ot_term mfa, char *buf, size_t cap)
{
    if (ot_is_tuple(mfa) && ot_tuple_arity(mfa) == 3 && ot_is_atom(ot_tuple_get(mfa, 0)) &&
        ot_is_atom(ot_tuple_get(mfa, 1))) {
        int64_t a = 0;
        ot_get_int64(ot_tuple_get(mfa, 2), &a);
        snprintf(buf, cap, "%s:%s/%lld", ot_atom_text(ot_tuple_get(mfa, 0), NULL),
                 ot_atom_text(ot_tuple_get(mfa, 1), NULL), (long long)a);
    } else if (mfa != OT_NONE) {
        ot_print_opts po = {.syntax = OT_SYNTAX_ERLANG, .limit = 5};
        if (ot_print(buf, cap, mfa, &po) < 0)
            snprintf(buf, cap, "?");
    } else {
        snprintf(buf, cap, "?");
    }
}

static uint64_t u64_of(ot_term t)
{
    uint64_t v = 0;
    if (t != OT_NONE)
        ot_get_uint64(t, &v);
    return v;
}

int ot__web_proc_walk(const ot_dashboard_source *src, ot_dashboard_scan_fn fn, void *arg)
{
    if (src->scan)
        return src->scan(src->ctx, fn, arg);
    if (!src->processes || !src->process_info)
        return -ENOTSUP;
    /* The generic walk: BEAM's questions, one process at a time. */
    ot_heap *h = ot_heap_new(), *ph = ot_heap_new();
    if (!h || !ph) {
        ot_heap_free(h);
        ot_heap_free(ph);
        return -ENOMEM;
    }
    ot_term pids;
    int rc = src->processes(src->ctx, ph, &pids);
    ot_term keys = ot_build(ph, "[registered_name, initial_call, current_function, status, "
                                "reductions, memory, message_queue_len]");
    size_t i = 0;
    for (ot_term l = pids; rc == 0 && ot_is_list(l) && l != OT_NIL; l = ot_tl(l), i++) {
        if ((i & 255) == 0)
            ot_heap_reset(h);
        ot_term info;
        if (src->process_info(src->ctx, h, ot_hd(l), keys, &info) || !ot_is_list(info))
            continue; /* gone meanwhile */
        char ic[160], cf[160];
        ot_term name = kv(info, "registered_name");
        mfa_print(kv(info, "initial_call"), ic, sizeof ic);
        mfa_print(kv(info, "current_function"), cf, sizeof cf);
        ot_term st = kv(info, "status");
        ot_dashboard_proc r = {
            .pid = ot_hd(l),
            .name = ot_is_atom(name) ? name : OT_NONE,
            .initial_call = ic,
            .current_function = cf,
            .status = ot_is_atom(st) ? ot_atom_text(st, NULL) : "?",
            .reductions = u64_of(kv(info, "reductions")),
            .memory = u64_of(kv(info, "memory")),
            .message_queue_len = u64_of(kv(info, "message_queue_len")),
        };
        rc = fn(&r, arg);
    }
    ot_heap_free(h);
    ot_heap_free(ph);
    return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------- the table */

static json_t *jstr_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *row_json(const row *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "pid", json_string(r->pid_text ? r->pid_text : "?"));
    json_object_set_new(o, "name",
                        r->name != OT_NONE && ot_is_atom(r->name) ? json_string(ot_atom_text(r->name, NULL))
                                                                  : json_null());
    json_object_set_new(o, "label", r->label ? json_string(r->label) : json_null());
    json_object_set_new(o, "initial_call", jstr_or_null(r->ic));
    json_object_set_new(o, "current_function", jstr_or_null(r->cf));
    json_object_set_new(o, "status", json_string(r->status));
    json_object_set_new(o, "reductions", json_integer((json_int_t)r->reductions));
    json_object_set_new(o, "reductions_delta", r->has_delta ? json_integer((json_int_t)r->delta) : json_null());
    json_object_set_new(o, "memory", json_integer((json_int_t)r->memory));
    json_object_set_new(o, "message_queue_len", json_integer((json_int_t)r->mq));
    json_object_set_new(o, "cpu_time", json_integer((json_int_t)r->cpu));
    return o;
}

static int row_qsort(const void *a, const void *b, void *q)
{
    const ot__web_proc_query *qq = q;
    return row_cmp(a, b, qq->sort, qq->desc);
}

int ot__web_proc_table(const ot_dashboard_source *src, const ot__web_proc_query *q, json_t **out)
{
    int64_t t0 = now_us();
    query_state s;
    memset(&s, 0, sizeof s);
    s.q = q;
    s.keep_reds = true;
    size_t k = q->offset + q->limit;
    if (k < q->offset)
        return -EINVAL;
    /* A heap as big as the process count at most. */
    size_t cap_k = ot_process_count() + 1024;
    if (src->scan && k > cap_k)
        k = cap_k;
    s.k = k;
    if (k) {
        s.heap = ot__malloc(k * sizeof *s.heap);
        if (!s.heap)
            return -ENOMEM;
    }
    pthread_mutex_lock(&red_lock);
    s.prev = &red_prev;
    /* Size the next table for the processes there are, once. */
    if (red_prev.ndirect) {
        /* As big as last time, at once (it grows as needed). */
        s.next.direct = ot__calloc(red_prev.ndirect, sizeof *s.next.direct);
        s.next.ndirect = s.next.direct ? red_prev.ndirect : 0;
    }
    int rc = ot__web_proc_walk(src, collect, &s);
    int64_t interval_us = red_prev.at_us ? t0 - red_prev.at_us : 0;
    if (rc == 0 && s.keep_reds) {
        red_free(&red_prev);
        red_prev = s.next;
        red_prev.at_us = t0;
    } else {
        red_free(&s.next);
    }
    pthread_mutex_unlock(&red_lock);
    if (rc == 0 && s.err)
        rc = s.err;
    if (rc == 0) {
        /* The heap holds the best k, unordered: sort them, keep the page. */
        qsort_r(s.heap, s.n, sizeof *s.heap, row_qsort, (void *)q);
        json_t *rows = json_array();
        for (size_t i = q->offset; i < s.n; i++)
            json_array_append_new(rows, row_json(&s.heap[i]));
        json_t *o = json_object();
        json_object_set_new(o, "total", json_integer((json_int_t)s.total));
        json_object_set_new(o, "matched", json_integer((json_int_t)s.matched));
        json_object_set_new(o, "offset", json_integer((json_int_t)q->offset));
        json_object_set_new(o, "limit", json_integer((json_int_t)q->limit));
        json_object_set_new(o, "sort", json_string(ot__web_col_name(q->sort)));
        json_object_set_new(o, "dir", json_string(q->desc ? "desc" : "asc"));
        json_object_set_new(o, "interval_ms", json_integer(interval_us / 1000));
        json_object_set_new(o, "took_us", json_integer(now_us() - t0));
        json_object_set_new(o, "rows", rows);
        *out = o;
    }
    for (size_t i = 0; i < s.n; i++)
        row_free(&s.heap[i]);
    ot__free(s.heap);
    return rc;
}

/* ---------------------------------------------------------------- the scatter */

#define BINS_PER_DECADE 4
#define NB 96                 /* 24 decades */
static const char *STATUSES[] = {"running", "runnable", "waiting", "exiting", "other"};
#define NST 5

typedef struct scatter_state {
    size_t max, total;
    json_t *values;           /* while below max */
    uint32_t *bins;           /* [NB][NB][NST] once above */
} scatter_state;

static int bin_of(uint64_t v)
{
    double l = log10(v < 1 ? 1.0 : (double)v) * BINS_PER_DECADE;
    int b = (int)floor(l);
    return b < 0 ? 0 : b >= NB ? NB - 1 : b;
}

static int st_index(const char *s)
{
    for (int i = 0; i < NST - 1; i++)
        if (!strcmp(s, STATUSES[i]))
            return i;
    return NST - 1;
}

static void bin_add(scatter_state *s, uint64_t red, uint64_t mem, const char *status)
{
    s->bins[((size_t)bin_of(red) * NB + (size_t)bin_of(mem)) * NST + (size_t)st_index(status)]++;
}

static int scatter_each(const ot_dashboard_proc *p, void *arg)
{
    scatter_state *s = arg;
    s->total++;
    if (!s->bins && s->total > s->max) {
        s->bins = ot__calloc((size_t)NB * NB * NST, sizeof *s->bins);
        if (!s->bins)
            return -ENOMEM;
        size_t i;
        json_t *v;
        json_array_foreach(s->values, i, v) {
            bin_add(s, (uint64_t)json_integer_value(json_object_get(v, "reductions")),
                    (uint64_t)json_integer_value(json_object_get(v, "memory")),
                    json_string_value(json_object_get(v, "status")));
        }
        json_array_clear(s->values);
    }
    if (s->bins) {
        bin_add(s, p->reductions, p->memory, p->status ? p->status : "");
        return 0;
    }
    char pid_text[64];
    pid_print(p->pid, pid_text, sizeof pid_text);
    json_t *o = json_object();
    json_object_set_new(o, "pid", json_string(pid_text));
    json_object_set_new(o, "reductions", json_integer((json_int_t)p->reductions));
    json_object_set_new(o, "memory", json_integer((json_int_t)p->memory));
    json_object_set_new(o, "status", json_string(p->status ? p->status : ""));
    json_array_append_new(s->values, o);
    return 0;
}

int ot__web_proc_scatter(const ot_dashboard_source *src, size_t max_points, json_t **out)
{
    int64_t t0 = now_us();
    scatter_state s = {.max = max_points, .values = json_array()};
    if (!s.values)
        return -ENOMEM;
    int rc = ot__web_proc_walk(src, scatter_each, &s);
    if (rc) {
        json_decref(s.values);
        ot__free(s.bins);
        return rc;
    }
    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer((json_int_t)s.total));
    if (!s.bins) {
        json_object_set_new(o, "mode", json_string("points"));
        json_object_set_new(o, "values", s.values);
    } else {
        json_decref(s.values);
        json_t *bins = json_array();
        for (int x = 0; x < NB; x++)
            for (int y = 0; y < NB; y++)
                for (int st = 0; st < NST; st++) {
                    uint32_t n = s.bins[((size_t)x * NB + (size_t)y) * NST + (size_t)st];
                    if (!n)
                        continue;
                    json_t *b = json_object();
                    json_object_set_new(b, "reductions", json_real(pow(10, (x + 0.5) / BINS_PER_DECADE)));
                    json_object_set_new(b, "memory", json_real(pow(10, (y + 0.5) / BINS_PER_DECADE)));
                    json_object_set_new(b, "r0", json_real(pow(10, (double)x / BINS_PER_DECADE)));
                    json_object_set_new(b, "r1", json_real(pow(10, (x + 1.0) / BINS_PER_DECADE)));
                    json_object_set_new(b, "m0", json_real(pow(10, (double)y / BINS_PER_DECADE)));
                    json_object_set_new(b, "m1", json_real(pow(10, (y + 1.0) / BINS_PER_DECADE)));
                    json_object_set_new(b, "status", json_string(STATUSES[st]));
                    json_object_set_new(b, "count", json_integer(n));
                    json_array_append_new(bins, b);
                }
        ot__free(s.bins);
        json_object_set_new(o, "mode", json_string("binned"));
        json_object_set_new(o, "bins_per_decade", json_integer(BINS_PER_DECADE));
        json_object_set_new(o, "bins", bins);
    }
    json_object_set_new(o, "took_us", json_integer(now_us() - t0));
    *out = o;
    return 0;
}
