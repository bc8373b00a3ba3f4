/* livechart.c — a live Vega-Lite chart (otter/livechart.h): the spec, the
 * last `window` points of each dataset, and subscribers told of every
 * push. Each point is one allocation holding a copy of its term, so the
 * oldest can be dropped on its own. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "otter/livechart.h"
#include "term/term_internal.h"

typedef struct point {
    ot__refcbin *offheap;
    ot_term term;
    uint64_t words[];
} point;

typedef struct dataset {
    char *name;
    point **ring;       /* window slots (or a growing array when window is 0) */
    size_t cap, start, n;
} dataset;

typedef struct sub {
    int id;
    ot_live_fn fn;
    void *arg;
} sub;

struct ot_livechart {
    pthread_mutex_t lock;
    ot_heap *spec_heap;
    ot_term spec;
    size_t window;
    dataset *sets;
    size_t nsets;
    sub *subs;
    size_t nsubs;
    int next_id;
};

static point *point_new(ot_term t)
{
    size_t words = ot__copy_words(t);
    point *p = ot__malloc(sizeof *p + words * sizeof(uint64_t));
    if (!p)
        return NULL;
    ot_heap h;
    ot__heap_init_fixed(&h, p->words, words);
    p->term = ot_copy(&h, t);
    p->offheap = h.offheap;
    if (p->term == OT_NONE) {
        ot__heap_release_fixed(&h);
        ot__free(p);
        return NULL;
    }
    return p;
}

static void point_free(point *p)
{
    if (p->offheap)
        ot__offheap_release(p->offheap);
    ot__free(p);
}

ot_livechart *ot_livechart_new(ot_term spec, size_t window)
{
    if (!ot_is_map(spec))
        return NULL;
    ot_livechart *c = ot__calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->spec_heap = ot_heap_new();
    c->spec = c->spec_heap ? ot_copy(c->spec_heap, spec) : OT_NONE;
    if (c->spec == OT_NONE) {
        ot_heap_free(c->spec_heap);
        ot__free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->window = window;
    c->next_id = 1;
    return c;
}

static void dataset_clear(dataset *d)
{
    for (size_t i = 0; i < d->n; i++)
        point_free(d->ring[(d->start + i) % d->cap]);
    d->start = d->n = 0;
}

void ot_livechart_free(ot_livechart *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nsets; i++) {
        dataset_clear(&c->sets[i]);
        ot__free(c->sets[i].ring);
        ot__free(c->sets[i].name);
    }
    ot__free(c->sets);
    ot__free(c->subs);
    ot_heap_free(c->spec_heap);
    pthread_mutex_destroy(&c->lock);
    ot__free(c);
}

/* The dataset called name, made if missing. Lock held. */
static dataset *dataset_get(ot_livechart *c, const char *name, bool make)
{
    for (size_t i = 0; i < c->nsets; i++)
        if (strcmp(c->sets[i].name, name) == 0)
            return &c->sets[i];
    if (!make)
        return NULL;
    dataset *ns = ot__realloc(c->sets, (c->nsets + 1) * sizeof *ns);
    if (!ns)
        return NULL;
    c->sets = ns;
    dataset *d = &c->sets[c->nsets];
    memset(d, 0, sizeof *d);
    size_t len = strlen(name);
    d->name = ot__malloc(len + 1);
    if (!d->name)
        return NULL;
    memcpy(d->name, name, len + 1);
    c->nsets++;
    return d;
}

/* Appends p, dropping the oldest point when the window is full. */
static int dataset_add(ot_livechart *c, dataset *d, point *p)
{
    if (c->window && d->n == c->window) {
        point_free(d->ring[d->start]);
        d->ring[d->start] = p;
        d->start = (d->start + 1) % d->cap;
        return 0;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        if (c->window && cap > c->window)
            cap = c->window;
        point **nr = ot__malloc(cap * sizeof *nr);
        if (!nr)
            return -ENOMEM;
        for (size_t i = 0; i < d->n; i++)
            nr[i] = d->ring[(d->start + i) % d->cap];
        ot__free(d->ring);
        d->ring = nr;
        d->cap = cap;
        d->start = 0;
    }
    d->ring[(d->start + d->n) % d->cap] = p;
    d->n++;
    return 0;
}

