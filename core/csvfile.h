/* csvfile.h — a CSV file opened for fast random access: dialect sniffing, a
 * row-offset index built in the background, fields parsed on demand.
 *
 * Open returns at once with the dialect and the column names; a background
 * thread then scans the file for record boundaries (a quote-aware memchr scan,
 * not libcsv, which is four times slower) and publishes rows as it goes, so
 * the first screen is readable while a 10M-row file is still being indexed.
 *
 * The dialect, in one place (both field parsers below follow it exactly):
 *  - delimiter one of , ; TAB | (sniffed from the first 64 KB, or forced);
 *    the quote is '"'; a quote opens a quoted field only as a field's first
 *    byte, "" inside it is a literal quote, and a lone quote inside a quoted
 *    field that is not followed by the delimiter or the end of the record is
 *    kept literally (libcsv's non-strict rule); spaces are data, never trimmed;
 *  - records end at an unquoted LF, or CR for files with no LF at all; a CR
 *    right before the LF belongs to the terminator; empty lines are skipped
 *    (they are not rows), and so are CR/LF bytes at the start of a record;
 *  - a UTF-8 byte-order mark is skipped; bytes are otherwise passed through
 *    untouched (NUL, invalid UTF-8: escaping is the display's job);
 *  - the first record is the header when sniffed so or forced; column names
 *    are made unique ("a", "a_2") and empty ones named "column_N" (1-based);
 *    without a header the names are column_1..column_N.  The number of
 *    columns is the first record's field count; other rows with a different
 *    count are "ragged": counted, the first SG_CSV_RAGGED_MAX listed, and
 *    read padded with empty fields (and flagged) or with their extra fields.
 *
 * Reading, and why there is no mmap: a mapping of a file that another process
 * truncates raises SIGBUS on the next access to the lost pages, and nothing
 * short of a process-wide signal handler can make that safe — a worker in the
 * middle of a stats pass would crash the program when a script rewrites the
 * CSV being viewed, a common thing in an ML workflow.  So every read is a
 * pread() of a row or of a block of rows into a buffer the caller owns: the
 * same speed in practice (the page cache does the work and a copy of a
 * block costs microseconds), no SIGBUS ever, and memory that does not grow
 * with the file beyond the index (4 bytes a row).  A short read — the file
 * was truncated while open — is reported as SG_E_IO naming the file;
 * sg_csv_check() tells a front end cheaply (one fstat) that the file changed.
 * gzip input is not supported: it is detected and refused with a message.
 *
 * Threads: one sg_csv may be used from many threads at once (the UI reading
 * rows, stats workers scanning) as long as each thread has its own cursor.
 * Rows below sg_csv_nrows() never move or change. */
#ifndef SG_CSVFILE_H
#define SG_CSVFILE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "core/error.h"

#define SG_CSV_RAGGED_MAX 10000
#define SG_CSV_SNIFF_BYTES 65536

struct sg_csv;

enum sg_csv_header {
	SG_CSV_HEADER_AUTO = 0,   /* sniffed: see sg_csv_dialect.header */
	SG_CSV_HEADER_YES,
	SG_CSV_HEADER_NO,
};

struct sg_csv_options {
	char delimiter;               /* 0: sniff; else one of , ; \t | (others are accepted too) */
	enum sg_csv_header header;
	/* Testing only: the indexer stops after publishing at least this many
	 * data rows (rounded up to its batch) until sg_csv_test_resume(). */
	uint64_t test_pause_rows;
	/* Testing only: largest offset delta an index block stores in 32 bits
	 * (0: UINT32_MAX); small values exercise the 64-bit fallback. */
	uint64_t test_delta_limit;
};

struct sg_csv_dialect {
	char delimiter;
	char quote;                   /* always '"' */
	char eol;                     /* '\n', or '\r' for CR-only files */
	int crlf;                     /* the first record ended with CR LF */
	int bom;                      /* a UTF-8 BOM was skipped */
	int header;                   /* 1: the first record holds the column names */
	int header_sniffed;           /* header was decided by the heuristic */
};

struct sg_csv_progress {
	uint64_t rows;                /* data rows indexed so far (readable now) */
	uint64_t bytes_done, bytes_total;
	int done;                     /* the indexer finished, successfully or not */
	int failed;                   /* it stopped on an error: sg_csv_wait() returns it */
};

/* A field of a parsed row: p is NUL-terminated after len bytes (fields may
 * themselves hold NUL bytes, so trust len). */
struct sg_csv_field {
	const char *p;
	size_t len;
};

/* A caller-owned parse buffer: one per thread, reused across rows.  After a
 * successful read, field[0 .. max(nfields, ncols)) are valid: fields past the
 * row's own count are empty padding. */
struct sg_csv_cursor {
	uint64_t row;                 /* data row number (0 is the first after the header) */
	int nfields;                  /* fields the row really has */
	int ncols;                    /* columns of the file */
	int ragged;                   /* nfields != ncols */
	struct sg_csv_field *field;
	const char *raw;              /* the record's bytes as in the file (no terminator) */
	size_t rawlen;
	/* private */
	char *rawbuf, *buf;
	size_t rawcap, bufcap, buflen;
	size_t *offs;                 /* field start offsets into buf while parsing */
	int fieldcap;
	uint64_t blk_first, blk_last, blk_off;  /* rows held in rawbuf by sg_csv_scan */
};

