/* bignum.c — the little arithmetic integers need: decimal text both ways
 * and parsing in other bases. Nothing here is on a hot path. */
#include <stdlib.h>

#include "term/term_internal.h"

#define TEN19 UINT64_C(10000000000000000000)

char *ot__mag_to_decimal(uint64_t *work, size_t n, char *end)
{
    char *p = end;
    size_t m = n;
    while (m > 0 && work[m - 1] == 0)
        m--;
    if (m == 0)
        *--p = '0';
    while (m > 0) {
        /* Divide work by 10^19, the remainder gives 19 digits. */
        unsigned __int128 rem = 0;
        for (size_t i = m; i-- > 0;) {
            unsigned __int128 cur = (rem << 64) | work[i];
            work[i] = (uint64_t)(cur / TEN19);
            rem = cur % TEN19;
        }
        while (m > 0 && work[m - 1] == 0)
            m--;
        uint64_t r = (uint64_t)rem;
        for (int d = 0; d < 19; d++) {
            *--p = (char)('0' + r % 10);
            r /= 10;
            if (m == 0 && r == 0)
                break;
        }
    }
    return p;
}

char *ot__int_to_decimal(ot_term t, size_t *len)
{
    bool neg;
    const uint64_t *l;
    uint64_t scratch;
    size_t n = ot__int_limbs(t, &neg, &l, &scratch);
    /* Each limb gives at most 20 decimal digits. */
    size_t cap = 20 * (n ? n : 1) + 2;
    char *out = ot__malloc(cap + 1);
    uint64_t *work = ot__malloc((n ? n : 1) * sizeof *work);
    if (!out || !work) {
        ot__free(out);
        ot__free(work);
        return NULL;
    }
    memcpy(work, l, n * sizeof *work);
    out[cap] = 0;
    char *p = ot__mag_to_decimal(work, n, out + cap);
    if (neg)
        *--p = '-';
    size_t outlen = (size_t)(out + cap - p);
    memmove(out, p, outlen + 1);
    ot__free(work);
    if (len)
        *len = outlen;
    return out;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

ot_term ot__int_from_text(ot_heap *h, bool negative, const char *digits, size_t n, unsigned base)
{
    if (n == 0 || base < 2 || base > 36)
        return OT_NONE;
    /* Limbs needed: n digits of log2(base) bits each, at most 6 bits. */
    size_t cap = (n * 6) / 64 + 2;
    uint64_t *limbs = ot__calloc(cap, sizeof *limbs);
    if (!limbs)
        return OT_NONE;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int d = digit_value(digits[i]);
        if (d >= (int)base) {
            ot__free(limbs);
            return OT_NONE;
        }
        unsigned __int128 carry = (unsigned)d;
        for (size_t k = 0; k < m; k++) {
            unsigned __int128 cur = (unsigned __int128)limbs[k] * base + carry;
            limbs[k] = (uint64_t)cur;
            carry = cur >> 64;
        }
        if (carry)
            limbs[m++] = (uint64_t)carry;
    }
    ot_term t = ot_bigint(h, negative, limbs, m);
    ot__free(limbs);
    return t;
}
