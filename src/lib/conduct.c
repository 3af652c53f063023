/*
 * conduct.c: discipline (seed 5.3) at run time: the violation record,
 * the ladder of steps with its accumulation rows, fines with a
 * per-period deduction limit and a carried balance, dismissal, holds and
 * releases, and the duties whose neglect is a violation (reports not
 * submitted by their due day, training not completed by its deadline).
 * It also owns the cc_state and the hooks eval.c calls (conduct.h); the
 * careers half is in careers.c.
 *
 * Reading guide: cc_event_begin() / cc_period_begin() run the checks that
 * fell due (advance()), cc_violation_add() decides what a violation leads
 * to, cc_after_money() holds payments, cc_period_end() deducts carried
 * fines and hands each person to careers.c.
 */
#include "conduct.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "careers.h"

/* ---- small shared helpers ------------------------------------------------- */

int cc_grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 4;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

const char *cc_str(cc_state *c, const char *s)
{
	return arena_strdup(&c->mem, s ? s : "");
}

date_t cc_date_add(date_t d, duration dur)
{
	int y, m, day;

	if (dur.unit == DUR_DAYS)
		return d + dur.n;
	date_to_ymd(d, &y, &m, &day);
	int32_t months = dur.unit == DUR_YEARS ? dur.n * 12 : dur.n;
	int32_t total = (y * 12 + (m - 1)) + months;
	y = total / 12;
	m = total % 12 + 1;
	int dim = date_days_in_month(y, m);
	return date_from_ymd(y, m, day > dim ? dim : day);
}

uint32_t cc_slot_of(const cc_state *c, const char *id)
{
	uint32_t s;
	return strmap_get(&c->slots, id, strlen(id), &s) ? s : UINT32_MAX;
}

const rule *cc_rule_in(const policy_version *v, uint32_t slot)
{
	for (size_t i = 0; v && i < v->n_rules; i++)
		if (v->rules[i].slot == slot)
			return &v->rules[i];
	return NULL;
}

const rule *cc_discipline_of(const policy_version *v)
{
	for (size_t i = 0; v && i < v->n_rules; i++)
		if (v->rules[i].kind == RULE_DISCIPLINE && v->rules[i].discipline)
			return &v->rules[i];
	return NULL;
}

void cc_begin(cc_state *c)
{
	sb_reset(&c->reason);
	sb_reset(&c->events);
	sb_reset(&c->detail);
}

static void json_text(strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			sb_putc(sb, '\\');
			sb_putc(sb, (char)ch);
		} else if (ch < 0x20) {
			sb_printf(sb, "\\u%04x", ch);
		} else {
			sb_putc(sb, (char)ch);
		}
	}
}

void cc_det(cc_state *c, const char *key, const char *fmt, ...)
{
	strbuf v;
	va_list ap;

	sb_init(&v);
	va_start(ap, fmt);
	sb_vprintf(&v, fmt, ap);
	va_end(ap);
	if (v.oom) {
		c->detail.oom = true; /* reported by cc_emit */
	} else {
		sb_printf(&c->detail, ",\"%s\":\"", key);
		json_text(&c->detail, sb_cstr(&v));
		sb_putc(&c->detail, '"');
	}
	sb_finish(&v);
}

void cc_det_dec(cc_state *c, const char *key, dec d)
{
	char b[72];
	dec_format(b, sizeof b, d, 0, false);
	cc_det(c, key, "%s", b);
}

int cc_emit(cc_state *c, const policy_version *v, const rule *r, uint32_t pix,
	    const char *kind, bool has_amount, dec exact, dec *rounded)
{
	eval_extra x = {
	    .version = v,
	    .rule = r,
	    .person = pix,
	    .kind = kind,
	    .has_amount = has_amount,
	    .exact = exact,
	    .events = sb_cstr(&c->events),
	    .reason = sb_cstr(&c->reason),
	    .detail = sb_cstr(&c->detail),
	};
	if (c->reason.oom || c->events.oom || c->detail.oom)
		return eval_error(c->e, INC_ERROR, "out of memory");
	return eval_emit_extra(c->e, &x, rounded);
}

const char *cc_words(char *buf, size_t cap, const char *kind)
{
	size_t i = 0;
	for (; kind[i] && i + 1 < cap; i++)
		buf[i] = kind[i] == '_' ? ' ' : kind[i];
	buf[i] = '\0';
	return buf;
}

int cc_step_rank(const discipline_spec *d, const char *step)
{
	if (!step || !*step)
		return -1;
	for (size_t i = 0; d && i < d->n_steps; i++)
		if (strcmp(step_kind_name((int)d->steps[i].kind), step) == 0)
			return (int)i;
	for (int k = 0; k < N_STEP_KINDS; k++)
		if (strcmp(step_kind_name(k), step) == 0)
			return k;
	return -1;
}

static const char *ordinal(char *buf, size_t cap, uint32_t n)
{
	const char *suf = "th";
	if (n % 100 < 11 || n % 100 > 13) {
		if (n % 10 == 1)
			suf = "st";
		else if (n % 10 == 2)
			suf = "nd";
		else if (n % 10 == 3)
			suf = "rd";
	}
	snprintf(buf, cap, "%u%s", n, suf);
	return buf;
}

static const char *duration_words(char *buf, size_t cap, duration d)
{
	static const char *const one[] = {"day", "month", "year"};
	static const char *const many[] = {"days", "months", "years"};
	snprintf(buf, cap, "%d %s", (int)d.n, d.n == 1 ? one[d.unit] : many[d.unit]);
	return buf;
}

static const char *money_words(char *buf, size_t cap, dec d, int minor)
{
	dec_format(buf, cap, dec_normalize(d), minor, true);
	return buf;
}

/* Severity index of name s in d, or -1. */
static int severity_ix(const discipline_spec *d, const char *s)
{
	for (size_t i = 0; i < d->n_severities; i++)
		if (strcmp(d->severities[i], s) == 0)
			return (int)i;
	return -1;
}

static int category_ix(const discipline_spec *d, const char *s)
{
	for (size_t i = 0; i < d->n_categories; i++)
		if (strcmp(d->categories[i], s) == 0)
			return (int)i;
	return -1;
}

/* The active life of a violation of severity s under d (false: unknown). */
static bool life_of(const discipline_spec *d, const char *sev, duration *out)
{
	int s = severity_ix(d, sev);
	if (s < 0 && !d->uniform_active)
		return false;
	*out = d->active[s < 0 ? 0 : s];
	return true;
}

/* true when violation w is active on date t under d. */
static bool is_active(const discipline_spec *d, const cc_violation *w, date_t t)
{
	duration life;
	if (w->date > t || !life_of(d, w->severity, &life))
		return false;
	return t < cc_date_add(w->date, life);
}

