/*
 * test_ptest.c: policy tests through the public API (src/lib/ptest.c,
 * inc_tests_* in include/incentive.h).
 *
 * The starter policy that `incentive init` writes (src/cli/starter/) is
 * the subject: its 7 cases pass and reach every coverage item.  Copies of
 * it in a temporary directory get test files written by these tests, each
 * with one thing wrong, and the outcome of each case (passed or not, the
 * first difference, where it is written) is compared with what is worked
 * out by hand in the comment next to it.
 */
#include <errno.h>
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

#include "incentive.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif
#define STARTER SRCDIR "/src/cli/starter"

/* ---- helpers ---- */

typedef struct outcome {
	size_t n;
	char *name[16];
	int passed[16];
	char *message[16];
	char *where[16];
	int stop_after; /* 0: never stop */
} outcome;

static int collect(void *ud, const inc_test_case *c)
{
	outcome *o = ud;

	if (o->n < 16) {
		o->name[o->n] = strdup(c->name);
		o->passed[o->n] = c->passed;
		o->message[o->n] = c->message ? strdup(c->message) : NULL;
		o->where[o->n] = c->where ? strdup(c->where) : NULL;
	}
	o->n++;
	return o->stop_after && o->n >= (size_t)o->stop_after ? 1 : 0;
}

static void outcome_free(outcome *o)
{
	for (size_t i = 0; i < o->n && i < 16; i++) {
		free(o->name[i]);
		free(o->message[i]);
		free(o->where[i]);
	}
}

typedef struct diags {
	size_t n;
	char text[8][512];
} diags;

static void diag(void *ud, const inc_diag *d)
{
	diags *g = ud;

	if (g->n < 8)
		snprintf(g->text[g->n], sizeof g->text[0], "%u:%u: %s | %s",
			 d->line, d->column, d->message,
			 d->hint ? d->hint : "");
	g->n++;
}

static char tmpdir[256];

