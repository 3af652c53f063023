/*
 * plans.c: the pay-plan mechanics at run time (plans.h): currency
 * conversion and windfall limits applied to an event before its credit is
 * split, manager overrides, commission held until a deal is invoiced or
 * paid, activity counts for objective (MBO) bonuses, draws with their
 * balances, and proration of quotas, target bonuses and draws.
 *
 * Reading guide.  eval.c calls the hooks in this order for an event:
 * plans_event_begin (convert, limit, note what to compare), then for each
 * rule of the version plans_rule_event (override, earning), then
 * plans_event_end (holds, cancelled holds, reversed overrides, counts,
 * deal records).  At period end: plans_period_people (who must be seen,
 * proration records), plans_close_rule per objective rule and person,
 * plans_close_person after a person's other period-end rules (draws), and
 * plans_period_reset.  Decisions go out through eval_emit_extra; money a
 * rule decides is booked to its period total with eval_book so that caps,
 * thresholds and draws see it.
 *
 * State that outlives a period: draw balances (per person and draw rule)
 * and, for deals that a later event refers to (event.referenced), what
 * that later event needs: the exchange rate the deal was converted at, its
 * windfall ratio, the commission held on it and the overrides paid on it.
 * Every figure is a `dec`; a decision is rounded once, by the evaluator.
 */
#include "plans.h"
#include "conduct.h"
#include "fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* An amount held on a deal until it is paid (earning rules). */
typedef struct phold {
	uint32_t pix;
	uint32_t slot;	     /* the held rule */
	dec held, released, cancelled;
} phold;

/* An override paid on a deal (reversed when the deal is refunded). */
typedef struct povr {
	uint32_t mgr;
	uint32_t slot;	     /* the override rule */
	const char *report;  /* the credited person it came from */
	dec paid, reversed;
} povr;

/* What later events of a deal need to know. */
typedef struct pdeal {
	const char *id;
	date_t date;
	dec total;	     /* its credited amount, converted and limited */
	bool has_fx;
	char ccy[8];	     /* the deal's own currency */
	dec fx_rate;
	date_t fx_date;
	bool windfall;
	dec wf_num, wf_den;  /* credited / original */
	const rule *wf_rule;
	const rule *earning; /* the rule that held its pay */
	const policy_version *ver; /* the deal's version (of `earning`) */
	phold *holds;
	size_t n_holds;
	dec paid_cum;	     /* paid (or invoiced) so far */
	povr *ovr;
	size_t n_ovr;
	dec ovr_refunded;    /* refunded so far, for the overrides */
} pdeal;

/* A grow-only array. */
#define GROW(arr, n, cap)                                                      \
	((n) < (cap) ? 0 : grow_arr((void **)&(arr), &(cap), (n) + 1, sizeof *(arr)))

static int grow_arr(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 8;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

struct plans {
	evaluator *e;
	const inc_policy *policy;
	const roster *ro;
	const fx_rates *rates;
	period_kind pkind;
	int32_t *mgr;		/* manager index per person, or -1 */

	bool any_earning, any_objective, any_draw, any_override;
	bool keep_all;		/* remember every deal (--state-out) */

	/* the prepared copy of the event in progress */
	event ev;
	field_value *fields;
	size_t cap_fields;

	/* the event in progress */
	const event *orig;
	pdeal *ref_deal;	/* the deal it refers to, if remembered */
	bool conv;		/* converted */
	char conv_ccy[8];
	dec conv_rate;
	date_t conv_on;
	bool windfall;
	dec wf_num, wf_den;
	const rule *wf_rule;
	bool released;		/* a rule released pay of ref_deal */
	dec *snap;		/* paid before the rules: parts x held slots */
	size_t cap_snap;
	uint32_t *held_slots;	/* held slots of the event's version */
	const rule **held_by;	/* and the earning rule holding each */
	size_t n_held, cap_held;
	dec *ref_snap;		/* paid before: ref_deal's holds */
	size_t cap_ref_snap;
	phold *cur_holds;	/* holds decided on this event */
	size_t n_cur_holds, cap_cur_holds;
	const rule *cur_earning;
	povr *cur_ovr;		/* overrides paid on this event */
	size_t n_cur_ovr, cap_cur_ovr;

	/* deals later events refer to */
	strmap deals;
	pdeal **deal_v;
	size_t n_deals, cap_deals;
	arena mem;

	/* objective tallies: per person x tally */
	strmap tally_ix;	/* "slot:name" -> tally */
	uint32_t ***obj_tix;	/* [version][rule] -> tally of each objective */
	size_t n_tallies;
	dec *tally;
	bool *dirty;
	uint32_t *dirty_list;
	size_t n_dirty;

	/* draws: per person x draw rule slot */
	int32_t *draw_ix;	/* slot -> index, or -1 */
	size_t n_draws;
	dec *balance;

	strbuf reason, events, detail, tmp;
};

/* ---- small helpers ------------------------------------------------------ */

static const person *person_of(const plans *pl, uint32_t pix)
{
	return &pl->ro->people[pix];
}

static const char *money(char *buf, size_t cap, dec d, int minor)
{
	dec_format(buf, cap, dec_normalize(d), minor, true);
	return buf;
}

static const char *pct(char *buf, size_t cap, dec fraction)
{
	dec_format_percent(buf, cap, fraction);
	return buf;
}

/* a/b as a percentage truncated to 2 decimals: "83.33%". */
static const char *ratio_pct(char *buf, size_t cap, dec a, dec b)
{
	dec f;

	if (dec_sign(b) <= 0 || dec_div(&f, a, b, 4, DEC_DOWN) != DEC_OK ||
	    dec_mul(&f, f, dec_from_int(100)) != DEC_OK) {
		snprintf(buf, cap, "n/a");
		return buf;
	}
	size_t n = dec_format(buf, cap > 1 ? cap - 1 : cap, dec_normalize(f), 0, false);
	if (n + 1 < cap) {
		buf[n] = '%';
		buf[n + 1] = '\0';
	}
	return buf;
}

static void json_text(strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			sb_putc(sb, '\\');
			sb_putc(sb, (char)c);
		} else if (c < 0x20) {
			sb_printf(sb, "\\u%04x", c);
		} else {
			sb_putc(sb, (char)c);
		}
	}
}

/* Appends ,"key":"value" to the detail of the next decision. */
static void det(plans *pl, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void det(plans *pl, const char *key, const char *fmt, ...)
{
	va_list ap;

	/* csv and table have no detail: not built (a fifth of a run) */
	if (!eval_wants_detail(pl->e))
		return;
	sb_reset(&pl->tmp);
	va_start(ap, fmt);
	sb_vprintf(&pl->tmp, fmt, ap);
	va_end(ap);
	fmt_append(&pl->detail, ",\"", 2);
	fmt_puts(&pl->detail, key);
	fmt_append(&pl->detail, "\":\"", 3);
	json_text(&pl->detail, sb_cstr(&pl->tmp));
	sb_putc(&pl->detail, '"');
}

static void det_dec(plans *pl, const char *key, dec d)
{
	if (!eval_wants_detail(pl->e))
		return;
	/* a number needs no JSON escaping and no format string */
	fmt_append(&pl->detail, ",\"", 2);
	fmt_puts(&pl->detail, key);
	fmt_append(&pl->detail, "\":\"", 3);
	fmt_sb_dec(&pl->detail, dec_normalize(d), 0, false);
	fmt_putc(&pl->detail, '"');
}

static void begin(plans *pl)
{
	sb_reset(&pl->reason);
	sb_reset(&pl->detail);
}

static int arith(plans *pl, const rule *r)
{
	return eval_error(pl->e, INC_EARITH,
			  "rule %s: arithmetic overflow on the money path",
			  r ? r->id : "(pay plans)");
}

/* Emits the decision in pl->reason / pl->detail / events; money is booked
 * to rule slot `book` (UINT32_MAX: not booked).  *rounded (if not NULL)
 * gets the amount decided. */
static int emit(plans *pl, const policy_version *v, const rule *r, uint32_t pix,
		const char *kind, bool has_amount, dec exact, const char *events,
		uint32_t book, dec *rounded)
{
	eval_extra x;
	dec amt = dec_zero();
	int rc;

	if (pl->reason.oom || pl->detail.oom)
		return eval_error(pl->e, INC_ERROR, "out of memory");
	memset(&x, 0, sizeof x);
	x.version = v;
	x.rule = r;
	x.person = pix;
	x.kind = kind;
	x.has_amount = has_amount;
	x.exact = exact;
	x.events = events ? events : "";
	x.reason = sb_cstr(&pl->reason);
	x.detail = pl->detail.len ? sb_cstr(&pl->detail) : "";
	rc = eval_emit_extra(pl->e, &x, &amt);
	if (rc == 0 && has_amount && book != UINT32_MAX)
		rc = eval_book(pl->e, pix, book, amt);
	if (rc == 0 && rounded)
		*rounded = amt;
	return rc;
}

/* The manager of pix on date d: the roster's `manager` until the first of
 * its manager_changes that has begun by d (-1: none). */
static int32_t mgr_at(const plans *pl, uint32_t pix, date_t d)
{
	const person *p = person_of(pl, pix);
	if (p->n_moves == 0 || p->moves[0].from > d)
		return pl->mgr[pix];
	const char *id = person_manager_on(p, d);
	return (int32_t)roster_find(pl->ro, id, strlen(id));
}

static bool employed_on(const person *p, date_t d)
{
	return p->hired <= d && (!p->has_left || d <= p->left);
}

static dec_rounding plan_mode(const policy_version *v)
{
	return v->rounding;
}

/* a / b (b > 0) rounded to `scale` decimals with a proration rounding
 * mode; `up` rounds away from zero for the positive amounts prorated. */
static int div_mode(dec *out, dec a, dec b, int scale, plan_round mode)
{
	switch (mode) {
	case PROUND_HALF_UP:
		return dec_div(out, a, b, scale, DEC_HALF_UP);
	case PROUND_HALF_EVEN:
		return dec_div(out, a, b, scale, DEC_HALF_EVEN);
	case PROUND_DOWN:
		return dec_div(out, a, b, scale, DEC_DOWN);
	case PROUND_UP: {
		dec n;
		int rc = dec_div(&n, dec_neg(a), b, scale, DEC_FLOOR);
		*out = dec_neg(n);
		return rc;
	}
	}
	return DEC_ESYNTAX;
}

/* Text of field f of ev (a string or an enum value). */
static void field_text(const event *ev, int f, const char **s, size_t *n)
{
	const field_value *fv = &ev->fields[f];
	const field_def *fd = &ev->type->fields[f];

	if (fd->type == FT_ENUM) {
		*s = fd->enum_values[fv->v.u.ix];
		*n = strlen(*s);
	} else {
		*s = fv->v.u.str.s;
		*n = fv->v.u.str.len;
	}
}

/* Splits total by the percentages exactly, as eval.c splits credit: each
 * part rounded toward zero to `minor` decimals, the units left over to
 * the largest remainders (ties: listed order). */
static int split_parts(dec total, const dec *pcts, size_t n, int minor, dec *out)
{
	dec rem[64], sum = dec_zero(), hundred = dec_from_int(100);
	bool given[64];
	int sign = dec_sign(total);
	dec abs_total = sign < 0 ? dec_neg(total) : total;

	if (n == 1) {
		out[0] = total;
		return 0;
	}
	if (n > 64)
		return INC_ERROR;
	if (!dec_fits_scale(abs_total, minor))
		minor = dec_normalize(abs_total).scale + 6;
	for (size_t i = 0; i < n; i++) {
		dec x, q;
		if (dec_mul(&x, abs_total, pcts[i]) != DEC_OK ||
		    dec_div(&x, x, hundred, DEC_MAX_SCALE - 2, DEC_DOWN) != DEC_OK ||
		    dec_round(&q, x, minor, DEC_DOWN) != DEC_OK ||
		    dec_sub(&rem[i], x, q) != DEC_OK || dec_add(&sum, sum, q) != DEC_OK)
			return INC_EARITH;
		out[i] = q;
		given[i] = false;
	}
	dec left, unit = {1, minor};
	if (dec_sub(&left, abs_total, sum) != DEC_OK)
		return INC_EARITH;
	while (dec_sign(left) > 0) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (!given[i] && (best == n || dec_cmp(rem[i], rem[best]) > 0))
				best = i;
		if (best == n)
			return INC_EARITH;
		given[best] = true;
		if (dec_add(&out[best], out[best], unit) != DEC_OK ||
		    dec_sub(&left, left, unit) != DEC_OK)
			return INC_EARITH;
	}
	if (sign < 0)
		for (size_t i = 0; i < n; i++)
			out[i] = dec_neg(out[i]);
	return 0;
}

/* The credit field of t, or its first money field (what a deal's total
 * is, as eval.c's deal records say), or -1. */
