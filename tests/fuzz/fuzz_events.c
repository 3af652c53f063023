/*
 * fuzz_events.c: libFuzzer target for the whole input side and the
 * evaluator: a fixed policy (tests/golden/basic: one rule of each kind)
 * over fuzzed events, and optionally fuzzed people and quotas.
 *
 * Input: byte 0 bit 0 picks JSON Lines (else CSV), bit 1 --strict, bit 2
 * --period 2026-Q1.  The rest is the events file; a line "%%" starts the
 * people file and a second one the quotas file (else the golden ones).
 *
 * Oracles, besides no crash / leak / sanitizer report: every diagnostic
 * has a file and a message; a failed run has a message; the sink sees as
 * many decisions as the stats count, each complete; two runs of the same
 * input give byte-identical decisions (determinism).
 */
#include "fuzz_common.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

static inc_policy *pol;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *err = NULL;

	(void)argc;
	(void)argv;
	if (inc_policy_load(&pol, SRCDIR "/tests/golden/basic/policy.yaml",
			    NULL, NULL, &err) != 0) {
		fprintf(stderr, "cannot load the golden policy: %s\n",
			err ? err : "errors");
		abort();
	}
	return 0;
}

typedef struct out {
	uint64_t n, h;
} out;

static void mixs(out *o, const char *s)
{
	if (!s)
		s = "(null)";
	for (; *s; s++)
		o->h = (o->h ^ (unsigned char)*s) * 0x100000001b3ull;
	o->h = (o->h ^ 0xff) * 0x100000001b3ull;
}

static int sink(void *ud, const inc_decision *d)
{
	out *o = ud;

	if (!d->id || !d->period || !d->person || !d->kind || !d->rule ||
	    !d->events || !d->reason || !d->version || !d->detail)
		abort();
	o->n++;
	mixs(o, d->id);
	mixs(o, d->period);
	mixs(o, d->person);
	mixs(o, d->kind);
	mixs(o, d->amount);
	mixs(o, d->currency);
	mixs(o, d->rule);
	mixs(o, d->events);
	mixs(o, d->reason);
	mixs(o, d->detail);
	return 0;
}

static int run_once(unsigned mode, const char *people, const char *quotas,
		    const char *events, out *o, uint64_t *decisions)
{
	inc_run *r = NULL;
	inc_run_options opt;

	memset(&opt, 0, sizeof opt);
	opt.period = (mode & 4) ? "2026-Q1" : NULL;
	opt.strict = (mode & 2) != 0;
	int rc;

	memset(o, 0, sizeof *o);
	o->h = 0xcbf29ce484222325ull;
	rc = inc_run_create(&r, pol, &opt, fz_diag, NULL);
	if (rc != 0)
		abort();
	if ((rc = inc_run_add_people(r, people)) == 0 &&
	    (rc = inc_run_add_quotas(r, quotas)) == 0 &&
	    (rc = inc_run_add_events(r, events)) == 0)
		rc = inc_run_execute(r, sink, o);
	if (rc != 0 && strlen(inc_run_errmsg(r)) == 0)
		abort();
	*decisions = inc_run_get_stats(r)->decisions;
	inc_run_destroy(r);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char ev[512], pe[512], qu[512];
	const uint8_t *part[3] = {NULL, NULL, NULL};
	size_t len[3] = {0, 0, 0}, np = 0;
	out o1, o2;
	uint64_t d1, d2;

	if (size < 1)
		return 0;
	unsigned mode = data[0];
	const uint8_t *p = data + 1, *end = data + size;
	part[0] = p;
	np = 1;
	for (const uint8_t *q = p; q + 3 <= end && np < 3; q++) {
		if ((q == p || q[-1] == '\n') && !memcmp(q, "%%\n", 3)) {
			len[np - 1] = (size_t)(q - part[np - 1]);
			part[np++] = q + 3;
			q += 2;
		}
	}
	len[np - 1] = (size_t)(end - part[np - 1]);

	snprintf(ev, sizeof ev, "%s",
		 fz_write((mode & 1) ? "events.jsonl" : "events.csv", part[0],
			  len[0]));
	if (np > 1)
		snprintf(pe, sizeof pe, "%s",
			 fz_write("people.csv", part[1], len[1]));
	else
		snprintf(pe, sizeof pe, "%s",
			 SRCDIR "/tests/golden/basic/people.csv");
	if (np > 2)
		snprintf(qu, sizeof qu, "%s",
			 fz_write("quotas.csv", part[2], len[2]));
	else
		snprintf(qu, sizeof qu, "%s",
			 SRCDIR "/tests/golden/basic/quotas.csv");

	int rc1 = run_once(mode, pe, qu, ev, &o1, &d1);
	int rc2 = run_once(mode, pe, qu, ev, &o2, &d2);
	if (rc1 != rc2 || o1.n != o2.n || o1.h != o2.h || d1 != d2)
		abort(); /* not deterministic */
	if (rc1 == 0 && o1.n != d1)
		abort(); /* the stats miscount */
	return 0;
}
