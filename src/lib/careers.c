/*
 * careers.c: careers at run time (seed 5.1 promotions, 6 training, 7.1
 * appraisal): the level history that makes a promotion or demotion change
 * a person's level from the start of the next period, training facts and
 * promotion approvals taken from events, the per-period history of
 * attainment and ratings, the appraisal table and the promotion and
 * demotion rules.  The state lives in conduct.h's cc_state; see
 * careers.h for what conduct.c calls here.
 */
#include "careers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- level history ---------------------------------------------------------- */

const char *cc_level_at(const cc_state *c, uint32_t pix, date_t d)
{
	const cc_person *pp = &c->people[pix];
	const char *lvl = NULL;

	for (size_t i = 0; i < pp->n_levels && pp->levels[i].from <= d; i++)
		lvl = pp->levels[i].level;
	return lvl;
}

int cc_level_set(cc_state *c, uint32_t pix, date_t from, const char *lvl,
		 const char *rule_id)
{
	cc_person *pp = &c->people[pix];
	size_t i = 0;

	while (i < pp->n_levels && pp->levels[i].from < from)
		i++;
	cc_level lv = {from, cc_str(c, lvl), cc_str(c, rule_id)};
	if (!lv.level || !lv.rule)
		return eval_error(c->e, INC_ERROR, "out of memory");
	if (i < pp->n_levels && pp->levels[i].from == from) {
		pp->levels[i] = lv; /* a later decision for the same day wins */
		return 0;
	}
	if (cc_grow((void **)&pp->levels, &pp->cap_levels, pp->n_levels + 1, sizeof lv))
		return eval_error(c->e, INC_ERROR, "out of memory");
	memmove(&pp->levels[i + 1], &pp->levels[i], sizeof lv * (pp->n_levels - i));
	pp->levels[i] = lv;
	pp->n_levels++;
	return 0;
}

date_t cc_level_since(const cc_state *c, uint32_t pix, date_t d, bool *initial)
{
	const cc_person *pp = &c->people[pix];
	date_t since = c->ro->people[pix].hired;

	*initial = true;
	for (size_t i = 0; i < pp->n_levels && pp->levels[i].from <= d; i++) {
		since = pp->levels[i].from;
		*initial = false;
	}
	return since;
}

/* ---- training facts and approvals -------------------------------------------- */

bool careers_fact_meets(const training_spec *s, const cc_fact *f)
{
	if (strcmp(f->course, s->course) != 0)
		return false;
	return !s->has_min_score || (f->has_score && f->score >= s->min_score);
}

const cc_fact *careers_training_met(const cc_state *c, const training_spec *s,
				    uint32_t pix, date_t by)
{
	const cc_person *pp = &c->people[pix];

	for (size_t i = 0; i < pp->n_facts; i++)
		if (pp->facts[i].date <= by && careers_fact_meets(s, &pp->facts[i]))
			return &pp->facts[i];
	return NULL;
}

static const char *field_text(cc_state *c, const event *ev, int f)
{
	if (f < 0 || !ev->fields[f].present)
		return "";
	const value *v = &ev->fields[f].v;
	return arena_strndup(&c->mem, v->u.str.s, v->u.str.len);
}

/* The event's id as a C string in id[160] (truncated like "%.*s" would),
 * made only when a rule keeps it: an snprintf for every event was ~600
 * instructions an event on the default policy (callgrind, 100k events). */
static const char *id_text(char id[static 160], const event *ev)
{
	size_t n = strnlen(ev->id, ev->id_len);

	if (n > 159)
		n = 159;
	memcpy(id, ev->id, n);
	id[n] = '\0';
	return id;
}

