/*
 * util.h: small shared helpers: an arena allocator, a growable string
 * buffer, a string->index hash map, and edit distance for "did you mean".
 */
#ifndef INC_UTIL_H
#define INC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Arena: many small allocations freed at once.  Never returns NULL unless
 * out of memory. */
typedef struct arena_block arena_block;
typedef struct arena {
	arena_block *head;
} arena;

void arena_init(arena *a);
void arena_finish(arena *a); /* frees everything; arena may be reused */
void *arena_alloc(arena *a, size_t n);	 /* zeroed, 16-byte aligned */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Growable byte buffer, always NUL-terminated when len > 0 or after
 * sb_cstr.  Allocation failure sets `oom` and later appends are ignored. */
typedef struct strbuf {
	char *buf;
	size_t len, cap;
	bool oom;
} strbuf;

void sb_init(strbuf *sb);
void sb_finish(strbuf *sb);
void sb_reset(strbuf *sb);
void sb_append(strbuf *sb, const char *s, size_t n);
void sb_puts(strbuf *sb, const char *s);
void sb_putc(strbuf *sb, char c);
void sb_printf(strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_vprintf(strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
const char *sb_cstr(strbuf *sb);

/* Open-addressing map from byte strings to a uint32 value.  Keys are
 * copied into the map's own storage. */
typedef struct strmap_slot {
	const char *key;
	uint32_t len;
	uint32_t value;
	uint64_t hash;
} strmap_slot;

typedef struct strmap {
	strmap_slot *slots;
	size_t cap, count;
	arena keys;
} strmap;

void strmap_init(strmap *m);
void strmap_finish(strmap *m);
/* Returns true and *value when found. */
bool strmap_get(const strmap *m, const char *key, size_t len, uint32_t *value);
/* Inserts key -> value.  Returns 1 if inserted, 0 if the key existed (its
 * value is left unchanged and written to *existing if not NULL), -1 on out
 * of memory. */
int strmap_put(strmap *m, const char *key, size_t len, uint32_t value,
	       uint32_t *existing);

uint64_t hash_bytes(const char *s, size_t n);

/* Damerau-free Levenshtein distance, capped at `cap` (returns cap+1 when
 * larger). */
size_t edit_distance(const char *a, const char *b, size_t cap);
/* The candidate closest to `word` within a distance that makes sense for
 * its length, or NULL. */
const char *closest_word(const char *word, const char *const *candidates,
			 size_t n);

/* Reads a whole file.  Returns 0 and a malloc'd buffer (NUL-terminated)
 * or -1 with errno set. */
int read_file(const char *path, char **out, size_t *len);

#endif
