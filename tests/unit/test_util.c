/*
 * test_util.c: unit tests for the shared helpers (src/lib/util.c: arena,
 * strbuf, strmap, edit distance, read_file) and for the currency and model
 * lookups in src/lib/currency.c.
 *
 * Every expected value is worked out by hand in the comment beside it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "model.h"
#include "util.h"

static void test_arena(void **state)
{
	arena a;
	unsigned char *p;
	char *s;
	size_t i, j;

	(void)state;
	arena_init(&a);
	/* Many small objects of odd sizes: each 16-byte aligned, zeroed and
	 * not overlapping the previous one (we fill each with 0xab). */
	for (i = 1; i < 5000; i++) {
		p = arena_alloc(&a, i % 97 + 1);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (j = 0; j < i % 97 + 1; j++)
			assert_int_equal(p[j], 0);
		memset(p, 0xab, i % 97 + 1);
	}
	/* A large object (1 MiB) gets its own block; still zeroed. */
	p = arena_alloc(&a, 1 << 20);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 16, 0);
	assert_int_equal(p[0], 0);
	assert_int_equal(p[(1 << 20) - 1], 0);
	/* zero bytes still gives a usable pointer */
	assert_non_null(arena_alloc(&a, 0));

	s = arena_strndup(&a, "hello world", 5);
	assert_string_equal(s, "hello");
	/* strndup stops at a NUL inside n */
	s = arena_strndup(&a, "ab\0cd", 5);
	assert_string_equal(s, "ab");
	s = arena_strdup(&a, "policy");
	assert_string_equal(s, "policy");
	/* "%s-%03d" with "r" and 7 -> "r-007" */
	s = arena_printf(&a, "%s-%03d", "r", 7);
	assert_string_equal(s, "r-007");
	arena_finish(&a);
	assert_null(a.head);
	/* reusable after finish */
	assert_non_null(arena_alloc(&a, 8));
	arena_finish(&a);
}

static void test_strbuf(void **state)
{
	strbuf sb;
	size_t i;

	(void)state;
	sb_init(&sb);
	/* empty buffer: sb_cstr gives "" */
	assert_string_equal(sb_cstr(&sb), "");
	sb_puts(&sb, "ab");
	sb_putc(&sb, 'c');
	sb_append(&sb, "def", 2);
	/* "ab" + 'c' + "de" */
	assert_string_equal(sb_cstr(&sb), "abcde");
	assert_int_equal(sb.len, 5);
	/* "%d/%s" with 42, "x" -> "42/x" appended */
	sb_printf(&sb, "%d/%s", 42, "x");
	assert_string_equal(sb.buf, "abcde42/x");
	sb_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb_cstr(&sb), "");
	/* grow past the first allocation: 1000 x "0123456789" = 10000
	 * bytes */
	for (i = 0; i < 1000; i++)
		sb_printf(&sb, "%s", "0123456789");
	assert_int_equal(sb.len, 10000);
	assert_false(sb.oom);
	assert_int_equal(sb.buf[9999], '9');
	assert_int_equal(sb.buf[10000], '\0');
	sb_finish(&sb);
	assert_null(sb.buf);
}

static void test_strmap(void **state)
{
	enum { N = 100000 };
	strmap m;
	char key[32];
	uint32_t v, old;
	int i, len;

	(void)state;
	strmap_init(&m);
	assert_false(strmap_get(&m, "x", 1, &v)); /* empty map */
	/* key-<i> -> i for 100000 keys */
	for (i = 0; i < N; i++) {
		len = snprintf(key, sizeof(key), "key-%d", i);
		assert_int_equal(
		    strmap_put(&m, key, (size_t)len, (uint32_t)i, NULL), 1);
	}
	assert_int_equal(m.count, N);
	for (i = 0; i < N; i++) {
		len = snprintf(key, sizeof(key), "key-%d", i);
		v = 0xffffffffu;
		assert_true(strmap_get(&m, key, (size_t)len, &v));
		if (v != (uint32_t)i)
			assert_int_equal(v, i);
	}
	/* re-inserting key-123 keeps its value 123 and reports it */
	old = 0;
	assert_int_equal(strmap_put(&m, "key-123", 7, 999, &old), 0);
	assert_int_equal(old, 123);
	assert_true(strmap_get(&m, "key-123", 7, &v));
	assert_int_equal(v, 123);
	assert_int_equal(m.count, N);
	/* absent keys, and a prefix of a present key */
	assert_false(strmap_get(&m, "key-100000", 10, &v));
	assert_false(strmap_get(&m, "key-1", 4, &v)); /* "key-" */
	/* the key is copied: changing our buffer does not matter */
	memcpy(key, "mutable", 8);
	assert_int_equal(strmap_put(&m, key, 7, 5, NULL), 1);
	memcpy(key, "changed", 8);
	assert_true(strmap_get(&m, "mutable", 7, &v));
	assert_int_equal(v, 5);
	/* byte strings with NULs and the empty key are distinct keys */
	assert_int_equal(strmap_put(&m, "a\0b", 3, 1, NULL), 1);
	assert_int_equal(strmap_put(&m, "a\0c", 3, 2, NULL), 1);
	assert_int_equal(strmap_put(&m, "", 0, 3, NULL), 1);
	assert_true(strmap_get(&m, "a\0c", 3, &v));
	assert_int_equal(v, 2);
	assert_true(strmap_get(&m, "", 0, &v));
	assert_int_equal(v, 3);
	strmap_finish(&m);
	assert_int_equal(m.count, 0);
}

