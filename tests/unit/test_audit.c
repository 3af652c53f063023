/*
 * test_audit.c: the canonical serialisation of audit rows and their hash
 * chain (src/lib/audit_canon.c, format in docs/audit.md).  Expected bytes
 * are written out by hand from the format; expected hashes are the FIPS
 * 180-2 test vector and values computed independently with
 * `printf ... | sha256sum` (the commands are in the comments).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h> /* after the headers it needs */

#include "audit.h"

static const uint8_t zero[32];

/* the row of test_canonical_bytes */
static void row1(canon *c, const uint8_t prev[32])
{
	canon_begin(c, "t", prev);
	canon_int(c, "seq", 1);
	canon_cstr(c, "name", "Ann");
	canon_text(c, "amount", NULL, 0); /* SQL NULL */
	canon_cstr(c, "note",
		   "a\nb"); /* a newline inside: length says where it ends */
	canon_cstr(c, "x", "\xc3\xa9"); /* "é": 2 bytes, not 1 character */
	canon_int(c, "neg", -42);
	canon_cstr(c, "empty", "");
}

static void test_canonical_bytes(void **state)
{
	(void)state;
	canon c;
	canon_init(&c);
	row1(&c, zero);
	/* by hand from docs/audit.md: header, previous hash (zeros for the
	 * first row), then name=length:bytes per column, NULL spelled out */
	const char *want =
	    "incentive-audit-v1 t\n"
	    "0000000000000000000000000000000000000000000000000000000000000000\n"
	    "seq=1:1\n"
	    "name=3:Ann\n"
	    "amount=NULL\n"
	    "note=3:a\nb\n"
	    "x=2:\xc3\xa9\n"
	    "neg=3:-42\n"
	    "empty=0:\n";
	assert_int_equal(c.len, strlen(want));
	assert_memory_equal(c.buf, want, c.len);
	/* a second row starts afresh */
	canon_begin(&c, "u", zero);
	canon_int(&c, "n", 1234567890123LL);
	assert_string_equal(
	    c.buf,
	    "incentive-audit-v1 u\n"
	    "0000000000000000000000000000000000000000000000000000000000000000\n"
	    "n=13:1234567890123\n");
	canon_finish(&c);
}

