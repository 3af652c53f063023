/*
 * pipeline.c: the reader thread of pipeline.h.
 *
 * A batch holds up to BATCH_EVENTS events with their fields, split parts
 * and bytes (ids and text values), copied out of the reader's buffers.
 * The reader fills the free batches in turn and publishes each; the
 * evaluator takes them in the same order.  RING batches in flight keep
 * memory bounded (a few hundred KB) whatever the number of events.
 *
 * What it buys: the 1M-event runs of bench/README.md spend ~25% of their
 * time in evsrc_next; on two cores that part overlaps with evaluation.
 */
#include "handoff.h"
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#define BATCH_EVENTS 1024
#define RING 4

typedef struct batch {
	event ev[BATCH_EVENTS];
	size_t n;
	field_value *fields; /* BATCH_EVENTS x max_fields */
	split_part *parts;   /* grown as needed */
	size_t n_parts, cap_parts;
	char *bytes;	     /* grown as needed */
	size_t n_bytes, cap_bytes;
	int end;	     /* last batch: 0 (end of events) or an error */
	bool last;
} batch;

struct evpipe {
	evsrc *src;
	size_t max_fields;
	batch ring[RING];
	handoff h; /* lock, conditions and thread (handoff.h) */
	size_t head, tail; /* batches published / taken, counting up */
	bool stop;	   /* the evaluator gave up: the reader ends */
	/* the evaluator's side */
	batch *cur;
	size_t pos;
	bool done;
	int end;
};

/* Copies n bytes into the batch; returns their offset, or SIZE_MAX. */
static size_t keep_bytes(batch *b, const char *s, size_t n)
{
	if (b->n_bytes + n > b->cap_bytes) {
		size_t cap = b->cap_bytes ? b->cap_bytes * 2 : 65536;
		while (cap < b->n_bytes + n)
			cap *= 2;
		char *p = realloc(b->bytes, cap);
		if (!p)
			return SIZE_MAX;
		b->bytes = p;
		b->cap_bytes = cap;
	}
	memcpy(b->bytes + b->n_bytes, s, n);
	b->n_bytes += n;
	return b->n_bytes - n;
}

/* Deep copy of src into the next slot of b.  Text and parts are stored as
 * offsets first (the buffers may move while the batch fills) and turned
 * into pointers by seal(). */
static bool copy_event(evpipe *p, batch *b, const event *src)
{
	event *e = &b->ev[b->n];
	field_value *fv = &b->fields[b->n * p->max_fields];
	size_t nf = src->type->n_fields, off;

	*e = *src;
	if ((off = keep_bytes(b, src->id, src->id_len)) == SIZE_MAX)
		return false;
	e->id = (const char *)(uintptr_t)off;
	e->fields = fv;
	for (size_t f = 0; f < nf; f++) {
		fv[f] = src->fields[f];
		if (!fv[f].present)
			continue;
		if (fv[f].v.type == FT_STRING || fv[f].v.type == FT_REF) {
			off = keep_bytes(b, src->fields[f].v.u.str.s,
					 src->fields[f].v.u.str.len);
			if (off == SIZE_MAX)
				return false;
			fv[f].v.u.str.s = (const char *)(uintptr_t)off;
		}
		if (fv[f].n_parts) {
			size_t need = b->n_parts + fv[f].n_parts;
			if (need > b->cap_parts) {
				size_t cap = b->cap_parts ? b->cap_parts * 2 : 256;
				while (cap < need)
					cap *= 2;
				split_part *q = realloc(b->parts, cap * sizeof *q);
				if (!q)
					return false;
				b->parts = q;
				b->cap_parts = cap;
			}
			memcpy(b->parts + b->n_parts, src->fields[f].parts,
			       fv[f].n_parts * sizeof *b->parts);
			fv[f].parts = (split_part *)(uintptr_t)b->n_parts;
			b->n_parts = need;
		}
	}
	b->n++;
	return true;
}

