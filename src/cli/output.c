/*
 * output.c: writing decisions as a table, CSV or JSON Lines.
 *
 * Nothing reaches its destination before the run succeeded: CSV and JSON
 * Lines go to a spool file (a temporary file beside --out, renamed over it
 * on commit; or an anonymous temporary file copied to stdout on commit).
 * A table needs every row to size its columns, so its rows are kept in
 * memory (tables are for terminals; use csv or jsonl for big runs).
 *
 * `peers` is the output format of the peer rules-engine benchmark
 * (../shared/bench/peers/POLICY.md, bench/reference/): a line per event
 * with the money it was decided, then a line per person with their
 * period figures.  It only adds up decisions; the policy decides.
 *
 * CSV and JSON Lines are built in a buffer of our own and handed to stdio
 * 1 MiB at a time: one fputc/fputs per byte or field cost ~25% of a run
 * over 1M events; memcpy into the buffer costs a few percent.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define N_COLS 10

static const char *const col_names[N_COLS] = {
	"id", "period", "person", "kind", "amount", "currency", "rule", "events", "reason", "version",
};

struct out_writer {
	out_format fmt;
	char *path;	/* final path, or NULL for stdout */
	char *tmp_path; /* spool beside path */
	FILE *spool;
	/* table rows: N_COLS strings per row, in one allocation each */
	char **rows;
	size_t n_rows, cap_rows;
	size_t width[N_COLS];
	bool failed;
	int err; /* errno of the first failed write (0: none, or no memory) */
	/* csv/jsonl bytes not yet handed to the spool */
	char *buf;
	size_t len, cap;
	struct peers *peers; /* FMT_PEERS */
};

#define OUT_CHUNK ((size_t)1 << 20)

int parse_format(const char *s, out_format *out)
{
	if (strcmp(s, "table") == 0)
		*out = FMT_TABLE;
	else if (strcmp(s, "csv") == 0)
		*out = FMT_CSV;
	else if (strcmp(s, "jsonl") == 0)
		*out = FMT_JSONL;
	else if (strcmp(s, "peers") == 0)
		*out = FMT_PEERS;
	else
		return -1;
	return 0;
}

/* Makes room for n more bytes in the buffer, handing what it holds to
 * the spool when it is full.  Returns false (and sets failed) when out of
 * memory. */
static bool room(out_writer *w, size_t n)
{
	if (w->len + n <= w->cap)
		return true;
	if (w->len > 0) {
		if (fwrite(w->buf, 1, w->len, w->spool) != w->len) {
			if (!w->failed)
				w->err = errno ? errno : EIO;
			w->failed = true;
		}
		w->len = 0;
	}
	if (n > w->cap) {
		size_t cap = n > OUT_CHUNK ? n : OUT_CHUNK;
		char *b = realloc(w->buf, cap);
		if (!b) {
			w->failed = true;
			return false;
		}
		w->buf = b;
		w->cap = cap;
	}
	return true;
}

