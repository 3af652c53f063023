/*
 * fx.c: the exchange-rate table of fx.h, read from CSV or JSON Lines
 * (date,from,to,rate) and looked up by pair and date.
 *
 * Rates are kept in the order read, with an index sorted by pair, then
 * date, kept up to date as lines are read, so a lookup is a binary search.  A line is
 * rejected, with its file and line, when a value is missing or malformed,
 * a code is not a currency the policy knows, from equals to, the rate is
 * not above zero, or the same pair and date came before.
 */
#include "fx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

enum { X_DATE, X_FROM, X_TO, X_RATE, X_NCOLS };
static const char *const fx_cols[X_NCOLS] = {"date", "from", "to", "rate"};

#define MSG 320
#define VAL 72

typedef struct fx_rate {
	char from[8], to[8];
	date_t date;
	dec rate;
	const char *file; /* arena */
	uint64_t line;
} fx_rate;

struct fx_rates {
	arena mem;
	fx_rate *items;
	size_t n, cap;
	uint32_t *sorted; /* indices into items, by (from, to, date) */
	strmap seen;	  /* "FROM>TO@date" -> index, for duplicates */
};

int fx_create(fx_rates **out)
{
	fx_rates *r = calloc(1, sizeof *r);

	if (!r)
		return INC_ERROR;
	arena_init(&r->mem);
	strmap_init(&r->seen);
	*out = r;
	return 0;
}

void fx_destroy(fx_rates *r)
{
	if (!r)
		return;
	free(r->items);
	free(r->sorted);
	strmap_finish(&r->seen);
	arena_finish(&r->mem);
	free(r);
}

size_t fx_count(const fx_rates *r)
{
	return r ? r->n : 0;
}

static void report(input_ctx *ctx, const char *file, uint64_t line,
		   const char *msg, const char *hint)
{
	inc_diag d;

	if (!ctx->diag)
		return;
	memset(&d, 0, sizeof d);
	d.file = file;
	d.line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	d.severity = INC_SEV_ERROR;
	d.message = msg;
	d.hint = hint;
	ctx->diag(ctx->ud, &d);
}

static int cmp_key(const fx_rate *a, const fx_rate *b)
{
	int c = strcmp(a->from, b->from);

	if (c)
		return c;
	if ((c = strcmp(a->to, b->to)))
		return c;
	return (a->date > b->date) - (a->date < b->date);
}

static int cmp_ix_with(const fx_rates *r, uint32_t a, uint32_t b)
{
	return cmp_key(&r->items[a], &r->items[b]);
}

/* Insertion into the sorted index, one rate at a time: rate files are
 * small (a few pairs x days) and usually already in order, so this is
 * linear in practice (qsort would need the table in a global). */
static void index_add(fx_rates *r, uint32_t ix)
{
	size_t i = ix; /* r->sorted holds ix entries */

	while (i > 0 && cmp_ix_with(r, r->sorted[i - 1], ix) > 0) {
		r->sorted[i] = r->sorted[i - 1];
		i--;
	}
	r->sorted[i] = ix;
}

static bool grow(fx_rates *r)
{
	if (r->n < r->cap)
		return true;
	size_t cap = r->cap ? r->cap * 2 : 64;
	fx_rate *items = realloc(r->items, cap * sizeof *items);
	if (!items)
		return false;
	r->items = items;
	uint32_t *sorted = realloc(r->sorted, cap * sizeof *sorted);
	if (!sorted)
		return false;
	r->sorted = sorted;
	r->cap = cap;
	return true;
}

/* A currency code of the policy: three capital letters it knows. */
static bool code_ok(const inc_policy *p, const rec_field *f)
{
	const policy_version *v =
	    p && p->n_versions ? &p->versions[p->n_versions - 1] : NULL;

	if (f->len != 3)
		return false;
	for (size_t i = 0; i < 3; i++)
		if (f->s[i] < 'A' || f->s[i] > 'Z')
			return false;
	return currency_minor_unit(v, f->s, 3) >= 0;
}