int cc_active_step(const cc_state *c, const policy_version *v, uint32_t pix,
		   date_t d, const cc_violation **which)
{
	const rule *r = cc_discipline_of(v);
	const cc_person *pp = &c->people[pix];
	int best = -1;

	if (which)
		*which = NULL;
	if (!r)
		return -1;
	for (size_t i = 0; i < pp->n_viols; i++) {
		const cc_violation *w = &pp->viols[i];
		if (!is_active(r->discipline, w, d))
			continue;
		int k = cc_step_rank(r->discipline, w->step);
		if (k > best) {
			best = k;
			if (which)
				*which = w;
		}
	}
	return best;
}

/* "e-0088 on 2026-01-23" or "no sales_report for 2026-01 by 2026-02-05,
 * recorded 2026-02-06" */
static void describe_viol(strbuf *sb, const cc_violation *w)
{
	char d[11];
	date_format(d, w->date);
	if (w->event[0])
		sb_printf(sb, "%s on %s", w->event, d);
	else
		sb_printf(sb, "%s, recorded %s", w->what, d);
}

static void add_event(strbuf *events, const char *id)
{
	if (!id || !*id)
		return;
	/* no duplicates: lists are short */
	const char *s = sb_cstr(events);
	size_t n = strlen(id);
	for (const char *p = s; *p;) {
		const char *q = strchr(p, ',');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		if (len == n && memcmp(p, id, n) == 0)
			return;
		p = q ? q + 1 : p + len;
	}
	if (events->len)
		sb_putc(events, ',');
	sb_puts(events, id);
}

/* ---- the violation record and the ladder --------------------------------- */

typedef struct decide {
	const rule *r;			/* the discipline rule: its ladder */
	const rule *by;			/* the rule the decision names: r, or the
					   duty or training rule that found a
					   missed duty */
	const policy_version *by_v;	/* by's version */
	const discipline_spec *d;
	const cc_person *pp;
	size_t self;		/* the new violation's index */
	bool *active;		/* per violation of pp */
	uint32_t *count;	/* per severity */
	uint32_t any;
} decide;

static bool row_holds(const decide *x, const escalation_row *row)
{
	const discipline_spec *d = x->d;
	const cc_violation *w = &x->pp->viols[x->self];

	for (size_t s = 0; s < d->n_severities; s++)
		if (row->min_count[s] && x->count[s] < row->min_count[s])
			return false;
	if (row->min_any && x->any < row->min_any)
		return false;
	if (row->severities) {
		int s = severity_ix(d, w->severity);
		if (s < 0 || !(row->severities & (UINT64_C(1) << s)))
			return false;
	}
	if (row->categories) {
		int k = category_ix(d, w->category);
		if (k < 0 || !(row->categories & (UINT64_C(1) << k)))
			return false;
	}
	return true;
}

/* Lists the active violations of severity mask `sev` (0: all) in date
 * order into reason and events. */
static void list_active(cc_state *c, const decide *x, uint64_t sev)
{
	bool first = true;
	sb_puts(&c->reason, " (");
	for (size_t i = 0; i < x->pp->n_viols; i++) {
		const cc_violation *w = &x->pp->viols[i];
		if (!x->active[i])
			continue;
		int s = severity_ix(x->d, w->severity);
		if (sev && (s < 0 || !(sev & (UINT64_C(1) << s))))
			continue;
		if (!first)
			sb_puts(&c->reason, ", ");
		describe_viol(&c->reason, w);
		add_event(&c->events, w->event);
		first = false;
	}
	sb_putc(&c->reason, ')');
}

/* The words for the row that decided (or the default). */
static void describe_row(cc_state *c, const decide *x, const escalation_row *row)
{
	const discipline_spec *d = x->d;
	const cc_violation *w = &x->pp->viols[x->self];
	char b1[32], b2[64], b3[64];
	size_t n_tested = 0;
	uint64_t mask = 0;
	duration life0 = {0, DUR_DAYS};
	bool same_life = true;

	for (size_t s = 0; row && s < d->n_severities; s++) {
		if (!row->min_count[s])
			continue;
		mask |= UINT64_C(1) << s;
		if (n_tested == 0)
			life0 = d->active[s];
		else if (d->active[s].n != life0.n || d->active[s].unit != life0.unit)
			same_life = false;
		n_tested++;
	}
	if (n_tested == 1) {
		size_t s = 0;
		while (!(mask & (UINT64_C(1) << s)))
			s++;
		sb_printf(&c->reason, "%s active %s violation in %s",
			  ordinal(b1, sizeof b1, x->count[s]), d->severities[s],
			  duration_words(b2, sizeof b2, d->active[s]));
		list_active(c, x, mask);
	} else if (n_tested > 1) {
		size_t k = 0;
		for (size_t s = 0; s < d->n_severities; s++) {
			if (!(mask & (UINT64_C(1) << s)))
				continue;
			sb_printf(&c->reason, "%s%u %s", k == 0 ? "" : k + 1 == n_tested ? " and " : ", ",
				  x->count[s], d->severities[s]);
			k++;
		}
		sb_puts(&c->reason, " active violations");
		if (same_life) {
			sb_printf(&c->reason, " in %s", duration_words(b2, sizeof b2, life0));
		} else {
			sb_puts(&c->reason, " (active lives:");
			k = 0;
			for (size_t s = 0; s < d->n_severities; s++)
				if (mask & (UINT64_C(1) << s))
					sb_printf(&c->reason, "%s %s %s", k++ ? "," : "",
						  d->severities[s],
						  duration_words(b2, sizeof b2, d->active[s]));
			sb_putc(&c->reason, ')');
		}
		list_active(c, x, mask);
	} else if (row && row->min_any) {
		duration life;
		sb_printf(&c->reason, "%s active violation", ordinal(b1, sizeof b1, x->any));
		if (d->uniform_active && life_of(d, w->severity, &life))
			sb_printf(&c->reason, " in %s", duration_words(b2, sizeof b2, life));
		list_active(c, x, 0);
	} else {
		/* only the new violation's own class decides */
		sb_printf(&c->reason, "%s violation of %s (", w->severity,
			  cc_words(b3, sizeof b3, w->category));
		describe_viol(&c->reason, w);
		add_event(&c->events, w->event);
		sb_putc(&c->reason, ')');
		return;
	}
	/* the violation deciding now, when the counts did not list it */
	int ws = severity_ix(d, w->severity);
	if (mask && (ws < 0 || !(mask & (UINT64_C(1) << ws)))) {
		sb_printf(&c->reason, ", now a %s violation of %s (", w->severity,
			  cc_words(b3, sizeof b3, w->category));
		describe_viol(&c->reason, w);
		sb_putc(&c->reason, ')');
	} else if (row && (row->severities || row->categories)) {
		sb_printf(&c->reason, ", this one %s of %s", w->severity,
			  cc_words(b3, sizeof b3, w->category));
	}
}

