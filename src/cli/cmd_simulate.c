/*
 * cmd_simulate.c: `incentive simulate`: price a policy, or compare two,
 * over the same inputs without touching any final record (with --audit,
 * recorded as a simulation: docs/audit.md); scenarios, Monte Carlo
 * trials and payout curves (docs/simulate.md).  Tables go to stdout as
 * text or CSV; --report writes one self-contained HTML file with charts.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "html.h"
#include "svg.h"
#include "tabout.h"

static void sim_usage(FILE *f)
{
	fprintf(f,
		"usage: incentive simulate --policy A [--vs B] --people FILE --quotas FILE\n"
		"                          --events FILE [--events FILE ...] [options]\n"
		"       incentive simulate --audit FILE --list | --show N|latest\n"
		"\n"
		"Prices policy A over the inputs, or compares it with policy B, without\n"
		"touching any final record: total cost per currency and as a share of credited\n"
		"revenue, cost per team, rule and kind of decision, pay per person, the\n"
		"biggest winners and losers, people reaching each tier, a payout curve,\n"
		"and Monte Carlo distributions.  Formats: docs/simulate.md.\n"
		"\n"
		"options:\n"
		"  --policy DIR|FILE   policy A\n"
		"  --vs DIR|FILE       policy B, compared with A on the same inputs\n"
		"  --people, --quotas, --events FILE   inputs, as for `incentive run`\n"
		"  --rates FILE        exchange rates (date,from,to,rate), as for `incentive run`\n"
		"  --scenario FILE     change the inputs (scale, drop, duplicate, move) and/or\n"
		"                      draw Monte Carlo trials; without --vs the scenario is\n"
		"                      compared with the inputs as they are\n"
		"  --trials N          Monte Carlo trials (overrides the scenario's)\n"
		"  --seed S            seed of the draws and of drop/duplicate (default 1)\n"
		"  --threads N         threads for the trials (default: every core); the\n"
		"                      results do not depend on it\n"
		"  --profile FILE      person profile of the payout curve (default:\n"
		"                      POLICY/examples/profile.yaml, else the median quota)\n"
		"  --no-curves         leave out the payout curve\n"
		"  --top N             rows of the winners and losers tables (default 10)\n"
		"  --format F          table (default) or csv\n"
		"  --table NAME        print only this table (repeatable); one table in csv\n"
		"                      format is plain CSV\n"
		"  --csv-dir DIR       also write every table to DIR/NAME.csv\n"
		"  --report FILE.html  also write a self-contained HTML report with charts\n"
		"  --quiet             nothing on stderr but errors\n"
		"\n"
		"the audit trail (docs/audit.md, \"Simulations\"):\n"
		"  --audit FILE        record the simulation in this audit database (created\n"
		"                      when missing) as a simulation, never as a run: it pays\n"
		"                      nothing and locks no period\n"
		"  --by NAME           who ran it (default: the login name)\n"
		"  --note TEXT         a note kept with it\n"
		"  --list              with --audit alone: list the recorded simulations\n"
		"  --show N|latest     with --audit alone: one recorded simulation in full\n"
		"\n"
		"Exit status: 0 success, 1 bad policy, scenario or input, 2 usage.\n");
}

/* ---- charts from tables --------------------------------------------------- */

static double num(const char *s)
{
	return s && *s ? strtod(s, NULL) : 0.0; /* chart position only */
}

static int col_of(const inc_table *t, const char *name)
{
	for (size_t c = 0; c < t->n_cols; c++)
		if (strcmp(t->cols[c], name) == 0)
			return (int)c;
	return -1;
}

