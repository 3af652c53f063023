/*
 * cmd_run.c: `incentive run`: evaluate events under a policy and print one
 * decision per line; a summary goes to stderr.  Nothing is written unless
 * the whole run succeeds.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
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
		"or JSON Lines when named *.jsonl or *.ndjson.  One CSV events file\n"
		"already in (date, id) order, under a policy without ref fields, is\n"
		"read once (the summary says \"one pass\"); otherwise every line is\n"
		"checked first and the files are read again in order.\n"
		"\n"
		"options:\n"
		"  --policy DIR|FILE   the policy (see docs/policy-guide.md)\n"
		"  --people FILE       the roster: id,name,level,team,manager,hired,left,currency\n"
		"  --quotas FILE       person,period,amount\n"
		"  --events FILE       sales events (repeatable)\n"
		"  --rates FILE        exchange rates date,from,to,rate (repeatable), for\n"
		"                      events in another currency than the pay currency\n"
		"  --period P          only decide this period (2026-Q1, 2026-03 or 2026);\n"
		"                      earlier events are still evaluated for their state\n"
		"  --format F          table (default), csv, jsonl, or peers (the\n"
		"                      peer benchmark's format, bench/reference/)\n"
		"  --out FILE          write decisions to FILE (atomically) instead of stdout\n"
		"  --strict            fail, writing nothing, if any input line is rejected\n"
		"  --quiet             no summary and no warnings on stderr\n"
		"  --threads 1|auto    auto (default): a second thread reads (in one pass\n"
		"                      also checks) the events while they are evaluated,\n"
		"                      a third writes the decisions; 1: one thread (the\n"
		"                      same output and messages)\n"
		"  --audit FILE        record the run in the audit database FILE (SQLite,\n"
		"                      created when missing): policy snapshot, inputs,\n"
		"                      events, rejected lines, decisions (docs/audit.md)\n"
		"  --final             a payout run (needs --audit and --period): the\n"
		"                      policy must be approved ('incentive approve'); the\n"
		"                      run locks its period.  Without it a run is a draft\n"
		"  --format none       print no decisions (with --audit: the record has them)\n"
		"  --state-in FILE     carried state of an earlier run (JSON, from --state-out):\n"
		"                      discipline record, levels, fines, holds, training,\n"
		"                      period history, deals a refund may claw back; events\n"
		"                      in the periods it closed are not evaluated again\n"
		"  --state-out FILE    save the carried state after the last period\n"
		"                      (atomically, only when the run succeeds)\n"
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

/* --format peers: each person's period figures go to the writer. */
static int peers_figures(void *ud, const inc_period_figures *f)
{
	return out_period_figures(*(out_writer **)ud, f);
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
	if (s->rates || s->rates_rejected)
		fprintf(stderr, "incentive: exchange rates %llu (%llu rejected)\n",
			(unsigned long long)s->rates, (unsigned long long)s->rates_rejected);
	fprintf(stderr, "incentive: events read %llu, accepted %llu, rejected %llu",
		(unsigned long long)(s->events_accepted + s->events_rejected),
		(unsigned long long)s->events_accepted, (unsigned long long)s->events_rejected);
	if (s->events_outside_period)
		fprintf(stderr, ", outside --period %llu",
			(unsigned long long)s->events_outside_period);
	if (s->events_before_state)
		fprintf(stderr, ", already closed by --state-in %llu (not evaluated)",
			(unsigned long long)s->events_before_state);
	if (s->events_after_dismissal)
		fprintf(stderr, ", after their person's dismissal %llu (earn nothing)",
			(unsigned long long)s->events_after_dismissal);
	fprintf(stderr, "; %s\n",
		s->event_passes == 1 ? "one pass (in date order)" : "two passes");
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

/* A test aid (tests/cli/audit_kill.sh): INCENTIVE_TEST_KILL_AFTER=N kills
 * the process with SIGKILL when the N-th decision reaches the output, so
 * that a test can stop a recorded run at a chosen point. */
typedef struct kill_sink {
	out_writer *w;
	unsigned long long after;
} kill_sink;

static unsigned long long test_kill_after(void)
{
	const char *s = getenv("INCENTIVE_TEST_KILL_AFTER");
	return s && *s ? strtoull(s, NULL, 10) : 0;
}

static int kill_decision(void *ud, const inc_decision *d)
{
	kill_sink *k = ud;
	if (--k->after == 0)
		raise(SIGKILL);
	return k->w ? out_decision(k->w, d) : 0;
}

/* What the audit database recorded. */
static void audit_summary(const inc_run *r, const char *path)
{
	const inc_audit_run_info *a = inc_run_audit_info(r);

	if (!a)
		return;
	fprintf(stderr, "incentive: audit %s: run %lld recorded (%s", path, (long long)a->run,
		a->status);
	if (a->approval)
		fprintf(stderr, ", approval %lld", (long long)a->approval);
	if (a->period && strcmp(a->status, "final") == 0)
		fprintf(stderr, ", locks %s", a->period);
	fprintf(stderr, "): %llu events (%llu new, %llu already recorded), %llu rejected "
			"lines, %llu decisions\n",
		(unsigned long long)a->events, (unsigned long long)a->events_new,
		(unsigned long long)a->events_known, (unsigned long long)a->rejected,
		(unsigned long long)a->decisions);
	if (a->locked_by || a->adjustments)
		fprintf(stderr,
			"incentive: audit: %s was locked by final run %lld: %llu adjustment "
			"line%s (owed now minus already paid)\n",
			a->period ? a->period : "the period", (long long)a->locked_by,
			(unsigned long long)a->adjustments, a->adjustments == 1 ? "" : "s");
	fprintf(stderr, "incentive: audit: run hash %s\n", a->hash);
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
		{"threads", required_argument, NULL, 'T'},
		{"audit", required_argument, NULL, 'A'},
		{"final", no_argument, NULL, 'F'},
		{"state-in", required_argument, NULL, 'I'},
		{"state-out", required_argument, NULL, 'O'},
		{"rates", required_argument, NULL, 'X'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *audit_path = NULL;
	bool final = false, no_output = false;
	inc_audit *audit = NULL;
	char *command = NULL;
	const char *policy_path = NULL, *people = NULL, *quotas = NULL, *out_path = NULL;
	const char **events = NULL, **rates = NULL;
	size_t n_events = 0, n_rates = 0;
	inc_run_options ro = {0};
	out_format fmt = FMT_TABLE;
	bool quiet = false;
	int c, status = EXIT_INPUT;
	inc_policy *p = NULL;
	inc_run *r = NULL;
	out_writer *w = NULL;
	char *err = NULL;

	events = calloc((size_t)argc, sizeof *events);
	rates = calloc((size_t)argc, sizeof *rates);
	if (!events || !rates) {
		free(events);
		free(rates);
		return EXIT_INPUT;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': policy_path = optarg; break;
		case 'P': people = optarg; break;
		case 'Q': quotas = optarg; break;
		case 'e': events[n_events++] = optarg; break;
		case 'X': rates[n_rates++] = optarg; break;
		case 'r': ro.period = optarg; break;
		case 'o': out_path = optarg; break;
		case 's': ro.strict = 1; break;
		case 'q': quiet = true; break;
		case 'T':
			if (strcmp(optarg, "1") != 0 && strcmp(optarg, "auto") != 0) {
				cli_error("--threads must be 1 or auto, not '%s'", optarg);
				status = EXIT_USAGE;
				goto done;
			}
			ro.threads = strcmp(optarg, "1") == 0 ? 1 : 0;
			break;
		case 'A': audit_path = optarg; break;
		case 'F': final = true; break;
		case 'I': ro.state_in = optarg; break;
		case 'O': ro.state_out = optarg; break;
		case 'f':
			if (strcmp(optarg, "none") == 0) {
				no_output = true;
				fmt = FMT_CSV;
			} else if (parse_format(optarg, &fmt) != 0) {
				cli_error("--format must be table, csv, jsonl or peers, not '%s'", optarg);
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
	if (final && (!audit_path || !ro.period)) {
		cli_error("--final needs --audit FILE and --period P: a payout run is "
			  "recorded and pays one period");
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
	/* warnings that would not be printed need not be written */
	if (quiet)
		ro.omit |= INC_OMIT_WARNINGS;
	/* csv and table have no detail column: do not build it */
	if (fmt != FMT_JSONL)
		ro.omit |= INC_OMIT_DETAIL;
	if (fmt == FMT_PEERS) {
		/* money only, plus each person's period figures */
		ro.omit |= INC_OMIT_REASON;
		ro.period_figures = peers_figures;
		ro.period_figures_ud = &w; /* opened below */
	}
	rc = inc_run_create(&r, p, &ro, diag_print, &dp);
	if (rc == 0 && audit_path) {
		/* the record: opened before any input, committed by execute */
		if ((rc = inc_audit_open(&audit, audit_path, INC_AUDIT_WRITE, &err)) != 0) {
			cli_error("%s", err ? err : "cannot open the audit database");
			goto done;
		}
		command = cli_command_line("run", argc, argv);
		inc_audit_run_options ao = {.final = final, .command = command};
		if ((rc = inc_run_set_audit(r, audit, &ao)) != 0) {
			cli_error("%s", inc_run_errmsg(r));
			goto done;
		}
	}
	if (rc == 0)
		rc = inc_run_add_people(r, people);
	if (rc == 0 && quotas)
		rc = inc_run_add_quotas(r, quotas);
	for (size_t i = 0; rc == 0 && i < n_rates; i++)
		rc = inc_run_add_rates(r, rates[i]);
	for (size_t i = 0; rc == 0 && i < n_events; i++)
		rc = inc_run_add_events(r, events[i]);
	if (rc) {
		cli_error("%s", r ? inc_run_errmsg(r) : "out of memory");
		goto done;
	}
	if (!no_output && out_open(&w, fmt, out_path) != 0) {
		cli_error("cannot write %s: %s", out_path ? out_path : "a temporary file", strerror(errno));
		goto done;
	}
	kill_sink ks = {no_output ? NULL : w, test_kill_after()};
	rc = inc_run_execute(r, ks.after ? kill_decision : no_output ? NULL : out_decision,
			     ks.after ? (void *)&ks : (void *)w);
	if (rc) {
		const char *where = NULL, *why = out_failure(w, &where);
		if (why) /* "output failed" says only that the sink refused */
			cli_error("cannot write %s: %s", where, why);
		else
			cli_error("%s", inc_run_errmsg(r));
		out_discard(w);
		w = NULL;
		cli_error("nothing was written");
		goto done;
	}
	if (w && out_commit(w) != 0) {
		w = NULL;
		cli_error("cannot write %s: %s", out_path ? out_path : "standard output", strerror(errno));
		goto done;
	}
	w = NULL;
	if (!quiet)
		summary(p, r, policy_path);
	if (!quiet && audit)
		audit_summary(r, audit_path);
	status = EXIT_OK;
done:
	out_discard(w);
	inc_run_destroy(r);
	inc_audit_close(audit); /* after the run, which borrows it */
	inc_policy_destroy(p);
	free(command);
	free(err);
	free(events);
	free(rates);
	return status;
}
