/* otter/ets.h — shared tables, as Erlang's ets: set, ordered_set, bag and
 * duplicate_bag tables of tuples, owned by a process, read and written by
 * any process (as their protection allows) without copying whole tables.
 *
 * The notebook's "ETS usage" cell in C:
 *
 *     ot_heap *h = ot_proc_heap();
 *     ot_term tid;
 *     ot_ets_new(h, ot_atom("users"), ot_build(h, "[set, public]"), &tid);
 *     char name[32];
 *     for (int i = 1; i <= 1000000; i++) {
 *         int n = snprintf(name, sizeof name, "User %d", i);
 *         ot_ets_insert(tid, ot_tuple(h, 2, ot_int(h, i), ot_binary(h, name, (size_t)n)));
 *         ...reset h now and then (keeping tid's heap)...
 *     }
 *
 * Tables: a table is named by its table id, which ot_ets_new builds on the
 * caller's heap: a reference (#Ref<0.a.b.c>, as OTP 25 gives), or for a
 * table made with the named_table option the name atom itself, as in
 * Erlang. A named table can be reached through both. Every function below
 * that takes `tab` accepts either form. A table id stays valid (and never
 * names another table) after its table is deleted: using it then gives
 * -EBADF.
 *
 * Objects are tuples whose element `keypos` (1-based, default 1) is the key.
 * Tables copy objects in (into a compact flat form, not process memory) and
 * every read builds new terms on the heap the caller passes; binaries over
 * 64 bytes are shared by reference count, not copied. -0.0 is stored as
 * 0.0 (OTP 25 holds them equal). Keys compare with =:= in set, bag and
 * duplicate_bag tables (1 and 1.0 are two keys) and with == in ordered_set
 * tables (one key), which iterate in Erlang's term order.
 *
 * Ownership: the process that makes a table owns it. When the owner exits
 * the table is deleted, or given to its heir if it has one that is alive,
 * which then receives {'ETS-TRANSFER', Tab, FromPid, HeirData}. That
 * happens while the owner exits, before its links and monitors fire, so a
 * process that sees the owner's DOWN or EXIT sees the table gone (or
 * given away) already. When ot_run returns, every table is gone.
 *
 * Protection (checked against the caller, ot_self()): public tables are
 * read and written by anyone; protected tables (the default) are read by
 * anyone and written only by the owner; private tables are used only by the
 * owner. ot_ets_info and ot_ets_all work on any table.
 *
 * Errors (Erlang raises badarg for all of them; otter tells which):
 *   -EBADF   tab is not a table id, or its table is deleted
 *   -EACCES  the protection forbids the caller this access
 *   -EINVAL  a bad argument: an object that is not a tuple with at least
 *            keypos elements, an improper list, a bad option or position,
 *            an element that update_counter cannot add to, an improper
 *            pattern
 *   -ENOENT  (lookup_element, update_counter without default) no object
 *            has the key
 *   -EEXIST  (ot_ets_new) a named table of that name exists
 *   -EPERM   the call must come from a process, or from the owner
 *   -ESRCH   (give_away) the new owner is not a live local process
 *   -E2BIG   a term nested deeper than 2,000 levels
 *   -ENOMEM  memory ran out; the table is as it was, except that a list
 *            insert may have stored a prefix of the list
 * A call that fails for any other reason changes nothing (a list to insert
 * is checked whole before any object of it is stored).
 *
 * Threads: every function may be called from any process on any scheduler,
 * concurrently; readers of one table never wait for each other, writers
 * wait for each other and for readers (a lock per table, held only within
 * one call: no table function ever waits for a message). From a plain
 * thread (not a process) the reading and writing functions work on public
 * tables and the reading ones on protected tables; ot_ets_new,
 * ot_ets_give_away and ot_ets_setopts need a process (-EPERM). The heap
 * passed for results must belong to the calling thread.
 */
