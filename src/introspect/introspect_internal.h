/* introspect_internal.h — what the introspection layer offers the layers
 * above it beyond include/otter/introspect.h: a walk over every process
 * that reads its counters in place (no terms built), and the node's
 * uptime. web/local.c uses them so that it needs nothing of core.
 *
 *   process_info.c  erlang:processes/0, process_info/2, the process count,
 *                   long-schedule events, how a C function is named
 *   proc_scan.c     the in-place walk (ot__proc_scan)
 *   memory.c        erlang:memory/0,1
 *   seq_trace.c     sequential traces
 *   tree.c          supervision and application trees */
#ifndef OTTER_INTROSPECT_INTERNAL_H
#define OTTER_INTROSPECT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otter/process.h"
#include "otter/term.h"

/* One process as ot__proc_scan sees it. Every pointer and term is valid
 * only during the callback. */
typedef struct ot__proc_row {
    ot_term pid;                 /* an immediate local pid */
    ot_term name;                /* registered name (an atom) or OT_NONE */
    ot_term label;               /* its label (in the process) or OT_NONE */
    const char *initial_call;    /* "mod:fun/arity", as ot_process_info's */
    const char *current_function;/* "mod:fun/arity", as ot_process_info's */
    const char *status;          /* "running", "runnable", "waiting" */
    uint64_t reductions;
    uint64_t memory;             /* bytes */
    uint64_t message_queue_len;
    uint64_t cpu_time_us;
} ot__proc_row;

/* ot__proc_scan: calls fn once per live process, in pid order, until fn
 * returns non-zero. The values are the ones ot_process_info gives, read
 * without stopping the process. Returns 0, fn's negative return,
 * -ENOTSUP without a runtime, -ENOMEM. */
int ot__proc_scan(int (*fn)(const ot__proc_row *row, void *arg), void *arg);

/* ot__uptime_ms: milliseconds since the runtime's first process started;
 * 0 without a runtime. */
int64_t ot__uptime_ms(void);

/* ot__fn_name: how ot_process_info names a C function: mod the program or
 * library file without directory and extension ("c" if unknown), fun its
 * dynamic symbol, or fun_<offset in the object> for one without. */
void ot__fn_name(ot_proc_fn fn, char *mod, size_t mod_cap, char *fun, size_t fun_cap);

/* ot__mfa_split: is text shaped "mod:fun/arity" (arity digits, 0..255)?
 * Then the lengths of mod and fun and the arity. */
bool ot__mfa_split(const char *text, size_t *mod_len, size_t *fun_len, int *arity);

#endif
