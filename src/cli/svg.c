/*
 * svg.c: charts as inline SVG (see svg.h).
 */
#include "svg.h"

#include <math.h>
#include <string.h>

#include "tabout.h"

static const char *const colors[] = {"#1f5fa8", "#c2540a", "#2e8540", "#7b3fa0"};
static const char *const dashes[] = {"", "7 4", "2 3", "10 3 2 3"};

const char *svg_color(size_t i)
{
	return colors[i % 4];
}

void svg_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* ---- scales ------------------------------------------------------------- */

/* Doubles here and below are chart coordinates and tick positions only:
 * no amount or rate is computed in this file.  The values plotted come
 * from the tables' exact decimal text (cmd_simulate.c, num()), and every
 * figure a reader reads is printed from that text, not from these. */

typedef struct scale {
	double lo, hi, step;
	int decimals;
} scale;

/* A round step (1, 2, 2.5 or 5 times a power of ten) giving about
 * `ticks` intervals over [lo, hi], and the range widened to whole steps. */
static scale nice_scale(double lo, double hi, int ticks)
{
	scale s;
	double span, raw, p, m;

	if (!(hi > lo)) {
		if (hi == 0) {
			hi = 1;
		} else {
			double pad = fabs(hi) * 0.1;
			lo -= pad;
			hi += pad;
		}
		if (lo > 0)
			lo = 0;
	}
	span = hi - lo;
	raw = span / ticks;
	p = pow(10, floor(log10(raw)));
	m = raw / p;
	s.step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
	s.lo = floor(lo / s.step + 1e-9) * s.step;
	s.hi = ceil(hi / s.step - 1e-9) * s.step;
	s.decimals = 0;
	for (double st = s.step; s.decimals < 6 && fabs(st - round(st)) > 1e-9; st *= 10)
		s.decimals++;
	return s;
}

static void tick_text(char *buf, size_t cap, double v, int decimals, int percent)
{
	char raw[64];

	if (fabs(v) < 1e-12)
		v = 0;
	snprintf(raw, sizeof raw, "%.*f", decimals, v);
	num_group(buf, cap - 1, raw);
	if (percent)
		strncat(buf, "%", cap - strlen(buf) - 1);
}

static double text_width(const char *s, double px)
{
	return (double)strlen(s) * px * 0.6;
}

static void text(FILE *f, double x, double y, const char *anchor, const char *cls, const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">", x, y, anchor, cls);
	svg_escape(f, s);
	fputs("</text>\n", f);
}

static void begin(FILE *f, const svg_chart *c, int w, int h)
{
	fprintf(f,
		"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		"width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"",
		w, h, w, h);
	svg_escape(f, c->title ? c->title : c->y_label);
	fputs("\">\n", f);
	fputs("<style>text{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;fill:#1a1a1a}"
	      ".t{font-size:15px;font-weight:bold}.l{font-size:13px}.k{font-size:12px;fill:#444}"
	      ".v{font-size:11px;fill:#333}</style>\n",
	      f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w, h);
	if (c->title)
		text(f, 8, 20, "start", "t", c->title);
}

static void legend(FILE *f, const svg_chart *c, double right, double y, int lines)
{
	double x = right;

	if (c->n_series < 2)
		return;
	for (size_t i = c->n_series; i-- > 0;) {
		const char *name = c->series[i] ? c->series[i] : "";
		x -= text_width(name, 12) + 40;
		if (lines)
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
				   "stroke-width=\"3\" stroke-dasharray=\"%s\"/>\n",
				x, y - 4, x + 24, y - 4, svg_color(i), dashes[i % 4]);
		else
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"%s\"/>\n",
				x + 6, y - 10, svg_color(i));
		text(f, x + 30, y, "start", "k", name);
	}
}

/* y axis on the left of a plot [px0, px1] x [py0, py1], with grid lines */
static void y_axis(FILE *f, const scale *ys, double px0, double px1, double py0, double py1,
		   const char *label)
{
	char b[64];

	for (double v = ys->lo; v <= ys->hi + ys->step * 1e-6; v += ys->step) {
		double y = py1 - (v - ys->lo) / (ys->hi - ys->lo) * (py1 - py0);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>\n",
			px0, y, px1, y, fabs(v) < 1e-12 ? "#666666" : "#e3e3e3");
		tick_text(b, sizeof b, v, ys->decimals, 0);
		text(f, px0 - 6, y + 4, "end", "k", b);
	}
	fprintf(f, "<text transform=\"translate(16,%.1f) rotate(-90)\" text-anchor=\"middle\" class=\"l\">",
		(py0 + py1) / 2);
	svg_escape(f, label);
	fputs("</text>\n", f);
}