static int push_list(ot_livechart *c, const char *dataset_name, ot_term points)
{
    if (!c || !dataset_name || ot_list_length(points) < 0)
        return -EINVAL;
    for (ot_term l = points; l != OT_NIL; l = ot_tl(l))
        if (!ot_is_map(ot_hd(l)))
            return -EINVAL;
    pthread_mutex_lock(&c->lock);
    int rc = 0;
    dataset *d = dataset_get(c, dataset_name, true);
    if (!d)
        rc = -ENOMEM;
    for (ot_term l = points; rc == 0 && l != OT_NIL; l = ot_tl(l)) {
        point *p = point_new(ot_hd(l));
        if (!p || dataset_add(c, d, p) != 0) {
            if (p)
                point_free(p);
            rc = -ENOMEM;
        }
    }
    if (rc == 0)
        for (size_t i = 0; i < c->nsubs; i++)
            c->subs[i].fn(OT_LIVE_PUSH, dataset_name, points, c->window, c->subs[i].arg);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

int ot_livechart_push_many(ot_livechart *c, const char *dataset, ot_term points)
{
    return push_list(c, dataset, points);
}

int ot_livechart_push(ot_livechart *c, const char *dataset, ot_term point_term)
{
    if (!ot_is_map(point_term))
        return -EINVAL;
    uint64_t mem[3];
    ot_heap h;
    ot__heap_init_fixed(&h, mem, 3);
    ot_term one = ot_cons(&h, point_term, OT_NIL);
    return push_list(c, dataset, one);
}

int ot_livechart_clear(ot_livechart *c, const char *dataset_name)
{
    if (!c)
        return -EINVAL;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->nsets; i++) {
        dataset *d = &c->sets[i];
        if (dataset_name && strcmp(d->name, dataset_name) != 0)
            continue;
        dataset_clear(d);
        for (size_t k = 0; k < c->nsubs; k++)
            c->subs[k].fn(OT_LIVE_CLEAR, d->name, OT_NIL, 0, c->subs[k].arg);
    }
    pthread_mutex_unlock(&c->lock);
    return 0;
}

/* The kept points of d as a list on h. Lock held. */
static ot_term dataset_list(const dataset *d, ot_heap *h)
{
    ot_term l = OT_NIL;
    for (size_t i = d->n; i-- > 0;) {
        l = ot_cons(h, d->ring[(d->start + i) % d->cap]->term, l);
        if (l == OT_NONE)
            return OT_NONE;
    }
    return l;
}

int ot_livechart_subscribe(ot_livechart *c, ot_live_fn fn, void *arg)
{
    if (!c || !fn)
        return -EINVAL;
    ot_heap *h = ot_heap_new();
    if (!h)
        return -ENOMEM;
    pthread_mutex_lock(&c->lock);
    sub *ns = ot__realloc(c->subs, (c->nsubs + 1) * sizeof *ns);
    int id = -ENOMEM;
    if (ns) {
        c->subs = ns;
        id = c->next_id++;
        c->subs[c->nsubs++] = (sub){id, fn, arg};
        fn(OT_LIVE_SPEC, NULL, c->spec, c->window, arg);
        for (size_t i = 0; i < c->nsets; i++) {
            ot_term l = dataset_list(&c->sets[i], h);
            if (l != OT_NONE && l != OT_NIL)
                fn(OT_LIVE_PUSH, c->sets[i].name, l, c->window, arg);
            ot_heap_reset(h);
        }
    }
    pthread_mutex_unlock(&c->lock);
    ot_heap_free(h);
    return id;
}

void ot_livechart_unsubscribe(ot_livechart *c, int id)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->nsubs; i++) {
        if (c->subs[i].id == id) {
            c->subs[i] = c->subs[--c->nsubs];
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
}

ot_term ot_livechart_points(ot_livechart *c, const char *dataset_name, ot_heap *h)
{
    if (!c || !dataset_name || !h)
        return OT_NONE;
    pthread_mutex_lock(&c->lock);
    dataset *d = dataset_get(c, dataset_name, false);
    ot_term l = d ? dataset_list(d, h) : OT_NIL;
    if (l != OT_NONE)
        l = ot_copy(h, l);   /* the points may be dropped after the lock */
    pthread_mutex_unlock(&c->lock);
    return l;
}

ot_term ot_livechart_snapshot(ot_livechart *c, ot_heap *h)
{
    if (!c || !h)
        return OT_NONE;
    pthread_mutex_lock(&c->lock);
    /* Vega-Lite's top-level `datasets`: name => inline rows, which the
     * spec's data: %{name: ...} refers to. Keys follow the spec's kind. */
    bool atom_keys = ot_map_size(c->spec) == 0 || ot_is_atom(ot_map_key(c->spec, 0));
    ot_term *keys = ot__malloc((c->nsets + 1) * sizeof *keys);
    ot_term *vals = ot__malloc((c->nsets + 1) * sizeof *vals);
    ot_term out = OT_NONE;
    if (keys && vals) {
        bool ok = true;
        for (size_t i = 0; ok && i < c->nsets; i++) {
            keys[i] = ot_string(h, c->sets[i].name);
            vals[i] = dataset_list(&c->sets[i], h);
            ok = keys[i] != OT_NONE && vals[i] != OT_NONE;
        }
        ot_term sets = ok ? ot_map(h, c->nsets, keys, vals) : OT_NONE;
        ot_term key = atom_keys ? ot_atom("datasets") : ot_string(h, "datasets");
        if (sets != OT_NONE)
            out = ot_map_put(h, c->spec, key, sets);
        if (out != OT_NONE)
            out = ot_copy(h, out);
    }
    ot__free(keys);
    ot__free(vals);
    pthread_mutex_unlock(&c->lock);
    return out;
}
