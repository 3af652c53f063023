/*
 * record.h: one view of an input record, whatever the file format.
 *
 * The roster and event readers declare the columns they know (by name, in
 * their own order) and get each record back as an array of fields in that
 * order, from CSV (csv.c: the header row is mapped onto the columns once)
 * or JSON Lines (jsonl.c: each object's keys are looked up among them).
 * They never see which format a file is in.
 *
 * A field is `present` when the CSV file has the column, or the JSON
 * object has the key with a non-null value; an empty CSV cell is present
 * with len 0.  Values are text: JSON numbers keep the digits as written,
 * true/false become "true"/"false".
 */
#ifndef INC_RECORD_H
#define INC_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

typedef struct rec_field {
	const char *s; /* not NUL-terminated; "" when absent */
	uint32_t len;
	bool present;
} rec_field;

/* One data record (a CSV header is not one).  Everything is borrowed from
 * the reader until its next call. */
typedef struct rec {
	const rec_field *f; /* n_cols entries; NULL in raw mode or on err */
	uint64_t index;	    /* 0-based number of the record in its file */
	uint64_t line;	    /* line the record starts on */
	uint64_t offset;    /* byte offset of the record in the file */
	uint32_t len;	    /* its length in bytes, line end excluded */
	const char *err;    /* the record is bad: the reason, else NULL */
	const char *hint;   /* for err: "did you mean 'amount'?", or NULL */
	bool fatal;	    /* err, and the file ends here */
} rec;

typedef struct rec_reader rec_reader;

typedef struct rec_ops {
	int (*next)(rec_reader *r, rec *out);
	int (*rewind)(rec_reader *r, bool raw);
	int (*read_at)(rec_reader *r, uint64_t offset, uint32_t len,
		       uint64_t line, rec *out);
	const char *(*errmsg)(const rec_reader *r);
	void (*close)(rec_reader *r);
	/* optional (NULL: the format cannot tell): see rec_scan_keys */
	int (*scan_keys)(rec_reader *r, unsigned part, unsigned n_parts,
			 size_t col_a, size_t col_b,
			 int (*fn)(void *ud, const rec_field *a, const rec_field *b),
			 void *ud);
} rec_ops;

/* The part every format shares; each reader embeds it first. */
struct rec_reader {
	const rec_ops *ops;
	const char *path;	 /* as given (borrowed from the opener) */
	const char *const *cols; /* the consumer's columns (borrowed) */
	size_t n_cols;
	bool *has_col; /* CSV: the header has the column */
};

/* Opens a CSV file and maps its header onto `cols` (all borrowed until the
 * reader is closed).  A header column that is not among `cols`, twice in
 * the header or empty makes the file unusable.  Returns 0, or -1 with a
 * malloc'd "path:1: reason" in *err. */
int csv_rec_open(rec_reader **out, const char *path, const char *const *cols,
		 size_t n_cols, char **err);
/* Opens a JSON Lines file.  Keys not among `cols` reject their line. */
int jsonl_rec_open(rec_reader **out, const char *path, const char *const *cols,
		   size_t n_cols, char **err);

/* true when path names a JSON Lines file (.jsonl or .ndjson). */
static inline bool rec_path_is_jsonl(const char *path)
{
	size_t n = strlen(path);

	return (n >= 6 && strcasecmp(path + n - 6, ".jsonl") == 0) ||
	       (n >= 7 && strcasecmp(path + n - 7, ".ndjson") == 0);
}

/* Opens path as JSON Lines or CSV, by its extension. */
static inline int rec_open(rec_reader **out, const char *path,
			   const char *const *cols, size_t n_cols, char **err)
{
	if (rec_path_is_jsonl(path))
		return jsonl_rec_open(out, path, cols, n_cols, err);
	return csv_rec_open(out, path, cols, n_cols, err);
}

/* Next record: 1 (check out->err), 0 at the end, -1 when the file cannot
 * be read (rec_errmsg). */
static inline int rec_next(rec_reader *r, rec *out)
{
	return r->ops->next(r, out);
}

/* Back to the first record.  raw: the records that follow carry only
 * their position (index, line, offset, len), which is much cheaper.
 * Returns 0 or -1. */
static inline int rec_rewind(rec_reader *r, bool raw)
{
	return r->ops->rewind(r, raw);
}

/* Reads again the record an earlier rec_next found at offset/len/line.
 * Returns 1 (check out->err) or -1.  out->index is not known (0). */
static inline int rec_read_at(rec_reader *r, uint64_t offset, uint32_t len,
			      uint64_t line, rec *out)
{
	return r->ops->read_at(r, offset, len, line, out);
}

/* Message of the last -1.  Borrowed. */
static inline const char *rec_errmsg(const rec_reader *r)
{
	return r->ops->errmsg(r);
}

/* A quick look at two columns of the data records, without checking or
 * converting anything: fn(ud, a, b) for each non-empty line, in file order,
 * with the raw text of columns col_a and col_b (absent: not present; no
 * line-end bytes).  fn returns non-zero to stop.  The file is cut in
 * n_parts parts of about the same size; this call sees the lines that
 * begin in part `part` (0-based), so the parts can be looked at on
 * separate threads.  Returns 1 when every line of the part was seen, 0
 * when fn stopped, -1 when the reader cannot tell cheaply (a JSON Lines
 * file, a CSV file with a quote in it, a read error): then nothing can be
 * concluded from the lines fn saw. */
static inline int rec_scan_keys(rec_reader *r, unsigned part, unsigned n_parts,
				size_t col_a, size_t col_b,
				int (*fn)(void *ud, const rec_field *a,
					  const rec_field *b),
				void *ud)
{
	if (r->ops->scan_keys == NULL)
		return -1;
	return r->ops->scan_keys(r, part, n_parts, col_a, col_b, fn, ud);
}

/* true when column c can have values in this file. */
static inline bool rec_has_column(const rec_reader *r, size_t c)
{
	return r->has_col[c];
}

static inline void rec_close(rec_reader *r)
{
	if (r)
		r->ops->close(r);
}

/* Helpers for the messages of record consumers (csv.c). */

/* Writes at most cap-1 bytes of s (n bytes) into dst as text safe to quote
 * in a message: control bytes become '?', a long value ends in "...". */
void rec_quote(char *dst, size_t cap, const char *s, size_t n);
/* Checks an identifier (person or event id): non-empty, at most 128 bytes,
 * no control characters, no leading or trailing space.  Returns NULL or
 * what is wrong ("is empty", "is longer than 128 bytes", ...). */
const char *rec_check_id(const char *s, size_t n);
/* Why s is not a date: "does not exist" when it has the YYYY-MM-DD shape,
 * else "is not a date (write YYYY-MM-DD)". */
const char *rec_date_problem(const char *s, size_t n);

/* true when the field has no value (absent, null or empty). */
static inline bool rec_empty(const rec_field *f)
{
	return !f->present || f->len == 0;
}

#endif
