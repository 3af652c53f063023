/*
 * ptest.c: policy tests, the engine behind `incentive test` (the public
 * inc_tests_* API of include/incentive.h).
 *
 * A policy's tests are YAML files in its tests/ directory.  Each file
 * holds a list of cases; a case gives people, quotas and events (inline,
 * or by file) and says what must come out: decisions (a subset match by
 * default, the whole list with `exact: true`), decisions that must not
 * come out, input lines that must be rejected, or an error.  The format
 * is documented in docs/policy-guide.md ("Testing a policy").
 *
 * Stages: load (the policy, then every test file, read into cases and
 * checked with file:line:column for every problem) -> run (each case is
 * an ordinary run of the public run API: inline records are written as
 * JSON Lines into a private temporary directory, the run's decisions,
 * rejected lines and warnings are collected) -> compare (the first
 * difference becomes the case's message) -> coverage (every decision of a
 * case run on the suite's policy marks the rule, rate row, tier band,
 * bonus band, threshold, cap, ladder step, escalation or rating row it
 * came from, read from its detail).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "model_conduct.h"
#include "yamltree.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_SHOWN_DECISIONS 40

/* ---- the suite ----------------------------------------------------------- */

typedef enum in_kind { IN_NONE, IN_INLINE, IN_FILES } in_kind;

/* The inputs a case can give: people, quotas, events, exchange rates. */
#define N_IN 4

/* Where people, quotas or events of a case come from. */
typedef struct tinput {
	in_kind kind;
	const ynode *list;  /* IN_INLINE: a sequence of mappings */
	const char **paths; /* IN_FILES: resolved paths */
	size_t n_paths;
	const char *file; /* display name of the test file it is written in */
} tinput;

/* One expected (or forbidden) decision. Unset keys are NULL. */
typedef struct tmatch {
	const char *person, *kind, *currency, *rule, *period, *version, *reason;
	bool has_amount;
	dec amount;
	const char **events;
	size_t n_events;
	bool has_events;
	uint32_t line;
} tmatch;

/* One expected rejected input line. */
typedef struct treject {
	const char *id; /* id of an inline record (person for quotas) */
	const char
	    *file;     /* the file as written in the case, or its base name */
	uint32_t line; /* 0: any */
	const char *reason;
	uint32_t yline; /* where the expectation is written */
} treject;

typedef struct tcase {
	const char *file; /* display name of the test file */
	uint32_t line;
	const char *name;
	const char *policy; /* resolved path, or NULL: the suite's policy */
	tinput in[N_IN];    /* people, quotas, events, rates */
	const char *period;
	bool strict;
	tmatch *expect;
	size_t n_expect;
	bool exact;
	/* exact: [kinds]: only decisions of these kinds must all be
	 * expected; NULL with exact: every decision */
	const char **exact_kinds;
	size_t n_exact_kinds;
	tmatch *absent;
	size_t n_absent;
	treject *rejected;
	size_t n_rejected;
	const char *error; /* expected error text, or NULL */
	uint32_t error_line;
	bool bad; /* had a problem (reported) */
} tcase;

enum { IN_PEOPLE, IN_QUOTAS, IN_EVENTS, IN_RATES };
static const char *const input_names[N_IN] = {"people", "quotas", "events", "rates"};

typedef struct tfile {
	char *path; /* display name */
	char *dir;  /* its directory, for relative paths */
	char *buf;
	size_t len;
	ytree tree;
} tfile;

typedef enum cov_kind {
	COV_RULE,
	COV_RATE_ROW,
	COV_TIER_BAND,
	COV_BONUS_BAND,
	COV_THRESHOLD,
	COV_SPIFF_CAP,
	COV_LADDER_STEP, /* a step of a discipline ladder */
	COV_ESCALATION,	 /* an `escalate:` row of a discipline rule */
	COV_RATING_ROW	 /* a row of an appraisal table */
} cov_kind;

typedef struct cov_item {
	cov_kind kind;
	size_t version, rule, index; /* index: row or band, 0-based */
	const char *what;
	src_loc loc;
	bool reached, applicable;
	const char *note;
} cov_item;

/* A policy named by a case's `policy:` key, loaded once. */
typedef struct pcache {
	const char *path;
	inc_policy *p;
	char *errors; /* the load's diagnostics, one per line, or NULL */
} pcache;

struct inc_tests {
	arena mem;
	inc_diag_fn diag;
	void *ud;
	const char *filter;
	inc_policy *policy;
	const char *tests_dir;
	tfile *files;
	size_t n_files;
	tcase **cases;
	size_t n_cases, cap_cases;
	pcache *pols;
	size_t n_pols;
	cov_item *cov;
	size_t n_cov, cap_cov;
	const char **inputs; /* input files outside the policy directory */
	size_t n_inputs, cap_inputs;
	const char *policy_real; /* realpath of the policy directory */
	/* while reading a case: the policy whose rule ids it may name, or
	 * NULL (a case on another policy) */
	const inc_policy *check_rules;
	char *tmpdir;
	inc_tests_summary sum;
	bool ran;
	bool oom;
	char *errmsg;
};

/* ---- small helpers ------------------------------------------------------- */

static void set_err(inc_tests *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_err(inc_tests *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(t->errmsg);
	t->errmsg = s;
}

static char *tdup(inc_tests *t, const char *s)
{
	char *c = arena_strdup(&t->mem, s);
	if (!c)
		t->oom = true;
	return c;
}

/* dir/name without doubled slashes; name itself when absolute. */
static char *join(inc_tests *t, const char *dir, const char *name)
{
	size_t n = strlen(dir);
	char *s;

	if (name[0] == '/' || n == 0)
		return tdup(t, name);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	s = arena_printf(&t->mem, "%.*s/%s", (int)n, dir, name);
	if (!s)
		t->oom = true;
	return s;
}

static bool push(inc_tests *t, void *arr_p, size_t *n, size_t *cap, size_t size)
{
	void **arr = arr_p;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *p = realloc(*arr, c * size);
		if (!p) {
			t->oom = true;
			return false;
		}
		*arr = p;
		*cap = c;
	}
	(*n)++;
	return true;
}

