/*
 * test_eval.c: rule kinds end to end through the public API, each on a
 * tiny policy whose result is worked out by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "incentive.h"

typedef struct got {
	char lines[64][160]; /* "person kind amount rule events" */
	size_t n;
} got;

static int collect(void *ud, const inc_decision *d)
{
	got *g = ud;
	if (g->n < 64)
		snprintf(g->lines[g->n++], sizeof g->lines[0], "%s %s %s %s %s", d->person,
			 d->kind, d->amount ? d->amount : "-", d->rule, d->events);
	return 0;
}

static void diag_fail(void *ud, const inc_diag *d)
{
	(void)ud;
	if (d->severity == INC_SEV_ERROR)
		fail_msg("%s:%u:%u: %s", d->file, d->line, d->column, d->message);
}

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *head =
	"policy: t\n"
	"effective: 2026-01-01\n"
	"currency: USD\n"
	"rounding: half_up\n"
	"period: quarter\n"
	"ladder: [{level: L1, title: Rep, target_bonus: 500.00}]\n"
	"event_types:\n"
	"  deal_closed:\n"
	"    credit: amount\n"
	"    fields:\n"
	"      amount: money\n"
	"      product: string\n"
	"      region: {type: enum, values: [EMEA, APAC]}\n"
	"      seats: {type: integer, required: false}\n";

/* Runs policy text (head + rules) over the events text; fills g. */
static void run_case(const char *rules, const char *events, got *g)
{
	char ppath[256], people[256], evpath[256], quotas[256];
	char *text = malloc(strlen(head) + strlen(rules) + 1);
	assert_non_null(text);
	strcpy(text, head);
	strcat(text, rules);
	write_file("policy.yaml", text);
	free(text);
	write_file("people.csv", "id,name,level,team,manager,hired,left,currency\n"
				 "p,Pat,L1,T,,2020-01-01,,USD\n");
	write_file("quotas.csv", "person,period,amount\np,2026-Q1,1000.00\n");
	write_file("events.csv", events);
	snprintf(ppath, sizeof ppath, "%s/policy.yaml", dir);
	snprintf(people, sizeof people, "%s/people.csv", dir);
	snprintf(quotas, sizeof quotas, "%s/quotas.csv", dir);
	snprintf(evpath, sizeof evpath, "%s/events.csv", dir);

	inc_policy *p = NULL;
	inc_run *r = NULL;
	char *err = NULL;
	assert_int_equal(inc_policy_load(&p, ppath, diag_fail, NULL, &err), 0);
	assert_int_equal(inc_run_create(&r, p, NULL, diag_fail, NULL), 0);
	assert_int_equal(inc_run_add_people(r, people), 0);
	assert_int_equal(inc_run_add_quotas(r, quotas), 0);
	assert_int_equal(inc_run_add_events(r, evpath), 0);
	memset(g, 0, sizeof *g);
	int rc = inc_run_execute(r, collect, g);
	if (rc)
		fail_msg("run failed: %s", inc_run_errmsg(r));
	inc_run_destroy(r);
	inc_policy_destroy(p);
}

#define EV_HEAD "id,date,type,person,amount,product,region,seats\n"

#define RETRO_FMT \
	"rules:\n" \
	"  - id: c\n" \
	"    kind: commission\n" \
	"    on: deal_closed\n" \
	"    tiers:\n" \
	"      basis: amount\n" \
	"      measure: event\n" \
	"      method: retroactive\n" \
	"      boundary: %s\n" \
	"      bands:\n" \
	"        - {upto: 1000.00, rate: 5%%}\n" \
	"        - {rate: 10%%}\n"

static void test_retroactive_boundary(void **state)
{
	(void)state;
	got g;
	char rules[512];
	const char *ev = EV_HEAD "e1,2026-01-05,deal_closed,p,1000.00,X,EMEA,\n";

	/* 1,000.00 is exactly on the boundary.  lower: it belongs to the
	 * first band: 1,000 x 5% = 50.00 */
	snprintf(rules, sizeof rules, RETRO_FMT, "lower");
	run_case(rules, ev, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.lines[0], "p commission 50.00 c e1");
	/* upper: to the second band: 1,000 x 10% = 100.00 */
	snprintf(rules, sizeof rules, RETRO_FMT, "upper");
	run_case(rules, ev, &g);
	assert_string_equal(g.lines[0], "p commission 100.00 c e1");
}

#define SPECIFIC_FMT \
	"rules:\n" \
	"  - id: c\n" \
	"    kind: commission\n" \
	"    on: deal_closed\n" \
	"    select: %s\n" \
	"    rates:\n" \
	"      - {when: {product: '^SW-'}, rate: 5%%}\n" \
	"      - {when: {product: '^SW-', region: EMEA}, rate: 7%%}\n"

