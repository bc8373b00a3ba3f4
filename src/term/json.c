/* json.c — terms to JSON and back, through jansson.
 *
 * Both directions go through jansson's DOM, so JSON text is written and
 * read by jansson, never by hand. The mapping is the one term.h documents;
 * the details it leaves open are decided here:
 *   - Floats are written by jansson (%.*g) with the fewest significant
 *     digits (at most 17) with which *every* float of the term reads back
 *     exactly, and enough that magnitudes below 1e15 need no exponent: 0.1
 *     is written 0.1, 100.0 is 100.0, and no float ever loses a bit. One
 *     float that needs 17 digits makes the others of the same term print
 *     with 17 too (still exact). A float with an integral value keeps a
 *     ".0", so it reads back as a float.
 *   - Integers within int64_t are JSON numbers; all others (from 2^63 up,
 *     below -2^63) are strings of their decimal digits.
 *   - Map keys that are atoms or UTF-8 binaries are used as themselves,
 *     any other key as its Elixir text. Two keys with the same text (the
 *     atom :a and the binary "a") collide: the later in map order (the
 *     binary) wins.
 *   - Pids, ports, references, funs, non-UTF-8 binaries and bitstrings
 *     become strings holding their Elixir inspect text (ot_print).
 *   - ot_from_json reads any JSON value at the top (not only objects and
 *     arrays), keeps the last of duplicate object keys, accepts \u0000 in
 *     strings (binaries may hold NUL) but not in object keys, and rejects
 *     integers outside int64_t and nesting deeper than 2048 levels
 *     (jansson's limits) with -EINVAL.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "term/term_internal.h"

/* Jansson allocates through otter's hook (base/alloc.h), set before main:
 * every jansson object of the program comes from ot__malloc_vital and is
 * released by ot__free (free), so memory from either side mixes safely. The
 * allocations are vital (never failed on purpose) because jansson's parser
 * does not survive a failed one: with one failing inside json_loads, the
 * dashboard's out-of-memory sweep (test_oom_sweep, the dashboard's GET
 * /api/overview) crashed in jansson with SIGSEGV. otter's own allocations
 * around it are still failed by the sweeps. A program that sets its own
 * functions later overrides this one. */
__attribute__((constructor)) static void json_use_hook(void)
{
    json_set_alloc_funcs(ot__malloc_vital, ot__free);
}

/* ---------------------------------------------------------------- to JSON */

/* Fewest significant digits (1..17) with which %.*g reads back as d, and
 * enough that a magnitude below 1e15 is written without an exponent (100.0,
 * not 1e2). */
static int digits_needed(double d, int at_least)
{
    char buf[40];
    double mag = fabs(d);
    if (mag >= 1 && mag < 1e15) {
        int intdigits = (int)floor(log10(mag)) + 1;
        if (intdigits > at_least)
            at_least = intdigits;
    }
    for (int p = at_least; p < 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, d);
        if (strtod(buf, NULL) == d)
            return p;
    }
    return 17;
}

typedef struct jctx {
    int precision;   /* digits every float so far needs */
    bool oom;
} jctx;

static json_t *inspect_string(jctx *c, ot_term t)
{
    char *s = ot_inspect(t, NULL);
    if (!s) {
        c->oom = true;
        return NULL;
    }
    json_t *j = json_string(s);
    free(s);
    if (!j)
        c->oom = true;
    return j;
}

static json_t *to_json(jctx *c, ot_term t);

/* Elements e[0..n) appended to array a. */
static bool append_all(jctx *c, json_t *a, const ot_term *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *v = to_json(c, e[i]);
        if (!v || json_array_append_new(a, v) != 0) {
            c->oom = true;
            return false;
        }
    }
    return true;
}

