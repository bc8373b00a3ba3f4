/* table.c — the tables themselves: their slots and locks, ids and names,
 * owners and heirs (with the exit hook that deletes or hands over a dead
 * owner's tables), and the calls about whole tables: new, delete,
 * give_away, setopts, whereis, all, info.
 *
 * Slots are never freed: a table id resolves to a slot without any lock,
 * the slot's lock is taken, and only then is the table checked (its
 * generation must be the id's). Deleting a table empties its slot under
 * the slot's write lock, so no reader can still hold the table when its
 * memory goes. Creating, deleting and changing the owner of tables also
 * take one registry mutex (always before a slot lock). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "core/core_internal.h"
#include "ets/ets_internal.h"

/* ---------------------------------------------------------------- lock */

static _Atomic unsigned next_cell;
static _Thread_local int my_cell = -1;

static inline unsigned thread_cell(void)
{
    if (my_cell < 0)
        my_cell = (int)(atomic_fetch_add_explicit(&next_cell, 1, memory_order_relaxed) % ETS_RCELLS);
    return (unsigned)my_cell;
}

static inline void backoff(unsigned *spins)
{
    if (++*spins < 128)
        ot__cpu_relax();
    else
        sched_yield(); /* the holder may have been preempted by the OS */
}

static void lock_read(ets_lock *l, unsigned c)
{
    unsigned spins = 0;
    for (;;) {
        atomic_fetch_add_explicit(&l->cells[c].n, 1, memory_order_seq_cst);
        if (!atomic_load_explicit(&l->writer, memory_order_seq_cst)) {
            OT__LOCK_NOTE(1);
            return;
        }
        atomic_fetch_sub_explicit(&l->cells[c].n, 1, memory_order_release);
        while (atomic_load_explicit(&l->writer, memory_order_relaxed))
            backoff(&spins);
    }
}

static void unlock_read(ets_lock *l, unsigned c)
{
    OT__ASSERT(atomic_load_explicit(&l->cells[c].n, memory_order_relaxed) > 0);
    OT__LOCK_NOTE(-1);
    atomic_fetch_sub_explicit(&l->cells[c].n, 1, memory_order_release);
}

/* The writer flag holds the writer's thread id in debug builds (1 in
 * release), for write_held. */
static void lock_write(ets_lock *l)
{
    unsigned spins = 0;
    uint32_t token = (uint32_t)OT__LOCK_TOKEN();
    OT__ASSERT(atomic_load_explicit(&l->writer, memory_order_relaxed) != token); /* not recursive */
#ifdef NDEBUG
    while (atomic_exchange_explicit(&l->writer, token, memory_order_seq_cst))
        backoff(&spins);
#else
    /* A compare-and-swap: a contender must not overwrite the writer's id. */
    for (uint32_t free_ = 0; !atomic_compare_exchange_weak_explicit(&l->writer, &free_, token, memory_order_seq_cst,
                                                                    memory_order_relaxed);
         free_ = 0)
        backoff(&spins);
#endif
    for (unsigned c = 0; c < ETS_RCELLS; c++)
        while (atomic_load_explicit(&l->cells[c].n, memory_order_seq_cst))
            backoff(&spins);
    OT__LOCK_NOTE(1);
}

static inline bool write_held(ets_lock *l)
{
    return atomic_load_explicit(&l->writer, memory_order_relaxed) == (uint32_t)OT__LOCK_TOKEN();
}

static void unlock_write(ets_lock *l)
{
    OT__ASSERT(write_held(l));
    OT__LOCK_NOTE(-1);
    atomic_store_explicit(&l->writer, 0, memory_order_release);
}

/* ---------------------------------------------------------------- slots */

typedef struct ets_slot {
    ets_lock lock;
    uint32_t gen;           /* generation of the last table made here */
    uint32_t next_free;     /* free list: index + 1 */
    ets_table *t;           /* under lock; NULL when free */
} ets_slot;

#define CHUNK_SLOTS 64
#define MAX_CHUNKS 16384
#define ID_MARK UINT32_C(0xe7500000)   /* in a table reference's third word */
#define ID_MARK_MASK UINT32_C(0xfff00000)

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static ets_slot *_Atomic chunks[MAX_CHUNKS];
static _Atomic uint32_t slots_made;
static uint32_t free_head;          /* index + 1 of a free slot */

static ets_slot *slot_at(uint32_t idx)
{
    if (idx / CHUNK_SLOTS >= MAX_CHUNKS)
        return NULL;
    ets_slot *c = atomic_load_explicit(&chunks[idx / CHUNK_SLOTS], memory_order_acquire);
    return c ? &c[idx % CHUNK_SLOTS] : NULL;
}

