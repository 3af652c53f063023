/*
 * evsrc.c: the event source of input.h: validates every event line of
 * every file, reports the bad ones, and yields the accepted events in
 * (date, id) order without holding the event data in memory.
 *
 * Pass 1 (evsrc_create) reads each file once, checks every line against
 * the policy version in force on its date and the roster, and reports
 * each rejected line.  What it keeps per accepted event is small: the id
 * (bytes in one growable buffer) with its date, type slot and first
 * position, in an open-addressing table (for duplicate ids and refs); a
 * bit per record of each file (accepted or not); and whether each file is
 * already in (date, id) order.
 *
 * A ref must name an accepted event of the right type that comes earlier
 * in (date, id) order.  A ref to an id not seen yet (a later line, or a
 * later file) is settled at the end of pass 1, in (date, id) order of the
 * referring events, so a rejection cascades to events that refer to a
 * rejected one.
 *
 * Pass 2 (evsrc_next) reads the files again and converts each accepted
 * line again, silently (the conversion is deterministic; a difference
 * means the file changed, which fails the run).  Files already in order
 * are merged as streams (memory O(files)).  The accepted events of the
 * other files go into a compact index (32 bytes an event: date, a sort
 * key, file, offset, length, line), built by a third, boundaries-only read
 * of those files and radix-sorted by (date, id); each event is then read
 * again at its offset (the file is memory-mapped when possible).  The
 * index is one more stream of the merge.
 *
 * One pass (evsrc_one_pass, input_ctx.accepted): when the events are one
 * CSV file already in (date, id) order and no event type has a ref field,
 * nothing is settled after the last line, so pass 1 hands each event to
 * the caller as it accepts it and pass 2 is not needed.  A quick look at
 * the id and date columns (rec_scan_keys) decides beforehand; a line out
 * of order in pass 1 after it means the file changed, which fails the run.
 *
 * Known limit: a warning for an event dated outside the person's
 * employment is given when the line is read, so an event that a later
 * ref check rejects may have had a warning too.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "idstore.h"
#include "input.h"
#include "recahead.h"
#include "record.h"

#define MSG 384
#define VAL 72
#define MAX_SPLIT 64
#define MAX_FILES 65535

enum { C_ID, C_DATE, C_TYPE, C_PERSON, C_BASE };

#define ID_DEAD 1u    /* accepted in pass 1, rejected when refs settled */
#define ID_PENDING 2u /* has a ref settled at the end of pass 1 */
#define ID_REFERENCED 4u /* some accepted ref names it (a refund may come) */

/* One accepted event id. */
typedef struct idrec {
	uint64_t key_off; /* into ids.bytes */
	date_t date;
	uint32_t hash;
	uint32_t line; /* first line (clamped), for messages */
	uint16_t file;
	uint16_t type_slot;
	uint8_t len;
	uint8_t flags;
} idrec;

/* Slots hold (hash << 32 | record index + 1), 0 when empty, so a probe
 * that meets another id rarely has to look at its record. */
typedef struct idset {
	char *bytes;
	size_t blen, bcap;
	idrec *recs;
	size_t n, cap;
	uint64_t *tab;
	size_t mask;
} idset;

/* A ref to settle at the end of pass 1. */
typedef struct pend {
	uint32_t entry; /* the referring event */
	uint32_t field;
	const policy_version *v;
	const field_def *fd;
	uint64_t ref_off; /* into pend_bytes */
	uint32_t ref_len;
	uint16_t file;
	uint64_t line;
} pend;

/* An accepted event of a file that is not in order, in 32 bytes (the sort
 * moves them).  key orders entries like (date, id) does, ties aside: the
 * date's offset from the earliest in its high bits, then the id's bytes
 * after the prefix all ids share.  pos: offset << 16 | file; meta: line <<
 * 28 | record length << 8 | id length. */
typedef struct ixent {
	date_t date;
	uint32_t entry;
	uint64_t key;
	uint64_t pos;
	uint64_t meta;
} ixent;

#define IX_MAX_OFFSET ((uint64_t)1 << 48)
#define IX_MAX_LINE ((uint64_t)1 << 36)
#define IX_FILE(x) ((size_t)((x)->pos & 0xffff))
#define IX_OFFSET(x) ((x)->pos >> 16)
#define IX_LINE(x) ((x)->meta >> 28)
#define IX_LEN(x) ((uint32_t)(((x)->meta >> 8) & 0xfffff))
#define IX_ID_LEN(x) ((uint32_t)((x)->meta & 0xff))

typedef struct tinfo {
	const event_type *t;
	uint32_t name_len;
	int *fcol;	 /* n_fields: the column of field i */
	int *undeclared; /* columns >= C_BASE the type does not declare */
	size_t n_undeclared;
} tinfo;

typedef struct vinfo {
	const policy_version *v;
	tinfo *types;
	const char **names; /* type names, for "did you mean" */
} vinfo;

typedef struct efile {
	const char *path;
	rec_reader *rd;
	uint64_t *bits; /* accepted in pass 1, by record index */
	size_t n_words;
	uint32_t first; /* its ids are recs[first, first + n_in) */
	uint32_t n_in;
	bool sorted;
	size_t first_target; /* compact mode: its first entry in s->mono */
	/* its last accepted event, for `sorted` */
	date_t last_date;
	uint8_t last_len;
	char last_id[IDSTORE_MAX_ID];
} efile;

enum { S_FILE, S_INDEX };

typedef struct stream {
	int kind;
	size_t file;   /* S_FILE */
	uint32_t rank; /* S_FILE: accepted records passed so far */
	size_t pos;    /* S_INDEX: next index entry */
	bool has;
	event ev;
	field_value *fields;
	split_part *parts;
	idstore_iter it; /* S_FILE, compact mode: the file's next target */
} stream;

struct evsrc {
	input_ctx *ctx;
	const inc_policy *policy;
	const roster *ro;
	arena mem;

	const char **cols;
	size_t n_cols;
	vinfo *vers;
	size_t n_vers, vcache;
	size_t max_fields, max_splits;
	pcre2_match_data *md;

	efile *files;
	size_t n_files;
	idset ids;
	/* Compact mode (idstore.h): while the accepted ids arrive in
	 * increasing order no id can repeat, so `ids` stays empty and only
	 * the ids a ref may name are kept, in `mono`.  The first id out of
	 * order, a ref to an id not kept, or a file out of order switches
	 * to the full set (compact_off), which reads the files again to
	 * build it.  Entries are numbered in acceptance order in both modes
	 * (n_acc). */
	bool compact;
	idstore mono;
	bool *is_target;  /* by type slot: some ref may name it */
	uint32_t n_acc;	  /* accepted so far */
	uint8_t last_len; /* the last accepted id */
	char last_id[IDSTORE_MAX_ID];
	bool oom;
	pend *pends;
	size_t n_pends, cap_pends;
	char *pend_bytes;
	size_t pb_len, pb_cap;
	ixent *index;
	size_t n_index, cap_index;
	size_t id_common; /* bytes every accepted id starts with */
	bool numeric;	  /* input: ids: numeric (see id_cmp) */
	int num_shift;	  /* numeric index keys: leading zero bits of the
			     largest id */
	date_t min_date;  /* earliest date in the index */
	int date_bits;	  /* bits of (latest - earliest) date */

	stream work; /* pass 1 conversion */
	stream *streams;
	size_t n_streams;
	stream **heap;
	size_t n_heap;
	stream *cur;
	bool started;
	int failed;

	const char **person_ids; /* for "did you mean", built on demand */
	/* the line's `currency` field (plans.h): its code and minor unit,
	 * or ev_minor -1 for the person's pay currency */
	int ev_minor;
	char ev_ccy[8];
	uint32_t *waiting; /* max_fields: refs of a line to settle later */
	bool date_cached; /* convert(): the last date parsed */
	char date_text[10];
	date_t date_value;
	char msg[MSG];
	char hint[160];
};

/* ---- small helpers --------------------------------------------------- */

static void report(evsrc *s, const char *file, uint64_t line, inc_severity sev,
		   const char *msg, const char *hint)
{
	inc_diag d;

	if (s->ctx->diag == NULL)
		return;
	d.file = file;
	d.line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	d.column = 0;
	d.severity = sev;
	d.message = msg;
	d.hint = hint;
	s->ctx->diag(s->ctx->ud, &d);
}

static void set_err(evsrc *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_err(evsrc *s, const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	free(s->ctx->errmsg);
	s->ctx->errmsg = strdup(buf);
}

static bool grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap * 2 : 256;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / size)
		return false;
	p = realloc(*arr, ncap * size);
	if (p == NULL)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

static int bytes_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	if (c)
		return c;
	return (na > nb) - (na < nb);
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* Numbers (digit strings): by value, leading zeros aside; the same value
 * written differently ("07", "7") by its bytes. */
static int num_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	size_t za = 0, zb = 0;
	int c;

	while (za + 1 < na && a[za] == '0')
		za++;
	while (zb + 1 < nb && b[zb] == '0')
		zb++;
	if (na - za != nb - zb)
		return na - za < nb - zb ? -1 : 1;
	c = memcmp(a + za, b + zb, na - za);
	return c ? c : bytes_cmp(a, na, b, nb);
}

/* The order of two ids of one day: byte by byte, or with `input: ids:
 * numeric` as numbers (every id was checked to be one in pass 1). */
static int id_cmp(const evsrc *s, const char *a, size_t na, const char *b,
		  size_t nb)
{
	return s->numeric ? num_cmp(a, na, b, nb) : bytes_cmp(a, na, b, nb);
}

