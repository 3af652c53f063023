/*
 * cmd_replay.c: `incentive replay`: re-evaluates a recorded run from the
 * audit database alone and says whether every decision comes out the same
 * to the byte; with --policy, shows what another policy would have paid
 * on the same events, per person and in total.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void replay_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: incentive replay --audit FILE [RUN] [--policy POLICY] "
	    "[options]\n"
	    "\n"
	    "Re-evaluates run RUN (default: the latest) from the database "
	    "alone:\n"
	    "its policy snapshot, its stored people and quota files and its "
	    "stored\n"
	    "events (the original files are not needed), then compares every\n"
	    "decision with the record, column by column.  Prints "
	    "\"identical\"\n"
	    "when all match to the byte, else the differences.\n"
	    "\n"
	    "With --policy, evaluates the same events under another policy "
	    "and\n"
	    "shows what each person would have been paid, and the total.\n"
	    "\n"
	    "options:\n"
	    "  --audit FILE        the audit database\n"
	    "  --policy POLICY     replay under this policy instead (\"what "
	    "if\")\n"
	    "  --format F          table (default) or csv, for the per-person "
	    "changes\n"
	    "  --all               with --policy: list unchanged people too\n"
	    "  --quiet             no warnings about input lines\n"
	    "\n"
	    "Exit status: 0 identical (or --policy shown), 1 differences or a "
	    "bad\n"
	    "database (reason on stderr), 2 usage.\n");
}

static void quiet_diag(void *ud, const inc_diag *d)
{
	diag_printer *p = ud;
	if (d->severity == INC_SEV_ERROR)
		p->errors++;
	else if (d->severity == INC_SEV_WARNING)
		p->warnings++;
}

static void show_value(const char *s)
{
	if (!s) {
		fputs("(none)", stdout);
		return;
	}
	if (strlen(s) > 200)
		printf("%.200s...", s);
	else
		fputs(s, stdout);
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"audit", required_argument, NULL, 'A'},
	    {"policy", required_argument, NULL, 'p'},
	    {"format", required_argument, NULL, 'f'},
	    {"all", no_argument, NULL, 'a'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL, *policy = NULL, *format = "table";
	bool quiet = false, all = false;
	long long run = 0;
	inc_audit *a = NULL;
	inc_policy *p = NULL;
	inc_replay *rp = NULL;
	char *err = NULL;
	int c, rc, status = EXIT_INPUT;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'A':
			path = optarg;
			break;
		case 'p':
			policy = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			replay_usage(stdout);
			return EXIT_OK;
		default:
			replay_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		run = cli_run_number(argv[optind++]);
		if (run < 0) {
			cli_error("RUN must be a run number like 3, not '%s'",
				  argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !path) {
		cli_error(optind != argc ? "unexpected argument '%s'"
					 : "replay needs --audit FILE%s",
			  optind != argc ? argv[optind] : "");
		return EXIT_USAGE;
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "csv") != 0) {
		cli_error("--format must be table or csv, not '%s'", format);
		return EXIT_USAGE;
	}
	diag_printer dp = {.quiet_warnings = quiet};
	if (policy) {
		rc = inc_policy_load(&p, policy, diag_print, &dp, &err);
		if (rc) {
			if (rc == INC_EPOLICY)
				cli_error("%s: %lu error%s in the policy",
					  policy, dp.errors,
					  dp.errors == 1 ? "" : "s");
			else
				cli_error("%s",
					  err ? err : "cannot load the policy");
			goto done;
		}
	}
	if ((rc = inc_audit_open(&a, path, INC_AUDIT_READ, &err)) != 0) {
		cli_error("%s", err ? err : "cannot open the audit database");
		goto done;
	}
	/* what the replay rejects is shown for a "what if"; for a replay of
	 * the recorded policy the record already has it */
	rc = inc_audit_replay(&rp, a, run, p,
			      policy && !quiet ? diag_print : quiet_diag, &dp,
			      &err);
	if (rc) {
		cli_error("%s", err ? err : "replay failed");
		goto done;
	}
	const inc_replay_summary *s = inc_replay_get_summary(rp);
	inc_replay_diff d;
	inc_replay_change ch;
	if (!policy) {
		printf("replay of run %lld (policy %.12s): %llu decisions "
		       "recorded, %llu replayed\n",
		       (long long)s->run, s->policy,
		       (unsigned long long)s->recorded,
		       (unsigned long long)s->replayed);
		if (s->identical) {
			printf("identical: every decision matches the record "
			       "byte for byte\n");
			status = EXIT_OK;
			goto done;
		}
		printf("DIFFERENT: %llu decision%s differ\n",
		       (unsigned long long)s->differing,
		       s->differing == 1 ? "" : "s");
		for (size_t i = 0; inc_replay_diff_at(rp, i, &d) == 0; i++) {
			printf("%s %s: recorded ",
			       d.decision ? d.decision : "?", d.column);
			show_value(d.recorded);
			fputs(", replayed ", stdout);
			show_value(d.replayed);
			fputc('\n', stdout);
		}
		cli_error("replay of run %lld differs from the record",
			  (long long)s->run);
		goto done;
	}
	printf("run %lld replayed under %s (policy %.12s) instead of the "
	       "recorded policy: "
	       "%llu decisions recorded, %llu replayed, %llu differ\n",
	       (long long)s->run, policy, s->policy,
	       (unsigned long long)s->recorded, (unsigned long long)s->replayed,
	       (unsigned long long)s->differing);
	bool csv = strcmp(format, "csv") == 0;
	size_t unchanged = 0;
	if (csv)
		printf("person,currency,recorded,replayed,change\n");
	else
		printf("%-12s %-8s %16s %16s %16s\n", "person", "currency",
		       "recorded", "replayed", "change");
	for (size_t i = 0; inc_replay_change_at(rp, i, &ch) == 0; i++) {
		bool zero = strspn(ch.change, "-0.") == strlen(ch.change);
		if (ch.person && zero && !all) {
			unchanged++;
			continue;
		}
		const char *who = ch.person ? ch.person : "TOTAL";
		char signed_change[80];
		snprintf(signed_change, sizeof signed_change, "%s%s",
			 !zero && ch.change[0] != '-' ? "+" : "", ch.change);
		if (csv)
			printf("%s,%s,%s,%s,%s\n", who, ch.currency,
			       ch.recorded, ch.replayed, signed_change);
		else
			printf("%-12s %-8s %16s %16s %16s\n", who, ch.currency,
			       ch.recorded, ch.replayed, signed_change);
	}
	if (unchanged && !csv)
		printf("(%zu %s unchanged; --all lists them)\n", unchanged,
		       unchanged == 1 ? "person" : "people");
	status = EXIT_OK;
done:
	inc_replay_destroy(rp);
	inc_audit_close(a);
	inc_policy_destroy(p);
	free(err);
	return status;
}