/* A free slot index (reg_lock held); -ENOMEM or -ENFILE if none. */
static int64_t slot_alloc(void)
{
    OT__ASSERT(ot__mutex_held(&reg_lock));
    if (free_head) {
        uint32_t idx = free_head - 1;
        free_head = slot_at(idx)->next_free;
        return idx;
    }
    uint32_t n = atomic_load_explicit(&slots_made, memory_order_relaxed);
    if (n % CHUNK_SLOTS == 0) {
        if (n / CHUNK_SLOTS >= MAX_CHUNKS)
            return -ENFILE;
        /* Chunks stay for the life of the OS process: a reader may look
         * at a slot at any time. Aligned for the lock's cache lines. */
        size_t bytes = CHUNK_SLOTS * sizeof(ets_slot) + 64;
        char *raw = ot__calloc(1, bytes);
        if (!raw)
            return -ENOMEM;
        ot__mem_add(OT__MEM_ETS, (int64_t)bytes);
        ets_slot *c = (ets_slot *)(void *)(raw + (64 - (uintptr_t)raw % 64) % 64);
        atomic_store_explicit(&chunks[n / CHUNK_SLOTS], c, memory_order_release);
    }
    atomic_store_explicit(&slots_made, n + 1, memory_order_release);
    return n;
}

static void slot_release(uint32_t idx)
{
    OT__ASSERT(ot__mutex_held(&reg_lock) && slot_at(idx)->t == NULL);
    slot_at(idx)->next_free = free_head;
    free_head = idx + 1;
}

/* ---------------------------------------------------------------- names */

/* Atom index -> slot index + 1, in pages made on first use; read without
 * a lock, written under reg_lock. */
#define NAME_PAGE 1024
#define NAME_PAGES (OT_ATOM_MAX_COUNT / NAME_PAGE)
static _Atomic uint32_t *_Atomic name_pages[NAME_PAGES];

static uint32_t name_get(ot_term atom)
{
    uint32_t i = ot__atom_index(atom);
    if (i / NAME_PAGE >= NAME_PAGES)
        return 0;
    _Atomic uint32_t *pg = atomic_load_explicit(&name_pages[i / NAME_PAGE], memory_order_acquire);
    return pg ? atomic_load_explicit(&pg[i % NAME_PAGE], memory_order_acquire) : 0;
}

static int name_set(ot_term atom, uint32_t v)
{
    uint32_t i = ot__atom_index(atom);
    if (i / NAME_PAGE >= NAME_PAGES)
        return -EINVAL;
    OT__ASSERT(ot__mutex_held(&reg_lock));
    _Atomic uint32_t *pg = atomic_load_explicit(&name_pages[i / NAME_PAGE], memory_order_acquire);
    if (!pg) {
        if (!v)
            return 0;
        pg = ot__calloc(NAME_PAGE, sizeof *pg);
        if (!pg)
            return -ENOMEM;
        ot__mem_add(OT__MEM_ETS, NAME_PAGE * (int64_t)sizeof *pg);
        atomic_store_explicit(&name_pages[i / NAME_PAGE], pg, memory_order_release);
    }
    atomic_store_explicit(&pg[i % NAME_PAGE], v, memory_order_release);
    return 0;
}

/* ---------------------------------------------------------------- owners */

/* Owner pid -> its tables (linked through owner_next), under reg_lock. */
typedef struct owner_ent {
    ot_term pid;
    uint32_t head;          /* index + 1 of its first table */
    struct owner_ent *next;
} owner_ent;

static owner_ent **owner_buckets;
static size_t owner_nb, owner_count;

static inline size_t owner_bucket(ot_term pid, size_t nb)
{
    uint64_t h = pid * UINT64_C(0x9e3779b97f4a7c15);
    return (size_t)(h >> 32) % nb;
}

static owner_ent *owner_find(ot_term pid)
{
    OT__ASSERT(ot__mutex_held(&reg_lock));
    if (!owner_nb)
        return NULL;
    for (owner_ent *e = owner_buckets[owner_bucket(pid, owner_nb)]; e; e = e->next)
        if (e->pid == pid)
            return e;
    return NULL;
}

static int owner_grow(void)
{
    size_t nb = owner_nb ? owner_nb * 2 : 64;
    owner_ent **b = ot__calloc(nb, sizeof *b);
    if (!b)
        return -ENOMEM;
    for (size_t i = 0; i < owner_nb; i++) {
        owner_ent *e = owner_buckets[i];
        while (e) {
            owner_ent *next = e->next;
            size_t j = owner_bucket(e->pid, nb);
            e->next = b[j];
            b[j] = e;
            e = next;
        }
    }
    ot__mem_add(OT__MEM_ETS, (int64_t)((nb - owner_nb) * sizeof *b));
    ot__free(owner_buckets);
    owner_buckets = b;
    owner_nb = nb;
    return 0;
}