static const char *msg_err(evsrc *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *msg_err(evsrc *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof s->msg, fmt, ap);
	va_end(ap);
	return s->msg;
}

static void set_hint_near(evsrc *s, const char *word, const char *const *cands,
			  size_t n)
{
	const char *near = closest_word(word, cands, n);

	if (near)
		snprintf(s->hint, sizeof s->hint, "did you mean '%s'?", near);
}

/* ---- the id set ------------------------------------------------------ */

static void ids_finish(idset *t)
{
	free(t->bytes);
	free(t->recs);
	free(t->tab);
}

/* Index of the id, or -1 with *slot the empty slot where it would go. */
static int64_t ids_find(const idset *t, const char *k, size_t len, uint32_t h,
			size_t *slot)
{
	size_t i;

	if (t->tab == NULL) {
		*slot = SIZE_MAX;
		return -1;
	}
	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		uint64_t v = t->tab[i];
		const idrec *r;

		if (v == 0) {
			*slot = i;
			return -1;
		}
		if ((uint32_t)(v >> 32) != h)
			continue;
		r = &t->recs[(uint32_t)v - 1];
		if (r->len == len && memcmp(t->bytes + r->key_off, k, len) == 0)
			return (int64_t)(uint32_t)v - 1;
	}
}

static bool ids_rehash(idset *t)
{
	size_t cap = t->tab ? (t->mask + 1) * 2 : 1024;
	uint64_t *tab = calloc(cap, sizeof *tab);

	if (tab == NULL)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		size_t j = t->recs[i].hash & (cap - 1);

		while (tab[j])
			j = (j + 1) & (cap - 1);
		tab[j] = (uint64_t)t->recs[i].hash << 32 | (uint64_t)(i + 1);
	}
	free(t->tab);
	t->tab = tab;
	t->mask = cap - 1;
	return true;
}

/* Adds an id known to be absent (slot from ids_find).  Returns its index
 * or -1 (out of memory). */
static int64_t ids_add(idset *t, const char *k, size_t len, uint32_t h,
		       size_t slot, const idrec *proto)
{
	idrec *r;

	if (t->n >= UINT32_MAX - 1)
		return -1;
	/* at most half full: short probes */
	if (t->tab == NULL || (t->n + 1) * 2 > t->mask + 1) {
		if (!ids_rehash(t))
			return -1;
		for (slot = h & t->mask; t->tab[slot];
		     slot = (slot + 1) & t->mask)
			;
	}
	if (!grow((void **)&t->recs, &t->cap, t->n + 1, sizeof *t->recs) ||
	    !grow((void **)&t->bytes, &t->bcap, t->blen + len + 1, 1))
		return -1;
	memcpy(t->bytes + t->blen, k, len);
	r = &t->recs[t->n];
	*r = *proto;
	r->key_off = t->blen;
	r->len = (uint8_t)len;
	r->hash = h;
	t->blen += len;
	t->tab[slot] = (uint64_t)h << 32 | (uint64_t)(t->n + 1);
	return (int64_t)t->n++;
}

static const char *id_of(const evsrc *s, uint32_t e)
{
	return s->ids.bytes + s->ids.recs[e].key_off;
}

/* (date, id) order of two accepted events. */
static int entry_cmp(const evsrc *s, uint32_t a, uint32_t b)
{
	const idrec *x = &s->ids.recs[a], *y = &s->ids.recs[b];

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return id_cmp(s, id_of(s, a), x->len, id_of(s, b), y->len);
}

/* ---- the policy, prepared --------------------------------------------- */

/* Builds the column list (id, date, type, person, then every field any
 * type of any version declares, in order of first appearance) and the
 * per-type maps between fields and columns. */
static int prepare(evsrc *s)
{
	static const char *const std_base[C_BASE] = {"id", "date", "type",
						     "person"};
	const inc_policy *p = s->policy;
	/* the names `input:` gives them (every version gives the same; a
	 * model built without the loader has none) */
	const char *base[C_BASE];

	for (size_t c = 0; c < C_BASE; c++)
		base[c] = p->n_versions && p->versions[0].input.columns[c]
			      ? p->versions[0].input.columns[c]
			      : std_base[c];
	strmap names;
	size_t cap = C_BASE, i, k;
	int rc = -1;

	strmap_init(&names);
	for (i = 0; i < p->n_versions; i++)
		for (k = 0; k < p->versions[i].n_types; k++)
			cap += p->versions[i].types[k].n_fields;
	s->cols = arena_alloc(&s->mem, (cap + 1) * sizeof *s->cols);
	s->vers = arena_alloc(&s->mem, (p->n_versions + 1) * sizeof *s->vers);
	if (s->cols == NULL || s->vers == NULL)
		goto done;
	for (i = 0; i < C_BASE; i++) {
		s->cols[s->n_cols] = base[i];
		if (strmap_put(&names, base[i], strlen(base[i]),
			       (uint32_t)s->n_cols++, NULL) < 0)
			goto done;
	}
	for (i = 0; i < p->n_versions; i++)
		for (k = 0; k < p->versions[i].n_types; k++) {
			const event_type *t = &p->versions[i].types[k];
			size_t splits = 0;

			if (t->n_fields > s->max_fields)
				s->max_fields = t->n_fields;
			for (size_t f = 0; f < t->n_fields; f++) {
				const char *nm = t->fields[f].name;
				int r = strmap_put(&names, nm, strlen(nm),
						   (uint32_t)s->n_cols, NULL);

				if (r < 0)
					goto done;
				if (r == 1)
					s->cols[s->n_cols++] = nm;
				if (t->fields[f].type == FT_SPLIT)
					splits++;
			}
			if (splits > s->max_splits)
				s->max_splits = splits;
		}
	s->n_vers = p->n_versions;
	for (i = 0; i < p->n_versions; i++) {
		const policy_version *v = &p->versions[i];
		vinfo *vi = &s->vers[i];

		vi->v = v;
		vi->types =
		    arena_alloc(&s->mem, (v->n_types + 1) * sizeof *vi->types);
		vi->names =
		    arena_alloc(&s->mem, (v->n_types + 1) * sizeof *vi->names);
		if (vi->types == NULL || vi->names == NULL)
			goto done;
		for (k = 0; k < v->n_types; k++) {
			const event_type *t = &v->types[k];
			tinfo *ti = &vi->types[k];
			bool *decl = arena_alloc(&s->mem, s->n_cols + 1);

			vi->names[k] = t->name;
			ti->t = t;
			ti->name_len = (uint32_t)strlen(t->name);
			ti->fcol = arena_alloc(&s->mem,
					       (t->n_fields + 1) * sizeof(int));
			ti->undeclared =
			    arena_alloc(&s->mem, (s->n_cols + 1) * sizeof(int));
			if (decl == NULL || ti->fcol == NULL ||
			    ti->undeclared == NULL)
				goto done;
			for (size_t f = 0; f < t->n_fields; f++) {
				uint32_t c = 0;

				strmap_get(&names, t->fields[f].name,
					   strlen(t->fields[f].name), &c);
				ti->fcol[f] = (int)c;
				decl[c] = true;
			}
			for (size_t c = C_BASE; c < s->n_cols; c++)
				if (!decl[c])
					ti->undeclared[ti->n_undeclared++] =
					    (int)c;
		}
	}
	rc = 0;
done:
	strmap_finish(&names);
	return rc;
}

static bool stream_init(evsrc *s, stream *st)
{
	st->fields = calloc(s->max_fields + 1, sizeof *st->fields);
	st->parts = calloc(MAX_SPLIT * (s->max_splits + 1), sizeof *st->parts);
	return st->fields && st->parts;
}

static void stream_finish(stream *st)
{
	free(st->fields);
	free(st->parts);
}

/* The version in force on d, or -1. */
static int version_at(evsrc *s, date_t d)
{
	size_t lo = 0, hi = s->n_vers, c = s->vcache;

	if (c < s->n_vers && s->vers[c].v->effective <= d &&
	    (c + 1 == s->n_vers || s->vers[c + 1].v->effective > d))
		return (int)c;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->vers[mid].v->effective <= d)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	s->vcache = lo - 1;
	return (int)(lo - 1);
}

static int64_t find_person(evsrc *s, const char *id, size_t len)
{
	return roster_find(s->ro, id, len);
}

static void hint_person(evsrc *s, const char *shown_id)
{
	if (s->person_ids == NULL) {
		s->person_ids =
		    malloc((s->ro->n_people + 1) * sizeof *s->person_ids);
		if (s->person_ids == NULL)
			return;
		for (size_t i = 0; i < s->ro->n_people; i++)
			s->person_ids[i] = s->ro->people[i].id;
	}
	set_hint_near(s, shown_id, s->person_ids, s->ro->n_people);
}

/* ---- converting one line ----------------------------------------------- */

