/*
 * model_conduct.h: the compiled model of the conduct and careers rule
 * kinds (seed sections 5.3, 5.1 promotions, 6 and 7): discipline, duty,
 * training, promotion, demotion and appraisal.
 *
 * policy_conduct.c builds these from YAML (docs/policy-guide.md,
 * "Discipline, careers and state"); conduct.c and careers.c read them.
 * Like the rest of the model they live in the policy's arena and hang off
 * their rule (rule.discipline, rule.duty, ...).  Names of enum values,
 * steps, levels and ratings are kept as text: the carried state records
 * them by name so that it survives a new policy version.
 */
#ifndef INC_MODEL_CONDUCT_H
#define INC_MODEL_CONDUCT_H

#include "model.h"

/* The steps of a discipline ladder.  A policy lists the ones it uses, in
 * its own order (the order is the ladder: later is more severe). */
typedef enum step_kind {
	STEP_VERBAL_WARNING,
	STEP_WRITTEN_WARNING,
	STEP_FINE,
	STEP_DEMOTION,
	STEP_DISMISSAL,
} step_kind;

#define N_STEP_KINDS 5

/* "verbal_warning" ... (also the decision kind); "?" out of range. */
static inline const char *step_kind_name(int k)
{
	static const char *const names[N_STEP_KINDS] = {
	    "verbal_warning", "written_warning", "fine", "demotion",
	    "dismissal"};
	return k >= 0 && k < N_STEP_KINDS ? names[k] : "?";
}

/* A length of time: `12 months`, `2 years`, `90 days`.  Months and years
 * end on the same day of the month (or the month's last day). */
typedef enum dur_unit { DUR_DAYS, DUR_MONTHS, DUR_YEARS } dur_unit;

typedef struct duration {
	int32_t n;
	dur_unit unit;
} duration;

typedef struct disc_step {
	step_kind kind;
	dec fine;		/* STEP_FINE: amount, > 0 */
	int32_t levels;		/* STEP_DEMOTION: levels down, >= 1 */
	int32_t effective_days;	/* STEP_DISMISSAL: effective this many days
				   after the violation (0: the same day) */
	src_loc loc;
} disc_step;

/* One row of `escalate:`.  It holds when every test it has holds; the
 * decided step is the most severe step of the rows that hold. */
typedef struct escalation_row {
	uint32_t *min_count;	/* per severity value: at least this many active
				   violations of it (0: not tested) */
	uint32_t min_any;	/* at least this many of any severity (0: not tested) */
	uint64_t severities;	/* bit i: the new violation has severity i (0: any) */
	uint64_t categories;	/* bit i: the new violation has category i (0: any) */
	int step;		/* index into discipline_spec.steps */
	src_loc loc;
} escalation_row;

typedef struct discipline_spec {
	int category_field, severity_field; /* FT_ENUM fields of `on` */
	const char *const *categories;	    /* the enum values */
	size_t n_categories;
	const char *const *severities;
	size_t n_severities;
	duration *active;		    /* per severity value */
	bool uniform_active;		    /* `active_for:` one duration */
	bool progressive;
	disc_step *steps;
	size_t n_steps;
	escalation_row *rows;
	size_t n_rows;
	bool has_fine_limit;
	dec fine_limit;			    /* most deducted per person per period */
} discipline_spec;

/* A violation recorded by a duty or training rule when a duty is missed. */
typedef struct violation_spec {
	const char *category, *severity; /* values of the discipline rule's enums */
	const struct ynode *node;	 /* during load only */
} violation_spec;

typedef enum interval_kind { IV_WEEK, IV_MONTH, IV_QUARTER, IV_YEAR } interval_kind;

typedef struct duty_spec {
	interval_kind every;
	int covers_field;	/* string field naming the interval, or -1 */
	int32_t due_days;	/* due this many days after the interval ends */
	violation_spec violation;
} duty_spec;

typedef struct training_spec {
	int course_field;	/* FT_STRING field of `on` */
	int score_field;	/* FT_INTEGER field of `on`, or -1 */
	const char *course;	/* the course required, exact text */
	bool has_min_score;
	int64_t min_score;
	bool has_within;
	int32_t within_days;	/* deadline: the hire date + this many days */
	bool has_by;
	date_t by;		/* deadline: a fixed date */
	bool hold_all;		/* hold every payment */
	uint32_t *hold;		/* else: rule slots whose payments are held */
	size_t n_hold;
	bool has_violation;
	violation_spec violation;
	const struct ynode *hold_node; /* during load only */
} training_spec;

/* Promotion and demotion criteria. */
typedef struct career_spec {
	bool down;		/* a demotion rule */
	const char **from;	/* levels it applies to; none: every level */
	size_t n_from;
	const char *to;		/* target level, or NULL: the adjacent one */
	bool has_attainment;
	dec attainment;		/* fraction: at least (promotion) / below (demotion) */
	uint32_t periods;	/* consecutive periods */
	int32_t tenure_months;	/* at least this long at the level; -1: no test */
	uint32_t *training;	/* slots of training rules that must be met */
	size_t n_training;
	bool has_max_step;
	int max_step;		/* step kind; -1: no active discipline at all */
	const char *min_rating;	/* appraisal rating at least this, or NULL */
	int approval_type;	/* event type index, or -1 */
	int approver_field;	/* FT_STRING field of it naming the approver, or -1 */
	const struct ynode *training_node, *step_node, *rating_node; /* load only */
} career_spec;

typedef enum disc_test { DT_NONE, DT_CLEAN, DT_AT_LEAST, DT_AT_MOST } disc_test;

typedef struct rating_row {
	const char *rating;
	size_t rating_ix;	/* position in the scale */
	bool has_lo, lo_strict;	/* attainment gte / gt */
	dec lo;
	bool has_hi, hi_strict;	/* attainment lte / lt */
	dec hi;
	disc_test disc;		/* active discipline test */
	int disc_step;		/* step kind for DT_AT_LEAST / DT_AT_MOST */
	const struct ynode *step_node; /* load only */
	src_loc loc;
} rating_row;

typedef struct appraisal_spec {
	const char **scale;	/* ratings, lowest first */
	size_t n_scale;
	rating_row *rows;	/* first row that holds gives the rating */
	size_t n_rows;
} appraisal_spec;

#endif
