/*
 * pipeline.c: the reader thread of pipeline.h.
 *
 * A batch holds up to BATCH_EVENTS events with their fields, split parts
 * and bytes (ids and text values), copied out of the reader's buffers,
 * and (one pass) the messages pass 1 gave among them, each with the
 * number of the batch's events before it.  The reader fills the free
 * batches in turn and publishes each; the evaluator takes them in the
 * same order.  RING batches in flight keep memory bounded (a few MiB)
 * whatever the number of events.
 *
 * What it buys: the 1M-event runs of bench/README.md spend ~25% of their
 * time in evsrc_next; on two cores that part overlaps with evaluation.
 * One pass overlaps all of pass 1 with evaluation instead, and pass 2
 * is not needed.
 */
#include "handoff.h"
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

/* Batches of 4096 events (were 1024): a thread is woken for every batch,
 * and on this VM a wake-up is dear; 1024 cost 3% more wall time on the
 * peer benchmark (1M events, one pass), for 1.5 MiB less memory. */
#define BATCH_EVENTS 4096
#define RING 4

/* A message of pass 1 (one pass), its texts as offsets into the batch's
 * bytes until seal() (+1: 0 is NULL). */
typedef struct held_diag {
	size_t before; /* the batch's events before it */
	inc_diag d;
} held_diag;

typedef struct batch {
	event ev[BATCH_EVENTS];
	size_t n;
	held_diag *diags;
	size_t n_diags, cap_diags;
	field_value *fields; /* BATCH_EVENTS x max_fields */
	split_part *parts;   /* grown as needed */
	size_t n_parts, cap_parts;
	char *bytes;	     /* grown as needed */
	size_t n_bytes, cap_bytes;
	int end;	     /* last batch: 0 (end of events) or an error */
	bool last;
} batch;