static int total_field(const event_type *t)
{
	if (t->credit_field >= 0)
		return t->credit_field;
	for (size_t i = 0; i < t->n_fields; i++)
		if (t->fields[i].type == FT_MONEY)
			return (int)i;
	return -1;
}

/* ---- exchange rates ------------------------------------------------------ */

static const plan_version *conv_of(const policy_version *v)
{
	return v->plans;
}

/* The rate from -> to on date d under version v's conversion settings, or
 * an error naming the date and the pair. */
static int rate_for(plans *pl, const policy_version *v, const char *from,
		    const char *to, date_t d, const char *what, dec *rate,
		    date_t *on)
{
	const plan_version *pv = conv_of(v);
	bool latest = pv && pv->fx_latest;
	char ds[11];

	if (fx_lookup(pl->rates, from, to, d, latest, rate, on))
		return 0;
	date_format(ds, d);
	if (!pl->rates || fx_count(pl->rates) == 0)
		return eval_error(pl->e, INC_EINPUT,
				  "%s: no %s->%s rate for %s: no rates file was given "
				  "(run with --rates FILE: date,from,to,rate)",
				  what, from, to, ds);
	return eval_error(pl->e, INC_EINPUT,
			  "%s: no %s->%s rate %s %s in the rates file",
			  what, from, to, latest ? "on or before" : "for", ds);
}

/* x converted with rate under v: rounded to `minor` decimals (convert:
 * amount), or exact (convert: result). */
static int convert(const policy_version *v, dec x, dec rate, int minor,
		   bool keep_exact, dec *out)
{
	const plan_version *pv = conv_of(v);
	dec y;

	if (dec_mul(&y, x, rate) != DEC_OK)
		return INC_EARITH;
	if (keep_exact || (pv && pv->convert_result)) {
		*out = dec_normalize(y);
		return 0;
	}
	return dec_round(out, y, minor,
			 pv ? pv->fx_rounding : v->rounding) == DEC_OK ? 0 : INC_EARITH;
}

/* ---- deals later events refer to ---------------------------------------- */

static pdeal *find_deal(plans *pl, const char *id, size_t len)
{
	uint32_t ix;
	if (!strmap_get(&pl->deals, id, len, &ix))
		return NULL;
	return pl->deal_v[ix];
}

/* The first remembered deal that a ref field of ev names. */
static pdeal *referenced_deal(plans *pl, const event *ev)
{
	if (pl->n_deals == 0)
		return NULL;
	for (size_t f = 0; f < ev->type->n_fields; f++) {
		if (ev->type->fields[f].type != FT_REF || !ev->fields[f].present)
			continue;
		pdeal *d = find_deal(pl, ev->fields[f].v.u.str.s, ev->fields[f].v.u.str.len);
		if (d)
			return d;
	}
	return NULL;
}

static pdeal *new_deal(plans *pl, const event *ev)
{
	pdeal *d = arena_alloc(&pl->mem, sizeof *d);
	uint32_t ix = (uint32_t)pl->n_deals;

	if (!d || GROW(pl->deal_v, pl->n_deals, pl->cap_deals) != 0)
		return NULL;
	d->id = arena_strndup(&pl->mem, ev->id, ev->id_len);
	if (!d->id || strmap_put(&pl->deals, ev->id, ev->id_len, ix, NULL) < 0)
		return NULL;
	d->date = ev->date;
	int tf = total_field(ev->type);
	d->total = tf >= 0 && ev->fields[tf].present ? ev->fields[tf].v.u.d : dec_zero();
	pl->deal_v[pl->n_deals++] = d;
	return d;
}

/* ---- creation -------------------------------------------------------------- */

static bool version_uses(const policy_version *v, rule_kind k)
{
	for (size_t i = 0; i < v->n_rules; i++)
		if (v->rules[i].kind == k)
			return true;
	return false;
}

int plans_create(plans **out, evaluator *e, const eval_config *cfg, char **err)
{
	const inc_policy *p = cfg->policy;
	bool used = cfg->rates != NULL;
	plans *pl = NULL;

	*out = NULL;
	for (size_t vi = 0; vi < p->n_versions && !used; vi++) {
		const policy_version *v = &p->versions[vi];
		used = v->plans != NULL;
		for (size_t i = 0; i < v->n_rules && !used; i++)
			used = v->rules[i].plan != NULL;
	}
	if (!used)
		return 0;
	pl = calloc(1, sizeof *pl);
	if (!pl)
		goto oom;
	pl->e = e;
	pl->policy = p;
	pl->ro = cfg->roster;
	pl->rates = cfg->rates;
	pl->pkind = p->versions[0].period;
	pl->keep_all = cfg->keep_all_deals;
	arena_init(&pl->mem);
	strmap_init(&pl->deals);
	strmap_init(&pl->tally_ix);
	sb_init(&pl->reason);
	sb_init(&pl->events);
	sb_init(&pl->detail);
	sb_init(&pl->tmp);
	size_t np = pl->ro->n_people ? pl->ro->n_people : 1;
	pl->mgr = malloc(np * sizeof *pl->mgr);
	pl->draw_ix = malloc((p->n_rule_slots ? p->n_rule_slots : 1) * sizeof *pl->draw_ix);
	pl->obj_tix = calloc(p->n_versions, sizeof *pl->obj_tix);
	if (!pl->mgr || !pl->draw_ix || !pl->obj_tix)
		goto oom;
	for (size_t i = 0; i < pl->ro->n_people; i++) {
		const person *ps = &pl->ro->people[i];
		pl->mgr[i] = ps->manager[0]
				 ? (int32_t)roster_find(pl->ro, ps->manager, strlen(ps->manager))
				 : -1;
	}
	for (uint32_t s = 0; s < p->n_rule_slots; s++)
		pl->draw_ix[s] = -1;
	for (size_t vi = 0; vi < p->n_versions; vi++) {
		const policy_version *v = &p->versions[vi];
		pl->any_earning |= version_uses(v, RULE_EARNING);
		pl->any_override |= version_uses(v, RULE_OVERRIDE);
		pl->obj_tix[vi] = calloc(v->n_rules ? v->n_rules : 1, sizeof **pl->obj_tix);
		if (!pl->obj_tix[vi])
			goto oom;
		for (size_t i = 0; i < v->n_rules; i++) {
			const rule *r = &v->rules[i];
			if (r->kind == RULE_DRAW && pl->draw_ix[r->slot] < 0) {
				pl->draw_ix[r->slot] = (int32_t)pl->n_draws++;
				pl->any_draw = true;
			}
			if (r->kind != RULE_OBJECTIVE || !r->plan)
				continue;
			pl->any_objective = true;
			const plan_rule *pr = r->plan;
			uint32_t *tix = calloc(pr->n_objectives ? pr->n_objectives : 1, sizeof *tix);
			if (!tix)
				goto oom;
			pl->obj_tix[vi][i] = tix;
			for (size_t j = 0; j < pr->n_objectives; j++) {
				char key[160];
				int n = snprintf(key, sizeof key, "%u:%s", r->slot,
						 pr->objectives[j].name ? pr->objectives[j].name : "");
				uint32_t got = 0;
				int put = strmap_put(&pl->tally_ix, key,
						     (size_t)(n < (int)sizeof key ? n : (int)sizeof key - 1),
						     (uint32_t)pl->n_tallies, &got);
				if (put < 0)
					goto oom;
				tix[j] = put ? (uint32_t)pl->n_tallies++ : got;
			}
		}
	}
	if (pl->n_tallies) {
		pl->tally = calloc(np * pl->n_tallies, sizeof *pl->tally);
		pl->dirty = calloc(np, sizeof *pl->dirty);
		pl->dirty_list = calloc(np, sizeof *pl->dirty_list);
		if (!pl->tally || !pl->dirty || !pl->dirty_list)
			goto oom;
	}
	if (pl->n_draws) {
		pl->balance = calloc(np * pl->n_draws, sizeof *pl->balance);
		if (!pl->balance)
			goto oom;
	}
	*out = pl;
	return 0;
oom:
	plans_destroy(pl);
	if (err)
		*err = strdup("out of memory");
	return INC_ERROR;
}

void plans_destroy(plans *pl)
{
	if (!pl)
		return;
	if (pl->obj_tix) {
		for (size_t vi = 0; vi < pl->policy->n_versions; vi++) {
			if (!pl->obj_tix[vi])
				continue;
			for (size_t i = 0; i < pl->policy->versions[vi].n_rules; i++)
				free(pl->obj_tix[vi][i]);
			free(pl->obj_tix[vi]);
		}
		free(pl->obj_tix);
	}
	free(pl->mgr);
	free(pl->draw_ix);
	free(pl->fields);
	free(pl->snap);
	free(pl->held_slots);
	free(pl->held_by);
	free(pl->ref_snap);
	free(pl->cur_holds);
	free(pl->cur_ovr);
	free(pl->deal_v);
	free(pl->tally);
	free(pl->dirty);
	free(pl->dirty_list);
	free(pl->balance);
	strmap_finish(&pl->deals);
	strmap_finish(&pl->tally_ix);
	arena_finish(&pl->mem);
	sb_finish(&pl->reason);
	sb_finish(&pl->events);
	sb_finish(&pl->detail);
	sb_finish(&pl->tmp);
	free(pl);
}

/* ---- the event, before its credit is split ------------------------------- */

/* Credited parts of ev: persons and percentages (the split, or the
 * event's person). */
static size_t event_parts(const event *ev, uint32_t *pix, dec *pcts)
{
	int sf = ev->type->split_field;
	const field_value *sp = sf >= 0 ? &ev->fields[sf] : NULL;

	if (sp && sp->present) {
		size_t n = sp->n_parts < 64 ? sp->n_parts : 64;
		for (size_t k = 0; k < n; k++) {
			pix[k] = sp->parts[k].person;
			pcts[k] = sp->parts[k].pct;
		}
		return n;
	}
	pix[0] = ev->person;
	pcts[0] = dec_from_int(100);
	return 1;
}

/* Makes pl->ev a private copy of ev whose fields can be changed. */
static int copy_event(plans *pl, const event *ev)
{
	size_t n = ev->type->n_fields;

	if (ev == &pl->ev || (pl->ev.id && pl->ev.fields == pl->fields))
		return 0; /* already copied */
	if (n > pl->cap_fields) {
		field_value *f = realloc(pl->fields, n * sizeof *f);
		if (!f)
			return eval_error(pl->e, INC_ERROR, "out of memory");
		pl->fields = f;
		pl->cap_fields = n;
	}
	pl->ev = *ev;
	if (n)
		memcpy(pl->fields, ev->fields, n * sizeof *pl->fields);
	pl->ev.fields = pl->fields;
	return 0;
}

/* Converts every money field of the event in another currency (fields of
 * pl->ev) and records the conversion. */
static int do_convert(plans *pl, const event *ev, int cf)
{
	const policy_version *v = ev->version;
	const person *who = person_of(pl, ev->person);
	const char *ccy;
	size_t n;
	char what[200], b1[64], b2[64], rs[72], ds[11];
	bool via_deal = false;
	int rc;

	field_text(ev, cf, &ccy, &n);
	if (n == strlen(who->currency) && memcmp(ccy, who->currency, n) == 0)
		return 0;
	if (n >= sizeof pl->conv_ccy)
		return eval_error(pl->e, INC_EINPUT, "event %.*s: bad currency",
				  (int)ev->id_len, ev->id);
	memcpy(pl->conv_ccy, ccy, n);
	pl->conv_ccy[n] = '\0';
	if (pl->ref_deal && pl->ref_deal->has_fx &&
	    strcmp(pl->ref_deal->ccy, pl->conv_ccy) == 0) {
		/* a refund or payment of a converted deal: at the deal's rate,
		 * so that a full refund reverses exactly */
		pl->conv_rate = pl->ref_deal->fx_rate;
		pl->conv_on = pl->ref_deal->fx_date;
		via_deal = true;
	} else {
		snprintf(what, sizeof what, "event %.*s (%s:%llu)", (int)ev->id_len, ev->id,
			 ev->file ? ev->file : "", (unsigned long long)ev->line);
		rc = rate_for(pl, v, pl->conv_ccy, who->currency, ev->date, what,
			      &pl->conv_rate, &pl->conv_on);
		if (rc)
			return rc;
	}
	if ((rc = copy_event(pl, ev)))
		return rc;
	pl->conv = true;
	const plan_version *pv = conv_of(v);
	bool exact = pv && pv->convert_result;
	begin(pl);
	dec_format(rs, sizeof rs, pl->conv_rate, 0, false);
	date_format(ds, pl->conv_on);
	sb_printf(&pl->reason, "%s amounts converted to %s at %s (%s->%s rate of %s%s%s)",
		  pl->conv_ccy, who->currency, rs, pl->conv_ccy, who->currency, ds,
		  via_deal ? ", the rate of deal " : "", via_deal ? pl->ref_deal->id : "");
	det(pl, "from", "%s", pl->conv_ccy);
	det(pl, "to", "%s", who->currency);
	det(pl, "fx_rate", "%s", rs);
	det(pl, "rate_date", "%s", ds);
	det(pl, "convert", "%s", exact ? "result" : "amount");
	for (size_t f = 0; f < ev->type->n_fields; f++) {
		if (ev->type->fields[f].type != FT_MONEY || !ev->fields[f].present)
			continue;
		dec x = ev->fields[f].v.u.d, y;
		if (convert(v, x, pl->conv_rate, who->minor, false, &y) != 0)
			return arith(pl, NULL);
		pl->fields[f].v.u.d = y;
		int from_minor = currency_minor_unit(v, pl->conv_ccy, strlen(pl->conv_ccy));
		sb_printf(&pl->reason, "; %s %s %s = %s %s", ev->type->fields[f].name,
			  money(b1, sizeof b1, x, from_minor < 0 ? 0 : from_minor), pl->conv_ccy,
			  money(b2, sizeof b2, y, who->minor), who->currency);
		det_dec(pl, ev->type->fields[f].name, x);
		char key[80];
		snprintf(key, sizeof key, "%s_converted", ev->type->fields[f].name);
		det_dec(pl, key, y);
	}
	if (exact)
		sb_puts(&pl->reason, " (kept exact: each decision is rounded once)");
	else {
		static const char *const modes[] = {"half_up", "half_even", "down", "floor"};
		sb_printf(&pl->reason, " (rounded %s)",
			  modes[pv ? pv->fx_rounding : v->rounding]);
	}
	sb_reset(&pl->events);
	sb_append(&pl->events, ev->id, ev->id_len);
	return emit(pl, v, NULL, ev->person, "conversion", false, dec_zero(),
		    sb_cstr(&pl->events), UINT32_MAX, NULL);
}

