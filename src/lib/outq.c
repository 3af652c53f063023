/*
 * outq.c: the sink thread of outq.h.
 *
 * A batch holds up to BATCH_ITEMS items and the bytes of their copied
 * strings (kind, events, reason, detail), stored as offsets while the
 * batch fills (the buffer may move) and turned into pointers when it is
 * handed over.  RING batches in flight bound the memory whatever the
 * number of decisions.  What it buys: bench/README.md.
 */
#include "handoff.h"
#include "outq.h"

#include <stdlib.h>
#include <string.h>

/* (2048 items, were 512: fewer wake-ups of the sink thread; with the
 * batches of pipeline.c and recahead.c, 9,800 -> ~1,500 context
 * switches and ~5% of the wall time of a 1M-event run) */
#define BATCH_ITEMS 2048
#define RING 4

typedef struct obatch {
	outq_item it[BATCH_ITEMS];
	size_t n;
	char *bytes;
	size_t n_bytes, cap_bytes;
	bool last;
} obatch;

struct outq {
	outq_fn fn;
	void *ud;
	obatch ring[RING];
	size_t head, tail; /* batches handed over / delivered, counting up */
	obatch *cur;	   /* filling (the evaluator's), or NULL */
	bool failed;	   /* the sink failed: deliver nothing more */
	handoff h; /* lock, conditions and thread (handoff.h) */
};

/* Marks a copied string: its offset in the batch's bytes, plus one (0 is
 * NULL). */
static const char *keep(obatch *b, const char *s)
{
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	if (b->n_bytes + n > b->cap_bytes) {
		size_t cap = b->cap_bytes ? b->cap_bytes * 2 : 65536;
		while (cap < b->n_bytes + n)
			cap *= 2;
		char *p = realloc(b->bytes, cap);
		if (!p)
			return (const char *)(uintptr_t)-1; /* caught by seal */
		b->bytes = p;
		b->cap_bytes = cap;
	}
	memcpy(b->bytes + b->n_bytes, s, n);
	b->n_bytes += n;
	return (const char *)(uintptr_t)(b->n_bytes - n + 1);
}

static const char *unkeep(const obatch *b, const char *off)
{
	return off ? b->bytes + ((uintptr_t)off - 1) : NULL;
}

/* Offsets -> pointers.  Returns false when a copy failed. */
static bool seal(obatch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		eval_decision *d = &b->it[i].d;
		if (b->it[i].figures)
			continue;
		if (d->kind == (const char *)(uintptr_t)-1 ||
		    d->events == (const char *)(uintptr_t)-1 ||
		    d->reason == (const char *)(uintptr_t)-1 ||
		    d->detail == (const char *)(uintptr_t)-1)
			return false;
		d->kind = unkeep(b, d->kind);
		d->events = unkeep(b, d->events);
		d->reason = unkeep(b, d->reason);
		d->detail = unkeep(b, d->detail);
	}
	return true;
}

static void *sink_main(void *arg)
{
	outq *q = arg;
	bool last = false;

	while (!last) {
		obatch *b;
		bool failed;

		pthread_mutex_lock(&q->h.mu);
		while (q->head == q->tail)
			pthread_cond_wait(&q->h.filled, &q->h.mu);
		b = &q->ring[q->tail % RING];
		failed = q->failed;
		pthread_mutex_unlock(&q->h.mu);

		last = b->last;
		for (size_t i = 0; i < b->n && !failed; i++)
			failed = q->fn(q->ud, &b->it[i]) != 0;

		pthread_mutex_lock(&q->h.mu);
		if (failed)
			q->failed = true;
		q->tail++;
		pthread_cond_signal(&q->h.emptied);
		pthread_mutex_unlock(&q->h.mu);
	}
	return NULL;
}

int outq_start(outq **out, outq_fn fn, void *ud)
{
	outq *q = calloc(1, sizeof *q);

	if (!q)
		return -1;
	q->fn = fn;
	q->ud = ud;
	if (handoff_start(&q->h, sink_main, q) != 0)
		goto fail;
	*out = q;
	return 0;
fail:
	free(q);
	return -1;
}

/* Hands the filling batch over (the last one when `last`).  Returns -1
 * when the sink has failed. */
static int hand_over(outq *q, bool last)
{
	obatch *b = q->cur;
	int rc;

	if (!b) {
		/* nothing filled: an empty last batch */
		pthread_mutex_lock(&q->h.mu);
		while (q->head - q->tail == RING)
			pthread_cond_wait(&q->h.emptied, &q->h.mu);
		b = &q->ring[q->head % RING];
		pthread_mutex_unlock(&q->h.mu);
		b->n = b->n_bytes = 0;
	}
	b->last = last;
	if (!seal(b)) {
		b->n = 0;
		pthread_mutex_lock(&q->h.mu);
		q->failed = true;
		pthread_mutex_unlock(&q->h.mu);
	}
	pthread_mutex_lock(&q->h.mu);
	q->head++;
	pthread_cond_signal(&q->h.filled);
	rc = q->failed ? -1 : 0;
	pthread_mutex_unlock(&q->h.mu);
	q->cur = NULL;
	return rc;
}

/* The batch to add to, waiting for a free one. */
static obatch *filling(outq *q)
{
	if (q->cur && q->cur->n == BATCH_ITEMS && hand_over(q, false) != 0)
		return NULL;
	if (!q->cur) {
		pthread_mutex_lock(&q->h.mu);
		while (q->head - q->tail == RING)
			pthread_cond_wait(&q->h.emptied, &q->h.mu);
		q->cur = &q->ring[q->head % RING];
		pthread_mutex_unlock(&q->h.mu);
		q->cur->n = q->cur->n_bytes = 0;
		q->cur->last = false;
	}
	return q->cur;
}

int outq_decision(outq *q, const eval_decision *d, uint64_t seq)
{
	obatch *b = filling(q);
	outq_item *it;

	if (!b)
		return -1;
	it = &b->it[b->n++];
	it->figures = false;
	it->seq = seq;
	it->d = *d;
	it->d.kind = keep(b, d->kind);
	it->d.events = keep(b, d->events);
	it->d.reason = keep(b, d->reason);
	it->d.detail = keep(b, d->detail);
	return 0;
}

int outq_figures(outq *q, const eval_totals *t)
{
	obatch *b = filling(q);
	outq_item *it;

	if (!b)
		return -1;
	it = &b->it[b->n++];
	it->figures = true;
	it->t = *t;
	return 0;
}

int outq_finish(outq *q)
{
	int rc;

	if (!q)
		return 0;
	(void)hand_over(q, true);
	handoff_join(&q->h);
	rc = q->failed ? -1 : 0;
	for (size_t i = 0; i < RING; i++)
		free(q->ring[i].bytes);
	free(q);
	return rc;
}
