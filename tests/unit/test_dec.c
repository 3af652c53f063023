/*
 * test_dec.c: unit tests for the exact decimal module (src/lib/dec.c).
 *
 * Every expected value is worked out by hand in the comment beside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dec.h"

#define E18 ((dec_i128)1000000000000000000LL)

/* Parses s (which must be valid) into a dec. */
static dec D(const char *s)
{
	dec d = {0, 0};

	assert_int_equal(dec_parse(&d, s, strlen(s), true), DEC_OK);
	return d;
}

static dec mk(dec_i128 coef, int32_t scale)
{
	dec d = {coef, scale};
	return d;
}

/* Formats with no padding and no grouping and compares with want. */
static void expect_str(dec a, const char *want)
{
	char buf[64];
	size_t n = dec_format(buf, sizeof(buf), a, 0, false);

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

/* Same value and same scale. */
static void expect_same(dec a, dec b)
{
	assert_true(a.coef == b.coef);
	assert_int_equal(a.scale, b.scale);
}

static void test_add_exact(void **state)
{
	dec r;

	(void)state;
	/* 0.10 + 0.20: coefs 10 + 20 = 30 at scale 2 -> 0.30 exactly. */
	assert_int_equal(dec_add(&r, D("0.10"), D("0.20")), DEC_OK);
	expect_same(r, mk(30, 2));
	assert_int_equal(dec_cmp(r, D("0.3")), 0);
	expect_str(r, "0.30");
	/* 1.5 + 0.25: 1.5 aligns to 150 at scale 2, 150 + 25 = 175 -> 1.75 */
	assert_int_equal(dec_add(&r, D("1.5"), D("0.25")), DEC_OK);
	expect_same(r, mk(175, 2));
	/* 1 - 0.01 = 0.99: 100 - 1 = 99 at scale 2 */
	assert_int_equal(dec_sub(&r, D("1"), D("0.01")), DEC_OK);
	expect_same(r, mk(99, 2));
	/* 0.01 - 1 = -0.99 */
	assert_int_equal(dec_sub(&r, D("0.01"), D("1")), DEC_OK);
	expect_str(r, "-0.99");
	/* 10^19 * 10^19 = 10^38 fits (< 2^127 ~ 1.7e38); 10^38 + 10^38 =
	 * 2e38 does not. */
	assert_int_equal(dec_mul(&r, mk(10 * E18, 0), mk(10 * E18, 0)), DEC_OK);
	assert_true(r.coef == E18 * E18 * 100);
	assert_int_equal(dec_add(&r, r, r), DEC_EOVERFLOW);
	/* Aligning 10^37 (scale 0) to scale 2 needs 10^39: overflow. */
	assert_int_equal(dec_add(&r, mk(E18 * E18 * 10, 0), D("0.01")),
			 DEC_EOVERFLOW);
}

static void test_round_modes(void **state)
{
	dec r;

	(void)state;
	/* 61.725 to 2 decimals is a tie between 61.72 and 61.73.
	 * half_even picks the even last digit 2 -> 61.72;
	 * half_up goes away from zero -> 61.73. */
	assert_int_equal(dec_round(&r, D("61.725"), 2, DEC_HALF_EVEN), DEC_OK);
	expect_same(r, mk(6172, 2));
	assert_int_equal(dec_round(&r, D("61.725"), 2, DEC_HALF_UP), DEC_OK);
	expect_same(r, mk(6173, 2));
	/* -61.725 half_up: away from zero -> -61.73 */
	assert_int_equal(dec_round(&r, D("-61.725"), 2, DEC_HALF_UP), DEC_OK);
	expect_same(r, mk(-6173, 2));
	/* -61.725 half_even -> -61.72 (2 is even) */
	assert_int_equal(dec_round(&r, D("-61.725"), 2, DEC_HALF_EVEN), DEC_OK);
	expect_same(r, mk(-6172, 2));
	/* half_even at scale 0: 2.5 -> 2 (even), 3.5 -> 4 (even),
	 * -2.5 -> -2, 2.51 -> 3 (above the tie). */
	assert_int_equal(dec_round(&r, D("2.5"), 0, DEC_HALF_EVEN), DEC_OK);
	expect_same(r, mk(2, 0));
	assert_int_equal(dec_round(&r, D("3.5"), 0, DEC_HALF_EVEN), DEC_OK);
	expect_same(r, mk(4, 0));
	assert_int_equal(dec_round(&r, D("-2.5"), 0, DEC_HALF_EVEN), DEC_OK);
	expect_same(r, mk(-2, 0));
	assert_int_equal(dec_round(&r, D("2.51"), 0, DEC_HALF_EVEN), DEC_OK);
	expect_same(r, mk(3, 0));
	/* down truncates toward zero: 1.999 -> 1.99, -1.999 -> -1.99 */
	assert_int_equal(dec_round(&r, D("1.999"), 2, DEC_DOWN), DEC_OK);
	expect_same(r, mk(199, 2));
	assert_int_equal(dec_round(&r, D("-1.999"), 2, DEC_DOWN), DEC_OK);
	expect_same(r, mk(-199, 2));
	/* floor goes toward -inf: 1.999 -> 1.99, -1.991 -> -2.00,
	 * -1.99 (exact) stays -1.99 */
	assert_int_equal(dec_round(&r, D("1.999"), 2, DEC_FLOOR), DEC_OK);
	expect_same(r, mk(199, 2));
	assert_int_equal(dec_round(&r, D("-1.991"), 2, DEC_FLOOR), DEC_OK);
	expect_same(r, mk(-200, 2));
	assert_int_equal(dec_round(&r, D("-1.990"), 2, DEC_FLOOR), DEC_OK);
	expect_same(r, mk(-199, 2));
	/* Larger scale is an exact rescale: 1.5 at scale 4 -> coef 15000 */
	assert_int_equal(dec_round(&r, D("1.5"), 4, DEC_HALF_UP), DEC_OK);
	expect_same(r, mk(15000, 4));
	/* -0.004 half_up at 2 -> 0 (no negative zero): "0.00" */
	assert_int_equal(dec_round(&r, D("-0.004"), 2, DEC_HALF_UP), DEC_OK);
	assert_true(r.coef == 0);
	expect_str(r, "0.00");
	/* Target scales outside 0..30 are refused. */
	assert_int_equal(dec_round(&r, D("1"), 31, DEC_HALF_UP), DEC_EOVERFLOW);
	assert_int_equal(dec_round(&r, D("1"), -1, DEC_HALF_UP), DEC_EOVERFLOW);
}

static void test_commission_and_refund(void **state)
{
	dec p, r;

	(void)state;
	/* 12345.67 x 0.085: 1234567 x 85 = 98765360 + 6172835 = 104938195
	 * at scale 2 + 3 = 5 -> 1049.38195 */
	assert_int_equal(dec_mul(&p, D("12345.67"), D("0.085")), DEC_OK);
	expect_same(p, mk(104938195, 5));
	/* third decimal is 1: half_up -> 1049.38 */
	assert_int_equal(dec_round(&r, p, 2, DEC_HALF_UP), DEC_OK);
	expect_same(r, mk(104938, 2));
	/* The refund: -12345.67 x 0.085 = -1049.38195 -> -1049.38, the exact
	 * negation of the sale's commission. */
	assert_int_equal(dec_mul(&p, D("-12345.67"), D("0.085")), DEC_OK);
	expect_same(p, mk(-104938195, 5));
	assert_int_equal(dec_round(&r, p, 2, DEC_HALF_UP), DEC_OK);
	expect_same(r, mk(-104938, 2));
	expect_str(r, "-1049.38");
	/* Same under half_even (not a tie): -1049.38 */
	assert_int_equal(dec_round(&r, p, 2, DEC_HALF_EVEN), DEC_OK);
	expect_same(r, mk(-104938, 2));
}

static void test_mul_no_overflow(void **state)
{
	dec p;

	(void)state;
	/* 999999999999.99 x 0.123456: coef (10^14 - 1) x 123456
	 *   = 12345600000000000000 - 123456 = 12345599999999876544, scale 8
	 *   = 123455999999.99876544
	 * (check: 10^12 x 0.123456 = 123456000000, minus
	 *  0.01 x 0.123456 = 0.00123456) */
	assert_int_equal(dec_mul(&p, D("999999999999.99"), D("0.123456")),
			 DEC_OK);
	expect_same(p, D("123455999999.99876544"));
	/* x 1.5: 123455999999.99876544 + 61727999999.99938272
	 *   = 185183999999.99814816, coef x 15 at scale 9
	 *   = 185183999999.998148160 */
	assert_int_equal(dec_mul(&p, p, D("1.5")), DEC_OK);
	expect_same(p, D("185183999999.998148160"));
	/* x 2 = 370367999999.996296320 (scale 9 + 0) */
	assert_int_equal(dec_mul(&p, p, D("2")), DEC_OK);
	expect_same(p, D("370367999999.996296320"));
	expect_str(p, "370367999999.996296320");
	/* rounded half_up to cents: third decimal 6 -> 370368000000.00 */
	assert_int_equal(dec_round(&p, p, 2, DEC_HALF_UP), DEC_OK);
	expect_same(p, mk((dec_i128)37036800000000LL, 2));
}

static void test_mul_overflow(void **state)
{
	dec p = mk(42, 1);

	(void)state;
	/* 10^35 x 10^5 = 10^40 > 2^127 - 1 (~1.7 x 10^38): reported, not
	 * wrapped, and the output is left alone. */
	assert_int_equal(
	    dec_mul(&p, D("100000000000000000000000000000000000"), D("100000")),
	    DEC_EOVERFLOW);
	expect_same(p, mk(42, 1));
	/* Negative side too: -10^35 x 10^5 */
	assert_int_equal(dec_mul(&p, D("-100000000000000000000000000000000000"),
				 D("100000")),
			 DEC_EOVERFLOW);
	/* 10^35 x 10^3 = 10^38 still fits. */
	assert_int_equal(
	    dec_mul(&p, D("100000000000000000000000000000000000"), D("1000")),
	    DEC_OK);
	assert_true(p.coef == E18 * E18 * 100);
	/* Scale 20 + 20 = 40 > 30 with non-zero last digit: overflow, never
	 * rounded. */
	assert_int_equal(dec_mul(&p, D("0.00000000000000000001"),
				 D("0.00000000000000000003")),
			 DEC_EOVERFLOW);
	/* 1.0000000000000000000 (coef 10^19, scale 19) x 0.000000000001
	 * (scale 12): scale 31, but the product 10^19 x 10^-31 = 10^-12 is
	 * exact at scale 30 once one trailing zero goes. */
	assert_int_equal(
	    dec_mul(&p, D("1.0000000000000000000"), D("0.000000000001")),
	    DEC_OK);
	assert_true(p.scale <= DEC_MAX_SCALE);
	assert_int_equal(dec_cmp(p, D("0.000000000001")), 0);
}

static void test_div(void **state)
{
	dec q;

	(void)state;
	/* 1/3 = 0.333333|33.. -> 0.333333 at scale 6 */
	assert_int_equal(dec_div(&q, D("1"), D("3"), 6, DEC_HALF_UP), DEC_OK);
	expect_same(q, mk(333333, 6));
	/* 2/3 = 0.666666|66.. half_up -> 0.666667; down -> 0.666666 */
	assert_int_equal(dec_div(&q, D("2"), D("3"), 6, DEC_HALF_UP), DEC_OK);
	expect_same(q, mk(666667, 6));
	assert_int_equal(dec_div(&q, D("2"), D("3"), 6, DEC_DOWN), DEC_OK);
	expect_same(q, mk(666666, 6));
	/* -2/3 -> -0.666667 (half_up); -1/3 floor -> -0.333334 */
	assert_int_equal(dec_div(&q, D("-2"), D("3"), 6, DEC_HALF_UP), DEC_OK);
	expect_same(q, mk(-666667, 6));
	assert_int_equal(dec_div(&q, D("-1"), D("3"), 6, DEC_FLOOR), DEC_OK);
	expect_same(q, mk(-333334, 6));
	/* 104000/100000 = 1.04 exactly */
	assert_int_equal(dec_div(&q, D("104000"), D("100000"), 2, DEC_HALF_UP),
			 DEC_OK);
	expect_same(q, mk(104, 2));
	/* attainment 99.996%: 99996/100000 = 0.99996 at scale 6 -> 0.999960,
	 * not equal to 1 */
	assert_int_equal(dec_div(&q, D("99996"), D("100000"), 6, DEC_HALF_UP),
			 DEC_OK);
	expect_same(q, mk(999960, 6));
	assert_int_equal(dec_cmp(q, D("1")), -1);
	/* 0.125 / 0.5 = 0.25; at scale 1 tie: half_even -> 0.2, half_up 0.3 */
	assert_int_equal(dec_div(&q, D("0.125"), D("0.5"), 1, DEC_HALF_EVEN),
			 DEC_OK);
	expect_same(q, mk(2, 1));
	assert_int_equal(dec_div(&q, D("0.125"), D("0.5"), 1, DEC_HALF_UP),
			 DEC_OK);
	expect_same(q, mk(3, 1));
	/* divide by zero */
	assert_int_equal(dec_div(&q, D("1"), D("0.00"), 2, DEC_HALF_UP),
			 DEC_EDIVZERO);
}

static void test_div_long(void **state)
{
	dec q, three = mk(3 * E18 * 1000000000000LL, 30); /* 3.000..(30) */

	(void)state;
	/* 1 / 3.000000000000000000000000000000 at scale 30 needs
	 * 1 x 10^60 / (3 x 10^30): the numerator does not fit 128 bits, so
	 * this is the digit-by-digit path.  Quotient 0.(30 threes),
	 * remainder 10^30 < half of 3 x 10^30: no round-up. */
	assert_int_equal(dec_div(&q, D("1"), three, 30, DEC_HALF_UP), DEC_OK);
	expect_str(q, "0.333333333333333333333333333333");
	/* 2/3 -> 0.(29 sixes)7 half_up */
	assert_int_equal(dec_div(&q, D("2"), three, 30, DEC_HALF_UP), DEC_OK);
	expect_str(q, "0.666666666666666666666666666667");
	/* 7 / (10^38 x 10^-30 = 10^8) = 0.00000007 -> coef 7 x 10^22 at
	 * scale 30.  The divisor 10^38 > 2^128 / 10, so 10 x remainder
	 * would not fit: exercises the overflow-free digit step. */
	assert_int_equal(
	    dec_div(&q, D("7"), mk(E18 * E18 * 100, 30), 30, DEC_HALF_UP),
	    DEC_OK);
	assert_true(q.coef == (dec_i128)7 * 10000 * E18);
	assert_int_equal(q.scale, 30);
	/* Negative target exponent: 2.000..(30 zeros) / 3 at scale 0:
	 * 0.67 -> 1 half_up; 1.000..(30) / 3 = 0.33 -> 0 */
	assert_int_equal(dec_div(&q, mk(2 * E18 * 1000000000000LL, 30), D("3"),
				 0, DEC_HALF_UP),
			 DEC_OK);
	expect_same(q, mk(1, 0));
	assert_int_equal(
	    dec_div(&q, mk(E18 * 1000000000000LL, 30), D("3"), 0, DEC_HALF_UP),
	    DEC_OK);
	expect_same(q, mk(0, 0));
	/* 5 x 10^-30 / 10^37 at scale 0: the scaled divisor 10^67 does not
	 * fit; the quotient is a tiny positive/negative number: half_up -> 0,
	 * floor of the negative one -> -1. */
	assert_int_equal(
	    dec_div(&q, mk(5, 30), mk(E18 * E18 * 10, 0), 0, DEC_HALF_UP),
	    DEC_OK);
	expect_same(q, mk(0, 0));
	assert_int_equal(
	    dec_div(&q, mk(-5, 30), mk(E18 * E18 * 10, 0), 0, DEC_FLOOR),
	    DEC_OK);
	expect_same(q, mk(-1, 0));
	/* A quotient that cannot fit: 10^35 / 10^-30 at scale 30 */
	assert_int_equal(dec_div(&q, D("100000000000000000000000000000000000"),
				 mk(1, 30), 30, DEC_HALF_UP),
			 DEC_EOVERFLOW);
}

static void test_cmp(void **state)
{
	/* 10^9 at scale 0 vs 99999999.999999999999999999999999999999
	 * (coef 10^38 - 1, scale 30): aligning 10^9 to scale 30 needs 10^39,
	 * which does not fit, so the integer parts are compared: 10^9 >
	 * 99999999. */
	dec big = mk(1000000000, 0);
	dec frac = mk(E18 * E18 * 100 - 1, 30);

	(void)state;
	assert_int_equal(dec_cmp(big, frac), 1);
	assert_int_equal(dec_cmp(frac, big), -1);
	assert_int_equal(dec_cmp(dec_neg(big), dec_neg(frac)), -1);
	/* 1 (scale 0) < 1.000000000000000000000000000001 (scale 30) */
	assert_int_equal(dec_cmp(D("1"), D("1.000000000000000000000000000001")),
			 -1);
	assert_int_equal(dec_cmp(D("1.000000000000000000000000000001"), D("1")),
			 1);
	/* same integer part, fractions 0.5 vs 0.49 (scale 1 vs 2) */
	assert_int_equal(dec_cmp(D("7.5"), D("7.49")), 1);
	/* -7.5 < -7.49 */
	assert_int_equal(dec_cmp(D("-7.5"), D("-7.49")), -1);
	/* -0.5 < 0.25 across the sign with integer parts both 0 */
	assert_int_equal(dec_cmp(D("-0.5"), D("0.25")), -1);
	/* equal values at different scales */
	assert_int_equal(dec_cmp(D("1.50"), D("1.5")), 0);
	assert_int_equal(dec_cmp(D("0"), D("-0.000")), 0);
	assert_int_equal(dec_sign(D("-0.01")), -1);
	assert_int_equal(dec_sign(D("0.00")), 0);
	assert_int_equal(dec_sign(D("3")), 1);
}

static void test_parse(void **state)
{
	static const char *const bad[] = {
	    "",	   "-",	   ".",	  "1.",	 ".5",	  "-.5", "+1",
	    " 1",  "1 ",   "1e3", "1E3", "1,000", "--1", "1.2.3",
	    "abc", "0x10", "%",	  "5%%", "-%",	  "1.%", "1-",
	};
	dec d = mk(42, 1);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dec_parse(&d, bad[i], strlen(bad[i]), true),
				 DEC_ESYNTAX);
		expect_same(d, mk(42, 1)); /* untouched on failure */
	}
	/* '%' only with allow_percent */
	assert_int_equal(dec_parse(&d, "5%", 2, false), DEC_ESYNTAX);
	/* the length bounds the input: "12" of "123" */
	assert_int_equal(dec_parse(&d, "123", 2, false), DEC_OK);
	expect_same(d, mk(12, 0));
	/* an embedded NUL is not a digit */
	assert_int_equal(dec_parse(&d, "1\0002", 3, false), DEC_ESYNTAX);

	/* accepted forms */
	expect_same(D("0.5"), mk(5, 1));
	expect_same(D("-0.5"), mk(-5, 1));
	expect_same(D("007"), mk(7, 0));
	expect_same(D("-0"), mk(0, 0));
	expect_same(D("12345.6700"), mk(123456700, 4));

	/* 36 significant digits are fine, 37 are too many */
	assert_int_equal(
	    dec_parse(&d, "123456789012345678901234567890123456", 36, false),
	    DEC_OK);
	assert_int_equal(
	    dec_parse(&d, "1234567890123456789012345678901234567", 37, false),
	    DEC_EOVERFLOW);
	/* leading zeros do not count: 40 chars, 1 significant digit */
	assert_int_equal(dec_parse(&d,
				   "0000000000000000000000000000000000000001",
				   40, false),
			 DEC_OK);
	expect_same(d, mk(1, 0));
	/* 0.(29 zeros)1 has scale 30: ok; one more decimal is scale 31 */
	assert_int_equal(
	    dec_parse(&d, "0.000000000000000000000000000001", 32, false),
	    DEC_OK);
	expect_same(d, mk(1, 30));
	assert_int_equal(
	    dec_parse(&d, "0.0000000000000000000000000000001", 33, false),
	    DEC_EOVERFLOW);
	/* 29 decimals + '%' -> scale 31: overflow */
	assert_int_equal(
	    dec_parse(&d, "0.00000000000000000000000000001%", 32, true),
	    DEC_EOVERFLOW);
}