static void put(out_writer *w, const char *s, size_t n)
{
	if (!room(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void put_c(out_writer *w, char c)
{
	if (!room(w, 1))
		return;
	w->buf[w->len++] = c;
}

/* Bytes that make a CSV field need quotes. */
static bool csv_special(unsigned char c)
{
	return c == ',' || c == '"' || c == '\n' || c == '\r';
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Nonzero when some byte of w equals c (the zero-byte test of x = w ^ c:
 * exact as a yes/no, which is all it is used for). */
static uint64_t bytes_eq(uint64_t w, unsigned char c)
{
	uint64_t x = w ^ (ONES * c);
	return (x - ONES) & ~x & HIGHS;
}

/* Whether s[0, n) holds a byte that needs quotes: eight bytes at a time
 * (reasons are long and a byte-at-a-time loop was a tenth of a run). */
static bool csv_needs_quotes(const char *s, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (bytes_eq(w, ',') | bytes_eq(w, '"') | bytes_eq(w, '\n') |
		    bytes_eq(w, '\r'))
			return true;
	}
	for (; i < n; i++)
		if (csv_special((unsigned char)s[i]))
			return true;
	return false;
}

static void csv_field(out_writer *w, const char *s)
{
	size_t n = strlen(s), i;

	if (!csv_needs_quotes(s, n)) {
		put(w, s, n);
		return;
	}
	/* worst case: every byte a quote, doubled, plus the two quotes */
	if (!room(w, 2 * n + 2))
		return;
	char *p = w->buf + w->len;
	*p++ = '"';
	if (!memchr(s, '"', n)) {
		/* the usual case (a comma in an amount): one copy */
		memcpy(p, s, n);
		p += n;
	} else {
		for (i = 0; i < n; i++) {
			if (s[i] == '"')
				*p++ = '"';
			*p++ = s[i];
		}
	}
	*p++ = '"';
	w->len = (size_t)(p - w->buf);
}

static void json_string(out_writer *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s);
	/* worst case: every byte \u00XX */
	if (!room(w, 6 * n + 2))
		return;
	char *p = w->buf + w->len;
	*p++ = '"';
	for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
		switch (*q) {
		case '"': *p++ = '\\'; *p++ = '"'; break;
		case '\\': *p++ = '\\'; *p++ = '\\'; break;
		case '\n': *p++ = '\\'; *p++ = 'n'; break;
		case '\r': *p++ = '\\'; *p++ = 'r'; break;
		case '\t': *p++ = '\\'; *p++ = 't'; break;
		default:
			if (*q < 0x20) {
				memcpy(p, "\\u00", 4);
				p[4] = hex[*q >> 4];
				p[5] = hex[*q & 15];
				p += 6;
			} else {
				*p++ = (char)*q;
			}
		}
	}
	*p++ = '"';
	w->len = (size_t)(p - w->buf);
}

/* ---- the peer benchmark format ------------------------------------------
 *
 *   id,commission,spiff
 *   <per event with decisions, in evaluation order: the sum of its
 *    commission and clawback decisions, the sum of its spiff decisions>
 *   rep,net_amount,commission,spiff,accelerator,payout
 *   <per person active in the period, in roster order: the credited
 *    total, the sums of the per-event columns, the sum of the period-end
 *    decisions (decisions without events), and all of it>
 *
 * Amounts are exact: decimal strings are added as integers at their
 * scale (the currency's minor unit).  One period per run (the benchmark
 * runs a policy with `period: year` over one quarter of events).
 */

typedef struct money {
	int64_t units; /* value x 10^scale */
	int scale;
} money;

typedef struct peer_person {
	char *id;
	money comm, spiff, accel;
} peer_person;

struct peers {
	char event[160]; /* the event whose line is being added up */
	bool has_event;
	money comm, spiff;
	bool per_person_header;
	peer_person *people; /* open addressing by id */
	size_t cap, n;
};

/* "00".."99" */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static const int64_t pow10_i64[] = {1, 10, 100, 1000, 10000, 100000,
				    1000000, 10000000, 100000000};

/* "-1234.50" -> {-123450, 2}; false when it is not such a number (at
 * most 18 digits, 8 decimals). */
static bool money_parse(const char *s, money *out)
{
	bool neg = *s == '-';
	uint64_t v = 0;
	int digits = 0, scale = 0;

	s += neg;
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		v = v * 10 + (uint64_t)(*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, digits++, scale++)
			v = v * 10 + (uint64_t)(*s - '0');
	if (*s || digits == 0 || digits > 18 || scale > 8)
		return false;
	out->units = neg ? -(int64_t)v : (int64_t)v;
	out->scale = scale;
	return true;
}

static void money_add(money *acc, money x)
{
	if (acc->scale < x.scale) {
		acc->units *= pow10_i64[x.scale - acc->scale];
		acc->scale = x.scale;
	} else if (x.scale < acc->scale) {
		x.units *= pow10_i64[acc->scale - x.scale];
	}
	acc->units += x.units;
}

/* m with at least min_scale decimals, '-' only when negative ("-1234.50"),
 * written to end at `end`; returns where it begins (at most 48 bytes). */
static char *money_back(char *end, money m, int min_scale)
{
	char *p = end;
	int scale = m.scale > min_scale ? m.scale : min_scale;
	uint64_t a;

	if (m.scale < scale)
		m.units *= pow10_i64[scale - m.scale];
	a = m.units < 0 ? 0 - (uint64_t)m.units : (uint64_t)m.units;
	for (int i = 0; i < scale; i++, a /= 10)
		*--p = (char)('0' + a % 10);
	if (scale > 0)
		*--p = '.';
	/* the integer part two digits a division (most of the work) */
	for (; a >= 100; a /= 100) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * (a % 100), 2);
	}
	if (a >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * a, 2);
	} else {
		*--p = (char)('0' + a);
	}
	if (m.units < 0)
		*--p = '-';
	return p;
}