/* Checks one line into *x; false with msg (and maybe hint) set. */
static bool check_line(fx_rates *r, input_ctx *ctx, const rec_field *f,
		       fx_rate *x, char *msg, char *hint)
{
	char v[VAL];
	int rc;

	for (int c = 0; c < X_NCOLS; c++)
		if (rec_empty(&f[c])) {
			snprintf(msg, MSG, "missing '%s'", fx_cols[c]);
			return false;
		}
	memset(x, 0, sizeof *x);
	if (date_parse(&x->date, f[X_DATE].s, f[X_DATE].len) != 0) {
		rec_quote(v, sizeof v, f[X_DATE].s, f[X_DATE].len);
		snprintf(msg, MSG, "date '%s' %s", v,
			 rec_date_problem(f[X_DATE].s, f[X_DATE].len));
		return false;
	}
	for (int c = X_FROM; c <= X_TO; c++) {
		if (code_ok(ctx->policy, &f[c]))
			continue;
		rec_quote(v, sizeof v, f[c].s, f[c].len);
		snprintf(msg, MSG, "%s '%s' is not a currency code the policy knows",
			 fx_cols[c], v);
		if (f[c].len == 3)
			snprintf(hint, VAL + 32,
				 "write an ISO 4217 code like EUR, or declare it under `currencies:`");
		return false;
	}
	memcpy(x->from, f[X_FROM].s, 3);
	memcpy(x->to, f[X_TO].s, 3);
	if (strcmp(x->from, x->to) == 0) {
		snprintf(msg, MSG, "from and to are both %s", x->from);
		return false;
	}
	rec_quote(v, sizeof v, f[X_RATE].s, f[X_RATE].len);
	rc = dec_parse(&x->rate, f[X_RATE].s, f[X_RATE].len, false);
	if (rc == DEC_EOVERFLOW || (rc == DEC_OK && !dec_fits_scale(x->rate, 18))) {
		snprintf(msg, MSG, "rate '%s' has too many digits (at most 18 decimals)", v);
		return false;
	}
	if (rc != DEC_OK) {
		snprintf(msg, MSG, "rate '%s' is not a decimal number", v);
		return false;
	}
	if (dec_sign(x->rate) <= 0) {
		snprintf(msg, MSG, "rate %s must be greater than 0", v);
		return false;
	}
	x->rate = dec_normalize(x->rate);
	(void)r;
	return true;
}

int fx_load(fx_rates *r, input_ctx *ctx, const char *path, uint64_t *accepted,
	    uint64_t *rejected)
{
	static const int required[] = {X_DATE, X_FROM, X_TO, X_RATE};
	rec_reader *rd = NULL;
	char *err = NULL;
	const char *file;
	rec rc;
	int st, ret = INC_EINPUT;

	if (rec_open(&rd, path, fx_cols, X_NCOLS, &err) < 0) {
		free(ctx->errmsg);
		ctx->errmsg = err ? err : strdup("out of memory");
		return INC_EINPUT;
	}
	for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
		if (rec_has_column(rd, (size_t)required[i]))
			continue;
		char buf[MSG];
		snprintf(buf, sizeof buf,
			 "%s:1: the header has no '%s' column (rates files need "
			 "date,from,to,rate)",
			 path, fx_cols[required[i]]);
		free(ctx->errmsg);
		ctx->errmsg = strdup(buf);
		goto done;
	}
	file = arena_strdup(&r->mem, path);
	if (!file)
		goto oom;
	while ((st = rec_next(rd, &rc)) > 0) {
		char msg[MSG], hint[VAL + 32], key[32];
		fx_rate x;
		uint32_t first;

		hint[0] = '\0';
		if (ctx->stats)
			ctx->stats->lines_read++;
		if (rc.err) {
			report(ctx, file, rc.line, rc.err, rc.hint);
			(*rejected)++;
			if (rc.fatal)
				break;
			continue;
		}
		if (!check_line(r, ctx, rc.f, &x, msg, hint)) {
			report(ctx, file, rc.line, msg, hint[0] ? hint : NULL);
			(*rejected)++;
			continue;
		}
		int klen = snprintf(key, sizeof key, "%s>%s@%d", x.from, x.to, (int)x.date);
		int put = strmap_put(&r->seen, key, (size_t)klen, (uint32_t)r->n, &first);
		if (put < 0)
			goto oom;
		if (put == 0) {
			char d[11];
			date_format(d, x.date);
			snprintf(msg, MSG, "duplicate %s->%s rate for %s (first at %s:%llu)",
				 x.from, x.to, d, r->items[first].file,
				 (unsigned long long)r->items[first].line);
			report(ctx, file, rc.line, msg, NULL);
			(*rejected)++;
			continue;
		}
		if (!grow(r))
			goto oom;
		x.file = file;
		x.line = rc.line;
		r->items[r->n] = x;
		index_add(r, (uint32_t)r->n);
		r->n++;
		(*accepted)++;
	}
	if (st < 0) {
		free(ctx->errmsg);
		ctx->errmsg = strdup(rec_errmsg(rd));
		goto done;
	}
	ret = 0;
	goto done;
oom:
	free(ctx->errmsg);
	ctx->errmsg = strdup("out of memory");
	ret = INC_ERROR;
done:
	rec_close(rd);
	return ret;
}

bool fx_lookup(const fx_rates *r, const char *from, const char *to, date_t d,
	       bool latest, dec *rate, date_t *on)
{
	fx_rate key;
	size_t lo = 0, hi;

	if (!r || r->n == 0 || strlen(from) > 7 || strlen(to) > 7)
		return false;
	memset(&key, 0, sizeof key);
	strcpy(key.from, from);
	strcpy(key.to, to);
	key.date = d;
	/* first entry greater than (from, to, d) */
	hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_key(&r->items[r->sorted[mid]], &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	const fx_rate *x = &r->items[r->sorted[lo - 1]];
	if (strcmp(x->from, from) != 0 || strcmp(x->to, to) != 0)
		return false;
	if (x->date != d && !latest)
		return false;
	*rate = x->rate;
	*on = x->date;
	return true;
}
