/* testutil.h — helpers shared by otter's unit tests: running real Erlang
 * and Elixir programs as oracles, hex conversion, temporary files. */
#ifndef OTTER_TESTUTIL_H
#define OTTER_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* tu_source_path: OTTER_SOURCE_DIR joined with rel, in a static buffer
 * (valid until the next call). */
const char *tu_source_path(const char *rel);
/* tu_run: runs sh -c cmd, feeding `input` (may be NULL) on its stdin and
 * returning its whole stdout (malloc'd, NUL-terminated; *len its length).
 * *status gets the exit status. Aborts the test on spawn failure. */
char *tu_run(const char *cmd, const char *input, size_t input_len, size_t *len, int *status);
/* tu_hex / tu_unhex: lowercase hex of n bytes (malloc'd), and back (returns
 * byte count or -1 on bad hex; out must hold strlen(hex)/2 bytes). */
char *tu_hex(const uint8_t *p, size_t n);
long tu_unhex(const char *hex, size_t hexlen, uint8_t *out);
/* tu_mktemp: a new temporary file path (mkstemp under $TMPDIR or /tmp),
 * malloc'd; the file exists and is empty. */
char *tu_mktemp(const char *suffix);
/* tu_poll: waits until cond(ctx) holds, looking again every millisecond
 * (with ot_sleep inside a process, so that the scheduler runs the others;
 * with usleep on a plain thread), for at most TU_POLL_CAP_MS. Returns true
 * once cond holds, false only when it never did within the cap: a cap
 * that only a real hang reaches, so that a busy machine changes how long
 * the wait takes, never what the test decides. */
#include <stdbool.h>
#define TU_POLL_CAP_MS 60000
bool tu_poll(bool (*cond)(void *ctx), void *ctx);
/* tu_leaks: runs LeakSanitizer's check now and returns nonzero if it found
 * memory that nothing points to any more (its report is on stderr); 0 in
 * builds without it. For cases that promise to lose nothing. */
int tu_leaks(void);
/* tu_rng: a small deterministic generator (xorshift64*) for property tests. */
uint64_t tu_rng(uint64_t *state);

/* A growable text buffer (d is NUL-terminated; free(d) when done). */
typedef struct tu_text {
    char *d;
    size_t n, cap;
} tu_text;
void tu_put(tu_text *w, const char *s, size_t n);
void tu_puts(tu_text *w, const char *s);
void tu_printf(tu_text *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* tu_erlang_term: appends t as Erlang source text that `erl` evaluates to
 * a term =:= t (pids, ports and references through binary_to_term), for
 * the tests that ask Erlang about otter's terms. Written independently of
 * otter's printer, so that the printer is not its own oracle. */
#include "otter/term.h"
void tu_erlang_term(tu_text *w, ot_term t);

#endif
