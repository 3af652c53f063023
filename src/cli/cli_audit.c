/*
 * cli_audit.c: small pieces the audit verbs share (run, verify, replay,
 * explain, statement, approve).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* true when s can go on a shell command line as it is */
static bool plain_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789-_./=:,+@%",
			*s))
			return false;
	return true;
}

char *cli_command_line(const char *verb, int argc, char **argv)
{
	size_t cap = strlen("incentive ") + strlen(verb) + 1;
	char *out, *p;

	for (int i = 1; i < argc; i++)
		cap += 3 + 4 * strlen(argv[i]);
	out = malloc(cap);
	if (!out)
		return NULL;
	p = out;
	p += strlen(strcpy(p, "incentive "));
	p += strlen(strcpy(p, verb));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		*p++ = ' ';
		if (plain_word(a)) {
			p += strlen(strcpy(p, a));
			continue;
		}
		*p++ = '\'';
		for (; *a; a++) {
			if (*a == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *a;
			}
		}
		*p++ = '\'';
	}
	*p = '\0';
	return out;
}

long long cli_run_number(const char *s)
{
	char *end;
	long long v;

	if (!s || strcmp(s, "latest") == 0)
		return 0;
	v = strtoll(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || v <= 0)
		return -1;
	return v;
}
