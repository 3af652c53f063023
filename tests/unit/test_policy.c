/*
 * test_policy.c: the policy loader (src/lib/yamltree.c, policy.c,
 * policy_rules.c).
 *
 * - Every broken policy under tests/policies/ must be refused with exactly
 *   the diagnostics its expected.txt lists, in order (a "# hint: ..." line
 *   gives the hint of the diagnostic above it; a diagnostic with a hint
 *   must have that line).  The expected lines were worked out by hand from
 *   the policy text: line and column of the node concerned.
 * - Good policies load with no diagnostics, and the model holds what the
 *   YAML says (rates as exact fractions, defaults, slots, references).
 * - The YAML reader's limits (depth, sizes, UTF-8, aliases, duplicates).
 * - Files, hashes, script paths and versions.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "model.h"
#include "yamltree.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif
#define CASES SRCDIR "/tests/policies"

/* ---- collecting diagnostics ---- */

typedef struct diags {
	char *lines[64];
	char *hints[64];
	size_t n;
	const char *strip; /* prefix removed from file names */
} diags;

static void collect(void *ud, const inc_diag *d)
{
	diags *g = ud;
	char buf[1200];
	const char *file = d->file ? d->file : "";
	size_t sl = g->strip ? strlen(g->strip) : 0;

	if (sl && strncmp(file, g->strip, sl) == 0)
		file += sl;
	/* the same shape as the CLI prints: no column (or line) when 0 */
	if (d->line && d->column)
		snprintf(buf, sizeof buf, "%s:%u:%u: %s", file, d->line,
			 d->column, d->message);
	else if (d->line)
		snprintf(buf, sizeof buf, "%s:%u: %s", file, d->line,
			 d->message);
	else
		snprintf(buf, sizeof buf, "%s: %s", file, d->message);
	assert_true(g->n < 64);
	g->lines[g->n] = strdup(buf);
	g->hints[g->n] = d->hint ? strdup(d->hint) : NULL;
	g->n++;
}

static void diags_free(diags *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->lines[i]);
		free(g->hints[i]);
	}
	g->n = 0;
}

static void print_diags(const diags *g)
{
	for (size_t i = 0; i < g->n; i++)
		print_message("  got: %s%s%s\n", g->lines[i],
			      g->hints[i] ? "  hint: " : "",
			      g->hints[i] ? g->hints[i] : "");
}

/* ---- broken policies ---- */

static char *read_text(const char *path)
{
	char *buf = NULL;
	size_t len = 0;

	if (read_file(path, &buf, &len) != 0)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	return buf;
}

/* Loads tests/policies/<name> (or the path in its `target` file) and
 * compares the diagnostics with expected.txt. */
static void test_case(void **state)
{
	const char *name = *state;
	char dir[512], path[600], prefix[600], exp_path[600];
	diags g = {0};
	inc_policy *sentinel = (inc_policy *)&g, *p = sentinel;
	char *err = NULL;

	snprintf(dir, sizeof dir, "%s/%s", CASES, name);
	snprintf(prefix, sizeof prefix, "%s/", dir);
	snprintf(path, sizeof path, "%s/target", dir);
	snprintf(exp_path, sizeof exp_path, "%s/expected.txt", dir);
	if (access(path, F_OK) == 0) {
		char *t = read_text(path);
		t[strcspn(t, "\n")] = '\0';
		snprintf(path, sizeof path, "%s/%s", dir, t);
		free(t);
	} else {
		snprintf(path, sizeof path, "%s", dir);
	}
	g.strip = prefix;
	int rc = inc_policy_load(&p, path, collect, &g, &err);
	if (rc != INC_EPOLICY) {
		print_diags(&g);
		fail_msg("%s: inc_policy_load returned %d (%s), expected "
			 "INC_EPOLICY",
			 name, rc, err ? err : "");
	}
	/* nothing is written to *out on failure */
	assert_ptr_equal(p, sentinel);
	assert_null(err);

	char *text = read_text(exp_path);
	size_t i = 0, hint_lines = 0, hints = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# hint: ", 8) == 0) {
			hint_lines++;
			if (i == 0 || !g.hints[i - 1] ||
			    strcmp(g.hints[i - 1], line + 8) != 0) {
				print_diags(&g);
				fail_msg("%s: diagnostic %zu: expected hint "
					 "[%s], got [%s]",
					 name, i, line + 8,
					 i && g.hints[i - 1] ? g.hints[i - 1]
							     : "(none)");
			}
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (i >= g.n || strcmp(g.lines[i], line) != 0) {
			print_diags(&g);
			fail_msg("%s: diagnostic %zu: expected [%s], got [%s]",
				 name, i, line,
				 i < g.n ? g.lines[i] : "(none)");
		}
		i++;
	}
	if (i != g.n) {
		print_diags(&g);
		fail_msg("%s: %zu diagnostics expected, %zu reported", name, i,
			 g.n);
	}
	/* every hint reported is listed (each listed one matched above) */
	for (size_t k = 0; k < g.n; k++)
		hints += g.hints[k] != NULL;
	if (hints != hint_lines) {
		print_diags(&g);
		fail_msg("%s: %zu hints reported, %zu listed", name, hints,
			 hint_lines);
	}
	free(text);
	diags_free(&g);
}

