/*
 * csv.c: the streaming RFC 4180 reader of csv.h, and the CSV side of the
 * record view (record.h): the header row mapped onto a consumer's columns.
 *
 * How a record is read: first its end is found (memchr for '\n', and for
 * '"' only when the line has one), refilling the buffer as needed; then,
 * with the whole record in the buffer, its bytes are checked (no NUL,
 * valid UTF-8: a word-at-a-time ASCII fast path) and split on ','.
 * Quoted fields are unescaped in place, so every field is a slice of the
 * buffer.  Records longer than CSV_MAX_RECORD are not kept: the reader
 * drops their bytes as it scans to their end and reports them.
 */
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "record.h"
#include "util.h"

/* Four records of the largest size fit: a refill always has room. */
#define BUF_CAP (4 * CSV_MAX_RECORD)
#define FIELDS_MIN 32

struct csv_reader {
	int fd;
	bool own_fd;
	char *name;
	unsigned flags;
	char *buf;
	size_t pos, end;  /* unread bytes are buf[pos, end) */
	uint64_t buf_off; /* file offset of buf[0] */
	uint64_t line;	  /* line of buf[pos] */
	bool eof, bom_checked, stopped, oom;
	size_t expected;
	csv_field *fields;
	size_t cap_fields;
	char errbuf[96];
	char msg[256];
	/* csv_read_at */
	bool map_tried;
	char *map;
	size_t map_len;
	char *scratch;
	size_t scratch_cap;
};

/* ---- bytes ----------------------------------------------------------- */

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

const char *csv_check_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c;
		size_t need;
		unsigned lo = 0x80, hi = 0xBF;

		/* Eight ASCII bytes without a NUL at a time. */
		while (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if ((((w - ONES) & ~w) | w) & HIGHS)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		c = p[i];
		if (c < 0x80) {
			if (c == 0)
				return "embedded NUL byte";
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
		} else if (c == 0xE0) {
			need = 2;
			lo = 0xA0;
		} else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
			need = 2;
		} else if (c == 0xED) {
			need = 2;
			hi = 0x9F; /* no UTF-16 surrogates */
		} else if (c == 0xF0) {
			need = 3;
			lo = 0x90;
		} else if (c >= 0xF1 && c <= 0xF3) {
			need = 3;
		} else if (c == 0xF4) {
			need = 3;
			hi = 0x8F; /* nothing above U+10FFFF */
		} else {
			return "invalid UTF-8";
		}
		if (n - i - 1 < need)
			return "invalid UTF-8";
		if (p[i + 1] < lo || p[i + 1] > hi)
			return "invalid UTF-8";
		for (size_t k = 2; k <= need; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return "invalid UTF-8";
		i += need + 1;
	}
	return NULL;
}

static uint64_t count_nl(const char *s, size_t n)
{
	uint64_t k = 0;
	const char *e = s + n;

	while (s < e && (s = memchr(s, '\n', (size_t)(e - s))) != NULL) {
		k++;
		s++;
	}
	return k;
}

/* ---- opening --------------------------------------------------------- */

int csv_open_fd(csv_reader **out, int fd, bool own_fd, const char *name,
		unsigned flags, char **err)
{
	csv_reader *r = calloc(1, sizeof *r);

	if (r == NULL || (r->buf = malloc(BUF_CAP)) == NULL ||
	    (r->name = strdup(name ? name : "(input)")) == NULL ||
	    (r->fields = malloc(FIELDS_MIN * sizeof *r->fields)) == NULL) {
		if (r) {
			free(r->buf);
			free(r->name);
			free(r);
		}
		if (err)
			*err = strdup("out of memory");
		if (own_fd)
			close(fd);
		return -1;
	}
	r->cap_fields = FIELDS_MIN;
	r->fd = fd;
	r->own_fd = own_fd;
	r->flags = flags;
	r->line = 1;
	*out = r;
	return 0;
}

int csv_open(csv_reader **out, const char *path, unsigned flags, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (err) {
			char buf[512];

			snprintf(buf, sizeof buf, "cannot open %s: %s", path,
				 strerror(errno));
			*err = strdup(buf);
		}
		return -1;
	}
	return csv_open_fd(out, fd, true, path, flags, err);
}

