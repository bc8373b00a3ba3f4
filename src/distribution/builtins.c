/* builtins.c — the functions other nodes call to look at this one, with
 * BEAM's result shapes: what the notebook's remote cells, Elixir's
 * Process and Kernel modules, observers and rpc users ask a node.
 *
 *   erlang:processes/0, process_info/1,2, memory/0,1, registered/0,
 *   whereis/1, is_process_alive/1, node/0,1, nodes/0,1, system_info/1
 *   'Elixir.Process':list/0, info/1,2, alive?/1, whereis/1
 *   'Elixir.Kernel':inspect/1,2
 *   supervisor:which_children/1, count_children/1 (and Elixir's
 *   Supervisor names), forwarded to the supervisor as gen_server calls
 *   application:which_applications/0,1, 'Elixir.Application':
 *   started_applications/0,1, application_controller:get_master/1,
 *   application_master:get_child/1
 *   ets:all/0, ets:info/1,2
 *
 * Each is an ot_rpc_fn: it builds its result on h and raises as BEAM
 * would (badarg for a bad argument). Other modules add theirs with
 * ot_rpc_register. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "distribution/distribution_internal.h"
#include "otter/application.h"
#include "otter/call.h"
#include "otter/ets.h"
#include "otter/introspect.h"

#define ARG(i) nth(args, i)

static ot_term nth(ot_term list, size_t i)
{
    while (i--)
        list = ot_tl(list);
    return ot_hd(list);
}

static ot_rpc_class badarg(ot_term *result)
{
    *result = OT_ATOM(BADARG);
    return OT_RPC_ERROR;
}

static ot_rpc_class ret(ot_term *result, ot_term v)
{
    *result = v;
    return OT_RPC_RETURN;
}

/* ---------------------------------------------------------------- processes */

static ot_rpc_class f_processes(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)args;
    (void)arg;
    return ret(result, ot_processes(h));
}

/* Keys BEAM answers that otter's introspection has no counter for, with
 * the value that means the same thing here (docs/distribution.md). */
static ot_term extra_key(ot_heap *h, ot_term pid, ot_term key, bool *known)
{
    *known = true;
    if (key == ot_atom("dictionary") || key == ot_atom("garbage_collection") ||
        key == ot_atom("suspending") || key == ot_atom("current_stacktrace"))
        return OT_NIL;
    if (key == ot_atom("priority"))
        return OT_ATOM(NORMAL);
    if (key == ot_atom("group_leader"))
        return pid;
    if (key == ot_atom("error_handler"))
        return ot_atom("error_handler");
    if (key == ot_atom("parent"))
        return OT_ATOM(UNDEFINED);
    if (key == ot_atom("heap_size") || key == ot_atom("total_heap_size") ||
        key == ot_atom("stack_size")) {
        if (key == ot_atom("stack_size"))
            return ot_int(h, 0);
        ot_term m = ot_process_info(h, pid, OT_ATOM(MEMORY));
        int64_t bytes = 0;
        ot_get_int64(ot_tuple_get(m, 1), &bytes);
        return ot_int(h, bytes / 8);
    }
    *known = false;
    return OT_NONE;
}

/* process_info(Pid, Item | [Item]): the value, undefined for a dead
 * process, or OT_NONE for badarg. */
