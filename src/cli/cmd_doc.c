/*
 * cmd_doc.c: `incentive doc POLICY`: the policy as a handbook for staff
 * (seed section 5.2), in Markdown or as one self-contained HTML file.
 * The content comes from the library (inc_handbook); this file only lays
 * it out.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "html.h"
#include "svg.h"
#include "tabout.h"

static void doc_usage(FILE *f)
{
	fprintf(f,
		"usage: incentive doc POLICY [--format md|html] [--out FILE] [--profile FILE]\n"
		"\n"
		"Renders the policy as a handbook for staff: every rule in plain language\n"
		"with its parameters and tier tables, the career ladder, the discipline\n"
		"ladder and promotion criteria, the versions and their effective dates,\n"
		"the seed section each rule implements, and a worked example and payout\n"
		"curve computed by the engine for a person profile (POLICY/examples/\n"
		"profile.yaml, or --profile; format in docs/simulate.md).\n"
		"\n"
		"options:\n"
		"  --format F      md (Markdown, default) or html (one self-contained file)\n"
		"  --out FILE      write to FILE (atomically) instead of standard output\n"
		"  --profile FILE  the person profile of the worked example\n"
		"\n"
		"Exit status: 0 success, 1 bad policy or profile, 2 usage.\n");
}

/* ---- Markdown ------------------------------------------------------------- */

