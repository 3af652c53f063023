/*
 * scenario.h: what-if changes to the inputs of a simulation, read from a
 * small YAML file (docs/simulate.md): scale a money field of matching
 * events, scale quotas, drop or duplicate a share of events, move dates,
 * and the Monte Carlo section (trials, distribution of each person's
 * sales multiplier).
 *
 * Every change is exact and reproducible: factors are exact decimals,
 * scaled amounts are rounded once to the currency's minor unit, and the
 * events a share picks are chosen by a hash of (seed, step, event id), so
 * the same file and seed pick the same events on every machine.
 */
#ifndef INC_SCENARIO_H
#define INC_SCENARIO_H

#include "evstore.h"
#include "ydoc.h"

typedef enum sc_op { SC_SCALE, SC_SCALE_QUOTAS, SC_DROP, SC_DUPLICATE, SC_MOVE } sc_op;

typedef enum sc_subject {
	SCS_TYPE, SCS_PERSON, SCS_TEAM, SCS_LEVEL, SCS_DATE, SCS_PERIOD, SCS_FIELD
} sc_subject;

/* One value of a test, kept in every form it may be needed in. */
typedef struct sc_val {
	const char *text;
	size_t len;
	bool has_dec;
	dec d;
	bool has_date;
	date_t date;
	pcre2_code *re; /* when the text compiles as a pattern */
	const ynode *node;
} sc_val;

typedef struct sc_test {
	sc_subject subject;
	const char *key;
	cond_op op;
	bool plain;	/* written as a plain value */
	sc_val *vals;	/* 1, or n for `in` */
	size_t n_vals;
	const ynode *node;
} sc_test;

typedef struct sc_step {
	sc_op op;
	const char *field; /* SC_SCALE */
	dec by;		   /* SC_SCALE, SC_SCALE_QUOTAS */
	dec share;	   /* SC_DROP, SC_DUPLICATE: a fraction 0..1 */
	int32_t days;	   /* SC_MOVE */
	sc_test *when;
	size_t n_when;
	const ynode *node;
	const char *file; /* the scenario file, for messages */
} sc_step;

typedef enum mc_dist { MC_NORMAL, MC_LOGNORMAL } mc_dist;

typedef struct mc_spec {
	bool on;
	uint64_t trials;
	mc_dist dist;
	const char *dist_name;
	dec mean, spread;	/* of the multiplier itself */
	double mean_d, spread_d;
	bool per_team;		/* one draw per team instead of per person */
	const char **targets;	/* "type.field"; none: every credited field */
	size_t n_targets;
} mc_spec;

typedef struct scenario {
	arena mem;
	ydoc doc;
	const char *file;
	const char *name;
	const char *description;
	bool has_seed;
	uint64_t seed;
	sc_step *steps;
	size_t n_steps;
	mc_spec mc;
	pcre2_code **codes;
	size_t n_codes;
} scenario;

typedef struct sc_stats {
	uint64_t dropped, duplicated, moved, scaled, rejected, quotas_scaled;
} sc_stats;

/* Reads a scenario file.  Returns 0, INC_EINPUT (problems reported through
 * diag) or INC_ERROR (message in *err). */
int scenario_load(scenario **out, const char *path, inc_diag_fn diag,
		  void *ud, char **err);
void scenario_destroy(scenario *sc);

/* Applies the steps, in order, to the events (which must be in (date, id)
 * order and are again afterwards) and the quotas of roster r, under policy
 * p.  Problems (a test that cannot apply to a field, an event moved before
 * the policy's first version) go to diag.  Returns 0, INC_EINPUT or
 * INC_ERROR with *err. */
int scenario_apply(const scenario *sc, uint64_t seed, const inc_policy *p,
		   roster *r, evstore *ev, inc_diag_fn diag, void *ud,
		   sc_stats *st, char **err);

/* Does an event (or a person, when ev is NULL) satisfy the step's tests? */
int scenario_match(const sc_step *s, const inc_policy *p, const roster *r,
		   const event *ev, uint32_t pix, int32_t period,
		   pcre2_match_data *md, inc_diag_fn diag, void *ud);

/* Decimals of an event's money fields: those of the currency the event
 * names (an event type with a `currency` field, docs/policy-guide.md),
 * else of the person's pay currency. */
int event_money_minor(const event *ev, const roster *r);

/* Scales a money amount by an exact factor and rounds it once to `minor`
 * decimals with mode.  Returns 0 or INC_EARITH. */
int scale_money(dec *out, dec amount, dec by, int minor, dec_rounding mode);

#endif
