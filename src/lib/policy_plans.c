/*
 * policy_plans.c: compiles the pay-plan parts of a policy version into
 * the model of plans.h: the rule kinds override, draw, objective,
 * windfall and earning, the version keys `proration:` and `conversion:`,
 * and the `currency` field convention of event types.
 *
 * Same conventions as policy_rules.c (see policy-int.h): every problem is
 * reported with the file:line:column of the node concerned, with a "did
 * you mean" hint where a name was probably mistyped, and compilation goes
 * on so that one check finds every mistake.  docs/policy-guide.md ("Pay
 * plans") is the format.
 */
#include "policy-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plans.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static plan_rule *new_plan(ploader *L, rule *r)
{
	plan_rule *p = pl_alloc(L, sizeof *p);

	if (!p)
		return NULL;
	p->base_field = -1;
	p->ref_field = -1;
	p->amount_field = -1;
	r->plan = p;
	return p;
}

/* ---- override ---- */

static void compile_override(ploader *L, rule *r, plan_rule *p,
			     const event_type *t, const ynode *m)
{
	const ynode *x, *rate, *levels;
	int64_t n_levels = 1;

	if ((x = pl_optional(m, "base"))) {
		if (t)
			p->base_field = pl_field_ref(L, t, x, FT_MONEY, "base");
	} else if (t) {
		p->base_field = t->credit_field;
		if (p->base_field < 0)
			pl_error(L, m, "name the money field the override is paid on",
				 "missing required key 'base' (event type '%s' has no "
				 "credit field)",
				 t->name);
	}
	levels = ynode_get(m, "levels");
	if (levels && !pl_get_int(L, levels, 1, 10, &n_levels))
		return;
	rate = pl_required(L, m, "rate");
	if (!rate)
		return;
	if (rate->kind == YN_SEQ) {
		if (rate->n_items == 0 || rate->n_items > 10) {
			pl_error(L, rate, "one rate per level, direct reports first",
				 "expected 1 to 10 rates, got %zu", rate->n_items);
			return;
		}
		if (levels && (size_t)n_levels != rate->n_items) {
			pl_error(L, levels, "leave `levels` out: the list of rates says it",
				 "levels: %lld, but `rate` lists %zu rates",
				 (long long)n_levels, rate->n_items);
			return;
		}
		n_levels = (int64_t)rate->n_items;
	}
	p->level_rates = pl_array(L, (size_t)n_levels, sizeof *p->level_rates);
	if (!p->level_rates)
		return;
	for (size_t i = 0; i < (size_t)n_levels; i++) {
		const ynode *one = rate->kind == YN_SEQ ? rate->items[i] : rate;
		if (!pl_get_ratio(L, one, RATIO_RATE, "rate", &p->level_rates[i]))
			return;
	}
	p->n_levels = (size_t)n_levels;
	(void)r;
}

/* ---- draw ---- */

static void compile_draw(ploader *L, const policy_version *v, rule *r,
			 plan_rule *p, const ynode *m)
{
	static const char *const leaves[] = {"write_off", "recover", "final_pay"};
	const ynode *x;
	int64_t n;
	int c;

	r->at_period_end = true;
	if ((x = pl_required(L, m, "amount")))
		pl_get_money(L, v, x, "amount", false, &p->amount);
	if ((x = ynode_get(m, "recoverable")))
		pl_get_bool(L, x, &p->recoverable);
	p->recovery_rate = dec_from_int(1);
	if ((x = ynode_get(m, "recovery_rate"))) {
		if (!p->recoverable)
			pl_error(L, x, "add `recoverable: true`",
				 "recovery_rate applies only to a recoverable draw");
		else
			pl_get_ratio(L, x, RATIO_RATE, "recovery_rate", &p->recovery_rate);
	}
	if ((x = ynode_get(m, "floor"))) {
		if (!p->recoverable)
			pl_error(L, x, "add `recoverable: true`",
				 "floor applies only to a recoverable draw");
		else
			pl_get_money(L, v, x, "floor", false, &p->floor);
	}
	if ((x = ynode_get(m, "periods")) && pl_get_int(L, x, 1, 1000, &n))
		p->periods = (int32_t)n;
	if ((x = ynode_get(m, "on_leave"))) {
		if (!p->recoverable)
			pl_error(L, x, "add `recoverable: true`",
				 "on_leave applies only to a recoverable draw (a "
				 "non-recoverable draw leaves no balance)");
		else if ((c = pl_get_choice(L, x, leaves, ARRAY_LEN(leaves))) >= 0)
			p->on_leave = (plan_leave)c;
	}
	if ((x = pl_optional(m, "applies_to")))
		p->pending_refs = x;
}

