/* float_text.c — the text of a float as Erlang writes it.
 *
 * Erlang (OTP 25) prints floats with float_to_list(F, [short]), which is
 * also io_lib_format:fwrite_g/1 and what ~p and Elixir's inspect use: the
 * shortest digit string that reads back as the same double, laid out as
 * "123.45", "0.001", "100.0" or "1.0e3", "1.2345e-7". The choice between
 * the fixed and the exponent form follows OTP's rule, stated in terms of
 * the digit count n and the exponent x of the last digit (value = digits
 * * 10^x):
 *   - one digit:                  fixed when -4 <= x <= 2
 *   - scientific exponent >= 10:  fixed when -(n+2) <= x <= 2
 *   - otherwise:                  fixed when -(n+2) <= x <= 1
 * and, inside those ranges, integers of 2^53 and above (where the fixed
 * form would suggest more precision than a double has) use the exponent
 * form. Examples: 0.1, 100.0, 1.0e3, 123456.0, 1.0e-5, 0.0001, -0.0.
 *
 * The shortest digits come from the C library's correctly rounded
 * conversions: the fewest significant digits p whose correctly rounded
 * decimal reads back exactly (binary search over p, as round-tripping is
 * monotonic in p once the neighbour on the wide side of a power of two is
 * also tried). That gives the same digits as the Ryu algorithm OTP uses:
 * the shortest, and among those the nearest to the exact value.
 */
#include <stdio.h>
#include <stdlib.h>

#include "term/term_internal.h"

/* Adds one unit in the last place to the decimal digits d[0..n), with
 * carry; returns true if the carry ran out of digits (d becomes "1" + n-1
 * zeros, and the caller adds one to the exponent). */
static bool digits_increment(char *d, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        if (d[i] != '9') {
            d[i]++;
            return false;
        }
        d[i] = '0';
    }
    d[0] = '1';
    return true;
}

/* Does the decimal digits[0..n) * 10^exp10 (scientific: d.ddd e exp10) read
 * back as v? */
static bool reads_back(const char *digits, int n, int exp10, double v)
{
    char buf[48];
    int k = 0;
    buf[k++] = digits[0];
    if (n > 1) {
        buf[k++] = '.';
        memcpy(buf + k, digits + 1, (size_t)(n - 1));
        k += n - 1;
    }
    k += snprintf(buf + k, sizeof buf - (size_t)k, "e%d", exp10);
    return strtod(buf, NULL) == v;
}

/* Correctly rounded p significant digits of v (> 0) into d, exponent in
 * *exp10. */
static void round_digits(double v, int p, char *d, int *exp10)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%.*e", p - 1, v);
    /* buf is "d.ddde[+-]xx" or "de[+-]xx" */
    int k = 0;
    const char *s = buf;
    d[k++] = *s++;
    if (*s == '.') {
        s++;
        while (*s != 'e')
            d[k++] = *s++;
    }
    *exp10 = atoi(s + 1);
}

/* Tries p digits; on success leaves them in d and *exp10. */
static bool try_digits(double v, int p, char *d, int *exp10)
{
    round_digits(v, p, d, exp10);
    if (reads_back(d, p, *exp10, v))
        return true;
    /* At a power of two the gap below v is half the gap above: the
     * nearest p-digit decimal can fall below the interval while the next
     * one up is inside it. */
    char up[24];
    memcpy(up, d, (size_t)p);
    int e = *exp10;
    if (digits_increment(up, p))
        e++;
    if (reads_back(up, p, e, v)) {
        memcpy(d, up, (size_t)p);
        *exp10 = e;
        return true;
    }
    return false;
}

/* Shortest digits of v > 0 (no trailing zeros) and the exponent of the
 * first digit; returns the digit count. */
static int shortest_digits(double v, char *d, int *exp10)
{
    int lo = 1, hi = 17;
    char best[24];
    int best_exp = 0;
    round_digits(v, 17, best, &best_exp); /* 17 digits always read back */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        char cand[24];
        int e;
        if (try_digits(v, mid, cand, &e)) {
            memcpy(best, cand, (size_t)mid);
            best_exp = e;
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    int n = lo;
    if (n == 17)
        round_digits(v, 17, best, &best_exp);
    while (n > 1 && best[n - 1] == '0')
        n--;
    memcpy(d, best, (size_t)n);
    *exp10 = best_exp;
    return n;
}

/* Writes the text of d into out (at least 32 bytes); returns its length. */
static size_t float_chars(double d, char *out)
{
    size_t k = 0;
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    if (bits >> 63) {
        out[k++] = '-';
        d = -d;
    }
    if (d == 0) {
        memcpy(out + k, "0.0", 3);
        return k + 3;
    }
    char dig[24];
    int sci;
    int n = shortest_digits(d, dig, &sci);
    int x = sci - (n - 1); /* value = digits * 10^x */
    int lower = -(n + 2), upper = 1;
    if (n == 1) {
        lower = -4;
        upper = 2;
    } else if (sci >= 10) {
        upper = 2;
    }
    bool fixed = x >= lower && x <= upper;
    if (fixed && x >= 0) {
        uint64_t m = 0;
        for (int i = 0; i < n; i++)
            m = m * 10 + (uint64_t)(dig[i] - '0');
        if ((x == 0 && m >= (UINT64_C(1) << 53)) ||
            (x == 1 && m > (UINT64_C(1) << 52) / 5) ||
            (x == 2 && m > (UINT64_C(1) << 51) / 25))
            fixed = false;
    }
    if (fixed) {
        int whole = n + x;
        if (x >= 0) {
            memcpy(out + k, dig, (size_t)n);
            k += (size_t)n;
            for (int i = 0; i < x; i++)
                out[k++] = '0';
            out[k++] = '.';
            out[k++] = '0';
        } else if (whole > 0) {
            memcpy(out + k, dig, (size_t)whole);
            k += (size_t)whole;
            out[k++] = '.';
            memcpy(out + k, dig + whole, (size_t)(n - whole));
            k += (size_t)(n - whole);
        } else {
            out[k++] = '0';
            out[k++] = '.';
            for (int i = 0; i < -whole; i++)
                out[k++] = '0';
            memcpy(out + k, dig, (size_t)n);
            k += (size_t)n;
        }
        return k;
    }
    out[k++] = dig[0];
    out[k++] = '.';
    if (n > 1) {
        memcpy(out + k, dig + 1, (size_t)(n - 1));
        k += (size_t)(n - 1);
    } else {
        out[k++] = '0';
    }
    k += (size_t)snprintf(out + k, 8, "e%d", sci);
    return k;
}

void ot__float_text(ot__buf *sb, double d)
{
    char buf[40];
    size_t n = float_chars(d, buf);
    ot__buf_add(sb, buf, n);
}