/* A refund or payment of a windfall deal counts for as much as the deal
 * was credited: its money fields are scaled by credited / original. */
static int scale_for_windfall(plans *pl, const event *ev)
{
	const person *who = person_of(pl, ev->person);
	pdeal *d = pl->ref_deal;
	char b1[64], b2[64], b3[64], b4[64], b5[64];
	int rc;

	if ((rc = copy_event(pl, ev)))
		return rc;
	begin(pl);
	sb_printf(&pl->reason, "%.*s refers to %s, which was credited %s of its %s (windfall)",
		  (int)ev->id_len, ev->id, d->id, money(b1, sizeof b1, d->wf_num, who->minor),
		  money(b2, sizeof b2, d->wf_den, who->minor));
	det(pl, "deal", "%s", d->id);
	det_dec(pl, "deal_credited", d->wf_num);
	det_dec(pl, "deal_amount", d->wf_den);
	for (size_t f = 0; f < ev->type->n_fields; f++) {
		if (ev->type->fields[f].type != FT_MONEY || !pl->fields[f].present)
			continue;
		dec x = pl->fields[f].v.u.d, y, off;
		int scale = dec_fits_scale(x, who->minor) ? who->minor
							  : dec_normalize(x).scale + 12;
		if (dec_mul(&y, x, d->wf_num) != DEC_OK ||
		    dec_div(&y, y, d->wf_den, scale, plan_mode(ev->version)) != DEC_OK ||
		    dec_sub(&off, x, y) != DEC_OK)
			return arith(pl, NULL);
		pl->fields[f].v.u.d = dec_normalize(y);
		sb_printf(&pl->reason, ": %s %s counts as %s, %s not counted",
			  ev->type->fields[f].name, money(b3, sizeof b3, x, who->minor),
			  money(b4, sizeof b4, y, who->minor), money(b5, sizeof b5, off, who->minor));
		det_dec(pl, ev->type->fields[f].name, x);
		char key[80];
		snprintf(key, sizeof key, "%s_counted", ev->type->fields[f].name);
		det_dec(pl, key, y);
	}
	sb_reset(&pl->events);
	sb_append(&pl->events, ev->id, ev->id_len);
	sb_printf(&pl->events, ",%s", d->id);
	return emit(pl, ev->version, d->wf_rule, ev->person, "windfall_withheld", false,
		    dec_zero(), sb_cstr(&pl->events), UINT32_MAX, NULL);
}

/* The windfall rule of the event's version that applies to it, if any:
 * limits the credit field and records what was not credited. */
static int do_windfall(plans *pl, const event *ev)
{
	const policy_version *v = ev->version;
	const event_type *t = ev->type;
	const person *who = person_of(pl, ev->person);
	int tix = (int)(t - v->types);
	char b1[64], b2[64], b3[64], b4[64], b5[64], b6[64], b7[64];
	int rc;

	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		if (r->kind != RULE_WINDFALL || r->on_type != tix || !r->plan)
			continue;
		int h = eval_conds(pl->e, r, &r->when, ev, ev->person);
		if (h < 0)
			return h;
		if (!h)
			continue;
		int cf = t->credit_field;
		if (cf < 0 || !ev->fields[cf].present)
			return 0;
		const field_value *fv = &ev->fields[cf];
		const plan_rule *p = r->plan;
		/* like every money constant of a policy (SPIFF amounts, caps,
		 * target bonuses), the line is read in the pay currency */
		dec a = fv->v.u.d, line = p->above;
		if (dec_cmp(a, line) <= 0)
			return 0;
		dec excess, part, credited, withheld;
		if (dec_sub(&excess, a, line) != DEC_OK ||
		    dec_mul(&part, excess, p->rate) != DEC_OK)
			return arith(pl, r);
		if (dec_fits_scale(a, who->minor) &&
		    dec_round(&part, part, who->minor, v->rounding) != DEC_OK)
			return arith(pl, r);
		if (dec_add(&credited, line, part) != DEC_OK ||
		    dec_sub(&withheld, a, credited) != DEC_OK)
			return arith(pl, r);
		if ((rc = copy_event(pl, ev)))
			return rc;
		pl->fields[cf].v.u.d = dec_normalize(credited);
		pl->windfall = true;
		pl->wf_num = credited;
		pl->wf_den = a;
		pl->wf_rule = r;

		uint32_t pix[64];
		dec pcts[64], shares[64];
		size_t n = event_parts(ev, pix, pcts);
		if (split_parts(withheld, pcts, n, who->minor, shares) != 0)
			return arith(pl, r);
		for (size_t k = 0; k < n; k++) {
			const person *pk = person_of(pl, pix[k]);
			begin(pl);
			sb_printf(&pl->reason,
				  "%.*s of %s is above the windfall line of %s: credited %s (%s + %s of %s); %s not credited",
				  (int)ev->id_len, ev->id, money(b1, sizeof b1, a, who->minor),
				  money(b2, sizeof b2, line, who->minor),
				  money(b3, sizeof b3, credited, who->minor),
				  money(b4, sizeof b4, line, who->minor), pct(b5, sizeof b5, p->rate),
				  money(b6, sizeof b6, excess, who->minor),
				  money(b7, sizeof b7, withheld, who->minor));
			if (n > 1) {
				dec_format(b2, sizeof b2, dec_normalize(pcts[k]), 0, false);
				sb_printf(&pl->reason, ", %s%% share %s", b2,
					  money(b3, sizeof b3, shares[k], pk->minor));
			}
			det_dec(pl, "deal_amount", a);
			det_dec(pl, "line", line);
			det_dec(pl, "rate_above", p->rate);
			det_dec(pl, "credited", credited);
			det_dec(pl, "withheld", withheld);
			if (n > 1) {
				det_dec(pl, "share_pct", pcts[k]);
				det_dec(pl, "withheld_share", shares[k]);
			}
			sb_reset(&pl->events);
			sb_append(&pl->events, ev->id, ev->id_len);
			if ((rc = emit(pl, v, r, pix[k], "windfall_withheld", false, dec_zero(),
				       sb_cstr(&pl->events), UINT32_MAX, NULL)))
				return rc;
		}
		return 0;
	}
	return 0;
}

/* Does a rule of v with this slot fire on event type index tix? */
static bool slot_fires_on(const policy_version *v, uint32_t slot, int tix)
{
	for (size_t i = 0; i < v->n_rules; i++)
		if (v->rules[i].slot == slot)
			return v->rules[i].on_type == tix && !v->rules[i].at_period_end;
	return false;
}

/* The rule slots of version v that an earning rule holds and that fire on
 * event type tix (the deal), into pl->held_*. */
static int held_slots(plans *pl, const policy_version *v, int tix)
{
	pl->n_held = 0;
	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		if (r->kind != RULE_EARNING || !r->plan)
			continue;
		for (size_t j = 0; j < r->plan->n_holds; j++) {
			if (!slot_fires_on(v, r->plan->holds[j], tix))
				continue;
			if (GROW(pl->held_slots, pl->n_held, pl->cap_held) != 0)
				return eval_error(pl->e, INC_ERROR, "out of memory");
			size_t cap = pl->cap_held;
			const rule **hb = realloc(pl->held_by, cap * sizeof *hb);
			if (!hb)
				return eval_error(pl->e, INC_ERROR, "out of memory");
			pl->held_by = hb;
			pl->held_slots[pl->n_held] = r->plan->holds[j];
			pl->held_by[pl->n_held] = r;
			pl->n_held++;
		}
	}
	return 0;
}

int plans_event_begin(plans *pl, const event **evp)
{
	const event *ev = *evp;
	int rc;

	if (!pl)
		return 0;
	pl->orig = ev;
	pl->ev.id = NULL;
	pl->ev.fields = NULL;
	pl->conv = false;
	pl->windfall = false;
	pl->n_cur_holds = 0;
	pl->n_cur_ovr = 0;
	pl->cur_earning = NULL;
	pl->n_held = 0;
	pl->released = false;
	pl->ref_deal = referenced_deal(pl, ev);

	int cf = plans_currency_field(ev->version, ev->type);
	if (cf >= 0 && ev->fields[cf].present && (rc = do_convert(pl, ev, cf)))
		return rc;
	if (pl->ref_deal && pl->ref_deal->windfall && (rc = scale_for_windfall(pl, ev)))
		return rc;
	if ((rc = do_windfall(pl, pl->ev.fields ? &pl->ev : ev)))
		return rc;
	if (pl->ev.fields == pl->fields && pl->ev.id)
		*evp = &pl->ev;
	ev = *evp;

	/* what plans_event_end compares: pay of held rules before the rules */
	if (pl->any_earning) {
		if ((rc = held_slots(pl, ev->version, (int)(ev->type - ev->version->types))))
			return rc;
		uint32_t pix[64];
		dec pcts[64];
		size_t n = event_parts(ev, pix, pcts);
		if (pl->n_held) {
			size_t need = n * pl->n_held;
			if (need > pl->cap_snap) {
				dec *s = realloc(pl->snap, need * sizeof *s);
				if (!s)
					return eval_error(pl->e, INC_ERROR, "out of memory");
				pl->snap = s;
				pl->cap_snap = need;
			}
			for (size_t k = 0; k < n; k++)
				for (size_t i = 0; i < pl->n_held; i++)
					pl->snap[k * pl->n_held + i] =
					    eval_rule_paid(pl->e, pix[k], pl->held_slots[i]);
		}
		pdeal *d = pl->ref_deal;
		if (d && d->n_holds) {
			if (d->n_holds > pl->cap_ref_snap) {
				dec *s = realloc(pl->ref_snap, d->n_holds * sizeof *s);
				if (!s)
					return eval_error(pl->e, INC_ERROR, "out of memory");
				pl->ref_snap = s;
				pl->cap_ref_snap = d->n_holds;
			}
			for (size_t i = 0; i < d->n_holds; i++)
				pl->ref_snap[i] = eval_rule_paid(pl->e, d->holds[i].pix, d->holds[i].slot);
		}
	}
	return 0;
}

/* ---- per-event rules ------------------------------------------------------ */

/* The earning rule of v that holds rule slot, or NULL. */
static const rule *holder_of(const policy_version *v, uint32_t slot)
{
	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		if (r->kind != RULE_EARNING || !r->plan)
			continue;
		for (size_t j = 0; j < r->plan->n_holds; j++)
			if (r->plan->holds[j] == slot)
				return r;
	}
	return NULL;
}

static const char *earn_word(const rule *earning)
{
	return earning->plan->at == EARN_INVOICE ? "invoiced" : "paid";
}

