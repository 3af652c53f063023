/*
 * state.c: saves and loads the carried state of a run as JSON (see
 * state.h; the format is documented in docs/policy-guide.md, "State
 * across runs").  Saving walks the evaluator's deal records and the
 * conduct and careers state (conduct.h) in a fixed order (people by id),
 * so the same state always gives the same bytes; loading checks every
 * value and names the place of the first problem ("people[2] (r13):
 * levels[0].from: expected a date YYYY-MM-DD").
 */
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "conduct.h"
#include "plans.h"

#define STATE_FORMAT "incentive-state"
#define STATE_VERSION 1

/* ---- saving --------------------------------------------------------------------- */

typedef struct saver {
	bool oom;
} saver;

static json_object *jstr(saver *S, const char *s)
{
	json_object *o = json_object_new_string(s ? s : "");
	if (!o)
		S->oom = true;
	return o;
}

static json_object *jdate(saver *S, date_t d)
{
	char b[11];
	date_format(b, d);
	return jstr(S, b);
}

static json_object *jdec(saver *S, dec d)
{
	char b[72];
	dec_format(b, sizeof b, d, 0, false);
	return jstr(S, b);
}

static void put(saver *S, json_object *obj, const char *key, json_object *val)
{
	if (!obj || !val) {
		S->oom = true;
		json_object_put(val);
		return;
	}
	if (json_object_object_add(obj, key, val) != 0) {
		S->oom = true; /* val stays the caller's */
		json_object_put(val);
	}
}

static void push(saver *S, json_object *arr, json_object *val)
{
	if (!arr || !val || json_object_array_add(arr, val) != 0) {
		S->oom = true;
		json_object_put(val);
	}
}

static json_object *jarr(saver *S)
{
	json_object *a = json_object_new_array();
	if (!a)
		S->oom = true;
	return a;
}

static json_object *jobj(saver *S)
{
	json_object *o = json_object_new_object();
	if (!o)
		S->oom = true;
	return o;
}

/* A new array under key of obj, or NULL (out of memory: nothing leaks and
 * a later push to NULL is a no-op). */
static json_object *add_arr(saver *S, json_object *obj, const char *key)
{
	json_object *a = jarr(S);
	if (!a)
		return NULL;
	if (!obj || json_object_object_add(obj, key, a) != 0) {
		json_object_put(a);
		S->oom = true;
		return NULL;
	}
	return a;
}

/* true when person i has something to carry. */
static bool has_state(const cc_person *pp)
{
	return pp->n_levels || pp->dismissed || pp->n_viols || dec_sign(pp->fine_balance) ||
	       pp->n_holds || pp->n_facts || pp->n_approvals || pp->n_hist || pp->n_checked;
}

