/*
 * ydoc.h: reading the small YAML files of simulations (scenarios, person
 * profiles): the file, its tree, and typed getters that report every
 * problem as file:line:column through the caller's diag callback.
 */
#ifndef INC_YDOC_H
#define INC_YDOC_H

#include "date.h"
#include "dec.h"
#include "yamltree.h"

typedef struct ydoc {
	ytree t;
	char *buf;
	const char *file;
	inc_diag_fn diag;
	void *ud;
	size_t errors;
} ydoc;

/* Reads and parses path.  Returns 0 (d->t.root is the document, maybe
 * NULL when empty), INC_EINPUT after reporting a YAML problem, or
 * INC_ERROR when the file cannot be read (malloc'd message in *err).
 * ydoc_close is needed in every case. */
int ydoc_open(ydoc *d, const char *path, inc_diag_fn diag, void *ud,
	      char **err);
void ydoc_close(ydoc *d);

void ydoc_error(ydoc *d, const ynode *n, const char *hint, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
/* Reports every key of map not in allowed[]; false when any. */
bool ydoc_keys(ydoc *d, const ynode *map, const char *const *allowed,
	       size_t n_allowed);
bool ydoc_is_map(ydoc *d, const ynode *n, const char *what);
/* Scalar text, or NULL after an error. */
const char *ydoc_str(ydoc *d, const ynode *n, const char *what);
/* An exact decimal, "1.10", or with percent a percentage too ("110%"). */
bool ydoc_dec(ydoc *d, const ynode *n, bool percent, const char *what,
	      dec *out);
bool ydoc_int(ydoc *d, const ynode *n, int64_t lo, int64_t hi,
	      const char *what, int64_t *out);
bool ydoc_date(ydoc *d, const ynode *n, date_t *out);

#endif