struct evpipe {
	evsrc *src; /* pass 2; NULL: one pass */
	/* one pass: pass 1 runs on the reader with its own context (its
	 * counts, its messages held in the batches), added to the run's at
	 * evpipe_stop */
	input_ctx ctx;
	inc_run_stats stats;
	input_ctx *outer;
	const roster *ro;
	const char *const *paths;
	size_t n_paths;
	size_t max_fields;
	batch ring[RING];
	handoff h; /* lock, conditions and thread (handoff.h) */
	size_t head, tail; /* batches published / taken, counting up */
	bool stop;	   /* the evaluator gave up: the reader ends */
	/* the reader's side */
	batch *fill; /* being filled, or NULL */
	bool oom;
	/* the evaluator's side */
	batch *cur;
	size_t pos, dpos;
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
static const char *text_at(const batch *b, const char *off)
{
	return off ? b->bytes + (uintptr_t)off - 1 : NULL;
}

static void seal(evpipe *p, batch *b)
{
	for (size_t i = 0; i < b->n_diags; i++) {
		inc_diag *d = &b->diags[i].d;
		d->file = text_at(b, d->file);
		d->message = text_at(b, d->message);
		d->hint = text_at(b, d->hint);
	}
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

/* The reader's next free batch, emptied, or NULL when the evaluator gave
 * up. */
static batch *claim(evpipe *p)
{
	batch *b;

	if (p->fill)
		return p->fill;
	pthread_mutex_lock(&p->h.mu);
	while (p->head - p->tail == RING && !p->stop)
		pthread_cond_wait(&p->h.emptied, &p->h.mu);
	b = p->stop ? NULL : &p->ring[p->head % RING];
	pthread_mutex_unlock(&p->h.mu);
	if (b) {
		b->n = b->n_parts = b->n_bytes = b->n_diags = 0;
		b->end = 0;
		b->last = false;
	}
	return p->fill = b;
}

static void publish(evpipe *p)
{
	seal(p, p->fill);
	p->fill = NULL;
	pthread_mutex_lock(&p->h.mu);
	p->head++;
	pthread_cond_signal(&p->h.filled);
	pthread_mutex_unlock(&p->h.mu);
}

/* One more event for the evaluator: 0, or INC_ERROR when it gave up or
 * memory ran out (pass 1 then ends). */
static int put_event(void *ud, const event *e)
{
	evpipe *p = ud;
	batch *b = claim(p);

	if (b == NULL)
		return INC_ERROR;
	if (p->oom || !copy_event(p, b, e)) {
		p->oom = true;
		return INC_ERROR;
	}
	if (b->n == BATCH_EVENTS)
		publish(p);
	return 0;
}

static const char *hold_text(batch *b, const char *s, bool *ok)
{
	size_t off;

	if (s == NULL)
		return NULL;
	if ((off = keep_bytes(b, s, strlen(s) + 1)) == SIZE_MAX) {
		*ok = false;
		return NULL;
	}
	return (const char *)(uintptr_t)(off + 1);
}

/* One pass: a message of pass 1, held in the batch at its place among the
 * events (a batch is also handed over when it holds BATCH_EVENTS
 * messages). */
static void put_diag(void *ud, const inc_diag *d)
{
	evpipe *p = ud;
	batch *b = claim(p);
	held_diag *h;
	bool ok = true;

	if (b == NULL || p->oom)
		return;
	if (b->n_diags == b->cap_diags) {
		size_t cap = b->cap_diags ? b->cap_diags * 2 : 16;
		held_diag *q = realloc(b->diags, cap * sizeof *q);
		if (!q) {
			p->oom = true; /* the next event ends pass 1 */
			return;
		}
		b->diags = q;
		b->cap_diags = cap;
	}
	h = &b->diags[b->n_diags];
	h->before = b->n;
	h->d = *d;
	h->d.file = hold_text(b, d->file, &ok);
	h->d.message = hold_text(b, d->message, &ok);
	h->d.hint = hold_text(b, d->hint, &ok);
	if (!ok) {
		p->oom = true;
		return;
	}
	if (++b->n_diags == BATCH_EVENTS)
		publish(p);
}

/* The last batch, with how the reading ended (0 or a negative code). */
static void put_end(evpipe *p, int rc)
{
	batch *b = claim(p);

	if (b == NULL)
		return;
	if (rc == 0 && p->oom)
		rc = INC_ERROR;
	b->end = rc;
	b->last = true;
	publish(p);
}

/* Pass 2: the merged events of evsrc_next. */
static void *reader_main(void *arg)
{
	evpipe *p = arg;
	const event *e = NULL;
	int rc;

	while ((rc = evsrc_next(p->src, &e)) > 0)
		if ((rc = put_event(p, e)) != 0)
			break;
	put_end(p, rc);
	return NULL;
}

/* One pass: pass 1 itself, each accepted event handed over at once. */
static void *checker_main(void *arg)
{
	evpipe *p = arg;
	evsrc *src = NULL;
	int rc = evsrc_create(&src, &p->ctx, p->ro, p->paths, p->n_paths);

	/* (a message that could not be held ends the run too, at put_end) */
	if (p->oom && p->ctx.errmsg == NULL)
		p->ctx.errmsg = strdup("out of memory");
	evsrc_destroy(src);
	put_end(p, rc);
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

static evpipe *pipe_new(const inc_policy *policy)
{
	evpipe *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->max_fields = policy_max_fields(policy);
	for (size_t i = 0; i < RING; i++) {
		p->ring[i].fields =
		    malloc(BATCH_EVENTS * p->max_fields * sizeof(field_value));
		if (!p->ring[i].fields) {
			for (size_t k = 0; k <= i; k++)
				free(p->ring[k].fields);
			free(p);
			return NULL;
		}
	}
	return p;
}

static void pipe_free(evpipe *p)
{
	for (size_t i = 0; i < RING; i++) {
		free(p->ring[i].fields);
		free(p->ring[i].parts);
		free(p->ring[i].bytes);
		free(p->ring[i].diags);
	}
	free(p);
}

int evpipe_start(evpipe **out, evsrc *src, const inc_policy *policy)
{
	evpipe *p = pipe_new(policy);

	if (!p)
		return -1;
	p->src = src;
	if (handoff_start(&p->h, reader_main, p) != 0) {
		pipe_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int evpipe_start_checking(evpipe **out, input_ctx *ctx, const roster *ro,
			  const char *const *paths, size_t n_paths)
{
	evpipe *p = pipe_new(ctx->policy);

	if (!p)
		return -1;
	p->outer = ctx;
	p->ctx = *ctx;
	p->ctx.stats = &p->stats;
	p->ctx.diag = ctx->diag ? put_diag : NULL;
	p->ctx.ud = p;
	p->ctx.errmsg = NULL;
	p->ctx.accepted = put_event;
	p->ctx.accepted_ud = p;
	p->ro = ro;
	p->paths = paths;
	p->n_paths = n_paths;
	if (handoff_start(&p->h, checker_main, p) != 0) {
		pipe_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* One pass: the messages held before the event at pos (all of them at the
 * batch's end), to the run's diag. */
static void give_diags(evpipe *p, size_t pos)
{
	while (p->dpos < p->cur->n_diags && p->cur->diags[p->dpos].before <= pos) {
		p->outer->diag(p->outer->ud, &p->cur->diags[p->dpos].d);
		p->dpos++;
	}
}

int evpipe_next(evpipe *p, const event **out)
{
	for (;;) {
		if (p->cur && p->pos < p->cur->n) {
			give_diags(p, p->pos);
			*out = &p->cur->ev[p->pos++];
			return 1;
		}
		if (p->cur) {
			give_diags(p, p->cur->n);
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
		p->pos = p->dpos = 0;
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
	if (p->outer) {
		inc_run_stats *to = p->outer->stats;

		/* the counts evsrc.c keeps (report(), accept_line(),
		 * read_events(), warn_dates()) */
		if (to) {
			to->lines_read += p->stats.lines_read;
			to->events_accepted += p->stats.events_accepted;
			to->events_rejected += p->stats.events_rejected;
			to->warnings += p->stats.warnings;
		}
		if (p->ctx.errmsg) {
			free(p->outer->errmsg);
			p->outer->errmsg = p->ctx.errmsg;
		}
	}
	pipe_free(p);
}
