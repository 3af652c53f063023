/*
 * output.c: writing decisions as a table, CSV or JSON Lines.
 *
 * Nothing reaches its destination before the run succeeded: CSV and JSON
 * Lines go to a spool file (a temporary file beside --out, renamed over it
 * on commit; or an anonymous temporary file copied to stdout on commit).
 * A table needs every row to size its columns, so its rows are kept in
 * memory (tables are for terminals; use csv or jsonl for big runs).
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
};

int parse_format(const char *s, out_format *out)
{
	if (strcmp(s, "table") == 0)
		*out = FMT_TABLE;
	else if (strcmp(s, "csv") == 0)
		*out = FMT_CSV;
	else if (strcmp(s, "jsonl") == 0)
		*out = FMT_JSONL;
	else
		return -1;
	return 0;
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

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

int out_open(out_writer **out, out_format fmt, const char *path)
{
	out_writer *w = calloc(1, sizeof *w);
	if (!w)
		return -1;
	w->fmt = fmt;
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
	*out = w;
	return 0;
fail:
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
	const char *cols[N_COLS] = {
		d->id, d->period, d->person, d->kind, d->amount ? d->amount : "",
		d->currency ? d->currency : "", d->rule, d->events, d->reason,
		d->version ? d->version : "",
	};

	if (w->failed)
		return -1;
	if (w->fmt == FMT_TABLE) {
		if (table_row(w, cols) != 0)
			w->failed = true;
	} else if (w->fmt == FMT_CSV) {
		for (size_t i = 0; i < N_COLS; i++) {
			if (i)
				fputc(',', w->spool);
			csv_field(w->spool, cols[i]);
		}
		fputc('\n', w->spool);
	} else {
		fputc('{', w->spool);
		for (size_t i = 0; i < N_COLS; i++) {
			if (i)
				fputc(',', w->spool);
			json_string(w->spool, col_names[i]);
			fputc(':', w->spool);
			if ((i == 4 || i == 5) && !d->amount)
				fputs("null", w->spool);
			else
				json_string(w->spool, cols[i]);
		}
		fputs(",\"detail\":", w->spool);
		fputs(d->detail && *d->detail ? d->detail : "{}", w->spool);
		fputs("}\n", w->spool);
	}
	if (w->spool && ferror(w->spool))
		w->failed = true;
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

int out_commit(out_writer *w)
{
	int rc = 0;

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
	free(w);
}