static int fine_step(cc_state *c, const policy_version *v, const decide *x,
		     const disc_step *st, uint32_t pix)
{
	const person *who = &c->ro->people[pix];
	cc_person *pp = &c->people[pix];
	char b1[64], b2[64], b3[64], pb[16];
	dec fine, take, carry;

	if (dec_round(&fine, st->fine, who->minor, v->rounding) != DEC_OK)
		return eval_error(c->e, INC_EARITH, "rule %s: fine out of range", x->r->id);
	take = fine;
	if (x->d->has_fine_limit) {
		dec room;
		if (dec_sub(&room, x->d->fine_limit, pp->fined) != DEC_OK)
			return eval_error(c->e, INC_EARITH, "rule %s: arithmetic overflow", x->r->id);
		if (dec_sign(room) < 0)
			room = dec_zero();
		if (dec_cmp(take, room) > 0)
			take = room;
	}
	if (dec_sub(&carry, fine, take) != DEC_OK ||
	    dec_add(&pp->fined, pp->fined, take) != DEC_OK ||
	    dec_add(&pp->fine_balance, pp->fine_balance, carry) != DEC_OK)
		return eval_error(c->e, INC_EARITH, "rule %s: arithmetic overflow", x->r->id);
	period_format(pb, c->pkind, eval_period(c->e));
	sb_printf(&c->reason, "; fine %s", money_words(b1, sizeof b1, fine, who->minor));
	if (x->d->has_fine_limit) {
		sb_printf(&c->reason, ": %s deducted in %s (at most %s a period)",
			  money_words(b2, sizeof b2, take, who->minor), pb,
			  money_words(b3, sizeof b3, x->d->fine_limit, who->minor));
		if (dec_sign(carry) > 0)
			sb_printf(&c->reason, ", %s carried to the next period",
				  money_words(b1, sizeof b1, carry, who->minor));
		cc_det_dec(c, "limit", x->d->fine_limit);
	}
	cc_det_dec(c, "fine", fine);
	cc_det_dec(c, "deducted", take);
	cc_det_dec(c, "carried", carry);
	cc_det_dec(c, "balance", pp->fine_balance);
	return cc_emit(c, x->by_v, x->by, pix, "fine", true, dec_neg(take), NULL);
}

static int demotion_step(cc_state *c, const policy_version *v, const decide *x,
			 const disc_step *st, uint32_t pix, date_t date)
{
	char d1[11];
	date_t from = period_start(c->pkind, period_of(c->pkind, date) + 1);
	const char *cur = eval_person_level(c->e, pix, from);
	int li = version_level(v, cur, strlen(cur));

	date_format(d1, from);
	if (li < 0) {
		sb_printf(&c->reason, "; level %s is not on the ladder of version %s: no level change",
			  cur, v->label);
	} else if (li == 0) {
		sb_printf(&c->reason, "; %s is the lowest level: no level change", cur);
	} else {
		int ti = li - st->levels < 0 ? 0 : li - st->levels;
		const char *to = v->levels[ti].id;
		sb_printf(&c->reason, "; %s -> %s from %s", cur, to, d1);
		cc_det(c, "to_level", "%s", to);
		int rc = cc_level_set(c, pix, from, to, x->by->id);
		if (rc)
			return rc;
	}
	cc_det(c, "from_level", "%s", cur);
	cc_det(c, "effective", "%s", d1);
	return cc_emit(c, x->by_v, x->by, pix, "demotion", false, dec_zero(), NULL);
}

static int dismissal_step(cc_state *c, const policy_version *v, const decide *x,
			  const disc_step *st, uint32_t pix, date_t date,
			  const char *ev_id)
{
	cc_person *pp = &c->people[pix];
	char d1[11];
	date_t eff = date + st->effective_days;

	if (!pp->dismissed || eff < pp->dismissed_on) {
		pp->dismissed = true;
		pp->dismissed_on = eff;
		pp->dismissed_rule = x->by->id;
		pp->dismissed_event = cc_str(c, ev_id);
		if (!pp->dismissed_event)
			return eval_error(c->e, INC_ERROR, "out of memory");
	}
	date_format(d1, pp->dismissed_on);
	sb_printf(&c->reason, "; effective %s: events after it earn nothing", d1);
	cc_det(c, "effective", "%s", d1);
	return cc_emit(c, x->by_v, x->by, pix, "dismissal", false, dec_zero(), NULL);
}

int cc_violation_add(cc_state *c, const policy_version *v, uint32_t pix,
		     const char *ev_id, const char *what, date_t date,
		     const char *category, const char *severity,
		     const rule *src, const policy_version *src_v,
		     const char *file, uint64_t line)
{
	cc_person *pp = &c->people[pix];
	const rule *r = cc_discipline_of(v);
	cc_violation w = {
	    .event = cc_str(c, ev_id),
	    .what = cc_str(c, what),
	    .date = date,
	    .category = cc_str(c, category),
	    .severity = cc_str(c, severity),
	    .step = "",
	    .rule = r ? r->id : "",
	};
	decide x = {0};
	char b1[32], b2[64];
	int rc = 0;

	if (!w.event || !w.what || !w.category || !w.severity ||
	    cc_grow((void **)&pp->viols, &pp->cap_viols, pp->n_viols + 1, sizeof w))
		return eval_error(c->e, INC_ERROR, "out of memory");
	pp->viols[pp->n_viols++] = w;
	if (!r) {
		return eval_warning(c->e, file, line,
				    "violation %s of %s: version %s has no discipline rule: "
				    "recorded, no step decided",
				    ev_id[0] ? ev_id : what, c->ro->people[pix].id,
				    v ? v->label : "(none)");
	}
	x.r = r;
	x.by = src ? src : r;
	x.by_v = src ? src_v : v;
	x.d = r->discipline;
	x.pp = pp;
	x.self = pp->n_viols - 1;
	x.active = calloc(pp->n_viols, sizeof *x.active);
	x.count = calloc(x.d->n_severities + 1, sizeof *x.count);
	if (!x.active || !x.count) {
		rc = eval_error(c->e, INC_ERROR, "out of memory");
		goto done;
	}
	/* the active record on the violation's date, the new one included */
	int prev_rank = -1;
	const cc_violation *prev = NULL;
	for (size_t i = 0; i < pp->n_viols; i++) {
		if (!is_active(x.d, &pp->viols[i], date))
			continue;
		x.active[i] = true;
		int s = severity_ix(x.d, pp->viols[i].severity);
		if (s >= 0)
			x.count[s]++;
		x.any++;
		int k = cc_step_rank(x.d, pp->viols[i].step);
		if (i != x.self && k > prev_rank) {
			prev_rank = k;
			prev = &pp->viols[i];
		}
	}
	/* the most severe step among the rows that hold (ties: first row) */
	int step = -1;
	const escalation_row *row = NULL;
	for (size_t i = 0; i < x.d->n_rows; i++)
		if (row_holds(&x, &x.d->rows[i]) && x.d->rows[i].step > step) {
			step = x.d->rows[i].step;
			row = &x.d->rows[i];
		}
	bool bumped = false;
	if (x.d->progressive && prev_rank >= 0) {
		int next = prev_rank + 1 < (int)x.d->n_steps ? prev_rank + 1
							     : (int)x.d->n_steps - 1;
		if (next > step) {
			step = next;
			bumped = true;
		}
	}
	bool dflt = step < 0;
	if (dflt)
		step = 0;
	const disc_step *st = &x.d->steps[step];
	const char *kind = step_kind_name((int)st->kind);
	pp->viols[x.self].step = kind;

	cc_begin(c);
	sb_printf(&c->reason, "%s: ", cc_words(b1, sizeof b1, kind));
	if (row) {
		describe_row(c, &x, row);
	} else {
		describe_row(c, &x, NULL);
		if (dflt)
			sb_puts(&c->reason, "; no escalation row applies: the first step");
	}
	if (bumped && prev) {
		sb_printf(&c->reason, "; progressive: the step after the active %s of ",
			  cc_words(b2, sizeof b2, prev->step));
		describe_viol(&c->reason, prev);
		add_event(&c->events, prev->event);
	}
	add_event(&c->events, w.event);
	if (src)
		sb_printf(&c->reason, " (ladder of rule %s)", r->id);
	cc_det(c, "step", "%s", kind);
	cc_det(c, "row", "%zu", row ? (size_t)(row - x.d->rows) + 1 : (size_t)0);
	cc_det(c, "category", "%s", w.category);
	cc_det(c, "severity", "%s", w.severity);
	if (!ev_id[0])
		cc_det(c, "duty", "%s", what);
	cc_det(c, "active", "%u", x.any);
	for (size_t s = 0; s < x.d->n_severities; s++)
		if (x.count[s])
			cc_det(c, x.d->severities[s], "%u", x.count[s]);
	if (bumped)
		cc_det(c, "progressive_after", "%s", prev->step);
	switch (st->kind) {
	case STEP_FINE:
		rc = fine_step(c, v, &x, st, pix);
		break;
	case STEP_DEMOTION:
		rc = demotion_step(c, v, &x, st, pix, date);
		break;
	case STEP_DISMISSAL:
		rc = dismissal_step(c, v, &x, st, pix, date, w.event);
		break;
	default:
		rc = cc_emit(c, x.by_v, x.by, pix, kind, false, dec_zero(), NULL);
		break;
	}
done:
	free(x.active);
	free(x.count);
	return rc;
}

