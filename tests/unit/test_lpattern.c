/*
 * test_lpattern.c: unit tests for the bound on Lua pattern matching work
 * (src/lib/lpattern.c) that the sandbox charges before string.find,
 * match, gmatch and gsub.  Expected costs are worked out by hand from the
 * formula in lpattern.c: starts x PROD(1 + run) x (m + 1) / 8, with the
 * first repeated item summed over its runs (L(L+1)/2 each) when every
 * item before it has a fixed width.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lpattern.h"

#define BIG UINT64_MAX

static uint64_t cost(const char *s, const char *p, lpat_kind k, uint64_t lim)
{
	return lpat_cost(s, strlen(s), p, strlen(p), k, lim);
}

static char *rep(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_small_patterns(void **state)
{
	(void)state;
	/* "%d+" on "SW-ENT-100": 11 starts, m + 1 = 4; digit runs: "100"
	 * (L = 3: 3*4/2 = 6), longest 3; first = min(11 + 6, 11 * 4) = 17;
	 * 17 * 4 = 68; 68 / 8 = 8 */
	assert_int_equal(cost("SW-ENT-100", "%d+", LPAT_FIND, BIG), 8);
	/* "^(%u+)%-(%u+)%-(%d+)$": anchored, 1 start, m + 1 = 22; first %u+
	 * min(1 + (3 + 6), 1 * (3 + 1)) = 4; then %u+ x (3 + 1), %d+ x
	 * (3 + 1): 4 * 16 * 22 = 1408; / 8 = 176 */
	assert_int_equal(cost("SW-ENT-100", "^(%u+)%-(%u+)%-(%d+)$",
			      LPAT_FIND, BIG),
			 176);
	/* gmatch: '^' is a character, not an anchor: "^a" has no repeated
	 * item: 4 starts x (m + 1 = 3) = 12; / 8 = 1 */
	assert_int_equal(cost("abc", "^a", LPAT_GMATCH, BIG), 1);
	/* a literal: "abc" in "xxabcxx": 8 starts x 4 = 32; / 8 = 4 */
	assert_int_equal(cost("xxabcxx", "abc", LPAT_FIND, BIG), 4);
	/* nothing to do is still one instruction */
	assert_int_equal(cost("", "", LPAT_FIND, BIG), 1);
}

static void test_plain(void **state)
{
	char *a = rep('a', 20000);

	(void)state;
	/* (20000 + 1) * (3 + 1) = 80004; / 8 = 10000 */
	assert_int_equal(cost(a, "aaa", LPAT_PLAIN, BIG), 10000);
	/* specials mean nothing in a plain search */
	assert_int_equal(cost(a, ".-.-b", LPAT_PLAIN, BIG), 20001 * 6 / 8);
	free(a);
}

/* The patterns that backtrack for minutes cost more than any budget. */
static void test_backtracking(void **state)
{
	char *a = rep('a', 20000);

	(void)state;
	/* limit + 1 means "over the limit", returned before counting more */
	assert_int_equal(cost(a, ".-.-.-.-.-.-b", LPAT_FIND, 1000000),
			 1000001);
	/* a*b: first item summed: 20001 + 20000*20001/2 = 200030001;
	 * x (m + 1 = 4) = 800120004; / 8 = 100015000 */
	assert_int_equal(cost(a, "a*b", LPAT_FIND, BIG), 100015000);
	assert_int_equal(cost(a, "a*b", LPAT_FIND, 1000000), 1000001);
	/* anchored, the same pattern is linear: 1 start, first = min(1 +
	 * 200010000, 1 * 20001) = 20001; x 5 = 100005; / 8 = 12500 */
	assert_int_equal(cost(a, "^a*b", LPAT_FIND, BIG), 12500);
	/* ? doubles: 16 of them on 100 characters is 2^16 paths per start */
	assert_true(cost(a, "a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?b", LPAT_FIND,
			 BIG) > 1000000);
	/* a back reference or %b costs up to the subject per path */
	assert_true(cost(a, "(a)%1", LPAT_FIND, BIG) > 20001u * 20001u / 8);
	assert_true(cost(a, "%b()", LPAT_FIND, BIG) > 20001u * 20001u / 8);
	/* the bound saturates instead of wrapping */
	assert_int_equal(cost(a, ".-.-.-.-.-.-.-.-.-.-b", LPAT_FIND, BIG),
			 UINT64_MAX / 8);
	free(a);
}

