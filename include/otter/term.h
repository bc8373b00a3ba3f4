/* otter/term.h — Erlang terms: the one data model of otter.
 *
 * Every message, wire packet, introspection record and chart datum in otter
 * is an Erlang term. This header covers building terms in C, reading them,
 * encoding and decoding Erlang's external term format (byte-identical with
 * erlang:term_to_binary/1), printing them as Elixir's inspect/1 or Erlang's
 * io_lib would, matching them against patterns, ordering them as Erlang
 * does, and turning them into JSON.
 *
 * Memory: a term is a 64-bit word (ot_term). Small integers, atoms, the
 * empty list and pids of the running node are immediate; everything else lives in an ot_heap, an arena
 * that the caller creates and frees. A term stays valid until its heap is
 * freed or reset. Binaries over 64 bytes are reference-counted and shared
 * between heaps without copying; freeing a heap drops its references.
 * Atoms are interned in one node-wide table and never freed (as in BEAM).
 *
 * Failure: builders return OT_NONE when memory runs out or an argument is
 * invalid, and every builder given OT_NONE as an argument returns OT_NONE,
 * so a nested construction can be checked once at the end. Functions that
 * return int give 0 (or a count) on success and a negative errno on failure.
 *
 * Threads: an ot_heap belongs to one thread at a time. Terms are immutable
 * once built, so reading a term from several threads is safe. The atom
 * table and the reference counts of shared binaries are thread-safe.
 */
#ifndef OTTER_TERM_H
#define OTTER_TERM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "otter/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- model */

typedef uint64_t ot_term;
typedef struct ot_heap ot_heap;

/* Not a term: the result of a failed builder or an absent lookup. */
#define OT_NONE ((ot_term)0)
/* The empty list []. */
#define OT_NIL ((ot_term)0x3)

/* Term types, declared in Erlang's term order:
 * number < atom < reference < fun < port < pid < tuple < map < nil < list
 * < bitstring. OT_TYPE_INT and OT_TYPE_FLOAT are both numbers. */
typedef enum ot_type {
    OT_TYPE_NONE = 0,
    OT_TYPE_INT,       /* small or big integer */
    OT_TYPE_FLOAT,
    OT_TYPE_ATOM,
    OT_TYPE_REF,
    OT_TYPE_FUN,       /* opaque: kept as its external encoding */
    OT_TYPE_PORT,
    OT_TYPE_PID,
    OT_TYPE_TUPLE,
    OT_TYPE_MAP,
    OT_TYPE_NIL,
    OT_TYPE_LIST,      /* a cons cell: proper or improper list */
    OT_TYPE_BINARY,    /* binaries and bitstrings */
    OT_TYPE_VAR        /* a pattern variable (patterns only, see ot_match) */
} ot_type;

/* ot_typeof: the type of t; OT_TYPE_NONE for OT_NONE. Never fails. */
OT_API ot_type ot_typeof(ot_term t);

/* ---------------------------------------------------------------- atoms */

/* Atoms every otter module uses, with fixed table indices so that they are
 * compile-time constants. X(C-name, text). */
#define OT_ATOMS_PREDEFINED(X)                                              \
    X(EMPTY, "") X(TRUE, "true") X(FALSE, "false") X(NIL, "nil")            \
    X(OK, "ok") X(ERROR, "error") X(UNDEFINED, "undefined")                 \
    X(NORMAL, "normal") X(KILL, "kill") X(KILLED, "killed")                 \
    X(SHUTDOWN, "shutdown") X(NOPROC, "noproc")                             \
    X(NOCONNECTION, "noconnection") X(EXIT, "EXIT") X(DOWN, "DOWN")         \
    X(PROCESS, "process") X(TIMEOUT, "timeout") X(INFINITY, "infinity")     \
    X(BADARG, "badarg") X(BADARITH, "badarith") X(UNDEF, "undef")           \
    X(NONODE, "nonode@nohost") X(GEN_CALL, "$gen_call")                     \
    X(GEN_CAST, "$gen_cast") X(ALIAS, "alias") X(THROW, "throw")            \
    X(RETURN, "return") X(CALL, "call") X(RUNNING, "running")               \
    X(RUNNABLE, "runnable") X(WAITING, "waiting") X(EXITING, "exiting")     \
    X(SUSPENDED, "suspended") X(REGISTERED_NAME, "registered_name")         \
    X(STATUS, "status") X(MEMORY, "memory") X(REDUCTIONS, "reductions")     \
    X(MESSAGE_QUEUE_LEN, "message_queue_len") X(LINKS, "links")             \
    X(MONITORS, "monitors") X(MONITORED_BY, "monitored_by")                 \
    X(TRAP_EXIT, "trap_exit") X(INITIAL_CALL, "initial_call")               \
    X(CURRENT_FUNCTION, "current_function") X(LABEL, "label")               \
    X(TOTAL, "total") X(PROCESSES, "processes")                             \
    X(PROCESSES_USED, "processes_used") X(SYSTEM, "system")                 \
    X(ATOM, "atom") X(ATOM_USED, "atom_used") X(BINARY, "binary")           \
    X(CODE, "code") X(ETS, "ets")

