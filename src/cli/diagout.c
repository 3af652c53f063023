/*
 * diagout.c: how diagnostics look on a terminal.
 *
 *   rules/2026-01.yaml:12:3: unknown key 'rouding'
 *     hint: did you mean 'rounding'?
 *   fixtures/acme/events-bad.csv:7: warning: event dated after r07 left
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("incentive: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void diag_print(void *ud, const inc_diag *d)
{
	diag_printer *p = ud;

	if (d->severity == INC_SEV_WARNING) {
		p->warnings++;
		if (p->quiet_warnings)
			return;
	} else if (d->severity == INC_SEV_ERROR) {
		p->errors++;
	}
	if (d->file && d->line && d->column)
		fprintf(stderr, "%s:%u:%u: ", d->file, d->line, d->column);
	else if (d->file && d->line)
		fprintf(stderr, "%s:%u: ", d->file, d->line);
	else if (d->file)
		fprintf(stderr, "%s: ", d->file);
	else
		fputs("incentive: ", stderr);
	if (d->severity == INC_SEV_WARNING)
		fputs("warning: ", stderr);
	else if (d->severity == INC_SEV_NOTE)
		fputs("note: ", stderr);
	fprintf(stderr, "%s\n", d->message ? d->message : "");
	if (d->hint && *d->hint)
		fprintf(stderr, "  hint: %s\n", d->hint);
}
