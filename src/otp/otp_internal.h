/* otp_internal.h — what the behaviours (server, agent, task) share: the
 * atoms their protocols use, made once, and the labelled form of a call.
 * Internal to src/otp/. */
#ifndef OTTER_OTP_INTERNAL_H
#define OTTER_OTP_INTERNAL_H

#include "otter/call.h"
#include "term/term_internal.h"

/* Atoms of the behaviours' protocols, interned once (ot__otp_atoms). */
typedef struct ot__otp_atoms {
    ot_term system, get_state, get_status, terminate, suspend, resume;
    ot_term ack, nack, already_started, bad_call, bad_cast, bad_return_value;
    ot_term calling_self, ignore, status, module, gen_server, header, data;
    ot_term unknown_system_msg, system_limit, start, get, update;
    ot_term get_and_update, cast, exit, shutdown_timeout;
} ot__otp_atoms;

/* ot__otp_atoms: the table, filled on first use (any thread). */
const ot__otp_atoms *ot__otp_atoms_get(void);
#define OT__A (ot__otp_atoms_get())

/* ot__call_as: ot_call with another label than $gen_call: sends
 * {label, {self, tag}, request} and waits for {tag, reply}, as gen:call
 * does for sys's {system, From, Request}. Same results as ot_call. */
int ot__call_as(ot_heap *h, ot_term server, ot_term label, ot_term request, int64_t timeout_ms,
                ot_term *result);

/* ot__term_block_new: a copy of t in one new malloc'd block of exactly
 * its size (*block NULL when t is immediate); OT_NONE if memory runs out.
 * ot__term_block_free frees such a block (NULL is a no-op). */
ot_term ot__term_block_new(ot_term t, uint64_t **block);
void ot__term_block_free(uint64_t *block);

#endif
