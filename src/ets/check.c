/* check.c — the invariant checker of a table (docs/assertions.md): its
 * object and special counts against what its storage holds, every object
 * long enough for the key position, and the storage's own rules (hash.c,
 * tree.c). table.c walks every table and the owners' lists with it. */
#include <stdarg.h>
#include <stdio.h>

#include "ets/ets_internal.h"

static _Thread_local char why[320];

const char *ot__ets_check_fail(const ets_table *t, const char *fmt, ...)
{
    int n = snprintf(why, sizeof why, "ets table %u: ", t->idx);
    if (n < 0 || (size_t)n >= sizeof why)
        return why;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + n, sizeof why - (size_t)n, fmt, ap);
    va_end(ap);
    return why;
}

typedef struct count_ctx {
    ets_table *t;
    size_t objects, special, short_ones;
} count_ctx;

static int count_each(uint8_t *o, void *arg)
{
    count_ctx *c = arg;
    size_t blen;
    bool refc;
    ets_obj_body(o, &blen, &refc);
    size_t n = ets_obj_size(o) + (c->t->type == ETS_ORDERED_SET ? sizeof(ets_node) : 0);
    c->objects++;
    if (refc || ets_round(&c->t->arena, n) > ETS_SMALL_MAX)
        c->special++;
    if (ot__ets_obj_arity(o) < c->t->keypos)
        c->short_ones++;
    return 0;
}

const char *ot__ets_table_check(ets_table *t)
{
    if (t->type > ETS_DUPLICATE_BAG || t->access > ETS_PRIVATE || t->keypos < 1)
        return ot__ets_check_fail(t, "type %u, access %u, keypos %u", t->type, t->access, t->keypos);
    count_ctx c = {.t = t};
    const char *bad;
    if (t->type == ETS_ORDERED_SET) {
        if ((bad = ot__ets_tree_check(t)))
            return bad;
        ot__ets_tree_walk(t, count_each, &c);
    } else {
        if ((bad = ot__ets_hash_check(t)))
            return bad;
        if (t->hash.slots)
            ot__ets_hash_walk(t, count_each, &c);
    }
    if (c.objects != t->size)
        return ot__ets_check_fail(t, "%zu objects stored, size says %zu", c.objects, t->size);
    if (c.special != t->special)
        return ot__ets_check_fail(t, "%zu objects with outside parts, counted %zu", c.special, t->special);
    if (c.short_ones)
        return ot__ets_check_fail(t, "%zu objects shorter than the key position %u", c.short_ones, t->keypos);
    if (t->arena.top > t->arena.end)
        return ot__ets_check_fail(t, "the arena's top is past its end");
    return NULL;
}
