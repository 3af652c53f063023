/*
 * eval.h: the evaluator: accepted events in, decisions out.
 *
 * The evaluator sees events in (date, id) order.  For each it credits the
 * people on the event (splitting exactly), runs the rules of the version in
 * force on the event's date in declaration order, and emits decisions.
 * When an event belongs to a later period than the one in progress, the
 * period-end rules of the finished period run first (thresholds, period
 * tiers, bonuses, caps, period-end scripts), in the version in force on the
 * period's last day.  State that must outlive a period (deals that a later
 * refund may claw back) is kept; everything else starts afresh.
 */
#ifndef INC_EVAL_H
#define INC_EVAL_H

#include "input.h"

/* A decision as the evaluator produces it.  All pointers are borrowed until
 * the emit callback returns. */
typedef struct eval_decision {
	int32_t period;
	const person *who;
	const char *kind;
	bool has_amount;
	dec amount;		/* rounded to the person's currency */
	const rule *rule;
	const policy_version *version;
	const char *events;	/* comma-separated ids */
	const char *reason;
	const char *detail;	/* JSON object of exact figures, for explain */
} eval_decision;

typedef int (*eval_emit_fn)(void *ud, const eval_decision *d);

typedef struct evaluator evaluator;

typedef struct eval_config {
	const inc_policy *policy;
	const roster *roster;
	eval_emit_fn emit;
	void *emit_ud;
	inc_diag_fn diag;	/* warnings (e.g. no quota) */
	void *diag_ud;
	bool has_period;	/* only emit decisions for this period */
	int32_t period;
	inc_run_stats *stats;
} eval_config;

int eval_create(evaluator **out, const eval_config *cfg, char **err);
void eval_destroy(evaluator *e);
/* Returns 0 or a negative INC_E* code with *err (malloc'd). */
int eval_event(evaluator *e, const event *ev, char **err);
/* Runs the period end of the last period.  Call once after the last event. */
int eval_finish(evaluator *e, char **err);

#endif