/* ---- objective ---- */

/* `on_time: {field: covers, days: 1}` of objective o on event type t. */
static void compile_on_time(ploader *L, const event_type *t, plan_objective *o,
			    const ynode *n)
{
	static const char *const keys[] = {"field", "days"};
	const ynode *x;
	int64_t days = 0;

	if (!pl_expect_map(L, n, "a mapping like {field: covers, days: 1}"))
		return;
	pl_check_keys(L, n, keys, ARRAY_LEN(keys));
	if ((x = pl_required(L, n, "field")) && t) {
		int f = pl_field_ref(L, t, x, -1, "on_time");
		if (f >= 0 && t->fields[f].type != FT_DATE &&
		    t->fields[f].type != FT_STRING) {
			pl_error(L, x, "a date, or an ISO week like 2026-W03",
				 "on_time: field '%s' is neither a date nor a string field",
				 t->fields[f].name);
			f = -1;
		}
		o->on_time_field = f;
	}
	if ((x = ynode_get(n, "days")) && pl_get_int(L, x, 0, 366, &days))
		o->on_time_days = (int32_t)days;
}

/* A ratio key that is either `from:` (inclusive) or `above:` (exclusive). */
static void compile_threshold(ploader *L, const ynode *m, bool *has,
			      bool *exclusive, dec *out)
{
	const ynode *from = ynode_get(m, "from"), *above = ynode_get(m, "above");

	if (from && above) {
		pl_error(L, above, "`from:` counts a score equal to it, `above:` does not",
			 "give either 'from' or 'above', not both");
		return;
	}
	if (!from && !above)
		return;
	if (pl_get_ratio(L, from ? from : above, RATIO_ATTAINMENT,
			 from ? "from" : "above", out)) {
		*has = true;
		*exclusive = above != NULL;
	}
}

static void compile_objective_item(ploader *L, const policy_version *v,
				   plan_objective *o, const ynode *m)
{
	static const char *const keys[] = {"name", "event", "sum", "when",
					   "on_time", "target", "weight",
					   "from", "above", "max"};
	const ynode *x;
	const event_type *t = NULL;

	o->type = -1;
	o->sum_field = -1;
	o->on_time_field = -1;
	o->loc = pl_loc(L, m);
	pl_check_keys(L, m, keys, ARRAY_LEN(keys));
	if ((x = pl_required(L, m, "name")))
		pl_get_string(L, x, "a name like visits", &o->name);
	if ((x = pl_required(L, m, "event")) &&
	    (o->type = pl_type_ref(L, v, x)) >= 0)
		t = &v->types[o->type];
	if ((x = pl_optional(m, "sum")) && t) {
		int f = pl_field_ref(L, t, x, -1, "sum");
		if (f >= 0 && t->fields[f].type != FT_MONEY &&
		    t->fields[f].type != FT_DECIMAL &&
		    t->fields[f].type != FT_INTEGER) {
			pl_error(L, x, "sum a money, decimal or integer field, or leave "
				       "`sum` out to count events",
				 "sum: field '%s' is not a number", t->fields[f].name);
			f = -1;
		}
		o->sum_field = f;
	}
	if ((x = ynode_get(m, "when")) && t)
		pl_compile_when(L, v, t, x, &o->when);
	if ((x = pl_optional(m, "on_time")))
		compile_on_time(L, t, o, x);
	if ((x = pl_required(L, m, "target"))) {
		if (pl_get_decimal(L, x, &o->target) && dec_sign(o->target) <= 0) {
			pl_error(L, x, NULL, "target %s must be greater than 0", x->text);
			o->target = dec_from_int(1);
		}
	}
	if ((x = pl_required(L, m, "weight")))
		pl_get_ratio(L, x, RATIO_RATE, "weight", &o->weight);
	compile_threshold(L, m, &o->has_from, &o->from_exclusive, &o->from);
	if ((x = ynode_get(m, "max")) &&
	    pl_get_ratio(L, x, RATIO_ATTAINMENT, "max", &o->max)) {
		o->has_max = true;
		if (o->has_from && dec_cmp(o->max, o->from) < 0)
			pl_error(L, x, NULL, "max %s is below the threshold", x->text);
	}
}

