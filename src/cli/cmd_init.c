/*
 * cmd_init.c: `incentive init DIR`: writes a new, commented starter
 * policy (one rule of each common kind, a Lua script, sample people,
 * quotas and events, and passing tests) so that a new author starts from
 * something that works.  The files are those of src/cli/starter/, built
 * into the program.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static void init_usage(FILE *f)
{
	fprintf(f, "usage: incentive init DIR\n"
		   "\n"
		   "Writes a new starter policy into DIR (created if needed; "
		   "it must be\n"
		   "empty): policy.yaml with one rule of each common kind "
		   "(commission with\n"
		   "rate rows and tiers, SPIFF, target bonus, clawback, cap, "
		   "Lua script),\n"
		   "scripts/, sample people, quotas and events in data/, and "
		   "test cases in\n"
		   "tests/ that pass.  Every file is commented; start by "
		   "reading policy.yaml.\n"
		   "\n"
		   "Exit status: 0 written, 1 DIR is not empty or cannot be "
		   "written, 2 usage.\n");
}

/* mkdir -p for the directories of a path (not the last component). */
static int make_parents(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* true when dir does not exist yet or is an empty directory. */
static bool dir_is_empty(const char *dir)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	bool empty = true;

	if (stat(dir, &st) != 0)
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode) || !(d = opendir(dir)))
		return false;
	while (empty && (e = readdir(d)))
		empty =
		    strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

static int write_all(const char *path, const char *bytes, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, bytes + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		off += (size_t)n;
	}
	return close(fd);
}

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			init_usage(stdout);
			return EXIT_OK;
		}
		init_usage(stderr);
		return EXIT_USAGE;
	}
	if (optind + 1 != argc) {
		init_usage(stderr);
		return EXIT_USAGE;
	}
	const char *dir = argv[optind];
	if (!dir_is_empty(dir)) {
		cli_error(
		    "%s exists and is not an empty directory: choose a new one",
		    dir);
		return EXIT_INPUT;
	}
	for (size_t i = 0; i < n_starter_files; i++) {
		char path[PATH_MAX];
		const embedded_file *f = &starter_files[i];
		if (snprintf(path, sizeof path, "%s/%s", dir, f->path) >=
			(int)sizeof path ||
		    make_parents(path) != 0 ||
		    write_all(path, f->bytes, f->len) != 0) {
			cli_error("cannot write %s: %s", path, strerror(errno));
			return EXIT_INPUT;
		}
		printf("wrote %s\n", path);
	}
	printf(
	    "\nNext:\n"
	    "  incentive check %s          # is the policy well formed?\n"
	    "  incentive test %s           # do its tests pass?\n"
	    "  incentive run --policy %s --people %s/data/people.csv \\\n"
	    "      --quotas %s/data/quotas.csv --events %s/data/events.csv\n"
	    "Then edit %s/policy.yaml (every key is explained in it) and its\n"
	    "tests in %s/tests/.\n",
	    dir, dir, dir, dir, dir, dir, dir, dir);
	return EXIT_OK;
}