static json_object *save_person(saver *S, const cc_state *c, uint32_t pix)
{
	const cc_person *pp = &c->people[pix];
	char pb[16];
	json_object *o = jobj(S), *a;

	put(S, o, "id", jstr(S, c->ro->people[pix].id));
	if (pp->n_levels) {
		a = add_arr(S, o, "levels");
		for (size_t i = 0; i < pp->n_levels; i++) {
			json_object *x = jobj(S);
			put(S, x, "from", jdate(S, pp->levels[i].from));
			put(S, x, "level", jstr(S, pp->levels[i].level));
			put(S, x, "rule", jstr(S, pp->levels[i].rule));
			push(S, a, x);
		}
	}
	if (pp->dismissed) {
		json_object *x = jobj(S);
		put(S, x, "effective", jdate(S, pp->dismissed_on));
		put(S, x, "rule", jstr(S, pp->dismissed_rule));
		put(S, x, "event", jstr(S, pp->dismissed_event));
		put(S, o, "dismissed", x);
	}
	if (pp->n_viols) {
		a = add_arr(S, o, "violations");
		for (size_t i = 0; i < pp->n_viols; i++) {
			const cc_violation *w = &pp->viols[i];
			json_object *x = jobj(S);
			put(S, x, "date", jdate(S, w->date));
			if (w->event[0])
				put(S, x, "event", jstr(S, w->event));
			if (w->what[0])
				put(S, x, "what", jstr(S, w->what));
			put(S, x, "category", jstr(S, w->category));
			put(S, x, "severity", jstr(S, w->severity));
			put(S, x, "step", jstr(S, w->step));
			put(S, x, "rule", jstr(S, w->rule));
			push(S, a, x);
		}
	}
	if (dec_sign(pp->fine_balance))
		put(S, o, "fine_balance", jdec(S, pp->fine_balance));
	if (pp->n_holds) {
		a = add_arr(S, o, "holds");
		for (size_t i = 0; i < pp->n_holds; i++) {
			const cc_hold *h = &pp->holds[i];
			json_object *x = jobj(S), *ev;
			put(S, x, "rule", jstr(S, h->rule));
			put(S, x, "since", jdate(S, h->since));
			put(S, x, "held", jdec(S, h->held));
			ev = add_arr(S, x, "events");
			/* a strbuf with len > 0 is NUL-terminated */
			for (const char *p = h->events.len ? h->events.buf : ""; *p;) {
				const char *q = strchr(p, ',');
				size_t n = q ? (size_t)(q - p) : strlen(p);
				json_object *s = json_object_new_string_len(p, (int)n);
				if (!s)
					S->oom = true;
				push(S, ev, s);
				p = q ? q + 1 : p + n;
			}
			push(S, a, x);
		}
	}
	if (pp->n_facts) {
		a = add_arr(S, o, "training");
		for (size_t i = 0; i < pp->n_facts; i++) {
			const cc_fact *f = &pp->facts[i];
			json_object *x = jobj(S);
			put(S, x, "event", jstr(S, f->event));
			put(S, x, "date", jdate(S, f->date));
			put(S, x, "course", jstr(S, f->course));
			if (f->has_score)
				put(S, x, "score", json_object_new_int64(f->score));
			push(S, a, x);
		}
	}
	if (pp->n_approvals) {
		a = add_arr(S, o, "approvals");
		for (size_t i = 0; i < pp->n_approvals; i++) {
			const cc_approval *ap = &pp->approvals[i];
			json_object *x = jobj(S);
			put(S, x, "event", jstr(S, ap->event));
			put(S, x, "date", jdate(S, ap->date));
			put(S, x, "type", jstr(S, ap->type));
			if (ap->approver[0])
				put(S, x, "approver", jstr(S, ap->approver));
			push(S, a, x);
		}
	}
	if (pp->n_hist) {
		a = add_arr(S, o, "periods");
		for (size_t i = 0; i < pp->n_hist; i++) {
			const cc_hist *h = &pp->hist[i];
			json_object *x = jobj(S);
			period_format(pb, c->pkind, h->period);
			put(S, x, "period", jstr(S, pb));
			put(S, x, "credited", jdec(S, h->credited));
			put(S, x, "quota", jdec(S, h->quota));
			if (h->rating && h->rating[0])
				put(S, x, "rating", jstr(S, h->rating));
			push(S, a, x);
		}
	}
	if (pp->n_checked) {
		a = add_arr(S, o, "checked");
		for (size_t i = 0; i < pp->n_checked; i++)
			push(S, a, jstr(S, c->policy->rule_slot_ids[pp->checked[i]]));
	}
	return o;
}

/* People by id (qsort_r with the roster as context). */
static int cmp_pix(const void *a, const void *b, void *ro)
{
	const person *p = ((const roster *)ro)->people;
	return strcmp(p[*(const uint32_t *)a].id, p[*(const uint32_t *)b].id);
}

static json_object *save_deals(saver *S, const evaluator *e)
{
	const inc_policy *pol = eval_policy(e);
	const roster *ro = eval_roster(e);
	uint32_t n_rev = eval_rev_count(e);
	json_object *a = jarr(S);

	for (size_t i = 0; i < eval_deal_count(e); i++) {
		const deal_rec *d = eval_deal_at(e, i);
		json_object *x = jobj(S), *parts;
		put(S, x, "id", jstr(S, d->id));
		put(S, x, "type", jstr(S, pol->type_slot_names[d->type_slot]));
		put(S, x, "date", jdate(S, d->date));
		put(S, x, "total", jdec(S, d->total));
		put(S, x, "refunded", jdec(S, d->refunded));
		parts = add_arr(S, x, "parts");
		for (size_t k = 0; k < d->n_parts; k++) {
			const deal_part *dp = &d->parts[k];
			json_object *y = jobj(S), *paid = jobj(S), *rev = jobj(S);
			put(S, y, "person", jstr(S, ro->people[dp->person].id));
			put(S, y, "pct", jdec(S, dp->pct));
			for (uint32_t ri = 0; ri < n_rev; ri++) {
				const char *id = pol->rule_slot_ids[eval_rev_slot(e, ri)];
				if (!dec_is_zero(dp->paid[ri]))
					put(S, paid, id, jdec(S, dp->paid[ri]));
				if (!dec_is_zero(dp->reversed[ri]))
					put(S, rev, id, jdec(S, dp->reversed[ri]));
			}
			put(S, y, "paid", paid);
			put(S, y, "reversed", rev);
			push(S, parts, y);
		}
		push(S, a, x);
	}
	return a;
}