static void compile_objective(ploader *L, const policy_version *v, rule *r,
			      plan_rule *p, const ynode *m)
{
	const ynode *x, *list;

	r->at_period_end = true;
	p->share = dec_from_int(1);
	if ((x = pl_required(L, m, "target"))) {
		if (ynode_text_is(x, "level")) {
			p->target_from_level = true;
			if (v->n_levels == 0)
				pl_error(L, x, "add a `ladder:` with target_bonus for each level",
					 "target: level, but the policy has no ladder");
			for (size_t i = 0; i < v->n_levels; i++)
				if (!v->levels[i].has_target_bonus)
					pl_error(L, x, "give every level a target_bonus",
						 "target: level, but level '%s' (line %u) has "
						 "no target_bonus",
						 v->levels[i].id, v->levels[i].loc.line);
		} else {
			pl_get_money(L, v, x, "target", false, &p->target);
		}
	}
	if ((x = ynode_get(m, "share"))) {
		if (!p->target_from_level)
			pl_error(L, x, "write the amount itself in `target`",
				 "share applies only to target: level");
		else
			pl_get_ratio(L, x, RATIO_ATTAINMENT, "share", &p->share);
	}
	compile_threshold(L, m, &p->has_from, &p->from_exclusive, &p->from);
	if ((x = ynode_get(m, "cap")) &&
	    pl_get_ratio(L, x, RATIO_ATTAINMENT, "cap", &p->cap))
		p->has_cap = true;
	list = pl_required(L, m, "objectives");
	if (!list || !pl_expect_seq(L, list,
				    "a list of objectives like {name: visits, event: "
				    "customer_visit, target: 12, weight: 50%}"))
		return;
	if (list->n_items == 0) {
		pl_error(L, list, NULL, "expected at least one objective");
		return;
	}
	p->objectives = pl_array(L, list->n_items, sizeof *p->objectives);
	if (!p->objectives)
		return;
	dec total = dec_zero();
	bool weights_ok = true;
	for (size_t i = 0; i < list->n_items; i++) {
		const ynode *item = list->items[i];
		plan_objective *o = &p->objectives[p->n_objectives];
		if (!pl_expect_map(L, item, "an objective like {name: visits, event: "
					    "customer_visit, target: 12, weight: 50%}")) {
			weights_ok = false;
			continue;
		}
		compile_objective_item(L, v, o, item);
		for (size_t j = 0; o->name && j < p->n_objectives; j++)
			if (p->objectives[j].name &&
			    strcmp(p->objectives[j].name, o->name) == 0)
				pl_error(L, ynode_get(item, "name"), NULL,
					 "duplicate objective '%s' (first at line %u)",
					 o->name, p->objectives[j].loc.line);
		if (!ynode_get(item, "weight"))
			weights_ok = false;
		else if (dec_add(&total, total, o->weight) != DEC_OK)
			weights_ok = false;
		p->n_objectives++;
	}
	if (weights_ok && dec_cmp(total, dec_from_int(1)) != 0) {
		char b[64];
		dec pct;
		(void)dec_mul(&pct, total, dec_from_int(100));
		dec_format(b, sizeof b, dec_normalize(pct), 0, false);
		pl_error(L, list, "the weights say how the payout is shared: they add up "
				  "to 100%",
			 "objective weights add up to %s%%, not 100%%", b);
	}
}

