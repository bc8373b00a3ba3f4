/* test_vegalite.c — the Vega-Lite builder (otter/vegalite.h).
 *
 * The notebook's two charts are compared with the JSON Elixir's VegaLite
 * writes for the same calls (written out by hand from the library's
 * rules), the option conversion and every refusal are checked, the
 * aggregated scatter keeps every total, and every spec the tests build is
 * validated by the Vega-Lite JSON schema, compiled by vega-lite and drawn
 * by a headless Vega view (tests/viz/validate.mjs). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otter/term.h"
#include "otter/vegalite.h"
#include "testutil.h"
#include "../viz/vizcheck.h"

static ot_heap *h;
static void setup(void) { h = ot_heap_new(); }
static void teardown(void) { ot_heap_free(h); }
TestSuite(vegalite, .init = setup, .fini = teardown, .timeout = 300);

#define SCHEMA "\"$schema\": \"https://vega.github.io/schema/vega-lite/v6.json\""

/* Asserts that spec's JSON equals the hand-written JSON (as values). */
static void same_json(ot_term spec, const char *want)
{
    cr_assert(spec != OT_NONE, "builder failed: %s", ot_vl_error() ? ot_vl_error() : "?");
    char *got = ot_vl_to_json(spec, NULL);
    cr_assert(got);
    json_error_t e;
    json_t *g = json_loads(got, 0, &e), *w = json_loads(want, 0, &e);
    cr_assert(w, "bad expected JSON: %s", e.text);
    cr_assert(g, "otter wrote bad JSON: %s", got);
    cr_assert(json_equal(g, w), "got  %s\nwant %s", got, want);
    json_decref(g);
    json_decref(w);
    free(got);
}

static ot_term processes(size_t n, uint64_t seed)
{
    ot_term *rows = malloc(n * sizeof *rows);
    static const char *const statuses[] = {"waiting", "running", "runnable", "exiting"};
    for (size_t i = 0; i < n; i++) {
        uint64_t r = tu_rng(&seed);
        int64_t red = (int64_t)(r % 1000) * (int64_t)(1 + (r >> 10) % 100000) ;
        int64_t mem = 2000 + (int64_t)((r >> 20) % 5000000);
        rows[i] = ot_build(h, "#{pid => ~p, reductions => ~l, memory => ~l, status => ~a}",
                           ot_pid(h, ot_atom("nonode@nohost"), (uint32_t)i, 0, 0), red, mem,
                           statuses[(r >> 40) % 4]);
    }
    ot_term l = ot_listv(h, n, rows);
    free(rows);
    return l;
}

/* ---------------------------------------------------------------- the notebook */

Test(vegalite, notebook_scatter_is_the_cells_spec)
{
    ot_term ps = ot_build(h, "[#{pid => <<\"#PID<0.1.0>\">>, reductions => 10, memory => 2000, status => waiting}]");
    ot_term vl = ot_vl_process_scatter(h, ps, NULL);
    same_json(vl, "{" SCHEMA ", \"width\": 600, \"height\": 400,"
        "\"data\": {\"values\": [{\"pid\": \"#PID<0.1.0>\", \"reductions\": 10, \"memory\": 2000, \"status\": \"waiting\"}]},"
        "\"mark\": {\"type\": \"point\", \"tooltip\": true},"
        "\"encoding\": {"
        " \"x\": {\"field\": \"reductions\", \"type\": \"quantitative\", \"scale\": {\"type\": \"log\", \"base\": 10}},"
        " \"y\": {\"field\": \"memory\", \"type\": \"quantitative\", \"scale\": {\"type\": \"log\", \"base\": 10}},"
        " \"color\": {\"field\": \"status\", \"type\": \"nominal\"},"
        " \"tooltip\": {\"field\": \"pid\", \"type\": \"nominal\"}}}");
    /* built call by call as in the notebook, from keyword options */
    ot_term b = ot_vl_new(h, ot_build(h, "[{width, 600}, {height, 400}]"));
    b = ot_vl_data_from_values(h, b, ps, OT_NONE);
    b = ot_vl_mark(h, b, "point", ot_build(h, "[{tooltip, true}]"));
    b = ot_vl_encode_field(h, b, "x", "reductions", ot_build(h, "[{type, quantitative}, {scale, [{type, <<\"log\">>}, {base, 10}]}]"));
    b = ot_vl_encode_field(h, b, "y", "memory", ot_build(h, "[{type, quantitative}, {scale, [{type, <<\"log\">>}, {base, 10}]}]"));
    b = ot_vl_encode_field(h, b, "color", "status", ot_build(h, "[{type, nominal}]"));
    b = ot_vl_encode_field(h, b, "tooltip", "pid", ot_build(h, "[{type, nominal}]"));
    cr_assert(ot_equal(b, vl));
}

