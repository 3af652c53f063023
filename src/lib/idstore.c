/*
 * idstore.c: the front-coded sorted id store of idstore.h.
 *
 * Entry layout (bytes): shared prefix length, suffix length, the suffix,
 * then varints: the date (zigzag delta from the previous entry; from 0
 * for the first of a block), the type slot, the number (delta from the
 * previous; absolute for the first of a block).  The first entry of a
 * block shares nothing, so a block decodes on its own and its first id
 * can be compared directly in the binary search.
 */
#include "idstore.h"

#include <stdlib.h>
#include <string.h>

void idstore_init(idstore *t)
{
	memset(t, 0, sizeof *t);
}

void idstore_finish(idstore *t)
{
	free(t->bytes);
	free(t->blocks);
	free(t->flags);
	idstore_init(t);
}

size_t idstore_bytes(const idstore *t)
{
	return t->cap_bytes + t->cap_blocks * sizeof *t->blocks + t->cap;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static uint64_t get_varint(const uint8_t *p, size_t *off)
{
	uint64_t v = 0;
	int shift = 0;

	for (;;) {
		uint8_t b = p[(*off)++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
		shift += 7;
	}
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n;
	void *q;

	if (need <= *cap)
		return true;
	n = *cap ? *cap : 1024;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

bool idstore_add(idstore *t, const char *id, size_t len, date_t date,
		 uint16_t type_slot, uint32_t ord)
{
	bool first = t->n % IDSTORE_BLOCK == 0;
	size_t shared = 0, n;
	uint8_t *p;

	if (len > IDSTORE_MAX_ID)
		return false;
	if (!first)
		while (shared < len && shared < t->last_len &&
		       t->last[shared] == id[shared])
			shared++;
	/* 2 length bytes, the suffix, 3 varints of at most 10 bytes */
	if (!grow((void **)&t->bytes, &t->cap_bytes, t->n_bytes + 2 + len + 30,
		  1) ||
	    !grow((void **)&t->flags, &t->cap, t->n + 1, 1) ||
	    (first && !grow((void **)&t->blocks, &t->cap_blocks,
			    t->n / IDSTORE_BLOCK + 1, sizeof *t->blocks)))
		return false;
	if (first)
		t->blocks[t->n / IDSTORE_BLOCK] = t->n_bytes;
	p = t->bytes + t->n_bytes;
	n = 0;
	p[n++] = (uint8_t)shared;
	p[n++] = (uint8_t)(len - shared);
	memcpy(p + n, id + shared, len - shared);
	n += len - shared;
	n += put_varint(p + n, zigzag(first ? (int64_t)date
					    : (int64_t)date - t->last_date));
	n += put_varint(p + n, type_slot);
	n += put_varint(p + n, first ? ord : (uint64_t)(ord - t->last_ord));
	t->n_bytes += n;
	t->flags[t->n] = 0;
	t->n++;
	memcpy(t->last, id, len);
	t->last_len = (uint8_t)len;
	t->last_date = date;
	t->last_ord = ord;
	return true;
}

/* Decodes the entry at *off; prev holds the previous entry of the block
 * (ignored for the first). */
static void decode(const idstore *t, size_t *off, bool first,
		   idstore_entry *e)
{
	const uint8_t *p = t->bytes;
	size_t shared = p[*off], slen = p[*off + 1];

	*off += 2;
	memcpy(e->id + shared, p + *off, slen);
	*off += slen;
	e->len = (uint8_t)(shared + slen);
	if (first)
		e->date = (date_t)unzigzag(get_varint(p, off));
	else
		e->date = (date_t)(e->date + unzigzag(get_varint(p, off)));
	e->type_slot = (uint16_t)get_varint(p, off);
	if (first)
		e->ord = (uint32_t)get_varint(p, off);
	else
		e->ord += (uint32_t)get_varint(p, off);
}

void idstore_seek(const idstore *t, idstore_iter *it, size_t i)
{
	size_t b = i / IDSTORE_BLOCK;

	it->i = b * IDSTORE_BLOCK;
	it->off = it->i < t->n ? t->blocks[b] : t->n_bytes;
	while (it->i < i && idstore_next(t, it))
		;
}

bool idstore_next(const idstore *t, idstore_iter *it)
{
	if (it->i >= t->n)
		return false;
	decode(t, &it->off, it->i % IDSTORE_BLOCK == 0, &it->e);
	it->i++;
	return true;
}

int64_t idstore_find(const idstore *t, const char *id, size_t len,
		     idstore_cmp cmp, const void *ctx, idstore_entry *out)
{
	size_t nb = (t->n + IDSTORE_BLOCK - 1) / IDSTORE_BLOCK, lo = 0, hi = nb;
	idstore_iter it;

	if (t->n == 0)
		return -1;
	/* the last block whose first id is <= id */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2, off = t->blocks[mid];
		idstore_entry e;

		decode(t, &off, true, &e);
		if (cmp(ctx, e.id, e.len, id, len) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	idstore_seek(t, &it, lo * IDSTORE_BLOCK);
	while (it.i < (lo + 1) * IDSTORE_BLOCK && idstore_next(t, &it)) {
		int c = cmp(ctx, it.e.id, it.e.len, id, len);
		if (c == 0) {
			*out = it.e;
			return (int64_t)it.i - 1;
		}
		if (c > 0)
			break;
	}
	return -1;
}