static void md_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\`*_[]<>|", *s))
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void md_table(FILE *f, const inc_table *t)
{
	char buf[128];

	for (size_t c = 0; c < t->n_cols; c++) {
		fputs("| ", f);
		md_text(f, t->cols[c]);
		fputc(' ', f);
	}
	fputs("|\n", f);
	for (size_t c = 0; c < t->n_cols; c++)
		fputs(t->types && t->types[c] != 't' ? "| ---: " : "| --- ", f);
	fputs("|\n", f);
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->n_cols; c++) {
			const char *s = tab_cell(t, r, c);
			if (t->types && t->types[c] != 't') {
				num_group(buf, sizeof buf, s);
				s = buf;
			}
			fputs("| ", f);
			md_text(f, s);
			fputc(' ', f);
		}
		fputs("|\n", f);
	}
	fputc('\n', f);
}

static void write_md(FILE *f, const inc_handbook *h)
{
	inc_block b;
	bool in_list = false;

	fputs("# ", f);
	md_text(f, inc_handbook_title(h));
	fputs("\n\n", f);
	for (size_t i = 0; inc_handbook_block(h, i, &b) == 0; i++) {
		if (in_list && b.kind != INC_BLOCK_ITEM) {
			fputc('\n', f);
			in_list = false;
		}
		switch (b.kind) {
		case INC_BLOCK_HEADING:
			for (int l = 0; l < b.level && l < 4; l++)
				fputc('#', f);
			fputc(' ', f);
			md_text(f, b.text);
			fputs("\n\n", f);
			break;
		case INC_BLOCK_PARAGRAPH:
			md_text(f, b.text);
			fputs("\n\n", f);
			break;
		case INC_BLOCK_ITEM:
			fputs("- ", f);
			md_text(f, b.text);
			fputc('\n', f);
			in_list = true;
			break;
		case INC_BLOCK_NOTE:
			fputc('_', f);
			md_text(f, b.text);
			fputs("_\n\n", f);
			break;
		case INC_BLOCK_TABLE:
			fputs("**", f);
			md_text(f, b.table.title);
			fputs("**\n\n", f);
			md_table(f, &b.table);
			break;
		case INC_BLOCK_CHART:
			fputs("**", f);
			md_text(f, b.text);
			fputs("** (the HTML handbook draws it as a chart: `incentive doc --format html`)\n\n", f);
			md_table(f, &b.table);
			break;
		}
	}
	if (in_list)
		fputc('\n', f);
}

/* ---- HTML ------------------------------------------------------------------ */

/* The payout curve as SVG: positions in double (chart marks only, see
 * svg.h); the figures a reader reads are the exact table beside it. */
static void chart(FILE *f, const inc_block *b)
{
	const inc_table *t = &b->table;
	size_t n = t->n_rows, ns = t->n_cols - 1;
	double *x = calloc(n ? n : 1, sizeof *x);
	double **y = calloc(ns ? ns : 1, sizeof *y);

	if (!x || !y || ns < 1)
		goto done;
	for (size_t s = 0; s < ns; s++)
		if (!(y[s] = calloc(n ? n : 1, sizeof **y)))
			goto done;
	for (size_t r = 0; r < n; r++) {
		x[r] = strtod(tab_cell(t, r, 0), NULL); /* chart position only */
		for (size_t s = 0; s < ns; s++)
			y[s][r] = strtod(tab_cell(t, r, 1 + s), NULL);
	}
	svg_chart c = {
		.title = b->text,
		.x_label = b->x_label,
		.y_label = b->y_label,
		.n = n,
		.x = x,
		.n_series = ns,
		.series = t->cols + 1,
		.y = (const double *const *)y,
		.x_percent = 1,
	};
	html_figure_begin(f);
	svg_line(f, &c);
	html_figure_end(f, "Computed by the engine for the person profile of the worked example.");
	html_table(f, t, 0);
done:
	for (size_t s = 0; y && s < ns; s++)
		free(y[s]);
	free(y);
	free(x);
}

static void write_html(FILE *f, const inc_handbook *h)
{
	inc_block b;
	bool in_list = false;

	html_begin(f, inc_handbook_title(h), "Reward standards for staff (seed policy section 5.2)");
	for (size_t i = 0; inc_handbook_block(h, i, &b) == 0; i++) {
		if (in_list && b.kind != INC_BLOCK_ITEM) {
			html_list_end(f);
			in_list = false;
		}
		switch (b.kind) {
		case INC_BLOCK_HEADING:
			html_heading(f, b.level, b.text, b.anchor);
			break;
		case INC_BLOCK_PARAGRAPH:
			html_para(f, NULL, b.text);
			break;
		case INC_BLOCK_ITEM:
			if (!in_list)
				html_list_begin(f);
			in_list = true;
			html_item(f, b.text);
			break;
		case INC_BLOCK_NOTE:
			html_para(f, "note", b.text);
			break;
		case INC_BLOCK_TABLE:
			html_para(f, "cap", b.table.title);
			html_table(f, &b.table, 0);
			break;
		case INC_BLOCK_CHART:
			chart(f, &b);
			break;
		}
	}
	if (in_list)
		html_list_end(f);
	char foot[160];
	snprintf(foot, sizeof foot, "Generated by incentive %s from the policy files; amounts are exact.",
		 INC_VERSION);
	html_end(f, foot);
}

int cmd_doc(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"out", required_argument, NULL, 'o'},
		{"profile", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out_path = NULL;
	inc_handbook_options ho = {0};
	bool html = false;
	int c, status = EXIT_INPUT;
	inc_policy *p = NULL;
	inc_handbook *h = NULL;
	char *err = NULL, *tmp = NULL;
	FILE *f = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "html") == 0) {
				html = true;
			} else if (strcmp(optarg, "md") != 0 && strcmp(optarg, "markdown") != 0) {
				cli_error("--format must be md or html, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o': out_path = optarg; break;
		case 'p': ho.profile = optarg; break;
		case 'h':
			doc_usage(stdout);
			return EXIT_OK;
		default:
			doc_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		doc_usage(stderr);
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	diag_printer dp = {0};
	int rc = inc_policy_load(&p, path, diag_print, &dp, &err);
	if (rc) {
		if (rc == INC_EPOLICY)
			cli_error("%s: %lu error%s in the policy", path, dp.errors, dp.errors == 1 ? "" : "s");
		else
			cli_error("%s", err ? err : "cannot load the policy");
		goto done;
	}
	rc = inc_handbook_create(&h, p, &ho, diag_print, &dp, &err);
	if (rc) {
		cli_error("%s", err ? err : "cannot build the handbook");
		goto done;
	}
	if (out_path) {
		size_t n = strlen(out_path) + 16;
		int fd;
		tmp = malloc(n);
		if (!tmp)
			goto done;
		snprintf(tmp, n, "%s.tmp.XXXXXX", out_path);
		fd = mkstemp(tmp);
		if (fd >= 0) {
			mode_t mask = umask(0); /* a report is a file like any other: 0666 & ~umask */
			umask(mask);
			(void)fchmod(fd, 0666 & ~mask);
		}
		if (fd < 0 || !(f = fdopen(fd, "w"))) {
			if (fd >= 0)
				close(fd);
			cli_error("cannot write %s: %s", out_path, strerror(errno));
			free(tmp);
			tmp = NULL;
			goto done;
		}
	} else {
		f = stdout;
	}
	if (html)
		write_html(f, h);
	else
		write_md(f, h);
	if (out_path) {
		int bad = fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f);
		bad |= fclose(f) != 0;
		f = NULL;
		if (bad || rename(tmp, out_path) != 0) {
			cli_error("cannot write %s: %s", out_path, strerror(errno));
			unlink(tmp);
			goto done;
		}
	} else if (fflush(stdout) != 0) {
		cli_error("cannot write standard output: %s", strerror(errno));
		goto done;
	}
	status = EXIT_OK;
done:
	if (f && f != stdout) {
		fclose(f);
		unlink(tmp);
	}
	free(tmp);
	free(err);
	inc_handbook_destroy(h);
	inc_policy_destroy(p);
	return status;
}
