/*
 * scenario.c: reading and applying simulation scenarios (see scenario.h
 * and docs/simulate.md for the format).
 */
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- loading ------------------------------------------------------------ */

static bool keep_code(scenario *sc, pcre2_code *re)
{
	pcre2_code **c = realloc(sc->codes, sizeof *c * (sc->n_codes + 1));
	if (!c) {
		pcre2_code_free(re);
		return false;
	}
	sc->codes = c;
	c[sc->n_codes++] = re;
	return true;
}

static bool read_val(scenario *sc, const ynode *n, bool want_re, sc_val *v)
{
	ydoc *d = &sc->doc;
	const char *s = ydoc_str(d, n, "a value");

	if (!s)
		return false;
	v->text = s;
	v->len = n->len;
	v->node = n;
	v->has_dec = dec_parse(&v->d, s, n->len, false) == DEC_OK;
	v->has_date = date_parse(&v->date, s, n->len) == 0;
	if (want_re) {
		int err = 0;
		PCRE2_SIZE off = 0;
		v->re = pcre2_compile((PCRE2_SPTR)s, n->len, PCRE2_UTF, &err, &off, NULL);
		if (v->re && !keep_code(sc, v->re)) {
			v->re = NULL;
			return false;
		}
	}
	return true;
}

static const char *const subject_names[] = {"type", "person", "team", "level", "date", "period"};
static const char *const op_names[] = {"matches", "eq", "ne", "in", "lt", "lte", "gt", "gte"};
static const cond_op op_codes[] = {COND_MATCH, COND_EQ, COND_NE, COND_IN,
				   COND_LT, COND_LE, COND_GT, COND_GE};

static bool read_test(scenario *sc, const ynode *key, const ynode *val, sc_test *t)
{
	ydoc *d = &sc->doc;

	t->key = key->text;
	t->node = val;
	t->subject = SCS_FIELD;
	for (size_t i = 0; i < ARRAY_LEN(subject_names); i++)
		if (ynode_text_is(key, subject_names[i]))
			t->subject = (sc_subject)i;
	bool field = t->subject == SCS_FIELD;
	if (val->kind == YN_SCALAR) {
		t->op = COND_EQ;
		t->plain = true;
		t->n_vals = 1;
		t->vals = arena_alloc(&sc->mem, sizeof *t->vals);
		return t->vals && read_val(sc, val, field, t->vals);
	}
	if (val->kind == YN_SEQ) {
		t->op = COND_IN;
	} else if (val->kind == YN_MAP && val->n_pairs == 1) {
		const ynode *k = val->pairs[0].key;
		size_t i;
		for (i = 0; i < ARRAY_LEN(op_names); i++)
			if (ynode_text_is(k, op_names[i]))
				break;
		if (i == ARRAY_LEN(op_names)) {
			const char *near = closest_word(k->text, op_names, ARRAY_LEN(op_names));
			char hint[96];
			if (near)
				snprintf(hint, sizeof hint, "did you mean '%s'?", near);
			ydoc_error(d, k, near ? hint : NULL,
				   "unknown test '%s': expected matches, eq, ne, in, lt, lte, gt or gte",
				   k->text);
			return false;
		}
		t->op = op_codes[i];
		val = val->pairs[0].value;
		if (t->op == COND_IN && val->kind != YN_SEQ) {
			ydoc_error(d, val, NULL, "'in' needs a list like [A, B]");
			return false;
		}
	} else {
		ydoc_error(d, val, "write `key: value`, `key: [A, B]` or `key: {gte: V}`",
			   "a test of '%s' must be a value, a list or one comparison", t->key);
		return false;
	}
	if (t->op == COND_IN) {
		if (val->n_items == 0) {
			ydoc_error(d, val, NULL, "'in' needs at least one value");
			return false;
		}
		t->n_vals = val->n_items;
		t->vals = arena_alloc(&sc->mem, sizeof *t->vals * t->n_vals);
		if (!t->vals)
			return false;
		for (size_t i = 0; i < val->n_items; i++)
			if (!read_val(sc, val->items[i], false, &t->vals[i]))
				return false;
		return true;
	}
	t->n_vals = 1;
	t->vals = arena_alloc(&sc->mem, sizeof *t->vals);
	if (!t->vals || !read_val(sc, val, t->op == COND_MATCH, t->vals))
		return false;
	if (t->op == COND_MATCH && !t->vals->re) {
		ydoc_error(d, val, NULL, "pattern '%s' does not compile", t->vals->text);
		return false;
	}
	if ((t->subject == SCS_DATE) && !t->vals->has_date) {
		ydoc_error(d, val, "write YYYY-MM-DD", "'%s' is not a date", t->vals->text);
		return false;
	}
	return true;
}