/* Adds t to pid's tables. -ENOMEM leaves everything as it was. */
static int owner_add(ot_term pid, ets_table *t)
{
    owner_ent *e = owner_find(pid);
    if (!e) {
        if (owner_count + 1 > owner_nb && owner_grow())
            return -ENOMEM;
        e = ot__malloc(sizeof *e);
        if (!e)
            return -ENOMEM;
        ot__mem_add(OT__MEM_ETS, (int64_t)sizeof *e);
        size_t j = owner_bucket(pid, owner_nb);
        e->pid = pid;
        e->head = 0;
        e->next = owner_buckets[j];
        owner_buckets[j] = e;
        owner_count++;
    }
    t->owner_next = e->head;
    e->head = t->idx + 1;
    return 0;
}

static void owner_entry_free(owner_ent *e)
{
    OT__ASSERT(ot__mutex_held(&reg_lock) && owner_count > 0);
    owner_ent **pp = &owner_buckets[owner_bucket(e->pid, owner_nb)];
    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    ot__free(e);
    ot__mem_add(OT__MEM_ETS, -(int64_t)sizeof *e);
    if (--owner_count == 0) {
        ot__mem_add(OT__MEM_ETS, -(int64_t)(owner_nb * sizeof *owner_buckets));
        ot__free(owner_buckets);
        owner_buckets = NULL;
        owner_nb = 0;
    }
}

static void owner_remove(ot_term pid, ets_table *t)
{
    owner_ent *e = owner_find(pid);
    if (OT__NEVER(!e))
        return; /* a listed table's owner always has an entry */
    uint32_t *pp = &e->head;
    while (*pp && *pp != t->idx + 1)
        pp = &slot_at(*pp - 1)->t->owner_next;
    if (OT__ALWAYS(*pp))
        *pp = t->owner_next;
    if (!e->head)
        owner_entry_free(e);
}

/* ---------------------------------------------------------------- ids */

ot_term ot__ets_tid(ot_heap *h, const ets_table *t, bool ref_only)
{
    if (t->named && !ref_only)
        return t->name;
    uint32_t ids[3] = {t->idx & 0x3ffff, t->gen, ID_MARK | (t->idx >> 18)};
    return ot_ref(h, ot__local_node(), ot__local_creation(), ids, 3);
}

/* The slot tab names (without checking the table in it). -EBADF if tab
 * is not a table id; *by_name tells which kind. */
static int resolve(ot_term tab, ets_slot **s, uint32_t *gen, bool *by_name)
{
    *by_name = false;
    if (ot__is_atom(tab)) {
        uint32_t v = name_get(tab);
        *by_name = true;
        *gen = 0;
        *s = v ? slot_at(v - 1) : NULL;
        return *s ? 0 : -EBADF;
    }
    ot_ref_parts rp;
    if (!ot__is_boxed(tab) || ot__box_kind(tab) != OT__B_REF || ot_ref_get(tab, &rp) || rp.n != 3 ||
        (rp.ids[2] & ID_MARK_MASK) != ID_MARK)
        return -EBADF;
    uint32_t idx = (rp.ids[0] & 0x3ffff) | ((rp.ids[2] & ~ID_MARK_MASK) << 18);
    *by_name = false;
    *gen = rp.ids[1];
    *s = slot_at(idx);
    return *s ? 0 : -EBADF;
}

static inline bool slot_holds(const ets_slot *s, ot_term tab, uint32_t gen, bool by_name)
{
    const ets_table *t = s->t;
    if (!t)
        return false;
    return by_name ? t->named && t->name == tab : t->gen == gen;
}

int ot__ets_acquire(ot_term tab, bool write, bool want_write, ets_ref *r)
{
    ets_slot *s;
    uint32_t gen;
    bool by_name;
    int rc = resolve(tab, &s, &gen, &by_name);
    if (rc)
        return rc;
    r->slot = s;
    r->write = write;
    if (write) {
        lock_write(&s->lock);
    } else {
        r->cell = thread_cell();
        lock_read(&s->lock, r->cell);
    }
    if (!slot_holds(s, tab, gen, by_name)) {
        rc = -EBADF;
    } else {
        ets_table *t = s->t;
        r->t = t;
        if (t->access != ETS_PUBLIC && t->owner != ot_self() &&
            (t->access == ETS_PRIVATE || want_write))
            rc = -EACCES;
    }
    if (rc)
        ot__ets_release(r);
    return rc;
}