/* Splitting a list and squeezing blanks stay cheap on long strings:
 * runs are short, so the sum over start positions is about the length. */
static void test_linear_uses(void **state)
{
	char *csv = rep('x', 16000), *txt = rep('w', 12000);

	(void)state;
	for (size_t i = 7; i < 16000; i += 8)
		csv[i] = ',';
	for (size_t i = 5; i < 12000; i += 6)
		txt[i] = ' ';
	/* "[^,]+": 2000 runs of 7: 2000 * 28 = 56000; + 16001 starts =
	 * 72001; x 6 = 432006; / 8 = 54000 */
	assert_int_equal(cost(csv, "[^,]+", LPAT_GMATCH, BIG), 54000);
	/* "%s+": 2000 runs of 1: 2000; + 12001 = 14001; x 4 = 56004; / 8 =
	 * 7000 */
	assert_int_equal(cost(txt, "%s+", LPAT_FIND, BIG), 7000);
	free(csv);
	free(txt);
}

/* Character classes and sets follow the manual: %a %d %s %w ... and
 * their complements, [a-z], [%d_], [^...]. */
static void test_classes(void **state)
{
	(void)state;
	/* "[0-9]+" on "ab123cd45": runs 3 and 2: 6 + 3 = 9; + 10 starts =
	 * 19; x 7 = 133; / 8 = 16 */
	assert_int_equal(cost("ab123cd45", "[0-9]+", LPAT_FIND, BIG), 16);
	/* "%D+" (not a digit): runs "ab" and "cd": 3 + 3 = 6; + 10 = 16;
	 * x 4 = 64; / 8 = 8 */
	assert_int_equal(cost("ab123cd45", "%D+", LPAT_FIND, BIG), 8);
	/* "[^%d]+" is the same set: 16 x 7 = 112; / 8 = 14 */
	assert_int_equal(cost("ab123cd45", "[^%d]+", LPAT_FIND, BIG), 14);
	/* "[]]+" ("]" is the first member): runs of ']' in "a]]b": L = 2: 3;
	 * + 5 starts = 8; x (m + 1 = 5) = 40; / 8 = 5 */
	assert_int_equal(cost("a]]b", "[]]+", LPAT_FIND, BIG), 5);
	/* "%%+": runs of '%' in "5%%": 3; + 4 = 7; x 4 = 28; / 8 = 3 */
	assert_int_equal(cost("5%%", "%%+", LPAT_FIND, BIG), 3);
}

/* Malformed patterns are bounded up to where the matcher stops; nothing
 * reads past the pattern. */
static void test_malformed(void **state)
{
	static const char *const bad[] = {
	    "[", "[a", "[^", "%", "a%", "%b", "%bx", "%f", "%fa", "%f[",
	    "(", ")", "[%", "[a-", "*", "+a-", "a**", "%1", "(()",
	};
	char *a = rep('a', 1000);

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		/* exact lengths: a malformed pattern ends at its last byte */
		char *p = malloc(strlen(bad[i]));
		memcpy(p, bad[i], strlen(bad[i]));
		uint64_t c = lpat_cost(a, 1000, p, strlen(bad[i]), LPAT_FIND,
				       BIG);
		assert_true(c >= 1);
		free(p);
	}
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_small_patterns),
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_backtracking),
	    cmocka_unit_test(test_linear_uses),
	    cmocka_unit_test(test_classes),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