static bool read_when(scenario *sc, const ynode *when, sc_step *s)
{
	ydoc *d = &sc->doc;
	bool ok = true;

	if (!when || ynode_is_null(when))
		return true;
	if (!ydoc_is_map(d, when, "conditions"))
		return false;
	s->when = arena_alloc(&sc->mem, sizeof *s->when * (when->n_pairs ? when->n_pairs : 1));
	if (!s->when)
		return false;
	for (size_t i = 0; i < when->n_pairs; i++) {
		sc_test *t = &s->when[s->n_when];
		if (!read_test(sc, when->pairs[i].key, when->pairs[i].value, t)) {
			ok = false;
			continue;
		}
		if (s->op == SC_SCALE_QUOTAS && t->subject != SCS_PERSON &&
		    t->subject != SCS_TEAM && t->subject != SCS_LEVEL &&
		    t->subject != SCS_PERIOD) {
			ydoc_error(d, when->pairs[i].key, NULL,
				   "scale_quotas can test person, team, level and period, not '%s'",
				   t->key);
			ok = false;
			continue;
		}
		s->n_when++;
	}
	return ok;
}

static bool read_share(ydoc *d, const ynode *n, dec *out)
{
	if (!ydoc_dec(d, n, true, "share", out))
		return false;
	if (dec_sign(*out) < 0 || dec_cmp(*out, dec_from_int(1)) > 0) {
		ydoc_error(d, n, NULL, "a share is from 0%% to 100%%, not '%s'", n->text);
		return false;
	}
	return true;
}

static bool read_factor(ydoc *d, const ynode *n, dec *out)
{
	if (!ydoc_dec(d, n, true, "factor", out))
		return false;
	if (dec_sign(*out) < 0 || dec_cmp(*out, dec_from_int(1000)) > 0) {
		ydoc_error(d, n, NULL, "a factor is from 0 to 1000, not '%s'", n->text);
		return false;
	}
	return true;
}

static const char *const step_keys[] = {"scale", "scale_quotas", "drop", "duplicate",
					"move_dates", "when"};

static bool read_step(scenario *sc, const ynode *n, sc_step *s)
{
	ydoc *d = &sc->doc;
	const ynode *act = NULL, *when = NULL;
	int found = -1;

	if (!ydoc_is_map(d, n, "a step"))
		return false;
	if (!ydoc_keys(d, n, step_keys, ARRAY_LEN(step_keys)))
		return false;
	s->node = n;
	s->file = sc->file;
	for (size_t i = 0; i < n->n_pairs; i++) {
		const ynode *k = n->pairs[i].key;
		if (ynode_text_is(k, "when")) {
			when = n->pairs[i].value;
			continue;
		}
		if (act) {
			ydoc_error(d, k, "write one change per step",
				   "a step has one change; this one also has '%s'", k->text);
			return false;
		}
		act = n->pairs[i].value;
		for (int j = 0; j < 5; j++)
			if (ynode_text_is(k, step_keys[j]))
				found = j;
	}
	if (!act) {
		ydoc_error(d, n, "one of scale, scale_quotas, drop, duplicate, move_dates",
			   "a step needs a change");
		return false;
	}
	s->op = (sc_op)found;
	switch (s->op) {
	case SC_SCALE: {
		static const char *const keys[] = {"field", "by"};
		if (!ydoc_is_map(d, act, "scale: {field: F, by: X}") ||
		    !ydoc_keys(d, act, keys, 2))
			return false;
		const ynode *f = ynode_get(act, "field"), *by = ynode_get(act, "by");
		if (!f || !by) {
			ydoc_error(d, act, "write scale: {field: amount, by: 1.10}",
				   "scale needs field and by");
			return false;
		}
		s->field = ydoc_str(d, f, "a field name");
		if (!s->field || !read_factor(d, by, &s->by))
			return false;
		break;
	}
	case SC_SCALE_QUOTAS: {
		static const char *const keys[] = {"by"};
		const ynode *by = act;
		if (act->kind == YN_MAP) {
			if (!ydoc_keys(d, act, keys, 1))
				return false;
			by = ynode_get(act, "by");
		}
		if (!by || !read_factor(d, by, &s->by))
			return false;
		break;
	}
	case SC_DROP:
	case SC_DUPLICATE: {
		static const char *const keys[] = {"share"};
		const ynode *sh = act;
		if (act->kind == YN_MAP) {
			if (!ydoc_keys(d, act, keys, 1))
				return false;
			sh = ynode_get(act, "share");
		}
		if (!sh || !read_share(d, sh, &s->share))
			return false;
		break;
	}
	case SC_MOVE: {
		static const char *const keys[] = {"days"};
		const ynode *dn = act;
		int64_t days;
		if (act->kind == YN_MAP) {
			if (!ydoc_keys(d, act, keys, 1))
				return false;
			dn = ynode_get(act, "days");
		}
		if (!dn || !ydoc_int(d, dn, -3660, 3660, "days", &days))
			return false;
		s->days = (int32_t)days;
		break;
	}
	}
	return read_when(sc, when, s);
}

