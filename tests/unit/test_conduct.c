/*
 * test_conduct.c: conduct and careers end to end through the public API
 * (discipline ladders, active records and their exact date semantics,
 * accumulation, fines with a limit and a carried balance, dismissal,
 * duties, training holds and releases, promotions, demotions, appraisal,
 * carried state), and the date arithmetic and policy checks behind them.
 * Every expected decision is worked out by hand in the comment next to it.
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

#include "conduct.h"
#include "incentive.h"

#define MAXD 64

typedef struct got {
	char lines[MAXD][200];	/* "person kind amount rule events" */
	char reasons[MAXD][700];
	size_t n;
	inc_run_stats stats;
} got;

static int collect(void *ud, const inc_decision *d)
{
	got *g = ud;
	if (g->n < MAXD) {
		snprintf(g->lines[g->n], sizeof g->lines[0], "%s %s %s %s %s", d->person, d->kind,
			 d->amount ? d->amount : "-", d->rule, d->events);
		snprintf(g->reasons[g->n], sizeof g->reasons[0], "%s", d->reason);
		g->n++;
	}
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
	"effective: 2024-01-01\n"
	"currency: USD\n"
	"rounding: half_up\n"
	"period: quarter\n"
	"ladder:\n"
	"  - {level: L1, title: Rep, target_bonus: 1000.00}\n"
	"  - {level: L2, title: Senior, target_bonus: 2000.00}\n"
	"event_types:\n"
	"  deal_closed:\n"
	"    credit: amount\n"
	"    fields:\n"
	"      amount: money\n"
	"      split: {type: split, required: false}\n"
	"  violation:\n"
	"    fields:\n"
	"      category: {type: enum, values: [law, company_rule, duty]}\n"
	"      severity: {type: enum, values: [minor, serious, gross]}\n"
	"  training_completed:\n"
	"    fields:\n"
	"      course: string\n"
	"      score: integer\n"
	"  sales_report:\n"
	"    fields:\n"
	"      covers: string\n"
	"  promotion_approved:\n"
	"    fields:\n"
	"      approver: string\n"
	"  refund:\n"
	"    fields:\n"
	"      ref: {type: ref, to: deal_closed}\n"
	"rules:\n";

#define EV_HEAD "id,date,type,person,amount,split,category,severity,course,score,covers,approver,ref\n"
#define PEOPLE_HEAD "id,name,level,team,manager,hired,left,currency\n"

typedef struct run_in {
	const char *rules;
	const char *people;  /* rows after the header */
	const char *quotas;  /* rows after the header, or NULL */
	const char *events;  /* rows after the header */
	const char *state_in, *state_out; /* file names in dir, or NULL */
} run_in;

static void path_of(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

/* Runs the case; fills g.  Returns the run's status. */
static int run_case(const run_in *in, got *g)
{
	char ppath[256], people[256], evpath[256], quotas[256], sin[256], sout[256];
	size_t n = strlen(head) + strlen(in->rules) + 1;
	char *text = malloc(n);
	assert_non_null(text);
	snprintf(text, n, "%s%s", head, in->rules);
	write_file("policy.yaml", text);
	free(text);
	n = strlen(PEOPLE_HEAD) + strlen(in->people) + 1;
	text = malloc(n);
	assert_non_null(text);
	snprintf(text, n, "%s%s", PEOPLE_HEAD, in->people);
	write_file("people.csv", text);
	free(text);
	n = strlen(EV_HEAD) + strlen(in->events) + 1;
	text = malloc(n);
	assert_non_null(text);
	snprintf(text, n, "%s%s", EV_HEAD, in->events);
	write_file("events.csv", text);
	free(text);
	n = 32 + (in->quotas ? strlen(in->quotas) : 0);
	text = malloc(n);
	assert_non_null(text);
	snprintf(text, n, "person,period,amount\n%s", in->quotas ? in->quotas : "");
	write_file("quotas.csv", text);
	free(text);
	path_of(ppath, sizeof ppath, "policy.yaml");
	path_of(people, sizeof people, "people.csv");
	path_of(quotas, sizeof quotas, "quotas.csv");
	path_of(evpath, sizeof evpath, "events.csv");
	path_of(sin, sizeof sin, in->state_in ? in->state_in : "");
	path_of(sout, sizeof sout, in->state_out ? in->state_out : "");

	inc_policy *p = NULL;
	inc_run *r = NULL;
	char *err = NULL;
	inc_run_options ro = {0};
	ro.state_in = in->state_in ? sin : NULL;
	ro.state_out = in->state_out ? sout : NULL;
	if (inc_policy_load(&p, ppath, diag_fail, NULL, &err) != 0)
		fail_msg("policy: %s", err ? err : "errors");
	assert_int_equal(inc_run_create(&r, p, &ro, diag_fail, NULL), 0);
	assert_int_equal(inc_run_add_people(r, people), 0);
	assert_int_equal(inc_run_add_quotas(r, quotas), 0);
	assert_int_equal(inc_run_add_events(r, evpath), 0);
	memset(g, 0, sizeof *g);
	int rc = inc_run_execute(r, collect, g);
	if (rc)
		print_message("run: %s\n", inc_run_errmsg(r));
	g->stats = *inc_run_get_stats(r);
	inc_run_destroy(r);
	inc_policy_destroy(p);
	return rc;
}

static void dump(const got *g)
{
	for (size_t i = 0; i < g->n; i++)
		print_message("  [%zu] %s | %s\n", i, g->lines[i], g->reasons[i]);
}

#define EXPECT_N(g, want)                     \
	do {                                  \
		if ((g).n != (want))          \
			dump(&(g));           \
		assert_int_equal((g).n, want); \
	} while (0)

/* ---- date arithmetic: the life of a record -------------------------------------- */

static date_t D(const char *s)
{
	date_t d;
	assert_int_equal(date_parse(&d, s, strlen(s)), 0);
	return d;
}

static void test_date_add(void **state)
{
	(void)state;
	duration m12 = {12, DUR_MONTHS}, m1 = {1, DUR_MONTHS}, m48 = {48, DUR_MONTHS};
	duration y2 = {2, DUR_YEARS}, d90 = {90, DUR_DAYS};
	/* the same day of the month N months later */
	assert_int_equal(cc_date_add(D("2025-03-10"), m12), D("2026-03-10"));
	/* 29 February + 12 months: 2025 has no 29 February: its last day, the 28th */
	assert_int_equal(cc_date_add(D("2024-02-29"), m12), D("2025-02-28"));
	/* + 48 months lands on a leap year again: 2028-02-29 exists */
	assert_int_equal(cc_date_add(D("2024-02-29"), m48), D("2028-02-29"));
	/* + 2 years is + 24 months: 2026-02-28 */
	assert_int_equal(cc_date_add(D("2024-02-29"), y2), D("2026-02-28"));
	/* month ends: 31 January + 1 month = 28 February; 31 March + 1 = 30 April */
	assert_int_equal(cc_date_add(D("2026-01-31"), m1), D("2026-02-28"));
	assert_int_equal(cc_date_add(D("2026-03-31"), m1), D("2026-04-30"));
	/* 90 days from 1 January: 31 + 28 + 31 = 90: 1 April */
	assert_int_equal(cc_date_add(D("2026-01-01"), d90), D("2026-04-01"));
	/* December + 1 month crosses the year */
	assert_int_equal(cc_date_add(D("2025-12-15"), m1), D("2026-01-15"));
}

/* ---- the active record: expiry day, 29 February ---------------------------------- */

static const char *ladder2 =
	"  - id: d\n"
	"    kind: discipline\n"
	"    on: violation\n"
	"    category: category\n"
	"    severity: severity\n"
	"    active_for: 12 months\n"
	"    steps: [verbal_warning, written_warning]\n"
	"    escalate:\n"
	"      - {count: {minor: 1}, step: verbal_warning}\n"
	"      - {count: {minor: 2}, step: written_warning}\n";

static void one_pair(const char *first, const char *second, got *g)
{
	char ev[256];
	snprintf(ev, sizeof ev,
		 "v1,%s,violation,p,,,company_rule,minor,,,,,\n"
		 "v2,%s,violation,p,,,company_rule,minor,,,,,\n",
		 first, second);
	run_in in = {ladder2, "p,Pat,L1,T,,2020-01-01,,USD\n", NULL, ev, NULL, NULL};
	assert_int_equal(run_case(&in, g), 0);
}

static void test_expiry_day(void **state)
{
	(void)state;
	got g;
	/* v1 on 2025-03-10 is active up to and including 2026-03-09; its
	 * expiry date 2026-03-10 is outside. */
	one_pair("2025-03-10", "2026-03-09", &g); /* one day before expiry: 2 active */
	EXPECT_N(g, 2);
	assert_string_equal(g.lines[0], "p verbal_warning - d v1");
	assert_string_equal(g.lines[1], "p written_warning - d v1,v2");
	assert_string_equal(g.reasons[1],
			    "written warning: 2nd active minor violation in 12 months "
			    "(v1 on 2025-03-10, v2 on 2026-03-09)");
	one_pair("2025-03-10", "2026-03-10", &g); /* on the expiry date: v1 gone */
	EXPECT_N(g, 2);
	assert_string_equal(g.lines[1], "p verbal_warning - d v2");
	assert_string_equal(g.reasons[1],
			    "verbal warning: 1st active minor violation in 12 months "
			    "(v2 on 2026-03-10)");
	one_pair("2025-03-10", "2026-03-11", &g); /* a day after: v1 gone */
	EXPECT_N(g, 2);
	assert_string_equal(g.lines[1], "p verbal_warning - d v2");
}

static void test_leap_day(void **state)
{
	(void)state;
	got g;
	/* v1 on 2024-02-29 + 12 months expires 2025-02-28 (no 29th in 2025):
	 * active up to 2025-02-27. */
	one_pair("2024-02-29", "2025-02-27", &g);
	EXPECT_N(g, 2);
	assert_string_equal(g.lines[1], "p written_warning - d v1,v2");
	one_pair("2024-02-29", "2025-02-28", &g);
	assert_string_equal(g.lines[1], "p verbal_warning - d v2");
	one_pair("2024-02-29", "2025-03-01", &g);
	assert_string_equal(g.lines[1], "p verbal_warning - d v2");
}

/* ---- accumulation, skipping by severity, per-severity lives ---------------------- */

static const char *ladder5 =
	"  - id: d\n"
	"    kind: discipline\n"
	"    on: violation\n"
	"    category: category\n"
	"    severity: severity\n"
	"    active_for: 12 months\n"
	"    steps:\n"
	"      - verbal_warning\n"
	"      - written_warning\n"
	"      - {step: fine, amount: 200.00}\n"
	"      - demotion\n"
	"      - dismissal\n"
	"    escalate:\n"
	"      - {count: {minor: 1}, step: verbal_warning}\n"
	"      - {count: {minor: 2}, step: written_warning}\n"
	"      - {count: {minor: 3}, step: fine}\n"
	"      - {count: {minor: 4}, step: demotion}\n"
	"      - {count: {serious: 1}, step: written_warning}\n"
	"      - {count: {serious: 1, minor: 2}, step: dismissal}\n"
	"      - {severity: gross, step: dismissal}\n"
	"      - {category: law, step: dismissal}\n";

static void test_accumulation(void **state)
{
	(void)state;
	got g;
	run_in in = {ladder5,
		     "a,Ann,L2,T,,2020-01-01,,USD\n"
		     "b,Bob,L1,T,,2020-01-01,,USD\n"
		     "c,Cy,L1,T,,2020-01-01,,USD\n"
		     "d,Di,L1,T,,2020-01-01,,USD\n",
		     NULL,
		     "a1,2026-01-05,violation,a,,,company_rule,minor,,,,,\n"
		     "b1,2026-01-10,violation,b,,,company_rule,serious,,,,,\n"
		     "c1,2026-01-15,violation,c,,,company_rule,gross,,,,,\n"
		     "d1,2026-01-20,violation,d,,,law,minor,,,,,\n"
		     "a2,2026-02-05,violation,a,,,duty,minor,,,,,\n"
		     "b2,2026-02-10,violation,b,,,duty,minor,,,,,\n"
		     "a3,2026-03-05,violation,a,,,duty,minor,,,,,\n"
		     "b3,2026-03-10,violation,b,,,duty,minor,,,,,\n"
		     "a4,2026-04-06,violation,a,,,duty,minor,,,,,\n",
		     NULL, NULL};
	assert_int_equal(run_case(&in, &g), 0);
	EXPECT_N(g, 9);
	/* a: 1 minor -> verbal warning */
	assert_string_equal(g.lines[0], "a verbal_warning - d a1");
	/* b: a serious violation skips the verbal warning: row {serious: 1} */
	assert_string_equal(g.lines[1], "b written_warning - d b1");
	assert_string_equal(g.reasons[1],
			    "written warning: 1st active serious violation in 12 months "
			    "(b1 on 2026-01-10)");
	/* c: gross -> straight to dismissal, effective the same day */
	assert_string_equal(g.lines[2], "c dismissal - d c1");
	assert_string_equal(g.reasons[2],
			    "dismissal: gross violation of company rule (c1 on 2026-01-15); "
			    "effective 2026-01-15: events after it earn nothing");
	/* d: any violation of the law -> dismissal */
	assert_string_equal(g.lines[3], "d dismissal - d d1");
	/* a: 2 minor -> written */
	assert_string_equal(g.lines[4], "a written_warning - d a1,a2");
	/* b: 1 serious + 1 minor: rows minor1 (verbal) and serious1 (written)
	 * hold: the most severe, written; the reason tells what counted and
	 * what came now */
	assert_string_equal(g.lines[5], "b written_warning - d b1,b2");
	assert_string_equal(g.reasons[5],
			    "written warning: 1st active serious violation in 12 months "
			    "(b1 on 2026-01-10), now a minor violation of duty (b2 on "
			    "2026-02-10)");
	/* a: 3 minor -> fine of 200.00, no limit: all deducted */
	assert_string_equal(g.lines[6], "a fine -200.00 d a1,a2,a3");
	assert_string_equal(g.reasons[6],
			    "fine: 3rd active minor violation in 12 months (a1 on 2026-01-05, "
			    "a2 on 2026-02-05, a3 on 2026-03-05); fine 200.00");
	/* b: 1 serious + 2 minor -> dismissal (row 6) */
	assert_string_equal(g.lines[7], "b dismissal - d b1,b2,b3");
	assert_string_equal(g.reasons[7],
			    "dismissal: 2 minor and 1 serious active violations in 12 months "
			    "(b1 on 2026-01-10, b2 on 2026-02-10, b3 on 2026-03-10); "
			    "effective 2026-03-10: events after it earn nothing");
	/* a: 4 minor -> demotion, L2 -> L1 from the next period (2026-07-01) */
	assert_string_equal(g.lines[8], "a demotion - d a1,a2,a3,a4");
	assert_non_null(strstr(g.reasons[8], "; L2 -> L1 from 2026-07-01"));
}

static void test_severity_lives(void **state)
{
	(void)state;
	got g;
	/* minor stays active 24 months, serious 36 */
	run_in in = {"  - id: d\n"
		     "    kind: discipline\n"
		     "    on: violation\n"
		     "    category: category\n"
		     "    severity: severity\n"
		     "    active_for: {minor: 24 months, serious: 36 months, gross: 3 years}\n"
		     "    steps: [verbal_warning, written_warning, {step: fine, amount: 100.00}]\n"
		     "    escalate:\n"
		     "      - {count: {minor: 1}, step: verbal_warning}\n"
		     "      - {count: {serious: 1}, step: written_warning}\n"
		     "      - {count: {serious: 1, minor: 1}, step: fine}\n",
		     "p,Pat,L1,T,,2020-01-01,,USD\n", NULL,
		     "s1,2024-01-15,violation,p,,,company_rule,serious,,,,,\n"
		     "m1,2024-02-01,violation,p,,,company_rule,minor,,,,,\n"
		     "m2,2026-03-01,violation,p,,,company_rule,minor,,,,,\n",
		     NULL, NULL};
	assert_int_equal(run_case(&in, &g), 0);
	EXPECT_N(g, 3);
	assert_string_equal(g.lines[0], "p written_warning - d s1");
	assert_string_equal(g.reasons[0],
			    "written warning: 1st active serious violation in 36 months "
			    "(s1 on 2024-01-15)");
	/* m1: 1 serious + 1 minor active -> fine 100.00 */
	assert_string_equal(g.lines[1], "p fine -100.00 d s1,m1");
	/* m2 on 2026-03-01: m1 expired on 2026-02-01 (24 months), s1 is active
	 * until 2027-01-15 (36 months): again 1 serious + 1 minor -> fine.
	 * With one 24-month life for all, s1 would be gone and m2 a verbal
	 * warning. */
	assert_string_equal(g.lines[2], "p fine -100.00 d s1,m2");
	assert_string_equal(g.reasons[2],
			    "fine: 1 minor and 1 serious active violations (active lives: "
			    "minor 24 months, serious 36 months) (s1 on 2024-01-15, m2 on "
			    "2026-03-01); fine 100.00");
}

static void test_progressive(void **state)
{
	(void)state;
	got g;
	/* only one row; progressive: each further active violation is one
	 * step above the most severe active one */
	run_in in = {"  - id: d\n"
		     "    kind: discipline\n"
		     "    on: violation\n"
		     "    category: category\n"
		     "    severity: severity\n"
		     "    active_for: 6 months\n"
		     "    progressive: true\n"
		     "    steps: [verbal_warning, written_warning, {step: fine, amount: 50.00}]\n"
		     "    escalate:\n"
		     "      - {count: {any: 1}, step: verbal_warning}\n",
		     "p,Pat,L1,T,,2020-01-01,,USD\n", NULL,
		     "v1,2026-01-05,violation,p,,,company_rule,minor,,,,,\n"
		     "v2,2026-02-05,violation,p,,,duty,serious,,,,,\n"
		     "v3,2026-03-05,violation,p,,,duty,minor,,,,,\n"
		     "v4,2026-03-06,violation,p,,,duty,minor,,,,,\n"
		     /* 6 months after v4 (2026-09-06) everything has expired */
		     "v5,2026-09-07,violation,p,,,duty,minor,,,,,\n",
		     NULL, NULL};
	assert_int_equal(run_case(&in, &g), 0);
	EXPECT_N(g, 5);
	assert_string_equal(g.lines[0], "p verbal_warning - d v1");
	assert_string_equal(g.lines[1], "p written_warning - d v1,v2");
	assert_string_equal(g.reasons[1],
			    "written warning: 2nd active violation in 6 months (v1 on "
			    "2026-01-05, v2 on 2026-02-05); progressive: the step after the "
			    "active verbal warning of v1 on 2026-01-05");
	assert_string_equal(g.lines[2], "p fine -50.00 d v1,v2,v3");
	/* the ladder ends at the fine: it stays there */
	assert_string_equal(g.lines[3], "p fine -50.00 d v1,v2,v3,v4");
	assert_string_equal(g.lines[4], "p verbal_warning - d v5");
}

/* ---- fines: the period limit and the carried balance ------------------------------ */

static void test_fine_limit(void **state)
{
	(void)state;
	got g;
	run_in in = {"  - id: d\n"
		     "    kind: discipline\n"
		     "    on: violation\n"
		     "    category: category\n"
		     "    severity: severity\n"
		     "    active_for: 1 year\n"
		     "    steps: [{step: fine, amount: 300.00}]\n"
		     "    fine_limit: 200.00\n",
		     "p,Pat,L1,T,,2020-01-01,,USD\nq,Quin,L1,T,,2020-01-01,,USD\n", NULL,
		     "v1,2026-01-10,violation,p,,,company_rule,minor,,,,,\n"
		     "v2,2026-02-10,violation,p,,,company_rule,minor,,,,,\n"
		     /* an event in Q3 so that Q2 closes too */
		     "x1,2026-07-01,violation,q,,,company_rule,minor,,,,,\n",
		     NULL, NULL};
	assert_int_equal(run_case(&in, &g), 0);
	EXPECT_N(g, 5);
	/* v1: fine 300.00, at most 200.00 a quarter: 200.00 now, 100.00 carried */
	assert_string_equal(g.lines[0], "p fine -200.00 d v1");
	assert_string_equal(g.reasons[0],
			    "fine: minor violation of company rule (v1 on 2026-01-10); no "
			    "escalation row applies: the first step; fine 300.00: 200.00 "
			    "deducted in 2026-Q1 (at most 200.00 a period), 100.00 carried to "
			    "the next period");
	/* v2: the quarter's 200.00 is used up: 0.00 now, balance 100 + 300 = 400 */
	assert_string_equal(g.lines[1], "p fine 0.00 d v2");
	/* Q1 close: no room left.  Q2 close: 200.00 of the 400.00 balance */
	assert_string_equal(g.lines[2], "p fine -200.00 d ");
	assert_string_equal(g.reasons[2],
			    "fine carried from an earlier period: 200.00 of 400.00 deducted in "
			    "2026-Q2 (at most 200.00 a period); 200.00 still carried");
	/* Q3: q's own fine first (200.00 of 300.00), then p's last 200.00 at
	 * Q3's close: 2 x 300.00 = 600.00 deducted in all, never more than
	 * 200.00 a quarter */
	assert_string_equal(g.lines[3], "q fine -200.00 d x1");
	assert_string_equal(g.lines[4], "p fine -200.00 d ");
}

/* ---- dismissal: later events earn nothing and are reported ------------------------- */

static void test_dismissal(void **state)
{
	(void)state;
	got g;
	run_in in = {"  - id: c\n"
		     "    kind: commission\n"
		     "    on: deal_closed\n"
		     "    rates: [{rate: 10%}]\n"
		     "  - id: d\n"
		     "    kind: discipline\n"
		     "    on: violation\n"
		     "    category: category\n"
		     "    severity: severity\n"
		     "    active_for: 12 months\n"
		     "    steps: [verbal_warning, dismissal]\n"
		     "    escalate: [{severity: gross, step: dismissal}]\n",
		     "p,Pat,L1,T,,2020-01-01,,USD\nq,Quin,L1,T,,2020-01-01,,USD\n", NULL,
		     "e1,2026-01-05,deal_closed,p,100.00,,,,,,,,\n"
		     "e2,2026-02-01,violation,p,,,law,gross,,,,,\n"
		     /* same day as the dismissal's effective date: still earns */
		     "e3,2026-02-01,deal_closed,p,200.00,,,,,,,,\n"
		     /* a day later: nothing, reported */
		     "e4,2026-02-02,deal_closed,p,300.00,,,,,,,,\n"
		     /* split with the dismissed p: q's half earns, p's not */
		     "e5,2026-02-03,deal_closed,q,100.00,q:50;p:50,,,,,,,\n",
		     NULL, NULL};
	assert_int_equal(run_case(&in, &g), 0);
	EXPECT_N(g, 4);
	assert_string_equal(g.lines[0], "p commission 10.00 c e1");
	assert_string_equal(g.lines[1], "p dismissal - d e2");
	assert_string_equal(g.lines[2], "p commission 20.00 c e3");
	/* 10% of q's 50.00 */
	assert_string_equal(g.lines[3], "q commission 5.00 c e5");
	/* e4 and p's share of e5: two reports */
	assert_int_equal(g.stats.events_after_dismissal, 2);
}

/* ---- duties from the data: a report not submitted by its due day --------------------- */

static void test_duty_report(void **state)
{
	(void)state;
	got g;
	run_in in = {"  - id: d\n"
		     "    kind: discipline\n"
		     "    on: violation\n"
		     "    category: category\n"
		     "    severity: severity\n"
		     "    active_for: 12 months\n"
		     "    steps: [verbal_warning, written_warning]\n"
		     "  - id: rep\n"
		     "    kind: duty\n"
		     "    on: sales_report\n"
		     "    every: month\n"
		     "    covers: covers\n"
		     "    due_days: 5\n"
		     "    violation: {category: duty, severity: minor}\n"
		     "    when: {person.level: L1}\n",
		     "p,Pat,L1,T,,2020-01-01,,USD\n"
		     "n,New,L1,T,,2026-01-15,,USD\n"
		     "m,Max,L2,T,,2020-01-01,,USD\n",
		     NULL,
		     /* January: due 2026-02-05.  p on the due day itself: in time.
		      * n was hired on 01-15: not due for January.  m (L2) is not
		      * subject. */
		     "r1,2026-02-05,sales_report,p,,,,,,,2026-01,,\n"
		     /* February: due 2026-03-05.  n reported early (counts); a
		      * report naming a week does not count for a month. */
		     "r2,2026-02-20,sales_report,n,,,,,,,2026-02,,\n"
		     "r3,2026-03-02,sales_report,p,,,,,,,2026-W09,,\n"
		     /* p's February report one day late: the check on 03-06 runs
		      * before it */
		     "r4,2026-03-06,sales_report,p,,,,,,,2026-02,,\n",
		     NULL, NULL};
	assert_int_equal(run_case(&in, &g), 0);
	EXPECT_N(g, 1);
	/* the decision names the duty rule that found it; the step is the
	 * discipline rule's */
	assert_string_equal(g.lines[0], "p verbal_warning - rep ");
	assert_string_equal(g.reasons[0],
			    "verbal warning: minor violation of duty (no sales_report for 2026-02 "
			    "by 2026-03-05 (rule rep), recorded 2026-03-06); no escalation row "
			    "applies: the first step (ladder of rule d)");
	/* March is due 2026-04-05: after Q1, not checked in this run */
}

/* ---- training: a deadline after hiring, hold and release -------------------------- */

static const char *hold_rules =
	"  - id: c\n"
	"    kind: commission\n"
	"    on: deal_closed\n"
	"    rates: [{rate: 10%}]\n"
	"  - id: onboarding\n"
	"    kind: training\n"
	"    on: training_completed\n"
	"    course: Onboarding\n"
	"    min_score: 70\n"
	"    within_days: 30\n"
	"    hold: [c]\n";

static void test_training_hold(void **state)
{
	(void)state;
	got g;
	/* everyone hired 2026-01-02: deadline 2026-02-01, checked 02-02 */
	run_in in = {hold_rules,
		     "a,Ann,L1,T,,2026-01-02,,USD\n"
		     "b,Bob,L1,T,,2026-01-02,,USD\n"
		     "c,Cy,L1,T,,2026-01-02,,USD\n",
		     NULL,
		     "e01,2026-01-20,deal_closed,a,100.00,,,,,,,,\n"
		     /* c: a score below 70 does not count */
		     "e02,2026-01-20,training_completed,c,,,,,Onboarding,60,,,\n"
		     /* b: on the deadline day itself: in time */
		     "e03,2026-02-01,training_completed,b,,,,,Onboarding,70,,,\n"
		     "e04,2026-02-05,deal_closed,a,200.00,,,,,,,,\n"
		     "e05,2026-02-07,deal_closed,a,300.00,,,,,,,,\n"
		     "e06,2026-02-07,deal_closed,b,50.00,,,,,,,,\n"
		     "e07,2026-02-10,training_completed,a,,,,,Onboarding,80,,,\n"
		     "e08,2026-02-12,deal_closed,a,400.00,,,,,,,,\n"
		     "e09,2026-03-01,training_completed,c,,,,,Onboarding,75,,,\n",
		     NULL, NULL};
	assert_int_equal(run_case(&in, &g), 0);
	EXPECT_N(g, 11);
	assert_string_equal(g.lines[0], "a commission 10.00 c e01");
	/* 02-02: a and c missed the deadline: holds start (0.00, a marker) */
	assert_string_equal(g.lines[1], "a hold 0.00 onboarding ");
	assert_string_equal(g.reasons[1],
			    "hold: Onboarding (score at least 70) not completed by 2026-02-01 "
			    "(30 days after the hire date 2026-01-02), rule onboarding; "
			    "payments of c held from 2026-02-02 until it is completed");
	assert_string_equal(g.lines[2], "c hold 0.00 onboarding ");
	/* a's payments are paid and held back */
	assert_string_equal(g.lines[3], "a commission 20.00 c e04");
	assert_string_equal(g.lines[4], "a hold -20.00 onboarding e04");
	assert_string_equal(g.lines[5], "a commission 30.00 c e05");
	assert_string_equal(g.lines[6], "a hold -30.00 onboarding e05");
	/* b completed in time: paid */
	assert_string_equal(g.lines[7], "b commission 5.00 c e06");
	/* a completes: 20.00 + 30.00 = 50.00 released */
	assert_string_equal(g.lines[8], "a release 50.00 onboarding e07,e04,e05");
	assert_string_equal(g.reasons[8],
			    "released 50.00 held since 2026-02-02: Onboarding completed (e07 on "
			    "2026-02-10, score 80); held payments: e04,e05");
	assert_string_equal(g.lines[9], "a commission 40.00 c e08");
	/* c earned nothing while on hold: released 0.00 */
	assert_string_equal(g.lines[10], "c release 0.00 onboarding e09");
}

/* Deadlines of two training rules, some on the same day: checked in date
 * order, and within a day in rule order, then roster order (a, b, d). */
static void test_training_order(void **state)
{
	(void)state;
	got g;
	/* t1: 30 days after hiring: a and b (hired 01-02) by 02-01, checked
	 * 02-02; d (hired 01-10) by 02-09, checked 02-10.  t2: everyone by
	 * 02-01, checked 02-02. */
	run_in in = {"  - id: c\n"
		     "    kind: commission\n"
		     "    on: deal_closed\n"
		     "    rates: [{rate: 10%}]\n"
		     "  - id: t1\n"
		     "    kind: training\n"
		     "    on: training_completed\n"
		     "    course: Onboarding\n"
		     "    within_days: 30\n"
		     "    hold: [c]\n"
		     "  - id: t2\n"
		     "    kind: training\n"
		     "    on: training_completed\n"
		     "    course: Safety\n"
		     "    by: 2026-02-01\n"
		     "    hold: [c]\n",
		     "a,Ann,L1,T,,2026-01-02,,USD\n"
		     "b,Bob,L1,T,,2026-01-02,,USD\n"
		     "d,Dee,L1,T,,2026-01-10,,USD\n",
		     NULL,
		     "e1,2026-01-20,deal_closed,a,100.00,,,,,,,,\n"
		     /* b did Safety in time: no t2 hold for b */
		     "e2,2026-01-25,training_completed,b,,,,,Safety,90,,,\n"
		     "e3,2026-02-05,deal_closed,b,20.00,,,,,,,,\n",
		     NULL, NULL};
	assert_int_equal(run_case(&in, &g), 0);
	EXPECT_N(g, 8);
	assert_string_equal(g.lines[0], "a commission 10.00 c e1");
	assert_string_equal(g.lines[1], "a hold 0.00 t1 ");
	assert_string_equal(g.lines[2], "b hold 0.00 t1 ");
	assert_string_equal(g.lines[3], "a hold 0.00 t2 ");
	assert_string_equal(g.lines[4], "d hold 0.00 t2 ");
	/* 02-05: b is paid 10% of 20.00 and it is held (t1) */
	assert_string_equal(g.lines[5], "b commission 2.00 c e3");
	assert_string_equal(g.lines[6], "b hold -2.00 t1 e3");
	/* d's t1 deadline (02-09) comes after the last event: checked when
	 * the quarter closes */
	assert_string_equal(g.lines[7], "d hold 0.00 t1 ");
}

/* ---- promotions, level by date, demotions, appraisal --------------------------------- */

static const char *career_rules =
	"  - id: c\n"
	"    kind: commission\n"
	"    on: deal_closed\n"
	"    rates:\n"
	"      - {when: {person.level: L2}, rate: 20%, label: senior}\n"
	"      - {rate: 10%, label: rep}\n"
	"  - id: b\n"
	"    kind: bonus\n"
	"    target: level\n"
	"    bands: [{from: 100%, pay: 100%}]\n"
	"  - id: cert\n"
	"    kind: training\n"
	"    on: training_completed\n"
	"    course: Negotiation\n"
	"    min_score: 70\n"
	"  - id: up\n"
	"    kind: promotion\n"
	"    from: L1\n"
	"    attainment: {at_least: 100%, periods: 1}\n"
	"    tenure_months: 12\n"
	"    training: [cert]\n"
	"    approval: {on: promotion_approved, approver: approver}\n";

/* p (L1, manager m) closes `amount` in Q1 (quota 100,000.00), then
 * 1,000.00 in Q2 (quota q2_quota). */
static void promo_case(const char *hired, const char *amount, const char *trained,
		       const char *approver, const char *q2_quota, got *g)
{
	char people[256], ev[768], quotas[128];
	snprintf(people, sizeof people,
		 "p,Pat,L1,T,m,%s,,USD\nm,Max,L2,T,,2020-01-01,,USD\n", hired);
	snprintf(ev, sizeof ev,
		 "e1,2026-01-10,deal_closed,p,%s,,,,,,,,\n"
		 "e2,%s,training_completed,p,,,,,Negotiation,82,,,\n"
		 "e3,2026-03-20,promotion_approved,p,,,,,,,,%s,\n"
		 "e4,2026-04-10,deal_closed,p,1000.00,,,,,,,,\n",
		 amount, trained, approver);
	snprintf(quotas, sizeof quotas, "p,2026-Q1,100000.00\np,2026-Q2,%s\n", q2_quota);
	run_in in = {career_rules, people, quotas, ev, NULL, NULL};
	assert_int_equal(run_case(&in, g), 0);
}

static void test_promotion(void **state)
{
	(void)state;
	got g;
	/* 100,000.00 of 100,000.00: 100% exactly; hired 2025-01-01: at L1 since
	 * then, 2025-01-01 + 12 months = 2026-01-01 <= 2026-03-31; Negotiation
	 * 82 on 2026-02-11 >= 70; approved by m, p's manager. */
	promo_case("2025-01-01", "100000.00", "2026-02-11", "m", "1000.00", &g);
	EXPECT_N(g, 5);
	/* Q1 at L1: 10% of 100,000.00 and L1's target bonus */
	assert_string_equal(g.lines[0], "p commission 10000.00 c e1");
	assert_string_equal(g.lines[1], "p bonus 1000.00 b ");
	assert_string_equal(g.lines[2], "p promotion - up e2,e3");
	assert_string_equal(g.reasons[2],
			    "promotion: L1 -> L2 from 2026-04-01: 1 consecutive quarter at or "
			    "above 100% (2026-Q1 100.00%); at L1 since 2025-01-01 (at least 12 "
			    "months); Negotiation completed (e2 on 2026-02-11, score 82, at "
			    "least 70); approved by m (e3 on 2026-03-20)");
	/* Q2 at L2: the L2 rate (20% of 1,000.00) and L2's target bonus
	 * (1,000.00 of a 1,000.00 quota: 100%) */
	assert_string_equal(g.lines[3], "p commission 200.00 c e4");
	assert_string_equal(g.lines[4], "p bonus 2000.00 b ");
}

static void test_promotion_criteria(void **state)
{
	(void)state;
	got g;
	/* Q2's quota is 2,000.00 here: 1,000.00 is 50%, no bonus, no promotion
	 * at Q2's end.  99,996.00 of 100,000.00 is 99.996%: not 100%
	 * (compared exactly) */
	promo_case("2025-01-01", "99996.00", "2026-02-11", "m", "2000.00", &g);
	EXPECT_N(g, 2); /* commission 9,999.60 in Q1 (no bonus), 100.00 at L1's 10% in Q2 */
	assert_string_equal(g.lines[0], "p commission 9999.60 c e1");
	assert_string_equal(g.lines[1], "p commission 100.00 c e4");
	/* tenure: hired 2025-03-31: + 12 months = 2026-03-31, the evaluation
	 * date itself: enough (lines: commission, bonus 1,000.00, promotion) */
	promo_case("2025-03-31", "100000.00", "2026-02-11", "m", "2000.00", &g);
	assert_string_equal(g.lines[2], "p promotion - up e2,e3");
	/* hired 2025-04-01: 12 months only on 2026-04-01: not yet */
	promo_case("2025-04-01", "100000.00", "2026-02-11", "m", "2000.00", &g);
	EXPECT_N(g, 3);
	assert_string_equal(g.lines[2], "p commission 100.00 c e4");
	/* training on the evaluation date (2026-03-31) counts */
	promo_case("2025-01-01", "100000.00", "2026-03-31", "m", "2000.00", &g);
	assert_string_equal(g.lines[2], "p promotion - up e2,e3");
	/* training the day after (2026-04-01) does not */
	promo_case("2025-01-01", "100000.00", "2026-04-01", "m", "2000.00", &g);
	EXPECT_N(g, 3);
	assert_string_equal(g.lines[2], "p commission 100.00 c e4");
	/* an approval by someone who is not p's manager does not count */
	promo_case("2025-01-01", "100000.00", "2026-02-11", "x", "2000.00", &g);
	EXPECT_N(g, 3);
	assert_string_equal(g.lines[2], "p commission 100.00 c e4");
}

static void test_demotion_and_appraisal(void **state)
{
	(void)state;
	got g;
	run_in in = {"  - id: c\n"
		     "    kind: commission\n"
		     "    on: deal_closed\n"
		     "    rates:\n"
		     "      - {when: {person.level: L2}, rate: 20%}\n"
		     "      - {rate: 10%}\n"
		     "  - id: down\n"
		     "    kind: demotion\n"
		     "    attainment: {below: 50%, periods: 2}\n"
		     "  - id: ap\n"
		     "    kind: appraisal\n"
		     "    scale: [low, meets, high]\n"
		     "    ratings:\n"
		     "      - {rating: high, attainment: {gte: 100%}}\n"
		     "      - {rating: meets, attainment: {gte: 50%}}\n"
		     "      - {rating: low}\n",
		     "p,Pat,L2,T,,2020-01-01,,USD\n",
		     "p,2026-Q1,1000.00\np,2026-Q2,1000.00\np,2026-Q3,1000.00\n",
		     /* Q1 400.00 (40%), Q2 499.99 (49.999%: below 50%), Q3 at L1 */
		     "e1,2026-01-10,deal_closed,p,400.00,,,,,,,,\n"
		     "e2,2026-04-10,deal_closed,p,499.99,,,,,,,,\n"
		     "e3,2026-07-10,deal_closed,p,100.00,,,,,,,,\n",
		     NULL, NULL};
	assert_int_equal(run_case(&in, &g), 0);
	EXPECT_N(g, 7);
	assert_string_equal(g.lines[0], "p commission 80.00 c e1"); /* 20% at L2 */
	assert_string_equal(g.lines[1], "p appraisal - ap ");
	assert_string_equal(g.reasons[1], "low: attainment 40.00%; no active discipline; "
					  "no other row applies");
	/* Q1 alone is one period below 50%: no demotion yet */
	/* 20% of 499.99 = 99.998, rounded half up to the cent: 100.00 */
	assert_string_equal(g.lines[2], "p commission 100.00 c e2");
	assert_string_equal(g.lines[3], "p appraisal - ap ");
	/* 2 consecutive quarters below 50%: L2 -> L1 from 2026-07-01 */
	assert_string_equal(g.lines[4], "p demotion - down ");
	assert_string_equal(g.reasons[4],
			    "demotion: L2 -> L1 from 2026-07-01: 2 consecutive quarters below "
			    "50% (2026-Q1 40.00%, 2026-Q2 49.99%)");
	assert_string_equal(g.lines[5], "p commission 10.00 c e3"); /* 10% at L1 */
	assert_string_equal(g.lines[6], "p appraisal - ap ");
}

/* ---- carried state: one long run == consecutive runs -------------------------------- */

static void test_state_roundtrip(void **state)
{
	(void)state;
	static got whole, q1, q2, q3;
	const char *rules =
		"  - id: c\n"
		"    kind: commission\n"
		"    on: deal_closed\n"
		"    rates: [{rate: 10%}]\n"
		"  - id: back\n"
		"    kind: clawback\n"
		"    on: refund\n"
		"    ref: ref\n"
		"    reverses: [c]\n"
		"  - id: d\n"
		"    kind: discipline\n"
		"    on: violation\n"
		"    category: category\n"
		"    severity: severity\n"
		"    active_for: 12 months\n"
		"    steps: [verbal_warning, {step: fine, amount: 300.00}]\n"
		"    fine_limit: 100.00\n"
		"    escalate: [{count: {minor: 2}, step: fine}]\n"
		"  - id: up\n"
		"    kind: promotion\n"
		"    attainment: {at_least: 100%, periods: 2}\n";
	const char *people = "p,Pat,L1,T,,2020-01-01,,USD\n";
	const char *quotas = "p,2026-Q1,100.00\np,2026-Q2,100.00\np,2026-Q3,100.00\n";
	const char *ev[3] = {
		"e1,2026-01-10,deal_closed,p,150.00,,,,,,,,\n"
		"v1,2026-02-10,violation,p,,,duty,minor,,,,,\n"
		"v2,2026-03-10,violation,p,,,duty,minor,,,,,\n",
		"e2,2026-04-10,deal_closed,p,100.00,,,,,,,,\n",
		/* a refund of Q1's deal two runs later: its record is carried */
		"f1,2026-07-05,refund,p,,,,,,,,,e1\n",
	};
	char all[512];
	snprintf(all, sizeof all, "%s%s%s", ev[0], ev[1], ev[2]);
	run_in a = {rules, people, quotas, all, NULL, "whole.json"};
	assert_int_equal(run_case(&a, &whole), 0);
	run_in b1 = {rules, people, quotas, ev[0], NULL, "q1.json"};
	assert_int_equal(run_case(&b1, &q1), 0);
	run_in b2 = {rules, people, quotas, ev[1], "q1.json", "q2.json"};
	assert_int_equal(run_case(&b2, &q2), 0);
	run_in b3 = {rules, people, quotas, ev[2], "q2.json", "q3.json"};
	assert_int_equal(run_case(&b3, &q3), 0);
	/* one run over everything:
	 * Q1: e1 10% of 150.00 = 15.00; v1: no row (it needs 2 minor): the
	 *     first step; v2: 2 minor -> fine 300.00, 100.00 a quarter: 100.00
	 *     now, 200.00 carried; nothing more at Q1's close (limit used).
	 * Q2: e2 10.00; close: 100.00 of the 200.00 balance; 2 quarters >= 100%
	 *     (150%, 100%): L1 -> L2 from 2026-07-01.
	 * Q3: f1 refunds all of e1: its 15.00 reversed; close: the last 100.00
	 *     of the balance.  L2 is the top: no more promotion. */
	EXPECT_N(whole, 8);
	assert_string_equal(whole.lines[0], "p commission 15.00 c e1");
	assert_string_equal(whole.lines[1], "p verbal_warning - d v1");
	assert_string_equal(whole.lines[2], "p fine -100.00 d v1,v2");
	assert_string_equal(whole.lines[3], "p commission 10.00 c e2");
	assert_string_equal(whole.lines[4], "p fine -100.00 d ");
	assert_string_equal(whole.lines[5], "p promotion - up ");
	assert_string_equal(whole.reasons[5],
			    "promotion: L1 -> L2 from 2026-07-01: 2 consecutive quarters at or "
			    "above 100% (2026-Q1 150.00%, 2026-Q2 100.00%)");
	assert_string_equal(whole.lines[6], "p clawback -15.00 back f1,e1");
	assert_string_equal(whole.lines[7], "p fine -100.00 d ");
	/* the same decisions, in three runs that carry the state */
	assert_int_equal(q1.n + q2.n + q3.n, whole.n);
	for (size_t i = 0; i < whole.n; i++) {
		const got *g = i < q1.n ? &q1 : i < q1.n + q2.n ? &q2 : &q3;
		size_t k = i < q1.n ? i : i < q1.n + q2.n ? i - q1.n : i - q1.n - q2.n;
		assert_string_equal(g->lines[k], whole.lines[i]);
		assert_string_equal(g->reasons[k], whole.reasons[i]);
	}
	/* and the same final state, byte for byte */
	char p1[256], p2[256], p3[256], *t1 = NULL, *t2 = NULL, *t3 = NULL;
	size_t n1 = 0, n2 = 0, n3 = 0;
	path_of(p1, sizeof p1, "whole.json");
	path_of(p2, sizeof p2, "q3.json");
	path_of(p3, sizeof p3, "q2.json");
	assert_int_equal(read_file(p1, &t1, &n1), 0);
	assert_int_equal(read_file(p2, &t2, &n2), 0);
	assert_int_equal(read_file(p3, &t3, &n3), 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(t1, t2, n1);
	/* what carried over after Q2: the level history, the record, the
	 * balance, the period history and the deal */
	assert_non_null(strstr(t3, "\"last_closed\": \"2026-Q2\""));
	assert_non_null(strstr(t3, "\"level\": \"L2\""));
	assert_non_null(strstr(t3, "\"fine_balance\": \"100.00\""));
	assert_non_null(strstr(t3, "\"step\": \"fine\""));
	assert_non_null(strstr(t3, "\"period\": \"2026-Q1\""));
	assert_non_null(strstr(t3, "\"id\": \"e1\""));
	free(t1);
	free(t2);
	free(t3);
	/* events of a period the state closed are not evaluated again */
	run_in d = {rules, people, quotas, all, "q1.json", NULL};
	got g;
	assert_int_equal(run_case(&d, &g), 0);
	assert_int_equal(g.stats.events_before_state, 3);
	assert_int_equal(g.n, q2.n + q3.n);
}

/* ---- policy checks ----------------------------------------------------------------- */

typedef struct errs {
	char text[16][300];
	size_t n;
} errs;

static void diag_keep(void *ud, const inc_diag *d)
{
	errs *e = ud;
	if (d->severity == INC_SEV_ERROR && e->n < 16)
		snprintf(e->text[e->n++], sizeof e->text[0], "%u:%u: %s%s%s", d->line, d->column,
			 d->message, d->hint ? " | " : "", d->hint ? d->hint : "");
}

static void load_bad(const char *rules, errs *e)
{
	char ppath[256];
	size_t n = strlen(head) + strlen(rules) + 1;
	char *text = malloc(n);
	assert_non_null(text);
	snprintf(text, n, "%s%s", head, rules);
	write_file("policy.yaml", text);
	free(text);
	path_of(ppath, sizeof ppath, "policy.yaml");
	inc_policy *p = NULL;
	memset(e, 0, sizeof *e);
	assert_int_equal(inc_policy_load(&p, ppath, diag_keep, e, NULL), INC_EPOLICY);
	assert_null(p);
}

static bool has_err(const errs *e, const char *s)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->text[i], s))
			return true;
	for (size_t i = 0; i < e->n; i++)
		print_message("  error: %s\n", e->text[i]);
	return false;
}

