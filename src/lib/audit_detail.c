/*
 * audit_detail.c: how a decision's detail is stored (schema version 3).
 *
 * The engine gives each decision's detail as a flat JSON object of string
 * values, `{"exact":"900.14800","rounding":"half_up",...}`.  Decisions of
 * one rule repeat the same keys in the same order, so the database keeps
 * each distinct list of keys once, in `detail_keys` (a "shape": its number
 * and the keys as a JSON array), and the decision's `detail` column holds
 * the shape number followed by the values: `[1,"900.14800","half_up",...]`.
 * The values are the object's own JSON string tokens, byte for byte, so
 * expanding gives back exactly the object the engine made: the hash chain
 * is computed over that object (docs/audit.md), not over the stored form.
 *
 * On the default policy this stores 76 bytes of detail a decision instead
 * of 159 (a 1M-event run's database: 597 MiB instead of 719, each byte
 * written twice, to the WAL and at the checkpoint), see bench/README.md.
 *
 * A detail that is not such an object (never made by the engine today) is
 * stored as it is; readers tell the two forms apart by the first byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

void detail_shapes_init(detail_shapes *s)
{
	memset(s, 0, sizeof *s);
	strmap_init(&s->ix);
}

void detail_shapes_free(detail_shapes *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->klen);
	strmap_finish(&s->ix);
	memset(s, 0, sizeof *s);
}

/* Adds shape n+1 with keys (a JSON array text).  0 or -1 (memory). */
static int add_shape(detail_shapes *s, const char *keys, size_t len)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **k = realloc(s->keys, cap * sizeof *k);
		if (!k)
			return -1;
		s->keys = k;
		size_t *l = realloc(s->klen, cap * sizeof *l);
		if (!l)
			return -1;
		s->klen = l;
		s->cap = cap;
	}
	char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, keys, len);
	copy[len] = '\0';
	if (strmap_put(&s->ix, copy, len, (uint32_t)s->n + 1, NULL) < 0) {
		free(copy);
		return -1;
	}
	s->keys[s->n] = copy;
	s->klen[s->n] = len;
	s->n++;
	return 0;
}

int detail_shapes_load(inc_audit *a, detail_shapes *s)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	if (a->version < 3)
		return 0;
	rc = audit_prepare(a, &st,
			   "SELECT shape, keys FROM detail_keys ORDER BY shape");
	if (rc)
		return rc;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 1);
		if (sqlite3_column_int64(st, 0) != (int64_t)s->n + 1 || !k) {
			audit_set_err(a,
				      "%s: detail_keys: shape %lld out of "
				      "sequence (expected %zu): the table was "
				      "altered",
				      a->path,
				      (long long)sqlite3_column_int64(st, 0),
				      s->n + 1);
			sqlite3_finalize(st);
			return INC_EAUDIT;
		}
		if (add_shape(s, k, (size_t)sqlite3_column_bytes(st, 1)) != 0) {
			sqlite3_finalize(st);
			audit_set_err(a, "out of memory");
			return INC_ERROR;
		}
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return audit_db_err(a, "cannot read detail_keys");
	return 0;
}

/* The end of the JSON string token starting at p (a '"'), or NULL. */
static const char *string_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p == end)
				break;
			continue;
		}
		if (*p == '"')
			return p + 1;
	}
	return NULL;
}

#define MAX_PAIRS 128

/* One pair of a detail object: its key token [kb, ke) and value token
 * [vb, ve), offsets into the object's text. */
typedef struct pair_tok {
	uint32_t kb, ke, vb, ve;
} pair_tok;

/* Whether shape sh (1-based) has exactly the keys of the pairs found:
 * its keys text is "[" then the key tokens joined by "," then "]". */
static bool shape_is(const detail_shapes *s, uint32_t sh, const char *obj,
		     const pair_tok *tok, size_t np)
{
	const char *k = s->keys[sh - 1], *end = k + s->klen[sh - 1];

	if (s->klen[sh - 1] < 2) /* not "[...]": never matches */
		return false;
	k++;
	for (size_t i = 0; i < np; i++) {
		size_t kl = tok[i].ke - tok[i].kb;
		if ((size_t)(end - k) < kl + 1 || memcmp(k, obj + tok[i].kb, kl))
			return false;
		k += kl;
		if (*k != (i + 1 < np ? ',' : ']'))
			return false;
		k++;
	}
	return np ? k == end : end - k == 1 && *k == ']';
}