static bool read_mc(scenario *sc, const ynode *n)
{
	static const char *const keys[] = {"trials", "distribution", "mean", "spread", "scale", "per"};
	ydoc *d = &sc->doc;
	mc_spec *m = &sc->mc;
	const ynode *x;
	int64_t v;
	bool ok = true;

	if (!ydoc_is_map(d, n, "monte_carlo") || !ydoc_keys(d, n, keys, ARRAY_LEN(keys)))
		return false;
	m->on = true;
	m->trials = 1000;
	m->dist = MC_LOGNORMAL;
	m->dist_name = "lognormal";
	m->mean = dec_from_int(1);
	dec_parse(&m->spread, "0.2", 3, false);
	if ((x = ynode_get(n, "trials"))) {
		if (ydoc_int(d, x, 1, 10000000, "trials", &v))
			m->trials = (uint64_t)v;
		else
			ok = false;
	}
	if ((x = ynode_get(n, "distribution"))) {
		if (ynode_text_is(x, "normal")) {
			m->dist = MC_NORMAL;
			m->dist_name = "normal";
		} else if (!ynode_text_is(x, "lognormal")) {
			ydoc_error(d, x, "normal or lognormal", "unknown distribution '%s'",
				   x->kind == YN_SCALAR ? x->text : "?");
			ok = false;
		}
	}
	if ((x = ynode_get(n, "mean")) && !read_factor(d, x, &m->mean))
		ok = false;
	if ((x = ynode_get(n, "spread")) && !read_factor(d, x, &m->spread))
		ok = false;
	if (m->dist == MC_LOGNORMAL && dec_sign(m->mean) <= 0) {
		ydoc_error(d, ynode_get(n, "mean"), NULL, "a lognormal multiplier needs a mean above 0");
		ok = false;
	}
	if ((x = ynode_get(n, "per"))) {
		if (ynode_text_is(x, "team"))
			m->per_team = true;
		else if (!ynode_text_is(x, "person")) {
			ydoc_error(d, x, "person or team", "per must be person or team");
			ok = false;
		}
	}
	if ((x = ynode_get(n, "scale"))) {
		if (x->kind == YN_SCALAR) {
			m->n_targets = 1;
			m->targets = arena_alloc(&sc->mem, sizeof *m->targets);
			if (m->targets)
				m->targets[0] = x->text;
		} else if (x->kind == YN_SEQ) {
			m->n_targets = x->n_items;
			m->targets = arena_alloc(&sc->mem, sizeof *m->targets * (x->n_items + 1));
			for (size_t i = 0; m->targets && i < x->n_items; i++)
				if (!(m->targets[i] = ydoc_str(d, x->items[i], "type.field")))
					ok = false;
		} else {
			ydoc_error(d, x, "write [deal_closed.amount]", "scale is a list of type.field");
			ok = false;
		}
		for (size_t i = 0; m->targets && i < m->n_targets; i++)
			if (m->targets[i] && !strchr(m->targets[i], '.')) {
				ydoc_error(d, x, "write type.field, e.g. deal_closed.amount",
					   "'%s' does not name a field of an event type", m->targets[i]);
				ok = false;
			}
	}
	{
		char b[72];
		dec_format(b, sizeof b, m->mean, 0, false);
		m->mean_d = strtod(b, NULL);
		dec_format(b, sizeof b, m->spread, 0, false);
		m->spread_d = strtod(b, NULL);
	}
	return ok;
}

void scenario_destroy(scenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->n_codes; i++)
		pcre2_code_free(sc->codes[i]);
	free(sc->codes);
	ydoc_close(&sc->doc);
	arena_finish(&sc->mem);
	free(sc);
}