static const char *parse_split(evsrc *s, const field_def *fd,
			       const rec_field *f, uint32_t ev_person,
			       split_part *parts, size_t *n_parts)
{
	const char *p = f->s, *e = f->s + f->len;
	const person *who = &s->ro->people[ev_person];
	dec sum = dec_zero(), hundred = dec_from_int(100);
	bool has_self = false;
	size_t n = 0;
	char v[VAL], w[VAL];

	for (;;) {
		const char *sc = memchr(p, ';', (size_t)(e - p));
		const char *pe = sc ? sc : e, *colon, *a, *b;
		int64_t pix;
		dec pct;
		int rc;

		/* trim the part */
		while (p < pe && *p == ' ')
			p++;
		while (pe > p && pe[-1] == ' ')
			pe--;
		if (p == pe)
			return msg_err(s, "%s has an empty part", fd->name);
		rec_quote(v, sizeof v, p, (size_t)(pe - p));
		colon = memchr(p, ':', (size_t)(pe - p));
		if (colon == NULL)
			return msg_err(s, "%s part '%s' is not person:percent",
				       fd->name, v);
		for (a = colon; a > p && a[-1] == ' '; a--)
			;
		for (b = colon + 1; b < pe && *b == ' '; b++)
			;
		rec_quote(v, sizeof v, p, (size_t)(a - p));
		pix = find_person(s, p, (size_t)(a - p));
		if (pix < 0) {
			hint_person(s, v);
			return msg_err(s, "%s person '%s' is not in the roster",
				       fd->name, v);
		}
		for (size_t i = 0; i < n; i++)
			if (parts[i].person == (uint32_t)pix)
				return msg_err(s, "%s names '%s' twice",
					       fd->name, v);
		if (n == MAX_SPLIT)
			return msg_err(s, "%s has more than %d parts", fd->name,
				       MAX_SPLIT);
		rec_quote(w, sizeof w, b, (size_t)(pe - b));
		rc = dec_parse(&pct, b, (size_t)(pe - b), false);
		if (rc != DEC_OK)
			return msg_err(
			    s, "%s percentage '%s' for '%s' is not a number",
			    fd->name, w, v);
		if (dec_sign(pct) <= 0)
			return msg_err(
			    s, "%s percentage for '%s' must be greater than 0",
			    fd->name, v);
		if (!dec_fits_scale(pct, 4))
			return msg_err(s,
				       "%s percentage %s for '%s' has more "
				       "than 4 decimals",
				       fd->name, w, v);
		if (strcmp(s->ro->people[pix].currency, who->currency) != 0)
			return msg_err(
			    s, "%s person '%s' is paid in %s, not %s like '%s'",
			    fd->name, v, s->ro->people[pix].currency,
			    who->currency, who->id);
		if (dec_add(&sum, sum, pct) != DEC_OK)
			return msg_err(s, "%s percentages are too large",
				       fd->name);
		if ((uint32_t)pix == ev_person)
			has_self = true;
		parts[n].person = (uint32_t)pix;
		parts[n].pct = pct;
		n++;
		if (sc == NULL)
			break;
		p = sc + 1;
	}
	if (dec_cmp(sum, hundred) != 0) {
		char buf[64];

		dec_format(buf, sizeof buf, dec_normalize(sum), 0, false);
		return msg_err(s, "%s percentages sum to %s, not 100", fd->name,
			       buf);
	}
	if (!has_self)
		return msg_err(s, "%s does not include the event's person '%s'",
			       fd->name, who->id);
	*n_parts = n;
	return NULL;
}

static const char *parse_value(evsrc *s, const field_def *fd,
			       const rec_field *f, uint32_t pix, bool pass1,
			       field_value *fv, split_part *parts)
{
	const person *who = &s->ro->people[pix];
	value *val = &fv->v;
	char v[VAL];
	int rc;

	val->type = fd->type;
	switch (fd->type) {
	case FT_STRING:
	case FT_REF:
		val->u.str.s = f->s;
		val->u.str.len = f->len;
		if (pass1 && fd->type == FT_STRING && fd->pattern != NULL) {
			rc = pcre2_match(fd->pattern, (PCRE2_SPTR)f->s, f->len,
					 0, 0, s->md, NULL);
			if (rc == PCRE2_ERROR_NOMATCH) {
				rec_quote(v, sizeof v, f->s, f->len);
				return msg_err(
				    s, "%s '%s' does not match the pattern %s",
				    fd->name, v,
				    fd->pattern_src ? fd->pattern_src : "");
			}
			if (rc < 0) {
				PCRE2_UCHAR err[120];

				pcre2_get_error_message(rc, err, sizeof err);
				rec_quote(v, sizeof v, f->s, f->len);
				return msg_err(s,
					       "%s '%s' could not be matched "
					       "against its pattern: %s",
					       fd->name, v, (const char *)err);
			}
		}
		return NULL;
	case FT_MONEY:
	case FT_DECIMAL: {
		int max = fd->type == FT_DECIMAL ? 18
			  : s->ev_minor >= 0	 ? s->ev_minor
						 : who->minor;

		rc = dec_parse(&val->u.d, f->s, f->len, false);
		/* (no more decimals than the minor unit, the usual case: it
		 * fits without normalising; ~130 instructions a line) */
		if (rc == DEC_OK &&
		    (val->u.d.scale <= max || dec_fits_scale(val->u.d, max))) {
			/* money: exact rescale to the minor unit */
			if (fd->type == FT_MONEY && val->u.d.scale != max)
				(void)dec_round(&val->u.d, val->u.d, max,
						DEC_HALF_EVEN);
			return NULL;
		}
		rec_quote(v, sizeof v, f->s, f->len);
		if (rc == DEC_EOVERFLOW)
			return msg_err(s, "%s '%s' has too many digits",
				       fd->name, v);
		if (rc != DEC_OK)
			return msg_err(s, "%s '%s' is not a decimal number",
				       fd->name, v);
		if (fd->type == FT_DECIMAL)
			return msg_err(s, "%s %s has more than 18 decimals",
				       fd->name, v);
		return msg_err(s, "%s %s has %d decimal%s; %s allows %d",
			       fd->name, v, (int)dec_normalize(val->u.d).scale,
			       dec_normalize(val->u.d).scale == 1 ? "" : "s",
			       s->ev_minor >= 0 ? s->ev_ccy : who->currency, max);
	}
	case FT_INTEGER: {
		const char *p = f->s, *e = f->s + f->len;
		bool neg = false;
		uint64_t u = 0, lim;

		if (p < e && *p == '-') {
			neg = true;
			p++;
		}
		lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
		if (p == e)
			goto not_int;
		for (; p < e; p++) {
			unsigned d = (unsigned)(*p - '0');

			if (d > 9)
				goto not_int;
			if (u > (lim - d) / 10) {
				rec_quote(v, sizeof v, f->s, f->len);
				return msg_err(
				    s, "%s %s is out of range (64-bit integer)",
				    fd->name, v);
			}
			u = u * 10 + d;
		}
		val->u.i = neg ? (int64_t)(0 - u) : (int64_t)u;
		return NULL;
	not_int:
		rec_quote(v, sizeof v, f->s, f->len);
		return msg_err(s, "%s '%s' is not an integer", fd->name, v);
	}
	case FT_DATE:
		if (date_parse(&val->u.date, f->s, f->len) != 0) {
			rec_quote(v, sizeof v, f->s, f->len);
			return msg_err(s, "%s '%s' %s", fd->name, v,
				       rec_date_problem(f->s, f->len));
		}
		return NULL;
	case FT_ENUM:
		for (size_t i = 0; i < fd->n_enum; i++) {
			const char *ev = fd->enum_values[i];

			if (strlen(ev) == f->len &&
			    memcmp(ev, f->s, f->len) == 0) {
				val->u.ix = (uint32_t)i;
				return NULL;
			}
		}
		rec_quote(v, sizeof v, f->s, f->len);
		set_hint_near(s, v, fd->enum_values, fd->n_enum);
		{
			char list[200];
			size_t k = 0;

			list[0] = '\0';
			for (size_t i = 0; i < fd->n_enum && k < sizeof list;
			     i++)
				k += (size_t)snprintf(list + k, sizeof list - k,
						      "%s%s", i ? ", " : "",
						      fd->enum_values[i]);
			return msg_err(s, "%s '%s' is not one of %s", fd->name,
				       v, list);
		}
	case FT_SPLIT:
		fv->parts = parts;
		return parse_split(s, fd, f, pix, parts, &fv->n_parts);
	}
	return msg_err(s, "%s has an unknown type", fd->name);
}

/* Converts a record into st->ev.  Returns NULL or the reason the line is
 * rejected (s->msg; s->hint may be set).  pass1 adds the checks that
 * need not run again (id form, patterns). */
