/*
 * cmd_test.c: `incentive test POLICY`: runs the test cases in the
 * policy's tests/ directory and prints one line per case, the first
 * difference of each failure, and a summary; --coverage lists what no
 * case reached; --watch runs the suite again whenever a policy, script,
 * test or input file changes (inotify), until interrupted.
 *
 *   ok   commission: a deal in the first tier pays half the rate
 *   FAIL commission: a deal that crosses the quota
 *        rules/tests/commission.yaml:41: r01 commission: expected 1,250.00, got
 * 1,200.00, rule base-commission 12 cases: 11 passed, 1 failed
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define WATCH_DEBOUNCE_MS 250
#define WATCH_MAX_DEPTH 4

static void test_usage(FILE *f)
{
	fprintf(
	    f, "usage: incentive test POLICY [--filter TEXT] [--coverage] "
	       "[--watch]\n"
	       "\n"
	       "Runs the test cases in POLICY/tests/*.yaml (for a policy that "
	       "is one\n"
	       "file, tests/ beside it): each case gives people, quotas and "
	       "events and\n"
	       "the decisions, rejected lines or error they must produce (see "
	       "\"Testing\n"
	       "a policy\" in docs/policy-guide.md).  Prints ok or FAIL per "
	       "case, the\n"
	       "first difference of each failure, and a summary line.\n"
	       "\n"
	       "options:\n"
	       "  --filter TEXT   only the cases whose name, or file name, "
	       "contains TEXT\n"
	       "  --coverage      also list what no case reached: rules, rate "
	       "rows, tier\n"
	       "                  bands, bonus bands, thresholds, SPIFF caps, "
	       "discipline\n"
	       "                  ladder steps and escalation rows, appraisal "
	       "rows\n"
	       "  --watch         run again whenever a policy, script, test or "
	       "input file\n"
	       "                  changes, until interrupted (Ctrl-C)\n"
	       "  --verbose       show the details of failures (the decisions "
	       "made)\n"
	       "\n"
	       "Exit status: 0 every case passed, 1 a case failed or a file "
	       "has errors\n"
	       "(every problem printed as file:line:column), 2 usage error.\n");
}

typedef struct test_out {
	bool verbose;
	const char *tests_prefix;
} test_out;

/* "rules/tests/commission.yaml" -> "commission" */
static void short_name(char *buf, size_t cap, const char *file)
{
	const char *b = strrchr(file, '/');
	b = b ? b + 1 : file;
	size_t n = strlen(b);
	if (n > 5 && strcmp(b + n - 5, ".yaml") == 0)
		n -= 5;
	else if (n > 4 && strcmp(b + n - 4, ".yml") == 0)
		n -= 4;
	snprintf(buf, cap, "%.*s", (int)n, b);
}

static int print_case(void *ud, const inc_test_case *c)
{
	test_out *o = ud;
	char name[256];

	short_name(name, sizeof name, c->file);
	if (c->passed) {
		printf("ok   %s: %s\n", name, c->name);
	} else {
		printf("FAIL %s: %s\n", name, c->name);
		printf("     %s: %s\n", c->where ? c->where : c->file,
		       c->message ? c->message : "failed");
		if (c->details) {
			/* every decision when asked for; else just a few lines
			 */
			int shown = 0;
			const char *p = c->details;
			while (*p && (o->verbose || shown < 12)) {
				const char *e = strchr(p, '\n');
				int len = e ? (int)(e - p) : (int)strlen(p);
				printf("     | %.*s\n", len, p);
				shown++;
				p = e ? e + 1 : p + len;
			}
			if (*p)
				printf("     | ... (--verbose shows "
				       "everything)\n");
		}
	}
	fflush(stdout);
	return 0;
}

/* "rule spiff-strategic (version 2026.1)", "rate row 2 (SW-SMB) of rule
 * base-commission (version 2026.2)" */
static void print_item(const inc_coverage_item *it)
{
	if (strcmp(it->what, "rule") == 0)
		printf("rule %s (version %s)", it->rule, it->version);
	else
		printf("%s of rule %s (version %s)", it->what, it->rule,
		       it->version);
}