static void test_most_specific(void **state)
{
	(void)state;
	got g;
	char rules[512];
	const char *ev = EV_HEAD "e1,2026-01-05,deal_closed,p,100.00,SW-A,EMEA,\n"
				 "e2,2026-01-06,deal_closed,p,100.00,SW-A,APAC,\n";

	/* first: row 1 matches both: 100 x 5% = 5.00 twice */
	snprintf(rules, sizeof rules, SPECIFIC_FMT, "first");
	run_case(rules, ev, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0], "p commission 5.00 c e1");
	assert_string_equal(g.lines[1], "p commission 5.00 c e2");
	/* most_specific: e1 matches both rows, row 2 has two conditions:
	 * 7.00; e2 (APAC) only row 1: 5.00 */
	snprintf(rules, sizeof rules, SPECIFIC_FMT, "most_specific");
	run_case(rules, ev, &g);
	assert_string_equal(g.lines[0], "p commission 7.00 c e1");
	assert_string_equal(g.lines[1], "p commission 5.00 c e2");
}

static void test_per_unit(void **state)
{
	(void)state;
	got g;
	/* 3 seats x 25.00 = 75.00; an event without seats earns nothing */
	run_case("rules:\n"
		 "  - id: c\n"
		 "    kind: commission\n"
		 "    on: deal_closed\n"
		 "    units: seats\n"
		 "    rates:\n"
		 "      - {per_unit: 25.00}\n",
		 EV_HEAD "e1,2026-01-05,deal_closed,p,100.00,X,EMEA,3\n"
			 "e2,2026-01-06,deal_closed,p,100.00,X,EMEA,\n",
		 &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.lines[0], "p commission 75.00 c e1");
}

static void test_period_marginal(void **state)
{
	(void)state;
	got g;
	/* period total 800 + 700 = 1,500: 1,000 x 3% = 30 + 500 x 6% = 30:
	 * one decision of 60.00 at the period end, none per event */
	run_case("rules:\n"
		 "  - id: c\n"
		 "    kind: commission\n"
		 "    on: deal_closed\n"
		 "    tiers:\n"
		 "      basis: amount\n"
		 "      measure: period\n"
		 "      method: marginal\n"
		 "      bands:\n"
		 "        - {upto: 1000.00, rate: 3%}\n"
		 "        - {rate: 6%}\n",
		 EV_HEAD "e1,2026-01-05,deal_closed,p,800.00,X,EMEA,\n"
			 "e2,2026-02-06,deal_closed,p,700.00,X,EMEA,\n",
		 &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.lines[0], "p commission 60.00 c ");
}

static void test_spiff_window(void **state)
{
	(void)state;
	got g;
	/* window 01-10 .. 01-20 inclusive: e2 and e3 only */
	run_case("rules:\n"
		 "  - id: s\n"
		 "    kind: spiff\n"
		 "    on: deal_closed\n"
		 "    amount: 50.00\n"
		 "    from: 2026-01-10\n"
		 "    to: 2026-01-20\n",
		 EV_HEAD "e1,2026-01-09,deal_closed,p,1.00,X,EMEA,\n"
			 "e2,2026-01-10,deal_closed,p,1.00,X,EMEA,\n"
			 "e3,2026-01-20,deal_closed,p,1.00,X,EMEA,\n"
			 "e4,2026-01-21,deal_closed,p,1.00,X,EMEA,\n",
		 &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0], "p spiff 50.00 s e2");
	assert_string_equal(g.lines[1], "p spiff 50.00 s e3");
}

static void test_bonus_bands(void **state)
{
	(void)state;
	got g;
	const char *rules =
		"rules:\n"
		"  - id: b\n"
		"    kind: bonus\n"
		"    target: level\n"
		"    bands:\n"
		"      - {from: 100%, pay: 100%}\n"
		"      - {from: 120%, pay: 150%}\n";
	/* 999.99 of 1,000.00 is 99.999%: not 100%, no bonus */
	run_case(rules, EV_HEAD "e1,2026-01-05,deal_closed,p,999.99,X,EMEA,\n", &g);
	assert_int_equal(g.n, 0);
	/* exactly 1,000.00: 100% band: 500.00 */
	run_case(rules, EV_HEAD "e1,2026-01-05,deal_closed,p,1000.00,X,EMEA,\n", &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.lines[0], "p bonus 500.00 b ");
	/* 1,200.00 is 120%: 150% of 500.00 = 750.00 */
	run_case(rules, EV_HEAD "e1,2026-01-05,deal_closed,p,1200.00,X,EMEA,\n", &g);
	assert_string_equal(g.lines[0], "p bonus 750.00 b ");
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/inc-eval-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	const char *names[] = {"policy.yaml", "people.csv", "quotas.csv", "events.csv"};
	char path[256];
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retroactive_boundary),
		cmocka_unit_test(test_most_specific),
		cmocka_unit_test(test_per_unit),
		cmocka_unit_test(test_period_marginal),
		cmocka_unit_test(test_spiff_window),
		cmocka_unit_test(test_bonus_bands),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
