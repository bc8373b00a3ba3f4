/* term_internal.h — the in-memory form of terms, shared by src/term/
 * and by the runtime layers above (mailboxes copy terms into messages).
 *
 * A term is a 64-bit word whose low 3 bits are a tag:
 *   000  boxed: a pointer (8-byte aligned, never NULL) to a header word
 *   001  small integer: value << 3 (61-bit signed)
 *   010  atom: table index << 3
 *   011  special immediate: [] (0x3), pattern variable (see below)
 *   100  list: pointer | 4 to a cons cell of two words, head then tail
 *   101  local pid: id << 3 (32 bits) | serial << 35 (29 bits). A pid of the
 *        running node needs no heap (as in BEAM); its node and creation are
 *        the node's current ones (ot__local_node(), ot__local_creation()).
 *        ot_pid() and the decoder give this form for every pid of the local
 *        node, so a pid has one representation. Read pids with ot_pid_get().
 * OT_NONE (0) is a boxed "pointer" of NULL: not a term.
 *
 * A boxed object starts with a header word: bits 0..7 its kind (OT__B_*),
 * bits 8..63 its size field, whose meaning depends on the kind. The number
 * of words an object occupies, header included, is ot__box_words().
 */
#ifndef OTTER_TERM_INTERNAL_H
#define OTTER_TERM_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "otter/term.h"
#include "base/alloc.h"
#include "base/assert.h"
#include "base/buf.h"

/* ---------------------------------------------------------------- tags */

#define OT__TAG_MASK 0x7u
#define OT__TAG_BOXED 0x0u
#define OT__TAG_SMALL 0x1u
#define OT__TAG_ATOM 0x2u
#define OT__TAG_SPECIAL 0x3u
#define OT__TAG_LIST 0x4u
#define OT__TAG_LPID 0x5u

#define OT__SMALL_MAX ((int64_t)((UINT64_C(1) << 60) - 1))
#define OT__SMALL_MIN (-(int64_t)(UINT64_C(1) << 60))

/* Special immediates: bits 3..7 a subtag, bits 8.. a payload. */
#define OT__SPECIAL_NIL 0x0u   /* [] == 0x3 */
#define OT__SPECIAL_VAR 0x1u   /* pattern variable, payload = var number */
#define OT__SPECIAL_ANY 0x2u   /* pattern wildcard _ */

static inline unsigned ot__tag(ot_term t) { return (unsigned)(t & OT__TAG_MASK); }
static inline bool ot__is_small(ot_term t) { return ot__tag(t) == OT__TAG_SMALL; }
static inline int64_t ot__small_val(ot_term t) { return (int64_t)t >> 3; }
static inline ot_term ot__make_small(int64_t v) { return ((uint64_t)v << 3) | OT__TAG_SMALL; }
static inline bool ot__small_fits(int64_t v) { return v >= OT__SMALL_MIN && v <= OT__SMALL_MAX; }

static inline bool ot__is_atom(ot_term t) { return ot__tag(t) == OT__TAG_ATOM; }
static inline uint32_t ot__atom_index(ot_term t) { return (uint32_t)(t >> 3); }
static inline ot_term ot__make_atom(uint32_t idx) { return ((uint64_t)idx << 3) | OT__TAG_ATOM; }

static inline bool ot__is_cons(ot_term t) { return ot__tag(t) == OT__TAG_LIST; }
static inline ot_term *ot__cons_ptr(ot_term t) { return (ot_term *)(uintptr_t)(t & ~(uint64_t)OT__TAG_MASK); }
static inline ot_term ot__make_cons(ot_term *cell) { return (uint64_t)(uintptr_t)cell | OT__TAG_LIST; }

static inline bool ot__is_lpid(ot_term t) { return ot__tag(t) == OT__TAG_LPID; }
static inline uint32_t ot__lpid_id(ot_term t) { return (uint32_t)(t >> 3); }
static inline uint32_t ot__lpid_serial(ot_term t) { return (uint32_t)(t >> 35); }
static inline ot_term ot__make_lpid(uint32_t id, uint32_t serial)
{
    return ((uint64_t)serial << 35) | ((uint64_t)id << 3) | OT__TAG_LPID;
}
#define OT__LPID_SERIAL_MAX ((UINT32_C(1) << 29) - 1)

