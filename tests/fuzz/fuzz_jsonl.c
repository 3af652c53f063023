/*
 * fuzz_jsonl.c: libFuzzer target for the JSON Lines reader (src/lib/jsonl.c
 * on json-c), through the record view the event reader uses.
 *
 * Oracles, besides no crash / leak / sanitizer report: a good record's
 * present fields are readable, hold no NUL byte and are valid UTF-8 (they
 * come from a valid line); a raw rewind yields the same record positions;
 * re-reading a record at its offset gives the same fields or the same
 * error.
 */
#include "csv.h"
#include "fuzz_common.h"
#include "record.h"

#define MAX_RECS 4096
#define NCOLS 9

static const char *const cols[NCOLS] = {"id",	  "date",   "type",
					"person", "amount", "product",
					"region", "split",  "ref"};

typedef struct seen {
	uint64_t line, offset, h;
	uint32_t len;
	int err;
} seen;

static seen s1[MAX_RECS];

static uint64_t hash_rec(const rec *r)
{
	uint64_t h = 0xcbf29ce484222325ull;

	if (r->err) {
		for (const char *p = r->err; *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
		return h;
	}
	for (size_t i = 0; i < NCOLS; i++) {
		const rec_field *f = &r->f[i];
		h = (h ^ f->present) * 0x100000001b3ull;
		if (!f->present)
			continue;
		if (memchr(f->s, '\0', f->len) || csv_check_text(f->s, f->len))
			abort();
		for (size_t k = 0; k < f->len; k++)
			h = (h ^ (unsigned char)f->s[k]) * 0x100000001b3ull;
		h = (h ^ f->len) * 0x100000001b3ull;
	}
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rec_reader *rr = NULL;
	char *err = NULL;
	rec r;
	size_t n = 0, n2 = 0;
	int rc;
	const char *path = fz_write("in.jsonl", data, size);

	if (jsonl_rec_open(&rr, path, cols, NCOLS, &err) != 0)
		abort();
	while (n < MAX_RECS && (rc = rec_next(rr, &r)) == 1) {
		if (!r.err && !r.f)
			abort();
		if (r.err && !*r.err)
			abort();
		s1[n].line = r.line;
		s1[n].offset = r.offset;
		s1[n].len = r.len;
		s1[n].err = r.err != NULL;
		s1[n].h = hash_rec(&r);
		n++;
	}
	if (rec_rewind(rr, true) != 0)
		abort();
	while (n2 < MAX_RECS && (rc = rec_next(rr, &r)) == 1) {
		if (n2 >= n || r.line != s1[n2].line ||
		    r.offset != s1[n2].offset || r.len != s1[n2].len)
			abort();
		n2++;
	}
	if (n2 != n)
		abort();
	for (size_t i = 0; i < n && i < 64; i++) {
		if (s1[i].len > CSV_MAX_RECORD)
			continue;
		if (rec_read_at(rr, s1[i].offset, s1[i].len, s1[i].line,
				&r) != 1)
			abort();
		if ((r.err != NULL) != s1[i].err || hash_rec(&r) != s1[i].h)
			abort();
	}
	rec_close(rr);
	return 0;
}