/* ---- intervals of duties ------------------------------------------------- */

static int weekday(date_t d) /* Monday 0 .. Sunday 6 */
{
	int w = (int)((d + 3) % 7);
	return w < 0 ? w + 7 : w;
}

static date_t iso_week1(int y)
{
	date_t jan4 = date_from_ymd(y, 1, 4);
	return jan4 - weekday(jan4);
}

static period_kind iv_period(interval_kind k)
{
	return k == IV_MONTH ? PERIOD_MONTH : k == IV_QUARTER ? PERIOD_QUARTER : PERIOD_YEAR;
}

static date_t iv_start(interval_kind k, date_t d)
{
	if (k == IV_WEEK)
		return d - weekday(d);
	return period_start(iv_period(k), period_of(iv_period(k), d));
}

static date_t iv_end(interval_kind k, date_t start)
{
	if (k == IV_WEEK)
		return start + 6;
	return period_end(iv_period(k), period_of(iv_period(k), start));
}

/* "2026-W05", "2026-01", "2026-Q1", "2026" */
static void iv_label(char buf[16], interval_kind k, date_t start)
{
	if (k == IV_WEEK) {
		int y, m, d;
		date_to_ymd(start + 3, &y, &m, &d);
		snprintf(buf, 16, "%04d-W%02d", y % 10000,
			 (int)((start - iso_week1(y)) / 7 + 1) % 100);
		return;
	}
	period_format(buf, iv_period(k), period_of(iv_period(k), start));
}

/* The interval named s (covers field), or false. */
static bool iv_parse(interval_kind k, const char *s, date_t *out)
{
	size_t n = strlen(s);
	if (k == IV_WEEK) {
		int y, w;
		char tail;
		if (n != 8 || sscanf(s, "%4d-W%2d%c", &y, &w, &tail) != 2 || y < 1 || w < 1 || w > 53)
			return false;
		date_t start = iso_week1(y) + (w - 1) * 7;
		char back[16];
		iv_label(back, k, start);
		if (strcmp(back, s) != 0)
			return false;
		*out = start;
		return true;
	}
	int32_t p;
	if (period_parse(&p, iv_period(k), s, n) != 0)
		return false;
	*out = period_start(iv_period(k), p);
	return true;
}

/* ---- checks that fall due: duties and training deadlines ------------------ */

/* The duty rule of slot s in force on date d, or NULL. */
static const rule *duty_at(const cc_state *c, uint32_t s, date_t d)
{
	const rule *r = cc_rule_in(policy_version_at(c->policy, d), s);
	return r && r->duty ? r : NULL;
}

/* Sets duty s's cursor to the first interval, on or after `from`, that
 * starts while the rule is in force; false when there is none. */
static bool duty_seek(cc_state *c, uint32_t s, date_t from)
{
	cc_duty *du = &c->duties[s];
	const inc_policy *p = c->policy;

	for (size_t vi = 0; vi < p->n_versions; vi++) {
		const policy_version *v = &p->versions[vi];
		date_t vend = vi + 1 < p->n_versions ? p->versions[vi + 1].effective - 1 : INT32_MAX;
		const rule *r = cc_rule_in(v, s);
		if (!r || !r->duty || vend < from)
			continue;
		date_t lo = from > v->effective ? from : v->effective;
		date_t st = iv_start(r->duty->every, lo);
		if (st < lo)
			st = iv_end(r->duty->every, st) + 1;
		if (st > vend)
			continue;
		du->next = st;
		return true;
	}
	du->next = INT32_MAX;
	return false;
}

/* The day a duty's current interval is checked (the day after it is due). */
static date_t duty_check_day(const cc_state *c, uint32_t s)
{
	const cc_duty *du = &c->duties[s];
	if (du->next == INT32_MAX)
		return INT32_MAX;
	const rule *r = duty_at(c, s, du->next);
	if (!r)
		return INT32_MAX;
	return iv_end(r->duty->every, du->next) + r->duty->due_days + 1;
}

static bool slot_checked(const cc_person *pp, uint32_t slot)
{
	for (size_t i = 0; i < pp->n_checked; i++)
		if (pp->checked[i] == slot)
			return true;
	return false;
}

/* The deadline of training rule r (of version vi) for pix, when it is
 * checked under vi and not yet checked; else false. */
static bool training_deadline(const cc_state *c, size_t vi, const rule *r,
			      uint32_t pix, date_t *deadline)
{
	const training_spec *s = r->training;
	const person *who = &c->ro->people[pix];
	const cc_person *pp = &c->people[pix];
	date_t d;

	if (s->has_within)
		d = who->hired + s->within_days;
	else if (s->has_by)
		d = s->by;
	else
		return false;
	if (d < c->clock_start || d == INT32_MAX || slot_checked(pp, r->slot))
		return false;
	if (policy_version_at(c->policy, d + 1) != &c->policy->versions[vi])
		return false;
	*deadline = d;
	return true;
}

