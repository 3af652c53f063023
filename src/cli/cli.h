/*
 * cli.h: shared pieces of the `incentive` command line.  The CLI is a
 * client of include/incentive.h only.
 *
 * Exit statuses: 0 success, 1 the input is wrong (with the reason on
 * stderr), 2 usage errors.
 */
#ifndef INC_CLI_H
#define INC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "incentive.h"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2 };

/* Prints diagnostics to stderr as "file:line:col: message" with the hint
 * on the next line; counts errors and warnings. */
typedef struct diag_printer {
	unsigned long errors;
	unsigned long warnings;
	bool quiet_warnings;
} diag_printer;

void diag_print(void *ud, const inc_diag *d);

/* Output formats for decisions. */
/* FMT_PEERS: the output of the peer benchmark (bench/reference/): money per
 * event and per person, see output.c. */
typedef enum out_format { FMT_TABLE, FMT_CSV, FMT_JSONL, FMT_PEERS } out_format;
int parse_format(const char *s, out_format *out);

/* A decision writer that spools everything and only publishes on commit,
 * so a failed run never leaves partial results: --out FILE is written to a
 * temporary file beside it and renamed; stdout is written at commit. */
typedef struct out_writer out_writer;
int out_open(out_writer **out, out_format fmt, const char *path);
int out_decision(void *ud, const inc_decision *d);
/* FMT_PEERS: the per-person part (inc_run_options.period_figures). */
int out_period_figures(void *ud, const inc_period_figures *f);
int out_commit(out_writer *w);		/* publishes; 0 or -1 (errno) */
void out_discard(out_writer *w);	/* drops everything; frees */
/* Why writing the decisions failed during the run (NULL: it did not);
 * *where: the output file, or "a temporary file" (stdout is spooled). */
const char *out_failure(const out_writer *w, const char **where);

/* Verbs. argv[0] is the verb name. */
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_init(int argc, char **argv);
/* Simulations and the handbook (cmd_simulate.c, cmd_doc.c). */
int cmd_simulate(int argc, char **argv);
int cmd_doc(int argc, char **argv);

/* A file built into the program by tools/embed_files.py: the starter
 * policy that `incentive init` writes (src/cli/starter/). */
typedef struct embedded_file {
	const char *path; /* relative, '/'-separated */
	const char *bytes;
	size_t len;
} embedded_file;
extern const embedded_file starter_files[];
extern const size_t n_starter_files;

/* Verbs of the audit trail (cmd_verify.c ... cmd_approve.c). */
int cmd_verify(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_statement(int argc, char **argv);
int cmd_approve(int argc, char **argv);

/* cli_audit.c: "incentive VERB arg ..." with shell quoting where needed,
 * for the record (malloc'd; NULL when out of memory). */
char *cli_command_line(const char *verb, int argc, char **argv);
/* Parses a run number ("3"); 0 for "latest" or NULL; -1 when bad. */
long long cli_run_number(const char *s);

/* Prints "incentive: " + message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