/* ---- windfall ---- */

static void compile_windfall(ploader *L, const policy_version *v, plan_rule *p,
			     const event_type *t, const ynode *m)
{
	const ynode *x;

	if ((x = pl_required(L, m, "above")) &&
	    pl_get_money(L, v, x, "above", false, &p->above) &&
	    dec_sign(p->above) <= 0)
		pl_error(L, x, NULL, "above must be greater than 0");
	if ((x = ynode_get(m, "rate")))
		pl_get_ratio(L, x, RATIO_RATE, "rate", &p->rate);
	if (t && t->credit_field < 0)
		pl_error(L, ynode_get(m, "on"), "give the event type a `credit:` field",
			 "a windfall rule limits the credited amount, but event type "
			 "'%s' has no credit field",
			 t->name);
}

/* ---- earning ---- */

static void compile_earning(ploader *L, plan_rule *p, const event_type *t,
			    const ynode *m)
{
	static const char *const ats[] = {"booking", "invoice", "payment"};
	const ynode *x;
	int c;

	x = pl_required(L, m, "at");
	if (!x || (c = pl_get_choice(L, x, ats, ARRAY_LEN(ats))) < 0)
		return;
	p->at = (plan_earn_at)c;
	if (p->at == EARN_BOOKING) {
		static const char *const extra[] = {"on", "ref", "amount", "holds"};
		for (size_t i = 0; i < ARRAY_LEN(extra); i++)
			if ((x = ynode_get(m, extra[i])))
				pl_error(L, x, "commission earned at booking is paid with the "
					       "deal: nothing is held",
					 "'%s' does not apply with at: booking", extra[i]);
		return;
	}
	if ((x = pl_required(L, m, "ref")) && t)
		p->ref_field = pl_field_ref(L, t, x, FT_REF, "ref");
	if ((x = pl_optional(m, "amount")) && t)
		p->amount_field = pl_field_ref(L, t, x, FT_MONEY, "amount");
	if ((x = pl_required(L, m, "holds")))
		p->pending_refs = x;
}

void pl_compile_plan_rule(ploader *L, const policy_version *v, rule *r,
			  const event_type *t, const ynode *m)
{
	plan_rule *p = new_plan(L, r);

	if (!p)
		return;
	switch (r->kind) {
	case RULE_OVERRIDE:
		compile_override(L, r, p, t, m);
		break;
	case RULE_DRAW:
		compile_draw(L, v, r, p, m);
		break;
	case RULE_OBJECTIVE:
		compile_objective(L, v, r, p, m);
		break;
	case RULE_WINDFALL:
		compile_windfall(L, v, p, t, m);
		break;
	case RULE_EARNING:
		compile_earning(L, p, t, m);
		break;
	default:
		break;
	}
}

/* ---- linking ---- */

static const rule *rule_by_id(const policy_version *v, const char *id,
			      size_t len)
{
	for (size_t i = 0; i < v->n_rules; i++)
		if (v->rules[i].id && strlen(v->rules[i].id) == len &&
		    memcmp(v->rules[i].id, id, len) == 0)
			return &v->rules[i];
	return NULL;
}

/* Resolves a rule id or a list of them; reports unknown ids.  The rules
 * found go to out (policy arena) as pointers. */
