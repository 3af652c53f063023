/*
 * jsonl.c: JSON Lines input (one JSON object per line) for the record view
 * of record.h, parsed with json-c.
 *
 * Lines come from the CSV reader in line mode (same buffer, limits, line
 * numbers and byte checks).  Each line must be one object of scalars:
 * strings, numbers, true/false, or null for "absent".  Numbers are handed
 * on as the text that was written: json-c keeps the original text of real
 * numbers, so 12500.10 stays "12500.10" and never passes through a double;
 * integers are formatted from their exact int64 (json-c clamps integers
 * beyond 64 bits: those are rejected as "number too large").  A key that
 * is not one of the consumer's columns, or a key given twice, rejects the
 * line.  Lines holding only white space are skipped.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "record.h"
#include "util.h"

typedef struct jsonl_reader {
	rec_reader base;
	csv_reader *csv;
	json_tokener *tok;
	json_object *cur; /* the parsed object of the last record */
	strmap keys;	  /* column name -> index */
	rec_field *out;	  /* n_cols */
	char (*num)[24];  /* n_cols: text of integer values */
	uint64_t index;
	bool raw;
	char errbuf[256];
	char hintbuf[96];
} jsonl_reader;

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* Writes the key (at most 60 bytes) into buf for a message. */
static const char *shown_key(char *buf, size_t cap, const char *key)
{
	size_t n = strlen(key), k = 0;

	for (size_t i = 0; i < n && k + 4 < cap; i++)
		buf[k++] = ((unsigned char)key[i] < 0x20) ? '?' : key[i];
	if (k < n && k + 4 <= cap) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
	return buf;
}

/* Number of keys written in a flat object's text: strings followed by a
 * ':'.  Catches a key given twice, which json-c would silently merge. */
