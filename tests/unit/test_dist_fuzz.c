/* test_dist_fuzz.c — the distribution fuzz target's property
 * (tests/fuzz/fuzz_dist.c) over its seed corpus (tests/fuzz/corpus_dist/)
 * and over many mutations of it, in every `make test`: the handshake,
 * epmd and packet parsers reject hostile bytes cleanly. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#define FUZZ_DIST_NO_MAIN
#include "../fuzz/fuzz_dist.c"
#include "testutil.h"

typedef struct seed {
    uint8_t *d;
    size_t n;
    char name[256];
} seed;

static size_t load(const char *rel, seed *out, size_t max)
{
    const char *dir = tu_source_path(rel);
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    DIR *dp = opendir(path);
    if (!dp)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) && n < max) {
        if (e->d_name[0] == '.')
            continue;
        char f[4600];
        snprintf(f, sizeof f, "%s/%s", path, e->d_name);
        FILE *fp = fopen(f, "rb");
        if (!fp)
            continue;
        uint8_t *buf = malloc(1 << 16);
        size_t len = fread(buf, 1, 1 << 16, fp);
        fclose(fp);
        out[n].d = buf;
        out[n].n = len;
        snprintf(out[n].name, sizeof out[n].name, "%s", e->d_name);
        n++;
    }
    closedir(dp);
    return n;
}

Test(dist_fuzz, corpus)
{
    seed s[256];
    size_t n = load("tests/fuzz/corpus_dist", s, 256);
    cr_assert(n >= 40, "only %zu seeds", n);
    for (size_t i = 0; i < n; i++) {
        const char *bad = fuzz_dist_one(s[i].d, s[i].n);
        cr_assert(bad == NULL, "%s: %s", s[i].name, bad);
        free(s[i].d);
    }
}

/* The seeds of well-formed packets must decode: a parser that rejected
 * everything would pass the property above. */
Test(dist_fuzz, packet_seeds_decode)
{
    seed s[256];
    size_t n = load("tests/fuzz/corpus_dist", s, 256);
    size_t decoded = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].n && s[i].d[0] == 0) {
            ot_heap *h = ot_heap_new();
            ot__dmsg m;
            const char *why;
            int rc = ot__packet_decode(h, s[i].d + 1, s[i].n - 1, 200, &m, &why);
            cr_assert_eq(rc, 0, "%s: %s", s[i].name, why);
            decoded++;
            ot_heap_free(h);
        }
        free(s[i].d);
    }
    cr_assert(decoded >= 20);
}

Test(dist_fuzz, regressions)
{
    seed s[256];
    size_t n = load("tests/fuzz/regressions_dist", s, 256);
    for (size_t i = 0; i < n; i++) {
        const char *bad = fuzz_dist_one(s[i].d, s[i].n);
        cr_assert(bad == NULL, "%s: %s", s[i].name, bad);
        free(s[i].d);
    }
}

/* Byte flips, truncations, insertions and splices of the seeds. */
Test(dist_fuzz, mutated_corpus, .timeout = 300)
{
    seed s[256];
    size_t n = load("tests/fuzz/corpus_dist", s, 256);
    cr_assert(n > 0);
    uint64_t rng = 0x5eed;
    uint8_t buf[1 << 16];
    for (int iter = 0; iter < 200000; iter++) {
        seed *a = &s[tu_rng(&rng) % n];
        size_t len = a->n;
        memcpy(buf, a->d, len);
        int muts = 1 + (int)(tu_rng(&rng) % 4);
        for (int k = 0; k < muts && len > 1; k++) {
            size_t at = 1 + tu_rng(&rng) % (len - 1);
            switch (tu_rng(&rng) % 5) {
            case 0: buf[at] ^= (uint8_t)(1u << (tu_rng(&rng) % 8)); break;
            case 1: buf[at] = (uint8_t)tu_rng(&rng); break;
            case 2: len = at; break;
            case 3:
                if (len + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = (uint8_t)tu_rng(&rng);
                    len++;
                }
                break;
            case 4: {
                seed *b = &s[tu_rng(&rng) % n];
                size_t from = b->n > 1 ? 1 + tu_rng(&rng) % (b->n - 1) : 0;
                size_t take = b->n - from;
                if (at + take < sizeof buf) {
                    memcpy(buf + at, b->d + from, take);
                    len = at + take;
                }
                break;
            }
            }
        }
        const char *bad = fuzz_dist_one(buf, len);
        if (bad) {
            char *hex = tu_hex(buf, len);
            cr_assert_fail("%s on input %s", bad, hex);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(s[i].d);
}