static void test_sha256_vector(void **state)
{
	(void)state;
	hasher h;
	uint8_t md[32];
	char hex[65];
	assert_int_equal(hasher_init(&h), 0);
	/* FIPS 180-2, appendix B.1: SHA-256("abc") */
	assert_int_equal(hasher_digest(&h, md, "abc", 3), 0);
	hex_encode(hex, md);
	assert_string_equal(
	    hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* streaming gives the same */
	assert_int_equal(hasher_begin(&h), 0);
	assert_int_equal(hasher_update(&h, "a", 1), 0);
	assert_int_equal(hasher_update(&h, "bc", 2), 0);
	assert_int_equal(hasher_end(&h, md), 0);
	hex_encode(hex, md);
	assert_string_equal(
	    hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hasher_finish(&h);
}

static void test_chain(void **state)
{
	(void)state;
	hasher h;
	canon c;
	uint8_t h1[32], h2[32], h2x[32];
	char hex[65];

	assert_int_equal(hasher_init(&h), 0);
	canon_init(&c);
	row1(&c, zero);
	assert_int_equal(canon_hash(&h, h1, &c), 0);
	hex_encode(hex, h1);
	/* printf 'incentive-audit-v1 t\n%s\nseq=1:1\nname=3:Ann\namount=NULL\n
	 *   note=3:a\nb\nx=2:\xc3\xa9\nneg=3:-42\nempty=0:\n' 000...0 |
	 * sha256sum */
	assert_string_equal(
	    hex,
	    "9508e6f4035640c5772d5bb8474985aae2445568ac56e10fe7384351fac41283");

	/* the next row is chained to it */
	canon_begin(&c, "t", h1);
	canon_int(&c, "seq", 2);
	canon_cstr(&c, "name", "Ben");
	canon_cstr(&c, "amount", "1.50");
	canon_cstr(&c, "note", "");
	canon_cstr(&c, "x", "y");
	canon_int(&c, "neg", 0);
	canon_cstr(&c, "empty", "");
	assert_int_equal(canon_hash(&h, h2, &c), 0);
	hex_encode(hex, h2);
	/* printf 'incentive-audit-v1 t\n9508e6f4...41283\nseq=1:2\nname=3:Ben\n
	 *   amount=4:1.50\nnote=0:\nx=1:y\nneg=1:0\nempty=0:\n' | sha256sum */
	assert_string_equal(
	    hex,
	    "9fc6ef18836e6ed507e82ca59eb73eeec126d39eb534e2c819c32decf7f3669d");

	/* the same row after another predecessor hashes differently: a row
	 * cannot move without its hash showing it */
	c.buf[21] = c.buf[21] == '0' ? '1' : '0';
	assert_int_equal(canon_hash(&h, h2x, &c), 0);
	assert_memory_not_equal(h2, h2x, 32);
	canon_finish(&c);
	hasher_finish(&h);
}

static void test_null_is_not_empty(void **state)
{
	(void)state;
	hasher h;
	canon c;
	uint8_t a[32], b[32];
	assert_int_equal(hasher_init(&h), 0);
	canon_init(&c);
	canon_begin(&c, "t", zero);
	canon_text(&c, "v", NULL, 0);
	assert_int_equal(canon_hash(&h, a, &c), 0);
	canon_begin(&c, "t", zero);
	canon_cstr(&c, "v", "");
	assert_int_equal(canon_hash(&h, b, &c), 0);
	assert_memory_not_equal(a, b, 32);
	/* nor can a value swallow the next column: "1\nb=1:2" in one column
	 * is not columns a=1 and b=2 */
	canon_begin(&c, "t", zero);
	canon_cstr(&c, "a", "1\nb=1:2");
	assert_int_equal(canon_hash(&h, a, &c), 0);
	canon_begin(&c, "t", zero);
	canon_cstr(&c, "a", "1");
	canon_cstr(&c, "b", "2");
	assert_int_equal(canon_hash(&h, b, &c), 0);
	assert_memory_not_equal(a, b, 32);
	canon_finish(&c);
	hasher_finish(&h);
}

static void test_hex(void **state)
{
	(void)state;
	uint8_t in[32], out[32];
	char hex[65];
	for (int i = 0; i < 32; i++)
		in[i] = (uint8_t)(i * 37 + 5);
	hex_encode(hex, in);
	/* byte 0 is 5 -> "05", byte 1 is 42 -> "2a" */
	assert_memory_equal(hex, "052a", 4);
	assert_int_equal(hex_decode(out, hex), 0);
	assert_memory_equal(in, out, 32);
	/* uppercase is read too (sqlite3's hex() writes uppercase) */
	assert_int_equal(hex_decode(out, "BA7816BF8F01CFEA414140DE5DAE2223B0036"
					 "1A396177A9CB410FF61F20015AD"),
			 0);
	assert_int_equal(out[0], 0xba);
	assert_int_equal(hex_decode(out, "xyz"), -1);
	assert_int_equal(hex_decode(out, "ba7816bf8f01cfea414140de5dae2223b0036"
					 "1a396177a9cb410ff61f20015aG"),
			 -1);
}

/* The policy of tests/golden/basic loaded from its files in memory is the
 * same policy: same hash, versions and rule locations (the snapshot that
 * replay and explain load). */
static void test_policy_from_memory(void **state)
{
	(void)state;
	inc_policy *disk = NULL, *mem = NULL;
	inc_policy_file_info f, files[8];
	inc_rule_info ri;
	char *err = NULL;
	size_t n;

	assert_int_equal(
	    inc_policy_load(&disk, SRCDIR "/tests/golden/basic/policy.yaml",
			    NULL, NULL, &err),
	    0);
	n = inc_policy_file_count(disk);
	assert_int_equal(n, 1); /* one version file, no script */
	assert_int_equal(inc_policy_file(disk, 0, &f), 0);
	assert_string_equal(f.path, "policy.yaml");
	assert_int_equal(f.is_script, 0);
	assert_int_equal(inc_policy_file(disk, 1, &f), INC_ENOTFOUND);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(inc_policy_file(disk, i, &files[i]), 0);
	assert_int_equal(
	    inc_policy_load_memory(&mem, "", files, n, NULL, NULL, &err), 0);
	assert_string_equal(inc_policy_hash(mem), inc_policy_hash(disk));
	assert_int_equal(inc_policy_version_count(mem), 1);
	/* `  - id: comm` is line 24 of the file, the map starts at column 5 */
	assert_int_equal(inc_policy_rule_info(mem, "g1", "comm", &ri), 0);
	assert_string_equal(ri.file, "policy.yaml");
	assert_int_equal(ri.line, 24);
	assert_int_equal(ri.column, 5);
	assert_string_equal(ri.kind, "commission");
	assert_string_equal(ri.effective, "2026-01-01");
	assert_int_equal(inc_policy_rule_info(mem, "g1", "nope", &ri),
			 INC_ENOTFOUND);
	assert_int_equal(inc_policy_rule_info(mem, NULL, "claw", &ri), 0);
	assert_string_equal(ri.kind, "clawback");
	inc_policy_destroy(mem);
	mem = NULL;

	/* one byte more is another policy; no version file is an error */
	char *copy = malloc(files[0].len + 2);
	assert_non_null(copy);
	memcpy(copy, files[0].bytes, files[0].len);
	copy[files[0].len] = '\n';
	inc_policy_file_info changed = files[0];
	changed.bytes = copy;
	changed.len = files[0].len + 1;
	assert_int_equal(
	    inc_policy_load_memory(&mem, "", &changed, 1, NULL, NULL, &err), 0);
	assert_string_not_equal(inc_policy_hash(mem), inc_policy_hash(disk));
	inc_policy_destroy(mem);
	mem = NULL;
	changed.is_script = 1;
	assert_int_equal(
	    inc_policy_load_memory(&mem, "", &changed, 1, NULL, NULL, &err),
	    INC_EPOLICY);
	free(copy);
	free(err);
	inc_policy_destroy(disk);
}

/* A directory policy with a Lua script: the script is a file of the
 * policy, marked as a script, and loads from memory. */
static void test_policy_with_script_from_memory(void **state)
{
	(void)state;
	inc_policy *disk = NULL, *mem = NULL;
	inc_policy_file_info files[16];
	size_t n, scripts = 0;
	char *err = NULL;

	assert_int_equal(
	    inc_policy_load(&disk, SRCDIR "/rules", NULL, NULL, &err), 0);
	n = inc_policy_file_count(disk);
	assert_true(n >= 2 && n <= 16);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(inc_policy_file(disk, i, &files[i]), 0);
		scripts += (size_t)files[i].is_script;
		if (i) /* sorted by path */
			assert_true(strcmp(files[i - 1].path, files[i].path) <
				    0);
	}
	assert_true(scripts >= 1);
	assert_int_equal(
	    inc_policy_load_memory(&mem, "rules", files, n, NULL, NULL, &err),
	    0);
	assert_string_equal(inc_policy_hash(mem), inc_policy_hash(disk));
	assert_int_equal(inc_policy_version_count(mem),
			 inc_policy_version_count(disk));
	/* a script missing from the set is reported, not read from disk */
	inc_policy_destroy(mem);
	mem = NULL;
	inc_policy_file_info fewer[16];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!files[i].is_script)
			fewer[k++] = files[i];
	assert_int_equal(
	    inc_policy_load_memory(&mem, "rules", fewer, k, NULL, NULL, &err),
	    INC_EPOLICY);
	free(err);
	inc_policy_destroy(disk);
}

