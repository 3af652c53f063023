/*
 * audit_canon.c: the canonical serialisation of an audit row and its
 * SHA-256 chain hash (format in audit.h and docs/audit.md).
 *
 * The format is plain text so that anyone can recompute a row's hash
 * with the sqlite3 shell and sha256sum; lengths are byte counts, so no
 * value can be confused with the next one whatever bytes it holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"

void canon_init(canon *c) { memset(c, 0, sizeof *c); }

void canon_finish(canon *c)
{
	free(c->buf);
	memset(c, 0, sizeof *c);
}

bool canon_reserve(canon *c, size_t extra)
{
	if (c->oom)
		return false;
	if (c->len + extra + 1 <= c->cap)
		return true;
	size_t cap = c->cap ? c->cap : 512;
	while (cap < c->len + extra + 1)
		cap *= 2;
	char *b = realloc(c->buf, cap);
	if (!b) {
		c->oom = true;
		return false;
	}
	c->buf = b;
	c->cap = cap;
	return true;
}

void canon_put(canon *c, const char *s, size_t n)
{
	if (!canon_reserve(c, n))
		return;
	if (n)
		memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

/* Decimal digits of v (unsigned) into buf, returns the length. */
static size_t utoa(char *buf, uint64_t v)
{
	char t[24];
	size_t n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		buf[i] = t[n - 1 - i];
	return n;
}

void canon_begin(canon *c, const char *table, const uint8_t prev[32])
{
	char hex[65];

	c->len = 0;
	canon_put(c, "incentive-audit-v1 ", 19);
	canon_put(c, table, strlen(table));
	canon_put(c, "\n", 1);
	hex_encode(hex, prev);
	canon_put(c, hex, 64);
	canon_put(c, "\n", 1);
}

void canon_text_n(canon *c, const char *col, size_t cl, const char *s,
		  size_t n)
{
	char num[24];
	size_t nl;
	char *p;

	if (!s) {
		canon_put(c, col, cl);
		canon_put(c, "=NULL\n", 6);
		return;
	}
	nl = utoa(num, n);
	/* one reservation for the whole "col=len:bytes\n" */
	if (!canon_reserve(c, cl + nl + n + 3))
		return;
	p = c->buf + c->len;
	memcpy(p, col, cl);
	p += cl;
	*p++ = '=';
	memcpy(p, num, nl);
	p += nl;
	*p++ = ':';
	if (n)
		memcpy(p, s, n);
	p += n;
	*p++ = '\n';
	c->len = (size_t)(p - c->buf);
	c->buf[c->len] = '\0';
}

void canon_int_n(canon *c, const char *col, size_t cl, int64_t v)
{
	char num[24];
	size_t n = 0;

	if (v < 0) {
		num[n++] = '-';
		n += utoa(num + n, (uint64_t)0 - (uint64_t)v);
	} else {
		n = utoa(num, (uint64_t)v);
	}
	canon_text_n(c, col, cl, num, n);
}

int hasher_init(hasher *h)
{
	h->ctx = EVP_MD_CTX_new();
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!h->ctx || !h->md) {
		hasher_finish(h);
		return -1;
	}
	return 0;
}

void hasher_finish(hasher *h)
{
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	h->ctx = NULL;
	h->md = NULL;
}

int hasher_digest(hasher *h, uint8_t out[32], const void *p, size_t n)
{
	unsigned int len = 0;

	if (!EVP_DigestInit_ex(h->ctx, h->md, NULL) ||
	    !EVP_DigestUpdate(h->ctx, p, n) ||
	    !EVP_DigestFinal_ex(h->ctx, out, &len) || len != 32)
		return -1;
	return 0;
}

int hasher_begin(hasher *h)
{
	return EVP_DigestInit_ex(h->ctx, h->md, NULL) ? 0 : -1;
}

int hasher_update(hasher *h, const void *p, size_t n)
{
	return EVP_DigestUpdate(h->ctx, p, n) ? 0 : -1;
}

int hasher_end(hasher *h, uint8_t out[32])
{
	unsigned int len = 0;

	return EVP_DigestFinal_ex(h->ctx, out, &len) && len == 32 ? 0 : -1;
}

int canon_hash(hasher *h, uint8_t out[32], const canon *c)
{
	if (c->oom)
		return -1;
	return hasher_digest(h, out, c->buf ? c->buf : "", c->len);
}

/* Both digits of a byte at once: every chained row hex-encodes its
 * predecessor's hash (2.5 million times for a 1M-event run), and a table
 * of pairs halves the loop (hex_encode was 0.5% of a recorded run). */
static const char hex_pairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

void hex_encode(char out[65], const uint8_t h[32])
{
	for (int i = 0; i < 32; i++)
		memcpy(out + 2 * i, hex_pairs + 2 * h[i], 2);
	out[64] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(uint8_t out[32], const char *hex)
{
	uint8_t t[32];

	if (!hex || strlen(hex) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		int a = nibble(hex[2 * i]), b = nibble(hex[2 * i + 1]);
		if (a < 0 || b < 0)
			return -1;
		t[i] = (uint8_t)(a << 4 | b);
	}
	memcpy(out, t, 32);
	return 0;
}

int audit_hash_file(hasher *hs, const char *path, char sha[65], uint64_t *size,
		    char **keep)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL, *all = NULL;
	size_t cap = 1u << 20, len = 0, all_cap = 0;
	uint8_t md[32];
	int rc = INC_ERROR, err = 0;

	if (fd < 0)
		return 1;
	buf = malloc(cap);
	if (!buf || hasher_begin(hs) != 0)
		goto done;
	for (;;) {
		ssize_t n = read(fd, buf, cap);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			rc = 1;
			goto done;
		}
		if (n == 0)
			break;
		if (hasher_update(hs, buf, (size_t)n) != 0)
			goto done;
		if (keep) {
			if (len + (size_t)n + 1 > all_cap) {
				size_t c2 = all_cap ? all_cap : 65536;
				while (c2 < len + (size_t)n + 1)
					c2 *= 2;
				char *a2 = realloc(all, c2);
				if (!a2)
					goto done;
				all = a2;
				all_cap = c2;
			}
			memcpy(all + len, buf, (size_t)n);
		}
		len += (size_t)n;
	}
	if (hasher_end(hs, md) != 0)
		goto done;
	hex_encode(sha, md);
	*size = len;
	if (keep) {
		if (!all)
			all = malloc(1);
		if (!all)
			goto done;
		*keep = all;
		all = NULL;
	}
	rc = 0;
done:
	close(fd);
	free(buf);
	free(all);
	if (err)
		errno = err;
	return rc;
}
