/*
 * recahead.c: the read-ahead thread of recahead.h.
 *
 * A batch holds up to BATCH_RECS records: their rec headers, their fields
 * (n_cols each) and the bytes of the fields, messages and hints, copied
 * out of the reader's buffers (which the next rec_next reuses).  While a
 * batch fills, its texts are kept as offsets (the byte buffer may move);
 * seal() turns them into pointers before the batch is published.
 *
 * What it buys: on the peers reference workload (bench/README.md) the CSV
 * splitting is ~810 of the ~2,260 instructions an event of pass 1 (~1,250
 * of ~4,000 on the default policy), all of it on the critical path before
 * this thread took it; copying a record costs the reader ~200 and taking
 * it the checker a few dozen.
 */
#include "handoff.h"
#include "recahead.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* (2048 records, were 512: fewer wake-ups, see outq.c) */
#define BATCH_RECS 2048
#define RING 4
#define NO_TEXT SIZE_MAX

typedef struct batch {
	rec recs[BATCH_RECS];
	rec_field *fields;		  /* BATCH_RECS x n_cols */
	size_t *foff;			  /* offsets of the fields' bytes */
	size_t err_off[BATCH_RECS];	  /* NO_TEXT: NULL */
	size_t hint_off[BATCH_RECS];
	char *bytes;
	size_t n_bytes, cap_bytes;
	size_t n;
	int end; /* of the last batch: 0, -1 (read error) or -2 (memory) */
	bool last;
} batch;

struct recahead {
	rec_reader *rd;
	size_t n_cols;
	bool csv; /* rd reads CSV (record.h's rec_open picks by the name) */
	batch ring[RING];
	handoff h; /* lock, conditions and thread (handoff.h) */
	size_t head, tail; /* batches published / taken, counting up */
	bool stop;	   /* the consumer gave up: the reader ends */
	/* the consumer's side */
	batch *cur;
	size_t pos;
	bool done;
	int end;
};

/* Copies n bytes (and a NUL when nul) into the batch; returns their
 * offset, or NO_TEXT when out of memory. */
static size_t keep(batch *b, const char *s, size_t n, bool nul)
{
	size_t need = b->n_bytes + n + (nul ? 1 : 0);

	if (need > b->cap_bytes) {
		size_t cap = b->cap_bytes ? b->cap_bytes * 2 : 65536;
		while (cap < need)
			cap *= 2;
		char *p = realloc(b->bytes, cap);
		if (!p)
			return NO_TEXT;
		b->bytes = p;
		b->cap_bytes = cap;
	}
	if (n)
		memcpy(b->bytes + b->n_bytes, s, n);
	if (nul)
		b->bytes[b->n_bytes + n] = '\0';
	b->n_bytes = need;
	return need - n - (nul ? 1 : 0);
}

static bool copy_rec(recahead *a, batch *b, const rec *src)
{
	size_t i = b->n;
	rec *r = &b->recs[i];

	*r = *src;
	r->f = NULL;
	b->err_off[i] = b->hint_off[i] = NO_TEXT;
	if (src->err && (b->err_off[i] = keep(b, src->err, strlen(src->err), true)) == NO_TEXT)
		return false;
	if (src->hint &&
	    (b->hint_off[i] = keep(b, src->hint, strlen(src->hint), true)) == NO_TEXT)
		return false;
	if (src->f) {
		rec_field *f = &b->fields[i * a->n_cols];
		size_t *off = &b->foff[i * a->n_cols];

		r->f = f; /* marks "has fields"; made to point here by seal() */
		/* The fields of a CSV record all lie in the reader's copy of the
		 * record (quoted ones unquoted in place): one copy of the span
		 * they cover instead of one per field (~685 -> ~300 instructions
		 * a record on the peers workload).  JSON Lines values live in
		 * separate objects: copied one by one. */
		uintptr_t lo = UINTPTR_MAX, hi = 0;
		const char *first = NULL; /* the field that starts the span */
		for (size_t c = 0; c < a->n_cols; c++) {
			f[c] = src->f[c];
			if (!f[c].len)
				continue;
			uintptr_t s = (uintptr_t)f[c].s;
			if (s < lo) {
				lo = s;
				first = f[c].s;
			}
			if (s + f[c].len > hi)
				hi = s + f[c].len;
		}
		size_t base = NO_TEXT;
		if (a->csv && hi > lo && hi - lo <= (size_t)src->len &&
		    (base = keep(b, first, hi - lo, false)) ==
			NO_TEXT)
			return false;
		for (size_t c = 0; c < a->n_cols; c++) {
			off[c] = NO_TEXT;
			if (!f[c].len)
				continue;
			if (base != NO_TEXT)
				off[c] = base + ((uintptr_t)f[c].s - lo);
			else if ((off[c] = keep(b, f[c].s, f[c].len, false)) == NO_TEXT)
				return false;
		}
	}
	b->n++;
	return true;
}

