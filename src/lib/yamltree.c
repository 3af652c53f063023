/*
 * yamltree.c: reads one YAML document with libyaml's event parser into the
 * node tree of yamltree.h, refusing what a policy must not contain
 * (aliases, anchors, tags, deep nesting, huge scalars, duplicate keys).
 *
 * Nodes are built bottom-up: an open sequence or mapping collects its
 * children in a malloc'd vector on a small explicit stack (never deeper
 * than YTREE_MAX_DEPTH), and when it closes they are copied into the
 * tree's arena.
 */
#include "yamltree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct frame {
	ynode *node;
	ynode **kids;
	size_t n, cap;
} frame;

typedef struct yparse {
	ytree *t;
	const char *file;
	inc_diag_fn diag;
	void *ud;
	int n_errors;
	bool hard;    /* the tree is unusable: root is dropped */
	bool anchors; /* an anchor was refused (its alias is not) */
	bool oom;
	frame stack[YTREE_MAX_DEPTH];
	size_t depth;
} yparse;

static void yp_error(yparse *P, uint32_t line, uint32_t col, const char *hint,
		     const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void yp_error(yparse *P, uint32_t line, uint32_t col, const char *hint,
		     const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	P->n_errors++;
	if (!P->diag)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	inc_diag d = {P->file, line, col, INC_SEV_ERROR, msg, hint};
	P->diag(P->ud, &d);
}

/* Line and column (1-based, columns in characters) of byte offset off. */
static void offset_position(const char *buf, size_t len, size_t off,
			    uint32_t *line, uint32_t *col)
{
	uint32_t l = 1, c = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static ynode *new_node(yparse *P, ynode_kind kind, const yaml_mark_t *m)
{
	ynode *n = arena_alloc(&P->t->mem, sizeof *n);

	if (!n) {
		P->oom = true;
		return NULL;
	}
	n->kind = kind;
	n->line = (uint32_t)m->line + 1;
	n->col = (uint32_t)m->column + 1;
	n->offset = m->index;
	return n;
}

/* Hands a finished node to the open container, or makes it the root. */
static void attach(yparse *P, ynode *n)
{
	if (P->depth == 0) {
		P->t->root = n;
		return;
	}
	frame *f = &P->stack[P->depth - 1];
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		ynode **k = realloc(f->kids, cap * sizeof *k);
		if (!k) {
			P->oom = true;
			return;
		}
		f->kids = k;
		f->cap = cap;
	}
	f->kids[f->n++] = n;
}

static bool same_text(const ynode *a, const ynode *b)
{
	return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

static void report_duplicate(yparse *P, const ynode *dup, const ynode *first)
{
	yp_error(P, dup->line, dup->col, NULL,
		 "duplicate key '%.*s' (first at line %u)",
		 dup->len > 200 ? 200 : (int)dup->len, dup->text, first->line);
}

/* Reports keys that occur twice.  Small mappings (the usual case) are
 * checked pairwise; large ones through a hash map so that a hostile file
 * cannot make this quadratic. */
static void check_duplicates(yparse *P, const ynode *map)
{
	if (map->n_pairs <= 32) {
		for (size_t i = 1; i < map->n_pairs; i++) {
			for (size_t j = 0; j < i; j++) {
				if (same_text(map->pairs[i].key,
					      map->pairs[j].key)) {
					report_duplicate(P, map->pairs[i].key,
							 map->pairs[j].key);
					break;
				}
			}
		}
		return;
	}
	strmap seen;
	strmap_init(&seen);
	for (size_t i = 0; i < map->n_pairs; i++) {
		const ynode *k = map->pairs[i].key;
		uint32_t first = 0;
		int r = strmap_put(&seen, k->text, k->len, (uint32_t)i, &first);
		if (r < 0) {
			P->oom = true;
			break;
		}
		if (r == 0)
			report_duplicate(P, k, map->pairs[first].key);
	}
	strmap_finish(&seen);
}

static void close_container(yparse *P)
{
	frame *f = &P->stack[--P->depth];
	ynode *n = f->node;

	if (n->kind == YN_SEQ) {
		n->n_items = f->n;
		if (f->n) {
			n->items =
			    arena_alloc(&P->t->mem, f->n * sizeof *n->items);
			if (!n->items)
				P->oom = true;
			else
				memcpy(n->items, f->kids,
				       f->n * sizeof *n->items);
		}
	} else {
		/* libyaml always delivers key/value pairs (an absent value
		 * is an empty plain scalar). */
		n->n_pairs = f->n / 2;
		if (n->n_pairs) {
			n->pairs = arena_alloc(&P->t->mem,
					       n->n_pairs * sizeof *n->pairs);
			if (!n->pairs) {
				P->oom = true;
				n->n_pairs = 0;
			}
		}
		bool keys_ok = true;
		for (size_t i = 0; i < n->n_pairs; i++) {
			n->pairs[i].key = f->kids[2 * i];
			n->pairs[i].value = f->kids[2 * i + 1];
			if (n->pairs[i].key->kind != YN_SCALAR) {
				const ynode *k = n->pairs[i].key;
				yp_error(P, k->line, k->col, NULL,
					 "a key must be plain text, not a %s",
					 k->kind == YN_MAP ? "mapping"
							   : "list");
				P->hard = true;
				keys_ok = false;
			}
		}
		if (keys_ok)
			check_duplicates(P, n);
	}
	free(f->kids);
	f->kids = NULL;
	attach(P, n);
}

static bool refuse_decorations(yparse *P, const yaml_mark_t *m,
			       const yaml_char_t *anchor,
			       const yaml_char_t *tag)
{
	bool ok = true;

	if (anchor) {
		P->anchors = true;
		yp_error(P, (uint32_t)m->line + 1, (uint32_t)m->column + 1,
			 "write the value out where it is needed",
			 "anchors and aliases are not supported");
		ok = false;
	}
	if (tag) {
		yp_error(P, (uint32_t)m->line + 1, (uint32_t)m->column + 1,
			 "quote the value to make it text",
			 "tags are not supported ('%s')", (const char *)tag);
		ok = false;
	}
	return ok;
}

static void on_scalar(yparse *P, const yaml_event_t *ev)
{
	refuse_decorations(P, &ev->start_mark, ev->data.scalar.anchor,
			   ev->data.scalar.tag);
	ynode *n = new_node(P, YN_SCALAR, &ev->start_mark);
	if (!n)
		return;
	size_t len = ev->data.scalar.length;
	if (len > YTREE_MAX_SCALAR) {
		yp_error(P, n->line, n->col, NULL,
			 "scalar longer than 1 MiB (%zu bytes)", len);
		len = 0;
	}
	if (memchr(ev->data.scalar.value, '\0', len)) {
		/* keeps every text a C string: len == strlen(text) */
		yp_error(P, n->line, n->col, NULL,
			 "text contains a NUL character");
		len = strlen((const char *)ev->data.scalar.value);
	}
	char *s =
	    arena_strndup(&P->t->mem, (const char *)ev->data.scalar.value, len);
	if (!s) {
		P->oom = true;
		return;
	}
	n->text = s;
	n->len = len;
	switch (ev->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		n->style = YS_SINGLE;
		break;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		n->style = YS_DOUBLE;
		break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		n->style = YS_BLOCK;
		break;
	default:
		n->style = YS_PLAIN;
		break;
	}
	attach(P, n);
}

/* Opens a sequence or mapping.  Returns false when nesting is too deep
 * (reading stops there). */
static bool on_open(yparse *P, const yaml_event_t *ev, ynode_kind kind)
{
	const yaml_char_t *anchor = kind == YN_SEQ
					? ev->data.sequence_start.anchor
					: ev->data.mapping_start.anchor;
	const yaml_char_t *tag = kind == YN_SEQ ? ev->data.sequence_start.tag
						: ev->data.mapping_start.tag;
	refuse_decorations(P, &ev->start_mark, anchor, tag);
	if (P->depth == YTREE_MAX_DEPTH) {
		yp_error(P, (uint32_t)ev->start_mark.line + 1,
			 (uint32_t)ev->start_mark.column + 1, NULL,
			 "nesting deeper than %d levels", YTREE_MAX_DEPTH);
		return false;
	}
	ynode *n = new_node(P, kind, &ev->start_mark);
	if (!n)
		return false;
	frame *f = &P->stack[P->depth++];
	memset(f, 0, sizeof *f);
	f->node = n;
	return true;
}

static void report_libyaml_error(yparse *P, const yaml_parser_t *yp)
{
	uint32_t line, col;
	const char *problem = yp->problem ? yp->problem : "unknown error";

	switch (yp->error) {
	case YAML_MEMORY_ERROR:
		P->oom = true;
		return;
	case YAML_READER_ERROR: {
		/* libyaml points at the bad trailing byte: show the start of
		 * the sequence it belongs to */
		size_t off = yp->problem_offset;
		if (strncmp(problem, "invalid trailing", 16) == 0 && off > 0 &&
		    off <= P->t->len) {
			off--;
			while (off > 0 &&
			       ((unsigned char)P->t->buf[off] & 0xC0) == 0x80)
				off--;
		}
		offset_position(P->t->buf, P->t->len, off, &line, &col);
		yp_error(P, line, col, "policy files must be UTF-8 text", "%s",
			 problem);
		return;
	}
	default:
		line = (uint32_t)yp->problem_mark.line + 1;
		col = (uint32_t)yp->problem_mark.column + 1;
		if (yp->context &&
		    yp->context_mark.index == yp->problem_mark.index)
			yp_error(P, line, col, NULL,
				 "YAML syntax error: %s (%s)", problem,
				 yp->context);
		else if (yp->context)
			yp_error(P, line, col, NULL,
				 "YAML syntax error: %s (%s at line %u, column "
				 "%u)",
				 problem, yp->context,
				 (unsigned)yp->context_mark.line + 1,
				 (unsigned)yp->context_mark.column + 1);
		else
			yp_error(P, line, col, NULL, "YAML syntax error: %s",
				 problem);
		return;
	}
}

int ytree_parse(ytree *t, const char *file, const char *buf, size_t len,
		inc_diag_fn diag, void *ud)
{
	yparse P = {.t = t, .file = file, .diag = diag, .ud = ud};
	yaml_parser_t yp;
	bool yp_ready = false;
	int documents = 0;
	int rc = 0;

	memset(t, 0, sizeof *t);
	arena_init(&t->mem);
	t->buf = buf;
	t->len = len;

	if (len > YTREE_MAX_FILE) {
		yp_error(&P, 0, 0, NULL, "file larger than 16 MiB (%zu bytes)",
			 len);
		P.hard = true;
		goto done;
	}
	if (!yaml_parser_initialize(&yp)) {
		P.oom = true;
		goto done;
	}
	yp_ready = true;
	/* Forcing UTF-8 makes libyaml reject UTF-16 and stray bytes with a
	 * reader error instead of guessing from a byte order mark. */
	yaml_parser_set_encoding(&yp, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&yp, (const unsigned char *)buf, len);

	for (bool more = true; more && !P.oom;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&yp, &ev)) {
			report_libyaml_error(&P, &yp);
			P.hard = true;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			more = false;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++documents > 1) {
				yp_error(&P, (uint32_t)ev.start_mark.line + 1,
					 (uint32_t)ev.start_mark.column + 1,
					 "put each version in its own file",
					 "only one YAML document per file");
				P.hard = true;
				more = false;
			}
			break;
		case YAML_ALIAS_EVENT:
			if (!P.anchors)
				yp_error(
				    &P, (uint32_t)ev.start_mark.line + 1,
				    (uint32_t)ev.start_mark.column + 1,
				    "write the value out where it is needed",
				    "aliases are not supported");
			P.hard = true;
			more = false;
			break;
		case YAML_SCALAR_EVENT:
			on_scalar(&P, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			if (!on_open(&P, &ev, YN_SEQ)) {
				P.hard = true;
				more = false;
			}
			break;
		case YAML_MAPPING_START_EVENT:
			if (!on_open(&P, &ev, YN_MAP)) {
				P.hard = true;
				more = false;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			close_container(&P);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}

done:
	while (P.depth > 0) {
		free(P.stack[P.depth - 1].kids);
		P.depth--;
	}
	if (yp_ready)
		yaml_parser_delete(&yp);
	if (P.hard || P.oom)
		t->root = NULL;
	if (P.oom)
		rc = INC_ERROR;
	else if (P.n_errors)
		rc = INC_EPOLICY;
	return rc;
}

void ytree_finish(ytree *t)
{
	if (!t)
		return;
	arena_finish(&t->mem);
	t->root = NULL;
}

const ypair *ynode_get_pair(const ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return NULL;
	size_t klen = strlen(key);
	for (size_t i = 0; i < map->n_pairs; i++) {
		const ynode *k = map->pairs[i].key;
		if (k->len == klen && memcmp(k->text, key, klen) == 0)
			return &map->pairs[i];
	}
	return NULL;
}

const ynode *ynode_get(const ynode *map, const char *key)
{
	const ypair *p = ynode_get_pair(map, key);
	return p ? p->value : NULL;
}

bool ynode_is_null(const ynode *n)
{
	if (!n)
		return true;
	if (n->kind != YN_SCALAR || n->style != YS_PLAIN)
		return false;
	return n->len == 0 || ynode_text_is(n, "~") ||
	       ynode_text_is(n, "null") || ynode_text_is(n, "Null") ||
	       ynode_text_is(n, "NULL");
}

bool ynode_text_is(const ynode *n, const char *s)
{
	size_t l = strlen(s);
	return n && n->kind == YN_SCALAR && n->len == l &&
	       memcmp(n->text, s, l) == 0;
}

const char *ynode_describe(const ynode *n, char *buf, size_t cap)
{
	if (ynode_is_null(n))
		snprintf(buf, cap, "nothing");
	else if (n->kind == YN_MAP)
		snprintf(buf, cap, "a mapping");
	else if (n->kind == YN_SEQ)
		snprintf(buf, cap, "a list");
	else if (n->len + 3 > cap && cap > 8)
		snprintf(buf, cap, "'%.*s...'", (int)(cap - 6), n->text);
	else
		snprintf(buf, cap, "'%.*s'", (int)n->len, n->text);
	return buf;
}