static ot_term pinfo(ot_heap *h, ot_term pid, ot_term what)
{
    if (!ot_is_pid(pid) || !ot__is_lpid(pid))
        return OT_NONE; /* BEAM: badarg for another node's pid */
    bool known;
    if (ot_is_atom(what)) {
        ot_term v = extra_key(h, pid, what, &known);
        if (!known)
            return ot_process_info(h, pid, what);
        if (!ot_is_alive(pid))
            return OT_ATOM(UNDEFINED);
        return ot_tuple(h, 2, what, v);
    }
    ssize_t n = ot_list_length(what);
    if (n < 0)
        return OT_NONE;
    ot_term small[32];
    ot_term *items = n <= 32 ? small : ot__malloc((size_t)n * sizeof *items);
    if (!items)
        return OT_NONE;
    ot_term out = OT_NONE;
    size_t i = 0;
    for (ot_term l = what; l != OT_NIL; l = ot_tl(l), i++) {
        ot_term key = ot_hd(l), item;
        if (!ot_is_atom(key))
            goto done;
        ot_term v = extra_key(h, pid, key, &known);
        if (known) {
            item = ot_tuple(h, 2, key, v);
        } else {
            item = ot_process_info(h, pid, ot_list(h, 1, key));
            if (item == OT_NONE || item == OT_ATOM(UNDEFINED)) {
                out = item;
                goto done;
            }
            item = ot_hd(item);
        }
        items[i] = item;
    }
    out = ot_is_alive(pid) ? ot_listv(h, (size_t)n, items) : OT_ATOM(UNDEFINED);
done:
    if (items != small)
        ot__free(items);
    return out;
}

/* process_info/1's default items, as BEAM lists them. */
static ot_term pinfo_all(ot_heap *h, ot_term pid)
{
    static const char *const keys[] = {
        "current_function", "initial_call", "status", "message_queue_len", "links",
        "dictionary", "trap_exit", "error_handler", "priority", "group_leader",
        "total_heap_size", "heap_size", "stack_size", "reductions", "garbage_collection",
        "suspending"};
    size_t n = sizeof keys / sizeof keys[0];
    ot_term list = OT_NIL;
    for (size_t i = n; i-- > 0;)
        list = ot_cons(h, ot_atom(keys[i]), list);
    ot_term r = pinfo(h, pid, list);
    if (r == OT_NONE || r == OT_ATOM(UNDEFINED))
        return r;
    ot_term name = ot_process_info(h, pid, OT_ATOM(REGISTERED_NAME));
    if (ot_is_tuple(name))
        r = ot_cons(h, name, r);
    return r;
}

static ot_rpc_class f_process_info1(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_term r = pinfo_all(h, ARG(0));
    return r == OT_NONE ? badarg(result) : ret(result, r);
}

static ot_rpc_class f_process_info2(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_term r = pinfo(h, ARG(0), ARG(1));
    return r == OT_NONE ? badarg(result) : ret(result, r);
}

static ot_rpc_class f_is_process_alive(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)h;
    (void)arg;
    if (!ot_is_pid(ARG(0)))
        return badarg(result);
    if (!ot__is_lpid(ARG(0)))
        return badarg(result);
    return ret(result, ot_is_alive(ARG(0)) ? OT_ATOM(TRUE) : OT_ATOM(FALSE));
}

static ot_rpc_class f_registered(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)args;
    (void)arg;
    return ret(result, ot_registered(h));
}

static ot_rpc_class f_whereis(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)h;
    (void)arg;
    if (!ot_is_atom(ARG(0)))
        return badarg(result);
    ot_term pid = ot_whereis(ARG(0));
    return ret(result, pid == OT_NONE ? OT_ATOM(UNDEFINED) : pid);
}

/* ---------------------------------------------------------------- memory */

static ot_rpc_class f_memory0(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)args;
    (void)arg;
    return ret(result, ot_memory(h));
}

static ot_rpc_class f_memory1(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_term what = ARG(0);
    if (ot_is_atom(what)) {
        int64_t v = ot_memory_of(what);
        return v < 0 ? badarg(result) : ret(result, ot_int(h, v));
    }
    if (ot_list_length(what) < 0)
        return badarg(result);
    ot_term out = OT_NIL;
    ot_term items[16];
    size_t n = 0;
    for (ot_term l = what; l != OT_NIL; l = ot_tl(l)) {
        int64_t v = ot_memory_of(ot_hd(l));
        if (v < 0 || !ot_is_atom(ot_hd(l)))
            return badarg(result);
        if (n < 16)
            items[n++] = ot_tuple(h, 2, ot_hd(l), ot_int(h, v));
    }
    for (size_t i = n; i-- > 0;)
        out = ot_cons(h, items[i], out);
    return ret(result, out);
}

/* ---------------------------------------------------------------- nodes */

static ot_rpc_class f_node0(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)h;
    (void)args;
    (void)arg;
    return ret(result, ot_node());
}