Test(vegalite, notebook_memory_chart)
{
    ot_term p0 = ot_vl_memory_point(h, ot_build(h, "[{total, 30000000}, {processes, 5000000}, {processes_used, 4900000},"
        " {system, 25000000}, {atom, 500000}, {atom_used, 490000}, {binary, 1500000}, {code, 9000000}, {ets, 700000}]"), 0);
    same_json(p0, "{\"total\": 30.0, \"processes\": 5.0, \"processes_used\": 4.9, \"system\": 25.0, \"atom\": 0.5,"
                  " \"atom_used\": 0.49, \"binary\": 1.5, \"code\": 9.0, \"ets\": 0.7, \"iter\": 0}");
    ot_term p1 = ot_vl_memory_point(h, ot_build(h, "#{total => 31000000, ets => 1}"), 1);
    ot_vl_memory_opts o = {.window = 1};
    ot_term vl = ot_vl_memory_chart(h, ot_list(h, 2, p0, p1), &o);
    same_json(vl, "{" SCHEMA ", \"padding\": 20,"
        "\"data\": {\"name\": \"memory\", \"values\": [{\"total\": 31.0, \"ets\": 1.0e-6, \"iter\": 1}]},"
        "\"repeat\": {\"layer\": [\"total\", \"processes\", \"atom\", \"binary\", \"code\", \"ets\"]},"
        "\"spec\": {\"width\": 600, \"height\": 400, \"mark\": \"line\", \"encoding\": {"
        " \"x\": {\"field\": \"iter\", \"type\": \"quantitative\", \"title\": \"Measurement\"},"
        " \"y\": {\"field\": {\"repeat\": \"layer\"}, \"type\": \"quantitative\", \"title\": \"Memory usage (MB)\"},"
        " \"color\": {\"datum\": {\"repeat\": \"layer\"}, \"type\": \"nominal\"}}}}");
    cr_assert_eq(ot_vl_memory_point(h, ot_build(h, "[{total, lots}]"), 0), OT_NONE);
    cr_assert(ot_vl_error());
}

/* ---------------------------------------------------------------- the vocabulary */

Test(vegalite, options_become_camel_case)
{
    ot_term vl = ot_vl_new(h, ot_build(h, "#{title => <<\"t\">>, background => <<\"#fff\">>}"));
    vl = ot_vl_data_from_values(h, vl, ot_build(h, "[[{date, <<\"2024-01-01\">>}, {price, 3}, {x_y, 1}], #{date => <<\"2024-02-01\">>, price => 4}]"),
                                ot_build(h, "[{only, [date, <<\"price\">>]}]"));
    vl = ot_vl_mark(h, vl, "bar", OT_NONE);
    vl = ot_vl_encode_field(h, vl, "x", "date", ot_build(h, "[{time_unit, year_month}, {title, <<\"Month\">>}, {axis, [{label_angle, -45}]}]"));
    vl = ot_vl_encode_field(h, vl, "y", "price", ot_build(h, "[{type, quantitative}, {aggregate, mean}, {bin, #{maxbins => 20}}]"));
    vl = ot_vl_encode(h, vl, "stroke_dash", ot_build(h, "[{value, [4, 2]}]"));
    vl = ot_vl_transform(h, vl, ot_build(h, "[{filter, <<\"datum.price > 0\">>}]"));
    vl = ot_vl_transform(h, vl, ot_build(h, "[{calculate, <<\"datum.price * 2\">>}, {as, <<\"double\">>}]"));
    vl = ot_vl_config(h, vl, ot_build(h, "[{view, [{stroke, transparent}]}]"));
    vl = ot_vl_config(h, vl, ot_build(h, "[{padding, 5}, {font_size, nil}]"));
    same_json(vl, "{" SCHEMA ", \"title\": \"t\", \"background\": \"#fff\","
        "\"data\": {\"values\": [{\"date\": \"2024-01-01\", \"price\": 3}, {\"date\": \"2024-02-01\", \"price\": 4}]},"
        "\"mark\": \"bar\","
        "\"encoding\": {\"x\": {\"field\": \"date\", \"timeUnit\": \"yearMonth\", \"title\": \"Month\", \"axis\": {\"labelAngle\": -45}},"
        " \"y\": {\"field\": \"price\", \"type\": \"quantitative\", \"aggregate\": \"mean\", \"bin\": {\"maxbins\": 20}},"
        " \"strokeDash\": {\"value\": [4, 2]}},"
        "\"transform\": [{\"filter\": \"datum.price > 0\"}, {\"calculate\": \"datum.price * 2\", \"as\": \"double\"}],"
        "\"config\": {\"view\": {\"stroke\": \"transparent\"}, \"padding\": 5, \"fontSize\": null}}");
}

