/* ops.c — the calls on a table's objects: insert, lookup, delete, take,
 * update_counter/update_element, match, traversal, tab2list, foldl.
 *
 * Each call resolves the table and locks it once (reading or writing),
 * encodes what it looks for in a buffer on its own stack, works on the
 * storage (hash.c or tree.c), builds its results on the caller's heap,
 * unlocks, and only then charges the calling process reductions (which
 * may switch it out). */
#include <errno.h>
#include <string.h>

#include "ets/ets_internal.h"

#define STACK_BUF 256

static inline bool is_tree(const ets_table *t) { return t->type == ETS_ORDERED_SET; }

/* ---------------------------------------------------------------- objects */

void ot__ets_drop(ets_table *t, uint8_t *o)
{
    size_t n = ets_obj_size(o);
    size_t blen;
    bool refc;
    ets_obj_body(o, &blen, &refc);
    if (refc)
        ot__ets_obj_release(o);
    if (is_tree(t)) {
        n += sizeof(ets_node);
        o = (uint8_t *)ets_node_of(o);
    }
    OT__ASSERT(t->size > 0);
    if (refc || ets_round(&t->arena, n) > ETS_SMALL_MAX) {
        OT__ASSERT(t->special > 0);
        t->special--;
    }
    t->size--;
    ot__ets_free(t, o, n);
}

static int free_each(uint8_t *o, void *arg)
{
    ets_table *t = arg;
    size_t blen;
    bool refc;
    ets_obj_body(o, &blen, &refc);
    if (refc)
        ot__ets_obj_release(o);
    size_t n = ets_obj_size(o) + (is_tree(t) ? sizeof(ets_node) : 0);
    if (ets_round(&t->arena, n) > ETS_SMALL_MAX)
        ot__ets_free(t, is_tree(t) ? (uint8_t *)ets_node_of(o) : o, n);
    return 0;
}

void ot__ets_store_free(ets_table *t)
{
    /* Objects that hold nothing outside the arena go with its chunks. */
    if (t->special) {
        if (is_tree(t))
            ot__ets_tree_walk(t, free_each, t);
        else if (t->hash.slots)
            ot__ets_hash_walk(t, free_each, t);
    }
    if (is_tree(t))
        t->tree.root = NULL;
    else if (t->hash.slots)
        ot__ets_hash_clear(t);
    ot__ets_arena_clear(t);
    t->size = 0;
    t->special = 0;
}

/* Copies the encoded object enc[0..n) into t and stores it under key k.
 * 0, or -ENOMEM (t unchanged). */
static int store(ets_table *t, const ets_key *k, const uint8_t *enc, size_t n, bool refc)
{
    size_t total = n + (is_tree(t) ? sizeof(ets_node) : 0);
    uint8_t *mem = ot__ets_alloc(t, total);
    if (!mem)
        return -ENOMEM;
    uint8_t *o = is_tree(t) ? ((ets_node *)(void *)mem)->obj : mem;
    memcpy(o, enc, n);
    bool special = refc || ets_round(&t->arena, total) > ETS_SMALL_MAX;
    if (refc)
        ot__ets_obj_retain(o);
    t->size++;
    if (special)
        t->special++;
    if (is_tree(t)) {
        ets_node *old;
        ot__ets_tree_put(t, k, (ets_node *)(void *)mem, &old);
        if (old)
            ot__ets_drop(t, old->obj);
        return 0;
    }
    uint8_t *old;
    int rc = ot__ets_hash_put(t, k, o, &old);
    if (rc) /* 1: an equal object is in the bag already; or -ENOMEM */
        ot__ets_drop(t, o);
    else if (old)
        ot__ets_drop(t, old);
    return rc < 0 ? rc : 0;
}

/* The key of an object being stored: bytes inside its encoding. */
static void key_in(const ets_table *t, const uint8_t *enc, ot_term obj, ets_key *k)
{
    ot__ets_key_of(t, enc, k);
    k->term = is_tree(t) ? ot_tuple_get(obj, t->keypos - 1) : OT_NONE;
}

/* Encodes key into b and fills k. */
static int key_prep(const ets_table *t, ot_term key, ets_enc *b, ets_key *k)
{
    int rc = ot__ets_enc_key(b, key);
    if (rc)
        return rc;
    k->term = key;
    k->bytes = b->buf.bytes;
    k->len = b->buf.len;
    k->hash = is_tree(t) ? 0 : ot__ets_hash(b->buf.bytes, b->buf.len);
    return 0;
}

/* The objects of key k: count, and the array (see ot__ets_hash_find). */
static size_t find(ets_table *t, const ets_key *k, uint8_t *const **objs, uint8_t **one)
{
    if (is_tree(t)) {
        ets_node *n = ot__ets_tree_find(t, k);
        if (!n)
            return 0;
        *one = n->obj;
        *objs = one;
        return 1;
    }
    return ot__ets_hash_find(t, k, objs, one);
}

