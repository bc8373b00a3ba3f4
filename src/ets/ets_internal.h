/* ets_internal.h — what the files of src/ets/ share: the flat form objects
 * take inside a table, the arena they live in, the two kinds of storage
 * (hash for set/bag/duplicate_bag, an AVL tree for ordered_set), the table
 * lock and the table record.
 *
 * Layout in one paragraph: a table id resolves to a slot (never freed, so
 * a reader can always lock it) holding a reader-writer lock and a pointer
 * to the table record; the record owns an arena of chunks in which each
 * object is stored as a few bytes of flat encoding (flat.c); a hash table
 * of tagged 8-byte pointers (hash.c) or an AVL tree whose nodes hold their
 * object inline (tree.c) finds objects by key. Results are rebuilt as
 * terms on the caller's heap. */
#ifndef OTTER_ETS_INTERNAL_H
#define OTTER_ETS_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "otter/ets.h"
#include "term/term_internal.h"

/* ---------------------------------------------------------------- flat form
 *
 * An object is stored as a header, a varint (LEB128) of (body bytes << 1 |
 * has_refc), then the body: the tuple in a byte encoding where each term
 * starts with a tag byte (see flat.c). Atoms are stored by index, local
 * pids as their id and serial, small integers as varints, binaries of up
 * to 64 bytes inline, larger ones as a pointer to their shared buffer
 * (has_refc is then set and the table holds a reference). The key element
 * is always encoded canonically (binaries inline whatever their size), so
 * two keys are =:= exactly when their bytes are equal. */

#define ETS_MAX_DEPTH 2000

/* An encoding under way: its bytes (an ot__buf that usually starts in the
 * caller's memory) and whether they hold shared-binary pointers. */
typedef struct ets_enc {
    ot__buf buf;
    bool refc;          /* the encoding holds shared-binary pointers */
} ets_enc;

static inline void ets_enc_init(ets_enc *e, uint8_t *mem, size_t cap)
{
    ot__buf_init_mem(&e->buf, mem, cap);
    e->refc = false;
}
static inline void ets_enc_free(ets_enc *e) { ot__buf_free(&e->buf); }

/* Room for the longest object header. */
#define ETS_HDR_MAX 10

/* ot__ets_enc_object: encodes tuple obj as a stored object into b (header
 * included, starting at b->p + *start); the key (element keypos) is
 * canonical. 0, -EINVAL (not a tuple of at least keypos elements, or a
 * term that cannot be stored), -E2BIG, -ENOMEM. Shared binaries are not
 * yet referenced: ot__ets_obj_retain does that once the object is kept. */
int ot__ets_enc_object(ets_enc *b, ot_term obj, uint32_t keypos, size_t *start);
/* ot__ets_enc_key: the canonical encoding of a key term alone. */
int ot__ets_enc_key(ets_enc *b, ot_term key);