void sg_csv_cursor_init(struct sg_csv_cursor *cur);
void sg_csv_cursor_done(struct sg_csv_cursor *cur);

/* Opens path: validates it is a regular, text-looking file, sniffs the
 * dialect (opt may be NULL for all defaults), reads the header and starts the
 * indexer.  Errors: SG_E_IO (cannot open/read, not a regular file),
 * SG_E_PARSE (binary, UTF-16 or gzip content; the first record is an
 * unterminated quote).  An empty file opens with 0 columns and 0 rows. */
struct sg_csv *sg_csv_open(const char *path, const struct sg_csv_options *opt,
			   struct sg_error *err);
/* Stops the indexer (if still running) and frees everything; NULL is fine. */
void sg_csv_free(struct sg_csv *c);

const char *sg_csv_path(const struct sg_csv *c);
const struct sg_csv_dialect *sg_csv_dialect(const struct sg_csv *c);
/* The size validated at open: the indexer never reads past it. */
uint64_t sg_csv_size(const struct sg_csv *c);
int sg_csv_ncols(const struct sg_csv *c);
/* Unique, non-empty column name; "" for col out of range.  Borrowed. */
const char *sg_csv_colname(const struct sg_csv *c, int col);
/* Column index of a name (exact match on the unique names), or -1. */
int sg_csv_colindex(const struct sg_csv *c, const char *name);

/* Data rows indexed so far; all of them are readable now.  Final once
 * progress.done is set. */
uint64_t sg_csv_nrows(const struct sg_csv *c);
/* A consistent snapshot; also drains the progress fd. */
void sg_csv_progress(struct sg_csv *c, struct sg_csv_progress *out);
/* Becomes readable when progress was made (at most every 64K rows or 50 ms)
 * and when indexing finishes; poll() it, then call sg_csv_progress().  The
 * descriptor is non-blocking and owned by c. */
int sg_csv_progress_fd(const struct sg_csv *c);
/* Blocks until indexing is finished.  0, or -1 with the indexer's error
 * (an unterminated quote "file:line:col: …" with the row and byte offset —
 * rows before it stay usable — or an I/O error). */
int sg_csv_wait(struct sg_csv *c, struct sg_error *err);
/* Blocks until at least n data rows are indexed or indexing is finished;
 * returns the rows available then (may be < n only when done). */
uint64_t sg_csv_wait_rows(struct sg_csv *c, uint64_t n);

/* Ragged rows found so far: the total, and the first SG_CSV_RAGGED_MAX of
 * them in file order.  sg_csv_ragged_get fills row/nfields for i < listed. */
uint64_t sg_csv_ragged_total(struct sg_csv *c);
size_t sg_csv_ragged_listed(struct sg_csv *c);
int sg_csv_ragged_get(struct sg_csv *c, size_t i, uint64_t *row, int *nfields);

/* Reads and parses one data row with libcsv into cur; cur->raw then holds
 * the record's bytes (to copy rows verbatim into a filtered file).  Errors: SG_E_USAGE
 * (row not indexed), SG_E_IO (read failed or the file was truncated). */
int sg_csv_read_row(struct sg_csv *c, uint64_t row, struct sg_csv_cursor *cur,
		    struct sg_error *err);
/* Reads the header record (raw names, before making them unique) into cur;
 * -1 (SG_E_USAGE) when the file has no header. */
int sg_csv_read_header(struct sg_csv *c, struct sg_csv_cursor *cur, struct sg_error *err);

/* The bulk path for workers (stats, sort keys, filters, search): calls fn for
 * each data row in [first, last) with cur filled by the fast splitter, reading
 * rows in blocks of about 1 MB.  maxcols > 0 stops splitting a row after that
 * many fields (cur->nfields then counts only those; ragged is still exact for
 * short rows).  Rows must already be indexed (use sg_csv_wait_rows).  Stops
 * when fn returns non-zero (returned as is) or when *cancel becomes non-zero
 * (returns 1; cancel may be NULL).  0 when all rows were visited, -1 on
 * error. */
typedef int (*sg_csv_row_fn)(const struct sg_csv_cursor *cur, void *ud);
int sg_csv_scan(struct sg_csv *c, struct sg_csv_cursor *cur, uint64_t first, uint64_t last,
		int maxcols, sg_csv_row_fn fn, void *ud, const atomic_int *cancel,
		struct sg_error *err);

/* One fstat: 0 unchanged; 1 changed since open (size grew or the modification
 * time moved — rows are still readable, but may no longer match); -1 with
 * SG_E_IO when the file shrank below the validated size (rows past the new
 * end fail to read, never crash). */
int sg_csv_check(struct sg_csv *c, struct sg_error *err);

/* The two field parsers over one record's bytes, exposed so tests can prove
 * they agree: sg_csv_split is ours (used by sg_csv_scan), sg_csv_split_libcsv
 * runs libcsv (used by sg_csv_read_row).  Both fill cur->field/nfields (no
 * padding: ncols is set to nfields) and return 0, or -1 on out-of-memory in
 * libcsv. */
int sg_csv_split(const struct sg_csv_dialect *d, const char *p, size_t n,
		 struct sg_csv_cursor *cur, int maxcols);
int sg_csv_split_libcsv(const struct sg_csv_dialect *d, const char *p, size_t n,
			struct sg_csv_cursor *cur);

/* Testing only: lets an indexer paused by test_pause_rows go on. */
void sg_csv_test_resume(struct sg_csv *c);

#endif