/* Holds `amt` just paid to pix under rule slot on event ev. */
static int hold(plans *pl, const event *ev, const rule *earning, uint32_t pix,
		uint32_t slot, dec amt)
{
	const person *who = person_of(pl, pix);
	char b1[64];
	dec rounded;
	int rc;

	begin(pl);
	sb_printf(&pl->reason, "%s of %s on %.*s held until the deal is %s (earned at %s)",
		  money(b1, sizeof b1, amt, who->minor), pl->policy->rule_slot_ids[slot],
		  (int)ev->id_len, ev->id, earn_word(earning),
		  earning->plan->at == EARN_INVOICE ? "invoice" : "payment");
	det(pl, "held_rule", "%s", pl->policy->rule_slot_ids[slot]);
	det_dec(pl, "held", amt);
	sb_reset(&pl->events);
	sb_append(&pl->events, ev->id, ev->id_len);
	rc = emit(pl, ev->version, earning, pix, "hold", true, dec_neg(amt),
		  sb_cstr(&pl->events), earning->slot, &rounded);
	if (rc)
		return rc;
	if (GROW(pl->cur_holds, pl->n_cur_holds, pl->cap_cur_holds) != 0)
		return eval_error(pl->e, INC_ERROR, "out of memory");
	phold *h = &pl->cur_holds[pl->n_cur_holds++];
	memset(h, 0, sizeof *h);
	h->pix = pix;
	h->slot = slot;
	h->held = dec_neg(rounded);
	pl->cur_earning = earning;
	return 0;
}

static int rule_override(plans *pl, const policy_version *v, const rule *r,
			 const event *ev, size_t n_parts)
{
	const plan_rule *p = r->plan;
	char b3[64], b4[64];
	int rc;

	if (p->base_field < 0 || !ev->fields[p->base_field].present)
		return 0;
	const rule *earning = holder_of(v, r->slot);
	for (size_t k = 0; k < n_parts; k++) {
		uint32_t rep;
		dec share_pct;
		bool skip;
		eval_part(pl->e, k, &rep, &share_pct, &skip);
		if (skip)
			continue;
		int h = eval_conds(pl->e, r, &r->when, ev, rep);
		if (h < 0)
			return h;
		if (!h)
			continue;
		dec base = eval_share(pl->e, n_parts, p->base_field, k);
		if (dec_is_zero(base))
			continue;
		const person *rp = person_of(pl, rep);
		int32_t m = mgr_at(pl, rep, ev->date);
		uint32_t seen[16];
		size_t n_seen = 0;
		int32_t gone = -1; /* a manager not employed on the date */
		for (size_t lv = 1; m >= 0 && lv <= p->n_levels; lv++) {
			bool again = (uint32_t)m == rep;
			for (size_t s = 0; s < n_seen; s++)
				again |= seen[s] == (uint32_t)m;
			if (again)
				break; /* a loop in the reporting lines */
			seen[n_seen++] = (uint32_t)m;
			const person *mp = person_of(pl, (uint32_t)m);
			if (!employed_on(mp, ev->date)) {
				gone = m;
				m = mgr_at(pl, (uint32_t)m, ev->date);
				continue;
			}
			dec mbase = base, rate = p->level_rates[lv - 1], pay;
			bool fx = strcmp(mp->currency, rp->currency) != 0;
			dec fx_rate = dec_zero();
			date_t fx_on = 0;
			if (fx) {
				char what[200];
				snprintf(what, sizeof what, "rule %s (override for %s, paid in %s, on %.*s)",
					 r->id, mp->id, mp->currency, (int)ev->id_len, ev->id);
				if ((rc = rate_for(pl, v, rp->currency, mp->currency, ev->date,
						   what, &fx_rate, &fx_on)))
					return rc;
				if (convert(v, base, fx_rate, mp->minor, false, &mbase) != 0)
					return arith(pl, r);
			}
			if (dec_mul(&pay, mbase, rate) != DEC_OK)
				return arith(pl, r);
			begin(pl);
			/* "2% override on 22,503.70 credited to p0140 Keiko Sato"
			 * with appenders: overrides are a decision in three of a
			 * run over the default policy, and printf a tenth of it */
			fmt_sb_pct(&pl->reason, rate);
			fmt_puts(&pl->reason, " override on ");
			fmt_sb_money(&pl->reason, base, rp->minor);
			fmt_puts(&pl->reason, " credited to ");
			fmt_puts(&pl->reason, rp->id);
			fmt_putc(&pl->reason, ' ');
			fmt_puts(&pl->reason, rp->name);
			if (n_parts > 1) {
				/* " (50% of 45,007.40)": appenders, as above */
				fmt_append(&pl->reason, " (", 2);
				fmt_sb_dec(&pl->reason, dec_normalize(share_pct), 0, false);
				fmt_puts(&pl->reason, "% of ");
				fmt_sb_money(&pl->reason, ev->fields[p->base_field].v.u.d,
					     rp->minor);
				fmt_putc(&pl->reason, ')');
			}
			fmt_puts(&pl->reason, " on ");
			fmt_append(&pl->reason, ev->id, ev->id_len);
			if (fx) {
				char rs[72];
				dec_format(rs, sizeof rs, fx_rate, 0, false);
				sb_printf(&pl->reason, " (%s %s = %s %s at %s)", money(b3, sizeof b3, base, rp->minor),
					  rp->currency, money(b4, sizeof b4, mbase, mp->minor),
					  mp->currency, rs);
			}
			if (lv == 1) {
				fmt_puts(&pl->reason, ": level 1, direct report");
			} else {
				fmt_puts(&pl->reason, ": level ");
				fmt_sb_u64(&pl->reason, lv);
				fmt_puts(&pl->reason, ", through ");
				fmt_puts(&pl->reason,
					 person_of(pl, (uint32_t)mgr_at(pl, rep, ev->date))->id);
			}
			if (gone >= 0) {
				char gd[11];
				const person *gp = person_of(pl, (uint32_t)gone);
				date_format(gd, gp->has_left && gp->left < ev->date ? gp->left : gp->hired);
				sb_printf(&pl->reason, " (%s %s %s: no override for them)", gp->id,
					  gp->has_left && gp->left < ev->date ? "left on" : "joins on", gd);
				gone = -1;
			}
			det(pl, "report", "%s", rp->id);
			det(pl, "level", "%zu", lv);
			det_dec(pl, "base", base);
			det_dec(pl, "rate", rate);
			if (n_parts > 1)
				det_dec(pl, "share_pct", share_pct);
			if (fx) {
				det_dec(pl, "fx_rate", fx_rate);
				det_dec(pl, "base_converted", mbase);
			}
			sb_reset(&pl->events);
			sb_append(&pl->events, ev->id, ev->id_len);
			dec amt;
			if ((rc = emit(pl, v, r, (uint32_t)m, "override", true, pay,
				       sb_cstr(&pl->events), r->slot, &amt)))
				return rc;
			if (GROW(pl->cur_ovr, pl->n_cur_ovr, pl->cap_cur_ovr) != 0)
				return eval_error(pl->e, INC_ERROR, "out of memory");
			povr *o = &pl->cur_ovr[pl->n_cur_ovr++];
			memset(o, 0, sizeof *o);
			o->mgr = (uint32_t)m;
			o->slot = r->slot;
			o->report = rp->id;
			o->paid = amt;
			if (earning && !dec_is_zero(amt) &&
			    (rc = hold(pl, ev, earning, (uint32_t)m, r->slot, amt)))
				return rc;
			m = mgr_at(pl, (uint32_t)m, ev->date);
		}
	}
	return 0;
}

/* A payment (or invoice) releases what was held on the deal it refers to
 * (ref_field of ev), in proportion to the amount paid (amount_field, or
 * -1: the whole deal), under earning rule r. */
static int release_deal(plans *pl, const policy_version *v, const rule *r,
			const event *ev, int ref_field, int amount_field)
{
	const plan_rule *p = r->plan;
	char b1[64], b2[64], b3[64], b4[64], b5[64], b6[64], b7[64];
	int rc;

	if (ref_field < 0 || !ev->fields[ref_field].present)
		return 0;
	int h = eval_conds(pl->e, r, &r->when, ev, ev->person);
	if (h <= 0)
		return h;
	const field_value *ref = &ev->fields[ref_field];
	pdeal *d = find_deal(pl, ref->v.u.str.s, ref->v.u.str.len);
	if (!d || d->n_holds == 0)
		return 0;
	if (d == pl->ref_deal)
		pl->released = true;
	dec paid = d->total;
	if (amount_field >= 0 && ev->fields[amount_field].present)
		paid = ev->fields[amount_field].v.u.d;
	dec cum;
	if (dec_add(&cum, d->paid_cum, paid) != DEC_OK)
		return arith(pl, r);
	const person *payer = person_of(pl, ev->person);
	if (dec_cmp(cum, d->total) > 0) {
		eval_warning(pl->e, ev->file, ev->line,
			     "%s of %s add up to more than its %s: releasing at most everything held",
			     p->at == EARN_INVOICE ? "invoices" : "payments", d->id,
			     money(b1, sizeof b1, d->total, payer->minor));
		cum = d->total;
	}
	bool whole = dec_cmp(cum, d->total) >= 0;
	for (size_t i = 0; i < d->n_holds; i++) {
		phold *hd = &d->holds[i];
		const person *who = person_of(pl, hd->pix);
		dec target, delta, out, x;
		if (whole) {
			target = hd->held;
		} else if (dec_is_zero(d->total)) {
			continue;
		} else if (dec_mul(&x, hd->held, cum) != DEC_OK ||
			   dec_div(&target, x, d->total, who->minor, v->rounding) != DEC_OK) {
			return arith(pl, r);
		}
		if (dec_sub(&delta, target, hd->released) != DEC_OK ||
		    dec_sub(&out, hd->held, hd->released) != DEC_OK ||
		    dec_sub(&out, out, hd->cancelled) != DEC_OK)
			return arith(pl, r);
		if (dec_cmp(delta, out) > 0)
			delta = out;
		if (dec_sign(delta) <= 0)
			continue;
		dec left;
		if (dec_sub(&left, out, delta) != DEC_OK)
			return arith(pl, r);
		begin(pl);
		sb_printf(&pl->reason,
			  "releases %s of the %s of %s held on %s: %s of %s brings it to %s %s (%s of %s); %s still held",
			  money(b1, sizeof b1, delta, who->minor), money(b2, sizeof b2, hd->held, who->minor),
			  pl->policy->rule_slot_ids[hd->slot], d->id,
			  p->at == EARN_INVOICE ? "invoice" : "payment",
			  money(b3, sizeof b3, paid, payer->minor), ratio_pct(b4, sizeof b4, cum, d->total),
			  earn_word(r), money(b5, sizeof b5, cum, payer->minor),
			  money(b6, sizeof b6, d->total, payer->minor), money(b7, sizeof b7, left, who->minor));
		det(pl, "deal", "%s", d->id);
		det(pl, "held_rule", "%s", pl->policy->rule_slot_ids[hd->slot]);
		det_dec(pl, "held", hd->held);
		det_dec(pl, "deal_total", d->total);
		det_dec(pl, "paid", paid);
		det_dec(pl, "paid_total", cum);
		det_dec(pl, "still_held", left);
		sb_reset(&pl->events);
		sb_append(&pl->events, ev->id, ev->id_len);
		sb_printf(&pl->events, ",%s", d->id);
		dec amt;
		if ((rc = emit(pl, v, r, hd->pix, "release", true, delta, sb_cstr(&pl->events),
			       r->slot, &amt)))
			return rc;
		if (dec_add(&hd->released, hd->released, amt) != DEC_OK)
			return arith(pl, r);
	}
	d->paid_cum = cum;
	return 0;
}

static int rule_release(plans *pl, const policy_version *v, const rule *r,
			const event *ev)
{
	const plan_rule *p = r->plan;

	if (p->at == EARN_BOOKING)
		return 0;
	return release_deal(pl, v, r, ev, p->ref_field, p->amount_field);
}

/* A payment under a version that no longer holds pay (at: booking, or no
 * earning rule on this event type) still releases what an earlier version
 * held: with the deal's earning rule, its fields found by name. */
static int release_as_before(plans *pl, const event *ev)
{
	pdeal *d = pl->ref_deal;
	const policy_version *v = ev->version;
	int tix = (int)(ev->type - v->types);

	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		if (r->kind == RULE_EARNING && r->plan && r->plan->at != EARN_BOOKING &&
		    r->on_type == tix)
			return 0; /* this version's rule decides */
	}
	const rule *er = d->earning;
	if (!er || !d->ver || er->on_type < 0)
		return 0;
	const event_type *t = &d->ver->types[er->on_type];
	if (strcmp(t->name, ev->type->name) != 0)
		return 0;
	int rf = er->plan->ref_field >= 0
		     ? event_type_field(ev->type, t->fields[er->plan->ref_field].name)
		     : -1;
	int af = er->plan->amount_field >= 0
		     ? event_type_field(ev->type, t->fields[er->plan->amount_field].name)
		     : -1;
	if (rf < 0 || ev->type->fields[rf].type != FT_REF)
		return 0;
	if (af >= 0 && ev->type->fields[af].type != FT_MONEY)
		af = -1;
	return release_deal(pl, v, er, ev, rf, af);
}

