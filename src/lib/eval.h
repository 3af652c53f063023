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
	const char *reason;	/* NULL when cfg.omit_reason */
	const char *detail;	/* JSON object of exact figures, for explain;
				 * NULL when cfg.omit_detail */
} eval_decision;

typedef int (*eval_emit_fn)(void *ud, const eval_decision *d);

/* A person's figures at the end of a period (eval_config.totals). */
typedef struct eval_totals {
	int32_t period;
	const person *who;
	dec credited, earned;
	bool has_quota;
	dec quota;
} eval_totals;

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
	/* remember every deal a refund could refer to, not only those the
	 * input's refunds refer to: the state is saved for a later run */
	bool keep_all_deals;
	/* exchange rates (--rates) for events in another currency than the
	 * person's pay currency, or NULL (fx.h) */
	const struct fx_rates *rates;
	/* the sink does not use them: reason / detail are NULL (not built) */
	bool omit_reason;
	bool omit_detail;
	bool omit_warnings; /* eval_warning only counts them */
	/* called at each period end for every person active in it, in roster
	 * order, after the period's decisions (may be NULL); non-zero stops */
	int (*totals)(void *ud, const eval_totals *t);
	void *totals_ud;
} eval_config;

int eval_create(evaluator **out, const eval_config *cfg, char **err);
void eval_destroy(evaluator *e);
/* Returns 0 or a negative INC_E* code with *err (malloc'd). */
int eval_event(evaluator *e, const event *ev, char **err);
/* Runs the period end of the last period.  Call once after the last event. */
int eval_finish(evaluator *e, char **err);

/* ---- for the conduct and careers modules (conduct.c, careers.c, state.c) */

/* A decision decided outside eval.c.  When has_amount, exact is rounded
 * once to the person's currency with the version's rounding mode.
 * detail holds `,"key":"value"` pairs (or ""), events comma-separated ids
 * (or "").  The reason and events strings are borrowed for the call. */
typedef struct eval_extra {
	const policy_version *version;
	const rule *rule;
	uint32_t person;
	const char *kind;
	bool has_amount;
	dec exact;
	const char *events;
	const char *reason;
	const char *detail;
} eval_extra;

/* Emits x (or only accounts for it when the run is not emitting this
 * period).  *rounded (if not NULL) receives the rounded amount. */
int eval_emit_extra(evaluator *e, const eval_extra *x, dec *rounded);
/* Sets the evaluator's error message; returns code. */
int eval_error(evaluator *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A warning through the diag callback (only for emitted periods).
 * Returns 0, or INC_ERROR (message set) when it cannot be formatted. */
/* The reason text of a clawback or override reversal (report: the rep
 * whose deal an override was paid on, or NULL), appended to rs. */
void eval_reversal_reason(strbuf *rs, bool whole, dec paid, const char *rule_id,
			  const char *deal, const char *deal_date, const char *report,
			  dec refund, dec cum, dec total, int64_t days, int minor);
int eval_warning(evaluator *e, const char *file, uint64_t line,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const inc_policy *eval_policy(const evaluator *e);
const roster *eval_roster(const evaluator *e);
inc_run_stats *eval_stats(const evaluator *e);
/* The period in progress (being closed, during period end). */
int32_t eval_period(const evaluator *e);
/* Credited amount and quota of person pix in the period in progress. */
void eval_figures(const evaluator *e, uint32_t pix, dec *credited,
		  bool *has_quota, dec *quo);
/* 1 when every test of l holds for event ev (NULL: person tests only) and
 * person pix, 0 when not, or a negative INC_E* code (message set). */
int eval_conds(evaluator *e, const rule *r, const cond_list *l,
	       const event *ev, uint32_t pix);
/* The person's level on date d: the roster's, changed from the start of a
 * period by promotions and demotions.  Borrowed for the run. */
const char *eval_person_level(const evaluator *e, uint32_t pix, date_t d);
/* Resumes after period last_closed (state loaded from an earlier run). */
void eval_resume(evaluator *e, int32_t last_closed);
struct cc_state *eval_cc(const evaluator *e);

/* Deal records that a later refund may claw back (carried state). */
typedef struct deal_part {
	uint32_t person;
	dec pct;
	dec *paid;	/* eval_rev_count() entries, by reversible index */
	dec *reversed;	/* eval_rev_count() entries: cumulated reversal */
} deal_part;

typedef struct deal_rec {
	const char *id;
	uint32_t type_slot;	/* the deal's event type */
	date_t date;
	dec total;	/* the deal's credited amount */
	dec refunded;
	size_t n_parts;
	deal_part *parts;
} deal_rec;

size_t eval_deal_count(const evaluator *e);
const deal_rec *eval_deal_at(const evaluator *e, size_t i);
/* Reversible rule slots: how many, the slot of index i, the index of a
 * slot (-1 when no clawback reverses that rule). */
uint32_t eval_rev_count(const evaluator *e);
uint32_t eval_rev_slot(const evaluator *e, uint32_t i);
int32_t eval_rev_index(const evaluator *e, uint32_t slot);
/* Adds a copy of d (its paid/reversed arrays have eval_rev_count()
 * entries).  Returns 0 or a negative INC_E* code. */
int eval_deal_restore(evaluator *e, const deal_rec *d);

/* ---- for the pay-plan module (plans.c) ---------------------------------- */

/* Adds amount (already rounded) to person pix's period total of rule
 * slot (what caps, thresholds and draws read).  0 or INC_EARITH. */
int eval_book(evaluator *e, uint32_t pix, uint32_t slot, dec amount);
/* Person pix's period total of rule slot, and of every money decision. */
dec eval_rule_paid(const evaluator *e, uint32_t pix, uint32_t slot);
dec eval_earned(const evaluator *e, uint32_t pix);
/* Makes person pix take part in the period end. */
void eval_touch(evaluator *e, uint32_t pix);
/* Whether decisions of the period in progress are passed on. */
bool eval_emitting(const evaluator *e);
/* Whether the sink uses reasons / details (eval_config.omit_*): a module
 * builds them only then (speed: bench/README.md). */
bool eval_wants_reason(const evaluator *e);
bool eval_wants_detail(const evaluator *e);
/* Credited part k of the event in progress: person, percent, and whether
 * they earn nothing on it (dismissed). */
void eval_part(const evaluator *e, size_t k, uint32_t *pix, dec *pct,
	       bool *skip);
/* Part k's share of money field `field` of the event in progress. */
dec eval_share(const evaluator *e, size_t n_parts, int field, size_t k);
/* The pay-plan state (plans.h), or NULL when the policy uses none. */
struct plans *eval_plans(const evaluator *e);

#endif
