/*
 * date.h: civil dates as day numbers, and pay periods.
 *
 * A date is the number of days since 1970-01-01 in the proleptic Gregorian
 * calendar (int32_t).  Parsing is strict: YYYY-MM-DD, the day must exist.
 * A period is (kind, index): months are year*12+month-1, quarters
 * year*4+quarter-1, years the year itself.
 */
#ifndef INC_DATE_H
#define INC_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int32_t date_t;

typedef enum period_kind { PERIOD_MONTH = 0, PERIOD_QUARTER = 1, PERIOD_YEAR = 2 } period_kind;

/* Returns 0, or -1 when s is not an existing YYYY-MM-DD date (years 1..9999). */
int date_parse(date_t *out, const char *s, size_t n);
date_t date_from_ymd(int y, int m, int d); /* no validation */
void date_to_ymd(date_t d, int *y, int *m, int *day);
bool date_valid_ymd(int y, int m, int d);
int date_days_in_month(int y, int m);
/* Writes YYYY-MM-DD and a NUL; buf needs 11 bytes. */
void date_format(char buf[static 11], date_t d);

int32_t period_of(period_kind k, date_t d);
date_t period_start(period_kind k, int32_t p);
date_t period_end(period_kind k, int32_t p); /* last day, inclusive */
/* "2026-03", "2026-Q1", "2026"; buf needs 16 bytes. */
void period_format(char buf[static 16], period_kind k, int32_t p);
/* Parses a period written for kind k.  Returns 0 or -1. */
int period_parse(int32_t *out, period_kind k, const char *s, size_t n);
/* "month", "quarter", "year" -> kind. Returns 0 or -1. */
int period_kind_parse(period_kind *out, const char *s);
const char *period_kind_name(period_kind k);

#endif