int plans_rule_event(plans *pl, const policy_version *v, const rule *r,
		     const event *ev, size_t n_parts)
{
	if (!pl || !r->plan)
		return 0;
	switch (r->kind) {
	case RULE_OVERRIDE:
		return rule_override(pl, v, r, ev, n_parts);
	case RULE_EARNING:
		return rule_release(pl, v, r, ev);
	default:
		return 0;
	}
}

/* ---- after the event's rules --------------------------------------------- */

/* Commission and SPIFFs of held rules just paid on this event are held. */
static int hold_event_pay(plans *pl, const event *ev)
{
	uint32_t pix[64];
	dec pcts[64];
	size_t n = event_parts(ev, pix, pcts);
	int rc;

	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < pl->n_held; i++) {
			dec now = eval_rule_paid(pl->e, pix[k], pl->held_slots[i]), delta;
			if (dec_sub(&delta, now, pl->snap[k * pl->n_held + i]) != DEC_OK)
				return arith(pl, pl->held_by[i]);
			if (dec_is_zero(delta))
				continue;
			/* overrides hold themselves (rule_override) */
			bool is_override = false;
			for (size_t c = 0; c < pl->n_cur_holds; c++)
				is_override |= pl->cur_holds[c].pix == pix[k] &&
					       pl->cur_holds[c].slot == pl->held_slots[i];
			if (is_override)
				continue;
			if ((rc = hold(pl, ev, pl->held_by[i], pix[k], pl->held_slots[i], delta)))
				return rc;
		}
	return 0;
}

/* A clawback of a held deal first cancels what is still held of it. */
static int cancel_holds(plans *pl, const event *ev)
{
	pdeal *d = pl->ref_deal;
	char b1[64], b2[64];
	int rc;

	for (size_t i = 0; i < d->n_holds; i++) {
		phold *hd = &d->holds[i];
		const person *who = person_of(pl, hd->pix);
		dec now = eval_rule_paid(pl->e, hd->pix, hd->slot), delta, out, cancel;
		if (dec_sub(&delta, now, pl->ref_snap[i]) != DEC_OK ||
		    dec_sub(&out, hd->held, hd->released) != DEC_OK ||
		    dec_sub(&out, out, hd->cancelled) != DEC_OK)
			return arith(pl, d->earning);
		if (dec_sign(delta) >= 0 || dec_sign(out) <= 0)
			continue;
		cancel = dec_neg(delta);
		if (dec_cmp(cancel, out) > 0)
			cancel = out;
		begin(pl);
		sb_printf(&pl->reason,
			  "refund %.*s cancels %s of the %s of %s still held on %s: the clawback takes back pay that was never released",
			  (int)ev->id_len, ev->id, money(b1, sizeof b1, cancel, who->minor),
			  money(b2, sizeof b2, out, who->minor), pl->policy->rule_slot_ids[hd->slot], d->id);
		det(pl, "deal", "%s", d->id);
		det(pl, "held_rule", "%s", pl->policy->rule_slot_ids[hd->slot]);
		det_dec(pl, "held", hd->held);
		det_dec(pl, "released", hd->released);
		det_dec(pl, "clawed_back", dec_neg(delta));
		sb_reset(&pl->events);
		sb_append(&pl->events, ev->id, ev->id_len);
		sb_printf(&pl->events, ",%s", d->id);
		dec amt;
		if ((rc = emit(pl, ev->version, d->earning, hd->pix, "release", true, cancel,
			       sb_cstr(&pl->events), d->earning->slot, &amt)))
			return rc;
		if (dec_add(&hd->cancelled, hd->cancelled, amt) != DEC_OK)
			return arith(pl, d->earning);
	}
	return 0;
}

/* A refund of a deal with overrides reverses them as the clawback rules of
 * the refund's version that list the override rule say. */
static int reverse_overrides(plans *pl, const event *ev)
{
	const policy_version *v = ev->version;
	pdeal *d = pl->ref_deal;
	int tix = (int)(ev->type - v->types);
	char d2[11];
	bool any = false;
	dec cum = d->ovr_refunded;
	int rc;

	date_format(d2, d->date);
	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		if (r->kind != RULE_CLAWBACK || r->on_type != tix || r->ref_field < 0)
			continue;
		const field_value *ref = &ev->fields[r->ref_field];
		if (!ref->present || ref->v.u.str.len != strlen(d->id) ||
		    memcmp(ref->v.u.str.s, d->id, ref->v.u.str.len) != 0)
			continue;
		int h = eval_conds(pl->e, r, &r->when, ev, ev->person);
		if (h < 0)
			return h;
		if (!h)
			continue;
		int32_t days = ev->date - d->date;
		if (r->window_days >= 0 && days > r->window_days)
			continue;
		dec refund = d->total;
		if (r->amount_field >= 0 && ev->fields[r->amount_field].present)
			refund = ev->fields[r->amount_field].v.u.d;
		if (dec_add(&cum, d->ovr_refunded, refund) != DEC_OK)
			return arith(pl, r);
		if (dec_cmp(cum, d->total) > 0)
			cum = d->total;
		bool whole = dec_cmp(cum, d->total) == 0;
		for (size_t j = 0; j < d->n_ovr; j++) {
			povr *o = &d->ovr[j];
			bool listed = false;
			for (size_t q = 0; q < r->n_reverses; q++)
				listed |= r->reverses[q] == o->slot;
			if (!listed)
				continue;
			any = true;
			const person *mp = person_of(pl, o->mgr);
			dec target, delta, x;
			if (whole) {
				target = o->paid;
			} else if (dec_mul(&x, o->paid, cum) != DEC_OK ||
				   dec_div(&target, x, d->total, mp->minor, v->rounding) != DEC_OK) {
				return arith(pl, r);
			}
			if (dec_sub(&delta, target, o->reversed) != DEC_OK)
				return arith(pl, r);
			o->reversed = target;
			if (dec_is_zero(delta))
				continue;
			begin(pl);
			/* "... for p0140's deal: refund of ..." (eval.c) */
			eval_reversal_reason(&pl->reason, whole, o->paid,
					     pl->policy->rule_slot_ids[o->slot], d->id, d2,
					     o->report, refund, cum, d->total, days, mp->minor);
			det(pl, "deal", "%s", d->id);
			det(pl, "reversed_rule", "%s", pl->policy->rule_slot_ids[o->slot]);
			det(pl, "report", "%s", o->report);
			det_dec(pl, "deal_total", d->total);
			det_dec(pl, "refund", refund);
			det_dec(pl, "refunded_total", cum);
			det_dec(pl, "paid", o->paid);
			sb_reset(&pl->events);
			sb_append(&pl->events, ev->id, ev->id_len);
			fmt_putc(&pl->events, ',');
			fmt_puts(&pl->events, d->id);
			if ((rc = emit(pl, v, r, o->mgr, "clawback", true, dec_neg(delta),
				       sb_cstr(&pl->events), o->slot, NULL)))
				return rc;
		}
		break; /* one clawback rule per refund, as the reversal is shared */
	}
	if (any)
		d->ovr_refunded = cum;
	return 0;
}

/* The last day a text names: "YYYY-Www" (an ISO week: its Sunday),
 * "YYYY-MM" (the month's last day) or "YYYY-MM-DD".  false when it names
 * none of them. */
static bool text_period_end(const char *s, size_t n, date_t *out)
{
	int y = 0, x = 0;

	if (n == 10 && date_parse(out, s, n) == 0)
		return true;
	if (n < 7 || s[4] != '-')
		return false;
	for (int i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		y = y * 10 + (s[i] - '0');
	}
	bool week = s[5] == 'W';
	if (n != (week ? 8u : 7u))
		return false;
	for (size_t i = week ? 6 : 5; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (s[i] - '0');
	}
	if (y < 1)
		return false;
	if (!week) {
		if (x < 1 || x > 12)
			return false;
		*out = date_from_ymd(y, x, date_days_in_month(y, x));
		return true;
	}
	if (x < 1 || x > 53)
		return false;
	date_t jan4 = date_from_ymd(y, 1, 4);
	int wd = (int)(((jan4 + 3) % 7 + 7) % 7); /* 0 Monday .. 6 Sunday */
	*out = jan4 - wd + (x - 1) * 7 + 6;
	return true;
}

/* Counts the event toward the objectives of its version that count it. */
static int tally_event(plans *pl, const event *ev)
{
	const policy_version *v = ev->version;
	size_t vi = (size_t)(v - pl->policy->versions);
	int tix = (int)(ev->type - v->types);

	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		if (r->kind != RULE_OBJECTIVE || !r->plan)
			continue;
		const plan_rule *p = r->plan;
		for (size_t j = 0; j < p->n_objectives; j++) {
			const plan_objective *o = &p->objectives[j];
			if (o->type != tix)
				continue;
			int h = eval_conds(pl->e, r, &o->when, ev, ev->person);
			if (h < 0)
				return h;
			if (!h)
				continue;
			if (o->on_time_field >= 0) {
				const field_value *fv = &ev->fields[o->on_time_field];
				date_t due;
				if (!fv->present)
					continue;
				if (fv->v.type == FT_DATE)
					due = fv->v.u.date;
				else if (!text_period_end(fv->v.u.str.s, fv->v.u.str.len, &due))
					continue;
				if (ev->date > due + o->on_time_days)
					continue;
			}
			dec add = dec_from_int(1);
			if (o->sum_field >= 0) {
				const field_value *fv = &ev->fields[o->sum_field];
				if (!fv->present)
					continue;
				add = fv->v.type == FT_INTEGER ? dec_from_int(fv->v.u.i) : fv->v.u.d;
			}
			dec *t = &pl->tally[(size_t)ev->person * pl->n_tallies + pl->obj_tix[vi][i][j]];
			if (dec_add(t, *t, add) != DEC_OK)
				return arith(pl, r);
			if (!pl->dirty[ev->person]) {
				pl->dirty[ev->person] = true;
				pl->dirty_list[pl->n_dirty++] = ev->person;
			}
		}
	}
	return 0;
}

int plans_event_end(plans *pl, const event *ev, size_t n_parts)
{
	int rc;

	(void)n_parts;
	if (!pl)
		return 0;
	if (pl->ref_deal && pl->ref_deal->n_ovr && (rc = reverse_overrides(pl, ev)))
		return rc;
	if (pl->any_earning) {
		if (pl->n_held && (rc = hold_event_pay(pl, ev)))
			return rc;
		if (pl->ref_deal && pl->ref_deal->n_holds && (rc = cancel_holds(pl, ev)))
			return rc;
		if (pl->ref_deal && pl->ref_deal->n_holds && !pl->released &&
		    (rc = release_as_before(pl, ev)))
			return rc;
	}
	if (pl->any_objective && (rc = tally_event(pl, ev)))
		return rc;
	/* remember what a later refund or payment of this deal needs */
	if ((ev->referenced || pl->keep_all) &&
	    (pl->conv || pl->windfall || pl->n_cur_holds || pl->n_cur_ovr)) {
		pdeal *d = new_deal(pl, ev);
		if (!d)
			return eval_error(pl->e, INC_ERROR, "out of memory");
		if (pl->conv) {
			d->has_fx = true;
			memcpy(d->ccy, pl->conv_ccy, sizeof d->ccy);
			d->fx_rate = pl->conv_rate;
			d->fx_date = pl->conv_on;
		}
		if (pl->windfall) {
			d->windfall = true;
			d->wf_num = pl->wf_num;
			d->wf_den = pl->wf_den;
			d->wf_rule = pl->wf_rule;
		}
		if (pl->n_cur_holds) {
			d->holds = arena_alloc(&pl->mem, pl->n_cur_holds * sizeof *d->holds);
			if (!d->holds)
				return eval_error(pl->e, INC_ERROR, "out of memory");
			memcpy(d->holds, pl->cur_holds, pl->n_cur_holds * sizeof *d->holds);
			d->n_holds = pl->n_cur_holds;
			d->earning = pl->cur_earning;
			d->ver = ev->version;
		}
		if (pl->n_cur_ovr) {
			d->ovr = arena_alloc(&pl->mem, pl->n_cur_ovr * sizeof *d->ovr);
			if (!d->ovr)
				return eval_error(pl->e, INC_ERROR, "out of memory");
			memcpy(d->ovr, pl->cur_ovr, pl->n_cur_ovr * sizeof *d->ovr);
			d->n_ovr = pl->n_cur_ovr;
		}
	}
	return 0;
}

/* ---- proration ------------------------------------------------------------ */

/* Participation of person p in period `per` under pv: num / den (days or
 * months).  false when the person is there for the whole period. */