/* Offsets -> pointers, once the batch's buffers no longer move. */
static void seal(evpipe *p, batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		event *e = &b->ev[i];
		e->id = b->bytes + (uintptr_t)e->id;
		for (size_t f = 0; f < e->type->n_fields; f++) {
			field_value *fv = &e->fields[f];
			if (!fv->present)
				continue;
			if (fv->v.type == FT_STRING || fv->v.type == FT_REF)
				fv->v.u.str.s = b->bytes + (uintptr_t)fv->v.u.str.s;
			if (fv->n_parts)
				fv->parts = b->parts + (uintptr_t)fv->parts;
		}
	}
	(void)p;
}

static void *reader_main(void *arg)
{
	evpipe *p = arg;
	bool last = false;

	while (!last) {
		batch *b;

		pthread_mutex_lock(&p->h.mu);
		while (p->head - p->tail == RING && !p->stop)
			pthread_cond_wait(&p->h.emptied, &p->h.mu);
		if (p->stop) {
			pthread_mutex_unlock(&p->h.mu);
			break;
		}
		b = &p->ring[p->head % RING];
		pthread_mutex_unlock(&p->h.mu);

		b->n = b->n_parts = b->n_bytes = 0;
		b->end = 0;
		b->last = false;
		while (b->n < BATCH_EVENTS) {
			const event *e = NULL;
			int rc = evsrc_next(p->src, &e);
			if (rc <= 0) {
				b->end = rc;
				b->last = last = true;
				break;
			}
			if (!copy_event(p, b, e)) {
				b->end = INC_ERROR;
				b->last = last = true;
				break;
			}
		}
		seal(p, b);

		pthread_mutex_lock(&p->h.mu);
		p->head++;
		pthread_cond_signal(&p->h.filled);
		pthread_mutex_unlock(&p->h.mu);
	}
	return NULL;
}

static size_t policy_max_fields(const inc_policy *policy)
{
	size_t m = 1;

	for (size_t v = 0; v < policy->n_versions; v++)
		for (size_t t = 0; t < policy->versions[v].n_types; t++)
			if (policy->versions[v].types[t].n_fields > m)
				m = policy->versions[v].types[t].n_fields;
	return m;
}

int evpipe_start(evpipe **out, evsrc *src, const inc_policy *policy)
{
	evpipe *p = calloc(1, sizeof *p);

	if (!p)
		return -1;
	p->src = src;
	p->max_fields = policy_max_fields(policy);
	for (size_t i = 0; i < RING; i++) {
		p->ring[i].fields =
		    malloc(BATCH_EVENTS * p->max_fields * sizeof(field_value));
		if (!p->ring[i].fields)
			goto fail;
	}
	if (handoff_start(&p->h, reader_main, p) != 0)
		goto fail;
	*out = p;
	return 0;
fail:
	for (size_t i = 0; i < RING; i++)
		free(p->ring[i].fields);
	free(p);
	return -1;
}

int evpipe_next(evpipe *p, const event **out)
{
	for (;;) {
		if (p->cur && p->pos < p->cur->n) {
			*out = &p->cur->ev[p->pos++];
			return 1;
		}
		if (p->cur) {
			/* this batch is used up: its end, or hand it back */
			if (p->cur->last) {
				p->done = true;
				p->end = p->cur->end;
			}
			pthread_mutex_lock(&p->h.mu);
			p->tail++;
			pthread_cond_signal(&p->h.emptied);
			pthread_mutex_unlock(&p->h.mu);
			p->cur = NULL;
		}
		if (p->done)
			return p->end;
		pthread_mutex_lock(&p->h.mu);
		while (p->head == p->tail)
			pthread_cond_wait(&p->h.filled, &p->h.mu);
		p->cur = &p->ring[p->tail % RING];
		pthread_mutex_unlock(&p->h.mu);
		p->pos = 0;
	}
}

void evpipe_stop(evpipe *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->h.mu);
	p->stop = true;
	pthread_cond_signal(&p->h.emptied);
	pthread_mutex_unlock(&p->h.mu);
	handoff_join(&p->h);
	for (size_t i = 0; i < RING; i++) {
		free(p->ring[i].fields);
		free(p->ring[i].parts);
		free(p->ring[i].bytes);
	}
	free(p);
}