static const char *convert(evsrc *s, stream *st, const rec *rc, bool pass1,
			   const char *file)
{
	const rec_field *f = rc->f;
	event *ev = &st->ev;
	const vinfo *vi;
	const tinfo *ti;
	const char *why;
	char v[VAL];
	int64_t pix;
	int vix;
	size_t i, n_split = 0;

	s->hint[0] = '\0';
	for (i = 0; i < C_BASE; i++)
		if (rec_empty(&f[i]))
			return msg_err(s, "missing '%s'", s->cols[i]);
	if (pass1 && (why = rec_check_id(f[C_ID].s, f[C_ID].len)) != NULL) {
		rec_quote(v, sizeof v, f[C_ID].s, f[C_ID].len);
		return msg_err(s, "event id '%s' %s", v, why);
	}
	if (pass1 && s->numeric && !all_digits(f[C_ID].s, f[C_ID].len)) {
		rec_quote(v, sizeof v, f[C_ID].s, f[C_ID].len);
		snprintf(s->hint, sizeof s->hint,
			 "the policy's `input: ids: numeric` orders ids as "
			 "numbers");
		return msg_err(s, "event id '%s' is not a number", v);
	}
	ev->id = f[C_ID].s;
	ev->id_len = f[C_ID].len;
	ev->file = file;
	ev->line = rc->line;
	/* an export holds thousands of lines of each day: the last date's
	 * text is compared before parsing (~250 instructions a line) */
	if (f[C_DATE].len == 10 && s->date_cached &&
	    memcmp(f[C_DATE].s, s->date_text, 10) == 0) {
		ev->date = s->date_value;
	} else if (date_parse(&ev->date, f[C_DATE].s, f[C_DATE].len) != 0) {
		rec_quote(v, sizeof v, f[C_DATE].s, f[C_DATE].len);
		return msg_err(s, "date '%s' %s", v,
			       rec_date_problem(f[C_DATE].s, f[C_DATE].len));
	} else if (f[C_DATE].len == 10) {
		memcpy(s->date_text, f[C_DATE].s, 10);
		s->date_value = ev->date;
		s->date_cached = true;
	}
	vix = version_at(s, ev->date);
	if (vix < 0) {
		char a[11], b[11];

		date_format(a, ev->date);
		if (s->n_vers == 0)
			return msg_err(s, "no policy version in force on %s",
				       a);
		date_format(b, s->vers[0].v->effective);
		return msg_err(
		    s,
		    "no policy version in force on %s (first is effective %s)",
		    a, b);
	}
	vi = &s->vers[vix];
	ev->version = vi->v;
	for (i = 0; i < vi->v->n_types; i++) {
		ti = &vi->types[i];
		if (ti->name_len == f[C_TYPE].len &&
		    memcmp(ti->t->name, f[C_TYPE].s, f[C_TYPE].len) == 0)
			break;
	}
	if (i == vi->v->n_types) {
		rec_quote(v, sizeof v, f[C_TYPE].s, f[C_TYPE].len);
		set_hint_near(s, v, vi->names, vi->v->n_types);
		return msg_err(s, "unknown event type '%s' (version %s)", v,
			       vi->v->label ? vi->v->label : "");
	}
	ti = &vi->types[i];
	ev->type = ti->t;
	pix = find_person(s, f[C_PERSON].s, f[C_PERSON].len);
	if (pix < 0) {
		rec_quote(v, sizeof v, f[C_PERSON].s, f[C_PERSON].len);
		hint_person(s, v);
		return msg_err(s, "unknown person '%s'", v);
	}
	ev->person = (uint32_t)pix;
	for (i = 0; i < ti->n_undeclared; i++) {
		int c = ti->undeclared[i];

		if (!rec_empty(&f[c]))
			return msg_err(
			    s, "field '%s' is not declared for event type '%s'",
			    s->cols[c], ti->t->name);
	}
	/* money in the currency its `currency` field names (plans.h) */
	s->ev_minor = -1;
	{
		int cf = plans_currency_field(vi->v, ti->t);
		const rec_field *cv = cf >= 0 ? &f[ti->fcol[cf]] : NULL;
		if (cv && !rec_empty(cv)) {
			int mu = cv->len < sizeof s->ev_ccy
				     ? currency_minor_unit(vi->v, cv->s, cv->len)
				     : -1;
			if (mu < 0 && ti->t->fields[cf].type == FT_ENUM) {
				/* not one of its values: the enum check says so */
			} else if (mu < 0) {
				rec_quote(v, sizeof v, cv->s, cv->len);
				return msg_err(s, "currency '%s' is not a currency "
						  "code the policy knows", v);
			} else {
				memcpy(s->ev_ccy, cv->s, cv->len);
				s->ev_ccy[cv->len] = '\0';
				s->ev_minor = mu;
			}
		}
	}
	ev->fields = st->fields;
	for (i = 0; i < ti->t->n_fields; i++) {
		const field_def *fd = &ti->t->fields[i];
		const rec_field *val = &f[ti->fcol[i]];
		field_value *fv = &st->fields[i];

		fv->parts = NULL;
		fv->n_parts = 0;
		if (rec_empty(val)) {
			fv->present = false;
			fv->v.type = fd->type;
			if (fd->required)
				return msg_err(s,
					       "missing '%s' (required for "
					       "event type '%s')",
					       fd->name, ti->t->name);
			continue;
		}
		fv->present = true;
		why = parse_value(s, fd, val, ev->person, pass1, fv,
				  st->parts + MAX_SPLIT * n_split);
		if (why)
			return why;
		/* sign: negative: the event's money counts against the person */
		if (ti->t->negative && fd->type == FT_MONEY)
			fv->v.u.d = dec_neg(fv->v.u.d);
		if (fd->type == FT_SPLIT)
			n_split++;
	}
	return NULL;
}

/* ---- pass 1 ------------------------------------------------------------ */

/* ---- compact mode -------------------------------------------------------
 */

static bool bit_get(const efile *ef, uint64_t k);
static int changed(evsrc *s, const char *path, uint64_t line);

static int mono_cmp(const void *ctx, const char *a, size_t na, const char *b,
		    size_t nb)
{
	return id_cmp(ctx, a, na, b, nb);
}

/* Leaves compact mode: builds the full id set from the accepted lines so
 * far, read again with readers of their own (the files' readers are in
 * the middle of pass 1), and moves the flags over.  Returns false when out
 * of memory or a file cannot be read again (s->oom / message set). */
static bool compact_off(evsrc *s)
{
	stream tmp = {0};
	idstore_iter it;
	uint32_t e = 0;
	bool ok = false, told = false; /* told: the message is set */

	if (!s->compact)
		return true;
	s->compact = false;
	if (!stream_init(s, &tmp))
		goto done;
	for (size_t fi = 0; fi < s->n_files && e < s->n_acc; fi++) {
		efile *ef = &s->files[fi];
		rec_reader *rd = NULL;
		char *err = NULL;
		uint32_t got = 0;
		rec rc;
		int st;

		if (ef->n_in == 0)
			continue;
		if (rec_open(&rd, ef->path, s->cols, s->n_cols, &err) < 0) {
			set_err(s, "%s", err ? err : "out of memory");
			free(err);
			told = true;
			goto done;
		}
		while (got < ef->n_in && (st = rec_next(rd, &rc)) > 0) {
			const event *ev = &tmp.ev;
			size_t slot = SIZE_MAX;
			uint32_t h;
			idrec proto;

			if (!bit_get(ef, rc.index))
				continue;
			if (rc.err || convert(s, &tmp, &rc, false, ef->path)) {
				set_err(s, "%s changed while it was being read "
					"(line %llu)", ef->path,
					(unsigned long long)rc.line);
				told = true;
				rec_close(rd);
				goto done;
			}
			h = (uint32_t)hash_bytes(ev->id, ev->id_len);
			(void)ids_find(&s->ids, ev->id, ev->id_len, h, &slot);
			memset(&proto, 0, sizeof proto);
			proto.date = ev->date;
			proto.line = rc.line > UINT32_MAX ? UINT32_MAX
							  : (uint32_t)rc.line;
			proto.file = (uint16_t)fi;
			proto.type_slot = (uint16_t)ev->type->slot;
			if (ids_add(&s->ids, ev->id, ev->id_len, h, slot,
				    &proto) < 0) {
				rec_close(rd);
				goto done;
			}
			if (!s->numeric) {
				size_t k = 0;
				const char *first = s->ids.bytes;

				if (e == 0)
					s->id_common = ev->id_len;
				while (k < s->id_common && k < ev->id_len &&
				       first[k] == ev->id[k])
					k++;
				s->id_common = k;
			}
			e++;
			got++;
		}
		rec_close(rd);
		if (got < ef->n_in) {
			set_err(s, "%s changed while it was being read",
				ef->path);
			told = true;
			goto done;
		}
	}
	/* the refs noted so far */
	idstore_seek(&s->mono, &it, 0);
	while (idstore_next(&s->mono, &it))
		if (it.e.ord < s->ids.n)
			s->ids.recs[it.e.ord].flags |= s->mono.flags[it.i - 1];
	ok = true;
done:
	stream_finish(&tmp);
	idstore_finish(&s->mono);
	if (!ok) {
		/* the run ends (accept_line sees s->oom) */
		if (!told)
			set_err(s, "out of memory");
		s->oom = true;
	}
	return ok;
}

/* What pass 1 knows of an accepted id. */
typedef struct idview {
	date_t date;
	uint16_t type_slot;
	uint8_t *flags;
} idview;

/* Finds an accepted id, leaving compact mode when it is not kept there
 * (it may be an id compact mode does not keep).  Returns false when not
 * found (or s->oom). */
static bool find_id(evsrc *s, const char *id, size_t len, idview *out)
{
	int64_t ix;
	size_t slot;

	if (s->compact) {
		idstore_entry e;

		ix = idstore_find(&s->mono, id, len, mono_cmp, s, &e);
		if (ix >= 0) {
			out->date = e.date;
			out->type_slot = e.type_slot;
			out->flags = &s->mono.flags[ix];
			return true;
		}
		if (!compact_off(s))
			return false;
	}
	ix = ids_find(&s->ids, id, len, (uint32_t)hash_bytes(id, len), &slot);
	if (ix < 0)
		return false;
	out->date = s->ids.recs[ix].date;
	out->type_slot = s->ids.recs[ix].type_slot;
	out->flags = &s->ids.recs[ix].flags;
	return true;
}

/* Checks one ref of the event (id, len, date).  Returns 0 (good), 1 (to
 * settle later: not known yet, or itself waiting) or -1 (bad: s->msg).
 * final: at the end of pass 1, where an unknown id is bad. */