int state_save(const evaluator *e, const char *path, char **err)
{
	const cc_state *c = eval_cc(e);
	const inc_policy *pol = eval_policy(e);
	saver S = {false};
	json_object *root = jobj(&S), *people, *duties;
	uint32_t *order = calloc(c->n_people ? c->n_people : 1, sizeof *order);
	char pb[16], *tmp = NULL;
	FILE *f = NULL;
	int rc = INC_ERROR;

	*err = NULL;
	if (!order)
		goto oom;
	put(&S, root, "format", jstr(&S, STATE_FORMAT));
	put(&S, root, "version", json_object_new_int(STATE_VERSION));
	put(&S, root, "policy", jstr(&S, pol->versions[0].policy_name));
	put(&S, root, "period", jstr(&S, period_kind_name(c->pkind)));
	if (c->closed_any) {
		period_format(pb, c->pkind, c->last_closed);
		put(&S, root, "last_closed", jstr(&S, pb));
	}
	if (c->has_clock)
		put(&S, root, "clock_start", jdate(&S, c->clock_start));

	people = add_arr(&S, root, "people");
	for (uint32_t i = 0; i < c->n_people; i++)
		order[i] = i;
	qsort_r(order, c->n_people, sizeof *order, cmp_pix, (void *)(uintptr_t)c->ro);
	for (uint32_t i = 0; i < c->n_people; i++)
		if (has_state(&c->people[order[i]]))
			push(&S, people, save_person(&S, c, order[i]));

	duties = add_arr(&S, root, "duties");
	for (uint32_t s = 0; s < c->n_slots; s++) {
		const cc_duty *du = &c->duties[s];
		if (!du->started)
			continue;
		json_object *x = jobj(&S), *reps;
		put(&S, x, "rule", jstr(&S, pol->rule_slot_ids[s]));
		if (du->next == INT32_MAX) {
			if (!x || json_object_object_add(x, "next", NULL) != 0)
				S.oom = true; /* null: no interval left to check */
		} else
			put(&S, x, "next", jdate(&S, du->next));
		reps = add_arr(&S, x, "reports");
		for (size_t i = 0; i < du->n_reports; i++) {
			json_object *y = jobj(&S);
			put(&S, y, "person", jstr(&S, c->ro->people[du->reports[i].person].id));
			put(&S, y, "date", jdate(&S, du->reports[i].date));
			if (du->reports[i].covers)
				put(&S, y, "covers", jstr(&S, du->reports[i].covers));
			push(&S, reps, y);
		}
		push(&S, duties, x);
	}
	put(&S, root, "deals", save_deals(&S, e));
	{
		/* draw balances and what later events of a deal need (plans.c) */
		json_object *pj = NULL;
		if (plans_state_save(eval_plans(e), &pj) != 0)
			goto oom;
		if (pj)
			put(&S, root, "plans", pj);
	}
	if (S.oom)
		goto oom;

	const char *text = json_object_to_json_string_ext(
	    root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text)
		goto oom;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		goto oom;
	}
	int fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		if (asprintf(err, "cannot write the state to %s: %s", path, strerror(errno)) < 0)
			*err = NULL;
		if (fd >= 0)
			unlink(tmp);
		goto done;
	}
	if (fputs(text, f) < 0 || fputc('\n', f) == EOF || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0 || fclose(f) != 0) {
		f = NULL;
		if (asprintf(err, "cannot write the state to %s: %s", path, strerror(errno)) < 0)
			*err = NULL;
		unlink(tmp);
		goto done;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		if (asprintf(err, "cannot write the state to %s: %s", path, strerror(errno)) < 0)
			*err = NULL;
		unlink(tmp);
		goto done;
	}
	rc = 0;
	goto done;
oom:
	*err = strdup("out of memory");
done:
	if (f)
		fclose(f);
	free(tmp);
	free(order);
	json_object_put(root);
	return rc;
}

/* ---- loading ------------------------------------------------------------------- */

/* Parses text (len bytes) into a JSON value, or NULL with *jerr set (left
 * json_tokener_success when out of memory).  Through json_tokener_parse_ex
 * like jsonl.c (tests/unit/test_oom.c knows its allocations). */
static json_object *parse_json(const char *text, size_t len, enum json_tokener_error *jerr)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = NULL;

	*jerr = json_tokener_success;
	if (!tok || len > INT32_MAX)
		goto done;
	o = json_tokener_parse_ex(tok, text, (int)len);
	*jerr = json_tokener_get_error(tok);
	if (o && *jerr == json_tokener_success && json_tokener_get_parse_end(tok) < len) {
		/* anything after the value but blanks */
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
			if (text[i] != ' ' && text[i] != '\n' && text[i] != '\t' && text[i] != '\r') {
				json_object_put(o);
				o = NULL;
				*jerr = json_tokener_error_parse_unexpected;
				break;
			}
	}
	if (!o && *jerr == json_tokener_continue)
		*jerr = json_tokener_error_parse_eof;
done:
	if (tok)
		json_tokener_free(tok); /* not NULL-safe in json-c 0.16 */
	return o;
}

typedef struct loader {
	evaluator *e;
	cc_state *c;
	const char *path;
	char *err;
	int rc;
} loader;

