/*
 * cmd_explain.c: `incentive explain`: one recorded decision's derivation
 * in words (the rule and where it is written, the events, the figures,
 * the rounding).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void explain_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: incentive explain --audit FILE [--run RUN] DECISION\n"
	    "\n"
	    "Explains decision DECISION (an id like D000123, or RUN:D000123) "
	    "of a\n"
	    "recorded run (default: the latest): the rule and its policy "
	    "version,\n"
	    "where the rule is written (file and line in the policy snapshot), "
	    "the\n"
	    "events it came from with their stored fields, the tier and rate, "
	    "the\n"
	    "period-to-date figures and attainment, and the rounding applied.\n"
	    "\n"
	    "options:\n"
	    "  --audit FILE   the audit database\n"
	    "  --run RUN      the run (default: the latest)\n"
	    "\n"
	    "Exit status: 0 explained, 1 no such decision or a bad database, 2 "
	    "usage.\n");
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"audit", required_argument, NULL, 'A'},
	    {"run", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL, *run_arg = NULL;
	char decision[64];
	inc_audit *a = NULL;
	char *err = NULL, *text = NULL;
	long long run = 0;
	int c, rc, status = EXIT_INPUT;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'A':
			path = optarg;
			break;
		case 'r':
			run_arg = optarg;
			break;
		case 'h':
			explain_usage(stdout);
			return EXIT_OK;
		default:
			explain_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!path || optind + 1 != argc) {
		cli_error("explain needs --audit FILE and one DECISION (see "
			  "'incentive explain --help')");
		return EXIT_USAGE;
	}
	const char *arg = argv[optind], *colon = strchr(arg, ':');
	if (colon) {
		char num[32];
		snprintf(num, sizeof num, "%.*s", (int)(colon - arg), arg);
		run = cli_run_number(num);
		arg = colon + 1;
	} else {
		run = cli_run_number(run_arg);
	}
	if (run < 0 || !*arg || strlen(arg) >= sizeof decision) {
		cli_error("DECISION is like D000123 or 3:D000123, and RUN a "
			  "run number");
		return EXIT_USAGE;
	}
	snprintf(decision, sizeof decision, "%s", arg);
	if ((rc = inc_audit_open(&a, path, INC_AUDIT_READ, &err)) != 0) {
		cli_error("%s", err ? err : "cannot open the audit database");
		goto done;
	}
	if ((rc = inc_audit_explain(&text, a, run, decision)) != 0) {
		cli_error("%s", inc_audit_errmsg(a));
		goto done;
	}
	fputs(text, stdout);
	status = EXIT_OK;
done:
	inc_audit_close(a);
	free(text);
	free(err);
	return status;
}