enum ot_atom_index {
#define OT__ATOM_ENUM(name, text) OT_ATOM_INDEX_##name,
    OT_ATOMS_PREDEFINED(OT__ATOM_ENUM)
#undef OT__ATOM_ENUM
    OT_ATOM_INDEX_COUNT_
};

/* The term of the predefined atom NAME, e.g. OT_ATOM(OK) is :ok. */
#define OT_ATOM(NAME) ((ot_term)(((uint64_t)OT_ATOM_INDEX_##NAME << 3) | 0x2))

/* Longest atom: 255 characters (code points), as in Erlang. */
#define OT_ATOM_MAX_CHARS 255
/* Most atoms the table holds (BEAM's default limit). */
#define OT_ATOM_MAX_COUNT 1048576

/* ot_atom: the atom whose text is the NUL-terminated UTF-8 string name,
 * interned on first use. OT_NONE if name is not valid UTF-8, is longer than
 * 255 characters, or the table is full. Thread-safe; no heap needed. */
OT_API ot_term ot_atom(const char *name);
/* ot_atom_len: as ot_atom, for len bytes that need not be NUL-terminated. */
OT_API ot_term ot_atom_len(const char *name, size_t len);
/* ot_atom_existing: the atom if it is already interned, else OT_NONE.
 * Never adds to the table (use it for untrusted text). */
OT_API ot_term ot_atom_existing(const char *name, size_t len);
/* ot_atom_text: the UTF-8 text of atom a (NUL-terminated, static for the
 * node's life) and its length in bytes in *len if len is not NULL.
 * NULL if a is not an atom. */
OT_API const char *ot_atom_text(ot_term a, size_t *len);
/* ot_atom_count: how many atoms are interned. */
OT_API size_t ot_atom_count(void);

/* ---------------------------------------------------------------- heaps */

/* ot_heap_new: a new, empty heap. NULL if memory runs out.
 * The caller frees it with ot_heap_free. */
OT_API ot_heap *ot_heap_new(void);
/* ot_heap_free: frees every term built in h and drops its references to
 * shared binaries. h and all its terms are invalid afterwards. NULL is a
 * no-op. */
OT_API void ot_heap_free(ot_heap *h);
/* ot_heap_reset: as ot_heap_free followed by ot_heap_new, keeping the
 * first block of memory for reuse. All terms of h become invalid. */
OT_API void ot_heap_reset(ot_heap *h);
/* ot_heap_bytes: bytes of memory h holds (its blocks, not shared binaries). */
OT_API size_t ot_heap_bytes(const ot_heap *h);

/* ---------------------------------------------------------------- build */

/* Integers of any size: small ones are immediate, others are bignums on h.
 * ot_int never returns OT_NONE for a small value, even with h NULL. */
OT_API ot_term ot_int(ot_heap *h, int64_t v);
OT_API ot_term ot_uint(ot_heap *h, uint64_t v);
/* ot_bigint: the integer (-1)^negative * sum(limbs[i] * 2^(64 i)), with
 * n little-endian 64-bit limbs, normalised (a value that fits in a small
 * integer becomes one). */
OT_API ot_term ot_bigint(ot_heap *h, bool negative, const uint64_t *limbs, size_t n);
/* ot_float: a float. OT_NONE for NaN and infinities, which Erlang lacks. */
OT_API ot_term ot_float(ot_heap *h, double v);
/* ot_binary: a binary holding a copy of n bytes. Over 64 bytes it is a
 * shared, reference-counted binary counted in the `binary` memory category. */