static bool bad(loader *L, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool bad(loader *L, const char *at, const char *fmt, ...)
{
	strbuf sb;
	va_list ap;

	if (L->err)
		return false;
	sb_init(&sb);
	sb_printf(&sb, "state %s: %s%s", L->path, at, at[0] ? ": " : "");
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	L->err = sb.oom ? NULL : strdup(sb_cstr(&sb));
	L->rc = L->err ? INC_EINPUT : INC_ERROR;
	sb_finish(&sb);
	return false;
}

static bool oom(loader *L)
{
	if (!L->err) {
		L->err = strdup("out of memory");
		L->rc = INC_ERROR;
	}
	return false;
}

/* "at.key" (or "key" at the top) into buf. */
static const char *where(char *buf, size_t cap, const char *at, const char *key)
{
	snprintf(buf, cap, "%s%s%s", at, at[0] ? "." : "", key);
	return buf;
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/* A string member: required (error when absent) or optional (*out NULL). */
static bool get_str(loader *L, json_object *o, const char *key, const char *at, bool required,
		    const char **out)
{
	json_object *v = member(o, key);
	char w[300];
	*out = NULL;
	if (!v)
		return required ? bad(L, at, "missing %s", key) : true;
	if (!json_object_is_type(v, json_type_string))
		return bad(L, where(w, sizeof w, at, key), "expected a string");
	*out = json_object_get_string(v);
	return true;
}

static bool get_date(loader *L, json_object *o, const char *key, const char *at, date_t *out)
{
	const char *s;
	if (!get_str(L, o, key, at, true, &s))
		return false;
	char w[300];
	if (date_parse(out, s, strlen(s)) != 0)
		return bad(L, where(w, sizeof w, at, key), "expected a date YYYY-MM-DD, got '%s'", s);
	return true;
}

static bool get_dec(loader *L, json_object *o, const char *key, const char *at, dec *out)
{
	const char *s;
	if (!get_str(L, o, key, at, true, &s))
		return false;
	char w[300];
	if (dec_parse(out, s, strlen(s), false) != DEC_OK)
		return bad(L, where(w, sizeof w, at, key),
			   "expected an exact decimal in a string like \"12.50\", got '%s'", s);
	return true;
}

/* An array member, or NULL when absent (error when not an array). */
static bool get_arr(loader *L, json_object *o, const char *key, const char *at,
		    json_object **out)
{
	json_object *v = member(o, key);
	*out = NULL;
	if (!v)
		return true;
	char w[300];
	if (!json_object_is_type(v, json_type_array))
		return bad(L, where(w, sizeof w, at, key), "expected a list");
	*out = v;
	return true;
}

static bool person_of(loader *L, const char *id, const char *at, uint32_t *pix)
{
	int64_t ix = roster_find(L->c->ro, id, strlen(id));
	if (ix < 0)
		return bad(L, at, "person '%s' is not in the roster", id);
	*pix = (uint32_t)ix;
	return true;
}

static const training_spec *training_rule(const cc_state *c, const char *id, const rule **out)
{
	uint32_t s = cc_slot_of(c, id);
	for (size_t vi = c->policy->n_versions; s != UINT32_MAX && vi-- > 0;) {
		const rule *r = cc_rule_in(&c->policy->versions[vi], s);
		if (r && r->training) {
			*out = r;
			return r->training;
		}
	}
	return NULL;
}

static bool load_person(loader *L, json_object *o, const char *at0)
{
	cc_state *c = L->c;
	char at[256];
	const char *id;
	uint32_t pix = 0;
	json_object *a, *x;

	if (!json_object_is_type(o, json_type_object))
		return bad(L, at0, "expected an object");
	if (!get_str(L, o, "id", at0, true, &id) || !person_of(L, id, at0, &pix))
		return false;
	cc_person *pp = &c->people[pix];
	char at_id[160];
	snprintf(at_id, sizeof at_id, "%s (%s)", at0, id);
	at0 = at_id;

	if (!get_arr(L, o, "levels", at0, &a))
		return false;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		const char *lvl, *rid;
		date_t from;
		x = json_object_array_get_idx(a, i);
		snprintf(at, sizeof at, "%s.levels[%zu]", at0, i);
		if (!get_date(L, x, "from", at, &from) || !get_str(L, x, "level", at, true, &lvl) ||
		    !get_str(L, x, "rule", at, false, &rid))
			return false;
		if (cc_level_set(c, pix, from, lvl, rid ? rid : "") != 0)
			return oom(L);
	}
	if ((x = member(o, "dismissed"))) {
		snprintf(at, sizeof at, "%s.dismissed", at0);
		const char *rid, *ev;
		if (!get_date(L, x, "effective", at, &pp->dismissed_on) ||
		    !get_str(L, x, "rule", at, false, &rid) || !get_str(L, x, "event", at, false, &ev))
			return false;
		pp->dismissed = true;
		pp->dismissed_rule = cc_str(c, rid);
		pp->dismissed_event = cc_str(c, ev);
		if (!pp->dismissed_rule || !pp->dismissed_event)
			return oom(L);
	}
	if (!get_arr(L, o, "violations", at0, &a))
		return false;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		cc_violation w;
		const char *ev, *what, *cat, *sev, *step, *rid;
		x = json_object_array_get_idx(a, i);
		snprintf(at, sizeof at, "%s.violations[%zu]", at0, i);
		if (!get_date(L, x, "date", at, &w.date) || !get_str(L, x, "event", at, false, &ev) ||
		    !get_str(L, x, "what", at, false, &what) ||
		    !get_str(L, x, "category", at, true, &cat) ||
		    !get_str(L, x, "severity", at, true, &sev) ||
		    !get_str(L, x, "step", at, false, &step) || !get_str(L, x, "rule", at, false, &rid))
			return false;
		if (!ev && !what)
			return bad(L, at, "expected an event or a what");
		w.event = cc_str(c, ev);
		w.what = cc_str(c, what);
		w.category = cc_str(c, cat);
		w.severity = cc_str(c, sev);
		w.step = cc_str(c, step);
		w.rule = cc_str(c, rid);
		if (!w.event || !w.what || !w.category || !w.severity || !w.step || !w.rule ||
		    cc_grow((void **)&pp->viols, &pp->cap_viols, pp->n_viols + 1, sizeof w))
			return oom(L);
		pp->viols[pp->n_viols++] = w;
	}
	if (member(o, "fine_balance") && !get_dec(L, o, "fine_balance", at0, &pp->fine_balance))
		return false;
	if (!get_arr(L, o, "holds", at0, &a))
		return false;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		const char *rid;
		json_object *evs;
		const rule *r = NULL;
		x = json_object_array_get_idx(a, i);
		snprintf(at, sizeof at, "%s.holds[%zu]", at0, i);
		if (!get_str(L, x, "rule", at, true, &rid))
			return false;
		const training_spec *spec = training_rule(c, rid, &r);
		if (!spec)
			return bad(L, at, "rule '%s' is not a training rule of the policy", rid);
		if (cc_grow((void **)&pp->holds, &pp->cap_holds, pp->n_holds + 1, sizeof *pp->holds))
			return oom(L);
		cc_hold *h = &pp->holds[pp->n_holds];
		memset(h, 0, sizeof *h);
		sb_init(&h->events);
		pp->n_holds++;
		c->n_active_holds++;
		h->rule = r->id;
		h->slot = r->slot;
		h->spec = spec;
		if (!get_date(L, x, "since", at, &h->since) || !get_dec(L, x, "held", at, &h->held) ||
		    !get_arr(L, x, "events", at, &evs))
			return false;
		for (size_t k = 0; evs && k < json_object_array_length(evs); k++) {
			json_object *v = json_object_array_get_idx(evs, k);
			if (!json_object_is_type(v, json_type_string))
				return bad(L, at, "events[%zu]: expected a string", k);
			if (h->events.len)
				sb_putc(&h->events, ',');
			sb_puts(&h->events, json_object_get_string(v));
		}
		if (h->events.oom)
			return oom(L);
	}
	if (!get_arr(L, o, "training", at0, &a))
		return false;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		cc_fact f = {0};
		const char *ev, *course;
		json_object *sc;
		x = json_object_array_get_idx(a, i);
		snprintf(at, sizeof at, "%s.training[%zu]", at0, i);
		if (!get_str(L, x, "event", at, true, &ev) || !get_date(L, x, "date", at, &f.date) ||
		    !get_str(L, x, "course", at, true, &course))
			return false;
		if ((sc = member(x, "score"))) {
			if (!json_object_is_type(sc, json_type_int))
				return bad(L, at, "score: expected a whole number");
			f.has_score = true;
			f.score = json_object_get_int64(sc);
		}
		f.event = cc_str(c, ev);
		f.course = cc_str(c, course);
		if (!f.event || !f.course ||
		    cc_grow((void **)&pp->facts, &pp->cap_facts, pp->n_facts + 1, sizeof f))
			return oom(L);
		pp->facts[pp->n_facts++] = f;
	}
	if (!get_arr(L, o, "approvals", at0, &a))
		return false;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		cc_approval ap = {0};
		const char *ev, *type, *who;
		x = json_object_array_get_idx(a, i);
		snprintf(at, sizeof at, "%s.approvals[%zu]", at0, i);
		if (!get_str(L, x, "event", at, true, &ev) || !get_date(L, x, "date", at, &ap.date) ||
		    !get_str(L, x, "type", at, true, &type) ||
		    !get_str(L, x, "approver", at, false, &who))
			return false;
		ap.event = cc_str(c, ev);
		ap.type = cc_str(c, type);
		ap.approver = cc_str(c, who);
		if (!ap.event || !ap.type || !ap.approver ||
		    cc_grow((void **)&pp->approvals, &pp->cap_approvals, pp->n_approvals + 1, sizeof ap))
			return oom(L);
		pp->approvals[pp->n_approvals++] = ap;
	}
	if (!get_arr(L, o, "periods", at0, &a))
		return false;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		cc_hist h = {0};
		const char *per, *rating;
		x = json_object_array_get_idx(a, i);
		snprintf(at, sizeof at, "%s.periods[%zu]", at0, i);
		if (!get_str(L, x, "period", at, true, &per))
			return false;
		if (period_parse(&h.period, c->pkind, per, strlen(per)) != 0)
			return bad(L, at, "period: '%s' is not a %s", per, period_kind_name(c->pkind));
		if (!get_dec(L, x, "credited", at, &h.credited) || !get_dec(L, x, "quota", at, &h.quota) ||
		    !get_str(L, x, "rating", at, false, &rating))
			return false;
		if (pp->n_hist && h.period <= pp->hist[pp->n_hist - 1].period)
			return bad(L, at, "periods must be listed in order, each once");
		h.rating = cc_str(c, rating);
		if (!h.rating)
			return oom(L);
		if (pp->n_hist == CC_MAX_HISTORY) {
			memmove(pp->hist, pp->hist + 1, sizeof *pp->hist * (CC_MAX_HISTORY - 1));
			pp->n_hist--;
		}
		if (cc_grow((void **)&pp->hist, &pp->cap_hist, pp->n_hist + 1, sizeof h))
			return oom(L);
		pp->hist[pp->n_hist++] = h;
	}
	if (!get_arr(L, o, "checked", at0, &a))
		return false;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *v = json_object_array_get_idx(a, i);
		if (!json_object_is_type(v, json_type_string))
			return bad(L, at0, "checked[%zu]: expected a rule id", i);
		uint32_t s = cc_slot_of(c, json_object_get_string(v));
		if (s == UINT32_MAX)
			continue; /* a rule the policy no longer has: nothing to check */
		if (cc_grow((void **)&pp->checked, &pp->cap_checked, pp->n_checked + 1, sizeof s))
			return oom(L);
		pp->checked[pp->n_checked++] = s;
	}
	return true;
}

