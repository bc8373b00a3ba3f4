/* charts.c — the notebook's two Vega-Lite charts, built with the
 * vocabulary of vegalite.c: processes as a reductions x memory scatter
 * (aggregated into log-scale bins when there are too many to draw one point
 * each), and memory categories over time for a live chart. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "otter/vegalite.h"
#include "viz/viz_internal.h"

/* ---------------------------------------------------------------- scatter */

/* A sum that stays an exact integer while every value is one and it fits. */
typedef struct sum {
    int64_t i;
    double d;
    bool inexact;
} sum;

static void sum_add(sum *s, ot_term v)
{
    int64_t x;
    double d = 0;
    ot_get_double(v, &d);
    s->d += d;
    if (s->inexact || ot_get_int64(v, &x) < 0 || __builtin_add_overflow(s->i, x, &s->i))
        s->inexact = true;
}

static ot_term sum_term(ot_heap *h, const sum *s)
{
    return s->inexact ? ot_float(h, s->d) : ot_int(h, s->i);
}

typedef struct bin {
    bool used;
    int32_t kx, ky;
    ot_term status;
    uint64_t count;
    sum r, m;
    ot_term rmin, rmax, mmin, mmax, pid;
} bin;

typedef struct bins {
    bin *b;
    size_t cap, n;
} bins;

static uint64_t bin_hash(int32_t kx, int32_t ky, ot_term status)
{
    uint64_t x = ((uint64_t)(uint32_t)kx << 32) ^ (uint32_t)ky;
    x ^= ot_hash(status) * 0x9e3779b97f4a7c15ull;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    return x ^ (x >> 32);
}

static bool bins_grow(bins *t)
{
    size_t cap = t->cap ? 2 * t->cap : 1024;
    bin *nb = ot__calloc(cap, sizeof *nb);
    if (!nb)
        return false;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->b[i].used)
            continue;
        size_t j = bin_hash(t->b[i].kx, t->b[i].ky, t->b[i].status) & (cap - 1);
        while (nb[j].used)
            j = (j + 1) & (cap - 1);
        nb[j] = t->b[i];
    }
    ot__free(t->b);
    t->b = nb;
    t->cap = cap;
    return true;
}

static bin *bins_get(bins *t, int32_t kx, int32_t ky, ot_term status)
{
    if ((t->n + 1) * 2 > t->cap && !bins_grow(t))
        return NULL;
    size_t j = bin_hash(kx, ky, status) & (t->cap - 1);
    while (t->b[j].used) {
        bin *b = &t->b[j];
        if (b->kx == kx && b->ky == ky && ot_equal(b->status, status))
            return b;
        j = (j + 1) & (t->cap - 1);
    }
    t->n++;
    t->b[j] = (bin){.used = true, .kx = kx, .ky = ky, .status = status};
    return &t->b[j];
}

/* A row's value for key, given as an atom (looked up first) or a string. */
static ot_term row_get(ot_heap *h, ot_term row, ot_term atom, const char *key)
{
    if (!ot_is_map(row))
        return OT_NONE;
    ot_term v = ot_map_get(row, atom);
    if (v == OT_NONE)
        v = ot_map_get(row, ot_string(h, key));
    return v;
}

static int32_t bin_of(double v, unsigned per_decade)
{
    if (!(v >= 1.0))
        return 0;
    return (int32_t)floor(log10(v) * per_decade);
}

static int cmp_bin(const void *a, const void *b)
{
    const bin *x = a, *y = b;
    if (x->kx != y->kx)
        return x->kx < y->kx ? -1 : 1;
    if (x->ky != y->ky)
        return x->ky < y->ky ? -1 : 1;
    return ot_compare(x->status, y->status);
}

/* Where in its bin a status's point goes: side by side, within the middle
 * 60% of the bin, so that statuses sharing a bin do not hide each other. */
static double status_offset(const ot_term *sts, size_t nst, ot_term status)
{
    for (size_t i = 0; i < nst; i++)
        if (ot_equal(sts[i], status))
            return ((i + 0.5) / nst - 0.5) * 0.6;
    return 0;
}

static int cmp_term(const void *a, const void *b)
{
    return ot_compare(*(const ot_term *)a, *(const ot_term *)b);
}

static ot_term log_axis(ot_heap *h, const char *title)
{
    return ot_build(h, "#{type => quantitative, scale => #{type => log, base => 10}, title => ~s}", title);
}