int careers_on_event(cc_state *c, const event *ev, const cc_fact **fact)
{
	const policy_version *v = ev->version;
	cc_person *pp = &c->people[ev->person];
	char id[160];

	*fact = NULL;
	/* most policies have neither kind of rule: two walks of the rules per
	 * event were ~95 instructions (peers policy) */
	if (c->careers_v != v) {
		c->careers_v = v;
		c->careers_any = false;
		for (size_t i = 0; i < v->n_rules; i++)
			if (v->rules[i].training ||
			    (v->rules[i].career && v->rules[i].career->approval_type >= 0))
				c->careers_any = true;
	}
	if (!c->careers_any)
		return 0;
	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		if (!r->training || r->on_type < 0 || &v->types[r->on_type] != ev->type)
			continue;
		const training_spec *s = r->training;
		cc_fact f = {
		    .event = cc_str(c, id_text(id, ev)),
		    .date = ev->date,
		    .course = field_text(c, ev, s->course_field),
		};
		if (s->score_field >= 0 && ev->fields[s->score_field].present) {
			f.has_score = true;
			f.score = ev->fields[s->score_field].v.u.i;
		}
		if (!f.event || !f.course ||
		    cc_grow((void **)&pp->facts, &pp->cap_facts, pp->n_facts + 1, sizeof f))
			return eval_error(c->e, INC_ERROR, "out of memory");
		pp->facts[pp->n_facts++] = f;
		*fact = &pp->facts[pp->n_facts - 1];
		break; /* one fact per event (the loader keeps their fields alike) */
	}
	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		const career_spec *cs = r->career;
		if (!cs || cs->approval_type < 0 || &v->types[cs->approval_type] != ev->type)
			continue;
		cc_approval a = {
		    .event = cc_str(c, id_text(id, ev)),
		    .date = ev->date,
		    .type = ev->type->name,
		    .approver = field_text(c, ev, cs->approver_field),
		};
		if (!a.event || !a.approver ||
		    cc_grow((void **)&pp->approvals, &pp->cap_approvals, pp->n_approvals + 1,
			    sizeof a))
			return eval_error(c->e, INC_ERROR, "out of memory");
		pp->approvals[pp->n_approvals++] = a;
		break;
	}
	return 0;
}

/* ---- period end ------------------------------------------------------------------ */