int scenario_load(scenario **out, const char *path, inc_diag_fn diag,
		  void *ud, char **err)
{
	static const char *const keys[] = {"scenario", "description", "seed", "steps", "monte_carlo"};
	scenario *sc = calloc(1, sizeof *sc);
	const ynode *root, *x;
	int rc;

	if (!sc)
		return INC_ERROR;
	arena_init(&sc->mem);
	sc->file = path;
	sc->seed = 1;
	rc = ydoc_open(&sc->doc, path, diag, ud, err);
	if (rc)
		goto done;
	ydoc *d = &sc->doc;
	root = d->t.root;
	if (!root || root->kind != YN_MAP) {
		ydoc_error(d, root, "see docs/simulate.md", "a scenario is a mapping with `steps:` or `monte_carlo:`");
		rc = INC_EINPUT;
		goto done;
	}
	ydoc_keys(d, root, keys, ARRAY_LEN(keys));
	sc->name = "";
	sc->description = "";
	if ((x = ynode_get(root, "scenario")) && !(sc->name = ydoc_str(d, x, "a name")))
		sc->name = "";
	if ((x = ynode_get(root, "description")) &&
	    !(sc->description = ydoc_str(d, x, "a sentence")))
		sc->description = "";
	if ((x = ynode_get(root, "seed"))) {
		int64_t v;
		if (ydoc_int(d, x, 0, INT64_MAX, "seed", &v)) {
			sc->seed = (uint64_t)v;
			sc->has_seed = true;
		}
	}
	if ((x = ynode_get(root, "steps")) && !ynode_is_null(x)) {
		if (x->kind != YN_SEQ) {
			ydoc_error(d, x, NULL, "steps is a list of changes");
		} else {
			sc->steps = arena_alloc(&sc->mem, sizeof *sc->steps * (x->n_items ? x->n_items : 1));
			if (!sc->steps) {
				rc = INC_ERROR;
				goto done;
			}
			for (size_t i = 0; i < x->n_items; i++)
				if (read_step(sc, x->items[i], &sc->steps[sc->n_steps]))
					sc->n_steps++;
		}
	}
	if ((x = ynode_get(root, "monte_carlo")) && !ynode_is_null(x))
		read_mc(sc, x);
	rc = d->errors ? INC_EINPUT : 0;
done:
	if (rc == INC_ERROR && err && !*err)
		*err = strdup("out of memory");
	if (rc) {
		scenario_destroy(sc);
		return rc;
	}
	*out = sc;
	return 0;
}

/* ---- matching ---------------------------------------------------------- */

static void report(inc_diag_fn diag, void *ud, const char *file, const ynode *n,
		   inc_severity sev, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void report(inc_diag_fn diag, void *ud, const char *file, const ynode *n,
		   inc_severity sev, const char *fmt, ...)
{
	strbuf sb;
	va_list ap;
	inc_diag g;

	if (!diag)
		return;
	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	memset(&g, 0, sizeof g);
	g.file = file;
	g.line = n ? n->line : 0;
	g.column = n ? n->col : 0;
	g.severity = sev;
	g.message = sb.oom ? "out of memory" : sb_cstr(&sb);
	diag(ud, &g);
	sb_finish(&sb);
}

static bool search(pcre2_code *re, const char *s, size_t n, pcre2_match_data *md)
{
	return re && pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL) >= 0;
}

/* Compares by kind: 'd' decimal, 'D' date, 't' text.  Returns 1/0, or -1
 * when the value cannot be compared that way. */
static int holds(const sc_test *t, char kind, const char *text, size_t len, dec dv,
		 date_t dt, pcre2_match_data *md, bool plain_is_pattern)
{
	if (t->op == COND_MATCH)
		return search(t->vals[0].re, text, len, md);
	if (t->plain && plain_is_pattern) {
		if (!t->vals[0].re)
			return -1;
		return search(t->vals[0].re, text, len, md);
	}
	for (size_t i = 0; i < t->n_vals; i++) {
		const sc_val *v = &t->vals[i];
		int c;
		if (kind == 'd') {
			if (!v->has_dec)
				return -1;
			c = dec_cmp(dv, v->d);
		} else if (kind == 'D') {
			if (!v->has_date)
				return -1;
			c = (dt > v->date) - (dt < v->date);
		} else {
			if (t->op != COND_EQ && t->op != COND_NE && t->op != COND_IN)
				return -1;
			c = (len == v->len && memcmp(text, v->text, len) == 0) ? 0 : 1;
		}
		switch (t->op) {
		case COND_IN:
			if (c == 0)
				return 1;
			continue;
		case COND_EQ: return c == 0;
		case COND_NE: return c != 0;
		case COND_LT: return c < 0;
		case COND_LE: return c <= 0;
		case COND_GT: return c > 0;
		case COND_GE: return c >= 0;
		default: return 0;
		}
	}
	return 0;
}