static void test_policy_errors(void **state)
{
	(void)state;
	errs e;
	/* line 36 is the first rule line after the 35-line head */
	load_bad("  - id: d\n"
		 "    kind: discipline\n"
		 "    on: violation\n"
		 "    category: category\n"
		 "    severity: severity\n"
		 "    active_for: {minor: 12 months, serious: 2 year}\n"
		 "    steps: [verbal_warning, writen_warning]\n"
		 "    escalate: [{count: {minr: 2}, step: fine}]\n",
		 &e);
	/* a misspelt step, with the hint */
	assert_true(has_err(&e, "expected one of verbal_warning, written_warning, fine, "
				"demotion, dismissal, got 'writen_warning' | did you mean "
				"'written_warning'?"));
	/* every severity needs an active life */
	assert_true(has_err(&e, "active_for: no active life for severity 'gross'"));
	assert_true(has_err(&e, "'minr' is not a severity or 'any'"));
	load_bad("  - id: t\n"
		 "    kind: training\n"
		 "    on: training_completed\n"
		 "    course: Onboarding\n"
		 "    within_days: 30\n"
		 "    hold: [comision]\n"
		 "  - id: comission\n"
		 "    kind: appraisal\n"
		 "    scale: [low, high]\n"
		 "    ratings: [{rating: hihg}]\n"
		 "  - id: r\n"
		 "    kind: duty\n"
		 "    on: sales_report\n"
		 "    every: fortnight\n"
		 "    due_days: 5\n"
		 "    violation: {category: duty, severity: minor}\n"
		 "  - id: up\n"
		 "    kind: promotion\n"
		 "    to: L3\n"
		 "    min_rating: high\n",
		 &e);
	assert_true(has_err(&e, "unknown rule 'comision' | did you mean 'comission'?"));
	assert_true(has_err(&e, "'hihg' is not a rating of the scale"));
	assert_true(has_err(&e, "expected one of week, month, quarter, year, got 'fortnight'"));
	assert_true(has_err(&e, "a duty rule records a violation, but this version has no "
				"discipline rule"));
	assert_true(has_err(&e, "unknown level 'L3' (not on the ladder)"));
	/* positions point at the value: the head ends with `rules:` on line
	 * 32, so `- id: t` is line 33 and `    hold: [comision]` line 38;
	 * the item starts at column 12 */
	assert_true(has_err(&e, "38:12: unknown rule 'comision'"));
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/inc-conduct-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	const char *names[] = {"policy.yaml", "people.csv", "quotas.csv", "events.csv",
			       "whole.json", "q1.json", "q2.json", "q3.json"};
	char path[256];
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		path_of(path, sizeof path, names[i]);
		unlink(path);
	}
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_add),
		cmocka_unit_test(test_expiry_day),
		cmocka_unit_test(test_leap_day),
		cmocka_unit_test(test_accumulation),
		cmocka_unit_test(test_severity_lives),
		cmocka_unit_test(test_progressive),
		cmocka_unit_test(test_fine_limit),
		cmocka_unit_test(test_dismissal),
		cmocka_unit_test(test_duty_report),
		cmocka_unit_test(test_training_hold),
		cmocka_unit_test(test_training_order),
		cmocka_unit_test(test_promotion),
		cmocka_unit_test(test_promotion_criteria),
		cmocka_unit_test(test_demotion_and_appraisal),
		cmocka_unit_test(test_state_roundtrip),
		cmocka_unit_test(test_policy_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
