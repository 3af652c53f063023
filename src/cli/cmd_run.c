/*
 * cmd_run.c: `incentive run`: evaluate events under a policy and print one
 * decision per line; a summary goes to stderr.  Nothing is written unless
 * the whole run succeeds.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: incentive run --policy POLICY --people FILE [--quotas FILE]\n"
		"                     --events FILE [--events FILE ...] [options]\n"
		"\n"
		"Evaluates every event in (date, id) order under the policy version in\n"
		"force on its date, runs period-end rules after each period's last\n"
		"event, and prints the decisions.  Input files are CSV with a header,\n"
		"or JSON Lines when named *.jsonl or *.ndjson.\n"
		"\n"
		"options:\n"
		"  --policy DIR|FILE   the policy (see docs/policy-guide.md)\n"
		"  --people FILE       the roster: id,name,level,team,manager,hired,left,currency\n"
		"  --quotas FILE       person,period,amount\n"
		"  --events FILE       sales events (repeatable)\n"
		"  --period P          only decide this period (2026-Q1, 2026-03 or 2026);\n"
		"                      earlier events are still evaluated for their state\n"
		"  --format F          table (default), csv or jsonl\n"
		"  --out FILE          write decisions to FILE (atomically) instead of stdout\n"
		"  --strict            fail, writing nothing, if any input line is rejected\n"
		"  --quiet             no summary and no warnings on stderr\n"
		"\n"
		"Exit status: 0 success, 1 bad policy or input (reason on stderr), 2 usage.\n");
}

/* Progress on a terminal: "  412,000 of 1,000,000 events (41%)". */
static void show_progress(void *ud, uint64_t done, uint64_t total)
{
	(void)ud;
	fprintf(stderr, "\rincentive: %llu of %llu events (%llu%%)", (unsigned long long)done,
		(unsigned long long)total,
		(unsigned long long)(total ? done * 100 / total : 0));
	if (done >= total)
		fputc('\n', stderr);
}

static void summary(const inc_policy *p, const inc_run *r, const char *policy_path)
{
	const inc_run_stats *s = inc_run_get_stats(r);
	const char *k, *cur, *amt;
	uint64_t n;

	fprintf(stderr, "incentive: policy %s: %zu version%s, sha256 %.12s\n", policy_path,
		inc_policy_version_count(p), inc_policy_version_count(p) == 1 ? "" : "s",
		inc_policy_hash(p));
	fprintf(stderr, "incentive: people %llu (%llu rejected), quotas %llu (%llu rejected)\n",
		(unsigned long long)s->people, (unsigned long long)s->people_rejected,
		(unsigned long long)s->quotas, (unsigned long long)s->quotas_rejected);
	fprintf(stderr, "incentive: events read %llu, accepted %llu, rejected %llu",
		(unsigned long long)(s->events_accepted + s->events_rejected),
		(unsigned long long)s->events_accepted, (unsigned long long)s->events_rejected);
	if (s->events_outside_period)
		fprintf(stderr, ", outside --period %llu",
			(unsigned long long)s->events_outside_period);
	fputc('\n', stderr);
	fprintf(stderr, "incentive: decisions %llu", (unsigned long long)s->decisions);
	for (size_t i = 0; inc_run_kind_count(r, i, &k, &n) == 0; i++)
		fprintf(stderr, "%s%s %llu", i ? ", " : " (", k, (unsigned long long)n);
	fputs(s->decisions ? ")\n" : "\n", stderr);
	for (size_t i = 0; inc_run_total(r, i, &cur, &amt) == 0; i++)
		fprintf(stderr, "incentive: total payout %s %s\n", cur, amt);
	if (s->warnings)
		fprintf(stderr, "incentive: %llu warning%s\n", (unsigned long long)s->warnings,
			s->warnings == 1 ? "" : "s");
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"policy", required_argument, NULL, 'p'},
		{"people", required_argument, NULL, 'P'},
		{"quotas", required_argument, NULL, 'Q'},
		{"events", required_argument, NULL, 'e'},
		{"period", required_argument, NULL, 'r'},
		{"format", required_argument, NULL, 'f'},
		{"out", required_argument, NULL, 'o'},
		{"strict", no_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *policy_path = NULL, *people = NULL, *quotas = NULL, *out_path = NULL;
	const char **events = NULL;
	size_t n_events = 0;
	inc_run_options ro = {0};
	out_format fmt = FMT_TABLE;
	bool quiet = false;
	int c, status = EXIT_INPUT;
	inc_policy *p = NULL;
	inc_run *r = NULL;
	out_writer *w = NULL;
	char *err = NULL;

	events = calloc((size_t)argc, sizeof *events);
	if (!events)
		return EXIT_INPUT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': policy_path = optarg; break;
		case 'P': people = optarg; break;
		case 'Q': quotas = optarg; break;
		case 'e': events[n_events++] = optarg; break;
		case 'r': ro.period = optarg; break;
		case 'o': out_path = optarg; break;
		case 's': ro.strict = 1; break;
		case 'q': quiet = true; break;
		case 'f':
			if (parse_format(optarg, &fmt) != 0) {
				cli_error("--format must be table, csv or jsonl, not '%s'", optarg);
				status = EXIT_USAGE;
				goto done;
			}
			break;
		case 'h':
			run_usage(stdout);
			status = EXIT_OK;
			goto done;
		default:
			run_usage(stderr);
			status = EXIT_USAGE;
			goto done;
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		status = EXIT_USAGE;
		goto done;
	}
	if (!policy_path || !people || n_events == 0) {
		cli_error("run needs --policy, --people and at least one --events "
			  "(see 'incentive run --help')");
		status = EXIT_USAGE;
		goto done;
	}

	diag_printer dp = {.quiet_warnings = quiet};
	int rc = inc_policy_load(&p, policy_path, diag_print, &dp, &err);
	if (rc) {
		if (rc == INC_EPOLICY)
			cli_error("%s: %lu error%s in the policy; nothing was computed", policy_path,
				  dp.errors, dp.errors == 1 ? "" : "s");
		else
			cli_error("%s", err ? err : "cannot load the policy");
		goto done;
	}
	if (!quiet && isatty(STDERR_FILENO))
		ro.progress = show_progress;
	rc = inc_run_create(&r, p, &ro, diag_print, &dp);
	if (rc == 0)
		rc = inc_run_add_people(r, people);
	if (rc == 0 && quotas)
		rc = inc_run_add_quotas(r, quotas);
	for (size_t i = 0; rc == 0 && i < n_events; i++)
		rc = inc_run_add_events(r, events[i]);
	if (rc) {
		cli_error("%s", r ? inc_run_errmsg(r) : "out of memory");
		goto done;
	}
	if (out_open(&w, fmt, out_path) != 0) {
		cli_error("cannot write %s: %s", out_path ? out_path : "a temporary file", strerror(errno));
		goto done;
	}
	rc = inc_run_execute(r, out_decision, w);
	if (rc) {
		out_discard(w);
		w = NULL;
		cli_error("%s", inc_run_errmsg(r));
		cli_error("nothing was written");
		goto done;
	}
	if (out_commit(w) != 0) {
		w = NULL;
		cli_error("cannot write %s: %s", out_path ? out_path : "standard output", strerror(errno));
		goto done;
	}
	w = NULL;
	if (!quiet)
		summary(p, r, policy_path);
	status = EXIT_OK;
done:
	out_discard(w);
	inc_run_destroy(r);
	inc_policy_destroy(p);
	free(err);
	free(events);
	return status;
}
