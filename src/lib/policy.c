/*
 * policy.c: loads a policy (a directory of versions, or one YAML file)
 * into the immutable model of model.h, reporting every problem found.
 *
 * This file handles the files and what spans versions: listing and
 * reading the version files, their top-level keys (name, dates, currency,
 * rounding, period, limits, ladder), scripts (path checks, loading, Lua
 * syntax check), the checks across versions, rule and type slots, and the
 * content hash.  The shared pl_* helpers that read typed values out of the
 * YAML tree live here too.  Event types, conditions and rules are compiled
 * in policy_rules.c.
 *
 * Content hash.  Every file of the policy (the version files and every
 * script a rule names) is kept byte for byte in policy_file, with its
 * path relative to the policy directory, sorted by path (bytewise).  Each
 * file's own sha256 is SHA-256 of its bytes, so `sha256sum FILE` shows the
 * same value.  The policy hash is SHA-256 over the concatenation, for each
 * file in that order, of
 *     <path> NUL <length in decimal ASCII> NUL <bytes>
 * which makes the hash change when any file is renamed, added, removed or
 * edited, and cannot be confused by bytes moving from one file to the next.
 */
#include "policy-int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sandbox.h"

/* ---- reporting ---- */

static void pl_vreport(ploader *L, const char *file, uint32_t line,
		       uint32_t col, const char *hint, const char *fmt,
		       va_list ap) __attribute__((format(printf, 6, 0)));

static void pl_vreport(ploader *L, const char *file, uint32_t line,
		       uint32_t col, const char *hint, const char *fmt,
		       va_list ap)
{
	char msg[1024];

	L->n_errors++;
	if (!L->diag)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	inc_diag d = {file, line, col, INC_SEV_ERROR, msg, hint};
	L->diag(L->ud, &d);
}

void pl_error(ploader *L, const ynode *n, const char *hint, const char *fmt,
	      ...)
{
	va_list ap;

	va_start(ap, fmt);
	pl_vreport(L, L->file, n ? n->line : 0, n ? n->col : 0, hint, fmt, ap);
	va_end(ap);
}

void pl_error_at(ploader *L, const char *file, uint32_t line, uint32_t col,
		 const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pl_vreport(L, file, line, col, hint, fmt, ap);
	va_end(ap);
}

const char *pl_did_you_mean(char *buf, size_t cap, const char *word,
			    const char *const *cands, size_t n)
{
	/* no suggestion for long words: not a typo, and edit distance
	 * would cost length x candidates */
	const char *best =
	    strlen(word) > 64 ? NULL : closest_word(word, cands, n);

	if (!best)
		return NULL;
	snprintf(buf, cap, "did you mean '%s'?", best);
	return buf;
}

/* ---- allocation ---- */

void *pl_alloc(ploader *L, size_t size)
{
	void *p = arena_alloc(L->mem, size ? size : 1);

	if (!p)
		L->oom = true;
	return p;
}

void *pl_array(ploader *L, size_t n, size_t size)
{
	if (n == 0)
		return NULL;
	if (n > SIZE_MAX / size) {
		L->oom = true;
		return NULL;
	}
	return pl_alloc(L, n * size);
}

char *pl_text(ploader *L, const ynode *n)
{
	char *s = arena_strndup(L->mem, n->text, n->len);

	if (!s)
		L->oom = true;
	return s;
}

static char *pl_strdup(ploader *L, const char *s)
{
	char *c = arena_strdup(L->mem, s);

	if (!c)
		L->oom = true;
	return c;
}

src_loc pl_loc(const ploader *L, const ynode *n)
{
	src_loc l = {L->file, n ? n->line : 0, n ? n->col : 0};
	return l;
}

int pl_ptrvec_push(ploader *L, pl_ptrvec *v, void *item)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void **items = realloc(v->items, cap * sizeof *items);
		if (!items) {
			L->oom = true;
			return -1;
		}
		v->items = items;
		v->cap = cap;
	}
	v->items[v->n++] = item;
	return 0;
}

/* ---- shape ---- */

bool pl_check_keys(ploader *L, const ynode *map, const char *const *allowed,
		   size_t n_allowed)
{
	bool ok = true;

	if (!map || map->kind != YN_MAP)
		return true;
	for (size_t i = 0; i < map->n_pairs; i++) {
		const ynode *k = map->pairs[i].key;
		bool found = false;
		for (size_t j = 0; j < n_allowed && !found; j++)
			found = ynode_text_is(k, allowed[j]);
		if (found)
			continue;
		char hint[160];
		pl_error(L, k,
			 pl_did_you_mean(hint, sizeof hint, k->text, allowed,
					 n_allowed),
			 "unknown key '%.*s'", k->len > 100 ? 100 : (int)k->len,
			 k->text);
		ok = false;
	}
	return ok;
}

const ynode *pl_required(ploader *L, const ynode *map, const char *key)
{
	const ypair *p = ynode_get_pair(map, key);

	if (!p) {
		pl_error(L, map, NULL, "missing required key '%s'", key);
		return NULL;
	}
	return p->value;
}

const ynode *pl_optional(const ynode *map, const char *key)
{
	const ynode *v = ynode_get(map, key);

	return ynode_is_null(v) ? NULL : v;
}

static bool expect_kind(ploader *L, const ynode *n, ynode_kind kind,
			const char *what)
{
	char got[128];

	if (n && n->kind == kind && !(kind == YN_SCALAR && ynode_is_null(n)))
		return true;
	pl_error(L, n, NULL, "expected %s, got %s", what,
		 ynode_describe(n, got, sizeof got));
	return false;
}

bool pl_expect_map(ploader *L, const ynode *n, const char *what)
{
	return expect_kind(L, n, YN_MAP, what);
}

bool pl_expect_seq(ploader *L, const ynode *n, const char *what)
{
	return expect_kind(L, n, YN_SEQ, what);
}

bool pl_expect_scalar(ploader *L, const ynode *n, const char *what)
{
	return expect_kind(L, n, YN_SCALAR, what);
}

/* ---- scalar values ---- */

bool pl_get_string(ploader *L, const ynode *n, const char *what,
		   const char **out)
{
	if (!pl_expect_scalar(L, n, what))
		return false;
	if (n->len == 0) {
		char got[128];
		pl_error(L, n, NULL, "expected %s, got %s", what,
			 ynode_describe(n, got, sizeof got));
		return false;
	}
	*out = pl_text(L, n);
	return *out != NULL;
}