static size_t rule_refs(ploader *L, const policy_version *v, const ynode *n,
			const rule ***out)
{
	const ynode *one[1] = {n};
	const ynode *const *items = one;
	size_t count = 1, found = 0;

	if (n->kind == YN_SEQ) {
		items = (const ynode *const *)n->items;
		count = n->n_items;
		if (count == 0) {
			pl_error(L, n, NULL, "expected at least one rule id");
			return 0;
		}
	}
	*out = pl_array(L, count, sizeof **out);
	if (!*out)
		return 0;
	for (size_t i = 0; i < count; i++) {
		const ynode *x = items[i];
		char hint[160];
		if (!pl_expect_scalar(L, x, "a rule id"))
			continue;
		const rule *r = rule_by_id(v, x->text, x->len);
		if (r) {
			(*out)[found++] = r;
			continue;
		}
		const char **c = pl_array(L, v->n_rules + 1, sizeof *c);
		for (size_t j = 0; c && j < v->n_rules; j++)
			c[j] = v->rules[j].id;
		pl_error(L, x,
			 c ? pl_did_you_mean(hint, sizeof hint, x->text, c, v->n_rules)
			   : NULL,
			 "unknown rule '%.*s'", (int)x->len, x->text);
	}
	return found;
}

/* The node of the rule id naming rule `want` in n (for messages). */
static const ynode *ref_node(const ynode *n, const rule *want)
{
	if (n->kind != YN_SEQ)
		return n;
	for (size_t i = 0; i < n->n_items; i++)
		if (ynode_text_is(n->items[i], want->id))
			return n->items[i];
	return n;
}

static void link_holds(ploader *L, policy_version *v, rule *r, plan_rule *p,
		       const ynode *n)
{
	const rule **held = NULL;
	size_t k = rule_refs(L, v, n, &held);
	const event_type *pay_type = r->on_type >= 0 ? &v->types[r->on_type] : NULL;
	int deal_type = -1;

	if (pay_type && p->ref_field >= 0)
		deal_type = pay_type->fields[p->ref_field].ref_type;
	p->holds = pl_array(L, k ? k : 1, sizeof *p->holds);
	if (!p->holds)
		return;
	for (size_t i = 0; i < k; i++) {
		const rule *h = held[i];
		const ynode *at = ref_node(n, h);
		if (h->kind != RULE_COMMISSION && h->kind != RULE_SPIFF &&
		    h->kind != RULE_OVERRIDE) {
			pl_error(L, at, "hold commission, spiff or override rules",
				 "rule '%s' is not paid per deal: it cannot be held "
				 "until the deal is paid",
				 h->id);
			continue;
		}
		if (h->tiers && h->tiers->measure == MEASURE_PERIOD) {
			pl_error(L, at, "use measure: running to pay it per deal",
				 "rule '%s' pays once at period end (measure: period): "
				 "it cannot be held per deal",
				 h->id);
			continue;
		}
		if (deal_type >= 0 && h->on_type >= 0 && h->on_type != deal_type) {
			pl_error(L, at, NULL,
				 "rule '%s' fires on '%s', but '%s' of '%s' refers to "
				 "'%s' events",
				 h->id, v->types[h->on_type].name,
				 pay_type->fields[p->ref_field].name, pay_type->name,
				 v->types[deal_type].name);
			continue;
		}
		for (size_t j = 0; j < v->n_rules; j++) {
			const rule *o = &v->rules[j];
			if (o == r || o->kind != RULE_EARNING || !o->plan)
				continue;
			for (size_t q = 0; q < o->plan->n_holds; q++)
				if (o->plan->holds[q] == h->slot)
					pl_error(L, at, NULL,
						 "rule '%s' is already held by rule '%s'",
						 h->id, o->id);
		}
		p->holds[p->n_holds++] = h->slot;
	}
}