int detail_compact(detail_shapes *s, const char *obj, size_t n, canon *keys,
		   canon *out, bool *new_shape)
{
	pair_tok tok[MAX_PAIRS];
	const char *p = obj, *end = obj + n;
	size_t np = 0, values = 0;
	uint32_t shape = 0;

	*new_shape = false;
	if (n < 2 || n > UINT32_MAX || p[0] != '{' || end[-1] != '}')
		return 1;
	for (p++; p < end - 1; np++) {
		if (np == MAX_PAIRS || *p != '"')
			return 1;
		const char *ke = string_end(p, end);
		if (!ke || ke + 1 >= end || *ke != ':' || ke[1] != '"')
			return 1;
		const char *ve = string_end(ke + 1, end);
		/* a comma is followed by another pair, the last pair by '}' */
		if (!ve || (*ve == ',' ? ve + 1 >= end - 1 : ve != end - 1))
			return 1;
		tok[np].kb = (uint32_t)(p - obj);
		tok[np].ke = (uint32_t)(ke - obj);
		tok[np].vb = (uint32_t)(ke + 1 - obj);
		tok[np].ve = (uint32_t)(ve - obj);
		values += (size_t)(ve - ke);
		p = *ve == ',' ? ve + 1 : ve;
	}
	/* which shape: decisions come in runs of a few rules, so one of the
	 * shapes used last nearly always matches (no keys text to build) */
	for (size_t i = 0; i < 4 && !shape; i++)
		if (s->recent[i] && shape_is(s, s->recent[i], obj, tok, np))
			shape = s->recent[i];
	if (!shape) {
		keys->len = 0;
		canon_put(keys, "[", 1);
		for (size_t i = 0; i < np; i++) {
			if (i)
				canon_put(keys, ",", 1);
			canon_put(keys, obj + tok[i].kb, tok[i].ke - tok[i].kb);
		}
		canon_put(keys, "]", 1);
		if (keys->oom)
			return -1;
		if (!strmap_get(&s->ix, keys->buf, keys->len, &shape)) {
			if (add_shape(s, keys->buf, keys->len) != 0)
				return -1;
			shape = (uint32_t)s->n;
			*new_shape = true;
		}
	}
	if (s->recent[0] != shape) {
		size_t i = 1;
		while (i < 3 && s->recent[i] != shape)
			i++;
		memmove(s->recent + 1, s->recent, i * sizeof *s->recent);
		s->recent[0] = shape;
	}
	/* "[" shape ("," value)* "]", written in place */
	char num[12];
	size_t nl = 0;
	for (uint32_t v = shape; v; v /= 10)
		num[nl++] = (char)('0' + v % 10);
	out->len = 0;
	if (!canon_reserve(out, 2 + nl + values))
		return -1;
	char *w = out->buf;
	*w++ = '[';
	while (nl)
		*w++ = num[--nl];
	for (size_t i = 0; i < np; i++) {
		size_t vl = tok[i].ve - tok[i].vb;
		*w++ = ',';
		memcpy(w, obj + tok[i].vb, vl);
		w += vl;
	}
	*w++ = ']';
	*w = '\0';
	out->len = (size_t)(w - out->buf);
	return 0;
}

int detail_expand(const detail_shapes *s, const char *text, size_t n,
		  canon *out)
{
	const char *p = text, *end = text + n;
	uint64_t shape = 0;

	out->len = 0;
	if (n == 0 || text[0] != '[') {
		canon_put(out, text, n);
		return out->oom ? -1 : 0;
	}
	p++;
	while (p < end && *p >= '0' && *p <= '9' && shape <= UINT32_MAX)
		shape = shape * 10 + (uint64_t)(*p++ - '0');
	if (shape == 0 || shape > s->n)
		return 1;
	const char *k = s->keys[shape - 1], *kend = k + s->klen[shape - 1];
	if (s->klen[shape - 1] < 2 || *k != '[')
		return 1;
	canon_put(out, "{", 1);
	k++;
	bool first = true;
	while (p + 1 < end && p[0] == ',' && p[1] == '"') {
		const char *ve = string_end(p + 1, end);
		const char *ke = k < kend && *k == '"' ? string_end(k, kend)
						       : NULL;
		if (!ve || !ke)
			return 1;
		if (!first)
			canon_put(out, ",", 1);
		first = false;
		canon_put(out, k, (size_t)(ke - k));
		canon_put(out, ":", 1);
		canon_put(out, p + 1, (size_t)(ve - p - 1));
		p = ve;
		k = *ke == ',' ? ke + 1 : ke;
	}
	/* every key used, and nothing after the last value */
	if (p != end - 1 || *p != ']' || k != kend - 1 || *k != ']')
		return 1;
	canon_put(out, "}", 1);
	return out->oom ? -1 : 0;
}

int audit_detail_object(inc_audit *a, const detail_shapes *s, int64_t seq,
			const char *text, size_t n, canon *out)
{
	int r = detail_expand(s, text ? text : "", text ? n : 0, out);

	if (r < 0) {
		audit_set_err(a, "out of memory");
		return INC_ERROR;
	}
	if (r > 0) {
		audit_set_err(a,
			      "%s: decision %lld: its detail (%.60s) is not "
			      "a detail object nor [shape,values...] of a "
			      "shape in detail_keys: the database was altered",
			      a->path, (long long)seq, text ? text : "NULL");
		return INC_EAUDIT;
	}
	return 0;
}
