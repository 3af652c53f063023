/*
 * test_fastpath.c: unit tests for the pieces that make runs fast: the
 * literal prefix of patterns (src/lib/pattern.c), the compact id store
 * (src/lib/idstore.c), the appenders (src/lib/fmt.c) and the 64-bit paths
 * of dec.c (formatting, parsing, rounding), which must give exactly what
 * the general code gives.
 *
 * Every expected value is worked out by hand in the comment beside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dec.h"
#include "fmt.h"
#include "idstore.h"
#include "pattern.h"

static size_t lit(const char *pat, char *out, bool *exact)
{
	size_t n = pattern_literal(pat, strlen(pat), out, 63, exact);
	out[n] = '\0';
	return n;
}

static void test_pattern_literal(void **state)
{
	char b[64];
	bool exact;

	(void)state;
	/* ^SW-ENT-: the whole pattern is the anchor and seven bytes */
	assert_int_equal(lit("^SW-ENT-", b, &exact), 7);
	assert_string_equal(b, "SW-ENT-");
	assert_true(exact);
	/* ^SW-ENT-1\d\d$: "SW-ENT-1", then a class: not the whole pattern */
	assert_int_equal(lit("^SW-ENT-1\\d\\d$", b, &exact), 8);
	assert_string_equal(b, "SW-ENT-1");
	assert_false(exact);
	/* an escaped '-' is the byte itself */
	assert_int_equal(lit("^HW\\-", b, &exact), 3);
	assert_string_equal(b, "HW-");
	assert_true(exact);
	/* ^ab*: b may be absent, so only "a" is certain */
	assert_int_equal(lit("^ab*", b, &exact), 1);
	assert_string_equal(b, "a");
	assert_false(exact);
	/* not anchored, an alternation anywhere, a class first: nothing */
	assert_int_equal(lit("SW-", b, &exact), 0);
	assert_int_equal(lit("^a|b", b, &exact), 0);
	assert_int_equal(lit("^(SW|HW)-", b, &exact), 0);
	assert_int_equal(lit("^[A-Z]+", b, &exact), 0);
	assert_int_equal(lit("^", b, &exact), 0);
	/* ^é+: the quantifier applies to the two bytes of é: nothing */
	assert_int_equal(lit("^\xc3\xa9+", b, &exact), 0);
	/* ^aé: a whole last character is kept... */
	assert_int_equal(lit("^a\xc3\xa9", b, &exact), 3);
	assert_true(exact);
	/* ...but one cut by the length limit is dropped: 62 'a' + é (63 of
	 * 64 bytes fit) keeps the 62 ASCII bytes only, and is not exact */
	{
		char p[80];
		p[0] = '^';
		memset(p + 1, 'a', 62);
		memcpy(p + 63, "\xc3\xa9", 3);
		assert_int_equal(pattern_literal(p, strlen(p), b, 63, &exact), 62);
		assert_false(exact);
	}
}

static int bytes_cmp(const void *ctx, const char *a, size_t na, const char *b,
		     size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);
	(void)ctx;
	return c ? c : (na > nb) - (na < nb);
}

static void test_idstore(void **state)
{
	idstore t;
	idstore_entry e;
	idstore_iter it;
	char id[32];

	(void)state;
	idstore_init(&t);
	/* 100 ids e-000 .. e-198 (even numbers), dates 20000 + i / 10,
	 * slot i % 3, number 1000 + 2i: more than three blocks of 32 */
	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof id, "e-%03d", 2 * i);
		assert_true(idstore_add(&t, id, strlen(id), 20000 + i / 10,
					(uint16_t)(i % 3), 1000 + 2 * (uint32_t)i));
	}
	assert_int_equal(t.n, 100);
	/* e-066 is entry 33 (the second of block 1): date 20003, slot 0,
	 * number 1066 */
	assert_int_equal(idstore_find(&t, "e-066", 5, bytes_cmp, NULL, &e), 33);
	assert_int_equal(e.date, 20003);
	assert_int_equal(e.type_slot, 0);
	assert_int_equal(e.ord, 1066);
	assert_memory_equal(e.id, "e-066", 5);
	/* the first and the last; an odd id and ids outside are absent */
	assert_int_equal(idstore_find(&t, "e-000", 5, bytes_cmp, NULL, &e), 0);
	assert_int_equal(idstore_find(&t, "e-198", 5, bytes_cmp, NULL, &e), 99);
	assert_int_equal(e.date, 20009);
	assert_int_equal(idstore_find(&t, "e-067", 5, bytes_cmp, NULL, &e), -1);
	assert_int_equal(idstore_find(&t, "a", 1, bytes_cmp, NULL, &e), -1);
	assert_int_equal(idstore_find(&t, "f", 1, bytes_cmp, NULL, &e), -1);
	/* a cursor from entry 31 sees 31, 32 (block 1 starts), 33 */
	idstore_seek(&t, &it, 31);
	assert_true(idstore_next(&t, &it));
	assert_int_equal(it.e.ord, 1062);
	assert_true(idstore_next(&t, &it));
	assert_int_equal(it.e.ord, 1064);
	assert_memory_equal(it.e.id, "e-064", 5);
	assert_true(idstore_next(&t, &it));
	assert_int_equal(it.e.date, 20003);
	idstore_seek(&t, &it, 100);
	assert_false(idstore_next(&t, &it));
	/* far fewer bytes than ids: front coding keeps "e-" and a digit */
	assert_true(t.n_bytes < 100 * 9);
	idstore_finish(&t);
}