void ot__ets_release(ets_ref *r)
{
    if (r->write)
        unlock_write(&r->slot->lock);
    else
        unlock_read(&r->slot->lock, r->cell);
}

void ot__ets_charge(size_t objects)
{
    ot__proc *p = ot__proc_current();
    if (p)
        ot__proc_charge(p, 1 + (int64_t)(objects / 8));
}

/* ---------------------------------------------------------------- records */

static void heir_data_free(ets_table *t)
{
    if (t->heir_data) {
        ot__ets_obj_release(t->heir_data);
        ets_account(t, -(int64_t)t->heir_data_size);
        ot__free(t->heir_data);
    }
    t->heir_data = NULL;
    t->heir_data_size = 0;
}

/* Stores data as t's heir data (kept as the object {Data}). */
static int heir_data_set(ets_table *t, ot_term data)
{
    uint64_t one[2] = {ot__hdr(OT__B_TUPLE, 1), data};
    uint8_t mem[128];
    ets_enc b;
    ets_enc_init(&b, mem, sizeof mem);
    size_t start;
    int rc = ot__ets_enc_object(&b, ot__make_boxed(one), 1, &start);
    uint8_t *copy = NULL;
    if (!rc) {
        copy = ot__malloc(b.buf.len - start);
        if (!copy)
            rc = -ENOMEM;
    }
    if (!rc) {
        memcpy(copy, b.buf.bytes + start, b.buf.len - start);
        ot__ets_obj_retain(copy);
        heir_data_free(t);
        t->heir_data = copy;
        t->heir_data_size = b.buf.len - start;
        ets_account(t, (int64_t)t->heir_data_size);
    }
    ets_enc_free(&b);
    return rc;
}

static void table_free(ets_table *t)
{
    ot__ets_store_free(t);
    heir_data_free(t);
    ets_account(t, -(int64_t)sizeof *t);
    ot__free(t);
}

/* Takes t out of its slot and the registry (reg_lock held); the caller
 * frees it. No reader holds t afterwards. */
static void table_detach(ets_table *t, bool owner_listed)
{
    OT__ASSERT(ot__mutex_held(&reg_lock));
    ets_slot *s = slot_at(t->idx);
    lock_write(&s->lock);
    s->t = NULL;
    unlock_write(&s->lock);
    if (t->named && name_get(t->name) == t->idx + 1)
        name_set(t->name, 0);
    if (owner_listed)
        owner_remove(t->owner, t);
    slot_release(t->idx);
    ets_account(t, -(int64_t)sizeof(ets_slot));
}

/* ---------------------------------------------------------------- exit hook */

/* {'ETS-TRANSFER', Tab, From, Data} to `to`. */
static void send_transfer(const ets_table *t, ot_term to, ot_term from, ot_term data)
{
    ot_heap *h = ot_heap_new();
    if (!h)
        return;
    ot_term msg = ot_tuple(h, 4, OT__ATOM(ETS_TRANSFER), ot__ets_tid(h, t, false), from, data);
    if (msg != OT_NONE)
        ot_send(to, msg);
    ot_heap_free(h);
}

static ot_term heir_data_term(ot_heap *h, const ets_table *t)
{
    if (!t->heir_data)
        return OT_ATOM(UNDEFINED);
    ot_term one = ot__ets_obj_decode(h, t->heir_data);
    return one == OT_NONE ? OT_ATOM(UNDEFINED) : ot_tuple_get(one, 0);
}

/* Runs while process pid exits: its tables go to their heirs, or go. */
static void on_owner_exit(ot_term pid)
{
    ets_table *doomed = NULL;
    pthread_mutex_lock(&reg_lock);
    owner_ent *e = owner_find(pid);
    uint32_t next = e ? e->head : 0;
    if (e)
        owner_entry_free(e);
    while (next) {
        ets_table *t = slot_at(next - 1)->t;
        next = t->owner_next;
        ot_term heir = t->heir;
        if (heir != OT_NONE && heir != pid && ot__proc_want_exit_hook(heir) &&
            owner_add(heir, t) == 0) {
            ets_slot *s = slot_at(t->idx);
            lock_write(&s->lock);
            t->owner = heir;
            unlock_write(&s->lock);
            ot_heap *h = ot_heap_new();
            send_transfer(t, heir, pid, h ? heir_data_term(h, t) : OT_ATOM(UNDEFINED));
            ot_heap_free(h);
            continue;
        }
        /* No heir, a dead one, or no memory to record it: the table goes. */
        table_detach(t, false);
        t->doomed = doomed;
        doomed = t;
    }
    pthread_mutex_unlock(&reg_lock);
    while (doomed) {
        ets_table *t = doomed;
        doomed = t->doomed;
        table_free(t);
    }
}

