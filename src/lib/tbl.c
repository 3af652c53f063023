/*
 * tbl.c: result tables (see tbl.h).
 */
#include "tbl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tbl *tbl_new(arena *mem, const char *name, const char *title, ...)
{
	va_list ap;
	size_t n = 0;
	tbl *t = arena_alloc(mem, sizeof *t);

	if (!t)
		return NULL;
	va_start(ap, title);
	while (va_arg(ap, const char *))
		n++;
	va_end(ap);
	t->mem = mem;
	t->name = arena_strdup(mem, name);
	t->title = arena_strdup(mem, title);
	t->note = "";
	t->n_cols = n;
	t->cols = arena_alloc(mem, sizeof *t->cols * (n ? n : 1));
	t->types = arena_alloc(mem, n + 1);
	if (!t->name || !t->title || !t->cols || !t->types)
		return NULL;
	va_start(ap, title);
	for (size_t i = 0; i < n; i++) {
		const char *c = va_arg(ap, const char *);
		if (c[0] && c[1] == ':') {
			t->types[i] = c[0];
			c += 2;
		} else {
			t->types[i] = 't';
		}
		t->cols[i] = c;
	}
	va_end(ap);
	return t;
}

void tbl_free(tbl *t)
{
	if (t) {
		free(t->cells);
		t->cells = NULL;
	}
}

void tbl_set_note(tbl *t, const char *fmt, ...)
{
	strbuf sb;
	va_list ap;

	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	t->note = sb.oom ? "" : arena_strdup(t->mem, sb_cstr(&sb));
	if (!t->note) {
		t->note = "";
		t->oom = true;
	}
	sb_finish(&sb);
}

void tbl_row(tbl *t)
{
	if (t->n_rows == t->cap_rows) {
		size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;
		const char **c = realloc(t->cells, cap * t->n_cols * sizeof *c);
		if (!c) {
			t->oom = true;
			return;
		}
		t->cells = c;
		t->cap_rows = cap;
	}
	for (size_t i = 0; i < t->n_cols; i++)
		t->cells[t->n_rows * t->n_cols + i] = "";
	t->n_rows++;
}

void tbl_cell_text(tbl *t, size_t c, const char *s)
{
	const char *copy;

	if (t->oom || t->n_rows == 0 || c >= t->n_cols)
		return;
	copy = arena_strdup(t->mem, s ? s : "");
	if (!copy) {
		t->oom = true;
		return;
	}
	t->cells[(t->n_rows - 1) * t->n_cols + c] = copy;
}

void tbl_cell(tbl *t, size_t c, const char *fmt, ...)
{
	strbuf sb;
	va_list ap;

	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	if (sb.oom)
		t->oom = true;
	else
		tbl_cell_text(t, c, sb_cstr(&sb));
	sb_finish(&sb);
}

void tbl_cell_money(tbl *t, size_t c, dec d, int minor)
{
	char b[72];
	dec r;

	if (dec_round(&r, d, minor, DEC_HALF_EVEN) != DEC_OK)
		r = d;
	dec_format(b, sizeof b, r, minor, false);
	tbl_cell_text(t, c, b);
}

void tbl_cell_dec(tbl *t, size_t c, dec d)
{
	char b[72];

	dec_format(b, sizeof b, dec_normalize(d), 0, false);
	tbl_cell_text(t, c, b);
}

void tbl_cell_pct(tbl *t, size_t c, dec num, dec den)
{
	char b[72];
	dec q;

	if (dec_is_zero(den) || dec_mul(&num, num, dec_from_int(100)) != DEC_OK ||
	    dec_div(&q, num, den, 2, DEC_HALF_EVEN) != DEC_OK)
		return;
	dec_format(b, sizeof b, q, 2, false);
	tbl_cell_text(t, c, b);
}

void tbl_view(const tbl *t, inc_table *out)
{
	memset(out, 0, sizeof *out);
	out->name = t->name;
	out->title = t->title;
	out->note = t->note ? t->note : "";
	out->n_cols = t->n_cols;
	out->n_rows = t->n_rows;
	out->cols = t->cols;
	out->types = t->types;
	out->cells = t->cells;
}