/* One training deadline to check: on `day` (the day after the deadline),
 * rule ri of version vi, for person pix. */
typedef struct cc_tdue {
	date_t day;
	uint32_t vi, ri, pix;
} cc_tdue;

static int cmp_tdue(const void *a, const void *b)
{
	const cc_tdue *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (x->vi != y->vi)
		return x->vi < y->vi ? -1 : 1;
	if (x->ri != y->ri)
		return x->ri < y->ri ? -1 : 1;
	return x->pix < y->pix ? -1 : x->pix > y->pix;
}

/* Every training deadline from the clock's start on, sorted.  Whether a
 * person was already checked is looked at when the day comes (a state
 * loaded with --state-in may have checked some). */
static int make_tdue(cc_state *c)
{
	size_t n = 0, cap = 0;
	cc_tdue *t = NULL;

	free(c->tdue);
	c->tdue = NULL;
	c->n_tdue = c->tnext = 0;
	for (size_t vi = 0; vi < c->policy->n_versions; vi++) {
		const policy_version *v = &c->policy->versions[vi];
		for (size_t i = 0; i < v->n_rules; i++) {
			const rule *r = &v->rules[i];
			if (!r->training)
				continue;
			for (uint32_t pix = 0; pix < c->n_people; pix++) {
				date_t d;
				if (!training_deadline(c, vi, r, pix, &d))
					continue;
				if (cc_grow((void **)&t, &cap, n + 1, sizeof *t)) {
					free(t);
					return eval_error(c->e, INC_ERROR,
							  "out of memory");
				}
				t[n++] = (cc_tdue){d + 1, (uint32_t)vi,
						   (uint32_t)i, pix};
			}
		}
	}
	if (n > 1)
		qsort(t, n, sizeof *t, cmp_tdue);
	c->tdue = t;
	c->n_tdue = n;
	c->tdue_made = true;
	c->tdue_start = c->clock_start;
	return 0;
}

/* Whether deadline t is still to be checked (the person may have been
 * checked since under another version's rule of the same id). */
static bool tdue_pending(const cc_state *c, const cc_tdue *t)
{
	const rule *r = &c->policy->versions[t->vi].rules[t->ri];
	date_t d;

	return training_deadline(c, t->vi, r, t->pix, &d) && d + 1 == t->day;
}

static int compute_next_due(cc_state *c)
{
	date_t best = INT32_MAX;

	c->due_dirty = false;
	if (!c->has_clock) {
		c->next_due = INT32_MAX;
		return 0;
	}
	for (uint32_t s = 0; s < c->n_slots; s++) {
		cc_duty *du = &c->duties[s];
		if (!du->started)
			continue;
		date_t day = duty_check_day(c, s);
		if (day < best)
			best = day;
	}
	if (c->any_training) {
		if (!c->tdue_made || c->tdue_start != c->clock_start) {
			int rc = make_tdue(c);
			if (rc)
				return rc;
		}
		while (c->tnext < c->n_tdue &&
		       !tdue_pending(c, &c->tdue[c->tnext]))
			c->tnext++;
		if (c->tnext < c->n_tdue && c->tdue[c->tnext].day < best)
			best = c->tdue[c->tnext].day;
	}
	c->next_due = best;
	return 0;
}

/* Whether pix must do something due on `due` (employed, not dismissed). */
static bool employed_until(const cc_state *c, uint32_t pix, date_t since, date_t due)
{
	const person *who = &c->ro->people[pix];
	const cc_person *pp = &c->people[pix];

	if (who->hired > since)
		return false;
	if (who->has_left && who->left <= due)
		return false;
	if (pp->dismissed && pp->dismissed_on < due)
		return false;
	return true;
}

static int check_duty(cc_state *c, uint32_t s, date_t day)
{
	cc_duty *du = &c->duties[s];
	date_t start = du->next;
	const rule *r = duty_at(c, s, start);
	const duty_spec *d = r->duty;
	date_t end = iv_end(d->every, start), due = end + d->due_days;
	const policy_version *v = policy_version_at(c->policy, due);
	const rule *rd = cc_rule_in(v, s);
	char label[16], dd[11];
	int rc = 0;

	iv_label(label, d->every, start);
	date_format(dd, due);
	if (rd && rd->duty) {
		r = rd;
		d = rd->duty;
		/* who reported: one pass over the reports */
		bool *done = calloc(c->n_people ? c->n_people : 1, sizeof *done);
		if (!done)
			return eval_error(c->e, INC_ERROR, "out of memory");
		for (size_t i = 0; i < du->n_reports; i++) {
			const cc_report *rep = &du->reports[i];
			date_t cs;
			if (rep->date > due)
				continue;
			if (d->covers_field >= 0 ? rep->covers && iv_parse(d->every, rep->covers, &cs) &&
							   cs == start
						 : rep->date >= start)
				done[rep->person] = true;
		}
		for (uint32_t pix = 0; pix < c->n_people && rc == 0; pix++) {
			if (done[pix] || !employed_until(c, pix, start, due))
				continue;
			int h = eval_conds(c->e, r, &r->when, NULL, pix);
			if (h < 0) {
				rc = h;
				break;
			}
			if (!h)
				continue;
			strbuf what;
			sb_init(&what);
			sb_printf(&what, "no %s for %s by %s (rule %s)",
				  v->types[r->on_type].name, label, dd, r->id);
			rc = what.oom ? eval_error(c->e, INC_ERROR, "out of memory")
				      : cc_violation_add(c, policy_version_at(c->policy, day), pix, "",
							 sb_cstr(&what), day, d->violation.category,
							 d->violation.severity, r, v, NULL, 0);
			sb_finish(&what);
		}
		free(done);
	}
	if (rc)
		return rc;
	/* next interval; reports that can no longer count are dropped */
	duty_seek(c, s, iv_end(d->every, start) + 1);
	size_t k = 0;
	for (size_t i = 0; i < du->n_reports; i++) {
		const cc_report *rep = &du->reports[i];
		date_t cs;
		bool keep;
		if (du->next == INT32_MAX)
			keep = false;
		else if (d->covers_field >= 0)
			keep = rep->covers && iv_parse(d->every, rep->covers, &cs) && cs >= du->next;
		else
			keep = rep->date >= du->next;
		if (keep)
			du->reports[k++] = *rep;
	}
	du->n_reports = k;
	return 0;
}