/* credited / quota as "104.00%", truncated (99.996% is 99.99%). */
static const char *attain_words(char *buf, size_t cap, dec credited, dec quo)
{
	dec f, pct;

	if (dec_sign(quo) <= 0 || dec_div(&f, credited, quo, 4, DEC_FLOOR) != DEC_OK ||
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

static const char *pct_words(char *buf, size_t cap, dec fraction)
{
	dec_format_percent(buf, cap, fraction);
	return buf;
}

/* credited compared with fraction x quota, exactly: <0, 0, >0. */
static int cmp_share(dec credited, dec quo, dec fraction, bool *ok)
{
	dec need;
	*ok = dec_mul(&need, fraction, quo) == DEC_OK;
	return *ok ? dec_cmp(credited, need) : 0;
}

static const char *periods_word(period_kind k, uint32_t n)
{
	static const char *const one[] = {"month", "quarter", "year"};
	static const char *const many[] = {"months", "quarters", "years"};
	return n == 1 ? one[k] : many[k];
}

static const cc_hist *hist_of(const cc_person *pp, int32_t p)
{
	for (size_t i = pp->n_hist; i-- > 0;)
		if (pp->hist[i].period == p)
			return &pp->hist[i];
	return NULL;
}

static const rule *appraisal_of(const policy_version *v)
{
	for (size_t i = 0; v && i < v->n_rules; i++)
		if (v->rules[i].appraisal)
			return &v->rules[i];
	return NULL;
}

static void describe_active(cc_state *c, int active, const cc_violation *which)
{
	char w[32], d1[11];
	if (active < 0 || !which) {
		sb_puts(&c->reason, "no active discipline");
		return;
	}
	date_format(d1, which->date);
	sb_printf(&c->reason, "active %s (%s%s %s)", cc_words(w, sizeof w, which->step),
		  which->event[0] ? which->event : which->what,
		  which->event[0] ? " on" : ", recorded", d1);
}

static int appraise(cc_state *c, const policy_version *v, const rule *r, uint32_t pix,
		    int32_t p, cc_hist *h)
{
	const appraisal_spec *a = r->appraisal;
	const rule *disc = cc_discipline_of(v);
	const discipline_spec *ds = disc ? disc->discipline : NULL;
	date_t end = period_end(c->pkind, p);
	const cc_violation *which = NULL;
	int active = cc_active_step(c, v, pix, end, &which);
	const rating_row *row = NULL;
	char b1[64], b2[64], b3[64];

	for (size_t i = 0; i < a->n_rows && !row; i++) {
		const rating_row *rr = &a->rows[i];
		bool ok = true;
		if (rr->has_lo || rr->has_hi) {
			if (dec_sign(h->quota) <= 0)
				continue;
			bool fine;
			if (rr->has_lo) {
				int k = cmp_share(h->credited, h->quota, rr->lo, &fine);
				ok = fine && (rr->lo_strict ? k > 0 : k >= 0);
			}
			if (ok && rr->has_hi) {
				int k = cmp_share(h->credited, h->quota, rr->hi, &fine);
				ok = fine && (rr->hi_strict ? k < 0 : k <= 0);
			}
		}
		if (ok && rr->disc != DT_NONE) {
			int k = cc_step_rank(ds, step_kind_name(rr->disc_step));
			ok = rr->disc == DT_CLEAN	  ? active < 0
			     : rr->disc == DT_AT_LEAST ? active >= 0 && active >= k
						       : active <= k;
		}
		if (ok)
			row = rr;
	}
	if (!row) {
		return eval_warning(c->e, NULL, 0,
				    "%s: no row of appraisal rule %s applies: no rating",
				    c->ro->people[pix].id, r->id);
	}
	h->rating = row->rating;
	cc_begin(c);
	sb_printf(&c->reason, "%s: attainment %s", row->rating,
		  attain_words(b1, sizeof b1, h->credited, h->quota));
	if (row->has_lo || row->has_hi) {
		sb_puts(&c->reason, " (");
		if (row->has_lo)
			sb_printf(&c->reason, "%s %s", row->lo_strict ? "above" : "at least",
				  pct_words(b2, sizeof b2, row->lo));
		if (row->has_hi)
			sb_printf(&c->reason, "%s%s %s", row->has_lo ? ", " : "",
				  row->hi_strict ? "below" : "at most",
				  pct_words(b3, sizeof b3, row->hi));
		sb_putc(&c->reason, ')');
	}
	sb_puts(&c->reason, "; ");
	describe_active(c, active, which);
	if (row->disc == DT_AT_LEAST || row->disc == DT_AT_MOST)
		sb_printf(&c->reason, " (%s %s)", row->disc == DT_AT_LEAST ? "at least" : "at most",
			  cc_words(b2, sizeof b2, step_kind_name(row->disc_step)));
	if (!row->has_lo && !row->has_hi && row->disc == DT_NONE)
		sb_puts(&c->reason, "; no other row applies");
	if (which && which->event[0] && active >= 0)
		sb_puts(&c->events, which->event);
	cc_det(c, "rating", "%s", row->rating);
	cc_det(c, "row", "%zu", (size_t)(row - a->rows) + 1);
	cc_det_dec(c, "credited", h->credited);
	cc_det_dec(c, "quota", h->quota);
	cc_det(c, "active_step", "%s", active >= 0 && which ? which->step : "none");
	return cc_emit(c, v, r, pix, "appraisal", false, dec_zero(), NULL);
}

/* The training requirement of slot s (in v, else the latest version). */
static const training_spec *training_of(const cc_state *c, const policy_version *v, uint32_t s)
{
	const rule *r = cc_rule_in(v, s);
	for (size_t vi = c->policy->n_versions; (!r || !r->training) && vi-- > 0;)
		r = cc_rule_in(&c->policy->versions[vi], s);
	return r ? r->training : NULL;
}

/* Applies promotion or demotion rule r to pix at the end of p when every
 * criterion holds; *moved tells whether it did. */
static int career_move(cc_state *c, const policy_version *v, const rule *r, uint32_t pix,
		       int32_t p, bool *moved)
{
	const career_spec *cs = r->career;
	cc_person *pp = &c->people[pix];
	const person *who = &c->ro->people[pix];
	date_t end = period_end(c->pkind, p), eff = end + 1;
	char b1[64], b2[64], d1[11], d2[11];

	*moved = false;
	const char *cur = eval_person_level(c->e, pix, end);
	int li = version_level(v, cur, strlen(cur));
	if (li < 0)
		return 0;
	if (cs->n_from) {
		bool in = false;
		for (size_t i = 0; i < cs->n_from && !in; i++)
			in = strcmp(cs->from[i], cur) == 0;
		if (!in)
			return 0;
	}
	int ti = cs->to ? version_level(v, cs->to, strlen(cs->to)) : cs->down ? li - 1 : li + 1;
	if (ti < 0 || ti >= (int)v->n_levels || ti == li || (cs->down ? ti > li : ti < li))
		return 0;
	int h = eval_conds(c->e, r, &r->when, NULL, pix);
	if (h <= 0)
		return h;
	bool initial;
	date_t since = cc_level_since(c, pix, end, &initial);

	cc_begin(c);
	date_format(d1, eff);
	sb_printf(&c->reason, "%s: %s -> %s from %s", cs->down ? "demotion" : "promotion", cur,
		  v->levels[ti].id, d1);
	char sep = ':';
	if (cs->has_attainment) {
		sb_printf(&c->reason, "%c %u consecutive %s %s %s (", sep, cs->periods,
			  periods_word(c->pkind, cs->periods),
			  cs->down ? "below" : "at or above", pct_words(b1, sizeof b1, cs->attainment));
		for (uint32_t k = cs->periods; k-- > 0;) {
			int32_t q = p - (int32_t)k;
			const cc_hist *hq = hist_of(pp, q);
			bool ok;
			if (!hq || dec_sign(hq->quota) <= 0 ||
			    (!initial && period_start(c->pkind, q) < since))
				return 0;
			int cmp = cmp_share(hq->credited, hq->quota, cs->attainment, &ok);
			if (!ok || (cs->down ? cmp >= 0 : cmp < 0))
				return 0;
			char pb[16];
			period_format(pb, c->pkind, q);
			sb_printf(&c->reason, "%s%s %s", k + 1 == cs->periods ? "" : ", ", pb,
				  attain_words(b2, sizeof b2, hq->credited, hq->quota));
		}
		sb_putc(&c->reason, ')');
		sep = ';';
		cc_det(c, "periods", "%u", cs->periods);
		cc_det_dec(c, "attainment", cs->attainment);
	}
	if (cs->tenure_months >= 0) {
		duration dm = {cs->tenure_months, DUR_MONTHS};
		if (cc_date_add(since, dm) > end)
			return 0;
		date_format(d2, since);
		sb_printf(&c->reason, "%c at %s since %s (at least %d months)", sep, cur, d2,
			  (int)cs->tenure_months);
		sep = ';';
		cc_det(c, "level_since", "%s", d2);
	}
	for (size_t i = 0; i < cs->n_training; i++) {
		const training_spec *s = training_of(c, v, cs->training[i]);
		const cc_fact *f = s ? careers_training_met(c, s, pix, end) : NULL;
		if (!f)
			return 0;
		date_format(d2, f->date);
		sb_printf(&c->reason, "%c %s completed (%s on %s", sep, s->course, f->event, d2);
		if (f->has_score)
			sb_printf(&c->reason, ", score %lld", (long long)f->score);
		if (s->has_min_score)
			sb_printf(&c->reason, ", at least %lld", (long long)s->min_score);
		sb_putc(&c->reason, ')');
		sep = ';';
		if (c->events.len)
			sb_putc(&c->events, ',');
		sb_puts(&c->events, f->event);
	}
	if (cs->has_max_step) {
		const rule *disc = cc_discipline_of(v);
		const discipline_spec *ds = disc ? disc->discipline : NULL;
		const cc_violation *which = NULL;
		int active = cc_active_step(c, v, pix, end, &which);
		int allowed = cs->max_step < 0 ? -1 : cc_step_rank(ds, step_kind_name(cs->max_step));
		if (active > allowed)
			return 0;
		sb_printf(&c->reason, "%c ", sep);
		describe_active(c, active, which);
		if (cs->max_step >= 0)
			sb_printf(&c->reason, " (at most %s)",
				  cc_words(b1, sizeof b1, step_kind_name(cs->max_step)));
		sep = ';';
	}
	if (cs->min_rating) {
		const rule *ar = appraisal_of(v);
		const cc_hist *hq = hist_of(pp, p);
		if (!ar || !hq || !hq->rating || !hq->rating[0])
			return 0;
		int have = -1, need = -1;
		for (size_t i = 0; i < ar->appraisal->n_scale; i++) {
			if (strcmp(ar->appraisal->scale[i], hq->rating) == 0)
				have = (int)i;
			if (strcmp(ar->appraisal->scale[i], cs->min_rating) == 0)
				need = (int)i;
		}
		if (have < 0 || have < need)
			return 0;
		sb_printf(&c->reason, "%c rating %s (at least %s)", sep, hq->rating, cs->min_rating);
		sep = ';';
	}
	size_t ai = pp->n_approvals;
	if (cs->approval_type >= 0) {
		const char *type = v->types[cs->approval_type].name;
		for (size_t i = 0; i < pp->n_approvals && ai == pp->n_approvals; i++) {
			const cc_approval *a = &pp->approvals[i];
			if (a->date > end || (!initial && a->date < since) || strcmp(a->type, type) != 0)
				continue;
			/* the approver must be the manager on the approval's date */
			if (cs->approver_field >= 0 &&
			    strcmp(a->approver, person_manager_on(who, a->date)) != 0)
				continue;
			ai = i;
		}
		if (ai == pp->n_approvals)
			return 0;
		const cc_approval *a = &pp->approvals[ai];
		date_format(d2, a->date);
		if (a->approver[0])
			sb_printf(&c->reason, "%c approved by %s (%s on %s)", sep, a->approver,
				  a->event, d2);
		else
			sb_printf(&c->reason, "%c approved (%s on %s)", sep, a->event, d2);
		if (c->events.len)
			sb_putc(&c->events, ',');
		sb_puts(&c->events, a->event);
		cc_det(c, "approval", "%s", a->event);
	}
	cc_det(c, "from_level", "%s", cur);
	cc_det(c, "to_level", "%s", v->levels[ti].id);
	cc_det(c, "effective", "%s", d1);
	int rc = cc_level_set(c, pix, eff, v->levels[ti].id, r->id);
	if (rc)
		return rc;
	if (ai < pp->n_approvals) {
		/* an approval is used by one promotion */
		memmove(&pp->approvals[ai], &pp->approvals[ai + 1],
			sizeof *pp->approvals * (pp->n_approvals - ai - 1));
		pp->n_approvals--;
	}
	*moved = true;
	return cc_emit(c, v, r, pix, cs->down ? "demotion" : "promotion", false, dec_zero(), NULL);
}

int careers_period_end(cc_state *c, const policy_version *v, int32_t p, uint32_t pix)
{
	cc_person *pp = &c->people[pix];
	const person *who = &c->ro->people[pix];
	date_t end = period_end(c->pkind, p);
	dec credited, quo;
	bool has_quota;
	int rc = 0;

	eval_figures(c->e, pix, &credited, &has_quota, &quo);
	if (!has_quota || who->hired > end || (who->has_left && who->left <= end) ||
	    (pp->dismissed && pp->dismissed_on < end))
		return 0;
	if (pp->n_hist == CC_MAX_HISTORY) {
		memmove(pp->hist, pp->hist + 1, sizeof *pp->hist * (CC_MAX_HISTORY - 1));
		pp->n_hist--;
	}
	if (cc_grow((void **)&pp->hist, &pp->cap_hist, pp->n_hist + 1, sizeof *pp->hist))
		return eval_error(c->e, INC_ERROR, "out of memory");
	cc_hist *h = &pp->hist[pp->n_hist++];
	*h = (cc_hist){p, credited, quo, ""};

	const rule *ar = appraisal_of(v);
	if (ar)
		rc = appraise(c, v, ar, pix, p, h);
	/* one level change at a time: none when one is already decided for
	 * the next period (a demotion step of the discipline ladder) */
	for (size_t i = 0; i < pp->n_levels; i++)
		if (pp->levels[i].from == end + 1)
			return rc;
	bool moved = false;
	for (int pass = 0; pass < 2 && rc == 0 && !moved; pass++)
		for (size_t i = 0; i < v->n_rules && rc == 0 && !moved; i++) {
			const rule *r = &v->rules[i];
			if (r->career && r->career->down == (pass == 0))
				rc = career_move(c, v, r, pix, p, &moved);
		}
	return rc;
}
