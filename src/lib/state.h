/*
 * state.h: the carried state of a run, saved at its end and loaded at the
 * start of the next (`incentive run --state-out FILE` / `--state-in FILE`).
 *
 * It holds everything that outlives a period: the last period closed,
 * each person's level history, discipline record, dismissal, fine
 * balance, holds, training facts, approvals and period history (for
 * consecutive-period tests), the duty checks in progress, and the deal
 * records a later refund may claw back.  The format is JSON, documented
 * in docs/policy-guide.md ("State across runs"); people, rules, levels and
 * periods are named, never numbered, so a state survives a new policy
 * version or a reordered roster.  A run over everything and consecutive
 * runs that carry the state give the same decisions and the same state.
 */
#ifndef INC_STATE_H
#define INC_STATE_H

#include "eval.h"

/* Writes the state of e (after eval_finish) to path atomically (a
 * temporary file renamed over it).  Returns 0, or INC_ERROR with *err
 * (malloc'd). */
int state_save(const evaluator *e, const char *path, char **err);

/* The deals a state file carries, for the input reader: a refund in this
 * run may name a deal of an earlier one (input_ctx.known_id). */
typedef struct state_ids state_ids;

/* Reads the deal ids of the state in path.  Returns 0, or INC_EINPUT /
 * INC_ERROR with *err (malloc'd).  Problems inside the file other than
 * its being unreadable are left to state_load, which names them. */
int state_ids_load(state_ids **out, const inc_policy *p, const char *path,
		   char **err);
/* input_ctx.known_id over a state_ids (ud). */
bool state_ids_find(void *ud, const char *id, size_t len, uint32_t *type_slot,
		    date_t *date);
void state_ids_free(state_ids *s);

/* The last period closed by the state loaded into e, when there is one. */
bool state_last_closed(const evaluator *e, int32_t *out);

/* Loads the state in path into e (after eval_create, before any event).
 * Returns 0, INC_EINPUT with *err naming the file and what is wrong in
 * it, or INC_ERROR. */
int state_load(evaluator *e, const char *path, char **err);

#endif