static void test_percent_parse(void **state)
{
	(void)state;
	/* 8.5% = coef 85 at scale 1 + 2 = 3 -> 0.085 */
	expect_same(D("8.5%"), mk(85, 3));
	assert_int_equal(dec_cmp(D("8.5%"), D("0.085")), 0);
	/* 100% == 1, 150% == 1.5, -2% == -0.02 */
	assert_int_equal(dec_cmp(D("100%"), D("1")), 0);
	assert_int_equal(dec_cmp(D("150%"), D("1.5")), 0);
	assert_int_equal(dec_cmp(D("-2%"), D("-0.02")), 0);
	/* 8.123456% -> 0.08123456 (scale 8) */
	expect_same(D("8.123456%"), mk(8123456, 8));
}

static void test_format(void **state)
{
	char buf[64];
	size_t n;

	(void)state;
	/* 1234567.5 at min_scale 2 with grouping: "1,234,567.50" */
	n = dec_format(buf, sizeof(buf), D("1234567.5"), 2, true);
	assert_string_equal(buf, "1,234,567.50");
	assert_int_equal(n, 12);
	/* group boundaries: 123 / 1,234 / 123,456 / -1,000.00 */
	dec_format(buf, sizeof(buf), D("123"), 0, true);
	assert_string_equal(buf, "123");
	dec_format(buf, sizeof(buf), D("1234"), 0, true);
	assert_string_equal(buf, "1,234");
	dec_format(buf, sizeof(buf), D("123456"), 0, true);
	assert_string_equal(buf, "123,456");
	dec_format(buf, sizeof(buf), D("-1000"), 2, true);
	assert_string_equal(buf, "-1,000.00");
	/* zero has no sign: -0.00 parses to coef 0 -> "0.00" */
	dec_format(buf, sizeof(buf), D("-0.00"), 2, false);
	assert_string_equal(buf, "0.00");
	dec_format(buf, sizeof(buf), dec_neg(D("0")), 2, true);
	assert_string_equal(buf, "0.00");
	/* never rounds, never drops digits: 0.000001 at min_scale 2 */
	dec_format(buf, sizeof(buf), D("0.000001"), 2, false);
	assert_string_equal(buf, "0.000001");
	/* leading zero before the point: -0.05 */
	dec_format(buf, sizeof(buf), D("-0.05"), 0, false);
	assert_string_equal(buf, "-0.05");
	/* the value's own trailing zeros are kept: 1.2300 */
	dec_format(buf, sizeof(buf), D("1.2300"), 2, false);
	assert_string_equal(buf, "1.2300");
	/* padding: 7 at min_scale 3 -> 7.000 */
	dec_format(buf, sizeof(buf), D("7"), 3, false);
	assert_string_equal(buf, "7.000");
	/* 10^38 (39 digits) with grouping: 1 then 12 groups of 000 */
	dec_format(buf, sizeof(buf), mk(E18 * E18 * 100, 0), 0, true);
	assert_string_equal(
	    buf, "100,000,000,000,000,000,000,000,000,000,000,000,000");
	/* truncation to a small buffer stays NUL-terminated */
	n = dec_format(buf, 4, D("123456"), 0, false);
	assert_string_equal(buf, "123");
	assert_int_equal(n, 3);
}

