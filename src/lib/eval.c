/*
 * eval.c: the evaluator.  See eval.h for the contract.
 *
 * Reading guide: eval_event() is the per-event path (split the credit,
 * run each rule of the event's version, remember what a later refund may
 * reverse); period_close() is the period-end path.  Every money figure is
 * a `dec`; a line is computed exactly and rounded once, in emit_money(), to
 * the person's currency with the version's rounding mode.
 */
#include "eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conduct.h"
#include "plans.h"
#include "fmt.h"
#include "sandbox.h"

/* Per person, per rule slot, per period. */
typedef struct racc {
	dec paid;	/* net money decided under this rule this period */
	dec base;	/* MEASURE_PERIOD: base total */
	dec rated;	/* MEASURE_PERIOD: sum of base x rate x factors */
	dec running_pay;/* MEASURE_PERIOD, marginal multipliers: exact pay */
	uint32_t n;	/* events counted */
	uint64_t rows_used; /* MEASURE_PERIOD: rate rows used (bit i: row i+1) */
} racc;

typedef struct pstate {
	dec credited;
	dec earned;
	bool touched;
	bool acc_dirty; /* acc_of was called for it this period */
	bool quota_warned;
	/* the quota of quota_period, looked up once (roster_quota is a
	 * binary search; the default policy asks twice per deal) */
	bool quota_cached, has_quota;
	int32_t quota_period;
	dec quota;
} pstate;

/* A deal a later refund may claw back (deal_rec, deal_part in eval.h):
 * what each credited person was paid under each reversible rule. */

/* One credited person of the event being evaluated. */
typedef struct part {
	uint32_t pix;
	const person *who;
	dec pct;
	dec credit_before, credit_after;
	bool skip;	/* dismissed before the event: earns nothing */
} part;

struct evaluator {
	eval_config cfg;
	const inc_policy *policy;
	period_kind pkind;

	int32_t cur_period;
	bool have_period;
	bool emitting;

	size_t n_people;
	uint32_t n_slots;
	pstate *ps;
	racc *acc;		/* n_people x n_slots */
	uint32_t *touched;	/* people touched this period */
	size_t n_touched;

	/* reversible rule slots (targets of some clawback) */
	int32_t *rev_ix;	/* slot -> index or -1 */
	uint32_t n_rev;
	bool *deal_type;	/* type slot -> keep deal records */

	strmap deals;		/* event id -> index in deal_recs */
	deal_rec **deal_recs;
	size_t n_deals, cap_deals;
	arena deal_mem;

	sandbox **sandboxes;	/* per version, created on first use */

	pcre2_match_data *md;
	pcre2_match_context *mctx;

	/* scratch for the current event */
	part *parts;
	size_t cap_parts;
	dec *shares;		/* n_fields x n_parts */
	size_t cap_shares;
	dec *event_paid;	/* n_parts x n_rev */
	size_t cap_event_paid;

	uint64_t seq;
	/* what the sink uses: reasons and details are built only then
	 * (eval_config.omit_*); skipping the details saves ~20% of the time
	 * of a csv run, skipping both ~45% (bench/README.md) */
	bool want_reason, want_detail;
	/* warnings nobody reads are counted, not formatted (~490 instructions
	 * an event on the default policy with --quiet: its conduct warnings) */
	bool want_warnings;
	/* the period of the last date seen (eval_event) */
	bool pof_valid;
	date_t pof_date;
	int32_t pof_period;
	strbuf tiers_used;	/* the "tiers" detail of a commission line */
	/* texts handed to scripts, made once per period / date (~1,000
	 * instructions a script call otherwise); INT32_MIN: none yet */
	int32_t texts_period;
	char period_name[16], period_first[11], period_last[11];
	date_t texts_date;
	char date_text[11];
	strbuf reason, events, tmp;
	strbuf detail;		/* "key":"value" pairs of the next decision */
	strbuf detail_out;
	strbuf scratch;
	char *err;

	struct cc_state *cc;	/* conduct and careers (conduct.h) */
	date_t now;		/* the event's date, or the period's last day */

	struct plans *plans;	/* pay plans (plans.h), NULL when unused */
};

/* ---- small helpers ----------------------------------------------------- */

