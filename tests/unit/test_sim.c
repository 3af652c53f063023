/*
 * test_sim.c: unit tests for the reproducible random numbers of Monte
 * Carlo simulation (src/lib/prng.c) and for exact scaling of amounts
 * (src/lib/scenario.c: scale_money).
 *
 * Every expected value is worked out by hand, or is a published constant,
 * in the comment beside it.  Statistical checks use bounds of several
 * standard errors, computed in the comments.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prng.h"
#include "scenario.h"

static void test_mix(void **state)
{
	(void)state;
	/* splitmix64 seeded with 0: the state advances by the golden gamma
	 * 0x9e3779b97f4a7c15 and its first output is the published
	 * 0xe220a8397b1dcdaf (Vigna's splitmix64.c). */
	assert_true(prng_mix(UINT64_C(0x9e3779b97f4a7c15)) == UINT64_C(0xe220a8397b1dcdaf));
	/* 0 mixes to 0: every step is a xor-shift or a multiplication */
	assert_true(prng_mix(0) == 0);
}

static void test_xoshiro(void **state)
{
	prng g = {{1, 2, 3, 4}};

	(void)state;
	/* output = rotl(s1 * 5, 7) * 9 = rotl(10, 7) * 9 = 1280 * 9 = 11520 */
	assert_true(prng_next(&g) == 11520);
	/* the update: t = 2 << 17; s2 ^= s0 -> 2; s3 ^= s1 -> 6; s1 ^= s2 ->
	 * 0; s0 ^= s3 -> 7; s2 ^= t -> 262146; s3 = rotl(6, 45) */
	assert_true(g.s[0] == 7 && g.s[1] == 0 && g.s[2] == 262146);
	assert_true(g.s[3] == (UINT64_C(6) << 45));
	/* next output: rotl(0 * 5, 7) * 9 = 0 */
	assert_true(prng_next(&g) == 0);
}

static void test_seeding(void **state)
{
	prng a, b, c;

	(void)state;
	/* the same (seed, stream, counter): the same numbers */
	prng_seed(&a, 42, 7, 3);
	prng_seed(&b, 42, 7, 3);
	prng_seed(&c, 42, 7, 4);
	for (int i = 0; i < 100; i++) {
		uint64_t x = prng_next(&a);
		assert_true(x == prng_next(&b));
		(void)prng_next(&c);
	}
	/* another counter: another stream (a collision of 64-bit outputs has
	 * probability 2^-64) */
	prng_seed(&a, 42, 7, 3);
	prng_seed(&c, 42, 7, 4);
	assert_true(prng_next(&a) != prng_next(&c));
	/* uniform draws are in [0, 1) */
	for (int i = 0; i < 10000; i++) {
		double u = prng_uniform(&a);
		assert_true(u >= 0.0 && u < 1.0);
	}
}

static void test_log_exp(void **state)
{
	(void)state;
	/* exact cases: ln 1 = 0, e^0 = 1 (every term of the series but the
	 * first is 0) */
	assert_true(prng_log(1.0) == 0.0);
	assert_true(prng_exp(0.0) == 1.0);
	/* published constants: ln 2 = 0.693147180559945309..., ln 10 =
	 * 2.302585092994045684..., e = 2.718281828459045235... */
	assert_true(fabs(prng_log(2.0) - 0.69314718055994530942) < 1e-15);
	assert_true(fabs(prng_log(10.0) - 2.30258509299404568402) < 2e-15);
	assert_true(fabs(prng_log(0.5) + 0.69314718055994530942) < 1e-15);
	assert_true(fabs(prng_exp(1.0) - 2.71828182845904523536) < 4e-15);
	assert_true(fabs(prng_exp(-1.0) - 0.36787944117144232160) < 1e-15);
	/* round trips over a range (relative error a few ulps) */
	for (double x = -20; x <= 20; x += 0.37) {
		double y = prng_exp(x);
		assert_true(fabs(prng_log(y) - x) < 1e-13);
	}
}

