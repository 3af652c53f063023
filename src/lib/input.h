/*
 * input.h: people, quotas and events, read from CSV or JSON Lines and
 * validated against the policy.
 *
 * The roster (people + quotas) is loaded whole: it is small.  Events are
 * streamed: evsrc validates every line, reports each bad one through the
 * diag callback as `file:line: reason` and yields accepted events in
 * (date, id) order.
 */
#ifndef INC_INPUT_H
#define INC_INPUT_H

#include "model.h"

/* A change of manager from a date on (people column manager_changes). */
typedef struct manager_change {
	date_t from;
	const char *manager; /* person id */
} manager_change;

typedef struct person {
	const char *id;
	const char *name;
	const char *level;   /* a level id of the ladder */
	const char *team;    /* may be "" */
	const char *manager; /* person id, or "": the manager from hire on */
	const manager_change *moves; /* later managers, by increasing date */
	size_t n_moves;
	date_t hired;
	bool has_left;
	date_t left;
	const char *currency; /* always set: the person's, or the policy's */
	int minor;	      /* currency minor unit */
	uint32_t index;
	const char *file;     /* where the person was read (roster arena) */
	uint64_t line;
} person;

typedef struct quota {
	uint32_t person;
	int32_t period;
	dec amount;	  /* at the person's currency minor unit */
	const char *file; /* where the quota was read (roster arena) */
	uint64_t line;
} quota;

typedef struct roster {
	arena mem;
	person *people;
	size_t n_people, cap_people;
	strmap by_id;		/* person id -> index */
	quota *quotas;		/* sorted by (person, period) after load */
	size_t n_quotas, cap_quotas;
} roster;

struct event;

/* Shared context for the readers: where to report and what to count. */
typedef struct input_ctx {
	const inc_policy *policy;
	inc_diag_fn diag;
	void *ud;
	inc_run_stats *stats;
	char *errmsg;		/* malloc'd message for INC_EINPUT/INC_ERROR */
	/* Events of an earlier run that a ref may name (the deals of
	 * --state-in, state.c): true with the event's type slot and date.
	 * NULL: none. */
	bool (*known_id)(void *ud, const char *id, size_t len,
			 uint32_t *type_slot, date_t *date);
	void *known_ud;
	/* evsrc_create: split each file's records on a second thread while
	 * they are checked (recahead.h); the outcome is the same */
	bool read_ahead;
	/* One pass (evsrc_one_pass): evsrc_create hands each event to
	 * accepted() as soon as pass 1 accepts it (valid until the next
	 * call).  A non-zero return (a negative INC_E* code) ends pass 1
	 * with that code.  NULL: pass 1 only checks. */
	int (*accepted)(void *ud, const struct event *e);
	void *accepted_ud;
} input_ctx;

void roster_init(roster *r);
void roster_finish(roster *r);
/* Returns 0 or INC_EINPUT (file unusable; message in ctx->errmsg). Bad
 * lines are reported and counted as rejected. */
int roster_load_people(roster *r, input_ctx *ctx, const char *path);
int roster_load_quotas(roster *r, input_ctx *ctx, const char *path);
/* Person index by id, or -1. */
int64_t roster_find(const roster *r, const char *id, size_t len);
/* The id of p's manager on date d ("" when none): `manager`, or the latest
 * of its manager_changes that has begun by d. */
const char *person_manager_on(const person *p, date_t d);
/* Quota of person in period, or false when none. */
bool roster_quota(const roster *r, uint32_t person, int32_t period, dec *out);

typedef struct split_part {
	uint32_t person;
	dec pct; /* percent, 0 < pct <= 100 */
} split_part;

typedef struct field_value {
	bool present;
	value v;
	split_part *parts; /* FT_SPLIT */
	size_t n_parts;
} field_value;

/* An accepted event.  Valid until the next evsrc_next call. */
typedef struct event {
	const char *id;
	uint32_t id_len;
	date_t date;
	const policy_version *version; /* in force on date */
	const event_type *type;	       /* of that version */
	uint32_t person;
	field_value *fields;	       /* type->n_fields entries */
	const char *file;
	uint64_t line;
	bool referenced; /* another accepted event refers to this one */
} event;

typedef struct evsrc evsrc;

/* Opens the event files.  Lines are validated as they are read; the source
 * may read the files more than once (to order them).  Returns 0, INC_EINPUT
 * or INC_ERROR with ctx->errmsg set. */
int evsrc_create(evsrc **out, input_ctx *ctx, const roster *r,
		 const char *const *paths, size_t n_paths);
/* Whether the events can be evaluated while pass 1 reads them (one pass:
 * each line read once, not twice; run.c), which needs what pass 1 decides
 * about an event to be final when it accepts it, and nothing to be put in
 * order:
 *  - one CSV file whose lines are already in (date, id) order (a quick
 *    look at those two columns, rec_scan_keys, decides; the lines pass 1
 *    will reject for their date are left out);
 *  - no event type with a ref field: a ref to an id not seen yet is
 *    settled at the end of pass 1, and whether some later event refers
 *    to a deal (event.referenced) is known only then.
 * *n_lines: the lines the quick look saw (an upper bound of the events).
 * With one pass, the caller gives ctx->accepted to evsrc_create, and
 * evsrc_next is not used. */
bool evsrc_one_pass(const input_ctx *ctx, const char *const *paths,
		    size_t n_paths, uint64_t *n_lines);
/* Next accepted event in (date, id) order: returns 1 and *out, 0 at the
 * end, or a negative INC_E* code (message in ctx->errmsg). */
int evsrc_next(evsrc *s, const event **out);
void evsrc_destroy(evsrc *s);

#endif