static size_t remove_key(ets_table *t, const ets_key *k)
{
    if (is_tree(t)) {
        ets_node *n = ot__ets_tree_remove(t, k);
        if (!n)
            return 0;
        ot__ets_drop(t, n->obj);
        return 1;
    }
    return ot__ets_hash_remove(t, k, ot__ets_drop);
}

/* The objects objs[0..n) as a list on h (in their order). */
static ot_term objs_list(ot_heap *h, uint8_t *const *objs, size_t n)
{
    ot_term l = OT_NIL;
    for (size_t i = n; i-- > 0;) {
        ot_term o = ot__ets_obj_decode(h, objs[i]);
        l = o == OT_NONE ? OT_NONE : ot_cons(h, o, l);
        if (l == OT_NONE)
            return OT_NONE;
    }
    return l;
}

/* ---------------------------------------------------------------- insert */

/* Checks that obj is one storable tuple or a proper list of them; *count
 * gets the number of objects. */
static int check_objects(const ets_table *t, ot_term obj, size_t *count)
{
    if (ot_is_tuple(obj)) {
        *count = 1;
        return ot_tuple_arity(obj) >= t->keypos ? 0 : -EINVAL;
    }
    ssize_t n = ot_list_length(obj);
    if (n < 0)
        return -EINVAL;
    for (ot_term l = obj; l != OT_NIL; l = ot_tl(l)) {
        ot_term o = ot_hd(l);
        if (!ot_is_tuple(o) || ot_tuple_arity(o) < t->keypos)
            return -EINVAL;
    }
    *count = (size_t)n;
    return 0;
}

static int insert_one(ets_table *t, ot_term obj)
{
    uint8_t mem[STACK_BUF];
    ets_enc b;
    ets_enc_init(&b, mem, sizeof mem);
    size_t start;
    int rc = ot__ets_enc_object(&b, obj, t->keypos, &start);
    if (!rc) {
        ets_key k;
        key_in(t, b.buf.bytes + start, obj, &k);
        rc = store(t, &k, b.buf.bytes + start, b.buf.len - start, b.refc);
    }
    ets_enc_free(&b);
    return rc;
}

/* Can every object of list l be stored? (So that a list goes in whole or
 * not at all.) */
static int check_encodable(const ets_table *t, ot_term l)
{
    int rc = 0;
    uint8_t mem[STACK_BUF];
    ets_enc b;
    ets_enc_init(&b, mem, sizeof mem);
    for (; !rc && l != OT_NIL; l = ot_tl(l)) {
        size_t start;
        rc = ot__ets_enc_object(&b, ot_hd(l), t->keypos, &start);
    }
    ets_enc_free(&b);
    return rc;
}

/* Is any key of the objects in the table? 1, 0, or a negative errno. */
static int any_key_present(ets_table *t, ot_term obj)
{
    bool list = !ot_is_tuple(obj);
    for (ot_term l = obj; list ? l != OT_NIL : l != OT_NONE; l = list ? ot_tl(l) : OT_NONE) {
        ot_term o = list ? ot_hd(l) : l;
        uint8_t mem[STACK_BUF];
        ets_enc b;
        ets_enc_init(&b, mem, sizeof mem);
        ets_key k;
        int rc = key_prep(t, ot_tuple_get(o, t->keypos - 1), &b, &k);
        uint8_t *const *objs;
        uint8_t *one;
        size_t n = rc ? 0 : find(t, &k, &objs, &one);
        ets_enc_free(&b);
        if (rc)
            return rc;
        if (n)
            return 1;
    }
    return 0;
}

static int insert(ot_term tab, ot_term obj, bool only_new)
{
    ets_ref r;
    int rc = ot__ets_acquire(tab, true, true, &r);
    if (rc)
        return rc;
    ets_table *t = r.t;
    size_t count = 0;
    rc = check_objects(t, obj, &count);
    if (!rc && !ot_is_tuple(obj))
        rc = check_encodable(t, obj);
    if (!rc && only_new)
        rc = any_key_present(t, obj);
    if (rc == 0) {
        if (ot_is_tuple(obj)) {
            rc = insert_one(t, obj);
        } else if (t->type == ETS_BAG && count > 1) {
            /* OTP 25 puts a list into a bag last element first. */
            ot_term stackv[32];
            ot_term *v = count <= 32 ? stackv : ot__malloc(count * sizeof *v);
            if (!v) {
                rc = -ENOMEM;
            } else {
                size_t i = 0;
                for (ot_term l = obj; l != OT_NIL; l = ot_tl(l))
                    v[i++] = ot_hd(l);
                while (!rc && i-- > 0)
                    rc = insert_one(t, v[i]);
                if (v != stackv)
                    ot__free(v);
            }
        } else {
            for (ot_term l = obj; !rc && l != OT_NIL; l = ot_tl(l))
                rc = insert_one(t, ot_hd(l));
        }
    }
    ot__ets_release(&r);
    ot__ets_charge(count);
    if (only_new)
        return rc < 0 ? rc : rc == 1 ? 0 : 1;
    return rc;
}