void csv_close(csv_reader *r)
{
	if (r == NULL)
		return;
	if (r->map)
		munmap(r->map, r->map_len);
	if (r->own_fd)
		close(r->fd);
	free(r->scratch);
	free(r->fields);
	free(r->buf);
	free(r->name);
	free(r);
}

void csv_set_flags(csv_reader *r, unsigned flags) { r->flags = flags; }

void csv_set_expected(csv_reader *r, size_t n) { r->expected = n; }

const char *csv_errmsg(const csv_reader *r) { return r->msg; }

static int io_error(csv_reader *r, const char *what, int e)
{
	snprintf(r->msg, sizeof r->msg, "cannot %s %s: %s", what, r->name,
		 strerror(e));
	return -1;
}

int csv_rewind(csv_reader *r)
{
	if (lseek(r->fd, 0, SEEK_SET) < 0)
		return io_error(r, "re-read", errno);
	r->pos = r->end = 0;
	r->buf_off = 0;
	r->line = 1;
	r->eof = r->bom_checked = r->stopped = false;
	return 0;
}

/* ---- reading --------------------------------------------------------- */

/* Reads more bytes after buf[end], moving the unread part to the front
 * when the buffer is full.  Returns 0 (eof set at the end) or -1. */
static int refill(csv_reader *r)
{
	ssize_t n;

	if (r->end == BUF_CAP) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->buf_off += r->pos;
		r->end -= r->pos;
		r->pos = 0;
	}
	do
		n = read(r->fd, r->buf + r->end, BUF_CAP - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return io_error(r, "read", errno);
	if (n == 0)
		r->eof = true;
	r->end += (size_t)n;
	return 0;
}

enum { FR_EOF, FR_OK, FR_LONG, FR_UNTERMINATED, FR_IOERR };

typedef struct span {
	size_t len;  /* record bytes at buf[pos], line end excluded */
	size_t term; /* line end bytes: 0, 1 or 2 */
	uint64_t nl; /* newlines inside quoted fields */
	bool quoted; /* the record has a quote */
} span;

/* Finds the end of the record at buf[pos].  A record that grows past the
 * limit is scanned to its end with its bytes dropped (FR_LONG; pos is then
 * past it).  FR_UNTERMINATED: end of file inside quotes. */
static int find_record(csv_reader *r, span *sp)
{
	const bool lines = (r->flags & CSV_LINES) != 0;
	size_t i = 0; /* scan position, relative to pos */
	bool inq = false, skipping = false;
	char prevc = ','; /* byte before buf[pos] once bytes were dropped */

	sp->nl = 0;
	sp->quoted = false;
	for (;;) {
		char *b = r->buf + r->pos;
		size_t avail = r->end - r->pos;

		while (i < avail) {
			if (!inq) {
				char *nl = memchr(b + i, '\n', avail - i);
				size_t lim = nl ? (size_t)(nl - b) : avail;
				char *q =
				    lines ? NULL : memchr(b + i, '"', lim - i);

				if (q != NULL) {
					size_t k = (size_t)(q - b);
					char before = k ? b[k - 1] : prevc;

					sp->quoted = true;
					/* A quote opens a quoted field only at
					 * the start of a field; elsewhere it is
					 * a stray the split reports. */
					if (before == ',')
						inq = true;
					i = k + 1;
					continue;
				}
				if (nl != NULL) {
					sp->len = lim;
					sp->term = 1;
					if (lim > 0 && b[lim - 1] == '\r') {
						sp->len--;
						sp->term = 2;
					}
					goto found;
				}
				i = avail;
			} else {
				char *q = memchr(b + i, '"', avail - i);
				size_t k = q ? (size_t)(q - b) : avail;

				sp->nl += count_nl(b + i, k - i);
				if (q == NULL) {
					i = avail;
				} else if (k + 1 < avail) {
					if (b[k + 1] == '"') {
						i = k +
						    2; /* "" inside quotes */
					} else {
						inq = false;
						i = k + 1;
					}
				} else if (r->eof) {
					inq = false;
					i = k + 1;
				} else {
					i = k; /* look again when the next byte
						  is in */
					break;
				}
			}
		}
		if (!skipping && i > CSV_MAX_RECORD + 2)
			skipping = true;
		if (skipping && i > 0) {
			prevc = b[i - 1];
			r->pos += i;
			i = 0;
		}
		if (r->eof) {
			if (inq)
				return FR_UNTERMINATED;
			if (r->end == r->pos && !skipping)
				return FR_EOF;
			sp->len = r->end - r->pos;
			sp->term = 0;
			if (sp->len > 0 && r->buf[r->pos + sp->len - 1] == '\r')
				sp->len--, sp->term = 1;
			goto found;
		}
		if (refill(r) < 0)
			return FR_IOERR;
	}
found:
	if (skipping || sp->len > CSV_MAX_RECORD) {
		r->pos += sp->len + sp->term;
		return FR_LONG;
	}
	return FR_OK;
}