int scenario_match(const sc_step *s, const inc_policy *p, const roster *r,
		   const event *ev, uint32_t pix, int32_t period,
		   pcre2_match_data *md, inc_diag_fn diag, void *ud)
{
	const person *who = &r->people[ev ? ev->person : pix];
	period_kind pk = p->versions[0].period;

	for (size_t i = 0; i < s->n_when; i++) {
		const sc_test *t = &s->when[i];
		const char *txt = "";
		size_t len = 0;
		char kind = 't';
		dec dv = dec_zero();
		date_t dt = 0;
		bool pattern = false;
		int h;
		char buf[72];

		switch (t->subject) {
		case SCS_TYPE:
			if (!ev)
				return 0;
			txt = ev->type->name;
			break;
		case SCS_PERSON: txt = who->id; break;
		case SCS_TEAM: txt = who->team; break;
		case SCS_LEVEL: txt = who->level; break;
		case SCS_DATE:
			if (!ev)
				return 0;
			kind = 'D';
			dt = ev->date;
			break;
		case SCS_PERIOD: {
			int32_t want, have = ev ? period_of(pk, ev->date) : period;
			bool any = false;
			for (size_t j = 0; j < t->n_vals; j++) {
				if (period_parse(&want, pk, t->vals[j].text, t->vals[j].len) != 0) {
					report(diag, ud, s->file, t->vals[j].node, INC_SEV_ERROR,
					       "'%s' is not a %s", t->vals[j].text, period_kind_name(pk));
					return INC_EINPUT;
				}
				if (want == have)
					any = true;
			}
			if (any != (t->op != COND_NE))
				return 0;
			continue;
		}
		case SCS_FIELD: {
			if (!ev)
				return 0;
			int fi = event_type_field(ev->type, t->key);
			if (fi < 0 || !ev->fields[fi].present)
				return 0;
			const field_def *fd = &ev->type->fields[fi];
			const value *v = &ev->fields[fi].v;
			switch (fd->type) {
			case FT_STRING:
				pattern = true;
				/* fall through */
			case FT_REF:
				txt = v->u.str.s;
				len = v->u.str.len;
				break;
			case FT_ENUM:
				txt = fd->enum_values[v->u.ix];
				break;
			case FT_MONEY:
			case FT_DECIMAL:
				kind = 'd';
				dv = v->u.d;
				break;
			case FT_INTEGER:
				kind = 'd';
				dv = dec_from_int(v->u.i);
				break;
			case FT_DATE:
				kind = 'D';
				dt = v->u.date;
				break;
			default:
				report(diag, ud, s->file, t->node, INC_SEV_ERROR,
				       "field '%s' is a credit split; it cannot be tested", t->key);
				return INC_EINPUT;
			}
			break;
		}
		}
		if (kind == 't' && !len)
			len = strlen(txt);
		(void)buf;
		h = holds(t, kind, txt, len, dv, dt, md, pattern);
		if (h < 0) {
			report(diag, ud, s->file, t->node, INC_SEV_ERROR,
			       "this test of '%s' cannot apply to %s values",
			       t->key, kind == 'd' ? "number" : kind == 'D' ? "date" : "text");
			return INC_EINPUT;
		}
		if (!h)
			return 0;
	}
	return 1;
}

/* ---- applying ------------------------------------------------------------- */

int event_money_minor(const event *ev, const roster *r)
{
	int cf = plans_currency_field(ev->version, ev->type);

	if (cf >= 0 && ev->fields[cf].present) {
		const field_def *fd = &ev->type->fields[cf];
		const value *v = &ev->fields[cf].v;
		const char *code = NULL;
		size_t n = 0;
		if (fd->type == FT_ENUM) {
			code = fd->enum_values[v->u.ix];
			n = strlen(code);
		} else if (fd->type == FT_STRING) {
			code = v->u.str.s;
			n = v->u.str.len;
		}
		int m = code ? currency_minor_unit(ev->version, code, n) : -1;
		if (m >= 0)
			return m;
	}
	return r->people[ev->person].minor;
}

