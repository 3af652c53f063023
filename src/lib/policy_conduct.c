/*
 * policy_conduct.c: compiles the conduct and careers rule kinds
 * (discipline, duty, training, promotion, demotion, appraisal) into the
 * specs of model_conduct.h, and links what they name once every rule of
 * the version is known.  Same conventions as policy_rules.c: every
 * problem is reported with its file:line:column and, where it helps, a
 * "did you mean" hint; nothing is computed from a policy with errors.
 * The format is in docs/policy-guide.md ("Discipline, careers and state").
 */
#include "model_conduct.h"
#include "policy-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const step_names[N_STEP_KINDS] = {
    "verbal_warning", "written_warning", "fine", "demotion", "dismissal"};

static const char *type_phrase(field_type t)
{
	static const char *const p[] = {
	    "a string field",	"a money field", "a decimal field",
	    "an integer field", "a date field",	 "an enum field",
	    "a ref field",	"a split field",
	};
	return p[t];
}

/* Field of t named by scalar n, of type want, or -1 after reporting. */
static int field_by_name(ploader *L, const event_type *t, const ynode *n,
			 field_type want, const char *key)
{
	char hint[160];
	int ix;

	if (!pl_expect_scalar(L, n, "a field name"))
		return -1;
	ix = event_type_field(t, n->text);
	if (ix < 0) {
		const char **c = pl_array(L, t->n_fields + 1, sizeof *c);
		for (size_t i = 0; c && i < t->n_fields; i++)
			c[i] = t->fields[i].name;
		pl_error(L, n,
			 c ? pl_did_you_mean(hint, sizeof hint, n->text, c,
					     t->n_fields)
			   : NULL,
			 "unknown field '%s' for event type '%s'", n->text,
			 t->name);
		return -1;
	}
	if (t->fields[ix].type != want) {
		pl_error(L, n, NULL, "%s: field '%s' is %s, expected %s", key,
			 n->text, type_phrase(t->fields[ix].type),
			 type_phrase(want));
		return -1;
	}
	return ix;
}

/* Position of scalar n's text among names, or -1 after "'x' is not <what>
 * (expected one of ...)" with a did-you-mean hint. */
static int name_index(ploader *L, const ynode *n, const char *const *names,
		      size_t n_names, const char *what)
{
	char hint[160], list[256] = "";
	size_t used = 0;

	if (!pl_expect_scalar(L, n, what))
		return -1;
	for (size_t i = 0; i < n_names; i++)
		if (ynode_text_is(n, names[i]))
			return (int)i;
	for (size_t i = 0; i < n_names && used < sizeof list; i++)
		used += (size_t)snprintf(list + used, sizeof list - used,
					 "%s%s", i ? ", " : "", names[i]);
	pl_error(L, n, pl_did_you_mean(hint, sizeof hint, n->text, names, n_names),
		 "'%s' is not %s (expected one of %s)", n->text, what, list);
	return -1;
}

/* A `when:` of a rule that decides about people, not events: only
 * person.* may be tested. */
static void person_only_when(ploader *L, const rule *r, const char *what)
{
	for (size_t i = 0; i < r->when.n; i++) {
		const cond *c = &r->when.items[i];
		if (c->subject != SUBJ_FIELD)
			continue;
		pl_error_at(L, c->loc.file, c->loc.line, c->loc.col,
			    "test person.id, person.level or person.team",
			    "%s decides who must do something: its `when` cannot "
			    "test an event field ('%s')",
			    what, c->text);
	}
}

/* "12 months", "2 years", "90 days" (singular too). */
static bool get_duration(ploader *L, const ynode *n, duration *out)
{
	static const struct {
		const char *word;
		dur_unit unit;
		int32_t max;
	} units[] = {
	    {"day", DUR_DAYS, 36500},	  {"days", DUR_DAYS, 36500},
	    {"month", DUR_MONTHS, 1200},  {"months", DUR_MONTHS, 1200},
	    {"year", DUR_YEARS, 100},	  {"years", DUR_YEARS, 100},
	};
	char got[128];
	int64_t v = 0;
	size_t i = 0;

	if (n && n->kind == YN_SCALAR) {
		while (i < n->len && n->text[i] >= '0' && n->text[i] <= '9')
			i++;
		size_t digits = i;
		while (i < n->len && n->text[i] == ' ')
			i++;
		if (digits > 0 && digits <= 6 && i > digits &&
		    pl_parse_i64(n->text, digits, &v)) {
			for (size_t u = 0; u < ARRAY_LEN(units); u++) {
				if (strcmp(n->text + i, units[u].word) != 0)
					continue;
				if (v < 1 || v > units[u].max) {
					pl_error(L, n, NULL,
						 "%s: %lld is out of range "
						 "1..%d",
						 units[u].word, (long long)v,
						 (int)units[u].max);
					return false;
				}
				out->n = (int32_t)v;
				out->unit = units[u].unit;
				return true;
			}
		}
	}
	pl_error(L, n, "write a number and a unit: days, months or years",
		 "expected a length of time like 12 months, 2 years or 90 "
		 "days, got %s",
		 ynode_describe(n, got, sizeof got));
	return false;
}