/* Stores field k.  Beyond the expected count only the count matters. */
static bool add_field_slow(csv_reader *r, size_t k, const char *s, size_t len)
{
	{
		size_t ncap;
		csv_field *nf;

		if (r->expected && k > r->expected)
			return true;
		ncap = r->cap_fields * 2;
		nf = realloc(r->fields, ncap * sizeof *nf);
		if (nf == NULL) {
			r->oom = true;
			return false;
		}
		r->fields = nf;
		r->cap_fields = ncap;
	}
	r->fields[k].s = s;
	r->fields[k].len = (uint32_t)len;
	return true;
}

static inline bool add_field(csv_reader *r, size_t k, const char *s, size_t len)
{
	if (k >= r->cap_fields)
		return add_field_slow(r, k, s, len);
	r->fields[k].s = s;
	r->fields[k].len = (uint32_t)len;
	return true;
}

/* Bytes of w equal to c have their high bit set in the result (exact:
 * no carry crosses bytes). */
static inline uint64_t eq_bits(uint64_t w, unsigned char c)
{
	const uint64_t low7 = 0x7F7F7F7F7F7F7F7Full;
	uint64_t x = w ^ (ONES * c), t;

	t = (x & low7) + low7;
	return ~(t | x | low7);
}

static inline uint64_t comma_bits(uint64_t w) { return eq_bits(w, ','); }

/* Splits a record without quotes on ','.  Records have many short (often
 * empty) fields, so eight bytes are looked at a time rather than one
 * memchr call per field.  Returns the number of fields. */
static size_t split_plain(csv_reader *r, const char *b, size_t n)
{
	const char *start = b;
	size_t k = 0, i = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 8 <= n; i += 8) {
		uint64_t w, m;

		memcpy(&w, b + i, 8);
		for (m = comma_bits(w); m; m &= m - 1) {
			const char *c =
			    b + i + (size_t)(__builtin_ctzll(m) >> 3);

			if (!add_field(r, k++, start, (size_t)(c - start)))
				return k;
			start = c + 1;
		}
	}
#endif
	for (; i < n; i++) {
		if (b[i] == ',') {
			if (!add_field(r, k++, start, (size_t)(b + i - start)))
				return k;
			start = b + i + 1;
		}
	}
	add_field(r, k++, start, (size_t)(b + n - start));
	return k;
}

/* Splits the record b[0, n) into fields, unescaping quoted ones in place.
 * Returns NULL or the reason the record is bad. */
static const char *split(csv_reader *r, char *b, size_t n, bool quoted,
			 size_t *nf)
{
	char *p = b, *e = b + n;
	size_t k = 0;

	*nf = 0;
	if (!quoted) {
		*nf = split_plain(r, b, n);
		return r->oom ? "out of memory" : NULL;
	}
	for (;;) {
		if (p < e && *p == '"') {
			char *w = p, *s = p + 1;

			for (;;) {
				char *q = memchr(s, '"', (size_t)(e - s));

				if (q == NULL)
					return "unterminated quoted field";
				memmove(w, s, (size_t)(q - s));
				w += q - s;
				if (q + 1 < e && q[1] == '"') {
					*w++ = '"';
					s = q + 2;
					continue;
				}
				s = q + 1;
				break;
			}
			if (!add_field(r, k++, p, (size_t)(w - p)))
				return "out of memory";
			if (s == e)
				break;
			if (*s != ',') {
				snprintf(r->errbuf, sizeof r->errbuf,
					 "unexpected text after the closing "
					 "quote of field %zu",
					 k);
				return r->errbuf;
			}
			p = s + 1;
		} else {
			char *c = memchr(p, ',', (size_t)(e - p));
			size_t len = c ? (size_t)(c - p) : (size_t)(e - p);

			if (memchr(p, '"', len) != NULL) {
				snprintf(
				    r->errbuf, sizeof r->errbuf,
				    "stray quote in unquoted field %zu (quote "
				    "the field and double the quote)",
				    k + 1);
				return r->errbuf;
			}
			if (!add_field(r, k++, p, len))
				return "out of memory";
			if (c == NULL)
				break;
			p = c + 1;
		}
	}
	*nf = k;
	return NULL;
}

