/*
 * svg.h: charts as inline SVG, for HTML reports, handbooks and statements.
 *
 * The charts are drawn by our own code (no scripts, no fonts to fetch):
 * a line chart (payout curves), horizontal grouped bars (cost per team,
 * winners and losers) and a histogram (Monte Carlo cost).  Axes carry
 * labels with their units; series differ in colour and in dash pattern so
 * they stay apart when printed in black and white.
 *
 * Positions are computed in double: a chart only places marks.  Every
 * figure a reader is meant to read is printed from the exact decimal text
 * in the tables next to it.
 */
#ifndef INC_SVG_H
#define INC_SVG_H

#include <stddef.h>
#include <stdio.h>

typedef struct svg_chart {
	const char *title;	/* drawn above the plot, may be NULL */
	const char *x_label;	/* with units: "attainment (% of quota)" */
	const char *y_label;	/* "payout (USD)" */
	size_t n;		/* points, categories or bins */
	const double *x;	/* line: the x of each point; histogram: n+1 edges */
	const char *const *cats; /* bars: the label of each category */
	size_t n_series;	/* 1..4 */
	const char *const *series; /* names, for the legend */
	const double *const *y;	/* n_series arrays of n values */
	int x_percent;		/* x ticks with a % sign */
	int width;		/* 0: 900 */
} svg_chart;

/* Writes one <svg> element (class "chart"). */
void svg_line(FILE *f, const svg_chart *c);
void svg_bars(FILE *f, const svg_chart *c);
void svg_histogram(FILE *f, const svg_chart *c);

/* Writes s with &, <, >, " escaped. */
void svg_escape(FILE *f, const char *s);

/* Colour of series i ("#1f5fa8", ...). */
const char *svg_color(size_t i);

#endif