static int fail(evaluator *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(evaluator *e, int code, const char *fmt, ...)
{
	strbuf sb;
	va_list ap;

	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	free(e->err);
	e->err = sb.oom ? NULL : strdup(sb_cstr(&sb));
	sb_finish(&sb);
	return code;
}

static int arith(evaluator *e, const rule *r)
{
	return fail(e, INC_EARITH, "rule %s: arithmetic overflow on the money path",
		    r ? r->id : "(none)");
}

/* Money for reasons: grouped, at least the currency's decimals, and no
 * trailing zeros beyond them (an exact 24,710.0000 shows as 24,710.00). */
static const char *money_str(char *buf, size_t cap, dec d, int minor)
{
	dec_format(buf, cap, dec_normalize(d), minor, true);
	return buf;
}

static const char *pct_str(char *buf, size_t cap, dec fraction)
{
	dec_format_percent(buf, cap, fraction);
	return buf;
}

/* ---- decision details (for explain): flat JSON of exact figures ---- */

static void json_escape(strbuf *sb, const char *s)
{
	fmt_sb_json_inner(sb, s);
}

static void det(evaluator *e, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void det_key(evaluator *e, const char *key)
{
	fmt_append(&e->detail, ",\"", 2);
	fmt_puts(&e->detail, key);
	fmt_append(&e->detail, "\":\"", 3);
}

static void det_raw(evaluator *e, const char *key, const char *text)
{
	if (!e->want_detail)
		return;
	det_key(e, key);
	json_escape(&e->detail, text);
	fmt_putc(&e->detail, '"');
}

static void det_int(evaluator *e, const char *key, int64_t v)
{
	if (!e->want_detail)
		return;
	det_key(e, key);
	fmt_sb_i64(&e->detail, v);
	fmt_putc(&e->detail, '"');
}

static void det(evaluator *e, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (!e->want_detail)
		return;
	sb_reset(&e->scratch);
	va_start(ap, fmt);
	sb_vprintf(&e->scratch, fmt, ap);
	va_end(ap);
	if (e->scratch.oom) /* the detail would be cut: fail at emit */
		e->detail.oom = true;
	det_raw(e, key, sb_cstr(&e->scratch));
}

static void det_dec(evaluator *e, const char *key, dec d)
{
	if (!e->want_detail)
		return;
	/* a number needs no JSON escaping */
	det_key(e, key);
	fmt_sb_dec(&e->detail, d, 0, false);
	fmt_putc(&e->detail, '"');
}

/* Starts a new decision: clears its reason and details. */
static void begin(evaluator *e)
{
	sb_reset(&e->reason);
	sb_reset(&e->detail);
}

/* Attainment credited/quota as "104.00%" (truncated, never rounded up:
 * 99.996% shows as 99.99%). */
static const char *attain_str(char *buf, size_t cap, dec credited, dec quo)
{
	dec f, pct;

	if (dec_sign(quo) <= 0 ||
	    dec_div(&f, credited, quo, 4, DEC_FLOOR) != DEC_OK ||
	    dec_mul(&pct, f, dec_from_int(100)) != DEC_OK ||
	    dec_round(&pct, pct, 2, DEC_FLOOR) != DEC_OK) {
		snprintf(buf, cap, "n/a");
		return buf;
	}
	size_t n = dec_format(buf, cap > 1 ? cap - 1 : cap, pct, 2, false);
	if (n + 1 < cap) {
		buf[n] = '%';
		buf[n + 1] = '\0';
	}
	return buf;
}

/* Person pix's accumulator of rule slot; marks the person's row to be
 * cleared at the period's end.  The rows are calloc'd and cleared only
 * when used: a person with a quota and no sale never writes to (so never
 * makes the system back) its n_slots x 144 bytes (the default policy has
 * 17 slots: 1M people, 2.4 GB of page faults and zeroing at the first
 * period's end when every row was cleared; peak RSS 3.56 -> 1.93 GB). */
static racc *acc_of(evaluator *e, uint32_t pix, uint32_t slot)
{
	e->ps[pix].acc_dirty = true;
	return &e->acc[(size_t)pix * e->n_slots + slot];
}

/* The same, to read only. */
static const racc *acc_peek(const evaluator *e, uint32_t pix, uint32_t slot)
{
	return &e->acc[(size_t)pix * e->n_slots + slot];
}

static void touch(evaluator *e, uint32_t pix)
{
	if (!e->ps[pix].touched) {
		e->ps[pix].touched = true;
		e->touched[e->n_touched++] = pix;
	}
}

static bool quota_of(evaluator *e, uint32_t pix, dec *q)
{
	pstate *ps = &e->ps[pix];

	if (!ps->quota_cached || ps->quota_period != e->cur_period) {
		ps->has_quota = roster_quota(e->cfg.roster, pix, e->cur_period,
					     &ps->quota);
		/* hired or leaving inside the period (plans.c) */
		if (ps->has_quota && e->plans)
			plans_prorate(e->plans, pix, PRORATE_QUOTA, &ps->quota);
		ps->quota_period = e->cur_period;
		ps->quota_cached = true;
	}
	if (ps->has_quota)
		*q = ps->quota;
	return ps->has_quota;
}

static void warn(evaluator *e, const char *file, uint64_t line,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void warn(evaluator *e, const char *file, uint64_t line,
		 const char *fmt, ...)
{
	strbuf sb;
	va_list ap;
	inc_diag d;

	if (!e->emitting)
		return;
	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	if (e->cfg.stats)
		e->cfg.stats->warnings++;
	if (e->cfg.diag && !sb.oom) {
		memset(&d, 0, sizeof d);
		d.file = file;
		d.line = (uint32_t)line;
		d.severity = INC_SEV_WARNING;
		d.message = sb_cstr(&sb);
		e->cfg.diag(e->cfg.diag_ud, &d);
	}
	sb_finish(&sb);
}

/* Emits a decision.  Money amounts are rounded here, once, to the person's
 * currency; *rounded (if not NULL) receives what was decided. */
static int emit_money(evaluator *e, const policy_version *v, const rule *r,
		      uint32_t pix, const char *kind, dec exact, dec *rounded)
{
	const person *who = &e->cfg.roster->people[pix];
	eval_decision d;
	dec amt;
	int rc;

	if (dec_round(&amt, exact, who->minor, v->rounding) != DEC_OK)
		return arith(e, r);
	if (rounded)
		*rounded = amt;
	if (dec_add(&e->ps[pix].earned, e->ps[pix].earned, amt) != DEC_OK)
		return arith(e, r);
	touch(e, pix);
	if (!e->emitting) {
		sb_reset(&e->detail);
		/* a payment to a person on hold is held (conduct.c) */
		return cc_after_money(e->cc, v, r, pix, amt, sb_cstr(&e->events));
	}
	if (e->reason.oom || e->events.oom || e->detail.oom)
		return fail(e, INC_ERROR, "out of memory");
	sb_reset(&e->detail_out);
	if (e->want_detail) {
		static const char *const modes[] = {"half_up", "half_even", "down", "floor"};
		fmt_puts(&e->detail_out, "{\"exact\":\"");
		fmt_sb_dec(&e->detail_out, exact, 0, false);
		fmt_puts(&e->detail_out, "\",\"rounding\":\"");
		fmt_puts(&e->detail_out, modes[v->rounding]);
		fmt_puts(&e->detail_out, "\",\"decimals\":\"");
		fmt_sb_i64(&e->detail_out, who->minor);
		fmt_putc(&e->detail_out, '"');
		fmt_append(&e->detail_out, e->detail.len ? e->detail.buf : "", e->detail.len);
		fmt_putc(&e->detail_out, '}');
	}
	if (e->detail_out.oom)
		return fail(e, INC_ERROR, "out of memory");
	memset(&d, 0, sizeof d);
	d.period = e->cur_period;
	d.who = who;
	d.kind = kind;
	d.has_amount = true;
	d.amount = amt;
	d.detail = e->want_detail ? sb_cstr(&e->detail_out) : NULL;
	d.rule = r;
	d.version = v;
	d.events = sb_cstr(&e->events);
	d.reason = e->want_reason ? sb_cstr(&e->reason) : NULL;
	e->seq++;
	rc = e->cfg.emit(e->cfg.emit_ud, &d);
	sb_reset(&e->detail);
	if (rc != 0)
		return fail(e, INC_ERROR, "output failed");
	return cc_after_money(e->cc, v, r, pix, amt, sb_cstr(&e->events));
}

/* ---- conditions -------------------------------------------------------- */

static int value_cmp(const value *a, const value *b)
{
	switch (a->type) {
	case FT_MONEY:
	case FT_DECIMAL:
		return dec_cmp(a->u.d, b->u.d);
	case FT_INTEGER:
		return (a->u.i > b->u.i) - (a->u.i < b->u.i);
	case FT_DATE:
		return (a->u.date > b->u.date) - (a->u.date < b->u.date);
	case FT_ENUM:
		return (a->u.ix > b->u.ix) - (a->u.ix < b->u.ix);
	default: {
		uint32_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
		int c = memcmp(a->u.str.s, b->u.str.s, n);
		if (c)
			return c;
		return (a->u.str.len > b->u.str.len) - (a->u.str.len < b->u.str.len);
	}
	}
}

/* Returns 1 when the test holds, 0 when not, or a negative code. */
static int cond_holds(evaluator *e, const rule *r, const cond *c,
		      const event *ev, const person *who)
{
	value subj;
	const char *s = NULL;

	if (c->subject == SUBJ_FIELD) {
		const field_value *fv = &ev->fields[c->field];
		if (!fv->present)
			return c->op == COND_NE;
		subj = fv->v;
	} else {
		s = c->subject == SUBJ_PERSON_ID ? who->id
		    : c->subject == SUBJ_PERSON_LEVEL
			? eval_person_level(e, who->index, e->now)
			: who->team;
		subj.type = FT_STRING;
		subj.u.str.s = s;
		subj.u.str.len = (uint32_t)strlen(s);
	}

	if (c->op == COND_MATCH) {
		/* the pattern's literal prefix first: most rows fail on it */
		if (c->lit_len) {
			if (subj.u.str.len < c->lit_len ||
			    memcmp(subj.u.str.s, c->lit, c->lit_len) != 0)
				return 0;
			if (c->lit_exact)
				return 1;
		}
		int rc = pcre2_match(c->re, (PCRE2_SPTR)subj.u.str.s,
				     subj.u.str.len, 0, 0, e->md, e->mctx);
		if (rc >= 0)
			return 1;
		if (rc == PCRE2_ERROR_NOMATCH)
			return 0;
		if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
		    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
			return fail(e, INC_ELIMIT,
				    "rule %s: pattern '%s' hit the PCRE2 match limit on event %.*s "
				    "(%s:%u): the pattern backtracks too much; simplify it",
				    r->id, c->text, (int)ev->id_len, ev->id,
				    c->loc.file, c->loc.line);
		return fail(e, INC_ERROR, "rule %s: pattern match failed (%d)",
			    r->id, rc);
	}
	if (c->op == COND_IN) {
		for (size_t i = 0; i < c->n_set; i++)
			if (value_cmp(&subj, &c->set[i]) == 0)
				return 1;
		return 0;
	}
	int k = value_cmp(&subj, &c->v);
	switch (c->op) {
	case COND_EQ: return k == 0;
	case COND_NE: return k != 0;
	case COND_LT: return k < 0;
	case COND_LE: return k <= 0;
	case COND_GT: return k > 0;
	case COND_GE: return k >= 0;
	default: return 0;
	}
}

static int conds_hold(evaluator *e, const rule *r, const cond_list *l,
		      const event *ev, const person *who)
{
	for (size_t i = 0; i < l->n; i++) {
		int rc = cond_holds(e, r, &l->items[i], ev, who);
		if (rc != 1)
			return rc;
	}
	return 1;
}

/* ---- exact splitting ---------------------------------------------------- */

/* Splits `total` (at most `minor` decimals) by percentages so the parts add
 * up to the total: each part is rounded toward zero, and the units left
 * over go one at a time to the largest remainders (ties: listed order). */
static int split_exact(const dec total, const part *parts, size_t n, int minor,
		       dec *out)
{
	dec sum = dec_zero();
	dec rem[64];
	bool given[64];
	dec hundred = dec_from_int(100);
	int sign = dec_sign(total);
	dec abs_total = sign < 0 ? dec_neg(total) : total;

	if (n == 1) {
		out[0] = total;
		return 0;
	}
	if (n > 64)
		return INC_ERROR;
	/* a total with more decimals than the currency (an amount converted
	 * exactly, plans.c) is split exactly, to its own last decimal */
	if (!dec_fits_scale(abs_total, minor))
		minor = dec_normalize(abs_total).scale + 6;
	for (size_t i = 0; i < n; i++) {
		dec x, q;
		if (dec_mul(&x, abs_total, parts[i].pct) != DEC_OK ||
		    dec_div(&x, x, hundred, DEC_MAX_SCALE - 2, DEC_DOWN) != DEC_OK)
			return INC_EARITH;
		if (dec_round(&q, x, minor, DEC_DOWN) != DEC_OK ||
		    dec_sub(&rem[i], x, q) != DEC_OK ||
		    dec_add(&sum, sum, q) != DEC_OK)
			return INC_EARITH;
		out[i] = q;
		given[i] = false;
	}
	dec left, unit;
	if (dec_sub(&left, abs_total, sum) != DEC_OK)
		return INC_EARITH;
	unit.coef = 1;
	unit.scale = minor;
	while (dec_sign(left) > 0) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (!given[i] && (best == n || dec_cmp(rem[i], rem[best]) > 0))
				best = i;
		if (best == n)
			return INC_EARITH; /* cannot happen: left < n units */
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

/* ---- tiers ---------------------------------------------------------------- */

/* The upper bound of band i in money: upto x quo for attainment bands. */
static bool band_bound(const tier_spec *t, size_t i, bool has_quota, dec quo,
		       dec *out)
{
	if (!t->bands[i].has_upto)
		return false;
	if (t->basis == TIER_AMOUNT) {
		*out = t->bands[i].upto;
		return true;
	}
	if (!has_quota)
		return false; /* no quo: every point is in the first band */
	if (dec_mul(out, t->bands[i].upto, quo) != DEC_OK)
		return false;
	return true;
}

static int band_rate(const tier_band *b, dec rate, dec *out)
{
	if (b->is_rate) {
		*out = b->value;
		return 0;
	}
	return dec_mul(out, rate, b->value) == DEC_OK ? 0 : INC_EARITH;
}

/* "tier 2 (x1.5)" or "tier 2 (9%)" */
static void band_label(strbuf *sb, const tier_spec *t, size_t i, dec rate)
{
	fmt_append(sb, "tier ", 5);
	fmt_sb_u64(sb, i + 1);
	if (t->bands[i].is_rate) {
		fmt_append(sb, " (", 2);
		fmt_sb_pct(sb, t->bands[i].value);
	} else {
		fmt_append(sb, " (x", 3);
		fmt_sb_dec(sb, dec_normalize(t->bands[i].value), 0, false);
	}
	fmt_putc(sb, ')');
	(void)rate;
}

/* Pay (exact) for `amount` of base occupying [lo, lo+amount) on the measure
 * axis.  Appends the tier story to `why` and the bands used to `used`
 * (either may be NULL: not wanted). */
static int tier_pay(const tier_spec *t, bool has_quota, dec quo, dec lo,
		    dec amount, dec rate, dec *pay, strbuf *why, int minor,
		    strbuf *used)
{
	dec hi, total = dec_zero();

	if (dec_add(&hi, lo, amount) != DEC_OK)
		return INC_EARITH;
	if (t->method == TIER_RETROACTIVE) {
		size_t i = 0;
		for (; i + 1 < t->n_bands; i++) {
			dec ub;
			if (!band_bound(t, i, has_quota, quo, &ub))
				break;
			int c = dec_cmp(hi, ub);
			if (t->boundary_upper ? c < 0 : c <= 0)
				break;
		}
		dec r;
		if (band_rate(&t->bands[i], rate, &r) != 0 ||
		    dec_mul(pay, amount, r) != DEC_OK)
			return INC_EARITH;
		if (why) {
			fmt_append(why, ", ", 2);
			band_label(why, t, i, rate);
		}
		if (used)
			fmt_sb_u64(used, i + 1);
		return 0;
	}
	/* marginal: each slice at its own band.  The long story ("X in tier
	 * 1 + Y in tier 2") is written into `why` as it goes and replaced by
	 * the short form when one band held it all: no second buffer. */
	bool have_prev = false;
	dec prev = dec_zero();
	size_t n_slices = 0, last_band = 0;
	size_t mark = why ? why->len : 0;
	for (size_t i = 0; i < t->n_bands; i++) {
		dec ub, from, to, slice, r, p;
		bool bounded = band_bound(t, i, has_quota, quo, &ub);
		from = (have_prev && dec_cmp(prev, lo) > 0) ? prev : lo;
		to = (bounded && dec_cmp(ub, hi) < 0) ? ub : hi;
		if (bounded) {
			prev = ub;
			have_prev = true;
		}
		if (dec_sub(&slice, to, from) != DEC_OK)
			return INC_EARITH;
		if (dec_sign(slice) > 0) {
			if (band_rate(&t->bands[i], rate, &r) != 0 ||
			    dec_mul(&p, slice, r) != DEC_OK ||
			    dec_add(&total, total, p) != DEC_OK)
				return INC_EARITH;
			if (why) {
				if (n_slices)
					fmt_append(why, " + ", 3);
				else
					fmt_append(why, ", ", 2);
				fmt_sb_money(why, slice, minor);
				fmt_append(why, " in ", 4);
				band_label(why, t, i, r);
			}
			if (used) {
				if (n_slices)
					fmt_putc(used, ',');
				fmt_sb_u64(used, i + 1);
			}
			n_slices++;
			last_band = i;
		}
		if (!bounded || dec_cmp(prev, hi) >= 0)
			break;
	}
	*pay = total;
	if (why && n_slices == 1 && !why->oom) {
		/* one band holds it all: the short form */
		why->len = mark;
		fmt_append(why, ", ", 2);
		band_label(why, t, last_band, rate);
	}
	return 0;
}

/* ---- rules on one event ------------------------------------------------- */

static const rate_row *pick_rate(evaluator *e, const rule *r, const event *ev,
				 const person *who, int *rc)
{
	const rate_row *best = NULL;
	size_t best_n = 0;

	*rc = 0;
	for (size_t i = 0; i < r->n_rates; i++) {
		const rate_row *row = &r->rates[i];
		int h = conds_hold(e, r, &row->when, ev, who);
		if (h < 0) {
			*rc = h;
			return NULL;
		}
		if (!h)
			continue;
		if (!r->select_most_specific)
			return row;
		if (!best || row->when.n > best_n) {
			best = row;
			best_n = row->when.n;
		}
	}
	return best;
}

static dec *share_of(evaluator *e, const event *ev, size_t n_parts, int field,
		     size_t k)
{
	return &e->shares[(size_t)field * n_parts + k];
}

static void events_one(evaluator *e, const event *ev)
{
	sb_reset(&e->events);
	sb_append(&e->events, ev->id, ev->id_len);
}

static int rule_commission(evaluator *e, const policy_version *v,
			   const rule *r, const event *ev, size_t n_parts)
{
	char b1[64];

	for (size_t k = 0; k < n_parts; k++) {
		const part *pt = &e->parts[k];
		const person *who = pt->who;
		int rc;
		if (pt->skip)
			continue;
		if (r->base_field == RULE_BASE_CREDITED) {
			/* paid at period end on the credited total: count */
			acc_of(e, pt->pix, r->slot)->n++;
			touch(e, pt->pix);
			continue;
		}
		const rate_row *row = pick_rate(e, r, ev, who, &rc);
		if (rc < 0)
			return rc;
		if (!row && r->n_rates > 0)
			continue;

		dec base, pay, rate = dec_from_int(1);
		bool per_unit = row && row->per_unit;
		begin(e);

		if (per_unit) {
			const field_value *u = &ev->fields[r->units_field];
			if (!u->present)
				continue;
			dec units = dec_from_int(u->v.u.i);
			if (n_parts > 1) {
				if (dec_mul(&units, units, pt->pct) != DEC_OK ||
				    dec_div(&units, units, dec_from_int(100), 6, DEC_HALF_EVEN) != DEC_OK)
					return arith(e, r);
			}
			if (dec_mul(&pay, units, row->rate) != DEC_OK)
				return arith(e, r);
			base = units;
			if (e->want_reason) {
				fmt_sb_money(&e->reason, row->rate, who->minor);
				fmt_puts(&e->reason, " per unit x ");
				fmt_sb_dec(&e->reason, dec_normalize(units), 0, true);
				fmt_puts(&e->reason, " units");
			}
		} else {
			if (!ev->fields[r->base_field].present)
				continue;
			base = *share_of(e, ev, n_parts, r->base_field, k);
			if (row)
				rate = row->rate;
			if (e->want_reason) {
				/* "8% of 12,500.00 (60% of 20,833.33): SW-ENT" */
				if (row) {
					fmt_sb_pct(&e->reason, rate);
					fmt_puts(&e->reason, " of ");
				} else {
					fmt_puts(&e->reason, "on ");
				}
				fmt_sb_money(&e->reason, base, who->minor);
				if (n_parts > 1) {
					fmt_puts(&e->reason, " (");
					fmt_sb_dec(&e->reason, dec_normalize(pt->pct), 0, false);
					fmt_puts(&e->reason, "% of ");
					fmt_sb_money(&e->reason, ev->fields[r->base_field].v.u.d,
						     who->minor);
					fmt_putc(&e->reason, ')');
				}
				if (row && row->label) {
					fmt_puts(&e->reason, ": ");
					fmt_puts(&e->reason, row->label);
				}
			}
		}
		/* factors: each table's first matching row multiplies (a
		 * product of one factor, or of none, needs no multiplying:
		 * ~110 instructions a commission on the peer benchmark) */
		dec factor = dec_from_int(1);
		bool scaled = false;
		for (size_t f = 0; f < r->n_factors; f++) {
			const factor_table *ft = &r->factors[f];
			for (size_t j = 0; j < ft->n_rows; j++) {
				int h = conds_hold(e, r, &ft->rows[j].when, ev, who);
				if (h < 0)
					return h;
				if (!h)
					continue;
				if (!scaled)
					factor = ft->rows[j].factor;
				else if (dec_mul(&factor, factor, ft->rows[j].factor) != DEC_OK)
					return arith(e, r);
				scaled = true;
				if (e->want_reason &&
				    dec_cmp(ft->rows[j].factor, dec_from_int(1)) != 0) {
					fmt_puts(&e->reason, ", ");
					fmt_puts(&e->reason, ft->name);
					fmt_puts(&e->reason, " x");
					fmt_sb_dec(&e->reason, dec_normalize(ft->rows[j].factor), 0, false);
				}
				break;
			}
		}
		if (!per_unit) {
			dec rf = rate;
			if (scaled && dec_mul(&rf, rate, factor) != DEC_OK)
				return arith(e, r);
			const tier_spec *t = r->tiers;
			dec quo = dec_zero();
			bool has_quota = t && quota_of(e, pt->pix, &quo);
			if (t && t->basis == TIER_ATTAINMENT && !has_quota &&
			    !e->ps[pt->pix].quota_warned) {
				e->ps[pt->pix].quota_warned = true;
				char pb[16];
				period_format(pb, e->pkind, e->cur_period);
				warn(e, ev->file, ev->line,
				     "%s has no quota for %s: rule %s puts all of their sales in its first tier",
				     who->id, pb, r->id);
			}
			if (t && t->measure == MEASURE_PERIOD) {
				/* paid at period end: accumulate */
				racc *a = acc_of(e, pt->pix, r->slot);
				dec rated;
				if (dec_mul(&rated, base, rf) != DEC_OK ||
				    dec_add(&a->base, a->base, base) != DEC_OK ||
				    dec_add(&a->rated, a->rated, rated) != DEC_OK)
					return arith(e, r);
				if (!t->bands[0].is_rate && t->method == TIER_MARGINAL) {
					dec p;
					rc = tier_pay(t, has_quota, quo, pt->credit_before, base, rf,
						      &p, NULL, who->minor, NULL);
					if (rc || dec_add(&a->running_pay, a->running_pay, p) != DEC_OK)
						return arith(e, r);
				}
				a->n++;
				if (row && row - r->rates < 64)
					a->rows_used |= UINT64_C(1) << (row - r->rates);
				touch(e, pt->pix);
				continue;
			}
			if (t) {
				dec lo = t->measure == MEASURE_RUNNING ? pt->credit_before : dec_zero();
				strbuf *used = e->want_detail ? &e->tiers_used : NULL;
				if (used)
					sb_reset(used);
				if (tier_pay(t, has_quota, quo, lo, base, rf, &pay,
					     e->want_reason ? &e->reason : NULL, who->minor,
					     used) != 0)
					return arith(e, r);
				if (used) {
					if (used->oom) /* the detail would be cut */
						e->detail.oom = true;
					det_raw(e, "tiers", sb_cstr(used));
				}
				if (e->want_reason && t->basis == TIER_ATTAINMENT && has_quota) {
					fmt_puts(&e->reason, " at ");
					fmt_puts(&e->reason,
						 attain_str(b1, sizeof b1,
							    t->measure == MEASURE_RUNNING ? pt->credit_after : base,
							    quo));
					fmt_puts(&e->reason, " attainment");
				}
			} else if (dec_mul(&pay, base, rf) != DEC_OK) {
				return arith(e, r);
			}
		} else if (scaled && dec_mul(&pay, pay, factor) != DEC_OK) {
			return arith(e, r);
		}

		/* (tested once: each det_ call copies its decimal even when
		 * nobody wants the detail, ~50 instructions a commission) */
		if (e->want_detail) {
			if (per_unit) {
				det_dec(e, "units", base);
				det_dec(e, "per_unit", row->rate);
			} else {
				det_dec(e, "base", base);
				det_dec(e, "rate", rate);
			}
			if (row) {
				det_int(e, "rate_row", (int64_t)(row - r->rates) + 1);
				if (row->label)
					det_raw(e, "rate_label", row->label);
			}
			det_dec(e, "factor", factor);
			if (n_parts > 1)
				det_dec(e, "share_pct", pt->pct);
			det_dec(e, "credited_before", pt->credit_before);
			det_dec(e, "credited_after", pt->credit_after);
			dec q;
			if (quota_of(e, pt->pix, &q))
				det_dec(e, "quota", q);
		}
		dec amt;
		events_one(e, ev);
		rc = emit_money(e, v, r, pt->pix, "commission", pay, &amt);
		if (rc)
			return rc;
		racc *a = acc_of(e, pt->pix, r->slot);
		if (dec_add(&a->paid, a->paid, amt) != DEC_OK)
			return arith(e, r);
		a->n++;
		if (e->rev_ix[r->slot] >= 0) {
			dec *p = &e->event_paid[k * e->n_rev + (size_t)e->rev_ix[r->slot]];
			if (dec_add(p, *p, amt) != DEC_OK)
				return arith(e, r);
		}
	}
	return 0;
}

static int rule_spiff(evaluator *e, const policy_version *v, const rule *r,
		      const event *ev, size_t n_parts)
{
	char b1[64], b2[64];
	dec amounts[64];

	if (r->has_window && (ev->date < r->from || ev->date > r->to))
		return 0;
	dec total = r->amount;
	const person *first = e->parts[0].who;
	if (r->per_unit) {
		const field_value *u = &ev->fields[r->units_field];
		if (!u->present)
			return 0;
		if (dec_mul(&total, r->amount, dec_from_int(u->v.u.i)) != DEC_OK)
			return arith(e, r);
	}
	bool split = false;

	for (size_t k = 0; k < n_parts; k++) {
		const part *pt = &e->parts[k];
		if (pt->skip)
			continue;
		int h = conds_hold(e, r, &r->when, ev, pt->who);
		if (h < 0)
			return h;
		if (!h)
			continue;
		/* the shares once some part earns it (most events earn no
		 * SPIFF: ~130 instructions an event on the peer benchmark) */
		if (!split &&
		    (dec_round(&total, total, first->minor, v->rounding) != DEC_OK ||
		     split_exact(total, e->parts, n_parts, first->minor, amounts) != 0))
			return arith(e, r);
		split = true;
		racc *a = acc_of(e, pt->pix, r->slot);
		dec amt;
		begin(e);
		if (e->want_reason) {
			/* "SPIFF 150.00, 60% share 90.00: product ~ ^SW-ENT-1" */
			fmt_puts(&e->reason, "SPIFF ");
			fmt_sb_money(&e->reason, total, pt->who->minor);
			if (n_parts > 1) {
				fmt_puts(&e->reason, ", ");
				fmt_sb_dec(&e->reason, dec_normalize(pt->pct), 0, false);
				fmt_puts(&e->reason, " share ");
				fmt_sb_money(&e->reason, amounts[k], pt->who->minor);
			}
			if (r->when.n > 0) {
				fmt_puts(&e->reason, ": ");
				for (size_t i = 0; i < r->when.n; i++) {
					if (i)
						fmt_puts(&e->reason, ", ");
					fmt_puts(&e->reason, r->when.items[i].text);
				}
			}
		}
		det_dec(e, "spiff_total", total);
		if (n_parts > 1)
			det_dec(e, "share_pct", pt->pct);
		det_dec(e, "paid_before", a->paid);
		if (r->has_cap)
			det_dec(e, "cap", r->cap);
		events_one(e, ev);
		int rc = emit_money(e, v, r, pt->pix, "spiff", amounts[k], &amt);
		if (rc)
			return rc;
		dec before = a->paid;
		if (dec_add(&a->paid, a->paid, amt) != DEC_OK)
			return arith(e, r);
		if (e->rev_ix[r->slot] >= 0) {
			dec *p = &e->event_paid[k * e->n_rev + (size_t)e->rev_ix[r->slot]];
			if (dec_add(p, *p, amt) != DEC_OK)
				return arith(e, r);
		}
		if (r->has_cap && dec_cmp(a->paid, r->cap) > 0) {
			/* withhold what is above the cap (never more than this line) */
			dec over, room;
			if (dec_sub(&over, a->paid, r->cap) != DEC_OK ||
			    dec_sub(&room, r->cap, before) != DEC_OK)
				return arith(e, r);
			if (dec_cmp(over, amt) > 0)
				over = amt;
			begin(e);
			if (e->want_reason)
				sb_printf(&e->reason, "SPIFF cap %s per period reached: %s withheld",
					  money_str(b1, sizeof b1, r->cap, pt->who->minor),
					  money_str(b2, sizeof b2, over, pt->who->minor));
			rc = emit_money(e, v, r, pt->pix, "cap_withheld", dec_neg(over), &amt);
			if (rc)
				return rc;
			if (dec_add(&a->paid, a->paid, amt) != DEC_OK)
				return arith(e, r);
			if (e->rev_ix[r->slot] >= 0) {
				dec *p = &e->event_paid[k * e->n_rev + (size_t)e->rev_ix[r->slot]];
				if (dec_add(p, *p, amt) != DEC_OK)
					return arith(e, r);
			}
		}
	}
	return 0;
}

static deal_rec *find_deal(evaluator *e, const char *id, size_t len)
{
	uint32_t ix;
	if (!strmap_get(&e->deals, id, len, &ix))
		return NULL;
	return e->deal_recs[ix];
}

/* The reason of a clawback line, with appenders rather than printf
 * (~180 instructions an event on the default policy, ~430 for overrides):
 * "reverses all|part of PAID RULE paid on DEAL (DATE)[ for REPORT's deal]:
 * refund of REFUND[ (CUM of TOTAL refunded so far)], N days after the
 * deal".  Shared by the reps' clawbacks here and the managers' override
 * reversals (plans.c). */
void eval_reversal_reason(strbuf *rs, bool whole, dec paid, const char *rule_id,
			  const char *deal, const char *deal_date, const char *report,
			  dec refund, dec cum, dec total, int64_t days, int minor)
{
	fmt_puts(rs, whole ? "reverses all of " : "reverses part of ");
	fmt_sb_money(rs, paid, minor);
	fmt_putc(rs, ' ');
	fmt_puts(rs, rule_id);
	fmt_puts(rs, " paid on ");
	fmt_puts(rs, deal);
	fmt_append(rs, " (", 2);
	fmt_puts(rs, deal_date);
	fmt_putc(rs, ')');
	if (report) {
		fmt_puts(rs, " for ");
		fmt_puts(rs, report);
		fmt_puts(rs, "'s deal");
	}
	fmt_puts(rs, ": refund of ");
	fmt_sb_money(rs, refund, minor);
	if (!whole) {
		fmt_append(rs, " (", 2);
		fmt_sb_money(rs, cum, minor);
		fmt_puts(rs, " of ");
		fmt_sb_money(rs, total, minor);
		fmt_puts(rs, " refunded so far)");
	}
	fmt_append(rs, ", ", 2);
	fmt_sb_i64(rs, days);
	fmt_puts(rs, " days after the deal");
}

static int rule_clawback(evaluator *e, const policy_version *v, const rule *r,
			 const event *ev, size_t n_parts)
{
	char b1[64], d1[11], d2[11];
	const field_value *ref = &ev->fields[r->ref_field];
	const person *refunder = e->parts[0].who;
	uint32_t refunder_pix = e->parts[0].pix;
	int rc;

	if (!ref->present)
		return 0;
	int h = conds_hold(e, r, &r->when, ev, refunder);
	if (h <= 0)
		return h;
	deal_rec *d = find_deal(e, ref->v.u.str.s, ref->v.u.str.len);
	sb_reset(&e->events);
	sb_append(&e->events, ev->id, ev->id_len);
	sb_putc(&e->events, ',');
	sb_append(&e->events, ref->v.u.str.s, ref->v.u.str.len);
	begin(e);
	if (!d) {
		sb_printf(&e->reason, "no clawback: nothing was recorded on %.*s",
			  (int)ref->v.u.str.len, ref->v.u.str.s);
		return emit_money(e, v, r, refunder_pix, "clawback", dec_zero(), NULL);
	}
	int32_t days = ev->date - d->date;
	date_format(d1, ev->date);
	date_format(d2, d->date);
	if (r->window_days >= 0 && days > r->window_days) {
		sb_printf(&e->reason,
			  "no clawback: refund on %s is %d days after %s (%s), outside the %d-day window",
			  d1, (int)days, d->id, d2, (int)r->window_days);
		return emit_money(e, v, r, refunder_pix, "clawback", dec_zero(), NULL);
	}
	dec refund = d->total;
	if (r->amount_field >= 0 && ev->fields[r->amount_field].present)
		refund = ev->fields[r->amount_field].v.u.d;
	dec cum;
	if (dec_add(&cum, d->refunded, refund) != DEC_OK)
		return arith(e, r);
	if (dec_cmp(cum, d->total) > 0) {
		warn(e, ev->file, ev->line,
		     "refunds of %s add up to more than its %s: reversing at most the whole deal",
		     d->id, money_str(b1, sizeof b1, d->total, refunder->minor));
		cum = d->total;
	}
	bool whole = dec_cmp(cum, d->total) == 0;

	for (size_t k = 0; k < d->n_parts; k++) {
		deal_part *dp = &d->parts[k];
		for (size_t i = 0; i < r->n_reverses; i++) {
			uint32_t slot = r->reverses[i];
			int32_t ri = e->rev_ix[slot];
			if (ri < 0)
				continue;
			dec paid = dp->paid[ri], target, delta, amt;
			if (dec_is_zero(paid) && dec_is_zero(dp->reversed[ri]))
				continue;
			if (whole) {
				target = paid;
			} else {
				dec x;
				if (dec_mul(&x, paid, cum) != DEC_OK ||
				    dec_div(&target, x, d->total,
					    e->cfg.roster->people[dp->person].minor,
					    v->rounding) != DEC_OK)
					return arith(e, r);
			}
			if (dec_sub(&delta, target, dp->reversed[ri]) != DEC_OK)
				return arith(e, r);
			dp->reversed[ri] = target;
			if (dec_is_zero(delta))
				continue;
			const person *who = &e->cfg.roster->people[dp->person];
			begin(e);
			if (e->want_reason) {
				/* the text of the printf it replaces, with appenders:
				 * ~180 instructions an event on the default policy */
				eval_reversal_reason(&e->reason, whole, paid,
						     e->policy->rule_slot_ids[slot], d->id, d2,
						     NULL, refund, cum, d->total, days, who->minor);
			}
			det_raw(e, "deal", d->id);
			det_raw(e, "deal_date", d2);
			det_raw(e, "reversed_rule", e->policy->rule_slot_ids[slot]);
			det_dec(e, "deal_total", d->total);
			det_dec(e, "refund", refund);
			det_dec(e, "refunded_total", cum);
			det_dec(e, "paid", paid);
			det_int(e, "days", days);
			if (r->window_days >= 0)
				det_int(e, "window_days", r->window_days);
			rc = emit_money(e, v, r, dp->person, "clawback", dec_neg(delta), &amt);
			if (rc)
				return rc;
			/* the reversal nets against the reversed rule's period total */
			racc *a = acc_of(e, dp->person, slot);
			if (dec_add(&a->paid, a->paid, amt) != DEC_OK)
				return arith(e, r);
		}
	}
	/* the refund lowers attainment, shared as the deal was */
	dec step;
	if (dec_sub(&step, cum, d->refunded) != DEC_OK)
		return arith(e, r);
	if (d->n_parts > 0 && d->n_parts <= 64) {
		part tmp[64];
		dec shares[64];
		for (size_t k = 0; k < d->n_parts; k++)
			tmp[k].pct = d->parts[k].pct;
		if (split_exact(step, tmp, d->n_parts,
				e->cfg.roster->people[d->parts[0].person].minor, shares) != 0)
			return arith(e, r);
		for (size_t k = 0; k < d->n_parts; k++) {
			pstate *ps = &e->ps[d->parts[k].person];
			if (dec_sub(&ps->credited, ps->credited, shares[k]) != DEC_OK)
				return arith(e, r);
			touch(e, d->parts[k].person);
		}
	}
	d->refunded = cum;
	(void)n_parts;
	return 0;
}

/* ---- scripts -------------------------------------------------------------- */

static int version_index(const evaluator *e, const policy_version *v)
{
	return (int)(v - e->policy->versions);
}

static int get_sandbox(evaluator *e, const policy_version *v, sandbox **out)
{
	int vi = version_index(e, v);
	if (!e->sandboxes[vi]) {
		char *err = NULL;
		int rc = sandbox_create(&e->sandboxes[vi], v, &err);
		if (rc) {
			fail(e, rc, "%s", err ? err : "cannot start the Lua sandbox");
			free(err);
			return rc;
		}
	}
	*out = e->sandboxes[vi];
	return 0;
}

static int run_script(evaluator *e, const policy_version *v, const rule *r,
		      const event *ev, const part *pt, dec share_pct)
{
	sandbox *sb;
	script_input in;
	script_output out = {0};
	script_kv kvs[64];
	char *err = NULL;
	int rc = get_sandbox(e, v, &sb);
	if (rc)
		return rc;

	memset(&in, 0, sizeof in);
	in.rule = r;
	if (ev) {
		sb_reset(&e->tmp);
		sb_append(&e->tmp, ev->id, ev->id_len);
		if (e->tmp.oom) /* the script would see an empty id */
			return fail(e, INC_ERROR, "out of memory");
		in.event_id = sb_cstr(&e->tmp);
		in.event_type = ev->type->name;
		if (e->texts_date != ev->date) {
			date_format(e->date_text, ev->date);
			e->texts_date = ev->date;
		}
		in.event_date = e->date_text;
		size_t n = ev->type->n_fields < 64 ? ev->type->n_fields : 64;
		for (size_t i = 0; i < n; i++) {
			const field_def *fd = &ev->type->fields[i];
			kvs[i].key = fd->name;
			kvs[i].present = ev->fields[i].present;
			kvs[i].v = ev->fields[i].v;
			kvs[i].enum_text = (fd->type == FT_ENUM && ev->fields[i].present)
						   ? fd->enum_values[ev->fields[i].v.u.ix]
						   : NULL;
		}
		in.fields = kvs;
		in.n_fields = n;
	}
	in.share = share_pct;
	in.person_id = pt->who->id;
	in.person_name = pt->who->name;
	in.person_level = eval_person_level(e, pt->pix, e->now);
	in.person_team = pt->who->team;
	in.currency = pt->who->currency;
	in.minor = pt->who->minor;
	if (e->texts_period != e->cur_period) {
		period_format(e->period_name, e->pkind, e->cur_period);
		date_format(e->period_first, period_start(e->pkind, e->cur_period));
		date_format(e->period_last, period_end(e->pkind, e->cur_period));
		e->texts_period = e->cur_period;
	}
	in.period = e->period_name;
	in.period_start = e->period_first;
	in.period_end = e->period_last;
	in.credited = e->ps[pt->pix].credited;
	in.has_quota = quota_of(e, pt->pix, &in.quota);
	in.earned = e->ps[pt->pix].earned;

	rc = sandbox_call(sb, &in, &out, &err);
	if (rc) {
		fail(e, rc, "%s", err ? err : "script failed");
		free(err);
		script_output_clear(&out);
		return rc;
	}
	for (size_t i = 0; i < out.n && rc == 0; i++) {
		script_decision *sd = &out.items[i];
		begin(e);
		sb_puts(&e->reason, sd->reason ? sd->reason : "");
		if (ev)
			events_one(e, ev);
		else
			sb_reset(&e->events);
		dec amt;
		det(e, "script", "%s", v->scripts[r->script].path);
		det(e, "function", "%s", r->function);
		if (sd->has_amount)
			det_dec(e, "returned", sd->amount);
		rc = emit_money(e, v, r, pt->pix, sd->kind,
				sd->has_amount ? sd->amount : dec_zero(), &amt);
		if (rc == 0) {
			racc *a = acc_of(e, pt->pix, r->slot);
			if (dec_add(&a->paid, a->paid, amt) != DEC_OK)
				rc = arith(e, r);
		}
	}
	script_output_clear(&out);
	return rc;
}

/* ---- period end ----------------------------------------------------------- */

static int close_commission(evaluator *e, const policy_version *v,
			    const rule *r, uint32_t pix)
{
	char b1[64], b2[64], b3[64];
	const person *who = &e->cfg.roster->people[pix];
	const racc *a = acc_peek(e, pix, r->slot);
	dec quo = dec_zero();
	bool has_quota = quota_of(e, pix, &quo);
	int rc;

	/* base: credited pays on what the person was credited (refunds
	 * deducted), every person active in the period */
	bool on_credited = r->base_field == RULE_BASE_CREDITED;
	dec period_base = on_credited ? e->ps[pix].credited : a->base;

	sb_reset(&e->events);
	if (r->tiers && r->tiers->measure == MEASURE_PERIOD &&
	    (a->n > 0 || on_credited)) {
		const tier_spec *t = r->tiers;
		dec pay;
		/* the bands and rate rows used, for explain and test coverage */
		strbuf used;
		sb_init(&used);
		begin(e);
		sb_printf(&e->reason, "period total %s",
			  money_str(b1, sizeof b1, period_base, who->minor));
		if (t->method == TIER_MARGINAL && !t->bands[0].is_rate) {
			dec span;
			strbuf ignored;
			pay = a->running_pay;
			sb_puts(&e->reason, ", each sale at the tier it reached");
			sb_init(&ignored);
			(void)tier_pay(t, has_quota, quo, dec_zero(), a->base, dec_from_int(1),
				       &span, &ignored, who->minor, &used);
			sb_finish(&ignored);
		} else if (t->bands[0].is_rate) {
			if (tier_pay(t, has_quota, quo, dec_zero(), period_base, dec_from_int(1),
				     &pay, &e->reason, who->minor, &used) != 0) {
				sb_finish(&used);
				return arith(e, r);
			}
		} else {
			/* retroactive multiplier on the rated total */
			dec m;
			if (tier_pay(t, has_quota, quo, dec_zero(), a->base, dec_from_int(1),
				     &m, &e->reason, who->minor, &used) != 0 ||
			    dec_is_zero(a->base))
				pay = dec_zero();
			else if (dec_div(&m, m, a->base, 12, DEC_HALF_EVEN) != DEC_OK ||
				 dec_mul(&pay, a->rated, m) != DEC_OK) {
				sb_finish(&used);
				return arith(e, r);
			}
		}
		if (used.oom) /* the detail would be cut: fail at emit */
			e->detail.oom = true;
		if (used.len)
			det(e, "tiers", "%s", sb_cstr(&used));
		sb_reset(&used);
		for (size_t i = 0; i < 64 && i < r->n_rates; i++)
			if (a->rows_used & (UINT64_C(1) << i))
				sb_printf(&used, "%s%zu", used.len ? "," : "", i + 1);
		if (used.oom)
			e->detail.oom = true;
		if (used.len)
			det(e, "rate_rows", "%s", sb_cstr(&used));
		sb_finish(&used);
		if (t->basis == TIER_ATTAINMENT && has_quota)
			sb_printf(&e->reason, " at %s attainment",
				  attain_str(b2, sizeof b2, e->ps[pix].credited, quo));
		sb_printf(&e->reason, " (%u events)", a->n);
		if (on_credited)
			det_dec(e, "credited", period_base);
		dec amt;
		rc = emit_money(e, v, r, pix, "commission", pay, &amt);
		if (rc)
			return rc;
		racc *w = acc_of(e, pix, r->slot);
		if (dec_add(&w->paid, w->paid, amt) != DEC_OK)
			return arith(e, r);
	}
	if (r->has_threshold && !dec_is_zero(a->paid)) {
		if (!has_quota) {
			char pb[16];
			period_format(pb, e->pkind, e->cur_period);
			warn(e, NULL, 0, "%s has no quota for %s: the %s threshold of rule %s is not applied",
			     who->id, pb, pct_str(b1, sizeof b1, r->threshold), r->id);
			return 0;
		}
		dec need;
		if (dec_mul(&need, r->threshold, quo) != DEC_OK)
			return arith(e, r);
		if (dec_cmp(e->ps[pix].credited, need) >= 0)
			return 0;
		begin(e);
		sb_printf(&e->reason,
			  "attainment %s is below the %s threshold: %s of %s withheld",
			  attain_str(b1, sizeof b1, e->ps[pix].credited, quo),
			  pct_str(b2, sizeof b2, r->threshold),
			  money_str(b3, sizeof b3, a->paid, who->minor), r->id);
		dec amt;
		det_dec(e, "credited", e->ps[pix].credited);
		det_dec(e, "quota", quo);
		det_dec(e, "threshold", r->threshold);
		det_dec(e, "period_commission", a->paid);
		rc = emit_money(e, v, r, pix, "threshold_withheld", dec_neg(a->paid), &amt);
		if (rc)
			return rc;
		racc *w = acc_of(e, pix, r->slot);
		if (dec_add(&w->paid, w->paid, amt) != DEC_OK)
			return arith(e, r);
	}
	return 0;
}

static int close_bonus(evaluator *e, const policy_version *v, const rule *r,
		       uint32_t pix)
{
	char b1[64], b2[64], b3[64], b4[64];
	const person *who = &e->cfg.roster->people[pix];
	dec quo, target;

	if (!quota_of(e, pix, &quo) || dec_sign(quo) <= 0)
		return 0;
	const bonus_band *band = NULL;
	for (size_t i = 0; i < r->n_bands; i++) {
		dec need;
		if (dec_mul(&need, r->bands[i].from, quo) != DEC_OK)
			return arith(e, r);
		if (dec_cmp(e->ps[pix].credited, need) >= 0 &&
		    (!band || dec_cmp(r->bands[i].from, band->from) > 0))
			band = &r->bands[i];
	}
	if (!band)
		return 0;
	if (r->target_from_level) {
		/* the level held on the period's last day (careers.c) */
		const char *lvl = eval_person_level(e, pix, e->now);
		int li = version_level(v, lvl, strlen(lvl));
		if (li < 0 || !v->levels[li].has_target_bonus) {
			warn(e, NULL, 0, "%s: level %s has no target_bonus in version %s: rule %s pays nothing",
			     who->id, lvl, v->label, r->id);
			return 0;
		}
		target = v->levels[li].target_bonus;
	} else {
		target = r->target;
	}
	/* hired or leaving inside the period (plans.c) */
	if (e->plans)
		plans_prorate(e->plans, pix, PRORATE_TARGET, &target);
	dec pay;
	if (dec_mul(&pay, target, band->pay) != DEC_OK)
		return arith(e, r);
	sb_reset(&e->events);
	begin(e);
	sb_printf(&e->reason, "%s of target bonus %s at %s attainment (band from %s)",
		  pct_str(b1, sizeof b1, band->pay),
		  money_str(b2, sizeof b2, target, who->minor),
		  attain_str(b3, sizeof b3, e->ps[pix].credited, quo),
		  pct_str(b4, sizeof b4, band->from));
	dec amt;
	det_dec(e, "target", target);
	det_dec(e, "band_from", band->from);
	det_dec(e, "pay_share", band->pay);
	det_dec(e, "credited", e->ps[pix].credited);
	det_dec(e, "quota", quo);
	int rc = emit_money(e, v, r, pix, "bonus", pay, &amt);
	if (rc)
		return rc;
	racc *a = acc_of(e, pix, r->slot);
	return dec_add(&a->paid, a->paid, amt) == DEC_OK ? 0 : arith(e, r);
}

static int close_cap(evaluator *e, const policy_version *v, const rule *r,
		     uint32_t pix)
{
	char b1[64], b2[64], b3[64];
	const person *who = &e->cfg.roster->people[pix];
	dec total = dec_zero(), over;

	for (size_t i = 0; i < r->n_applies; i++)
		if (dec_add(&total, total, acc_peek(e, pix, r->applies_to[i])->paid) != DEC_OK)
			return arith(e, r);
	if (dec_cmp(total, r->max) <= 0)
		return 0;
	if (dec_sub(&over, total, r->max) != DEC_OK)
		return arith(e, r);
	sb_reset(&e->events);
	begin(e);
	sb_printf(&e->reason, "earned %s from ", money_str(b1, sizeof b1, total, who->minor));
	for (size_t i = 0; i < r->n_applies; i++)
		sb_printf(&e->reason, "%s%s", i ? ", " : "",
			  e->policy->rule_slot_ids[r->applies_to[i]]);
	sb_printf(&e->reason, "; cap %s per period: %s withheld",
		  money_str(b2, sizeof b2, r->max, who->minor),
		  money_str(b3, sizeof b3, over, who->minor));
	dec amt;
	det_dec(e, "earned", total);
	det_dec(e, "max", r->max);
	int rc = emit_money(e, v, r, pix, "cap_withheld", dec_neg(over), &amt);
	if (rc)
		return rc;
	racc *a = acc_of(e, pix, r->slot);
	return dec_add(&a->paid, a->paid, amt) == DEC_OK ? 0 : arith(e, r);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Runs the period-end rules of the current period for every person who was
 * active in it or has a quo for it, in roster order, then resets the
 * period state. */
static int period_close(evaluator *e)
{
	const policy_version *v =
		policy_version_at(e->policy, period_end(e->pkind, e->cur_period));
	const roster *ro = e->cfg.roster;
	int rc = 0;

	/* duties and training deadlines missed by the period's last day */
	e->now = period_end(e->pkind, e->cur_period);
	rc = cc_period_begin(e->cc, e->cur_period);
	if (rc)
		return rc;
	/* people with a quo this period count as active even without sales */
	for (size_t q = 0; q < ro->n_quotas; q++)
		if (ro->quotas[q].period == e->cur_period)
			touch(e, ro->quotas[q].person);
	/* people a draw guarantees or recovers from, prorated quotas (plans.c) */
	plans_period_people(e->plans, v);
	qsort(e->touched, e->n_touched, sizeof *e->touched, cmp_u32);

	for (size_t t = 0; v && t < e->n_touched && rc == 0; t++) {
		uint32_t pix = e->touched[t];
		for (size_t i = 0; i < v->n_rules && rc == 0; i++) {
			const rule *r = &v->rules[i];
			switch (r->kind) {
			case RULE_COMMISSION:
				rc = close_commission(e, v, r, pix);
				break;
			case RULE_BONUS:
				/* a person dismissed before the period's end
				 * forfeits it (reported by conduct.c) */
				rc = cc_forfeits(e->cc, r, pix, e->cur_period);
				if (rc == 0)
					rc = close_bonus(e, v, r, pix);
				else if (rc > 0)
					rc = 0;
				break;
			case RULE_CAP:
				rc = close_cap(e, v, r, pix);
				break;
			case RULE_SCRIPT:
				if (r->at_period_end &&
				    (rc = cc_forfeits(e->cc, r, pix, e->cur_period)) == 0) {
					part pt = {.pix = pix, .who = &ro->people[pix],
						   .pct = dec_from_int(100)};
					rc = run_script(e, v, r, NULL, &pt, pt.pct);
				} else if (rc > 0) {
					rc = 0; /* forfeited */
				}
				break;
			case RULE_OBJECTIVE: /* pay plans (plans.c) */
				/* a bonus too: forfeited after a dismissal */
				rc = cc_forfeits(e->cc, r, pix, e->cur_period);
				if (rc == 0)
					rc = plans_close_rule(e->plans, v, r, pix);
				else if (rc > 0)
					rc = 0;
				break;
			default:
				break;
			}
		}
		/* draws see everything the person earned in the period */
		if (rc == 0)
			rc = plans_close_person(e->plans, v, pix);
	}
	/* fines carried over, appraisal, demotions and promotions */
	if (rc == 0)
		rc = cc_period_end(e->cc, v, e->cur_period);
	/* everyone's figures for the period (inc_run_options.period_figures) */
	for (size_t t = 0; rc == 0 && e->cfg.totals && e->emitting && v &&
			   t < e->n_touched; t++) {
		uint32_t pix = e->touched[t];
		eval_totals tt = {.period = e->cur_period, .who = &ro->people[pix],
				  .credited = e->ps[pix].credited,
				  .earned = e->ps[pix].earned};
		tt.has_quota = quota_of(e, pix, &tt.quota);
		if (e->cfg.totals(e->cfg.totals_ud, &tt) != 0)
			rc = fail(e, INC_ERROR, "output failed");
	}
	/* reset the period state of everyone touched */
	for (size_t t = 0; t < e->n_touched; t++) {
		uint32_t pix = e->touched[t];
		if (e->ps[pix].acc_dirty)
			memset(acc_of(e, pix, 0), 0, sizeof(racc) * e->n_slots);
		memset(&e->ps[pix], 0, sizeof e->ps[pix]);
	}
	e->n_touched = 0;
	plans_period_reset(e->plans);
	return rc;
}

/* ---- the per-event path ------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static int remember_deal(evaluator *e, const event *ev, size_t n_parts)
{
	deal_rec *d = arena_alloc(&e->deal_mem, sizeof *d);
	uint32_t ix = (uint32_t)e->n_deals;
	if (!d)
		return fail(e, INC_ERROR, "out of memory");
	d->id = arena_strndup(&e->deal_mem, ev->id, ev->id_len);
	d->type_slot = ev->type->slot;
	d->date = ev->date;
	int cf = ev->type->credit_field;
	if (cf < 0)
		for (size_t i = 0; i < ev->type->n_fields; i++)
			if (ev->type->fields[i].type == FT_MONEY) {
				cf = (int)i;
				break;
			}
	d->total = (cf >= 0 && ev->fields[cf].present) ? ev->fields[cf].v.u.d : dec_zero();
	d->n_parts = n_parts;
	d->parts = arena_alloc(&e->deal_mem, sizeof *d->parts * n_parts);
	if (!d->id || !d->parts)
		return fail(e, INC_ERROR, "out of memory");
	for (size_t k = 0; k < n_parts; k++) {
		deal_part *dp = &d->parts[k];
		dp->person = e->parts[k].pix;
		dp->pct = e->parts[k].pct;
		if (e->n_rev) {
			dp->paid = arena_alloc(&e->deal_mem, sizeof(dec) * e->n_rev * 2);
			if (!dp->paid)
				return fail(e, INC_ERROR, "out of memory");
			dp->reversed = dp->paid + e->n_rev;
			memcpy(dp->paid, &e->event_paid[k * e->n_rev], sizeof(dec) * e->n_rev);
		}
	}
	if (grow((void **)&e->deal_recs, &e->cap_deals, e->n_deals + 1, sizeof *e->deal_recs) ||
	    strmap_put(&e->deals, ev->id, ev->id_len, ix, NULL) < 0)
		return fail(e, INC_ERROR, "out of memory");
	e->deal_recs[e->n_deals++] = d;
	return 0;
}

/* Closes every period before p, including empty ones (so that quota
 * holders get their period end even in a period without events). */
static int advance_to(evaluator *e, int32_t p)
{
	while (e->cur_period < p) {
		e->emitting = !e->cfg.has_period || e->cur_period == e->cfg.period;
		int rc = period_close(e);
		if (rc)
			return rc;
		e->cur_period++;
	}
	return 0;
}

int eval_event(evaluator *e, const event *ev, char **err)
{
	const policy_version *v = ev->version;
	const event_type *ty = ev->type;
	int rc = 0;

	/* events come in date order: the period is worked out once per date
	 * (period_of splits the date into y/m/d: ~120 instructions) */
	if (!e->pof_valid || e->pof_date != ev->date) {
		e->pof_date = ev->date;
		e->pof_period = period_of(e->pkind, ev->date);
		e->pof_valid = true;
	}
	int32_t p = e->pof_period;
	size_t n_parts;

	/* dated in a period an earlier run closed (--state-in): counted and
	 * reported by conduct.c, not evaluated again */
	rc = cc_event_closed(e->cc, ev);
	if (rc) {
		rc = rc < 0 ? rc : 0;
		goto done;
	}
	if (!e->have_period) {
		e->cur_period = p;
		e->have_period = true;
	}
	if (e->cfg.has_period && p != e->cfg.period) {
		if (e->cfg.stats)
			e->cfg.stats->events_outside_period++;
		if (p > e->cfg.period) {
			/* after the period: close it, then nothing more is needed */
			rc = advance_to(e, e->cfg.period + 1);
			goto done;
		}
	}
	rc = advance_to(e, p);
	if (rc)
		goto done;
	/* before the period: evaluated silently so that state (deals a refund
	 * may reverse) is the same as in a run over everything */
	e->emitting = !e->cfg.has_period || p == e->cfg.period;
	e->now = ev->date;
	/* duties and deadlines missed by this date; an event of a dismissed
	 * person is reported and not evaluated (conduct.c) */
	rc = cc_event_begin(e->cc, ev);
	if (rc) {
		rc = rc < 0 ? rc : 0;
		goto done;
	}
	/* pay plans: amounts in another currency converted, a windfall deal
	 * limited; ev may become a copy with the changed amounts (plans.c) */
	rc = plans_event_begin(e->plans, &ev);
	if (rc)
		goto done;

	/* who is credited, and with what share */
	const field_value *sp = ty->split_field >= 0 ? &ev->fields[ty->split_field] : NULL;
	n_parts = (sp && sp->present) ? sp->n_parts : 1;
	if (grow((void **)&e->parts, &e->cap_parts, n_parts, sizeof *e->parts) ||
	    grow((void **)&e->shares, &e->cap_shares, n_parts * (ty->n_fields ? ty->n_fields : 1), sizeof(dec)) ||
	    grow((void **)&e->event_paid, &e->cap_event_paid, n_parts * (e->n_rev ? e->n_rev : 1), sizeof(dec))) {
		rc = fail(e, INC_ERROR, "out of memory");
		goto done;
	}
	for (size_t k = 0; k < n_parts; k++) {
		part *pt = &e->parts[k];
		pt->pix = (sp && sp->present) ? sp->parts[k].person : ev->person;
		pt->who = &e->cfg.roster->people[pt->pix];
		pt->pct = (sp && sp->present) ? sp->parts[k].pct : dec_from_int(100);
		pt->skip = false;
		if (n_parts > 1) {
			rc = cc_part_dismissed(e->cc, ev, pt->pix);
			if (rc < 0)
				goto done;
			pt->skip = rc > 0;
			rc = 0;
		}
	}
	memset(e->event_paid, 0, sizeof(dec) * n_parts * e->n_rev);
	for (size_t f = 0; f < ty->n_fields; f++) {
		if (ty->fields[f].type != FT_MONEY || !ev->fields[f].present)
			continue;
		rc = split_exact(ev->fields[f].v.u.d, e->parts, n_parts,
				 e->parts[0].who->minor, share_of(e, ev, n_parts, (int)f, 0));
		if (rc) {
			rc = fail(e, INC_EARITH, "event %.*s: cannot split %s exactly",
				  (int)ev->id_len, ev->id, ty->fields[f].name);
			goto done;
		}
	}
	for (size_t k = 0; k < n_parts; k++) {
		part *pt = &e->parts[k];
		pstate *ps = &e->ps[pt->pix];
		pt->credit_before = ps->credited;
		pt->credit_after = ps->credited;
		if (pt->skip)
			continue;
		if (ty->credit_field >= 0 && ev->fields[ty->credit_field].present &&
		    dec_add(&ps->credited, ps->credited,
			    *share_of(e, ev, n_parts, ty->credit_field, k)) != DEC_OK) {
			rc = arith(e, NULL);
			goto done;
		}
		pt->credit_after = ps->credited;
		touch(e, pt->pix);
	}

	/* violations, training, reports, approvals (conduct.c, careers.c) */
	rc = cc_event(e->cc, ev);
	if (rc)
		goto done;
	for (size_t i = 0; i < ty->n_rules && rc == 0; i++) {
		const rule *r = &v->rules[ty->rules[i]];
		if (r->at_period_end)
			continue;
		switch (r->kind) {
		case RULE_COMMISSION: {
			/* rule-level `when` is tested per credited person */
			bool any = false;
			for (size_t k = 0; k < n_parts && !any; k++) {
				int h = conds_hold(e, r, &r->when, ev, e->parts[k].who);
				if (h < 0) {
					rc = h;
					goto done;
				}
				any = h;
			}
			if (any)
				rc = rule_commission(e, v, r, ev, n_parts);
			break;
		}
		case RULE_SPIFF:
			rc = rule_spiff(e, v, r, ev, n_parts);
			break;
		case RULE_CLAWBACK:
			rc = rule_clawback(e, v, r, ev, n_parts);
			break;
		case RULE_SCRIPT:
			for (size_t k = 0; k < n_parts && rc == 0; k++) {
				if (e->parts[k].skip)
					continue;
				int h = conds_hold(e, r, &r->when, ev, e->parts[k].who);
				if (h < 0) {
					rc = h;
					goto done;
				}
				if (h)
					rc = run_script(e, v, r, ev, &e->parts[k], e->parts[k].pct);
			}
			break;
		case RULE_OVERRIDE:
		case RULE_EARNING: /* pay plans (plans.c) */
			rc = plans_rule_event(e->plans, v, r, ev, n_parts);
			break;
		default:
			break;
		}
	}
	/* holds, cancelled holds, reversed overrides, activity counts */
	if (rc == 0)
		rc = plans_event_end(e->plans, ev, n_parts);
	/* only deals that some refund refers to need remembering: memory
	 * grows with refunded deals, not with all deals */
	if (rc == 0 && (ev->referenced || e->cfg.keep_all_deals) &&
	    e->deal_type[ty->slot])
		rc = remember_deal(e, ev, n_parts);
done:
	if (rc && err) {
		*err = e->err;
		e->err = NULL;
	}
	return rc;
}

int eval_finish(evaluator *e, char **err)
{
	int rc = 0;
	if (e->cfg.has_period) {
		/* close the requested period even if no event reached it */
		if (!e->have_period) {
			e->cur_period = e->cfg.period;
			e->have_period = true;
		}
		rc = advance_to(e, e->cfg.period + 1);
	} else if (e->have_period) {
		rc = advance_to(e, e->cur_period + 1);
	}
	e->have_period = false;
	if (rc && err) {
		*err = e->err;
		e->err = NULL;
	}
	return rc;
}

/* ---- lifetime ----------------------------------------------------------- */

int eval_create(evaluator **out, const eval_config *cfg, char **err)
{
	evaluator *e = calloc(1, sizeof *e);
	const inc_policy *p = cfg->policy;
	int rc = INC_ERROR;

	if (!e)
		goto oom;
	e->cfg = *cfg;
	e->policy = p;
	e->pkind = p->versions[0].period;
	e->n_people = cfg->roster->n_people;
	e->n_slots = p->n_rule_slots ? p->n_rule_slots : 1;
	e->texts_period = e->texts_date = INT32_MIN;
	e->want_reason = !cfg->omit_reason;
	e->want_detail = !cfg->omit_detail;
	e->want_warnings = !cfg->omit_warnings;
	sb_init(&e->tiers_used);
	sb_init(&e->reason);
	sb_init(&e->events);
	sb_init(&e->tmp);
	sb_init(&e->detail);
	sb_init(&e->detail_out);
	sb_init(&e->scratch);
	strmap_init(&e->deals);
	arena_init(&e->deal_mem);
	e->ps = calloc(e->n_people ? e->n_people : 1, sizeof *e->ps);
	e->acc = calloc((e->n_people ? e->n_people : 1) * e->n_slots, sizeof *e->acc);
	e->touched = calloc(e->n_people ? e->n_people : 1, sizeof *e->touched);
	e->rev_ix = malloc(sizeof *e->rev_ix * e->n_slots);
	e->deal_type = calloc(p->n_type_slots ? p->n_type_slots : 1, sizeof *e->deal_type);
	e->sandboxes = calloc(p->n_versions, sizeof *e->sandboxes);
	e->md = pcre2_match_data_create(1, NULL);
	e->mctx = pcre2_match_context_create(NULL);
	if (!e->ps || !e->acc || !e->touched || !e->rev_ix || !e->deal_type ||
	    !e->sandboxes || !e->md || !e->mctx)
		goto oom;
	/* bounded matching: catastrophic backtracking becomes an error */
	pcre2_set_match_limit(e->mctx, 1000000);
	pcre2_set_depth_limit(e->mctx, 10000);

	for (uint32_t s = 0; s < e->n_slots; s++)
		e->rev_ix[s] = -1;
	for (size_t vi = 0; vi < p->n_versions; vi++) {
		const policy_version *v = &p->versions[vi];
		for (size_t i = 0; i < v->n_rules; i++) {
			const rule *r = &v->rules[i];
			if (r->kind != RULE_CLAWBACK)
				continue;
			for (size_t j = 0; j < r->n_reverses; j++)
				if (e->rev_ix[r->reverses[j]] < 0)
					e->rev_ix[r->reverses[j]] = (int32_t)e->n_rev++;
			const field_def *fd = &v->types[r->on_type].fields[r->ref_field];
			if (fd->ref_type >= 0) {
				e->deal_type[v->types[fd->ref_type].slot] = true;
			} else {
				for (size_t t = 0; t < v->n_types; t++)
					e->deal_type[v->types[t].slot] = true;
			}
		}
	}
	if (cc_create(&e->cc, e) != 0)
		goto oom;
	if (plans_create(&e->plans, e, cfg, err) != 0) {
		eval_destroy(e);
		return INC_ERROR;
	}
	*out = e;
	return 0;
oom:
	if (err)
		*err = strdup("out of memory");
	eval_destroy(e);
	return rc;
}

void eval_destroy(evaluator *e)
{
	if (!e)
		return;
	cc_destroy(e->cc);
	plans_destroy(e->plans);
	if (e->sandboxes)
		for (size_t i = 0; i < e->policy->n_versions; i++)
			sandbox_destroy(e->sandboxes[i]);
	free(e->sandboxes);
	pcre2_match_data_free(e->md);
	pcre2_match_context_free(e->mctx);
	free(e->ps);
	free(e->acc);
	free(e->touched);
	free(e->rev_ix);
	free(e->deal_type);
	free(e->deal_recs);
	strmap_finish(&e->deals);
	arena_finish(&e->deal_mem);
	free(e->parts);
	free(e->shares);
	free(e->event_paid);
	sb_finish(&e->tiers_used);
	sb_finish(&e->reason);
	sb_finish(&e->events);
	sb_finish(&e->tmp);
	sb_finish(&e->detail);
	sb_finish(&e->detail_out);
	sb_finish(&e->scratch);
	free(e->err);
	free(e);
}

/* ---- for the conduct and careers modules (eval.h) ----------------------- */

int eval_emit_extra(evaluator *e, const eval_extra *x, dec *rounded)
{
	const person *who = &e->cfg.roster->people[x->person];
	eval_decision d;
	strbuf out;
	dec amt = dec_zero();
	int rc;

	if (x->has_amount) {
		if (dec_round(&amt, x->exact, who->minor, x->version->rounding) != DEC_OK)
			return arith(e, x->rule);
		if (dec_add(&e->ps[x->person].earned, e->ps[x->person].earned, amt) != DEC_OK)
			return arith(e, x->rule);
	}
	if (rounded)
		*rounded = amt;
	touch(e, x->person);
	if (!e->emitting)
		return 0;
	sb_init(&out);
	if (!e->want_detail) {
		/* the sink does not use it: not built */
	} else if (x->has_amount) {
		static const char *const modes[] = {"half_up", "half_even", "down", "floor"};
		fmt_puts(&out, "{\"exact\":\"");
		fmt_sb_dec(&out, x->exact, 0, false);
		fmt_puts(&out, "\",\"rounding\":\"");
		fmt_puts(&out, modes[x->version->rounding]);
		fmt_puts(&out, "\",\"decimals\":\"");
		fmt_sb_i64(&out, who->minor);
		fmt_putc(&out, '"');
		sb_puts(&out, x->detail ? x->detail : "");
		sb_putc(&out, '}');
	} else {
		sb_putc(&out, '{');
		if (x->detail && x->detail[0] == ',')
			sb_puts(&out, x->detail + 1);
		sb_putc(&out, '}');
	}
	if (out.oom) {
		sb_finish(&out);
		return fail(e, INC_ERROR, "out of memory");
	}
	memset(&d, 0, sizeof d);
	d.period = e->cur_period;
	d.who = who;
	d.kind = x->kind;
	d.has_amount = x->has_amount;
	d.amount = amt;
	d.detail = e->want_detail ? sb_cstr(&out) : NULL;
	d.rule = x->rule;
	d.version = x->version;
	d.events = x->events ? x->events : "";
	d.reason = !e->want_reason ? NULL : x->reason ? x->reason : "";
	e->seq++;
	rc = e->cfg.emit(e->cfg.emit_ud, &d);
	sb_finish(&out);
	return rc ? fail(e, INC_ERROR, "output failed") : 0;
}

int eval_error(evaluator *e, int code, const char *fmt, ...)
{
	strbuf sb;
	va_list ap;

	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	free(e->err);
	e->err = sb.oom ? NULL : strdup(sb_cstr(&sb));
	sb_finish(&sb);
	return code;
}

int eval_warning(evaluator *e, const char *file, uint64_t line,
		 const char *fmt, ...)
{
	strbuf sb;
	va_list ap;
	inc_diag d;

	if (!e->emitting)
		return 0;
	if (!e->want_warnings) {
		if (e->cfg.stats)
			e->cfg.stats->warnings++;
		return 0;
	}
	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	if (sb.oom) {
		/* a warning must not vanish: the run stops instead */
		sb_finish(&sb);
		return fail(e, INC_ERROR, "out of memory");
	}
	if (e->cfg.stats)
		e->cfg.stats->warnings++;
	if (e->cfg.diag) {
		memset(&d, 0, sizeof d);
		d.file = file;
		d.line = (uint32_t)line;
		d.severity = INC_SEV_WARNING;
		d.message = sb_cstr(&sb);
		e->cfg.diag(e->cfg.diag_ud, &d);
	}
	sb_finish(&sb);
	return 0;
}

const inc_policy *eval_policy(const evaluator *e) { return e->policy; }
const roster *eval_roster(const evaluator *e) { return e->cfg.roster; }
inc_run_stats *eval_stats(const evaluator *e) { return e->cfg.stats; }
int32_t eval_period(const evaluator *e) { return e->cur_period; }
struct cc_state *eval_cc(const evaluator *e) { return e->cc; }

void eval_figures(const evaluator *e, uint32_t pix, dec *credited,
		  bool *has_quota, dec *quo)
{
	*credited = e->ps[pix].credited;
	*has_quota = roster_quota(e->cfg.roster, pix, e->cur_period, quo);
	/* hired or leaving inside the period (plans.c) */
	if (*has_quota && e->plans)
		plans_prorate(e->plans, pix, PRORATE_QUOTA, quo);
}

int eval_conds(evaluator *e, const rule *r, const cond_list *l,
	       const event *ev, uint32_t pix)
{
	if (!ev) {
		/* period end: only person tests exist (the loader refuses
		 * field tests on rules without an event) */
		for (size_t i = 0; i < l->n; i++)
			if (l->items[i].subject == SUBJ_FIELD)
				return 0;
	}
	return conds_hold(e, r, l, ev, &e->cfg.roster->people[pix]);
}

const char *eval_person_level(const evaluator *e, uint32_t pix, date_t d)
{
	const char *lvl = e->cc ? cc_level_at(e->cc, pix, d) : NULL;
	return lvl ? lvl : e->cfg.roster->people[pix].level;
}

void eval_resume(evaluator *e, int32_t last_closed)
{
	e->cur_period = last_closed + 1;
	e->have_period = true;
}

size_t eval_deal_count(const evaluator *e) { return e->n_deals; }
const deal_rec *eval_deal_at(const evaluator *e, size_t i) { return e->deal_recs[i]; }
uint32_t eval_rev_count(const evaluator *e) { return e->n_rev; }

uint32_t eval_rev_slot(const evaluator *e, uint32_t i)
{
	for (uint32_t s = 0; s < e->n_slots; s++)
		if (e->rev_ix[s] == (int32_t)i)
			return s;
	return UINT32_MAX;
}

int32_t eval_rev_index(const evaluator *e, uint32_t slot)
{
	return slot < e->n_slots ? e->rev_ix[slot] : -1;
}

int eval_deal_restore(evaluator *e, const deal_rec *src)
{
	deal_rec *d = arena_alloc(&e->deal_mem, sizeof *d);
	size_t len = strlen(src->id);

	if (!d)
		return fail(e, INC_ERROR, "out of memory");
	*d = *src;
	d->id = arena_strndup(&e->deal_mem, src->id, len);
	d->parts = arena_alloc(&e->deal_mem, sizeof *d->parts * (src->n_parts ? src->n_parts : 1));
	if (!d->id || !d->parts)
		return fail(e, INC_ERROR, "out of memory");
	for (size_t k = 0; k < src->n_parts; k++) {
		d->parts[k] = src->parts[k];
		d->parts[k].paid = d->parts[k].reversed = NULL;
		if (e->n_rev) {
			dec *p = arena_alloc(&e->deal_mem, sizeof(dec) * e->n_rev * 2);
			if (!p)
				return fail(e, INC_ERROR, "out of memory");
			memcpy(p, src->parts[k].paid, sizeof(dec) * e->n_rev);
			memcpy(p + e->n_rev, src->parts[k].reversed, sizeof(dec) * e->n_rev);
			d->parts[k].paid = p;
			d->parts[k].reversed = p + e->n_rev;
		}
	}
	uint32_t ix = (uint32_t)e->n_deals;
	int r = strmap_put(&e->deals, d->id, len, ix, NULL);
	if (r < 0 || grow((void **)&e->deal_recs, &e->cap_deals, e->n_deals + 1,
			  sizeof *e->deal_recs))
		return fail(e, INC_ERROR, "out of memory");
	if (r == 0)
		return fail(e, INC_EINPUT, "deal %s is in the state twice", d->id);
	e->deal_recs[e->n_deals++] = d;
	return 0;
}

/* ---- for the pay-plan module (eval.h, plans.c) -------------------------- */

int eval_book(evaluator *e, uint32_t pix, uint32_t slot, dec amount)
{
	racc *a = acc_of(e, pix, slot);
	return dec_add(&a->paid, a->paid, amount) == DEC_OK ? 0 : arith(e, NULL);
}

dec eval_rule_paid(const evaluator *e, uint32_t pix, uint32_t slot)
{
	return e->acc[(size_t)pix * e->n_slots + slot].paid;
}

dec eval_earned(const evaluator *e, uint32_t pix) { return e->ps[pix].earned; }
void eval_touch(evaluator *e, uint32_t pix) { touch(e, pix); }
bool eval_emitting(const evaluator *e) { return e->emitting; }
bool eval_wants_reason(const evaluator *e) { return e->want_reason; }
bool eval_wants_detail(const evaluator *e) { return e->want_detail; }

void eval_part(const evaluator *e, size_t k, uint32_t *pix, dec *pct,
	       bool *skip)
{
	*pix = e->parts[k].pix;
	*pct = e->parts[k].pct;
	*skip = e->parts[k].skip;
}

dec eval_share(const evaluator *e, size_t n_parts, int field, size_t k)
{
	return e->shares[(size_t)field * n_parts + k];
}

struct plans *eval_plans(const evaluator *e) { return e->plans; }
