/* otter_peer.c — a second otter node for the distribution tests.
 *
 *   otter_peer NAME COOKIE
 *
 * Starts node NAME (short names) with COOKIE, prints "READY <node>", and
 * serves until its stdin closes: C functions test:add/2 and test:echo/1
 * for erpc, a registered call server `echo` ({double, N} -> 2N), and a
 * registered `sink` that counts the messages it gets and answers
 * {count, From} with {count, N}. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "otter/call.h"
#include "otter/erpc.h"
#include "otter/node.h"

static const char *name, *cookie;

static ot_rpc_class add(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    int64_t a, b;
    if (ot_get_int64(ot_hd(args), &a) || ot_get_int64(ot_hd(ot_tl(args)), &b)) {
        *result = ot_atom("badarith");
        return OT_RPC_ERROR;
    }
    *result = ot_int(h, a + b);
    return OT_RPC_RETURN;
}

static ot_rpc_class echo(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    *result = ot_copy(h, ot_hd(args));
    return OT_RPC_RETURN;
}

static void echo_server(void *arg)
{
    (void)arg;
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term from, req, b[1];
        ot_heap *h = ot_proc_heap();
        if (ot_call_parse(ot_msg_term(m), &from, &req) &&
            ot_match(ot_pattern(h, "{double, N}"), req, b)) {
            int64_t n = 0;
            ot_get_int64(b[0], &n);
            ot_reply(from, ot_int(h, 2 * n));
        }
        ot_msg_free(m);
        ot_heap_reset(h);
    }
}

static void sink(void *arg)
{
    (void)arg;
    int64_t count = 0;
    for (;;) {
        ot_msg *m = ot_receive(OT_NONE, OT_INFINITY, NULL);
        ot_term t = ot_msg_term(m);
        if (ot_tuple_arity(t) == 2 && ot_tuple_get(t, 0) == ot_atom("count")) {
            ot_heap *h = ot_proc_heap();
            ot_send(ot_tuple_get(t, 1), ot_tuple(h, 2, ot_atom("count"), ot_int(h, count)));
            ot_heap_reset(h);
        } else {
            count++;
        }
        ot_msg_free(m);
    }
}

static void body(void *arg)
{
    (void)arg;
    int rc = ot_node_start(name, OT_NODE_SHORT, cookie);
    if (rc) {
        fprintf(stderr, "otter_peer: %s\n", ot_strerror(rc));
        ot_exit(ot_atom("no_node"));
    }
    ot_rpc_register("test", "add", 2, add, NULL);
    ot_rpc_register("test", "echo", 1, echo, NULL);
    ot_spawn_opts o = {.name = ot_atom("echo")};
    ot_spawn_opt(echo_server, NULL, &o);
    ot_spawn_opts s = {.name = ot_atom("sink")};
    ot_spawn_opt(sink, NULL, &s);
    char buf[256];
    ot_print(buf, sizeof buf, ot_node(), &(ot_print_opts){.syntax = OT_SYNTAX_ERLANG});
    printf("READY %s\n", buf);
    fflush(stdout);
    for (;;) {
        if (ot_wait_fd(0, OT_FD_READ, OT_INFINITY) < 0)
            break;
        char c[64];
        if (read(0, c, sizeof c) <= 0)
            break;
    }
    ot_node_stop();
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: otter_peer NAME COOKIE\n");
        return 2;
    }
    name = argv[1];
    cookie = argv[2];
    return ot_run(body, NULL, NULL) < 0 ? 1 : 0;
}
