/*
 * conduct.h: conduct and careers at run time (seed sections 5.3, 5.1
 * promotions, 6 and 7).
 *
 * The evaluator (eval.c) owns one cc_state and calls the cc_* hooks below
 * at fixed points: before an event (closed periods, missed deadlines,
 * dismissed people), on an event (violations, training, reports,
 * approvals), after each money decision (holds), and at period end
 * (carried fines, appraisal, demotions, promotions).  conduct.c holds the
 * discipline ladder, fines, holds, duties and dismissal; careers.c the
 * level history, training facts, approvals, appraisal and promotions;
 * state.c saves and loads everything here that carries over from one run
 * to the next.  The rule specs are in model_conduct.h.
 *
 * Dates follow docs/policy-guide.md: a violation dated D with an active
 * life of N months is active from D up to the day before D + N months
 * (the expiry date is outside; a month without that day ends the life on
 * its last day: 2024-02-29 + 12 months = 2025-02-28).
 */
#ifndef INC_CONDUCT_H
#define INC_CONDUCT_H

#include "eval.h"
#include "model_conduct.h"

/* One violation on a person's record. */
typedef struct cc_violation {
	const char *event;	/* input event id, or "" for a missed duty */
	const char *what;	/* a missed duty, in words; "" for input events */
	date_t date;
	const char *category, *severity;
	const char *step;	/* step kind it led to, "" when none */
	const char *rule;	/* discipline rule id */
} cc_violation;

/* A level from a date on (the roster's level holds before the first). */
typedef struct cc_level {
	date_t from;
	const char *level;
	const char *rule;	/* rule that decided it */
} cc_level;

/* Payments held until a training is completed. */
typedef struct cc_hold {
	const char *rule;	/* training rule id */
	uint32_t slot;
	const training_spec *spec;
	date_t since;
	dec held;
	strbuf events;		/* "e-1,e-2": the held payments' events */
} cc_hold;

/* A training completed. */
typedef struct cc_fact {
	const char *event;
	date_t date;
	const char *course;
	bool has_score;
	int64_t score;
} cc_fact;

/* A manager's approval of a promotion. */
typedef struct cc_approval {
	const char *event;
	date_t date;
	const char *type;	/* event type name */
	const char *approver;	/* "" when the rule names no approver field */
} cc_approval;

/* A closed period of a person with a quota. */
typedef struct cc_hist {
	int32_t period;
	dec credited, quota;
	const char *rating;	/* appraisal rating, or "" */
} cc_hist;

#define CC_MAX_HISTORY 24 /* periods of history kept per person */

typedef struct cc_person {
	cc_level *levels;
	size_t n_levels, cap_levels;
	bool dismissed;
	date_t dismissed_on;	/* effective date: events after it earn nothing */
	const char *dismissed_rule, *dismissed_event;
	cc_violation *viols;
	size_t n_viols, cap_viols;
	dec fine_balance;	/* fines not yet deducted (carried) */
	dec fined;		/* deducted in the period in progress */
	cc_hold *holds;
	size_t n_holds, cap_holds;
	cc_fact *facts;
	size_t n_facts, cap_facts;
	cc_approval *approvals;
	size_t n_approvals, cap_approvals;
	cc_hist *hist;
	size_t n_hist, cap_hist;
	uint32_t *checked;	/* training rule slots whose deadline was checked */
	size_t n_checked, cap_checked;
} cc_person;

/* A sales report (or other report) that may satisfy a duty. */
typedef struct cc_report {
	uint32_t person;
	date_t date;
	const char *covers;	/* the covers field's text, or NULL */
} cc_report;

typedef struct cc_duty {
	bool started;
	date_t next;		/* start of the next interval to check */
	cc_report *reports;
	size_t n_reports, cap_reports;
} cc_duty;

typedef struct cc_state {
	evaluator *e;
	const inc_policy *policy;
	const roster *ro;
	period_kind pkind;
	arena mem;		/* strings of the state */
	cc_person *people;
	size_t n_people;
	uint32_t n_slots;
	cc_duty *duties;	/* per rule slot (only duty slots are used) */
	strmap slots;		/* rule id -> slot */
	bool has_clock;
	date_t clock_start;	/* first day evaluated: deadlines before it are not checked */
	date_t now;		/* the event's date, or the last day of the period closing */
	bool closed_any;
	int32_t last_closed;
	bool resumed;
	date_t resume_end;	/* last day of the period the state closed */
	uint64_t n_closed_events;
	bool any_duty, any_training;
	date_t next_due;	/* earliest pending check, or INT32_MAX */
	bool due_dirty;		/* next_due must be computed again */
	/* Training deadlines in the order they are checked (day, version,
	 * rule, person), made when the clock starts; tnext: the first not
	 * yet checked.  (Scanning every person for the next deadline after
	 * each check was people x deadline days: 1M people, 21 s.) */
	struct cc_tdue *tdue;
	size_t n_tdue, tnext;
	bool tdue_made;
	date_t tdue_start;	/* the clock_start it was made for */
	size_t n_active_holds;
	strbuf reason, events, detail;
	/* careers_on_event: whether version careers_v has a training or an
	 * approval rule (worked out once per version, not per event) */
	const policy_version *careers_v;
	bool careers_any;
} cc_state;