static bool load_duty(loader *L, json_object *o, const char *at0)
{
	cc_state *c = L->c;
	const char *rid;
	json_object *a;
	char at[256];

	if (!json_object_is_type(o, json_type_object))
		return bad(L, at0, "expected an object");
	if (!get_str(L, o, "rule", at0, true, &rid))
		return false;
	uint32_t s = cc_slot_of(c, rid);
	if (s == UINT32_MAX)
		return true; /* the policy no longer has it */
	cc_duty *du = &c->duties[s];
	du->started = true;
	du->next = INT32_MAX;
	if (member(o, "next") && !get_date(L, o, "next", at0, &du->next))
		return false;
	if (!get_arr(L, o, "reports", at0, &a))
		return false;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *x = json_object_array_get_idx(a, i);
		const char *pid, *covers;
		cc_report rep;
		snprintf(at, sizeof at, "%s.reports[%zu]", at0, i);
		if (!get_str(L, x, "person", at, true, &pid) || !person_of(L, pid, at, &rep.person) ||
		    !get_date(L, x, "date", at, &rep.date) || !get_str(L, x, "covers", at, false, &covers))
			return false;
		rep.covers = covers ? cc_str(c, covers) : NULL;
		if ((covers && !rep.covers) ||
		    cc_grow((void **)&du->reports, &du->cap_reports, du->n_reports + 1, sizeof rep))
			return oom(L);
		du->reports[du->n_reports++] = rep;
	}
	return true;
}