/* ---------------------------------------------------------------- new */

typedef struct new_opts {
    uint8_t type, access;
    bool named;
    uint32_t keypos;
    ot_term heir;
    ot_term heir_data;
} new_opts;

static bool is_bool(ot_term t) { return t == OT_ATOM(TRUE) || t == OT_ATOM(FALSE); }

/* One {heir, ...} option into heir/data (OT_NONE heir: none). */
static int parse_heir(ot_term o, ot_term *heir, ot_term *data)
{
    size_t n = ot_tuple_arity(o);
    if (n == 2 && ot_tuple_get(o, 1) == OT__ATOM(NONE)) {
        *heir = OT_NONE;
        *data = OT_NONE;
        return 0;
    }
    if (n == 3 && ot_is_pid(ot_tuple_get(o, 1))) {
        ot_term p = ot_tuple_get(o, 1);
        if (!ot__is_lpid(p))
            return -EINVAL; /* a remote heir: otter has none */
        *heir = p;
        *data = ot_tuple_get(o, 2);
        return 0;
    }
    return -EINVAL;
}

static int parse_opts(ot_term opts, new_opts *o)
{
    o->type = ETS_SET;
    o->access = ETS_PROTECTED;
    o->named = false;
    o->keypos = 1;
    o->heir = OT_NONE;
    o->heir_data = OT_NONE;
    if (ot_list_length(opts) < 0)
        return -EINVAL;
    for (ot_term l = opts; l != OT_NIL; l = ot_tl(l)) {
        ot_term x = ot_hd(l);
        if (x == OT__ATOM(SET)) o->type = ETS_SET;
        else if (x == OT__ATOM(ORDERED_SET)) o->type = ETS_ORDERED_SET;
        else if (x == OT__ATOM(BAG)) o->type = ETS_BAG;
        else if (x == OT__ATOM(DUPLICATE_BAG)) o->type = ETS_DUPLICATE_BAG;
        else if (x == OT__ATOM(PUBLIC)) o->access = ETS_PUBLIC;
        else if (x == OT__ATOM(PROTECTED)) o->access = ETS_PROTECTED;
        else if (x == OT__ATOM(PRIVATE)) o->access = ETS_PRIVATE;
        else if (x == OT__ATOM(NAMED_TABLE)) o->named = true;
        else if (x == OT__ATOM(COMPRESSED)) continue;
        else if (ot_is_tuple(x) && ot_tuple_arity(x) >= 2) {
            ot_term k = ot_tuple_get(x, 0), v = ot_tuple_get(x, 1);
            size_t n = ot_tuple_arity(x);
            int64_t pos;
            if (k == OT__ATOM(KEYPOS) && n == 2) {
                if (ot_get_int64(v, &pos) || pos < 1 || pos > UINT32_MAX)
                    return -EINVAL;
                o->keypos = (uint32_t)pos;
            } else if (k == OT__ATOM(HEIR)) {
                if (parse_heir(x, &o->heir, &o->heir_data))
                    return -EINVAL;
            } else if (n == 2 && (k == OT__ATOM(READ_CONCURRENCY) ||
                                  k == OT__ATOM(DECENTRALIZED_COUNTERS))) {
                if (!is_bool(v))
                    return -EINVAL;
            } else if (n == 2 && k == OT__ATOM(WRITE_CONCURRENCY)) {
                if (!is_bool(v) && v != OT__ATOM(AUTO))
                    return -EINVAL;
            } else {
                return -EINVAL;
            }
        } else {
            return -EINVAL;
        }
    }
    return 0;
}

static _Atomic bool hook_set;

