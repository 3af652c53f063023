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
typedef enum out_format { FMT_TABLE, FMT_CSV, FMT_JSONL } out_format;
int parse_format(const char *s, out_format *out);

/* A decision writer that spools everything and only publishes on commit,
 * so a failed run never leaves partial results: --out FILE is written to a
 * temporary file beside it and renamed; stdout is written at commit. */
typedef struct out_writer out_writer;
int out_open(out_writer **out, out_format fmt, const char *path);
int out_decision(void *ud, const inc_decision *d);
int out_commit(out_writer *w);		/* publishes; 0 or -1 (errno) */
void out_discard(out_writer *w);	/* drops everything; frees */

/* Verbs. argv[0] is the verb name. */
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* Prints "incentive: " + message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