/* The broken cases, each a directory of tests/policies. */
static const char *const broken[] = {
    "yaml-syntax",
    "unknown-key-typo",
    "wrong-type",
    "missing-required",
    "bad-date",
    "duplicate-rule-id",
    "unknown-event-type",
    "unknown-field",
    "unknown-rule-ref",
    "bad-pattern",
    "lua-syntax",
    "tiers-overlap",
    "tiers-gap",
    "rate-out-of-range",
    "script-escape",
    "duplicate-key",
    "alias",
    "conditions",
    "field-defs",
    "kind-requirements",
    "money-decimals",
    "versions-conflict",
    "not-utf8",
    "bad-currency",
    "typed-values",
    "field-defs-2",
    "conditions-2",
    "kind-requirements-2",
    "yaml-features",
    "not-regular-file",
    "empty-version",
    "script-path",
    "conduct-errors",
    "careers-errors",
    "discipline-errors",
    "discipline-errors-2",
    "no-ladder",
    "plans-errors",
    "input-errors",
    "yaml-refusals",
};
#define N_BROKEN (sizeof broken / sizeof *broken)

/* Every directory of tests/policies is either good-* or in broken[]. */
static void test_all_cases_listed(void **state)
{
	DIR *d = opendir(CASES);
	struct dirent *e;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		/* run-* and test-* cases load cleanly: their errors come
		 * from `incentive run` / `incentive test` (check_errors.sh) */
		bool found = e->d_name[0] == '.' ||
			     strncmp(e->d_name, "good-", 5) == 0 ||
			     strncmp(e->d_name, "run-", 4) == 0 ||
			     strncmp(e->d_name, "test-", 5) == 0 ||
			     strcmp(e->d_name, "README.md") == 0;
		for (size_t i = 0; i < N_BROKEN && !found; i++)
			found = strcmp(broken[i], e->d_name) == 0;
		if (!found)
			fail_msg("tests/policies/%s is not listed in "
				 "test_policy.c",
				 e->d_name);
	}
	closedir(d);
}

/* ---- good policies ---- */

static inc_policy *load_clean(const char *path)
{
	diags g = {0};
	inc_policy *p = NULL;
	char *err = NULL;
	int rc = inc_policy_load(&p, path, collect, &g, &err);

	if (rc != 0 || g.n != 0) {
		print_diags(&g);
		fail_msg("%s: rc %d (%s), %zu diagnostics", path, rc,
			 err ? err : "", g.n);
	}
	diags_free(&g);
	return p;
}

/* d equals the decimal written in s, with the same scale. */
static void assert_dec(dec d, const char *s)
{
	dec want;

	assert_int_equal(dec_parse(&want, s, strlen(s), false), DEC_OK);
	if (dec_cmp(d, want) != 0) {
		char buf[64];
		dec_format(buf, sizeof buf, d, 0, false);
		fail_msg("expected %s, got %s", s, buf);
	}
}

