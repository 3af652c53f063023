/*
 * pipeline.h: the events of a run read on a second thread while the
 * first evaluates them.
 *
 * evsrc_next (reading the files again, converting each accepted line,
 * merging the files into (date, id) order) is about a third of the work of
 * evaluating an event; it has no state the evaluator shares, so a reader
 * thread runs it and hands the events over in batches of deep copies
 * through a small bounded ring.  The evaluator sees exactly the events,
 * in exactly the order, that evsrc_next would give it, so every output is
 * byte-identical to a single-threaded run.
 */
#ifndef INC_PIPELINE_H
#define INC_PIPELINE_H

#include "input.h"

typedef struct evpipe evpipe;

/* Starts a reader thread on src (after evsrc_create: pass 1 is done).
 * src belongs to the reader until evpipe_stop.  Returns 0, or -1 when no
 * thread can be started (use evsrc_next instead). */
int evpipe_start(evpipe **out, evsrc *src, const inc_policy *policy);
/* One pass (evsrc_one_pass): the reader thread runs pass 1 itself
 * (evsrc_create over paths, with ctx->accepted) and hands over each event
 * as soon as it is accepted, and each message pass 1 gives at its place
 * among them: evpipe_next passes it to ctx->diag on the calling thread, so
 * the messages come in the same order whatever the threads.  ctx, ro and
 * paths are borrowed until evpipe_stop, which adds pass 1's counts to
 * ctx->stats and puts its message (if any) in ctx->errmsg.  Returns 0 or
 * -1 (no thread). */
int evpipe_start_checking(evpipe **out, input_ctx *ctx, const roster *ro,
			  const char *const *paths, size_t n_paths);
/* Like evsrc_next: 1 and *out (valid until the next call), 0 at the end,
 * or the negative code evsrc_next returned (its message is where
 * evsrc_next puts it, readable after evpipe_stop). */
int evpipe_next(evpipe *p, const event **out);
/* Stops the reader (it may still be running after an error on this
 * side), waits for it and frees everything.  NULL is a no-op. */
void evpipe_stop(evpipe *p);

#endif