static void chart_curve(FILE *f, const inc_table *t)
{
	size_t n = t->n_rows, ns = t->n_cols - 3;
	const char *currency = n ? tab_cell(t, 0, 1) : "";
	double *x = calloc(n ? n : 1, sizeof *x), *y[2] = {0};
	char ylab[96];
	const char *names[2];

	if (!x || ns < 1 || ns > 2) {
		free(x);
		return;
	}
	for (size_t s = 0; s < ns; s++) {
		y[s] = calloc(n ? n : 1, sizeof **y);
		names[s] = s == 0 ? (ns == 2 ? "policy A" : "payout") : "policy B";
	}
	for (size_t r = 0; r < n; r++) {
		x[r] = num(tab_cell(t, r, 0));
		for (size_t s = 0; s < ns; s++)
			if (y[s])
				y[s][r] = num(tab_cell(t, r, 3 + s));
	}
	snprintf(ylab, sizeof ylab, "payout for the period (%s)", currency);
	svg_chart c = {
		.title = ns == 2 ? "Payout curve: policy A and policy B" : "Payout curve",
		.x_label = "attainment (% of quota)",
		.y_label = ylab,
		.n = n,
		.x = x,
		.n_series = ns,
		.series = names,
		.y = (const double *const *)y,
		.x_percent = 1,
	};
	if (y[0] && (ns == 1 || y[1]))
		svg_line(f, &c);
	free(x);
	free(y[0]);
	free(y[1]);
}

/* Bars of the cost per team, one chart per currency. */
static void chart_teams(FILE *f, const inc_table *t, const inc_sim_info *in)
{
	int ca = in->compared ? col_of(t, "cost A") : col_of(t, "cost");
	int cb = -1;
	char lab[96];

	if (in->compared) {
		char b[64];
		snprintf(b, sizeof b, "cost %s", in->label_a);
		ca = col_of(t, b);
		snprintf(b, sizeof b, "cost %s", in->label_b);
		cb = col_of(t, b);
	}
	if (ca < 0)
		return;
	for (size_t r0 = 0; r0 < t->n_rows; r0++) {
		const char *cur = tab_cell(t, r0, 1);
		bool first = true;
		for (size_t k = 0; k < r0; k++)
			if (strcmp(tab_cell(t, k, 1), cur) == 0)
				first = false;
		if (!first)
			continue;
		size_t n = 0;
		const char **cats = calloc(t->n_rows, sizeof *cats);
		double *ya = calloc(t->n_rows, sizeof *ya), *yb = calloc(t->n_rows, sizeof *yb);
		if (!cats || !ya || !yb)
			goto next;
		for (size_t r = r0; r < t->n_rows; r++) {
			if (strcmp(tab_cell(t, r, 1), cur) != 0)
				continue;
			cats[n] = tab_cell(t, r, 0);
			ya[n] = num(tab_cell(t, r, (size_t)ca));
			yb[n] = cb >= 0 ? num(tab_cell(t, r, (size_t)cb)) : 0;
			n++;
		}
		snprintf(lab, sizeof lab, "cost for the period (%s)", cur);
		const char *names[2] = {in->compared ? in->label_a : "cost", in->label_b};
		const double *ys[2] = {ya, yb};
		svg_chart c = {
			.title = "Cost per team",
			.x_label = lab,
			.y_label = lab,
			.n = n,
			.cats = cats,
			.n_series = cb >= 0 ? 2 : 1,
			.series = names,
			.y = ys,
		};
		html_figure_begin(f);
		svg_bars(f, &c);
		html_figure_end(f, in->compared ? "Cost per team under each column of the comparison."
						: "Cost per team.");
	next:
		free(cats);
		free(ya);
		free(yb);
	}
}

