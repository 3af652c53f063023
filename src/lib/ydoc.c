/*
 * ydoc.c: the small YAML files of simulations (see ydoc.h).
 */
#include "ydoc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ydoc_open(ydoc *d, const char *path, inc_diag_fn diag, void *ud,
	      char **err)
{
	size_t len = 0;
	int rc;

	memset(d, 0, sizeof *d);
	d->file = path;
	d->diag = diag;
	d->ud = ud;
	if (read_file(path, &d->buf, &len) != 0) {
		if (err && asprintf(err, "cannot read %s: %s", path, strerror(errno)) < 0)
			*err = NULL;
		return INC_ERROR;
	}
	rc = ytree_parse(&d->t, path, d->buf, len, diag, ud);
	if (rc == INC_EPOLICY)
		return INC_EINPUT;
	if (rc) {
		if (err)
			*err = strdup("out of memory");
		return INC_ERROR;
	}
	return 0;
}

void ydoc_close(ydoc *d)
{
	if (!d)
		return;
	ytree_finish(&d->t);
	free(d->buf);
	d->buf = NULL;
}

void ydoc_error(ydoc *d, const ynode *n, const char *hint, const char *fmt, ...)
{
	strbuf sb;
	va_list ap;
	inc_diag g;

	d->errors++;
	if (!d->diag)
		return;
	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	memset(&g, 0, sizeof g);
	g.file = d->file;
	g.line = n ? n->line : 0;
	g.column = n ? n->col : 0;
	g.severity = INC_SEV_ERROR;
	g.message = sb.oom ? "out of memory" : sb_cstr(&sb);
	g.hint = hint;
	d->diag(d->ud, &g);
	sb_finish(&sb);
}

bool ydoc_is_map(ydoc *d, const ynode *n, const char *what)
{
	char got[96];

	if (n && n->kind == YN_MAP)
		return true;
	ydoc_error(d, n, NULL, "expected %s (a mapping), got %s", what,
		   ynode_describe(n, got, sizeof got));
	return false;
}

bool ydoc_keys(ydoc *d, const ynode *map, const char *const *allowed,
	       size_t n_allowed)
{
	bool ok = true;

	if (!map || map->kind != YN_MAP)
		return true;
	for (size_t i = 0; i < map->n_pairs; i++) {
		const ynode *k = map->pairs[i].key;
		size_t j;
		for (j = 0; j < n_allowed; j++)
			if (ynode_text_is(k, allowed[j]))
				break;
		if (j < n_allowed)
			continue;
		const char *near = closest_word(k->text, allowed, n_allowed);
		char hint[160];
		if (near)
			snprintf(hint, sizeof hint, "did you mean '%s'?", near);
		ydoc_error(d, k, near ? hint : NULL, "unknown key '%s'", k->text);
		ok = false;
	}
	return ok;
}

const char *ydoc_str(ydoc *d, const ynode *n, const char *what)
{
	char got[96];

	if (n && n->kind == YN_SCALAR)
		return n->text;
	ydoc_error(d, n, NULL, "expected %s, got %s", what,
		   ynode_describe(n, got, sizeof got));
	return NULL;
}

bool ydoc_dec(ydoc *d, const ynode *n, bool percent, const char *what,
	      dec *out)
{
	const char *s = ydoc_str(d, n, what);

	if (!s)
		return false;
	if (dec_parse(out, s, n->len, percent) != DEC_OK) {
		ydoc_error(d, n, percent ? "write a decimal like 1.10 or a percentage like 110%"
					 : "write a decimal like 1.10",
			   "%s: '%s' is not an exact decimal", what, s);
		return false;
	}
	return true;
}

bool ydoc_int(ydoc *d, const ynode *n, int64_t lo, int64_t hi,
	      const char *what, int64_t *out)
{
	const char *s = ydoc_str(d, n, what);
	char *end = NULL;
	long long v;

	if (!s)
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		ydoc_error(d, n, NULL, "%s: expected a whole number from %lld to %lld, got '%s'",
			   what, (long long)lo, (long long)hi, s);
		return false;
	}
	*out = v;
	return true;
}

bool ydoc_date(ydoc *d, const ynode *n, date_t *out)
{
	const char *s = ydoc_str(d, n, "a date");

	if (!s)
		return false;
	if (date_parse(out, s, n->len) != 0) {
		ydoc_error(d, n, "write YYYY-MM-DD", "'%s' is not a date", s);
		return false;
	}
	return true;
}