#ifndef OTTER_ETS_H
#define OTTER_ETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "otter/term.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- tables */

/* ot_ets_new: ets:new(Name, Options). Makes a table owned by the caller and
 * stores its id, built on h, in *tab: a reference, or `name` itself with
 * named_table. name is an atom. opts is a proper list of Erlang's options:
 *   set | ordered_set | bag | duplicate_bag        (type; default set)
 *   public | protected | private                   (default protected)
 *   named_table
 *   {keypos, Pos}                                  (Pos >= 1; default 1)
 *   {heir, Pid, HeirData} | {heir, none}
 *   {read_concurrency, Bool}, {write_concurrency, Bool | auto},
 *   {decentralized_counters, Bool}, compressed     (accepted; no effect)
 * Returns 0, -EINVAL for a bad name or option, -EEXIST if a named table
 * called name exists, -EPERM outside a process, -ENOMEM. */
OT_API int ot_ets_new(ot_heap *h, ot_term name, ot_term opts, ot_term *tab);

/* ot_ets_delete: ets:delete(Tab): deletes the table and every object in it.
 * Allowed to the owner, and to anyone for a public table. Returns 0,
 * -EBADF, -EACCES. */
OT_API int ot_ets_delete(ot_term tab);

/* ot_ets_give_away: ets:give_away(Tab, Pid, GiftData): makes pid the owner
 * and sends it {'ETS-TRANSFER', Tab, FromPid, GiftData}. Only the owner may
 * give a table away, and not to itself. Returns 0, -EBADF, -EPERM (caller
 * not the owner, or not a process), -ESRCH (pid not a live local process),
 * -EINVAL (pid is the caller), -ENOMEM. */
OT_API int ot_ets_give_away(ot_term tab, ot_term pid, ot_term gift);

/* ot_ets_setopts: ets:setopts(Tab, Opts) for the heir: opts is
 * {heir, Pid, HeirData}, {heir, none}, or a list of them. Owner only.
 * Returns 0, -EBADF, -EPERM, -EINVAL, -ENOMEM. */
OT_API int ot_ets_setopts(ot_term tab, ot_term opts);

/* ot_ets_whereis: ets:whereis(Name): the reference of the named table
 * called name, built on h, or OT_NONE if there is none. */
OT_API ot_term ot_ets_whereis(ot_heap *h, ot_term name);

/* ot_ets_all: ets:all(): the list of every table, built on h: names for
 * named tables, references for the others. Returns 0 or -ENOMEM. */
OT_API int ot_ets_all(ot_heap *h, ot_term *out);

/* ot_ets_info: ets:info(Tab): the property list
 *   [{id, Ref}, {decentralized_counters, false}, {read_concurrency, false},
 *    {write_concurrency, false}, {compressed, false}, {memory, Words},
 *    {owner, Pid}, {heir, Pid | none}, {name, Atom}, {size, N},
 *    {node, Node}, {named_table, Bool}, {type, Type}, {keypos, Pos},
 *    {protection, Access}]
 * built on h, with memory in words as BEAM gives it (ot_ets_memory gives
 * bytes). *out is the atom undefined for a table id whose table is deleted
 * (as Erlang answers), and 0 is returned. -EBADF if tab is not a table id
 * at all, -ENOMEM. */
OT_API int ot_ets_info(ot_heap *h, ot_term tab, ot_term *out);
/* ot_ets_info_item: ets:info(Tab, Item) for one of the atoms above (and
 * `id`); undefined for a deleted table. -EINVAL for an unknown item. */
OT_API int ot_ets_info_item(ot_heap *h, ot_term tab, ot_term item, ot_term *out);
/* ot_ets_memory: bytes the table holds (see docs/ets.md for what that
 * counts), or -EBADF. Every table's bytes are in ot_memory's `ets`. */
OT_API ssize_t ot_ets_memory(ot_term tab);
/* ot_ets_size: objects in the table, or -EBADF. */
OT_API ssize_t ot_ets_size(ot_term tab);