int ot_ets_insert(ot_term tab, ot_term obj)
{
    return insert(tab, obj, false);
}

int ot_ets_insert_new(ot_term tab, ot_term obj)
{
    return insert(tab, obj, true);
}

/* ---------------------------------------------------------------- lookup */

/* A read (or write) of the objects under one key, with the key encoded. */
typedef struct keyed {
    ets_ref r;
    ets_enc b;
    uint8_t mem[STACK_BUF];
    ets_key k;
} keyed;

static int keyed_begin(keyed *q, ot_term tab, ot_term key, bool write)
{
    int rc = ot__ets_acquire(tab, write, write, &q->r);
    if (rc)
        return rc;
    ets_enc_init(&q->b, q->mem, sizeof q->mem);
    rc = key_prep(q->r.t, key, &q->b, &q->k);
    if (rc) {
        ets_enc_free(&q->b);
        ot__ets_release(&q->r);
    }
    return rc;
}

static void keyed_end(keyed *q, size_t objects)
{
    ets_enc_free(&q->b);
    ot__ets_release(&q->r);
    ot__ets_charge(objects);
}

int ot_ets_lookup(ot_heap *h, ot_term tab, ot_term key, ot_term *out)
{
    if (!h || !out)
        return -EINVAL;
    keyed q;
    int rc = keyed_begin(&q, tab, key, false);
    if (rc)
        return rc;
    uint8_t *const *objs;
    uint8_t *one;
    size_t n = find(q.r.t, &q.k, &objs, &one);
    ot_term l = n ? objs_list(h, objs, n) : OT_NIL;
    keyed_end(&q, n);
    if (l == OT_NONE)
        return -ENOMEM;
    *out = l;
    return 0;
}

int ot_ets_lookup_element(ot_heap *h, ot_term tab, ot_term key, size_t pos, ot_term *out)
{
    if (!h || !out)
        return -EINVAL;
    keyed q;
    int rc = keyed_begin(&q, tab, key, false);
    if (rc)
        return rc;
    uint8_t *const *objs;
    uint8_t *one;
    size_t n = find(q.r.t, &q.k, &objs, &one);
    ot_term v = OT_NIL;
    if (!n)
        rc = -ENOENT;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t len;
        if (!ot__ets_obj_elem(objs[i], pos, &len))
            rc = -EINVAL;
    }
    bool bag = q.r.t->type == ETS_BAG || q.r.t->type == ETS_DUPLICATE_BAG;
    for (size_t i = n; i-- > 0 && !rc;) {
        size_t len;
        const uint8_t *p = ot__ets_obj_elem(objs[i], pos, &len);
        ot_term e = ot__ets_decode(h, &p);
        if (e == OT_NONE || (bag && (e = ot_cons(h, e, v)) == OT_NONE))
            rc = -ENOMEM;
        v = e;
    }
    keyed_end(&q, n);
    if (!rc)
        *out = v;
    return rc;
}

int ot_ets_member(ot_term tab, ot_term key)
{
    keyed q;
    int rc = keyed_begin(&q, tab, key, false);
    if (rc)
        return rc;
    uint8_t *const *objs;
    uint8_t *one;
    size_t n = find(q.r.t, &q.k, &objs, &one);
    keyed_end(&q, 0);
    return n ? 1 : 0;
}

/* ---------------------------------------------------------------- delete */

int ot_ets_delete_key(ot_term tab, ot_term key)
{
    keyed q;
    int rc = keyed_begin(&q, tab, key, true);
    if (rc)
        return rc;
    size_t n = remove_key(q.r.t, &q.k);
    keyed_end(&q, n);
    return 0;
}

int ot_ets_take(ot_heap *h, ot_term tab, ot_term key, ot_term *out)
{
    if (!h || !out)
        return -EINVAL;
    keyed q;
    int rc = keyed_begin(&q, tab, key, true);
    if (rc)
        return rc;
    uint8_t *const *objs;
    uint8_t *one;
    size_t n = find(q.r.t, &q.k, &objs, &one);
    ot_term l = n ? objs_list(h, objs, n) : OT_NIL;
    if (l != OT_NONE)
        remove_key(q.r.t, &q.k);
    keyed_end(&q, n);
    if (l == OT_NONE)
        return -ENOMEM;
    *out = l;
    return 0;
}

static bool equal_pred(const uint8_t *o, void *arg)
{
    return ot__ets_obj_equal(o, arg);
}

