/* otter/introspect.h — looking at the processes of the running node, as
 * erlang:processes/0 and erlang:process_info/2 do on BEAM.
 *
 * The notebook's "Inspecting remote processes" cells list every process and
 * read [:reductions, :memory, :status] of each; otter answers the same
 * questions with the same keys and meanings, for its own node, from any
 * thread, without stopping the processes: counters are read as they are
 * (each value is exact; the set of values is not one instant's snapshot).
 */
#ifndef OTTER_INTROSPECT_H
#define OTTER_INTROSPECT_H

#include <stdbool.h>

#include "otter/term.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ot_processes: the list of the pids of all live processes, in ascending
 * pid order, built on h. OT_NONE if memory runs out or no runtime runs. */
OT_API ot_term ot_processes(ot_heap *h);

/* ot_process_info: process_info/2. `what` is one key (an atom) or a list
 * of keys. For a list, returns the list of {key, value} in the order asked;
 * for one key, {key, value} (and [] for registered_name when the process
 * has no name, as BEAM does). Returns the atom undefined if pid is not a
 * live process of this node, OT_NONE for an unknown key or bad argument
 * (like BEAM's badarg) or if memory runs out. Built on h.
 *
 * Keys and values:
 *   registered_name    the name atom, or [] when it has none
 *   label              the term given to ot_set_label / spawn, or undefined
 *   status             running | runnable | waiting | exiting
 *   reductions         reductions spent so far (runtime calls, see docs)
 *   memory             bytes: control block + saved stack frames + mailbox
 *                      + process-owned heaps + link/monitor tables
 *   message_queue_len  messages in the mailbox (including not yet taken in)
 *   links              list of linked pids
 *   monitors           list of {process, pid_or_{name, node}} it monitors
 *   monitored_by       list of pids monitoring it
 *   trap_exit          true | false
 *   initial_call       {module, function, 1}: from the spawn option
 *                      initial_call ("mod:fun/1"), else the C symbol and
 *                      the program's name
 *   current_function   {otter, receive, 3} while waiting for a message,
 *                      {otter, sleep, 1}, {erlang, hibernate, 3} when
 *                      hibernated, else the initial call
 *   cpu_time           CPU time it has used, in microseconds (BEAM has no
 *                      such key)
 */
OT_API ot_term ot_process_info(ot_heap *h, ot_term pid, ot_term what);

/* ot_long_schedules: the last 256 long-schedule events, oldest first, as
 * maps %{pid, at_ms, duration_us, ongoing}: a process that ran longer than
 * ot_runtime_opts.long_schedule_us without a runtime call (C code cannot be
 * preempted; otter shows it instead). A watchdog reports a process still
 * running past the threshold (ongoing: true); the end of every long slice
 * is reported with its whole duration (ongoing: false). Built on h. */
OT_API ot_term ot_long_schedules(ot_heap *h);

/* ot_process_count: how many processes are alive. */
OT_API size_t ot_process_count(void);

/* ---------------------------------------------------------------- memory */

/* :erlang.memory()'s categories, in bytes, with their meanings for otter
 * (docs/memory.md):
 *   processes       control blocks, saved and resident stacks, mailboxes,
 *                   process heaps, links and monitors
 *   processes_used  processes less control blocks allocated but unused
 *   atom, atom_used the atom table: allocated / taken by atom texts
 *   binary          the bytes of shared (reference-counted) binaries
 *   code            executable code mapped from files (program + libraries)
 *   ets             tables: objects, indexes, table structures
 *   system          atom + binary + code + ets + other runtime structures
 *   total           processes + system
 * What otter does not allocate (the program's own malloc) is in none of
 * them; docs/memory.md measures total against the process's RSS. */
typedef struct ot_memory_info {
    size_t total, processes, processes_used, system, atom, atom_used, binary, code, ets;
} ot_memory_info;

/* ot_memory_read: fills *m from counters kept as memory is allocated, so
 * it is cheap (microseconds, whatever the number of processes) and may be
 * called from any thread, with or without a running runtime. Returns 0,
 * or -EINVAL if m is NULL. */
OT_API int ot_memory_read(ot_memory_info *m);
/* ot_memory: :erlang.memory() — the list [{total, N}, {processes, N},
 * {processes_used, N}, {system, N}, {atom, N}, {atom_used, N},
 * {binary, N}, {code, N}, {ets, N}] built on h; OT_NONE if h is NULL or
 * memory runs out. */
OT_API ot_term ot_memory(ot_heap *h);
/* ot_memory_of: :erlang.memory(category) — the bytes of one category
 * (an atom such as ot_atom("binary")), or -EINVAL for an unknown one. */
OT_API int64_t ot_memory_of(ot_term category);

/* ---------------------------------------------------------------- trees */

typedef struct ot_tree_walk_opts {
    size_t max_nodes;   /* stop after this many processes (0: no limit) */
    bool ets;           /* add the tables owned by processes of the tree */
} ot_tree_walk_opts;

/* ot_sup_tree: the supervision tree under sup (a pid or registered name),
 * as the term ot_mermaid_tree draws (otter/mermaid.h):
 *   %{root: node, ets: [%{name, owner, heir, protection}]}
 *   node = %{pid, id, type: :supervisor | :worker, name, label, links,
 *            children: [node]}     (children only for supervisors)
 * Only processes that ot_is_supervisor() knows are asked for children,
 * with the supervisor call protocol, so a busy worker never blocks the
 * walk. Must be called from inside a process. opts may be NULL (tables
 * included, no node limit). Returns 0, -ESRCH (not alive, or no such
 * name), -ENOTSUP (not a supervisor), -E2BIG (deeper than 1,000 levels),
 * -EINVAL, -ENOMEM. */
OT_API int ot_sup_tree(ot_heap *h, ot_term sup, const ot_tree_walk_opts *opts, ot_term *tree);
/* ot_app_tree: the tree of a running application, from its application
 * master: ot_sup_tree of its root supervisor plus
 *   application: %{master: pid, ancestor: pid}
 * (the master's child that started the root supervisor), as
 * Kino.Process.render_app_tree draws it. -ENOENT if app is not running. */
OT_API int ot_app_tree(ot_heap *h, ot_term app, const ot_tree_walk_opts *opts, ot_term *tree);

#ifdef __cplusplus
}
#endif
#endif
