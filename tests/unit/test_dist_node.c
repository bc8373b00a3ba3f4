/* test_dist_node.c — the distribution layer on its own: handshake and
 * epmd messages (parsed from hostile bytes), the challenge digest against
 * Erlang's own md5, control packets, node start and stop with the real
 * epmd, the cookie file, and what remote destinations do when no node can
 * be reached. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "distribution/distribution_internal.h"
#include "otter/erpc.h"
#include "otter/node.h"
#include "proctest.h"
#include "testutil.h"

#define P(x) ((void *)(uintptr_t)(x))
#define T(x) ((ot_term)(uintptr_t)(x))

static char node_name[64];

static const char *uniq(const char *prefix)
{
    static int n;
    snprintf(node_name, sizeof node_name, "%s%dx%d", prefix, (int)getpid(), ++n);
    return node_name;
}

/* ---------------------------------------------------------------- handshake */

static size_t put_send_name(uint8_t *p, uint64_t flags, uint32_t creation, const char *name)
{
    size_t n = strlen(name);
    p[0] = 'N';
    for (int i = 0; i < 8; i++)
        p[1 + i] = (uint8_t)(flags >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        p[9 + i] = (uint8_t)(creation >> (24 - 8 * i));
    p[13] = (uint8_t)(n >> 8);
    p[14] = (uint8_t)n;
    memcpy(p + 15, name, n);
    return 15 + n;
}

Test(dist_handshake, send_name_parses_and_rejects)
{
    uint8_t b[300];
    ot__hs_name hn;
    size_t n = put_send_name(b, 0x507070FBCULL, 77, "a@b");
    cr_assert_eq(ot__hs_parse_send_name(b, n, &hn), 0);
    cr_assert_eq(hn.flags, 0x507070FBCULL);
    cr_assert_eq(hn.creation, 77u);
    cr_assert_str_eq(hn.name, "a@b");
    /* every truncation fails, and so does a byte too many */
    for (size_t k = 0; k < n; k++)
        cr_assert_eq(ot__hs_parse_send_name(b, k, &hn), -EBADMSG, "length %zu", k);
    b[n] = 'x';
    cr_assert_eq(ot__hs_parse_send_name(b, n + 1, &hn), -EBADMSG);
    /* names without '@', with empty parts or control bytes */
    const char *bad[] = {"ab", "@b", "a@", "a b@c", "a\x01@b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = put_send_name(b, 1, 1, bad[i]);
        cr_assert_eq(ot__hs_parse_send_name(b, n, &hn), -EBADMSG, "%s", bad[i]);
    }
    /* the old version-5 tag */
    n = put_send_name(b, 1, 1, "a@b");
    b[0] = 'n';
    cr_assert_eq(ot__hs_parse_send_name(b, n, &hn), -EBADMSG);
}

Test(dist_handshake, status_reply_ack)
{
    char s[32];
    cr_assert_eq(ot__hs_parse_status((const uint8_t *)"sok", 3, s, sizeof s), 0);
    cr_assert_str_eq(s, "ok");
    cr_assert_eq(ot__hs_parse_status((const uint8_t *)"s", 1, s, sizeof s), -EBADMSG);
    cr_assert_eq(ot__hs_parse_status((const uint8_t *)"xok", 3, s, sizeof s), -EBADMSG);
    cr_assert_eq(ot__hs_parse_status((const uint8_t *)"so\nk", 4, s, sizeof s), -EBADMSG);
    uint8_t r[21] = {'r', 0, 0, 1, 2};
    uint32_t c;
    uint8_t d[16];
    cr_assert_eq(ot__hs_parse_reply(r, 21, &c, d), 0);
    cr_assert_eq(c, 258u);
    cr_assert_eq(ot__hs_parse_reply(r, 20, &c, d), -EBADMSG);
    uint8_t a[17] = {'a'};
    cr_assert_eq(ot__hs_parse_ack(a, 17, d), 0);
    cr_assert_eq(ot__hs_parse_ack(a, 18, d), -EBADMSG);
}

Test(dist_handshake, mandatory_flags)
{
    cr_assert_eq(ot__hs_missing_flags(OT__DFLAGS_OURS), 0);
    cr_assert_eq(ot__hs_missing_flags(OT__DFLAG_MANDATORY_25_DIGEST), 0);
    cr_assert_eq(ot__hs_missing_flags(0x1070F94ULL), 0);
    cr_assert_eq(ot__hs_missing_flags(0x1070F94ULL & ~OT__DFLAG_UTF8_ATOMS), OT__DFLAG_UTF8_ATOMS);
    cr_assert(!(OT__DFLAGS_OURS & OT__DFLAG_PUBLISHED), "otter must stay hidden");
}

/* The digest against Erlang's own erlang:md5(Cookie ++ integer_to_list(C)). */
Test(dist_handshake, digest_matches_erlang)
{
    const char *cookies[] = {"secret", "EXCWUZYTUFICECUBTRFZ", "a b!c"};
    uint32_t challenges[] = {0, 1, 12345, 4294967295u};
    tu_text prog = {0};
    tu_puts(&prog, "erl -noshell -eval '[io:format(\"~s~n\", [binary:encode_hex(erlang:md5(C ++ "
                   "integer_to_list(N)))]) || C <- [\"secret\", \"EXCWUZYTUFICECUBTRFZ\", \"a b!c\"], "
                   "N <- [0, 1, 12345, 4294967295]], halt().'");
    size_t len;
    int st;
    char *out = tu_run(prog.d, NULL, 0, &len, &st);
    cr_assert_eq(st, 0);
    char *line = strtok(out, "\n");
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 4; j++) {
            uint8_t d[16];
            ot__hs_digest(cookies[i], challenges[j], d);
            char *hex = tu_hex(d, 16);
            cr_assert(line != NULL);
            cr_assert_eq(strcasecmp(hex, line), 0, "%s %u: %s vs %s", cookies[i], challenges[j], hex,
                         line);
            free(hex);
            line = strtok(NULL, "\n");
        }
    free(out);
    free(prog.d);
}

