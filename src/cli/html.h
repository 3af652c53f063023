/*
 * html.h: self-contained HTML documents with one shared look, for the
 * simulation report (`simulate --report`), the handbook (`doc --format
 * html`) and statements: one file, its CSS inline, no scripts, no fonts
 * or images fetched from anywhere, readable on screen and in print.
 *
 * Usage: html_begin, then headings, paragraphs, tables (any inc_table:
 * build one over your own arrays of strings) and figures (an SVG chart
 * from svg.h between html_figure_begin and html_figure_end), then
 * html_end.  Everything written is escaped here.
 */
#ifndef INC_HTML_H
#define INC_HTML_H

#include <stdio.h>

#include "incentive.h"

/* The stylesheet every document embeds. */
const char *html_css(void);

/* <!doctype html> ... <body>, an <h1> title and, when not NULL, a
 * subtitle line under it. */
void html_begin(FILE *f, const char *title, const char *subtitle);
/* A footer line (may be NULL) and the closing tags. */
void html_end(FILE *f, const char *footer);

/* Text with &, <, >, " and ' escaped. */
void html_escape(FILE *f, const char *s);
/* <hN id="anchor"> (level 1..4; anchor may be NULL or ""). */
void html_heading(FILE *f, int level, const char *text, const char *anchor);
/* <p class="cls"> (cls may be NULL): "note" is small print. */
void html_para(FILE *f, const char *cls, const char *text);
/* One <li>; html_list_begin/end around a run of them. */
void html_list_begin(FILE *f);
void html_item(FILE *f, const char *text);
void html_list_end(FILE *f);
/* A table: the title as <h3> when with_title, the note as small print,
 * numbers right-aligned and grouped, negative amounts marked. */
void html_table(FILE *f, const inc_table *t, int with_title);
/* Two columns of label: value rows, from a NULL-terminated list of pairs. */
void html_kv(FILE *f, const char *const *pairs);
void html_figure_begin(FILE *f);
void html_figure_end(FILE *f, const char *caption);

#endif