static int start_hold(cc_state *c, const policy_version *v, const rule *r,
		      uint32_t pix, date_t day, const char *what)
{
	cc_person *pp = &c->people[pix];
	const training_spec *s = r->training;
	char d1[11];

	if (cc_grow((void **)&pp->holds, &pp->cap_holds, pp->n_holds + 1, sizeof *pp->holds))
		return eval_error(c->e, INC_ERROR, "out of memory");
	cc_hold *h = &pp->holds[pp->n_holds++];
	memset(h, 0, sizeof *h);
	h->rule = r->id;
	h->slot = r->slot;
	h->spec = s;
	h->since = day;
	h->held = dec_zero();
	sb_init(&h->events);
	c->n_active_holds++;
	date_format(d1, day);
	cc_begin(c);
	sb_printf(&c->reason, "hold: %s; ", what);
	if (s->hold_all) {
		sb_puts(&c->reason, "every payment");
	} else {
		sb_puts(&c->reason, "payments of ");
		for (size_t i = 0; i < s->n_hold; i++)
			sb_printf(&c->reason, "%s%s", i ? ", " : "",
				  c->policy->rule_slot_ids[s->hold[i]]);
	}
	sb_printf(&c->reason, " held from %s until it is completed", d1);
	cc_det(c, "since", "%s", d1);
	cc_det(c, "course", "%s", s->course);
	return cc_emit(c, v, r, pix, "hold", true, dec_zero(), NULL);
}

static int check_training(cc_state *c, const policy_version *vt, const rule *r,
			  uint32_t pix, date_t deadline, date_t day)
{
	cc_person *pp = &c->people[pix];
	const training_spec *s = r->training;
	const person *who = &c->ro->people[pix];
	char d1[11], d2[11];
	int rc = 0;

	if (cc_grow((void **)&pp->checked, &pp->cap_checked, pp->n_checked + 1, sizeof *pp->checked))
		return eval_error(c->e, INC_ERROR, "out of memory");
	pp->checked[pp->n_checked++] = r->slot;
	if (!employed_until(c, pix, s->has_by ? deadline : who->hired, deadline))
		return 0;
	int h = eval_conds(c->e, r, &r->when, NULL, pix);
	if (h <= 0)
		return h;
	if (careers_training_met(c, s, pix, deadline))
		return 0;
	strbuf what;
	sb_init(&what);
	date_format(d1, deadline);
	date_format(d2, who->hired);
	sb_printf(&what, "%s", s->course);
	if (s->has_min_score)
		sb_printf(&what, " (score at least %lld)", (long long)s->min_score);
	sb_printf(&what, " not completed by %s", d1);
	if (s->has_within)
		sb_printf(&what, " (%d days after the hire date %s)", (int)s->within_days, d2);
	sb_printf(&what, ", rule %s", r->id);
	if (what.oom)
		rc = eval_error(c->e, INC_ERROR, "out of memory");
	const policy_version *v = policy_version_at(c->policy, day);
	if (rc == 0 && s->has_violation)
		rc = cc_violation_add(c, v, pix, "", sb_cstr(&what), day,
				      s->violation.category, s->violation.severity, r, vt,
				      NULL, 0);
	if (rc == 0 && (s->hold_all || s->n_hold))
		rc = start_hold(c, vt, r, pix, day, sb_cstr(&what));
	sb_finish(&what);
	return rc;
}

/* Runs every check due on `day`: duties in rule-slot order, then training
 * deadlines by version, rule and person. */
static int run_checks(cc_state *c, date_t day)
{
	int rc = 0;

	for (uint32_t s = 0; s < c->n_slots && rc == 0; s++)
		if (c->duties[s].started && duty_check_day(c, s) == day)
			rc = check_duty(c, s, day);
	/* the deadlines of the day, in (version, rule, person) order */
	while (rc == 0 && c->tnext < c->n_tdue && c->tdue[c->tnext].day <= day) {
		const cc_tdue *t = &c->tdue[c->tnext++];
		if (t->day != day || !tdue_pending(c, t))
			continue;
		const policy_version *v = &c->policy->versions[t->vi];
		rc = check_training(c, v, &v->rules[t->ri], t->pix, t->day - 1,
				    day);
	}
	return rc;
}

/* Starts the clock (the first day evaluated) and the duty cursors. */
static void start_clock(cc_state *c, date_t first)
{
	if (!c->has_clock)
		cc_start(c, first, first);
}

void cc_start(cc_state *c, date_t clock_start, date_t from)
{
	c->has_clock = true;
	c->clock_start = clock_start;
	c->due_dirty = true;
	/* over the rules, not over slots x rules: that was quadratic in the
	 * number of rules (a 180,000-rule policy spent 200 s here) */
	for (size_t vi = 0; c->any_duty && vi < c->policy->n_versions; vi++) {
		const policy_version *v = &c->policy->versions[vi];
		for (size_t i = 0; i < v->n_rules; i++) {
			const rule *r = &v->rules[i];
			if (!r->duty || r->slot >= c->n_slots ||
			    c->duties[r->slot].started)
				continue;
			c->duties[r->slot].started = true;
			duty_seek(c, r->slot, from);
		}
	}
}

/* Runs, in date order, every check due on or before now. */
static int advance(cc_state *c, date_t now)
{
	if (!c->any_duty && !c->any_training)
		return 0;
	for (;;) {
		int rc;
		if (c->due_dirty && (rc = compute_next_due(c)) != 0)
			return rc;
		if (c->next_due > now)
			return 0;
		rc = run_checks(c, c->next_due);
		c->due_dirty = true;
		if (rc)
			return rc;
	}
}

/* ---- holds ---------------------------------------------------------------- */

static bool hold_covers(const cc_hold *h, uint32_t slot)
{
	if (h->spec->hold_all)
		return true;
	for (size_t i = 0; i < h->spec->n_hold; i++)
		if (h->spec->hold[i] == slot)
			return true;
	return false;
}

/* The training rule of a hold, in v or else in the latest version. */
static const rule *hold_rule(const cc_state *c, const policy_version *v, const cc_hold *h)
{
	const rule *r = cc_rule_in(v, h->slot);
	for (size_t vi = c->policy->n_versions; !r && vi-- > 0;)
		r = cc_rule_in(&c->policy->versions[vi], h->slot);
	return r;
}

int cc_after_money(cc_state *c, const policy_version *v, const rule *r,
		   uint32_t pix, dec amount, const char *events)
{
	char b1[64], d1[11];

	if (!c || c->n_active_holds == 0 || !r || dec_sign(amount) <= 0)
		return 0;
	cc_person *pp = &c->people[pix];
	for (size_t i = 0; i < pp->n_holds; i++) {
		cc_hold *h = &pp->holds[i];
		if (h->since > c->now || !hold_covers(h, r->slot))
			continue;
		const person *who = &c->ro->people[pix];
		const rule *tr = hold_rule(c, v, h);
		if (dec_add(&h->held, h->held, amount) != DEC_OK)
			return eval_error(c->e, INC_EARITH, "rule %s: arithmetic overflow", h->rule);
		for (const char *p = events; p && *p;) {
			const char *q = strchr(p, ',');
			size_t n = q ? (size_t)(q - p) : strlen(p);
			char id[160];
			snprintf(id, sizeof id, "%.*s", (int)(n < sizeof id ? n : sizeof id - 1), p);
			add_event(&h->events, id);
			p = q ? q + 1 : p + n;
		}
		if (h->events.oom)
			return eval_error(c->e, INC_ERROR, "out of memory");
		date_format(d1, h->since);
		cc_begin(c);
		sb_printf(&c->reason, "held: %s of %s until %s is completed (held since %s, rule %s)",
			  money_words(b1, sizeof b1, amount, who->minor), r->id,
			  h->spec->course, d1, h->rule);
		sb_puts(&c->events, events ? events : "");
		cc_det(c, "held_rule", "%s", r->id);
		cc_det_dec(c, "held_total", h->held);
		return cc_emit(c, v, tr ? tr : r, pix, "hold", true, dec_neg(amount), NULL);
	}
	return 0;
}