/* ---------------------------------------------------------------- epmd */

Test(dist_epmd, messages)
{
    uint8_t b[64];
    size_t n = ot__epmd_alive2_req(b, sizeof b, "abc", 0x1234);
    const uint8_t want[] = {0, 16, 120, 0x12, 0x34, 72, 0, 0, 6, 0, 6, 0, 3, 'a', 'b', 'c', 0, 0};
    cr_assert_eq(n, sizeof want);
    cr_assert_eq(memcmp(b, want, n), 0);
    cr_assert_eq(ot__epmd_alive2_req(b, 10, "abc", 1), 0);
    uint32_t cr = 0;
    const uint8_t ok[] = {118, 0, 0x01, 0x02, 0x03, 0x04};
    cr_assert_eq(ot__epmd_parse_alive2_resp(ok, 6, &cr), 0);
    cr_assert_eq(cr, 0x01020304u);
    const uint8_t taken[] = {118, 1, 0, 0, 0, 0};
    cr_assert_eq(ot__epmd_parse_alive2_resp(taken, 6, &cr), -EADDRINUSE);
    cr_assert_eq(ot__epmd_parse_alive2_resp(ok, 3, &cr), -EBADMSG);
    uint16_t port;
    const uint8_t p2[] = {119, 0, 0x30, 0x39, 77, 0, 0, 6, 0, 6, 0, 1, 'x', 0, 0};
    cr_assert_eq(ot__epmd_parse_port2_resp(p2, sizeof p2, &port), 0);
    cr_assert_eq(port, 12345);
    const uint8_t none[] = {119, 1};
    cr_assert_eq(ot__epmd_parse_port2_resp(none, 2, &port), -ECONNREFUSED);
    const uint8_t v5[] = {119, 0, 0x30, 0x39, 77, 0, 0, 5, 0, 5, 0, 1, 'x', 0, 0};
    cr_assert_eq(ot__epmd_parse_port2_resp(v5, sizeof v5, &port), -EPROTO);
    for (size_t k = 0; k < sizeof p2; k++)
        cr_assert_neq(ot__epmd_parse_port2_resp(p2, k, &port), 0, "length %zu", k);
}