static json_t *map_to_json(jctx *c, ot_term m)
{
    json_t *o = json_object();
    if (!o) {
        c->oom = true;
        return NULL;
    }
    size_t n = ot_map_size(m);
    for (size_t i = 0; i < n; i++) {
        ot_term k = ot_map_key(m, i);
        json_t *v = to_json(c, ot_map_value(m, i));
        if (!v)
            goto fail;
        int rc;
        size_t klen;
        const char *ktext = ot_atom_text(k, &klen);
        const uint8_t *kb;
        if (ktext) {
            rc = json_object_setn_new(o, ktext, klen, v);
        } else if (ot_is_binary(k) && (kb = ot_binary_data(k, &klen)) != NULL &&
                   ot__utf8_valid(kb, klen, NULL)) {
            rc = json_object_setn_new(o, (const char *)kb, klen, v);
        } else {
            char *s = ot_inspect(k, NULL);
            if (!s) {
                json_decref(v);
                goto fail;
            }
            rc = json_object_set_new(o, s, v);
            free(s);
        }
        if (rc != 0)
            goto fail;
    }
    return o;
fail:
    c->oom = true;
    json_decref(o);
    return NULL;
}

static json_t *to_json(jctx *c, ot_term t)
{
    json_t *j = NULL;
    switch (ot_typeof(t)) {
    case OT_TYPE_INT: {
        int64_t v;
        if (ot_get_int64(t, &v) == 0) {
            j = json_integer((json_int_t)v);
        } else {
            size_t len;
            char *s = ot__int_to_decimal(t, &len);
            if (!s) {
                c->oom = true;
                return NULL;
            }
            j = json_stringn(s, len);
            ot__free(s);
        }
        break;
    }
    case OT_TYPE_FLOAT: {
        double d;
        ot_get_double(t, &d);
        if (d != 0 && c->precision < 17)
            c->precision = digits_needed(d, c->precision);
        j = json_real(d);
        break;
    }
    case OT_TYPE_ATOM:
        if (t == OT_ATOM(TRUE))
            return json_true();
        if (t == OT_ATOM(FALSE))
            return json_false();
        if (t == OT_ATOM(NIL))
            return json_null();
        {
            size_t len;
            const char *s = ot_atom_text(t, &len);
            j = json_stringn(s, len);
        }
        break;
    case OT_TYPE_BINARY: {
        size_t n;
        const uint8_t *b = ot_binary_data(t, &n);
        if (ot_is_binary(t) && ot__utf8_valid(b, n, NULL))
            j = json_stringn((const char *)b, n);
        else
            return inspect_string(c, t);
        break;
    }
    case OT_TYPE_TUPLE: {
        j = json_array();
        if (j && !append_all(c, j, ot__box_ptr(t) + 1, ot_tuple_arity(t))) {
            json_decref(j);
            return NULL;
        }
        break;
    }
    case OT_TYPE_NIL:
        j = json_array();
        break;
    case OT_TYPE_LIST: {
        j = json_array();
        if (!j)
            break;
        while (ot__is_cons(t)) {
            const ot_term *cell = ot__cons_ptr(t);
            if (!append_all(c, j, cell, 1)) {
                json_decref(j);
                return NULL;
            }
            t = cell[1];
        }
        if (t != OT_NIL && !append_all(c, j, &t, 1)) {
            json_decref(j);
            return NULL;
        }
        break;
    }
    case OT_TYPE_MAP:
        return map_to_json(c, t);
    case OT_TYPE_NONE:
        c->oom = true; /* not a term inside a term: no JSON for it */
        return NULL;
    default: /* pids, ports, references, funs, pattern variables */
        return inspect_string(c, t);
    }
    if (!j)
        c->oom = true;
    return j;
}

/* ot_to_json: compact JSON of t (caller frees with free()), NULL if t is
 * or contains OT_NONE or memory runs out. */
char *ot_to_json(ot_term t, size_t *len)
{
    if (t == OT_NONE)
        return NULL;
    jctx c = {1, false};
    json_t *j = to_json(&c, t);
    if (!j || c.oom) {
        json_decref(j);
        return NULL;
    }
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(c.precision));
    json_decref(j);
    if (!s)
        return NULL;
    /* jansson allocates with ot__malloc (malloc), so free() releases it. */
    if (len)
        *len = strlen(s);
    return s;
}

/* ---------------------------------------------------------------- from JSON */

