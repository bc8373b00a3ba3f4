/* ext.h — the tags of Erlang's external term format, shared by the
 * encoder (ext_encode.c), the decoder (ext_decode.c) and the atom table
 * (which precomputes each atom's encoding). Values from OTP's
 * erts/doc external term format. */
#ifndef OTTER_TERM_EXT_H
#define OTTER_TERM_EXT_H

#include <sys/types.h>

#include "otter/term.h"

enum {
    TAG_NEW_FLOAT = 70,
    TAG_BIT_BINARY = 77,
    TAG_COMPRESSED = 80,
    TAG_NEW_PID = 88,
    TAG_NEW_PORT = 89,
    TAG_NEWER_REFERENCE = 90,
    TAG_SMALL_INTEGER = 97,
    TAG_INTEGER = 98,
    TAG_FLOAT = 99,
    TAG_ATOM = 100,
    TAG_REFERENCE = 101,
    TAG_PORT = 102,
    TAG_PID = 103,
    TAG_SMALL_TUPLE = 104,
    TAG_LARGE_TUPLE = 105,
    TAG_NIL = 106,
    TAG_STRING = 107,
    TAG_LIST = 108,
    TAG_BINARY = 109,
    TAG_SMALL_BIG = 110,
    TAG_LARGE_BIG = 111,
    TAG_NEW_FUN = 112,
    TAG_EXPORT = 113,
    TAG_NEW_REFERENCE = 114,
    TAG_SMALL_ATOM = 115,
    TAG_MAP = 116,
    TAG_ATOM_UTF8 = 118,
    TAG_SMALL_ATOM_UTF8 = 119,
    TAG_V4_PORT = 120,
    VERSION_MAGIC = 131
};

/* ot__ext_encode_body: t's external encoding without the version byte
 * (ext_encode.c; the decoder uses it to store funs). */
ssize_t ot__ext_encode_body(ot_term t, uint8_t *out, size_t cap, int flags);

#endif