/* Checks and splits a complete record of n bytes at b. */
static void parse(csv_reader *r, char *b, size_t n, bool quoted,
		  csv_record *out)
{
	const char *err;

	out->text = b;
	if (r->flags & CSV_RAW)
		return;
	if ((err = csv_check_text(b, n)) != NULL) {
		out->err = err;
		return;
	}
	if (r->flags & CSV_LINES)
		return;
	if ((err = split(r, b, n, quoted, &out->n_fields)) != NULL) {
		out->err = err;
		return;
	}
	out->fields = r->fields;
	if (r->expected && out->n_fields != r->expected) {
		snprintf(r->errbuf, sizeof r->errbuf,
			 "expected %zu fields (as in the header), got %zu",
			 r->expected, out->n_fields);
		out->err = r->errbuf;
	}
}

int csv_next(csv_reader *r, csv_record *out)
{
	span sp;
	int st;

	memset(out, 0, sizeof *out);
	if (r->stopped)
		return 0;
	if (!r->bom_checked) {
		while (r->end - r->pos < 3 && !r->eof)
			if (refill(r) < 0)
				return -1;
		if (r->end - r->pos >= 3 &&
		    memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3) == 0)
			r->pos += 3;
		r->bom_checked = true;
	}
	for (;;) {
		uint64_t line = r->line, offset = r->buf_off + r->pos;
		char *b;

		st = find_record(r, &sp);
		if (st == FR_EOF)
			return 0;
		if (st == FR_IOERR)
			return -1;
		out->line = line;
		out->offset = offset;
		if (st == FR_UNTERMINATED) {
			r->stopped = true;
			r->pos = r->end;
			out->len =
			    (uint32_t)(r->buf_off + r->end - offset > UINT32_MAX
					   ? UINT32_MAX
					   : r->buf_off + r->end - offset);
			out->err = "unterminated quoted field";
			out->fatal = true;
			return 1;
		}
		if (st == FR_LONG) {
			/* pos is already past the record */
			r->line += sp.nl + (sp.term ? 1 : 0);
			out->len =
			    (uint32_t)(r->buf_off + r->pos - offset > UINT32_MAX
					   ? UINT32_MAX
					   : r->buf_off + r->pos - offset);
			out->err = "line longer than 1 MiB";
			return 1;
		}
		b = r->buf + r->pos;
		r->pos += sp.len + sp.term;
		r->line += sp.nl + (sp.term ? 1 : 0);
		if (sp.len == 0)
			continue; /* empty line */
		out->len = (uint32_t)sp.len;
		parse(r, b, sp.len, sp.quoted, out);
		if (r->oom) {
			snprintf(r->msg, sizeof r->msg, "out of memory");
			return -1;
		}
		return 1;
	}
}

