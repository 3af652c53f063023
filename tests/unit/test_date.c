/*
 * test_date.c: unit tests for civil dates and pay periods (src/lib/date.c).
 *
 * Every expected value is worked out by hand in the comment beside it.
 * Day numbers used below:
 *   1970-01-01 = 0.
 *   2000-01-01 = 30 x 365 + 7 leap days (1972..1996) = 10957.
 *   2000-02-29 = 10957 + 31 + 28 = 11016.
 *   2100-01-01 = 10957 + 100 x 365 + 25 leap days (2000..2096) = 47482.
 *   2100-02-28 = 47482 + 31 + 27 = 47540; 2100-03-01 = 47541 (not leap).
 *   10000-01-01 = 10957 + 20 x 146097 (400-year cycles) = 2932897, so
 *   9999-12-31 = 2932896.
 *   0001-01-01 = 2001-01-01 - 5 x 146097 = (10957 + 366) - 730485
 *              = -719162.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "date.h"

static date_t P(const char *s)
{
	date_t d = 0;

	assert_int_equal(date_parse(&d, s, strlen(s)), 0);
	return d;
}

static void expect_fmt(date_t d, const char *want)
{
	char buf[11];

	date_format(buf, d);
	assert_string_equal(buf, want);
}

static void test_known_days(void **state)
{
	int y, m, d;

	(void)state;
	assert_int_equal(P("1970-01-01"), 0);
	assert_int_equal(P("1969-12-31"), -1);
	assert_int_equal(P("1970-01-02"), 1);
	assert_int_equal(P("2000-01-01"), 10957);
	assert_int_equal(P("2000-02-29"), 11016);
	assert_int_equal(P("2000-03-01"), 11017);
	assert_int_equal(P("2100-02-28"), 47540);
	assert_int_equal(P("2100-03-01"), 47541);
	assert_int_equal(P("9999-12-31"), 2932896);
	assert_int_equal(P("0001-01-01"), -719162);

	expect_fmt(0, "1970-01-01");
	expect_fmt(-1, "1969-12-31");
	expect_fmt(11016, "2000-02-29");
	expect_fmt(47540, "2100-02-28");
	expect_fmt(47541, "2100-03-01");
	expect_fmt(2932896, "9999-12-31");
	expect_fmt(-719162, "0001-01-01");

	date_to_ymd(11016, &y, &m, &d);
	assert_int_equal(y, 2000);
	assert_int_equal(m, 2);
	assert_int_equal(d, 29);
	assert_int_equal(date_from_ymd(2100, 3, 1), 47541);
}

static void test_round_trip_all(void **state)
{
	/* Every day from 0001-01-01 to 9999-12-31 formats and parses back to
	 * itself, and consecutive days are consecutive numbers. */
	date_t d, back;
	char buf[11];

	(void)state;
	for (d = -719162; d <= 2932896; d++) {
		date_format(buf, d);
		back = 0;
		assert_int_equal(date_parse(&back, buf, 10), 0);
		if (back != d)
			assert_int_equal(back, d);
	}
}

static void test_parse_strict(void **state)
{
	static const char *const bad[] = {
	    "2026-02-30", /* February has 28 days in 2026 */
	    "2025-02-29", /* 2025 is not a leap year */
	    "2100-02-29", /* 2100 is divisible by 100, not by 400 */
	    "2026-13-01", "2026-00-10",	 "2026-01-00", "2026-04-31",
	    "0000-01-01", /* year 0 is outside 1..9999 */
	    "2026-1-01",  "2026/01/01",	 "20260101",   " 2026-01-01",
	    "2026-01-0a", "2026-01-01 ", "+026-01-01", "",
	    "2026-01-1",  "-026-01-01",
	};
	date_t d = 1234;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(date_parse(&d, bad[i], strlen(bad[i])), -1);
		assert_int_equal(d, 1234); /* untouched */
	}
	/* 2024 is leap (divisible by 4, not by 100); 2000 by 400 */
	assert_int_equal(date_parse(&d, "2024-02-29", 10), 0);
	assert_int_equal(date_parse(&d, "2000-02-29", 10), 0);
	/* the length decides: 10 of "2026-01-011" is "2026-01-01" */
	assert_int_equal(date_parse(&d, "2026-01-011", 11), -1);
	assert_int_equal(date_parse(&d, "2026-01-011", 10), 0);

	assert_true(date_valid_ymd(2024, 2, 29));
	assert_false(date_valid_ymd(2023, 2, 29));
	assert_false(date_valid_ymd(10000, 1, 1));
	assert_int_equal(date_days_in_month(2024, 2), 29);
	assert_int_equal(date_days_in_month(2100, 2), 28);
	assert_int_equal(date_days_in_month(2000, 2), 29);
	assert_int_equal(date_days_in_month(2026, 4), 30);
	assert_int_equal(date_days_in_month(2026, 12), 31);
}