Test(vegalite, multi_views)
{
    ot_term line = ot_vl_encode_field(h, ot_vl_mark(h, ot_vl_new(h, OT_NONE), "line", OT_NONE), "x", "a",
                                      ot_build(h, "#{type => quantitative}"));
    ot_term rule = ot_vl_encode(h, ot_vl_mark(h, ot_vl_new(h, OT_NONE), "rule", OT_NONE), "size", ot_build(h, "#{value => 2}"));
    ot_term l = ot_vl_layers(h, ot_vl_new(h, OT_NONE), ot_list(h, 2, line, rule));
    same_json(l, "{" SCHEMA ", \"layer\": [{\"mark\": \"line\", \"encoding\": {\"x\": {\"field\": \"a\", \"type\": \"quantitative\"}}},"
                 " {\"mark\": \"rule\", \"encoding\": {\"size\": {\"value\": 2}}}]}");
    same_json(ot_vl_concat(h, ot_vl_new(h, OT_NONE), ot_list(h, 1, line), "horizontal"),
              "{" SCHEMA ", \"hconcat\": [{\"mark\": \"line\", \"encoding\": {\"x\": {\"field\": \"a\", \"type\": \"quantitative\"}}}]}");
    same_json(ot_vl_concat(h, ot_vl_new(h, OT_NONE), OT_NIL, NULL), "{" SCHEMA ", \"concat\": []}");
    ot_term rep = ot_vl_repeat(h, ot_vl_new(h, OT_NONE), ot_build(h, "[<<\"a\">>, <<\"b\">>]"),
                               ot_vl_encode_repeat(h, ot_vl_mark(h, ot_vl_new(h, OT_NONE), "point", OT_NONE), "x", "repeat",
                                                   ot_build(h, "#{type => quantitative}")));
    same_json(rep, "{" SCHEMA ", \"repeat\": [\"a\", \"b\"], \"spec\": {\"mark\": \"point\","
                   " \"encoding\": {\"x\": {\"field\": {\"repeat\": \"repeat\"}, \"type\": \"quantitative\"}}}}");
    /* several tooltip fields */
    ot_term tt = ot_vl_encode(h, ot_vl_new(h, OT_NONE), "tooltip",
                              ot_build(h, "[[{field, <<\"a\">>}], #{field => <<\"b\">>, type => nominal}]"));
    same_json(tt, "{" SCHEMA ", \"encoding\": {\"tooltip\": [{\"field\": \"a\"}, {\"field\": \"b\", \"type\": \"nominal\"}]}}");
}

