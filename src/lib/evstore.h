/*
 * evstore.h: accepted events held in memory, for evaluating the same
 * inputs many times (simulations, payout curves).
 *
 * The event source (evsrc) validates and orders the files but lends each
 * event only until the next one; an evstore keeps deep copies (id,
 * strings, fields, split parts) that stay valid until evstore_finish, can
 * be changed (a scenario scales, drops, duplicates and moves them) and fed
 * to the evaluator again and again.
 */
#ifndef INC_EVSTORE_H
#define INC_EVSTORE_H

#include "eval.h"
#include "input.h"

typedef struct evstore {
	arena mem;
	event *ev;
	size_t n, cap;
} evstore;

void evstore_init(evstore *s);
void evstore_finish(evstore *s);

/* Appends a deep copy of src.  Returns the copy, or NULL (out of memory). */
event *evstore_push(evstore *s, const event *src);
/* A copy of src with n_fields fresh field slots (unset), for an event
 * that moves to another type definition.  NULL on out of memory. */
field_value *evstore_fields(evstore *s, size_t n_fields);
/* Copies a string into the store.  NULL on out of memory. */
const char *evstore_str(evstore *s, const char *p, size_t n);

/* Reads every accepted event of the files through evsrc (which reports
 * every rejected line).  Returns 0, INC_EINPUT or INC_ERROR with
 * ctx->errmsg set. */
int evstore_load(evstore *s, input_ctx *ctx, const roster *r,
		 const char *const *paths, size_t n_paths);

/* Sorts by (date, id), the evaluation order. */
void evstore_sort(evstore *s);

/* Evaluates events ev[0..n) (in order) with the evaluator configuration
 * cfg (policy, roster, emit, and optionally diag, stats, rates, omit
 * flags) and passes every decision to cfg->emit.  Returns 0 or a negative
 * INC_E* code with a malloc'd *err. */
int evstore_eval(const eval_config *cfg, const event *ev, size_t n,
		 char **err);

#endif
