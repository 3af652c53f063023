/*
 * fuzz_common.h: what the libFuzzer targets in tests/fuzz/ share: a
 * private scratch directory (on tmpfs when there is one) where an input is
 * written as a file for the readers that take a path, and a check that a
 * diagnostic is well formed.  Header-only: every target is one file.
 */
#ifndef INC_FUZZ_COMMON_H
#define INC_FUZZ_COMMON_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "incentive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The scratch directory, made on first use and removed at exit. */
static char fz_dir[256];

static void fz_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (unlink(p) != 0)
			fz_rmtree(p);
	}
	closedir(d);
	rmdir(dir);
}

static void fz_cleanup(void)
{
	if (fz_dir[0])
		fz_rmtree(fz_dir);
}

static const char *fz_scratch(void)
{
	struct stat st;

	if (fz_dir[0])
		return fz_dir;
	const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)
			       ? "/dev/shm"
			       : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	snprintf(fz_dir, sizeof fz_dir, "%s/incfuzz-%ld-XXXXXX", base,
		 (long)getpid());
	if (!mkdtemp(fz_dir)) {
		perror("mkdtemp");
		abort();
	}
	atexit(fz_cleanup);
	return fz_dir;
}

/* Writes data to <scratch>/name and returns the path (static buffer). */
__attribute__((unused)) static const char *fz_write(const char *name, const uint8_t *data,
			    size_t size)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", fz_scratch(), name);
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
		perror(path);
		abort();
	}
	return path;
}

/* A diagnostic must carry a message, an error also the file it is about
 * (a warning about the run as a whole may have none), and its strings must
 * be readable (ASan checks the strlen). */
__attribute__((unused)) static void fz_diag(void *ud, const inc_diag *d)
{
	size_t *n = ud;

	if (!d || !d->message || strlen(d->message) == 0)
		abort();
	if (d->severity == INC_SEV_ERROR && !d->file)
		abort();
	if (d->file && strlen(d->file) == 0)
		abort();
	if (d->hint)
		(void)strlen(d->hint);
	if (n)
		(*n)++;
}

#endif
