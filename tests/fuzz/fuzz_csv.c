/*
 * fuzz_csv.c: libFuzzer target for the CSV reader (src/lib/csv.c) and its
 * record view (header mapped onto columns).
 *
 * Input: byte 0 picks the mode (CSV_LINES, CSV_RAW) and an expected field
 * count, byte 1 seeds the chunk sizes, the rest is the file.
 *
 * Oracles, besides no crash / leak / sanitizer report:
 *  - streaming the file from disk and from a descriptor that hands it
 *    over in small pieces (so every record and quote can straddle a read
 *    and a buffer refill) gives the same records: lines, offsets,
 *    lengths, errors and field bytes;
 *  - csv_read_at of a good record gives the record again, and a rewind
 *    reads the same records again;
 *  - line numbers never go down, offsets grow, a record lies inside the
 *    file, a field of a good record is valid UTF-8 without NUL bytes;
 *  - the record view (csv_rec_open with event columns) reads every record
 *    after a good header, and reads them again after a raw rewind.
 */
#include <errno.h>
#include <sys/syscall.h>

#include "csv.h"
#include "fuzz_common.h"
#include "record.h"

#define MAX_RECS 4096

typedef struct digest {
	uint64_t line, offset, h;
	uint32_t len;
	int err;
} digest;

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

static void digest_of(const csv_record *r, unsigned flags, digest *d)
{
	uint64_t h = 0xcbf29ce484222325ull;

	d->line = r->line;
	d->offset = r->offset;
	d->len = r->len;
	d->err = r->err != NULL;
	if (r->err)
		h = mix(h, r->err, strlen(r->err));
	h = mix(h, &r->fatal, sizeof r->fatal);
	if (!r->err && (flags & CSV_LINES) && !(flags & CSV_RAW))
		h = mix(h, r->text, r->len);
	if (!r->err && !(flags & (CSV_LINES | CSV_RAW))) {
		h = mix(h, &r->n_fields, sizeof r->n_fields);
		for (size_t i = 0; i < r->n_fields; i++) {
			const csv_field *f = &r->fields[i];
			h = mix(h, &f->len, sizeof f->len);
			h = mix(h, f->s, f->len);
			if (csv_check_text(f->s, f->len))
				abort(); /* a good field is good text */
		}
	}
	d->h = h;
}

/* Reads every record of r into ds; returns the count. */
static size_t stream(csv_reader *r, unsigned flags, size_t expected,
		     size_t file_size, digest *ds)
{
	csv_record rec;
	size_t n = 0;
	uint64_t last_line = 0, last_end = 0;
	int rc;

	csv_set_flags(r, flags);
	csv_set_expected(r, expected);
	while (n < MAX_RECS && (rc = csv_next(r, &rec)) == 1) {
		if (rec.line < last_line || rec.line == 0)
			abort();
		if (rec.offset < last_end && n > 0)
			abort();
		if (!rec.fatal && rec.offset + rec.len > file_size)
			abort();
		if (!rec.err && rec.len > CSV_MAX_RECORD)
			abort();
		last_line = rec.line;
		last_end = rec.offset + rec.len;
		digest_of(&rec, flags, &ds[n++]);
	}
	return n;
}

/* The reader is also fed through a descriptor that hands the bytes over
 * in small pieces (1..64 bytes per read(), from a seeded sequence), so
 * that every record, quote and line end can straddle a read and the
 * buffer's refills.  read() is replaced in this program: calls on that
 * one descriptor are served from memory, every other one goes to the
 * kernel. */
static struct {
	int fd; /* -1: none */
	const uint8_t *data;
	size_t size, off;
	uint32_t x;
} chunked = {-1, NULL, 0, 0, 0};