static void test_format_percent(void **state)
{
	char buf[64];

	(void)state;
	/* 0.08 x 100 = 8 -> "8%" */
	dec_format_percent(buf, sizeof(buf), D("0.08"));
	assert_string_equal(buf, "8%");
	/* 0.0825 -> 8.25% */
	dec_format_percent(buf, sizeof(buf), D("0.0825"));
	assert_string_equal(buf, "8.25%");
	/* 1.5 -> 150% */
	dec_format_percent(buf, sizeof(buf), D("1.5"));
	assert_string_equal(buf, "150%");
	/* 1 -> 100%, 0 -> 0%, 0.080 -> 8% (trailing zero trimmed) */
	dec_format_percent(buf, sizeof(buf), D("1"));
	assert_string_equal(buf, "100%");
	dec_format_percent(buf, sizeof(buf), D("0.00"));
	assert_string_equal(buf, "0%");
	dec_format_percent(buf, sizeof(buf), D("0.080"));
	assert_string_equal(buf, "8%");
	/* -0.05 -> -5%; 0.123456789 -> 12.3456789% */
	dec_format_percent(buf, sizeof(buf), D("-0.05"));
	assert_string_equal(buf, "-5%");
	dec_format_percent(buf, sizeof(buf), D("0.123456789"));
	assert_string_equal(buf, "12.3456789%");
	/* 2.5% parsed and printed back -> "2.5%" */
	dec_format_percent(buf, sizeof(buf), D("2.5%"));
	assert_string_equal(buf, "2.5%");
}

