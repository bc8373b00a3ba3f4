/* fuzz_check.h — the property the term decoder's fuzz target checks, shared
 * with tests/unit/test_fuzz_corpus.c so that `make test` runs the corpus.
 *
 * For any input bytes: ot_decode either fails cleanly (a documented errno,
 * an offset inside the input, a description) or gives a term whose
 * encoding, with either atom flag, decodes back to an equal term and
 * re-encodes to the very same bytes; no strict prefix of an encoding
 * decodes; ot_copy gives an equal term. */
#ifndef OTTER_FUZZ_CHECK_H
#define OTTER_FUZZ_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otter/term.h"

/* fuzz_check: runs the property on data[0..size). Returns NULL when it
 * holds, or a static description of the first violation. Leaks nothing:
 * libFuzzer's leak detection checks that after each input, and
 * test_fuzz_corpus.c with LeakSanitizer after each of its cases. */
static inline const char *fuzz_check(const uint8_t *data, size_t size)
{
    static const int flag_sets[2] = { 0, OT_ENCODE_UTF8_ATOMS };
    const char *bad = NULL;
    ot_heap *h = ot_heap_new();
    if (!h)
        return NULL; /* no memory: nothing to check */
    ot_term t;
    ot_decode_error err = { 0, NULL };
    ot_decode_opts opts = { .max_depth = 2000, .max_bytes = 1 << 20 };
    ssize_t n = ot_decode(h, data, size, &opts, &t, &err);
    if (n < 0) {
        if (n != -EBADMSG && n != -E2BIG && n != -ENOENT && n != -ENOMEM)
            bad = "decode failed with an undocumented errno";
        else if (!err.what || !*err.what)
            bad = "decode failed without a description";
        else if (err.offset > size)
            bad = "decode failure offset outside the input";
        goto out;
    }
    if (n == 0 || (size_t)n > size) {
        bad = "decode consumed an impossible byte count";
        goto out;
    }
    ot_heap *h2 = ot_heap_new();
    if (!h2)
        goto out;
    ot_term c = ot_copy(h2, t);
    if (c != OT_NONE && !ot_equal(c, t))
        bad = "ot_copy of a decoded term is not equal to it";
    for (int k = 0; k < 2 && !bad; k++) {
        int flags = flag_sets[k];
        ssize_t sz = ot_encoded_size(t, flags);
        uint8_t *enc = NULL;
        ssize_t len = ot_encode_alloc(t, &enc, flags);
        if (len == -ENOMEM || sz == -ENOMEM)
            break;
        if (len < 0 || sz != len) {
            bad = len < 0 ? "a decoded term does not encode" : "ot_encoded_size disagrees with ot_encode";
            free(enc);
            break;
        }
        ot_term t2;
        ssize_t m = ot_decode(h2, enc, (size_t)len, NULL, &t2, &err);
        if (m == -ENOMEM) {
            free(enc);
            break;
        }
        if (m != len) {
            bad = "the encoding of a decoded term does not decode whole";
        } else if (!ot_equal(t, t2) || ot_compare_exact(t, t2) != 0) {
            bad = "decode(encode(t)) is not equal to t";
        } else {
            uint8_t *enc2 = NULL;
            ssize_t len2 = ot_encode_alloc(t2, &enc2, flags);
            if (len2 >= 0 && (len2 != len || memcmp(enc, enc2, (size_t)len) != 0))
                bad = "encode(decode(encode(t))) differs from encode(t)";
            free(enc2);
        }
        if (!bad) {
            ot_term t3;
            ssize_t p = ot_decode(h2, enc, (size_t)len - 1, NULL, &t3, &err);
            if (p >= 0)
                bad = "a strict prefix of an encoding decodes";
        }
        free(enc);
    }
    ot_heap_free(h2);
out:
    ot_heap_free(h);
    return bad;
}

#endif