/* ---------------------------------------------------------------- packets */

static int decode_built(ot_heap *h, ot_term ctl, ot_term msg, ot__dmsg *m, const char **why)
{
    ot__buf b = {0};
    int rc = ot__packet_put(&b, ctl, msg);
    cr_assert_eq(rc, 0);
    rc = ot__packet_decode(h, b.bytes + 4, b.len - 4, 100, m, why);
    ot__dist_buf_free(&b);
    return rc;
}

Test(dist_packet, valid_and_invalid_control_messages)
{
    ot_heap *h = ot_heap_new();
    ot_term node = ot_atom("peer@host");
    ot_term rp = ot_pid(h, node, 5, 0, 1), rp2 = ot_pid(h, node, 6, 0, 1);
    uint32_t ids[3] = {1, 2, 3};
    ot_term ref = ot_ref(h, node, 1, ids, 3);
    ot__dmsg m;
    const char *why;
    cr_assert_eq(decode_built(h, ot_build(h, "{2, '', ~p}", rp), ot_atom("hi"), &m, &why), 0);
    cr_assert_eq(m.base, OT__DOP_SEND);
    cr_assert(ot_equal(m.to, rp));
    cr_assert_eq(m.msg, ot_atom("hi"));
    cr_assert_eq(decode_built(h, ot_build(h, "{6, ~p, '', echo}", rp), OT_NIL, &m, &why), 0);
    cr_assert_eq(m.name, ot_atom("echo"));
    cr_assert_eq(decode_built(h, ot_build(h, "{19, ~p, echo, ~p}", rp, ref), OT_NONE, &m, &why), 0);
    cr_assert_eq(m.to, ot_atom("echo"));
    cr_assert_eq(decode_built(h, ot_build(h, "{13, ~p, ~p, tok, boom}", rp, rp2), OT_NONE, &m, &why), 0);
    cr_assert_eq(m.base, OT__DOP_EXIT);
    cr_assert_eq(m.reason, ot_atom("boom"));
    cr_assert_eq(decode_built(h, ot_build(h, "{28, ~p, ~p, ~p}", rp, rp2, ref), ot_atom("r"), &m, &why), 0);
    cr_assert_eq(m.base, OT__DOP_MONITOR_P_EXIT);
    cr_assert_eq(m.reason, ot_atom("r"));
    cr_assert_eq(decode_built(h, ot_build(h, "{29, ~p, ~p, ~p, {erpc, execute_call, 2}, [monitor]}",
                                          ref, rp, rp), ot_build(h, "[a, b]"), &m, &why), 0);
    cr_assert_eq(m.base, OT__DOP_SPAWN_REQUEST);
    /* wrong shapes */
    cr_assert_eq(decode_built(h, ot_build(h, "{29, ~p, ~p, ~p, {erpc, execute_call, 3}, [monitor]}",
                                          ref, rp, rp), ot_build(h, "[a, b]"), &m, &why), -EBADMSG);
    cr_assert_eq(decode_built(h, ot_build(h, "{2, '', not_a_pid}"), ot_atom("hi"), &m, &why), -EBADMSG);
    cr_assert_eq(decode_built(h, ot_build(h, "{2, '', ~p}", rp), OT_NONE, &m, &why), -EBADMSG);
    cr_assert_eq(decode_built(h, ot_build(h, "{1, ~p, ~p}", rp, rp2), ot_atom("extra"), &m, &why), -EBADMSG);
    cr_assert_eq(decode_built(h, ot_build(h, "{1, ~p}", rp), OT_NONE, &m, &why), -EBADMSG);
    cr_assert_eq(decode_built(h, ot_build(h, "{99, ~p}", rp), OT_NONE, &m, &why), -ENOTSUP);
    cr_assert_eq(decode_built(h, ot_build(h, "[1, 2]"), OT_NONE, &m, &why), -EBADMSG);
    /* no 112, or the atom cache header */
    const uint8_t cache[] = {68, 0};
    cr_assert_eq(ot__packet_decode(h, cache, 2, 100, &m, &why), -EBADMSG);
    const uint8_t junk[] = {112, 131, 104, 200};
    cr_assert_eq(ot__packet_decode(h, junk, 4, 100, &m, &why), -EBADMSG);
    /* depth limit */
    ot_term deep = ot_atom("x");
    for (int i = 0; i < 50; i++)
        deep = ot_list(h, 1, deep);
    cr_assert_eq(decode_built(h, ot_build(h, "{2, '', ~p}", rp), deep, &m, &why), 0);
    ot__buf b = {0};
    ot__packet_put(&b, ot_build(h, "{2, '', ~p}", rp), deep);
    cr_assert_eq(ot__packet_decode(h, b.bytes + 4, b.len - 4, 10, &m, &why), -E2BIG);
    ot__dist_buf_free(&b);
    ot_heap_free(h);
}

