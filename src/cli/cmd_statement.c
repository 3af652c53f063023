/*
 * cmd_statement.c: `incentive statement`: a person's statement for a
 * recorded run, as a table (terminal), CSV (spreadsheets) or a
 * self-contained printable HTML page (inline CSS, nothing fetched) with
 * the look of the simulation report and the handbook (html.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "html.h"

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

/* Cells of a table built here for html_table: n_rows x n_cols strings. */
typedef struct cells {
	const char **v;
	size_t n, cap;
	bool oom;
} cells;

static void cell_add(cells *c, const char *s)
{
	if (c->n == c->cap) {
		size_t c2 = c->cap ? c->cap * 2 : 64;
		const char **v2 = realloc(c->v, c2 * sizeof *v2);
		if (!v2) {
			c->oom = true;
			return;
		}
		c->v = v2;
		c->cap = c2;
	}
	c->v[c->n++] = s;
}

static void emit_table(FILE *f, const char *name, const char *title,
		       const char *note, const char *const *cols,
		       const char *types, size_t n_cols, const cells *c)
{
	inc_table t = {
	    .name = name,
	    .title = title,
	    .note = note,
	    .n_cols = n_cols,
	    .n_rows = c->oom ? 0 : c->n / n_cols,
	    .cols = cols,
	    .types = types,
	    .cells = c->v,
	};
	html_heading(f, 2, title, name);
	html_table(f, &t, 0);
}

/* The statement as a page with the look of every HTML document of
 * incentive (html.c: the simulation report, the handbook). */
static void write_html(FILE *f, const inc_statement *s)
{
	const inc_statement_info *in = inc_statement_get_info(s);
	inc_statement_line l;
	const char *k, *amt;
	int hold;
	char *title = NULL, *sub = NULL, *foot = NULL, *pay = NULL, *run = NULL,
	     *pol = NULL;
	char **held = NULL;
	size_t n_held = 0;
	cells c = {0};

	if (asprintf(&title, "Statement for %s%s%s", in->person,
		     *in->name ? " \xc2\xb7 " : "", in->name) < 0)
		title = NULL;
	if (asprintf(&sub, "Period %s \xc2\xb7 Run %lld (%s) \xc2\xb7 Amounts in %s",
		     in->period, (long long)in->run, in->status,
		     *in->currency ? in->currency : "-") < 0)
		sub = NULL;
	if (asprintf(&run, "%lld (%s), started %s", (long long)in->run, in->status,
		     in->started) < 0)
		run = NULL;
	if (asprintf(&pol, "%s, sha256 %.12s", in->policy_name, in->policy) < 0)
		pol = NULL;
	html_begin(f, title ? title : "Statement", sub);
	const char *kv[] = {"person", in->person,
			    "name", in->name,
			    "level", in->level,
			    "team", in->team,
			    "period", in->period,
			    "run", run ? run : "",
			    "policy", pol ? pol : in->policy,
			    "currency", *in->currency ? in->currency : "-",
			    NULL, NULL};
	html_kv(f, kv);

	static const char *const line_cols[] = {
	    "id", "date", "kind", "rule", "events", "rate", "tier", "amount", "reason"};
	for (size_t i = 0; inc_statement_line_at(s, i, &l) == 0; i++) {
		const char *row[] = {l.id,   l.date, l.kind,   l.rule,  l.events,
				     l.rate, l.tier, l.amount, l.reason};
		for (size_t j = 0; j < 9; j++)
			cell_add(&c, row[j]);
	}
	emit_table(f, "lines", "Lines",
		   "Each line is one decision of the run, with its rule, rate, tier and "
		   "reason; amounts held back are negative. Each can be explained with "
		   "incentive explain.",
		   line_cols, "tttttttmt", 9, &c);

	/* totals by kind, then what is earned, held and paid */
	c.n = 0;
	for (size_t i = 0; inc_statement_total_at(s, i, &k, &amt, &hold) == 0; i++) {
		char *lab = NULL;
		char **h2 = realloc(held, (n_held + 1) * sizeof *h2);
		if (h2) {
			held = h2;
			if (asprintf(&lab, "%s%s", k, hold ? " (held back)" : "") < 0)
				lab = NULL;
			held[n_held++] = lab;
		}
		cell_add(&c, lab ? lab : k);
		cell_add(&c, amt);
	}
	cell_add(&c, "Earned, net of holds");
	cell_add(&c, in->earned);
	cell_add(&c, "Of which held back");
	cell_add(&c, in->holds);
	if (in->paid_before) {
		cell_add(&c, "Already paid (period locked, by earlier final runs)");
		cell_add(&c, in->paid_before);
	}
	if (asprintf(&pay, "Payable by this run (%s)", *in->currency ? in->currency : "-") < 0)
		pay = NULL;
	cell_add(&c, pay ? pay : "Payable by this run");
	cell_add(&c, in->payable);
	static const char *const sum_cols[] = {"kind", "amount"};
	emit_table(f, "totals", "Totals", "", sum_cols, "tm", 2, &c);

	c.n = 0;
	for (size_t i = 0; inc_statement_balance_at(s, i, &k, &amt) == 0; i++) {
		cell_add(&c, k);
		cell_add(&c, amt);
	}
	if (c.n) {
		static const char *const bal_cols[] = {"balance", "amount"};
		emit_table(f, "balances", "Balances carried to the next period", "",
			   bal_cols, "tm", 2, &c);
	}
	if (asprintf(&foot, "Policy %s (sha256 %s), run started %s. incentive %s.",
		     in->policy_name, in->policy, in->started, INC_VERSION) < 0)
		foot = NULL;
	html_end(f, foot);
	for (size_t i = 0; i < n_held; i++)
		free(held[i]);
	free(held);
	free(c.v);
	free(title);
	free(sub);
	free(pay);
	free(foot);
	free(run);
	free(pol);
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