/* Diverging bars of the change in pay of the biggest winners and losers. */
static void chart_movers(FILE *f, const inc_table *w, const inc_table *l)
{
	size_t n = w->n_rows + l->n_rows;
	const char **cats = calloc(n ? n : 1, sizeof *cats);
	char **own = calloc(n ? n : 1, sizeof *own);
	double *y = calloc(n ? n : 1, sizeof *y);
	const char *cur = n ? (w->n_rows ? tab_cell(w, 0, 3) : tab_cell(l, 0, 3)) : "";
	char lab[96];

	if (!cats || !y || !own || n == 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		const inc_table *t = i < w->n_rows ? w : l;
		size_t r = i < w->n_rows ? i : l->n_rows - 1 - (i - w->n_rows);
		size_t len = strlen(tab_cell(t, r, 0)) + strlen(tab_cell(t, r, 1)) + 2;
		own[i] = malloc(len);
		if (own[i])
			snprintf(own[i], len, "%s %s", tab_cell(t, r, 0), tab_cell(t, r, 1));
		cats[i] = own[i] ? own[i] : "";
		y[i] = num(tab_cell(t, r, 6));
	}
	snprintf(lab, sizeof lab, "change in pay (%s)", cur);
	const char *names[1] = {"change"};
	const double *ys[1] = {y};
	svg_chart c = {
		.title = "Biggest winners and losers",
		.x_label = lab,
		.y_label = lab,
		.n = n,
		.cats = cats,
		.n_series = 1,
		.series = names,
		.y = ys,
	};
	html_figure_begin(f);
	svg_bars(f, &c);
	html_figure_end(f, "Change in each person's pay, from the first column of the comparison to the second.");
done:
	for (size_t i = 0; own && i < n; i++)
		free(own[i]);
	free(own);
	free(cats);
	free(y);
}

static void chart_histogram(FILE *f, const inc_table *t, const inc_sim_info *in)
{
	size_t ns = t->n_cols - 3;

	for (size_t r0 = 0; r0 < t->n_rows; r0++) {
		const char *cur = tab_cell(t, r0, 0);
		if (r0 && strcmp(tab_cell(t, r0 - 1, 0), cur) == 0)
			continue;
		size_t n = 0;
		while (r0 + n < t->n_rows && strcmp(tab_cell(t, r0 + n, 0), cur) == 0)
			n++;
		double *x = calloc(n + 1, sizeof *x), *y[2] = {0};
		y[0] = calloc(n, sizeof **y);
		y[1] = calloc(n, sizeof **y);
		if (x && y[0] && y[1] && ns >= 1 && ns <= 2) {
			for (size_t i = 0; i < n; i++) {
				x[i] = num(tab_cell(t, r0 + i, 1));
				x[i + 1] = num(tab_cell(t, r0 + i, 2));
				for (size_t s = 0; s < ns; s++)
					y[s][i] = num(tab_cell(t, r0 + i, 3 + s));
			}
			char lab[96];
			snprintf(lab, sizeof lab, "total cost of the period (%s)", cur);
			const char *names[2] = {in->compared ? in->label_a : "trials", in->label_b};
			svg_chart c = {
				.title = "Monte Carlo: distribution of the total cost",
				.x_label = lab,
				.y_label = "trials",
				.n = n,
				.x = x,
				.n_series = ns,
				.series = names,
				.y = (const double *const *)y,
			};
			html_figure_begin(f);
			svg_histogram(f, &c);
			html_figure_end(f, "Number of trials whose total cost falls in each bin.");
		}
		free(x);
		free(y[0]);
		free(y[1]);
	}
}

/* ---- the HTML report ------------------------------------------------------ */

static bool get(const inc_sim *s, const char *name, inc_table *t)
{
	return inc_sim_table_named(s, name, t) == 0;
}

static void section_table(FILE *f, const inc_sim *s, const char *name)
{
	inc_table t;
	if (get(s, name, &t))
		html_table(f, &t, 1);
}