ssize_t read(int fd, void *buf, size_t n);
ssize_t read(int fd, void *buf, size_t n)
{
	if (fd != chunked.fd || chunked.fd < 0)
		return syscall(SYS_read, fd, buf, n);
	chunked.x = chunked.x * 1103515245u + 12345u;
	size_t k = 1 + (chunked.x >> 16) % 64;
	if (k > n)
		k = n;
	if (k > chunked.size - chunked.off)
		k = chunked.size - chunked.off;
	memcpy(buf, chunked.data + chunked.off, k);
	chunked.off += k;
	return (ssize_t)k;
}

static digest a[MAX_RECS], b[MAX_RECS];

static void record_view(const char *path)
{
	static const char *const cols[] = {"id", "date", "type", "person",
					   "amount", "product"};
	rec_reader *rr = NULL;
	char *err = NULL;
	rec r;
	size_t n1 = 0, n2 = 0;
	int rc;

	if (csv_rec_open(&rr, path, cols, 6, &err) != 0) {
		if (!err || !*err)
			abort();
		free(err);
		return;
	}
	while (n1 < MAX_RECS && (rc = rec_next(rr, &r)) == 1) {
		if (r.index != n1)
			abort();
		if (!r.err)
			for (size_t i = 0; i < 6; i++)
				if (r.f[i].present != rec_has_column(rr, i) ||
				    strnlen(r.f[i].s, r.f[i].len) > r.f[i].len)
					abort();
		a[n1].line = r.line;
		a[n1].offset = r.offset;
		a[n1].len = r.len;
		n1++;
	}
	if (rec_rewind(rr, true) != 0)
		abort();
	while (n2 < MAX_RECS && (rc = rec_next(rr, &r)) == 1) {
		if (n2 >= n1 || r.line != a[n2].line ||
		    r.offset != a[n2].offset || r.len != a[n2].len)
			abort();
		n2++;
	}
	if (n1 != n2)
		abort();
	for (size_t i = 0; i < n1 && i < 64; i++) {
		if (a[i].len > CSV_MAX_RECORD)
			continue;
		if (rec_read_at(rr, a[i].offset, a[i].len, a[i].line, &r) != 1)
			abort();
	}
	rec_close(rr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	csv_reader *r = NULL;
	char *err = NULL;
	unsigned flags;
	size_t expected, na, nb;

	if (size < 2)
		return 0;
	flags = data[0] & 3;
	expected = (data[0] >> 2) & 7;
	unsigned seed = data[1];
	data += 2;
	size -= 2;
	const char *path = fz_write("in.csv", data, size);

	if (csv_open(&r, path, flags, &err) != 0)
		abort();
	na = stream(r, flags, expected, size, a);

	/* good records read again, at their offsets */
	for (size_t i = 0; i < na && i < 64; i++) {
		csv_record rec;
		digest d;
		if (a[i].err)
			continue;
		if (csv_read_at(r, a[i].offset, a[i].len, a[i].line, &rec) !=
		    1)
			abort();
		digest_of(&rec, flags, &d);
		if (d.h != a[i].h || d.line != a[i].line)
			abort();
	}
	/* and all of them after a rewind */
	if (csv_rewind(r) != 0)
		abort();
	nb = stream(r, flags, expected, size, b);
	if (na != nb || memcmp(a, b, na * sizeof *a) != 0)
		abort();
	csv_close(r);

	/* the same bytes in small pieces (any descriptor will do: its reads
	 * are served by read() above) */
	int fd = open("/dev/null", O_RDONLY);
	if (fd < 0)
		abort();
	chunked.fd = fd;
	chunked.data = data;
	chunked.size = size;
	chunked.off = 0;
	chunked.x = seed * 2654435761u + 1;
	if (csv_open_fd(&r, fd, true, "pieces", flags, &err) != 0)
		abort();
	nb = stream(r, flags, expected, SIZE_MAX, b);
	if (na != nb || memcmp(a, b, na * sizeof *a) != 0)
		abort();
	csv_close(r);
	chunked.fd = -1;

	record_view(path);
	return 0;
}