static int check_ref(evsrc *s, const policy_version *v, const field_def *fd,
		     const char *ref, size_t rlen, date_t date, const char *id,
		     size_t id_len, bool final)
{
	const char *tname =
	    fd->ref_type >= 0 ? v->types[fd->ref_type].name : NULL;
	char rv[VAL];
	idview iv;
	bool found = false;

	rec_quote(rv, sizeof rv, ref, rlen);
	s->hint[0] = '\0';
	if (rlen == id_len && memcmp(ref, id, rlen) == 0) {
		snprintf(s->hint, sizeof s->hint,
			 "an event cannot refer to itself");
	} else if (rlen <= 128) {
		found = find_id(s, ref, rlen, &iv);
		uint32_t kslot = 0;
		date_t kdate = 0;
		if (found) {
			/* an event of this input */
		} else if (s->ctx->known_id &&
			   s->ctx->known_id(s->ctx->known_ud, ref, rlen,
					    &kslot, &kdate)) {
			/* a deal of an earlier run (--state-in) */
			if (fd->ref_type < 0 ||
			    kslot == v->types[fd->ref_type].slot)
				return 0;
			snprintf(s->hint, sizeof s->hint,
				 "'%s' (from --state-in) is another type "
				 "of event",
				 rv);
		} else if (!final) {
			return 1;
		} else {
			snprintf(s->hint, sizeof s->hint,
				 "no accepted event has the id '%s'", rv);
		}
	} else {
		snprintf(s->hint, sizeof s->hint,
			 "event ids are at most 128 bytes");
	}
	if (found) {
		const idview *r = &iv;
		char d[11];

		if (*r->flags & ID_DEAD) {
			snprintf(s->hint, sizeof s->hint,
				 "the event '%s' was rejected", rv);
		} else if (fd->ref_type >= 0 &&
			   r->type_slot != v->types[fd->ref_type].slot) {
			const char *other =
			    r->type_slot < s->policy->n_type_slots &&
				    s->policy->type_slot_names
				? s->policy->type_slot_names[r->type_slot]
				: "other";

			snprintf(s->hint, sizeof s->hint, "'%s' is a %s event",
				 rv, other);
		} else if (r->date > date ||
			   (r->date == date &&
			    id_cmp(s, ref, rlen, id, id_len) > 0)) {
			date_format(d, r->date);
			snprintf(s->hint, sizeof s->hint,
				 "'%s' is dated %s, after this event", rv, d);
			if (r->date == date)
				snprintf(s->hint, sizeof s->hint,
					 "'%s' is on the same day and its id "
					 "sorts after this event's",
					 rv);
		} else {
			if (!final && (*r->flags & ID_PENDING))
				return 1;
			*r->flags |= ID_REFERENCED;
			return 0;
		}
	}
	if (tname)
		msg_err(s, "%s '%s' does not name an earlier %s event",
			fd->name, rv, tname);
	else
		msg_err(s, "%s '%s' does not name an earlier event", fd->name,
			rv);
	return -1;
}

static void reject(evsrc *s, const efile *ef, uint64_t line, const char *msg,
		   const char *hint)
{
	report(s, ef->path, line, INC_SEV_ERROR, msg,
	       hint && hint[0] ? hint : NULL);
	if (s->ctx->stats)
		s->ctx->stats->events_rejected++;
}

static bool bit_set(efile *ef, uint64_t k)
{
	size_t w = (size_t)(k / 64);

	if (w >= ef->n_words) {
		size_t n = ef->n_words ? ef->n_words * 2 : 64;
		uint64_t *b;

		while (n <= w)
			n *= 2;
		b = realloc(ef->bits, n * sizeof *b);
		if (b == NULL)
			return false;
		memset(b + ef->n_words, 0, (n - ef->n_words) * sizeof *b);
		ef->bits = b;
		ef->n_words = n;
	}
	ef->bits[w] |= (uint64_t)1 << (k % 64);
	return true;
}

static bool bit_get(const efile *ef, uint64_t k)
{
	size_t w = (size_t)(k / 64);

	return w < ef->n_words && (ef->bits[w] >> (k % 64)) & 1;
}

static void warn_dates(evsrc *s, const efile *ef, const event *ev)
{
	const person *who = &s->ro->people[ev->person];
	char a[11], b[11], msg[MSG];

	if (ev->date < who->hired) {
		date_format(a, ev->date);
		date_format(b, who->hired);
		snprintf(msg, sizeof msg,
			 "event dated %s is before '%s' was hired (%s)", a,
			 who->id, b);
	} else if (who->has_left && ev->date > who->left) {
		date_format(a, ev->date);
		date_format(b, who->left);
		snprintf(msg, sizeof msg,
			 "event dated %s is after '%s' left (%s)", a, who->id,
			 b);
	} else {
		return;
	}
	report(s, ef->path, ev->line, INC_SEV_WARNING, msg, NULL);
	if (s->ctx->stats)
		s->ctx->stats->warnings++;
}

/* Checks one good record of file fi.  Returns 0, or INC_ERROR (out of
 * memory; message set). */
static int accept_line(evsrc *s, size_t fi, const rec *rc)
{
	efile *ef = &s->files[fi];
	stream *st = &s->work;
	const event *ev = &st->ev;
	const rec_field *idf = &rc->f[C_ID];
	uint32_t h = 0, *waiting = s->waiting;
	size_t n_wait = 0, slot = SIZE_MAX;
	const char *why;
	int64_t ix;
	idrec proto;

	/* the id's slot is a cache miss in a large set: start loading it
	 * while the line is converted (compact mode needs no hash) */
	if (!s->compact) {
		h = (uint32_t)hash_bytes(idf->s, idf->len);
		if (s->ids.tab)
			__builtin_prefetch(&s->ids.tab[h & s->ids.mask]);
	}
	why = convert(s, st, rc, true, ef->path);
	if (why) {
		reject(s, ef, rc->line, why, s->hint);
		return 0;
	}
	/* compact mode holds while the ids increase (no duplicate then) */
	if (s->compact && s->n_acc > 0 &&
	    id_cmp(s, s->last_id, s->last_len, ev->id, ev->id_len) >= 0 &&
	    !compact_off(s))
		goto fail;
	if (!s->compact && h == 0)
		h = (uint32_t)hash_bytes(ev->id, ev->id_len);
	ix = s->compact ? -1 : ids_find(&s->ids, ev->id, ev->id_len, h, &slot);
	if (ix >= 0) {
		char v[VAL];

		rec_quote(v, sizeof v, ev->id, ev->id_len);
		msg_err(s, "duplicate event id '%s' (first at %s:%u)", v,
			s->files[s->ids.recs[ix].file].path,
			s->ids.recs[ix].line);
		reject(s, ef, rc->line, s->msg, NULL);
		return 0;
	}
	for (size_t i = 0; i < ev->type->n_fields; i++) {
		const field_def *fd = &ev->type->fields[i];
		const field_value *fv = &ev->fields[i];
		int r;

		if (fd->type != FT_REF || !fv->present)
			continue;
		r = check_ref(s, ev->version, fd, fv->v.u.str.s,
			      fv->v.u.str.len, ev->date, ev->id, ev->id_len,
			      false);
		if (s->oom)
			goto fail;
		if (r < 0) {
			reject(s, ef, rc->line, s->msg, s->hint);
			return 0;
		}
		if (r == 1)
			waiting[n_wait++] = (uint32_t)i;
	}
	if (s->compact) {
		/* only what a ref may name; refs found, so none waits */
		ix = s->n_acc;
		if (s->is_target[ev->type->slot] &&
		    !idstore_add(&s->mono, ev->id, ev->id_len, ev->date,
				 (uint16_t)ev->type->slot, s->n_acc))
			goto oom;
		if (!bit_set(ef, rc->index))
			goto oom;
		goto added;
	}
	/* (a ref check may have left compact mode: the slot again) */
	if (h == 0)
		h = (uint32_t)hash_bytes(ev->id, ev->id_len);
	(void)ids_find(&s->ids, ev->id, ev->id_len, h, &slot);
	memset(&proto, 0, sizeof proto);
	proto.date = ev->date;
	proto.line = rc->line > UINT32_MAX ? UINT32_MAX : (uint32_t)rc->line;
	proto.file = (uint16_t)fi;
	proto.type_slot = (uint16_t)ev->type->slot;
	proto.flags = n_wait ? ID_PENDING : 0;
	ix = ids_add(&s->ids, ev->id, ev->id_len, h, slot, &proto);
	if (ix < 0 || !bit_set(ef, rc->index))
		goto oom;
	if (s->numeric) {
		/* index keys of numbers do not use the common prefix */
	} else if (ix == 0) {
		s->id_common = ev->id_len;
	} else {
		const char *first = s->ids.bytes; /* id 0 */
		size_t k = 0;

		while (k < s->id_common && k < ev->id_len &&
		       first[k] == ev->id[k])
			k++;
		s->id_common = k;
	}
	for (size_t w = 0; w < n_wait; w++) {
		const field_value *fv = &ev->fields[waiting[w]];
		pend *pd;

		if (!grow((void **)&s->pends, &s->cap_pends, s->n_pends + 1,
			  sizeof *s->pends) ||
		    !grow((void **)&s->pend_bytes, &s->pb_cap,
			  s->pb_len + fv->v.u.str.len + 1, 1))
			goto oom;
		pd = &s->pends[s->n_pends++];
		pd->entry = (uint32_t)ix;
		pd->field = waiting[w];
		pd->v = ev->version;
		pd->fd = &ev->type->fields[waiting[w]];
		pd->ref_off = s->pb_len;
		pd->ref_len = fv->v.u.str.len;
		pd->file = (uint16_t)fi;
		pd->line = rc->line;
		memcpy(s->pend_bytes + s->pb_len, fv->v.u.str.s,
		       fv->v.u.str.len);
		s->pb_len += fv->v.u.str.len;
	}
added:
	/* (in compact mode the ids increase: this file's last one, which is
	 * the last one accepted, is below this one already) */
	if (ef->n_in > 0 && ef->sorted &&
	    (ef->last_date > ev->date ||
	     (ef->last_date == ev->date && !s->compact &&
	      id_cmp(s, ef->last_id, ef->last_len, ev->id, ev->id_len) > 0)))
		ef->sorted = false;
	/* one pass: the quick look found the file in order, and the events
	 * before this one were evaluated already */
	if (s->ctx->accepted && !ef->sorted)
		return changed(s, ef->path, rc->line);
	ef->last_date = ev->date;
	ef->last_len = (uint8_t)ev->id_len;
	memcpy(ef->last_id, ev->id, ev->id_len);
	s->last_len = (uint8_t)ev->id_len;
	memcpy(s->last_id, ev->id, ev->id_len);
	s->n_acc++;
	ef->n_in++;
	if (s->ctx->stats)
		s->ctx->stats->events_accepted++;
	warn_dates(s, ef, ev);
	if (s->ctx->accepted) {
		/* one pass: final now (evsrc_one_pass: no refs) */
		st->ev.referenced = false;
		return s->ctx->accepted(s->ctx->accepted_ud, ev);
	}
	return 0;
oom:
	set_err(s, "out of memory");
	return INC_ERROR;
fail: /* compact_off failed: the message is set */
	return INC_ERROR;
}