/* Stored objects. */
static inline size_t ets_varint_get(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    size_t v = 0;
    unsigned shift = 0;
    for (;;) {
        uint8_t c = *p++;
        v |= (size_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            break;
        shift += 7;
    }
    *pp = p;
    return v;
}
/* ets_obj_body: the body of stored object o and its length. */
static inline const uint8_t *ets_obj_body(const uint8_t *o, size_t *len, bool *refc)
{
    size_t h = ets_varint_get(&o);
    *len = h >> 1;
    if (refc)
        *refc = h & 1;
    return o;
}
/* Bytes of stored object o, header included. */
static inline size_t ets_obj_size(const uint8_t *o)
{
    const uint8_t *b = o;
    size_t h = ets_varint_get(&b);
    return (size_t)(b - o) + (h >> 1);
}
/* ot__ets_skip: the first byte after the term encoded at p. */
const uint8_t *ot__ets_skip(const uint8_t *p);
/* ot__ets_obj_elem: the encoding of element pos (1-based) of stored object
 * o and its length; NULL if the tuple is smaller. */
const uint8_t *ot__ets_obj_elem(const uint8_t *o, size_t pos, size_t *len);
/* ot__ets_obj_arity: the arity of stored object o. */
size_t ot__ets_obj_arity(const uint8_t *o);
/* ot__ets_decode: the term encoded at *pp, built on h; advances *pp.
 * OT_NONE if memory runs out. */
ot_term ot__ets_decode(ot_heap *h, const uint8_t **pp);
/* ot__ets_obj_decode: the stored object o as a term on h. */
ot_term ot__ets_obj_decode(ot_heap *h, const uint8_t *o);
/* Shared-binary references of a stored object: taken when it is stored,
 * dropped when it is freed. No-ops for objects without refc. */
void ot__ets_obj_retain(const uint8_t *o);
void ot__ets_obj_release(const uint8_t *o);
/* ot__ets_obj_equal: are two stored objects =:=? */
bool ot__ets_obj_equal(const uint8_t *a, const uint8_t *b);
/* ot__ets_hash: a 64-bit hash of n bytes. */
uint64_t ot__ets_hash(const uint8_t *p, size_t n);

/* ---------------------------------------------------------------- arena */

/* Objects (and tree nodes) live in chunks allocated with growing sizes;
 * freed blocks go to exact-size free lists (4-byte classes up to
 * ETS_SMALL_MAX); larger blocks are separate allocations. */
#define ETS_SMALL_MAX 256
#define ETS_NCLASSES (ETS_SMALL_MAX / 4 + 1)

typedef struct ets_chunk {
    struct ets_chunk *next;
    void *raw;              /* what to free */
    size_t size;            /* bytes of the chunk, header included */
    _Alignas(8) uint8_t data[];
} ets_chunk;

typedef struct ets_arena {
    ets_chunk *chunks;
    uint8_t *top, *end;
    void *free[ETS_NCLASSES];
    size_t bytes;           /* chunks and large blocks, as counted in `ets` */
    size_t free_bytes;      /* in the free lists */
    size_t next_chunk;
    unsigned align;         /* 4, or 8 for tree nodes */
} ets_arena;

struct ets_table;
void ot__ets_arena_init(ets_arena *a, unsigned align);
/* n bytes (rounded up to the alignment, at least 8); NULL if memory runs
 * out. The table's byte count moves with the arena's. */
void *ot__ets_alloc(struct ets_table *t, size_t n);
void ot__ets_free(struct ets_table *t, void *p, size_t n);
/* Frees every chunk (large blocks must have been freed by the caller). */
void ot__ets_arena_clear(struct ets_table *t);
/* ot__ets_big_alloc: n bytes (zeroed if asked); regions of 2 MiB and more
 * start on a 2 MiB boundary and are marked for transparent huge pages, so
 * that random lookups in a big table miss the TLB far less. *raw gets
 * what to give ot__free. NULL if memory runs out. */
void *ot__ets_big_alloc(size_t n, bool zero, void **raw);
static inline size_t ets_round(const ets_arena *a, size_t n)
{
    n = (n + a->align - 1) & ~(size_t)(a->align - 1);
    return n < 8 ? 8 : n;
}

/* ---------------------------------------------------------------- hash store */

/* Open addressing with linear probing over 8-byte entries: 0 is empty,
 * otherwise (tag << 48) | pointer, where tag is 16 bits of the key's hash.
 * For bag and duplicate_bag a pointer with bit 0 set is an ets_group of
 * the objects of one key (in insertion order); a key with one object
 * points to it directly. Positions come from the hash's top bits scaled
 * to the capacity, so capacities need not be powers of two. */
typedef struct ets_group {
    uint32_t n, cap;
    uint8_t *objs[];
} ets_group;

typedef struct ets_hash {
    uint64_t *slots;
    void *slots_raw;
    size_t cap;
    size_t keys;            /* used entries */
} ets_hash;

/* ---------------------------------------------------------------- tree store */

typedef struct ets_node {
    struct ets_node *l, *r;
    int32_t height;
    uint32_t pad;
    uint8_t obj[];          /* the stored object */
} ets_node;

typedef struct ets_tree {
    ets_node *root;
} ets_tree;

/* ---------------------------------------------------------------- lock */

/* A reader-writer lock whose readers count themselves in one of several
 * cache lines (a thread keeps to its own), so that readers on different
 * schedulers never write a shared line; a writer raises its flag and waits
 * for every count to drain. */
#define ETS_RCELLS 8

typedef struct ets_lock {
    _Alignas(64) _Atomic uint32_t writer;
    struct {
        _Alignas(64) _Atomic uint32_t n;
    } cells[ETS_RCELLS];
} ets_lock;

/* ---------------------------------------------------------------- tables */

enum ets_type { ETS_SET, ETS_ORDERED_SET, ETS_BAG, ETS_DUPLICATE_BAG };
enum ets_access { ETS_PROTECTED, ETS_PUBLIC, ETS_PRIVATE };

typedef struct ets_table {
    uint32_t idx, gen;          /* slot index and generation of its id */
    ot_term name;               /* atom */
    bool named;
    uint8_t type, access;
    uint32_t keypos;            /* 1-based */
    ot_term owner;              /* local pid */
    ot_term heir;               /* local pid or OT_NONE */
    uint8_t *heir_data;         /* stored form of HeirData (an object {D}) */
    size_t heir_data_size;
    uint32_t owner_next;        /* next table of the same owner: idx + 1, 0 ends */
    struct ets_table *doomed;   /* a dead owner's tables waiting to be freed */
    size_t size;                /* objects */
    size_t special;             /* objects with shared binaries or large blocks */
    size_t bytes;               /* everything counted for the table */
    ets_arena arena;
    ets_hash hash;
    ets_tree tree;
} ets_table;

/* Counts bytes for t and for ot_memory's `ets`. */
static inline void ets_account(ets_table *t, int64_t delta)
{
    t->bytes = (size_t)((int64_t)t->bytes + delta);
    ot__mem_add(OT__MEM_ETS, delta);
}

/* A key to look for: the term and its canonical encoding, hashed. */
typedef struct ets_key {
    ot_term term;
    const uint8_t *bytes;
    size_t len;
    uint64_t hash;
} ets_key;

/* ot__ets_key_of: the key of stored object o as an ets_key (term left
 * OT_NONE; decode it with ot__ets_decode when needed). */
void ot__ets_key_of(const ets_table *t, const uint8_t *o, ets_key *k);

/* Hash storage (set, bag, duplicate_bag). */
int ot__ets_hash_init(ets_table *t);
void ot__ets_hash_free(ets_table *t);
/* The objects of key k: their count, with *objs pointing at them (one
 * object: *one holds it and *objs points to *one). */
size_t ot__ets_hash_find(ets_table *t, const ets_key *k, uint8_t *const **objs, uint8_t **one);
/* Stores object o (already allocated in t's arena, key k): replaces (set),
 * or is dropped if an equal object is there (bag: returns 1, and the
 * caller frees o), or is appended. 0, 1, or -ENOMEM. For set, *old gets
 * the replaced object (the caller frees it) or NULL. */
int ot__ets_hash_put(ets_table *t, const ets_key *k, uint8_t *o, uint8_t **old);
/* Removes the objects of key k, calling drop(t, o) for each; returns how
 * many. */
size_t ot__ets_hash_remove(ets_table *t, const ets_key *k, void (*drop)(ets_table *, uint8_t *));
/* Removes objects of key k for which pred(o, arg) is true. */
size_t ot__ets_hash_remove_if(ets_table *t, const ets_key *k, bool (*pred)(const uint8_t *, void *),
                              void *arg, void (*drop)(ets_table *, uint8_t *));
/* Removes every object for which pred(o, arg) is true; returns how many. */
size_t ot__ets_hash_filter(ets_table *t, bool (*pred)(const uint8_t *, void *), void *arg,
                           void (*drop)(ets_table *, uint8_t *));
/* Calls each(o, arg) for every object in storage order until it returns
 * nonzero (which is returned). */
int ot__ets_hash_walk(ets_table *t, int (*each)(uint8_t *, void *), void *arg);
/* Iteration by key: the first object of the first key at or after entry
 * position *pos; NULL at the end. */
uint8_t *ot__ets_hash_at(ets_table *t, size_t *pos);
/* The entry position of key k, or (size_t)-1. */
size_t ot__ets_hash_pos(ets_table *t, const ets_key *k);
/* Forgets every object (the caller frees them). */
void ot__ets_hash_clear(ets_table *t);

/* Tree storage (ordered_set). Keys compare with ot_compare on k->term. */
/* The node of key k, or NULL. */
ets_node *ot__ets_tree_find(ets_table *t, const ets_key *k);
/* Inserts node n (key k): replaces an equal key's node (returned in *old
 * for the caller to free) or adds it. */
void ot__ets_tree_put(ets_table *t, const ets_key *k, ets_node *n, ets_node **old);
/* Unlinks and returns the node of key k, or NULL. */
ets_node *ot__ets_tree_remove(ets_table *t, const ets_key *k);
/* The first/last node, and the next/previous node of a key (which need
 * not be in the tree). */
ets_node *ot__ets_tree_first(ets_table *t);
ets_node *ot__ets_tree_last(ets_table *t);
ets_node *ot__ets_tree_next(ets_table *t, const ets_key *k);
ets_node *ot__ets_tree_prev(ets_table *t, const ets_key *k);
/* In-order walk until each returns nonzero (returned). */
int ot__ets_tree_walk(ets_table *t, int (*each)(uint8_t *, void *), void *arg);
/* ot__ets_key_cmp: ot_compare(k->term, key of stored object o). */
int ot__ets_key_cmp(const ets_table *t, const ets_key *k, const uint8_t *o);
static inline ets_node *ets_node_of(const uint8_t *obj)
{
    return (ets_node *)(uintptr_t)(obj - offsetof(ets_node, obj));
}

/* ---------------------------------------------------------------- registry */

/* A table reached by a caller: the slot stays locked (read or write) until
 * ot__ets_release. */
typedef struct ets_ref {
    struct ets_slot *slot;
    ets_table *t;
    bool write;
    unsigned cell;
} ets_ref;

/* ot__ets_acquire: resolves tab and locks its slot for reading or writing,
 * then checks the caller's access (want_write: needs write access).
 * 0, -EBADF, -EACCES. */
int ot__ets_acquire(ot_term tab, bool write, bool want_write, ets_ref *r);
void ot__ets_release(ets_ref *r);

/* The table id term of t (a reference, or the name for named tables). */
ot_term ot__ets_tid(ot_heap *h, const ets_table *t, bool ref_only);

/* Frees every object and all storage of t (not the record). */
void ot__ets_store_free(ets_table *t);
/* Frees one stored object (drop callback shape). */
void ot__ets_drop(ets_table *t, uint8_t *o);

/* Charges the calling process for work done (after the lock is released). */
void ot__ets_charge(size_t objects);

/* ---------------------------------------------------------------- checks */

/* The invariant checker of tables (check.c, docs/assertions.md): NULL if
 * the rules hold, else a description of the first one broken (a thread's
 * own buffer). ot__ets_check: one table (its id or name), under its read
 * lock. ot__ets_check_all: every table, the owners' lists and the names,
 * under the registry lock. ot__ets_table_check, ot__ets_hash_check and
 * ot__ets_tree_check: t's counters against its contents, and its storage,
 * with t locked by the caller. */
const char *ot__ets_check(ot_term tab);
const char *ot__ets_check_all(void);
const char *ot__ets_table_check(ets_table *t);
const char *ot__ets_hash_check(ets_table *t);
const char *ot__ets_tree_check(ets_table *t);
/* ot__ets_check_fail: a finding about t, formatted. */
const char *ot__ets_check_fail(const ets_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