/* A copy of the starter policy without its tests, in tmpdir/p. */
static int setup(void **state)
{
	char cmd[1024];

	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "%s/ptest-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(cmd, sizeof cmd,
		 "mkdir -p '%s/p/tests' && cp '%s/policy.yaml' '%s/p/' && "
		 "cp -r '%s/scripts' '%s/p/'",
		 tmpdir, STARTER, tmpdir, STARTER, tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes tmpdir/p/tests/NAME with text (replacing the test files). */
static void write_tests(const char *name, const char *text)
{
	char path[512], cmd[512];

	snprintf(cmd, sizeof cmd, "rm -f '%s'/p/tests/*.yaml", tmpdir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof path, "%s/p/tests/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static inc_tests *load(const char *filter, diags *g)
{
	char path[512];
	inc_tests *t = NULL;
	inc_tests_options opts = {.filter = filter};
	char *err = NULL;

	snprintf(path, sizeof path, "%s/p", tmpdir);
	assert_int_equal(inc_tests_create(&t, path, &opts, diag, g, &err), 0);
	assert_null(err);
	assert_non_null(t);
	return t;
}

/* Two people and quotas shared by the cases below (the starter's). */
#define HEAD                                                                   \
	"people:\n"                                                            \
	"  - {id: ana, level: SENIOR}\n"                                       \
	"  - {id: ben, level: REP}\n"                                          \
	"quotas:\n"                                                            \
	"  - {person: ben, period: 2026-Q1, amount: 50000.00}\n"               \
	"cases:\n"

/* ben, 0 -> 70,000.00 of 50,000.00 SW: 50,000 x 10% = 5,000.00 plus
 * 20,000 x 10% x 1.5 = 3,000.00: 8,000.00 (and 140% of quota: the quarter
 * bonus of 2,000.00, REP's target) */
#define DEAL                                                                   \
	"    events:\n"                                                        \
	"      - {id: e1, date: 2026-02-01, type: deal_closed, person: ben, "  \
	"amount: 70000.00, product: SW-100}\n"

/* ---- the starter's own tests ---- */

static void test_starter_passes(void **state)
{
	inc_tests *t = NULL;
	outcome o = {0};
	diags g = {0};
	char *err = NULL;
	inc_coverage_item it;
	size_t items = 0;
	const char *p;

	(void)state;
	assert_int_equal(inc_tests_create(&t, STARTER, NULL, diag, &g, &err),
			 0);
	assert_int_equal(inc_tests_run(t, collect, &o), 0);
	const inc_tests_summary *s = inc_tests_get_summary(t);
	/* tests/starter.yaml holds 7 cases, all passing */
	assert_int_equal(s->files, 1);
	assert_int_equal(s->cases, 7);
	assert_int_equal(s->passed, 7);
	assert_int_equal(s->failed, 0);
	assert_int_equal(s->file_errors, 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(o.n, 7);
	assert_string_equal(
	    o.name[0],
	    "the sample data in data/ gives exactly these decisions");
	/* 6 rules, 2 rate rows, 2 tier bands, 2 bonus bands, 1 SPIFF cap:
	 * 13 items, every one reached and reachable (one version) */
	for (size_t i = 0; inc_tests_coverage(t, i, &it) == 0; i++) {
		assert_true(it.reached);
		assert_true(it.applicable);
		assert_string_equal(it.version, "2026.1");
		items++;
	}
	assert_int_equal(items, 13);
	/* its data files are inside the policy directory: nothing else to
	 * watch */
	assert_int_equal(inc_tests_input_path(t, 0, &p), INC_ENOTFOUND);
	/* a suite runs once */
	assert_int_equal(inc_tests_run(t, NULL, NULL), INC_ERROR);
	assert_string_equal(inc_tests_errmsg(t), "a suite is run once");
	inc_tests_destroy(t);
	outcome_free(&o);
}

static void test_broken_policy(void **state)
{
	inc_tests *sentinel = (inc_tests *)&state, *t = sentinel;
	diags g = {0};
	char *err = NULL;

	/* the broken policies of tests/policies are refused before any test */
	assert_int_equal(inc_tests_create(&t,
					  SRCDIR "/tests/policies/wrong-type",
					  NULL, diag, &g, &err),
			 INC_EPOLICY);
	assert_ptr_equal(t, sentinel);
	assert_null(err);
	assert_true(g.n > 0);
	/* a path that does not exist is an I/O error with a message */
	assert_int_equal(inc_tests_create(&t, SRCDIR "/no/such/policy", NULL,
					  NULL, NULL, &err),
			 INC_ERROR);
	assert_ptr_equal(t, sentinel);
	assert_non_null(err);
	free(err);
}

/* ---- what a failure says ---- */

static void test_first_difference(void **state)
{
	outcome o = {0};
	diags g = {0};

	(void)state;
	write_tests(
	    "one.yaml", HEAD
	    "  - name: wrong amount\n" DEAL "    expect:\n"
	    "      - {person: ben, kind: commission, amount: \"8,250.00\"}\n"
	    "  - name: right amounts, written 8000 and 2,000.00\n" DEAL
	    "    expect:\n"
	    "      - {person: ben, kind: commission, amount: 8000}\n"
	    "      - {person: ben, kind: bonus, amount: \"2,000.00\"}\n"
	    "  - name: exact\n" DEAL "    exact: true\n"
	    "    expect:\n"
	    "      - {person: ben, kind: commission, amount: 8000.00}\n"
	    "  - name: exact on commissions only\n" DEAL
	    "    exact: [commission]\n"
	    "    expect:\n"
	    "      - {person: ben, kind: commission, amount: 8000.00}\n"
	    "  - name: absent\n" DEAL "    absent:\n"
	    "      - {kind: bonus}\n"
	    "  - name: nobody\n" DEAL "    expect:\n"
	    "      - {person: zed, kind: commission}\n");
	inc_tests *t = load(NULL, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(inc_tests_run(t, collect, &o), 0);
	assert_int_equal(o.n, 6);
	/* the near miss: same person, kind and rule; the amount differs */
	assert_false(o.passed[0]);
	assert_string_equal(
	    o.message[0],
	    "ben commission: expected 8,250.00, got 8,000.00, rule commission "
	    "(10% of 70,000.00: software, 50,000.00 in tier 1 (x1) + 20,000.00 "
	    "in tier 2 (x1.5) at 140.00% attainment)");
	/* the expectation is on line 11 of the file: 6 lines of HEAD, the
	 * case's name, 2 lines of DEAL and `expect:` */
	assert_non_null(strstr(o.where[0], "/p/tests/one.yaml:11"));
	assert_true(o.passed[1]);
	/* exact: the bonus was not expected */
	assert_false(o.passed[2]);
	assert_string_equal(
	    o.message[2],
	    "unexpected decision (exact: true): ben bonus 2,000.00, "
	    "rule quarter-bonus, 2026-Q1");
	/* exact on commissions: the bonus does not count */
	assert_true(o.passed[3]);
	assert_false(o.passed[4]);
	assert_string_equal(
	    o.message[4], "decision that must not be made: ben bonus 2,000.00, "
			  "rule quarter-bonus, 2026-Q1");
	assert_false(o.passed[5]);
	assert_string_equal(o.message[5],
			    "expected zed commission, but no such decision was "
			    "made (2 decisions)");
	const inc_tests_summary *s = inc_tests_get_summary(t);
	assert_int_equal(s->passed, 2);
	assert_int_equal(s->failed, 4);
	inc_tests_destroy(t);
	outcome_free(&o);
}

static void test_filter_and_stop(void **state)
{
	outcome o = {0};
	diags g = {0};

	(void)state;
	write_tests(
	    "two.yaml", HEAD
	    "  - name: alpha\n" DEAL "    expect: [{kind: commission}]\n"
	    "  - name: Beta\n" DEAL "    expect: [{kind: commission}]\n"
	    "  - name: beta two\n" DEAL "    expect: [{kind: commission}]\n");
	/* the filter ignores case; the file's name matches too */
	inc_tests *t = load("BETA", &g);
	assert_int_equal(inc_tests_run(t, collect, &o), 0);
	assert_int_equal(o.n, 2);
	assert_int_equal(inc_tests_get_summary(t)->filtered, 1);
	inc_tests_destroy(t);
	outcome_free(&o);

	memset(&o, 0, sizeof o);
	t = load("two", &g);
	o.stop_after = 1;
	/* a callback that asks to stop stops the suite */
	assert_int_equal(inc_tests_run(t, collect, &o), INC_ERROR);
	assert_int_equal(o.n, 1);
	assert_string_equal(inc_tests_errmsg(t), "stopped");
	inc_tests_destroy(t);
	outcome_free(&o);
}

static void test_file_problems(void **state)
{
	outcome o = {0};
	diags g = {0};

	(void)state;
	/* grouping commas are fine in thousands, not as a decimal point */
	write_tests("bad.yaml", HEAD "  - name: amounts\n" DEAL "    expect:\n"
				     "      - {amount: \"12,345,678.90\"}\n"
				     "      - {amount: \"8,00\"}\n"
				     "      - {amount: \"1,2345\"}\n"
				     "      - {amount: \"1,234.5,0\"}\n"
				     "  - name: amounts\n"
				     "    error: x\n"
				     "    exact: true\n");
	inc_tests *t = load(NULL, &g);
	/* line 12 ("8,00"), 13 ("1,2345"), 14 ("1,234.5,0"); in the second
	 * case, error and exact together at 16:12, then (once the case is
	 * read) its name, a duplicate, at 15:11 */
	assert_int_equal(g.n, 5);
	assert_string_equal(
	    g.text[0], "12:18: expected an amount like 1250.00, got '8,00' | "
		       "write decimals after a point, and group thousands "
		       "with commas if you like: 1,250.00");
	assert_non_null(strstr(g.text[1], "13:18: expected an amount"));
	assert_non_null(strstr(g.text[2], "14:18: expected an amount"));
	assert_non_null(strstr(g.text[3],
			       "16:12: a case expects either an error or "
			       "decisions, not both"));
	assert_string_equal(
	    g.text[4], "15:11: duplicate case name 'amounts' (first at line 7) "
		       "| give every case of a file its own name");
	/* a file with problems runs none of its cases */
	assert_int_equal(inc_tests_run(t, collect, &o), 0);
	assert_int_equal(o.n, 0);
	assert_int_equal(inc_tests_get_summary(t)->file_errors, 5);
	inc_tests_destroy(t);
	outcome_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_starter_passes),
	    cmocka_unit_test(test_broken_policy),
	    cmocka_unit_test(test_first_difference),
	    cmocka_unit_test(test_filter_and_stop),
	    cmocka_unit_test(test_file_problems),
	};
	return cmocka_run_group_tests_name("ptest", tests, setup, teardown);
}
