/*
 * html.c: self-contained HTML documents with a shared look (see html.h).
 */
#include "html.h"

#include <string.h>

#include "tabout.h"

static const char css[] =
	":root{--ink:#1a1a1a;--muted:#555;--rule:#d4d4d4;--a:#1f5fa8;--b:#c2540a}\n"
	"*{box-sizing:border-box}\n"
	"body{font:14px/1.45 'DejaVu Sans','Liberation Sans',Arial,Helvetica,sans-serif;"
	"color:var(--ink);background:#fff;max-width:1120px;margin:24px auto;padding:0 24px}\n"
	"h1{font-size:24px;margin:0 0 4px}\n"
	".sub{color:var(--muted);margin:0 0 18px}\n"
	"h2{font-size:19px;margin:34px 0 8px;padding-bottom:3px;border-bottom:2px solid var(--ink)}\n"
	"h3{font-size:15px;margin:22px 0 4px}\n"
	"h4{font-size:14px;margin:16px 0 4px}\n"
	"p{margin:6px 0}\n"
	"p.note,.note{color:var(--muted);font-size:12px;margin:2px 0 8px}\n"
	"p.cap{font-weight:600;margin:12px 0 2px}\n"
	"table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}\n"
	"th,td{padding:3px 10px;border-bottom:1px solid var(--rule);text-align:left;vertical-align:top}\n"
	"th{border-bottom:1.5px solid var(--ink);font-weight:600}\n"
	".tw{overflow-x:auto;max-width:100%}\n"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"td.n,td.d{white-space:nowrap}\n"
	"td.neg{color:#a40000}\n"
	"table.kv th{border:0;padding-left:0;font-weight:600;color:var(--muted)}\n"
	"table.kv td{border:0}\n"
	"figure{margin:12px 0 18px;break-inside:avoid;page-break-inside:avoid}\n"
	"figure svg{max-width:100%;height:auto;border:1px solid var(--rule)}\n"
	"figcaption{font-size:12px;color:var(--muted);margin-top:4px}\n"
	"ul{margin:6px 0 10px 0;padding-left:22px}\n"
	"footer{margin-top:36px;padding-top:6px;border-top:1px solid var(--rule);color:var(--muted);font-size:12px}\n"
	"@media print{body{margin:0;max-width:none;padding:0;font-size:10pt}.tw{overflow:visible}"
	"table{font-size:9pt}"
	"h2{break-after:avoid;page-break-after:avoid}h3{break-after:avoid}"
	"table,figure{break-inside:avoid;page-break-inside:avoid}a{color:inherit;text-decoration:none}"
	"figure svg{border:0}}\n";

const char *html_css(void)
{
	return css;
}

void html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

void html_begin(FILE *f, const char *title, const char *subtitle)
{
	fputs("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n<title>",
	      f);
	html_escape(f, title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", css);
	html_escape(f, title);
	fputs("</h1>\n", f);
	if (subtitle) {
		fputs("<p class=\"sub\">", f);
		html_escape(f, subtitle);
		fputs("</p>\n", f);
	}
}

void html_end(FILE *f, const char *footer)
{
	if (footer) {
		fputs("<footer>", f);
		html_escape(f, footer);
		fputs("</footer>\n", f);
	}
	fputs("</body>\n</html>\n", f);
}

void html_heading(FILE *f, int level, const char *text, const char *anchor)
{
	if (level < 1)
		level = 1;
	if (level > 4)
		level = 4;
	fprintf(f, "<h%d", level);
	if (anchor && *anchor) {
		fputs(" id=\"", f);
		html_escape(f, anchor);
		fputc('"', f);
	}
	fputc('>', f);
	html_escape(f, text);
	fprintf(f, "</h%d>\n", level);
}

void html_para(FILE *f, const char *cls, const char *text)
{
	if (cls) {
		fputs("<p class=\"", f);
		html_escape(f, cls);
		fputs("\">", f);
	} else {
		fputs("<p>", f);
	}
	html_escape(f, text);
	fputs("</p>\n", f);
}

void html_list_begin(FILE *f)
{
	fputs("<ul>\n", f);
}

void html_item(FILE *f, const char *text)
{
	fputs("<li>", f);
	html_escape(f, text);
	fputs("</li>\n", f);
}

void html_list_end(FILE *f)
{
	fputs("</ul>\n", f);
}

/* "2026-03-10": kept on one line */
static bool is_date(const char *s)
{
	for (int i = 0; i < 10; i++)
		if (!s[i] || (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9')))
			return false;
	return s[10] == '\0';
}

void html_table(FILE *f, const inc_table *t, int with_title)
{
	char buf[128];

	if (with_title && t->title)
		html_heading(f, 3, t->title, t->name);
	if (t->note && *t->note)
		html_para(f, "note", t->note);
	if (t->n_rows == 0) {
		html_para(f, "note", "None.");
		return;
	}
	fputs("<div class=\"tw\"><table class=\"data\">\n<thead><tr>", f);
	for (size_t c = 0; c < t->n_cols; c++) {
		bool num = t->types && t->types[c] != 't';
		fputs(num ? "<th class=\"n\">" : "<th>", f);
		html_escape(f, t->cols[c]);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t r = 0; r < t->n_rows; r++) {
		fputs("<tr>", f);
		for (size_t c = 0; c < t->n_cols; c++) {
			const char *s = tab_cell(t, r, c);
			char ty = t->types ? t->types[c] : 't';
			if (ty == 't') {
				fputs(is_date(s) ? "<td class=\"d\">" : "<td>", f);
				html_escape(f, s);
			} else {
				num_group(buf, sizeof buf, s);
				fputs(s[0] == '-' && (ty == 'm' || ty == 'p') ? "<td class=\"n neg\">"
									      : "<td class=\"n\">",
				      f);
				html_escape(f, buf);
			}
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table></div>\n", f);
}

void html_kv(FILE *f, const char *const *pairs)
{
	fputs("<table class=\"kv\">\n", f);
	for (size_t i = 0; pairs[i] && pairs[i + 1]; i += 2) {
		fputs("<tr><th>", f);
		html_escape(f, pairs[i]);
		fputs("</th><td>", f);
		html_escape(f, pairs[i + 1]);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

void html_figure_begin(FILE *f)
{
	fputs("<figure>\n", f);
}

void html_figure_end(FILE *f, const char *caption)
{
	if (caption && *caption) {
		fputs("<figcaption>", f);
		html_escape(f, caption);
		fputs("</figcaption>\n", f);
	}
	fputs("</figure>\n", f);
}