static inline bool ot__is_special(ot_term t) { return ot__tag(t) == OT__TAG_SPECIAL; }
static inline unsigned ot__special_sub(ot_term t) { return (unsigned)((t >> 3) & 0x1f); }
static inline uint64_t ot__special_payload(ot_term t) { return t >> 8; }
static inline ot_term ot__make_var(uint32_t n) { return ((uint64_t)n << 8) | (OT__SPECIAL_VAR << 3) | OT__TAG_SPECIAL; }
#define OT__ANY ((ot_term)((OT__SPECIAL_ANY << 3) | OT__TAG_SPECIAL))

static inline bool ot__is_boxed(ot_term t) { return t != OT_NONE && ot__tag(t) == OT__TAG_BOXED; }
static inline uint64_t *ot__box_ptr(ot_term t) { return (uint64_t *)(uintptr_t)t; }
static inline ot_term ot__make_boxed(uint64_t *p) { return (ot_term)(uintptr_t)p; }

/* ---------------------------------------------------------------- boxes */

enum ot__box_kind {
    OT__B_TUPLE = 1,   /* size = arity; then arity element words */
    OT__B_BIGNUM,      /* size = (limbs << 1) | negative; then limbs, little endian */
    OT__B_FLOAT,       /* size = 0; then one word holding the double's bits */
    OT__B_HEAPBIN,     /* size = bit length; then the bytes, padded to words */
    OT__B_REFCBIN,     /* size = bit length; then ot__refcbin fields (see below) */
    OT__B_MAP,         /* size = n pairs; then n keys (ascending, exact order), n values */
    OT__B_PID,         /* size = 0; then node atom, id | serial << 32, creation */
    OT__B_PORT,        /* size = 0; then node atom, id, creation */
    OT__B_REF,         /* size = n words (1..5); then node atom, creation, ids packed 2 per word */
    OT__B_FUN          /* size = byte length; then the external bytes (tag first), padded */
};

static inline uint64_t ot__hdr(unsigned kind, uint64_t size) { return (size << 8) | kind; }
static inline unsigned ot__hdr_kind(uint64_t h) { return (unsigned)(h & 0xff); }
static inline uint64_t ot__hdr_size(uint64_t h) { return h >> 8; }
static inline unsigned ot__box_kind(ot_term t) { return ot__hdr_kind(*ot__box_ptr(t)); }

/* Binaries above this many bytes are reference-counted and shared. */
#define OT__HEAPBIN_MAX 64

/* The shared storage of a large binary. Allocated once, freed when the last
 * reference goes. Its bytes are counted in the `binary` memory category. */
typedef struct ot__binbuf {
    _Atomic uint64_t refs;
    size_t size;            /* bytes in data */
    uint8_t data[];
} ot__binbuf;

/* A reference from a heap to a binbuf: the words after the header of an
 * OT__B_REFCBIN box. `next` links every refcbin box of one heap, so that
 * freeing the heap drops each reference once. */
typedef struct ot__refcbin {
    ot__binbuf *buf;
    const uint8_t *bytes;   /* start of this binary's bytes inside buf->data */
    struct ot__refcbin *next;
} ot__refcbin;

#define OT__REFCBIN_WORDS (1 + (sizeof(ot__refcbin) / 8))

static inline size_t ot__bits_to_bytes(uint64_t bits) { return (size_t)((bits + 7) / 8); }
static inline size_t ot__bytes_to_words(size_t bytes) { return (bytes + 7) / 8; }

/* ot__box_words: words occupied by the boxed object at p, header included. */
size_t ot__box_words(const uint64_t *p);

/* ---------------------------------------------------------------- heaps */

/* A heap is a chain of blocks with a bump pointer, plus the list of refcbin
 * boxes living in it. */
typedef struct ot__heapblock {
    struct ot__heapblock *prev;
    size_t words;           /* capacity of data */
    uint64_t data[];
} ot__heapblock;

struct ot_heap {
    ot__heapblock *block;   /* current block (newest) */
    uint64_t *top, *end;    /* free space in the current block */
    ot__refcbin *offheap;   /* refcbin boxes built in this heap */
    size_t bytes;           /* total bytes of blocks */
    bool fixed;             /* caller memory that never grows */
    int8_t category;        /* an ot__mem_cat its blocks count in, or -1 */
};

/* ot__heap_count_as: from now on h's blocks (those it has and those it
 * gets) count in memory category cat (src/base/alloc.h), until freed.
 * Process heaps count under processes this way. */