/* ---------------------------------------------------------------- writing */

/* ot_ets_insert: ets:insert(Tab, ObjectOrObjects): obj is a tuple or a
 * proper list of tuples. set/ordered_set: an object replaces the one with
 * the same key; bag: an object equal (=:=) to one already there is not
 * added again; duplicate_bag: every object is added. Objects of one key
 * keep their insertion order (a list inserted into a bag in one call goes
 * in last element first, as OTP 25 does). Returns 0, -EBADF, -EACCES,
 * -EINVAL (some object is not a tuple of at least keypos elements, or an
 * improper list: nothing is inserted), -E2BIG, -ENOMEM. */
OT_API int ot_ets_insert(ot_term tab, ot_term obj);
/* ot_ets_insert_new: ets:insert_new/2: as ot_ets_insert, but if any key of
 * obj is already in the table nothing is inserted. Returns 1 if inserted,
 * 0 if not, or the errors of ot_ets_insert. */
OT_API int ot_ets_insert_new(ot_term tab, ot_term obj);

/* ot_ets_delete_key: ets:delete(Tab, Key): removes every object with key.
 * Returns 0 (also when there was none), -EBADF, -EACCES. */
OT_API int ot_ets_delete_key(ot_term tab, ot_term key);
/* ot_ets_delete_object: ets:delete_object/2: removes the objects equal
 * (=:=) to obj (every copy of it in a duplicate_bag). Returns 0, -EBADF,
 * -EACCES, -EINVAL. */
OT_API int ot_ets_delete_object(ot_term tab, ot_term obj);
/* ot_ets_delete_all_objects: ets:delete_all_objects/1. Returns 0, -EBADF,
 * -EACCES. */
OT_API int ot_ets_delete_all_objects(ot_term tab);

/* ot_ets_take: ets:take(Tab, Key): removes the objects with key and
 * returns them in *out (a list, [] if none) built on h. Returns 0, -EBADF,
 * -EACCES, -ENOMEM. */
OT_API int ot_ets_take(ot_heap *h, ot_term tab, ot_term key, ot_term *out);

/* ot_ets_update_counter: ets:update_counter(Tab, Key, UpdateOp [, Default])
 * for set and ordered_set tables. op is Incr (added to element keypos + 1,
 * the one after the key by default), {Pos, Incr},
 * {Pos, Incr, Threshold, SetValue}, or a list of these; integers of any
 * size. With a threshold, a result above it (Incr >= 0) or below it
 * (Incr < 0) becomes SetValue. *out is the new value (an integer), or the
 * list of new values for a list of ops, built on h. If no object has the
 * key, default_obj (a tuple, or OT_NONE for none) is inserted first. The
 * update is atomic. Returns 0, -EBADF, -EACCES, -ENOENT (no such key and
 * no default), -EINVAL (bag table, Pos is the key or beyond the object, an
 * element or increment that is not an integer), -ENOMEM. */
OT_API int ot_ets_update_counter(ot_heap *h, ot_term tab, ot_term key, ot_term op,
                                 ot_term default_obj, ot_term *out);
/* ot_ets_update_element: ets:update_element(Tab, Key, {Pos, Value} or a
 * list of them) for set and ordered_set tables. Returns 1 if the object
 * was found and updated, 0 if no object has the key, -EINVAL (the key's
 * position, or beyond the object), -EBADF, -EACCES, -ENOMEM. */
OT_API int ot_ets_update_element(ot_term tab, ot_term key, ot_term changes);

/* ---------------------------------------------------------------- reading */

/* ot_ets_lookup: ets:lookup(Tab, Key): the list of objects with key, built
 * on h ([] or one object for set tables). Returns 0, -EBADF, -EACCES,
 * -ENOMEM. */
