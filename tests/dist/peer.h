/* peer.h — real nodes for the distribution tests: an Elixir node driven
 * line by line (tests/dist/peer.exs) or a second otter node
 * (tests/dist/otter_peer.c), each started with a unique name and stopped
 * with the test. A peer halts by itself when its stdin closes, so a test
 * that dies leaves no node behind; PR_SET_PDEATHSIG backs that up.
 *
 * The calls block: start peers from the test's own thread, and from inside
 * an otter process use the pe_* wrappers, which run on otter's blocking
 * pool. */
#ifndef OTTER_TEST_PEER_H
#define OTTER_TEST_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct peer {
    pid_t pid;
    int in_fd;          /* its stdin */
    int out_fd;         /* its stdout */
    char node[160];     /* name@host, from its READY line */
    char buf[1 << 16];  /* unread output */
    size_t buflen;
} peer;

/* peer_unique_name: "<prefix><pid>x<n>" into out: unique among the tests
 * running at once. */
const char *peer_unique_name(const char *prefix, char *out, size_t cap);
/* peer_start: runs argv (argv[0] looked up on PATH) with stdin and stdout
 * piped, waits up to timeout_ms for its "READY <node>" line. NULL on
 * failure (the reason on stderr). The peer is malloc'd: peer_stop frees it. */
peer *peer_start(char *const argv[], int timeout_ms);
/* peer_start_elixir: `elixir --sname name --cookie cookie peer.exs`. */
peer *peer_start_elixir(const char *name, const char *cookie);
/* peer_start_otter: `<build>/tests/otter_peer name cookie`. */
peer *peer_start_otter(const char *name, const char *cookie);
/* peer_line: the next line of output (without "\n") in a malloc'd string,
 * or NULL after timeout_ms or at end of output. */
char *peer_line(peer *p, int timeout_ms);
/* peer_eval: sends one line of Elixir code and returns the reply line
 * ("=> value" or "!! error"), malloc'd; NULL on timeout. */
char *peer_eval(peer *p, const char *code, int timeout_ms);
/* peer_stop: closes its stdin, waits up to 5 s, then kills it; frees p. */
void peer_stop(peer *p);
/* peer_kill: SIGKILL now (the OS process disappears at once); frees p. */
void peer_kill(peer *p);

/* From inside an otter process: the same, on otter's blocking pool. */
char *pe_eval(peer *p, const char *code, int timeout_ms);
void pe_kill(peer *p);
/* pe_evalf: printf-style code; returns the reply (malloc'd). */
char *pe_evalf(peer *p, int timeout_ms, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* pe_expect: evaluates code and checks that the reply is "=> want";
 * returns true, or false with the reply in *got (malloc'd, may be NULL). */
bool pe_expect(peer *p, const char *code, const char *want, char **got);

#endif