static bool load_deal(loader *L, json_object *o, const char *at0)
{
	uint32_t n_rev = eval_rev_count(L->e);
	const char *id;
	json_object *parts;
	deal_rec d = {0};
	deal_part *dp = NULL;
	dec *amounts = NULL;
	char at[256];
	bool ok = false;

	const char *type;
	if (!json_object_is_type(o, json_type_object))
		return bad(L, at0, "expected an object");
	if (!get_str(L, o, "type", at0, true, &type))
		return false;
	d.type_slot = UINT32_MAX;
	for (uint32_t t = 0; t < L->c->policy->n_type_slots; t++)
		if (strcmp(L->c->policy->type_slot_names[t], type) == 0)
			d.type_slot = t;
	if (d.type_slot == UINT32_MAX)
		return bad(L, at0, "type: '%s' is not an event type of the policy", type);
	if (!get_str(L, o, "id", at0, true, &id) || !get_date(L, o, "date", at0, &d.date) ||
	    !get_dec(L, o, "total", at0, &d.total) || !get_dec(L, o, "refunded", at0, &d.refunded) ||
	    !get_arr(L, o, "parts", at0, &parts))
		return false;
	if (!parts || json_object_array_length(parts) == 0)
		return bad(L, at0, "parts: expected at least one part");
	d.id = id;
	d.n_parts = json_object_array_length(parts);
	dp = calloc(d.n_parts, sizeof *dp);
	amounts = calloc(d.n_parts * (n_rev ? n_rev : 1) * 2, sizeof *amounts);
	if (!dp || !amounts) {
		oom(L);
		goto done;
	}
	d.parts = dp;
	for (size_t k = 0; k < d.n_parts; k++) {
		json_object *x = json_object_array_get_idx(parts, k);
		const char *pid;
		snprintf(at, sizeof at, "%s.parts[%zu]", at0, k);
		if (!json_object_is_type(x, json_type_object)) {
			bad(L, at, "expected an object");
			goto done;
		}
		if (!get_str(L, x, "person", at, true, &pid) || !person_of(L, pid, at, &dp[k].person) ||
		    !get_dec(L, x, "pct", at, &dp[k].pct))
			goto done;
		dp[k].paid = amounts + k * n_rev * 2;
		dp[k].reversed = dp[k].paid + n_rev;
		for (int which = 0; which < 2; which++) {
			json_object *m = member(x, which ? "reversed" : "paid");
			if (!m)
				continue;
			if (!json_object_is_type(m, json_type_object)) {
				bad(L, at, "%s: expected an object of rule ids and amounts",
				    which ? "reversed" : "paid");
				goto done;
			}
			json_object_object_foreach(m, key, val)
			{
				uint32_t s = cc_slot_of(L->c, key);
				int32_t ri = s == UINT32_MAX ? -1 : eval_rev_index(L->e, s);
				if (ri < 0)
					continue; /* no clawback of this policy reverses it */
				if (!json_object_is_type(val, json_type_string) ||
				    dec_parse(&(which ? dp[k].reversed : dp[k].paid)[ri],
					      json_object_get_string(val),
					      strlen(json_object_get_string(val)), false) != DEC_OK) {
					bad(L, at, "%s.%s: expected an exact decimal in a string",
					    which ? "reversed" : "paid", key);
					goto done;
				}
			}
		}
	}
	L->rc = eval_deal_restore(L->e, &d);
	if (L->rc) {
		bad(L, at0, "cannot restore deal %s", id);
		goto done;
	}
	ok = true;
done:
	free(dp);
	free(amounts);
	return ok;
}

