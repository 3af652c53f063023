/*
 * cmd_statement.c: `incentive statement`: a person's statement for a
 * recorded run, as a table (terminal), CSV (spreadsheets) or a
 * self-contained printable HTML page (inline CSS, nothing fetched).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void statement_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: incentive statement --audit FILE [--run RUN] --person ID\n"
	    "                           [--format table|csv|html] [--out "
	    "FILE]\n"
	    "\n"
	    "A person's statement for a recorded run (default: the latest): "
	    "each\n"
	    "line with its date, rule, rate, tier, amount and reason; totals "
	    "by\n"
	    "kind; what was held back; and for a locked period what was "
	    "already\n"
	    "paid and what this run pays.  Amounts are in the person's "
	    "currency.\n"
	    "\n"
	    "options:\n"
	    "  --audit FILE    the audit database\n"
	    "  --run RUN       the run (default: the latest)\n"
	    "  --person ID     the person\n"
	    "  --format F      table (default), csv (the lines) or html "
	    "(printable)\n"
	    "  --out FILE      write to FILE instead of standard output\n"
	    "\n"
	    "Exit status: 0 written, 1 no such run or person, or a bad "
	    "database, 2 usage.\n");
}

/* "-12345.60" -> "-12,345.60" */
static const char *grouped(char *buf, size_t cap, const char *s)
{
	const char *dot = strchr(s, '.');
	size_t neg = s[0] == '-',
	       ilen = (dot ? (size_t)(dot - s) : strlen(s)) - neg;
	size_t o = 0;

	if (!*s || cap < strlen(s) + strlen(s) / 3 + 4) {
		snprintf(buf, cap, "%s", s);
		return buf;
	}
	if (neg)
		buf[o++] = '-';
	for (size_t i = 0; i < ilen; i++) {
		if (i && (ilen - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = s[neg + i];
	}
	snprintf(buf + o, cap - o, "%s", dot ? dot : "");
	return buf;
}

static void csv_cell(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void write_table(FILE *f, const inc_statement *s)
{
	const inc_statement_info *in = inc_statement_get_info(s);
	inc_statement_line l;
	const char *k, *amt;
	int hold;
	char b[96];
	size_t w_rule = 4, w_ev = 6, w_rate = 4, w_tier = 4, w_amt = 6,
	       w_kind = 4;

	fprintf(f, "Statement for %s%s%s%s", in->person, *in->name ? " (" : "",
		in->name, *in->name ? ")" : "");
	if (*in->level)
		fprintf(f, ", level %s", in->level);
	if (*in->team)
		fprintf(f, ", team %s", in->team);
	fprintf(f, "\nRun %lld (%s, started %s), period %s, policy %s %.12s\n",
		(long long)in->run, in->status, in->started, in->period,
		in->policy_name, in->policy);
	fprintf(f, "Amounts in %s\n\n",
		*in->currency ? in->currency : "(no money lines)");
	for (size_t i = 0; inc_statement_line_at(s, i, &l) == 0; i++) {
		size_t n;
		if ((n = strlen(l.rule)) > w_rule)
			w_rule = n;
		if ((n = strlen(l.events)) > w_ev)
			w_ev = n;
		if ((n = strlen(l.rate)) > w_rate)
			w_rate = n;
		if ((n = strlen(l.tier)) > w_tier)
			w_tier = n;
		if ((n = strlen(grouped(b, sizeof b, l.amount))) > w_amt)
			w_amt = n;
		if ((n = strlen(l.kind)) > w_kind)
			w_kind = n;
	}
	if (w_ev > 30)
		w_ev = 30;
	fprintf(f, "%-8s  %-10s  %-*s  %-*s  %-*s  %-*s  %-*s  %*s  %s\n", "id",
		"date", (int)w_kind, "kind", (int)w_rule, "rule", (int)w_ev,
		"events", (int)w_rate, "rate", (int)w_tier, "tier", (int)w_amt,
		"amount", "reason");
	for (size_t i = 0; inc_statement_line_at(s, i, &l) == 0; i++)
		fprintf(
		    f, "%-8s  %-10s  %-*s  %-*s  %-*.*s  %-*s  %-*s  %*s  %s\n",
		    l.id, l.date, (int)w_kind, l.kind, (int)w_rule, l.rule,
		    (int)w_ev, (int)w_ev, l.events, (int)w_rate, l.rate,
		    (int)w_tier, l.tier, (int)w_amt,
		    grouped(b, sizeof b, l.amount), l.reason);
	if (in->lines == 0)
		fprintf(f, "(no decisions for %s in this run)\n", in->person);
	fprintf(f, "\nTotals by kind\n");
	for (size_t i = 0; inc_statement_total_at(s, i, &k, &amt, &hold) == 0;
	     i++)
		fprintf(f, "  %-24s %16s%s\n", k, grouped(b, sizeof b, amt),
			hold ? "   held back, not paid" : "");
	fprintf(f, "\n  %-24s %16s\n", "earned (net of holds)",
		grouped(b, sizeof b, in->earned));
	fprintf(f, "  %-24s %16s\n", "of which held back",
		grouped(b, sizeof b, in->holds));
	if (in->paid_before)
		fprintf(f,
			"  %-24s %16s   period locked: paid by earlier final "
			"runs\n",
			"already paid", grouped(b, sizeof b, in->paid_before));
	fprintf(f, "  %-24s %16s %s\n", "payable by this run",
		grouped(b, sizeof b, in->payable), in->currency);
	for (size_t i = 0; inc_statement_balance_at(s, i, &k, &amt) == 0; i++)
		fprintf(f, "%s  %-32s %16s\n",
			i ? "" : "\nBalances carried to the next period\n", k,
			grouped(b, sizeof b, amt));
}

static void write_csv(FILE *f, const inc_statement *s)
{
	const inc_statement_info *in = inc_statement_get_info(s);
	inc_statement_line l;

	fputs("run,person,id,period,date,kind,rule,events,rate,tier,amount,"
	      "currency,reason\n",
	      f);
	for (size_t i = 0; inc_statement_line_at(s, i, &l) == 0; i++) {
		const char *cells[] = {l.period, l.date, l.kind, l.rule,
				       l.events, l.rate, l.tier, l.amount};
		fprintf(f, "%lld,", (long long)in->run);
		csv_cell(f, in->person);
		fputc(',', f);
		csv_cell(f, l.id);
		for (size_t c = 0; c < sizeof cells / sizeof *cells; c++) {
			fputc(',', f);
			csv_cell(f, cells[c]);
		}
		fputc(',', f);
		csv_cell(f, *l.amount ? in->currency : "");
		fputc(',', f);
		csv_cell(f, l.reason);
		fputc('\n', f);
	}
}

static void write_html(FILE *f, const inc_statement *s)
{
	const inc_statement_info *in = inc_statement_get_info(s);
	inc_statement_line l;
	const char *k, *amt;
	int hold;
	char b[96];

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
	      "charset=\"utf-8\">\n<title>Statement ",
	      f);
	html(f, in->person);
	fprintf(f, " run %lld</title>\n", (long long)in->run);
	fputs("<style>\n"
	      "body{font:13px/1.4 -apple-system,'Segoe "
	      "UI',Helvetica,Arial,sans-serif;color:#111;"
	      "margin:2em auto;max-width:1100px;padding:0 1em}\n"
	      "h1{font-size:20px;margin:0 0 .2em}\n"
	      ".meta{color:#555;margin:0 0 1.2em}\n"
	      "table{border-collapse:collapse;width:100%;margin:0 0 1.5em}\n"
	      "th,td{border-bottom:1px solid #ddd;padding:4px "
	      "6px;text-align:left;vertical-align:top}\n"
	      "th{background:#f3f3f3;font-weight:600}\n"
	      "td.num,th.num{text-align:right;white-space:nowrap;font-variant-"
	      "numeric:tabular-nums}\n"
	      "tr.hold td{color:#8a4b00}\n"
	      "table.sum{width:auto;min-width:24em}\n"
	      "tr.pay td{font-weight:700;border-top:2px solid #111}\n"
	      ".foot{color:#777;font-size:11px}\n"
	      "@media print{body{margin:0;max-width:none}th{background:none}"
	      "tr{page-break-inside:avoid}}\n"
	      "</style>\n</head>\n<body>\n",
	      f);
	fputs("<h1>Statement for ", f);
	html(f, in->person);
	if (*in->name) {
		fputs(" &middot; ", f);
		html(f, in->name);
	}
	fputs("</h1>\n<p class=\"meta\">", f);
	if (*in->level) {
		fputs("Level ", f);
		html(f, in->level);
		fputs(" &middot; ", f);
	}
	if (*in->team) {
		fputs("Team ", f);
		html(f, in->team);
		fputs(" &middot; ", f);
	}
	fputs("Period ", f);
	html(f, in->period);
	fprintf(f, " &middot; Run %lld (", (long long)in->run);
	html(f, in->status);
	fputs(") &middot; Amounts in ", f);
	html(f, *in->currency ? in->currency : "-");
	fputs("</p>\n<table>\n<tr><th>Id</th><th>Date</th><th>Kind</"
	      "th><th>Rule</th><th>Events</th>"
	      "<th class=\"num\">Rate</th><th>Tier</th><th "
	      "class=\"num\">Amount</th><th>Reason</th></tr>\n",
	      f);
	for (size_t i = 0; inc_statement_line_at(s, i, &l) == 0; i++) {
		const char *cells[] = {l.id, l.date, l.kind, l.rule, l.events};
		fputs(l.is_hold ? "<tr class=\"hold\">" : "<tr>", f);
		for (size_t c = 0; c < sizeof cells / sizeof *cells; c++) {
			fputs("<td>", f);
			html(f, cells[c]);
			fputs("</td>", f);
		}
		fputs("<td class=\"num\">", f);
		html(f, l.rate);
		fputs("</td><td>", f);
		html(f, l.tier);
		fputs("</td><td class=\"num\">", f);
		html(f, grouped(b, sizeof b, l.amount));
		fputs("</td><td>", f);
		html(f, l.reason);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<table class=\"sum\">\n<tr><th>Totals by kind</th><th "
	      "class=\"num\">Amount</th></tr>\n",
	      f);
	for (size_t i = 0; inc_statement_total_at(s, i, &k, &amt, &hold) == 0;
	     i++) {
		fputs(hold ? "<tr class=\"hold\"><td>" : "<tr><td>", f);
		html(f, k);
		fputs(hold ? " (held back)" : "", f);
		fputs("</td><td class=\"num\">", f);
		html(f, grouped(b, sizeof b, amt));
		fputs("</td></tr>\n", f);
	}
	fputs("<tr><td>Earned, net of holds</td><td class=\"num\">", f);
	html(f, grouped(b, sizeof b, in->earned));
	fputs("</td></tr>\n<tr class=\"hold\"><td>Of which held back</td><td "
	      "class=\"num\">",
	      f);
	html(f, grouped(b, sizeof b, in->holds));
	fputs("</td></tr>\n", f);
	if (in->paid_before) {
		fputs("<tr><td>Already paid (period locked)</td><td "
		      "class=\"num\">",
		      f);
		html(f, grouped(b, sizeof b, in->paid_before));
		fputs("</td></tr>\n", f);
	}
	fputs(
	    "<tr class=\"pay\"><td>Payable by this run</td><td class=\"num\">",
	    f);
	html(f, grouped(b, sizeof b, in->payable));
	fputc(' ', f);
	html(f, in->currency);
	fputs("</td></tr>\n</table>\n", f);
	for (size_t i = 0; inc_statement_balance_at(s, i, &k, &amt) == 0; i++) {
		if (i == 0)
			fputs("<table class=\"sum\">\n<tr><th>Balances carried "
			      "to the next period</th>"
			      "<th class=\"num\">Amount</th></tr>\n",
			      f);
		fputs("<tr><td>", f);
		html(f, k);
		fputs("</td><td class=\"num\">", f);
		html(f, grouped(b, sizeof b, amt));
		fputs("</td></tr>\n", f);
	}
	if (inc_statement_balance_at(s, 0, &k, &amt) == 0)
		fputs("</table>\n", f);
	fputs("<p class=\"foot\">Policy ", f);
	html(f, in->policy_name);
	fputs(" (sha256 ", f);
	html(f, in->policy);
	fputs("), run started ", f);
	html(f, in->started);
	fputs(". Each line can be explained with <code>incentive "
	      "explain</code>.</p>\n"
	      "</body>\n</html>\n",
	      f);
}

int cmd_statement(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"audit", required_argument, NULL, 'A'},
	    {"run", required_argument, NULL, 'r'},
	    {"person", required_argument, NULL, 'P'},
	    {"format", required_argument, NULL, 'f'},
	    {"out", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL, *person = NULL, *format = "table",
		   *out_path = NULL;
	long long run = 0;
	inc_audit *a = NULL;
	inc_statement *s = NULL;
	char *err = NULL, *tmp = NULL;
	FILE *f = NULL;
	int c, rc, status = EXIT_INPUT;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'A':
			path = optarg;
			break;
		case 'r':
			if ((run = cli_run_number(optarg)) < 0) {
				cli_error("--run must be a run number like 3, "
					  "not '%s'",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'P':
			person = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			statement_usage(stdout);
			return EXIT_OK;
		default:
			statement_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !path || !person) {
		cli_error("statement needs --audit FILE and --person ID (see "
			  "'incentive statement --help')");
		return EXIT_USAGE;
	}
	if (strcmp(format, "table") && strcmp(format, "csv") &&
	    strcmp(format, "html")) {
		cli_error("--format must be table, csv or html, not '%s'",
			  format);
		return EXIT_USAGE;
	}
	if ((rc = inc_audit_open(&a, path, INC_AUDIT_READ, &err)) != 0) {
		cli_error("%s", err ? err : "cannot open the audit database");
		goto done;
	}
	if ((rc = inc_audit_statement(&s, a, run, person)) != 0) {
		cli_error("%s", inc_audit_errmsg(a));
		goto done;
	}
	if (out_path) {
		if (asprintf(&tmp, "%s.tmp", out_path) < 0) {
			tmp = NULL;
			goto done;
		}
		f = fopen(tmp, "w");
		if (!f) {
			cli_error("cannot write %s", tmp);
			goto done;
		}
	}
	FILE *o = f ? f : stdout;
	if (strcmp(format, "csv") == 0)
		write_csv(o, s);
	else if (strcmp(format, "html") == 0)
		write_html(o, s);
	else
		write_table(o, s);
	if (f) {
		int bad = ferror(f);
		if (fclose(f) != 0 || bad || rename(tmp, out_path) != 0) {
			f = NULL;
			cli_error("cannot write %s", out_path);
			goto done;
		}
		f = NULL;
	} else if (fflush(stdout) != 0) {
		goto done;
	}
	status = EXIT_OK;
done:
	if (f)
		fclose(f);
	if (tmp && status != EXIT_OK)
		remove(tmp);
	free(tmp);
	inc_statement_destroy(s);
	inc_audit_close(a);
	free(err);
	return status;
}