/* ---- discipline ---- */

static int enum_field(ploader *L, const event_type *t, const ynode *n,
		      const char *key)
{
	int ix = field_by_name(L, t, n, FT_ENUM, key);
	if (ix >= 0 && !t->fields[ix].required) {
		pl_error(L, n, "declare it with required: true",
			 "%s: field '%s' must be required: every violation "
			 "needs one",
			 key, n->text);
		return -1;
	}
	if (ix >= 0 && t->fields[ix].n_enum > 64) {
		pl_error(L, n, NULL, "%s: field '%s' has more than 64 values",
			 key, n->text);
		return -1;
	}
	return ix;
}

static void compile_active(ploader *L, discipline_spec *d, const ynode *n)
{
	size_t ns = d->n_severities ? d->n_severities : 1;

	d->active = pl_array(L, ns, sizeof *d->active);
	if (!d->active)
		return;
	if (n->kind == YN_SCALAR) {
		duration one;
		if (!get_duration(L, n, &one))
			return;
		for (size_t i = 0; i < ns; i++)
			d->active[i] = one;
		d->uniform_active = true;
		return;
	}
	if (!pl_expect_map(L, n,
			   "a length of time like 12 months, or one per "
			   "severity like {minor: 2 years, serious: 3 years}"))
		return;
	bool *seen = pl_array(L, ns, sizeof *seen);
	if (!seen)
		return;
	for (size_t i = 0; i < n->n_pairs; i++) {
		const ynode *k = n->pairs[i].key;
		duration dur;
		int s = d->n_severities
			    ? name_index(L, k, d->severities, d->n_severities,
					 "a severity")
			    : 0;
		if (!get_duration(L, n->pairs[i].value, &dur) || s < 0)
			continue;
		d->active[s] = dur;
		seen[s] = true;
	}
	for (size_t i = 0; i < d->n_severities; i++)
		if (!seen[i])
			pl_error(L, n, "give every severity its active life",
				 "active_for: no active life for severity '%s'",
				 d->severities[i]);
}

static void compile_steps(ploader *L, const policy_version *v,
			  discipline_spec *d, const ynode *n)
{
	static const char *const keys[] = {"step", "amount", "levels",
					   "effective_days"};
	bool seen[N_STEP_KINDS] = {false};

	if (!pl_expect_seq(L, n,
			   "a list of steps like [verbal_warning, "
			   "written_warning, {step: fine, amount: 200.00}]"))
		return;
	if (n->n_items == 0) {
		pl_error(L, n, NULL, "a discipline ladder needs at least one step");
		return;
	}
	d->steps = pl_array(L, n->n_items, sizeof *d->steps);
	if (!d->steps)
		return;
	for (size_t i = 0; i < n->n_items; i++) {
		const ynode *item = n->items[i], *name = item, *x;
		int64_t iv;
		if (item->kind == YN_MAP) {
			pl_check_keys(L, item, keys, ARRAY_LEN(keys));
			if (!(name = pl_required(L, item, "step")))
				continue;
		}
		int k = pl_get_choice(L, name, step_names, N_STEP_KINDS);
		if (k < 0)
			continue;
		if (seen[k]) {
			pl_error(L, name, NULL, "step '%s' is listed twice",
				 step_names[k]);
			continue;
		}
		seen[k] = true;
		disc_step *s = &d->steps[d->n_steps];
		s->kind = (step_kind)k;
		s->loc = pl_loc(L, item);
		s->levels = 1;
		if (k == STEP_FINE && !ynode_get(item, "amount")) {
			pl_error(L, item, "write {step: fine, amount: 200.00}",
				 "a fine step needs an amount");
			continue;
		}
		if ((x = ynode_get(item, "amount"))) {
			if (k != STEP_FINE) {
				pl_error(L, x, NULL,
					 "'amount' applies only to a fine step");
				continue;
			}
			if (!pl_get_money(L, v, x, "amount", false, &s->fine))
				continue;
			if (dec_sign(s->fine) == 0) {
				pl_error(L, x, NULL, "a fine must be above 0");
				continue;
			}
		}
		if ((x = ynode_get(item, "levels"))) {
			if (k != STEP_DEMOTION) {
				pl_error(L, x, NULL,
					 "'levels' applies only to a demotion "
					 "step");
				continue;
			}
			if (!pl_get_int(L, x, 1, 10, &iv))
				continue;
			s->levels = (int32_t)iv;
		}
		if ((x = ynode_get(item, "effective_days"))) {
			if (k != STEP_DISMISSAL) {
				pl_error(L, x, NULL,
					 "'effective_days' applies only to a "
					 "dismissal step");
				continue;
			}
			if (!pl_get_int(L, x, 0, 365, &iv))
				continue;
			s->effective_days = (int32_t)iv;
		}
		d->n_steps++;
	}
}

