/*
 * main.c: the `incentive` program: dispatches to one verb per file.
 * This is the only file that knows it is a program.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} verb;

static const verb verbs[] = {
	{"check", cmd_check, "validate a policy and report every problem"},
	{"run", cmd_run, "evaluate events under a policy and print the decisions"},
	{"test", cmd_test, "run the test cases written beside a policy"},
	{"init", cmd_init, "write a new starter policy with tests to a directory"},
	{"simulate", cmd_simulate, "price a policy or compare two; never touches a final record"},
	{"doc", cmd_doc, "render a policy as a handbook for staff (Markdown or HTML)"},
	{"explain", cmd_explain, "explain a recorded decision in words"},
	{"statement", cmd_statement, "a person's statement for a recorded run"},
	{"replay", cmd_replay, "re-evaluate a recorded run and compare, or price another policy"},
	{"verify", cmd_verify, "prove an audit database was not altered; print its head hash"},
	{"approve", cmd_approve, "record an approval of a policy's exact hash"},
};

/* Verbs of the product that this build does not have yet. */
static const char *const planned[] = {
	NULL, /* every verb of the product is in this build */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: incentive VERB [options]\n"
		"\n"
		"Turns a sales policy (YAML + Lua) into commissions, bonuses, SPIFFs\n"
		"and clawbacks, exact to the cent.\n"
		"\n"
		"verbs:\n");
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
		fprintf(f, "  %-9s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f,
		"\n"
		"`incentive VERB --help` describes a verb.  Exit status: 0 success,\n"
		"1 the input is wrong (the reason is printed), 2 usage error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
	    strcmp(name, "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(name, "--version") == 0) {
		printf("incentive %s\n", INC_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
		if (strcmp(name, verbs[i].name) == 0)
			return verbs[i].fn(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof planned / sizeof *planned; i++)
		if (planned[i] && strcmp(name, planned[i]) == 0) {
			cli_error("'%s' is not available in version %s yet", name, INC_VERSION);
			return EXIT_USAGE;
		}
	cli_error("unknown verb '%s' (try 'incentive --help')", name);
	return EXIT_USAGE;
}