static bool participation(const plans *pl, const plan_version *pv, const person *p,
			  int32_t per, int64_t *num, int64_t *den)
{
	date_t ps = period_start(pl->pkind, per), pe = period_end(pl->pkind, per);
	date_t from = p->hired > ps ? p->hired : ps;
	date_t to = p->has_left && p->left < pe ? p->left : pe;

	if (from == ps && to == pe)
		return false;
	if (!pv->by_months) {
		*den = pe - ps + 1;
		*num = from > to ? 0 : to - from + 1;
		return true;
	}
	int y, m, d;
	date_to_ymd(ps, &y, &m, &d);
	*num = 0;
	*den = 0;
	for (date_t ms = ps; ms <= pe;) {
		date_to_ymd(ms, &y, &m, &d);
		date_t me = date_from_ymd(y, m, date_days_in_month(y, m));
		date_t m15 = date_from_ymd(y, m, 15);
		bool counts;
		if (pv->partial_months == 1) /* include: any day */
			counts = p->hired <= me && (!p->has_left || p->left >= ms);
		else if (pv->partial_months == 2) /* mid_month: on the 15th */
			counts = p->hired <= m15 && (!p->has_left || p->left >= m15);
		else /* exclude: the whole month */
			counts = p->hired <= ms && (!p->has_left || p->left >= me);
		*num += counts;
		(*den)++;
		ms = me + 1;
	}
	return true;
}

static const plan_version *proration_now(const plans *pl)
{
	const policy_version *v =
	    policy_version_at(pl->policy, period_end(pl->pkind, eval_period(pl->e)));
	const plan_version *pv = v ? v->plans : NULL;
	return pv && pv->has_proration ? pv : NULL;
}

/* amount prorated for person p (the roster's, or leaver_view's) */
static bool prorate_person(plans *pl, const person *p, int what, dec *amount)
{
	const plan_version *pv;
	int64_t num, den;

	if (!pl || !(pv = proration_now(pl)))
		return false;
	if ((what == PRORATE_QUOTA && !pv->prorate_quota) ||
	    (what == PRORATE_TARGET && !pv->prorate_target) ||
	    (what == PRORATE_DRAW && !pv->prorate_draw))
		return false;
	if (!participation(pl, pv, p, eval_period(pl->e), &num, &den))
		return false;
	dec x, q;
	int scale = pv->prorate_decimals >= 0 && pv->prorate_decimals < p->minor
			? pv->prorate_decimals
			: p->minor;
	/* amount x num / den, the exact quotient rounded once */
	if (dec_mul(&x, *amount, dec_from_int(num)) != DEC_OK ||
	    div_mode(&q, x, dec_from_int(den), scale, pv->prorate_round) != DEC_OK)
		return false;
	*amount = q;
	return true;
}

bool plans_prorate(plans *pl, uint32_t pix, int what, dec *amount)
{
	return pl && prorate_person(pl, person_of(pl, pix), what, amount);
}

/* ---- period end ----------------------------------------------------------- */

/* Is person pix employed on some day of the current period? */
static bool in_period(const plans *pl, const person *p)
{
	int32_t per = eval_period(pl->e);
	date_t ps = period_start(pl->pkind, per), pe = period_end(pl->pkind, per);
	return p->hired <= pe && (!p->has_left || p->left >= ps);
}

/* Person pix as a draw sees them: a dismissal ends their participation
 * like a leaving date (its effective day is the last day worked; the
 * earlier of the two dates counts), so the guarantee is prorated to it and
 * the open balance is settled as on_leave declares. */
static person leaver_view(const plans *pl, uint32_t pix, bool *dismissed)
{
	person p = *person_of(pl, pix);
	date_t d;
	*dismissed = false;
	if (cc_dismissed_on(eval_cc(pl->e), pix, &d) && (!p.has_left || d < p.left)) {
		p.has_left = true;
		p.left = d;
		*dismissed = true;
	}
	return p;
}

static bool draw_applies(plans *pl, const rule *r, uint32_t pix, const person *p, int *err)
{
	*err = 0;
	if (!in_period(pl, p))
		return false;
	if (r->plan->periods > 0) {
		int32_t first = period_of(pl->pkind, p->hired);
		if (eval_period(pl->e) - first >= r->plan->periods)
			return false;
	}
	int h = eval_conds(pl->e, r, &r->when, NULL, pix);
	if (h < 0) {
		*err = h;
		return false;
	}
	return h == 1;
}

static void proration_story(plans *pl, const plan_version *pv, const person *p,
			    int64_t num, int64_t den)
{
	char h[11], l[11];
	date_format(h, p->hired);
	sb_printf(&pl->reason, "%lld of %lld %s", (long long)num, (long long)den,
		  pv->by_months ? "months" : "days");
	if (p->has_left) {
		date_format(l, p->left);
		sb_printf(&pl->reason, " (hired %s, left %s)", h, l);
	} else {
		sb_printf(&pl->reason, " (hired %s)", h);
	}
}

void plans_period_people(plans *pl, const policy_version *v)
{
	const plan_version *pv;

	if (!pl || !v)
		return;
	for (uint32_t pix = 0; pix < pl->ro->n_people; pix++) {
		for (size_t d = 0; d < pl->n_draws; d++)
			if (dec_sign(pl->balance[(size_t)pix * pl->n_draws + d]) != 0)
				eval_touch(pl->e, pix);
		for (size_t i = 0; i < v->n_rules; i++) {
			const rule *r = &v->rules[i];
			int err;
			bool dismissed;
			person view = leaver_view(pl, pix, &dismissed);
			if (r->kind == RULE_DRAW && r->plan && draw_applies(pl, r, pix, &view, &err))
				eval_touch(pl->e, pix);
		}
	}
	/* the proration of each quota, as a record of how it was worked out */
	if (!(pv = proration_now(pl)) || !pv->prorate_quota)
		return;
	const roster *ro = pl->ro;
	for (size_t q = 0; q < ro->n_quotas; q++) {
		const quota *qu = &ro->quotas[q];
		int64_t num, den;
		if (qu->period != eval_period(pl->e))
			continue;
		const person *p = person_of(pl, qu->person);
		if (!participation(pl, pv, p, qu->period, &num, &den))
			continue;
		dec pro = qu->amount;
		char b1[64], b2[64];
		static const char *const modes[] = {"half_up", "half_even", "down", "up"};
		plans_prorate(pl, qu->person, PRORATE_QUOTA, &pro);
		begin(pl);
		sb_printf(&pl->reason, "quota %s prorated to %s: ",
			  money(b1, sizeof b1, qu->amount, p->minor), money(b2, sizeof b2, pro, p->minor));
		proration_story(pl, pv, p, num, den);
		sb_printf(&pl->reason, ", rounded %s", modes[pv->prorate_round]);
		if (pv->prorate_target || pv->prorate_draw)
			sb_printf(&pl->reason, "; %s prorated the same way",
				  pv->prorate_target && pv->prorate_draw ? "target bonuses and draws"
				  : pv->prorate_target		      ? "target bonuses"
								      : "draws");
		det_dec(pl, "quota", qu->amount);
		det_dec(pl, "prorated", pro);
		det(pl, "numerator", "%lld", (long long)num);
		det(pl, "denominator", "%lld", (long long)den);
		det(pl, "method", "%s", pv->by_months ? "months" : "days");
		(void)emit(pl, v, NULL, qu->person, "proration", false, dec_zero(), "",
			   UINT32_MAX, NULL);
	}
}

/* Exact fraction n/d (d > 0). */
typedef struct frac {
	dec n, d;
} frac;

static int frac_add(frac *a, frac b)
{
	dec x, y;
	if (dec_mul(&x, a->n, b.d) != DEC_OK || dec_mul(&y, b.n, a->d) != DEC_OK ||
	    dec_add(&a->n, x, y) != DEC_OK || dec_mul(&a->d, a->d, b.d) != DEC_OK)
		return INC_EARITH;
	a->n = dec_normalize(a->n);
	a->d = dec_normalize(a->d);
	return 0;
}

/* a >= b (or > with strict) for fractions with positive denominators. */
static int frac_cmp(frac a, dec b)
{
	dec x;
	if (dec_mul(&x, b, a.d) != DEC_OK)
		return 0;
	return dec_cmp(a.n, x);
}

static int close_objective(plans *pl, const policy_version *v, const rule *r,
			   uint32_t pix)
{
	const plan_rule *p = r->plan;
	const person *who = person_of(pl, pix);
	size_t vi = (size_t)(v - pl->policy->versions);
	size_t ri = (size_t)(r - v->rules);
	char b1[64], b2[64], b3[64], b4[64];
	int rc;

	if (!in_period(pl, who))
		return 0;
	int h = eval_conds(pl->e, r, &r->when, NULL, pix);
	if (h <= 0)
		return h;
	const uint32_t *tix = pl->obj_tix[vi][ri];
	bool any = false;
	for (size_t j = 0; j < p->n_objectives; j++)
		any |= !dec_is_zero(pl->tally[(size_t)pix * pl->n_tallies + tix[j]]);
	if (!any)
		return 0;
	dec target = p->target, level_target = dec_zero();
	if (p->target_from_level) {
		const char *lvl = eval_person_level(pl->e, pix, period_end(pl->pkind, eval_period(pl->e)));
		int li = version_level(v, lvl, strlen(lvl));
		if (li < 0 || !v->levels[li].has_target_bonus) {
			eval_warning(pl->e, NULL, 0,
				     "%s: level %s has no target_bonus in version %s: rule %s pays nothing",
				     who->id, lvl, v->label, r->id);
			return 0;
		}
		level_target = v->levels[li].target_bonus;
		if (dec_mul(&target, level_target, p->share) != DEC_OK)
			return arith(pl, r);
	}
	dec full_target = target;
	bool prorated = plans_prorate(pl, pix, PRORATE_TARGET, &target);

	frac score = {dec_zero(), dec_from_int(1)};
	begin(pl);
	strbuf parts;
	sb_init(&parts);
	for (size_t j = 0; j < p->n_objectives; j++) {
		const plan_objective *o = &p->objectives[j];
		dec actual = pl->tally[(size_t)pix * pl->n_tallies + tix[j]];
		frac c = {actual, o->target};
		const char *note = "";
		if (o->has_from) {
			int k = frac_cmp(c, o->from);
			if (o->from_exclusive ? k <= 0 : k < 0) {
				c.n = dec_zero();
				c.d = dec_from_int(1);
				note = o->from_exclusive ? ", not above the threshold" : ", below the threshold";
			}
		}
		if (o->has_max && frac_cmp(c, o->max) > 0) {
			c.n = o->max;
			c.d = dec_from_int(1);
			note = ", capped";
		}
		frac w = {dec_zero(), c.d};
		if (dec_mul(&w.n, c.n, o->weight) != DEC_OK || frac_add(&score, w) != 0) {
			sb_finish(&parts);
			return arith(pl, r);
		}
		dec_format(b1, sizeof b1, dec_normalize(actual), 0, true);
		dec_format(b2, sizeof b2, dec_normalize(o->target), 0, true);
		sb_printf(&parts, "%s%s %s of %s (%s%s) x %s", j ? ", " : "", o->name, b1, b2,
			  ratio_pct(b3, sizeof b3, actual, o->target), note,
			  pct(b4, sizeof b4, o->weight));
		char key[96];
		snprintf(key, sizeof key, "%s_actual", o->name);
		det_dec(pl, key, actual);
		snprintf(key, sizeof key, "%s_target", o->name);
		det_dec(pl, key, o->target);
	}
	const char *total_note = "";
	bool zero = false, capped = false;
	if (p->has_from) {
		int k = frac_cmp(score, p->from);
		if (p->from_exclusive ? k <= 0 : k < 0) {
			zero = true;
			total_note = p->from_exclusive ? "not above" : "below";
		}
	}
	if (!zero && p->has_cap && frac_cmp(score, p->cap) > 0)
		capped = true;
	dec pay;
	if (zero) {
		pay = dec_zero();
	} else if (capped) {
		if (dec_mul(&pay, target, p->cap) != DEC_OK) {
			sb_finish(&parts);
			return arith(pl, r);
		}
	} else {
		dec x;
		if (dec_mul(&x, target, score.n) != DEC_OK ||
		    dec_div(&pay, x, score.d, who->minor, v->rounding) != DEC_OK) {
			sb_finish(&parts);
			return arith(pl, r);
		}
	}
	sb_printf(&pl->reason, "%s of target %s", ratio_pct(b1, sizeof b1, score.n, score.d),
		  money(b2, sizeof b2, target, who->minor));
	if (p->target_from_level && dec_cmp(p->share, dec_from_int(1)) != 0)
		sb_printf(&pl->reason, " (%s of the level's target bonus %s)",
			  pct(b3, sizeof b3, p->share), money(b4, sizeof b4, level_target, who->minor));
	if (prorated)
		sb_printf(&pl->reason, " (prorated from %s)", money(b3, sizeof b3, full_target, who->minor));
	sb_printf(&pl->reason, ": %s", sb_cstr(&parts));
	if (zero)
		sb_printf(&pl->reason, "; %s the %s threshold: nothing paid", total_note,
			  pct(b3, sizeof b3, p->from));
	if (capped)
		sb_printf(&pl->reason, "; capped at %s", pct(b3, sizeof b3, p->cap));
	sb_finish(&parts);
	{
		dec sc;
		if (dec_div(&sc, score.n, score.d, 6, DEC_DOWN) == DEC_OK)
			det_dec(pl, "score", sc);
	}
	det_dec(pl, "target", target);
	if (p->has_cap)
		det_dec(pl, "cap", p->cap);
	if (p->has_from)
		det_dec(pl, "threshold", p->from);
	if (zero)
		return emit(pl, v, r, pix, "bonus", true, dec_zero(), "", r->slot, NULL);
	rc = emit(pl, v, r, pix, "bonus", true, pay, "", r->slot, NULL);
	return rc;
}

