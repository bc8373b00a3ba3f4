/* hash.c — storage of set, bag and duplicate_bag tables: open addressing
 * with linear probing over 8-byte entries (16 bits of hash beside a
 * 48-bit pointer, so most mismatches are seen without touching the
 * object), positions from the hash's top bits scaled to the capacity
 * (which doubles, keeping the load between 0.4 and 0.8: doubling rather
 * than growing by half rehashes each entry once instead of twice, for
 * 4.7 bytes more per object at a million), and
 * deletion by shifting the following entries back (no tombstones).
 * Keys compare by their canonical bytes (flat.c). */
#include <errno.h>
#include <string.h>

#include "ets/ets_internal.h"

#define PTR_MASK ((UINT64_C(1) << 48) - 1)
#define MIN_CAP 8
#define GROUP_BIT 1u

static inline size_t home(size_t cap, uint64_t h)
{
    return (size_t)(((unsigned __int128)h * cap) >> 64);
}
static inline uint64_t tag_of(uint64_t h) { return h & 0xffff; }
static inline uint64_t entry(uint64_t h, const void *p)
{
    return (tag_of(h) << 48) | (uint64_t)(uintptr_t)p;
}
static inline bool is_group(uint64_t e) { return e & GROUP_BIT; }
static inline ets_group *group_of(uint64_t e)
{
    return (ets_group *)(uintptr_t)((e & PTR_MASK) & ~(uint64_t)GROUP_BIT);
}
static inline uint8_t *first_obj(uint64_t e)
{
    return is_group(e) ? group_of(e)->objs[0] : (uint8_t *)(uintptr_t)(e & PTR_MASK);
}

static void account_slots(ets_table *t, size_t cap, int sign)
{
    ets_account(t, sign * (int64_t)(cap * sizeof(uint64_t)));
}

static void account_group(ets_table *t, uint32_t cap, int sign)
{
    ets_account(t, sign * (int64_t)(sizeof(ets_group) + cap * sizeof(uint8_t *)));
}

int ot__ets_hash_init(ets_table *t)
{
    t->hash.slots = ot__ets_big_alloc(MIN_CAP * sizeof(uint64_t), true, &t->hash.slots_raw);
    if (!t->hash.slots)
        return -ENOMEM;
    t->hash.cap = MIN_CAP;
    t->hash.keys = 0;
    account_slots(t, MIN_CAP, 1);
    return 0;
}

void ot__ets_hash_free(ets_table *t)
{
    if (t->hash.slots) {
        account_slots(t, t->hash.cap, -1);
        ot__free(t->hash.slots_raw);
    }
    t->hash.slots = NULL;
    t->hash.cap = t->hash.keys = 0;
}

void ot__ets_key_of(const ets_table *t, const uint8_t *o, ets_key *k)
{
    k->term = OT_NONE;
    k->bytes = ot__ets_obj_elem(o, t->keypos, &k->len);
    k->hash = ot__ets_hash(k->bytes, k->len);
}

/* Does stored object o have key k? Encodings are prefix-free, so equal
 * leading bytes within o mean equal keys. */
static inline bool has_key(const ets_table *t, const uint8_t *o, const ets_key *k)
{
    size_t blen;
    const uint8_t *body = ets_obj_body(o, &blen, NULL);
    const uint8_t *end = body + blen;
    const uint8_t *kp;
    if (t->keypos == 1 && *body >= 0x50 && *body <= 0x5e) {
        kp = body + 1; /* small tuple, key first: the common case */
    } else {
        size_t klen;
        kp = ot__ets_obj_elem(o, t->keypos, &klen);
    }
    if ((size_t)(end - kp) < k->len)
        return false;
    if (k->len <= 8) { /* short keys: no call */
        for (size_t i = 0; i < k->len; i++)
            if (kp[i] != k->bytes[i])
                return false;
        return true;
    }
    return memcmp(kp, k->bytes, k->len) == 0;
}

static uint64_t entry_hash(const ets_table *t, uint64_t e)
{
    ets_key k;
    ot__ets_key_of(t, first_obj(e), &k);
    return k.hash;
}