int state_load(evaluator *e, const char *path, char **err)
{
	loader L = {.e = e, .c = eval_cc(e), .path = path, .rc = 0};
	cc_state *c = L.c;
	char *text = NULL;
	size_t len = 0;
	json_object *root = NULL, *a;
	enum json_tokener_error jerr = json_tokener_success;
	const char *s;
	char at[64];

	*err = NULL;
	if (read_file(path, &text, &len) != 0) {
		if (asprintf(err, "cannot read the state %s: %s", path, strerror(errno)) < 0)
			*err = NULL;
		return INC_EINPUT;
	}
	root = parse_json(text, len, &jerr);
	if (!root && jerr == json_tokener_success) {
		oom(&L);
		goto done;
	}
	if (!root || !json_object_is_type(root, json_type_object)) {
		bad(&L, "", "not a state file: %s",
		    root ? "expected a JSON object" : json_tokener_error_desc(jerr));
		goto done;
	}
	if (!get_str(&L, root, "format", "", true, &s))
		goto done;
	if (strcmp(s, STATE_FORMAT) != 0) {
		bad(&L, "", "format is '%s', expected '%s'", s, STATE_FORMAT);
		goto done;
	}
	json_object *ver = member(root, "version");
	if (!ver || !json_object_is_type(ver, json_type_int) ||
	    json_object_get_int(ver) != STATE_VERSION) {
		bad(&L, "", "version: this program reads state version %d", STATE_VERSION);
		goto done;
	}
	if (!get_str(&L, root, "policy", "", true, &s))
		goto done;
	if (strcmp(s, c->policy->versions[0].policy_name) != 0) {
		bad(&L, "", "saved under policy '%s', not '%s'", s, c->policy->versions[0].policy_name);
		goto done;
	}
	if (!get_str(&L, root, "period", "", true, &s))
		goto done;
	if (strcmp(s, period_kind_name(c->pkind)) != 0) {
		bad(&L, "", "period is '%s', but the policy's is '%s'", s, period_kind_name(c->pkind));
		goto done;
	}
	if (!get_arr(&L, root, "people", "", &a))
		goto done;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		snprintf(at, sizeof at, "people[%zu]", i);
		if (!load_person(&L, json_object_array_get_idx(a, i), at))
			goto done;
	}
	if (!get_arr(&L, root, "duties", "", &a))
		goto done;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		snprintf(at, sizeof at, "duties[%zu]", i);
		if (!load_duty(&L, json_object_array_get_idx(a, i), at))
			goto done;
	}
	if (!get_arr(&L, root, "deals", "", &a))
		goto done;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		snprintf(at, sizeof at, "deals[%zu]", i);
		if (!load_deal(&L, json_object_array_get_idx(a, i), at))
			goto done;
	}
	{
		/* pay plans (plans.c) */
		char *perr = NULL;
		if (plans_state_load(eval_plans(e), member(root, "plans"), &perr) != 0) {
			bad(&L, "", "%s", perr ? perr : "plans: cannot load");
			free(perr);
			goto done;
		}
	}
	/* the clock and the resume point */
	date_t clock = 0, from = 0;
	bool has_clock = member(root, "clock_start") != NULL;
	if (has_clock && !get_date(&L, root, "clock_start", "", &clock))
		goto done;
	if (member(root, "last_closed")) {
		int32_t p;
		if (!get_str(&L, root, "last_closed", "", true, &s))
			goto done;
		if (period_parse(&p, c->pkind, s, strlen(s)) != 0) {
			bad(&L, "", "last_closed: '%s' is not a %s", s, period_kind_name(c->pkind));
			goto done;
		}
		c->resumed = true;
		c->closed_any = true;
		c->last_closed = p;
		c->resume_end = period_end(c->pkind, p);
		from = c->resume_end + 1;
		if (!has_clock) {
			has_clock = true;
			clock = from;
		}
		eval_resume(e, p);
	} else {
		from = clock;
	}
	if (has_clock)
		cc_start(c, clock, from);