/* Reports a problem in a test file. */
static void terr(inc_tests *t, const char *file, const ynode *n,
		 const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void terr(inc_tests *t, const char *file, const ynode *n,
		 const char *hint, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	t->sum.file_errors++;
	if (!t->diag)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	inc_diag d = {file, n ? n->line : 0, n ? n->col : 0, INC_SEV_ERROR, msg,
		      hint};
	t->diag(t->ud, &d);
}

static bool check_keys(inc_tests *t, const char *file, const ynode *map,
		       const char *const *keys, size_t n_keys)
{
	bool ok = true;

	for (size_t i = 0; i < map->n_pairs; i++) {
		const ynode *k = map->pairs[i].key;
		bool found = false;
		for (size_t j = 0; j < n_keys && !found; j++)
			found = ynode_text_is(k, keys[j]);
		if (found)
			continue;
		char hint[160];
		const char *best =
		    k->len > 64 ? NULL : closest_word(k->text, keys, n_keys);
		if (best)
			snprintf(hint, sizeof hint, "did you mean '%s'?", best);
		terr(t, file, k, best ? hint : NULL, "unknown key '%.*s'",
		     k->len > 100 ? 100 : (int)k->len, k->text);
		ok = false;
	}
	return ok;
}

static const char *describe(const ynode *n, char *buf, size_t cap)
{
	return ynode_describe(n, buf, cap);
}

static bool get_text(inc_tests *t, const char *file, const ynode *n,
		     const char *what, const char **out)
{
	char got[128];

	if (!n || n->kind != YN_SCALAR || ynode_is_null(n)) {
		terr(t, file, n, NULL, "expected %s, got %s", what,
		     describe(n, got, sizeof got));
		return false;
	}
	*out = tdup(t, n->text);
	return *out != NULL;
}

static bool get_bool(inc_tests *t, const char *file, const ynode *n, bool *out)
{
	char got[128];

	if (ynode_text_is(n, "true") || ynode_text_is(n, "false")) {
		*out = ynode_text_is(n, "true");
		return true;
	}
	terr(t, file, n, NULL, "expected true or false, got %s",
	     describe(n, got, sizeof got));
	return false;
}

/* An amount as authors write it: 1250.00, -1,250.00 or 1250.  Commas
 * only group thousands (a comma followed by exactly three digits, before
 * the point): "8,00" is a mistake, not 800. */
static bool parse_amount(const char *s, dec *out)
{
	char buf[80];
	size_t k = 0;
	const char *dot = strchr(s, '.');

	for (const char *c = s; *c && k + 1 < sizeof buf; c++) {
		if (*c != ',') {
			buf[k++] = *c;
			continue;
		}
		if ((dot && c > dot) || c == s || c[-1] < '0' || c[-1] > '9' ||
		    strspn(c + 1, "0123456789") != 3 ||
		    (c[4] != '\0' && c[4] != '.' && c[4] != ','))
			return false;
	}
	if (k + 1 >= sizeof buf)
		return false;
	buf[k] = '\0';
	return dec_parse(out, buf, k, false) == DEC_OK;
}

/* "1,250.00": grouped, with the decimals it has. */
static const char *show_amount(char *buf, size_t cap, dec d)
{
	dec_format(buf, cap, d, d.scale, true);
	return buf;
}

/* ---- reading test files -------------------------------------------------- */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool parse_input(inc_tests *t, const tfile *f, const ynode *n, int which,
			tinput *out)
{
	char got[128];

	out->file = f->path;
	if (ynode_is_null(n)) {
		out->kind = IN_INLINE;
		out->list = NULL;
		return true;
	}
	if (n->kind == YN_SCALAR) {
		out->kind = IN_FILES;
		out->paths = arena_alloc(&t->mem, sizeof *out->paths);
		if (!out->paths) {
			t->oom = true;
			return false;
		}
		out->paths[0] = join(t, f->dir, n->text);
		out->n_paths = 1;
		if (!out->paths[0])
			return false;
		if (access(out->paths[0], R_OK) != 0) {
			terr(t, f->path, n,
			     "paths are relative to the test file's directory",
			     "%s file '%s' cannot be read: %s",
			     input_names[which], out->paths[0],
			     strerror(errno));
			return false;
		}
		return true;
	}
	if (n->kind != YN_SEQ) {
		terr(t, f->path, n,
		     "write a list of records, or the name of a CSV or JSON "
		     "Lines file",
		     "%s: expected a list or a file name, got %s",
		     input_names[which], describe(n, got, sizeof got));
		return false;
	}
	bool ok = true,
	     files = n->n_items > 0 && n->items[0]->kind == YN_SCALAR;
	if (files) {
		out->kind = IN_FILES;
		out->paths =
		    arena_alloc(&t->mem, sizeof *out->paths * n->n_items);
		if (!out->paths) {
			t->oom = true;
			return false;
		}
		for (size_t i = 0; i < n->n_items; i++) {
			const ynode *x = n->items[i];
			if (x->kind != YN_SCALAR || ynode_is_null(x)) {
				terr(t, f->path, x,
				     "give either a list of file names or a "
				     "list "
				     "of records",
				     "expected a file name, got %s",
				     describe(x, got, sizeof got));
				ok = false;
				continue;
			}
			const char *p = join(t, f->dir, x->text);
			if (!p)
				return false;
			if (access(p, R_OK) != 0) {
				terr(t, f->path, x,
				     "paths are relative to the test file's "
				     "directory",
				     "%s file '%s' cannot be read: %s",
				     input_names[which], p, strerror(errno));
				ok = false;
				continue;
			}
			out->paths[out->n_paths++] = p;
		}
		return ok;
	}
	out->kind = IN_INLINE;
	out->list = n;
	for (size_t i = 0; i < n->n_items; i++) {
		const ynode *r = n->items[i];
		if (r->kind != YN_MAP) {
			terr(t, f->path, r,
			     "write a record like {id: e1, date: 2026-01-10, "
			     "...}",
			     "%s: expected a record (a mapping), got %s",
			     input_names[which], describe(r, got, sizeof got));
			ok = false;
			continue;
		}
		for (size_t j = 0; j < r->n_pairs; j++) {
			const ynode *v = r->pairs[j].value;
			if (v->kind != YN_SCALAR) {
				terr(t, f->path, v,
				     which == IN_EVENTS
					 ? "a split is written as text: "
					   "r01:60;r02:40"
					 : NULL,
				     "field '%s': expected a value, got %s",
				     r->pairs[j].key->text,
				     describe(v, got, sizeof got));
				ok = false;
			}
		}
	}
	return ok;
}

static bool parse_events_list(inc_tests *t, const char *file, const ynode *n,
			      tmatch *m)
{
	char got[128];
	const char *s;

	m->has_events = true;
	if (n->kind == YN_SEQ) {
		m->events = arena_alloc(
		    &t->mem, sizeof *m->events * (n->n_items ? n->n_items : 1));
		if (!m->events) {
			t->oom = true;
			return false;
		}
		for (size_t i = 0; i < n->n_items; i++) {
			if (!get_text(t, file, n->items[i], "an event id", &s))
				return false;
			m->events[m->n_events++] = s;
		}
		return true;
	}
	if (n->kind != YN_SCALAR) {
		terr(t, file, n, NULL, "expected event ids like e1,e2, got %s",
		     describe(n, got, sizeof got));
		return false;
	}
	/* "e1,e2" or "" */
	size_t count = 1;
	for (const char *c = n->text; *c; c++)
		count += *c == ',';
	m->events = arena_alloc(&t->mem, sizeof *m->events * count);
	if (!m->events) {
		t->oom = true;
		return false;
	}
	const char *p = n->text;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		while (len && *p == ' ') {
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (len) {
			char *id = arena_strndup(&t->mem, p, len);
			if (!id) {
				t->oom = true;
				return false;
			}
			m->events[m->n_events++] = id;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return true;
}

static const char *const match_keys[] = {"person",   "kind",	"amount",
					 "currency", "rule",	"period",
					 "events",   "version", "reason"};

/* A rule id named in a test must be a rule of the policy (of some
 * version): a typo would make the case fail for the wrong reason. */
static bool known_rule(inc_tests *t, const char *file, const ynode *n)
{
	const inc_policy *p = t->check_rules;
	char hint[160];

	if (!p || !n || n->kind != YN_SCALAR)
		return true;
	for (uint32_t i = 0; i < p->n_rule_slots; i++)
		if (strcmp(p->rule_slot_ids[i], n->text) == 0)
			return true;
	const char *best = n->len > 64 ? NULL
				       : closest_word(n->text, p->rule_slot_ids,
						      p->n_rule_slots);
	if (best)
		snprintf(hint, sizeof hint, "did you mean '%s'?", best);
	terr(t, file, n, best ? hint : NULL,
	     "unknown rule '%s': the policy has no rule with this id", n->text);
	return false;
}

static bool parse_match(inc_tests *t, const char *file, const ynode *n,
			tmatch *m)
{
	char got[128];
	const ynode *x;
	bool ok = true;

	memset(m, 0, sizeof *m);
	m->line = n->line;
	if (n->kind != YN_MAP) {
		terr(t, file, n, NULL,
		     "expected a decision like {person: r01, kind: commission, "
		     "amount: 400.00, rule: base-commission}, got %s",
		     describe(n, got, sizeof got));
		return false;
	}
	ok = check_keys(t, file, n, match_keys, ARRAY_LEN(match_keys));
	if (n->n_pairs == 0) {
		terr(t, file, n, NULL, "an empty decision matches anything");
		return false;
	}
	struct {
		const char *key;
		const char **dst;
	} texts[] = {
	    {"person", &m->person},	{"kind", &m->kind},
	    {"currency", &m->currency}, {"rule", &m->rule},
	    {"period", &m->period},	{"version", &m->version},
	    {"reason", &m->reason},
	};
	for (size_t i = 0; i < ARRAY_LEN(texts); i++)
		if ((x = ynode_get(n, texts[i].key)) &&
		    !get_text(t, file, x, "a value", texts[i].dst))
			ok = false;
	if (!known_rule(t, file, ynode_get(n, "rule")))
		ok = false;
	if ((x = ynode_get(n, "amount"))) {
		if (x->kind != YN_SCALAR ||
		    !parse_amount(x->text, &m->amount)) {
			terr(
			    t, file, x,
			    "write decimals after a point, and group thousands "
			    "with commas if you like: 1,250.00",
			    "expected an amount like 1250.00, got %s",
			    describe(x, got, sizeof got));
			ok = false;
		} else {
			m->has_amount = true;
		}
	}
	if ((x = ynode_get(n, "events")) && !parse_events_list(t, file, x, m))
		ok = false;
	return ok;
}

static bool parse_matches(inc_tests *t, const char *file, const ynode *n,
			  tmatch **out, size_t *n_out)
{
	char got[128];
	bool ok = true;

	if (ynode_is_null(n))
		return true;
	if (n->kind != YN_SEQ) {
		terr(t, file, n, NULL, "expected a list of decisions, got %s",
		     describe(n, got, sizeof got));
		return false;
	}
	*out = arena_alloc(&t->mem, sizeof **out * (n->n_items + 1));
	if (!*out) {
		t->oom = true;
		return false;
	}
	for (size_t i = 0; i < n->n_items; i++)
		if (parse_match(t, file, n->items[i], &(*out)[*n_out]))
			(*n_out)++;
		else
			ok = false;
	return ok;
}

static bool parse_rejected(inc_tests *t, const char *file, const ynode *n,
			   tcase *c)
{
	static const char *const keys[] = {"id", "file", "line", "reason"};
	char got[128];
	bool ok = true;

	if (ynode_is_null(n))
		return true;
	if (n->kind != YN_SEQ) {
		terr(t, file, n, NULL,
		     "expected a list like [{id: e9, reason: unknown person}], "
		     "got %s",
		     describe(n, got, sizeof got));
		return false;
	}
	c->rejected =
	    arena_alloc(&t->mem, sizeof *c->rejected * (n->n_items + 1));
	if (!c->rejected) {
		t->oom = true;
		return false;
	}
	for (size_t i = 0; i < n->n_items; i++) {
		const ynode *m = n->items[i], *x;
		treject *r = &c->rejected[c->n_rejected];
		memset(r, 0, sizeof *r);
		r->yline = m->line;
		if (m->kind != YN_MAP) {
			terr(t, file, m, NULL,
			     "expected a rejection like {id: e9, reason: "
			     "unknown person}, got %s",
			     describe(m, got, sizeof got));
			ok = false;
			continue;
		}
		if (!check_keys(t, file, m, keys, ARRAY_LEN(keys)))
			ok = false;
		if ((x = ynode_get(m, "id")) &&
		    !get_text(t, file, x, "a record id", &r->id))
			ok = false;
		if ((x = ynode_get(m, "file")) &&
		    !get_text(t, file, x, "a file name", &r->file))
			ok = false;
		if ((x = ynode_get(m, "line"))) {
			int64_t v = 0;
			if (x->kind != YN_SCALAR ||
			    sscanf(x->text, "%" SCNd64, &v) != 1 || v < 1 ||
			    v > UINT32_MAX) {
				terr(t, file, x, NULL,
				     "expected a line number, got %s",
				     describe(x, got, sizeof got));
				ok = false;
			} else {
				r->line = (uint32_t)v;
			}
		}
		x = ynode_get(m, "reason");
		if (!x) {
			terr(t, file, m, "a part of the message is enough",
			     "missing required key 'reason'");
			ok = false;
		} else if (!get_text(t, file, x, "a part of the reason",
				     &r->reason)) {
			ok = false;
		}
		if (!r->id && !r->line) {
			terr(t, file, m,
			     "name the inline record by its `id`, or the line "
			     "of "
			     "an input file",
			     "a rejection needs 'id' or 'line'");
			ok = false;
		}
		c->n_rejected++;
	}
	return ok;
}

static const char *const file_keys[] = {"description", "policy", "people",
					"quotas",      "events", "rates",
					"period",      "strict", "cases"};
static const char *const case_keys[] = {
    "name",   "description", "policy", "people", "quotas",   "events", "rates", "period",
    "strict", "expect",	     "exact",  "absent", "rejected", "error"};

/* Shared settings of a file, inherited by its cases. */
typedef struct tdefaults {
	const char *policy;
	tinput in[N_IN];
	const char *period;
	bool strict;
} tdefaults;

static bool parse_common(inc_tests *t, const tfile *f, const ynode *m,
			 tdefaults *d)
{
	const ynode *x;
	bool ok = true;

	if ((x = ynode_get(m, "policy"))) {
		const char *s;
		if (get_text(t, f->path, x, "a policy path", &s)) {
			d->policy = join(t, f->dir, s);
			struct stat st;
			if (d->policy && stat(d->policy, &st) != 0) {
				terr(t, f->path, x,
				     "paths are relative to the test file's "
				     "directory",
				     "policy '%s' not found", d->policy);
				ok = false;
			}
		} else {
			ok = false;
		}
	}
	for (int i = 0; i < N_IN; i++)
		if (ynode_get_pair(m, input_names[i]) &&
		    !parse_input(t, f, ynode_get(m, input_names[i]), i,
				 &d->in[i]))
			ok = false;
	if ((x = ynode_get(m, "period")) &&
	    !get_text(t, f->path, x, "a period like 2026-Q1", &d->period))
		ok = false;
	if ((x = ynode_get(m, "strict")) &&
	    !get_bool(t, f->path, x, &d->strict))
		ok = false;
	return ok;
}

/* exact: true | false | [kind, ...] */
static bool parse_exact(inc_tests *t, const char *file, const ynode *x,
			tcase *c)
{
	char got[128];

	if (x->kind != YN_SEQ)
		return get_bool(t, file, x, &c->exact);
	if (x->n_items == 0) {
		terr(t, file, x, "write exact: true for every decision",
		     "exact: expected decision kinds like [commission, bonus], "
		     "got an empty list");
		return false;
	}
	c->exact = true;
	c->exact_kinds =
	    arena_alloc(&t->mem, sizeof *c->exact_kinds * x->n_items);
	if (!c->exact_kinds) {
		t->oom = true;
		return false;
	}
	for (size_t i = 0; i < x->n_items; i++) {
		if (x->items[i]->kind != YN_SCALAR ||
		    ynode_is_null(x->items[i])) {
			terr(t, file, x->items[i], NULL,
			     "exact: expected a decision kind, got %s",
			     describe(x->items[i], got, sizeof got));
			return false;
		}
		c->exact_kinds[c->n_exact_kinds++] = x->items[i]->text;
	}
	return true;
}

static bool parse_case(inc_tests *t, const tfile *f, const ynode *m,
		       const tdefaults *fd, tcase *c)
{
	char got[128];
	const ynode *x;
	bool ok = true;
	tdefaults d = *fd;

	c->file = f->path;
	c->line = m->line;
	if (m->kind != YN_MAP) {
		terr(
		    t, f->path, m, NULL,
		    "expected a case (a mapping with name, events and expect), "
		    "got %s",
		    describe(m, got, sizeof got));
		return false;
	}
	ok = check_keys(t, f->path, m, case_keys, ARRAY_LEN(case_keys));
	x = ynode_get(m, "name");
	if (!x) {
		terr(t, f->path, m, "say in a few words what the case shows",
		     "missing required key 'name'");
		ok = false;
	} else if (!get_text(t, f->path, x, "a name", &c->name)) {
		ok = false;
	}
	if (!parse_common(t, f, m, &d))
		ok = false;
	c->policy = d.policy;
	t->check_rules = c->policy ? NULL : t->policy;
	memcpy(c->in, d.in, sizeof c->in);
	c->period = d.period;
	c->strict = d.strict;
	if ((x = ynode_get(m, "expect")) &&
	    !parse_matches(t, f->path, x, &c->expect, &c->n_expect))
		ok = false;
	if ((x = ynode_get(m, "absent")) &&
	    !parse_matches(t, f->path, x, &c->absent, &c->n_absent))
		ok = false;
	if ((x = ynode_get(m, "exact")) && !parse_exact(t, f->path, x, c))
		ok = false;
	if ((x = ynode_get(m, "rejected")) && !parse_rejected(t, f->path, x, c))
		ok = false;
	if ((x = ynode_get(m, "error"))) {
		c->error_line = x->line;
		if (!get_text(t, f->path, x,
			      "a part of the expected error message",
			      &c->error))
			ok = false;
	}
	if (!ynode_get_pair(m, "expect") && !ynode_get_pair(m, "absent") &&
	    !ynode_get_pair(m, "rejected") && !ynode_get_pair(m, "error") &&
	    !c->exact) {
		terr(t, f->path, m,
		     "add `expect:` (decisions), `absent:`, `rejected:` or "
		     "`error:`",
		     "case '%s' expects nothing", c->name ? c->name : "");
		ok = false;
	}
	if (c->error && (c->n_expect || c->n_absent || c->exact)) {
		terr(t, f->path, ynode_get(m, "error"),
		     "a run that fails makes no decisions",
		     "a case expects either an error or decisions, not both");
		ok = false;
	}
	return ok;
}

static bool name_matches(const char *filter, const char *a, const char *b)
{
	return !filter || !*filter || (a && strcasestr(a, filter)) ||
	       (b && strcasestr(b, filter));
}

static void read_test_file(inc_tests *t, tfile *f)
{
	const ynode *root, *cases;
	char got[128];
	tdefaults d = {0};
	size_t errors = t->sum.file_errors;
	tcase **mine = NULL;
	size_t n_mine = 0;

	if (read_file(f->path, &f->buf, &f->len) != 0) {
		terr(t, f->path, NULL, NULL, "cannot read file: %s",
		     strerror(errno));
		return;
	}
	int rc = ytree_parse(&f->tree, f->path, f->buf, f->len, t->diag, t->ud);
	if (rc == INC_ERROR) {
		t->oom = true;
		return;
	}
	if (rc != 0)
		t->sum.file_errors++;
	root = f->tree.root;
	if (!root) {
		if (rc == 0)
			terr(t, f->path, NULL, "a test file holds `cases:`",
			     "empty test file");
		return;
	}
	if (root->kind != YN_MAP) {
		terr(t, f->path, root, NULL,
		     "expected a test file (a mapping with `cases:`), got %s",
		     describe(root, got, sizeof got));
		return;
	}
	check_keys(t, f->path, root, file_keys, ARRAY_LEN(file_keys));
	parse_common(t, f, root, &d);
	cases = ynode_get(root, "cases");
	if (!cases) {
		terr(t, f->path, root, "list the cases under `cases:`",
		     "missing required key 'cases'");
		return;
	}
	if (cases->kind != YN_SEQ || cases->n_items == 0) {
		terr(t, f->path, cases, NULL,
		     "expected a list of cases, got %s",
		     describe(cases, got, sizeof got));
		return;
	}
	mine = calloc(cases->n_items, sizeof *mine);
	if (!mine) {
		t->oom = true;
		return;
	}
	for (size_t i = 0; i < cases->n_items; i++) {
		tcase *c = arena_alloc(&t->mem, sizeof *c);
		if (!c) {
			t->oom = true;
			break;
		}
		bool ok = parse_case(t, f, cases->items[i], &d, c);
		if (!c->name)
			continue;
		for (size_t j = 0; j < n_mine; j++)
			if (strcmp(mine[j]->name, c->name) == 0) {
				terr(t, f->path,
				     ynode_get(cases->items[i], "name"),
				     "give every case of a file its own name",
				     "duplicate case name '%s' (first at line "
				     "%u)",
				     c->name, mine[j]->line);
				ok = false;
				break;
			}
		/* every named case, to find duplicates; only good ones run
		 * (and a file with any problem runs none) */
		c->bad = !ok;
		mine[n_mine++] = c;
	}
	/* a file with problems runs none of its cases */
	if (t->sum.file_errors == errors) {
		for (size_t i = 0; i < n_mine; i++) {
			if (mine[i]->bad)
				continue;
			if (!name_matches(t->filter, mine[i]->name,
					  base_name(f->path))) {
				t->sum.filtered++;
				continue;
			}
			if (!push(t, &t->cases, &t->n_cases, &t->cap_cases,
				  sizeof *t->cases))
				break;
			t->cases[t->n_cases - 1] = mine[i];
		}
	}
	free(mine);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_yaml_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' &&
	       ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
		(n > 4 && strcmp(name + n - 4, ".yml") == 0));
}

/* Lists and reads the *.yaml files of tests_dir in name order.  A missing
 * directory is a suite without files. */
static void read_tests_dir(inc_tests *t)
{
	DIR *d = opendir(t->tests_dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!is_yaml_name(e->d_name))
			continue;
		char *s = tdup(t, e->d_name);
		if (!s || !push(t, &names, &n, &cap, sizeof *names))
			break;
		names[n - 1] = s;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	t->files = calloc(n ? n : 1, sizeof *t->files);
	if (!t->files) {
		t->oom = true;
		free(names);
		return;
	}
	for (size_t i = 0; i < n && !t->oom; i++) {
		char *full = join(t, t->tests_dir, names[i]);
		struct stat st;
		if (!full || stat(full, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		tfile *f = &t->files[t->n_files++];
		f->path = full;
		f->dir = tdup(t, t->tests_dir);
		t->sum.files++;
		read_test_file(t, f);
	}
	free(names);
}

/* Remembers input files outside the policy directory, for a watcher. */
static void note_inputs(inc_tests *t)
{
	for (size_t i = 0; i < t->n_cases; i++)
		for (int k = 0; k < N_IN; k++) {
			const tinput *in = &t->cases[i]->in[k];
			for (size_t j = 0;
			     in->kind == IN_FILES && j < in->n_paths; j++) {
				char *real = realpath(in->paths[j], NULL);
				size_t pl =
				    t->policy_real ? strlen(t->policy_real) : 0;
				bool inside =
				    real && pl &&
				    strncmp(real, t->policy_real, pl) == 0 &&
				    real[pl] == '/';
				free(real);
				if (inside)
					continue;
				bool dup = false;
				for (size_t m = 0; m < t->n_inputs && !dup; m++)
					dup = strcmp(t->inputs[m],
						     in->paths[j]) == 0;
				if (dup ||
				    !push(t, &t->inputs, &t->n_inputs,
					  &t->cap_inputs, sizeof *t->inputs))
					continue;
				t->inputs[t->n_inputs - 1] = in->paths[j];
			}
		}
}

/* ---- coverage items ------------------------------------------------------ */

/* true when some period ends while version vi is in force (period-end
 * rules of a version that is never in force on a period's last day never
 * run). */
static bool in_force_at_a_period_end(const inc_policy *p, size_t vi)
{
	const policy_version *v = &p->versions[vi];

	if (vi + 1 >= p->n_versions)
		return true;
	date_t end = period_end(v->period, period_of(v->period, v->effective));
	return end < p->versions[vi + 1].effective;
}

static void add_cov(inc_tests *t, cov_kind kind, size_t vi, size_t ri,
		    size_t index, src_loc loc, bool period_end, const char *fmt,
		    ...) __attribute__((format(printf, 8, 9)));

static void add_cov(inc_tests *t, cov_kind kind, size_t vi, size_t ri,
		    size_t index, src_loc loc, bool period_end, const char *fmt,
		    ...)
{
	va_list ap;
	strbuf sb;

	if (!push(t, &t->cov, &t->n_cov, &t->cap_cov, sizeof *t->cov))
		return;
	cov_item *c = &t->cov[t->n_cov - 1];
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->version = vi;
	c->rule = ri;
	c->index = index;
	c->loc = loc;
	c->applicable = true;
	if (period_end && !in_force_at_a_period_end(t->policy, vi)) {
		const policy_version *v = &t->policy->versions[vi];
		c->applicable = false;
		c->note =
		    arena_printf(&t->mem,
				 "version %s is never in force at the end "
				 "of a %s, when this is decided",
				 v->label, period_kind_name(v->period));
		if (!c->note)
			t->oom = true;
	}
	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	c->what = sb.oom ? NULL : arena_strdup(&t->mem, sb_cstr(&sb));
	if (!c->what)
		t->oom = true;
	sb_finish(&sb);
}

static void build_coverage(inc_tests *t)
{
	const inc_policy *p = t->policy;
	char b[80];

	for (size_t vi = 0; vi < p->n_versions; vi++) {
		const policy_version *v = &p->versions[vi];
		for (size_t ri = 0; ri < v->n_rules; ri++) {
			const rule *r = &v->rules[ri];
			bool pe_rule =
			    r->at_period_end ||
			    (r->tiers && r->tiers->measure == MEASURE_PERIOD);
			add_cov(t, COV_RULE, vi, ri, 0, r->loc, pe_rule,
				"rule");
			for (size_t i = 0; i < r->n_rates; i++)
				add_cov(
				    t, COV_RATE_ROW, vi, ri, i, r->rates[i].loc,
				    pe_rule, "rate row %zu%s%s%s", i + 1,
				    r->rates[i].label ? " (" : "",
				    r->rates[i].label ? r->rates[i].label : "",
				    r->rates[i].label ? ")" : "");
			for (size_t i = 0; r->tiers && i < r->tiers->n_bands;
			     i++)
				add_cov(t, COV_TIER_BAND, vi, ri, i,
					r->tiers->bands[i].loc, pe_rule,
					"tier band %zu", i + 1);
			if (r->has_threshold) {
				dec_format_percent(b, sizeof b, r->threshold);
				add_cov(
				    t, COV_THRESHOLD, vi, ri, 0, r->loc, true,
				    "threshold %s (a %s that ends below it)", b,
				    period_kind_name(v->period));
			}
			for (size_t i = 0; i < r->n_bands; i++) {
				dec_format_percent(b, sizeof b,
						   r->bands[i].from);
				add_cov(t, COV_BONUS_BAND, vi, ri, i,
					r->bands[i].loc, true,
					"bonus band %zu (from %s)", i + 1, b);
			}
			const discipline_spec *ds =
			    r->kind == RULE_DISCIPLINE ? r->discipline : NULL;
			for (size_t i = 0; ds && i < ds->n_steps; i++)
				add_cov(t, COV_LADDER_STEP, vi, ri, i,
					ds->steps[i].loc, false,
					"ladder step %zu (%s)", i + 1,
					step_kind_name((int)ds->steps[i].kind));
			for (size_t i = 0; ds && i < ds->n_rows; i++)
				add_cov(
				    t, COV_ESCALATION, vi, ri, i,
				    ds->rows[i].loc, false,
				    "escalation row %zu (%s)", i + 1,
				    step_kind_name(
					(int)ds->steps[ds->rows[i].step].kind));
			const appraisal_spec *as =
			    r->kind == RULE_APPRAISAL ? r->appraisal : NULL;
			for (size_t i = 0; as && i < as->n_rows; i++)
				add_cov(t, COV_RATING_ROW, vi, ri, i,
					as->rows[i].loc, true,
					"rating row %zu (%s)", i + 1,
					as->rows[i].rating);
			if (r->kind == RULE_SPIFF && r->has_cap) {
				dec_format(b, sizeof b, r->cap, 0, true);
				add_cov(t, COV_SPIFF_CAP, vi, ri, 0, r->loc,
					false, "spiff cap %s (reached)", b);
			}
		}
	}
}

/* true when the list "1,3" holds n */
static bool in_list(const char *s, unsigned long n)
{
	while (s && *s) {
		char *end;
		unsigned long b = strtoul(s, &end, 10);
		if (end == s)
			return false;
		if (b == n)
			return true;
		s = *end == ',' ? end + 1 : end;
	}
	return false;
}

/* Marks the ladder step named `step` and the escalation row `row` ("0":
 * none) of the discipline rules of version vi.  A decision of a discipline
 * rule counts for that rule only. */
static void cover_ladder(inc_tests *t, size_t vi, size_t ri, const char *step,
			 const char *row)
{
	const policy_version *v = &t->policy->versions[vi];
	bool own = v->rules[ri].kind == RULE_DISCIPLINE;
	unsigned long rown = row ? strtoul(row, NULL, 10) : 0;

	for (size_t i = 0; i < t->n_cov; i++) {
		cov_item *c = &t->cov[i];
		if (c->version != vi || (own && c->rule != ri))
			continue;
		const discipline_spec *ds = v->rules[c->rule].discipline;
		if (c->kind == COV_LADDER_STEP && ds &&
		    strcmp(step_kind_name((int)ds->steps[c->index].kind),
			   step) == 0)
			c->reached = true;
		if (c->kind == COV_ESCALATION && rown == c->index + 1)
			c->reached = true;
		if (c->kind == COV_RULE && ds)
			c->reached = true;
	}
}

/* Marks what decision d of a run on the suite's policy reached. */
static void cover(inc_tests *t, const inc_decision *d)
{
	const inc_policy *p = t->policy;
	size_t vi = p->n_versions, ri = 0;
	json_object *det = NULL, *x;
	const char *row_s = NULL, *rows = NULL, *tiers = NULL,
		   *band_from = NULL;
	const char *step = NULL,
		   *row = NULL; /* discipline and appraisal rows */

	for (size_t i = 0; i < p->n_versions && vi == p->n_versions; i++)
		if (d->version && strcmp(p->versions[i].label, d->version) == 0)
			vi = i;
	if (vi == p->n_versions || !d->rule)
		return;
	const policy_version *v = &p->versions[vi];
	for (ri = 0; ri < v->n_rules; ri++)
		if (strcmp(v->rules[ri].id, d->rule) == 0)
			break;
	if (ri == v->n_rules)
		return;
	if (d->detail && (det = json_tokener_parse(d->detail))) {
		if (json_object_object_get_ex(det, "rate_row", &x))
			row_s = json_object_get_string(x);
		if (json_object_object_get_ex(det, "rate_rows", &x))
			rows = json_object_get_string(x);
		if (json_object_object_get_ex(det, "tiers", &x))
			tiers = json_object_get_string(x);
		if (json_object_object_get_ex(det, "band_from", &x))
			band_from = json_object_get_string(x);
		if (json_object_object_get_ex(det, "step", &x))
			step = json_object_get_string(x);
		if (json_object_object_get_ex(det, "row", &x))
			row = json_object_get_string(x);
	}
	/* a discipline step may be decided by a duty or training rule that
	 * recorded the violation: the ladder is the version's discipline rule
	 */
	if (step)
		cover_ladder(t, vi, ri, step, row);
	const rule *r = &v->rules[ri];
	for (size_t i = 0; i < t->n_cov; i++) {
		cov_item *c = &t->cov[i];
		if (c->version != vi || c->rule != ri)
			continue;
		switch (c->kind) {
		case COV_RULE:
			c->reached = true;
			break;
		case COV_RATE_ROW:
			if ((row_s &&
			     strtoul(row_s, NULL, 10) == c->index + 1) ||
			    in_list(rows, c->index + 1))
				c->reached = true;
			break;
		case COV_TIER_BAND:
			if (in_list(tiers, c->index + 1))
				c->reached = true;
			break;
		case COV_BONUS_BAND: {
			dec f;
			if (band_from &&
			    dec_parse(&f, band_from, strlen(band_from),
				      false) == DEC_OK &&
			    dec_cmp(f, r->bands[c->index].from) == 0)
				c->reached = true;
			break;
		}
		case COV_THRESHOLD:
			if (strcmp(d->kind, "threshold_withheld") == 0)
				c->reached = true;
			break;
		case COV_SPIFF_CAP:
			if (strcmp(d->kind, "cap_withheld") == 0)
				c->reached = true;
			break;
		case COV_RATING_ROW:
			if (row && strtoul(row, NULL, 10) == c->index + 1)
				c->reached = true;
			break;
		case COV_LADDER_STEP:
		case COV_ESCALATION:
			break; /* cover_ladder() */
		}
	}
	json_object_put(det);
}

/* ---- running one case ---------------------------------------------------- */

typedef struct tdec {
	char *period, *person, *kind, *amount, *currency, *rule, *events,
	    *reason, *version;
	dec value;
	bool has_value;
	bool used;
} tdec;

typedef struct tdiag {
	const char *file; /* as shown */
	uint32_t line;
	const char *id;	     /* inline record id, or NULL */
	const char *written; /* file as named in the case, for matching */
	const char *message;
	bool warning;
	bool used;
} tdiag;

/* An inline list written to a temporary file. */
typedef struct tmap {
	const char *tmp;
	const tinput *in;
	int which;
} tmap;

typedef struct trun {
	inc_tests *t;
	const tcase *c;
	arena mem;
	tdec *decs;
	size_t n_decs, cap_decs;
	tdiag *diags;
	size_t n_diags, cap_diags;
	tmap maps[N_IN];
	size_t n_maps;
	bool on_suite_policy;
	bool oom;
} trun;

static char *rdup(trun *r, const char *s)
{
	char *c = arena_strdup(&r->mem, s ? s : "");
	if (!c)
		r->oom = true;
	return c;
}

static bool rpush(trun *r, void *arr_p, size_t *n, size_t *cap, size_t size)
{
	void **arr = arr_p;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		void *p = realloc(*arr, c * size);
		if (!p) {
			r->oom = true;
			return false;
		}
		*arr = p;
		*cap = c;
	}
	(*n)++;
	return true;
}

/* The text of key `k` in inline record m, or NULL. */
static const char *rec_value(const ynode *m, const char *k)
{
	const ynode *v = ynode_get(m, k);
	return v && v->kind == YN_SCALAR && !ynode_is_null(v) ? v->text : NULL;
}

static void run_diag(void *ud, const inc_diag *d)
{
	trun *r = ud;
	tdiag x = {0};

	if (d->severity == INC_SEV_NOTE)
		return;
	x.file = d->file;
	x.line = d->line;
	x.warning = d->severity == INC_SEV_WARNING;
	x.written = d->file;
	for (size_t i = 0; d->file && i < r->n_maps; i++) {
		const tmap *m = &r->maps[i];
		if (strcmp(d->file, m->tmp) != 0)
			continue;
		x.file = m->in->file;
		x.written = input_names[m->which];
		if (m->in->list && d->line >= 1 &&
		    d->line <= m->in->list->n_items) {
			const ynode *rec = m->in->list->items[d->line - 1];
			x.line = rec->line;
			x.id = rec_value(rec, m->which == IN_QUOTAS  ? "person"
					      : m->which == IN_RATES ? "date"
								     : "id");
		}
		break;
	}
	/* files named by the case: match them as written too */
	for (int k = 0; d->file && k < N_IN && x.written == d->file; k++) {
		const tinput *in = &r->c->in[k];
		for (size_t j = 0; in->kind == IN_FILES && j < in->n_paths; j++)
			if (strcmp(in->paths[j], d->file) == 0)
				x.written = in->paths[j];
	}
	x.file = x.file ? rdup(r, x.file) : NULL;
	x.written = x.written ? rdup(r, x.written) : NULL;
	x.id = x.id ? rdup(r, x.id) : NULL;
	x.message = rdup(r, d->message);
	if (d->hint && *d->hint && !r->oom) {
		char *m =
		    arena_printf(&r->mem, "%s (hint: %s)", x.message, d->hint);
		if (m)
			x.message = m;
	}
	if (!rpush(r, &r->diags, &r->n_diags, &r->cap_diags, sizeof *r->diags))
		return;
	r->diags[r->n_diags - 1] = x;
}

static int run_sink(void *ud, const inc_decision *d)
{
	trun *r = ud;
	tdec x = {0};

	if (r->on_suite_policy)
		cover(r->t, d);
	x.period = rdup(r, d->period);
	x.person = rdup(r, d->person);
	x.kind = rdup(r, d->kind);
	x.amount = d->amount ? rdup(r, d->amount) : NULL;
	x.currency = d->currency ? rdup(r, d->currency) : NULL;
	x.rule = rdup(r, d->rule);
	x.events = rdup(r, d->events);
	x.reason = rdup(r, d->reason);
	x.version = rdup(r, d->version);
	if (d->amount &&
	    dec_parse(&x.value, d->amount, strlen(d->amount), false) == DEC_OK)
		x.has_value = true;
	if (r->oom ||
	    !rpush(r, &r->decs, &r->n_decs, &r->cap_decs, sizeof *r->decs))
		return -1;
	r->decs[r->n_decs - 1] = x;
	return 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Writes inline records as JSON Lines, one record per line (so that line
 * N of the file is record N).  People get a name (their id) and a hire
 * date (2000-01-01) when the test leaves them out. */
static int write_inline(const tinput *in, int which, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	for (size_t i = 0; in->list && i < in->list->n_items; i++) {
		const ynode *m = in->list->items[i];
		bool first = true;
		fputc('{', f);
		for (size_t j = 0; j < m->n_pairs; j++) {
			const ynode *v = m->pairs[j].value;
			fputs(first ? "" : ",", f);
			first = false;
			json_str(f, m->pairs[j].key->text);
			fputc(':', f);
			if (v->kind == YN_SCALAR && ynode_is_null(v) &&
			    v->style == YS_PLAIN)
				fputs("null", f);
			else
				json_str(f, v->text ? v->text : "");
		}
		if (which == IN_PEOPLE) {
			const char *id = rec_value(m, "id");
			if (!ynode_get_pair(m, "name") && id) {
				fputs(first ? "" : ",", f);
				fputs("\"name\":", f);
				json_str(f, id);
				first = false;
			}
			if (!ynode_get_pair(m, "hired")) {
				fputs(first ? "" : ",", f);
				fputs("\"hired\":\"2000-01-01\"", f);
			}
		}
		fputs("}\n", f);
	}
	if (ferror(f)) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

static void collect_policy_diag(void *ud, const inc_diag *d)
{
	strbuf *sb = ud;

	if (d->severity != INC_SEV_ERROR)
		return;
	if (sb->len)
		sb_putc(sb, '\n');
	if (d->file && d->line && d->column)
		sb_printf(sb, "%s:%u:%u: ", d->file, d->line, d->column);
	else if (d->file && d->line)
		sb_printf(sb, "%s:%u: ", d->file, d->line);
	else if (d->file)
		sb_printf(sb, "%s: ", d->file);
	sb_puts(sb, d->message ? d->message : "");
}

/* The policy a case runs on: the suite's, or one loaded (once) from the
 * case's `policy:`.  NULL with *errors set when it does not load. */
static const inc_policy *case_policy(inc_tests *t, const tcase *c,
				     const char **errors)
{
	*errors = NULL;
	if (!c->policy)
		return t->policy;
	for (size_t i = 0; i < t->n_pols; i++)
		if (strcmp(t->pols[i].path, c->policy) == 0) {
			*errors = t->pols[i].errors;
			return t->pols[i].p;
		}
	pcache *pc = realloc(t->pols, sizeof *pc * (t->n_pols + 1));
	if (!pc) {
		t->oom = true;
		*errors = "out of memory";
		return NULL;
	}
	t->pols = pc;
	pc = &t->pols[t->n_pols++];
	memset(pc, 0, sizeof *pc);
	pc->path = c->policy;
	strbuf sb;
	char *err = NULL;
	sb_init(&sb);
	int rc =
	    inc_policy_load(&pc->p, c->policy, collect_policy_diag, &sb, &err);
	if (rc != 0) {
		pc->p = NULL;
		if (err) {
			if (sb.len)
				sb_putc(&sb, '\n');
			sb_puts(&sb, err);
		}
		pc->errors = sb.oom ? NULL : strdup(sb_cstr(&sb));
		if (!pc->errors)
			pc->errors = strdup("the policy does not load");
	}
	free(err);
	sb_finish(&sb);
	*errors = pc->errors;
	return pc->p;
}

/* ---- comparing ----------------------------------------------------------- */

/* Result of a case being built. */
typedef struct verdict {
	strbuf msg, where, details;
	bool failed;
} verdict;

static void fail_at(verdict *v, const char *file, uint32_t line,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void fail_at(verdict *v, const char *file, uint32_t line,
		    const char *fmt, ...)
{
	va_list ap;

	if (v->failed)
		return;
	v->failed = true;
	va_start(ap, fmt);
	sb_vprintf(&v->msg, fmt, ap);
	va_end(ap);
	if (line)
		sb_printf(&v->where, "%s:%u", file, line);
	else
		sb_puts(&v->where, file);
}

static bool events_equal(const tmatch *m, const char *events)
{
	size_t n = 0;
	const char *p = events;

	/* same ids, any order */
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		bool found = false;
		for (size_t i = 0; i < m->n_events && !found; i++)
			found = strlen(m->events[i]) == len &&
				memcmp(m->events[i], p, len) == 0;
		if (!found)
			return false;
		n++;
		if (!e)
			break;
		p = e + 1;
	}
	return n == m->n_events;
}

enum {
	K_PERSON,
	K_KIND,
	K_RULE,
	K_PERIOD,
	K_EVENTS,
	K_CURRENCY,
	K_VERSION,
	K_AMOUNT,
	K_REASON,
	K_N
};

/* Which keys of m decision d satisfies (bit per K_*), and the mask of the
 * keys m gives. */
static unsigned match_bits(const tmatch *m, const tdec *d, unsigned *given)
{
	unsigned ok = 0, g = 0;

#define TEXT_KEY(K, field)                                                     \
	if (m->field) {                                                        \
		g |= 1u << (K);                                                \
		if (d->field && strcmp(m->field, d->field) == 0)               \
			ok |= 1u << (K);                                       \
	}
	TEXT_KEY(K_PERSON, person)
	TEXT_KEY(K_KIND, kind)
	TEXT_KEY(K_RULE, rule)
	TEXT_KEY(K_PERIOD, period)
	TEXT_KEY(K_CURRENCY, currency)
	TEXT_KEY(K_VERSION, version)
#undef TEXT_KEY
	if (m->has_events) {
		g |= 1u << K_EVENTS;
		if (events_equal(m, d->events))
			ok |= 1u << K_EVENTS;
	}
	if (m->has_amount) {
		g |= 1u << K_AMOUNT;
		if (d->has_value && dec_cmp(m->amount, d->value) == 0)
			ok |= 1u << K_AMOUNT;
	}
	if (m->reason) {
		g |= 1u << K_REASON;
		if (d->reason && strstr(d->reason, m->reason))
			ok |= 1u << K_REASON;
	}
	*given = g;
	return ok;
}

/* A decision in a few words: "r01 commission 400.00 USD, rule base-commission,
 * 2026-Q1, events e1". */
static void show_decision(strbuf *sb, const tdec *d)
{
	char b[80];

	sb_printf(sb, "%s %s", d->person, d->kind);
	if (d->has_value)
		sb_printf(sb, " %s", show_amount(b, sizeof b, d->value));
	sb_printf(sb, ", rule %s, %s", d->rule, d->period);
	if (d->events && *d->events)
		sb_printf(sb, ", events %s", d->events);
}

static void show_match(strbuf *sb, const tmatch *m)
{
	char b[80];
	bool any = false;

	if (m->person) {
		sb_printf(sb, "%s", m->person);
		any = true;
	}
	if (m->kind) {
		sb_printf(sb, "%s%s", any ? " " : "", m->kind);
		any = true;
	}
	if (m->has_amount) {
		sb_printf(sb, "%s%s", any ? " " : "",
			  show_amount(b, sizeof b, m->amount));
		any = true;
	}
	if (m->rule) {
		sb_printf(sb, "%srule %s", any ? ", " : "", m->rule);
		any = true;
	}
	if (m->period) {
		sb_printf(sb, "%s%s", any ? ", " : "", m->period);
		any = true;
	}
	if (m->has_events) {
		sb_printf(sb, "%sevents ", any ? ", " : "");
		for (size_t i = 0; i < m->n_events; i++)
			sb_printf(sb, "%s%s", i ? "," : "", m->events[i]);
		any = true;
	}
	if (m->reason)
		sb_printf(sb, "%sreason containing '%s'", any ? ", " : "",
			  m->reason);
}

/* The first key of m that d gets wrong, as "expected X, got Y". */
static void first_difference(strbuf *sb, const tmatch *m, const tdec *d,
			     unsigned bad)
{
	char b1[80], b2[80];

	/* who and what first, so the amount message reads naturally */
	sb_printf(sb, "%s %s: ", d->person, d->kind);
	if (bad & (1u << K_AMOUNT)) {
		sb_printf(sb, "expected %s, got %s",
			  show_amount(b1, sizeof b1, m->amount),
			  d->has_value ? show_amount(b2, sizeof b2, d->value)
				       : "no amount");
	} else if (bad & (1u << K_KIND)) {
		sb_printf(sb, "expected kind %s, got %s", m->kind, d->kind);
	} else if (bad & (1u << K_PERIOD)) {
		sb_printf(sb, "expected period %s, got %s", m->period,
			  d->period);
	} else if (bad & (1u << K_EVENTS)) {
		sb_puts(sb, "expected events ");
		for (size_t i = 0; i < m->n_events; i++)
			sb_printf(sb, "%s%s", i ? "," : "", m->events[i]);
		sb_printf(sb, ", got %s", *d->events ? d->events : "none");
	} else if (bad & (1u << K_CURRENCY)) {
		sb_printf(sb, "expected currency %s, got %s", m->currency,
			  d->currency ? d->currency : "none");
	} else if (bad & (1u << K_VERSION)) {
		sb_printf(sb, "expected version %s, got %s", m->version,
			  d->version);
	} else if (bad & (1u << K_REASON)) {
		sb_printf(sb, "expected a reason containing '%s', got '%s'",
			  m->reason, d->reason);
	} else if (bad & (1u << K_RULE)) {
		sb_printf(sb, "expected rule %s, got %s", m->rule, d->rule);
	} else if (bad & (1u << K_PERSON)) {
		sb_printf(sb, "expected person %s, got %s", m->person,
			  d->person);
	}
	if (!(bad & (1u << K_RULE)))
		sb_printf(sb, ", rule %s", d->rule);
	if (bad & (1u << K_AMOUNT) && d->reason && *d->reason)
		sb_printf(sb, " (%s)", d->reason);
}

/* Score of a near miss: what identifies a decision weighs most. */
static unsigned closeness(unsigned ok)
{
	static const unsigned w[K_N] = {
	    [K_PERSON] = 64, [K_RULE] = 32,  [K_KIND] = 16,
	    [K_PERIOD] = 8,  [K_EVENTS] = 4, [K_CURRENCY] = 2,
	    [K_VERSION] = 2, [K_AMOUNT] = 1, [K_REASON] = 1,
	};
	unsigned s = 0;
	for (int k = 0; k < K_N; k++)
		if (ok & (1u << k))
			s += w[k];
	return s;
}

static void compare_decisions(trun *r, verdict *v)
{
	const tcase *c = r->c;

	for (size_t i = 0; i < c->n_expect && !v->failed; i++) {
		const tmatch *m = &c->expect[i];
		size_t found = r->n_decs, best = r->n_decs;
		unsigned best_score = 0, best_bad = 0;
		for (size_t j = 0; j < r->n_decs && found == r->n_decs; j++) {
			unsigned given, ok = match_bits(m, &r->decs[j], &given);
			if (ok == given && !r->decs[j].used) {
				found = j;
				break;
			}
			/* a near miss must be about the same person and
			 * rule (or kind) */
			bool who = !(given & (1u << K_PERSON)) ||
				   (ok & (1u << K_PERSON));
			bool what =
			    (ok & (1u << K_RULE)) || (ok & (1u << K_KIND)) ||
			    !(given & ((1u << K_RULE) | (1u << K_KIND)));
			unsigned s = closeness(ok) * 2 + !r->decs[j].used;
			if (who && what && ok != given && s > best_score) {
				best_score = s;
				best = j;
				best_bad = given & ~ok;
			}
		}
		if (found < r->n_decs) {
			r->decs[found].used = true;
			continue;
		}
		strbuf sb;
		sb_init(&sb);
		if (best < r->n_decs) {
			first_difference(&sb, m, &r->decs[best], best_bad);
		} else {
			sb_puts(&sb, "expected ");
			show_match(&sb, m);
			sb_printf(
			    &sb,
			    ", but no such decision was made (%zu decision%s)",
			    r->n_decs, r->n_decs == 1 ? "" : "s");
		}
		fail_at(v, c->file, m->line, "%s", sb_cstr(&sb));
		sb_finish(&sb);
	}
	for (size_t i = 0; i < c->n_absent && !v->failed; i++) {
		const tmatch *m = &c->absent[i];
		for (size_t j = 0; j < r->n_decs; j++) {
			unsigned given, ok = match_bits(m, &r->decs[j], &given);
			if (ok != given)
				continue;
			strbuf sb;
			sb_init(&sb);
			sb_puts(&sb, "decision that must not be made: ");
			show_decision(&sb, &r->decs[j]);
			fail_at(v, c->file, m->line, "%s", sb_cstr(&sb));
			sb_finish(&sb);
			break;
		}
	}
	if (c->exact && !v->failed) {
		for (size_t j = 0; j < r->n_decs; j++) {
			bool counted = c->n_exact_kinds == 0;
			for (size_t k = 0; k < c->n_exact_kinds && !counted;
			     k++)
				counted = strcmp(c->exact_kinds[k],
						 r->decs[j].kind) == 0;
			if (r->decs[j].used || !counted)
				continue;
			strbuf sb;
			sb_init(&sb);
			sb_printf(&sb, "unexpected decision (exact: %s): ",
				  c->n_exact_kinds ? "every one of its kinds"
						   : "true");
			show_decision(&sb, &r->decs[j]);
			fail_at(v, c->file, c->line, "%s", sb_cstr(&sb));
			sb_finish(&sb);
			break;
		}
	}
}

static bool reject_matches(const treject *x, const tdiag *d)
{
	if (d->warning)
		return false;
	if (x->id && !(d->id && strcmp(x->id, d->id) == 0))
		return false;
	if (x->line && x->line != d->line)
		return false;
	if (x->file &&
	    !(d->written &&
	      (strcmp(x->file, d->written) == 0 ||
	       strcmp(x->file, base_name(d->written)) == 0 ||
	       strcmp(base_name(x->file), base_name(d->written)) == 0)))
		return false;
	return true;
}

static void compare_rejections(trun *r, verdict *v)
{
	const tcase *c = r->c;

	for (size_t i = 0; i < c->n_rejected && !v->failed; i++) {
		const treject *x = &c->rejected[i];
		const tdiag *near = NULL;
		bool found = false;
		for (size_t j = 0; j < r->n_diags && !found; j++) {
			tdiag *d = &r->diags[j];
			if (d->used || !reject_matches(x, d))
				continue;
			if (strstr(d->message, x->reason)) {
				d->used = true;
				found = true;
			} else if (!near) {
				near = d;
			}
		}
		if (found)
			continue;
		strbuf what;
		sb_init(&what);
		if (x->id)
			sb_printf(&what, "%s", x->id);
		else
			sb_printf(&what, "line %u%s%s", x->line,
				  x->file ? " of " : "",
				  x->file ? x->file : "");
		if (near)
			fail_at(v, c->file, x->yline,
				"expected %s to be rejected with '%s', got: %s",
				sb_cstr(&what), x->reason, near->message);
		else
			fail_at(
			    v, c->file, x->yline,
			    "expected %s to be rejected ('%s'), but it was not",
			    sb_cstr(&what), x->reason);
		sb_finish(&what);
	}
	for (size_t j = 0; j < r->n_diags && !v->failed; j++) {
		const tdiag *d = &r->diags[j];
		if (d->used || d->warning)
			continue;
		fail_at(
		    v, c->file, c->line,
		    "input line rejected: %s:%u: %s (list it under `rejected:` "
		    "if that is intended)",
		    d->file ? d->file : "?", d->line, d->message);
	}
}

static void add_details(trun *r, verdict *v)
{
	strbuf *sb = &v->details;
	size_t shown = 0;

	if (r->n_decs == 0)
		sb_puts(sb, "the run made no decisions\n");
	else
		sb_printf(sb, "the run made %zu decision%s:\n", r->n_decs,
			  r->n_decs == 1 ? "" : "s");
	for (size_t i = 0; i < r->n_decs && shown < MAX_SHOWN_DECISIONS;
	     i++, shown++) {
		const tdec *d = &r->decs[i];
		sb_puts(sb, "  ");
		show_decision(sb, d);
		sb_printf(sb, ": %s\n", d->reason);
	}
	if (r->n_decs > shown)
		sb_printf(sb, "  ... and %zu more\n", r->n_decs - shown);
	for (size_t i = 0; i < r->n_diags; i++) {
		const tdiag *d = &r->diags[i];
		sb_printf(sb, "%s %s:%u: %s\n",
			  d->warning ? "warning" : "rejected",
			  d->file ? d->file : "?", d->line, d->message);
	}
	if (sb->len && sb->buf[sb->len - 1] == '\n')
		sb->buf[--sb->len] = '\0';
}

/* Runs case c and fills v.  Returns 0, or INC_ERROR when the suite cannot
 * go on (out of memory, no temporary directory). */
static int run_case(inc_tests *t, const tcase *c, verdict *v, uint64_t *n_decs)
{
	trun r = {0};
	inc_run *run = NULL;
	const char *perr = NULL;
	const char *errtext = NULL;
	char *tmp[N_IN] = {NULL};
	inc_run_options ro = {.period = c->period, .strict = c->strict};
	int status = 0, rc = 0;

	r.t = t;
	r.c = c;
	arena_init(&r.mem);
	const inc_policy *p = case_policy(t, c, &perr);
	r.on_suite_policy = p && p == t->policy;
	if (!p) {
		errtext = perr ? perr : "the policy does not load";
		goto check_error;
	}
	rc = inc_run_create(&run, p, &ro, run_diag, &r);
	for (int k = 0; rc == 0 && k < N_IN; k++) {
		const tinput *in = &c->in[k];
		int (*add)(inc_run *, const char *) =
		    k == IN_PEOPLE   ? inc_run_add_people
		    : k == IN_QUOTAS ? inc_run_add_quotas
		    : k == IN_RATES  ? inc_run_add_rates
				     : inc_run_add_events;
		/* an empty inline list is no file at all (the same thing) */
		if (in->kind == IN_INLINE && in->list &&
		    in->list->n_items > 0) {
			if (asprintf(&tmp[k], "%s/%s.jsonl", t->tmpdir,
				     input_names[k]) < 0) {
				tmp[k] = NULL;
				status = INC_ERROR;
				goto done;
			}
			if (write_inline(in, k, tmp[k]) != 0) {
				set_err(t, "cannot write %s: %s", tmp[k],
					strerror(errno));
				status = INC_ERROR;
				goto done;
			}
			r.maps[r.n_maps++] = (tmap){tmp[k], in, k};
			rc = add(run, tmp[k]);
		} else if (in->kind == IN_FILES) {
			for (size_t j = 0; rc == 0 && j < in->n_paths; j++)
				rc = add(run, in->paths[j]);
		}
	}
	if (rc == 0)
		rc = inc_run_execute(run, run_sink, &r);
	if (r.oom) {
		set_err(t, "out of memory");
		status = INC_ERROR;
		goto done;
	}
	if (rc != 0)
		errtext = run ? inc_run_errmsg(run) : "out of memory";
check_error:
	if (c->error) {
		if (!errtext)
			fail_at(
			    v, c->file, c->error_line,
			    "expected an error containing '%s', but the run "
			    "succeeded (%zu decision%s)",
			    c->error, r.n_decs, r.n_decs == 1 ? "" : "s");
		else if (!strstr(errtext, c->error))
			fail_at(v, c->file, c->error_line,
				"expected an error containing '%s', got: %s",
				c->error, errtext);
	} else if (errtext) {
		fail_at(v, c->file, c->line, "%s%s",
			p ? "the run failed: " : "the policy does not load: ",
			errtext);
	}
	compare_rejections(&r, v);
	if (!errtext)
		compare_decisions(&r, v);
	if (v->failed)
		add_details(&r, v);
	*n_decs = r.n_decs;
done:
	inc_run_destroy(run);
	for (int k = 0; k < N_IN; k++) {
		if (tmp[k])
			unlink(tmp[k]);
		free(tmp[k]);
	}
	free(r.decs);
	free(r.diags);
	arena_finish(&r.mem);
	return status;
}

/* ---- the public API ------------------------------------------------------ */

int inc_tests_create(inc_tests **out, const char *policy_path,
		     const inc_tests_options *opts, inc_diag_fn diag, void *ud,
		     char **errmsg_out)
{
	inc_tests *t = calloc(1, sizeof *t);
	char *err = NULL;
	struct stat st;
	int rc = INC_ERROR;

	if (errmsg_out)
		*errmsg_out = NULL;
	if (!t)
		goto oom;
	arena_init(&t->mem);
	t->diag = diag;
	t->ud = ud;
	if (opts && opts->filter && *opts->filter)
		t->filter = tdup(t, opts->filter);
	rc = inc_policy_load(&t->policy, policy_path, diag, ud, &err);
	if (rc != 0) {
		if (errmsg_out && rc == INC_ERROR) {
			*errmsg_out = err;
			err = NULL;
		}
		goto fail;
	}
	rc = INC_ERROR;
	if (stat(policy_path, &st) != 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		t->tests_dir = join(t, policy_path, "tests");
		char *real = realpath(policy_path, NULL);
		t->policy_real = real ? tdup(t, real) : NULL;
		free(real);
	} else {
		const char *slash = strrchr(policy_path, '/');
		char *dir = slash ? arena_strndup(&t->mem, policy_path,
						  (size_t)(slash - policy_path))
				  : tdup(t, ".");
		t->tests_dir = dir ? join(t, dir, "tests") : NULL;
	}
	if (!t->tests_dir)
		goto oom;
	read_tests_dir(t);
	note_inputs(t);
	build_coverage(t);
	if (t->oom)
		goto oom;
	*out = t;
	return 0;
oom:
	if (errmsg_out && !*errmsg_out)
		*errmsg_out = strdup("out of memory");
	rc = INC_ERROR;
fail:
	free(err);
	inc_tests_destroy(t);
	return rc;
}

void inc_tests_destroy(inc_tests *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_files; i++) {
		ytree_finish(&t->files[i].tree);
		free(t->files[i].buf);
	}
	free(t->files);
	free(t->cases);
	for (size_t i = 0; i < t->n_pols; i++) {
		inc_policy_destroy(t->pols[i].p);
		free(t->pols[i].errors);
	}
	free(t->pols);
	free(t->cov);
	free(t->inputs);
	if (t->tmpdir) {
		rmdir(t->tmpdir);
		free(t->tmpdir);
	}
	inc_policy_destroy(t->policy);
	free(t->errmsg);
	arena_finish(&t->mem);
	free(t);
}

int inc_tests_run(inc_tests *t, inc_test_fn fn, void *ud)
{
	int rc = 0;

	if (t->ran) {
		set_err(t, "a suite is run once");
		return INC_ERROR;
	}
	t->ran = true;
	if (t->n_cases > 0) {
		const char *base = getenv("TMPDIR");
		if (asprintf(&t->tmpdir, "%s/incentive-test-XXXXXX",
			     base && *base ? base : "/tmp") < 0) {
			t->tmpdir = NULL;
			set_err(t, "out of memory");
			return INC_ERROR;
		}
		if (!mkdtemp(t->tmpdir)) {
			set_err(t, "cannot create a temporary directory %s: %s",
				t->tmpdir, strerror(errno));
			free(t->tmpdir);
			t->tmpdir = NULL;
			return INC_ERROR;
		}
	}
	for (size_t i = 0; i < t->n_cases && rc == 0; i++) {
		const tcase *c = t->cases[i];
		verdict v = {0};
		uint64_t n = 0;
		sb_init(&v.msg);
		sb_init(&v.where);
		sb_init(&v.details);
		rc = run_case(t, c, &v, &n);
		if (rc == 0 && (v.msg.oom || v.where.oom || v.details.oom)) {
			set_err(t, "out of memory");
			rc = INC_ERROR;
		}
		if (rc == 0) {
			inc_test_case out = {
			    .file = c->file,
			    .line = c->line,
			    .name = c->name,
			    .passed = !v.failed,
			    .message = v.failed ? sb_cstr(&v.msg) : NULL,
			    .where = v.failed ? sb_cstr(&v.where) : NULL,
			    .details = v.failed && v.details.len
					   ? sb_cstr(&v.details)
					   : NULL,
			    .decisions = n,
			};
			t->sum.cases++;
			if (v.failed)
				t->sum.failed++;
			else
				t->sum.passed++;
			if (fn && fn(ud, &out) != 0) {
				set_err(t, "stopped");
				rc = INC_ERROR;
			}
		}
		sb_finish(&v.msg);
		sb_finish(&v.where);
		sb_finish(&v.details);
	}
	if (t->tmpdir && rmdir(t->tmpdir) == 0) {
		free(t->tmpdir);
		t->tmpdir = NULL;
	}
	if (t->oom && rc == 0) {
		set_err(t, "out of memory");
		rc = INC_ERROR;
	}
	return rc;
}

const inc_tests_summary *inc_tests_get_summary(const inc_tests *t)
{
	return &t->sum;
}

const char *inc_tests_errmsg(const inc_tests *t)
{
	return t->errmsg ? t->errmsg : "";
}

int inc_tests_coverage(const inc_tests *t, size_t i, inc_coverage_item *out)
{
	if (i >= t->n_cov)
		return INC_ENOTFOUND;
	const cov_item *c = &t->cov[i];
	const policy_version *v = &t->policy->versions[c->version];
	out->file = c->loc.file;
	out->line = c->loc.line;
	out->column = c->loc.col;
	out->version = v->label;
	out->rule = v->rules[c->rule].id;
	out->what = c->what;
	out->reached = c->reached;
	out->applicable = c->applicable;
	out->note = c->note;
	return 0;
}

int inc_tests_input_path(const inc_tests *t, size_t i, const char **path)
{
	if (i >= t->n_inputs)
		return INC_ENOTFOUND;
	*path = t->inputs[i];
	return 0;
}