/* The position of key k's entry, or (size_t)-1. */
static size_t find_pos(const ets_table *t, const ets_key *k)
{
    const ets_hash *hs = &t->hash;
    uint64_t tag = tag_of(k->hash);
    size_t i = home(hs->cap, k->hash);
    for (;;) {
        uint64_t e = hs->slots[i];
        if (!e)
            return (size_t)-1;
        if ((e >> 48) == tag && has_key(t, first_obj(e), k))
            return i;
        if (++i == hs->cap)
            i = 0;
    }
}

size_t ot__ets_hash_pos(ets_table *t, const ets_key *k)
{
    return find_pos(t, k);
}

size_t ot__ets_hash_find(ets_table *t, const ets_key *k, uint8_t *const **objs, uint8_t **one)
{
    size_t i = find_pos(t, k);
    if (i == (size_t)-1)
        return 0;
    uint64_t e = t->hash.slots[i];
    if (is_group(e)) {
        ets_group *g = group_of(e);
        *objs = g->objs;
        return g->n;
    }
    *one = (uint8_t *)(uintptr_t)(e & PTR_MASK);
    *objs = one;
    return 1;
}

/* Rehashes every entry into a new array of cap entries. Entries are
 * taken in batches: the objects of the next batch are prefetched while
 * this batch's hashes are computed and their new places prefetched, so
 * that the misses of a big table overlap instead of adding up. */
#define BATCH 16
static int resize(ets_table *t, size_t cap)
{
    ets_hash *hs = &t->hash;
    void *raw;
    uint64_t *slots = ot__ets_big_alloc(cap * sizeof(uint64_t), true, &raw);
    if (!slots)
        return -ENOMEM;
    size_t homes[BATCH];
    for (size_t i = 0; i < BATCH && i < hs->cap; i++)
        if (hs->slots[i])
            __builtin_prefetch((const void *)(uintptr_t)(hs->slots[i] & PTR_MASK));
    for (size_t base = 0; base < hs->cap; base += BATCH) {
        size_t n = hs->cap - base < BATCH ? hs->cap - base : BATCH;
        for (size_t j = base + BATCH; j < base + 2 * BATCH && j < hs->cap; j++)
            if (hs->slots[j])
                __builtin_prefetch((const void *)(uintptr_t)(hs->slots[j] & PTR_MASK));
        for (size_t j = 0; j < n; j++) {
            uint64_t e = hs->slots[base + j];
            if (!e)
                continue;
            homes[j] = home(cap, entry_hash(t, e));
            __builtin_prefetch(&slots[homes[j]], 1);
        }
        for (size_t j = 0; j < n; j++) {
            uint64_t e = hs->slots[base + j];
            if (!e)
                continue;
            size_t k = homes[j];
            while (slots[k])
                if (++k == cap)
                    k = 0;
            slots[k] = e;
        }
    }
    account_slots(t, hs->cap, -1);
    account_slots(t, cap, 1);
    ot__free(hs->slots_raw);
    hs->slots = slots;
    hs->slots_raw = raw;
    hs->cap = cap;
    return 0;
}

/* Room for one more key: doubles when the load would pass 0.8. */
static int reserve(ets_table *t)
{
    ets_hash *hs = &t->hash;
    if ((hs->keys + 1) * 5 <= hs->cap * 4)
        return 0;
    return resize(t, hs->cap * 2);
}