int plans_close_rule(plans *pl, const policy_version *v, const rule *r, uint32_t pix)
{
	if (!pl || !r->plan || r->kind != RULE_OBJECTIVE)
		return 0;
	return close_objective(pl, v, r, pix);
}

static const char *leave_word(plan_leave l)
{
	return l == LEAVE_RECOVER ? "recover" : l == LEAVE_FINAL_PAY ? "final_pay" : "write_off";
}

static int close_draw(plans *pl, const policy_version *v, const rule *r, uint32_t pix)
{
	const plan_rule *p = r->plan;
	bool dismissed;
	const person view = leaver_view(pl, pix, &dismissed), *who = &view;
	dec *bal = &pl->balance[(size_t)pix * pl->n_draws + (size_t)pl->draw_ix[r->slot]];
	char b1[64], b2[64], b3[64], b4[64], per[16];
	int err, rc;
	bool applies = draw_applies(pl, r, pix, who, &err);

	if (err)
		return err;
	period_format(per, pl->pkind, eval_period(pl->e));
	/* earnings: the period's pay from the rules listed, or all of it */
	dec earned = dec_zero();
	if (p->n_applies) {
		for (size_t i = 0; i < p->n_applies; i++)
			if (dec_add(&earned, earned, eval_rule_paid(pl->e, pix, p->applies_to[i])) != DEC_OK)
				return arith(pl, r);
	} else {
		earned = eval_earned(pl->e, pix);
	}
	dec amount = p->amount, full = p->amount, recovered = dec_zero();
	bool prorated = applies && prorate_person(pl, who, PRORATE_DRAW, &amount);
	if (applies && dec_cmp(earned, amount) < 0) {
		dec top, got;
		if (dec_sub(&top, amount, earned) != DEC_OK)
			return arith(pl, r);
		dec before = *bal;
		begin(pl);
		sb_printf(&pl->reason, "guaranteed %s for %s", money(b1, sizeof b1, amount, who->minor), per);
		if (prorated && dec_cmp(amount, full) != 0)
			sb_printf(&pl->reason, " (prorated from %s)", money(b2, sizeof b2, full, who->minor));
		sb_printf(&pl->reason, ", earned %s: draw of %s", money(b3, sizeof b3, earned, who->minor),
			  money(b4, sizeof b4, top, who->minor));
		if (p->recoverable) {
			dec after;
			dec r2;
			if (dec_round(&r2, top, who->minor, v->rounding) != DEC_OK ||
			    dec_add(&after, before, r2) != DEC_OK)
				return arith(pl, r);
			sb_printf(&pl->reason, ", recoverable: balance %s -> %s",
				  money(b1, sizeof b1, before, who->minor), money(b2, sizeof b2, after, who->minor));
		} else {
			sb_puts(&pl->reason, ", not recoverable");
		}
		det_dec(pl, "guaranteed", amount);
		det_dec(pl, "earned", earned);
		det_dec(pl, "balance_before", before);
		if ((rc = emit(pl, v, r, pix, "draw", true, top, "", r->slot, &got)))
			return rc;
		if (p->recoverable && dec_add(bal, *bal, got) != DEC_OK)
			return arith(pl, r);
	} else if (p->recoverable && dec_sign(*bal) > 0) {
		/* recover from this period's pay, at most the rate of it, never
		 * below the floor (nor below the guarantee while the draw applies) */
		dec floor = p->floor, by_rate, room, rec = *bal;
		if (applies && dec_cmp(amount, floor) > 0)
			floor = amount;
		if (dec_mul(&by_rate, earned, p->recovery_rate) != DEC_OK ||
		    dec_round(&by_rate, by_rate, who->minor, DEC_DOWN) != DEC_OK ||
		    dec_sub(&room, earned, floor) != DEC_OK)
			return arith(pl, r);
		if (dec_cmp(by_rate, rec) < 0)
			rec = by_rate;
		if (dec_cmp(room, rec) < 0)
			rec = room;
		if (dec_sign(rec) > 0) {
			dec before = *bal, after, got;
			if (dec_sub(&after, before, rec) != DEC_OK)
				return arith(pl, r);
			begin(pl);
			sb_printf(&pl->reason, "recovers %s of the draw balance %s from earnings of %s",
				  money(b1, sizeof b1, rec, who->minor), money(b2, sizeof b2, before, who->minor),
				  money(b3, sizeof b3, earned, who->minor));
			sb_printf(&pl->reason, " (at most %s of them, pay kept at or above %s)",
				  pct(b4, sizeof b4, p->recovery_rate), money(b1, sizeof b1, floor, who->minor));
			sb_printf(&pl->reason, ": balance %s -> %s", money(b2, sizeof b2, before, who->minor),
				  money(b3, sizeof b3, after, who->minor));
			det_dec(pl, "earned", earned);
			det_dec(pl, "recovery_rate", p->recovery_rate);
			det_dec(pl, "floor", floor);
			det_dec(pl, "balance_before", before);
			det_dec(pl, "balance_after", after);
			if ((rc = emit(pl, v, r, pix, "draw_recovery", true, dec_neg(rec), "", r->slot, &got)))
				return rc;
			if (dec_add(bal, *bal, got) != DEC_OK || dec_sub(&recovered, recovered, got) != DEC_OK)
				return arith(pl, r);
		}
	}
	/* a person leaving in this period: the open balance as declared */
	int32_t cur = eval_period(pl->e);
	if (p->recoverable && dec_sign(*bal) > 0 && who->has_left &&
	    period_of(pl->pkind, who->left) == cur) {
		dec before = *bal, take = dec_zero();
		char l[11];
		date_format(l, who->left);
		if (p->on_leave == LEAVE_RECOVER) {
			take = before;
		} else if (p->on_leave == LEAVE_FINAL_PAY) {
			/* the final period's earnings not yet recovered (a draw
			 * paid this period is not earnings) */
			dec left_pay;
			if (dec_sub(&left_pay, earned, recovered) != DEC_OK)
				return arith(pl, r);
			take = dec_sign(left_pay) > 0 ? left_pay : dec_zero();
			if (dec_cmp(take, before) > 0)
				take = before;
		}
		if (dec_sign(take) > 0) {
			dec got;
			begin(pl);
			sb_printf(&pl->reason, "%s %s %s: %s of the draw balance %s recovered (on_leave: %s)",
				  who->id, dismissed ? "dismissed effective" : "left on", l, money(b1, sizeof b1, take, who->minor),
				  money(b2, sizeof b2, before, who->minor), leave_word(p->on_leave));
			det_dec(pl, "balance_before", before);
			det(pl, "on_leave", "%s", leave_word(p->on_leave));
			if ((rc = emit(pl, v, r, pix, "draw_recovery", true, dec_neg(take), "", r->slot, &got)))
				return rc;
			if (dec_add(bal, *bal, got) != DEC_OK)
				return arith(pl, r);
		}
		if (dec_sign(*bal) > 0) {
			begin(pl);
			sb_printf(&pl->reason, "%s %s %s: the draw balance of %s is written off (on_leave: %s)",
				  who->id, dismissed ? "dismissed effective" : "left on", l, money(b1, sizeof b1, *bal, who->minor), leave_word(p->on_leave));
			det_dec(pl, "written_off", *bal);
			det(pl, "on_leave", "%s", leave_word(p->on_leave));
			if ((rc = emit(pl, v, r, pix, "draw_written_off", false, dec_zero(), "", UINT32_MAX,
				       NULL)))
				return rc;
			*bal = dec_zero();
		}
		return 0;
	}
	if (p->recoverable && dec_sign(*bal) > 0) {
		begin(pl);
		sb_printf(&pl->reason, "draw balance %s carried over after %s",
			  money(b1, sizeof b1, *bal, who->minor), per);
		det_dec(pl, "balance", *bal);
		return emit(pl, v, r, pix, "draw_balance", false, dec_zero(), "", UINT32_MAX, NULL);
	}
	return 0;
}

int plans_close_person(plans *pl, const policy_version *v, uint32_t pix)
{
	int rc;

	if (!pl || !pl->any_draw || !v)
		return 0;
	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		if (r->kind == RULE_DRAW && r->plan && (rc = close_draw(pl, v, r, pix)))
			return rc;
	}
	return 0;
}

void plans_period_reset(plans *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->n_dirty; i++) {
		uint32_t pix = pl->dirty_list[i];
		memset(&pl->tally[(size_t)pix * pl->n_tallies], 0, pl->n_tallies * sizeof(dec));
		pl->dirty[pix] = false;
	}
	pl->n_dirty = 0;
}

/* ---- carried state ------------------------------------------------------ */

typedef struct jsaver {
	bool oom;
} jsaver;

static json_object *js_str(jsaver *S, const char *s)
{
	json_object *o = json_object_new_string(s ? s : "");
	if (!o)
		S->oom = true;
	return o;
}

static json_object *js_dec(jsaver *S, dec d)
{
	char b[72];
	dec_format(b, sizeof b, dec_normalize(d), 0, false);
	return js_str(S, b);
}

static json_object *js_date(jsaver *S, date_t d)
{
	char b[11];
	date_format(b, d);
	return js_str(S, b);
}

static void js_put(jsaver *S, json_object *o, const char *key, json_object *v)
{
	if (!o || !v || json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		S->oom = true;
	}
}

static void js_push(jsaver *S, json_object *a, json_object *v)
{
	if (!a || !v || json_object_array_add(a, v) != 0) {
		json_object_put(v);
		S->oom = true;
	}
}

static json_object *js_obj(jsaver *S)
{
	json_object *o = json_object_new_object();
	if (!o)
		S->oom = true;
	return o;
}

static json_object *js_arr(jsaver *S)
{
	json_object *o = json_object_new_array();
	if (!o)
		S->oom = true;
	return o;
}

/* The version a rule pointer belongs to (for its label). */
static const policy_version *version_of_rule(const inc_policy *p, const rule *r)
{
	for (size_t i = 0; r && i < p->n_versions; i++) {
		const policy_version *v = &p->versions[i];
		if (v->n_rules && r >= v->rules && r < v->rules + v->n_rules)
			return v;
	}
	return NULL;
}

typedef struct draw_key {
	const char *person, *rule;
	dec balance;
} draw_key;

static int cmp_draw_key(const void *a, const void *b)
{
	const draw_key *x = a, *y = b;
	int c = strcmp(x->person, y->person);
	return c ? c : strcmp(x->rule, y->rule);
}

