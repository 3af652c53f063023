/*
 * plans.h: the pay-plan mechanics beyond rates and tiers: manager
 * overrides, draws, proration, currency conversion, when commission is
 * earned (holds and releases), windfall deals and activity (objective)
 * bonuses.  docs/policy-guide.md ("Pay plans") is the format.
 *
 * Two halves.  The compiled model (plan_rule, hung off a rule of kind
 * override, draw, objective, windfall or earning; plan_version, hung off a
 * version that declares `proration:` or `conversion:` or has event types
 * with a `currency` field) is built by policy_plans.c and immutable.  The
 * run-time state (struct plans) belongs to one evaluator: eval.c calls the
 * plans_* hooks below at fixed points of its per-event and period-end
 * paths, and plans.c calls back into the evaluator through the eval_*
 * functions of eval.h to read period state and to emit decisions.
 */
#ifndef INC_PLANS_H
#define INC_PLANS_H

#include "eval.h"
#include "fx.h"

/* ---- the compiled model ------------------------------------------------ */

typedef enum plan_leave {
	LEAVE_WRITE_OFF, /* the open balance is forgiven */
	LEAVE_RECOVER,	 /* the whole balance is taken from the final pay */
	LEAVE_FINAL_PAY	 /* recovered from the final period's pay, down to 0 */
} plan_leave;

typedef enum plan_earn_at { EARN_BOOKING, EARN_INVOICE, EARN_PAYMENT } plan_earn_at;

/* One objective of an objective (MBO) rule. */
typedef struct plan_objective {
	const char *name;
	int type;	     /* event type index counted (rule's version) */
	int sum_field;	     /* money/decimal/integer field summed, or -1: count */
	cond_list when;	     /* conditions on that event type */
	int on_time_field;   /* date field or ISO week text (YYYY-Www), or -1 */
	int32_t on_time_days;/* days allowed after that date / week's Sunday */
	dec target;	     /* the count or amount for 100% */
	dec weight;	     /* fraction; the weights of a rule add up to 1 */
	bool has_from;	     /* threshold below which the objective scores 0 */
	bool from_exclusive; /* `above:` (must exceed) rather than `from:` */
	dec from;
	bool has_max;	     /* cap on this objective's achievement */
	dec max;
	src_loc loc;
} plan_objective;

typedef struct plan_rule {
	/* override */
	int base_field;		/* money field (default: the credit field) */
	dec *level_rates;	/* rate of level 1 (direct reports), 2, ... */
	size_t n_levels;

	/* draw */
	dec amount;		/* guaranteed per period */
	bool recoverable;
	dec recovery_rate;	/* share of a period's earnings recovered */
	dec floor;		/* pay is never taken below this */
	int32_t periods;	/* 0: every period; N: the hire period and N-1 after */
	plan_leave on_leave;
	uint32_t *applies_to;	/* rule slots counted as earnings; none: all */
	size_t n_applies;

	/* objective */
	bool target_from_level;
	dec target;		/* payout at 100% */
	dec share;		/* of the level's target_bonus (target: level) */
	plan_objective *objectives;
	size_t n_objectives;
	bool has_from, from_exclusive; /* threshold on the total score */
	dec from;
	bool has_cap;		/* cap on the payout percentage */
	dec cap;

	/* windfall (also `rate`: the share of the excess still credited) */
	dec above;
	dec rate;

	/* earning */
	plan_earn_at at;
	int ref_field;		/* ref field of the releasing event */
	int amount_field;	/* money field paid/invoiced, or -1: whole deal */
	uint32_t *holds;	/* rule slots whose pay is held */
	size_t n_holds;

	/* loader only: the `holds:` / `applies_to:` node, until linked */
	const void *pending_refs;
} plan_rule;

typedef enum plan_round { PROUND_HALF_UP, PROUND_HALF_EVEN, PROUND_DOWN, PROUND_UP } plan_round;

typedef struct plan_version {
	/* proration */
	bool has_proration;
	bool by_months;		/* else calendar days */
	int partial_months;	/* 0 exclude, 1 include, 2 mid_month */
	plan_round prorate_round;
	int prorate_decimals;	/* -1: the currency's minor unit */
	bool prorate_quota, prorate_target, prorate_draw;

	/* conversion */
	bool has_conversion;	/* declared (defaults apply otherwise) */
	bool convert_result;	/* convert the result (else the amount) */
	dec_rounding fx_rounding;
	bool fx_latest;		/* latest rate on or before (else exact date) */

	/* per event type: index of its `currency` field, or -1 */
	int *currency_field;
	size_t n_types;
} plan_version;

/* ---- the run-time hooks (eval.c) ---------------------------------------- */

typedef struct plans plans;

/* Creates the state for evaluator e (NULL *out when the policy uses no
 * pay-plan mechanic: every hook then is a no-op on a NULL plans).
 * Returns 0 or INC_ERROR with *err (malloc'd). */
int plans_create(plans **out, evaluator *e, const eval_config *cfg, char **err);
void plans_destroy(plans *pl);

/* Before the event's credit is split: converts its money fields to the
 * pay currency, applies a windfall rule, scales a refund or payment of
 * such a deal the same way (*ev may be replaced by a copy owned by pl,
 * valid until the next event), emits conversion and windfall records, and
 * notes the figures plans_event_end compares.  Returns 0 or an INC_E*
 * code (message set on the evaluator). */
int plans_event_begin(plans *pl, const event **ev);
/* A per-event pay-plan rule (override, earning) of the event's version. */
int plans_rule_event(plans *pl, const policy_version *v, const rule *r,
		     const event *ev, size_t n_parts);
/* After the event's rules: holds, cancelled holds, reversed overrides,
 * activity counts, and what later events of this deal need. */
int plans_event_end(plans *pl, const event *ev, size_t n_parts);

/* Before period-end rules: marks the people a draw must see. */
void plans_period_people(plans *pl, const policy_version *v);
/* A period-end pay-plan rule (objective) for person pix. */
int plans_close_rule(plans *pl, const policy_version *v, const rule *r,
		     uint32_t pix);
/* After every period-end rule of person pix: draws. */
int plans_close_person(plans *pl, const policy_version *v, uint32_t pix);
/* After the period's decisions: clears the period's counts. */
void plans_period_reset(plans *pl);

/* What a proration applies to. */
enum { PRORATE_QUOTA, PRORATE_TARGET, PRORATE_DRAW };
/* Prorates *amount (a quota, target bonus or draw of person pix for the
 * current period) when the policy says so and the person was hired or
 * left inside the period.  Returns true when *amount was changed; the
 * factor's story is then in the evaluator's next decision detail. */
bool plans_prorate(plans *pl, uint32_t pix, int what, dec *amount);

/* ---- carried state (state.c, --state-out / --state-in) ------------------ */

struct json_object;
/* What pay plans carry to a later run: draw balances, and the deals a
 * later event may still refer to (exchange rate, windfall ratio, held
 * pay, overrides paid), as a JSON object in *out (caller puts it), or
 * *out NULL when there is nothing.  Deterministic: the same state gives
 * the same JSON.  Returns 0 or INC_ERROR (out of memory). */
int plans_state_save(const plans *pl, struct json_object **out);
/* Loads what plans_state_save wrote (o may be NULL: nothing).  Returns 0,
 * or INC_EINPUT with *err (malloc'd) naming the place of the problem
 * ("plans.draws[0]: unknown person 'r99'"). */
int plans_state_load(plans *pl, struct json_object *o, char **err);

#endif