OT_API int ot_ets_lookup(ot_heap *h, ot_term tab, ot_term key, ot_term *out);
/* ot_ets_lookup_element: ets:lookup_element(Tab, Key, Pos): element pos of
 * the object with key (for bags: the list of element pos of each object).
 * Returns 0, -ENOENT (no object), -EINVAL (pos < 1 or beyond an object),
 * -EBADF, -EACCES, -ENOMEM. */
OT_API int ot_ets_lookup_element(ot_heap *h, ot_term tab, ot_term key, size_t pos,
                                 ot_term *out);
/* ot_ets_member: ets:member/2: 1 if some object has key, 0 if not, or
 * -EBADF, -EACCES. */
OT_API int ot_ets_member(ot_term tab, ot_term key);

/* ot_ets_match_object: ets:match_object(Tab, Pattern) with an otter
 * pattern (ot_pattern/ot_parse: variables and _, see ot_match): the list
 * of objects that match, built on h. A pattern whose key element has no
 * variable looks at that key only. Order: the table's (term order for
 * ordered_set). Returns 0, -EBADF, -EACCES, -ENOMEM. */
OT_API int ot_ets_match_object(ot_heap *h, ot_term tab, ot_term pattern, ot_term *out);
/* ot_ets_match: ets:match(Tab, Pattern): for each matching object, the
 * list of its variables' values in variable order (the first variable of
 * the pattern first: {~a, X, Y} gives [[X, Y], ...], as ets:match with
 * '$1' and '$2' does); built on h. Returns as ot_ets_match_object. */
OT_API int ot_ets_match(ot_heap *h, ot_term tab, ot_term pattern, ot_term *out);
/* ot_ets_match_delete: ets:match_delete(Tab, Pattern) (and select_delete
 * with a pattern and `true`): removes every object that matches. Returns
 * the number removed, -EBADF, -EACCES, -ENOMEM. */
OT_API ssize_t ot_ets_match_delete(ot_term tab, ot_term pattern);

/* ot_ets_first / ot_ets_last / ot_ets_next / ot_ets_prev: ets:first/1,
 * last/1, next/2, prev/2: a key built on h in *key, or the atom
 * '$end_of_table'. Returns 1 for a key, 0 at the end, or -EBADF, -EACCES,
 * -ENOMEM. ordered_set tables go in term order, and next/prev accept a key
 * that is not in the table (the next greater/smaller key). Other tables go
 * in an unspecified order that stays put while the table is not written;
 * there last is first and prev is next (as in Erlang), and next/prev of a
 * key that is not in the table give -EINVAL (badarg in Erlang). */
OT_API int ot_ets_first(ot_heap *h, ot_term tab, ot_term *key);
OT_API int ot_ets_last(ot_heap *h, ot_term tab, ot_term *key);
OT_API int ot_ets_next(ot_heap *h, ot_term tab, ot_term key, ot_term *next);
OT_API int ot_ets_prev(ot_heap *h, ot_term tab, ot_term key, ot_term *prev);

/* ot_ets_tab2list: ets:tab2list/1: every object, built on h, in the
 * table's order. Returns 0, -EBADF, -EACCES, -ENOMEM. */
OT_API int ot_ets_tab2list(ot_heap *h, ot_term tab, ot_term *out);

/* A fold step: called with one object (valid only during the call: copy
 * what you keep) and the caller's acc. Return 0 to go on, anything else to
 * stop the fold, which then returns that value. */
typedef int (*ot_ets_fold_fn)(ot_term obj, void *acc);
/* ot_ets_foldl: ets:foldl/3: calls fn for every object in the table's
 * order, over a snapshot taken when the call starts (fn may read and write
 * the table, even delete it; it sees each object of the snapshot once).
 * Returns 0, fn's nonzero return, -EBADF, -EACCES, -ENOMEM. */
OT_API int ot_ets_foldl(ot_term tab, ot_ets_fold_fn fn, void *acc);

#ifdef __cplusplus
}
#endif
#endif
