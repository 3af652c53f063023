/*
 * test_input.c: the input readers: CSV (csv.c), JSON Lines (jsonl.c), the
 * roster (roster.c) and the event source (evsrc.c).
 *
 * The policy is built by hand (no loader): two versions, 2026.1 effective
 * 2026-01-01 and 2026.2 effective 2026-07-01, USD, quarters, ladder SR1
 * and SR2.  Input files are written to /tmp with mkstemps.  Every expected
 * value is worked out in the comment next to it.
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

#include "csv.h"
#include "input.h"
#include "record.h"

/* ---- fixture --------------------------------------------------------------
 */

typedef struct diag_rec {
	inc_severity sev;
	uint32_t line;
	char file[256];
	char msg[512];
	char hint[256];
} diag_rec;

#define MAX_DIAGS 64
#define MAX_TMP 8

typedef struct fx {
	inc_policy pol;
	policy_version vers[2];
	level levels[2];
	event_type types[2][4];
	field_def deal[8], refund[2], adjust[1];
	const char *regions[3];
	const char *slot_names[4];
	pcre2_code *product_re;

	roster ro;
	inc_run_stats stats;
	input_ctx ctx;
	diag_rec diags[MAX_DIAGS];
	size_t n_diags;
	char *tmp[MAX_TMP];
	size_t n_tmp;
} fx;

static void collect(void *ud, const inc_diag *d)
{
	fx *f = ud;
	diag_rec *r;

	if (f->n_diags == MAX_DIAGS)
		return; /* test_many_events: counted in stats */
	r = &f->diags[f->n_diags++];
	r->sev = d->severity;
	r->line = d->line;
	snprintf(r->file, sizeof r->file, "%s", d->file ? d->file : "");
	snprintf(r->msg, sizeof r->msg, "%s", d->message);
	snprintf(r->hint, sizeof r->hint, "%s", d->hint ? d->hint : "");
}

static field_def fdef(const char *name, field_type t, bool required)
{
	field_def d;

	memset(&d, 0, sizeof d);
	d.name = name;
	d.type = t;
	d.required = required;
	d.ref_type = -1;
	return d;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	int errcode;
	PCRE2_SIZE erroff;
	const char *pat = "^[A-Z]+(-[A-Z]+)*-\\d+$";

	assert_non_null(f);
	f->product_re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0,
				      &errcode, &erroff, NULL);
	assert_non_null(f->product_re);

	/* deal_closed: amount, product (pattern), region (enum), units,
	 * split, ref (not declared: see refund), closed_on, factor */
	f->deal[0] = fdef("amount", FT_MONEY, true);
	f->deal[1] = fdef("product", FT_STRING, true);
	f->deal[1].pattern = f->product_re;
	f->deal[1].pattern_src = pat;
	f->deal[2] = fdef("region", FT_ENUM, false);
	f->regions[0] = "EMEA";
	f->regions[1] = "APAC";
	f->regions[2] = "AMER";
	f->deal[2].enum_values = f->regions;
	f->deal[2].n_enum = 3;
	f->deal[3] = fdef("units", FT_INTEGER, false);
	f->deal[4] = fdef("split", FT_SPLIT, false);
	f->deal[5] = fdef("closed_on", FT_DATE, false);
	f->deal[6] = fdef("factor", FT_DECIMAL, false);
	f->refund[0] = fdef("amount", FT_MONEY, true);
	f->refund[1] = fdef("ref", FT_REF, true);
	f->refund[1].ref_type = 0;		  /* deal_closed */
	f->adjust[0] = fdef("ref", FT_REF, true); /* any type */

	for (int v = 0; v < 2; v++) {
		event_type *t = f->types[v];

		t[0].name = "deal_closed";
		t[0].slot = 0;
		t[0].fields = f->deal;
		t[0].n_fields = 7;
		t[0].credit_field = 0;
		t[0].split_field = 4;
		t[1].name = "refund";
		t[1].slot = 1;
		t[1].fields = f->refund;
		t[1].n_fields = 2;
		t[1].credit_field = t[1].split_field = -1;
		t[2].name = "adjustment";
		t[2].slot = 3;
		t[2].fields = f->adjust;
		t[2].n_fields = 1;
		t[2].credit_field = t[2].split_field = -1;
		t[3].name = "visit"; /* only in 2026.1 */
		t[3].slot = 2;
		t[3].credit_field = t[3].split_field = -1;
		f->vers[v].policy_name = "test";
		f->vers[v].currency = "USD";
		f->vers[v].rounding = DEC_HALF_UP;
		f->vers[v].period = PERIOD_QUARTER;
		f->vers[v].levels = f->levels;
		f->vers[v].n_levels = 2;
		f->vers[v].types = t;
		f->vers[v].n_types = v == 0 ? 4 : 3;
	}
	f->vers[0].label = "2026.1";
	f->vers[0].effective = date_from_ymd(2026, 1, 1);
	f->vers[1].label = "2026.2";
	f->vers[1].effective = date_from_ymd(2026, 7, 1);
	f->levels[0].id = "SR1";
	f->levels[1].id = "SR2";
	f->slot_names[0] = "deal_closed";
	f->slot_names[1] = "refund";
	f->slot_names[2] = "visit";
	f->slot_names[3] = "adjustment";
	f->pol.versions = f->vers;
	f->pol.n_versions = 2;
	f->pol.type_slot_names = f->slot_names;
	f->pol.n_type_slots = 4;

	roster_init(&f->ro);
	f->ctx.policy = &f->pol;
	f->ctx.diag = collect;
	f->ctx.ud = f;
	f->ctx.stats = &f->stats;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	for (size_t i = 0; i < f->n_tmp; i++) {
		unlink(f->tmp[i]);
		free(f->tmp[i]);
	}
	roster_finish(&f->ro);
	free(f->ctx.errmsg);
	pcre2_code_free(f->product_re);
	free(f);
	return 0;
}

