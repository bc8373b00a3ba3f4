/* atom.c — the node-wide atom table.
 *
 * Atoms are interned once and never freed, as in BEAM. Lookups by text are
 * lock-free (chains are only ever prepended, with release stores); inserts
 * take a mutex. Index -> text goes through segments of pointers that are
 * published before the index is handed out. The predefined atoms of
 * OT_ATOMS_PREDEFINED, then the internal ones of OT__ATOMS_INTERNAL
 * (term_internal.h), are inserted at start-up, in order, so that their
 * indices are the compile-time constants OT_ATOM(NAME) and OT__ATOM(NAME). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "term/ext.h"
#include "term/term_internal.h"

#define NBUCKETS (1u << 16)
#define SEG_BITS 12
#define SEG_SIZE (1u << SEG_BITS)
#define NSEGS (OT_ATOM_MAX_COUNT / SEG_SIZE)

typedef struct atom_entry {
    struct atom_entry *_Atomic next;
    uint64_t hash;
    uint32_t len;
    uint32_t index;
    int32_t latin1_len;     /* characters if all are <= 255, else -1 */
    uint16_t ext_len[2];    /* lengths of the two encodings below */
    uint8_t *ext[2];        /* external encoding: [0] as term_to_binary/1
                               (OTP 25), [1] with UTF-8 atoms */
    char text[];
} atom_entry;

/* Writes atom text s (n bytes, valid UTF-8, latin1 characters or -1) in
 * the external format into out (room for n + 3); returns the length. */
static uint16_t encode_atom(const char *s, size_t n, int32_t latin1, bool utf8, uint8_t *out)
{
    size_t k = 0;
    if (!utf8 && latin1 >= 0) {
        out[k++] = TAG_ATOM;
        out[k++] = (uint8_t)(latin1 >> 8);
        out[k++] = (uint8_t)latin1;
        for (size_t i = 0; i < n; i++) {
            uint8_t c = (uint8_t)s[i];
            if (c < 0x80) {
                out[k++] = c;
            } else {
                out[k++] = (uint8_t)(((c & 0x03) << 6) | ((uint8_t)s[i + 1] & 0x3f));
                i++;
            }
        }
        return (uint16_t)k;
    }
    if (n < 256) {
        out[k++] = TAG_SMALL_ATOM_UTF8;
        out[k++] = (uint8_t)n;
    } else {
        out[k++] = TAG_ATOM_UTF8;
        out[k++] = (uint8_t)(n >> 8);
        out[k++] = (uint8_t)n;
    }
    memcpy(out + k, s, n);
    return (uint16_t)(k + n);
}

/* Length of s as Latin-1, or -1 if a character is above 255 (s is valid
 * UTF-8). */
static int32_t latin1_length(const char *s, size_t n)
{
    int32_t chars = 0;
    for (size_t i = 0; i < n; chars++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 0x80)
            i++;
        else if ((c & 0xe0) == 0xc0 && c <= 0xc3)
            i += 2;
        else
            return -1;
    }
    return chars;
}

static atom_entry *_Atomic buckets[NBUCKETS];
/* Every atom's two external encodings by index, for the encoder's hot
 * path (one array, reserved but only touched as atoms are made). */
ot__atom_enc *ot__atom_encs;
static atom_entry *_Atomic *_Atomic segs[NSEGS];
static _Atomic uint32_t count;
static pthread_mutex_t insert_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic ot_term local_node = OT_ATOM(NONODE);
static _Atomic uint32_t local_creation;

static uint64_t hash_text(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 0x100000001b3ULL;
    }
    return h ^ (h >> 29);
}

static atom_entry *find(uint64_t hash, const char *s, size_t n)
{
    atom_entry *e = atomic_load_explicit(&buckets[hash & (NBUCKETS - 1)], memory_order_acquire);
    for (; e; e = atomic_load_explicit(&e->next, memory_order_acquire))
        if (e->hash == hash && e->len == n && memcmp(e->text, s, n) == 0)
            return e;
    return NULL;
}