int plans_state_save(const plans *pl, struct json_object **out)
{
	jsaver S = {false};
	json_object *root = NULL, *draws = NULL, *deals = NULL;
	draw_key *keys = NULL;
	size_t n_keys = 0;

	*out = NULL;
	if (!pl)
		return 0;
	root = js_obj(&S);
	draws = js_arr(&S);
	deals = js_arr(&S);
	if (pl->n_draws && pl->ro->n_people) {
		keys = malloc(pl->ro->n_people * pl->n_draws * sizeof *keys);
		if (!keys)
			S.oom = true;
	}
	for (uint32_t pix = 0; keys && pix < pl->ro->n_people; pix++)
		for (uint32_t s = 0; s < pl->policy->n_rule_slots; s++) {
			int32_t di = pl->draw_ix[s];
			if (di < 0)
				continue;
			dec b = pl->balance[(size_t)pix * pl->n_draws + (size_t)di];
			if (dec_is_zero(b))
				continue;
			keys[n_keys].person = pl->ro->people[pix].id;
			keys[n_keys].rule = pl->policy->rule_slot_ids[s];
			keys[n_keys].balance = b;
			n_keys++;
		}
	if (n_keys > 1)
		qsort(keys, n_keys, sizeof *keys, cmp_draw_key);
	for (size_t i = 0; i < n_keys; i++) {
		json_object *x = js_obj(&S);
		js_put(&S, x, "person", js_str(&S, keys[i].person));
		js_put(&S, x, "rule", js_str(&S, keys[i].rule));
		js_put(&S, x, "balance", js_dec(&S, keys[i].balance));
		js_push(&S, draws, x);
	}
	for (size_t i = 0; i < pl->n_deals; i++) {
		const pdeal *d = pl->deal_v[i];
		json_object *x = js_obj(&S);
		js_put(&S, x, "id", js_str(&S, d->id));
		js_put(&S, x, "date", js_date(&S, d->date));
		js_put(&S, x, "total", js_dec(&S, d->total));
		if (d->has_fx) {
			json_object *f = js_obj(&S);
			js_put(&S, f, "currency", js_str(&S, d->ccy));
			js_put(&S, f, "rate", js_dec(&S, d->fx_rate));
			js_put(&S, f, "date", js_date(&S, d->fx_date));
			js_put(&S, x, "fx", f);
		}
		if (d->windfall) {
			json_object *w = js_obj(&S);
			js_put(&S, w, "credited", js_dec(&S, d->wf_num));
			js_put(&S, w, "amount", js_dec(&S, d->wf_den));
			js_put(&S, w, "rule", js_str(&S, d->wf_rule ? d->wf_rule->id : ""));
			js_put(&S, x, "windfall", w);
		}
		if (d->n_holds) {
			const policy_version *v = version_of_rule(pl->policy, d->earning);
			json_object *h = js_arr(&S);
			js_put(&S, x, "earning", js_str(&S, d->earning->id));
			js_put(&S, x, "earning_version", js_str(&S, v ? v->label : ""));
			js_put(&S, x, "paid", js_dec(&S, d->paid_cum));
			for (size_t k = 0; k < d->n_holds; k++) {
				const phold *hd = &d->holds[k];
				json_object *y = js_obj(&S);
				js_put(&S, y, "person", js_str(&S, pl->ro->people[hd->pix].id));
				js_put(&S, y, "rule", js_str(&S, pl->policy->rule_slot_ids[hd->slot]));
				js_put(&S, y, "held", js_dec(&S, hd->held));
				js_put(&S, y, "released", js_dec(&S, hd->released));
				js_put(&S, y, "cancelled", js_dec(&S, hd->cancelled));
				js_push(&S, h, y);
			}
			js_put(&S, x, "holds", h);
		}
		if (d->n_ovr) {
			json_object *o = js_arr(&S);
			js_put(&S, x, "overrides_refunded", js_dec(&S, d->ovr_refunded));
			for (size_t k = 0; k < d->n_ovr; k++) {
				const povr *ov = &d->ovr[k];
				json_object *y = js_obj(&S);
				js_put(&S, y, "manager", js_str(&S, pl->ro->people[ov->mgr].id));
				js_put(&S, y, "rule", js_str(&S, pl->policy->rule_slot_ids[ov->slot]));
				js_put(&S, y, "report", js_str(&S, ov->report));
				js_put(&S, y, "paid", js_dec(&S, ov->paid));
				js_put(&S, y, "reversed", js_dec(&S, ov->reversed));
				js_push(&S, o, y);
			}
			js_put(&S, x, "overrides", o);
		}
		js_push(&S, deals, x);
	}
	free(keys);
	js_put(&S, root, "draws", draws);
	js_put(&S, root, "deals", deals);
	if (S.oom) {
		json_object_put(root);
		return INC_ERROR;
	}
	*out = root;
	return 0;
}

typedef struct jloader {
	plans *pl;
	char *err;
	char at[96];
} jloader;

static bool jl_bad(jloader *J, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool jl_bad(jloader *J, const char *fmt, ...)
{
	strbuf sb;
	va_list ap;

	if (J->err)
		return false;
	sb_init(&sb);
	sb_printf(&sb, "%s: ", J->at);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	J->err = sb.oom ? NULL : strdup(sb_cstr(&sb));
	sb_finish(&sb);
	return false;
}

static json_object *jl_member(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

static bool jl_str(jloader *J, json_object *o, const char *key, const char **out)
{
	json_object *v = jl_member(o, key);
	if (!v || !json_object_is_type(v, json_type_string))
		return jl_bad(J, "%s: expected a string", key);
	*out = json_object_get_string(v);
	return true;
}

static bool jl_dec(jloader *J, json_object *o, const char *key, dec *out)
{
	const char *s = NULL;
	if (!jl_str(J, o, key, &s))
		return false;
	if (dec_parse(out, s, strlen(s), false) != DEC_OK)
		return jl_bad(J, "%s: '%s' is not a decimal number", key, s);
	return true;
}

static bool jl_date(jloader *J, json_object *o, const char *key, date_t *out)
{
	const char *s = NULL;
	if (!jl_str(J, o, key, &s))
		return false;
	if (date_parse(out, s, strlen(s)) != 0)
		return jl_bad(J, "%s: expected a date YYYY-MM-DD, got '%s'", key, s);
	return true;
}

static bool jl_person(jloader *J, json_object *o, const char *key, uint32_t *out)
{
	const char *s = NULL;
	if (!jl_str(J, o, key, &s))
		return false;
	int64_t pix = roster_find(J->pl->ro, s, strlen(s));
	if (pix < 0)
		return jl_bad(J, "%s: unknown person '%s'", key, s);
	*out = (uint32_t)pix;
	return true;
}

static bool jl_slot(jloader *J, json_object *o, const char *key, uint32_t *out)
{
	const char *s = NULL;
	if (!jl_str(J, o, key, &s))
		return false;
	for (uint32_t i = 0; i < J->pl->policy->n_rule_slots; i++)
		if (strcmp(J->pl->policy->rule_slot_ids[i], s) == 0) {
			*out = i;
			return true;
		}
	return jl_bad(J, "%s: the policy has no rule '%s'", key, s);
}

/* The rule with this id in the version labelled `label` (any version
 * when that one does not have it), or NULL. */
static const rule *rule_named(const inc_policy *p, const char *id, const char *label)
{
	const rule *any = NULL;
	for (size_t i = 0; i < p->n_versions; i++) {
		const policy_version *v = &p->versions[i];
		for (size_t k = 0; k < v->n_rules; k++) {
			if (strcmp(v->rules[k].id, id) != 0 || !v->rules[k].plan)
				continue;
			if (label && strcmp(v->label, label) == 0)
				return &v->rules[k];
			any = &v->rules[k];
		}
	}
	return any;
}

static bool load_plan_deal(jloader *J, json_object *x)
{
	plans *pl = J->pl;
	const char *id = NULL, *s = NULL;
	json_object *o, *a;
	date_t date;
	dec total;

	if (!x || !json_object_is_type(x, json_type_object))
		return jl_bad(J, "expected an object");
	if (!jl_str(J, x, "id", &id) || !jl_date(J, x, "date", &date) ||
	    !jl_dec(J, x, "total", &total))
		return false;
	if (find_deal(pl, id, strlen(id)))
		return jl_bad(J, "deal %s is in the state twice", id);
	pdeal *d = arena_alloc(&pl->mem, sizeof *d);
	uint32_t ix = (uint32_t)pl->n_deals;
	if (!d || GROW(pl->deal_v, pl->n_deals, pl->cap_deals) != 0 ||
	    !(d->id = arena_strdup(&pl->mem, id)) ||
	    strmap_put(&pl->deals, id, strlen(id), ix, NULL) < 0)
		return jl_bad(J, "out of memory");
	pl->deal_v[pl->n_deals++] = d;
	d->date = date;
	d->total = total;
	if ((o = jl_member(x, "fx"))) {
		if (!jl_str(J, o, "currency", &s) || !jl_dec(J, o, "rate", &d->fx_rate) ||
		    !jl_date(J, o, "date", &d->fx_date))
			return false;
		if (strlen(s) >= sizeof d->ccy)
			return jl_bad(J, "fx.currency: '%s' is not a currency code", s);
		strcpy(d->ccy, s);
		d->has_fx = true;
	}
	if ((o = jl_member(x, "windfall"))) {
		if (!jl_dec(J, o, "credited", &d->wf_num) || !jl_dec(J, o, "amount", &d->wf_den) ||
		    !jl_str(J, o, "rule", &s))
			return false;
		if (dec_sign(d->wf_den) <= 0)
			return jl_bad(J, "windfall.amount must be greater than 0");
		d->wf_rule = rule_named(pl->policy, s, NULL);
		d->windfall = true;
	}
	if ((a = jl_member(x, "holds"))) {
		const char *label = NULL;
		if (!json_object_is_type(a, json_type_array) || !jl_str(J, x, "earning", &s) ||
		    !jl_dec(J, x, "paid", &d->paid_cum))
			return J->err ? false : jl_bad(J, "holds: expected a list");
		json_object *lv = jl_member(x, "earning_version");
		if (lv && json_object_is_type(lv, json_type_string))
			label = json_object_get_string(lv);
		d->earning = rule_named(pl->policy, s, label);
		if (!d->earning || d->earning->kind != RULE_EARNING)
			return jl_bad(J, "earning: the policy has no earning rule '%s'", s);
		d->ver = version_of_rule(pl->policy, d->earning);
		size_t n = json_object_array_length(a);
		d->holds = arena_alloc(&pl->mem, (n ? n : 1) * sizeof *d->holds);
		if (!d->holds)
			return jl_bad(J, "out of memory");
		for (size_t k = 0; k < n; k++) {
			json_object *y = json_object_array_get_idx(a, k);
			phold *hd = &d->holds[k];
			size_t len = strlen(J->at);
			snprintf(J->at + len, sizeof J->at - len, ".holds[%zu]", k);
			if (!jl_person(J, y, "person", &hd->pix) || !jl_slot(J, y, "rule", &hd->slot) ||
			    !jl_dec(J, y, "held", &hd->held) || !jl_dec(J, y, "released", &hd->released) ||
			    !jl_dec(J, y, "cancelled", &hd->cancelled))
				return false;
			J->at[len] = '\0';
		}
		d->n_holds = n;
	}
	if ((a = jl_member(x, "overrides"))) {
		if (!json_object_is_type(a, json_type_array) ||
		    !jl_dec(J, x, "overrides_refunded", &d->ovr_refunded))
			return J->err ? false : jl_bad(J, "overrides: expected a list");
		size_t n = json_object_array_length(a);
		d->ovr = arena_alloc(&pl->mem, (n ? n : 1) * sizeof *d->ovr);
		if (!d->ovr)
			return jl_bad(J, "out of memory");
		for (size_t k = 0; k < n; k++) {
			json_object *y = json_object_array_get_idx(a, k);
			povr *ov = &d->ovr[k];
			uint32_t rep = 0;
			size_t len = strlen(J->at);
			snprintf(J->at + len, sizeof J->at - len, ".overrides[%zu]", k);
			if (!jl_person(J, y, "manager", &ov->mgr) || !jl_slot(J, y, "rule", &ov->slot) ||
			    !jl_person(J, y, "report", &rep) || !jl_dec(J, y, "paid", &ov->paid) ||
			    !jl_dec(J, y, "reversed", &ov->reversed))
				return false;
			ov->report = pl->ro->people[rep].id;
			J->at[len] = '\0';
		}
		d->n_ovr = n;
	}
	return true;
}

int plans_state_load(plans *pl, struct json_object *o, char **err)
{
	jloader J = {.pl = pl};
	json_object *a;

	*err = NULL;
	if (!o)
		return 0;
	if (!pl) /* the policy no longer uses pay plans: nothing to carry on */
		return 0;
	snprintf(J.at, sizeof J.at, "plans");
	if (!json_object_is_type(o, json_type_object)) {
		jl_bad(&J, "expected an object");
		goto done;
	}
	if ((a = jl_member(o, "draws"))) {
		if (!json_object_is_type(a, json_type_array)) {
			jl_bad(&J, "draws: expected a list");
			goto done;
		}
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *x = json_object_array_get_idx(a, i);
			uint32_t pix = 0, slot = 0;
			dec b = dec_zero();
			snprintf(J.at, sizeof J.at, "plans.draws[%zu]", i);
			if (!jl_person(&J, x, "person", &pix) || !jl_slot(&J, x, "rule", &slot) ||
			    !jl_dec(&J, x, "balance", &b))
				goto done;
			if (pl->draw_ix[slot] < 0) {
				jl_bad(&J, "rule: '%s' is not a draw rule", pl->policy->rule_slot_ids[slot]);
				goto done;
			}
			pl->balance[(size_t)pix * pl->n_draws + (size_t)pl->draw_ix[slot]] = b;
		}
	}
	if ((a = jl_member(o, "deals"))) {
		if (!json_object_is_type(a, json_type_array)) {
			snprintf(J.at, sizeof J.at, "plans");
			jl_bad(&J, "deals: expected a list");
			goto done;
		}
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			snprintf(J.at, sizeof J.at, "plans.deals[%zu]", i);
			if (!load_plan_deal(&J, json_object_array_get_idx(a, i)))
				goto done;
		}
	}
done:
	if (J.err) {
		*err = J.err;
		return INC_EINPUT;
	}
	return 0;
}