/* Releases the holds of pix that fact f completes. */
static int release_holds(cc_state *c, const policy_version *v, uint32_t pix,
			 const cc_fact *f)
{
	cc_person *pp = &c->people[pix];
	const person *who = &c->ro->people[pix];
	char b1[64], d1[11], d2[11];
	int rc = 0;

	for (size_t i = 0; i < pp->n_holds && rc == 0;) {
		cc_hold *h = &pp->holds[i];
		if (!careers_fact_meets(h->spec, f)) {
			i++;
			continue;
		}
		const rule *tr = hold_rule(c, v, h);
		date_format(d1, h->since);
		date_format(d2, f->date);
		cc_begin(c);
		sb_printf(&c->reason, "released %s held since %s: %s completed (%s on %s",
			  money_words(b1, sizeof b1, h->held, who->minor), d1,
			  h->spec->course, f->event, d2);
		if (f->has_score)
			sb_printf(&c->reason, ", score %lld", (long long)f->score);
		sb_putc(&c->reason, ')');
		if (h->events.len)
			sb_printf(&c->reason, "; held payments: %s", sb_cstr(&h->events));
		add_event(&c->events, f->event);
		if (h->events.len) {
			sb_putc(&c->events, ',');
			sb_puts(&c->events, sb_cstr(&h->events));
		}
		cc_det(c, "since", "%s", d1);
		cc_det_dec(c, "released", h->held);
		if (tr)
			rc = cc_emit(c, v, tr, pix, "release", true, h->held, NULL);
		sb_finish(&h->events);
		memmove(h, h + 1, sizeof *h * (pp->n_holds - i - 1));
		pp->n_holds--;
		c->n_active_holds--;
	}
	return rc;
}

/* ---- hooks ------------------------------------------------------------------ */

int cc_create(cc_state **out, evaluator *e)
{
	cc_state *c = calloc(1, sizeof *c);
	const inc_policy *p = eval_policy(e);

	if (!c)
		return INC_ERROR;
	c->e = e;
	c->policy = p;
	c->ro = eval_roster(e);
	c->pkind = p->versions[0].period;
	c->n_people = c->ro->n_people;
	c->n_slots = p->n_rule_slots;
	c->next_due = INT32_MAX;
	c->due_dirty = true;
	arena_init(&c->mem);
	strmap_init(&c->slots);
	sb_init(&c->reason);
	sb_init(&c->events);
	sb_init(&c->detail);
	c->people = calloc(c->n_people ? c->n_people : 1, sizeof *c->people);
	c->duties = calloc(c->n_slots ? c->n_slots : 1, sizeof *c->duties);
	if (!c->people || !c->duties)
		goto oom;
	for (uint32_t s = 0; s < c->n_slots; s++)
		if (strmap_put(&c->slots, p->rule_slot_ids[s], strlen(p->rule_slot_ids[s]), s,
			       NULL) < 0)
			goto oom;
	for (size_t vi = 0; vi < p->n_versions; vi++)
		for (size_t i = 0; i < p->versions[vi].n_rules; i++) {
			const rule *r = &p->versions[vi].rules[i];
			c->any_duty |= r->duty != NULL;
			c->any_training |= r->training != NULL &&
					   (r->training->has_within || r->training->has_by);
		}
	*out = c;
	return 0;
oom:
	cc_destroy(c);
	return INC_ERROR;
}

void cc_destroy(cc_state *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->people && i < c->n_people; i++) {
		cc_person *pp = &c->people[i];
		for (size_t h = 0; h < pp->n_holds; h++)
			sb_finish(&pp->holds[h].events);
		free(pp->levels);
		free(pp->viols);
		free(pp->holds);
		free(pp->facts);
		free(pp->approvals);
		free(pp->hist);
		free(pp->checked);
	}
	for (uint32_t s = 0; c->duties && s < c->n_slots; s++)
		free(c->duties[s].reports);
	free(c->tdue);
	free(c->people);
	free(c->duties);
	strmap_finish(&c->slots);
	arena_finish(&c->mem);
	sb_finish(&c->reason);
	sb_finish(&c->events);
	sb_finish(&c->detail);
	free(c);
}

int cc_event_closed(cc_state *c, const event *ev)
{
	if (!c->resumed || ev->date > c->resume_end)
		return 0;
	c->n_closed_events++;
	inc_run_stats *st = eval_stats(c->e);
	if (st)
		st->events_before_state++;
	return 1;
}

int cc_event_begin(cc_state *c, const event *ev)
{
	cc_person *pp = &c->people[ev->person];

	/* the clock's start is worked out only the once it is needed (it was
	 * ~190 instructions an event, every event) */
	if (!c->has_clock)
		start_clock(c, period_start(c->pkind, period_of(c->pkind, ev->date)));
	c->now = ev->date;
	int rc = advance(c, ev->date);
	if (rc)
		return rc;
	if (!pp->dismissed || ev->date <= pp->dismissed_on)
		return 0;
	char d1[11], d2[11];
	date_format(d1, ev->date);
	date_format(d2, pp->dismissed_on);
	inc_run_stats *st = eval_stats(c->e);
	if (st)
		st->events_after_dismissal++;
	rc = eval_warning(c->e, ev->file, ev->line,
			  "event %.*s (%s, %s) of %s is dated after their dismissal effective %s "
			  "(rule %s, %s): it earns nothing and is not evaluated",
			  (int)ev->id_len, ev->id, ev->type->name, d1, c->ro->people[ev->person].id,
			  d2, pp->dismissed_rule,
			  pp->dismissed_event[0] ? pp->dismissed_event : "missed duty");
	return rc ? rc : 1;
}

bool cc_dismissed_on(const cc_state *c, uint32_t pix, date_t *d)
{
	if (!c || !c->people[pix].dismissed)
		return false;
	*d = c->people[pix].dismissed_on;
	return true;
}