/* A whole packet decodes; every strict prefix of it is incomplete to the
 * framing (more bytes needed) and, were its data handed to the decoder,
 * malformed (-EBADMSG, with a reason). Random flips decode to an error or
 * a well-formed message: never a crash (ASan watches). */
Test(dist_packet, truncations_and_flips)
{
    ot_heap *h = ot_heap_new();
    ot_term rp = ot_pid(h, ot_atom("peer@host"), 5, 0, 1);
    ot__buf b = {0};
    ot_term payload = ot_build(h, "{hello, [1, 2.5, <<\"x\">>], #{a => b}}");
    ot__packet_put(&b, ot_build(h, "{6, ~p, '', echo}", rp), payload);
    uint64_t seed = 42;
    ot__dmsg m;
    size_t n = 0;
    cr_assert_eq(ot__packet_next(b.bytes, b.len, 1 << 20, &n), 1);
    cr_assert_eq(n, b.len - 4);
    cr_assert_eq(ot__packet_decode(h, b.bytes + 4, n, 100, &m, NULL), 0);
    cr_assert_eq(m.base, OT__DOP_REG_SEND);
    cr_assert(ot_equal(m.from, rp) && m.name == ot_atom("echo"));
    cr_assert(ot_equal(m.msg, payload));
    for (size_t k = 0; k < b.len; k++) {
        size_t got = 0;
        cr_assert_eq(ot__packet_next(b.bytes, k, 1 << 20, &got), 0, "a %zu-byte prefix is not whole", k);
        if (k >= 4)
            cr_assert_eq(got, b.len - 4, "the length is known from 4 bytes on");
    }
    for (size_t k = 0; k + 4 < b.len; k++) {
        ot_heap_reset(h);
        const char *why = NULL;
        int rc = ot__packet_decode(h, b.bytes + 4, k, 100, &m, &why);
        cr_assert_eq(rc, -EBADMSG, "the first %zu of %zu bytes: %d", k, b.len - 4, rc);
        cr_assert(why && *why, "no reason for the first %zu bytes", k);
    }
    for (int i = 0; i < 20000; i++) {
        uint8_t copy[512];
        size_t n = b.len - 4;
        memcpy(copy, b.bytes + 4, n);
        copy[tu_rng(&seed) % n] ^= (uint8_t)(1u << (tu_rng(&seed) % 8));
        ot_heap_reset(h);
        ot__packet_decode(h, copy, n, 100, &m, NULL);
    }
    ot__dist_buf_free(&b);
    ot_heap_free(h);
}

/* ---------------------------------------------------------------- node */