int ot__ets_hash_put(ets_table *t, const ets_key *k, uint8_t *o, uint8_t **old)
{
    ets_hash *hs = &t->hash;
    *old = NULL;
    size_t i = find_pos(t, k);
    if (i == (size_t)-1) {
        if (reserve(t))
            return -ENOMEM;
        i = home(hs->cap, k->hash);
        while (hs->slots[i])
            if (++i == hs->cap)
                i = 0;
        hs->slots[i] = entry(k->hash, o);
        hs->keys++;
        OT__ASSERT(hs->keys < hs->cap); /* an empty entry always ends a probe */
        return 0;
    }
    uint64_t e = hs->slots[i];
    if (t->type == ETS_SET) {
        *old = (uint8_t *)(uintptr_t)(e & PTR_MASK);
        hs->slots[i] = entry(k->hash, o);
        return 0;
    }
    ets_group *g;
    if (!is_group(e)) {
        uint8_t *first = (uint8_t *)(uintptr_t)(e & PTR_MASK);
        if (t->type == ETS_BAG && ot__ets_obj_equal(first, o))
            return 1;
        g = ot__malloc(sizeof *g + 4 * sizeof(uint8_t *));
        if (!g)
            return -ENOMEM;
        account_group(t, 4, 1);
        g->n = 1;
        g->cap = 4;
        g->objs[0] = first;
        hs->slots[i] = entry(k->hash, g) | GROUP_BIT;
    } else {
        g = group_of(e);
        if (t->type == ETS_BAG)
            for (uint32_t j = 0; j < g->n; j++)
                if (ot__ets_obj_equal(g->objs[j], o))
                    return 1;
        if (g->n == g->cap) {
            uint32_t cap = g->cap * 2;
            ets_group *ng = ot__realloc(g, sizeof *g + cap * sizeof(uint8_t *));
            if (!ng)
                return -ENOMEM;
            account_group(t, ng->cap, -1);
            account_group(t, cap, 1);
            ng->cap = cap;
            g = ng;
            hs->slots[i] = entry(k->hash, g) | GROUP_BIT;
        }
    }
    g->objs[g->n++] = o;
    return 0;
}

/* Empties entry i and shifts back the entries after it that may move. */
static void erase_at(ets_table *t, size_t i)
{
    ets_hash *hs = &t->hash;
    size_t j = i;
    for (;;) {
        if (++j == hs->cap)
            j = 0;
        uint64_t e = hs->slots[j];
        if (!e)
            break;
        size_t h = home(hs->cap, entry_hash(t, e));
        /* e may fill the hole at i unless its home lies in (i, j]. */
        bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
        if (!stays) {
            hs->slots[i] = e;
            i = j;
        }
    }
    OT__ASSERT(hs->keys > 0);
    hs->slots[i] = 0;
    hs->keys--;
}

static void free_group(ets_table *t, ets_group *g)
{
    account_group(t, g->cap, -1);
    ot__free(g);
}

size_t ot__ets_hash_remove(ets_table *t, const ets_key *k, void (*drop)(ets_table *, uint8_t *))
{
    size_t i = find_pos(t, k);
    if (i == (size_t)-1)
        return 0;
    uint64_t e = t->hash.slots[i];
    size_t n = 1;
    erase_at(t, i);
    if (is_group(e)) {
        ets_group *g = group_of(e);
        n = g->n;
        for (uint32_t j = 0; j < g->n; j++)
            drop(t, g->objs[j]);
        free_group(t, g);
    } else {
        drop(t, (uint8_t *)(uintptr_t)(e & PTR_MASK));
    }
    return n;
}

/* Keeps the objects of entry i for which pred is false; returns how many
 * went. The entry may be erased (then entries after it shift back). */
static size_t filter_entry(ets_table *t, size_t i, bool (*pred)(const uint8_t *, void *), void *arg,
                           void (*drop)(ets_table *, uint8_t *))
{
    ets_hash *hs = &t->hash;
    uint64_t e = hs->slots[i];
    if (!is_group(e)) {
        uint8_t *o = (uint8_t *)(uintptr_t)(e & PTR_MASK);
        if (!pred(o, arg))
            return 0;
        erase_at(t, i);
        drop(t, o);
        return 1;
    }
    ets_group *g = group_of(e);
    uint32_t kept = 0;
    size_t gone = 0;
    for (uint32_t j = 0; j < g->n; j++) {
        uint8_t *o = g->objs[j];
        if (pred(o, arg)) {
            drop(t, o);
            gone++;
        } else {
            g->objs[kept++] = o;
        }
    }
    g->n = kept;
    uint64_t tag = e >> 48;
    if (kept == 0) {
        erase_at(t, i);
        free_group(t, g);
    } else if (kept == 1) {
        hs->slots[i] = (tag << 48) | (uint64_t)(uintptr_t)g->objs[0];
        free_group(t, g);
    }
    return gone;
}

size_t ot__ets_hash_remove_if(ets_table *t, const ets_key *k, bool (*pred)(const uint8_t *, void *),
                              void *arg, void (*drop)(ets_table *, uint8_t *))
{
    size_t i = find_pos(t, k);
    return i == (size_t)-1 ? 0 : filter_entry(t, i, pred, arg, drop);
}