/* Offsets -> pointers, once the batch's bytes no longer move. */
static void seal(recahead *a, batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		rec *r = &b->recs[i];

		r->err = b->err_off[i] == NO_TEXT ? NULL : b->bytes + b->err_off[i];
		r->hint = b->hint_off[i] == NO_TEXT ? NULL : b->bytes + b->hint_off[i];
		if (!r->f)
			continue;
		rec_field *f = &b->fields[i * a->n_cols];
		const size_t *off = &b->foff[i * a->n_cols];
		for (size_t c = 0; c < a->n_cols; c++)
			f[c].s = off[c] == NO_TEXT ? "" : b->bytes + off[c];
	}
}

static void *reader_main(void *arg)
{
	recahead *a = arg;
	bool last = false;

	while (!last) {
		batch *b;

		pthread_mutex_lock(&a->h.mu);
		while (a->head - a->tail == RING && !a->stop)
			pthread_cond_wait(&a->h.emptied, &a->h.mu);
		if (a->stop) {
			pthread_mutex_unlock(&a->h.mu);
			break;
		}
		b = &a->ring[a->head % RING];
		pthread_mutex_unlock(&a->h.mu);

		b->n = b->n_bytes = 0;
		b->end = 0;
		b->last = false;
		while (b->n < BATCH_RECS) {
			rec r;
			int st = rec_next(a->rd, &r);
			if (st <= 0) {
				b->end = st < 0 ? -1 : 0;
				b->last = last = true;
				break;
			}
			if (!copy_rec(a, b, &r)) {
				b->end = -2;
				b->last = last = true;
				break;
			}
			if (r.err && r.fatal) {
				/* the file ends here for the consumer too */
				b->last = last = true;
				break;
			}
		}
		seal(a, b);

		pthread_mutex_lock(&a->h.mu);
		a->head++;
		pthread_cond_signal(&a->h.filled);
		pthread_mutex_unlock(&a->h.mu);
	}
	return NULL;
}

static void free_ring(recahead *a)
{
	for (size_t i = 0; i < RING; i++) {
		free(a->ring[i].fields);
		free(a->ring[i].foff);
		free(a->ring[i].bytes);
	}
}

int recahead_start(recahead **out, rec_reader *rd)
{
	recahead *a = calloc(1, sizeof *a);

	if (!a)
		return -1;
	a->rd = rd;
	a->csv = !rec_path_is_jsonl(rd->path);
	a->n_cols = rd->n_cols;
	size_t per = a->n_cols ? a->n_cols : 1; /* malloc(0) may be NULL */
	for (size_t i = 0; i < RING; i++) {
		a->ring[i].fields = malloc(BATCH_RECS * per * sizeof(rec_field));
		a->ring[i].foff = malloc(BATCH_RECS * per * sizeof(size_t));
		if (!a->ring[i].fields || !a->ring[i].foff)
			goto fail;
	}
	if (handoff_start(&a->h, reader_main, a) != 0)
		goto fail;
	*out = a;
	return 0;
fail:
	free_ring(a);
	free(a);
	return -1;
}

int recahead_next(recahead *a, rec *out)
{
	for (;;) {
		if (a->cur && a->pos < a->cur->n) {
			*out = a->cur->recs[a->pos++];
			return 1;
		}
		if (a->cur) {
			/* this batch is used up: its end, or hand it back */
			if (a->cur->last) {
				a->done = true;
				a->end = a->cur->end;
			}
			pthread_mutex_lock(&a->h.mu);
			a->tail++;
			pthread_cond_signal(&a->h.emptied);
			pthread_mutex_unlock(&a->h.mu);
			a->cur = NULL;
		}
		if (a->done)
			return a->end;
		pthread_mutex_lock(&a->h.mu);
		while (a->head == a->tail)
			pthread_cond_wait(&a->h.filled, &a->h.mu);
		a->cur = &a->ring[a->tail % RING];
		pthread_mutex_unlock(&a->h.mu);
		a->pos = 0;
	}
}

void recahead_stop(recahead *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->h.mu);
	a->stop = true;
	pthread_cond_signal(&a->h.emptied);
	pthread_mutex_unlock(&a->h.mu);
	handoff_join(&a->h);
	free_ring(a);
	free(a);
}