static void test_hash(void **state)
{
	(void)state;
	/* deterministic (no seed), and sensitive to every byte */
	assert_true(hash_bytes("abc", 3) == hash_bytes("abc", 3));
	assert_true(hash_bytes("abc", 3) != hash_bytes("abd", 3));
	assert_true(hash_bytes("abc", 3) != hash_bytes("ab", 2));
	assert_true(hash_bytes("a\0", 2) != hash_bytes("a", 1));
}

static void test_edit_distance(void **state)
{
	char a[101], b[101];

	(void)state;
	/* kitten -> sitten (k/s) -> sittin (e/i) -> sitting (+g) = 3 */
	assert_int_equal(edit_distance("kitten", "sitting", 10), 3);
	assert_int_equal(edit_distance("sitting", "kitten", 10), 3);
	/* flaw -> law (-f) -> lawn (+n) = 2 */
	assert_int_equal(edit_distance("flaw", "lawn", 10), 2);
	/* "" -> "abc": three insertions */
	assert_int_equal(edit_distance("", "abc", 10), 3);
	assert_int_equal(edit_distance("abc", "abc", 10), 0);
	/* rouding -> rounding: insert n = 1 */
	assert_int_equal(edit_distance("rouding", "rounding", 10), 1);
	/* capped: kitten/sitting is 3 > cap 2 -> cap + 1 = 3; length
	 * difference 10 > cap 2 -> 3 */
	assert_int_equal(edit_distance("kitten", "sitting", 2), 3);
	assert_int_equal(edit_distance("a", "aaaaaaaaaaa", 2), 3);
	assert_int_equal(edit_distance("kitten", "sitting", 0), 1);
	/* long strings (heap rows): 100 'a' vs the same with b[50] = 'b' is
	 * one substitution */
	memset(a, 'a', 100);
	memset(b, 'a', 100);
	a[100] = b[100] = '\0';
	b[50] = 'b';
	assert_int_equal(edit_distance(a, b, 5), 1);
}

static void test_closest_word(void **state)
{
	static const char *const words[] = {"rounding", "period"};
	static const char *const colors[] = {"color", "colour"};

	(void)state;
	/* "rouding": 7 letters, limit max(1, 7/3 = 2) = 2; distance to
	 * "rounding" is 1, to "period" more than 2 */
	assert_string_equal(closest_word("rouding", words, 2), "rounding");
	/* "perod": limit max(1, 5/3 = 1) = 1; "period" is 1 away */
	assert_string_equal(closest_word("perod", words, 2), "period");
	/* "xyz": limit 1, nothing that close */
	assert_null(closest_word("xyz", words, 2));
	/* "prd": limit 1; "period" is 3 away */
	assert_null(closest_word("prd", words, 2));
	/* "colr": limit 1; color (1) beats colour (2) */
	assert_string_equal(closest_word("colr", colors, 2), "color");
	assert_null(closest_word("rouding", words, 0));
}

