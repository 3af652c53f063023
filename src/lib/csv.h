/*
 * csv.h: a streaming RFC 4180 CSV reader (and the line reader JSON Lines
 * is built on).
 *
 * The reader pulls the file through one large buffer and hands out each
 * record as (pointer, length) slices into that buffer: no allocation per
 * record or field.  It understands quoted fields with "" escapes, quoted
 * fields spanning lines (a record's line is the line it starts on), CRLF
 * or LF line ends and a leading UTF-8 byte order mark.  Completely empty
 * lines are skipped.
 *
 * Problems are per record: a bad record comes back with `err` set and the
 * reader goes on with the next one.  The exception is a quote that never
 * closes: that record is reported (fatal set) and the file ends there,
 * since nothing after it can be split reliably.
 */
#ifndef INC_CSV_H
#define INC_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest record accepted, line end excluded.  (The fuzz build makes it
 * small, so that short inputs reach the long-line and refill paths.) */
#ifndef CSV_MAX_RECORD
#define CSV_MAX_RECORD ((size_t)1 << 20)
#endif

enum {
	CSV_LINES = 1, /* records are lines: no quotes, no field splitting */
	CSV_RAW = 2,   /* boundaries only: no splitting, no byte checks */
};

typedef struct csv_field {
	const char *s; /* not NUL-terminated; quotes removed, "" unescaped */
	uint32_t len;
} csv_field;

typedef struct csv_record {
	uint64_t line;	 /* 1-based line the record starts on */
	uint64_t offset; /* byte offset of its first byte in the file */
	uint32_t len; /* raw bytes, line end excluded (<= 1 MiB unless err) */
	const char *text;	 /* CSV_LINES: the line's bytes (len of them) */
	const csv_field *fields; /* min(n_fields, stored) entries */
	size_t n_fields;	 /* number of fields the record has */
	const char *err;	 /* bad record: the reason; NULL when good */
	bool fatal;		 /* err, and no record follows */
} csv_record;

typedef struct csv_reader csv_reader;

/* Opens `path` for reading.  flags: CSV_LINES, CSV_RAW.  Returns 0, or -1
 * with a malloc'd message in *err ("cannot open x.csv: No such file ..."). */
int csv_open(csv_reader **out, const char *path, unsigned flags, char **err);
/* Reads from an open descriptor; with own_fd the reader closes it. */
int csv_open_fd(csv_reader **out, int fd, bool own_fd, const char *name,
		unsigned flags, char **err);
void csv_close(csv_reader *r);

/* Changes the mode for the records that follow. */
void csv_set_flags(csv_reader *r, unsigned flags);
/* Every following record must have n fields ("expected 8 fields (as in
 * the header), got 7"); 0 accepts any count. */
void csv_set_expected(csv_reader *r, size_t n);

/* Reads the next record into *out: returns 1, 0 at the end of the file,
 * or -1 when the file cannot be read (message: csv_errmsg).  The record
 * and its fields are valid until the next call on this reader. */
int csv_next(csv_reader *r, csv_record *out);

/* Goes back to the start of the file (a regular file) and reads again from
 * line 1 (the header comes back as the first record).  Returns 0 or -1. */
int csv_rewind(csv_reader *r);

/* Parses the record of `len` bytes at `offset` (as an earlier csv_next
 * reported it) that starts on `line`.  Uses a memory map of the file when
 * it can, else pread.  Returns 1 or -1 (I/O; csv_errmsg).  The record is
 * valid until the next call on this reader. */
int csv_read_at(csv_reader *r, uint64_t offset, uint32_t len, uint64_t line,
		csv_record *out);

/* Message of the last I/O failure.  Borrowed. */
const char *csv_errmsg(const csv_reader *r);

/* Checks that n bytes are UTF-8 without NUL bytes.  Returns NULL, or the
 * reason ("embedded NUL byte", "invalid UTF-8"). */
const char *csv_check_text(const char *s, size_t n);

#endif
