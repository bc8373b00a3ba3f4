/* otp_internal.h — what the OTP layer's files share: the node-wide table
 * of C start functions that child specs name, and the log sink that
 * supervisor and application reports go to. */
#ifndef OTTER_OTP_INTERNAL_H
#define OTTER_OTP_INTERNAL_H

#include <stdint.h>

#include "otter/application.h"
#include "otter/supervisor.h"

/* ot__start_fn_index: the index of the pair (fn, data) in the node's table
 * of start functions, added on first use (the table only grows). A child
 * spec names its start function by this index, so that a spec is a term
 * that can travel in a message without carrying a raw address: a request
 * can only ever pick a function this node's own code registered.
 * Returns the index (>= 0) or -ENOMEM. Thread-safe. */
int64_t ot__start_fn_index(ot_child_start_fn fn, void *data);
/* ot__start_fn_get: the pair registered under idx; false if none. */
bool ot__start_fn_get(int64_t idx, ot_child_start_fn *fn, void **data);

/* ot__log_report: formats a report (printf-style) and hands it to the
 * otter_logger process at `level` (an atom: error, warning, info...).
 * Without a running otter_logger (the otter application is not started)
 * the report is dropped: otter's own tests and benchmarks run quietly, as
 * a BEAM node does with its logger off. Call from inside a process. */
void ot__log_report(ot_term level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
