/*
 * fuzz_detail.c: libFuzzer target for how a decision's detail is stored
 * (src/lib/audit_detail.c, schema version 3): the compact form
 * "[shape,values...]" and its shapes' keys come back from a database that
 * anyone may have edited, so expanding must be safe on any bytes.
 *
 * Input: the bytes up to the first NUL are a shape's keys text (as stored
 * in detail_keys), the rest a stored detail (the whole input when there
 * is no NUL).
 *
 * Oracles:
 *  - detail_expand on the stored detail, with the keys text as shape 1,
 *    returns 0 or 1 and reads nothing outside the text (ASan);
 *  - an object a compact form expands to is taken by the compactor, and
 *    comes back from its compact form byte for byte;
 *  - the stored detail taken as an object is refused (1) or comes back
 *    byte for byte, and compacting it again gives the same form under
 *    the same shape (no new shape).
 */
#include <stdbool.h>

#include "audit.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* take: the compactor must accept obj */
static void must_round_trip(detail_shapes *s, const char *obj, size_t n,
			    bool take)
{
	canon keys, out, back;
	bool fresh;

	canon_init(&keys);
	canon_init(&out);
	canon_init(&back);
	int r = detail_compact(s, obj, n, &keys, &out, &fresh);
	if (r == 0) {
		if (detail_expand(s, out.buf, out.len, &back) != 0 ||
		    back.len != n || memcmp(back.buf, obj, n) != 0)
			__builtin_trap();
		/* the same object again: the same form, no new shape */
		canon again;
		canon_init(&again);
		if (detail_compact(s, obj, n, &keys, &again, &fresh) != 0 ||
		    fresh || again.len != out.len ||
		    memcmp(again.buf, out.buf, out.len) != 0)
			__builtin_trap();
		canon_finish(&again);
	} else if (r != 1 || take) {
		__builtin_trap(); /* -1 is out of memory only */
	}
	canon_finish(&keys);
	canon_finish(&out);
	canon_finish(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *nul = memchr(p, '\0', size);
	size_t kl = nul ? (size_t)(nul - p) : 0;
	size_t n = nul ? size - kl - 1 : size;
	/* the stored detail in a buffer of its exact size (ASan sees a read
	 * one byte past it); the keys NUL-terminated, as loaded */
	char *stored = malloc(n ? n : 1), *keys = malloc(kl + 1);
	detail_shapes s, fresh;
	canon out;

	detail_shapes_init(&s);
	detail_shapes_init(&fresh);
	canon_init(&out);
	s.keys = malloc(sizeof *s.keys);
	s.klen = malloc(sizeof *s.klen);
	if (!stored || !keys || !s.keys || !s.klen) {
		free(stored);
		free(keys);
		detail_shapes_free(&s);
		return 0;
	}
	memcpy(stored, nul ? nul + 1 : p, n);
	memcpy(keys, p, kl);
	keys[kl] = '\0';
	/* shape 1 has the input's keys text, whatever it holds */
	s.keys[0] = keys;
	s.klen[0] = kl;
	s.n = s.cap = 1;

	/* 1: any stored form under any keys text: 0 or 1, in bounds */
	int r = detail_expand(&s, stored, n, &out);
	if (r != 0 && r != 1)
		__builtin_trap();
	/* an object it expands to is one the compactor takes back exactly */
	if (r == 0 && n && stored[0] == '[') {
		canon obj;
		canon_init(&obj);
		obj.buf = malloc(out.len ? out.len : 1);
		if (obj.buf) {
			memcpy(obj.buf, out.buf, out.len);
			must_round_trip(&fresh, obj.buf, out.len, true);
		}
		canon_finish(&obj);
	}
	/* 2: any input taken as a detail object */
	must_round_trip(&fresh, stored, n, false);

	canon_finish(&out);
	detail_shapes_free(&s);
	detail_shapes_free(&fresh);
	free(stored);
	return 0;
}
