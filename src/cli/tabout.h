/*
 * tabout.h: result tables (inc_table) for a terminal and as CSV, and the
 * digit grouping that tables and charts share.
 */
#ifndef INC_TABOUT_H
#define INC_TABOUT_H

#include <stdbool.h>
#include <stdio.h>

#include "incentive.h"

/* Writes num ("-1234567.50") with ',' between groups of three integer
 * digits ("-1,234,567.50") into out; anything that is not a plain number
 * is copied as it is. */
void num_group(char *out, size_t cap, const char *num);

/* The cell at (row, col). */
static inline const char *tab_cell(const inc_table *t, size_t row, size_t col)
{
	const char *s = t->cells[row * t->n_cols + col];
	return s ? s : "";
}

/* A titled, aligned table for a terminal (numbers right-aligned and
 * grouped, the note wrapped under the title). */
void tab_print(FILE *f, const inc_table *t);
/* The table as CSV (RFC 4180), header first, numbers as they are. */
void tab_csv(FILE *f, const inc_table *t);

#endif