int csv_read_at(csv_reader *r, uint64_t offset, uint32_t len, uint64_t line,
		csv_record *out)
{
	memset(out, 0, sizeof *out);
	if (!r->map_tried) {
		struct stat st;

		r->map_tried = true;
		if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX) {
			void *m = mmap(NULL, (size_t)st.st_size, PROT_READ,
				       MAP_PRIVATE, r->fd, 0);

			if (m != MAP_FAILED) {
				r->map = m;
				r->map_len = (size_t)st.st_size;
			}
		}
	}
	if (len > CSV_MAX_RECORD) {
		snprintf(r->msg, sizeof r->msg, "%s: record too long", r->name);
		return -1;
	}
	if (r->scratch_cap < (size_t)len + 1) {
		size_t cap = (size_t)len + 1 < 4096 ? 4096 : (size_t)len + 1;
		char *s = realloc(r->scratch, cap);

		if (s == NULL) {
			snprintf(r->msg, sizeof r->msg, "out of memory");
			return -1;
		}
		r->scratch = s;
		r->scratch_cap = cap;
	}
	if (r->map != NULL) {
		if (offset > r->map_len || r->map_len - offset < len) {
			snprintf(r->msg, sizeof r->msg,
				 "%s changed while it was being read", r->name);
			return -1;
		}
		memcpy(r->scratch, r->map + offset, len);
	} else {
		size_t got = 0;

		while (got < len) {
			ssize_t n = pread(r->fd, r->scratch + got, len - got,
					  (off_t)(offset + got));

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return io_error(r, "read", errno);
			if (n == 0) {
				snprintf(r->msg, sizeof r->msg,
					 "%s changed while it was being read",
					 r->name);
				return -1;
			}
			got += (size_t)n;
		}
	}
	r->scratch[len] = '\0';
	out->line = line;
	out->offset = offset;
	out->len = len;
	parse(r, r->scratch, len, memchr(r->scratch, '"', len) != NULL, out);
	if (r->oom) {
		snprintf(r->msg, sizeof r->msg, "out of memory");
		return -1;
	}
	return 1;
}

/* ---- the record view ------------------------------------------------- */

typedef struct csv_rec_reader {
	rec_reader base;
	csv_reader *csv;
	int *col_of; /* consumer column -> header position, or -1 */
	size_t n_header;
	rec_field *out; /* n_cols */
	uint64_t index;
	bool raw;
	char msg[256];
} csv_rec_reader;

static const char *empty_str = "";

static int csv_rec_fill(csv_rec_reader *c, const csv_record *cr, rec *out)
{
	memset(out, 0, sizeof *out);
	out->line = cr->line;
	out->offset = cr->offset;
	out->len = cr->len;
	out->err = cr->err;
	out->fatal = cr->fatal;
	if (cr->err != NULL || c->raw)
		return 1;
	for (size_t i = 0; i < c->base.n_cols; i++) {
		int h = c->col_of[i];

		if (h < 0)
			continue;
		c->out[i].s = cr->fields[h].s;
		c->out[i].len = cr->fields[h].len;
	}
	out->f = c->out;
	return 1;
}

static int csv_rec_next(rec_reader *base, rec *out)
{
	csv_rec_reader *c = (csv_rec_reader *)base;
	csv_record cr;
	int rc = csv_next(c->csv, &cr);

	if (rc <= 0) {
		memset(out, 0, sizeof *out);
		return rc;
	}
	csv_rec_fill(c, &cr, out);
	out->index = c->index++;
	return 1;
}

static int csv_rec_rewind(rec_reader *base, bool raw)
{
	csv_rec_reader *c = (csv_rec_reader *)base;
	csv_record cr;

	c->raw = raw;
	c->index = 0;
	csv_set_flags(c->csv, raw ? CSV_RAW : 0);
	csv_set_expected(c->csv, 0);
	if (csv_rewind(c->csv) < 0)
		return -1;
	/* the header again: already checked at open */
	if (csv_next(c->csv, &cr) < 0)
		return -1;
	csv_set_expected(c->csv, c->n_header);
	return 0;
}

static int csv_rec_read_at(rec_reader *base, uint64_t offset, uint32_t len,
			   uint64_t line, rec *out)
{
	csv_rec_reader *c = (csv_rec_reader *)base;
	csv_record cr;

	if (c->raw) {
		c->raw = false;
		csv_set_flags(c->csv, 0);
	}
	if (csv_read_at(c->csv, offset, len, line, &cr) < 0)
		return -1;
	return csv_rec_fill(c, &cr, out);
}

static const char *csv_rec_errmsg(const rec_reader *base)
{
	const csv_rec_reader *c = (const csv_rec_reader *)base;

	return c->msg[0] ? c->msg : csv_errmsg(c->csv);
}

static void csv_rec_close(rec_reader *base)
{
	csv_rec_reader *c = (csv_rec_reader *)base;

	csv_close(c->csv);
	free(c->col_of);
	free(c->out);
	free(c->base.has_col);
	free(c);
}

/* The 64 bytes at p: bit i of *nl set when p[i] is '\n', of *cm when ',',
 * of *qt when '"'. */