static void test_month(void **state)
{
	char buf[16];
	int32_t p;

	(void)state;
	/* 2026-03-15: month index 2026 x 12 + 3 - 1 = 24314 */
	p = period_of(PERIOD_MONTH, P("2026-03-15"));
	assert_int_equal(p, 24314);
	assert_int_equal(period_start(PERIOD_MONTH, p), P("2026-03-01"));
	assert_int_equal(period_end(PERIOD_MONTH, p), P("2026-03-31"));
	period_format(buf, PERIOD_MONTH, p);
	assert_string_equal(buf, "2026-03");
	/* December: 2026 x 12 + 11 = 24323, ends 2026-12-31; the next month
	 * 24324 is 2027-01 */
	p = period_of(PERIOD_MONTH, P("2026-12-31"));
	assert_int_equal(p, 24323);
	assert_int_equal(period_start(PERIOD_MONTH, p), P("2026-12-01"));
	assert_int_equal(period_end(PERIOD_MONTH, p), P("2026-12-31"));
	assert_int_equal(period_start(PERIOD_MONTH, p + 1), P("2027-01-01"));
	period_format(buf, PERIOD_MONTH, p);
	assert_string_equal(buf, "2026-12");
	period_format(buf, PERIOD_MONTH, p + 1);
	assert_string_equal(buf, "2027-01");
	/* February 2024 ends on the 29th, February 2100 on the 28th */
	assert_int_equal(period_end(PERIOD_MONTH, 2024 * 12 + 1),
			 P("2024-02-29"));
	assert_int_equal(period_end(PERIOD_MONTH, 2100 * 12 + 1),
			 P("2100-02-28"));
}

static void test_quarter(void **state)
{
	char buf[16];
	int32_t p;

	(void)state;
	/* 2026-02-10 is Q1: 2026 x 4 + 0 = 8104; 2026-01-01..2026-03-31 */
	p = period_of(PERIOD_QUARTER, P("2026-02-10"));
	assert_int_equal(p, 8104);
	assert_int_equal(period_start(PERIOD_QUARTER, p), P("2026-01-01"));
	assert_int_equal(period_end(PERIOD_QUARTER, p), P("2026-03-31"));
	period_format(buf, PERIOD_QUARTER, p);
	assert_string_equal(buf, "2026-Q1");
	/* 2026-03-31 is still Q1, 2026-04-01 is Q2 (8105) */
	assert_int_equal(period_of(PERIOD_QUARTER, P("2026-03-31")), 8104);
	assert_int_equal(period_of(PERIOD_QUARTER, P("2026-04-01")), 8105);
	/* Q4: 2026-11-20 -> 2026 x 4 + 3 = 8107; 2026-10-01..2026-12-31 */
	p = period_of(PERIOD_QUARTER, P("2026-11-20"));
	assert_int_equal(p, 8107);
	assert_int_equal(period_start(PERIOD_QUARTER, p), P("2026-10-01"));
	assert_int_equal(period_end(PERIOD_QUARTER, p), P("2026-12-31"));
	period_format(buf, PERIOD_QUARTER, p);
	assert_string_equal(buf, "2026-Q4");
	/* the quarter after 2026-Q4 is 2027-Q1 starting 2027-01-01 */
	assert_int_equal(period_start(PERIOD_QUARTER, p + 1), P("2027-01-01"));
	period_format(buf, PERIOD_QUARTER, p + 1);
	assert_string_equal(buf, "2027-Q1");
	/* Q1 2024 ends on 2024-03-31 (leap February inside) */
	assert_int_equal(period_end(PERIOD_QUARTER, 2024 * 4), P("2024-03-31"));
}