int ot_ets_new(ot_heap *h, ot_term name, ot_term opts, ot_term *tab)
{
    if (!h || !tab || !ot__is_atom(name))
        return -EINVAL;
    ot_term self = ot_self();
    if (self == OT_NONE)
        return -EPERM;
    new_opts o;
    int rc = parse_opts(opts, &o);
    if (rc)
        return rc;
    ets_table *t = ot__calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    ets_account(t, (int64_t)sizeof *t);
    t->name = name;
    t->named = o.named;
    t->type = o.type;
    t->access = o.access;
    t->keypos = o.keypos;
    t->owner = self;
    t->heir = o.heir;
    ot__ets_arena_init(&t->arena, o.type == ETS_ORDERED_SET ? 8 : 4);
    if (o.type != ETS_ORDERED_SET)
        rc = ot__ets_hash_init(t);
    if (!rc && o.heir != OT_NONE)
        rc = heir_data_set(t, o.heir_data);
    if (rc) {
        table_free(t);
        return rc;
    }
    if (!atomic_exchange(&hook_set, true))
        ot__set_exit_hook(on_owner_exit);

    pthread_mutex_lock(&reg_lock);
    int64_t idx = -1;
    if (o.named && name_get(name))
        rc = -EEXIST;
    if (!rc && (idx = slot_alloc()) < 0)
        rc = (int)idx;
    if (!rc) {
        t->idx = (uint32_t)idx;
        if ((rc = owner_add(self, t)) == 0 && o.named && (rc = name_set(name, t->idx + 1)))
            owner_remove(self, t);
        if (rc)
            slot_release(t->idx);
    }
    if (!rc) {
        ets_slot *s = slot_at(t->idx);
        lock_write(&s->lock);
        t->gen = ++s->gen;
        s->t = t;
        unlock_write(&s->lock);
        ets_account(t, (int64_t)sizeof(ets_slot));
    }
    pthread_mutex_unlock(&reg_lock);
    if (rc) {
        table_free(t);
        return rc;
    }
    ot__proc_want_exit_hook(self);
    ot_term id = ot__ets_tid(h, t, false);
    if (id == OT_NONE) {
        pthread_mutex_lock(&reg_lock);
        table_detach(t, true);
        pthread_mutex_unlock(&reg_lock);
        table_free(t);
        return -ENOMEM;
    }
    *tab = id;
    ot__ets_charge(0);
    return 0;
}

/* ---------------------------------------------------------------- delete */

int ot_ets_delete(ot_term tab)
{
    pthread_mutex_lock(&reg_lock);
    ets_ref r;
    int rc = ot__ets_acquire(tab, true, true, &r);
    if (rc) {
        pthread_mutex_unlock(&reg_lock);
        return rc;
    }
    ets_table *t = r.t;
    ot__ets_release(&r);
    table_detach(t, true);
    pthread_mutex_unlock(&reg_lock);
    table_free(t);
    ot__ets_charge(0);
    return 0;
}

/* ---------------------------------------------------------------- owners */

int ot_ets_give_away(ot_term tab, ot_term pid, ot_term gift)
{
    ot_term self = ot_self();
    if (self == OT_NONE)
        return -EPERM;
    if (!ot_is_pid(pid) || gift == OT_NONE)
        return -EINVAL;
    if (!ot__is_lpid(pid))
        return -ESRCH;
    ot_heap *h = ot_heap_new();
    if (!h)
        return -ENOMEM;
    pthread_mutex_lock(&reg_lock);
    ets_ref r;
    int rc = ot__ets_acquire(tab, false, false, &r);
    ot_term msg = OT_NONE;
    ets_table *t = NULL;
    if (!rc) {
        t = r.t;
        if (t->owner != self)
            rc = -EPERM;
        else if (pid == self)
            rc = -EINVAL;
        else if ((msg = ot_tuple(h, 4, OT__ATOM(ETS_TRANSFER), ot__ets_tid(h, t, false), self, gift)) ==
                 OT_NONE)
            rc = -ENOMEM;
        ot__ets_release(&r);
    }
    if (!rc && !ot__proc_want_exit_hook(pid))
        rc = -ESRCH;
    if (!rc) {
        owner_remove(self, t);
        if (owner_add(pid, t)) {
            /* the entry it just left is still there: cannot fail */
            int back = owner_add(self, t);
            OT__ASSERT(back == 0);
            (void)back;
            rc = -ENOMEM;
        }
    }
    if (!rc) {
        ets_slot *s = slot_at(t->idx);
        lock_write(&s->lock);
        t->owner = pid;
        unlock_write(&s->lock);
    }
    pthread_mutex_unlock(&reg_lock);
    /* Sent outside reg_lock: ot_send charges the sender, which may switch
     * it out, and the next process on this thread may want the lock. */
    if (!rc)
        ot_send(pid, msg);
    ot_heap_free(h);
    ot__ets_charge(0);
    return rc;
}