static ot_term aggregated(ot_heap *h, ot_term processes, size_t nproc, unsigned per_decade,
                          int width, int height)
{
    bins t = {0};
    ot_term fail = OT_NONE;
    const ot_term a_red = ot_atom("reductions"), a_mem = ot_atom("memory"),
                  a_status = ot_atom("status"), a_pid = ot_atom("pid");
    for (ot_term l = processes; l != OT_NIL; l = ot_tl(l)) {
        ot_term row = ot_hd(l);
        ot_term r = row_get(h, row, a_red, "reductions"), m = row_get(h, row, a_mem, "memory");
        double rd, md;
        if (!ot_is_number(r) || !ot_is_number(m)) {
            fail = ot__vl_fail("a process row has no numeric reductions and memory");
            goto out;
        }
        ot_get_double(r, &rd);
        ot_get_double(m, &md);
        ot_term status = row_get(h, row, a_status, "status");
        if (status == OT_NONE)
            status = OT_ATOM(NIL);
        bin *b = bins_get(&t, bin_of(rd, per_decade), bin_of(md, per_decade), status);
        if (!b)
            goto out;
        if (b->count++ == 0) {
            b->rmin = b->rmax = r;
            b->mmin = b->mmax = m;
            b->pid = row_get(h, row, a_pid, "pid");
            if (b->pid == OT_NONE)
                b->pid = OT_ATOM(NIL);
        } else {
            if (ot_compare(r, b->rmin) < 0) b->rmin = r;
            if (ot_compare(r, b->rmax) > 0) b->rmax = r;
            if (ot_compare(m, b->mmin) < 0) b->mmin = m;
            if (ot_compare(m, b->mmax) > 0) b->mmax = m;
        }
        sum_add(&b->r, r);
        sum_add(&b->m, m);
    }
    {
        /* the bins in a fixed order, as rows */
        size_t k = 0;
        for (size_t i = 0; i < t.cap; i++)
            if (t.b[i].used)
                t.b[k++] = t.b[i];
        if (k)
            qsort(t.b, k, sizeof *t.b, cmp_bin);
        enum { MAX_STATUSES = 64 };
        ot_term sts[MAX_STATUSES];
        size_t nst = 0;
        for (size_t i = 0; i < k; i++) {
            bool seen = false;
            for (size_t j = 0; j < nst && !seen; j++)
                seen = ot_equal(sts[j], t.b[i].status);
            if (!seen && nst < MAX_STATUSES)
                sts[nst++] = t.b[i].status;
        }
        if (nst)
            qsort(sts, nst, sizeof *sts, cmp_term);
        ot_term *rows = ot__malloc((k + 1) * sizeof *rows);
        if (!rows)
            goto out;
        static const char *const names[] = {
            "count", "reductions", "memory", "reductions_min", "reductions_max", "memory_min",
            "memory_max", "reductions_total", "memory_total", "status", "pid"};
        ot_term keys[11];
        for (int i = 0; i < 11; i++)
            keys[i] = ot_atom(names[i]);
        for (size_t i = 0; i < k; i++) {
            const bin *b = &t.b[i];
            ot_term v[11] = {
                ot_uint(h, b->count),
                ot_float(h, pow(10.0, (b->kx + 0.5 + status_offset(sts, nst, b->status)) / per_decade)),
                ot_float(h, pow(10.0, (b->ky + 0.5) / per_decade)),
                b->rmin, b->rmax, b->mmin, b->mmax,
                sum_term(h, &b->r), sum_term(h, &b->m), b->status, b->pid};
            rows[i] = ot_map(h, 11, keys, v);
        }
        ot_term values = ot_listv(h, k, rows);
        ot__free(rows);
        char title[96];
        snprintf(title, sizeof title, "%zu processes in %zu bins", nproc, k);
        ot_term vl = ot_vl_new(h, ot_build(h, "#{width => ~i, height => ~i, title => ~s}", width, height, title));
        vl = ot_vl_data_from_values(h, vl, values, OT_NONE);
        vl = ot_vl_mark(h, vl, "point", ot_build(h, "#{filled => true, opacity => 0.7}"));
        vl = ot_vl_encode_field(h, vl, "x", "reductions", log_axis(h, "reductions"));
        vl = ot_vl_encode_field(h, vl, "y", "memory", log_axis(h, "memory (bytes)"));
        vl = ot_vl_encode_field(h, vl, "color", "status", ot_build(h, "#{type => nominal}"));
        vl = ot_vl_encode_field(h, vl, "size", "count",
                                ot_build(h, "#{type => quantitative, title => <<\"processes\">>}"));
        vl = ot_vl_encode(h, vl, "tooltip", ot_build(h,
            "[#{field => <<\"count\">>, type => quantitative, title => <<\"processes\">>},"
            " #{field => <<\"status\">>, type => nominal},"
            " #{field => <<\"reductions_min\">>, type => quantitative},"
            " #{field => <<\"reductions_max\">>, type => quantitative},"
            " #{field => <<\"memory_min\">>, type => quantitative},"
            " #{field => <<\"memory_max\">>, type => quantitative},"
            " #{field => <<\"memory_total\">>, type => quantitative},"
            " #{field => <<\"pid\">>, type => nominal, title => <<\"one of them\">>}]"));
        fail = vl;
    }
out:
    ot__free(t.b);
    return fail;
}

