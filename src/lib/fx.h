/*
 * fx.h: exchange rates read from an input file, for events in another
 * currency than the person's pay currency.
 *
 * The file (CSV with a header, or JSON Lines) has the columns
 * date,from,to,rate: one unit of `from` is worth `rate` units of `to` on
 * `date`.  Rates are exact decimals (no binary floating point), greater
 * than zero.  Every bad line is reported as file:line: reason and counted;
 * the others are kept.  Lookups are by (from, to) and date: the rate of
 * that exact date, or (lookup: latest) the latest one on or before it.
 * A rate is never inverted or chained: the file gives each pair used.
 */
#ifndef INC_FX_H
#define INC_FX_H

#include "input.h"

typedef struct fx_rates fx_rates;

/* An empty table.  Returns 0 or INC_ERROR. */
int fx_create(fx_rates **out);
void fx_destroy(fx_rates *r);

/* Reads a rates file into r.  Returns 0, or INC_EINPUT when the file
 * cannot be used at all (message in ctx->errmsg).  Bad lines are reported
 * through ctx and counted in *rejected; accepted lines in *accepted. */
int fx_load(fx_rates *r, input_ctx *ctx, const char *path, uint64_t *accepted,
	    uint64_t *rejected);

/* The rate from -> to for date d: on d exactly, or with latest the most
 * recent one on or before d.  Returns true with *rate and *on (the date of
 * the rate used), false when there is none. */
bool fx_lookup(const fx_rates *r, const char *from, const char *to, date_t d,
	       bool latest, dec *rate, date_t *on);

/* Number of rates held. */
size_t fx_count(const fx_rates *r);

#endif
