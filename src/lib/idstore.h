/*
 * idstore.h: a compact, sorted store of event ids, for inputs whose ids
 * arrive in increasing order (the usual export, sorted by date and id).
 *
 * The event source (evsrc.c) must know every accepted id only to find
 * duplicates and the targets of refs.  When ids arrive in increasing
 * order there can be no duplicate, so only the ids a ref may name need
 * keeping (deals, for refunds) and they arrive sorted: they are stored
 * front-coded in blocks of IDSTORE_BLOCK (each id written as the bytes it
 * does not share with the previous one, dates and positions as deltas),
 * about 8 bytes an id instead of the ~60 of the general hash set, and
 * found by binary search over the blocks.  Measured figures: bench/README.md.
 */
#ifndef INC_IDSTORE_H
#define INC_IDSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"

#define IDSTORE_BLOCK 32
#define IDSTORE_MAX_ID 128

/* The order of ids (evsrc's id_cmp). */
typedef int (*idstore_cmp)(const void *ctx, const char *a, size_t na,
			   const char *b, size_t nb);

typedef struct idstore {
	uint8_t *bytes;	    /* the encoded entries */
	size_t n_bytes, cap_bytes;
	size_t *blocks;	    /* offset of every IDSTORE_BLOCK-th entry */
	size_t cap_blocks;
	uint8_t *flags;	    /* per entry, free for the caller */
	size_t n, cap;	    /* entries */
	/* the last entry, for front coding and deltas */
	char last[IDSTORE_MAX_ID];
	uint8_t last_len;
	date_t last_date;
	uint32_t last_ord;
} idstore;

/* One decoded entry. */
typedef struct idstore_entry {
	char id[IDSTORE_MAX_ID];
	uint8_t len;
	date_t date;
	uint16_t type_slot;
	uint32_t ord; /* the caller's number for it (acceptance order) */
} idstore_entry;

/* A cursor over the entries in order. */
typedef struct idstore_iter {
	size_t i, off;
	idstore_entry e;
} idstore_iter;

void idstore_init(idstore *t);
void idstore_finish(idstore *t);
/* Appends an id that sorts after every id already stored (the caller
 * checks).  Returns false when out of memory. */
bool idstore_add(idstore *t, const char *id, size_t len, date_t date,
		 uint16_t type_slot, uint32_t ord);
/* The index of id, with its entry in *out, or -1. */
int64_t idstore_find(const idstore *t, const char *id, size_t len,
		     idstore_cmp cmp, const void *ctx, idstore_entry *out);
/* Cursor at entry i (<= n). */
void idstore_seek(const idstore *t, idstore_iter *it, size_t i);
/* Decodes the entry at the cursor into it->e and moves past it; false at
 * the end. */
bool idstore_next(const idstore *t, idstore_iter *it);
/* Heap bytes held. */
size_t idstore_bytes(const idstore *t);

#endif
