/*
 * yamltree.h: one YAML document read with libyaml into a small tree.
 *
 * The policy loader works on this tree rather than on libyaml events so
 * that it can look keys up, check what is missing and report every
 * problem with the line and column of the node it concerns.  Scalars keep
 * their text exactly as libyaml delivers it (no typing: "on", "yes" and
 * "08" stay strings); the loader gives them meaning.
 *
 * The reader refuses what a policy never needs and what would make it
 * unsafe to read: aliases and anchors (no alias bombs), tags other than
 * !!str, nesting deeper than YTREE_MAX_DEPTH, scalars longer than
 * YTREE_MAX_SCALAR, files larger than YTREE_MAX_FILE, duplicate keys in a
 * mapping, non-scalar keys, more than one document, NUL characters inside
 * a scalar and non-UTF-8 text.
 */
#ifndef INC_YAMLTREE_H
#define INC_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "incentive.h"
#include "util.h"

#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_SCALAR ((size_t)1 << 20) /* 1 MiB */
#define YTREE_MAX_FILE ((size_t)16 << 20)  /* 16 MiB */

typedef enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP } ynode_kind;

typedef enum yscalar_style {
	YS_PLAIN,  /* unquoted */
	YS_SINGLE, /* 'text' */
	YS_DOUBLE, /* "text" */
	YS_BLOCK,  /* | or > */
} yscalar_style;

typedef struct ynode ynode;

typedef struct ypair {
	ynode *key; /* always a scalar */
	ynode *value;
} ypair;

struct ynode {
	ynode_kind kind;
	uint32_t line, col; /* 1-based, from the libyaml start mark */
	size_t offset;	    /* byte offset of the node's start in the text */
	/* YN_SCALAR: text is NUL-terminated, len == strlen(text) (a NUL
	 * inside a scalar is refused) */
	const char *text;
	size_t len;
	yscalar_style style;
	/* YN_SEQ */
	ynode **items;
	size_t n_items;
	/* YN_MAP: in document order; keys are unique */
	ypair *pairs;
	size_t n_pairs;
};

typedef struct ytree {
	arena mem;	 /* every node and string of the tree */
	ynode *root;	 /* NULL for an empty document or after a hard error */
	const char *buf; /* the source text (borrowed) */
	size_t len;
} ytree;

/* Parses `buf` (len bytes, the whole file) into *t, which the caller owns
 * and releases with ytree_finish in every case.  Problems are passed to
 * `diag` (may be NULL) as errors in `file`.  Returns 0; INC_EPOLICY when
 * the text has problems (t->root is still set when they did not stop the
 * reading, such as a duplicate key: the first of the duplicates is kept
 * first in the mapping); INC_ERROR when out of memory. */
int ytree_parse(ytree *t, const char *file, const char *buf, size_t len,
		inc_diag_fn diag, void *ud);

/* Frees the tree's nodes.  NULL-safe, and safe on a zeroed ytree. */
void ytree_finish(ytree *t);

/* The value of `key` in mapping `map`, or NULL when map is NULL, not a
 * mapping or has no such key. */
const ynode *ynode_get(const ynode *map, const char *key);
/* The pair holding `key`, or NULL. */
const ypair *ynode_get_pair(const ynode *map, const char *key);

/* True for a plain scalar that YAML reads as null: empty, "~" or "null". */
bool ynode_is_null(const ynode *n);

/* True when scalar n's text equals the NUL-terminated s. */
bool ynode_text_is(const ynode *n, const char *s);

/* "a mapping", "a list", "nothing" or the scalar's text in quotes, for
 * messages like "expected a date, got 'x'".  Written into buf (cap bytes,
 * long texts are cut with "..."); returns buf. */
const char *ynode_describe(const ynode *n, char *buf, size_t cap);

#endif