int cc_part_dismissed(cc_state *c, const event *ev, uint32_t pix)
{
	const cc_person *pp = &c->people[pix];
	if (!pp->dismissed || ev->date <= pp->dismissed_on)
		return 0;
	char d2[11];
	date_format(d2, pp->dismissed_on);
	inc_run_stats *st = eval_stats(c->e);
	if (st)
		st->events_after_dismissal++;
	int rc = eval_warning(c->e, ev->file, ev->line,
			      "event %.*s: %s's share earns nothing: %s was dismissed effective %s "
			      "(rule %s)",
			      (int)ev->id_len, ev->id, c->ro->people[pix].id, c->ro->people[pix].id,
			      d2, pp->dismissed_rule);
	return rc ? rc : 1;
}

static int record_report(cc_state *c, const rule *r, const event *ev)
{
	cc_duty *du = &c->duties[r->slot];
	const char *covers = NULL;

	if (r->duty->covers_field >= 0) {
		/* a report naming no interval of this duty can never count */
		const field_value *fv = &ev->fields[r->duty->covers_field];
		char text[32];
		date_t start;
		if (!fv->present || fv->v.u.str.len >= sizeof text)
			return 0;
		memcpy(text, fv->v.u.str.s, fv->v.u.str.len);
		text[fv->v.u.str.len] = '\0';
		if (!iv_parse(r->duty->every, text, &start))
			return 0;
		covers = arena_strdup(&c->mem, text);
		if (!covers)
			return eval_error(c->e, INC_ERROR, "out of memory");
	}
	if (cc_grow((void **)&du->reports, &du->cap_reports, du->n_reports + 1, sizeof *du->reports))
		return eval_error(c->e, INC_ERROR, "out of memory");
	du->reports[du->n_reports++] = (cc_report){ev->person, ev->date, covers};
	return 0;
}

int cc_event(cc_state *c, const event *ev)
{
	const policy_version *v = ev->version;
	int rc = 0;

	for (size_t i = 0; i < ev->type->n_rules && rc == 0; i++) {
		const rule *r = &v->rules[ev->type->rules[i]];
		if (r->duty) {
			rc = record_report(c, r, ev);
		} else if (r->discipline) {
			const discipline_spec *d = r->discipline;
			int h = eval_conds(c->e, r, &r->when, ev, ev->person);
			if (h <= 0) {
				rc = h;
				continue;
			}
			const field_value *fc = &ev->fields[d->category_field];
			const field_value *fs = &ev->fields[d->severity_field];
			if (!fc->present || !fs->present)
				continue; /* required fields: cannot happen */
			sb_reset(&c->detail);
			char id[160];
			snprintf(id, sizeof id, "%.*s", (int)ev->id_len, ev->id);
			rc = cc_violation_add(c, v, ev->person, id, "", ev->date,
					      d->categories[fc->v.u.ix], d->severities[fs->v.u.ix],
					      NULL, NULL, ev->file, ev->line);
		}
	}
	if (rc)
		return rc;
	const cc_fact *f = NULL;
	rc = careers_on_event(c, ev, &f);
	if (rc == 0 && f && c->people[ev->person].n_holds)
		rc = release_holds(c, v, ev->person, f);
	return rc;
}

int cc_period_begin(cc_state *c, int32_t p)
{
	start_clock(c, period_start(c->pkind, p));
	c->now = period_end(c->pkind, p);
	return advance(c, c->now);
}

int cc_forfeits(cc_state *c, const rule *r, uint32_t pix, int32_t p)
{
	const cc_person *pp = &c->people[pix];
	date_t end = period_end(c->pkind, p);
	char d1[11], pb[16];

	if (!pp->dismissed || pp->dismissed_on >= end)
		return 0;
	dec credited, quo;
	bool has_quota;
	eval_figures(c->e, pix, &credited, &has_quota, &quo);
	if (has_quota) {
		date_format(d1, pp->dismissed_on);
		period_format(pb, c->pkind, p);
		int rc = eval_warning(c->e, NULL, 0,
				      "%s was dismissed effective %s (rule %s): rule %s pays nothing "
				      "for %s",
				      c->ro->people[pix].id, d1, pp->dismissed_rule, r->id, pb);
		if (rc)
			return rc;
	}
	return 1;
}

/* Deducts what is left of pix's carried fines, within the period's limit. */
static int carried_fines(cc_state *c, const policy_version *v, uint32_t pix, int32_t p)
{
	cc_person *pp = &c->people[pix];
	const rule *r = cc_discipline_of(v);
	const person *who = &c->ro->people[pix];
	char b1[64], b2[64], b3[64], pb[16];
	dec take = pp->fine_balance, left;

	if (!r || dec_sign(pp->fine_balance) <= 0)
		return 0;
	if (r->discipline->has_fine_limit) {
		dec room;
		if (dec_sub(&room, r->discipline->fine_limit, pp->fined) != DEC_OK)
			return eval_error(c->e, INC_EARITH, "rule %s: arithmetic overflow", r->id);
		if (dec_sign(room) <= 0)
			return 0;
		if (dec_cmp(take, room) > 0)
			take = room;
	}
	if (dec_sub(&left, pp->fine_balance, take) != DEC_OK ||
	    dec_add(&pp->fined, pp->fined, take) != DEC_OK)
		return eval_error(c->e, INC_EARITH, "rule %s: arithmetic overflow", r->id);
	period_format(pb, c->pkind, p);
	cc_begin(c);
	sb_printf(&c->reason, "fine carried from an earlier period: %s of %s deducted in %s",
		  money_words(b1, sizeof b1, take, who->minor),
		  money_words(b2, sizeof b2, pp->fine_balance, who->minor), pb);
	if (r->discipline->has_fine_limit)
		sb_printf(&c->reason, " (at most %s a period)",
			  money_words(b3, sizeof b3, r->discipline->fine_limit, who->minor));
	if (dec_sign(left) > 0)
		sb_printf(&c->reason, "; %s still carried", money_words(b3, sizeof b3, left, who->minor));
	cc_det_dec(c, "balance_before", pp->fine_balance);
	cc_det_dec(c, "deducted", take);
	cc_det_dec(c, "balance", left);
	pp->fine_balance = left;
	return cc_emit(c, v, r, pix, "fine", true, dec_neg(take), NULL);
}

int cc_period_end(cc_state *c, const policy_version *v, int32_t p)
{
	date_t end = period_end(c->pkind, p);
	const rule *disc = cc_discipline_of(v);
	int rc = 0;

	c->now = end;
	for (uint32_t pix = 0; pix < c->n_people && rc == 0; pix++) {
		cc_person *pp = &c->people[pix];
		if (v)
			rc = carried_fines(c, v, pix, p);
		if (rc == 0 && v)
			rc = careers_period_end(c, v, p, pix);
		pp->fined = dec_zero();
		/* violations that can never be active again are dropped */
		if (disc) {
			size_t k = 0;
			for (size_t i = 0; i < pp->n_viols; i++) {
				duration life;
				const cc_violation *w = &pp->viols[i];
				if (!life_of(disc->discipline, w->severity, &life) ||
				    cc_date_add(w->date, life) > end)
					pp->viols[k++] = *w;
			}
			pp->n_viols = k;
		}
	}
	c->closed_any = true;
	c->last_closed = p;
	return rc;
}