static void start_stop_body(void *arg)
{
    (void)arg;
    CHECK(ot_node() == OT_ATOM(NONODE));
    CHECK(!ot_node_alive());
    CHECK(ot_get_cookie() == ot_atom("nocookie"));
    ot_term before = ot_self();
    CHECK(ot_node_start("bad name", OT_NODE_SHORT, "c") == -EINVAL);
    CHECK(ot_node_start("x@a.b", OT_NODE_SHORT, "c") == -EINVAL, "short names have no dots");
    CHECK(ot_node_start("x", OT_NODE_SHORT, "") == -EINVAL);
    const char *name = uniq("otstart");
    int rc = ot_node_start(name, OT_NODE_SHORT, "cookie1");
    CHECK(rc == 0, "%s", ot_strerror(rc));
    CHECK(ot_node_alive());
    CHECK(ot_node_start(name, OT_NODE_SHORT, "cookie1") == -EEXIST);
    const char *text = ot_atom_text(ot_node(), NULL);
    CHECK(!strncmp(text, name, strlen(name)) && text[strlen(name)] == '@', "%s", text);
    CHECK(ot_get_cookie() == ot_atom("cookie1"));
    CHECK(ot_node_creation() != 0);
    CHECK(ot_node_port() > 0);
    /* pids handed out before carry the node's name now */
    ot_pid_parts pp;
    CHECK(ot_pid_get(before, &pp) == 0 && pp.node == ot_node() && pp.creation == ot_node_creation());
    /* epmd knows it, at our port */
    char host[256];
    gethostname(host, sizeof host);
    int port = ot__epmd_port_please("127.0.0.1", name, 0);
    CHECK(port == ot_node_port(), "epmd says %d, we listen on %d", port, ot_node_port());
    /* a second node of the same name is refused by epmd */
    CHECK(ot__epmd_register(name, 1, false, &(uint32_t){0}) == -EADDRINUSE);
    CHECK(ot_set_cookie("other") == 0 && ot_get_cookie() == ot_atom("other"));
    CHECK(ot_set_node_cookie(ot_atom("peer@somewhere"), "pc") == 0);
    CHECK(ot_get_node_cookie(ot_atom("peer@somewhere")) == ot_atom("pc"));
    CHECK(ot_get_node_cookie(ot_atom("else@somewhere")) == ot_atom("other"));
    CHECK(ot_set_node_cookie(ot_atom("nohost"), "pc") == -EINVAL);
    CHECK(ot_net_ticktime() == 60);
    CHECK(ot_set_net_ticktime(0) == -EINVAL && ot_set_net_ticktime(10) == 0 && ot_net_ticktime() == 10);
    CHECK(ot_node_stop() == 0);
    CHECK(ot_node_stop() == -ENOENT);
    CHECK(ot_node() == OT_ATOM(NONODE));
    CHECK(ot__epmd_port_please("127.0.0.1", name, 0) == -ECONNREFUSED, "still registered");
    /* and it starts again */
    CHECK(ot_node_start(name, OT_NODE_SHORT, "cookie2") == 0);
    CHECK(ot__epmd_port_please("127.0.0.1", name, 0) == ot_node_port());
}

Test(dist_node, start_stop_and_epmd)
{
    pt_run(start_stop_body, NULL, 2);
}

Test(dist_node, needs_a_process)
{
    cr_assert_eq(ot_node_start("x", OT_NODE_SHORT, "c"), -EPERM);
    cr_assert_eq(ot_node_stop(), -ENOENT);
    cr_assert_eq(ot_node(), OT_ATOM(NONODE));
}

/* The default cookie: ~/.erlang.cookie made as erl makes it. */
static void cookie_body(void *arg)
{
    const char *home = arg;
    char path[512];
    snprintf(path, sizeof path, "%s/.erlang.cookie", home);
    CHECK(access(path, F_OK) != 0);
    int rc = ot_node_start(uniq("otcookie"), OT_NODE_SHORT, NULL);
    CHECK(rc == 0, "%s", ot_strerror(rc));
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0400, "mode %o", st.st_mode & 0777);
    FILE *f = fopen(path, "r");
    char c[64] = {0};
    size_t n = f ? fread(c, 1, sizeof c - 1, f) : 0;
    if (f)
        fclose(f);
    CHECK(n == 20, "%zu bytes", n);
    for (size_t i = 0; i < n; i++)
        CHECK(c[i] >= 'A' && c[i] <= 'Z');
    CHECK(ot_get_cookie() == ot_atom(c));
    ot_node_stop();
    /* the same cookie the second time */
    CHECK(ot_node_start(uniq("otcookie"), OT_NODE_SHORT, NULL) == 0);
    CHECK(ot_get_cookie() == ot_atom(c));
    ot_node_stop();
    /* a file others may read is refused, as erl refuses it */
    chmod(path, 0644);
    CHECK(ot_node_start(uniq("otcookie"), OT_NODE_SHORT, NULL) == -EACCES);
}