int ot_ets_delete_object(ot_term tab, ot_term obj)
{
    ets_ref r;
    int rc = ot__ets_acquire(tab, true, true, &r);
    if (rc)
        return rc;
    ets_table *t = r.t;
    uint8_t mem[STACK_BUF];
    ets_enc b;
    ets_enc_init(&b, mem, sizeof mem);
    size_t start;
    rc = ot__ets_enc_object(&b, obj, t->keypos, &start);
    if (!rc) {
        uint8_t *enc = b.buf.bytes + start;
        ets_key k;
        key_in(t, enc, obj, &k);
        if (is_tree(t)) {
            ets_node *n = ot__ets_tree_find(t, &k);
            if (n && ot__ets_obj_equal(n->obj, enc)) {
                ot__ets_tree_remove(t, &k);
                ot__ets_drop(t, n->obj);
            }
        } else {
            ot__ets_hash_remove_if(t, &k, equal_pred, enc, ot__ets_drop);
        }
    }
    ets_enc_free(&b);
    ot__ets_release(&r);
    ot__ets_charge(1);
    return rc;
}

int ot_ets_delete_all_objects(ot_term tab)
{
    ets_ref r;
    int rc = ot__ets_acquire(tab, true, true, &r);
    if (rc)
        return rc;
    ets_table *t = r.t;
    size_t n = t->size;
    ot__ets_store_free(t);
    if (!is_tree(t))
        rc = ot__ets_hash_init(t);
    ot__ets_release(&r);
    ot__ets_charge(n);
    return rc;
}

/* ---------------------------------------------------------------- counters */

/* a + b for integers of any size, on h. */
static ot_term int_add(ot_heap *h, ot_term a, ot_term b)
{
    int64_t x, y, s;
    if (!ot_get_int64(a, &x) && !ot_get_int64(b, &y) && !__builtin_add_overflow(x, y, &s))
        return ot_int(h, s);
    bool na, nb;
    const uint64_t *la, *lb;
    uint64_t sa[2], sb[2];
    ssize_t ma = ot_bigint_limbs(a, &na, &la), mb = ot_bigint_limbs(b, &nb, &lb);
    if (ma < 0 || mb < 0)
        return OT_NONE;
    /* ot_bigint_limbs may hand back a static for small integers. */
    if (ma <= 2) {
        memcpy(sa, la, (size_t)ma * 8);
        la = sa;
    }
    if (mb <= 2) {
        memcpy(sb, lb, (size_t)mb * 8);
        lb = sb;
    }
    size_t n = (size_t)(ma > mb ? ma : mb) + 1;
    uint64_t *r = ot__malloc(n * 8);
    if (!r)
        return OT_NONE;
    bool neg;
    if (na == nb) {
        unsigned __int128 c = 0;
        for (size_t i = 0; i < n; i++) {
            c += (unsigned __int128)(i < (size_t)ma ? la[i] : 0) + (i < (size_t)mb ? lb[i] : 0);
            r[i] = (uint64_t)c;
            c >>= 64;
        }
        neg = na;
    } else {
        /* |a| - |b| or |b| - |a|, whichever is not negative */
        int cmp = 0;
        for (size_t i = n; i-- > 0 && !cmp;) {
            uint64_t u = i < (size_t)ma ? la[i] : 0, v = i < (size_t)mb ? lb[i] : 0;
            cmp = u < v ? -1 : u > v;
        }
        const uint64_t *big = cmp >= 0 ? la : lb, *small = cmp >= 0 ? lb : la;
        size_t nbig = (size_t)(cmp >= 0 ? ma : mb), nsmall = (size_t)(cmp >= 0 ? mb : ma);
        uint64_t borrow = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t u = i < nbig ? big[i] : 0, v = i < nsmall ? small[i] : 0;
            uint64_t d = u - v - borrow;
            borrow = (u < v) || (u - v < borrow);
            r[i] = d;
        }
        neg = cmp >= 0 ? na : nb;
    }
    ot_term t = ot_bigint(h, neg, r, n);
    ot__free(r);
    return t;
}

/* One parsed update op. */
typedef struct upd {
    size_t pos;
    ot_term incr, thr, set;     /* thr OT_NONE: no threshold */
} upd;

static int parse_upd(const ets_table *t, ot_term op, upd *u)
{
    u->thr = u->set = OT_NONE;
    if (ot_is_int(op)) {
        u->pos = t->keypos + 1;
        u->incr = op;
        return 0;
    }
    size_t n = ot_tuple_arity(op);
    int64_t pos;
    if ((n != 2 && n != 4) || ot_get_int64(ot_tuple_get(op, 0), &pos) || pos < 1 ||
        (uint64_t)pos == t->keypos || !ot_is_int(ot_tuple_get(op, 1)))
        return -EINVAL;
    u->pos = (size_t)pos;
    u->incr = ot_tuple_get(op, 1);
    if (n == 4) {
        u->thr = ot_tuple_get(op, 2);
        u->set = ot_tuple_get(op, 3);
        if (!ot_is_int(u->thr) || !ot_is_int(u->set))
            return -EINVAL;
    }
    return 0;
}