static void put_money(out_writer *w, money m, int min_scale)
{
	char b[48], *p = money_back(b + sizeof b, m, min_scale);

	put(w, p, (size_t)(b + sizeof b - p));
}

static peer_person *peer_get(out_writer *w, const char *id)
{
	struct peers *P = w->peers;
	size_t n = strlen(id);
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)id[i]) * 1099511628211ull;
	if ((P->n + 1) * 2 > P->cap) {
		size_t cap = P->cap ? P->cap * 2 : 1024;
		peer_person *t = calloc(cap, sizeof *t);
		if (!t)
			return NULL;
		for (size_t i = 0; i < P->cap; i++) {
			if (!P->people[i].id)
				continue;
			uint64_t g = 1469598103934665603ull;
			for (const char *c = P->people[i].id; *c; c++)
				g = (g ^ (unsigned char)*c) * 1099511628211ull;
			size_t j = g & (cap - 1);
			while (t[j].id)
				j = (j + 1) & (cap - 1);
			t[j] = P->people[i];
		}
		free(P->people);
		P->people = t;
		P->cap = cap;
	}
	size_t j = h & (P->cap - 1);
	while (P->people[j].id && strcmp(P->people[j].id, id) != 0)
		j = (j + 1) & (P->cap - 1);
	if (!P->people[j].id) {
		P->people[j].id = strdup(id);
		if (!P->people[j].id)
			return NULL;
		P->n++;
	}
	return &P->people[j];
}

/* Writes the line of the event being added up. */
static void peers_flush_event(out_writer *w)
{
	struct peers *P = w->peers;
	/* the line built from its end, then one put (a put per part was
	 * ~100 instructions more an event) */
	char b[sizeof P->event + 2 * 48 + 3], *p = b + sizeof b;
	size_t n = strlen(P->event);

	if (!P->has_event)
		return;
	*--p = '\n';
	p = money_back(p, P->spiff, 2);
	*--p = ',';
	p = money_back(p, P->comm, 2);
	*--p = ',';
	p -= n;
	memcpy(p, P->event, n);
	put(w, p, (size_t)(b + sizeof b - p));
	P->has_event = false;
}

static int peers_decision(out_writer *w, const inc_decision *d)
{
	struct peers *P = w->peers;
	peer_person *pp;
	money m;
	bool comm, spiff;

	if (!d->amount)
		return 0; /* not money */
	if (!money_parse(d->amount, &m))
		return -1;
	if (!(pp = peer_get(w, d->person)))
		return -1;
	if (!*d->events) {
		/* period end: the accelerator */
		peers_flush_event(w);
		money_add(&pp->accel, m);
		return 0;
	}
	spiff = strcmp(d->kind, "spiff") == 0;
	comm = !spiff && (strcmp(d->kind, "commission") == 0 || strcmp(d->kind, "clawback") == 0);
	/* the line of the first event the decision came from */
	size_t n = strcspn(d->events, ",");
	if (n >= sizeof P->event)
		return -1;
	if (!P->has_event || strncmp(P->event, d->events, n) != 0 ||
	    P->event[n] != '\0') {
		peers_flush_event(w);
		memcpy(P->event, d->events, n);
		P->event[n] = '\0';
		P->comm = (money){0, 0};
		P->spiff = (money){0, 0};
		P->has_event = true;
	}
	if (comm) {
		money_add(&P->comm, m);
		money_add(&pp->comm, m);
	} else if (spiff) {
		money_add(&P->spiff, m);
		money_add(&pp->spiff, m);
	}
	return 0;
}

