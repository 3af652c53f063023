/*
 * date.c: civil dates as day numbers since 1970-01-01 (proleptic
 * Gregorian) and pay periods (months, quarters, years); see date.h.
 *
 * The conversions are Howard Hinnant's days_from_civil / civil_from_days,
 * computed in 64-bit so any int32 day number converts without overflow.
 * date_format writes years outside 0..9999 clamped to that range (only
 * dates outside what date_parse accepts can have them).
 */
#include "date.h"

#include <string.h>

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && is_leap(y))
		return 29;
	return dim[m - 1];
}

bool date_valid_ymd(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= date_days_in_month(y, m);
}

date_t date_from_ymd(int y, int m, int d)
{
	return (date_t)days_from_civil(y, m, d);
}

void date_to_ymd(date_t d, int *y, int *m, int *day)
{
	int64_t yy, mm, dd;

	civil_from_days(d, &yy, &mm, &dd);
	if (y)
		*y = (int)yy;
	if (m)
		*m = (int)mm;
	if (day)
		*day = (int)dd;
}

/* Parses exactly n decimal digits; returns -1 on any other byte. */
static int parse_digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int date_parse(date_t *out, const char *s, size_t n)
{
	int y, m, d;

	if (s == NULL || n != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = parse_digits(s, 4);
	m = parse_digits(s + 5, 2);
	d = parse_digits(s + 8, 2);
	if (y < 0 || m < 0 || d < 0 || !date_valid_ymd(y, m, d))
		return -1;
	*out = date_from_ymd(y, m, d);
	return 0;
}

static void put_digits(char *p, int v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void date_format(char buf[static 11], date_t d)
{
	int y, m, day;

	date_to_ymd(d, &y, &m, &day);
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	put_digits(buf, y, 4);
	buf[4] = '-';
	put_digits(buf + 5, m, 2);
	buf[7] = '-';
	put_digits(buf + 8, day, 2);
	buf[10] = '\0';
}

int32_t period_of(period_kind k, date_t d)
{
	int y, m, day;

	date_to_ymd(d, &y, &m, &day);
	switch (k) {
	case PERIOD_MONTH:
		return y * 12 + m - 1;
	case PERIOD_QUARTER:
		return y * 4 + (m - 1) / 3;
	case PERIOD_YEAR:
		return y;
	}
	return y;
}

date_t period_start(period_kind k, int32_t p)
{
	int64_t y;

	switch (k) {
	case PERIOD_MONTH:
		y = floor_div(p, 12);
		return (date_t)days_from_civil(y, p - y * 12 + 1, 1);
	case PERIOD_QUARTER:
		y = floor_div(p, 4);
		return (date_t)days_from_civil(y, (p - y * 4) * 3 + 1, 1);
	case PERIOD_YEAR:
		return (date_t)days_from_civil(p, 1, 1);
	}
	return (date_t)days_from_civil(p, 1, 1);
}

date_t period_end(period_kind k, int32_t p)
{
	/* The day before the next period starts; computed in 64 bits so the
	 * last representable period does not overflow p + 1. */
	int64_t y, next = (int64_t)p + 1;

	switch (k) {
	case PERIOD_MONTH:
		y = floor_div(next, 12);
		return (date_t)(days_from_civil(y, next - y * 12 + 1, 1) - 1);
	case PERIOD_QUARTER:
		y = floor_div(next, 4);
		return (date_t)(days_from_civil(y, (next - y * 4) * 3 + 1, 1) -
				1);
	case PERIOD_YEAR:
		return (date_t)(days_from_civil(next, 1, 1) - 1);
	}
	return (date_t)(days_from_civil(next, 1, 1) - 1);
}

void period_format(char buf[static 16], period_kind k, int32_t p)
{
	int64_t y;
	int sub = 0;

	switch (k) {
	case PERIOD_MONTH:
		y = floor_div(p, 12);
		sub = (int)(p - y * 12) + 1;
		break;
	case PERIOD_QUARTER:
		y = floor_div(p, 4);
		sub = (int)(p - y * 4) + 1;
		break;
	case PERIOD_YEAR:
	default:
		y = p;
		break;
	}
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	put_digits(buf, (int)y, 4);
	switch (k) {
	case PERIOD_MONTH:
		buf[4] = '-';
		put_digits(buf + 5, sub, 2);
		buf[7] = '\0';
		break;
	case PERIOD_QUARTER:
		buf[4] = '-';
		buf[5] = 'Q';
		buf[6] = (char)('0' + sub);
		buf[7] = '\0';
		break;
	case PERIOD_YEAR:
	default:
		buf[4] = '\0';
		break;
	}
}

int period_parse(int32_t *out, period_kind k, const char *s, size_t n)
{
	int y, sub;

	if (s == NULL || n < 4)
		return -1;
	y = parse_digits(s, 4);
	if (y < 1 || y > 9999)
		return -1;
	switch (k) {
	case PERIOD_MONTH:
		if (n != 7 || s[4] != '-')
			return -1;
		sub = parse_digits(s + 5, 2);
		if (sub < 1 || sub > 12)
			return -1;
		*out = y * 12 + sub - 1;
		return 0;
	case PERIOD_QUARTER:
		if (n != 7 || s[4] != '-' || (s[5] != 'Q' && s[5] != 'q'))
			return -1;
		sub = parse_digits(s + 6, 1);
		if (sub < 1 || sub > 4)
			return -1;
		*out = y * 4 + sub - 1;
		return 0;
	case PERIOD_YEAR:
		if (n != 4)
			return -1;
		*out = y;
		return 0;
	}
	return -1;
}

int period_kind_parse(period_kind *out, const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "month") == 0)
		*out = PERIOD_MONTH;
	else if (strcmp(s, "quarter") == 0)
		*out = PERIOD_QUARTER;
	else if (strcmp(s, "year") == 0)
		*out = PERIOD_YEAR;
	else
		return -1;
	return 0;
}

const char *period_kind_name(period_kind k)
{
	switch (k) {
	case PERIOD_MONTH:
		return "month";
	case PERIOD_QUARTER:
		return "quarter";
	case PERIOD_YEAR:
		return "year";
	}
	return "?";
}