static void test_good_minimal(void **state)
{
	(void)state;
	inc_policy *p = load_clean(CASES "/good-minimal");
	const policy_version *v;

	assert_int_equal(inc_policy_version_count(p), 1);
	/* `version: "1"`, effective 2026-01-01, one rule */
	assert_string_equal(inc_policy_version_label(p, 0),
			    "1 effective 2026-01-01, 1 rule");
	assert_null(inc_policy_version_label(p, 1));
	v = &p->versions[0];
	assert_string_equal(v->policy_name, "minimal");
	assert_string_equal(v->label, "1");
	assert_string_equal(v->currency, "USD");
	assert_int_equal(v->rounding, DEC_HALF_EVEN);
	assert_int_equal(v->period, PERIOD_QUARTER);
	assert_int_equal(v->effective, date_from_ymd(2026, 1, 1));
	/* defaults: 1,000,000 instructions, 8192 KiB = 8388608 bytes */
	assert_int_equal(v->lua_instructions, 1000000);
	assert_int_equal(v->lua_memory, 8388608);
	assert_int_equal(v->n_levels, 0);
	assert_int_equal(v->n_scripts, 0);

	/* deal_closed: amount (money, credited), product, region (enum) */
	assert_int_equal(v->n_types, 1);
	const event_type *t = &v->types[0];
	assert_string_equal(t->name, "deal_closed");
	assert_int_equal(t->n_fields, 3);
	assert_int_equal(t->credit_field, 0);
	assert_int_equal(t->split_field, -1);
	assert_int_equal(t->fields[0].type, FT_MONEY);
	assert_true(t->fields[0].required); /* required defaults to true */
	assert_int_equal(t->fields[1].type, FT_STRING);
	assert_null(t->fields[1].pattern);
	assert_int_equal(t->fields[2].type, FT_ENUM);
	assert_int_equal(t->fields[2].n_enum, 2);
	assert_string_equal(t->fields[2].enum_values[1], "APAC");
	/* the field's position: line 14 `      region: ...`, column 7 */
	assert_int_equal(t->fields[2].loc.line, 14);
	assert_int_equal(t->fields[2].loc.col, 7);

	assert_int_equal(v->n_rules, 1);
	const rule *r = &v->rules[0];
	assert_string_equal(r->id, "base");
	assert_int_equal(r->kind, RULE_COMMISSION);
	assert_int_equal(r->on_type, 0);
	assert_false(r->at_period_end);
	assert_int_equal(r->base_field, 0); /* the credit field by default */
	assert_int_equal(r->units_field, -1);
	assert_false(r->select_most_specific); /* select: first by default */
	assert_null(r->tiers);
	assert_false(r->has_threshold);
	assert_int_equal(r->n_rates, 2);
	/* 8% -> 0.08 exactly (8 x 10^-2) */
	assert_dec(r->rates[0].rate, "0.08");
	assert_true(r->rates[0].rate.coef == 8 && r->rates[0].rate.scale == 2);
	assert_false(r->rates[0].per_unit);
	/* no label: the first condition's value as written */
	assert_string_equal(r->rates[0].label, "^SW-");
	assert_int_equal(r->rates[0].when.n, 1);
	const cond *c = &r->rates[0].when.items[0];
	assert_int_equal(c->subject, SUBJ_FIELD);
	assert_int_equal(c->field, 1);
	assert_int_equal(c->op, COND_MATCH);
	assert_non_null(c->re);
	assert_string_equal(c->text, "product ~ ^SW-");
	/* 2.5% -> 0.025 */
	assert_dec(r->rates[1].rate, "0.025");
	assert_string_equal(r->rates[1].label, "other");
	assert_int_equal(r->rates[1].when.n, 0);

	/* one file, its SHA-256 and the policy hash over
	 * "policy.yaml" NUL "<len>" NUL <bytes> */
	assert_int_equal(p->n_files, 1);
	assert_string_equal(p->files[0].path, "policy.yaml");
	char *bytes = NULL;
	size_t len = 0;
	assert_int_equal(
	    read_file(CASES "/good-minimal/policy.yaml", &bytes, &len), 0);
	assert_int_equal(p->files[0].len, len);
	assert_memory_equal(p->files[0].bytes, bytes, len);
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65], num[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, "policy.yaml", 12); /* with its NUL */
	snprintf(num, sizeof num, "%zu", len);
	EVP_DigestUpdate(ctx, num, strlen(num) + 1);
	EVP_DigestUpdate(ctx, bytes, len);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(inc_policy_hash(p), hex);
	EVP_Digest(bytes, len, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(p->files[0].sha256, hex);
	free(bytes);

	assert_int_equal(p->n_rule_slots, 1);
	assert_string_equal(p->rule_slot_ids[0], "base");
	assert_int_equal(p->n_type_slots, 1);
	assert_string_equal(p->type_slot_names[0], "deal_closed");
	inc_policy_destroy(p);
	inc_policy_destroy(NULL);
}

/* The same file named directly: diagnostics and labels name it as given,
 * and the hash is the same as for the directory. */
static void test_single_file(void **state)
{
	(void)state;
	inc_policy *a = load_clean(CASES "/good-minimal");
	inc_policy *b = load_clean(CASES "/good-minimal/policy.yaml");

	assert_string_equal(inc_policy_hash(a), inc_policy_hash(b));
	assert_string_equal(b->versions[0].file,
			    CASES "/good-minimal/policy.yaml");
	assert_string_equal(a->versions[0].file,
			    CASES "/good-minimal/policy.yaml");
	inc_policy_destroy(a);
	inc_policy_destroy(b);
}

static const rule *find_rule(const policy_version *v, const char *id)
{
	for (size_t i = 0; i < v->n_rules; i++)
		if (strcmp(v->rules[i].id, id) == 0)
			return &v->rules[i];
	fail_msg("no rule %s", id);
	return NULL;
}

/* good-full: two versions (files named so that path order is not date
 * order), every rule kind, a script. */
