/*
 * evstore.c: accepted events held in memory (see evstore.h).
 */
#include "evstore.h"

#include <stdlib.h>
#include <string.h>

void evstore_init(evstore *s)
{
	memset(s, 0, sizeof *s);
	arena_init(&s->mem);
}

void evstore_finish(evstore *s)
{
	if (!s)
		return;
	free(s->ev);
	arena_finish(&s->mem);
	memset(s, 0, sizeof *s);
}

const char *evstore_str(evstore *s, const char *p, size_t n)
{
	return arena_strndup(&s->mem, p, n);
}

field_value *evstore_fields(evstore *s, size_t n_fields)
{
	return arena_alloc(&s->mem, sizeof(field_value) * (n_fields ? n_fields : 1));
}

event *evstore_push(evstore *s, const event *src)
{
	event *e;
	size_t nf = src->type->n_fields;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		event *ev = realloc(s->ev, cap * sizeof *ev);
		if (!ev)
			return NULL;
		s->ev = ev;
		s->cap = cap;
	}
	e = &s->ev[s->n];
	*e = *src;
	e->id = evstore_str(s, src->id, src->id_len);
	e->fields = evstore_fields(s, nf);
	if (!e->id || !e->fields)
		return NULL;
	for (size_t f = 0; f < nf; f++) {
		field_value *fv = &e->fields[f];
		*fv = src->fields[f];
		if (!fv->present)
			continue;
		if (fv->v.type == FT_STRING || fv->v.type == FT_REF) {
			fv->v.u.str.s = evstore_str(s, src->fields[f].v.u.str.s,
						    src->fields[f].v.u.str.len);
			if (!fv->v.u.str.s)
				return NULL;
		}
		if (fv->n_parts) {
			fv->parts = arena_alloc(&s->mem, sizeof *fv->parts * fv->n_parts);
			if (!fv->parts)
				return NULL;
			memcpy(fv->parts, src->fields[f].parts, sizeof *fv->parts * fv->n_parts);
		}
	}
	s->n++;
	return e;
}

int evstore_load(evstore *s, input_ctx *ctx, const roster *r,
		 const char *const *paths, size_t n_paths)
{
	evsrc *src = NULL;
	int rc = evsrc_create(&src, ctx, r, paths, n_paths);

	if (rc)
		goto done;
	for (;;) {
		const event *e = NULL;
		rc = evsrc_next(src, &e);
		if (rc <= 0)
			break;
		if (!evstore_push(s, e)) {
			free(ctx->errmsg);
			ctx->errmsg = strdup("out of memory");
			rc = INC_ERROR;
			break;
		}
	}
done:
	evsrc_destroy(src);
	return rc;
}

static int cmp_event(const void *a, const void *b)
{
	const event *x = a, *y = b;
	uint32_t n;
	int c;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	n = x->id_len < y->id_len ? x->id_len : y->id_len;
	c = memcmp(x->id, y->id, n);
	if (c)
		return c;
	return (x->id_len > y->id_len) - (x->id_len < y->id_len);
}

void evstore_sort(evstore *s)
{
	if (s->n > 1)
		qsort(s->ev, s->n, sizeof *s->ev, cmp_event);
}

int evstore_eval(const eval_config *cfg, const event *ev, size_t n,
		 char **err)
{
	evaluator *e = NULL;
	int rc = eval_create(&e, cfg, err);

	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = eval_event(e, &ev[i], err);
	if (rc == 0)
		rc = eval_finish(e, err);
	eval_destroy(e);
	return rc;
}