void ot__heap_count_as(ot_heap *h, int cat);

/* ot__heap_alloc: n words on h, 8-byte aligned, uninitialised. NULL if
 * memory runs out, or if h is NULL: ot_proc_heap() is NULL when the
 * process heap could not be allocated, and building on it then fails as
 * any other allocation does (OT_NONE) instead of crashing. Valid until h
 * is freed or reset. */
uint64_t *ot__heap_alloc_slow(ot_heap *h, size_t n);
static inline uint64_t *ot__heap_alloc(ot_heap *h, size_t n)
{
    if (__builtin_expect(!h, 0))
        return NULL;
    if ((size_t)(h->end - h->top) >= n) {
        uint64_t *p = h->top;
        h->top += n;
        return p;
    }
    return ot__heap_alloc_slow(h, n);
}

/* ot__heap_init_fixed: makes h a heap over caller memory mem of `words`
 * words that never grows (allocations beyond it fail). Used to copy a term
 * into a single allocation (a message). Free it with ot__heap_release_fixed,
 * which drops binary references but leaves mem to the caller. */
void ot__heap_init_fixed(ot_heap *h, uint64_t *mem, size_t words);
void ot__heap_release_fixed(ot_heap *h);
/* ot__offheap_release: what ot__heap_release_fixed does, given only the
 * heap's offheap list (h->offheap), for copies kept without their heap. */
void ot__offheap_release(struct ot__refcbin *list);

/* ot__copy_words: words a deep copy of t needs on a heap (0 for
 * immediates). ot_copy onto a fixed heap of that size cannot fail. */
size_t ot__copy_words(ot_term t);

/* ot__refcbin_new: a refcbin box on h for nbits bits starting at bytes,
 * which lie inside buf; takes one new reference on buf. */
ot_term ot__refcbin_new(ot_heap *h, ot__binbuf *buf, const uint8_t *bytes, uint64_t nbits);
/* ot__binbuf_new: a binbuf of size bytes with one reference (the caller's);
 * counted in the binary memory category. NULL if memory runs out. */
ot__binbuf *ot__binbuf_new(size_t size);
void ot__binbuf_ref(ot__binbuf *b);
void ot__binbuf_unref(ot__binbuf *b);

/* ot__binary_uninit: a binary or bitstring of nbits bits whose bytes the
 * caller fills at *bytes right after (heap or refc form as the size says).
 * The unused low bits of a partial last byte must be written as 0. */
ot_term ot__binary_uninit(ot_heap *h, uint64_t nbits, uint8_t **bytes);

/* ot__map_from_sorted: a map box from n keys already ascending in exact
 * order without duplicates, and their values. */
ot_term ot__map_from_sorted(ot_heap *h, size_t n, const ot_term *keys, const ot_term *vals);

/* ---------------------------------------------------------------- atoms */

/* The library's one internal atom table: atoms that otter's own code
 * names, interned at start-up right after OT_ATOMS_PREDEFINED (atom.c), so
 * that OT__ATOM(NAME) is a compile-time constant as OT_ATOM(NAME) is and
 * costs no lookup. X(C-name, text); a text must appear once, here or in
 * OT_ATOMS_PREDEFINED (atom.c aborts at start-up otherwise). */