static ot_rpc_class f_node1(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)h;
    (void)arg;
    ot_pid_parts pp;
    if (ot_pid_get(ARG(0), &pp) == 0)
        return ret(result, pp.node);
    ot_ref_parts rp;
    if (ot_ref_get(ARG(0), &rp) == 0)
        return ret(result, rp.node);
    ot_port_parts op;
    if (ot_port_get(ARG(0), &op) == 0)
        return ret(result, op.node);
    return badarg(result);
}

static ot_rpc_class f_nodes0(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)args;
    (void)arg;
    return ret(result, ot_nodes(h));
}

static ot_rpc_class f_nodes1(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_term what = ARG(0), kinds = ot_is_atom(what) ? ot_list(h, 1, what) : what;
    if (ot_list_length(kinds) < 0)
        return badarg(result);
    bool conn = false, self = false;
    for (ot_term l = kinds; l != OT_NIL; l = ot_tl(l)) {
        ot_term k = ot_hd(l);
        if (k == ot_atom("hidden") || k == ot_atom("connected"))
            conn = true;
        else if (k == ot_atom("this"))
            self = true;
        else if (k == ot_atom("known"))
            conn = self = true;
        else if (k != ot_atom("visible"))
            return badarg(result);
    }
    /* Every connection of a hidden node is hidden: `visible` adds none. */
    ot_term out = conn ? ot_nodes(h) : OT_NIL;
    if (self)
        out = ot_cons(h, ot_node(), out);
    return ret(result, out);
}

/* ---------------------------------------------------------------- system_info */

static ot_rpc_class f_system_info(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_term k = ARG(0);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (k == ot_atom("process_count"))
        return ret(result, ot_int(h, (int64_t)ot_process_count()));
    if (k == ot_atom("process_limit"))
        return ret(result, ot_int(h, 4194304));
    if (k == ot_atom("atom_count"))
        return ret(result, ot_int(h, (int64_t)ot_atom_count()));
    if (k == ot_atom("atom_limit"))
        return ret(result, ot_int(h, OT_ATOM_MAX_COUNT));
    if (k == ot_atom("port_count") || k == ot_atom("ets_count"))
        return ret(result, ot_int(h, 0));
    if (k == ot_atom("schedulers") || k == ot_atom("schedulers_online"))
        return ret(result, ot_int(h, ot_schedulers()));
    if (k == ot_atom("logical_processors") || k == ot_atom("logical_processors_available") ||
        k == ot_atom("logical_processors_online"))
        return ret(result, ot_int(h, cpus > 0 ? cpus : 1));
    if (k == ot_atom("wordsize"))
        return ret(result, ot_int(h, 8));
    if (k == ot_atom("otp_release"))
        return ret(result, ot_charlist(h, "25")); /* the protocol otter speaks */
    if (k == ot_atom("version"))
        return ret(result, ot_charlist(h, "otter-0.1.0"));
    if (k == ot_atom("system_version"))
        return ret(result, ot_charlist(h, "otter 0.1.0 (Erlang distribution, OTP 25 protocol)\n"));
    if (k == ot_atom("machine"))
        return ret(result, ot_charlist(h, "otter"));
    if (k == ot_atom("dist_ctrl") || k == ot_atom("dist"))
        return ret(result, OT_NIL);
    if (k == ot_atom("creation"))
        return ret(result, ot_uint(h, ot_node_creation()));
    if (k == ot_atom("thread_pool_size") || k == ot_atom("dirty_io_schedulers"))
        return ret(result, ot_int(h, 4));
    return badarg(result);
}

/* ---------------------------------------------------------------- Elixir */

static ot_term nilify(ot_term v)
{
    return v == OT_ATOM(UNDEFINED) ? OT_ATOM(NIL) : v;
}

static ot_rpc_class f_ex_info1(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_term r = pinfo_all(h, ARG(0));
    return r == OT_NONE ? badarg(result) : ret(result, nilify(r));
}