static void test_good_full(void **state)
{
	(void)state;
	inc_policy *p = load_clean(CASES "/good-full");

	assert_int_equal(p->n_versions, 2);
	/* b-first.yaml is effective 2026-01-01, a-later.yaml 2026-04-01 */
	assert_string_equal(p->versions[0].label, "2026.1");
	assert_string_equal(p->versions[1].label, "2026.2");
	assert_string_equal(inc_policy_version_label(p, 0),
			    "2026.1 effective 2026-01-01, 8 rules");
	assert_string_equal(inc_policy_version_label(p, 1),
			    "2026.2 effective 2026-04-01, 9 rules");
	/* files sorted by path: a-later.yaml, b-first.yaml, scripts/... */
	assert_int_equal(p->n_files, 3);
	assert_string_equal(p->files[0].path, "a-later.yaml");
	assert_string_equal(p->files[1].path, "b-first.yaml");
	assert_string_equal(p->files[2].path, "scripts/kicker.lua");
	/* the version in force: before, on and after the second date */
	assert_null(policy_version_at(p, date_from_ymd(2025, 12, 31)));
	assert_ptr_equal(policy_version_at(p, date_from_ymd(2026, 3, 31)),
			 &p->versions[0]);
	assert_ptr_equal(policy_version_at(p, date_from_ymd(2026, 4, 1)),
			 &p->versions[1]);

	const policy_version *v = &p->versions[0];
	assert_int_equal(v->rounding, DEC_HALF_UP);
	assert_int_equal(v->period, PERIOD_MONTH);
	assert_string_equal(v->title, "Full example");
	/* limits given: 5000 instructions, 1024 KiB = 1048576 bytes */
	assert_int_equal(v->lua_instructions, 5000);
	assert_int_equal(v->lua_memory, 1048576);
	/* currencies: {XAU: 3} */
	assert_int_equal(v->n_currencies, 1);
	assert_int_equal(currency_minor_unit(v, "XAU", 3), 3);
	assert_int_equal(currency_minor_unit(v, "USD", 3), 2);
	/* ladder */
	assert_int_equal(v->n_levels, 2);
	assert_string_equal(v->levels[1].id, "SR2");
	assert_string_equal(v->levels[1].title, "Senior");
	assert_true(v->levels[1].has_target_bonus);
	assert_dec(v->levels[1].target_bonus, "3500.00");

	/* event types */
	int deal = version_event_type(v, "deal_closed", 11);
	int refund = version_event_type(v, "refund", 6);
	assert_int_equal(deal, 0);
	assert_int_equal(refund, 1);
	const event_type *t = &v->types[deal];
	int product = event_type_field(t, "product");
	int split = event_type_field(t, "split");
	int seats = event_type_field(t, "seats");
	assert_true(product >= 0 && split >= 0 && seats >= 0);
	assert_non_null(t->fields[product].pattern);
	assert_string_equal(t->fields[product].pattern_src,
			    "^[A-Z]+(-[A-Z]+)*-\\d+$");
	assert_int_equal(t->split_field, split);
	assert_false(t->fields[split].required);
	assert_int_equal(t->fields[seats].type, FT_INTEGER);
	const event_type *rt = &v->types[refund];
	int ref = event_type_field(rt, "ref");
	assert_int_equal(rt->fields[ref].type, FT_REF);
	assert_int_equal(rt->fields[ref].ref_type, deal);
	assert_int_equal(rt->credit_field, -1);

	/* commission with tiers, factors and a threshold */
	const rule *r = find_rule(v, "base-commission");
	assert_true(r->select_most_specific);
	assert_int_equal(r->n_rates, 3);
	/* per_unit row: 25.00 per seat */
	assert_true(r->rates[2].per_unit);
	assert_dec(r->rates[2].rate, "25.00");
	assert_int_equal(r->units_field, seats);
	assert_string_equal(r->rates[1].label, "EMEA big");
	assert_int_equal(r->rates[1].when.n, 2);
	/* region: EMEA on an enum field: equality with index 0 */
	const cond *c = &r->rates[1].when.items[0];
	assert_int_equal(c->op, COND_EQ);
	assert_int_equal(c->v.type, FT_ENUM);
	assert_int_equal(c->v.u.ix, 0);
	assert_string_equal(c->text, "region = EMEA");
	/* amount: {gte: 50000.00} */
	c = &r->rates[1].when.items[1];
	assert_int_equal(c->op, COND_GE);
	assert_int_equal(c->v.type, FT_MONEY);
	assert_dec(c->v.u.d, "50000.00");
	assert_string_equal(c->text, "amount >= 50000.00");
	/* factors: region table, APAC 1.10, then 1 */
	assert_int_equal(r->n_factors, 1);
	assert_string_equal(r->factors[0].name, "region");
	assert_int_equal(r->factors[0].n_rows, 2);
	assert_dec(r->factors[0].rows[0].factor, "1.10");
	assert_string_equal(r->factors[0].rows[0].label, "APAC");
	assert_string_equal(r->factors[0].rows[1].label, "all");
	/* tiers: upto 50% -> 0.5, upto 100% -> 1, open */
	assert_non_null(r->tiers);
	assert_int_equal(r->tiers->basis, TIER_ATTAINMENT);
	assert_int_equal(r->tiers->measure, MEASURE_RUNNING);
	assert_int_equal(r->tiers->method, TIER_MARGINAL);
	assert_false(r->tiers->boundary_upper); /* lower by default */
	assert_int_equal(r->tiers->n_bands, 3);
	assert_true(r->tiers->bands[0].has_upto);
	assert_dec(r->tiers->bands[0].upto, "0.5");
	assert_dec(r->tiers->bands[0].value, "0.5");
	assert_dec(r->tiers->bands[1].upto, "1");
	assert_false(r->tiers->bands[2].has_upto);
	assert_false(r->tiers->bands[2].is_rate);
	assert_dec(r->tiers->bands[2].value, "1.5");
	/* threshold 25% -> 0.25 */
	assert_true(r->has_threshold);
	assert_dec(r->threshold, "0.25");

	/* commission with rate-giving bands, amount basis, upper boundary */
	r = find_rule(v, "services");
	assert_int_equal(r->n_rates, 0);
	assert_int_equal(r->tiers->basis, TIER_AMOUNT);
	assert_int_equal(r->tiers->method, TIER_RETROACTIVE);
	assert_int_equal(r->tiers->measure, MEASURE_PERIOD);
	assert_true(r->tiers->boundary_upper);
	assert_true(r->tiers->bands[0].is_rate);
	assert_dec(r->tiers->bands[0].upto, "10000.00");
	assert_dec(r->tiers->bands[0].value, "0.02");
	assert_dec(r->tiers->bands[1].value, "0.04");
	/* person.level: {in: [SR2]} on the rule */
	assert_int_equal(r->when.n, 1);
	assert_int_equal(r->when.items[0].subject, SUBJ_PERSON_LEVEL);
	assert_int_equal(r->when.items[0].op, COND_IN);
	assert_int_equal(r->when.items[0].n_set, 1);
	assert_string_equal(r->when.items[0].set[0].u.str.s, "SR2");
	assert_string_equal(r->when.items[0].text, "person.level in [SR2]");

	/* spiff with a window and a cap */
	r = find_rule(v, "spiff-strategic");
	assert_int_equal(r->kind, RULE_SPIFF);
	assert_dec(r->amount, "150.00");
	assert_false(r->per_unit);
	assert_true(r->has_window);
	assert_int_equal(r->from, date_from_ymd(2026, 1, 1));
	assert_int_equal(r->to, date_from_ymd(2026, 3, 31));
	assert_true(r->has_cap);
	assert_dec(r->cap, "600.00");
	assert_int_equal(r->when.n, 2);
	assert_string_equal(r->when.items[0].text,
			    "product ~ ^SW-ENT-1\\d\\d$");

	/* bonus from the ladder */
	r = find_rule(v, "target-bonus");
	assert_true(r->at_period_end);
	assert_int_equal(r->on_type, -1);
	assert_true(r->target_from_level);
	assert_int_equal(r->n_bands, 2);
	assert_dec(r->bands[1].from, "1.2");
	assert_dec(r->bands[1].pay, "1.5");

	/* clawback */
	r = find_rule(v, "refund-clawback");
	assert_int_equal(r->on_type, refund);
	assert_int_equal(r->ref_field, ref);
	assert_int_equal(r->amount_field, event_type_field(rt, "amount"));
	assert_int_equal(r->window_days, 90);
	assert_int_equal(r->n_reverses, 2);
	assert_string_equal(p->rule_slot_ids[r->reverses[0]],
			    "base-commission");
	assert_string_equal(p->rule_slot_ids[r->reverses[1]],
			    "spiff-strategic");

	/* cap */
	r = find_rule(v, "commission-cap");
	assert_true(r->at_period_end);
	assert_int_equal(r->n_applies, 1);
	assert_string_equal(p->rule_slot_ids[r->applies_to[0]],
			    "base-commission");
	assert_dec(r->max, "60000.00");

	/* script: params sorted by key, typed */
	r = find_rule(v, "kicker");
	assert_int_equal(r->script, 0);
	assert_int_equal(v->n_scripts, 1);
	assert_string_equal(v->scripts[0].path, "scripts/kicker.lua");
	assert_non_null(strstr(v->scripts[0].source, "function kicker"));
	assert_string_equal(r->function, "kicker");
	assert_int_equal(r->params.type, PV_MAP);
	assert_int_equal(r->params.u.list.n, 4);
	const param *pa = r->params.u.list.items;
	/* keys sorted: label, min_years, rate, regions */
	assert_string_equal(pa[0].key, "label");
	assert_int_equal(pa[0].type, PV_STR);
	assert_string_equal(pa[0].u.s, "3"); /* quoted: stays text */
	assert_string_equal(pa[1].key, "min_years");
	assert_int_equal(pa[1].type, PV_INT);
	assert_int_equal(pa[1].u.i, 3);
	assert_string_equal(pa[2].key, "rate");
	assert_int_equal(pa[2].type, PV_DEC);
	assert_dec(pa[2].u.d, "0.01"); /* 1% */
	assert_string_equal(pa[3].key, "regions");
	assert_int_equal(pa[3].type, PV_LIST);
	assert_int_equal(pa[3].u.list.n, 2);
	assert_string_equal(pa[3].u.list.items[1].u.s, "APAC");

	/* period-end script */
	r = find_rule(v, "appraisal");
	assert_true(r->at_period_end);
	assert_int_equal(r->on_type, -1);
	assert_int_equal(r->params.type, PV_MAP);
	assert_int_equal(r->params.u.list.n, 0);

	/* slots: the same id has the same slot in both versions; a rule
	 * only in the later version gets its own */
	const policy_version *v2 = &p->versions[1];
	assert_int_equal(find_rule(v2, "base-commission")->slot,
			 find_rule(v, "base-commission")->slot);
	assert_int_equal(find_rule(v2, "kicker")->slot,
			 find_rule(v, "kicker")->slot);
	uint32_t extra = find_rule(v2, "spring-spiff")->slot;
	for (size_t i = 0; i < v->n_rules; i++)
		assert_int_not_equal(v->rules[i].slot, extra);
	assert_int_equal(p->n_rule_slots, 9);
	assert_int_equal(v2->types[0].slot, v->types[0].slot);
	/* both versions share the script bytes */
	assert_ptr_equal(v2->scripts[0].source, v->scripts[0].source);
	inc_policy_destroy(p);
}