#define OT__ATOMS_INTERNAL(X) \
    X(GET_STATE, "get_state") \
    X(GET_STATUS, "get_status") \
    X(TERMINATE, "terminate") \
    X(SUSPEND, "suspend") \
    X(RESUME, "resume") \
    X(ACK, "ack") \
    X(NACK, "nack") \
    X(ALREADY_STARTED, "already_started") \
    X(BAD_CALL, "bad_call") \
    X(BAD_CAST, "bad_cast") \
    X(BAD_RETURN_VALUE, "bad_return_value") \
    X(CALLING_SELF, "calling_self") \
    X(IGNORE, "ignore") \
    X(GEN_SERVER, "gen_server") \
    X(UNKNOWN_SYSTEM_MSG, "unknown_system_msg") \
    X(SYSTEM_LIMIT, "system_limit") \
    X(GET, "get") \
    X(UPDATE, "update") \
    X(GET_AND_UPDATE, "get_and_update") \
    X(CAST, "cast") \
    X(EXIT_LC, "exit") \
    X(TRANSIENT, "transient") \
    X(TEMPORARY, "temporary") \
    X(PERMANENT, "permanent") \
    X(BRUTAL_KILL, "brutal_kill") \
    X(DYNAMIC, "dynamic") \
    X(MISSING_ID, "missing_id") \
    X(MISSING_START, "missing_start") \
    X(INVALID_RESTART_TYPE, "invalid_restart_type") \
    X(INVALID_CHILD_TYPE, "invalid_child_type") \
    X(INVALID_SHUTDOWN, "invalid_shutdown") \
    X(INVALID_MODULES, "invalid_modules") \
    X(ID, "id") \
    X(START, "start") \
    X(RESTART, "restart") \
    X(TYPE, "type") \
    X(MODULES, "modules") \
    X(OTTER, "otter") \
    X(SUPERVISOR, "supervisor") \
    X(WORKER, "worker") \
    X(RESTARTING, "restarting") \
    X(INVALID_MFA, "invalid_mfa") \
    X(SIGNIFICANT, "significant") \
    X(OTTER_LOGGER, "otter_logger") \
    X(TRY_AGAIN_RESTART, "try_again_restart") \
    X(ALREADY_PRESENT, "already_present") \
    X(SPECS, "specs") \
    X(ACTIVE, "active") \
    X(SUPERVISORS, "supervisors") \
    X(WORKERS, "workers") \
    X(WHICH_CHILDREN, "which_children") \
    X(COUNT_CHILDREN, "count_children") \
    X(START_CHILD, "start_child") \
    X(TERMINATE_CHILD, "terminate_child") \
    X(NOT_FOUND, "not_found") \
    X(RESTART_CHILD, "restart_child") \
    X(DELETE_CHILD, "delete_child") \
    X(GET_CHILDSPEC, "get_childspec") \
    X(START_SPEC, "start_spec") \
    X(FAILED_TO_START_CHILD, "failed_to_start_child") \
    X(DUPLICATE_CHILD_NAME, "duplicate_child_name") \
    X(BAD_RETURN, "bad_return") \
    X(APP_X, "$app_x") \
    X(APP_STARTED, "$app_started") \
    X(GET_CHILD, "get_child") \
    X(STOP, "stop") \
    X(WHICH_APPLICATIONS, "which_applications") \
    X(GET_MASTER, "get_master") \
    X(STOPPING, "stopping") \
    X(START_APPLICATION, "start_application") \
    X(STARTING, "starting") \
    X(NOT_LOADED, "not_loaded") \
    X(NOT_STARTED, "not_started") \
    X(STOP_APPLICATION, "stop_application") \
    X(INFO, "info") \
    X(APPLICATION_CONTROLLER, "application_controller") \
    X(CIRCULAR_DEPENDENCIES, "circular_dependencies") \
    X(LOG, "log") \
    X(OTTER_SUP, "otter_sup") \
    X(INVALID_CHILD_SPEC, "invalid_child_spec") \
    X(REACHED_MAX_RESTART_INTENSITY, "reached_max_restart_intensity") \
    X(STACK_OVERFLOW, "stack_overflow") \
    X(SIGNAL, "signal") \
    X(TIME, "time") \
    X(FROM, "from") \
    X(TO, "to") \
    X(SEND, "send") \
    X(MSG, "msg") \
    X(SPAWN, "spawn") \
    X(DOWN_LC, "down") \
    X(REASON, "reason") \
    X(NAME, "name") \
    X(EVENTS, "events") \
    X(DROPPED, "dropped") \
    X(END_OF_TABLE, "$end_of_table") \
    X(ETS_TRANSFER, "ETS-TRANSFER") \
    X(NONE, "none") \
    X(SET, "set") \
    X(ORDERED_SET, "ordered_set") \
    X(BAG, "bag") \
    X(DUPLICATE_BAG, "duplicate_bag") \
    X(PUBLIC, "public") \
    X(PROTECTED, "protected") \
    X(PRIVATE, "private") \
    X(NAMED_TABLE, "named_table") \
    X(COMPRESSED, "compressed") \
    X(KEYPOS, "keypos") \
    X(HEIR, "heir") \
    X(READ_CONCURRENCY, "read_concurrency") \
    X(DECENTRALIZED_COUNTERS, "decentralized_counters") \
    X(WRITE_CONCURRENCY, "write_concurrency") \
    X(AUTO, "auto") \
    X(CPU_TIME, "cpu_time") \
    X(SELF, "self")

