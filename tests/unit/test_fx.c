/*
 * test_fx.c: the exchange-rate table (fx.c): reading a rates file (good
 * and bad lines, duplicates), and lookups by exact date or the latest
 * rate on or before a date.  No policy is needed: currency codes are
 * checked against ISO 4217.  Every expected value is worked out in the
 * comment next to it.
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

#include "fx.h"

typedef struct seen {
	char msgs[16][256];
	uint32_t lines[16];
	size_t n;
} seen;

static void collect(void *ud, const inc_diag *d)
{
	seen *s = ud;
	if (s->n < 16) {
		snprintf(s->msgs[s->n], sizeof s->msgs[0], "%s", d->message);
		s->lines[s->n++] = d->line;
	}
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/test_fx_XXXXXX.csv");
	int fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static dec D(const char *s)
{
	dec d;
	assert_int_equal(dec_parse(&d, s, strlen(s), false), DEC_OK);
	return d;
}

static date_t day(const char *s)
{
	date_t d;
	assert_int_equal(date_parse(&d, s, strlen(s)), 0);
	return d;
}

static void test_lookup(void **state)
{
	(void)state;
	/* out of order on purpose: the index sorts by pair, then date */
	char *path = write_tmp("date,from,to,rate\n"
			       "2026-01-07,EUR,USD,1.0865\n"
			       "2026-01-05,EUR,USD,1.25\n"
			       "2026-01-05,USD,EUR,0.8\n"
			       "2026-01-06,JPY,USD,0.006667\n");
	fx_rates *r = NULL;
	seen s = {0};
	input_ctx ctx = {.diag = collect, .ud = &s};
	uint64_t ok = 0, bad = 0;
	dec rate;
	date_t on;

	assert_int_equal(fx_create(&r), 0);
	assert_int_equal(fx_load(r, &ctx, path, &ok, &bad), 0);
	assert_int_equal(ok, 4);
	assert_int_equal(bad, 0);
	assert_int_equal(fx_count(r), 4);
	/* exact date */
	assert_true(fx_lookup(r, "EUR", "USD", day("2026-01-05"), false, &rate, &on));
	assert_int_equal(dec_cmp(rate, D("1.25")), 0);
	assert_int_equal(on, day("2026-01-05"));
	/* 2026-01-06 has no EUR->USD rate: none exactly ... */
	assert_false(fx_lookup(r, "EUR", "USD", day("2026-01-06"), false, &rate, &on));
	/* ... and with latest, the 2026-01-05 one */
	assert_true(fx_lookup(r, "EUR", "USD", day("2026-01-06"), true, &rate, &on));
	assert_int_equal(dec_cmp(rate, D("1.25")), 0);
	assert_int_equal(on, day("2026-01-05"));
	/* a later date takes the 2026-01-07 rate */
	assert_true(fx_lookup(r, "EUR", "USD", day("2026-03-31"), true, &rate, &on));
	assert_int_equal(dec_cmp(rate, D("1.0865")), 0);
	/* before the first rate of the pair: nothing, even with latest */
	assert_false(fx_lookup(r, "EUR", "USD", day("2026-01-04"), true, &rate, &on));
	/* a pair is never inverted: USD->JPY is not JPY->USD */
	assert_false(fx_lookup(r, "USD", "JPY", day("2026-01-06"), true, &rate, &on));
	/* the neighbour pair in the index does not leak: EUR->JPY does not
	 * exist, though EUR->USD sorts right after where it would be */
	assert_false(fx_lookup(r, "EUR", "JPY", day("2026-01-07"), true, &rate, &on));
	fx_destroy(r);
	unlink(path);
	free(path);
}

static void test_bad_lines(void **state)
{
	(void)state;
	char *path = write_tmp("date,from,to,rate\n"
			       "2026-01-05,EUR,USD,1.25\n"	/* line 2: good */
			       "2026-01-05,EUR,USD,1.26\n"	/* 3: duplicate */
			       "2026-01-06,EUR,EUR,1\n"		/* 4: same code */
			       "2026-01-07,EUR,XYZ,1\n"		/* 5: unknown code */
			       "2026-01-08,EUR,USD,0\n"		/* 6: not above 0 */
			       "2026-02-30,EUR,USD,1\n"		/* 7: no such date */
			       "2026-01-09,EUR,USD,\n"		/* 8: missing */
			       "2026-01-10,eur,USD,1.1\n");	/* 9: lower case */
	fx_rates *r = NULL;
	seen s = {0};
	input_ctx ctx = {.diag = collect, .ud = &s};
	uint64_t ok = 0, bad = 0;

	assert_int_equal(fx_create(&r), 0);
	assert_int_equal(fx_load(r, &ctx, path, &ok, &bad), 0);
	/* one good line, seven bad ones, each reported with its line */
	assert_int_equal(ok, 1);
	assert_int_equal(bad, 7);
	assert_int_equal(s.n, 7);
	assert_int_equal(s.lines[0], 3);
	assert_non_null(strstr(s.msgs[0], "duplicate EUR->USD rate for 2026-01-05"));
	assert_string_equal(s.msgs[1], "from and to are both EUR");
	assert_string_equal(s.msgs[2], "to 'XYZ' is not a currency code the policy knows");
	assert_string_equal(s.msgs[3], "rate 0 must be greater than 0");
	assert_int_equal(s.lines[4], 7);
	assert_string_equal(s.msgs[5], "missing 'rate'");
	assert_string_equal(s.msgs[6], "from 'eur' is not a currency code the policy knows");
	fx_destroy(r);
	unlink(path);
	free(path);
}

static void test_header(void **state)
{
	(void)state;
	char *path = write_tmp("date,from,to\n2026-01-05,EUR,USD\n");
	fx_rates *r = NULL;
	input_ctx ctx = {0};
	uint64_t ok = 0, bad = 0;

	assert_int_equal(fx_create(&r), 0);
	/* no rate column: the file cannot be used at all */
	assert_int_equal(fx_load(r, &ctx, path, &ok, &bad), INC_EINPUT);
	assert_non_null(ctx.errmsg);
	assert_non_null(strstr(ctx.errmsg, "the header has no 'rate' column"));
	free(ctx.errmsg);
	/* a missing file too */
	ctx.errmsg = NULL;
	assert_int_equal(fx_load(r, &ctx, "/nonexistent/rates.csv", &ok, &bad), INC_EINPUT);
	free(ctx.errmsg);
	fx_destroy(r);
	fx_destroy(NULL); /* NULL-safe */
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