/* The shipped policy in rules/ loads cleanly. */
static void test_shipped_rules(void **state)
{
	(void)state;
	inc_policy_destroy(load_clean(SRCDIR "/rules"));
}

/* ---- files and paths ---- */

static char tmpdir[64];

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_policy.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char minimal_head[] = "policy: p\n"
				   "effective: 2026-01-01\n"
				   "currency: USD\n"
				   "rounding: half_up\n"
				   "period: quarter\n"
				   "event_types:\n"
				   "  deal_closed:\n"
				   "    fields: {amount: money}\n";

/* A script reached through a symbolic link that points outside. */
static void test_symlink_escape(void **state)
{
	char dir[128], path[256], outside[256];
	diags g = {0};
	inc_policy *p = NULL;

	(void)state;
	snprintf(dir, sizeof dir, "%s/pol", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof path, "%s/scripts", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file(tmpdir, "outside.lua", "function f() end\n");
	snprintf(outside, sizeof outside, "%s/outside.lua", tmpdir);
	snprintf(path, sizeof path, "%s/scripts/link.lua", dir);
	assert_int_equal(symlink(outside, path), 0);
	char text[1024];
	/* `    script: ...` is line 13 (after 8 lines of minimal_head and
	 * 4 of the rule), its value at column 13 */
	snprintf(text, sizeof text,
		 "%srules:\n"
		 "  - id: s\n"
		 "    kind: script\n"
		 "    on: deal_closed\n"
		 "    script: scripts/link.lua\n"
		 "    function: f\n",
		 minimal_head);
	write_file(dir, "policy.yaml", text);
	g.strip = NULL;
	assert_int_equal(inc_policy_load(&p, dir, collect, &g, NULL),
			 INC_EPOLICY);
	assert_null(p);
	assert_int_equal(g.n, 1);
	char want[512];
	snprintf(
	    want, sizeof want,
	    "%s/policy.yaml:13:13: script path leaves the policy directory",
	    dir);
	assert_string_equal(g.lines[0], want);
	assert_string_equal(g.hints[0], "symbolic links may not point outside "
					"the policy directory");
	diags_free(&g);

	/* a link that stays inside is fine: scripts/in.lua -> ../real.lua */
	write_file(dir, "real.lua", "function f() end\n");
	snprintf(path, sizeof path, "%s/scripts/in.lua", dir);
	assert_int_equal(symlink("../real.lua", path), 0);
	snprintf(text, sizeof text,
		 "%srules:\n"
		 "  - id: s\n"
		 "    kind: script\n"
		 "    on: deal_closed\n"
		 "    script: ./scripts//in.lua\n"
		 "    function: f\n",
		 minimal_head);
	write_file(dir, "policy.yaml", text);
	p = load_clean(dir);
	/* the path is normalised: "./" and "//" dropped */
	assert_string_equal(p->versions[0].scripts[0].path, "scripts/in.lua");
	assert_string_equal(p->files[1].path, "scripts/in.lua");
	inc_policy_destroy(p);
}

/* Nothing to load, a missing path, and a file over 16 MiB. */
static void test_files(void **state)
{
	char dir[128], path[256];
	diags g = {0};
	inc_policy *p = NULL;
	char *err = NULL;

	(void)state;
	snprintf(dir, sizeof dir, "%s/empty", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	/* files in subdirectories and non-YAML files are not versions */
	snprintf(path, sizeof path, "%s/tests", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file(path, "case.yaml", "x: 1\n");
	write_file(dir, "notes.txt", "x\n");
	assert_int_equal(inc_policy_load(&p, dir, collect, &g, &err),
			 INC_EPOLICY);
	assert_null(p);
	assert_null(err);
	assert_int_equal(g.n, 1);
	char want[512];
	snprintf(want, sizeof want,
		 "%s: no policy files (*.yaml, *.yml) in '%s'", dir, dir);
	assert_string_equal(g.lines[0], want);
	diags_free(&g);

	/* missing: an I/O error with a message, no diagnostics */
	snprintf(path, sizeof path, "%s/nope", tmpdir);
	assert_int_equal(inc_policy_load(&p, path, collect, &g, &err),
			 INC_ERROR);
	assert_null(p);
	assert_non_null(err);
	assert_non_null(strstr(err, "No such file or directory"));
	free(err);
	err = NULL;
	assert_int_equal(g.n, 0);

	/* an empty file */
	write_file(dir, "a.yml", "");
	assert_int_equal(inc_policy_load(&p, dir, collect, &g, NULL),
			 INC_EPOLICY);
	assert_int_equal(g.n, 1);
	snprintf(want, sizeof want, "%s/a.yml: empty policy file", dir);
	assert_string_equal(g.lines[0], want);
	diags_free(&g);

	/* 16 MiB + 1 byte (sparse) */
	snprintf(path, sizeof path, "%s/a.yml", dir);
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (16 << 20) + 1), 0);
	close(fd);
	assert_int_equal(inc_policy_load(&p, dir, collect, &g, NULL),
			 INC_EPOLICY);
	assert_int_equal(g.n, 1);
	snprintf(want, sizeof want,
		 "%s/a.yml: file larger than 16 MiB (16777217 bytes)", dir);
	assert_string_equal(g.lines[0], want);
	diags_free(&g);
	unlink(path);
}

/* The hash changes with any byte of any file, scripts included. */
static void test_hash_changes(void **state)
{
	char dir[128];
	char text[1024];
	(void)state;
	snprintf(dir, sizeof dir, "%s/hash", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(text, sizeof text,
		 "%srules:\n"
		 "  - id: s\n"
		 "    kind: script\n"
		 "    on: deal_closed\n"
		 "    script: k.lua\n"
		 "    function: f\n",
		 minimal_head);
	write_file(dir, "policy.yaml", text);
	write_file(dir, "k.lua", "function f() return nil end\n");
	inc_policy *a = load_clean(dir);
	write_file(dir, "k.lua", "function f() return nil end \n");
	inc_policy *b = load_clean(dir);
	assert_string_not_equal(inc_policy_hash(a), inc_policy_hash(b));
	assert_int_equal(strlen(inc_policy_hash(a)), 64);
	inc_policy_destroy(a);
	inc_policy_destroy(b);
}

/* ---- the YAML reader ---- */

static int parse(ytree *t, const char *text, size_t len, diags *g)
{
	return ytree_parse(t, "t.yaml", text, len, collect, g);
}

static void test_yaml_tree(void **state)
{
	ytree t;
	diags g = {0};

	(void)state;
	const char *text = "a: 1\n"
			   "b: 'two'\n"
			   "c: [x, \"y\"]\n"
			   "d:\n"
			   "e:\n"
			   "  f: |\n"
			   "    block\n";
	assert_int_equal(parse(&t, text, strlen(text), &g), 0);
	assert_int_equal(g.n, 0);
	const ynode *r = t.root;
	assert_int_equal(r->kind, YN_MAP);
	assert_int_equal(r->n_pairs, 5);
	assert_true(ynode_text_is(ynode_get(r, "a"), "1"));
	assert_int_equal(ynode_get(r, "a")->style, YS_PLAIN);
	assert_int_equal(ynode_get(r, "b")->style, YS_SINGLE);
	/* 'two' starts at line 2, column 4 */
	assert_int_equal(ynode_get(r, "b")->line, 2);
	assert_int_equal(ynode_get(r, "b")->col, 4);
	const ynode *c = ynode_get(r, "c");
	assert_int_equal(c->kind, YN_SEQ);
	assert_int_equal(c->n_items, 2);
	assert_int_equal(c->items[1]->style, YS_DOUBLE);
	/* d: alone is a null */
	assert_true(ynode_is_null(ynode_get(r, "d")));
	assert_false(ynode_is_null(ynode_get(r, "b")));
	assert_null(ynode_get(r, "zz"));
	assert_null(ynode_get(NULL, "a"));
	char buf[32];
	assert_string_equal(ynode_describe(c, buf, sizeof buf), "a list");
	assert_string_equal(ynode_describe(r, buf, sizeof buf), "a mapping");
	assert_string_equal(ynode_describe(ynode_get(r, "d"), buf, sizeof buf),
			    "nothing");
	assert_string_equal(ynode_describe(ynode_get(r, "b"), buf, sizeof buf),
			    "'two'");
	const ynode *f = ynode_get(ynode_get(r, "e"), "f");
	assert_int_equal(f->style, YS_BLOCK);
	assert_string_equal(f->text, "block\n");
	ytree_finish(&t);

	/* an empty document: no root, no error */
	assert_int_equal(parse(&t, "# nothing\n", 10, &g), 0);
	assert_null(t.root);
	ytree_finish(&t);
}

static void expect_one(const char *text, size_t len, const char *want,
		       bool keeps_root)
{
	ytree t;
	diags g = {0};

	assert_int_equal(parse(&t, text, len, &g), INC_EPOLICY);
	if (g.n != 1 || strcmp(g.lines[0], want) != 0) {
		print_diags(&g);
		fail_msg("expected [%s]", want);
	}
	assert_int_equal(t.root != NULL, keeps_root);
	ytree_finish(&t);
	diags_free(&g);
}

static void test_yaml_refusals(void **state)
{
	(void)state;
	/* 0xff can never start a UTF-8 sequence: offset 8, line 1, col 9 */
	expect_one("policy: \xff\n", 10,
		   "t.yaml:1:9: invalid leading UTF-8 octet", false);
	/* UTF-16 (with its byte order mark) is not read as UTF-8 either */
	expect_one("\xff\xfe"
		   "a\0:\0",
		   6, "t.yaml:1:1: invalid leading UTF-8 octet", false);
	expect_one("a: 1\n---\nb: 2\n", 14,
		   "t.yaml:2:1: only one YAML document per file", false);
	expect_one(
	    "a: !!int 1\n", 11,
	    "t.yaml:1:4: tags are not supported ('tag:yaml.org,2002:int')",
	    true);
	/* an alias without its anchor (libyaml's parser does not check) */
	expect_one("a: *x\n", 6, "t.yaml:1:4: aliases are not supported",
		   false);
	expect_one("? [a]\n: 1\n", 10,
		   "t.yaml:1:3: a key must be plain text, not a list", false);
	expect_one("a: \"x\\0y\"\n", 10,
		   "t.yaml:1:4: text contains a NUL character", true);
	/* the first duplicate is kept, first */
	ytree t;
	diags g = {0};
	assert_int_equal(parse(&t, "a: 1\nb: 2\na: 3\n", 15, &g), INC_EPOLICY);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.lines[0],
			    "t.yaml:3:1: duplicate key 'a' (first at line 1)");
	assert_true(ynode_text_is(ynode_get(t.root, "a"), "1"));
	ytree_finish(&t);
	diags_free(&g);
}

static void test_yaml_limits(void **state)
{
	strbuf sb;
	ytree t;
	diags g = {0};

	(void)state;
	/* 64 nested flow lists are fine, 65 are not: the 65th '[' is at
	 * column 65 */
	sb_init(&sb);
	for (int i = 0; i < 64; i++)
		sb_putc(&sb, '[');
	for (int i = 0; i < 64; i++)
		sb_putc(&sb, ']');
	assert_int_equal(parse(&t, sb_cstr(&sb), sb.len, &g), 0);
	assert_non_null(t.root);
	ytree_finish(&t);
	sb_reset(&sb);
	for (int i = 0; i < 65; i++)
		sb_putc(&sb, '[');
	for (int i = 0; i < 65; i++)
		sb_putc(&sb, ']');
	expect_one(sb_cstr(&sb), sb.len,
		   "t.yaml:1:65: nesting deeper than 64 levels", false);

	/* a scalar of 1 MiB + 1 byte: "a: " then the text at column 4 */
	sb_reset(&sb);
	sb_puts(&sb, "a: ");
	for (size_t i = 0; i < (1u << 20) + 1; i++)
		sb_putc(&sb, 'x');
	sb_putc(&sb, '\n');
	expect_one(sb_cstr(&sb), sb.len,
		   "t.yaml:1:4: scalar longer than 1 MiB (1048577 bytes)",
		   true);
	/* exactly 1 MiB is fine */
	sb_reset(&sb);
	sb_puts(&sb, "a: ");
	for (size_t i = 0; i < (1u << 20); i++)
		sb_putc(&sb, 'x');
	assert_int_equal(parse(&t, sb_cstr(&sb), sb.len, &g), 0);
	assert_int_equal(ynode_get(t.root, "a")->len, 1u << 20);
	ytree_finish(&t);

	/* 16 MiB + 1 is refused before reading */
	char *big = calloc((16u << 20) + 1, 1);
	assert_non_null(big);
	assert_int_equal(parse(&t, big, (16u << 20) + 1, &g), INC_EPOLICY);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.lines[0],
			    "t.yaml: file larger than 16 MiB (16777217 bytes)");
	ytree_finish(&t);
	diags_free(&g);
	free(big);

	/* a mapping of 100 keys where the last repeats the first: checked
	 * through the hash map, reported once */
	sb_reset(&sb);
	for (int i = 0; i < 99; i++)
		sb_printf(&sb, "k%d: %d\n", i, i);
	sb_puts(&sb, "k0: again\n");
	expect_one(sb_cstr(&sb), sb.len,
		   "t.yaml:100:1: duplicate key 'k0' (first at line 1)", true);
	sb_finish(&sb);
}

int main(void)
{
	struct CMUnitTest cases[N_BROKEN];
	for (size_t i = 0; i < N_BROKEN; i++)
		cases[i] = (struct CMUnitTest){broken[i], test_case, NULL, NULL,
					       (void *)(uintptr_t)broken[i]};
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_cases_listed),
	    cmocka_unit_test(test_good_minimal),
	    cmocka_unit_test(test_single_file),
	    cmocka_unit_test(test_good_full),
	    cmocka_unit_test(test_shipped_rules),
	    cmocka_unit_test(test_yaml_tree),
	    cmocka_unit_test(test_yaml_refusals),
	    cmocka_unit_test(test_yaml_limits),
	};
	const struct CMUnitTest fs_tests[] = {
	    cmocka_unit_test(test_symlink_escape),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_hash_changes),
	};
	int failed = cmocka_run_group_tests_name("policy", tests, NULL, NULL);
	failed += _cmocka_run_group_tests(
	    "policy cases", cases, sizeof cases / sizeof *cases, NULL, NULL);
	failed += cmocka_run_group_tests_name("policy files", fs_tests,
					      setup_tmp, teardown_tmp);
	return failed ? 1 : 0;
}
