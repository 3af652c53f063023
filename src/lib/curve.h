/*
 * curve.h: payout curves.  A person profile (docs/simulate.md: a level, a
 * quota, the sale they typically make) is run through the engine itself
 * on synthetic events: for an attainment a, the profile's quota x a is
 * sold in `deals` equal deals on one day, and every decision the policy
 * makes is collected.  Run at 0%, 5%, ... 200% this gives the payout
 * curve; at 50%, 100%, 150% the handbook's worked example.
 */
#ifndef INC_CURVE_H
#define INC_CURVE_H

#include "evstore.h"

typedef struct profile {
	arena mem;
	const char *file;     /* where it was read, or "" when built */
	const char *name;
	const char *level;
	const char *team;
	const char *currency; /* NULL: the policy's */
	dec quota;
	bool has_date;
	date_t date;
	uint32_t deals;
	const char *type;
	const char **keys;    /* fields of the synthetic event, as text */
	const char **vals;
	size_t n_fields;
	dec curve_to, curve_step; /* fractions: 2 and 0.05 by default */
	dec *examples;	      /* fractions: 0.5, 1, 1.5 by default */
	size_t n_examples;
} profile;

/* An empty profile with the defaults, to fill in. */
profile *profile_new(void);
int profile_load(profile **out, const char *path, inc_diag_fn diag, void *ud,
		 char **err);
void profile_destroy(profile *pf);
/* Adds a field of the synthetic event (copied). */
bool profile_set_field(profile *pf, const char *key, const char *val);

/* Where a policy keeps its default profile: examples/profile.yaml in the
 * policy directory (beside the file, for a one-file policy).  Writes the
 * path into buf and returns true when that file exists. */
bool profile_default_path(const inc_policy *p, char *buf, size_t cap);

/* The day of the synthetic sales under policy p: the profile's date, else
 * the latest version's effective date. */
date_t profile_date(const profile *pf, const inc_policy *p);

/* Runs the engine on the profile at attainment `att` (a fraction) under
 * p, with the sales on day `day`.  Every decision goes to emit; *sales is
 * the amount sold, *target the level's target bonus (zero when none),
 * *minor and *currency the profile's currency.  Returns 0, INC_EINPUT
 * (the profile does not fit the policy: *err says why) or another
 * negative code with *err. */
int curve_run(const inc_policy *p, const profile *pf, date_t day, dec att,
	      eval_emit_fn emit, void *ud, dec *sales, dec *target, int *minor,
	      const char **currency, char **err);

#endif