static void test_fmt(void **state)
{
	strbuf sb;
	dec d;

	(void)state;
	sb_init(&sb);
	fmt_sb_u64(&sb, 0);
	fmt_putc(&sb, ' ');
	fmt_sb_i64(&sb, -1234567);
	fmt_putc(&sb, ' ');
	fmt_sb_u64(&sb, UINT64_MAX); /* 2^64 - 1 */
	assert_string_equal(sb_cstr(&sb), "0 -1234567 18446744073709551615");
	sb_reset(&sb);
	/* 1234567.5 as money with 2 decimals, grouped: 1,234,567.50 */
	assert_int_equal(dec_parse(&d, "1234567.50", 10, false), DEC_OK);
	fmt_sb_money(&sb, d, 2);
	fmt_putc(&sb, ' ');
	/* 0.0825 as a percentage: 8.25% */
	assert_int_equal(dec_parse(&d, "0.0825", 6, false), DEC_OK);
	fmt_sb_pct(&sb, d);
	fmt_putc(&sb, ' ');
	/* a quote, a backslash and a tab escaped for JSON */
	fmt_sb_json_inner(&sb, "a\"b\\c\td");
	assert_string_equal(sb_cstr(&sb),
			    "1,234,567.50 8.25% a\\\"b\\\\c\\u0009d");
	sb_finish(&sb);
}

static void test_dec_fast_paths(void **state)
{
	char b[128];
	dec d;

	(void)state;
	/* the one-pass parse and the general one agree on form and scale:
	 * 007.50 is 750 x 10^-2 */
	assert_int_equal(dec_parse(&d, "007.50", 6, false), DEC_OK);
	assert_true(d.coef == 750 && d.scale == 2);
	/* 18 digits: the fast path; 19: the general one; same value form */
	assert_int_equal(dec_parse(&d, "123456789012345678", 18, false), DEC_OK);
	assert_true(d.coef == (dec_i128)123456789012345678LL && d.scale == 0);
	assert_int_equal(dec_parse(&d, "1234567890123456789", 19, false), DEC_OK);
	assert_true(d.coef == (dec_i128)1234567890123456789LL && d.scale == 0);
	/* still refused: ".5", "1.", "1.2.3", "-" */
	assert_int_equal(dec_parse(&d, ".5", 2, false), DEC_ESYNTAX);
	assert_int_equal(dec_parse(&d, "1.", 2, false), DEC_ESYNTAX);
	assert_int_equal(dec_parse(&d, "1.2.3", 5, false), DEC_ESYNTAX);
	assert_int_equal(dec_parse(&d, "-", 1, false), DEC_ESYNTAX);
	/* formatting: -0.05 keeps its sign and leading zero; a value past
	 * 64 bits (2^64 = 18446744073709551616) prints all its digits */
	d.coef = -5;
	d.scale = 2;
	dec_format(b, sizeof b, d, 2, true);
	assert_string_equal(b, "-0.05");
	d.coef = (dec_i128)UINT64_MAX + 1;
	d.scale = 2;
	dec_format(b, sizeof b, d, 0, true);
	assert_string_equal(b, "184,467,440,737,095,516.16");
	/* rounding with the 64-bit division: 61.725 -> 61.73 half up,
	 * 61.72 half even; -61.725 -> -61.73 half up (away from zero) */
	assert_int_equal(dec_parse(&d, "61.725", 6, false), DEC_OK);
	assert_int_equal(dec_round(&d, d, 2, DEC_HALF_UP), DEC_OK);
	assert_true(d.coef == 6173 && d.scale == 2);
	assert_int_equal(dec_parse(&d, "61.725", 6, false), DEC_OK);
	assert_int_equal(dec_round(&d, d, 2, DEC_HALF_EVEN), DEC_OK);
	assert_true(d.coef == 6172);
	assert_int_equal(dec_parse(&d, "-61.725", 7, false), DEC_OK);
	assert_int_equal(dec_round(&d, d, 2, DEC_HALF_UP), DEC_OK);
	assert_true(d.coef == -6173);
	/* a sum at one scale (the fast path of dec_add): 0.10 + 0.20 = 0.30 */
	{
		dec a, c;
		assert_int_equal(dec_parse(&a, "0.10", 4, false), DEC_OK);
		assert_int_equal(dec_parse(&c, "0.20", 4, false), DEC_OK);
		assert_int_equal(dec_add(&d, a, c), DEC_OK);
		assert_true(d.coef == 30 && d.scale == 2);
	}
	/* normalising with the 64-bit path: 24710.0000 -> 24710 */
	assert_int_equal(dec_parse(&d, "24710.0000", 10, false), DEC_OK);
	d = dec_normalize(d);
	assert_true(d.coef == 24710 && d.scale == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pattern_literal),
	    cmocka_unit_test(test_idstore),
	    cmocka_unit_test(test_fmt),
	    cmocka_unit_test(test_dec_fast_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