enum ot__atom_index {
    OT__ATOM_INDEX_BEFORE_ = OT_ATOM_INDEX_COUNT_ - 1,
#define OT__ATOM_ENUM(name, text) OT__ATOM_INDEX_##name,
    OT__ATOMS_INTERNAL(OT__ATOM_ENUM)
#undef OT__ATOM_ENUM
    OT__ATOM_INDEX_END_
};

/* The term of the internal atom NAME, e.g. OT__ATOM(GEN_SERVER). */
#define OT__ATOM(NAME) ((ot_term)(((uint64_t)OT__ATOM_INDEX_##NAME << 3) | 0x2))

/* The text of atom index i and its byte length; i must be valid. */
const char *ot__atom_text_idx(uint32_t i, size_t *len);
/* ot__atom_latin1_len: for atom index i (valid), its length in characters
 * if every character is Latin-1 (<= 255), else -1. Precomputed: the
 * encoder uses it to choose ATOM_EXT as OTP 25's term_to_binary does. */
int32_t ot__atom_latin1_len(uint32_t i);
/* ot__atom_encs[i]: the external encoding of atom index i (tag first), as
 * term_to_binary/1 writes it (bytes[0]) or with UTF-8 atoms (bytes[1]),
 * precomputed when the atom was made and written before the index is
 * handed out, never changed after. */
typedef struct ot__atom_enc {
    const uint8_t *bytes[2];
    uint16_t len[2];
} ot__atom_enc;
extern ot__atom_enc *ot__atom_encs;
/* Bytes the atom table uses: allocated and used (for ot_memory). */
size_t ot__atom_bytes_allocated(void);
size_t ot__atom_bytes_used(void);

/* ---------------------------------------------------------------- utf8 */

/* ot__utf8_decode: decodes one code point from s[0..n); returns its byte
 * length (1..4) and sets *cp, or 0 if the bytes there are not valid UTF-8
 * (overlong forms, surrogates and values above 0x10FFFF are invalid). */
size_t ot__utf8_decode(const uint8_t *s, size_t n, uint32_t *cp);
/* ot__utf8_valid: is s[0..n) valid UTF-8? counts code points in *chars if
 * chars is not NULL. */
bool ot__utf8_valid(const uint8_t *s, size_t n, size_t *chars);
/* ot__utf8_encode: writes cp as UTF-8 into out (4 bytes room); returns the
 * length, 0 if cp is not a Unicode scalar value. */
size_t ot__utf8_encode(uint32_t cp, uint8_t *out);

/* ---------------------------------------------------------------- bignums */

/* Magnitude of an integer term as limbs: for small ints uses *scratch. */
size_t ot__int_limbs(ot_term t, bool *neg, const uint64_t **limbs, uint64_t *scratch);
/* ot__mag_to_decimal: writes the decimal digits of the magnitude in
 * work[0..n) (little-endian limbs; destroyed) so that they end just before
 * `end`, which needs 20 * max(n, 1) bytes of room below it; returns the
 * first digit. */
char *ot__mag_to_decimal(uint64_t *work, size_t n, char *end);
/* ot__int_to_decimal: decimal text of the integer t (sign included) into
 * a new buffer (ot__free); NULL if memory runs out. */
char *ot__int_to_decimal(ot_term t, size_t *len);
/* ot__int_from_text: parses an integer in base 2..36 (digits only, no
 * sign) of any size; NULL digits invalid. Returns OT_NONE on bad input. */
ot_term ot__int_from_text(ot_heap *h, bool negative, const char *digits, size_t n, unsigned base);

/* ---------------------------------------------------------------- misc */

/* ot__local_node: the atom naming the running node (nonode@nohost until the
 * distribution layer sets it). */
ot_term ot__local_node(void);
void ot__set_local_node(ot_term node);
/* ot__local_creation: the running node's creation (0 until distributed). */
uint32_t ot__local_creation(void);
void ot__set_local_creation(uint32_t creation);

/* ot__float_text: appends the shortest text that reads back as d,
 * formatted as Elixir's inspect/Erlang's io_lib_format:fwrite_g do. */
void ot__float_text(ot__buf *sb, double d);
/* ot__print_sb: appends t's text to sb (no NUL); 0, or a negative errno. */
int ot__print_sb(ot__buf *sb, ot_term t, const ot_print_opts *opts);

#endif