static double y_label_room(const scale *ys)
{
	char b[64];
	double w = 0;

	for (double v = ys->lo; v <= ys->hi + ys->step * 1e-6; v += ys->step) {
		tick_text(b, sizeof b, v, ys->decimals, 0);
		if (text_width(b, 12) > w)
			w = text_width(b, 12);
	}
	return w + 40;
}

/* ---- line chart ------------------------------------------------------------ */

void svg_line(FILE *f, const svg_chart *c)
{
	int w = c->width ? c->width : 900, h = 420;
	double xmin = 0, xmax = 1, ymin = 0, ymax = 0;
	char b[64];

	if (c->n == 0)
		return;
	xmin = xmax = c->x[0];
	for (size_t i = 0; i < c->n; i++) {
		if (c->x[i] < xmin)
			xmin = c->x[i];
		if (c->x[i] > xmax)
			xmax = c->x[i];
		for (size_t s = 0; s < c->n_series; s++) {
			if (c->y[s][i] < ymin)
				ymin = c->y[s][i];
			if (c->y[s][i] > ymax)
				ymax = c->y[s][i];
		}
	}
	scale xs = nice_scale(xmin, xmax, 10), ys = nice_scale(ymin, ymax, 6);
	double px0 = y_label_room(&ys), px1 = w - 24, py0 = 44, py1 = h - 58;

	begin(f, c, w, h);
	legend(f, c, px1, 20, 1);
	y_axis(f, &ys, px0, px1, py0, py1, c->y_label);
	for (double v = xs.lo; v <= xs.hi + xs.step * 1e-6; v += xs.step) {
		double x = px0 + (v - xs.lo) / (xs.hi - xs.lo) * (px1 - px0);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eeeeee\"/>\n",
			x, py0, x, py1);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#666666\"/>\n",
			x, py1, x, py1 + 5);
		tick_text(b, sizeof b, v, xs.decimals, c->x_percent);
		text(f, x, py1 + 19, "middle", "k", b);
	}
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#666666\"/>\n",
		px0, py1, px1, py1);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#666666\"/>\n",
		px0, py0, px0, py1);
	text(f, (px0 + px1) / 2, h - 14, "middle", "l", c->x_label);
	for (size_t s = 0; s < c->n_series; s++) {
		fprintf(f, "<polyline class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
			   "stroke-linejoin=\"round\" stroke-dasharray=\"%s\" points=\"",
			svg_color(s), dashes[s % 4]);
		for (size_t i = 0; i < c->n; i++) {
			double x = px0 + (c->x[i] - xs.lo) / (xs.hi - xs.lo) * (px1 - px0);
			double y = py1 - (c->y[s][i] - ys.lo) / (ys.hi - ys.lo) * (py1 - py0);
			fprintf(f, "%s%.1f,%.1f", i ? " " : "", x, y);
		}
		fputs("\"/>\n", f);
		if (s == 0 && c->n <= 60)
			for (size_t i = 0; i < c->n; i++) {
				double x = px0 + (c->x[i] - xs.lo) / (xs.hi - xs.lo) * (px1 - px0);
				double y = py1 - (c->y[s][i] - ys.lo) / (ys.hi - ys.lo) * (py1 - py0);
				fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"%s\"/>\n", x, y,
					svg_color(s));
			}
	}
	fputs("</svg>\n", f);
}

/* ---- horizontal bars -------------------------------------------------------- */