int scale_money(dec *out, dec amount, dec by, int minor, dec_rounding mode)
{
	dec x;

	if (dec_mul(&x, amount, by) != DEC_OK || dec_round(&x, x, minor, mode) != DEC_OK)
		return INC_EARITH;
	*out = x;
	return 0;
}

typedef struct pick {
	uint64_t key;
	size_t ix;
} pick;

static int cmp_pick(const void *a, const void *b)
{
	const pick *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->ix > y->ix) - (x->ix < y->ix);
}

/* The clawback rule of ev's version that fires on ev's type with ref field
 * fi, or NULL. */
static const rule *clawback_on(const event *ev, int fi)
{
	const policy_version *v = ev->version;

	for (size_t i = 0; i < v->n_rules; i++) {
		const rule *r = &v->rules[i];
		if (r->kind == RULE_CLAWBACK && r->on_type >= 0 &&
		    &v->types[r->on_type] == ev->type && r->ref_field == fi)
			return r;
	}
	return NULL;
}

/* Rebinds ev to the version in force on date nd: the type and fields by
 * name.  Returns NULL when it works, else why not. */
static const char *rebind(evstore *st, const inc_policy *p, event *ev, date_t nd, char *buf,
			  size_t cap)
{
	const policy_version *v = policy_version_at(p, nd);
	char d[11];

	date_format(d, nd);
	if (!v) {
		snprintf(buf, cap, "moved to %s, before the policy's first version", d);
		return buf;
	}
	if (v == ev->version) {
		ev->date = nd;
		return NULL;
	}
	int ti = version_event_type(v, ev->type->name, strlen(ev->type->name));
	if (ti < 0) {
		snprintf(buf, cap, "moved to %s, where version %s has no event type '%s'", d,
			 v->label, ev->type->name);
		return buf;
	}
	const event_type *nt = &v->types[ti];
	field_value *nf = evstore_fields(st, nt->n_fields);
	if (!nf) {
		snprintf(buf, cap, "out of memory");
		return buf;
	}
	for (size_t i = 0; i < ev->type->n_fields; i++)
		if (ev->fields[i].present &&
		    event_type_field(nt, ev->type->fields[i].name) < 0) {
			snprintf(buf, cap, "moved to %s, where version %s does not declare field '%s'",
				 d, v->label, ev->type->fields[i].name);
			return buf;
		}
	for (size_t i = 0; i < nt->n_fields; i++) {
		const field_def *fd = &nt->fields[i];
		int oi = event_type_field(ev->type, fd->name);
		memset(&nf[i], 0, sizeof nf[i]);
		if (oi < 0 || !ev->fields[oi].present) {
			if (fd->required) {
				snprintf(buf, cap, "moved to %s, where version %s requires field '%s'",
					 d, v->label, fd->name);
				return buf;
			}
			continue;
		}
		const field_def *od = &ev->type->fields[oi];
		if (od->type != fd->type) {
			snprintf(buf, cap, "moved to %s, where field '%s' has another type",
				 d, fd->name);
			return buf;
		}
		nf[i] = ev->fields[oi];
		if (fd->type == FT_ENUM) {
			const char *name = od->enum_values[ev->fields[oi].v.u.ix];
			size_t k;
			for (k = 0; k < fd->n_enum; k++)
				if (strcmp(fd->enum_values[k], name) == 0)
					break;
			if (k == fd->n_enum) {
				snprintf(buf, cap, "moved to %s, where '%s' is not a value of '%s'",
					 d, name, fd->name);
				return buf;
			}
			nf[i].v.u.ix = (uint32_t)k;
		}
	}
	ev->version = v;
	ev->type = nt;
	ev->fields = nf;
	ev->date = nd;
	return NULL;
}