static int write_report(const inc_sim *s, const char *path)
{
	const inc_sim_info *in = inc_sim_get_info(s);
	char *tmp = NULL;
	inc_table t, u;
	FILE *f = NULL;
	int fd, rc = -1;
	size_t n = strlen(path) + 16;

	tmp = malloc(n);
	if (!tmp)
		return -1;
	snprintf(tmp, n, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd >= 0) {
		mode_t mask = umask(0); /* a report is a file like any other: 0666 & ~umask */
		umask(mask);
		(void)fchmod(fd, 0666 & ~mask);
	}
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		free(tmp);
		return -1;
	}
	char sub[512];
	if (in->compared)
		snprintf(sub, sizeof sub, "%s against %s%s%s", in->label_b, in->label_a,
			 *in->scenario ? "; scenario " : "", in->scenario);
	else
		snprintf(sub, sizeof sub, "One policy over the inputs%s%s", *in->scenario ? "; scenario " : "",
			 in->scenario);
	html_begin(f, "Payout simulation", sub);

	if (get(s, "overview", &t)) {
		const char **kv = calloc(t.n_rows * 2 + 2, sizeof *kv);
		if (kv) {
			for (size_t r = 0; r < t.n_rows; r++) {
				kv[2 * r] = tab_cell(&t, r, 0);
				kv[2 * r + 1] = tab_cell(&t, r, 1);
			}
			html_kv(f, kv);
			free(kv);
		}
	}
	html_heading(f, 2, "Cost", "cost");
	section_table(f, s, "cost");
	html_heading(f, 2, "Per team", "teams");
	if (get(s, "cost_by_team", &t))
		chart_teams(f, &t, in);
	section_table(f, s, "cost_by_team");
	html_heading(f, 2, "Per rule and kind of decision", "rules");
	section_table(f, s, "cost_by_rule");
	section_table(f, s, "cost_by_kind");
	if (get(s, "winners", &t) && get(s, "losers", &u)) {
		html_heading(f, 2, "Winners and losers", "movers");
		chart_movers(f, &t, &u);
		section_table(f, s, "winners");
		section_table(f, s, "losers");
		section_table(f, s, "winners_pct");
		section_table(f, s, "losers_pct");
	}
	html_heading(f, 2, "Tiers", "tiers");
	section_table(f, s, "tiers");
	if (get(s, "curve", &t)) {
		html_heading(f, 2, "Payout curve", "curve");
		html_para(f, "note", t.note);
		html_figure_begin(f);
		chart_curve(f, &t);
		html_figure_end(f, "Payout for the period at each attainment, computed by the engine on "
				   "synthetic sales of the person profile.");
		inc_table t2 = t;
		t2.note = "";
		html_heading(f, 3, t.title, t.name);
		html_table(f, &t2, 0);
	}
	if (get(s, "mc_cost", &t)) {
		html_heading(f, 2, "Monte Carlo", "montecarlo");
		if (get(s, "mc_histogram", &u))
			chart_histogram(f, &u, in);
		section_table(f, s, "mc_cost");
		section_table(f, s, "mc_histogram");
		section_table(f, s, "mc_people");
	}
	html_heading(f, 2, "Pay per person", "people");
	section_table(f, s, "people");
	char foot[256];
	snprintf(foot, sizeof foot,
		 "incentive %s. Every amount is exact, rounded once to its currency's minor unit; "
		 "charts only place marks, the tables hold the figures.",
		 INC_VERSION);
	html_end(f, foot);
	if (fflush(f) == 0 && fsync(fileno(f)) == 0 && !ferror(f))
		rc = 0;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* ---- the command ------------------------------------------------------------ */

static bool selected(const char *name, const char **names, size_t n);

/* Table i of a simulation run now, or of one recorded (0, or -1 past the
 * last). */
typedef int (*table_fn)(const void *src, size_t i, inc_table *t);
static int sim_table(const void *src, size_t i, inc_table *t)
{
	return inc_sim_table(src, i, t);
}
static int record_table(const void *src, size_t i, inc_table *t)
{
	return inc_sim_record_table(src, i, t);
}

/* Prints the tables selected (all when n_tables is 0) to stdout, as text
 * or CSV; in CSV, each under a "# name: title" line when more than one
 * can be printed.  0, or -1 after saying that stdout failed. */
