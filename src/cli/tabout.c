/*
 * tabout.c: result tables for a terminal and as CSV (see tabout.h).
 */
#include "tabout.h"

#include <stdlib.h>
#include <string.h>

void num_group(char *out, size_t cap, const char *num)
{
	const char *p = num, *dot;
	size_t n = 0, digits;

	if (cap == 0)
		return;
	if (*p == '-')
		p++;
	dot = p;
	while (*dot >= '0' && *dot <= '9')
		dot++;
	{
		const char *q = dot;
		bool ok = dot != p;
		if (ok && *q == '.') {
			q++;
			ok = *q != '\0';
			while (*q >= '0' && *q <= '9')
				q++;
		}
		if (!ok || *q) {
			snprintf(out, cap, "%s", num);
			return;
		}
	}
	digits = (size_t)(dot - p);
#define PUT(c)                          \
	do {                            \
		if (n + 1 < cap)        \
			out[n++] = (c); \
	} while (0)
	if (*num == '-')
		PUT('-');
	for (size_t i = 0; i < digits; i++) {
		if (i && (digits - i) % 3 == 0)
			PUT(',');
		PUT(p[i]);
	}
	for (const char *q = dot; *q; q++)
		PUT(*q);
#undef PUT
	out[n] = '\0';
}

static bool numeric(const inc_table *t, size_t c)
{
	return t->types && t->types[c] != 't';
}

static const char *shown(const inc_table *t, size_t r, size_t c, char *buf, size_t cap)
{
	const char *s = tab_cell(t, r, c);
	if (!numeric(t, c) || !*s)
		return s;
	num_group(buf, cap, s);
	return buf;
}

static void wrap(FILE *f, const char *s, size_t width)
{
	while (*s) {
		size_t n = strlen(s), cut = n;
		if (n > width) {
			cut = width;
			while (cut > 0 && s[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = width;
		}
		fprintf(f, "  %.*s\n", (int)cut, s);
		s += cut;
		while (*s == ' ')
			s++;
	}
}

void tab_print(FILE *f, const inc_table *t)
{
	size_t *w = calloc(t->n_cols ? t->n_cols : 1, sizeof *w);
	char buf[128];

	if (!w)
		return;
	fprintf(f, "%s\n", t->title);
	if (t->note && *t->note)
		wrap(f, t->note, 76);
	if (t->n_rows == 0) {
		fputs("  (none)\n", f);
		free(w);
		return;
	}
	for (size_t c = 0; c < t->n_cols; c++) {
		w[c] = strlen(t->cols[c]);
		for (size_t r = 0; r < t->n_rows; r++) {
			size_t n = strlen(shown(t, r, c, buf, sizeof buf));
			if (n > w[c])
				w[c] = n;
		}
	}
	for (size_t c = 0; c < t->n_cols; c++) {
		bool last = c + 1 == t->n_cols;
		if (numeric(t, c))
			fprintf(f, "%s%*s", c ? "  " : "", (int)w[c], t->cols[c]);
		else
			fprintf(f, "%s%-*s", c ? "  " : "", last ? 0 : (int)w[c], t->cols[c]);
	}
	fputc('\n', f);
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->n_cols; c++) {
			bool last = c + 1 == t->n_cols;
			const char *s = shown(t, r, c, buf, sizeof buf);
			if (numeric(t, c))
				fprintf(f, "%s%*s", c ? "  " : "", (int)w[c], s);
			else
				fprintf(f, "%s%-*s", c ? "  " : "", last ? 0 : (int)w[c], s);
		}
		fputc('\n', f);
	}
	free(w);
}

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void tab_csv(FILE *f, const inc_table *t)
{
	for (size_t c = 0; c < t->n_cols; c++) {
		if (c)
			fputc(',', f);
		csv_field(f, t->cols[c]);
	}
	fputc('\n', f);
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->n_cols; c++) {
			if (c)
				fputc(',', f);
			csv_field(f, tab_cell(t, r, c));
		}
		fputc('\n', f);
	}
}