static int apply_events(const scenario *sc, size_t si, uint64_t seed, const inc_policy *p,
			roster *r, evstore *st, pcre2_match_data *md, inc_diag_fn diag,
			void *ud, sc_stats *stats, char **err)
{
	const sc_step *s = &sc->steps[si];
	size_t n = st->n, n_match = 0;
	pick *picks = malloc(sizeof *picks * (n ? n : 1));
	bool *chosen = calloc(n ? n : 1, sizeof *chosen);
	strmap scaled;
	int rc = 0;
	char buf[256];

	strmap_init(&scaled);
	if (!picks || !chosen) {
		rc = INC_ERROR;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		int m = scenario_match(s, p, r, &st->ev[i], 0, 0, md, diag, ud);
		if (m < 0) {
			rc = m;
			goto done;
		}
		if (!m)
			continue;
		picks[n_match].ix = i;
		picks[n_match].key = prng_mix(seed ^ prng_mix(si + 1) ^
					      prng_hash(st->ev[i].id, st->ev[i].id_len));
		n_match++;
	}
	if (s->op == SC_DROP || s->op == SC_DUPLICATE) {
		dec k;
		if (dec_mul(&k, s->share, dec_from_int((int64_t)n_match)) != DEC_OK ||
		    dec_round(&k, k, 0, DEC_HALF_EVEN) != DEC_OK) {
			rc = INC_EARITH;
			goto done;
		}
		qsort(picks, n_match, sizeof *picks, cmp_pick);
		for (size_t j = 0; j < (size_t)k.coef && j < n_match; j++)
			chosen[picks[j].ix] = true;
	} else {
		for (size_t j = 0; j < n_match; j++)
			chosen[picks[j].ix] = true;
	}

	switch (s->op) {
	case SC_SCALE:
		for (size_t i = 0; i < n; i++) {
			event *ev = &st->ev[i];
			if (!chosen[i])
				continue;
			int fi = event_type_field(ev->type, s->field);
			if (fi < 0 || !ev->fields[fi].present)
				continue;
			if (ev->type->fields[fi].type != FT_MONEY) {
				report(diag, ud, sc->file, s->node, INC_SEV_ERROR,
				       "scale: field '%s' of %s is not money", s->field, ev->type->name);
				rc = INC_EINPUT;
				goto done;
			}
			if (scale_money(&ev->fields[fi].v.u.d, ev->fields[fi].v.u.d, s->by,
					event_money_minor(ev, r), ev->version->rounding)) {
				rc = INC_EARITH;
				goto done;
			}
			stats->scaled++;
			if (ev->type->credit_field == fi &&
			    strmap_put(&scaled, ev->id, ev->id_len, (uint32_t)i, NULL) < 0) {
				rc = INC_ERROR;
				goto done;
			}
		}
		/* a refund follows its deal: the clawback rule's refunded amount
		 * is scaled with the deal it reverses, so a full refund stays full */
		for (size_t i = 0; scaled.count && i < n; i++) {
			event *ev = &st->ev[i];
			if (chosen[i])
				continue;
			for (size_t f = 0; f < ev->type->n_fields; f++) {
				const rule *cr;
				if (ev->type->fields[f].type != FT_REF || !ev->fields[f].present ||
				    !strmap_get(&scaled, ev->fields[f].v.u.str.s,
						ev->fields[f].v.u.str.len, &(uint32_t){0}) ||
				    !(cr = clawback_on(ev, (int)f)) || cr->amount_field < 0 ||
				    !ev->fields[cr->amount_field].present)
					continue;
				dec *a = &ev->fields[cr->amount_field].v.u.d;
				if (scale_money(a, *a, s->by, event_money_minor(ev, r),
						ev->version->rounding)) {
					rc = INC_EARITH;
					goto done;
				}
				stats->scaled++;
				break;
			}
		}
		break;
	case SC_DROP: {
		/* an event that refers to a dropped one goes too: a real run
		 * would reject its ref */
		strmap gone;
		size_t w = 0;
		strmap_init(&gone);
		for (size_t i = 0; i < n; i++) {
			event *ev = &st->ev[i];
			bool drop = chosen[i];
			for (size_t f = 0; !drop && f < ev->type->n_fields; f++)
				if (ev->type->fields[f].type == FT_REF && ev->fields[f].present &&
				    strmap_get(&gone, ev->fields[f].v.u.str.s,
					       ev->fields[f].v.u.str.len, &(uint32_t){0}))
					drop = true;
			if (drop) {
				if (strmap_put(&gone, ev->id, ev->id_len, 0, NULL) < 0) {
					strmap_finish(&gone);
					rc = INC_ERROR;
					goto done;
				}
				stats->dropped++;
				continue;
			}
			st->ev[w++] = *ev;
		}
		st->n = w;
		strmap_finish(&gone);
		break;
	}
	case SC_DUPLICATE: {
		strmap ids;
		strmap_init(&ids);
		for (size_t i = 0; i < n; i++)
			if (strmap_put(&ids, st->ev[i].id, st->ev[i].id_len, 0, NULL) < 0) {
				strmap_finish(&ids);
				rc = INC_ERROR;
				goto done;
			}
		for (size_t i = 0; i < n; i++) {
			if (!chosen[i])
				continue;
			event copy = st->ev[i];
			event *e = evstore_push(st, &copy);
			char idb[300];
			int k = 2;
			if (!e) {
				rc = INC_ERROR;
				break;
			}
			do {
				snprintf(idb, sizeof idb, "%.*s~%d", (int)copy.id_len, copy.id, k++);
			} while (strmap_get(&ids, idb, strlen(idb), &(uint32_t){0}));
			e->id = evstore_str(st, idb, strlen(idb));
			e->id_len = (uint32_t)strlen(idb);
			e->referenced = false;
			if (!e->id || strmap_put(&ids, e->id, e->id_len, 0, NULL) < 0) {
				rc = INC_ERROR;
				break;
			}
			stats->duplicated++;
		}
		strmap_finish(&ids);
		if (rc)
			goto done;
		evstore_sort(st);
		break;
	}
	case SC_MOVE: {
		size_t w = 0;
		for (size_t i = 0; i < n; i++) {
			event *ev = &st->ev[i];
			if (chosen[i]) {
				const char *why = rebind(st, p, ev, ev->date + s->days, buf, sizeof buf);
				if (why) {
					report(diag, ud, sc->file, s->node, INC_SEV_WARNING,
					       "event %.*s (%s:%llu) left out: %s", (int)ev->id_len, ev->id,
					       ev->file ? ev->file : "?", (unsigned long long)ev->line, why);
					stats->rejected++;
					continue;
				}
				stats->moved++;
			}
			st->ev[w++] = *ev;
		}
		st->n = w;
		evstore_sort(st);
		/* a ref must name an event that comes earlier */
		strmap seen;
		strmap_init(&seen);
		w = 0;
		for (size_t i = 0; i < st->n; i++) {
			event *ev = &st->ev[i];
			bool ok = true;
			for (size_t f = 0; ok && f < ev->type->n_fields; f++) {
				if (ev->type->fields[f].type != FT_REF || !ev->fields[f].present)
					continue;
				if (!strmap_get(&seen, ev->fields[f].v.u.str.s,
						ev->fields[f].v.u.str.len, &(uint32_t){0})) {
					report(diag, ud, sc->file, s->node, INC_SEV_WARNING,
					       "event %.*s left out: the event it refers to, %.*s, "
					       "now comes after it", (int)ev->id_len, ev->id,
					       (int)ev->fields[f].v.u.str.len, ev->fields[f].v.u.str.s);
					ok = false;
				}
			}
			if (!ok) {
				stats->rejected++;
				continue;
			}
			if (strmap_put(&seen, ev->id, ev->id_len, 0, NULL) < 0) {
				strmap_finish(&seen);
				rc = INC_ERROR;
				goto done;
			}
			st->ev[w++] = *ev;
		}
		st->n = w;
		strmap_finish(&seen);
		break;
	}
	default:
		break;
	}
done:
	if (rc == INC_ERROR && err && !*err)
		*err = strdup("out of memory");
	if (rc == INC_EARITH && err && !*err)
		*err = strdup("scenario: arithmetic overflow while scaling");
	strmap_finish(&scaled);
	free(picks);
	free(chosen);
	return rc;
}

