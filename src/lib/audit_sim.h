/*
 * audit_sim.h: what audit_sim.c (recording a simulation in the audit
 * trail) reads of a simulation beyond its public tables: the policies and
 * the files it was given.  simulate.c fills it.
 */
#ifndef INC_AUDIT_SIM_H
#define INC_AUDIT_SIM_H

#include <stddef.h>

#include "incentive.h"

typedef struct sim_view {
	const inc_policy *a;
	const inc_policy *b; /* --vs, or NULL (also for baseline/scenario) */
	const char *const *people, *const *quotas, *const *events,
						       *const *rates;
	size_t n_people, n_quotas, n_events, n_rates;
	const char *scenario; /* path, or NULL */
	const char *profile;  /* path given, or NULL */
	unsigned top;	      /* 0: the default */
	int no_curves;
	int executed; /* inc_sim_execute succeeded */
} sim_view;

void sim_get_view(const inc_sim *s, sim_view *v);

#endif