/* Index of step name n on the ladder of d, or -1 after reporting. */
static int ladder_step(ploader *L, const discipline_spec *d, const ynode *n)
{
	const char *names[N_STEP_KINDS];
	int k = pl_get_choice(L, n, step_names, N_STEP_KINDS);

	if (k < 0)
		return -1;
	for (size_t i = 0; i < d->n_steps; i++) {
		names[i] = step_names[d->steps[i].kind];
		if ((int)d->steps[i].kind == k)
			return (int)i;
	}
	char list[200] = "";
	size_t used = 0;
	for (size_t i = 0; i < d->n_steps && used < sizeof list; i++)
		used += (size_t)snprintf(list + used, sizeof list - used,
					 "%s%s", i ? ", " : "", names[i]);
	pl_error(L, n, "add it to `steps:` or pick a step listed there",
		 "step '%s' is not on this rule's ladder (steps: %s)",
		 step_names[k], list);
	return -1;
}

/* A scalar or a list of names -> a bit mask; false after reporting. */
static bool name_mask(ploader *L, const ynode *n, const char *const *names,
		      size_t n_names, const char *what, uint64_t *out)
{
	const ynode *one[1] = {n};
	const ynode *const *items = one;
	size_t count = 1;
	bool ok = true;

	if (n->kind == YN_SEQ) {
		items = (const ynode *const *)n->items;
		count = n->n_items;
		if (count == 0) {
			pl_error(L, n, NULL, "expected at least one %s", what);
			return false;
		}
	}
	*out = 0;
	for (size_t i = 0; i < count; i++) {
		int ix = name_index(L, items[i], names, n_names, what);
		if (ix < 0)
			ok = false;
		else
			*out |= UINT64_C(1) << ix;
	}
	return ok;
}

static void compile_escalate(ploader *L, discipline_spec *d, const ynode *n)
{
	static const char *const keys[] = {"count", "severity", "category",
					   "step"};

	if (!pl_expect_seq(L, n,
			   "a list of rows like {count: {minor: 2}, step: "
			   "written_warning}"))
		return;
	d->rows = pl_array(L, n->n_items, sizeof *d->rows);
	if (n->n_items && !d->rows)
		return;
	for (size_t i = 0; i < n->n_items; i++) {
		const ynode *row = n->items[i], *x;
		escalation_row *er = &d->rows[d->n_rows];
		bool ok = true;
		if (!pl_expect_map(L, row,
				   "a row like {count: {minor: 2}, step: "
				   "written_warning}"))
			continue;
		pl_check_keys(L, row, keys, ARRAY_LEN(keys));
		er->loc = pl_loc(L, row);
		er->min_count = pl_array(L, d->n_severities + 1, sizeof(uint32_t));
		if (!er->min_count)
			return;
		if ((x = pl_optional(row, "count"))) {
			if (!pl_expect_map(L, x,
					   "counts of active violations like "
					   "{minor: 2} or {any: 3}")) {
				ok = false;
			} else {
				const char **names = pl_array(L, d->n_severities + 1,
							      sizeof *names);
				if (!names)
					return;
				for (size_t s = 0; s < d->n_severities; s++)
					names[s] = d->severities[s];
				names[d->n_severities] = "any";
				for (size_t j = 0; j < x->n_pairs; j++) {
					int64_t c;
					int s = name_index(L, x->pairs[j].key, names,
							   d->n_severities + 1,
							   "a severity or 'any'");
					if (s < 0 ||
					    !pl_get_int(L, x->pairs[j].value, 1,
							1000, &c)) {
						ok = false;
						continue;
					}
					if ((size_t)s == d->n_severities)
						er->min_any = (uint32_t)c;
					else
						er->min_count[s] = (uint32_t)c;
				}
			}
		}
		if ((x = pl_optional(row, "severity")) &&
		    !name_mask(L, x, d->severities, d->n_severities,
			       "a severity", &er->severities))
			ok = false;
		if ((x = pl_optional(row, "category")) &&
		    !name_mask(L, x, d->categories, d->n_categories,
			       "a category", &er->categories))
			ok = false;
		er->step = -1;
		if ((x = pl_required(L, row, "step")))
			er->step = ladder_step(L, d, x);
		if (er->step < 0 || !ok)
			continue;
		d->n_rows++;
	}
}