void pl_link_plan_rules(ploader *L, policy_version *v)
{
	for (size_t i = 0; i < v->n_rules; i++) {
		rule *r = &v->rules[i];
		plan_rule *p = r->plan;
		if (!p || !p->pending_refs)
			continue;
		const ynode *n = p->pending_refs;
		p->pending_refs = NULL;
		if (r->kind == RULE_EARNING) {
			link_holds(L, v, r, p, n);
		} else if (r->kind == RULE_DRAW) {
			const rule **refs = NULL;
			size_t k = rule_refs(L, v, n, &refs);
			p->applies_to = pl_array(L, k ? k : 1, sizeof *p->applies_to);
			for (size_t j = 0; p->applies_to && j < k; j++)
				p->applies_to[p->n_applies++] = refs[j]->slot;
		}
	}
}

/* ---- version keys ---- */

static void compile_proration(ploader *L, policy_version *v, plan_version *pv,
			      const ynode *n)
{
	static const char *const keys[] = {"method", "partial_months", "rounding",
					   "decimals", "applies_to"};
	static const char *const methods[] = {"days", "months"};
	static const char *const partials[] = {"exclude", "include", "mid_month"};
	static const char *const rounds[] = {"half_up", "half_even", "down", "up"};
	static const char *const what[] = {"quota", "target_bonus", "draw"};
	const ynode *x;
	int c;
	int64_t d;

	if (!pl_expect_map(L, n, "a mapping like {method: days, rounding: half_up}"))
		return;
	pl_check_keys(L, n, keys, ARRAY_LEN(keys));
	pv->has_proration = true;
	pv->prorate_round = v->rounding == DEC_HALF_EVEN ? PROUND_HALF_EVEN : PROUND_HALF_UP;
	pv->prorate_decimals = -1;
	pv->prorate_quota = pv->prorate_target = pv->prorate_draw = true;
	if ((x = pl_required(L, n, "method")) &&
	    (c = pl_get_choice(L, x, methods, ARRAY_LEN(methods))) >= 0)
		pv->by_months = c == 1;
	if ((x = ynode_get(n, "partial_months"))) {
		if (!pv->by_months)
			pl_error(L, x, "it says how months are counted with method: months",
				 "partial_months applies only to method: months");
		else if ((c = pl_get_choice(L, x, partials, ARRAY_LEN(partials))) >= 0)
			pv->partial_months = c;
	}
	if ((x = ynode_get(n, "rounding")) &&
	    (c = pl_get_choice(L, x, rounds, ARRAY_LEN(rounds))) >= 0)
		pv->prorate_round = (plan_round)c;
	if ((x = ynode_get(n, "decimals")) && pl_get_int(L, x, 0, 9, &d)) {
		int minor = v->currency ? currency_minor_unit(v, v->currency,
							      strlen(v->currency))
					: -1;
		if (minor >= 0 && d > minor)
			pl_error(L, x, NULL,
				 "decimals %lld is more than %s allows (%d)",
				 (long long)d, v->currency, minor);
		else
			pv->prorate_decimals = (int)d;
	}
	if ((x = pl_optional(n, "applies_to"))) {
		const ynode *one[1] = {x};
		const ynode *const *items = one;
		size_t count = 1;
		if (x->kind == YN_SEQ) {
			items = (const ynode *const *)x->items;
			count = x->n_items;
		}
		pv->prorate_quota = pv->prorate_target = pv->prorate_draw = false;
		for (size_t i = 0; i < count; i++) {
			c = pl_get_choice(L, items[i], what, ARRAY_LEN(what));
			if (c == 0)
				pv->prorate_quota = true;
			else if (c == 1)
				pv->prorate_target = true;
			else if (c == 2)
				pv->prorate_draw = true;
		}
	}
}