static int from_json(ot_heap *h, json_t *j, ot_term *out)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(j);
        ot_term *kv = ot__malloc((n ? 2 * n : 1) * sizeof *kv);
        if (!kv)
            return -ENOMEM;
        size_t i = 0;
        const char *key;
        json_t *val;
        void *iter = json_object_iter(j);
        for (; iter; iter = json_object_iter_next(j, iter), i++) {
            key = json_object_iter_key(iter);
            val = json_object_iter_value(iter);
            size_t klen = json_object_iter_key_len(iter);
            kv[i] = ot_binary(h, key, klen);
            int rc = kv[i] == OT_NONE ? -ENOMEM : from_json(h, val, &kv[n + i]);
            if (rc) {
                ot__free(kv);
                return rc;
            }
        }
        *out = ot_map(h, n, kv, kv + n);
        ot__free(kv);
        return *out != OT_NONE ? 0 : -ENOMEM;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        ot_term *cells = n ? ot__heap_alloc(h, 2 * n) : NULL;
        if (n && !cells)
            return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
            int rc = from_json(h, json_array_get(j, i), &cells[2 * i]);
            if (rc)
                return rc;
            cells[2 * i + 1] = i + 1 < n ? ot__make_cons(&cells[2 * (i + 1)]) : OT_NIL;
        }
        *out = n ? ot__make_cons(cells) : OT_NIL;
        return 0;
    }
    case JSON_STRING:
        *out = ot_binary(h, json_string_value(j), json_string_length(j));
        return *out != OT_NONE ? 0 : -ENOMEM;
    case JSON_INTEGER:
        *out = ot_int(h, (int64_t)json_integer_value(j));
        return *out != OT_NONE ? 0 : -ENOMEM;
    case JSON_REAL:
        *out = ot_float(h, json_real_value(j));
        return *out != OT_NONE ? 0 : -ENOMEM;
    case JSON_TRUE:
        *out = OT_ATOM(TRUE);
        return 0;
    case JSON_FALSE:
        *out = OT_ATOM(FALSE);
        return 0;
    default:
        *out = OT_ATOM(NIL);
        return 0;
    }
}

static const char *json_what(const json_error_t *e)
{
    switch (json_error_code(e)) {
    case json_error_out_of_memory: return "out of memory";
    case json_error_stack_overflow: return "JSON nested too deeply";
    case json_error_invalid_utf8: return "invalid UTF-8 in JSON";
    case json_error_premature_end_of_input: return "unexpected end of JSON";
    case json_error_end_of_input_expected: return "text after the JSON value";
    case json_error_invalid_syntax: return "invalid JSON syntax";
    case json_error_numeric_overflow: return "JSON number out of range";
    case json_error_null_byte_in_key: return "NUL character in a JSON object key";
    case json_error_null_character: return "NUL character in JSON text";
    default: return "malformed JSON";
    }
}

/* ot_from_json: 0 and *out, -EINVAL with *err for malformed JSON, or
 * -ENOMEM. Terms built before a failure stay on h until it is freed. */
int ot_from_json(ot_heap *h, const char *text, size_t len, ot_term *out, ot_parse_error *err)
{
    if (!h || (!text && len) || !out) {
        if (err)
            *err = (ot_parse_error){0, "NULL argument"};
        return -EINVAL;
    }
    json_error_t je;
    unsigned long failed = ot__alloc_failures_here();
    json_t *j = json_loadb(text ? text : "", len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j) {
        /* jansson's parser reports most allocation failures as a syntax
         * error: its allocations come from ot__malloc, which counts them. */
        if (json_error_code(&je) == json_error_out_of_memory || ot__alloc_failures_here() != failed)
            return -ENOMEM;
        if (err)
            *err = (ot_parse_error){je.position > 0 ? (size_t)je.position : 0, json_what(&je)};
        return -EINVAL;
    }
    ot_term t = OT_NONE;
    int rc = from_json(h, j, &t);
    json_decref(j);
    if (rc)
        return rc;
    *out = t;
    return 0;
}