OT_API ot_term ot_binary(ot_heap *h, const void *data, size_t n);
/* ot_bitstring: a bitstring of nbits bits (the high bits of each byte first,
 * as Erlang stores them); unused low bits of the last byte are ignored. */
OT_API ot_term ot_bitstring(ot_heap *h, const void *data, size_t nbits);
/* ot_string: a UTF-8 binary of strlen(s) bytes: Elixir's string "s". */
OT_API ot_term ot_string(ot_heap *h, const char *s);
/* ot_charlist: the list of code points of UTF-8 text s: Erlang's "s",
 * Elixir's 's'. OT_NONE if s is not valid UTF-8. */
OT_API ot_term ot_charlist(ot_heap *h, const char *s);
/* ot_tuple: the tuple of n terms given as variadic ot_term arguments. */
OT_API ot_term ot_tuple(ot_heap *h, size_t n, ...);
OT_API ot_term ot_tuplev(ot_heap *h, size_t n, const ot_term *elems);
/* ot_cons: the list cell [head | tail]. */
OT_API ot_term ot_cons(ot_heap *h, ot_term head, ot_term tail);
/* ot_list: the proper list of n terms given as variadic ot_term arguments. */
OT_API ot_term ot_list(ot_heap *h, size_t n, ...);
OT_API ot_term ot_listv(ot_heap *h, size_t n, const ot_term *elems);
/* ot_map: the map of n key/value pairs; a key given twice keeps its last
 * value (as Erlang's maps:from_list/1). */
OT_API ot_term ot_map(ot_heap *h, size_t n, const ot_term *keys, const ot_term *values);
/* ot_map_put: a new map: m with key set to value. m is unchanged. */
OT_API ot_term ot_map_put(ot_heap *h, ot_term m, ot_term key, ot_term value);
/* ot_pid / ot_port / ot_ref: identifiers of node `node` (an atom) with the
 * node's 32-bit creation. A pid of the running node (its current name and
 * creation) is immediate, like a small integer: it needs no heap (h may
 * be NULL) and stays valid forever. A reference has 1 to 5 32-bit words (ids[0] is
 * the first word of NEWER_REFERENCE_EXT). */
OT_API ot_term ot_pid(ot_heap *h, ot_term node, uint32_t id, uint32_t serial, uint32_t creation);
OT_API ot_term ot_port(ot_heap *h, ot_term node, uint64_t id, uint32_t creation);
OT_API ot_term ot_ref(ot_heap *h, ot_term node, uint32_t creation, const uint32_t *ids, size_t n);
/* ot_copy: a deep copy of t on heap h (shared binaries are shared, not
 * copied). Use it to keep a term beyond the life of its own heap. */
OT_API ot_term ot_copy(ot_heap *h, ot_term t);

/* ot_build: builds a term from a format in Erlang term syntax where ~
 * directives take C arguments, e.g.
 *     ot_build(h, "{~a, ~p, ~i}", "ping", self, 42)   =>  {ping, <0.84.0>, 42}
 * Literals: atoms (ok, 'quoted atom'), integers (any size, 16#ff, $a),
 * floats, "strings" (charlists, as in Erlang), <<"bytes">>, <<1,2>>, tuples,
 * lists (incl. [H | T]), maps #{k => v}. Directives:
 *     ~a  const char *  -> atom          ~s  const char *  -> UTF-8 binary
 *     ~i  int           -> integer       ~l  int64_t       -> integer
 *     ~u  uint64_t      -> integer       ~f  double        -> float
 *     ~b  const void *, size_t -> binary of that many bytes
 *     ~t  ot_term       -> the term      ~p  ot_term       -> same as ~t
 *     ~~  a literal ~
 * Returns OT_NONE if the format is malformed, a directive's argument is
 * invalid, or memory runs out (ot_parse gives the reason). */
OT_API ot_term ot_build(ot_heap *h, const char *fmt, ...);
OT_API ot_term ot_vbuild(ot_heap *h, const char *fmt, va_list ap);

/* A parse failure: where, and what was wrong. */
typedef struct ot_parse_error {
    size_t offset;       /* byte offset in the text */
    const char *what;    /* static English description */
} ot_parse_error;