bool pl_get_bool(ploader *L, const ynode *n, bool *out)
{
	if (ynode_text_is(n, "true")) {
		*out = true;
		return true;
	}
	if (ynode_text_is(n, "false")) {
		*out = false;
		return true;
	}
	char got[128];
	pl_error(L, n, NULL, "expected true or false, got %s",
		 ynode_describe(n, got, sizeof got));
	return false;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

bool pl_get_date(ploader *L, const ynode *n, date_t *out)
{
	char got[128], hint[96];
	const char *h = NULL;

	if (n && n->kind == YN_SCALAR && date_parse(out, n->text, n->len) == 0)
		return true;
	if (n && n->kind == YN_SCALAR && n->len == 10 && n->text[4] == '-' &&
	    n->text[7] == '-' && all_digits(n->text, 4) &&
	    all_digits(n->text + 5, 2) && all_digits(n->text + 8, 2)) {
		int y = atoi(n->text), m = atoi(n->text + 5);
		if (m < 1 || m > 12) {
			h = "months run from 01 to 12";
		} else if (y >= 1) {
			snprintf(hint, sizeof hint, "%.7s has %d days", n->text,
				 date_days_in_month(y, m));
			h = hint;
		}
	}
	pl_error(L, n, h, "expected a date YYYY-MM-DD, got %s",
		 ynode_describe(n, got, sizeof got));
	return false;
}

bool pl_parse_i64(const char *s, size_t n, int64_t *out)
{
	bool neg = n > 0 && s[0] == '-';
	uint64_t v = 0;

	if (neg) {
		s++;
		n--;
	}
	if (!all_digits(s, n) || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

bool pl_get_int(ploader *L, const ynode *n, int64_t lo, int64_t hi,
		int64_t *out)
{
	char got[128];
	int64_t v;

	if (!n || n->kind != YN_SCALAR || !pl_parse_i64(n->text, n->len, &v)) {
		pl_error(L, n, NULL, "expected a whole number, got %s",
			 ynode_describe(n, got, sizeof got));
		return false;
	}
	if (v < lo || v > hi) {
		pl_error(L, n, NULL, "%lld is out of range %lld..%lld",
			 (long long)v, (long long)lo, (long long)hi);
		return false;
	}
	*out = v;
	return true;
}

int pl_get_choice(ploader *L, const ynode *n, const char *const *choices,
		  size_t n_choices)
{
	char list[256] = "", got[128], hint[160];
	size_t used = 0;

	for (size_t i = 0; i < n_choices; i++)
		if (ynode_text_is(n, choices[i]))
			return (int)i;
	for (size_t i = 0; i < n_choices && used < sizeof list; i++)
		used += (size_t)snprintf(list + used, sizeof list - used,
					 "%s%s", i ? ", " : "", choices[i]);
	const char *h = NULL;
	if (n && n->kind == YN_SCALAR)
		h = pl_did_you_mean(hint, sizeof hint, n->text, choices,
				    n_choices);
	pl_error(L, n, h, "expected one of %s, got %s", list,
		 ynode_describe(n, got, sizeof got));
	return -1;
}

/* Digits after the decimal point in s[0..n), up to an optional '%'. */
static size_t written_decimals(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);
	size_t d = 0;

	if (!dot)
		return 0;
	for (const char *c = dot + 1; c < s + n && *c >= '0' && *c <= '9'; c++)
		d++;
	return d;
}

bool pl_get_ratio(ploader *L, const ynode *n, pl_ratio kind, const char *what,
		  dec *out)
{
	static const char *const expected[] = {
	    [RATIO_RATE] = "a percentage like 8% or a decimal like 0.08",
	    [RATIO_MULTIPLIER] = "a number like 1.5 or a percentage like 150%",
	    [RATIO_ATTAINMENT] = "a percentage like 100% or a decimal like 1.0",
	};
	static const char *const range[] = {
	    [RATIO_RATE] = "0%..100%",
	    [RATIO_MULTIPLIER] = "0..10",
	    [RATIO_ATTAINMENT] = "0%..1000%",
	};
	char got[128];
	dec d;

	if (!n || n->kind != YN_SCALAR ||
	    dec_parse(&d, n->text, n->len, true) != DEC_OK) {
		pl_error(L, n, NULL, "expected %s, got %s", expected[kind],
			 ynode_describe(n, got, sizeof got));
		return false;
	}
	bool pct = n->len > 0 && n->text[n->len - 1] == '%';
	if (written_decimals(n->text, n->len) > (pct ? 6u : 8u)) {
		pl_error(L, n,
			 "write at most 6 decimals in a percentage (8.123456%)",
			 "%s %.*s has too many decimals", what, (int)n->len,
			 n->text);
		return false;
	}
	dec hi = dec_from_int(kind == RATIO_RATE ? 1 : 10);
	if (dec_sign(d) < 0 || dec_cmp(d, hi) > 0) {
		pl_error(L, n, NULL, "%s %.*s is out of range %s", what,
			 (int)n->len, n->text, range[kind]);
		return false;
	}
	*out = d;
	return true;
}

bool pl_get_money(ploader *L, const policy_version *v, const ynode *n,
		  const char *what, bool signed_ok, dec *out)
{
	char got[128];
	dec d;

	if (!n || n->kind != YN_SCALAR ||
	    dec_parse(&d, n->text, n->len, false) != DEC_OK) {
		pl_error(L, n, NULL, "expected an amount like 150.00, got %s",
			 ynode_describe(n, got, sizeof got));
		return false;
	}
	if (dec_sign(d) < 0 && !signed_ok) {
		pl_error(L, n, NULL, "%s %.*s must not be negative", what,
			 (int)n->len, n->text);
		return false;
	}
	if (v->currency) {
		int minor =
		    currency_minor_unit(v, v->currency, strlen(v->currency));
		if (minor >= 0 &&
		    written_decimals(n->text, n->len) > (size_t)minor) {
			pl_error(
			    L, n, NULL,
			    "%s %.*s has more decimals than %s allows (%d)",
			    what, (int)n->len, n->text, v->currency, minor);
			return false;
		}
	}
	*out = d;
	return true;
}

bool pl_get_decimal(ploader *L, const ynode *n, dec *out)
{
	char got[128];

	if (!n || n->kind != YN_SCALAR ||
	    dec_parse(out, n->text, n->len, false) != DEC_OK) {
		pl_error(L, n, NULL,
			 "expected a decimal number like 1.25, got %s",
			 ynode_describe(n, got, sizeof got));
		return false;
	}
	return true;
}

/* Column of byte `off` of scalar n's text in the source, when the text up
 * to there is written verbatim on the node's first line (plain, or quoted
 * without escapes before it); else the node's own column. */
static uint32_t pattern_column(const ploader *L, const ynode *n, size_t off)
{
	size_t skip = (n->style == YS_SINGLE || n->style == YS_DOUBLE) ? 1 : 0;
	const ytree *t = L->tree;

	if ((n->style == YS_BLOCK) || !t || off > n->len ||
	    n->offset + skip + off > t->len ||
	    memcmp(t->buf + n->offset + skip, n->text, off) != 0 ||
	    memchr(n->text, '\n', off))
		return n->col;
	uint32_t col = n->col + (uint32_t)skip;
	for (size_t i = 0; i < off; i++)
		if (((unsigned char)n->text[i] & 0xC0) != 0x80)
			col++;
	return col;
}

pcre2_code *pl_compile_pattern(ploader *L, const ynode *n)
{
	int err = 0;
	PCRE2_SIZE off = 0;
	pcre2_code *re;

	if (!pl_expect_scalar(L, n, "a pattern"))
		return NULL;
	re = pcre2_compile((PCRE2_SPTR)n->text, n->len, PCRE2_UTF, &err, &off,
			   NULL);
	if (!re && err == PCRE2_ERROR_HEAP_FAILED) {
		L->oom = true; /* out of memory, not a bad pattern */
		return NULL;
	}
	if (!re) {
		PCRE2_UCHAR msg[256];
		if (pcre2_get_error_message(err, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "error %d", err);
		pl_error_at(L, L->file, n->line, pattern_column(L, n, off),
			    NULL, "pattern does not compile at offset %zu: %s",
			    (size_t)off, (const char *)msg);
		return NULL;
	}
	/* JIT is an optimisation: without it matching still works. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	if (pl_ptrvec_push(L, &L->codes, re) < 0) {
		pcre2_code_free(re);
		return NULL;
	}
	return re;
}

/* ---- slots ---- */

static uint32_t slot_of(ploader *L, strmap *m, pl_ptrvec *names,
			const char *name)
{
	uint32_t slot = 0;

	if (strmap_get(m, name, strlen(name), &slot))
		return slot;
	slot = (uint32_t)names->n;
	if (strmap_put(m, name, strlen(name), slot, NULL) < 0) {
		L->oom = true;
		return UINT32_MAX;
	}
	/* names are already in the policy arena (the model's strings) */
	if (pl_ptrvec_push(L, names, (void *)(uintptr_t)name) < 0)
		return UINT32_MAX;
	return slot;
}

uint32_t pl_rule_slot(ploader *L, const char *id)
{
	return slot_of(L, &L->rule_slots, &L->rule_ids, id);
}

uint32_t pl_type_slot(ploader *L, const char *name)
{
	return slot_of(L, &L->type_slots, &L->type_names, name);
}

/* ---- files ---- */

/* dir joined with name ("" dir: name alone), in the policy arena. */
static char *join_path(ploader *L, const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	char *s;

	if (dl == 0)
		s = arena_strdup(L->mem, name);
	else if (dir[dl - 1] == '/')
		s = arena_printf(L->mem, "%s%s", dir, name);
	else
		s = arena_printf(L->mem, "%s/%s", dir, name);
	if (!s)
		L->oom = true;
	return s;
}

/* inc_policy_load_memory: records the file `rel` of the caller's set as a
 * policy file (bytes copied into the arena, NUL-terminated), or returns -2
 * when the set has no such file.  Returns 0 or -1 like load_policy_file. */
static int load_memory_file(ploader *L, const char *rel, const char *display,
			    policy_file **out)
{
	const inc_policy_file_info *in = NULL;
	policy_file *f;
	char *bytes;

	for (size_t i = 0; i < L->n_files_in && !in; i++)
		if (strcmp(L->files_in[i].path, rel) == 0)
			in = &L->files_in[i];
	if (!in)
		return -2;
	if (in->len > YTREE_MAX_FILE) {
		pl_error_at(L, display, 0, 0, NULL, "file larger than 16 MiB");
		return -1;
	}
	f = pl_alloc(L, sizeof *f);
	bytes = pl_alloc(L, in->len + 1);
	if (!f || !bytes)
		return -1;
	if (in->len)
		memcpy(bytes, in->bytes, in->len);
	f->path = pl_strdup(L, rel);
	f->bytes = bytes;
	f->len = in->len;
	if (!f->path || pl_ptrvec_push(L, &L->files, f) < 0)
		return -1;
	*out = f;
	return 0;
}

/* Reads a regular file of at most YTREE_MAX_FILE bytes into the policy
 * arena (NUL-terminated) and records it as a policy file.  Reports
 * problems at (display, 0, 0) or, for a missing file, returns -2 without
 * reporting.  Returns 0 or -1. */
static int load_policy_file(ploader *L, const char *full, const char *rel,
			    const char *display, policy_file **out)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	policy_file *f;

	if (L->files_in)
		return load_memory_file(L, rel, display, out);
	if (stat(full, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return -2;
		pl_error_at(L, display, 0, 0, NULL, "cannot read file: %s",
			    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		pl_error_at(L, display, 0, 0, NULL, "not a regular file");
		return -1;
	}
	if ((size_t)st.st_size > YTREE_MAX_FILE) {
		pl_error_at(L, display, 0, 0, NULL,
			    "file larger than 16 MiB (%lld bytes)",
			    (long long)st.st_size);
		return -1;
	}
	if (read_file(full, &buf, &len) != 0) {
		if (errno == ENOMEM) { /* not a problem of the file */
			L->oom = true;
			return -1;
		}
		pl_error_at(L, display, 0, 0, NULL, "cannot read file: %s",
			    strerror(errno));
		return -1;
	}
	f = pl_alloc(L, sizeof *f);
	char *bytes = pl_alloc(L, len + 1);
	if (!f || !bytes || len > YTREE_MAX_FILE) {
		if (len > YTREE_MAX_FILE)
			pl_error_at(L, display, 0, 0, NULL,
				    "file larger than 16 MiB");
		free(buf);
		return -1;
	}
	memcpy(bytes, buf, len);
	free(buf);
	f->path = pl_strdup(L, rel);
	f->bytes = bytes;
	f->len = len;
	if (!f->path || pl_ptrvec_push(L, &L->files, f) < 0)
		return -1;
	*out = f;
	return 0;
}

/* ---- scripts ---- */

/* Reports a Lua compile error "chunk:LINE: message" at the script's file
 * and line. */
static void report_lua_error(ploader *L, const char *display, const char *err)
{
	const char *p = err;
	unsigned long line = 0;

	if (strncmp(p, display, strlen(display)) == 0)
		p += strlen(display);
	for (const char *c = strchr(p, ':'); c; c = strchr(c + 1, ':')) {
		size_t nd = strspn(c + 1, "0123456789");
		if (nd > 0 && nd < 10 && c[1 + nd] == ':') {
			line = strtoul(c + 1, NULL, 10);
			p = c + 1 + nd + 1;
			while (*p == ' ')
				p++;
			break;
		}
	}
	if (line == 0)
		p = err;
	pl_error_at(L, display, (uint32_t)line, 0, NULL, "%s", p);
}

/* Normalises a relative script path: drops empty and "." components.
 * Returns NULL (after reporting) when the path is absolute or has a ".."
 * component. */
static char *normalise_script_path(ploader *L, const ynode *n)
{
	static const char *const escape_hint =
	    "name scripts relative to the policy directory, like "
	    "scripts/kicker.lua";
	strbuf sb;
	const char *s = n->text, *end = n->text + n->len;
	char *out = NULL;

	if (n->len == 0 || s[0] == '/') {
		pl_error(L, n, escape_hint,
			 "script path leaves the policy directory");
		return NULL;
	}
	sb_init(&sb);
	while (s < end) {
		const char *slash = memchr(s, '/', (size_t)(end - s));
		const char *e = slash ? slash : end;
		size_t cl = (size_t)(e - s);
		if (cl == 2 && s[0] == '.' && s[1] == '.') {
			pl_error(L, n, escape_hint,
				 "script path leaves the policy directory");
			goto done;
		}
		if (cl > 0 && !(cl == 1 && s[0] == '.')) {
			if (sb.len)
				sb_putc(&sb, '/');
			sb_append(&sb, s, cl);
		}
		s = e + (slash ? 1 : 0);
	}
	if (sb.oom) {
		L->oom = true;
		goto done;
	}
	if (sb.len == 0) {
		pl_error(L, n, NULL, "expected a script file name, got '%.*s'",
			 (int)n->len, n->text);
		goto done;
	}
	out = arena_strndup(L->mem, sb_cstr(&sb), sb.len);
	if (!out)
		L->oom = true;
done:
	sb_finish(&sb);
	return out;
}

/* Loads script `rel` once: checks where it really is, reads it and
 * compiles it.  Returns the status; Lua errors are reported here (once),
 * path problems by the caller (at every rule naming the path). */
static int load_script(ploader *L, pl_script *s, const char *rel)
{
	char *full = join_path(L, L->root_dir, rel);
	char *real = NULL;
	policy_file *f = NULL;
	char *err = NULL;
	int status = PL_SCRIPT_OK;

	if (!full)
		return PL_SCRIPT_UNREADABLE;
	if (L->files_in) /* no file system: the set has the file or not */
		goto load;
	real = realpath(full, NULL);
	if (!real) {
		if (errno == ENOMEM)
			L->oom = true;
		status = (errno == ENOENT || errno == ENOTDIR)
			     ? PL_SCRIPT_MISSING
			     : PL_SCRIPT_UNREADABLE;
		goto done;
	}
	/* Symbolic links may point anywhere: what counts is where the file
	 * really is. */
	size_t rl = strlen(L->root_real);
	bool root_is_slash = rl == 1;
	if (strncmp(real, L->root_real, rl) != 0 ||
	    (!root_is_slash && real[rl] != '/')) {
		status = PL_SCRIPT_ESCAPES;
		goto done;
	}
load:;
	int r = load_policy_file(L, real ? real : full, rel, s->display, &f);
	if (r == -2)
		status = PL_SCRIPT_MISSING;
	if (r != 0) {
		if (r == -1)
			status = PL_SCRIPT_UNREADABLE; /* already reported */
		goto done;
	}
	s->source = f->bytes;
	s->len = f->len;
	int cs = sandbox_check_script(s->display, s->source, s->len, &err);
	if (cs == -2)
		L->oom = true; /* not a problem of the script */
	else if (cs != 0)
		report_lua_error(L, s->display, err ? err : "does not compile");
done:
	free(err);
	free(real);
	return status;
}

int pl_script_ref(ploader *L, const ynode *n)
{
	const char *rel;
	uint32_t gi = 0;
	pl_script *s;

	if (!pl_expect_scalar(L, n, "a script path like scripts/kicker.lua"))
		return -1;
	rel = normalise_script_path(L, n);
	if (!rel)
		return -1;
	if (strmap_get(&L->script_ix, rel, strlen(rel), &gi)) {
		s = L->scripts.items[gi];
	} else {
		s = calloc(1, sizeof *s);
		if (!s) {
			L->oom = true;
			return -1;
		}
		gi = (uint32_t)L->scripts.n;
		if (pl_ptrvec_push(L, &L->scripts, s) < 0) {
			free(s);
			return -1;
		}
		if (strmap_put(&L->script_ix, rel, strlen(rel), gi, NULL) < 0) {
			L->oom = true;
			return -1;
		}
		s->path = rel;
		s->display = join_path(L, L->user_dir, rel);
		if (!s->display)
			return -1;
		/* the status is kept for the next rule naming the path */
		s->status = load_script(L, s, rel);
	}
	if (s->status != PL_SCRIPT_OK && L->oom)
		return -1; /* out of memory, not a problem of the script */
	if (s->status != PL_SCRIPT_OK) {
		switch (s->status) {
		case PL_SCRIPT_ESCAPES:
			pl_error(L, n,
				 "symbolic links may not point outside the "
				 "policy directory",
				 "script path leaves the policy directory");
			break;
		case PL_SCRIPT_MISSING:
			pl_error(L, n, NULL, "script file '%s' not found",
				 s->path);
			break;
		default:
			pl_error(L, n, NULL, "script file '%s' cannot be read",
				 s->path);
			break;
		}
		return -1;
	}
	for (size_t i = 0; i < L->vscripts.n; i++)
		if ((uintptr_t)L->vscripts.items[i] == gi)
			return (int)i;
	if (pl_ptrvec_push(L, &L->vscripts, (void *)(uintptr_t)gi) < 0)
		return -1;
	return (int)(L->vscripts.n - 1);
}

/* ---- one version ---- */

/* Where the keys compared across versions were written. */
typedef struct vaux {
	const char *file; /* display name */
	const char *rel;  /* path in the policy directory, for messages */
	bool has_effective, has_period, has_name;
	src_loc effective_loc, period_loc, name_loc;
} vaux;

typedef struct vslot {
	policy_version v;
	vaux a;
} vslot;

static const char *const version_keys[] = {
    "policy", "version",    "effective", "title",  "currency",	  "rounding",
    "period", "currencies", "limits",	 "ladder", "event_types", "rules",
    /* pay plans (policy_plans.c) */
    "proration", "conversion",
    "input", /* policy_input.c */
};
static const char *const rounding_names[] = {"half_up", "half_even"};
static const char *const period_names[] = {"month", "quarter", "year"};

static bool is_currency_code(const ynode *n)
{
	if (!n || n->kind != YN_SCALAR || n->len != 3)
		return false;
	for (size_t i = 0; i < 3; i++)
		if (n->text[i] < 'A' || n->text[i] > 'Z')
			return false;
	return true;
}

static void compile_currencies(ploader *L, policy_version *v, const ynode *n)
{
	if (!pl_expect_map(L, n, "a mapping of currency codes to decimals"))
		return;
	v->currencies = pl_array(L, n->n_pairs, sizeof *v->currencies);
	if (n->n_pairs && !v->currencies)
		return;
	for (size_t i = 0; i < n->n_pairs; i++) {
		const ynode *k = n->pairs[i].key, *val = n->pairs[i].value;
		int64_t minor;
		if (!is_currency_code(k)) {
			pl_error(L, k, NULL,
				 "expected a currency code of three capital "
				 "letters like XAU, got '%.*s'",
				 (int)k->len, k->text);
			continue;
		}
		if (!pl_get_int(L, val, 0, 9, &minor))
			continue;
		currency_def *c = &v->currencies[v->n_currencies++];
		c->code = pl_text(L, k);
		c->minor = (int)minor;
	}
}

static void compile_limits(ploader *L, policy_version *v, const ynode *n)
{
	static const char *const keys[] = {"instructions", "memory_kb"};
	const ynode *x;
	int64_t i;

	if (!pl_expect_map(L, n, "a mapping with instructions and memory_kb"))
		return;
	pl_check_keys(L, n, keys, 2);
	if ((x = ynode_get(n, "instructions")) &&
	    pl_get_int(L, x, 1000, INT64_C(1000000000000), &i))
		v->lua_instructions = (uint64_t)i;
	if ((x = ynode_get(n, "memory_kb")) &&
	    pl_get_int(L, x, 64, INT64_C(4194304), &i))
		v->lua_memory = (uint64_t)i * 1024u;
}

static void compile_ladder(ploader *L, policy_version *v, const ynode *n)
{
	static const char *const keys[] = {"level", "title", "target_bonus"};

	if (!pl_expect_seq(L, n, "a list of levels, lowest first"))
		return;
	v->levels = pl_array(L, n->n_items, sizeof *v->levels);
	if (n->n_items && !v->levels)
		return;
	for (size_t i = 0; i < n->n_items; i++) {
		const ynode *m = n->items[i], *x;
		level lv = {0};
		if (!pl_expect_map(L, m,
				   "a level like {level: SR1, title: ...}"))
			continue;
		pl_check_keys(L, m, keys, 3);
		lv.loc = pl_loc(L, m);
		x = pl_required(L, m, "level");
		if (!x || !pl_get_string(L, x, "a level id like SR1", &lv.id))
			continue;
		uint32_t first = 0;
		int r = strmap_put(&L->levels_ix, lv.id, strlen(lv.id),
				   (uint32_t)v->n_levels, &first);
		if (r < 0) {
			L->oom = true;
			return;
		}
		if (r == 0) {
			pl_error(L, x, NULL,
				 "duplicate level '%s' (first at line %u)",
				 lv.id, v->levels[first].loc.line);
			continue;
		}
		if ((x = pl_optional(m, "title")))
			pl_get_string(L, x, "a title", &lv.title);
		if ((x = ynode_get(m, "target_bonus")) &&
		    pl_get_money(L, v, x, "target_bonus", false,
				 &lv.target_bonus))
			lv.has_target_bonus = true;
		v->levels[v->n_levels++] = lv;
	}
}

static void free_version_tables(ploader *L)
{
	strmap_finish(&L->types_ix);
	for (size_t i = 0; i < L->n_fields_ix; i++)
		strmap_finish(&L->fields_ix[i]);
	free(L->fields_ix);
	L->fields_ix = NULL;
	L->n_fields_ix = 0;
	strmap_finish(&L->levels_ix);
	strmap_finish(&L->quiet);
	L->cur = NULL;
}

/* Compiles one version file's tree into v. */
static void compile_version(ploader *L, vslot *vs, const ynode *root,
			    const char *rel)
{
	policy_version *v = &vs->v;
	const ynode *x;
	int c;

	L->cur = v;
	strmap_init(&L->types_ix);
	strmap_init(&L->levels_ix);
	strmap_init(&L->quiet);

	vs->a.file = L->file;
	vs->a.rel = rel;
	v->file = L->file;
	v->label = rel;
	v->lua_instructions = 1000000;
	v->lua_memory = 8192u * 1024u;
	if (!pl_expect_map(L, root, "a policy version (a mapping of keys)")) {
		free_version_tables(L);
		return;
	}
	pl_check_keys(L, root, version_keys,
		      sizeof version_keys / sizeof *version_keys);

	if ((x = pl_required(L, root, "policy")) &&
	    pl_get_string(L, x, "a policy name", &v->policy_name)) {
		vs->a.has_name = true;
		vs->a.name_loc = pl_loc(L, x);
	}
	if ((x = ynode_get(root, "version")))
		pl_get_string(L, x, "a version label like \"2026.1\"",
			      &v->label);
	if ((x = pl_required(L, root, "effective")) &&
	    pl_get_date(L, x, &v->effective)) {
		vs->a.has_effective = true;
		vs->a.effective_loc = pl_loc(L, x);
	}
	if ((x = ynode_get(root, "title")))
		pl_get_string(L, x, "a title", &v->title);
	/* extra currencies first: `currency:` may name one of them */
	if ((x = ynode_get(root, "currencies")))
		compile_currencies(L, v, x);
	if ((x = pl_required(L, root, "currency"))) {
		if (!is_currency_code(x)) {
			char got[128];
			pl_error(L, x, NULL,
				 "expected a currency code like USD, got %s",
				 ynode_describe(x, got, sizeof got));
		} else if (currency_minor_unit(v, x->text, 3) < 0) {
			pl_error(L, x,
				 "declare it under `currencies:` with its "
				 "number of decimals",
				 "unknown currency code '%.*s'", 3, x->text);
		} else {
			v->currency = pl_text(L, x);
		}
	}
	if ((x = pl_required(L, root, "rounding")) &&
	    (c = pl_get_choice(L, x, rounding_names, 2)) >= 0)
		v->rounding = c == 0 ? DEC_HALF_UP : DEC_HALF_EVEN;
	if ((x = pl_required(L, root, "period")) &&
	    (c = pl_get_choice(L, x, period_names, 3)) >= 0) {
		v->period = (period_kind)c;
		vs->a.has_period = true;
		vs->a.period_loc = pl_loc(L, x);
	}
	if ((x = ynode_get(root, "limits")))
		compile_limits(L, v, x);
	if ((x = ynode_get(root, "ladder")))
		compile_ladder(L, v, x);
	pl_compile_input(L, v, root); /* before the types: column names */
	if ((x = pl_required(L, root, "event_types")))
		pl_compile_types(L, v, x);
	L->vscripts.n = 0;
	if ((x = pl_required(L, root, "rules")))
		pl_compile_rules(L, v, x);
	pl_compile_plan_version(L, v, root);

	v->n_scripts = L->vscripts.n;
	v->scripts = pl_array(L, v->n_scripts, sizeof *v->scripts);
	for (size_t i = 0; v->scripts && i < v->n_scripts; i++) {
		const pl_script *s =
		    L->scripts.items[(uintptr_t)L->vscripts.items[i]];
		v->scripts[i].path = s->path;
		v->scripts[i].source = s->source;
		v->scripts[i].len = s->len;
	}
	free_version_tables(L);
}

/* ---- across versions ---- */

static int cmp_vslot(const void *a, const void *b)
{
	const vslot *x = a, *y = b;

	if (x->v.effective != y->v.effective)
		return x->v.effective < y->v.effective ? -1 : 1;
	/* same date (an error): keep file order for the report */
	return strcmp(x->a.file, y->a.file);
}

static void check_versions(ploader *L, vslot *vs, size_t n)
{
	const vslot *ref_period = NULL, *ref_name = NULL;

	for (size_t i = 0; i + 1 < n; i++) {
		const vslot *a = &vs[i], *b = &vs[i + 1];
		if (a->a.has_effective && b->a.has_effective &&
		    a->v.effective == b->v.effective) {
			char d[11];
			date_format(d, b->v.effective);
			pl_error_at(L, b->a.file, b->a.effective_loc.line,
				    b->a.effective_loc.col,
				    "give each version its own effective date",
				    "effective date %s is also the effective "
				    "date of %s",
				    d, a->a.rel);
		}
	}
	for (size_t i = 1; i < n; i++)
		pl_check_input(L, &vs[0].v, &vs[i].v, vs[0].a.rel);
	for (size_t i = 0; i < n; i++) {
		const vslot *s = &vs[i];
		if (s->a.has_period) {
			if (!ref_period)
				ref_period = s;
			else if (s->v.period != ref_period->v.period)
				pl_error_at(
				    L, s->a.file, s->a.period_loc.line,
				    s->a.period_loc.col,
				    "every version must use the same "
				    "period",
				    "period '%s' differs from '%s' in %s",
				    period_kind_name(s->v.period),
				    period_kind_name(ref_period->v.period),
				    ref_period->a.rel);
		}
		if (s->a.has_name) {
			if (!ref_name)
				ref_name = s;
			else if (strcmp(s->v.policy_name,
					ref_name->v.policy_name) != 0)
				pl_error_at(
				    L, s->a.file, s->a.name_loc.line,
				    s->a.name_loc.col,
				    "every version must name the same "
				    "policy",
				    "policy '%s' differs from '%s' in %s",
				    s->v.policy_name, ref_name->v.policy_name,
				    ref_name->a.rel);
		}
	}
}

/* ---- hashing ---- */

static void hex(char out[65], const unsigned char md[32])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[64] = '\0';
}

static int cmp_file(const void *a, const void *b)
{
	const policy_file *const *x = a, *const *y = b;

	return strcmp((*x)->path, (*y)->path);
}

/* Hashes every file and the policy (see the comment at the top). */
static int hash_files(inc_policy *p)
{
	EVP_MD_CTX *all = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int rc = -1;

	if (!all || !EVP_DigestInit_ex(all, EVP_sha256(), NULL))
		goto done;
	for (size_t i = 0; i < p->n_files; i++) {
		policy_file *f = &p->files[i];
		char num[32];
		int nl = snprintf(num, sizeof num, "%zu", f->len);
		if (!EVP_Digest(f->bytes, f->len, md, &mdlen, EVP_sha256(),
				NULL))
			goto done;
		hex(f->sha256, md);
		if (!EVP_DigestUpdate(all, f->path, strlen(f->path) + 1) ||
		    !EVP_DigestUpdate(all, num, (size_t)nl + 1) ||
		    !EVP_DigestUpdate(all, f->bytes, f->len))
			goto done;
	}
	if (!EVP_DigestFinal_ex(all, md, &mdlen))
		goto done;
	hex(p->hash, md);
	rc = 0;
done:
	EVP_MD_CTX_free(all);
	return rc;
}

/* ---- listing ---- */

static bool is_version_file(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.')
		return false;
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names of the version files directly inside dir, sorted, in the arena. */
static int list_versions(ploader *L, const char *dir, pl_ptrvec *out,
			 char **errmsg)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		if (errmsg && asprintf(errmsg,
				       "cannot open policy directory "
				       "'%s': %s",
				       dir, strerror(errno)) < 0)
			*errmsg = NULL;
		return INC_ERROR;
	}
	while ((e = readdir(d))) {
		if (!is_version_file(e->d_name))
			continue;
		char *name = pl_strdup(L, e->d_name);
		if (!name || pl_ptrvec_push(L, out, name) < 0)
			break;
	}
	closedir(d);
	if (out->n)
		qsort(out->items, out->n, sizeof *out->items, cmp_str);
	return 0;
}

/* ---- load ---- */

static void free_codes(pl_ptrvec *codes)
{
	for (size_t i = 0; i < codes->n; i++)
		pcre2_code_free(codes->items[i]);
	codes->n = 0;
}

static void free_cond_list(const cond_list *cl)
{
	for (size_t i = 0; i < cl->n; i++)
		pcre2_code_free(cl->items[i].re);
}

static int finish_model(ploader *L, vslot *vs, size_t n_vs)
{
	inc_policy *p = L->p;

	p->n_versions = n_vs;
	p->versions = pl_array(L, n_vs, sizeof *p->versions);
	p->labels = pl_array(L, n_vs, sizeof *p->labels);
	p->n_files = L->files.n;
	p->files = pl_array(L, L->files.n, sizeof *p->files);
	p->n_rule_slots = (uint32_t)L->rule_ids.n;
	p->rule_slot_ids = pl_array(L, L->rule_ids.n, sizeof(char *));
	p->n_type_slots = (uint32_t)L->type_names.n;
	p->type_slot_names = pl_array(L, L->type_names.n, sizeof(char *));
	if (L->oom)
		return INC_ERROR;
	for (size_t i = 0; i < n_vs; i++) {
		char d[11];
		p->versions[i] = vs[i].v;
		date_format(d, vs[i].v.effective);
		p->labels[i] = arena_printf(
		    L->mem, "%s effective %s, %zu rule%s", vs[i].v.label, d,
		    vs[i].v.n_rules, vs[i].v.n_rules == 1 ? "" : "s");
		if (!p->labels[i]) {
			L->oom = true;
			return INC_ERROR;
		}
	}
	qsort(L->files.items, L->files.n, sizeof *L->files.items, cmp_file);
	for (size_t i = 0; i < L->files.n; i++)
		p->files[i] = *(policy_file *)L->files.items[i];
	for (size_t i = 0; i < L->rule_ids.n; i++)
		p->rule_slot_ids[i] = L->rule_ids.items[i];
	for (size_t i = 0; i < L->type_names.n; i++)
		p->type_slot_names[i] = L->type_names.items[i];
	if (hash_files(p) != 0) {
		L->oom = true; /* OpenSSL fails only for want of memory */
		return INC_ERROR;
	}
	return 0;
}

/* Loads from disk (files == NULL) or from the caller's set of files. */
static int load(inc_policy **out, const char *path,
		const inc_policy_file_info *files, size_t n_files,
		inc_diag_fn diag, void *ud, char **errmsg_out)
{
	ploader L = {0};
	pl_ptrvec names = {0};
	vslot *vs = NULL;
	size_t n_vs = 0;
	struct stat st;
	char *errmsg = NULL;
	int rc = INC_ERROR;

	L.diag = diag;
	L.ud = ud;
	strmap_init(&L.rule_slots);
	strmap_init(&L.type_slots);
	strmap_init(&L.script_ix);
	L.p = calloc(1, sizeof *L.p);
	if (!L.p) {
		L.oom = true;
		goto done;
	}
	arena_init(&L.p->mem);
	L.mem = &L.p->mem;
	L.p->root = pl_strdup(&L, path);
	if (!L.p->root)
		goto done;

	if (files) {
		/* a directory whose version files are the set's non-scripts */
		L.files_in = files;
		L.n_files_in = n_files;
		memset(&st, 0, sizeof st);
		st.st_mode = S_IFDIR;
		L.user_dir = L.p->root;
		L.root_dir = L.p->root;
		for (size_t i = 0; i < n_files; i++) {
			char *name;
			if (files[i].is_script)
				continue;
			name = pl_strdup(&L, files[i].path);
			if (!name || pl_ptrvec_push(&L, &names, name) < 0)
				break;
		}
		if (names.n)
			qsort(names.items, names.n, sizeof *names.items,
			      cmp_str);
		if (names.n == 0 && !L.oom)
			pl_error_at(&L, path, 0, 0, NULL,
				    "no policy version files in the set");
		if (L.oom)
			goto done;
		goto loaded;
	}
	if (stat(path, &st) != 0) {
		if (asprintf(&errmsg, "cannot open policy '%s': %s", path,
			     strerror(errno)) < 0)
			errmsg = NULL;
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		L.user_dir = L.p->root;
		L.root_dir = L.p->root;
		rc = list_versions(&L, path, &names, &errmsg);
		if (rc != 0)
			goto done;
		rc = INC_ERROR;
		if (names.n == 0 && !L.oom) {
			pl_error_at(&L, path, 0, 0,
				    "each version of a policy is a .yaml file",
				    "no policy files (*.yaml, *.yml) in '%s'",
				    path);
		}
	} else {
		const char *slash = strrchr(path, '/');
		char *dir = slash ? arena_strndup(L.mem, path,
						  (size_t)(slash - path) + 1)
				  : arena_strdup(L.mem, "");
		char *base = arena_strdup(L.mem, slash ? slash + 1 : path);
		if (!dir || !base || pl_ptrvec_push(&L, &names, base) < 0)
			goto done;
		L.user_dir = dir;
		L.root_dir = dir[0] ? dir : ".";
	}
	if (L.oom)
		goto done;
	L.root_real = realpath(L.root_dir, NULL);
	if (!L.root_real) {
		if (asprintf(&errmsg, "cannot open policy directory '%s': %s",
			     L.root_dir, strerror(errno)) < 0)
			errmsg = NULL;
		goto done;
	}
loaded:
	vs = calloc(names.n ? names.n : 1, sizeof *vs);
	if (!vs) {
		L.oom = true;
		goto done;
	}
	for (size_t i = 0; i < names.n && !L.oom; i++) {
		const char *rel = names.items[i];
		const char *display = S_ISDIR(st.st_mode)
					  ? join_path(&L, L.user_dir, rel)
					  : L.p->root;
		char *full = join_path(&L, L.root_dir, rel);
		policy_file *f = NULL;
		ytree t;
		if (!display || !full)
			break;
		if (S_ISDIR(st.st_mode) && !L.files_in) {
			/* like scripts: a version file that is a symbolic
			 * link must stay inside the policy directory */
			char *real = realpath(full, NULL);
			size_t rl = strlen(L.root_real);
			if (!real && errno == ENOMEM) {
				L.oom = true;
				break;
			}
			if (real && (strncmp(real, L.root_real, rl) != 0 ||
				     (rl > 1 && real[rl] != '/'))) {
				pl_error_at(&L, display, 0, 0,
					    "symbolic links may not point "
					    "outside the policy directory",
					    "version file leaves the policy "
					    "directory");
				free(real);
				continue;
			}
			free(real);
		}
		int r = load_policy_file(&L, full, rel, display, &f);
		if (r == -2)
			pl_error_at(&L, display, 0, 0, NULL, "file not found");
		if (r != 0)
			continue;
		r = ytree_parse(&t, display, f->bytes, f->len, diag, ud);
		if (r == INC_ERROR)
			L.oom = true;
		else if (r == INC_EPOLICY)
			L.n_errors++; /* reported by the reader */
		if (t.root) {
			L.file = display;
			L.tree = &t;
			compile_version(&L, &vs[n_vs++], t.root, rel);
			L.tree = NULL;
		} else if (r == 0) {
			pl_error_at(&L, display, 0, 0, NULL,
				    "empty policy file");
		}
		ytree_finish(&t);
	}
	if (L.oom)
		goto done;

	qsort(vs, n_vs, sizeof *vs, cmp_vslot);
	check_versions(&L, vs, n_vs);
	if (L.oom)
		goto done;
	if (L.n_errors) {
		rc = INC_EPOLICY;
		goto done;
	}
	rc = finish_model(&L, vs, n_vs);
	if (rc == 0) {
		*out = L.p;
		L.p = NULL;
		L.codes.n = 0; /* now owned by the model */
	}
done:
	if (L.oom && !errmsg && rc != INC_EPOLICY) {
		errmsg = strdup("out of memory");
		rc = INC_ERROR;
	}
	free_codes(&L.codes);
	if (L.p) {
		arena_finish(&L.p->mem);
		free(L.p);
	}
	free(L.codes.items);
	free(L.files.items);
	for (size_t i = 0; i < L.scripts.n; i++)
		free(L.scripts.items[i]);
	free(L.scripts.items);
	free(L.vscripts.items);
	free(L.rule_ids.items);
	free(L.type_names.items);
	free(names.items);
	free(vs);
	free(L.root_real);
	strmap_finish(&L.rule_slots);
	strmap_finish(&L.type_slots);
	strmap_finish(&L.script_ix);
	if (errmsg_out)
		*errmsg_out = rc == INC_ERROR ? errmsg : NULL;
	if (!errmsg_out || rc != INC_ERROR)
		free(errmsg);
	return rc;
}

int inc_policy_load(inc_policy **out, const char *path, inc_diag_fn diag,
		    void *ud, char **errmsg_out)
{
	return load(out, path, NULL, 0, diag, ud, errmsg_out);
}

int inc_policy_load_memory(inc_policy **out, const char *root,
			   const inc_policy_file_info *files, size_t n,
			   inc_diag_fn diag, void *ud, char **errmsg_out)
{
	static const inc_policy_file_info none;

	return load(out, root ? root : "", files ? files : &none,
		    files ? n : 0, diag, ud, errmsg_out);
}

void inc_policy_destroy(inc_policy *p)
{
	if (!p)
		return;
	/* The compiled patterns are the only things outside the arena. */
	for (size_t i = 0; i < p->n_versions; i++) {
		const policy_version *v = &p->versions[i];
		for (size_t t = 0; t < v->n_types; t++)
			for (size_t f = 0; f < v->types[t].n_fields; f++)
				pcre2_code_free(v->types[t].fields[f].pattern);
		for (size_t r = 0; r < v->n_rules; r++) {
			const rule *ru = &v->rules[r];
			free_cond_list(&ru->when);
			for (size_t k = 0; k < ru->n_rates; k++)
				free_cond_list(&ru->rates[k].when);
			for (size_t k = 0; k < ru->n_factors; k++)
				for (size_t j = 0; j < ru->factors[k].n_rows;
				     j++)
					free_cond_list(
					    &ru->factors[k].rows[j].when);
		}
		pl_free_plans(v); /* patterns of pay-plan rules */
	}
	arena_finish(&p->mem);
	free(p);
}

const char *inc_policy_hash(const inc_policy *p) { return p->hash; }

size_t inc_policy_version_count(const inc_policy *p) { return p->n_versions; }

const char *inc_policy_version_label(const inc_policy *p, size_t i)
{
	return i < p->n_versions ? p->labels[i] : NULL;
}

/* ---- files and rules, for the audit trail ---- */

size_t inc_policy_file_count(const inc_policy *p) { return p->n_files; }

/* true when some version's rules name the file as a script */
static bool is_script_file(const inc_policy *p, const char *path)
{
	for (size_t i = 0; i < p->n_versions; i++)
		for (size_t k = 0; k < p->versions[i].n_scripts; k++)
			if (strcmp(p->versions[i].scripts[k].path, path) == 0)
				return true;
	return false;
}

int inc_policy_file(const inc_policy *p, size_t i, inc_policy_file_info *out)
{
	if (i >= p->n_files)
		return INC_ENOTFOUND;
	out->path = p->files[i].path;
	out->bytes = p->files[i].bytes;
	out->len = p->files[i].len;
	out->sha256 = p->files[i].sha256;
	out->is_script = is_script_file(p, p->files[i].path);
	return 0;
}

int inc_policy_rule_info(const inc_policy *p, const char *version,
			 const char *rule_id, inc_rule_info *out)
{
	static const char *const kinds[] = {
	    [RULE_COMMISSION] = "commission", [RULE_SPIFF] = "spiff",
	    [RULE_BONUS] = "bonus",	      [RULE_CLAWBACK] = "clawback",
	    [RULE_CAP] = "cap",		      [RULE_SCRIPT] = "script",
	};

	for (size_t i = 0; i < p->n_versions; i++) {
		const policy_version *v = &p->versions[i];
		if (version && strcmp(v->label, version) != 0)
			continue;
		for (size_t k = 0; k < v->n_rules; k++) {
			const rule *r = &v->rules[k];
			if (strcmp(r->id, rule_id) != 0)
				continue;
			memset(out, 0, sizeof *out);
			out->id = r->id;
			out->kind = kinds[r->kind];
			out->version = v->label;
			date_format(out->effective, v->effective);
			out->file = r->loc.file;
			out->line = r->loc.line;
			out->column = r->loc.col;
			out->description = r->description;
			out->section = r->section;
			out->script = r->kind == RULE_SCRIPT && r->script >= 0 &&
					      (size_t)r->script < v->n_scripts
					  ? v->scripts[r->script].path
					  : NULL;
			return 0;
		}
	}
	return INC_ENOTFOUND;
}