Test(dist_node, cookie_file)
{
    char dir[] = "/tmp/otter-cookie-XXXXXX";
    cr_assert(mkdtemp(dir) != NULL);
    setenv("HOME", dir, 1);
    pt_run(cookie_body, dir, 2);
    char path[512];
    snprintf(path, sizeof path, "%s/.erlang.cookie", dir);
    unlink(path);
    rmdir(dir);
}

/* ---------------------------------------------------------------- unreachable */

static bool down_or_exit(ot_term t, const char *tag, ot_term reason)
{
    return ot_is_tuple(t) && ot_tuple_get(t, 0) == ot_atom(tag) &&
           ot_tuple_get(t, ot_tuple_arity(t) - 1) == reason;
}

static void no_node_body(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    ot_term far = ot_pid(h, ot_atom("far@away"), 10, 0, 3);
    /* distribution not started */
    CHECK(ot_send(far, ot_atom("hi")) == -ENOTSUP);
    ot_trap_exit(true);
    CHECK(ot_link(far) == 0);
    ot_msg *m = ot_receive(OT_NONE, TU_POLL_CAP_MS, NULL);
    CHECK(m && down_or_exit(ot_msg_term(m), "EXIT", OT_ATOM(NOCONNECTION)));
    ot_msg_free(m);
    ot_term ref = ot_monitor(h, far);
    CHECK(ref != OT_NONE);
    m = ot_receive(OT_NONE, TU_POLL_CAP_MS, NULL);
    CHECK(m && down_or_exit(ot_msg_term(m), "DOWN", OT_ATOM(NOCONNECTION)));
    ot_msg_free(m);

    /* started, but the node is not there: connect refused, links and
     * monitors fire with noconnection, messages vanish */
    CHECK(ot_node_start(uniq("otlonely"), OT_NODE_SHORT, "c") == 0);
    char nobody[128];
    snprintf(nobody, sizeof nobody, "nobody%d@%s", (int)getpid(), strchr(ot_atom_text(ot_node(), NULL), '@') + 1);
    ot_term nb = ot_atom(nobody);
    CHECK(ot_connect(nb) == -ECONNREFUSED, "%s", ot_strerror(ot_connect(nb)));
    CHECK(ot_connect(ot_atom("nohost")) == -EINVAL);
    CHECK(ot_connect(ot_node()) == 0);
    ot_term far2 = ot_pid(h, nb, 10, 0, 3);
    CHECK(ot_send(far2, ot_atom("hi")) == 0);
    CHECK(ot_send(ot_tuple(h, 2, ot_atom("reg"), nb), ot_atom("hi")) == 0);
    CHECK(ot_link(far2) == 0);
    m = ot_receive(OT_NONE, TU_POLL_CAP_MS, NULL);
    CHECK(m && down_or_exit(ot_msg_term(m), "EXIT", OT_ATOM(NOCONNECTION)));
    ot_msg_free(m);
    ot_monitor(h, ot_tuple(h, 2, ot_atom("reg"), nb));
    m = ot_receive(OT_NONE, TU_POLL_CAP_MS, NULL);
    CHECK(m && down_or_exit(ot_msg_term(m), "DOWN", OT_ATOM(NOCONNECTION)));
    ot_msg_free(m);
    CHECK(ot_monitor_node(nb, true) == 0);
    m = ot_receive(OT_NONE, 10000, NULL);
    CHECK(m && ot_equal(ot_msg_term(m), ot_tuple(h, 2, ot_atom("nodedown"), nb)));
    ot_msg_free(m);
    ot_term r;
    CHECK(ot_erpc_call(h, nb, ot_atom("erlang"), ot_atom("node"), OT_NIL, 5000, &r) == -ENOTCONN);
    CHECK(r == OT_ATOM(NOCONNECTION));
    CHECK(ot_message_queue_len() == 0, "stray messages: %zu", ot_message_queue_len());
    ot_term nodes = ot_nodes(h);
    CHECK(nodes == OT_NIL);
    /* a pid of an earlier life of this node is simply dead */
    ot_term old = ot_pid(h, ot_node(), 3, 0, ot_node_creation() + 1);
    CHECK(ot_send(old, ot_atom("x")) == 0);
    CHECK(ot_link(old) == 0);
    m = ot_receive(OT_NONE, 2000, NULL);
    CHECK(m && down_or_exit(ot_msg_term(m), "EXIT", OT_ATOM(NOPROC)));
    ot_msg_free(m);
}