static void compile_discipline(ploader *L, const policy_version *v, rule *r,
			       const event_type *t, const ynode *m)
{
	discipline_spec *d = pl_alloc(L, sizeof *d);
	const ynode *x;

	if (!d)
		return;
	r->discipline = d;
	d->category_field = d->severity_field = -1;
	if ((x = pl_required(L, m, "category")) && t &&
	    (d->category_field = enum_field(L, t, x, "category")) >= 0) {
		d->categories = t->fields[d->category_field].enum_values;
		d->n_categories = t->fields[d->category_field].n_enum;
	}
	if ((x = pl_required(L, m, "severity")) && t &&
	    (d->severity_field = enum_field(L, t, x, "severity")) >= 0) {
		d->severities = t->fields[d->severity_field].enum_values;
		d->n_severities = t->fields[d->severity_field].n_enum;
	}
	if ((x = pl_required(L, m, "active_for")))
		compile_active(L, d, x);
	if ((x = ynode_get(m, "progressive")))
		pl_get_bool(L, x, &d->progressive);
	if ((x = pl_required(L, m, "steps")))
		compile_steps(L, v, d, x);
	/* rows name severities, categories and steps: only when those are known */
	if ((x = pl_optional(m, "escalate")) && d->severity_field >= 0 &&
	    d->category_field >= 0 && d->n_steps > 0)
		compile_escalate(L, d, x);
	if ((x = ynode_get(m, "fine_limit")) &&
	    pl_get_money(L, v, x, "fine_limit", false, &d->fine_limit)) {
		bool has_fine = false;
		for (size_t i = 0; i < d->n_steps; i++)
			has_fine |= d->steps[i].kind == STEP_FINE;
		if (!has_fine && d->n_steps > 0)
			pl_error(L, x, NULL,
				 "fine_limit applies to fines, and the ladder "
				 "has no fine step");
		else if (dec_sign(d->fine_limit) == 0)
			pl_error(L, x, "leave fine_limit out for no limit",
				 "fine_limit must be above 0");
		else
			d->has_fine_limit = true;
	}
}

/* ---- duty and training ---- */

static void compile_violation(ploader *L, violation_spec *vs, const ynode *n)
{
	static const char *const keys[] = {"category", "severity"};
	const ynode *x;

	if (!pl_expect_map(L, n,
			   "the violation it records, like {category: duty, "
			   "severity: minor}"))
		return;
	pl_check_keys(L, n, keys, ARRAY_LEN(keys));
	vs->node = n;
	if ((x = pl_required(L, n, "category")))
		pl_get_string(L, x, "a category", &vs->category);
	if ((x = pl_required(L, n, "severity")))
		pl_get_string(L, x, "a severity", &vs->severity);
}

static void compile_duty(ploader *L, rule *r, const event_type *t,
			 const ynode *m)
{
	static const char *const everys[] = {"week", "month", "quarter", "year"};
	duty_spec *d = pl_alloc(L, sizeof *d);
	const ynode *x;
	int64_t iv;
	int c;

	if (!d)
		return;
	r->duty = d;
	d->covers_field = -1;
	if ((x = pl_required(L, m, "every")) &&
	    (c = pl_get_choice(L, x, everys, ARRAY_LEN(everys))) >= 0)
		d->every = (interval_kind)c;
	if ((x = pl_optional(m, "covers")) && t)
		d->covers_field = field_by_name(L, t, x, FT_STRING, "covers");
	if ((x = pl_required(L, m, "due_days")) && pl_get_int(L, x, 0, 366, &iv))
		d->due_days = (int32_t)iv;
	if ((x = pl_required(L, m, "violation")))
		compile_violation(L, &d->violation, x);
	person_only_when(L, r, "a duty rule");
}

static void compile_training(ploader *L, rule *r, const event_type *t,
			     const ynode *m)
{
	training_spec *s = pl_alloc(L, sizeof *s);
	const ynode *x, *hold, *viol;
	int64_t iv;

	if (!s)
		return;
	r->training = s;
	s->course_field = s->score_field = -1;
	if (t) {
		if ((x = pl_optional(m, "course_field"))) {
			s->course_field =
			    field_by_name(L, t, x, FT_STRING, "course_field");
		} else {
			int f = event_type_field(t, "course");
			if (f >= 0 && t->fields[f].type == FT_STRING)
				s->course_field = f;
			else
				pl_error(L, m,
					 "name the string field that holds the "
					 "course",
					 "missing required key 'course_field' "
					 "(event type '%s' has no string field "
					 "'course')",
					 t->name);
		}
		if ((x = pl_optional(m, "score_field"))) {
			s->score_field =
			    field_by_name(L, t, x, FT_INTEGER, "score_field");
		} else {
			int f = event_type_field(t, "score");
			if (f >= 0 && t->fields[f].type == FT_INTEGER)
				s->score_field = f;
		}
	}
	if ((x = pl_required(L, m, "course")))
		pl_get_string(L, x, "a course name", &s->course);
	if ((x = ynode_get(m, "min_score")) &&
	    pl_get_int(L, x, 0, 1000000, &s->min_score)) {
		s->has_min_score = true;
		if (t && s->score_field < 0 && !pl_optional(m, "score_field"))
			pl_error(L, x, "name it with score_field",
				 "min_score needs a score: event type '%s' has "
				 "no integer field 'score'",
				 t->name);
	}
	if ((x = ynode_get(m, "within_days")) &&
	    pl_get_int(L, x, 0, 3650, &iv)) {
		s->has_within = true;
		s->within_days = (int32_t)iv;
	}
	if ((x = ynode_get(m, "by")) && pl_get_date(L, x, &s->by))
		s->has_by = true;
	if (ynode_get(m, "within_days") && (x = ynode_get(m, "by")))
		pl_error(L, x, NULL,
			 "a training rule has one deadline: within_days (of "
			 "the hire date) or by (a date), not both");
	hold = pl_optional(m, "hold");
	if (hold) {
		if (hold->kind == YN_SCALAR && ynode_text_is(hold, "all"))
			s->hold_all = true;
		else if (hold->kind == YN_SEQ && hold->n_items > 0)
			s->hold_node = hold;
		else
			pl_error(L, hold, "write hold: all, or a list of rule ids",
				 "expected 'all' or a list of rule ids whose "
				 "payments are held");
	}
	viol = pl_optional(m, "violation");
	if (viol) {
		s->has_violation = true;
		compile_violation(L, &s->violation, viol);
	}
	bool deadline = ynode_get(m, "within_days") || ynode_get(m, "by");
	if (deadline && !hold && !viol)
		pl_error(L, m, "add `hold:` (payments held until it is done) or "
			       "`violation:` (a duty violation)",
			 "a training deadline needs a consequence");
	if (!deadline && (hold || viol))
		pl_error(L, hold ? hold : viol,
			 "add within_days (of the hire date) or by (a date)",
			 "'%s' needs a deadline", hold ? "hold" : "violation");
	person_only_when(L, r, "a training rule");
}