static ot_rpc_class f_ex_info2(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_term pid = ARG(0), spec = ARG(1);
    if (spec == OT_ATOM(REGISTERED_NAME)) {
        /* Process.info(pid, :registered_name) answers {:registered_name, []}
         * for a process without a name */
        ot_term r = pinfo(h, pid, spec);
        if (r == OT_NONE)
            return badarg(result);
        if (r == OT_NIL)
            return ret(result, ot_tuple(h, 2, spec, OT_NIL));
        return ret(result, nilify(r));
    }
    ot_term r = pinfo(h, pid, spec);
    return r == OT_NONE ? badarg(result) : ret(result, nilify(r));
}

static ot_rpc_class f_ex_alive(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    return f_is_process_alive(h, args, result, arg);
}

static ot_rpc_class f_ex_whereis(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)h;
    (void)arg;
    if (!ot_is_atom(ARG(0)))
        return badarg(result);
    ot_term pid = ot_whereis(ARG(0));
    return ret(result, pid == OT_NONE ? OT_ATOM(NIL) : pid);
}

static ot_rpc_class inspect(ot_heap *h, ot_term t, size_t limit, ot_term *result)
{
    ot_print_opts o = {.syntax = OT_SYNTAX_ELIXIR, .limit = limit};
    char buf[4096];
    ssize_t n = ot_print(buf, sizeof buf, t, &o);
    if (n < 0)
        return badarg(result);
    if ((size_t)n < sizeof buf)
        return ret(result, ot_binary(h, buf, (size_t)n));
    char *big = ot_inspect(t, &o);
    if (!big) {
        *result = ot_atom("system_limit");
        return OT_RPC_ERROR;
    }
    *result = ot_binary(h, big, strlen(big));
    free(big);
    return OT_RPC_RETURN;
}

static ot_rpc_class f_ex_inspect1(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    return inspect(h, ARG(0), 50, result); /* inspect/1's default limit */
}

static ot_rpc_class f_ex_inspect2(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_term opts = ARG(1);
    if (ot_list_length(opts) < 0)
        return badarg(result);
    size_t limit = 50;
    for (ot_term l = opts; l != OT_NIL; l = ot_tl(l)) {
        ot_term kv = ot_hd(l);
        if (ot_tuple_arity(kv) != 2)
            return badarg(result);
        if (ot_tuple_get(kv, 0) == ot_atom("limit")) {
            int64_t v;
            if (ot_tuple_get(kv, 1) == OT_ATOM(INFINITY))
                limit = 0;
            else if (ot_get_int64(ot_tuple_get(kv, 1), &v) == 0 && v >= 0)
                limit = v ? (size_t)v : 1;
        }
    }
    return inspect(h, ARG(0), limit, result);
}

/* ---------------------------------------------------------------- supervisors */

/* gen:call(SupRef, Request, infinity) as supervisor:which_children/1
 * makes it: failures exit with {Reason, {gen_server, call, [Sup, Req,
 * infinity]}}, as gen_server:call/3 does. */
static ot_rpc_class sup_call(ot_heap *h, ot_term sup, const char *what, ot_term *result)
{
    ot_term target = sup;
    if (ot_tuple_arity(sup) == 2 && ot_tuple_get(sup, 1) == ot_node())
        target = ot_tuple_get(sup, 0);
    if (!ot_is_pid(target) && !ot_is_atom(target))
        return badarg(result);
    ot_term req = ot_atom(what), r;
    int rc = ot_call(h, target, req, OT_INFINITY, &r);
    if (rc == 0)
        return ret(result, r);
    *result = ot_tuple(h, 2, r,
                       ot_tuple(h, 3, ot_atom("gen_server"), OT_ATOM(CALL),
                                ot_list(h, 3, sup, req, OT_ATOM(INFINITY))));
    return OT_RPC_EXIT;
}

static ot_rpc_class f_which_children(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    return sup_call(h, ARG(0), "which_children", result);
}

static ot_rpc_class f_count_children(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    return sup_call(h, ARG(0), "count_children", result);
}

/* ---------------------------------------------------------------- applications */

