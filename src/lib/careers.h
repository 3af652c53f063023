/*
 * careers.h: the careers half of conduct and careers (careers.c): the
 * level history, training facts, promotion approvals, the per-period
 * history, appraisal, promotions and demotions.  The evaluator reaches
 * these through the cc_* hooks of conduct.h; conduct.c calls them.
 */
#ifndef INC_CAREERS_H
#define INC_CAREERS_H

#include "conduct.h"

/* Records the training fact or promotion approval that ev is under the
 * rules of its version (a training rule `on` its type, a promotion rule
 * whose approval is its type).  Returns 0 or a negative code; *fact is
 * set to the recorded fact, or NULL. */
int careers_on_event(cc_state *c, const event *ev, const cc_fact **fact);
/* true when fact f meets training requirement s. */
bool careers_fact_meets(const training_spec *s, const cc_fact *f);
/* The first training fact of pix dated on or before `by` that meets s,
 * or NULL. */
const cc_fact *careers_training_met(const cc_state *c, const training_spec *s,
				    uint32_t pix, date_t by);
/* Period end for one person: history, appraisal, demotion, promotion. */
int careers_period_end(cc_state *c, const policy_version *v, int32_t p,
		       uint32_t pix);

#endif
