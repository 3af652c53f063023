/*
 * cmd_verify.c: `incentive verify`: proves that an audit database was not
 * altered (hash chains, content hashes, schema, integrity_check) and
 * prints its head hash, which an auditor can write down and check later
 * with --expect-head.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void verify_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: incentive verify --audit FILE [--expect-head HASH] "
	    "[--quiet]\n"
	    "\n"
	    "Recomputes every hash chain of the audit database (the ledger of "
	    "runs,\n"
	    "approvals and simulations, events, rejected lines, decisions), "
	    "every\n"
	    "stored file against its SHA-256 and every policy snapshot against "
	    "its\n"
	    "hash, checks "
	    "the schema and its append-only triggers and runs PRAGMA\n"
	    "integrity_check.  Reports the first row of each chain where "
	    "anything\n"
	    "was changed, deleted, inserted or reordered, and prints the head "
	    "hash.\n"
	    "\n"
	    "options:\n"
	    "  --audit FILE        the audit database\n"
	    "  --expect-head HASH  also check that the ledger holds this head "
	    "hash\n"
	    "                      (one printed by an earlier verify or run)\n"
	    "  --quiet             print only problems and the head\n"
	    "\n"
	    "Exit status: 0 verified, 1 altered or unreadable (reason on "
	    "stderr), 2 usage.\n");
}

static void on_finding(void *ud, const inc_audit_finding *f)
{
	(void)ud;
	printf("%s: %s\n", f->kind, f->message);
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"audit", required_argument, NULL, 'A'},
	    {"expect-head", required_argument, NULL, 'H'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL, *expect = NULL;
	bool quiet = false;
	inc_audit *a = NULL;
	inc_audit_verify_summary sum;
	char *err = NULL;
	int c, rc, status = EXIT_INPUT;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'A':
			path = optarg;
			break;
		case 'H':
			expect = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			verify_usage(stdout);
			return EXIT_OK;
		default:
			verify_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !path) {
		cli_error(optind != argc ? "unexpected argument '%s'"
					 : "verify needs --audit FILE%s",
			  optind != argc ? argv[optind] : "");
		return EXIT_USAGE;
	}
	if ((rc = inc_audit_open(&a, path, INC_AUDIT_READ, &err)) != 0) {
		cli_error("%s", err ? err : "cannot open the audit database");
		free(err);
		return EXIT_INPUT;
	}
	rc = inc_audit_verify(&sum, a, expect, on_finding, NULL);
	if (rc == INC_ERROR || rc == INC_EINPUT) {
		cli_error("%s", inc_audit_errmsg(a));
		goto done;
	}
	if (!quiet) {
		printf("%s: %llu run%s, %llu approval%s, %llu events, %llu "
		       "rejected lines, "
		       "%llu decisions, %llu stored files, %llu policy "
		       "snapshots, %llu simulation%s\n",
		       path, (unsigned long long)sum.runs,
		       sum.runs == 1 ? "" : "s",
		       (unsigned long long)sum.approvals,
		       sum.approvals == 1 ? "" : "s",
		       (unsigned long long)sum.events,
		       (unsigned long long)sum.rejects,
		       (unsigned long long)sum.decisions,
		       (unsigned long long)sum.blobs,
		       (unsigned long long)sum.policies,
		       (unsigned long long)sum.simulations,
		       sum.simulations == 1 ? "" : "s");
	}
	if (expect && sum.head_found)
		printf("expected head %.16s... is in the ledger\n", expect);
	printf("head %s\n", sum.head[0] ? sum.head : "(empty ledger)");
	if (rc == 0) {
		if (!quiet)
			printf("verified: every chain, file and snapshot "
			       "matches its hash\n");
		status = EXIT_OK;
	} else {
		printf("NOT VERIFIED: %llu problem%s\n",
		       (unsigned long long)sum.problems,
		       sum.problems == 1 ? "" : "s");
		cli_error("%s: the audit database was altered (%llu problem%s)",
			  path, (unsigned long long)sum.problems,
			  sum.problems == 1 ? "" : "s");
	}
done:
	inc_audit_close(a);
	return status;
}