static int apply_quotas(const scenario *sc, size_t si, const inc_policy *p, roster *r,
			pcre2_match_data *md, inc_diag_fn diag, void *ud, sc_stats *stats)
{
	const sc_step *s = &sc->steps[si];

	for (size_t q = 0; q < r->n_quotas; q++) {
		quota *qu = &r->quotas[q];
		int m = scenario_match(s, p, r, NULL, qu->person, qu->period, md, diag, ud);
		if (m < 0)
			return m;
		if (!m)
			continue;
		if (scale_money(&qu->amount, qu->amount, s->by, r->people[qu->person].minor,
				DEC_HALF_EVEN))
			return INC_EARITH;
		stats->quotas_scaled++;
	}
	return 0;
}

int scenario_apply(const scenario *sc, uint64_t seed, const inc_policy *p,
		   roster *r, evstore *ev, inc_diag_fn diag, void *ud,
		   sc_stats *st, char **err)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc = 0;

	if (!md)
		return INC_ERROR;
	for (size_t i = 0; i < sc->n_steps && rc == 0; i++) {
		if (sc->steps[i].op == SC_SCALE_QUOTAS)
			rc = apply_quotas(sc, i, p, r, md, diag, ud, st);
		else
			rc = apply_events(sc, i, seed, p, r, ev, md, diag, ud, st, err);
	}
	if (rc == INC_EARITH && err && !*err)
		*err = strdup("scenario: arithmetic overflow while scaling");
	pcre2_match_data_free(md);
	return rc;
}