/* Inserts under insert_lock; returns the entry or NULL (full / no memory). */
static atom_entry *insert_locked(uint64_t hash, const char *s, size_t n)
{
    OT__ASSERT(ot__mutex_held(&insert_lock));
    atom_entry *e = find(hash, s, n);
    if (e)
        return e;
    uint32_t idx = atomic_load_explicit(&count, memory_order_relaxed);
    if (idx >= OT_ATOM_MAX_COUNT)
        return NULL;
    atom_entry *_Atomic *seg = atomic_load_explicit(&segs[idx >> SEG_BITS], memory_order_relaxed);
    if (!seg) {
        seg = ot__calloc_vital(SEG_SIZE, sizeof *seg); /* lives for the node's life */
        if (!seg)
            return NULL;
        ot__mem_add(OT__MEM_ATOM, (int64_t)(SEG_SIZE * sizeof *seg));
        atomic_store_explicit(&segs[idx >> SEG_BITS], seg, memory_order_release);
    }
    /* The entry, its text, then its two external encodings, padded so
     * that the encoder may copy 16 bytes from either. Atom memory is vital
     * (base/alloc.h): some 240 call sites name atoms with ot_atom("...")
     * and take the atom for granted, so an injected failure here would
     * test them rather than the operation a sweep is about. A real
     * failure still returns NULL (and ot_atom OT_NONE). */
    e = ot__malloc_vital(sizeof *e + n + 1 + 2 * (n + 3) + 16);
    if (!e)
        return NULL;
    e->hash = hash;
    e->len = (uint32_t)n;
    e->index = idx;
    e->latin1_len = latin1_length(s, n);
    memcpy(e->text, s, n);
    e->text[n] = 0;
    e->ext[0] = (uint8_t *)e->text + n + 1;
    memset(e->ext[0], 0, 2 * (n + 3) + 16);
    e->ext_len[0] = encode_atom(s, n, e->latin1_len, false, e->ext[0]);
    e->ext[1] = e->ext[0] + n + 3;
    e->ext_len[1] = encode_atom(s, n, e->latin1_len, true, e->ext[1]);
    ot__mem_add(OT__MEM_ATOM, (int64_t)(sizeof *e + n + 1 + 2 * (n + 3) + 16));
    ot__mem_add(OT__MEM_ATOM_USED, (int64_t)(n + 1));
    for (int k = 0; k < 2; k++) {
        ot__atom_encs[idx].bytes[k] = e->ext[k];
        ot__atom_encs[idx].len[k] = e->ext_len[k];
    }
    atomic_store_explicit(&seg[idx & (SEG_SIZE - 1)], e, memory_order_release);
    atomic_store_explicit(&count, idx + 1, memory_order_release);
    atom_entry *_Atomic *b = &buckets[hash & (NBUCKETS - 1)];
    atomic_store_explicit(&e->next, atomic_load_explicit(b, memory_order_relaxed), memory_order_relaxed);
    atomic_store_explicit(b, e, memory_order_release);
    return e;
}

__attribute__((constructor)) static void atoms_init(void)
{
    static const char *const names[] = {
#define OT__ATOM_TEXT(name, text) text,
        OT_ATOMS_PREDEFINED(OT__ATOM_TEXT)
        OT__ATOMS_INTERNAL(OT__ATOM_TEXT)
#undef OT__ATOM_TEXT
    };
    ot__mem_add(OT__MEM_ATOM, (int64_t)sizeof buckets + (int64_t)sizeof segs);
    ot__atom_encs = mmap(NULL, (size_t)OT_ATOM_MAX_COUNT * sizeof *ot__atom_encs, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ot__atom_encs == MAP_FAILED)
        abort();
    pthread_mutex_lock(&insert_lock);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        uint64_t h = hash_text(names[i], n);
        /* A text twice would give two indices to one atom. */
        if (find(h, names[i], n) || !insert_locked(h, names[i], n))
            abort(); /* cannot happen at start-up but for lack of memory */
    }
    pthread_mutex_unlock(&insert_lock);
}

ot_term ot_atom_len(const char *name, size_t len)
{
    if (!name)
        return OT_NONE;
    uint64_t h = hash_text(name, len);
    atom_entry *e = find(h, name, len);
    if (e)
        return ot__make_atom(e->index);
    size_t chars;
    if (!ot__utf8_valid((const uint8_t *)name, len, &chars) || chars > OT_ATOM_MAX_CHARS)
        return OT_NONE;
    pthread_mutex_lock(&insert_lock);
    e = insert_locked(h, name, len);
    pthread_mutex_unlock(&insert_lock);
    return e ? ot__make_atom(e->index) : OT_NONE;
}

ot_term ot_atom(const char *name)
{
    return name ? ot_atom_len(name, strlen(name)) : OT_NONE;
}

ot_term ot_atom_existing(const char *name, size_t len)
{
    if (!name)
        return OT_NONE;
    atom_entry *e = find(hash_text(name, len), name, len);
    return e ? ot__make_atom(e->index) : OT_NONE;
}

const char *ot__atom_text_idx(uint32_t i, size_t *len)
{
    atom_entry *_Atomic *seg = atomic_load_explicit(&segs[i >> SEG_BITS], memory_order_acquire);
    atom_entry *e = atomic_load_explicit(&seg[i & (SEG_SIZE - 1)], memory_order_acquire);
    if (len)
        *len = e->len;
    return e->text;
}

int32_t ot__atom_latin1_len(uint32_t i)
{
    atom_entry *_Atomic *seg = atomic_load_explicit(&segs[i >> SEG_BITS], memory_order_acquire);
    return atomic_load_explicit(&seg[i & (SEG_SIZE - 1)], memory_order_acquire)->latin1_len;
}

const char *ot_atom_text(ot_term a, size_t *len)
{
    if (!ot__is_atom(a))
        return NULL;
    uint32_t i = ot__atom_index(a);
    if (i >= atomic_load_explicit(&count, memory_order_acquire))
        return NULL;
    return ot__atom_text_idx(i, len);
}

size_t ot_atom_count(void)
{
    return atomic_load_explicit(&count, memory_order_acquire);
}

size_t ot__atom_bytes_allocated(void)
{
    return (size_t)ot__mem_get(OT__MEM_ATOM);
}

size_t ot__atom_bytes_used(void)
{
    return (size_t)ot__mem_get(OT__MEM_ATOM_USED);
}

ot_term ot__local_node(void)
{
    return atomic_load_explicit(&local_node, memory_order_acquire);
}

void ot__set_local_node(ot_term node)
{
    atomic_store_explicit(&local_node, node, memory_order_release);
}

uint32_t ot__local_creation(void)
{
    return atomic_load_explicit(&local_creation, memory_order_acquire);
}

void ot__set_local_creation(uint32_t creation)
{
    atomic_store_explicit(&local_creation, creation, memory_order_release);
}