/* ot_parse: parses len bytes of Erlang term text (no ~ directives; pids as
 * <0.1.2>, references as #Ref<0.1.2.3> are accepted) into *out on h.
 * Variables (Capitalised or _names) and _ are allowed only if `pattern` is
 * true; they become OT_TYPE_VAR terms for ot_match. Returns 0, or
 * -EINVAL with *err filled (err may be NULL), or -ENOMEM. Atoms not yet
 * interned are created: cap the length of untrusted text accordingly. */
OT_API int ot_parse(ot_heap *h, const char *text, size_t len, bool pattern,
                    ot_term *out, ot_parse_error *err);

/* ---------------------------------------------------------------- read */

OT_API bool ot_is_int(ot_term t);
OT_API bool ot_is_float(ot_term t);
OT_API bool ot_is_number(ot_term t);
OT_API bool ot_is_atom(ot_term t);
OT_API bool ot_is_binary(ot_term t);      /* whole bytes only */
OT_API bool ot_is_bitstring(ot_term t);   /* any number of bits */
OT_API bool ot_is_tuple(ot_term t);
OT_API bool ot_is_list(ot_term t);        /* [] or a cons cell */
OT_API bool ot_is_map(ot_term t);
OT_API bool ot_is_pid(ot_term t);
OT_API bool ot_is_port(ot_term t);
OT_API bool ot_is_ref(ot_term t);
OT_API bool ot_is_fun(ot_term t);

/* ot_get_int64: *v = t if t is an integer that fits; -ERANGE if it is an
 * integer that does not, -EINVAL if not an integer. */
OT_API int ot_get_int64(ot_term t, int64_t *v);
OT_API int ot_get_uint64(ot_term t, uint64_t *v);
/* ot_get_double: *v = t for a float, or an integer converted (possibly
 * rounded); -EINVAL if t is not a number. */
OT_API int ot_get_double(ot_term t, double *v);
/* ot_bigint_limbs: for any integer, its sign and magnitude limbs (little
 * endian, 64-bit). *limbs points into the term (or to a static for small
 * integers: copy it before the next call). Returns the limb count, or
 * -EINVAL if t is not an integer. */
OT_API ssize_t ot_bigint_limbs(ot_term t, bool *negative, const uint64_t **limbs);

/* ot_tuple_arity / ot_tuple_get: arity and element i (0-based) of a tuple;
 * 0 / OT_NONE if t is not a tuple or i is out of range. */
OT_API size_t ot_tuple_arity(ot_term t);
OT_API ot_term ot_tuple_get(ot_term t, size_t i);

/* ot_hd / ot_tl: head and tail of a cons cell; OT_NONE otherwise. */
OT_API ot_term ot_hd(ot_term t);
OT_API ot_term ot_tl(ot_term t);
/* ot_list_length: elements of a proper list; -EINVAL if t is not a proper
 * list. */
OT_API ssize_t ot_list_length(ot_term t);

/* ot_binary_data: the bytes of a binary or bitstring and their count
 * (whole bytes, plus the partial last byte of a bitstring). Valid while the
 * term is. NULL if t is not a bitstring. */
OT_API const uint8_t *ot_binary_data(ot_term t, size_t *nbytes);
/* ot_bitstring_bits: length of a bitstring in bits (8 * bytes for a
 * binary); 0 if t is not a bitstring. */
OT_API size_t ot_bitstring_bits(ot_term t);

/* Maps: size, lookup (OT_NONE if absent) and the i-th pair in the map's
 * order (ot_compare_exact: all integers before all floats, then atoms, ...
 * as BEAM orders map keys). */
OT_API size_t ot_map_size(ot_term m);
OT_API ot_term ot_map_get(ot_term m, ot_term key);
OT_API ot_term ot_map_key(ot_term m, size_t i);
OT_API ot_term ot_map_value(ot_term m, size_t i);

/* Identifiers: the fields as given to ot_pid/ot_port/ot_ref. Each returns
 * -EINVAL if t is not of that type. */