/* ---- promotion and demotion ---- */

/* Level id scalar n on v's ladder, or NULL after reporting. */
static const char *ladder_level(ploader *L, const policy_version *v,
				const ynode *n)
{
	char hint[160];

	if (!pl_expect_scalar(L, n, "a level id"))
		return NULL;
	int li = version_level(v, n->text, n->len);
	if (li >= 0)
		return v->levels[li].id;
	const char **c = pl_array(L, v->n_levels + 1, sizeof *c);
	for (size_t i = 0; c && i < v->n_levels; i++)
		c[i] = v->levels[i].id;
	pl_error(L, n,
		 c ? pl_did_you_mean(hint, sizeof hint, n->text, c, v->n_levels)
		   : NULL,
		 "unknown level '%s' (not on the ladder)", n->text);
	return NULL;
}

static void compile_career(ploader *L, const policy_version *v, rule *r,
			   const ynode *m)
{
	static const char *const akeys_up[] = {"at_least", "periods"};
	static const char *const akeys_down[] = {"below", "periods"};
	static const char *const approval_keys[] = {"on", "approver"};
	career_spec *c = pl_alloc(L, sizeof *c);
	const char *what = r->kind == RULE_DEMOTION ? "demotion" : "promotion";
	const ynode *x;
	int64_t iv;

	if (!c)
		return;
	r->career = c;
	r->at_period_end = true;
	c->down = r->kind == RULE_DEMOTION;
	c->tenure_months = -1;
	c->approval_type = c->approver_field = -1;
	c->periods = 1;
	if (v->n_levels == 0) {
		pl_error(L, m, "declare the career ladder under `ladder:`",
			 "a %s rule needs a ladder, and the policy has none",
			 what);
		return;
	}
	if ((x = pl_optional(m, "from"))) {
		const ynode *one[1] = {x};
		const ynode *const *items = one;
		size_t count = 1;
		if (x->kind == YN_SEQ) {
			items = (const ynode *const *)x->items;
			count = x->n_items;
		}
		c->from = pl_array(L, count, sizeof *c->from);
		for (size_t i = 0; c->from && i < count; i++) {
			const char *id = ladder_level(L, v, items[i]);
			if (id)
				c->from[c->n_from++] = id;
		}
	}
	if ((x = pl_optional(m, "to")))
		c->to = ladder_level(L, v, x);
	if ((x = pl_optional(m, "attainment")) &&
	    pl_expect_map(L, x,
			  c->down ? "a test like {below: 50%, periods: 2}"
				  : "a test like {at_least: 100%, periods: 2}")) {
		const char *key = c->down ? "below" : "at_least";
		const char *other = c->down ? "at_least" : "below";
		pl_check_keys(L, x, c->down ? akeys_down : akeys_up, 2);
		const ynode *y = ynode_get(x, key);
		if (!y && ynode_get(x, other))
			; /* reported by pl_check_keys */
		else if (!y)
			pl_error(L, x, NULL, "missing required key '%s'", key);
		else if (pl_get_ratio(L, y, RATIO_ATTAINMENT, key,
				      &c->attainment))
			c->has_attainment = true;
		if ((y = ynode_get(x, "periods")) &&
		    pl_get_int(L, y, 1, 24, &iv))
			c->periods = (uint32_t)iv;
	}
	if ((x = ynode_get(m, "tenure_months")) && pl_get_int(L, x, 0, 600, &iv))
		c->tenure_months = (int32_t)iv;
	if ((x = pl_optional(m, "training"))) {
		if (x->kind == YN_SCALAR || (x->kind == YN_SEQ && x->n_items))
			c->training_node = x;
		else
			pl_error(L, x, NULL,
				 "expected a training rule id or a list of them");
	}
	if ((x = pl_optional(m, "max_discipline"))) {
		if (ynode_text_is(x, "none")) {
			c->has_max_step = true;
			c->max_step = -1;
		} else {
			int k = pl_get_choice(L, x, step_names, N_STEP_KINDS);
			if (k >= 0) {
				c->has_max_step = true;
				c->max_step = k;
				c->step_node = x;
			}
		}
	}
	if ((x = pl_optional(m, "min_rating")) &&
	    pl_get_string(L, x, "a rating", &c->min_rating))
		c->rating_node = x;
	if ((x = pl_optional(m, "approval")) &&
	    pl_expect_map(L, x, "{on: EVENT_TYPE, approver: FIELD}")) {
		const ynode *y;
		pl_check_keys(L, x, approval_keys, ARRAY_LEN(approval_keys));
		if ((y = pl_required(L, x, "on")) &&
		    pl_expect_scalar(L, y, "an event type name")) {
			c->approval_type = version_event_type(v, y->text, y->len);
			if (c->approval_type < 0) {
				char hint[160];
				const char **cn = pl_array(L, v->n_types + 1, sizeof *cn);
				for (size_t i = 0; cn && i < v->n_types; i++)
					cn[i] = v->types[i].name;
				pl_error(L, y,
					 cn ? pl_did_you_mean(hint, sizeof hint,
							      y->text, cn, v->n_types)
					    : NULL,
					 "unknown event type '%s'", y->text);
			}
		}
		if ((y = pl_optional(x, "approver")) && c->approval_type >= 0)
			c->approver_field = field_by_name(
			    L, &v->types[c->approval_type], y, FT_STRING,
			    "approver");
	}
	if (!ynode_get(m, "attainment") && !ynode_get(m, "tenure_months") &&
	    !ynode_get(m, "training") && !ynode_get(m, "max_discipline") &&
	    !ynode_get(m, "min_rating") && !ynode_get(m, "approval"))
		pl_error(L, m, NULL,
			 "a %s rule needs at least one criterion "
			 "(attainment, tenure_months%s or approval)",
			 what,
			 c->down ? "" : ", training, max_discipline, min_rating");
}