int out_period_figures(void *ud, const inc_period_figures *f)
{
	out_writer *w = ud;
	struct peers *P = w->peers;
	peer_person *pp;
	money net, total;

	if (w->failed || !P)
		return -1;
	peers_flush_event(w);
	if (!P->per_person_header) {
		static const char hdr[] = "rep,net_amount,commission,spiff,accelerator,payout\n";
		put(w, hdr, sizeof hdr - 1);
		P->per_person_header = true;
	}
	if (!money_parse(f->credited, &net) || !(pp = peer_get(w, f->person)))
		return -1;
	total = pp->comm;
	money_add(&total, pp->spiff);
	money_add(&total, pp->accel);
	put(w, f->person, strlen(f->person));
	put_c(w, ',');
	put_money(w, net, 2);
	put_c(w, ',');
	put_money(w, pp->comm, 2);
	put_c(w, ',');
	put_money(w, pp->spiff, 2);
	put_c(w, ',');
	put_money(w, pp->accel, 2);
	put_c(w, ',');
	put_money(w, total, 2);
	put_c(w, '\n');
	/* the next period starts afresh */
	pp->comm = pp->spiff = pp->accel = (money){0, 0};
	return w->failed ? -1 : 0;
}

static void peers_free(struct peers *P)
{
	if (!P)
		return;
	for (size_t i = 0; i < P->cap; i++)
		free(P->people[i].id);
	free(P->people);
	free(P);
}

int out_open(out_writer **out, out_format fmt, const char *path)
{
	out_writer *w = calloc(1, sizeof *w);
	if (!w)
		return -1;
	w->fmt = fmt;
	if (fmt == FMT_PEERS && !(w->peers = calloc(1, sizeof *w->peers)))
		goto fail;
	for (size_t i = 0; i < N_COLS; i++)
		w->width[i] = strlen(col_names[i]);
	if (path) {
		w->path = strdup(path);
		size_t n = strlen(path) + 32;
		w->tmp_path = malloc(n);
		if (!w->path || !w->tmp_path)
			goto fail;
		snprintf(w->tmp_path, n, "%s.tmp.XXXXXX", path);
		int fd = mkstemp(w->tmp_path);
		if (fd < 0)
			goto fail;
		w->spool = fdopen(fd, "w");
		if (!w->spool) {
			close(fd);
			unlink(w->tmp_path);
			goto fail;
		}
	} else if (fmt != FMT_TABLE) {
		w->spool = tmpfile();
		if (!w->spool)
			goto fail;
	}
	if (w->spool && fmt == FMT_CSV)
		fputs("id,period,person,kind,amount,currency,rule,events,reason,version\n", w->spool);
	if (w->spool && fmt == FMT_PEERS)
		fputs("id,commission,spiff\n", w->spool);
	if (w->spool)
		setvbuf(w->spool, NULL, _IOFBF, 1 << 16);
	*out = w;
	return 0;
fail:
	free(w->peers);
	free(w->path);
	free(w->tmp_path);
	free(w);
	return -1;
}

static int table_row(out_writer *w, const char *const cols[N_COLS])
{
	size_t len[N_COLS], total = 0;
	for (size_t i = 0; i < N_COLS; i++) {
		len[i] = strlen(cols[i]);
		total += len[i] + 1;
		if (len[i] > w->width[i])
			w->width[i] = len[i];
	}
	if (w->n_rows == w->cap_rows) {
		size_t n = w->cap_rows ? w->cap_rows * 2 : 256;
		char **r = realloc(w->rows, n * sizeof *r);
		if (!r)
			return -1;
		w->rows = r;
		w->cap_rows = n;
	}
	char *row = malloc(total);
	if (!row)
		return -1;
	char *p = row;
	for (size_t i = 0; i < N_COLS; i++) {
		memcpy(p, cols[i], len[i] + 1);
		p += len[i] + 1;
	}
	w->rows[w->n_rows++] = row;
	return 0;
}