typedef struct ot_pid_parts { ot_term node; uint32_t id, serial, creation; } ot_pid_parts;
typedef struct ot_port_parts { ot_term node; uint64_t id; uint32_t creation; } ot_port_parts;
typedef struct ot_ref_parts { ot_term node; uint32_t creation; uint32_t n; uint32_t ids[5]; } ot_ref_parts;
OT_API int ot_pid_get(ot_term t, ot_pid_parts *p);
OT_API int ot_port_get(ot_term t, ot_port_parts *p);
OT_API int ot_ref_get(ot_term t, ot_ref_parts *p);

/* ot_fun_bytes: the external encoding of a fun (starting with its tag byte
 * 112 NEW_FUN_EXT or 113 EXPORT_EXT, without the 131 version byte). */
OT_API const uint8_t *ot_fun_bytes(ot_term t, size_t *n);

/* ---------------------------------------------------------------- order */

/* ot_compare: Erlang's term order, -1, 0 or 1. Numbers compare by value
 * (1 == 1.0 is 0), as Erlang's < and ==. */
OT_API int ot_compare(ot_term a, ot_term b);
/* ot_equal: exact equality, Erlang's =:= (1 =:= 1.0 is false). */
OT_API bool ot_equal(ot_term a, ot_term b);
/* ot_compare_exact: a total order consistent with ot_equal: as ot_compare
 * but every integer sorts before every float (as BEAM orders map keys:
 * maps:keys(#{2 => a, 1.0 => b}) is [2, 1.0]). */
OT_API int ot_compare_exact(ot_term a, ot_term b);
/* ot_hash: a hash of t consistent with ot_equal (equal terms hash alike). */
OT_API uint64_t ot_hash(ot_term t);

/* ---------------------------------------------------------------- match */

/* ot_match: does t match pattern p (built by ot_parse with pattern=true or
 * ot_pattern)? Variables are numbered 0, 1, ... in order of first
 * appearance; a variable that occurs twice must bind equal terms (=:=);
 * _ matches anything and binds nothing. On a match, binds[i] receives the
 * sub-term bound to variable i (binds may be NULL if p has no variables,
 * and must have room for ot_pattern_vars(p) entries otherwise). binds may
 * be written even when the result is false. Literal numbers match by =:=. */
OT_API bool ot_match(ot_term p, ot_term t, ot_term *binds);
/* ot_pattern: builds a pattern with ot_build's syntax and directives, plus
 * variables (From, _Rest) and _, e.g. ot_pattern(h, "{pong, From}").
 * OT_NONE on a malformed format. */
OT_API ot_term ot_pattern(ot_heap *h, const char *fmt, ...);
/* ot_pattern_vars: how many distinct variables pattern p binds. */
OT_API size_t ot_pattern_vars(ot_term p);

/* ---------------------------------------------------------------- encode */

/* Encoding flags. 0 gives exactly what OTP 25's erlang:term_to_binary/1
 * gives: atoms whose characters are all Latin-1 as ATOM_EXT (100), others
 * as SMALL_ATOM_UTF8_EXT/ATOM_UTF8_EXT. OT_ENCODE_UTF8_ATOMS encodes every
 * atom as UTF-8 (term_to_binary(T, [{minor_version, 2}]), the default from
 * OTP 26 on, and what the distribution protocol sends). */
#define OT_ENCODE_UTF8_ATOMS 0x1

/* ot_encoded_size: bytes of t's external encoding, with the 131 version
 * byte; -EINVAL if t contains OT_NONE or a pattern variable, -E2BIG if a
 * part has more than 2^32 elements or bytes, -ENOMEM if memory for the
 * walk (deep nesting) runs out. */
OT_API ssize_t ot_encoded_size(ot_term t, int flags);
/* ot_encode: writes t's external encoding (131 first) to buf, byte for
 * byte what erlang:term_to_binary/1 gives for the same term (maps of up to
 * 32 keys in BEAM's order; larger maps in key order, which BEAM decodes
 * alike). Returns the byte count, -ENOBUFS if cap is too small (buf then
 * holds nothing useful), or the errors of ot_encoded_size. */
OT_API ssize_t ot_encode(ot_term t, uint8_t *buf, size_t cap, int flags);
/* ot_encode_alloc: as ot_encode into a new buffer the caller frees with
 * free(). Returns the length, or a negative errno. */
OT_API ssize_t ot_encode_alloc(ot_term t, uint8_t **out, int flags);

