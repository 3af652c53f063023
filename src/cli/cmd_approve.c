/*
 * cmd_approve.c: `incentive approve`: records in the audit database that
 * someone approved a policy's exact hash, so that `run --final` may pay
 * from it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void approve_usage(FILE *f)
{
	fprintf(f,
		"usage: incentive approve --audit FILE --policy POLICY --by "
		"NAME [--note TEXT]\n"
		"\n"
		"Checks the policy, stores its exact files in the audit "
		"database and\n"
		"records an approval of its hash by NAME.  A final run (run "
		"--final)\n"
		"pays only from an approved hash; any change to any policy "
		"file changes\n"
		"the hash and needs a new approval.\n"
		"\n"
		"options:\n"
		"  --audit FILE     the audit database (created when missing)\n"
		"  --policy DIR     the policy approved\n"
		"  --by NAME        who approves\n"
		"  --note TEXT      why, or a reference (ticket, minutes)\n"
		"\n"
		"Exit status: 0 recorded, 1 bad policy or database (reason on "
		"stderr), 2 usage.\n");
}

int cmd_approve(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"audit", required_argument, NULL, 'A'},
	    {"policy", required_argument, NULL, 'p'},
	    {"by", required_argument, NULL, 'b'},
	    {"note", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL, *policy = NULL, *by = NULL, *note = NULL;
	inc_audit *a = NULL;
	inc_policy *p = NULL;
	char *err = NULL;
	int64_t num = 0;
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
		case 'b':
			by = optarg;
			break;
		case 'n':
			note = optarg;
			break;
		case 'h':
			approve_usage(stdout);
			return EXIT_OK;
		default:
			approve_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (!path || !policy || !by || !*by) {
		cli_error("approve needs --audit, --policy and --by (see "
			  "'incentive approve --help')");
		return EXIT_USAGE;
	}
	diag_printer dp = {0};
	rc = inc_policy_load(&p, policy, diag_print, &dp, &err);
	if (rc) {
		if (rc == INC_EPOLICY)
			cli_error("%s: %lu error%s in the policy; nothing was "
				  "approved",
				  policy, dp.errors, dp.errors == 1 ? "" : "s");
		else
			cli_error("%s", err ? err : "cannot load the policy");
		goto done;
	}
	free(err);
	err = NULL;
	if ((rc = inc_audit_open(&a, path, INC_AUDIT_WRITE, &err)) != 0) {
		cli_error("%s", err ? err : "cannot open the audit database");
		goto done;
	}
	if ((rc = inc_audit_approve(a, p, by, note, &num)) != 0) {
		cli_error("%s", inc_audit_errmsg(a));
		goto done;
	}
	printf("approval %lld: policy %s (%s, %zu version%s) approved by %s\n",
	       (long long)num, inc_policy_hash(p), policy,
	       inc_policy_version_count(p),
	       inc_policy_version_count(p) == 1 ? "" : "s", by);
	status = EXIT_OK;
done:
	inc_audit_close(a);
	inc_policy_destroy(p);
	free(err);
	return status;
}
