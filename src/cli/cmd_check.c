/*
 * cmd_check.c: `incentive check POLICY`: load and validate a policy,
 * report every problem as file:line:column, exit 0 when clean.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void check_usage(FILE *f)
{
	fprintf(f,
		"usage: incentive check POLICY\n"
		"\n"
		"Validates a policy (a directory of versions, or one YAML file) and its\n"
		"Lua scripts without running anything.  Every problem is printed as\n"
		"file:line:column: message, with a hint where one helps.\n"
		"Exit status: 0 clean, 1 problems found, 2 usage error.\n");
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			check_usage(stdout);
			return EXIT_OK;
		}
		check_usage(stderr);
		return EXIT_USAGE;
	}
	if (optind + 1 != argc) {
		check_usage(stderr);
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	diag_printer dp = {0};
	inc_policy *p = NULL;
	char *err = NULL;
	int rc = inc_policy_load(&p, path, diag_print, &dp, &err);
	if (rc == INC_EPOLICY) {
		fprintf(stderr, "%s: %lu error%s\n", path, dp.errors, dp.errors == 1 ? "" : "s");
		return EXIT_INPUT;
	}
	if (rc) {
		cli_error("%s", err ? err : "cannot load the policy");
		free(err);
		return EXIT_INPUT;
	}
	printf("%s: ok, %zu version%s, sha256 %s\n", path, inc_policy_version_count(p),
	       inc_policy_version_count(p) == 1 ? "" : "s", inc_policy_hash(p));
	for (size_t i = 0; i < inc_policy_version_count(p); i++)
		printf("  %s\n", inc_policy_version_label(p, i));
	inc_policy_destroy(p);
	return EXIT_OK;
}