static size_t count_keys(const char *s, size_t n)
{
	const char *p = s, *e = s + n;
	size_t keys = 0;

	while (p < e && (p = memchr(p, '"', (size_t)(e - p))) != NULL) {
		const char *q = p + 1;

		/* find the closing quote: one not escaped by a backslash */
		for (;;) {
			size_t bs = 0;

			q = memchr(q, '"', (size_t)(e - q));
			if (q == NULL)
				return keys;
			for (const char *b = q - 1; b > p && *b == '\\'; b--)
				bs++;
			if (bs % 2 == 0)
				break;
			q++;
		}
		p = q + 1;
		while (p < e &&
		       (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		if (p < e && *p == ':')
			keys++;
	}
	return keys;
}

static size_t fmt_i64(char *buf, int64_t v)
{
	char tmp[24];
	size_t n = 0, k = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[k++] = '-';
	while (n)
		buf[k++] = tmp[--n];
	buf[k] = '\0';
	return k;
}

static const char *type_name(json_type t)
{
	switch (t) {
	case json_type_array:
		return "an array";
	case json_type_object:
		return "an object";
	case json_type_string:
		return "a string";
	case json_type_boolean:
		return "true or false";
	case json_type_null:
		return "null";
	default:
		return "a number";
	}
}

/* Parses one line into j->out.  Returns NULL or the reason it is bad
 * (hint may be set). */
static const char *parse_line(jsonl_reader *j, const char *text, size_t len,
			      const char **hint)
{
	enum json_tokener_error jerr;
	json_object *obj;
	size_t end, n_keys = 0;
	char kb[72];

	if (j->cur) {
		json_object_put(j->cur);
		j->cur = NULL;
	}
	json_tokener_reset(j->tok);
	/* json-c 0.16's reset leaves a high surrogate pending when the last
	 * line ended right after one ("\ud800" at the end of a bad line):
	 * the next line's first \u escape would then silently gain a U+FFFD
	 * in front (found by fuzz_jsonl; seed corpus/jsonl/surrogate-cut).
	 * The field is public in 0.16; if a later json-c hides it, this
	 * stops compiling and must be looked at again. */
	j->tok->high_surrogate = 0;
	obj = json_tokener_parse_ex(j->tok, text, (int)len);
	jerr = json_tokener_get_error(j->tok);
	end = json_tokener_get_parse_end(j->tok);
	if (obj == NULL) {
		if (jerr == json_tokener_continue)
			return "invalid JSON: the line ends inside the object";
		snprintf(j->errbuf, sizeof j->errbuf,
			 "invalid JSON at column %zu: %s", end + 1,
			 json_tokener_error_desc(jerr));
		return j->errbuf;
	}
	j->cur = obj;
	if (end < len && !blank(text + end, len - end)) {
		snprintf(j->errbuf, sizeof j->errbuf,
			 "invalid JSON at column %zu: text after the object",
			 end + 1);
		return j->errbuf;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(j->errbuf, sizeof j->errbuf,
			 "expected a JSON object, got %s",
			 type_name(json_object_get_type(obj)));
		return j->errbuf;
	}
	for (size_t i = 0; i < j->base.n_cols; i++) {
		j->out[i].s = "";
		j->out[i].len = 0;
		j->out[i].present = false;
	}
	json_object_object_foreach(obj, key, val)
	{
		uint32_t c;
		rec_field *f;

		n_keys++;
		if (!strmap_get(&j->keys, key, strlen(key), &c)) {
			const char *near =
			    closest_word(key, j->base.cols, j->base.n_cols);

			snprintf(j->errbuf, sizeof j->errbuf,
				 "unknown field '%s'",
				 shown_key(kb, sizeof kb, key));
			if (near) {
				snprintf(j->hintbuf, sizeof j->hintbuf,
					 "did you mean '%s'?", near);
				*hint = j->hintbuf;
			}
			return j->errbuf;
		}
		f = &j->out[c];
		switch (json_object_get_type(val)) {
		case json_type_null:
			break;
		case json_type_boolean:
			f->s = json_object_get_boolean(val) ? "true" : "false";
			f->len = (uint32_t)strlen(f->s);
			f->present = true;
			break;
		case json_type_double:
			/* the number exactly as written */
			f->s = json_object_to_json_string_ext(
			    val, JSON_C_TO_STRING_PLAIN);
			f->len = (uint32_t)strlen(f->s);
			f->present = true;
			break;
		case json_type_int: {
			int64_t v = json_object_get_int64(val);

			if (v == INT64_MAX || v == INT64_MIN) {
				snprintf(j->errbuf, sizeof j->errbuf,
					 "number too large in field '%s'",
					 shown_key(kb, sizeof kb, key));
				return j->errbuf;
			}
			f->len = (uint32_t)fmt_i64(j->num[c], v);
			f->s = j->num[c];
			f->present = true;
			break;
		}
		case json_type_string: {
			const char *s = json_object_get_string(val);
			size_t n = (size_t)json_object_get_string_len(val);
			const char *bad = csv_check_text(s, n);

			if (bad) {
				snprintf(j->errbuf, sizeof j->errbuf,
					 "%s in field '%s'", bad,
					 shown_key(kb, sizeof kb, key));
				return j->errbuf;
			}
			f->s = s;
			f->len = (uint32_t)n;
			f->present = true;
			break;
		}
		default:
			snprintf(j->errbuf, sizeof j->errbuf,
				 "field '%s' is %s; it must be a string, a "
				 "number, true, false or null",
				 shown_key(kb, sizeof kb, key),
				 type_name(json_object_get_type(val)));
			return j->errbuf;
		}
	}
	if (count_keys(text, len) > n_keys)
		return "a key appears twice in the object";
	return NULL;
}

static void fill(jsonl_reader *j, const csv_record *cr, rec *out)
{
	const char *hint = NULL;

	memset(out, 0, sizeof *out);
	out->line = cr->line;
	out->offset = cr->offset;
	out->len = cr->len;
	out->err = cr->err;
	if (cr->err || j->raw)
		return;
	out->err = parse_line(j, cr->text, cr->len, &hint);
	out->hint = out->err ? hint : NULL;
	if (out->err == NULL)
		out->f = j->out;
}

static int jsonl_next(rec_reader *base, rec *out)
{
	jsonl_reader *j = (jsonl_reader *)base;
	csv_record cr;

	for (;;) {
		int rc = csv_next(j->csv, &cr);

		if (rc <= 0) {
			memset(out, 0, sizeof *out);
			return rc;
		}
		if (cr.err == NULL && blank(cr.text, cr.len))
			continue;
		fill(j, &cr, out);
		out->index = j->index++;
		return 1;
	}
}

static int jsonl_rewind(rec_reader *base, bool raw)
{
	jsonl_reader *j = (jsonl_reader *)base;

	j->raw = raw;
	j->index = 0;
	csv_set_flags(j->csv, CSV_LINES | (raw ? CSV_RAW : 0));
	return csv_rewind(j->csv);
}

static int jsonl_read_at(rec_reader *base, uint64_t offset, uint32_t len,
			 uint64_t line, rec *out)
{
	jsonl_reader *j = (jsonl_reader *)base;
	csv_record cr;

	if (j->raw) {
		j->raw = false;
		csv_set_flags(j->csv, CSV_LINES);
	}
	if (csv_read_at(j->csv, offset, len, line, &cr) < 0)
		return -1;
	fill(j, &cr, out);
	return 1;
}

static const char *jsonl_errmsg(const rec_reader *base)
{
	return csv_errmsg(((const jsonl_reader *)base)->csv);
}

static void jsonl_close(rec_reader *base)
{
	jsonl_reader *j = (jsonl_reader *)base;

	if (j->cur)
		json_object_put(j->cur);
	if (j->tok)
		json_tokener_free(j->tok);
	csv_close(j->csv);
	strmap_finish(&j->keys);
	free(j->out);
	free(j->num);
	free(j->base.has_col);
	free(j);
}

static const rec_ops jsonl_ops = {
    .next = jsonl_next,
    .rewind = jsonl_rewind,
    .read_at = jsonl_read_at,
    .errmsg = jsonl_errmsg,
    .close = jsonl_close,
};

int jsonl_rec_open(rec_reader **out, const char *path, const char *const *cols,
		   size_t n_cols, char **err)
{
	jsonl_reader *j = calloc(1, sizeof *j);

	if (j == NULL)
		goto oom;
	j->base.ops = &jsonl_ops;
	j->base.path = path;
	j->base.cols = cols;
	j->base.n_cols = n_cols;
	strmap_init(&j->keys);
	if ((j->out = calloc(n_cols + 1, sizeof *j->out)) == NULL ||
	    (j->num = calloc(n_cols + 1, sizeof *j->num)) == NULL ||
	    (j->base.has_col = calloc(n_cols + 1, sizeof(bool))) == NULL ||
	    (j->tok = json_tokener_new()) == NULL)
		goto oom;
	json_tokener_set_flags(j->tok, JSON_TOKENER_STRICT);
	for (size_t i = 0; i < n_cols; i++) {
		j->base.has_col[i] = true;
		j->out[i].s = "";
		if (strmap_put(&j->keys, cols[i], strlen(cols[i]), (uint32_t)i,
			       NULL) < 0)
			goto oom;
	}
	if (csv_open(&j->csv, path, CSV_LINES, err) < 0) {
		jsonl_close(&j->base);
		return -1;
	}
	*out = &j->base;
	return 0;
oom:
	if (j)
		jsonl_close(&j->base);
	if (err)
		*err = strdup("out of memory");
	return -1;
}