/* ---- appraisal ---- */

static void compile_appraisal(ploader *L, rule *r, const ynode *m)
{
	static const char *const row_keys[] = {"rating", "attainment",
					       "discipline"};
	static const char *const akeys[] = {"gte", "gt", "lte", "lt"};
	static const char *const dkeys[] = {"at_least", "at_most"};
	appraisal_spec *a = pl_alloc(L, sizeof *a);
	const ynode *x, *rows;

	if (!a)
		return;
	r->appraisal = a;
	r->at_period_end = true;
	if ((x = pl_required(L, m, "scale")) &&
	    pl_expect_seq(L, x, "a list of ratings, lowest first")) {
		if (x->n_items == 0)
			pl_error(L, x, NULL, "a scale needs at least one rating");
		a->scale = pl_array(L, x->n_items + 1, sizeof *a->scale);
		for (size_t i = 0; a->scale && i < x->n_items; i++) {
			const char *s;
			if (!pl_get_string(L, x->items[i], "a rating", &s))
				continue;
			bool dup = false;
			for (size_t j = 0; j < a->n_scale && !dup; j++)
				dup = strcmp(a->scale[j], s) == 0;
			if (dup)
				pl_error(L, x->items[i], NULL,
					 "rating '%s' is listed twice", s);
			else
				a->scale[a->n_scale++] = s;
		}
	}
	rows = pl_required(L, m, "ratings");
	if (!rows ||
	    !pl_expect_seq(L, rows,
			   "a list of rows like {rating: meets, attainment: "
			   "{gte: 75%}}"))
		return;
	if (rows->n_items == 0) {
		pl_error(L, rows, NULL, "expected at least one rating row");
		return;
	}
	a->rows = pl_array(L, rows->n_items, sizeof *a->rows);
	for (size_t i = 0; a->rows && i < rows->n_items; i++) {
		const ynode *row = rows->items[i], *y;
		rating_row *rr = &a->rows[a->n_rows];
		bool ok = true;
		if (!pl_expect_map(L, row,
				   "a row like {rating: meets, attainment: "
				   "{gte: 75%}}"))
			continue;
		pl_check_keys(L, row, row_keys, ARRAY_LEN(row_keys));
		rr->loc = pl_loc(L, row);
		if ((y = pl_required(L, row, "rating"))) {
			int ix = name_index(L, y, a->scale, a->n_scale,
					    "a rating of the scale");
			if (ix < 0) {
				ok = false;
			} else {
				rr->rating = a->scale[ix];
				rr->rating_ix = (size_t)ix;
			}
		} else {
			ok = false;
		}
		if ((y = pl_optional(row, "attainment")) &&
		    pl_expect_map(L, y, "a test like {gte: 100%}")) {
			pl_check_keys(L, y, akeys, ARRAY_LEN(akeys));
			const ynode *z;
			if ((z = ynode_get(y, "gte")) && ynode_get(y, "gt"))
				pl_error(L, z, NULL, "give gte or gt, not both");
			if ((z = ynode_get(y, "lte")) && ynode_get(y, "lt"))
				pl_error(L, z, NULL, "give lte or lt, not both");
			for (size_t k = 0; k < ARRAY_LEN(akeys); k++) {
				dec d;
				if (!(z = ynode_get(y, akeys[k])))
					continue;
				if (!pl_get_ratio(L, z, RATIO_ATTAINMENT,
						  akeys[k], &d)) {
					ok = false;
					continue;
				}
				if (k < 2) {
					rr->has_lo = true;
					rr->lo_strict = k == 1;
					rr->lo = d;
				} else {
					rr->has_hi = true;
					rr->hi_strict = k == 3;
					rr->hi = d;
				}
			}
			if (y->n_pairs == 0)
				pl_error(L, y, NULL, "expected a test like {gte: 100%%}");
		}
		if ((y = pl_optional(row, "discipline"))) {
			if (ynode_text_is(y, "none")) {
				rr->disc = DT_CLEAN;
			} else if (pl_expect_map(L, y,
						 "none, or {at_least: STEP} or "
						 "{at_most: STEP}")) {
				pl_check_keys(L, y, dkeys, ARRAY_LEN(dkeys));
				const ynode *z = ynode_get(y, "at_least");
				rr->disc = DT_AT_LEAST;
				if (!z) {
					z = ynode_get(y, "at_most");
					rr->disc = DT_AT_MOST;
				}
				if (!z || y->n_pairs != 1) {
					pl_error(L, y, NULL,
						 "expected one test: {at_least: "
						 "STEP} or {at_most: STEP}");
					ok = false;
				} else {
					rr->disc_step = pl_get_choice(
					    L, z, step_names, N_STEP_KINDS);
					if (rr->disc_step < 0)
						ok = false;
					rr->step_node = z;
				}
			} else {
				ok = false;
			}
		}
		if (ok)
			a->n_rows++;
	}
}