static inline void masks64(const char *p, uint64_t *nl, uint64_t *cm, uint64_t *qt)
{
#if defined(__SSE2__)
	const __m128i n = _mm_set1_epi8('\n'), c = _mm_set1_epi8(','), q = _mm_set1_epi8('"');
	const __m128i *v = (const __m128i *)(const void *)p;
	__m128i x0 = _mm_loadu_si128(v), x1 = _mm_loadu_si128(v + 1),
		x2 = _mm_loadu_si128(v + 2), x3 = _mm_loadu_si128(v + 3);
#define MASK(x, k) ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, k)))
#define MASK4(k) (MASK(x0, k) | MASK(x1, k) << 16 | MASK(x2, k) << 32 | MASK(x3, k) << 48)
	*nl = MASK4(n);
	*cm = MASK4(c);
	*qt = MASK4(q);
#undef MASK4
#undef MASK
#else
	*nl = *cm = *qt = 0;
	for (int i = 0; i < 64; i++) {
		*nl |= (uint64_t)(p[i] == '\n') << i;
		*cm |= (uint64_t)(p[i] == ',') << i;
		*qt |= (uint64_t)(p[i] == '"') << i;
	}
#endif
}

/* rec_scan_keys over the file mapped a window at a time (MAP_POPULATE:
 * the window's pages mapped at once, not one fault each; a window, not
 * the whole file, counts in the process's memory; reading into a buffer
 * would copy every byte once more).  Without a quote
 * every '\n' ends a record and every ',' ends a field, as find_record and
 * split would find them; a quote leaves the file to the full reader (-1).
 *
 * Part k holds the lines that begin after the first '\n' at or after
 * byte cut(k) - 1 (part 0: after the header line), up to those of part
 * k + 1. */
#define SCAN_WINDOW ((size_t)4 << 20)

/* What the quick look walks with. */
typedef struct scan {
	int ha, hb, last; /* the two columns' places in the header; the larger */
	int (*fn)(void *ud, const rec_field *a, const rec_field *b);
	void *ud;
	uint64_t end; /* lines that begin after this offset are the next part's */
	bool skip;    /* the first line (the header, or the part before's) */
} scan;

/* One field of a line, its end at fe (a CR before a line end is not
 * part of it). */
static rec_field field_at(const char *f, const char *fe, bool at_eol)
{
	if (at_eol && fe > f && fe[-1] == '\r')
		fe--;
	return (rec_field){.s = f, .len = (uint32_t)(fe - f), .present = true};
}

/* The lines of [p, e) (the window mapped at m, file offset from), 64
 * bytes at a time: a mask of the block's '\n', one of its ',' and one of
 * its '"', then only the separators up to the last column wanted and the
 * line's end are visited, not every byte (with the quote test folded in,
 * the quick look of a 1M-event file went from 21-27 to 18-21 ms on two
 * threads; ~340 instructions a line with look_order).
 * Returns -2 (go on: *next is where the next window begins; it is e when
 * the part ended), 0 (fn stopped) or -1 (a quote). */
static int scan_lines(scan *sc, const char *m, uint64_t from, const char *p, const char *e,
		      bool file_end, const char **next)
{
	const char *ls = p, *fs = p; /* the line's start, the field's */
	rec_field a = {0}, b = {0};
	int k = 0;
	bool fields_done = sc->skip || sc->last < 0;

	for (const char *blk = p; blk < e; blk += 64) {
		char tmp[64];
		const char *bp = blk;
		uint64_t nl, cm, qt, seps;

		if ((uint64_t)(ls - m) + from > sc->end) {
			*next = e; /* the next part's line */
			return -2;
		}
		if (e - blk < 64) {
			memset(tmp, 0, sizeof tmp);
			memcpy(tmp, blk, (size_t)(e - blk));
			bp = tmp;
		}
		masks64(bp, &nl, &cm, &qt);
		if (qt)
			return -1; /* a quote: the full reader's work */
		seps = fields_done ? nl : nl | cm;
		while (seps) {
			int i = __builtin_ctzll(seps);
			const char *sp = blk + i;
			uint64_t above = i == 63 ? 0 : ~0ull << (i + 1);

			if (!fields_done) {
				bool eol = (nl >> i) & 1;
				if (k == sc->ha)
					a = field_at(fs, sp, eol);
				if (k == sc->hb)
					b = field_at(fs, sp, eol);
				k++;
				fs = sp + 1;
				fields_done = k > sc->last;
			}
			if ((nl >> i) & 1) {
				const char *le = sp > ls && sp[-1] == '\r' ? sp - 1 : sp;

				if (sc->skip)
					sc->skip = false;
				else if (le > ls && sc->fn(sc->ud, &a, &b) != 0)
					return 0;
				ls = fs = sp + 1;
				k = 0;
				a = b = (rec_field){0};
				fields_done = false;
				if ((uint64_t)(ls - m) + from > sc->end) {
					*next = e;
					return -2;
				}
			}
			seps = (fields_done ? nl : nl | cm) & above;
		}
	}
	if (file_end && ls < e) {
		/* the last line, without a line end */
		const char *le = e[-1] == '\r' ? e - 1 : e;

		if (!fields_done) {
			if (k == sc->ha)
				a = field_at(fs, e, true);
			if (k == sc->hb)
				b = field_at(fs, e, true);
		}
		if (sc->skip)
			sc->skip = false;
		else if (le > ls && sc->fn(sc->ud, &a, &b) != 0)
			return 0;
		ls = e;
	}
	*next = ls; /* e, or the start of a line the next window has whole */
	return -2;
}