static void test_year(void **state)
{
	char buf[16];
	int32_t p;

	(void)state;
	p = period_of(PERIOD_YEAR, P("2026-12-31"));
	assert_int_equal(p, 2026);
	assert_int_equal(period_start(PERIOD_YEAR, p), P("2026-01-01"));
	assert_int_equal(period_end(PERIOD_YEAR, p), P("2026-12-31"));
	period_format(buf, PERIOD_YEAR, p);
	assert_string_equal(buf, "2026");
	/* 9999 ends on the last parseable day */
	assert_int_equal(period_end(PERIOD_YEAR, 9999), 2932896);
	assert_int_equal(period_end(PERIOD_MONTH, 9999 * 12 + 11), 2932896);
	assert_int_equal(period_end(PERIOD_QUARTER, 9999 * 4 + 3), 2932896);
}

static void test_period_parse(void **state)
{
	static const struct {
		period_kind k;
		const char *s;
	} bad[] = {
	    {PERIOD_MONTH, "2026-13"},	 {PERIOD_MONTH, "2026-00"},
	    {PERIOD_MONTH, "2026-3"},	 {PERIOD_MONTH, "2026"},
	    {PERIOD_MONTH, "2026-Q1"},	 {PERIOD_MONTH, "2026-03-01"},
	    {PERIOD_QUARTER, "2026-Q5"}, {PERIOD_QUARTER, "2026-Q0"},
	    {PERIOD_QUARTER, "2026-03"}, {PERIOD_QUARTER, "2026Q1"},
	    {PERIOD_QUARTER, "2026-Q"},	 {PERIOD_YEAR, "26"},
	    {PERIOD_YEAR, "2026-03"},	 {PERIOD_YEAR, "0000"},
	    {PERIOD_YEAR, "20x6"},	 {PERIOD_YEAR, ""},
	};
	int32_t p = 77;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		    period_parse(&p, bad[i].k, bad[i].s, strlen(bad[i].s)), -1);
		assert_int_equal(p, 77);
	}
	/* 2026-03 -> 24314; 2026-Q1 and 2026-q1 -> 8104; 2026-Q4 -> 8107;
	 * 2026 -> 2026 */
	assert_int_equal(period_parse(&p, PERIOD_MONTH, "2026-03", 7), 0);
	assert_int_equal(p, 24314);
	assert_int_equal(period_parse(&p, PERIOD_QUARTER, "2026-Q1", 7), 0);
	assert_int_equal(p, 8104);
	assert_int_equal(period_parse(&p, PERIOD_QUARTER, "2026-q1", 7), 0);
	assert_int_equal(p, 8104);
	assert_int_equal(period_parse(&p, PERIOD_QUARTER, "2026-Q4", 7), 0);
	assert_int_equal(p, 8107);
	assert_int_equal(period_parse(&p, PERIOD_YEAR, "2026", 4), 0);
	assert_int_equal(p, 2026);
}

static void test_period_kind(void **state)
{
	period_kind k = PERIOD_YEAR;

	(void)state;
	assert_int_equal(period_kind_parse(&k, "month"), 0);
	assert_int_equal(k, PERIOD_MONTH);
	assert_int_equal(period_kind_parse(&k, "quarter"), 0);
	assert_int_equal(k, PERIOD_QUARTER);
	assert_int_equal(period_kind_parse(&k, "year"), 0);
	assert_int_equal(k, PERIOD_YEAR);
	assert_int_equal(period_kind_parse(&k, "weekly"), -1);
	assert_int_equal(period_kind_parse(&k, "Month"), -1);
	assert_int_equal(period_kind_parse(&k, NULL), -1);
	assert_string_equal(period_kind_name(PERIOD_MONTH), "month");
	assert_string_equal(period_kind_name(PERIOD_QUARTER), "quarter");
	assert_string_equal(period_kind_name(PERIOD_YEAR), "year");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_days),
	    cmocka_unit_test(test_round_trip_all),
	    cmocka_unit_test(test_parse_strict),
	    cmocka_unit_test(test_month),
	    cmocka_unit_test(test_quarter),
	    cmocka_unit_test(test_year),
	    cmocka_unit_test(test_period_parse),
	    cmocka_unit_test(test_period_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
