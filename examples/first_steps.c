/* first_steps.c — what `make run` shows today: Erlang terms built in C,
 * printed as Elixir and Erlang print them, sent through a real `erl` and
 * back byte for byte, and the notebook's first cells ("Processes all the
 * way down": self(), the ping/pong child) as otter processes.
 *
 * Run: build/examples/first_steps   (needs `erl` on PATH for section 2) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "otter/process.h"
#include "otter/term.h"

static void show(const char *c_code, ot_term t)
{
    char ex[512], er[512];
    ot_print(ex, sizeof ex, t, NULL);
    ot_print_opts erl = {.syntax = OT_SYNTAX_ERLANG};
    ot_print(er, sizeof er, t, &erl);
    printf("  %s\n      Elixir: %s\n      Erlang: %s\n", c_code, ex, er);
}

static char *hex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        sprintf(s + 2 * i, "%02x", p[i]);
    return s;
}

/* Sends the encoded term to a real erl, which decodes it, prints it with
 * io_lib and encodes it again; returns erl's answer (two lines). */
static int round_trip_through_erl(ot_term t)
{
    uint8_t *bytes;
    ssize_t n = ot_encode_alloc(t, &bytes, 0);
    if (n < 0) {
        printf("      encode failed: %s\n", ot_strerror((int)n));
        return -1;
    }
    char *h = hex(bytes, (size_t)n);
    char path[] = "/tmp/otter-first-steps-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        free(h);
        free(bytes);
        return -1;
    }
    dprintf(fd, "%s\n", h);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "erl -noshell -eval '"
             "{ok, B} = file:read_file(\"%s\"), "
             "T = binary_to_term(binary:decode_hex(string:trim(B))), "
             "io:format(\"~100000tp~n~s~n\", [T, binary:encode_hex(term_to_binary(T))]), "
             "halt().' 2>&1",
             path);
    FILE *p = popen(cmd, "r");
    char line1[1024] = "", line2[4096] = "";
    if (p) {
        if (!fgets(line1, sizeof line1, p) || !fgets(line2, sizeof line2, p))
            line1[0] = 0;
        pclose(p);
    }
    unlink(path);
    line1[strcspn(line1, "\n")] = 0;
    line2[strcspn(line2, "\n")] = 0;
    for (char *c = line2; *c; c++)
        if (*c >= 'A' && *c <= 'F')
            *c = (char)(*c - 'A' + 'a');
    int same = line1[0] && strcmp(line2, h) == 0;
    printf("      erl read %zd bytes as %s and wrote back %s\n", n, line1[0] ? line1 : "(no answer: is erl installed?)",
           same ? "the same bytes" : "DIFFERENT bytes");
    free(h);
    free(bytes);
    return same ? 0 : -1;
}

/* ---------------------------------------------------------------- processes */

static void child(void *arg)
{
    ot_term parent = (ot_term)(uintptr_t)arg;
    ot_msg *m = ot_receive(ot_atom("ping"), OT_INFINITY, NULL);
    ot_msg_free(m);
    ot_send(parent, ot_atom("pong"));
}

static void notebook_cells(void *arg)
{
    int *failures = arg;
    char buf[128];
    ot_print(buf, sizeof buf, ot_self(), NULL);
    printf("  self()\n      %s\n", buf);

    ot_term parent = ot_self();
    ot_term pid = ot_spawn(child, (void *)(uintptr_t)parent);
    ot_send(pid, ot_atom("ping"));
    ot_msg *m = ot_receive(ot_atom("pong"), 5000, NULL);
    printf("  spawn a child, send(child, :ping), receive :pong\n      %s\n",
           m ? ":ponged!" : "no pong (something is wrong)");
    if (!m)
        (*failures)++;
    ot_msg_free(m);

    /* Many processes at once: each answers its parent. */
    int n = 100000;
    int64_t t0 = ot_monotonic_ns();
    for (int i = 0; i < n; i++)
        ot_spawn(child, (void *)(uintptr_t)parent);
    printf("  spawned %d more processes in %.1f ms; %u scheduler threads\n", n,
           (ot_monotonic_ns() - t0) / 1e6, ot_schedulers());
}

int main(void)
{
    int failures = 0;
    printf("otter — first steps\n\n1. Terms built in C, printed as Elixir and Erlang do\n\n");
    ot_heap *h = ot_heap_new();
    ot_term pid = ot_pid(h, ot_atom("nonode@nohost"), 84, 0, 0);
    ot_term samples[] = {
        ot_build(h, "{~a, ~p, ~i}", "ping", pid, 42),
        ot_build(h, "#{pid => ~s, reductions => ~i, memory => ~i, status => waiting}", "#PID<0.84.0>", 1234, 2688),
        ot_build(h, "[1, 2 | 3]"),
        ot_build(h, "{ok, <<\"text\">>, \"charlist\", 3.14, 123456789012345678901234567890}"),
    };
    const char *code[] = {
        "ot_build(h, \"{~a, ~p, ~i}\", \"ping\", pid, 42)",
        "ot_build(h, \"#{pid => ~s, reductions => ~i, ...}\", ...)",
        "ot_build(h, \"[1, 2 | 3]\")",
        "ot_build(h, \"{ok, <<\\\"text\\\">>, \\\"charlist\\\", 3.14, 1234...890}\")",
    };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        show(code[i], samples[i]);

    printf("\n2. The same terms through a real Erlang node: encoded by otter, decoded\n"
           "   and encoded again by erl, compared byte for byte\n\n");
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char buf[256];
        ot_print(buf, sizeof buf, samples[i], NULL);
        printf("  %s\n", buf);
        if (round_trip_through_erl(samples[i]) != 0)
            failures++;
    }
    ot_heap_free(h);

    printf("\n3. Processes all the way down (the notebook's first cells)\n\n");
    int rc = ot_run(notebook_cells, &failures, NULL);
    if (rc != 0)
        failures++;
    printf("\n%s\n", failures ? "Something did not work (see above)." : "All good.");
    return failures ? 1 : 0;
}