static int cmp_pend(const void *a, const void *b, void *arg)
{
	const pend *x = a, *y = b;
	int c = entry_cmp(arg, x->entry, y->entry);

	if (c)
		return c;
	return (x->field > y->field) - (x->field < y->field);
}

/* Settles the refs that named ids not seen yet, in (date, id) order of the
 * referring events: each target is final before anything refers to it. */
static void settle_refs(evsrc *s)
{
	size_t i = 0;

	if (s->n_pends == 0)
		return;
	qsort_r(s->pends, s->n_pends, sizeof *s->pends, cmp_pend, s);
	while (i < s->n_pends) {
		uint32_t e = s->pends[i].entry;
		idrec *r = &s->ids.recs[e];
		size_t j;
		bool bad = false;

		for (j = i; j < s->n_pends && s->pends[j].entry == e; j++) {
			const pend *pd = &s->pends[j];

			if (bad)
				continue;
			if (check_ref(s, pd->v, pd->fd,
				      s->pend_bytes + pd->ref_off, pd->ref_len,
				      r->date, id_of(s, e), r->len, true) < 0) {
				bad = true;
				reject(s, &s->files[pd->file], pd->line, s->msg,
				       s->hint);
				if (s->ctx->stats &&
				    s->ctx->stats->events_accepted)
					s->ctx->stats->events_accepted--;
			}
		}
		r->flags = bad ? ID_DEAD : (uint8_t)(r->flags & ~ID_PENDING);
		i = j;
	}
	free(s->pends);
	free(s->pend_bytes);
	s->pends = NULL;
	s->pend_bytes = NULL;
	s->n_pends = s->cap_pends = s->pb_len = s->pb_cap = 0;
}

static int read_events(evsrc *s, size_t fi)
{
	efile *ef = &s->files[fi];
	recahead *ahead = NULL;
	rec rc;
	int st, ret = 0;

	/* the records split on a second thread when the run may use one
	 * (recahead.h: ~800-1,250 instructions an event off this thread) */
	if (s->ctx->read_ahead && recahead_start(&ahead, ef->rd) != 0)
		ahead = NULL;
	while ((st = ahead ? recahead_next(ahead, &rc) : rec_next(ef->rd, &rc)) > 0) {
		if (s->ctx->stats)
			s->ctx->stats->lines_read++;
		if (rc.err) {
			reject(s, ef, rc.line, rc.err, rc.hint);
			if (rc.fatal)
				break;
			continue;
		}
		if ((st = accept_line(s, fi, &rc)) < 0) {
			ret = st;
			goto done;
		}
	}
	if (st == -2) {
		set_err(s, "out of memory");
		ret = INC_ERROR;
	} else if (st < 0) {
		recahead_stop(ahead); /* the reader's message is final */
		ahead = NULL;
		set_err(s, "%s", rec_errmsg(ef->rd));
		ret = INC_EINPUT;
	}
done:
	recahead_stop(ahead);
	return ret;
}

static int open_file(evsrc *s, size_t fi, const char *path)
{
	efile *ef = &s->files[fi];
	struct stat sb;
	char *err = NULL;

	ef->path = path;
	ef->sorted = true;
	ef->first = s->n_acc;
	ef->first_target = s->mono.n;
	if (stat(path, &sb) != 0) {
		set_err(s, "cannot open %s: %s", path, strerror(errno));
		return INC_EINPUT;
	}
	if (!S_ISREG(sb.st_mode)) {
		set_err(s,
			"%s is not a regular file (event files are read twice, "
			"to put them in order)",
			path);
		return INC_EINPUT;
	}
	if (rec_open(&ef->rd, path, s->cols, s->n_cols, &err) < 0) {
		free(s->ctx->errmsg);
		s->ctx->errmsg = err ? err : strdup("out of memory");
		return INC_EINPUT;
	}
	for (size_t c = 0; c < C_BASE; c++)
		if (!rec_has_column(ef->rd, c)) {
			set_err(s,
				"%s:1: the header has no '%s' column (event "
				"files need %s,%s,%s,%s)",
				path, s->cols[c], s->cols[C_ID], s->cols[C_DATE],
				s->cols[C_TYPE], s->cols[C_PERSON]);
			return INC_EINPUT;
		}
	return 0;
}

/* ---- the index of files out of order --------------------------------------
 */

/* The sort key of (d, id): see ixent. */
static uint64_t ix_key(const evsrc *s, date_t d, const char *id, size_t len)
{
	uint64_t p = 0, off = (uint64_t)((int64_t)d - s->min_date);

	if (s->numeric) {
		/* the number (saturated), its top bit moved to bit 63 */
		for (size_t i = 0; i < len; i++) {
			uint64_t dg = (uint64_t)(id[i] - '0');
			if (p > (UINT64_MAX - dg) / 10) {
				p = UINT64_MAX;
				break;
			}
			p = p * 10 + dg;
		}
		p = p > (UINT64_MAX >> s->num_shift) ? UINT64_MAX
						      : p << s->num_shift;
	} else {
		/* ids hold no NUL: padding with zeros keeps bytewise order */
		for (size_t i = s->id_common; i < s->id_common + 8; i++)
			p = p << 8 | (i < len ? (unsigned char)id[i] : 0);
	}
	if (s->date_bits == 0)
		return p;
	return off << (64 - s->date_bits) | p >> s->date_bits;
}

/* Full (date, id) order, for entries with the same key. */
static int cmp_ix(const void *a, const void *b, void *arg)
{
	const ixent *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return entry_cmp(arg, x->entry, y->entry);
}

/* Sorts the index: radix sort on the keys (16 bits a pass, passes where
 * every key has the same digit skipped), then each run of equal keys by
 * the full comparison.  Returns false when out of memory. */
static bool sort_index(evsrc *s)
{
	ixent *a = s->index, *tmp = NULL;
	size_t n = s->n_index, *cnt = NULL;

	if (n < 2)
		return true;
	tmp = malloc(n * sizeof *tmp);
	cnt = malloc(65536 * sizeof *cnt);
	if (tmp == NULL || cnt == NULL) {
		free(tmp);
		free(cnt);
		return false;
	}
	for (int shift = 0; shift < 64; shift += 16) {
		size_t sum = 0;
		bool one = false;

		memset(cnt, 0, 65536 * sizeof *cnt);
		for (size_t i = 0; i < n; i++)
			cnt[(a[i].key >> shift) & 0xffff]++;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = cnt[d];

			if (c == n)
				one = true;
			cnt[d] = sum;
			sum += c;
		}
		if (one)
			continue;
		for (size_t i = 0; i < n; i++)
			tmp[cnt[(a[i].key >> shift) & 0xffff]++] = a[i];
		{
			ixent *t = a;

			a = tmp;
			tmp = t;
		}
	}
	if (a != s->index) {
		memcpy(s->index, a, n * sizeof *a);
		tmp = a;
	}
	free(tmp);
	free(cnt);
	a = s->index;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && a[j].key == a[i].key)
			j++;
		if (j - i > 1)
			qsort_r(a + i, j - i, sizeof *a, cmp_ix, s);
		i = j;
	}
	return true;
}