static void test_read_file(void **state)
{
	char path[] = "/tmp/inc_test_util_XXXXXX";
	char *buf = NULL;
	size_t len = 0;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a,b\n1,2\n", 8), 8);
	close(fd);
	assert_int_equal(read_file(path, &buf, &len), 0);
	assert_int_equal(len, 8);
	assert_string_equal(buf, "a,b\n1,2\n");
	free(buf);
	unlink(path);
	/* a missing file: -1 with errno ENOENT, *out untouched */
	buf = NULL;
	errno = 0;
	assert_int_equal(read_file(path, &buf, &len), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(buf);
}

static void test_currency(void **state)
{
	currency_def extra[] = {{"XAU", 3}, {"JPY", 2}};
	policy_version v;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.currencies = extra;
	v.n_currencies = 2;
	/* ISO 4217: USD 2, JPY 0, KWD 3, CLP 0, BHD 3 */
	assert_int_equal(currency_minor_unit(NULL, "USD", 3), 2);
	assert_int_equal(currency_minor_unit(NULL, "JPY", 3), 0);
	assert_int_equal(currency_minor_unit(NULL, "KWD", 3), 3);
	assert_int_equal(currency_minor_unit(NULL, "CLP", 3), 0);
	assert_int_equal(currency_minor_unit(NULL, "BHD", 3), 3);
	/* unknown, lower case, a prefix of "USD" */
	assert_int_equal(currency_minor_unit(NULL, "XAU", 3), -1);
	assert_int_equal(currency_minor_unit(NULL, "usd", 3), -1);
	assert_int_equal(currency_minor_unit(NULL, "USD", 2), -1);
	/* the version's table comes first: XAU 3, JPY overridden to 2 */
	assert_int_equal(currency_minor_unit(&v, "XAU", 3), 3);
	assert_int_equal(currency_minor_unit(&v, "JPY", 3), 2);
	assert_int_equal(currency_minor_unit(&v, "EUR", 3), 2);
	/* length-bounded: "EURO" with len 3 is EUR */
	assert_int_equal(currency_minor_unit(&v, "EURO", 3), 2);
}

static void test_model_lookups(void **state)
{
	policy_version vers[3];
	struct inc_policy pol;
	field_def fields[2];
	event_type types[2];
	level levels[2];

	(void)state;
	memset(vers, 0, sizeof(vers));
	memset(&pol, 0, sizeof(pol));
	memset(fields, 0, sizeof(fields));
	memset(types, 0, sizeof(types));
	memset(levels, 0, sizeof(levels));
	/* versions effective 2026-01-01 (20454), 2026-04-01 (20544),
	 * 2026-07-01 (20635): 2026-01-01 = 10957 + 26 x 365 + 7 leap days
	 * (2000..2024) = 20454; +31+28+31 = 20544; +30+31+30 = 20635 */
	vers[0].effective = 20454;
	vers[1].effective = 20544;
	vers[2].effective = 20635;
	pol.versions = vers;
	pol.n_versions = 3;
	assert_null(policy_version_at(&pol, 20453)); /* before the first */
	assert_ptr_equal(policy_version_at(&pol, 20454), &vers[0]);
	assert_ptr_equal(policy_version_at(&pol, 20543), &vers[0]);
	assert_ptr_equal(policy_version_at(&pol, 20544), &vers[1]);
	assert_ptr_equal(policy_version_at(&pol, 20634), &vers[1]);
	assert_ptr_equal(policy_version_at(&pol, 20635), &vers[2]);
	assert_ptr_equal(policy_version_at(&pol, 99999), &vers[2]);
	assert_null(policy_version_at(NULL, 0));

	fields[0].name = "amount";
	fields[1].name = "product";
	types[0].name = "sale";
	types[0].fields = fields;
	types[0].n_fields = 2;
	types[1].name = "refund";
	levels[0].id = "AE1";
	levels[1].id = "AE2";
	vers[0].types = types;
	vers[0].n_types = 2;
	vers[0].levels = levels;
	vers[0].n_levels = 2;
	assert_int_equal(event_type_field(&types[0], "product"), 1);
	assert_int_equal(event_type_field(&types[0], "prod"), -1);
	assert_int_equal(version_event_type(&vers[0], "refund", 6), 1);
	/* "sale" of "sales" by length; "sal" is not "sale" */
	assert_int_equal(version_event_type(&vers[0], "sales", 4), 0);
	assert_int_equal(version_event_type(&vers[0], "sal", 3), -1);
	assert_int_equal(version_level(&vers[0], "AE2", 3), 1);
	assert_int_equal(version_level(&vers[0], "AE3", 3), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arena),
	    cmocka_unit_test(test_strbuf),
	    cmocka_unit_test(test_strmap),
	    cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_edit_distance),
	    cmocka_unit_test(test_closest_word),
	    cmocka_unit_test(test_read_file),
	    cmocka_unit_test(test_currency),
	    cmocka_unit_test(test_model_lookups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