/* Replaces the object of key k by the tuple elems[0..n) (scratch on hs). */
static int replace(ets_table *t, const ets_key *k, ot_heap *hs, const ot_term *elems, size_t n)
{
    ot_term obj = ot_tuplev(hs, n, elems);
    if (obj == OT_NONE)
        return -ENOMEM;
    uint8_t mem[STACK_BUF];
    ets_enc b;
    ets_enc_init(&b, mem, sizeof mem);
    size_t start;
    int rc = ot__ets_enc_object(&b, obj, t->keypos, &start);
    if (!rc) {
        ets_key nk = *k;
        nk.term = ot_tuple_get(obj, t->keypos - 1);
        rc = store(t, &nk, b.buf.bytes + start, b.buf.len - start, b.refc);
    }
    ets_enc_free(&b);
    return rc;
}

/* The object of key k decoded on hs as an element array (*elems on hs),
 * inserting default_obj (with the key put in) when there is none. */
static int current_elems(ets_table *t, const ets_key *k, ot_term default_obj, ot_heap *hs,
                         ot_term **elems, size_t *n)
{
    uint8_t *const *objs;
    uint8_t *one;
    ot_term cur;
    bool dflt = false;
    if (find(t, k, &objs, &one)) {
        cur = ot__ets_obj_decode(hs, objs[0]);
    } else {
        dflt = true;
        if (default_obj == OT_NONE)
            return -ENOENT;
        if (!ot_is_tuple(default_obj) || ot_tuple_arity(default_obj) < t->keypos)
            return -EINVAL;
        cur = default_obj;
    }
    if (cur == OT_NONE)
        return -ENOMEM;
    *n = ot_tuple_arity(cur);
    *elems = (ot_term *)ot__heap_alloc(hs, *n ? *n : 1);
    if (!*elems)
        return -ENOMEM;
    for (size_t i = 0; i < *n; i++)
        (*elems)[i] = ot_tuple_get(cur, i);
    if (dflt)
        (*elems)[t->keypos - 1] = k->term; /* a default's key is the one asked for */
    return 0;
}

int ot_ets_update_counter(ot_heap *h, ot_term tab, ot_term key, ot_term op, ot_term default_obj,
                          ot_term *out)
{
    if (!h || !out)
        return -EINVAL;
    keyed q;
    int rc = keyed_begin(&q, tab, key, true);
    if (rc)
        return rc;
    ets_table *t = q.r.t;
    ot_heap *hs = ot_heap_new();
    bool list = ot_is_list(op);
    ssize_t nops = list ? ot_list_length(op) : 1;
    if (!hs)
        rc = -ENOMEM;
    else if (t->type == ETS_BAG || t->type == ETS_DUPLICATE_BAG || nops < 0)
        rc = -EINVAL;
    ot_term *elems = NULL;
    size_t n = 0;
    if (!rc) {
        /* Check every op before touching anything. */
        for (ot_term l = op; !rc && (list ? l != OT_NIL : l != OT_NONE); l = list ? ot_tl(l) : OT_NONE) {
            upd u;
            rc = parse_upd(t, list ? ot_hd(l) : l, &u);
        }
    }
    if (!rc)
        rc = current_elems(t, &q.k, default_obj, hs, &elems, &n);
    ot_term *vals = NULL;
    if (!rc && !(vals = (ot_term *)ot__heap_alloc(hs, nops ? (size_t)nops : 1)))
        rc = -ENOMEM;
    size_t i = 0;
    for (ot_term l = op; !rc && (list ? l != OT_NIL : l != OT_NONE); l = list ? ot_tl(l) : OT_NONE) {
        upd u;
        parse_upd(t, list ? ot_hd(l) : l, &u);
        if (u.pos > n || !ot_is_int(elems[u.pos - 1])) {
            rc = -EINVAL;
            break;
        }
        ot_term v = int_add(hs, elems[u.pos - 1], u.incr);
        if (v == OT_NONE) {
            rc = -ENOMEM;
            break;
        }
        if (u.thr != OT_NONE) {
            bool up = ot_compare(u.incr, ot_int(NULL, 0)) >= 0;
            int c = ot_compare(v, u.thr);
            if ((up && c > 0) || (!up && c < 0))
                v = u.set;
        }
        elems[u.pos - 1] = v;
        vals[i++] = v;
    }
    if (!rc)
        rc = replace(t, &q.k, hs, elems, n);
    if (!rc) {
        ot_term res = list ? ot_listv(hs, i, vals) : vals[0];
        if (res != OT_NONE)
            res = ot_copy(h, res);
        if (res == OT_NONE)
            rc = -ENOMEM;
        else
            *out = res;
    }
    ot_heap_free(hs);
    keyed_end(&q, 1);
    return rc;
}