static int build_index(evsrc *s)
{
	for (size_t fi = 0; fi < s->n_files; fi++) {
		efile *ef = &s->files[fi];
		uint32_t rank = 0;
		rec rc;
		int st;

		if (ef->sorted)
			continue;
		if (rec_rewind(ef->rd, true) < 0) {
			set_err(s, "%s", rec_errmsg(ef->rd));
			return INC_EINPUT;
		}
		while ((st = rec_next(ef->rd, &rc)) > 0) {
			uint32_t e;
			ixent *x;

			if (!bit_get(ef, rc.index))
				continue;
			if (rank == ef->n_in)
				break;
			e = ef->first + rank++;
			if (s->ids.recs[e].flags & ID_DEAD)
				continue;
			if (rc.offset >= IX_MAX_OFFSET ||
			    rc.line >= IX_MAX_LINE) {
				set_err(s,
					"%s is too large to be put in order "
					"(sort it by date and id first)",
					ef->path);
				return INC_EINPUT;
			}
			if (!grow((void **)&s->index, &s->cap_index,
				  s->n_index + 1, sizeof *s->index)) {
				set_err(s, "out of memory");
				return INC_ERROR;
			}
			x = &s->index[s->n_index++];
			x->date = s->ids.recs[e].date;
			x->entry = e;
			x->key = 0; /* below, once the date range is known */
			x->pos = rc.offset << 16 | fi;
			x->meta = rc.line << 28 | (uint64_t)rc.len << 8 |
				  s->ids.recs[e].len;
		}
		if (st < 0) {
			set_err(s, "%s", rec_errmsg(ef->rd));
			return INC_EINPUT;
		}
		if (rank != ef->n_in) {
			set_err(s, "%s changed while it was being read",
				ef->path);
			return INC_EINPUT;
		}
	}
	if (s->n_index == 0)
		return 0;
	{
		date_t lo = s->index[0].date, hi = lo;

		for (size_t i = 1; i < s->n_index; i++) {
			if (s->index[i].date < lo)
				lo = s->index[i].date;
			if (s->index[i].date > hi)
				hi = s->index[i].date;
		}
		s->min_date = lo;
		while (s->date_bits < 32 &&
		       ((uint64_t)((int64_t)hi - lo) >> s->date_bits) != 0)
			s->date_bits++;
	}
	if (s->numeric) {
		/* leading zero bits of the largest number, for ix_key */
		size_t maxlen = 0;

		for (size_t i = 0; i < s->n_index; i++) {
			const char *id = id_of(s, s->index[i].entry);
			size_t n = IX_ID_LEN(&s->index[i]), z = 0;

			while (z + 1 < n && id[z] == '0')
				z++;
			if (n - z > maxlen)
				maxlen = n - z;
		}
		/* 10^maxlen - 1 < 2^(4 * maxlen) bounds the value's bits */
		s->num_shift = maxlen >= 16 ? 0 : 64 - 4 * (int)maxlen;
	}
	/* the entries are in file order, so are their ids: no cache misses */
	for (size_t i = 0; i < s->n_index; i++) {
		ixent *x = &s->index[i];

		x->key = ix_key(s, x->date, id_of(s, x->entry), IX_ID_LEN(x));
	}
	if (!sort_index(s)) {
		set_err(s, "out of memory");
		return INC_ERROR;
	}
	return 0;
}

_Static_assert(sizeof(ixent) == 32, "index entries are 32 bytes");

/* ---- one pass ---------------------------------------------------------- */

/* The quick look of evsrc_one_pass at one part of the file: the (date, id)
 * of each line that may be accepted must be above the last one's.  first:
 * the part's first such key, to compare with the part before. */
typedef struct key {
	char date[10];
	uint8_t id_len;
	char id[IDSTORE_MAX_ID];
} key;

typedef struct order_look {
	const evsrc *s;
	rec_reader *rd;
	unsigned part, n_parts;
	int ret; /* rec_scan_keys' */
	uint64_t n;
	key first, last;
	uint64_t last_word; /* last.id as id_word() gives it, when last_word_ok */
	bool last_word_ok;
} order_look;

static bool date_shaped(const rec_field *f)
{
	if (f->len != 10 || f->s[4] != '-' || f->s[7] != '-')
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (f->s[i] < '0' || f->s[i] > '9'))
			return false;
	return true;
}

static int key_cmp(const evsrc *s, const key *a, const char *date, const char *id,
		   size_t id_len)
{
	int c = memcmp(a->date, date, 10);

	return c ? c : id_cmp(s, a->id, a->id_len, id, id_len);
}

static void key_set(key *k, const rec_field *date, const rec_field *id)
{
	memcpy(k->date, date->s, 10);
	memcpy(k->id, id->s, id->len);
	k->id_len = (uint8_t)id->len;
}

/* The same 10 bytes (the same date as the line before, the usual case):
 * two loads instead of a memcmp call. */
static bool same_date(const char *a, const char *b)
{
	uint64_t x, y;
	uint16_t u, v;

	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	memcpy(&u, a + 8, 2);
	memcpy(&v, b + 8, 2);
	return x == y && u == v;
}

/* The usual ids (up to 8 bytes, numbers without a leading zero) are also
 * kept as a big-endian word, left-aligned: comparing and keeping it costs
 * a few instructions, where id_cmp and a copy of the bytes were a fifth
 * of the quick look's instructions. */
static uint64_t id_word(const char *s, size_t n)
{
	uint64_t w = 0;

	for (size_t i = 0; i < n; i++)
		w = w << 8 | (unsigned char)s[i];
	return w << (8 * (8 - n));
}

static int look_order(void *ud, const rec_field *id, const rec_field *date)
{
	order_look *o = ud;
	size_t n = id->len;
	bool word = n <= 8 && (!o->s->numeric || id->s[0] != '0');
	uint64_t w = 0;
	int c;

	/* pass 1 rejects these lines, whatever else they hold (an id that is
	 * not a number under `ids: numeric` is looked at all the same: one
	 * line more to be in order, never one less) */
	if (n == 0 || n > IDSTORE_MAX_ID)
		return 0;
	if (o->n && date->len == 10 && same_date(o->last.date, date->s))
		c = 0;
	else if (!date_shaped(date))
		return 0;
	else
		c = o->n ? memcmp(o->last.date, date->s, 10) : 1;
	if (word)
		w = id_word(id->s, n);
	if (o->n == 0) {
		key_set(&o->first, date, id);
	} else if (c > 0) {
		return 1; /* out of order */
	} else if (c == 0) {
		bool below;

		if (word && o->last_word_ok)
			below = o->s->numeric && n != o->last.id_len
				    ? n > o->last.id_len
				    : o->last_word < w || (o->last_word == w && o->last.id_len < n);
		else
			below = id_cmp(o->s, o->last.id, o->last.id_len, id->s, n) < 0;
		if (!below)
			return 1; /* out of order (or the same id twice) */
	}
	o->n++;
	if (c != 0)
		memcpy(o->last.date, date->s, 10);
	o->last.id_len = (uint8_t)n;
	o->last_word = w;
	o->last_word_ok = word;
	if (word) {
		/* the id's bytes, in order, from the word */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		uint64_t be = __builtin_bswap64(w);
#else
		uint64_t be = w;
#endif
		memcpy(o->last.id, &be, 8);
	} else {
		memcpy(o->last.id, id->s, n);
	}
	return 0;
}

static void *look_part(void *arg)
{
	order_look *o = arg;

	o->ret = rec_scan_keys(o->rd, o->part, o->n_parts, C_ID, C_DATE, look_order, o);
	return NULL;
}

/* Both halves of a file of at least this size are looked at at once (a
 * thread each: 57 -> ~28 ms for the 60 MB of the peer benchmark's 1M
 * events, measured before the 64-byte scan of csv.c). */
#define LOOK_SPLIT_BYTES ((off_t)1 << 22)

bool evsrc_one_pass(const input_ctx *ctx, const char *const *paths,
		    size_t n_paths, uint64_t *n_lines)
{
	const inc_policy *p = ctx->policy;
	evsrc s = {.policy = p}; /* what prepare() and id_cmp() use */
	rec_reader *rd = NULL;
	order_look o[2];
	pthread_t helper;
	unsigned n_parts = 1;
	bool ok = false, helped = false;
	struct stat sb;
	char *err = NULL;

	*n_lines = 0;
	if (n_paths != 1 || rec_path_is_jsonl(paths[0]))
		return false;
	for (size_t vi = 0; vi < p->n_versions; vi++)
		for (size_t t = 0; t < p->versions[vi].n_types; t++)
			for (size_t f = 0; f < p->versions[vi].types[t].n_fields; f++)
				if (p->versions[vi].types[t].fields[f].type == FT_REF)
					return false;
	s.numeric = p->n_versions > 0 && p->versions[0].input.numeric_ids;
	arena_init(&s.mem);
	/* (a file that cannot be opened: pass 1 says why) */
	if (prepare(&s) != 0 || rec_open(&rd, paths[0], s.cols, s.n_cols, &err) != 0 ||
	    !rec_has_column(rd, C_ID) || !rec_has_column(rd, C_DATE))
		goto done;
	if (ctx->read_ahead && stat(paths[0], &sb) == 0 && sb.st_size >= LOOK_SPLIT_BYTES)
		n_parts = 2;
	for (unsigned i = 0; i < n_parts; i++)
		o[i] = (order_look){.s = &s, .rd = rd, .part = i, .n_parts = n_parts};
	if (n_parts == 2)
		helped = pthread_create(&helper, NULL, look_part, &o[1]) == 0;
	look_part(&o[0]);
	if (helped)
		pthread_join(helper, NULL);
	else if (n_parts == 2)
		look_part(&o[1]);
	ok = o[0].ret == 1 && (n_parts == 1 || o[1].ret == 1);
	/* the halves in order too */
	if (ok && n_parts == 2 && o[0].n && o[1].n &&
	    key_cmp(&s, &o[0].last, o[1].first.date, o[1].first.id, o[1].first.id_len) >= 0)
		ok = false;
	if (ok)
		*n_lines = o[0].n + (n_parts == 2 ? o[1].n : 0);
done:
	free(err);
	rec_close(rd);
	arena_finish(&s.mem);
	return ok;
}

/* ---- create / destroy ------------------------------------------------------
 */