int out_decision(void *ud, const inc_decision *d)
{
	out_writer *w = ud;

	if (w->failed)
		return -1;
	if (w->fmt == FMT_PEERS) {
		if (peers_decision(w, d) != 0)
			w->failed = true;
		return w->failed ? -1 : 0;
	}
	const char *cols[N_COLS] = {
		d->id, d->period, d->person, d->kind, d->amount ? d->amount : "",
		d->currency ? d->currency : "", d->rule, d->events, d->reason,
		d->version ? d->version : "",
	};
	if (w->fmt == FMT_TABLE) {
		if (table_row(w, cols) != 0)
			w->failed = true;
	} else if (w->fmt == FMT_CSV) {
		for (size_t i = 0; i < N_COLS; i++) {
			if (i)
				put_c(w, ',');
			csv_field(w, cols[i]);
		}
		put_c(w, '\n');
	} else {
		put_c(w, '{');
		for (size_t i = 0; i < N_COLS; i++) {
			if (i)
				put_c(w, ',');
			json_string(w, col_names[i]);
			put_c(w, ':');
			if ((i == 4 || i == 5) && !d->amount)
				put(w, "null", 4);
			else
				json_string(w, cols[i]);
		}
		put(w, ",\"detail\":", 10);
		const char *det = d->detail && *d->detail ? d->detail : "{}";
		put(w, det, strlen(det));
		put(w, "}\n", 2);
	}
	return w->failed ? -1 : 0;
}

static void write_table(out_writer *w, FILE *f)
{
	static const bool right[N_COLS] = {[4] = true};
	const size_t shown = N_COLS - 1; /* version is in csv/jsonl only */

	for (size_t i = 0; i < shown; i++)
		fprintf(f, "%s%-*s", i ? "  " : "", i + 1 == shown ? 0 : (int)w->width[i],
			col_names[i]);
	fputc('\n', f);
	for (size_t r = 0; r < w->n_rows; r++) {
		const char *p = w->rows[r];
		for (size_t i = 0; i < shown; i++) {
			int width = i + 1 == shown ? 0 : (int)w->width[i];
			fprintf(f, right[i] ? "%s%*s" : "%s%-*s", i ? "  " : "", width, p);
			p += strlen(p) + 1;
		}
		fputc('\n', f);
	}
}

static void free_rows(out_writer *w)
{
	for (size_t r = 0; r < w->n_rows; r++)
		free(w->rows[r]);
	free(w->rows);
	w->rows = NULL;
	w->n_rows = 0;
}

/* Hands the buffered bytes to the spool. */
static void drain(out_writer *w)
{
	if (w->len > 0 && w->spool &&
	    fwrite(w->buf, 1, w->len, w->spool) != w->len) {
		if (!w->failed)
			w->err = errno ? errno : EIO;
		w->failed = true;
	}
	w->len = 0;
	if (w->spool && ferror(w->spool)) {
		if (!w->failed)
			w->err = errno ? errno : EIO;
		w->failed = true;
	}
}

const char *out_failure(const out_writer *w, const char **where)
{
	if (!w || !w->failed)
		return NULL;
	*where = w->path ? w->path : w->spool ? "a temporary file" : "the table";
	return strerror(w->err ? w->err : ENOMEM);
}

int out_commit(out_writer *w)
{
	int rc = 0;

	if (w->peers)
		peers_flush_event(w);
	drain(w);
	if (w->failed) {
		out_discard(w);
		errno = ENOMEM;
		return -1;
	}
	if (w->fmt == FMT_TABLE) {
		write_table(w, w->spool ? w->spool : stdout);
		free_rows(w);
	}
	if (!w->path) {
		if (w->spool) {
			char buf[1 << 16];
			size_t n;
			rewind(w->spool);
			while ((n = fread(buf, 1, sizeof buf, w->spool)) > 0)
				if (fwrite(buf, 1, n, stdout) != n) {
					rc = -1;
					break;
				}
			fclose(w->spool);
		}
		if (fflush(stdout) != 0)
			rc = -1;
	} else {
		if (fflush(w->spool) != 0 || fsync(fileno(w->spool)) != 0)
			rc = -1;
		if (fclose(w->spool) != 0)
			rc = -1;
		if (rc == 0 && rename(w->tmp_path, w->path) != 0)
			rc = -1;
		if (rc != 0)
			unlink(w->tmp_path);
	}
	free(w->path);
	free(w->tmp_path);
	free(w->buf);
	peers_free(w->peers);
	free(w);
	return rc;
}

void out_discard(out_writer *w)
{
	if (!w)
		return;
	free_rows(w);
	if (w->spool)
		fclose(w->spool);
	if (w->tmp_path)
		unlink(w->tmp_path);
	free(w->path);
	free(w->tmp_path);
	free(w->buf);
	peers_free(w->peers);
	free(w);
}