static ot_rpc_class f_which_applications(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)args;
    (void)arg;
    ot_term r = ot_application_which_applications(h);
    if (r == OT_NONE) {
        *result = ot_atom("system_limit");
        return OT_RPC_ERROR;
    }
    return ret(result, r);
}

static ot_rpc_class f_get_master(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)h;
    (void)arg;
    if (!ot_is_atom(ARG(0)))
        return badarg(result);
    ot_term master = OT_ATOM(UNDEFINED);
    ot_application_get_master(ARG(0), &master);
    return ret(result, master);
}

/* application_master:get_child/1 is a call to the master on BEAM: a dead
 * master exits the caller with noproc, as gen calls do. */
static ot_rpc_class f_get_child(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_term r;
    int rc = ot_application_get_child(h, ARG(0), &r);
    if (rc == -EINVAL)
        return badarg(result);
    if (rc) {
        *result = OT_ATOM(NOPROC);
        return OT_RPC_EXIT;
    }
    return ret(result, r);
}

/* ---------------------------------------------------------------- ets */

static ot_rpc_class f_ets_all(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)args;
    (void)arg;
    ot_term r;
    if (ot_ets_all(h, &r) != 0) {
        *result = ot_atom("system_limit");
        return OT_RPC_ERROR;
    }
    return ret(result, r);
}

static ot_rpc_class f_ets_info1(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_term r;
    int rc = ot_ets_info(h, ARG(0), &r);
    return rc ? badarg(result) : ret(result, r);
}

static ot_rpc_class f_ets_info2(ot_heap *h, ot_term args, ot_term *result, void *arg)
{
    (void)arg;
    ot_term r;
    int rc = ot_ets_info_item(h, ARG(0), ARG(1), &r);
    return rc ? badarg(result) : ret(result, r);
}

/* ---------------------------------------------------------------- table */

void ot__rpc_builtins_register(void)
{
    static const struct {
        const char *m, *f;
        unsigned arity;
        ot_rpc_fn fn;
    } t[] = {
        {"erlang", "processes", 0, f_processes},
        {"erlang", "process_info", 1, f_process_info1},
        {"erlang", "process_info", 2, f_process_info2},
        {"erlang", "is_process_alive", 1, f_is_process_alive},
        {"erlang", "registered", 0, f_registered},
        {"erlang", "whereis", 1, f_whereis},
        {"erlang", "memory", 0, f_memory0},
        {"erlang", "memory", 1, f_memory1},
        {"erlang", "node", 0, f_node0},
        {"erlang", "node", 1, f_node1},
        {"erlang", "nodes", 0, f_nodes0},
        {"erlang", "nodes", 1, f_nodes1},
        {"erlang", "system_info", 1, f_system_info},
        {"Elixir.Process", "list", 0, f_processes},
        {"Elixir.Process", "info", 1, f_ex_info1},
        {"Elixir.Process", "info", 2, f_ex_info2},
        {"Elixir.Process", "alive?", 1, f_ex_alive},
        {"Elixir.Process", "whereis", 1, f_ex_whereis},
        {"Elixir.Process", "registered", 0, f_registered},
        {"Elixir.Kernel", "inspect", 1, f_ex_inspect1},
        {"Elixir.Kernel", "inspect", 2, f_ex_inspect2},
        {"supervisor", "which_children", 1, f_which_children},
        {"supervisor", "count_children", 1, f_count_children},
        {"Elixir.Supervisor", "which_children", 1, f_which_children},
        {"Elixir.Supervisor", "count_children", 1, f_count_children},
        {"application", "which_applications", 0, f_which_applications},
        {"application", "which_applications", 1, f_which_applications},
        {"Elixir.Application", "started_applications", 0, f_which_applications},
        {"Elixir.Application", "started_applications", 1, f_which_applications},
        {"application_controller", "get_master", 1, f_get_master},
        {"application_master", "get_child", 1, f_get_child},
        {"ets", "all", 0, f_ets_all},
        {"ets", "info", 1, f_ets_info1},
        {"ets", "info", 2, f_ets_info2},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        ot__rpc_register_builtin(t[i].m, t[i].f, t[i].arity, t[i].fn);
}
