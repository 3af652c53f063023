/*
 * outq.h: the decisions of a run handed to the sink on a thread of their
 * own.
 *
 * Turning a decision into text (its id, amount and period written out,
 * then the caller's sink: CSV quoting, JSON escaping, the output buffer)
 * is a fifth to a third of a run.  With an outq the evaluator only copies
 * what it decided into a batch; a sink thread formats and delivers each
 * decision, in the same order, through the same callback.  The output is
 * byte-identical to a run without it.
 */
#ifndef INC_OUTQ_H
#define INC_OUTQ_H

#include "eval.h"

typedef struct outq outq;

/* One decision, or one person's period figures, as the evaluator gave
 * it: strings that live as long as the run (person, rule, version) are
 * borrowed, the others copied. */
typedef struct outq_item {
	bool figures;	     /* else a decision */
	uint64_t seq;	     /* decision number */
	eval_decision d;     /* decision */
	eval_totals t;	     /* figures */
} outq_item;

/* Called on the sink thread for each item, in order.  Non-zero: the sink
 * failed; nothing more is delivered. */
typedef int (*outq_fn)(void *ud, const outq_item *it);

/* Starts the sink thread.  Returns 0, or -1 (no thread: deliver in the
 * caller's thread instead). */
int outq_start(outq **out, outq_fn fn, void *ud);
/* Queues a decision / figures.  Returns 0, or -1 when the sink has
 * failed (or out of memory). */
int outq_decision(outq *q, const eval_decision *d, uint64_t seq);
int outq_figures(outq *q, const eval_totals *t);
/* Delivers what is queued, stops the thread and frees the queue.  Returns
 * 0, or -1 when the sink failed.  NULL: 0. */
int outq_finish(outq *q);

#endif
