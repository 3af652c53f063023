/*
 * tbl.h: building the result tables of the public API (inc_table) for
 * simulations and handbooks: rows of formatted cells kept in an arena.
 */
#ifndef INC_TBL_H
#define INC_TBL_H

#include "dec.h"
#include "incentive.h"
#include "util.h"

typedef struct tbl {
	arena *mem;
	const char *name, *title, *note;
	const char **cols;
	char *types;
	size_t n_cols;
	const char **cells; /* malloc'd, n_rows x n_cols */
	size_t n_rows, cap_rows;
	bool oom;
} tbl;

/* A new table in mem with the column headings given as "type:heading"
 * strings (type: t text, n number, m money, p percent), NULL-terminated.
 * NULL on out of memory.  Free with tbl_free (the strings live in mem). */
tbl *tbl_new(arena *mem, const char *name, const char *title, ...);
void tbl_free(tbl *t);
void tbl_set_note(tbl *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Starts a new row; its cells are "" until set. */
void tbl_row(tbl *t);
/* Sets cell c of the last row. */
void tbl_cell(tbl *t, size_t c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tbl_cell_text(tbl *t, size_t c, const char *s);
/* Money: d at `minor` decimals ("1234.50"). */
void tbl_cell_money(tbl *t, size_t c, dec d, int minor);
/* Any exact decimal, trailing zeros trimmed. */
void tbl_cell_dec(tbl *t, size_t c, dec d);
/* 100 * num / den with 2 decimals, half even; "" when den is 0. */
void tbl_cell_pct(tbl *t, size_t c, dec num, dec den);
/* The public view. */
void tbl_view(const tbl *t, inc_table *out);

#endif