int ot_ets_setopts(ot_term tab, ot_term opts)
{
    ot_term self = ot_self();
    if (self == OT_NONE)
        return -EPERM;
    ot_term list = ot_is_tuple(opts) ? OT_NONE : opts;
    if (list != OT_NONE && ot_list_length(list) < 0)
        return -EINVAL;
    pthread_mutex_lock(&reg_lock);
    ets_ref r;
    int rc = ot__ets_acquire(tab, true, false, &r);
    if (!rc) {
        ets_table *t = r.t;
        if (t->owner != self)
            rc = -EPERM;
        for (ot_term l = list; !rc; l = ot_tl(l)) {
            ot_term o = list == OT_NONE ? opts : l == OT_NIL ? OT_NONE : ot_hd(l);
            if (o == OT_NONE)
                break;
            ot_term heir, data;
            if (ot_tuple_get(o, 0) != OT__ATOM(HEIR) || parse_heir(o, &heir, &data)) {
                rc = -EINVAL;
                break;
            }
            if (heir == OT_NONE) {
                heir_data_free(t);
            } else if ((rc = heir_data_set(t, data))) {
                break;
            }
            t->heir = heir;
            if (list == OT_NONE)
                break;
        }
        ot__ets_release(&r);
    }
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

/* ---------------------------------------------------------------- info */

/* Reads t under the slot's read lock, whatever its protection: calls
 * fn(t, arg). -EBADF if tab is not a table id; 1 if the table is gone. */
static int with_table(ot_term tab, int (*fn)(ets_table *, void *), void *arg)
{
    ets_slot *s;
    uint32_t gen;
    bool by_name;
    int rc = resolve(tab, &s, &gen, &by_name);
    if (rc)
        return by_name ? 1 : rc; /* an atom that names nothing: undefined */
    unsigned c = thread_cell();
    lock_read(&s->lock, c);
    rc = slot_holds(s, tab, gen, by_name) ? fn(s->t, arg) : 1;
    unlock_read(&s->lock, c);
    return rc;
}

static size_t table_bytes(const ets_table *t)
{
    return t->bytes;
}

typedef struct info_arg {
    ot_heap *h;
    ot_term item;           /* OT_NONE: all */
    ot_term out;
} info_arg;

static const char *const info_items[] = {
    "id", "decentralized_counters", "read_concurrency", "write_concurrency", "compressed",
    "memory", "owner", "heir", "name", "size", "node", "named_table", "type", "keypos",
    "protection",
};
#define NINFO (sizeof info_items / sizeof info_items[0])

static ot_term info_value(ot_heap *h, const ets_table *t, size_t i)
{
    static const char *const types[] = {"set", "ordered_set", "bag", "duplicate_bag"};
    static const char *const access[] = {"protected", "public", "private"};
    switch (i) {
    case 0: return ot__ets_tid(h, t, true);
    case 1: case 2: case 3: case 4: return OT_ATOM(FALSE);
    case 5: return ot_uint(h, (table_bytes(t) + 7) / 8);
    case 6: return t->owner;
    case 7: return t->heir == OT_NONE ? OT__ATOM(NONE) : t->heir;
    case 8: return t->name;
    case 9: return ot_uint(h, t->size);
    case 10: return ot__local_node();
    case 11: return t->named ? OT_ATOM(TRUE) : OT_ATOM(FALSE);
    case 12: return ot_atom(types[t->type]);
    case 13: return ot_uint(h, t->keypos);
    default: return ot_atom(access[t->access]);
    }
}

static int info_fn(ets_table *t, void *p)
{
    info_arg *a = p;
    if (a->item != OT_NONE) {
        for (size_t i = 0; i < NINFO; i++)
            if (a->item == ot_atom(info_items[i])) {
                a->out = info_value(a->h, t, i);
                return a->out == OT_NONE ? -ENOMEM : 0;
            }
        return -EINVAL;
    }
    ot_term l = OT_NIL;
    for (size_t i = NINFO; i-- > 0;)
        l = ot_cons(a->h, ot_tuple(a->h, 2, ot_atom(info_items[i]), info_value(a->h, t, i)), l);
    a->out = l;
    return l == OT_NONE ? -ENOMEM : 0;
}

typedef struct whereis_arg {
    ot_heap *h;
    ot_term id;
} whereis_arg;

static int whereis_fn(ets_table *t, void *p)
{
    whereis_arg *a = p;
    a->id = ot__ets_tid(a->h, t, true);
    return 0;
}

ot_term ot_ets_whereis(ot_heap *h, ot_term name)
{
    if (!h || !ot__is_atom(name))
        return OT_NONE;
    whereis_arg a = {h, OT_NONE};
    return with_table(name, whereis_fn, &a) == 0 ? a.id : OT_NONE;
}

int ot_ets_info(ot_heap *h, ot_term tab, ot_term *out)
{
    if (!h || !out)
        return -EINVAL;
    info_arg a = {h, OT_NONE, OT_NONE};
    int rc = with_table(tab, info_fn, &a);
    if (rc < 0)
        return rc;
    *out = rc == 1 ? OT_ATOM(UNDEFINED) : a.out;
    return 0;
}

int ot_ets_info_item(ot_heap *h, ot_term tab, ot_term item, ot_term *out)
{
    if (!h || !out || !ot__is_atom(item))
        return -EINVAL;
    bool known = false;
    for (size_t i = 0; i < NINFO; i++)
        known |= item == ot_atom(info_items[i]);
    if (!known)
        return -EINVAL;
    info_arg a = {h, item, OT_NONE};
    int rc = with_table(tab, info_fn, &a);
    if (rc < 0)
        return rc;
    *out = rc == 1 ? OT_ATOM(UNDEFINED) : a.out;
    return 0;
}

static int bytes_fn(ets_table *t, void *p)
{
    *(size_t *)p = table_bytes(t);
    return 0;
}

static int size_fn(ets_table *t, void *p)
{
    *(size_t *)p = t->size;
    return 0;
}

ssize_t ot_ets_memory(ot_term tab)
{
    size_t v = 0;
    int rc = with_table(tab, bytes_fn, &v);
    return rc < 0 ? rc : rc == 1 ? -EBADF : (ssize_t)v;
}

ssize_t ot_ets_size(ot_term tab)
{
    size_t v = 0;
    int rc = with_table(tab, size_fn, &v);
    return rc < 0 ? rc : rc == 1 ? -EBADF : (ssize_t)v;
}

int ot_ets_all(ot_heap *h, ot_term *out)
{
    if (!h || !out)
        return -EINVAL;
    ot_term l = OT_NIL;
    uint32_t n = atomic_load_explicit(&slots_made, memory_order_acquire);
    unsigned c = thread_cell();
    for (uint32_t i = n; i-- > 0;) {
        ets_slot *s = slot_at(i);
        if (!s)
            continue;
        lock_read(&s->lock, c);
        if (s->t)
            l = ot_cons(h, ot__ets_tid(h, s->t, false), l);
        unlock_read(&s->lock, c);
        if (l == OT_NONE)
            return -ENOMEM;
    }
    *out = l;
    return 0;
}

/* ---------------------------------------------------------------- checks */

static int check_fn(ets_table *t, void *p)
{
    *(const char **)p = ot__ets_table_check(t);
    return 0;
}

const char *ot__ets_check(ot_term tab)
{
    const char *bad = NULL;
    int rc = with_table(tab, check_fn, &bad);
    return rc ? ot__check_fail("ets: %s is no table", rc < 0 ? "the argument" : "the name") : bad;
}

const char *ot__ets_check_all(void)
{
    const char *bad = NULL;
    pthread_mutex_lock(&reg_lock);
    uint32_t n = atomic_load_explicit(&slots_made, memory_order_acquire);
    unsigned c = thread_cell();
    size_t tables = 0;
    for (uint32_t i = 0; !bad && i < n; i++) {
        ets_slot *s = slot_at(i);
        lock_read(&s->lock, c);
        ets_table *t = s->t;
        if (t) {
            tables++;
            owner_ent *e = owner_find(t->owner);
            uint32_t at = e ? e->head : 0;
            for (size_t k = 0; at && at != i + 1 && k < n; k++)
                at = slot_at(at - 1)->t ? slot_at(at - 1)->t->owner_next : 0;
            if (t->idx != i || t->gen != s->gen)
                bad = ot__ets_check_fail(t, "in slot %u of generation %u", i, s->gen);
            else if (at != i + 1)
                bad = ot__ets_check_fail(t, "not in its owner's list of tables");
            else if (t->named && name_get(t->name) != i + 1)
                bad = ot__ets_check_fail(t, "its name leads elsewhere");
            else
                bad = ot__ets_table_check(t);
        }
        unlock_read(&s->lock, c);
    }
    /* Every listed table is a live table of that owner, once. */
    size_t listed = 0, owners = 0;
    for (size_t b = 0; !bad && b < owner_nb; b++) {
        for (owner_ent *e = owner_buckets[b]; e && !bad; e = e->next) {
            owners++;
            if (!e->head)
                bad = ot__check_fail("ets: an owner entry without tables");
            for (uint32_t at = e->head; at && !bad; listed++) {
                ets_table *t = at - 1 < n ? slot_at(at - 1)->t : NULL;
                if (!t || t->owner != e->pid || listed > tables)
                    bad = ot__check_fail("ets: an owner's list names a table it does not own");
                else
                    at = t->owner_next;
            }
        }
    }
    if (!bad && (listed != tables || owners != owner_count))
        bad = ot__check_fail("ets: %zu tables, %zu listed by %zu owners (counted %zu)", tables, listed, owners,
                             owner_count);
    pthread_mutex_unlock(&reg_lock);
    return bad;
}