/* Prints what no case reached.  Returns the number of such items. */
static size_t print_coverage(const inc_tests *t)
{
	inc_coverage_item it;
	size_t total = 0, reached = 0, na = 0, missed = 0;

	for (size_t i = 0; inc_tests_coverage(t, i, &it) == 0; i++) {
		if (!it.applicable) {
			na++;
			continue;
		}
		total++;
		if (it.reached)
			reached++;
	}
	printf("coverage: %zu of %zu item%s reached (rules, rate rows, tier "
	       "bands, "
	       "bonus bands, thresholds, caps, ladder steps, escalation and "
	       "rating "
	       "rows)\n",
	       reached, total, total == 1 ? "" : "s");
	for (size_t i = 0; inc_tests_coverage(t, i, &it) == 0; i++) {
		if (!it.applicable || it.reached)
			continue;
		missed++;
		printf("  not reached: %s:%u:%u: ", it.file, it.line,
		       it.column);
		print_item(&it);
		printf("\n");
	}
	if (na) {
		printf("  %zu item%s cannot be reached by any run:\n", na,
		       na == 1 ? "" : "s");
		for (size_t i = 0; inc_tests_coverage(t, i, &it) == 0; i++) {
			if (it.applicable)
				continue;
			printf("    %s:%u:%u: ", it.file, it.line, it.column);
			print_item(&it);
			printf(": %s\n", it.note ? it.note : "");
		}
	}
	if (missed == 0)
		printf(
		    "coverage: every rule, row, band and step was reached\n");
	fflush(stdout);
	return missed;
}

/* Runs the suite once.  Returns the exit status. */
static int run_once(const char *policy, const char *filter, bool coverage,
		    bool verbose, inc_tests **keep)
{
	diag_printer dp = {0};
	inc_tests_options opts = {.filter = filter};
	inc_tests *t = NULL;
	char *err = NULL;
	int status = EXIT_INPUT;
	test_out o = {.verbose = verbose};

	int rc = inc_tests_create(&t, policy, &opts, diag_print, &dp, &err);
	if (rc == INC_EPOLICY) {
		printf("FAIL %s: the policy has %lu error%s (printed above); "
		       "no test "
		       "was run\n",
		       policy, dp.errors, dp.errors == 1 ? "" : "s");
		goto done;
	}
	if (rc) {
		cli_error("%s", err ? err : "cannot load the tests");
		goto done;
	}
	if (inc_tests_run(t, print_case, &o) != 0) {
		cli_error("%s", inc_tests_errmsg(t));
		goto done;
	}
	const inc_tests_summary *s = inc_tests_get_summary(t);
	if (s->file_errors)
		printf(
		    "FAIL %llu problem%s in test files (printed above); their "
		    "cases were not run\n",
		    (unsigned long long)s->file_errors,
		    s->file_errors == 1 ? "" : "s");
	printf("%llu case%s: %llu passed, %llu failed",
	       (unsigned long long)s->cases, s->cases == 1 ? "" : "s",
	       (unsigned long long)s->passed, (unsigned long long)s->failed);
	if (s->filtered)
		printf(", %llu left out by --filter",
		       (unsigned long long)s->filtered);
	printf(" (%llu test file%s)\n", (unsigned long long)s->files,
	       s->files == 1 ? "" : "s");
	if (s->cases == 0 && s->file_errors == 0) {
		if (filter && *filter)
			printf("FAIL no case matches --filter '%s'\n", filter);
		else
			printf("FAIL no test cases: write them in "
			       "%s/tests/*.yaml (see "
			       "docs/policy-guide.md, \"Testing a policy\")\n",
			       policy);
	}
	if (coverage)
		print_coverage(t);
	if (s->failed == 0 && s->file_errors == 0 && s->cases > 0)
		status = EXIT_OK;
done:
	fflush(stdout);
	free(err);
	if (keep)
		*keep = t;
	else
		inc_tests_destroy(t);
	return status;
}

/* ---- --watch ------------------------------------------------------------- */

static volatile sig_atomic_t stop_watch;

static void on_signal(int sig)
{
	(void)sig;
	stop_watch = 1;
}

static void add_watch(int fd, const char *dir)
{
	/* a directory, so that editors that replace files (write a copy,
	 * rename it over) are seen as well as those that write in place */
	(void)inotify_add_watch(fd, dir,
				IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
				    IN_CREATE | IN_DELETE | IN_ATTRIB |
				    IN_DELETE_SELF | IN_MOVE_SELF);
}