void svg_bars(FILE *f, const svg_chart *c)
{
	int w = c->width ? c->width : 900;
	double vmin = 0, vmax = 0, label_w = 0;
	char b[64];

	if (c->n == 0)
		return;
	for (size_t i = 0; i < c->n; i++) {
		if (text_width(c->cats[i], 12) > label_w)
			label_w = text_width(c->cats[i], 12);
		for (size_t s = 0; s < c->n_series; s++) {
			if (c->y[s][i] < vmin)
				vmin = c->y[s][i];
			if (c->y[s][i] > vmax)
				vmax = c->y[s][i];
		}
	}
	if (label_w > 260)
		label_w = 260;
	scale xs = nice_scale(vmin, vmax, 6);
	double bar = 15, gap = 12, group = bar * (double)c->n_series + gap;
	double py0 = 46, py1 = py0 + group * (double)c->n;
	int h = (int)(py1 + 58);
	double px0 = label_w + 24, px1 = w - 90;
	double zero = px0 + (0 - xs.lo) / (xs.hi - xs.lo) * (px1 - px0);

	begin(f, c, w, h);
	legend(f, c, w - 24, 20, 0);
	for (double v = xs.lo; v <= xs.hi + xs.step * 1e-6; v += xs.step) {
		double x = px0 + (v - xs.lo) / (xs.hi - xs.lo) * (px1 - px0);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>\n",
			x, py0, x, py1);
		tick_text(b, sizeof b, v, xs.decimals, 0);
		text(f, x, py1 + 18, "middle", "k", b);
	}
	for (size_t i = 0; i < c->n; i++) {
		double gy = py0 + group * (double)i + gap / 2;
		text(f, px0 - 8, gy + bar * (double)c->n_series / 2 + 4, "end", "k", c->cats[i]);
		for (size_t s = 0; s < c->n_series; s++) {
			double v = c->y[s][i];
			double x = px0 + (v - xs.lo) / (xs.hi - xs.lo) * (px1 - px0);
			double x0 = v < 0 ? x : zero, bw = fabs(x - zero);
			double y = gy + bar * (double)s;
			fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				   "fill=\"%s\"%s/>\n",
				x0, y, bw, bar - 2, svg_color(s),
				s == 1 ? " fill-opacity=\"0.85\"" : "");
			snprintf(b, sizeof b, "%.2f", v);
			char g[64];
			num_group(g, sizeof g, b);
			text(f, v < 0 ? x0 - 4 : x0 + bw + 4, y + bar - 5, v < 0 ? "end" : "start", "v", g);
		}
	}
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444444\"/>\n",
		zero, py0, zero, py1);
	text(f, (px0 + px1) / 2, h - 14, "middle", "l", c->x_label);
	fputs("</svg>\n", f);
}

/* ---- histogram ---------------------------------------------------------------- */

void svg_histogram(FILE *f, const svg_chart *c)
{
	int w = c->width ? c->width : 900, h = 400;
	double ymax = 0;
	char b[64];

	if (c->n == 0)
		return;
	for (size_t i = 0; i < c->n; i++)
		for (size_t s = 0; s < c->n_series; s++)
			if (c->y[s][i] > ymax)
				ymax = c->y[s][i];
	scale ys = nice_scale(0, ymax, 5);
	double px0 = y_label_room(&ys), px1 = w - 24, py0 = 44, py1 = h - 70;
	double lo = c->x[0], hi = c->x[c->n];
	if (!(hi > lo))
		hi = lo + 1;

	begin(f, c, w, h);
	legend(f, c, px1, 20, 0);
	y_axis(f, &ys, px0, px1, py0, py1, c->y_label);
	double bw = (px1 - px0) / (double)c->n;
	for (size_t i = 0; i < c->n; i++) {
		for (size_t s = 0; s < c->n_series; s++) {
			double v = c->y[s][i];
			double bh = v / (ys.hi - ys.lo) * (py1 - py0);
			double sw = (bw - 2) / (double)c->n_series;
			fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				   "fill=\"%s\"/>\n",
				px0 + bw * (double)i + 1 + sw * (double)s, py1 - bh, sw, bh, svg_color(s));
		}
	}
	/* edge labels, thinned so they do not overlap */
	size_t every = 1;
	for (size_t i = 0; i <= c->n; i++) {
		tick_text(b, sizeof b, c->x[i], 0, 0);
		while (text_width(b, 12) + 10 > bw * (double)every)
			every++;
	}
	for (size_t i = 0; i <= c->n; i += every) {
		double x = px0 + bw * (double)i;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#666666\"/>\n",
			x, py1, x, py1 + 5);
		tick_text(b, sizeof b, c->x[i], 0, 0);
		text(f, x, py1 + 19, "middle", "k", b);
	}
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#666666\"/>\n",
		px0, py1, px1, py1);
	text(f, (px0 + px1) / 2, h - 26, "middle", "l", c->x_label);
	fputs("</svg>\n", f);
}