Test(dist_node, unreachable_nodes)
{
    pt_run(no_node_body, NULL, 2);
}

/* ---------------------------------------------------------------- local erpc */

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

static void local_rpc_body(void *arg)
{
    (void)arg;
    ot_heap *h = ot_proc_heap();
    ot_term r;
    CHECK(ot_rpc_register("calc", "add", 2, add, NULL) == 0);
    CHECK(ot_rpc_register(NULL, "add", 2, add, NULL) == -EINVAL);
    CHECK(ot_rpc_apply(h, ot_atom("calc"), ot_atom("add"), ot_build(h, "[1, 2]"), &r) == OT_RPC_RETURN);
    CHECK(ot_equal(r, ot_int(h, 3)));
    CHECK(ot_rpc_apply(h, ot_atom("calc"), ot_atom("add"), ot_build(h, "[1, x]"), &r) == OT_RPC_ERROR);
    CHECK(r == ot_atom("badarith"));
    CHECK(ot_rpc_apply(h, ot_atom("calc"), ot_atom("add"), ot_build(h, "[1]"), &r) == OT_RPC_ERROR);
    CHECK(r == OT_ATOM(UNDEF));
    CHECK(ot_rpc_apply(h, ot_atom("erlang"), ot_atom("node"), OT_NIL, &r) == OT_RPC_RETURN);
    CHECK(r == OT_ATOM(NONODE));
    CHECK(ot_rpc_apply(h, ot_atom("erlang"), ot_atom("process_info"),
                       ot_list(h, 2, ot_self(), ot_atom("bogus")), &r) == OT_RPC_ERROR);
    CHECK(r == OT_ATOM(BADARG));
    CHECK(ot_rpc_apply(h, ot_atom("Elixir.Kernel"), ot_atom("inspect"), ot_list(h, 1, ot_self()), &r) ==
          OT_RPC_RETURN);
    CHECK(ot_is_binary(r) && !memcmp(ot_binary_data(r, NULL), "#PID<0.", 7));
    /* the same through ot_erpc_call on this node */
    CHECK(ot_erpc_call(h, ot_node(), ot_atom("calc"), ot_atom("add"), ot_build(h, "[40, 2]"), 1000, &r) == 0);
    CHECK(ot_equal(r, ot_int(h, 42)));
    CHECK(ot_erpc_call(h, ot_node(), ot_atom("nope"), ot_atom("f"), OT_NIL, 1000, &r) == OT_RPC_ERROR);
    char buf[128];
    ot_print(buf, sizeof buf, r, &(ot_print_opts){.syntax = OT_SYNTAX_ERLANG});
    CHECK(!strcmp(buf, "{undef,[{nope,f,[],[]}]}"), "%s", buf);
    CHECK(ot_rpc_unregister("calc", "add", 2) == 0);
    CHECK(ot_rpc_unregister("calc", "add", 2) == -ENOENT);
    ot_term list = ot_rpc_registered(h);
    CHECK(ot_list_length(list) >= 20);
}

Test(dist_rpc, local_apply_and_builtins)
{
    pt_run(local_rpc_body, NULL, 2);
}
