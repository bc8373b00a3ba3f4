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

#ifdef __cplusplus
}
#endif
#endif