static void test_normalize(void **state)
{
	(void)state;
	/* 1.2300 -> 1.23 (coef 123, scale 2); 100 stays 100 (scale 0);
	 * 0.000 -> 0 at scale 0 */
	expect_same(dec_normalize(D("1.2300")), mk(123, 2));
	expect_same(dec_normalize(D("100")), mk(100, 0));
	expect_same(dec_normalize(D("0.000")), mk(0, 0));
	expect_same(dec_normalize(D("-5.10")), mk(-51, 1));
	/* 1.2300 has two significant decimals; 1.235 has three */
	assert_true(dec_fits_scale(D("1.2300"), 2));
	assert_false(dec_fits_scale(D("1.235"), 2));
	assert_true(dec_fits_scale(D("12"), 0));
	expect_same(dec_from_int(-42), mk(-42, 0));
	expect_same(dec_neg(D("1.5")), mk(-15, 1));
	assert_true(dec_is_zero(dec_zero()));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_exact),
	    cmocka_unit_test(test_round_modes),
	    cmocka_unit_test(test_commission_and_refund),
	    cmocka_unit_test(test_mul_no_overflow),
	    cmocka_unit_test(test_mul_overflow),
	    cmocka_unit_test(test_div),
	    cmocka_unit_test(test_div_long),
	    cmocka_unit_test(test_cmp),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_percent_parse),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_format_percent),
	    cmocka_unit_test(test_normalize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