int evsrc_create(evsrc **out, input_ctx *ctx, const roster *r,
		 const char *const *paths, size_t n_paths)
{
	evsrc *s = calloc(1, sizeof *s);
	int rc = INC_ERROR;

	if (s == NULL) {
		free(ctx->errmsg);
		ctx->errmsg = strdup("out of memory");
		return INC_ERROR;
	}
	s->ctx = ctx;
	s->policy = ctx->policy;
	s->ro = r;
	s->numeric = s->policy->n_versions > 0 &&
		     s->policy->versions[0].input.numeric_ids;
	s->compact = true;
	idstore_init(&s->mono);
	{
		/* by type slot: the largest any version uses */
		size_t n_slots = s->policy->n_type_slots;

		for (size_t vi = 0; vi < s->policy->n_versions; vi++)
			for (size_t t = 0; t < s->policy->versions[vi].n_types; t++)
				if (s->policy->versions[vi].types[t].slot >= n_slots)
					n_slots = s->policy->versions[vi].types[t].slot + 1;
		s->is_target = calloc(n_slots + 1, sizeof *s->is_target);
	}
	if (!s->is_target) {
		set_err(s, "out of memory");
		goto fail;
	}
	for (size_t vi = 0; vi < s->policy->n_versions; vi++) {
		const policy_version *v = &s->policy->versions[vi];

		for (size_t t = 0; t < v->n_types; t++)
			for (size_t f = 0; f < v->types[t].n_fields; f++) {
				const field_def *fd = &v->types[t].fields[f];

				if (fd->type != FT_REF)
					continue;
				if (fd->ref_type >= 0)
					s->is_target[v->types[fd->ref_type].slot] =
					    true;
				else
					for (size_t u = 0; u < v->n_types; u++)
						s->is_target[v->types[u].slot] =
						    true;
			}
	}
	arena_init(&s->mem);
	if (n_paths > MAX_FILES) {
		set_err(s, "too many event files (at most %d)", MAX_FILES);
		rc = INC_EINPUT;
		goto fail;
	}
	if (prepare(s) < 0 || !stream_init(s, &s->work) ||
	    (s->waiting = calloc(s->max_fields + 1, sizeof *s->waiting)) ==
		NULL ||
	    (s->md = pcre2_match_data_create(1, NULL)) == NULL ||
	    (s->files = calloc(n_paths + 1, sizeof *s->files)) == NULL) {
		set_err(s, "out of memory");
		goto fail;
	}
	s->n_files = n_paths;
	for (size_t i = 0; i < n_paths; i++) {
		if ((rc = open_file(s, i, paths[i])) != 0 ||
		    (rc = read_events(s, i)) != 0)
			goto fail;
	}
	/* files out of order are sorted through an index of the full set */
	for (size_t i = 0; i < n_paths && s->compact; i++)
		if (!s->files[i].sorted && !compact_off(s)) {
			rc = INC_ERROR;
			goto fail;
		}
	settle_refs(s);
	if ((rc = build_index(s)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	evsrc_destroy(s);
	return rc;
}

void evsrc_destroy(evsrc *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_files; i++) {
		rec_close(s->files[i].rd);
		free(s->files[i].bits);
	}
	for (size_t i = 0; i < s->n_streams; i++)
		stream_finish(&s->streams[i]);
	stream_finish(&s->work);
	free(s->streams);
	free(s->heap);
	free(s->files);
	free(s->index);
	free(s->pends);
	free(s->pend_bytes);
	free(s->person_ids);
	free(s->waiting);
	free(s->is_target);
	idstore_finish(&s->mono);
	ids_finish(&s->ids);
	if (s->md)
		pcre2_match_data_free(s->md);
	arena_finish(&s->mem);
	free(s);
}

/* ---- pass 2 -----------------------------------------------------------------
 */

static int changed(evsrc *s, const char *path, uint64_t line)
{
	set_err(s, "%s changed while it was being read (line %llu)", path,
		(unsigned long long)line);
	return INC_EINPUT;
}

/* Converts again an accepted record and checks it is the event pass 1
 * accepted: same date and id (x: only its key and length, to stay out of
 * the id set). */
static int reconvert(evsrc *s, stream *st, const rec *rc, uint32_t e,
		     const ixent *x, const efile *ef)
{
	const event *ev = &st->ev;
	bool same;

	if (rc->err || convert(s, st, rc, false, ef->path) != NULL)
		return changed(s, ef->path, rc->line);
	if (s->compact) {
		/* only targets were kept: the file's next one must be this
		 * event when it is a target, and nothing else can be checked
		 * (compact mode reads sorted files only, and their count is
		 * checked at the end) */
		st->ev.referenced = false;
		if (!s->is_target[ev->type->slot])
			return 0;
		if (!idstore_next(&s->mono, &st->it) || st->it.e.ord != e ||
		    st->it.e.date != ev->date || st->it.e.len != ev->id_len ||
		    memcmp(st->it.e.id, ev->id, ev->id_len) != 0)
			return changed(s, ef->path, rc->line);
		st->ev.referenced =
		    (s->mono.flags[st->it.i - 1] & ID_REFERENCED) != 0;
		return 0;
	}
	if (x) {
		same = ev->date == x->date && ev->id_len == IX_ID_LEN(x) &&
		       ix_key(s, ev->date, ev->id, ev->id_len) == x->key;
	} else {
		const idrec *r = &s->ids.recs[e];

		same = ev->date == r->date && ev->id_len == r->len &&
		       memcmp(ev->id, id_of(s, e), r->len) == 0;
	}
	if (!same)
		return changed(s, ef->path, rc->line);
	st->ev.referenced = (s->ids.recs[e].flags & ID_REFERENCED) != 0;
	return 0;
}

/* Moves a stream to its next accepted event (has = false at the end). */
static int advance(evsrc *s, stream *st)
{
	rec rc;

	st->has = false;
	if (st->kind == S_FILE) {
		efile *ef = &s->files[st->file];
		int r = 0;

		while (st->rank < ef->n_in && (r = rec_next(ef->rd, &rc)) > 0) {
			uint32_t e;

			if (!bit_get(ef, rc.index))
				continue;
			e = ef->first + st->rank++;
			/* (compact mode has no refs to settle: none dies) */
			if (!s->compact && (s->ids.recs[e].flags & ID_DEAD))
				continue;
			if ((r = reconvert(s, st, &rc, e, NULL, ef)) != 0)
				return r;
			st->has = true;
			return 0;
		}
		if (st->rank < ef->n_in) {
			if (r < 0) {
				set_err(s, "%s", rec_errmsg(ef->rd));
				return INC_EINPUT;
			}
			return changed(s, ef->path, rc.line);
		}
		return 0;
	}
	if (st->pos < s->n_index) {
		const ixent *x = &s->index[st->pos++];
		efile *ef = &s->files[IX_FILE(x)];

		if (rec_read_at(ef->rd, IX_OFFSET(x), IX_LEN(x), IX_LINE(x),
				&rc) < 0) {
			set_err(s, "%s", rec_errmsg(ef->rd));
			return INC_EINPUT;
		}
		if (reconvert(s, st, &rc, x->entry, x, ef) != 0)
			return INC_EINPUT;
		st->has = true;
	}
	return 0;
}

static bool before(const evsrc *s, const stream *a, const stream *b)
{
	if (a->ev.date != b->ev.date)
		return a->ev.date < b->ev.date;
	return id_cmp(s, a->ev.id, a->ev.id_len, b->ev.id, b->ev.id_len) < 0;
}

static void sift_down(evsrc *s, size_t i)
{
	stream **h = s->heap;
	size_t n = s->n_heap;

	for (;;) {
		size_t l = 2 * i + 1, m = i;
		stream *t;

		if (l < n && before(s, h[l], h[m]))
			m = l;
		if (l + 1 < n && before(s, h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static int start(evsrc *s)
{
	size_t n = (s->n_index ? 1 : 0);

	for (size_t i = 0; i < s->n_files; i++)
		if (s->files[i].sorted && s->files[i].n_in)
			n++;
	s->streams = calloc(n + 1, sizeof *s->streams);
	s->heap = calloc(n + 1, sizeof *s->heap);
	if (s->streams == NULL || s->heap == NULL) {
		set_err(s, "out of memory");
		return INC_ERROR;
	}
	for (size_t i = 0; i < s->n_files; i++) {
		stream *st;

		if (!s->files[i].sorted || s->files[i].n_in == 0)
			continue;
		st = &s->streams[s->n_streams++];
		st->kind = S_FILE;
		st->file = i;
		if (s->compact)
			idstore_seek(&s->mono, &st->it, s->files[i].first_target);
		if (!stream_init(s, st)) {
			set_err(s, "out of memory");
			return INC_ERROR;
		}
		if (rec_rewind(s->files[i].rd, false) < 0) {
			set_err(s, "%s", rec_errmsg(s->files[i].rd));
			return INC_EINPUT;
		}
	}
	if (s->n_index) {
		stream *st = &s->streams[s->n_streams++];

		st->kind = S_INDEX;
		if (!stream_init(s, st)) {
			set_err(s, "out of memory");
			return INC_ERROR;
		}
	}
	for (size_t i = 0; i < s->n_streams; i++) {
		int rc = advance(s, &s->streams[i]);

		if (rc)
			return rc;
		if (s->streams[i].has)
			s->heap[s->n_heap++] = &s->streams[i];
	}
	for (size_t i = s->n_heap / 2; i-- > 0;)
		sift_down(s, i);
	return 0;
}

int evsrc_next(evsrc *s, const event **out)
{
	int rc;

	if (s->failed)
		return s->failed;
	if (!s->started) {
		s->started = true;
		rc = start(s);
	} else if (s->cur) {
		rc = advance(s, s->cur);
		if (rc == 0) {
			if (!s->cur->has)
				s->heap[0] = s->heap[--s->n_heap];
			sift_down(s, 0);
		}
	} else {
		rc = 0;
	}
	if (rc) {
		s->failed = rc;
		return rc;
	}
	if (s->n_heap == 0) {
		s->cur = NULL;
		return 0;
	}
	s->cur = s->heap[0];
	*out = &s->cur->ev;
	return 1;
}