int ot_ets_update_element(ot_term tab, ot_term key, ot_term changes)
{
    keyed q;
    int rc = keyed_begin(&q, tab, key, true);
    if (rc)
        return rc;
    ets_table *t = q.r.t;
    bool list = ot_is_list(changes);
    ot_heap *hs = NULL;
    if (t->type == ETS_BAG || t->type == ETS_DUPLICATE_BAG || (list && ot_list_length(changes) < 0))
        rc = -EINVAL;
    else if (!(hs = ot_heap_new()))
        rc = -ENOMEM;
    ot_term *elems = NULL;
    size_t n = 0;
    int found = 0;
    if (!rc) {
        rc = current_elems(t, &q.k, OT_NONE, hs, &elems, &n);
        found = rc == 0;
        if (rc == -ENOENT)
            rc = 0;
    }
    for (ot_term l = changes; found && !rc && (list ? l != OT_NIL : l != OT_NONE);
         l = list ? ot_tl(l) : OT_NONE) {
        ot_term c = list ? ot_hd(l) : l;
        int64_t pos;
        if (ot_tuple_arity(c) != 2 || ot_get_int64(ot_tuple_get(c, 0), &pos) || pos < 1 ||
            (uint64_t)pos > n || (uint64_t)pos == t->keypos) {
            rc = -EINVAL;
            break;
        }
        elems[pos - 1] = ot_tuple_get(c, 1);
    }
    if (found && !rc)
        rc = replace(t, &q.k, hs, elems, n);
    ot_heap_free(hs);
    keyed_end(&q, 1);
    return rc ? rc : found;
}

/* ---------------------------------------------------------------- walks */

static int walk(ets_table *t, int (*each)(uint8_t *, void *), void *arg)
{
    return is_tree(t) ? ot__ets_tree_walk(t, each, arg) : ot__ets_hash_walk(t, each, arg);
}

/* A growable array of terms (for results built in table order). */
typedef struct tvec {
    ot_term *v;
    size_t n, cap;
} tvec;