/* A simulation recorded through the public API (src/lib/audit_sim.c):
 * the golden case tests/golden/sim, A against B, whose figures are worked
 * out by hand in its README: A pays 3,200.00 (p1 800.00, p2 2,400.00), B
 * 3,400.00 (p2 2,600.00).  It is a ledger entry, not a run, and verify
 * covers it. */
static const char *cell_of(const inc_table *t, size_t r, const char *col)
{
	for (size_t c = 0; c < t->n_cols; c++)
		if (strcmp(t->cols[c], col) == 0)
			return t->cells[r * t->n_cols + c];
	return "(no such column)";
}

static void test_simulation_recorded(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_audit_sim.XXXXXX", db[64];
	inc_policy *a = NULL, *b = NULL;
	inc_sim *s = NULL;
	inc_audit *au = NULL;
	inc_sim_record *r = NULL;
	inc_audit_verify_summary sum;
	inc_audit_run_info run;
	inc_table t;
	char *err = NULL;
	int64_t n = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/a.db", dir);
	assert_int_equal(inc_policy_load(&a, SRCDIR "/tests/golden/sim/policy.yaml",
					 NULL, NULL, &err),
			 0);
	assert_int_equal(inc_policy_load(&b, SRCDIR "/tests/golden/sim/policy-b.yaml",
					 NULL, NULL, &err),
			 0);
	inc_sim_options so = {.no_curves = 1, .threads = 1};
	assert_int_equal(inc_sim_create(&s, a, b, &so, NULL, NULL), 0);
	assert_int_equal(inc_sim_add_people(s, SRCDIR "/tests/golden/sim/people.csv"), 0);
	assert_int_equal(inc_sim_add_quotas(s, SRCDIR "/tests/golden/sim/quotas.csv"), 0);
	assert_int_equal(inc_sim_add_events(s, SRCDIR "/tests/golden/sim/events.csv"), 0);

	assert_int_equal(inc_audit_open(&au, db, INC_AUDIT_WRITE, &err), 0);
	/* not executed yet: nothing to record */
	assert_int_equal(inc_audit_record_sim(au, s, NULL, &n), INC_ERROR);
	assert_int_equal(inc_sim_execute(s), 0);
	inc_audit_sim_options o = {.command = "test", .by = "unit", .note = ""};
	assert_int_equal(inc_audit_record_sim(au, s, &o, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(inc_audit_record_sim(au, s, &o, &n), 0);
	assert_int_equal(n, 2);

	/* no run */
	assert_int_equal(inc_audit_get_run(au, 0, &run), INC_ENOTFOUND);
	/* verify: two simulations, the head is the second one's hash */
	assert_int_equal(inc_audit_verify(&sum, au, NULL, NULL, NULL), 0);
	assert_int_equal(sum.simulations, 2);
	assert_int_equal(sum.runs, 0);
	assert_int_equal(sum.policies, 2);

	assert_int_equal(inc_audit_list_sims(&r, au), 0);
	assert_int_equal(inc_sim_record_table(r, 0, &t), 0);
	assert_string_equal(t.name, "simulations");
	assert_int_equal(t.n_rows, 2);
	assert_string_equal(cell_of(&t, 0, "cost A"), "USD 3200.00");
	assert_string_equal(cell_of(&t, 1, "cost B"), "USD 3400.00");
	assert_string_equal(cell_of(&t, 1, "by"), "unit");
	assert_int_equal(inc_sim_record_table(r, 1, &t), INC_ENOTFOUND);
	inc_sim_record_destroy(r);

	assert_int_equal(inc_audit_show_sim(&r, au, 1), 0);
	assert_int_equal(inc_sim_record_table(r, 2, &t), 0);
	assert_string_equal(t.name, "cost");
	assert_int_equal(t.n_rows, 2);
	assert_string_equal(cell_of(&t, 1, "change"), "200.00");
	assert_int_equal(inc_sim_record_table(r, 3, &t), 0);
	assert_string_equal(t.name, "people");
	assert_int_equal(t.n_rows, 2);
	assert_string_equal(cell_of(&t, 1, "pay A"), "2400.00");
	assert_string_equal(cell_of(&t, 1, "pay B"), "2600.00");
	assert_string_equal(cell_of(&t, 1, "change"), "200.00");
	inc_sim_record_destroy(r);
	r = NULL;
	assert_int_equal(inc_audit_show_sim(&r, au, 3), INC_ENOTFOUND);
	assert_null(r);

	inc_audit_close(au);
	inc_sim_destroy(s);
	inc_policy_destroy(a);
	inc_policy_destroy(b);
	free(err);
	char path[96];
	const char *files[] = {"a.db", "a.db-wal", "a.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Compacts obj and expands it back; returns the stored form in buf. */
static void round_trip(detail_shapes *sh, const char *obj, const char *want,
		       bool want_new)
{
	canon keys, out, back;
	bool fresh;

	canon_init(&keys);
	canon_init(&out);
	canon_init(&back);
	assert_int_equal(
	    detail_compact(sh, obj, strlen(obj), &keys, &out, &fresh), 0);
	assert_string_equal(out.buf, want);
	assert_int_equal(fresh, want_new);
	assert_int_equal(detail_expand(sh, out.buf, out.len, &back), 0);
	assert_string_equal(back.buf, obj);
	canon_finish(&keys);
	canon_finish(&out);
	canon_finish(&back);
}

/* docs/audit.md, "Decision details": [shape,values...] with the keys once */
static void test_detail_compact(void **state)
{
	(void)state;
	detail_shapes sh;
	detail_shapes_init(&sh);
	round_trip(&sh, "{\"exact\":\"900.14800\",\"rate\":\"0.08\"}",
		   "[1,\"900.14800\",\"0.08\"]", true);
	assert_int_equal(sh.n, 1);
	assert_string_equal(sh.keys[0], "[\"exact\",\"rate\"]");
	/* the same keys: the same shape, nothing new to store */
	round_trip(&sh, "{\"exact\":\"1\",\"rate\":\"2\"}",
		   "[1,\"1\",\"2\"]", false);
	/* other keys, or the same in another order: another shape */
	round_trip(&sh, "{\"rate\":\"2\",\"exact\":\"1\"}",
		   "[2,\"2\",\"1\"]", true);
	/* values keep their escapes byte for byte, commas and brackets
	 * inside a value are part of it */
	round_trip(&sh,
		   "{\"label\":\"a \\\"b\\\", c]\\\\\",\"x\":\"\\u0001\"}",
		   "[3,\"a \\\"b\\\", c]\\\\\",\"\\u0001\"]", true);
	/* no keys at all */
	round_trip(&sh, "{}", "[4]", true);
	assert_int_equal(sh.n, 4);
	/* shape 1 again after others: found without a new shape */
	round_trip(&sh, "{\"exact\":\"3\",\"rate\":\"4\"}",
		   "[1,\"3\",\"4\"]", false);

	canon keys, out;
	bool fresh;
	canon_init(&keys);
	canon_init(&out);
	/* not a flat object of strings: stored as it is (1) */
	const char *bad[] = {"", "[]", "{\"a\":1}", "{\"a\":\"1\"", "{\"a\"}",
			     "{\"a\":\"1\",}", "{\"a\":{\"b\":\"c\"}}"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(detail_compact(&sh, bad[i], strlen(bad[i]),
						&keys, &out, &fresh),
				 1);
	/* expanding what does not fit a shape fails (1), never reads past
	 * the text: unknown shape, too few or too many values, no ']' */
	const char *wrong[] = {"[0]",	      "[9]",	   "[1,\"a\"]",
			       "[1,\"a\",\"b\",\"c\"]", "[1,\"a\",\"b\"",
			       "[1,\"a\",\"b\\", "[4,]", "[", "[1,\"a\",\"b\"]x",
			       "[99999999999999999999]"};
	for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++)
		assert_int_equal(
		    detail_expand(&sh, wrong[i], strlen(wrong[i]), &out), 1);
	/* a detail stored as an object (versions 1 and 2) is read as is */
	assert_int_equal(detail_expand(&sh, "{\"a\":\"1\"}", 9, &out), 0);
	assert_string_equal(out.buf, "{\"a\":\"1\"}");
	canon_finish(&keys);
	canon_finish(&out);
	detail_shapes_free(&sh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_canonical_bytes),
	    cmocka_unit_test(test_sha256_vector),
	    cmocka_unit_test(test_chain),
	    cmocka_unit_test(test_null_is_not_empty),
	    cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_policy_from_memory),
	    cmocka_unit_test(test_policy_with_script_from_memory),
	    cmocka_unit_test(test_simulation_recorded),
	    cmocka_unit_test(test_detail_compact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