size_t ot__ets_hash_filter(ets_table *t, bool (*pred)(const uint8_t *, void *), void *arg,
                           void (*drop)(ets_table *, uint8_t *))
{
    ets_hash *hs = &t->hash;
    size_t gone = 0;
    /* An erase may shift a later entry into i (look at i again) or, at the
     * wrapped end of a cluster, an entry from the start to the end (seen
     * twice: harmless, it did not match the first time). */
    for (size_t i = 0; i < hs->cap;) {
        uint64_t e = hs->slots[i];
        if (!e) {
            i++;
            continue;
        }
        size_t g = filter_entry(t, i, pred, arg, drop);
        gone += g;
        if (!g || hs->slots[i] == e)
            i++;
    }
    return gone;
}

int ot__ets_hash_walk(ets_table *t, int (*each)(uint8_t *, void *), void *arg)
{
    ets_hash *hs = &t->hash;
    for (size_t i = 0; i < hs->cap; i++) {
        uint64_t e = hs->slots[i];
        if (!e)
            continue;
        int rc;
        if (is_group(e)) {
            ets_group *g = group_of(e);
            for (uint32_t j = 0; j < g->n; j++)
                if ((rc = each(g->objs[j], arg)))
                    return rc;
        } else if ((rc = each((uint8_t *)(uintptr_t)(e & PTR_MASK), arg))) {
            return rc;
        }
    }
    return 0;
}

uint8_t *ot__ets_hash_at(ets_table *t, size_t *pos)
{
    ets_hash *hs = &t->hash;
    for (size_t i = *pos; i < hs->cap; i++) {
        if (hs->slots[i]) {
            *pos = i;
            return first_obj(hs->slots[i]);
        }
    }
    return NULL;
}

void ot__ets_hash_clear(ets_table *t)
{
    ets_hash *hs = &t->hash;
    for (size_t i = 0; i < hs->cap; i++)
        if (hs->slots[i] && is_group(hs->slots[i]))
            free_group(t, group_of(hs->slots[i]));
    ot__ets_hash_free(t);
}

const char *ot__ets_hash_check(ets_table *t)
{
    ets_hash *hs = &t->hash;
    if (!hs->slots)
        return t->size ? ot__ets_check_fail(t, "objects but no hash entries") : NULL;
    size_t keys = 0;
    for (size_t i = 0; i < hs->cap; i++) {
        uint64_t e = hs->slots[i];
        if (!e)
            continue;
        keys++;
        ets_key k;
        ot__ets_key_of(t, first_obj(e), &k);
        if ((e >> 48) != tag_of(k.hash))
            return ot__ets_check_fail(t, "hash entry %zu's tag is not its key's", i);
        /* Linear probing: no empty entry between a key's home and it. */
        for (size_t j = home(hs->cap, k.hash); j != i; j = j + 1 == hs->cap ? 0 : j + 1)
            if (!hs->slots[j])
                return ot__ets_check_fail(t, "hash entry %zu cannot be reached from its key's home", i);
        if (!is_group(e))
            continue;
        ets_group *g = group_of(e);
        if (t->type == ETS_SET || g->n < 2 || g->n > g->cap)
            return ot__ets_check_fail(t, "hash entry %zu: a group of %u in room for %u", i, g->n, g->cap);
        for (uint32_t a = 0; a < g->n; a++) {
            if (!has_key(t, g->objs[a], &k))
                return ot__ets_check_fail(t, "hash entry %zu: a group member with another key", i);
            for (uint32_t b = a + 1; t->type == ETS_BAG && b < g->n && g->n <= 64; b++)
                if (ot__ets_obj_equal(g->objs[a], g->objs[b]))
                    return ot__ets_check_fail(t, "hash entry %zu: a bag holds an object twice", i);
        }
    }
    if (keys != hs->keys)
        return ot__ets_check_fail(t, "%zu hash entries used, counted %zu", keys, hs->keys);
    if (keys * 5 > hs->cap * 4)
        return ot__ets_check_fail(t, "%zu keys in %zu entries, past the load limit", keys, hs->cap);
    return NULL;
}