/* The policy directory and its sub-directories (scripts/, tests/, data
 * they keep), except hidden ones and examples/ (other policies). */
static void watch_tree(int fd, const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;

	add_watch(fd, dir);
	if (depth >= WATCH_MAX_DEPTH || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		char sub[PATH_MAX];
		struct stat st;
		if (e->d_name[0] == '.' || strcmp(e->d_name, "examples") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			watch_tree(fd, sub, depth + 1);
	}
	closedir(d);
}

/* Names editors use for their own files: swap files, backups. */
static bool ignored_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return false;
	return name[0] == '.' || name[n - 1] == '~' || name[0] == '#' ||
	       (n > 4 && (strcmp(name + n - 4, ".swp") == 0 ||
			  strcmp(name + n - 4, ".swx") == 0)) ||
	       strcmp(name, "4913") == 0;
}

/* Reads pending inotify events; returns true when one concerns a file we
 * care about, with its name in changed (when not NULL). */
static bool drain(int fd, char *changed, size_t cap)
{
	char buf[8192]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool relevant = false;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			return relevant;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev =
			    (struct inotify_event *)(void *)p;
			const char *name = ev->len ? ev->name : "";
			if (!ignored_name(name) && !(ev->mask & IN_IGNORED)) {
				if (!relevant && changed)
					snprintf(changed, cap, "%s",
						 *name ? name : "a directory");
				relevant = true;
			}
			p += sizeof *ev + ev->len;
		}
	}
}

static int watch_loop(const char *policy, const char *filter, bool coverage,
		      bool verbose)
{
	struct sigaction sa = {0};
	int status;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (;;) {
		inc_tests *t = NULL;
		struct stat st;
		char changed[NAME_MAX + 1] = "";

		int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (fd < 0) {
			cli_error("--watch: inotify: %s", strerror(errno));
			return EXIT_INPUT;
		}
		/* watch first, so that a save during the run is not missed */
		if (stat(policy, &st) == 0 && S_ISDIR(st.st_mode)) {
			watch_tree(fd, policy, 0);
		} else {
			char dir[PATH_MAX];
			const char *slash = strrchr(policy, '/');
			snprintf(dir, sizeof dir, "%.*s",
				 slash ? (int)(slash - policy) : 1,
				 slash ? policy : ".");
			watch_tree(fd, dir, 0);
		}
		status = run_once(policy, filter, coverage, verbose, &t);
		for (size_t i = 0; t; i++) {
			const char *p;
			char dir[PATH_MAX];
			if (inc_tests_input_path(t, i, &p) != 0)
				break;
			const char *slash = strrchr(p, '/');
			snprintf(dir, sizeof dir, "%.*s",
				 slash ? (int)(slash - p) : 1, slash ? p : ".");
			add_watch(fd, dir);
		}
		inc_tests_destroy(t);
		printf("watching %s for changes (Ctrl-C to stop)\n", policy);
		fflush(stdout);

		/* wait for a change, then for WATCH_DEBOUNCE_MS of quiet: one
		 * save often comes as several events */
		bool seen = false;
		while (!stop_watch) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			int r = poll(&pfd, 1, seen ? WATCH_DEBOUNCE_MS : -1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				cli_error("--watch: %s", strerror(errno));
				close(fd);
				return EXIT_INPUT;
			}
			if (r == 0 && seen)
				break;
			if (drain(fd, seen ? NULL : changed, sizeof changed))
				seen = true;
		}
		close(fd);
		if (stop_watch)
			return status;
		printf("\n--- %s changed: running the tests again\n", changed);
		fflush(stdout);
	}
}

int cmd_test(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"filter", required_argument, NULL, 'f'},
	    {"coverage", no_argument, NULL, 'c'},
	    {"watch", no_argument, NULL, 'w'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *filter = NULL;
	bool coverage = false, watch = false, verbose = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			filter = optarg;
			break;
		case 'c':
			coverage = true;
			break;
		case 'w':
			watch = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			test_usage(stdout);
			return EXIT_OK;
		default:
			test_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		test_usage(stderr);
		return EXIT_USAGE;
	}
	if (watch)
		return watch_loop(argv[optind], filter, coverage, verbose);
	return run_once(argv[optind], filter, coverage, verbose, NULL);
}