/* ---- hooks called by eval.c ---------------------------------------------- */

int cc_create(cc_state **out, evaluator *e);
void cc_destroy(cc_state *c);
/* 1 when ev is dated in a period an earlier run closed (counted and
 * reported at the end), else 0. */
int cc_event_closed(cc_state *c, const event *ev);
/* Runs the checks due by ev's date (missed reports and trainings), then
 * returns 1 when ev's person was dismissed before ev's date (ev is
 * reported and must not be evaluated), 0 to go on, or a negative code. */
int cc_event_begin(cc_state *c, const event *ev);
/* 1 (and reported) when person pix of split event ev was dismissed
 * before its date: that part earns nothing; 0 when not; or a negative
 * code. */
int cc_part_dismissed(cc_state *c, const event *ev, uint32_t pix);
/* The conduct and careers rules of ev's version on ev. */
int cc_event(cc_state *c, const event *ev);
/* After a money decision of rule r (amount, rounded) to pix: a payment
 * to a person on hold is held with a `hold` decision. */
int cc_after_money(cc_state *c, const policy_version *v, const rule *r,
		   uint32_t pix, dec amount, const char *events);
/* Start of period p's close: the checks due by its last day. */
int cc_period_begin(cc_state *c, int32_t p);
/* 1 (and reported) when period-end rule r must not pay pix for p: pix was
 * dismissed before p's last day; 0 when it may; or a negative code. */
int cc_forfeits(cc_state *c, const rule *r, uint32_t pix, int32_t p);
/* End of period p's close: carried fines, appraisal, demotions and
 * promotions, in roster order, under version v (may be NULL). */
int cc_period_end(cc_state *c, const policy_version *v, int32_t p);
/* true with *d the effective date when pix has been dismissed (this run
 * or an earlier one whose state was loaded), else false. */
bool cc_dismissed_on(const cc_state *c, uint32_t pix, date_t *d);
/* The level of pix on date d from the level history, or NULL when it is
 * the roster's. */
const char *cc_level_at(const cc_state *c, uint32_t pix, date_t d);

/* ---- shared by conduct.c, careers.c and state.c --------------------------- */

/* Starts the clock at `clock_start` (state.c, before any event) and the
 * duty checks that are not yet running from `from` on. */
void cc_start(cc_state *c, date_t clock_start, date_t from);

/* Grows *p (of *cap items of size) to hold need items; 0 or -1. */
int cc_grow(void **p, size_t *cap, size_t need, size_t size);
/* A copy of s in the state's arena ("" for NULL); NULL on out of memory. */
const char *cc_str(cc_state *c, const char *s);
/* d + dur, months ending on the same day or the month's last day. */
date_t cc_date_add(date_t d, duration dur);
/* Rule slot of id, or UINT32_MAX. */
uint32_t cc_slot_of(const cc_state *c, const char *id);
/* The rule with slot `slot` in v, or NULL. */
const rule *cc_rule_in(const policy_version *v, uint32_t slot);
/* The discipline rule of v, or NULL. */
const rule *cc_discipline_of(const policy_version *v);
/* Emits a decision with c->reason, c->events and c->detail. */
int cc_emit(cc_state *c, const policy_version *v, const rule *r, uint32_t pix,
	    const char *kind, bool has_amount, dec exact, dec *rounded);
/* Starts a decision: clears c->reason, c->events and c->detail. */
void cc_begin(cc_state *c);
/* Adds "key":"value" to c->detail. */
void cc_det(cc_state *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cc_det_dec(cc_state *c, const char *key, dec d);
/* "verbal warning" for "verbal_warning". */
const char *cc_words(char *buf, size_t cap, const char *kind);
/* Ladder position of step kind name `step` under discipline spec d; -1
 * for none (""), and its canonical order when d lacks it. */
int cc_step_rank(const discipline_spec *d, const char *step);
/* The most severe step of pix's violations active on date d under the
 * discipline rule of v: its rank (-1: none) and the violation (or NULL). */
int cc_active_step(const cc_state *c, const policy_version *v, uint32_t pix,
		   date_t d, const cc_violation **which);
/* Records a violation of pix and applies the discipline rule of v to it
 * (the step it leads to).  ev_id is "" for a missed duty described by
 * `what`, found by rule src (of version src_v), which the decision then
 * names; NULL for a violation event. */
int cc_violation_add(cc_state *c, const policy_version *v, uint32_t pix,
		     const char *ev_id, const char *what, date_t date,
		     const char *category, const char *severity,
		     const rule *src, const policy_version *src_v,
		     const char *file, uint64_t line);
/* Sets pix's level from date `from` (decided by rule). */
int cc_level_set(cc_state *c, uint32_t pix, date_t from, const char *lvl,
		 const char *rule_id);
/* Since when pix holds the level they hold on date d (the hire date for
 * the roster's level), and whether that is the roster's level. */
date_t cc_level_since(const cc_state *c, uint32_t pix, date_t d, bool *initial);

#endif
