/* vizcheck.h — the C side of the validation harness: tests write each
 * Mermaid text or Vega-Lite spec they produce, with what must be true of
 * it, into one directory, then tests/viz/validate.mjs checks them all with
 * the real libraries in one run of node. The test fails if any case fails,
 * if the validator did not check every case, or if node or the npm
 * packages are missing (never a silent skip). */
#ifndef OTTER_VIZCHECK_H
#define OTTER_VIZCHECK_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "otter/term.h"
#include "../unit/testutil.h"

typedef struct vc_dir {
    char path[512];
    int count;            /* cases written */
} vc_dir;

static inline void vc_open(vc_dir *d)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(d->path, sizeof d->path, "%s/otter-viz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert(mkdtemp(d->path), "mkdtemp failed");
    d->count = 0;
}

static inline void vc_file(const vc_dir *d, const char *name, const char *ext, const char *text,
                           size_t len)
{
    char p[700];
    int n = snprintf(p, sizeof p, "%s/%s%s", d->path, name, ext);
    cr_assert(n > 0 && (size_t)n < sizeof p, "path too long: %s/%s%s", d->path, name, ext);
    FILE *f = fopen(p, "wb");
    cr_assert(f, "cannot write %s", p);
    cr_assert_eq(fwrite(text, 1, len, f), len);
    fclose(f);
}

/* vc_case: adds one case: the output (extension ".mmd" or ".vl.json") and
 * its expectations (a term written as JSON). The name gets a sequence
 * number so that cases run in the order written. */
static inline void vc_case(vc_dir *d, const char *name, const char *ext, const char *text,
                           ot_term expect)
{
    char full[300];
    snprintf(full, sizeof full, "%04d-%s", d->count++, name);
    vc_file(d, full, ext, text, strlen(text));
    size_t len;
    char *json = ot_to_json(expect, &len);
    cr_assert(json, "expectations of %s are not JSON-able", full);
    vc_file(d, full, ".json", json, len);
    free(json);
}

/* vc_run: validates every case written, asserts that all passed, and
 * removes the directory (kept, and named on stderr, if OTTER_VIZ_KEEP is
 * set: `node tests/viz/validate.mjs DIR` then checks it again). */
static inline void vc_run(vc_dir *d)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "node '%s' '%s' 2>&1", tu_source_path("tests/viz/validate.mjs"),
             d->path);
    size_t len;
    int status;
    char *out = tu_run(cmd, NULL, 0, &len, &status);
    char want[64];
    snprintf(want, sizeof want, "\n%d passed, 0 failed\n", d->count);
    bool all = strstr(out, want) != NULL;
    if (!all || status != 0) {
        /* show the failures first: the output can be long */
        fprintf(stderr, "validator output (%s):\n", cmd);
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
            if (strncmp(line, "ok - ", 5) != 0)
                fprintf(stderr, "  %s\n", line);
    }
    cr_assert(status == 0 && all,
              "the real libraries rejected otter's output or could not run (exit status %d); "
              "expected \"%d passed, 0 failed\" (see the lines above)",
              status, d->count);
    free(out);
    if (getenv("OTTER_VIZ_KEEP")) {
        fprintf(stderr, "cases kept in %s\n", d->path);
        return;
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
    cr_assert_eq(system(cmd), 0);
}

#endif