static int print_tables(table_fn table, const void *src, const char **tables,
			size_t n_tables, bool csv)
{
	inc_table t;
	size_t n_all = 0;
	bool first = true;

	while (table(src, n_all, &t) == 0)
		n_all++;
	for (size_t i = 0; i < n_all && table(src, i, &t) == 0; i++) {
		if (!selected(t.name, tables, n_tables))
			continue;
		if (!first)
			fputc('\n', stdout);
		first = false;
		if (csv) {
			if (n_tables != 1 && n_all != 1)
				printf("# %s: %s\n", t.name, t.title);
			tab_csv(stdout, &t);
		} else {
			tab_print(stdout, &t);
		}
	}
	if (fflush(stdout) != 0) {
		cli_error("cannot write standard output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* --list / --show: the simulations recorded in an audit database. */
static int show_record(const char *path, const char *show, bool csv, const char **tables,
		       size_t n_tables)
{
	inc_audit *a = NULL;
	inc_sim_record *r = NULL;
	char *err = NULL;
	int rc, status = EXIT_INPUT;
	long long n = 0;

	if (show && (n = cli_run_number(show)) < 0) {
		cli_error("--show needs a simulation number or 'latest', not '%s'", show);
		return EXIT_USAGE;
	}
	if (inc_audit_open(&a, path, INC_AUDIT_READ, &err) != 0) {
		cli_error("%s", err ? err : "cannot open the audit database");
		free(err);
		return EXIT_INPUT;
	}
	rc = show ? inc_audit_show_sim(&r, a, n) : inc_audit_list_sims(&r, a);
	if (rc) {
		cli_error("%s", inc_audit_errmsg(a));
		goto done;
	}
	inc_table t;
	for (size_t i = 0; i < n_tables; i++) {
		bool found = false;
		for (size_t k = 0; inc_sim_record_table(r, k, &t) == 0; k++)
			found = found || strcmp(t.name, tables[i]) == 0;
		if (!found) {
			cli_error("no table '%s' here (see docs/audit.md, \"Simulations\")", tables[i]);
			status = EXIT_USAGE;
			goto done;
		}
	}
	if (print_tables(record_table, r, tables, n_tables, csv) != 0)
		goto done;
	status = EXIT_OK;
done:
	inc_sim_record_destroy(r);
	inc_audit_close(a);
	return status;
}

static void progress(void *ud, uint64_t done, uint64_t total)
{
	(void)ud;
	fprintf(stderr, "\rincentive: Monte Carlo trials %llu / %llu", (unsigned long long)done,
		(unsigned long long)total);
	fflush(stderr);
}

static bool selected(const char *name, const char **names, size_t n)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static int write_csv_dir(const inc_sim *s, const char *dir)
{
	inc_table t;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return -1;
	for (size_t i = 0; inc_sim_table(s, i, &t) == 0; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.csv", dir, t.name);
		FILE *f = fopen(path, "w");
		if (!f)
			return -1;
		tab_csv(f, &t);
		if (fclose(f) != 0)
			return -1;
	}
	return 0;
}

static int load_policy(inc_policy **p, const char *path, diag_printer *dp)
{
	char *err = NULL;
	int rc = inc_policy_load(p, path, diag_print, dp, &err);

	if (rc == INC_EPOLICY)
		cli_error("%s: %lu error%s in the policy; nothing was computed", path, dp->errors,
			  dp->errors == 1 ? "" : "s");
	else if (rc)
		cli_error("%s", err ? err : "cannot load the policy");
	free(err);
	return rc;
}

int cmd_simulate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"policy", required_argument, NULL, 'p'},
		{"vs", required_argument, NULL, 'v'},
		{"people", required_argument, NULL, 'P'},
		{"quotas", required_argument, NULL, 'Q'},
		{"events", required_argument, NULL, 'e'},
		{"rates", required_argument, NULL, 'r'},
		{"scenario", required_argument, NULL, 's'},
		{"profile", required_argument, NULL, 'f'},
		{"trials", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 'S'},
		{"threads", required_argument, NULL, 'j'},
		{"top", required_argument, NULL, 't'},
		{"no-curves", no_argument, NULL, 'C'},
		{"format", required_argument, NULL, 'F'},
		{"table", required_argument, NULL, 'T'},
		{"csv-dir", required_argument, NULL, 'D'},
		{"report", required_argument, NULL, 'R'},
		{"quiet", no_argument, NULL, 'q'},
		{"audit", required_argument, NULL, 'A'},
		{"by", required_argument, NULL, 'B'},
		{"note", required_argument, NULL, 'N'},
		{"list", no_argument, NULL, 'L'},
		{"show", required_argument, NULL, 'W'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *pa = NULL, *pb = NULL, *people = NULL, *quotas = NULL, *csv_dir = NULL,
		   *report = NULL, *audit_path = NULL, *by = NULL, *note = NULL, *show = NULL;
	bool list = false;
	inc_audit *audit = NULL;
	char *command = NULL;
	int64_t sim_no = 0;
	const char **events = calloc((size_t)argc, sizeof *events);
	const char **tables = calloc((size_t)argc, sizeof *tables);
	const char **rates = calloc((size_t)argc, sizeof *rates);
	size_t n_events = 0, n_tables = 0, n_rates = 0;
	inc_sim_options so = {0};
	bool csv = false, quiet = false;
	int c, status = EXIT_INPUT;
	inc_policy *a = NULL, *b = NULL;
	inc_sim *s = NULL;

	if (!events || !tables || !rates) {
		free(events);
		free(tables);
		free(rates);
		return EXIT_INPUT;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end = NULL;
		unsigned long long v = 0;
		if (strchr("nSjt", c)) {
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' ||
			    (c != 'S' && (v == 0 || v > 100000000))) {
				cli_error("--%s needs a %s number, not '%s'",
					  c == 'n' ? "trials" : c == 'S' ? "seed" : c == 'j' ? "threads" : "top",
					  c == 'S' ? "whole" : "positive", optarg);
				status = EXIT_USAGE;
				goto done;
			}
		}
		switch (c) {
		case 'p': pa = optarg; break;
		case 'v': pb = optarg; break;
		case 'P': people = optarg; break;
		case 'Q': quotas = optarg; break;
		case 'e': events[n_events++] = optarg; break;
		case 'r': rates[n_rates++] = optarg; break;
		case 's': so.scenario = optarg; break;
		case 'f': so.profile = optarg; break;
		case 'n': so.trials = v; break;
		case 'S': so.has_seed = 1; so.seed = v; break;
		case 'j': so.threads = (unsigned)v; break;
		case 't': so.top = (unsigned)v; break;
		case 'C': so.no_curves = 1; break;
		case 'T': tables[n_tables++] = optarg; break;
		case 'D': csv_dir = optarg; break;
		case 'R': report = optarg; break;
		case 'q': quiet = true; break;
		case 'A': audit_path = optarg; break;
		case 'B': by = optarg; break;
		case 'N': note = optarg; break;
		case 'L': list = true; break;
		case 'W': show = optarg; break;
		case 'F':
			if (strcmp(optarg, "csv") == 0) {
				csv = true;
			} else if (strcmp(optarg, "table") != 0) {
				cli_error("--format must be table or csv, not '%s'", optarg);
				status = EXIT_USAGE;
				goto done;
			}
			break;
		case 'h':
			sim_usage(stdout);
			status = EXIT_OK;
			goto done;
		default:
			sim_usage(stderr);
			status = EXIT_USAGE;
			goto done;
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		status = EXIT_USAGE;
		goto done;
	}
	if (list || show) {
		if (!audit_path || pa || pb || people || quotas || n_events || n_rates ||
		    (list && show)) {
			cli_error("--list and --show take --audit FILE and no inputs "
				  "(see 'incentive simulate --help')");
			status = EXIT_USAGE;
			goto done;
		}
		status = show_record(audit_path, show, csv, tables, n_tables);
		goto done;
	}
	if (!pa || !people || n_events == 0) {
		cli_error("simulate needs --policy, --people and at least one --events "
			  "(see 'incentive simulate --help')");
		status = EXIT_USAGE;
		goto done;
	}

	diag_printer dp = {.quiet_warnings = quiet};
	if (!quiet && isatty(STDERR_FILENO))
		so.progress = progress;
	if (load_policy(&a, pa, &dp) || (pb && load_policy(&b, pb, &dp)))
		goto done;
	int rc = inc_sim_create(&s, a, b, &so, diag_print, &dp);
	if (rc) {
		cli_error("%s", s ? inc_sim_errmsg(s) : "out of memory");
		goto done;
	}
	rc = inc_sim_add_people(s, people);
	if (rc == 0 && quotas)
		rc = inc_sim_add_quotas(s, quotas);
	for (size_t i = 0; rc == 0 && i < n_rates; i++)
		rc = inc_sim_add_rates(s, rates[i]);
	for (size_t i = 0; rc == 0 && i < n_events; i++)
		rc = inc_sim_add_events(s, events[i]);
	if (rc == 0)
		rc = inc_sim_execute(s);
	if (so.progress && inc_sim_get_info(s)->trials)
		fputs("\r\033[K", stderr);
	if (rc) {
		cli_error("%s", inc_sim_errmsg(s));
		cli_error("nothing was written");
		goto done;
	}
	for (size_t i = 0; i < n_tables; i++) {
		inc_table t;
		if (inc_sim_table_named(s, tables[i], &t) != 0) {
			cli_error("this simulation has no table '%s' (see docs/simulate.md)", tables[i]);
			status = EXIT_USAGE;
			goto done;
		}
	}
	if (audit_path) {
		char *err = NULL;
		if (!by || !*by)
			by = getenv("USER");
		if (!by || !*by) {
			const struct passwd *pw = getpwuid(getuid());
			by = pw ? pw->pw_name : NULL;
		}
		command = cli_command_line("simulate", argc, argv);
		inc_audit_sim_options ao = {.command = command, .by = by, .note = note};
		if (inc_audit_open(&audit, audit_path, INC_AUDIT_WRITE, &err) != 0) {
			cli_error("%s", err ? err : "cannot open the audit database");
			free(err);
			goto done;
		}
		if (inc_audit_record_sim(audit, s, &ao, &sim_no) != 0) {
			cli_error("%s", inc_audit_errmsg(audit));
			cli_error("the simulation was not recorded; nothing was written");
			goto done;
		}
	}
	if (report && write_report(s, report) != 0) {
		cli_error("cannot write %s: %s", report, strerror(errno));
		goto done;
	}
	if (csv_dir && write_csv_dir(s, csv_dir) != 0) {
		cli_error("cannot write tables into %s: %s", csv_dir, strerror(errno));
		goto done;
	}
	if (print_tables(sim_table, s, tables, n_tables, csv) != 0)
		goto done;
	if (!quiet) {
		const inc_sim_info *in = inc_sim_get_info(s);
		fprintf(stderr, "incentive: simulated %llu events (%llu accepted)",
			(unsigned long long)in->events_used, (unsigned long long)in->events);
		if (in->trials)
			fprintf(stderr, ", %llu Monte Carlo trials on %u thread%s, seed %llu",
				(unsigned long long)in->trials, in->threads, in->threads == 1 ? "" : "s",
				(unsigned long long)in->seed);
		fputc('\n', stderr);
		if (report)
			fprintf(stderr, "incentive: report written to %s\n", report);
		if (audit_path)
			fprintf(stderr,
				"incentive: audit %s: simulation %lld recorded (a simulation, not a run: "
				"nothing is paid or locked)\n",
				audit_path, (long long)sim_no);
		else
			fprintf(stderr, "incentive: nothing was recorded (a simulation never touches a final record)\n");
	}
	status = EXIT_OK;
done:
	inc_audit_close(audit);
	free(command);
	inc_sim_destroy(s);
	inc_policy_destroy(a);
	inc_policy_destroy(b);
	free(events);
	free(tables);
	free(rates);
	return status;
}
