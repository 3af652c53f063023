/*
 * util.c: small shared helpers (see util.h): an arena allocator, a
 * growable string buffer, an open-addressing string->uint32 map with a
 * deterministic 64-bit hash, Levenshtein distance for "did you mean"
 * suggestions, and reading a whole file.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- Arena ----------------------------------------------------------- */

#define ARENA_ALIGN 16
#define ARENA_BLOCK 65536

struct arena_block {
	arena_block *next;
	size_t used, cap; /* bytes of data[] */
	/* data follows the header, at an ARENA_ALIGN-aligned offset */
};

#define HDR_SIZE                                                               \
	((sizeof(arena_block) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

static unsigned char *block_data(arena_block *b)
{
	return (unsigned char *)b + HDR_SIZE;
}

static arena_block *block_new(size_t cap)
{
	arena_block *b;

	if (cap > SIZE_MAX - HDR_SIZE - ARENA_ALIGN)
		return NULL;
	/* calloc: memory is zeroed once and never reused within a block. */
	b = calloc(1, HDR_SIZE + cap + ARENA_ALIGN);
	if (b == NULL)
		return NULL;
	b->cap = cap + ARENA_ALIGN; /* slack for aligning the first object */
	return b;
}

/* Offset of the next aligned object of n bytes in b, or SIZE_MAX. */
static size_t block_fit(arena_block *b, size_t n)
{
	uintptr_t base = (uintptr_t)block_data(b);
	uintptr_t p = base + b->used;
	size_t off;

	p = (p + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1);
	off = (size_t)(p - base);
	if (off > b->cap || b->cap - off < n)
		return SIZE_MAX;
	return off;
}

void arena_init(arena *a) { a->head = NULL; }

void arena_finish(arena *a)
{
	arena_block *b = a->head, *next;

	while (b != NULL) {
		next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
}

void *arena_alloc(arena *a, size_t n)
{
	arena_block *b;
	size_t off;

	if (n == 0)
		n = 1;
	if (a->head != NULL) {
		off = block_fit(a->head, n);
		if (off != SIZE_MAX) {
			a->head->used = off + n;
			return block_data(a->head) + off;
		}
	}
	if (n > ARENA_BLOCK / 4) {
		/* A large object gets its own block, linked behind the head so
		 * the head keeps serving small allocations. */
		b = block_new(n);
		if (b == NULL)
			return NULL;
		if (a->head != NULL) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			a->head = b;
		}
	} else {
		b = block_new(ARENA_BLOCK);
		if (b == NULL)
			return NULL;
		b->next = a->head;
		a->head = b;
	}
	off = block_fit(b, n);
	b->used = off + n;
	return block_data(b) + off;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = arena_alloc(a, len + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *arena_strdup(arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = arena_alloc(a, (size_t)n + 1);
	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* ---- String buffer --------------------------------------------------- */

void sb_init(strbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->oom = false;
}

void sb_finish(strbuf *sb)
{
	free(sb->buf);
	sb_init(sb);
}

void sb_reset(strbuf *sb)
{
	sb->len = 0;
	sb->oom = false;
	if (sb->buf != NULL)
		sb->buf[0] = '\0';
}

/* Makes room for `extra` more bytes plus a NUL.  Returns false (and sets
 * oom) when that is impossible. */
static bool sb_grow(strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (sb->oom)
		return false;
	if (extra > SIZE_MAX - sb->len - 1) {
		sb->oom = true;
		return false;
	}
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(sb->buf, cap);
	if (p == NULL) {
		sb->oom = true;
		return false;
	}
	sb->buf = p;
	sb->cap = cap;
	return true;
}

void sb_append(strbuf *sb, const char *s, size_t n)
{
	if (!sb_grow(sb, n))
		return;
	if (n > 0)
		memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(strbuf *sb, const char *s) { sb_append(sb, s, strlen(s)); }

void sb_putc(strbuf *sb, char c) { sb_append(sb, &c, 1); }

/* The format attribute lets the compiler check the non-literal format
 * (util.h declares sb_vprintf without one). */
__attribute__((format(printf, 2, 0))) void
sb_vprintf(strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (sb->oom)
		return;
	/* Format straight into the spare room; only when it does not fit,
	 * grow and format again (one vsnprintf in the common case). */
	if (sb->buf == NULL && !sb_grow(sb, 64))
		return;
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= sb->cap - sb->len) {
		if (!sb_grow(sb, (size_t)n))
			return;
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	}
	sb->len += (size_t)n;
}

void sb_printf(strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

const char *sb_cstr(strbuf *sb)
{
	if (sb->buf == NULL && !sb_grow(sb, 0))
		return "";
	sb->buf[sb->len] = '\0';
	return sb->buf;
}

/* ---- Hash map -------------------------------------------------------- */

uint64_t hash_bytes(const char *s, size_t n)
{
	/* FNV-1a 64 with a murmur3 fmix64 finaliser so the low bits used for
	 * the slot index are well mixed.  Deterministic: no seed. */
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

void strmap_init(strmap *m)
{
	m->slots = NULL;
	m->cap = m->count = 0;
	arena_init(&m->keys);
}

void strmap_finish(strmap *m)
{
	free(m->slots);
	arena_finish(&m->keys);
	strmap_init(m);
}

/* Slot index of key, or of the empty slot where it would go. */
static size_t strmap_find(const strmap *m, const char *key, size_t len,
			  uint64_t h)
{
	size_t mask = m->cap - 1, i = (size_t)h & mask;

	for (;;) {
		const strmap_slot *s = &m->slots[i];

		if (s->key == NULL)
			return i;
		if (s->hash == h && s->len == len &&
		    (len == 0 || memcmp(s->key, key, len) == 0))
			return i;
		i = (i + 1) & mask;
	}
}

bool strmap_get(const strmap *m, const char *key, size_t len, uint32_t *value)
{
	size_t i;

	if (m->cap == 0 || len > UINT32_MAX)
		return false;
	i = strmap_find(m, key, len, hash_bytes(key, len));
	if (m->slots[i].key == NULL)
		return false;
	if (value != NULL)
		*value = m->slots[i].value;
	return true;
}

static int strmap_grow(strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16, i, j, mask;
	strmap_slot *slots;

	if (cap > SIZE_MAX / sizeof(strmap_slot))
		return -1;
	slots = calloc(cap, sizeof(strmap_slot));
	if (slots == NULL)
		return -1;
	mask = cap - 1;
	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		j = (size_t)m->slots[i].hash & mask;
		while (slots[j].key != NULL)
			j = (j + 1) & mask;
		slots[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

int strmap_put(strmap *m, const char *key, size_t len, uint32_t value,
	       uint32_t *existing)
{
	uint64_t h;
	size_t i;
	char *copy;

	if (len > UINT32_MAX)
		return -1;
	/* Keep the load factor at or below 1/2. */
	if ((m->count + 1) * 2 > m->cap && strmap_grow(m) < 0)
		return -1;
	h = hash_bytes(key, len);
	i = strmap_find(m, key, len, h);
	if (m->slots[i].key != NULL) {
		if (existing != NULL)
			*existing = m->slots[i].value;
		return 0;
	}
	/* Exact bytes (keys may hold NULs), NUL-terminated for convenience. */
	copy = arena_alloc(&m->keys, len + 1);
	if (copy == NULL)
		return -1;
	if (len > 0)
		memcpy(copy, key, len);
	copy[len] = '\0';
	m->slots[i].key = copy;
	m->slots[i].len = (uint32_t)len;
	m->slots[i].value = value;
	m->slots[i].hash = h;
	m->count++;
	return 1;
}

/* ---- Edit distance --------------------------------------------------- */

size_t edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), i, j, over, best, result;
	size_t stack[2][64], *prev, *cur, *heap = NULL, *t;

	over = cap == SIZE_MAX ? SIZE_MAX : cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return over;
	if (lb + 1 <= 64) {
		prev = stack[0];
		cur = stack[1];
	} else {
		if (lb + 1 > SIZE_MAX / (2 * sizeof(size_t)))
			return over;
		heap = malloc(2 * (lb + 1) * sizeof(size_t));
		if (heap == NULL)
			return over; /* no suggestion rather than a failure */
		prev = heap;
		cur = heap + lb + 1;
	}
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		best = cur[0];
		for (j = 1; j <= lb; j++) {
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t v = del < ins ? del : ins;

			cur[j] = v < sub ? v : sub;
			if (cur[j] < best)
				best = cur[j];
		}
		t = prev;
		prev = cur;
		cur = t;
		if (best > cap) {
			free(heap);
			return over; /* every later row is at least as large */
		}
	}
	result = prev[lb] > cap ? over : prev[lb];
	free(heap);
	return result;
}

const char *closest_word(const char *word, const char *const *candidates,
			 size_t n)
{
	size_t len, max, best_d, d, i;
	const char *best = NULL;

	if (word == NULL || candidates == NULL)
		return NULL;
	len = strlen(word);
	max = len / 3 > 1 ? len / 3 : 1;
	best_d = max + 1;
	for (i = 0; i < n; i++) {
		if (candidates[i] == NULL)
			continue;
		d = edit_distance(word, candidates[i], max);
		if (d < best_d) { /* ties keep the first candidate */
			best_d = d;
			best = candidates[i];
		}
	}
	return best;
}

/* ---- Files ----------------------------------------------------------- */

int read_file(const char *path, char **out, size_t *len)
{
	int fd = -1, rc = -1, saved = 0;
	char *buf = NULL, *p;
	size_t n = 0, cap = 0;
	ssize_t got;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		goto done;
	}
	for (;;) {
		if (cap - n < 2) {
			size_t ncap = cap ? cap * 2 : 65536;

			if (ncap < cap) {
				saved = ENOMEM;
				goto done;
			}
			p = realloc(buf, ncap);
			if (p == NULL) {
				saved = ENOMEM;
				goto done;
			}
			buf = p;
			cap = ncap;
		}
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			goto done;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*out = buf;
	if (len != NULL)
		*len = n;
	buf = NULL;
	rc = 0;
done:
	free(buf);
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		errno = saved;
	return rc;
}