/* Limits for decoding untrusted bytes. Zero fields take the defaults. */
typedef struct ot_decode_opts {
    size_t max_depth;     /* nesting of tuples, lists, maps: default 10,000 */
    size_t max_bytes;     /* input accepted (after decompression): default 64 MiB */
    bool no_version;      /* input starts without the 131 byte */
    bool no_new_atoms;    /* fail rather than intern unknown atoms (-ENOENT) */
} ot_decode_opts;

/* Why decoding failed. */
typedef struct ot_decode_error {
    size_t offset;        /* byte offset in the input where it went wrong */
    const char *what;     /* static English description, e.g. "unknown tag 42" */
} ot_decode_error;

/* ot_decode: decodes one term from buf[0..len) onto h. On success returns
 * the number of bytes consumed (the rest may hold another term) and sets
 * *out. Never reads outside the buffer. -EINVAL if h, buf or out is NULL.
 * On failure returns -EBADMSG
 * (malformed), -E2BIG (a limit of opts exceeded), -ENOENT (unknown atom with
 * no_new_atoms), or -ENOMEM, and fills *err (err may be NULL); nothing
 * built so far is reachable, and h keeps its earlier terms. opts may be
 * NULL. Accepts every tag OTP 25 produces, the older ones (ATOM_EXT,
 * PID_EXT, FLOAT_EXT, ...) and compressed terms (tag 80). */
OT_API ssize_t ot_decode(ot_heap *h, const uint8_t *buf, size_t len,
                         const ot_decode_opts *opts, ot_term *out, ot_decode_error *err);

/* ---------------------------------------------------------------- print */

typedef enum ot_syntax {
    OT_SYNTAX_ELIXIR = 0,   /* as Kernel.inspect/1: %{a: 1}, #PID<0.84.0> */
    OT_SYNTAX_ERLANG = 1    /* as io_lib:format("~tp"): #{a => 1}, <0.84.0> */
} ot_syntax;

typedef struct ot_print_opts {
    ot_syntax syntax;
    size_t limit;         /* items per collection, as inspect's :limit; 0 = no limit */
    ot_term local_node;   /* pids of this node print as <0.x.y>; OT_NONE:
                             the running node (nonode@nohost when not distributed) */
} ot_print_opts;

/* ot_print: writes t's text to buf as snprintf does: at most cap bytes
 * including a terminating NUL, and returns the full length the text needs
 * (excluding the NUL), or -EINVAL for OT_NONE, -ENOMEM if memory for very
 * deep nesting or huge integers runs out. opts may be NULL (Elixir
 * syntax, no limit). */
OT_API ssize_t ot_print(char *buf, size_t cap, ot_term t, const ot_print_opts *opts);
/* ot_inspect: t's text in a new NUL-terminated string the caller frees with
 * free(). NULL if memory runs out or t is OT_NONE. */
OT_API char *ot_inspect(ot_term t, const ot_print_opts *opts);
/* ot_fprint: writes t's text to f. Returns bytes written or a negative errno. */
OT_API ssize_t ot_fprint(FILE *f, ot_term t, const ot_print_opts *opts);

/* ---------------------------------------------------------------- json */

/* ot_to_json: t as compact JSON in a new NUL-terminated string (free()).
 * Maps become objects (keys: atoms and UTF-8 binaries as themselves, any
 * other key as its Elixir text), lists and tuples arrays, atoms true/false/
 * nil JSON true/false/null, other atoms and UTF-8 binaries strings,
 * integers and floats numbers (integers outside the signed 64-bit range
 * as strings), pids,
 * ports, references and funs their Elixir text; a non-UTF-8 binary or
 * bitstring becomes its Elixir text too. An improper list ends with its
 * tail as the last element. NULL if memory runs out or t is OT_NONE. */
OT_API char *ot_to_json(ot_term t, size_t *len);
/* ot_from_json: parses JSON text into a term on h: objects become maps with
 * binary keys, arrays lists, strings binaries, integers integers, other
 * numbers floats, true/false atoms, null the atom nil. Returns 0, -EINVAL
 * with *err filled for malformed JSON, or -ENOMEM. */
OT_API int ot_from_json(ot_heap *h, const char *text, size_t len, ot_term *out,
                        ot_parse_error *err);

#ifdef __cplusplus
}
#endif
#endif