static int csv_rec_scan_keys(rec_reader *base, unsigned part, unsigned n_parts,
			     size_t col_a, size_t col_b,
			     int (*fn)(void *ud, const rec_field *a,
				       const rec_field *b),
			     void *ud)
{
	csv_rec_reader *c = (csv_rec_reader *)base;
	int ha = c->col_of[col_a], hb = c->col_of[col_b];
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t size, at, end;
	struct stat st;
	scan sc = {.ha = ha, .hb = hb, .last = ha > hb ? ha : hb, .fn = fn, .ud = ud,
		   .skip = true};

	if (fstat(c->csv->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0)
		return -1;
	size = (uint64_t)st.st_size;
	/* at: where to look next; past end (a '\n' at or after it): done */
	at = part == 0 ? 0 : size / n_parts * part - 1;
	end = part + 1 == n_parts ? size : size / n_parts * (part + 1) - 1;
	sc.end = end;
	while (at < size && at <= end) {
		uint64_t from = at - at % page;
		size_t len = size - from < SCAN_WINDOW ? (size_t)(size - from) : SCAN_WINDOW;
		bool last = from + len == size;
		char *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, c->csv->fd,
			       (off_t)from);
		const char *p = m + (at - from), *e = m + len;
		int ret = -2;

		if (m == MAP_FAILED)
			return -1;
		ret = scan_lines(&sc, m, from, p, e, last, &p);
		if (ret == -2 && p == m + (at - from) && p < e)
			ret = -1; /* a line longer than a window */
		at = from + (uint64_t)(p - m);
		munmap(m, len);
		if (ret != -2)
			return ret;
	}
	return 1;
}

static const rec_ops csv_rec_ops = {
    .next = csv_rec_next,
    .rewind = csv_rec_rewind,
    .read_at = csv_rec_read_at,
    .errmsg = csv_rec_errmsg,
    .close = csv_rec_close,
    .scan_keys = csv_rec_scan_keys,
};