void pl_compile_conduct_rule(ploader *L, const policy_version *v, rule *r,
			     const event_type *t, const ynode *m)
{
	switch (r->kind) {
	case RULE_DISCIPLINE:
		compile_discipline(L, v, r, t, m);
		break;
	case RULE_DUTY:
		compile_duty(L, r, t, m);
		break;
	case RULE_TRAINING:
		compile_training(L, r, t, m);
		break;
	case RULE_PROMOTION:
	case RULE_DEMOTION:
		compile_career(L, v, r, m);
		break;
	case RULE_APPRAISAL:
		compile_appraisal(L, r, m);
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
		if (strlen(v->rules[i].id) == len &&
		    memcmp(v->rules[i].id, id, len) == 0)
			return &v->rules[i];
	return NULL;
}

/* The rule named by scalar n, or NULL after reporting. */
static const rule *rule_ref(ploader *L, const policy_version *v,
			    const ynode *n)
{
	char hint[160];

	if (!pl_expect_scalar(L, n, "a rule id"))
		return NULL;
	const rule *r = rule_by_id(v, n->text, n->len);
	if (r)
		return r;
	const char **c = pl_array(L, v->n_rules + 1, sizeof *c);
	for (size_t i = 0; c && i < v->n_rules; i++)
		c[i] = v->rules[i].id;
	pl_error(L, n,
		 c ? pl_did_you_mean(hint, sizeof hint, n->text, c, v->n_rules)
		   : NULL,
		 "unknown rule '%s'", n->text);
	return NULL;
}

static void link_violation(ploader *L, const rule *disc, violation_spec *vs,
			   const char *what)
{
	const discipline_spec *d = disc ? disc->discipline : NULL;

	if (!vs->node)
		return;
	if (!disc) {
		pl_error(L, vs->node,
			 "add a rule of kind discipline that decides what a "
			 "violation leads to",
			 "%s records a violation, but this version has no "
			 "discipline rule",
			 what);
	} else if (d && d->n_categories && d->n_severities) {
		const ynode *k;
		if (vs->category && (k = ynode_get(vs->node, "category")))
			name_index(L, k, d->categories, d->n_categories,
				   "a category of the discipline rule");
		if (vs->severity && (k = ynode_get(vs->node, "severity")))
			name_index(L, k, d->severities, d->n_severities,
				   "a severity of the discipline rule");
	}
	vs->node = NULL;
}

/* The ladder position of step kind k in d, for a step named at node n. */
static void check_on_ladder(ploader *L, const rule *disc, int k,
			    const ynode *n, const char *key)
{
	if (!n)
		return;
	if (!disc) {
		pl_error(L, n, "add a rule of kind discipline",
			 "%s names a discipline step, but this version has no "
			 "discipline rule",
			 key);
		return;
	}
	const discipline_spec *d = disc->discipline;
	if (!d)
		return;
	for (size_t i = 0; i < d->n_steps; i++)
		if ((int)d->steps[i].kind == k)
			return;
	pl_error(L, n, NULL, "step '%s' is not on the ladder of rule '%s'",
		 step_names[k], disc->id);
}

void pl_link_conduct_rules(ploader *L, policy_version *v)
{
	const rule *disc = NULL, *appr = NULL;

	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		const rule **first = r->kind == RULE_DISCIPLINE	 ? &disc
				     : r->kind == RULE_APPRAISAL ? &appr
								 : NULL;
		if (!first)
			continue;
		if (*first)
			pl_error_at(L, r->loc.file, r->loc.line, r->loc.col,
				    "merge them into one rule",
				    "a version has one %s rule; '%s' (line %u) "
				    "is the first",
				    r->kind == RULE_DISCIPLINE ? "discipline"
							       : "appraisal",
				    (*first)->id, (*first)->loc.line);
		else
			*first = r;
	}
	for (size_t i = 0; i < v->n_rules; i++) {
		rule *r = &v->rules[i];
		if (r->duty) {
			link_violation(L, disc, &r->duty->violation, "a duty rule");
		}
		if (r->training) {
			training_spec *s = r->training;
			if (s->has_violation)
				link_violation(L, disc, &s->violation,
					       "a training rule");
			const ynode *h = s->hold_node;
			s->hold = h ? pl_array(L, h->n_items, sizeof *s->hold) : NULL;
			for (size_t j = 0; h && s->hold && j < h->n_items; j++) {
				const rule *t = rule_ref(L, v, h->items[j]);
				if (!t)
					continue;
				if (t->kind != RULE_COMMISSION &&
				    t->kind != RULE_SPIFF &&
				    t->kind != RULE_BONUS &&
				    t->kind != RULE_SCRIPT) {
					pl_error(L, h->items[j],
						 "hold commission, spiff, bonus or "
						 "script rules",
						 "rule '%s' does not pay: it cannot "
						 "be held",
						 t->id);
					continue;
				}
				s->hold[s->n_hold++] = t->slot;
			}
			s->hold_node = NULL;
			/* one course and score field per event type */
			for (size_t j = 0; j < i; j++) {
				const rule *o = &v->rules[j];
				if (!o->training || o->on_type != r->on_type ||
				    r->on_type < 0)
					continue;
				if (o->training->course_field != s->course_field ||
				    o->training->score_field != s->score_field)
					pl_error_at(
					    L, r->loc.file, r->loc.line, r->loc.col,
					    "use the same course_field and "
					    "score_field",
					    "training rules '%s' and '%s' read "
					    "event type '%s' with different "
					    "fields",
					    o->id, r->id, v->types[r->on_type].name);
				break;
			}
		}
		if (r->career) {
			career_spec *c = r->career;
			const ynode *n = c->training_node;
			if (n) {
				const ynode *one[1] = {n};
				const ynode *const *items = one;
				size_t count = 1;
				if (n->kind == YN_SEQ) {
					items = (const ynode *const *)n->items;
					count = n->n_items;
				}
				c->training = pl_array(L, count, sizeof *c->training);
				for (size_t j = 0; c->training && j < count; j++) {
					const rule *t = rule_ref(L, v, items[j]);
					if (t && t->kind != RULE_TRAINING)
						pl_error(L, items[j], NULL,
							 "rule '%s' is a %s rule, "
							 "not a training rule",
							 t->id,
							 t->kind == RULE_DISCIPLINE
							     ? "discipline"
							     : "non-training");
					else if (t)
						c->training[c->n_training++] = t->slot;
				}
			}
			if (c->step_node)
				check_on_ladder(L, disc, c->max_step, c->step_node,
						"max_discipline");
			if (c->rating_node) {
				if (!appr)
					pl_error(L, c->rating_node,
						 "add a rule of kind appraisal",
						 "min_rating needs an appraisal "
						 "rule in this version");
				else if (appr->appraisal)
					name_index(L, c->rating_node,
						   appr->appraisal->scale,
						   appr->appraisal->n_scale,
						   "a rating of the appraisal "
						   "scale");
			}
			c->training_node = c->step_node = c->rating_node = NULL;
		}
		if (r->appraisal) {
			appraisal_spec *a = r->appraisal;
			for (size_t j = 0; j < a->n_rows; j++) {
				if (a->rows[j].step_node)
					check_on_ladder(L, disc, a->rows[j].disc_step,
							a->rows[j].step_node,
							"discipline");
				else if (a->rows[j].disc == DT_CLEAN && !disc)
					pl_error_at(L, a->rows[j].loc.file,
						    a->rows[j].loc.line,
						    a->rows[j].loc.col,
						    "add a rule of kind discipline",
						    "this row tests discipline, "
						    "but the version has no "
						    "discipline rule");
				a->rows[j].step_node = NULL;
			}
		}
	}
}