/* Writes n bytes to a new temp file ending in suffix; returns its path. */
static const char *tmp_file_n(fx *f, const char *suffix, const char *data,
			      size_t n)
{
	char path[64];
	int fd;

	snprintf(path, sizeof path, "/tmp/test_input_XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	assert_true(f->n_tmp < MAX_TMP);
	f->tmp[f->n_tmp] = strdup(path);
	return f->tmp[f->n_tmp++];
}

static const char *tmp_file(fx *f, const char *suffix, const char *data)
{
	return tmp_file_n(f, suffix, data, strlen(data));
}

/* The diagnostic reported for line `line`; fails when there is none. */
static const diag_rec *diag_at(fx *f, uint32_t line)
{
	for (size_t i = 0; i < f->n_diags; i++)
		if (f->diags[i].line == line)
			return &f->diags[i];
	fail_msg("no diagnostic for line %u", line);
	return NULL;
}

static void expect_reject(fx *f, uint32_t line, const char *msg,
			  const char *hint)
{
	const diag_rec *d = diag_at(f, line);

	assert_int_equal(d->sev, INC_SEV_ERROR);
	assert_string_equal(d->msg, msg);
	assert_string_equal(d->hint, hint ? hint : "");
}

static const char people_csv[] =
    "id,name,level,team,manager,hired,left,currency\n"
    "r01,Ana,SR1,east,,2025-01-01,,\n"
    "r02,Ben,SR2,east,r01,2025-01-01,,USD\n"
    "r03,Chloe,SR1,west,r01,2025-06-01,,EUR\n"
    "r04,Dan,SR1,west,r01,2025-01-01,2026-03-31,\n"
    "r05,Eve,SR1,east,r01,2026-02-01,,JPY\n";

static void load_people(fx *f)
{
	const char *p = tmp_file(f, ".csv", people_csv);

	assert_int_equal(roster_load_people(&f->ro, &f->ctx, p), 0);
	assert_int_equal(f->ro.n_people, 5);
	f->n_diags = 0;
	memset(&f->stats, 0, sizeof f->stats);
}

/* Reads every event of paths in order into ids (comma separated). */
static void yield_all(fx *f, const char **paths, size_t n, char *ids,
		      size_t cap)
{
	evsrc *s = NULL;
	const event *e;
	size_t k = 0;
	int rc;

	assert_int_equal(evsrc_create(&s, &f->ctx, &f->ro, paths, n), 0);
	ids[0] = '\0';
	while ((rc = evsrc_next(s, &e)) == 1)
		k += (size_t)snprintf(ids + k, cap - k, "%s%.*s", k ? "," : "",
				      (int)e->id_len, e->id);
	assert_int_equal(rc, 0);
	evsrc_destroy(s);
}

/* ---- CSV reader --------------------------------------------------------- */

static void test_csv_quoting(void **state)
{
	fx *f = *state;
	/* BOM, CRLF, a quoted comma, "" escapes, a field over three lines,
	 * an empty line, empty quoted fields and no final line end. */
	const char *p = tmp_file(f, ".csv",
				 "\xEF\xBB\xBF"
				 "a,b,c\r\n"
				 "1,\"x,y\",\"say \"\"hi\"\"\"\r\n"
				 "2,\"multi\nline\nfield\",z\r\n"
				 "\r\n"
				 "3,,\"\"\n"
				 "4,last,\"q\"");
	csv_reader *r = NULL;
	csv_record cr;
	char *err = NULL;

	assert_int_equal(csv_open(&r, p, 0, &err), 0);
	assert_int_equal(csv_next(r, &cr), 1);
	/* the header: after the 3-byte BOM */
	assert_int_equal(cr.line, 1);
	assert_int_equal(cr.offset, 3);
	assert_int_equal(cr.n_fields, 3);
	assert_memory_equal(cr.fields[0].s, "a", 1);
	csv_set_expected(r, 3);

	assert_int_equal(csv_next(r, &cr), 1);
	assert_null(cr.err);
	assert_int_equal(cr.line, 2);
	assert_int_equal(cr.fields[1].len, 3); /* x,y */
	assert_memory_equal(cr.fields[1].s, "x,y", 3);
	assert_int_equal(cr.fields[2].len, 8); /* say "hi" */
	assert_memory_equal(cr.fields[2].s, "say \"hi\"", 8);

	assert_int_equal(csv_next(r, &cr), 1);
	assert_null(cr.err);
	assert_int_equal(cr.line, 3); /* where the record starts */
	assert_int_equal(cr.fields[1].len, 16);
	assert_memory_equal(cr.fields[1].s, "multi\nline\nfield", 16);
	assert_memory_equal(cr.fields[2].s, "z", 1);

	/* lines 3-5 were the record, line 6 is empty: next is line 7 */
	assert_int_equal(csv_next(r, &cr), 1);
	assert_null(cr.err);
	assert_int_equal(cr.line, 7);
	assert_int_equal(cr.fields[1].len, 0);
	assert_int_equal(cr.fields[2].len, 0);

	assert_int_equal(csv_next(r, &cr), 1);
	assert_int_equal(cr.line, 8);
	assert_memory_equal(cr.fields[1].s, "last", 4);
	assert_memory_equal(cr.fields[2].s, "q", 1);
	assert_int_equal(csv_next(r, &cr), 0);
	csv_close(r);
}

static const char csv_bad[] =
    "a,b,c\n"
    "1,2\n"		   /* 2: two fields */
    "1,2,3\0\n"		   /* 3: NUL */
    "1,\xff,3\n"	   /* 4: not UTF-8 */
    "a\"b,2,3\n"	   /* 5: stray quote */
    "\"a\"b,2,3\n"	   /* 6: text after the closing quote */
    "7,8,9\n"		   /* 7: good */
    "x,\"unterminated,3\n" /* 8: never closes */
    "5,6,7\n";		   /* swallowed by the open quote */

static void test_csv_errors(void **state)
{
	fx *f = *state;
	const char *p = tmp_file_n(f, ".csv", csv_bad, sizeof csv_bad - 1);
	csv_reader *r = NULL;
	csv_record cr;
	char *err = NULL;

	assert_int_equal(csv_open(&r, p, 0, &err), 0);
	assert_int_equal(csv_next(r, &cr), 1);
	csv_set_expected(r, 3);
	assert_int_equal(csv_next(r, &cr), 1);
	assert_int_equal(cr.line, 2);
	assert_string_equal(cr.err,
			    "expected 3 fields (as in the header), got 2");
	assert_int_equal(csv_next(r, &cr), 1);
	assert_int_equal(cr.line, 3);
	assert_string_equal(cr.err, "embedded NUL byte");
	assert_int_equal(csv_next(r, &cr), 1);
	assert_int_equal(cr.line, 4);
	assert_string_equal(cr.err, "invalid UTF-8");
	assert_int_equal(csv_next(r, &cr), 1);
	assert_int_equal(cr.line, 5);
	assert_string_equal(cr.err, "stray quote in unquoted field 1 (quote "
				    "the field and double the quote)");
	assert_int_equal(csv_next(r, &cr), 1);
	assert_int_equal(cr.line, 6);
	assert_string_equal(
	    cr.err, "unexpected text after the closing quote of field 1");
	assert_int_equal(csv_next(r, &cr), 1);
	assert_int_equal(cr.line, 7);
	assert_null(cr.err);
	assert_int_equal(csv_next(r, &cr), 1);
	assert_int_equal(cr.line, 8);
	assert_string_equal(cr.err, "unterminated quoted field");
	assert_true(cr.fatal);
	assert_int_equal(csv_next(r, &cr), 0);
	csv_close(r);
}

static void test_csv_long_lines(void **state)
{
	fx *f = *state;
	size_t big = 5 * CSV_MAX_RECORD, n = 0; /* more than a buffer */
	char *data = malloc(2 * big + 100);
	csv_reader *r = NULL;
	csv_record cr;
	char *err = NULL;
	const char *p;

	assert_non_null(data);
	n += (size_t)sprintf(data + n, "a,b\n"); /* line 1 */
	memset(data + n, 'x', big);		 /* line 2: too long */
	n += big;
	n += (size_t)sprintf(data + n, ",y\n1,2\n"); /* line 3 */
	/* line 4: a quoted field over 1 MiB spanning lines 4-6 */
	data[n++] = '"';
	memset(data + n, 'q', big);
	data[n + 100] = '\n';
	data[n + 200] = '\n';
	n += big;
	n += (size_t)sprintf(data + n, "\",y\n3,4\n"); /* line 7 */
	p = tmp_file_n(f, ".csv", data, n);
	free(data);

	assert_int_equal(csv_open(&r, p, 0, &err), 0);
	assert_int_equal(csv_next(r, &cr), 1);
	csv_set_expected(r, 2);
	assert_int_equal(csv_next(r, &cr), 1);
	assert_int_equal(cr.line, 2);
	assert_string_equal(cr.err, "line longer than 1 MiB");
	assert_int_equal(csv_next(r, &cr), 1);
	assert_int_equal(cr.line, 3);
	assert_null(cr.err);
	assert_memory_equal(cr.fields[0].s, "1", 1);
	assert_int_equal(csv_next(r, &cr), 1);
	assert_int_equal(cr.line, 4);
	assert_string_equal(cr.err, "line longer than 1 MiB");
	assert_int_equal(csv_next(r, &cr), 1);
	assert_int_equal(cr.line, 7);
	assert_null(cr.err);
	assert_memory_equal(cr.fields[0].s, "3", 1);
	assert_int_equal(csv_next(r, &cr), 0);
	csv_close(r);
}

/* ---- roster ----------------------------------------------------------------
 */

static void test_people(void **state)
{
	fx *f = *state;
	const char *p =
	    tmp_file(f, ".csv",
		     "id,name,level,team,manager,hired,left,currency\n"
		     "p1,Ana,SR1,,,2025-01-01,,\n"	    /* 2 ok */
		     "p2,Ben,SR3,,,2025-01-01,,\n"	    /* 3 */
		     "p3,Cy,SR1,,,2025-02-30,,\n"	    /* 4 */
		     "p4,Di,SR1,,,2025-05-01,2025-04-30,\n" /* 5 */
		     "p5,Ed,SR1,,,2025-01-01,,usd\n"	    /* 6 */
		     "p1,Fay,SR1,,,2025-01-01,,\n"	    /* 7 */
		     "p6,Gil,SR1,,p9,2025-01-01,,\n"	    /* 8 */
		     "p7,Hal,SR1,,p6,2025-01-01,,\n"	    /* 9 */
		     "p8,Ivy,SR1,,p1,2025-01-01,,KWD\n"	    /* 10 ok */
		     "p9x,Jo,SR1,,p9x,2025-01-01,,\n"	    /* 11 */
		     "p10,Kim,,,,2025-01-01,,\n");	    /* 12 */
	char path_line2[300];

	assert_int_equal(roster_load_people(&f->ro, &f->ctx, p), 0);
	expect_reject(f, 3, "level 'SR3' is not on the career ladder",
		      "did you mean 'SR1'?"); /* SR1, SR2 both 1 away: first */
	expect_reject(f, 4, "hired '2025-02-30' does not exist", NULL);
	expect_reject(f, 5, "left 2025-04-30 is before hired 2025-05-01", NULL);
	expect_reject(f, 6, "unknown currency 'usd'", "did you mean 'USD'?");
	snprintf(path_line2, sizeof path_line2,
		 "duplicate person id 'p1' (first at %s:2)", p);
	expect_reject(f, 7, path_line2, NULL);
	/* p9 is no one; ids p1,p6,p7,p8,p9x: p1 is 1 edit from p9, first */
	expect_reject(f, 8, "manager 'p9' is not a person id",
		      "did you mean 'p1'?");
	expect_reject(f, 9, "manager 'p6' was rejected", NULL);
	expect_reject(f, 11, "person 'p9x' is their own manager", NULL);
	expect_reject(f, 12, "missing 'level'", NULL);
	/* line order: the pass-1 rejects, then the manager checks */
	assert_int_equal(f->n_diags, 9);
	assert_int_equal(f->diags[5].line, 12);
	assert_int_equal(f->diags[6].line, 8);
	assert_int_equal(f->stats.lines_read, 11);
	assert_int_equal(f->stats.people_rejected, 9);
	/* kept: p1 and p8, renumbered */
	assert_int_equal(f->ro.n_people, 2);
	assert_int_equal(roster_find(&f->ro, "p8", 2), 1);
	assert_int_equal(f->ro.people[1].index, 1);
	assert_int_equal(roster_find(&f->ro, "p6", 2), -1);
	assert_string_equal(f->ro.people[1].currency, "KWD");
	assert_int_equal(f->ro.people[1].minor, 3);
	/* p1: no currency -> the latest version's, USD, 2 decimals */
	assert_string_equal(f->ro.people[0].currency, "USD");
	assert_int_equal(f->ro.people[0].minor, 2);
	assert_int_equal(f->ro.people[1].line, 10);
}

static void test_people_header(void **state)
{
	fx *f = *state;
	const char *p = tmp_file(f, ".csv", "id,name,levl,hired\n");
	const char *q = tmp_file(f, ".csv", "id,name,level\n");
	char want[400];

	assert_int_equal(roster_load_people(&f->ro, &f->ctx, p), INC_EINPUT);
	snprintf(want, sizeof want,
		 "%s:1: unknown column 'levl' (did you mean 'level'?)", p);
	assert_string_equal(f->ctx.errmsg, want);
	assert_int_equal(roster_load_people(&f->ro, &f->ctx, q), INC_EINPUT);
	snprintf(want, sizeof want,
		 "%s:1: the header has no 'hired' column (people files need "
		 "id,name,level,hired)",
		 q);
	assert_string_equal(f->ctx.errmsg, want);
	assert_int_equal(
	    roster_load_people(&f->ro, &f->ctx, "/nonexistent/x.csv"),
	    INC_EINPUT);
	assert_string_equal(
	    f->ctx.errmsg,
	    "cannot open /nonexistent/x.csv: No such file or directory");
}

static void test_quotas(void **state)
{
	fx *f = *state;
	const char *p;
	char want[400];
	dec q;

	load_people(f);
	p = tmp_file(f, ".csv",
		     "person,period,amount\n"
		     "r01,2026-Q1,50000.00\n" /* 2 ok */
		     "r01,2026-Q2,50000\n"    /* 3 ok */
		     "r99,2026-Q1,1\n"	      /* 4 */
		     "r02,2026-Q5,1\n"	      /* 5 */
		     "r02,2026-Q1,1.001\n"    /* 6 */
		     "r02,2026-Q1,-5\n"	      /* 7 */
		     "r01,2026-Q1,10\n"	      /* 8 */
		     "r05,2026-Q1,1000000\n"  /* 9 ok: JPY */
		     "r05,2026-Q2,1.5\n");    /* 10 */
	assert_int_equal(roster_load_quotas(&f->ro, &f->ctx, p), 0);
	/* r99 is 2 edits from r01..r05: beyond 1 (3 letters / 3): no hint */
	expect_reject(f, 4, "unknown person 'r99'", NULL);
	expect_reject(
	    f, 5, "period '2026-Q5' is not a quarter (write it like 2026-Q1)",
	    NULL);
	expect_reject(f, 6, "amount 1.001 has 3 decimals; USD allows 2", NULL);
	expect_reject(f, 7, "amount -5 is negative", NULL);
	snprintf(want, sizeof want,
		 "duplicate quota for 'r01' in 2026-Q1 (first at %s:2)", p);
	expect_reject(f, 8, want, NULL);
	expect_reject(f, 10, "amount 1.5 has 1 decimal; JPY allows 0", NULL);
	assert_int_equal(f->stats.quotas_rejected, 6);
	assert_int_equal(f->stats.lines_read, 9);
	assert_int_equal(f->ro.n_quotas, 3);
	/* 2026-Q2 = 2026*4 + 1; "50000" is kept at 2 decimals: 5000000e-2 */
	assert_true(roster_quota(&f->ro, 0, 2026 * 4 + 1, &q));
	assert_true(q.coef == 5000000 && q.scale == 2);
	assert_true(roster_quota(&f->ro, 4, 2026 * 4 + 0, &q));
	assert_true(q.coef == 1000000 && q.scale == 0);
	assert_false(roster_quota(&f->ro, 1, 2026 * 4 + 0, &q));
}

/* ---- events -------------------------------------------------------------- */

static void test_event_rejects(void **state)
{
	fx *f = *state;
	const char *p;
	const char *paths[1];
	char ids[512], want[400];

	load_people(f);
	/* 12 columns: id,date,type,person,amount,product,region,units,split,
	 * ref,closed_on,factor */
	p = tmp_file(
	    f, ".csv",
	    "id,date,type,person,amount,product,region,units,split,ref,closed_"
	    "on,factor\n"
	    "e-01,2026-01-05,deal_closed,r01,100.00,SW-ENT-1,EMEA,3,,,,\n" /* 2
									      ok
									    */
	    "e-02,2026-02-30,deal_closed,r01,100.00,SW-ENT-1,,,,,,\n"	 /* 3 */
	    "e-03,2025-12-31,deal_closed,r01,100.00,SW-ENT-1,,,,,,\n"	 /* 4 */
	    "e-04,2026-01-06,deal_close,r01,100.00,SW-ENT-1,,,,,,\n"	 /* 5 */
	    "e-05,2026-01-06,deal_closed,r99,100.00,SW-ENT-1,,,,,,\n"	 /* 6 */
	    "e-06,2026-01-06,deal_closed,r01,12.345,SW-ENT-1,,,,,,\n"	 /* 7 */
	    "e-07,2026-01-06,deal_closed,r01,100.00,sw-ent-1,,,,,,\n"	 /* 8 */
	    "e-08,2026-01-06,deal_closed,r01,100.00,SW-ENT-1,EMA,,,,,\n" /* 9 */
	    "e-09,2026-01-06,deal_closed,r01,100.00,SW-ENT-1,,4.5,,,,\n" /* 10
									  */
	    "e-10,2026-01-06,refund,r01,100.00,SW-ENT-1,,,,e-01,,\n" /* 11 */
	    "e-11,2026-01-06,deal_closed,r01,,SW-ENT-1,,,,,,\n"	     /* 12 */
	    "e-12,2026-01-04,refund,r01,10.00,,,,,e-01,,\n"	     /* 13 */
	    "e-01,2026-01-07,deal_closed,r01,5.00,SW-ENT-1,,,,,,\n"  /* 14 */
	    "e-13,2026-01-07,refund,r01,10.00,,,,,e-01,,\n"	     /* 15 ok */
	    "e-14,2026-04-02,deal_closed,r04,1.00,SW-ENT-1,,,,,,\n"  /* 16 ok,
									warning
								      */
	    "e-15,2026-01-08,deal_closed,r01,100.00,SW-ENT-1,,,,,2026-13-01,\n" /* 17 */
	    "e-16,2026-01-08,deal_closed,r01,1.00,SW-ENT-1,,,,,,1."
	    "1234567890123456789\n"				   /* 18 */
	    "e-17,2026-01-08,visit,r01,,,,,,,,\n"		   /* 19 ok */
	    "e-18,2026-01-08,refund,r01,10.00,,,,,e-17,,\n"	   /* 20 */
	    "e-19,2026-01-09,deal_closed,r01,100,SW-ENT-1,,,,,,\n" /* 21 ok */
	    "e-20,2026-07-02,visit,r01,,,,,,,,\n"		   /* 22 */
	    "e-21,2026-01-09,deal_closed,r01,1,SW-ENT-1,,99999999999999999999,,"
	    ",,\n"				  /* 23 */
	    "e 22,2026-01-09,visit,r01,,,,,,,,\n" /* 24 ok: inner space */
	    ",2026-01-09,visit,r01,,,,,,,,\n");	  /* 25 */
	paths[0] = p;
	yield_all(f, paths, 1, ids, sizeof ids);

	expect_reject(f, 3, "date '2026-02-30' does not exist", NULL);
	expect_reject(f, 4,
		      "no policy version in force on 2025-12-31 (first is "
		      "effective 2026-01-01)",
		      NULL);
	expect_reject(f, 5, "unknown event type 'deal_close' (version 2026.1)",
		      "did you mean 'deal_closed'?");
	expect_reject(f, 6, "unknown person 'r99'", NULL);
	expect_reject(f, 7, "amount 12.345 has 3 decimals; USD allows 2", NULL);
	expect_reject(f, 8,
		      "product 'sw-ent-1' does not match the pattern "
		      "^[A-Z]+(-[A-Z]+)*-\\d+$",
		      NULL);
	/* EMA is one insertion from EMEA */
	expect_reject(f, 9, "region 'EMA' is not one of EMEA, APAC, AMER",
		      "did you mean 'EMEA'?");
	expect_reject(f, 10, "units '4.5' is not an integer", NULL);
	expect_reject(f, 11,
		      "field 'product' is not declared for event type 'refund'",
		      NULL);
	expect_reject(
	    f, 12, "missing 'amount' (required for event type 'deal_closed')",
	    NULL);
	/* e-01 is dated 2026-01-05, after this refund of 2026-01-04 */
	expect_reject(f, 13,
		      "ref 'e-01' does not name an earlier deal_closed event",
		      "'e-01' is dated 2026-01-05, after this event");
	snprintf(want, sizeof want, "duplicate event id 'e-01' (first at %s:2)",
		 p);
	expect_reject(f, 14, want, NULL);
	expect_reject(f, 17, "closed_on '2026-13-01' does not exist", NULL);
	expect_reject(f, 18,
		      "factor 1.1234567890123456789 has more than 18 decimals",
		      NULL);
	expect_reject(f, 20,
		      "ref 'e-17' does not name an earlier deal_closed event",
		      "'e-17' is a visit event");
	/* 2026.2 has no visit type */
	expect_reject(f, 22, "unknown event type 'visit' (version 2026.2)",
		      NULL);
	expect_reject(
	    f, 23,
	    "units 99999999999999999999 is out of range (64-bit integer)",
	    NULL);
	expect_reject(f, 25, "missing 'id'", NULL);
	{
		const diag_rec *w = diag_at(f, 16);

		assert_int_equal(w->sev, INC_SEV_WARNING);
		assert_string_equal(
		    w->msg,
		    "event dated 2026-04-02 is after 'r04' left (2026-03-31)");
	}
	/* 24 data lines; accepted: e-01 e-13 e-14 e-17 e-19, "e 22" = 6 */
	assert_int_equal(f->stats.lines_read, 24);
	assert_int_equal(f->stats.events_accepted, 6);
	assert_int_equal(f->stats.events_rejected, 18);
	assert_int_equal(f->stats.warnings, 1);
	assert_int_equal(f->n_diags, 19);
	/* file order e-01 (01-05), e-13 (01-07), e-14 (04-02), e-17 (01-08):
	 * out of order, yielded by (date, id): "e 22" < "e-19" (' ' < '-') */
	assert_string_equal(ids, "e-01,e-13,e-17,e 22,e-19,e-14");
}

static void test_event_values(void **state)
{
	fx *f = *state;
	const char *paths[1];
	evsrc *s = NULL;
	const event *e;

	load_people(f);
	paths[0] = tmp_file(
	    f, ".csv",
	    "id,date,type,person,amount,product,region,units,closed_on,factor\n"
	    "v-1,2026-01-05,deal_closed,r01,100,SW-1,APAC,-42,2026-02-28,0."
	    "125\n"
	    "v-2,2026-02-06,deal_closed,r05,1500,SW-1,,,,\n");
	assert_int_equal(evsrc_create(&s, &f->ctx, &f->ro, paths, 1), 0);
	assert_int_equal(f->n_diags, 0);
	assert_int_equal(evsrc_next(s, &e), 1);
	assert_int_equal(e->id_len, 3);
	assert_memory_equal(e->id, "v-1", 3);
	assert_int_equal(e->date, date_from_ymd(2026, 1, 5));
	assert_ptr_equal(e->version, &f->vers[0]);
	assert_ptr_equal(e->type, &f->types[0][0]);
	assert_int_equal(e->person, 0);
	assert_int_equal(e->line, 2);
	/* amount "100" at USD's 2 decimals: 10000e-2 */
	assert_true(e->fields[0].present);
	assert_true(e->fields[0].v.u.d.coef == 10000 &&
		    e->fields[0].v.u.d.scale == 2);
	assert_int_equal(e->fields[1].v.u.str.len, 4);
	assert_int_equal(e->fields[2].v.u.ix, 1); /* APAC */
	assert_int_equal(e->fields[3].v.u.i, -42);
	assert_false(e->fields[4].present); /* split */
	assert_int_equal(e->fields[5].v.u.date, date_from_ymd(2026, 2, 28));
	assert_true(e->fields[6].v.u.d.coef == 125 &&
		    e->fields[6].v.u.d.scale == 3);
	assert_int_equal(evsrc_next(s, &e), 1);
	/* r05 is paid in JPY: 0 decimals */
	assert_true(e->fields[0].v.u.d.coef == 1500 &&
		    e->fields[0].v.u.d.scale == 0);
	assert_int_equal(evsrc_next(s, &e), 0);
	evsrc_destroy(s);
}

static void test_splits(void **state)
{
	fx *f = *state;
	const char *paths[1];
	evsrc *s = NULL;
	const event *e;

	load_people(f);
	paths[0] = tmp_file(
	    f, ".csv",
	    "id,date,type,person,amount,product,split\n"
	    "s-1,2026-01-05,deal_closed,r01,100.00,SW-1,r01:60;r02:40\n" /* 2 ok
									  */
	    "s-2,2026-01-05,deal_closed,r01,100.00,SW-1,r01:60;r02:39.5\n" /* 3
									    */
	    "s-3,2026-01-05,deal_closed,r01,100.00,SW-1,r01:60;r01:40\n" /* 4 */
	    "s-4,2026-01-05,deal_closed,r01,100.00,SW-1,r02:100\n"	 /* 5 */
	    "s-5,2026-01-05,deal_closed,r01,100.00,SW-1,r01:50;r03:50\n" /* 6 */
	    "s-6,2026-01-05,deal_closed,r01,100.00,SW-1,r01:50;r99:50\n" /* 7 */
	    "s-7,2026-01-05,deal_closed,r01,100.00,SW-1,r01:0;r02:100\n" /* 8 */
	    "s-8,2026-01-05,deal_closed,r01,100.00,SW-1,r01:33.33335;r02:66."
	    "66665\n" /* 9 */
	    "s-9,2026-01-05,deal_closed,r01,100.00,SW-1,r01 : 33.3333; "
	    "r02:66.6667\n"					     /* 10 ok */
	    "s-10,2026-01-05,deal_closed,r01,100.00,SW-1,r01-60\n"); /* 11 */
	assert_int_equal(evsrc_create(&s, &f->ctx, &f->ro, paths, 1), 0);
	/* 60 + 39.5 = 99.5 */
	expect_reject(f, 3, "split percentages sum to 99.5, not 100", NULL);
	expect_reject(f, 4, "split names 'r01' twice", NULL);
	expect_reject(f, 5, "split does not include the event's person 'r01'",
		      NULL);
	expect_reject(f, 6,
		      "split person 'r03' is paid in EUR, not USD like 'r01'",
		      NULL);
	expect_reject(f, 7, "split person 'r99' is not in the roster", NULL);
	expect_reject(f, 8, "split percentage for 'r01' must be greater than 0",
		      NULL);
	expect_reject(
	    f, 9,
	    "split percentage 33.33335 for 'r01' has more than 4 decimals",
	    NULL);
	expect_reject(f, 11, "split part 'r01-60' is not person:percent", NULL);
	assert_int_equal(f->stats.events_accepted, 2);
	assert_int_equal(f->stats.events_rejected, 8);

	/* same date: "s-1" < "s-9" */
	assert_int_equal(evsrc_next(s, &e), 1);
	assert_memory_equal(e->id, "s-1", 3);
	assert_int_equal(e->fields[4].n_parts, 2);
	assert_int_equal(e->fields[4].parts[0].person, 0);
	assert_true(e->fields[4].parts[0].pct.coef == 60);
	assert_int_equal(e->fields[4].parts[1].person, 1);
	assert_true(e->fields[4].parts[1].pct.coef == 40);
	assert_int_equal(evsrc_next(s, &e), 1);
	assert_memory_equal(e->id, "s-9", 3);
	/* spaces around the parts are trimmed: 33.3333 = 333333e-4 */
	assert_true(e->fields[4].parts[0].pct.coef == 333333 &&
		    e->fields[4].parts[0].pct.scale == 4);
	assert_true(e->fields[4].parts[1].pct.coef == 666667);
	assert_int_equal(evsrc_next(s, &e), 0);
	evsrc_destroy(s);
}

static void test_jsonl(void **state)
{
	fx *f = *state;
	char *data = malloc(2000), *big;
	const char *paths[1];
	evsrc *s = NULL;
	const event *e;
	size_t n = 0;

	assert_non_null(data);
	big = malloc(401);
	assert_non_null(big);
	memset(big, '9', 400);
	big[400] = '\0';
	load_people(f);
	n += (size_t)sprintf(
	    data + n,
	    "{\"id\":\"j-1\",\"date\":\"2026-01-05\",\"type\":\"deal_"
	    "closed\",\"person\":\"r01\",\"amount\":12500.10,\"product\":"
	    "\"SW-1\"}\n" /* 1 ok */
	    "{\"id\":\"j-2\",\"date\":\"2026-01-05\",\"type\":\"deal_"
	    "closed\",\"person\":\"r01\",\"amount\":%s,\"product\":\"SW-"
	    "1\"}\n"		  /* 2 */
	    "{\"id\":\"j-3\",}\n" /* 3 */
	    "{\"id\":\"j-4\",\"date\":\"2026-01-05\",\"type\":\"deal_"
	    "closed\",\"person\":\"r01\",\"amout\":1.5,\"product\":\"SW-"
	    "1\"}\n" /* 4 */
	    "   \n"  /* 5 blank */
	    "{\"id\":\"j-5\",\"date\":\"2026-01-05\",\"type\":\"deal_"
	    "closed\",\"person\":\"r01\",\"amount\":1.5,\"amount\":2.5,"
	    "\"product\":\"SW-1\"}\n" /* 6 */
	    "{\"id\":\"j-6\",\"date\":\"2026-01-06\",\"type\":\"deal_"
	    "closed\",\"person\":\"r01\",\"amount\":7,\"product\":\"SW-1\","
	    "\"units\":12,\"region\":null}\r\n" /* 7 ok */
	    "[1,2]\n"				/* 8 */
	    "{\"id\":\"j-7\",\"date\":\"2026-01-06\",\"type\":\"deal_"
	    "closed\",\"person\":\"r01\",\"amount\":\"3.10\",\"product\":"
	    "\"SW-1\",\"units\":true}\n" /* 9 */
	    "{\"id\":\"j-8\",\"date\":\"2026-01-06\",\"type\":\"deal_"
	    "closed\",\"person\":\"r01\",\"amount\":1,\"product\":{\"a\":1}"
	    "}\n", /* 10 */
	    big);
	paths[0] = tmp_file_n(f, ".jsonl", data, n);
	free(data);
	free(big);
	assert_int_equal(evsrc_create(&s, &f->ctx, &f->ro, paths, 1), 0);
	expect_reject(f, 2, "number too large in field 'amount'", NULL);
	/* "{"id":"j-3",}": the '}' is the 13th byte */
	expect_reject(f, 3, "invalid JSON at column 13: unexpected character",
		      NULL);
	expect_reject(f, 4, "unknown field 'amout'", "did you mean 'amount'?");
	expect_reject(f, 6, "a key appears twice in the object", NULL);
	expect_reject(f, 8, "expected a JSON object, got an array", NULL);
	expect_reject(f, 9, "units 'true' is not an integer", NULL);
	expect_reject(f, 10,
		      "field 'product' is an object; it must be a string, a "
		      "number, true, false or null",
		      NULL);
	assert_int_equal(f->stats.lines_read,
			 9); /* the blank line is not one */
	assert_int_equal(f->stats.events_accepted, 2);
	assert_int_equal(f->stats.events_rejected, 7);

	assert_int_equal(evsrc_next(s, &e), 1);
	/* 12500.10 exactly as written, at 2 decimals: 1250010e-2 */
	assert_true(e->fields[0].v.u.d.coef == 1250010 &&
		    e->fields[0].v.u.d.scale == 2);
	assert_int_equal(evsrc_next(s, &e), 1);
	assert_memory_equal(e->id, "j-6", 3);
	assert_int_equal(e->line, 7);
	assert_true(e->fields[0].v.u.d.coef == 700); /* 7 -> 7.00 */
	assert_int_equal(e->fields[3].v.u.i, 12);
	assert_false(e->fields[2].present); /* region: null */
	assert_int_equal(evsrc_next(s, &e), 0);
	evsrc_destroy(s);
}

static void test_merge_files(void **state)
{
	fx *f = *state;
	const char *paths[3];
	char ids[512], want[400];

	load_people(f);
	/* a and b are in order (streamed), c is not (indexed) */
	paths[0] = tmp_file(f, ".csv",
			    "id,date,type,person\n"
			    "a-1,2026-01-05,visit,r01\n"
			    "a-2,2026-01-10,visit,r01\n"
			    "dup-1,2026-01-20,visit,r01\n");
	paths[1] = tmp_file(f, ".jsonl",
			    "{\"id\":\"b-1\",\"date\":\"2026-01-07\",\"type\":"
			    "\"visit\",\"person\":\"r02\"}\n"
			    "{\"id\":\"dup-1\",\"date\":\"2026-01-08\","
			    "\"type\":\"visit\",\"person\":\"r02\"}\n"
			    "{\"id\":\"b-2\",\"date\":\"2026-01-10\",\"type\":"
			    "\"visit\",\"person\":\"r02\"}\n");
	paths[2] = tmp_file(f, ".csv",
			    "type,person,id,date\n"
			    "visit,r03,c-2,2026-01-09\n"
			    "visit,r03,c-1,2026-01-06\n");
	yield_all(f, paths, 3, ids, sizeof ids);
	snprintf(want, sizeof want,
		 "duplicate event id 'dup-1' (first at %s:4)", paths[0]);
	assert_int_equal(f->n_diags, 1);
	assert_string_equal(f->diags[0].file, paths[1]);
	expect_reject(f, 2, want, NULL);
	/* by date; on 2026-01-10 "a-2" < "b-2" */
	assert_string_equal(ids, "a-1,c-1,b-1,c-2,a-2,b-2,dup-1");
	assert_int_equal(f->stats.events_accepted, 7);
	assert_int_equal(f->stats.lines_read, 8);
}

static void test_forward_refs(void **state)
{
	fx *f = *state;
	const char *paths[1];
	char ids[256];

	load_people(f);
	paths[0] = tmp_file(
	    f, ".csv",
	    "id,date,type,person,amount,product,ref\n"
	    "f-2,2026-02-01,refund,r01,10.00,,f-1\n" /* 2: f-1 comes later */
	    "f-1,2026-01-15,deal_closed,r01,50.00,SW-1,\n" /* 3 */
	    "f-4,2026-02-02,refund,r01,10.00,,f-3\n"	   /* 4: f-3 is later */
	    "f-3,2026-03-01,deal_closed,r01,50.00,SW-1,\n" /* 5 */
	    "f-5,2026-02-03,refund,r01,5.00,,f-9\n"	   /* 6: no f-9 */
	    "f-7,2026-03-03,adjustment,r01,,,f-4\n"	   /* 7: f-4 fails */
	    "f-8,2026-03-03,adjustment,r01,,,f-8\n");	   /* 8: itself */
	yield_all(f, paths, 1, ids, sizeof ids);
	expect_reject(f, 8, "ref 'f-8' does not name an earlier event",
		      "an event cannot refer to itself");
	expect_reject(f, 4,
		      "ref 'f-3' does not name an earlier deal_closed event",
		      "'f-3' is dated 2026-03-01, after this event");
	expect_reject(f, 6,
		      "ref 'f-9' does not name an earlier deal_closed event",
		      "no accepted event has the id 'f-9'");
	expect_reject(f, 7, "ref 'f-4' does not name an earlier event",
		      "the event 'f-4' was rejected");
	/* settled in (date, id) order of the referring events, after the
	 * line-8 reject of pass 1 */
	assert_int_equal(f->n_diags, 4);
	assert_int_equal(f->diags[1].line, 4);
	assert_int_equal(f->diags[2].line, 6);
	assert_int_equal(f->diags[3].line, 7);
	assert_int_equal(f->stats.events_accepted, 3);
	assert_int_equal(f->stats.events_rejected, 4);
	assert_string_equal(ids, "f-1,f-2,f-3");
}

/* Ids alike in their first bytes: the index sort must fall back on the
 * whole id.  JSON Lines, out of order, so each event is read back at its
 * offset. */
static void test_unsorted_long_ids(void **state)
{
	fx *f = *state;
	const char *paths[1];
	char ids[512];

	load_people(f);
	paths[0] = tmp_file(f, ".jsonl",
			    "{\"id\":\"x-AAAAAAAAAAAAAAAA-2\",\"date\":\"2026-"
			    "01-05\",\"type\":\"visit\",\"person\":\"r01\"}\n"
			    "{\"id\":\"x-AAAAAAAAAAAAAAAA-1\",\"date\":\"2026-"
			    "01-05\",\"type\":\"visit\",\"person\":\"r01\"}\n"
			    "{\"id\":\"y-1\",\"date\":\"2026-01-04\",\"type\":"
			    "\"visit\",\"person\":\"r01\"}\n"
			    "{\"id\":\"x-AAAAAAAAAAAAAAAA-10\",\"date\":\"2026-"
			    "01-05\",\"type\":\"visit\",\"person\":\"r01\"}\n");
	yield_all(f, paths, 1, ids, sizeof ids);
	assert_int_equal(f->n_diags, 0);
	/* 2026-01-04 first; then bytewise: "-1" < "-10" < "-2" */
	assert_string_equal(ids, "y-1,x-AAAAAAAAAAAAAAAA-1,x-AAAAAAAAAAAAAAAA-"
				 "10,x-AAAAAAAAAAAAAAAA-2");
}

/* Many events over four files, two in order and two not, some lines bad:
 * whatever the path, every accepted event comes out once, in (date, id)
 * order, and accepted + rejected = lines. */
static void test_many_events(void **state)
{
	fx *f = *state;
	const char *paths[4];
	size_t cap = 400000, lines = 0, bad = 0;
	char *buf[4];
	evsrc *s = NULL;
	const event *e;
	date_t last_d = INT32_MIN;
	char last_id[64] = "";
	size_t last_len = 0, n = 0;
	unsigned seed = 12345;

	load_people(f);
	for (int k = 0; k < 4; k++) {
		size_t len = 0;

		buf[k] = malloc(cap);
		assert_non_null(buf[k]);
		len += (size_t)sprintf(buf[k], "id,date,type,person\n");
		for (int i = 0; i < 3000; i++) {
			/* files 0 and 2 in order (ids zero-padded, days
			 * rising); 1 and 3 shuffled by a small LCG */
			int day;

			seed = seed * 1103515245u + 12345u;
			day = (k % 2 == 0) ? i / 40 : (int)((seed >> 16) % 75);
			if ((seed >> 8) % 97 == 0) {
				/* a bad date: reported, not yielded */
				len += (size_t)sprintf(
				    buf[k] + len,
				    "m%d-%05d,2026-02-30,visit,r01\n", k, i);
				bad++;
			} else {
				len += (size_t)sprintf(
				    buf[k] + len,
				    "m%d-%05d,2026-%02d-%02d,visit,r0%d\n", k,
				    i, 1 + day / 28, 1 + day % 28, 1 + i % 3);
			}
			lines++;
		}
		paths[k] = tmp_file_n(f, ".csv", buf[k], len);
		free(buf[k]);
	}
	assert_int_equal(evsrc_create(&s, &f->ctx, &f->ro, paths, 4), 0);
	while (evsrc_next(s, &e) == 1) {
		assert_true(e->date > last_d ||
			    (e->date == last_d &&
			     (e->id_len > last_len
				  ? memcmp(last_id, e->id, last_len) <= 0
				  : memcmp(last_id, e->id, e->id_len) < 0)));
		last_d = e->date;
		memcpy(last_id, e->id, e->id_len);
		last_len = e->id_len;
		n++;
	}
	evsrc_destroy(s);
	assert_int_equal(f->stats.lines_read, lines);
	assert_int_equal(f->stats.events_rejected, bad);
	assert_int_equal(f->stats.events_accepted, lines - bad);
	assert_int_equal(n, lines - bad);
}

/* A file that changes between the passes fails the run, never silently. */
static void test_changed_file(void **state)
{
	fx *f = *state;
	const char *paths[1];
	evsrc *s = NULL;
	const event *e;
	FILE *fp;

	load_people(f);
	paths[0] = tmp_file(f, ".csv",
			    "id,date,type,person\n"
			    "x-1,2026-01-05,visit,r01\n"
			    "x-2,2026-01-06,visit,r01\n");
	assert_int_equal(evsrc_create(&s, &f->ctx, &f->ro, paths, 1), 0);
	fp = fopen(paths[0], "w");
	assert_non_null(fp);
	fputs("id,date,type,person\nx-1,2026-01-05,visit,r01\n", fp);
	fclose(fp);
	assert_int_equal(evsrc_next(s, &e), 1);
	assert_true(evsrc_next(s, &e) < 0);
	assert_non_null(
	    strstr(f->ctx.errmsg, "changed while it was being read"));
	evsrc_destroy(s);
}

static void test_event_header(void **state)
{
	fx *f = *state;
	const char *paths[1];
	evsrc *s = NULL;
	char want[400];

	load_people(f);
	paths[0] = tmp_file(f, ".csv", "id,date,type,person,amont\n");
	assert_int_equal(evsrc_create(&s, &f->ctx, &f->ro, paths, 1),
			 INC_EINPUT);
	snprintf(want, sizeof want,
		 "%s:1: unknown column 'amont' (did you mean 'amount'?)",
		 paths[0]);
	assert_string_equal(f->ctx.errmsg, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_csv_quoting, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_long_lines, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_people, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_people_header, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_quotas, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_rejects, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_event_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_splits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_jsonl, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_merge_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forward_refs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsorted_long_ids, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_many_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_changed_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_header, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