static int tvec_push(tvec *a, ot_term t)
{
    if (t == OT_NONE)
        return -ENOMEM;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        ot_term *v = ot__realloc(a->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = t;
    return 0;
}

static ot_term tvec_list(ot_heap *h, tvec *a)
{
    ot_term l = a->n ? ot_listv(h, a->n, a->v) : OT_NIL;
    ot__free(a->v);
    a->v = NULL;
    return l;
}

typedef struct collect {
    ot_heap *h;
    tvec out;
} collect;

static int collect_each(uint8_t *o, void *arg)
{
    collect *c = arg;
    return tvec_push(&c->out, ot__ets_obj_decode(c->h, o));
}

int ot_ets_tab2list(ot_heap *h, ot_term tab, ot_term *out)
{
    if (!h || !out)
        return -EINVAL;
    ets_ref r;
    int rc = ot__ets_acquire(tab, false, false, &r);
    if (rc)
        return rc;
    collect c = {h, {0}};
    rc = walk(r.t, collect_each, &c);
    size_t n = r.t->size;
    ot__ets_release(&r);
    ot_term l = tvec_list(h, &c.out);
    ot__ets_charge(n);
    if (rc || l == OT_NONE)
        return -ENOMEM;
    *out = l;
    return 0;
}

/* ---------------------------------------------------------------- match */

/* Does pattern p contain no variable (so it names one key)? */
static bool ground(ot_term p)
{
    switch (ot_typeof(p)) {
    case OT_TYPE_VAR:
        return false;
    case OT_TYPE_TUPLE:
        for (size_t i = 0; i < ot_tuple_arity(p); i++)
            if (!ground(ot_tuple_get(p, i)))
                return false;
        return true;
    case OT_TYPE_LIST:
        while (ot_is_list(p) && p != OT_NIL) {
            if (!ground(ot_hd(p)))
                return false;
            p = ot_tl(p);
        }
        return p == OT_NIL || ground(p);
    case OT_TYPE_MAP:
        for (size_t i = 0; i < ot_map_size(p); i++)
            if (!ground(ot_map_key(p, i)) || !ground(ot_map_value(p, i)))
                return false;
        return true;
    case OT_TYPE_NONE:
        return false;
    default:
        return true;
    }
}

enum { M_OBJECT, M_BINDS, M_DELETE };

typedef struct matcher {
    ot_term pat;
    size_t arity;           /* the pattern's, or 0 if it is not a tuple */
    size_t nvars;
    ot_term *binds;
    ot_heap *scratch;
    ot_heap *h;             /* results */
    int mode;
    tvec out;
    int err;
} matcher;

/* Does stored object o match? (The scratch heap holds its term after.) */
static bool matches(matcher *m, const uint8_t *o)
{
    if (m->arity && ot__ets_obj_arity(o) != m->arity)
        return false;
    ot_heap_reset(m->scratch);
    ot_term t = ot__ets_obj_decode(m->scratch, o);
    if (t == OT_NONE) {
        m->err = -ENOMEM;
        return false;
    }
    if (!ot_match(m->pat, t, m->binds))
        return false;
    if (m->mode == M_OBJECT) {
        m->err = tvec_push(&m->out, ot_copy(m->h, t));
    } else if (m->mode == M_BINDS) {
        ot_term l = ot_listv(m->scratch, m->nvars, m->binds);
        m->err = tvec_push(&m->out, l == OT_NONE ? OT_NONE : ot_copy(m->h, l));
    }
    return true;
}

static int match_each(uint8_t *o, void *arg)
{
    matcher *m = arg;
    matches(m, o);
    return m->err;
}

static bool match_pred(const uint8_t *o, void *arg)
{
    matcher *m = arg;
    return !m->err && matches(m, o);
}

static ssize_t match_run(ot_heap *h, ot_term tab, ot_term pattern, int mode, ot_term *out)
{
    if (pattern == OT_NONE || (mode != M_DELETE && (!h || !out)))
        return -EINVAL;
    ets_ref r;
    bool write = mode == M_DELETE;
    int rc = ot__ets_acquire(tab, write, write, &r);
    if (rc)
        return rc;
    ets_table *t = r.t;
    matcher m = {pattern, ot_is_tuple(pattern) ? ot_tuple_arity(pattern) : 0,
                 ot_pattern_vars(pattern), NULL, ot_heap_new(), h, mode, {0}, 0};
    ot_term bindmem[16];
    m.binds = m.nvars <= 16 ? bindmem : ot__malloc(m.nvars * sizeof *m.binds);
    if (!m.scratch || !m.binds)
        m.err = -ENOMEM;
    size_t before = t->size, seen = t->size;
    if (!m.err && !ot_is_tuple(pattern) && ot_typeof(pattern) != OT_TYPE_VAR) {
        /* matches no object: objects are tuples */
    } else if (!m.err && m.arity >= t->keypos && ground(ot_tuple_get(pattern, t->keypos - 1))) {
        /* The key is given: look at that key only. */
        uint8_t mem[STACK_BUF];
        ets_enc b;
        ets_enc_init(&b, mem, sizeof mem);
        ets_key k;
        m.err = key_prep(t, ot_tuple_get(pattern, t->keypos - 1), &b, &k);
        if (!m.err && write && is_tree(t)) {
            ets_node *n = ot__ets_tree_find(t, &k);
            if (n && match_pred(n->obj, &m)) {
                ot__ets_tree_remove(t, &k);
                ot__ets_drop(t, n->obj);
            }
        } else if (!m.err && write) {
            ot__ets_hash_remove_if(t, &k, match_pred, &m, ot__ets_drop);
        } else if (!m.err) {
            uint8_t *const *objs;
            uint8_t *one;
            size_t n = find(t, &k, &objs, &one);
            for (size_t i = 0; i < n && !m.err; i++)
                matches(&m, objs[i]);
            seen = n;
        }
        ets_enc_free(&b);
    } else if (!m.err && write && is_tree(t)) {
        /* Collect the matching objects, then remove them by key. */
        ot_heap *kh = ot_heap_new();
        m.mode = M_OBJECT;
        m.h = kh;
        if (!kh)
            m.err = -ENOMEM;
        else
            ot__ets_tree_walk(t, match_each, &m);
        for (size_t i = 0; !m.err && i < m.out.n; i++) {
            ets_key k = {ot_tuple_get(m.out.v[i], t->keypos - 1), NULL, 0, 0};
            ets_node *n = ot__ets_tree_remove(t, &k);
            if (n)
                ot__ets_drop(t, n->obj);
        }
        ot__free(m.out.v);
        m.out.v = NULL;
        m.out.n = 0;
        ot_heap_free(kh);
    } else if (!m.err && write) {
        ot__ets_hash_filter(t, match_pred, &m, ot__ets_drop);
    } else if (!m.err) {
        walk(t, match_each, &m);
    }
    size_t gone = before - t->size;
    ot__ets_release(&r);
    ot_heap_free(m.scratch);
    if (m.binds != bindmem)
        ot__free(m.binds);
    ot__ets_charge(seen);
    if (mode == M_DELETE) {
        ot__free(m.out.v);
        return m.err ? m.err : (ssize_t)gone;
    }
    ot_term l = tvec_list(h, &m.out);
    if (m.err || l == OT_NONE)
        return m.err ? m.err : -ENOMEM;
    *out = l;
    return 0;
}

int ot_ets_match_object(ot_heap *h, ot_term tab, ot_term pattern, ot_term *out)
{
    return (int)match_run(h, tab, pattern, M_OBJECT, out);
}

int ot_ets_match(ot_heap *h, ot_term tab, ot_term pattern, ot_term *out)
{
    return (int)match_run(h, tab, pattern, M_BINDS, out);
}

ssize_t ot_ets_match_delete(ot_term tab, ot_term pattern)
{
    return match_run(NULL, tab, pattern, M_DELETE, NULL);
}

/* ---------------------------------------------------------------- traversal */

enum { T_FIRST, T_LAST, T_NEXT, T_PREV };

static int traverse(ot_heap *h, ot_term tab, ot_term key, int how, ot_term *out)
{
    if (!h || !out)
        return -EINVAL;
    ets_ref r;
    int rc = ot__ets_acquire(tab, false, false, &r);
    if (rc)
        return rc;
    ets_table *t = r.t;
    const uint8_t *o = NULL;
    uint8_t mem[STACK_BUF];
    ets_enc b;
    ets_enc_init(&b, mem, sizeof mem);
    ets_key k;
    if (how == T_NEXT || how == T_PREV)
        rc = key_prep(t, key, &b, &k);
    if (rc) {
        /* a bad key */
    } else if (is_tree(t)) {
        ets_node *n = how == T_FIRST ? ot__ets_tree_first(t)
                      : how == T_LAST ? ot__ets_tree_last(t)
                      : how == T_NEXT ? ot__ets_tree_next(t, &k)
                                      : ot__ets_tree_prev(t, &k);
        o = n ? n->obj : NULL;
    } else {
        size_t pos = 0;
        if (how == T_NEXT || how == T_PREV) {
            pos = ot__ets_hash_pos(t, &k);
            if (pos == (size_t)-1)
                rc = -EINVAL;
            pos++;
        }
        if (!rc)
            o = ot__ets_hash_at(t, &pos);
    }
    ot_term v = OT_NONE;
    if (!rc && o) {
        size_t len;
        const uint8_t *p = ot__ets_obj_elem(o, t->keypos, &len);
        v = ot__ets_decode(h, &p);
        if (v == OT_NONE)
            rc = -ENOMEM;
    }
    ets_enc_free(&b);
    ot__ets_release(&r);
    ot__ets_charge(0);
    if (rc)
        return rc;
    *out = o ? v : OT__ATOM(END_OF_TABLE);
    return o ? 1 : 0;
}

int ot_ets_first(ot_heap *h, ot_term tab, ot_term *key) { return traverse(h, tab, OT_NIL, T_FIRST, key); }
int ot_ets_last(ot_heap *h, ot_term tab, ot_term *key) { return traverse(h, tab, OT_NIL, T_LAST, key); }
int ot_ets_next(ot_heap *h, ot_term tab, ot_term key, ot_term *next)
{
    return traverse(h, tab, key, T_NEXT, next);
}
int ot_ets_prev(ot_heap *h, ot_term tab, ot_term key, ot_term *prev)
{
    return traverse(h, tab, key, T_PREV, prev);
}

/* ---------------------------------------------------------------- foldl */

typedef struct snap {
    uint8_t *buf;
    size_t len, cap;
    int err;
} snap;

static int snap_each(uint8_t *o, void *arg)
{
    snap *s = arg;
    size_t n = ets_obj_size(o);
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        while (cap < s->len + n)
            cap *= 2;
        uint8_t *b = ot__realloc(s->buf, cap);
        if (!b)
            return s->err = -ENOMEM;
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, o, n);
    ot__ets_obj_retain(s->buf + s->len);
    s->len += n;
    return 0;
}

int ot_ets_foldl(ot_term tab, ot_ets_fold_fn fn, void *acc)
{
    if (!fn)
        return -EINVAL;
    ets_ref r;
    int rc = ot__ets_acquire(tab, false, false, &r);
    if (rc)
        return rc;
    snap s = {0};
    walk(r.t, snap_each, &s);
    size_t n = r.t->size;
    ot__ets_release(&r);
    ot__ets_charge(n);
    ot_heap *h = s.err ? NULL : ot_heap_new();
    rc = s.err ? s.err : h ? 0 : -ENOMEM;
    for (size_t at = 0; at < s.len; at += ets_obj_size(s.buf + at)) {
        if (!rc) {
            ot_heap_reset(h);
            ot_term o = ot__ets_obj_decode(h, s.buf + at);
            rc = o == OT_NONE ? -ENOMEM : fn(o, acc);
        }
        ot__ets_obj_release(s.buf + at);
    }
    ot_heap_free(h);
    ot__free(s.buf);
    return rc;
}