static void test_to_dec6(void **state)
{
	dec d;

	(void)state;
	/* 1.1 is 1.1000000000000000888 as a double; x 1e6 the product rounds
	 * to the double 1100000.0 (the excess 8.9e-11 is below half an ulp,
	 * 1.2e-10): 1100000 micro units */
	d = prng_to_dec6(1.1);
	assert_true(d.coef == 1100000 && d.scale == 6);
	/* 0.25 is exact: 250000 */
	d = prng_to_dec6(0.25);
	assert_true(d.coef == 250000);
	/* ties go to even: 2.5e-6 is 2.50000000000000020e-6 as a double, and
	 * x 1e6 rounds to exactly 2.5 (the excess 2.0e-16 is below half an ulp
	 * of 2.5, 2.2e-16): a tie, to the even 2; 3.5e-6 gives 3.5: to 4 */
	assert_true(prng_to_dec6(2.5e-6).coef == 2);
	assert_true(prng_to_dec6(3.5e-6).coef == 4);
	/* 2^-21 = 0.000000476837158203125: 0.4768 micro units -> 0 */
	assert_true(prng_to_dec6(0x1p-21).coef == 0);
	/* clamped: negative and NaN to 0, above a million to a million */
	assert_true(prng_to_dec6(-0.5).coef == 0);
	assert_true(prng_to_dec6(NAN).coef == 0);
	assert_true(prng_to_dec6(5e6).coef == (dec_i128)1000000 * 1000000);
}

static void test_normal(void **state)
{
	prng g;
	const int n = 200000;
	double sum = 0, sq = 0;

	(void)state;
	prng_seed(&g, 1, 2, 3);
	for (int i = 0; i < n; i++) {
		double z = prng_normal(&g);
		sum += z;
		sq += z * z;
	}
	double mean = sum / n, var = sq / n - mean * mean;
	/* standard normal: the mean's standard error is 1 / sqrt(200000) =
	 * 0.00224, the variance's sqrt(2 / 200000) = 0.00316; allow 5 of each */
	assert_true(fabs(mean) < 0.0112);
	assert_true(fabs(var - 1.0) < 0.0158);
}

static void test_scale_money(void **state)
{
	dec a, by, out;

	(void)state;
	/* 12,500.00 x 1.10 = 13,750.0000 -> 13,750.00 exactly */
	dec_parse(&a, "12500.00", 8, false);
	dec_parse(&by, "110%", 4, true);
	assert_int_equal(scale_money(&out, a, by, 2, DEC_HALF_UP), 0);
	assert_true(out.coef == 1375000 && out.scale == 2);
	/* 0.15 x 1.5 = 0.225: a tie; half up -> 0.23, half even -> 0.22 */
	dec_parse(&a, "0.15", 4, false);
	dec_parse(&by, "1.5", 3, false);
	assert_int_equal(scale_money(&out, a, by, 2, DEC_HALF_UP), 0);
	assert_true(out.coef == 23);
	assert_int_equal(scale_money(&out, a, by, 2, DEC_HALF_EVEN), 0);
	assert_true(out.coef == 22);
	/* JPY has no decimals: 1,001 x 1.05 = 1,051.05 -> 1,051 */
	a = dec_from_int(1001);
	dec_parse(&by, "1.05", 4, false);
	assert_int_equal(scale_money(&out, a, by, 0, DEC_HALF_UP), 0);
	assert_true(out.coef == 1051 && out.scale == 0);
	/* a multiplier drawn as 1.100000 scales exactly like 1.10 */
	dec_parse(&a, "6000.00", 7, false);
	assert_int_equal(scale_money(&out, a, prng_to_dec6(1.1), 2, DEC_HALF_UP), 0);
	assert_true(out.coef == 660000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mix),	cmocka_unit_test(test_xoshiro),
		cmocka_unit_test(test_seeding), cmocka_unit_test(test_log_exp),
		cmocka_unit_test(test_to_dec6), cmocka_unit_test(test_normal),
		cmocka_unit_test(test_scale_money),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