ot_term ot_vl_process_scatter(ot_heap *h, ot_term processes, const ot_vl_scatter_opts *opts)
{
    size_t max_points = opts && opts->max_points ? opts->max_points : 10000;
    unsigned per_decade = opts && opts->bins ? opts->bins : 5;
    int width = opts && opts->width > 0 ? opts->width : 600;
    int height = opts && opts->height > 0 ? opts->height : 400;
    ssize_t n = ot_list_length(processes);
    if (n < 0)
        return ot__vl_fail("the processes must be a proper list of maps");
    if ((size_t)n > max_points)
        return aggregated(h, processes, (size_t)n, per_decade, width, height);
    /* the notebook's cell, call for call */
    ot_term vl = ot_vl_new(h, ot_build(h, "#{width => ~i, height => ~i}", width, height));
    vl = ot_vl_data_from_values(h, vl, processes, OT_NONE);
    vl = ot_vl_mark(h, vl, "point", ot_build(h, "#{tooltip => true}"));
    ot_term log = ot_build(h, "#{type => quantitative, scale => #{type => <<\"log\">>, base => 10}}");
    vl = ot_vl_encode_field(h, vl, "x", "reductions", log);
    vl = ot_vl_encode_field(h, vl, "y", "memory", log);
    vl = ot_vl_encode_field(h, vl, "color", "status", ot_build(h, "#{type => nominal}"));
    vl = ot_vl_encode_field(h, vl, "tooltip", "pid", ot_build(h, "#{type => nominal}"));
    return vl;
}

/* ---------------------------------------------------------------- memory */

static const char *const categories[] = {"total", "processes", "atom", "binary", "code", "ets"};

ot_term ot_vl_memory_chart(ot_heap *h, ot_term points, const ot_vl_memory_opts *opts)
{
    size_t window = opts && opts->window ? opts->window : 1000;
    int width = opts && opts->width > 0 ? opts->width : 600;
    int height = opts && opts->height > 0 ? opts->height : 400;
    const char *dataset = opts && opts->dataset ? opts->dataset : "memory";
    if (points == OT_NONE)
        points = OT_NIL;
    ssize_t n = ot_list_length(points);
    if (n < 0)
        return ot__vl_fail("the points must be a proper list");
    ot_term last = points;
    for (ssize_t skip = n - (ssize_t)window; skip > 0; skip--)
        last = ot_tl(last);

    ot_term cats[6];
    for (int i = 0; i < 6; i++)
        cats[i] = ot_string(h, categories[i]);
    /* the notebook's cell, call for call, plus the named data */
    ot_term vl = ot_vl_new(h, ot_build(h, "#{width => ~i, height => ~i, padding => 20}", width, height));
    vl = ot_vl_data_from_values(h, vl, last, ot_build(h, "#{name => ~s}", dataset));
    ot_term child = ot_vl_new(h, OT_NONE);
    child = ot_vl_mark(h, child, "line", OT_NONE);
    child = ot_vl_encode_field(h, child, "x", "iter",
                               ot_build(h, "#{type => quantitative, title => <<\"Measurement\">>}"));
    child = ot_vl_encode_repeat(h, child, "y", "layer",
                                ot_build(h, "#{type => quantitative, title => <<\"Memory usage (MB)\">>}"));
    child = ot_vl_encode(h, child, "color", ot_build(h, "#{datum => #{repeat => layer}, type => nominal}"));
    return ot_vl_repeat(h, vl, ot_build(h, "#{layer => ~p}", ot_listv(h, 6, cats)), child);
}

ot_term ot_vl_memory_point(ot_heap *h, ot_term memory, int64_t iter)
{
    ot_term m = ot_map(h, 0, NULL, NULL);
    if (ot_is_map(memory)) {
        size_t n = ot_map_size(memory);
        for (size_t i = 0; i < n && m != OT_NONE; i++) {
            double d;
            if (ot_get_double(ot_map_value(memory, i), &d) < 0)
                return ot__vl_fail("a memory category is not a number of bytes");
            m = ot_map_put(h, m, ot_map_key(memory, i), ot_float(h, d / 1e6));
        }
    } else {
        if (ot_list_length(memory) < 0)
            return ot__vl_fail("memory must be a keyword list or a map of category => bytes");
        for (ot_term l = memory; l != OT_NIL && m != OT_NONE; l = ot_tl(l)) {
            ot_term kv = ot_hd(l);
            double d;
            if (ot_tuple_arity(kv) != 2)
                return ot__vl_fail("memory must be a keyword list or a map of category => bytes");
            if (ot_get_double(ot_tuple_get(kv, 1), &d) < 0)
                return ot__vl_fail("a memory category is not a number of bytes");
            m = ot_map_put(h, m, ot_tuple_get(kv, 0), ot_float(h, d / 1e6));
        }
    }
    return m == OT_NONE ? OT_NONE : ot_map_put(h, m, ot_atom("iter"), ot_int(h, iter));
}
