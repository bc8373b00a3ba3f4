/* test_fuzz_corpus.c — runs the fuzz target's property (fuzz_check.h) over
 * every file of the committed seed corpus and of tests/fuzz/regressions/,
 * so that `make test` checks them under ASan and UBSan. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz_check.h"
#include "testutil.h"

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Checks every regular file of dir (which must exist); returns how many
 * there were. */
static size_t check_dir(const char *rel)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_source_path(rel));
    DIR *dp = opendir(dir);
    cr_assert(dp, "no directory %s", dir);
    size_t count = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (de->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        size_t len;
        uint8_t *data = read_file(path, &len);
        const char *bad = fuzz_check(data, len);
        cr_expect(bad == NULL, "%s: %s", de->d_name, bad ? bad : "");
        free(data);
        count++;
    }
    closedir(dp);
    return count;
}

Test(fuzz_corpus, seeds)
{
    size_t n = check_dir("tests/fuzz/corpus");
    cr_assert(n >= 20, "seed corpus has only %zu files", n);
    cr_assert_eq(tu_leaks(), 0, "fuzz_check leaked: see the report above");
}

/* The regressions are inputs that once broke the decoder (or came close):
 * an empty or missing directory means they are no longer checked. */
Test(fuzz_corpus, regressions)
{
    size_t n = check_dir("tests/fuzz/regressions");
    cr_assert(n >= 8, "tests/fuzz/regressions has only %zu files", n);
    cr_assert_eq(tu_leaks(), 0, "fuzz_check leaked: see the report above");
}

/* Every seed, truncated at every length and with each byte flipped, must
 * still satisfy the property: this walks the decoder's failure paths. */
Test(fuzz_corpus, mutated_seeds, .timeout = 300)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_source_path("tests/fuzz/corpus"));
    DIR *dp = opendir(dir);
    cr_assert(dp);
    struct dirent *de;
    size_t checked = 0;
    while ((de = readdir(dp))) {
        if (de->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        size_t len;
        uint8_t *data = read_file(path, &len);
        if (len > 4096) {
            free(data);
            continue;
        }
        uint8_t *copy = malloc(len ? len : 1);
        for (size_t cut = 0; cut < len; cut++) {
            memcpy(copy, data, cut);
            const char *bad = fuzz_check(copy, cut);
            cr_expect(bad == NULL, "%s cut at %zu: %s", de->d_name, cut, bad ? bad : "");
            checked++;
        }
        for (size_t i = 1; i < len; i++) {
            static const uint8_t xors[] = { 0x01, 0x80, 0xff };
            for (size_t k = 0; k < sizeof xors; k++) {
                memcpy(copy, data, len);
                copy[i] ^= xors[k];
                const char *bad = fuzz_check(copy, len);
                cr_expect(bad == NULL, "%s byte %zu ^ %#x: %s", de->d_name, i, xors[k],
                          bad ? bad : "");
                checked++;
            }
        }
        free(copy);
        free(data);
    }
    closedir(dp);
    cr_assert(checked > 0);
    cr_assert_eq(tu_leaks(), 0, "fuzz_check leaked: see the report above");
}