void rec_quote(char *dst, size_t cap, const char *s, size_t n)
{
	size_t k = 0, lim = cap > 4 ? cap - 4 : 0;

	for (size_t i = 0; i < n && k < lim; i++)
		dst[k++] =
		    ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (k < n && cap > 4) {
		/* do not end inside a UTF-8 sequence */
		while (k > 0 && ((unsigned char)dst[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > 0 && (unsigned char)dst[k - 1] >= 0xC0)
			k--;
		memcpy(dst + k, "...", 3);
		k += 3;
	}
	if (cap > 0)
		dst[k < cap ? k : cap - 1] = '\0';
}

const char *rec_check_id(const char *s, size_t n)
{
	if (n == 0)
		return "is empty";
	if (n > 128)
		return "is longer than 128 bytes";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "contains a control character";
	if (s[0] == ' ' || s[n - 1] == ' ')
		return "has a leading or trailing space";
	return NULL;
}

const char *rec_date_problem(const char *s, size_t n)
{
	static const char shape[] = "dddd-dd-dd";

	if (n != 10)
		return "is not a date (write YYYY-MM-DD)";
	for (size_t i = 0; i < 10; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';

		if (shape[i] == 'd' ? !digit : s[i] != '-')
			return "is not a date (write YYYY-MM-DD)";
	}
	return "does not exist";
}

/* Checks the header and maps it onto the consumer's columns.  Returns NULL
 * or the message (in c->msg). */
static const char *map_header(csv_rec_reader *c, const csv_record *cr)
{
	const char *const *cols = c->base.cols;
	size_t n_cols = c->base.n_cols;

	for (size_t h = 0; h < cr->n_fields; h++) {
		const csv_field *f = &cr->fields[h];
		char name[72];
		size_t i;

		rec_quote(name, sizeof name, f->s, f->len);
		if (f->len == 0) {
			snprintf(
			    c->msg, sizeof c->msg,
			    "%s:%llu: column %zu of the header has no name",
			    c->base.path, (unsigned long long)cr->line, h + 1);
			return c->msg;
		}
		for (i = 0; i < n_cols; i++)
			if (strlen(cols[i]) == f->len &&
			    memcmp(cols[i], f->s, f->len) == 0)
				break;
		if (i == n_cols) {
			const char *near = closest_word(name, cols, n_cols);

			if (near)
				snprintf(c->msg, sizeof c->msg,
					 "%s:%llu: unknown column '%s' (did "
					 "you mean '%s'?)",
					 c->base.path,
					 (unsigned long long)cr->line, name,
					 near);
			else
				snprintf(c->msg, sizeof c->msg,
					 "%s:%llu: unknown column '%s'",
					 c->base.path,
					 (unsigned long long)cr->line, name);
			return c->msg;
		}
		if (c->col_of[i] >= 0) {
			snprintf(
			    c->msg, sizeof c->msg,
			    "%s:%llu: column '%s' appears twice in the header",
			    c->base.path, (unsigned long long)cr->line, name);
			return c->msg;
		}
		c->col_of[i] = (int)h;
		c->base.has_col[i] = true;
	}
	return NULL;
}

int csv_rec_open(rec_reader **out, const char *path, const char *const *cols,
		 size_t n_cols, char **err)
{
	csv_rec_reader *c = calloc(1, sizeof *c);
	csv_record cr;
	const char *msg = NULL;
	int rc;

	if (c == NULL ||
	    (c->col_of = malloc((n_cols + 1) * sizeof(int))) == NULL ||
	    (c->out = calloc(n_cols + 1, sizeof *c->out)) == NULL ||
	    (c->base.has_col = calloc(n_cols + 1, sizeof(bool))) == NULL) {
		msg = "out of memory";
		goto fail;
	}
	c->base.ops = &csv_rec_ops;
	c->base.path = path;
	c->base.cols = cols;
	c->base.n_cols = n_cols;
	for (size_t i = 0; i < n_cols; i++) {
		c->col_of[i] = -1;
		c->out[i].s = empty_str;
		c->out[i].present = false;
	}
	if (csv_open(&c->csv, path, 0, err) < 0) {
		rec_close(&c->base);
		return -1;
	}
	rc = csv_next(c->csv, &cr);
	if (rc < 0) {
		msg = csv_errmsg(c->csv);
		goto fail;
	}
	if (rc == 0) {
		snprintf(c->msg, sizeof c->msg,
			 "%s: the file is empty: a CSV file starts with a "
			 "header line (%s...)",
			 path, n_cols ? cols[0] : "");
		msg = c->msg;
		goto fail;
	}
	if (cr.err) {
		snprintf(c->msg, sizeof c->msg, "%s:%llu: bad header: %s", path,
			 (unsigned long long)cr.line, cr.err);
		msg = c->msg;
		goto fail;
	}
	if ((msg = map_header(c, &cr)) != NULL)
		goto fail;
	c->n_header = cr.n_fields;
	csv_set_expected(c->csv, cr.n_fields);
	for (size_t i = 0; i < n_cols; i++)
		c->out[i].present = c->base.has_col[i];
	*out = &c->base;
	return 0;
fail:
	if (err)
		*err = strdup(msg ? msg : "out of memory");
	if (c && c->base.ops)
		rec_close(&c->base);
	else if (c) {
		free(c->col_of);
		free(c->out);
		free(c->base.has_col);
		free(c);
	}
	return -1;
}