Test(vegalite, bad_calls_are_refused_with_a_reason)
{
    ot_term vl = ot_vl_new(h, OT_NONE);
    ot_term marked = ot_vl_mark(h, vl, "point", OT_NONE);
    ot_term layered = ot_vl_layers(h, vl, ot_list(h, 1, marked));
    ot_term padded = ot_vl_new(h, ot_build(h, "#{padding => 5}"));
    struct { ot_term got; const char *why; } c[] = {
        {ot_vl_mark(h, vl, "blob", OT_NONE), "unknown mark"},
        {ot_vl_mark(h, vl, NULL, OT_NONE), "unknown mark"},
        {ot_vl_mark(h, marked, "line", OT_NONE), "cannot add a mark"},
        {ot_vl_mark(h, layered, "line", OT_NONE), "cannot add a mark"},
        {ot_vl_layers(h, marked, OT_NIL), "cannot build a layered view"},
        {ot_vl_layers(h, vl, ot_list(h, 1, padded)), "top-level keys"},
        {ot_vl_layers(h, vl, ot_build(h, "[x]")), "not a map"},
        {ot_vl_concat(h, vl, OT_NIL, "diagonal"), "wrappable, horizontal or vertical"},
        {ot_vl_encode_field(h, vl, "colour", "a", OT_NONE), "unknown encoding channel"},
        {ot_vl_encode_field(h, vl, "x", "a", ot_build(h, "#{type => quant}")), "type must be"},
        {ot_vl_encode_field(h, vl, "x", NULL, OT_NONE), "NULL"},
        {ot_vl_encode(h, vl, "x", ot_build(h, "#{type => nominal}")), "field, value or datum"},
        {ot_vl_encode(h, vl, "x", ot_build(h, "[#{value => 1}, 3]")), "map or a keyword list"},
        {ot_vl_encode_repeat(h, vl, "x", "diagonal", OT_NONE), "repeat type"},
        {ot_vl_repeat(h, vl, ot_build(h, "[1, 2]"), marked), "repeat definition"},
        {ot_vl_repeat(h, vl, ot_build(h, "#{rows => [<<\"a\">>]}"), marked), "repeat definition"},
        {ot_vl_transform(h, vl, OT_NIL), "at least one"},
        {ot_vl_config(h, vl, ot_build(h, "#{}")), "at least one"},
        {ot_vl_data(h, vl, OT_NIL), "at least one"},
        {ot_vl_new(h, ot_int(h, 3)), "map or a keyword list"},
        {ot_vl_new(h, ot_build(h, "[{a, 1}, b]")), "{key, value}"},
        {ot_vl_data_from_values(h, vl, ot_build(h, "[1, 2]"), ot_build(h, "[{only, [a]}]")), "neither a map"},
        {ot_vl_data_from_values(h, vl, ot_build(h, "[a | b]"), OT_NONE), "proper list"},
        {ot_vl_mark(h, ot_int(h, 1), "point", OT_NONE), "not a map"},
        {ot_vl_process_scatter(h, ot_build(h, "[#{reductions => a, memory => 1}, #{reductions => 1, memory => 1}]"),
                               &(ot_vl_scatter_opts){.max_points = 1}), "numeric"},
        {ot_vl_memory_chart(h, ot_build(h, "[a | b]"), NULL), "proper list"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        cr_assert_eq(c[i].got, OT_NONE, "case %zu was accepted", i);
    }
    /* each reason, checked right after its call */
    cr_assert_eq(ot_vl_mark(h, vl, "blob", OT_NONE), OT_NONE);
    cr_assert(strstr(ot_vl_error(), "unknown mark type"), "%s", ot_vl_error());
    cr_assert_eq(ot_vl_encode(h, vl, "x", ot_build(h, "#{type => nominal}")), OT_NONE);
    cr_assert(strstr(ot_vl_error(), "field, value or datum"), "%s", ot_vl_error());
    cr_assert_eq(ot_vl_layers(h, vl, ot_list(h, 1, padded)), OT_NONE);
    cr_assert(strstr(ot_vl_error(), "top-level keys"), "%s", ot_vl_error());
    /* a failure anywhere in a chain gives OT_NONE at the end, with its reason */
    ot_term chain = ot_vl_encode_field(h, ot_vl_mark(h, ot_vl_new(h, OT_NONE), "nope", OT_NONE), "x", "a", OT_NONE);
    cr_assert_eq(chain, OT_NONE);
    cr_assert(strstr(ot_vl_error(), "unknown mark type"), "%s", ot_vl_error());
    cr_assert_null(ot_vl_to_json(OT_NONE, NULL));
    /* aggregate: count needs no field */
    cr_assert_neq(ot_vl_encode(h, vl, "y", ot_build(h, "#{aggregate => count}")), OT_NONE);
}

/* ---------------------------------------------------------------- aggregation */

static double num(ot_term t)
{
    double d = NAN;
    ot_get_double(t, &d);
    return d;
}

Test(vegalite, aggregation_keeps_every_total)
{
    size_t n = 30000;
    ot_term ps = processes(n, 42);
    ot_vl_scatter_opts o = {.max_points = 10000};
    ot_term vl = ot_vl_process_scatter(h, ps, &o);
    cr_assert_neq(vl, OT_NONE, "%s", ot_vl_error());
    ot_term rows = ot_map_get(ot_map_get(vl, ot_string(h, "data")), ot_string(h, "values"));
    ssize_t nrows = ot_list_length(rows);
    cr_assert(nrows > 0 && nrows < 5000, "%zd bins", nrows);
    /* totals over the input */
    int64_t mem = 0, red = 0, per_status[4] = {0};
    const char *statuses[] = {"waiting", "running", "runnable", "exiting"};
    for (ot_term l = ps; l != OT_NIL; l = ot_tl(l)) {
        int64_t v;
        ot_get_int64(ot_map_get(ot_hd(l), ot_atom("memory")), &v);
        mem += v;
        ot_get_int64(ot_map_get(ot_hd(l), ot_atom("reductions")), &v);
        red += v;
        for (int s = 0; s < 4; s++)
            if (ot_map_get(ot_hd(l), ot_atom("status")) == ot_atom(statuses[s]))
                per_status[s]++;
    }
    int64_t count = 0, gmem = 0, gred = 0, gper[4] = {0};
    for (ot_term l = rows; l != OT_NIL; l = ot_tl(l)) {
        ot_term r = ot_hd(l);
        int64_t c, v;
        cr_assert_eq(ot_get_int64(ot_map_get(r, ot_atom("count")), &c), 0);
        count += c;
        cr_assert_eq(ot_get_int64(ot_map_get(r, ot_atom("memory_total")), &v), 0);
        gmem += v;
        cr_assert_eq(ot_get_int64(ot_map_get(r, ot_atom("reductions_total")), &v), 0);
        gred += v;
        for (int s = 0; s < 4; s++)
            if (ot_map_get(r, ot_atom("status")) == ot_atom(statuses[s]))
                gper[s] += c;
        /* the bin's point lies within a bin step of its processes */
        double lo = num(ot_map_get(r, ot_atom("memory_min"))), hi = num(ot_map_get(r, ot_atom("memory_max")));
        double mid = num(ot_map_get(r, ot_atom("memory")));
        cr_assert(lo <= hi && mid >= lo / 1.6 && mid <= hi * 1.6, "%g %g %g", lo, mid, hi);
        cr_assert(ot_is_pid(ot_map_get(r, ot_atom("pid"))));
    }
    cr_assert_eq(count, (int64_t)n);
    cr_assert_eq(gmem, mem);
    cr_assert_eq(gred, red);
    for (int s = 0; s < 4; s++)
        cr_assert_eq(gper[s], per_status[s], "%s", statuses[s]);
    /* at or below the threshold: one point per process */
    o.max_points = n;
    vl = ot_vl_process_scatter(h, ps, &o);
    rows = ot_map_get(ot_map_get(vl, ot_string(h, "data")), ot_string(h, "values"));
    cr_assert(ot_equal(rows, ps));
}

/* ---------------------------------------------------------------- the real libraries */

static void spec_case(vc_dir *d, const char *name, ot_term spec, ot_term expect)
{
    cr_assert_neq(spec, OT_NONE, "%s: %s", name, ot_vl_error() ? ot_vl_error() : "?");
    char *json = ot_vl_to_json(spec, NULL);
    cr_assert(json);
    vc_case(d, name, ".vl.json", json, expect);
    free(json);
}

static ot_term sums_of(ot_term rows, const char *f1, const char *f2)
{
    double a = 0, b = 0;
    for (ot_term l = rows; l != OT_NIL; l = ot_tl(l)) {
        a += num(ot_map_get(ot_hd(l), ot_atom(f1)));
        b += num(ot_map_get(ot_hd(l), ot_atom(f2)));
    }
    return ot_build(h, "#{~a => ~f, ~a => ~f}", f1, a, f2, b);
}

/* Rows of adversarial text and numbers, as chart data. */
static ot_term odd_rows(size_t n, uint64_t seed)
{
    static const char *const texts[] = {"\"quoted\"", "<b>x</b>", "a\nb", "\xc3\xa9t\xc3\xa9", "\xf0\x9d\x84\x9e",
                                        "datum.x", "${x}", "\\", "", "'", "#PID<0.1.0>", "null"};
    ot_term *rows = malloc(n * sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = tu_rng(&seed);
        rows[i] = ot_build(h, "#{name => ~s, value => ~f, count => ~i, tag => ~a}", texts[r % 12],
                           (double)(int64_t)(r % 2001 - 1000) / 8.0, (int)(r % 100), r % 2 ? "yes" : "no");
    }
    ot_term l = ot_listv(h, n, rows);
    free(rows);
    return l;
}

Test(vegalite, real_vega_lite_accepts_and_draws_everything)
{
    vc_dir d;
    vc_open(&d);
    /* the notebook's scatter, small and aggregated (a million processes) */
    ot_term ps = processes(500, 7);
    spec_case(&d, "scatter", ot_vl_process_scatter(h, ps, NULL), ot_build(h,
        "#{kind => vegalite, valid => true, rows => 500, sums => ~p}", sums_of(ps, "memory", "reductions")));
    ot_term big = processes(1000000, 9);
    ot_term agg = ot_vl_process_scatter(h, big, NULL);
    ot_term rows = ot_map_get(ot_map_get(agg, ot_string(h, "data")), ot_string(h, "values"));
    ot_term s = sums_of(big, "memory", "reductions");
    spec_case(&d, "scatter-million", agg, ot_build(h,
        "#{kind => vegalite, valid => true, rows => ~i, sums => #{count => 1000000,"
        " memory_total => ~p, reductions_total => ~p}}", (int)ot_list_length(rows),
        ot_map_get(s, ot_atom("memory")), ot_map_get(s, ot_atom("reductions"))));
    /* the memory chart, empty and with a window of points */
    spec_case(&d, "memory-empty", ot_vl_memory_chart(h, OT_NIL, NULL),
              ot_build(h, "#{kind => vegalite, valid => true, rows => 0, dataset => <<\"memory\">>}"));
    ot_term pts[30];
    for (int i = 0; i < 30; i++)
        pts[i] = ot_vl_memory_point(h, ot_build(h, "[{total, ~i}, {processes, ~i}, {atom, 500000}, {binary, ~i},"
                                                   " {code, 9000000}, {ets, 700000}]",
                                                30000000 + i * 1000, 5000000 + i * 7, i * 3000), i);
    ot_vl_memory_opts mo = {.window = 20, .dataset = "mem-live"};
    spec_case(&d, "memory-window", ot_vl_memory_chart(h, ot_listv(h, 30, pts), &mo),
              ot_build(h, "#{kind => vegalite, valid => true, rows => 20, dataset => <<\"mem-live\">>}"));
    /* the vocabulary, one chart per shape */
    ot_term odd = odd_rows(200, 3);
    ot_term bar = ot_vl_new(h, ot_build(h, "#{title => <<\"Counts \\\"by\\\" name\">>, width => 300}"));
    bar = ot_vl_data_from_values(h, bar, odd, OT_NONE);
    bar = ot_vl_mark(h, bar, "bar", OT_NONE);
    bar = ot_vl_encode_field(h, bar, "x", "name", ot_build(h, "#{type => nominal, sort => <<\"-y\">>}"));
    bar = ot_vl_encode_field(h, bar, "y", "count", ot_build(h, "#{type => quantitative, aggregate => sum}"));
    bar = ot_vl_encode_field(h, bar, "color", "tag", ot_build(h, "#{type => nominal}"));
    spec_case(&d, "bar", bar, ot_build(h, "#{kind => vegalite, valid => true, rows => 200}"));
    ot_term hist = ot_vl_data_from_values(h, ot_vl_new(h, OT_NONE), odd, ot_build(h, "[{only, [value]}]"));
    hist = ot_vl_mark(h, hist, "bar", OT_NONE);
    hist = ot_vl_encode_field(h, hist, "x", "value", ot_build(h, "#{type => quantitative, bin => #{maxbins => 30}}"));
    hist = ot_vl_encode(h, hist, "y", ot_build(h, "#{aggregate => count, type => quantitative}"));
    spec_case(&d, "histogram", hist, ot_build(h, "#{kind => vegalite, valid => true, rows => 200}"));
    ot_term base = ot_vl_data_from_values(h, ot_vl_new(h, ot_build(h, "#{width => 400}")), odd, OT_NONE);
    base = ot_vl_transform(h, base, ot_build(h, "#{filter => <<\"datum.value > -50\">>}"));
    base = ot_vl_transform(h, base, ot_build(h, "[{calculate, <<\"datum.value * 2\">>}, {as, <<\"double\">>}]"));
    ot_term pts_l = ot_vl_encode_field(h, ot_vl_mark(h, ot_vl_new(h, OT_NONE), "point", ot_build(h, "#{tooltip => true}")),
                                       "x", "count", ot_build(h, "#{type => quantitative}"));
    pts_l = ot_vl_encode_field(h, pts_l, "y", "double", ot_build(h, "#{type => quantitative}"));
    ot_term rule = ot_vl_encode_field(h, ot_vl_mark(h, ot_vl_new(h, OT_NONE), "rule", ot_build(h, "#{color => red}")),
                                      "y", "double", ot_build(h, "#{type => quantitative, aggregate => mean}"));
    spec_case(&d, "layers", ot_vl_layers(h, base, ot_list(h, 2, pts_l, rule)),
              ot_build(h, "#{kind => vegalite, valid => true, rows => 200}"));
    ot_term cc = ot_vl_data_from_values(h, ot_vl_new(h, OT_NONE), odd, OT_NONE);
    cc = ot_vl_concat(h, cc, ot_list(h, 2, pts_l, ot_vl_encode_field(h, ot_vl_mark(h, ot_vl_new(h, OT_NONE), "tick", OT_NONE),
                                                                     "x", "value", ot_build(h, "#{type => quantitative}"))), "vertical");
    cc = ot_vl_config(h, cc, ot_build(h, "[{view, [{stroke, transparent}]}, {axis, [{label_font_size, 9}]}]"));
    spec_case(&d, "vconcat", cc, ot_build(h, "#{kind => vegalite, valid => true, rows => 200}"));
    ot_term grid = ot_vl_data_from_values(h, ot_vl_new(h, OT_NONE), odd, OT_NONE);
    ot_term cell = ot_vl_mark(h, ot_vl_new(h, ot_build(h, "#{width => 150, height => 150}")), "point", OT_NONE);
    cell = ot_vl_encode_repeat(h, cell, "x", "column", ot_build(h, "#{type => quantitative}"));
    cell = ot_vl_encode_repeat(h, cell, "y", "row", ot_build(h, "#{type => quantitative}"));
    grid = ot_vl_repeat(h, grid, ot_build(h, "[{row, [<<\"value\">>, <<\"count\">>]}, {column, [<<\"count\">>, <<\"value\">>]}]"), cell);
    spec_case(&d, "repeat-grid", grid, ot_build(h, "#{kind => vegalite, valid => true, rows => 200}"));
    ot_term ts = ot_vl_data_from_values(h, ot_vl_new(h, OT_NONE),
                                        ot_build(h, "[#{t => <<\"2024-01-05\">>, v => 3}, #{t => <<\"2024-02-07\">>, v => 5}]"), OT_NONE);
    ts = ot_vl_mark(h, ts, "line", ot_build(h, "#{point => true, interpolate => monotone}"));
    ts = ot_vl_encode_field(h, ts, "x", "t", ot_build(h, "#{type => temporal, time_unit => yearmonthdate}"));
    ts = ot_vl_encode_field(h, ts, "y", "v", ot_build(h, "#{type => quantitative}"));
    ts = ot_vl_encode(h, ts, "stroke_dash", ot_build(h, "#{value => [4, 2]}"));
    spec_case(&d, "timeseries", ts, ot_build(h, "#{kind => vegalite, valid => true, rows => 2}"));
    /* the validator must reject what Vega-Lite rejects */
    spec_case(&d, "negative-channel", ot_build(h, "#{<<\"mark\">> => <<\"point\">>, <<\"data\">> => #{<<\"values\">> => []},"
                                                 " <<\"encoding\">> => #{<<\"colour\">> => #{<<\"field\">> => <<\"a\">>}}}"),
              ot_build(h, "#{kind => vegalite, valid => false}"));
    spec_case(&d, "negative-type", ot_build(h, "#{<<\"mark\">> => <<\"point\">>, <<\"data\">> => #{<<\"values\">> => []},"
                                              " <<\"encoding\">> => #{<<\"x\">> => #{<<\"field\">> => <<\"a\">>, <<\"type\">> => <<\"quant\">>}}}"),
              ot_build(h, "#{kind => vegalite, valid => false}"));
    spec_case(&d, "negative-sum", ot_vl_process_scatter(h, ps, NULL),
              ot_build(h, "#{kind => vegalite, valid => false, sums => #{memory => 1}}"));
    spec_case(&d, "negative-repeat-size", ot_build(h, "#{<<\"width\">> => 10, <<\"repeat\">> => #{<<\"layer\">> => [<<\"a\">>]},"
                                                     " <<\"data\">> => #{<<\"values\">> => []},"
                                                     " <<\"spec\">> => #{<<\"mark\">> => <<\"line\">>}}"),
              ot_build(h, "#{kind => vegalite, valid => false}"));
    vc_run(&d);
}