static void compile_conversion(ploader *L, policy_version *v, plan_version *pv,
			       const ynode *n)
{
	static const char *const keys[] = {"convert", "rounding", "lookup"};
	static const char *const converts[] = {"amount", "result"};
	static const char *const rounds[] = {"half_up", "half_even"};
	static const char *const lookups[] = {"exact", "latest"};
	const ynode *x;
	int c;

	if (!pl_expect_map(L, n, "a mapping like {convert: amount, lookup: exact}"))
		return;
	pl_check_keys(L, n, keys, ARRAY_LEN(keys));
	pv->has_conversion = true;
	if ((x = pl_required(L, n, "convert")) &&
	    (c = pl_get_choice(L, x, converts, ARRAY_LEN(converts))) >= 0)
		pv->convert_result = c == 1;
	if ((x = ynode_get(n, "rounding")) &&
	    (c = pl_get_choice(L, x, rounds, ARRAY_LEN(rounds))) >= 0)
		pv->fx_rounding = c == 0 ? DEC_HALF_UP : DEC_HALF_EVEN;
	if ((x = ynode_get(n, "lookup")) &&
	    (c = pl_get_choice(L, x, lookups, ARRAY_LEN(lookups))) >= 0)
		pv->fx_latest = c == 1;
	(void)v;
}

/* The `currency` field convention: a field named `currency` gives the
 * currency of the event's money fields; it must hold currency codes. */
static bool currency_fields(ploader *L, policy_version *v, plan_version *pv)
{
	bool any = false;

	pv->n_types = v->n_types;
	pv->currency_field = pl_array(L, v->n_types ? v->n_types : 1,
				      sizeof *pv->currency_field);
	if (!pv->currency_field)
		return false;
	for (size_t i = 0; i < v->n_types; i++) {
		const event_type *t = &v->types[i];
		int f = event_type_field(t, "currency");
		pv->currency_field[i] = -1;
		if (f < 0)
			continue;
		const field_def *fd = &t->fields[f];
		if (fd->type != FT_STRING && fd->type != FT_ENUM) {
			pl_error_at(L, fd->loc.file, fd->loc.line, fd->loc.col,
				    "declare it as {type: string} or {type: enum, values: "
				    "[USD, EUR]}",
				    "field 'currency' of event type '%s' names the currency "
				    "of its money fields: it must be a string or an enum",
				    t->name);
			continue;
		}
		for (size_t k = 0; fd->type == FT_ENUM && k < fd->n_enum; k++) {
			const char *code = fd->enum_values[k];
			if (strlen(code) != 3 ||
			    currency_minor_unit(v, code, strlen(code)) < 0)
				pl_error_at(L, fd->loc.file, fd->loc.line, fd->loc.col,
					    "declare it under `currencies:` with its number "
					    "of decimals",
					    "field 'currency' of event type '%s': '%s' is not a "
					    "currency code",
					    t->name, code);
		}
		pv->currency_field[i] = f;
		any = true;
	}
	return any;
}

void pl_compile_plan_version(ploader *L, policy_version *v, const ynode *root)
{
	const ynode *pro = ynode_get(root, "proration"),
		    *conv = ynode_get(root, "conversion");
	plan_version *pv = pl_alloc(L, sizeof *pv);

	if (!pv)
		return;
	pv->fx_rounding = v->rounding;
	bool any = currency_fields(L, v, pv);
	if (pro && !ynode_is_null(pro)) {
		compile_proration(L, v, pv, pro);
		any = true;
	}
	if (conv && !ynode_is_null(conv)) {
		compile_conversion(L, v, pv, conv);
		any = true;
	}
	if (any)
		v->plans = pv;
}

void pl_free_plans(const policy_version *v)
{
	for (size_t i = 0; i < v->n_rules; i++) {
		const plan_rule *p = v->rules[i].plan;
		if (!p)
			continue;
		for (size_t j = 0; j < p->n_objectives; j++)
			for (size_t k = 0; k < p->objectives[j].when.n; k++)
				pcre2_code_free(p->objectives[j].when.items[k].re);
	}
}

int plans_currency_field(const policy_version *v, const event_type *t)
{
	const plan_version *pv = v ? v->plans : NULL;
	size_t ti;

	if (!pv || !pv->currency_field || !t)
		return -1;
	ti = (size_t)(t - v->types);
	return ti < pv->n_types ? pv->currency_field[ti] : -1;
}