done:
	json_object_put(root);
	free(text);
	if (L.err || L.rc) {
		*err = L.err ? L.err : strdup("cannot load the state");
		return L.rc ? L.rc : INC_EINPUT;
	}
	return 0;
}

bool state_last_closed(const evaluator *e, int32_t *out)
{
	const cc_state *c = eval_cc(e);
	if (!c->resumed)
		return false;
	*out = c->last_closed;
	return true;
}

/* ---- the deal ids, for the input reader -------------------------------------- */

struct state_ids {
	strmap ix;	/* id -> index */
	uint32_t *type_slot;
	date_t *date;
	size_t n;
};

void state_ids_free(state_ids *s)
{
	if (!s)
		return;
	strmap_finish(&s->ix);
	free(s->type_slot);
	free(s->date);
	free(s);
}

int state_ids_load(state_ids **out, const inc_policy *p, const char *path, char **err)
{
	state_ids *s = calloc(1, sizeof *s);
	char *text = NULL;
	size_t len = 0;
	json_object *root = NULL, *deals = NULL;
	int rc = INC_ERROR;

	*err = NULL;
	if (!s)
		goto oom;
	strmap_init(&s->ix);
	if (read_file(path, &text, &len) != 0) {
		if (asprintf(err, "cannot read the state %s: %s", path, strerror(errno)) < 0)
			*err = NULL;
		rc = INC_EINPUT;
		goto done;
	}
	enum json_tokener_error jerr = json_tokener_success;
	root = parse_json(text, len, &jerr);
	if (!root) {
		/* no state, no run: json-c says nothing else when out of memory */
		if (jerr == json_tokener_success)
			goto oom;
		if (asprintf(err, "state %s: not a state file: %s", path,
			     json_tokener_error_desc(jerr)) < 0)
			*err = NULL;
		rc = INC_EINPUT;
		goto done;
	}
	if (json_object_object_get_ex(root, "deals", &deals) &&
	    json_object_is_type(deals, json_type_array)) {
		size_t n = json_object_array_length(deals);
		s->type_slot = calloc(n ? n : 1, sizeof *s->type_slot);
		s->date = calloc(n ? n : 1, sizeof *s->date);
		if (!s->type_slot || !s->date)
			goto oom;
		for (size_t i = 0; i < n; i++) {
			json_object *d = json_object_array_get_idx(deals, i), *v;
			const char *id, *type, *date;
			date_t dt;
			if (!json_object_object_get_ex(d, "id", &v) || !(id = json_object_get_string(v)) ||
			    !json_object_object_get_ex(d, "type", &v) ||
			    !(type = json_object_get_string(v)) ||
			    !json_object_object_get_ex(d, "date", &v) ||
			    !(date = json_object_get_string(v)) || date_parse(&dt, date, strlen(date)))
				continue; /* state_load reports it */
			for (uint32_t t = 0; t < p->n_type_slots; t++) {
				if (strcmp(p->type_slot_names[t], type) != 0)
					continue;
				int r = strmap_put(&s->ix, id, strlen(id), (uint32_t)s->n, NULL);
				if (r < 0)
					goto oom;
				if (r > 0) {
					s->type_slot[s->n] = t;
					s->date[s->n++] = dt;
				}
			}
		}
	}
	*out = s;
	s = NULL;
	rc = 0;
	goto done;
oom:
	*err = strdup("out of memory");
done:
	json_object_put(root);
	free(text);
	state_ids_free(s);
	return rc;
}

bool state_ids_find(void *ud, const char *id, size_t len, uint32_t *type_slot, date_t *date)
{
	const state_ids *s = ud;
	uint32_t ix;
	if (!s || !strmap_get(&s->ix, id, len, &ix))
		return false;
	*type_slot = s->type_slot[ix];
	*date = s->date[ix];
	return true;
}
