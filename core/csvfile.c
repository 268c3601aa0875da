/* csvfile.c — sniffing, the background row index, and the field parsers. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <csv.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "core/colstats.h"
#include "core/csvfile.h"
#include "core/util.h"

#define QUOTE '"'
#define READ_BLOCK (1u << 20)         /* indexer and scan read size */
#define FIRST_RECORD_MAX (64u << 20)  /* a first record longer than this is refused */
#define IDX_SHIFT 12                  /* 4096 offsets per index block */
#define IDX_BLOCK (1u << IDX_SHIFT)
#define PIPE_ROWS 65536
#define PIPE_NS 50000000LL
#define SNIFF_RECORDS 200

/* ---- the index ------------------------------------------------------------
 * Slot i holds the offset just past record i-1 (slot 0: the data start), so
 * record i spans [slot i, slot i+1) less leading and trailing CR/LF bytes.
 * Offsets are stored as 32-bit deltas from their block's base: 4 bytes a row.
 * A block whose span outgrows 32 bits (rows averaging over 1 MB) switches to
 * 64-bit offsets; the old array stays valid for readers until close. */
struct idx_block {
	uint64_t base;
	uint32_t *narrow;
	_Atomic(uint64_t *) wide;
};

struct ragged {
	uint64_t row;
	int nfields;
};

struct sg_csv {
	char *path;
	int fd;
	uint64_t size;                /* validated at open */
	struct timespec mtime;
	uint64_t data_start;          /* past the BOM */
	struct sg_csv_dialect d;
	int hdr;                      /* records before the first data row: 0 or 1 */
	int ncols;
	char **names;

	struct idx_block **dir;
	size_t ndir;
	uint64_t delta_limit;
	atomic_uint_fast64_t nrec;    /* published records; slot nrec is written */

	pthread_t th;
	int th_started;
	atomic_int stop;
	pthread_mutex_t mu;           /* guards what follows */
	pthread_cond_t cv;
	int done, failed, released;
	uint64_t bytes_done;
	struct sg_error ierr;
	uint64_t ragged_total;
	struct ragged *ragged;
	size_t nragged, ragcap;
	uint64_t pause_rows;
	int pipefd[2];
};

static struct idx_block *idx_block_get(struct sg_csv *c, uint64_t slot)
{
	size_t b = (size_t)(slot >> IDX_SHIFT);
	return b < c->ndir ? c->dir[b] : NULL;
}

/* Readers call this only for slots <= nrec (acquire-loaded). */
static uint64_t idx_get(struct sg_csv *c, uint64_t slot)
{
	struct idx_block *b = idx_block_get(c, slot);
	size_t i = slot & (IDX_BLOCK - 1);
	uint64_t *w = atomic_load_explicit(&b->wide, memory_order_acquire);
	return w ? w[i] : b->base + b->narrow[i];
}

/* Only the indexer writes (and sg_csv_open for slot 0, before it starts). */
static void idx_set(struct sg_csv *c, uint64_t slot, uint64_t off)
{
	size_t bi = (size_t)(slot >> IDX_SHIFT), i = slot & (IDX_BLOCK - 1);
	if (bi >= c->ndir) {
		/* Cannot happen: ndir is sized for the most records the file can
		 * hold.  Grow anyway rather than write out of bounds. */
		size_t n = bi + 1;
		c->dir = sg_xrealloc(c->dir, n * sizeof *c->dir);
		memset(c->dir + c->ndir, 0, (n - c->ndir) * sizeof *c->dir);
		c->ndir = n;
	}
	struct idx_block *b = c->dir[bi];
	if (!b) {
		b = sg_xcalloc(1, sizeof *b);
		b->base = off;
		b->narrow = sg_xmalloc(IDX_BLOCK * sizeof *b->narrow);
		c->dir[bi] = b;
	}
	uint64_t *w = atomic_load_explicit(&b->wide, memory_order_relaxed);
	if (!w && off - b->base > c->delta_limit) {
		w = sg_xmalloc(IDX_BLOCK * sizeof *w);
		for (size_t k = 0; k < i; k++)
			w[k] = b->base + b->narrow[k];
		atomic_store_explicit(&b->wide, w, memory_order_release);
	}
	if (w)
		w[i] = off;
	else
		b->narrow[i] = (uint32_t)(off - b->base);
}

/* ---- the record scanner ---------------------------------------------------
 * Finds record boundaries and counts fields, resumable across blocks.  It
 * follows the dialect in csvfile.h byte for byte; records without a quote
 * take a fast path (memchr for the end, a vector count of delimiters). */
enum { ST_ROWSTART, ST_FIELDSTART, ST_UNQUOTED, ST_QUOTED, ST_QQ, ST_QQCR };

struct scanner {
	unsigned char delim, eol;
	int st;
	uint64_t nf;                  /* delimiters so far in the record */
	uint64_t rec_start, quote_at; /* absolute offsets */
	/* Called at each record end with the offset past its terminator;
	 * non-zero stops the scan. */
	int (*on_record)(struct scanner *s, uint64_t end, uint64_t nfields);
	void *ud;
};

static size_t count_byte(const unsigned char *p, size_t n, unsigned char c)
{
	size_t count = 0, i = 0;
#ifdef __SSE2__
	__m128i needle = _mm_set1_epi8((char)c);
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, needle));
		count += (size_t)__builtin_popcount(m);
	}
#endif
	for (; i < n; i++)
		count += p[i] == c;
	return count;
}

static void scanner_init(struct scanner *s, char delim, char eol)
{
	memset(s, 0, sizeof *s);
	s->delim = (unsigned char)delim;
	s->eol = (unsigned char)eol;
	s->st = ST_ROWSTART;
}

static int scanner_end_record(struct scanner *s, uint64_t end)
{
	s->st = ST_ROWSTART;
	return s->on_record(s, end, s->nf + 1);
}

/* Scans b[0..n) at file offset base.  Returns 1 if on_record stopped it. */
static int scan_block(struct scanner *s, const unsigned char *b, size_t n, uint64_t base)
{
	const unsigned char delim = s->delim, eol = s->eol;
	size_t i = 0;
	while (i < n) {
		switch (s->st) {
		case ST_ROWSTART: {
			while (i < n && (b[i] == '\n' || b[i] == '\r'))
				i++;
			if (i == n)
				return 0;
			s->rec_start = base + i;
			s->nf = 0;
			const unsigned char *e = memchr(b + i, eol, n - i);
			if (e && !memchr(b + i, QUOTE, (size_t)(e - (b + i)))) {
				s->nf = count_byte(b + i, (size_t)(e - (b + i)), delim);
				i = (size_t)(e - b) + 1;
				if (scanner_end_record(s, base + i))
					return 1;
				continue;
			}
			s->st = ST_FIELDSTART;
			break;
		}
		case ST_FIELDSTART:
			if (b[i] == QUOTE) {
				s->quote_at = base + i;
				s->st = ST_QUOTED;
				i++;
			} else {
				s->st = ST_UNQUOTED;
			}
			break;
		case ST_UNQUOTED:
			while (i < n && b[i] != delim && b[i] != eol)
				i++;
			if (i == n)
				return 0;
			if (b[i++] == delim) {
				s->nf++;
				s->st = ST_FIELDSTART;
			} else if (scanner_end_record(s, base + i)) {
				return 1;
			}
			break;
		case ST_QUOTED: {
			const unsigned char *q = memchr(b + i, QUOTE, n - i);
			if (!q)
				return 0;
			i = (size_t)(q - b) + 1;
			s->st = ST_QQ;
			break;
		}
		case ST_QQ: {
			unsigned char ch = b[i++];
			if (ch == delim) {
				s->nf++;
				s->st = ST_FIELDSTART;
			} else if (ch == eol) {
				if (scanner_end_record(s, base + i))
					return 1;
			} else if (ch == '\r' && eol == '\n') {
				s->st = ST_QQCR;  /* a CR LF ends the record; a lone CR is data */
			} else {
				s->st = ST_QUOTED;  /* "" or a stray quote: still quoted */
			}
			break;
		}
		case ST_QQCR:
			if (b[i] == '\n') {
				i++;
				if (scanner_end_record(s, base + i))
					return 1;
			} else {
				s->st = ST_QUOTED;  /* the CR was data; look at b[i] again */
			}
			break;
		}
	}
	return 0;
}

/* At the end of the data: finishes a last record without a terminator.
 * Returns -1 when the data ends inside a quoted field. */
static int scan_finish(struct scanner *s, uint64_t end)
{
	if (s->st == ST_ROWSTART)
		return 0;
	if (s->st == ST_QUOTED)
		return -1;
	scanner_end_record(s, end);
	return 0;
}

/* ---- cursors and the two field parsers ----------------------------------- */
static char empty_field[1];

void sg_csv_cursor_init(struct sg_csv_cursor *cur)
{
	memset(cur, 0, sizeof *cur);
	cur->blk_first = cur->blk_last = UINT64_MAX;
}

void sg_csv_cursor_done(struct sg_csv_cursor *cur)
{
	free(cur->rawbuf);
	free(cur->buf);
	free(cur->offs);
	free(cur->field);
	sg_csv_cursor_init(cur);
}

static void cur_reserve_buf(struct sg_csv_cursor *cur, size_t n)
{
	if (n > cur->bufcap) {
		size_t cap = cur->bufcap ? cur->bufcap : 256;
		while (cap < n)
			cap *= 2;
		cur->buf = sg_xrealloc(cur->buf, cap);
		cur->bufcap = cap;
	}
}

static void cur_reserve_fields(struct sg_csv_cursor *cur, int n)
{
	if (n > cur->fieldcap) {
		int cap = cur->fieldcap ? cur->fieldcap : 16;
		while (cap < n)
			cap *= 2;
		cur->offs = sg_xrealloc(cur->offs, (size_t)cap * sizeof *cur->offs);
		cur->field = sg_xrealloc(cur->field, (size_t)cap * sizeof *cur->field);
		cur->fieldcap = cap;
	}
}

/* Starts field number cur->nfields at the current end of buf. */
static void cur_field_begin(struct sg_csv_cursor *cur)
{
	cur_reserve_fields(cur, cur->nfields + 1);
	cur->offs[cur->nfields++] = cur->buf ? cur->buflen : 0;
}

/* Turns offsets into pointers (buf no longer moves) and pads to ncols. */
static void cur_finish(struct sg_csv_cursor *cur, int ncols)
{
	int n = cur->nfields > ncols ? cur->nfields : ncols;
	cur_reserve_fields(cur, n > 0 ? n : 1);
	for (int i = 0; i < cur->nfields; i++) {
		size_t end = i + 1 < cur->nfields ? cur->offs[i + 1] - 1 : cur->buflen - 1;
		cur->field[i].p = cur->buf + cur->offs[i];
		cur->field[i].len = end - cur->offs[i];
	}
	for (int i = cur->nfields; i < n; i++) {
		cur->field[i].p = empty_field;
		cur->field[i].len = 0;
	}
	cur->ncols = ncols;
	cur->ragged = cur->nfields != ncols;
}

int sg_csv_split(const struct sg_csv_dialect *d, const char *src, size_t n,
		 struct sg_csv_cursor *cur, int maxcols)
{
	const unsigned char *p = (const unsigned char *)src, *end = p + n;
	const unsigned char delim = (unsigned char)d->delimiter, eol = (unsigned char)d->eol;
	/* Unescaped data never outgrows its source; each field adds a NUL. */
	cur_reserve_buf(cur, 2 * n + 2);
	char *out = cur->buf;
	size_t o = 0;
	int rowstart = 1;
	cur->nfields = 0;
	cur->buflen = 0;
	while (p < end) {
		if (rowstart && *p == eol) {  /* libcsv skips empty records */
			p++;
			continue;
		}
		rowstart = 0;
		if (maxcols > 0 && cur->nfields == maxcols)
			break;
		cur->buflen = o;
		cur_field_begin(cur);
		if (*p != QUOTE) {
			const unsigned char *q = p;
			while (q < end && *q != delim && *q != eol)
				q++;
			memcpy(out + o, p, (size_t)(q - p));
			o += (size_t)(q - p);
			p = q;
		} else {
			p++;
			for (;;) {
				const unsigned char *q = memchr(p, QUOTE, (size_t)(end - p));
				if (!q) {  /* unterminated: the rest is the field */
					memcpy(out + o, p, (size_t)(end - p));
					o += (size_t)(end - p);
					p = end;
					break;
				}
				memcpy(out + o, p, (size_t)(q - p));
				o += (size_t)(q - p);
				p = q + 1;
				if (p == end || *p == delim || *p == eol)
					break;
				/* "" is one quote; a quote before anything else is kept
				 * and the field stays quoted (libcsv's rule). */
				out[o++] = QUOTE;
				if (*p == QUOTE)
					p++;
			}
		}
		out[o++] = '\0';
		if (p == end) {
			break;
		} else if (*p == delim) {
			p++;
			if (p == end) {  /* a trailing delimiter: one more empty field */
				if (maxcols > 0 && cur->nfields == maxcols)
					break;
				cur->buflen = o;
				cur_field_begin(cur);
				out[o++] = '\0';
			}
		} else {  /* an unquoted eol (not in an indexed record): a new record */
			p++;
			rowstart = 1;
		}
	}
	cur->buflen = o;
	cur_finish(cur, cur->nfields);
	return 0;
}

struct lcsv_ctx {
	struct sg_csv_cursor *cur;
};

static int lcsv_no_space(unsigned char ch)
{
	return 0;
}

static int lcsv_term_lf(unsigned char ch)
{
	return ch == '\n';
}

static int lcsv_term_cr(unsigned char ch)
{
	return ch == '\r';
}

static void lcsv_field(void *data, size_t len, void *ud)
{
	struct sg_csv_cursor *cur = ud;
	cur_field_begin(cur);
	cur_reserve_buf(cur, cur->buflen + len + 1);
	if (len)
		memcpy(cur->buf + cur->buflen, data, len);
	cur->buflen += len;
	cur->buf[cur->buflen++] = '\0';
}

int sg_csv_split_libcsv(const struct sg_csv_dialect *d, const char *p, size_t n,
			struct sg_csv_cursor *cur)
{
	struct csv_parser parser;
	csv_init(&parser, 0);
	csv_set_delim(&parser, (unsigned char)d->delimiter);
	csv_set_quote(&parser, QUOTE);
	csv_set_space_func(&parser, lcsv_no_space);
	csv_set_term_func(&parser, d->eol == '\r' ? lcsv_term_cr : lcsv_term_lf);
	/* No field outgrows the record: one allocation instead of 128-byte steps. */
	csv_set_blk_size(&parser, n + 16);
	cur->nfields = 0;
	cur->buflen = 0;
	int rc = 0;
	if (csv_parse(&parser, p, n, lcsv_field, NULL, cur) != n ||
	    csv_fini(&parser, lcsv_field, NULL, cur) != 0)
		rc = -1;
	csv_free(&parser);
	cur_reserve_buf(cur, 1);
	cur_finish(cur, cur->nfields);
	return rc;
}

/* ---- reading records -------------------------------------------------------- */

/* Leading and trailing CR/LF bytes are not part of a record. */
static void trim_record(const char **p, size_t *n)
{
	while (*n && ((*p)[0] == '\n' || (*p)[0] == '\r')) {
		(*p)++;
		(*n)--;
	}
	while (*n && ((*p)[*n - 1] == '\n' || (*p)[*n - 1] == '\r'))
		(*n)--;
}

/* Reads exactly n bytes at off; a short read means the file shrank. */
static int read_at(struct sg_csv *c, void *buf, size_t n, uint64_t off, struct sg_error *err)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(c->fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sg_error_errno(err, "%s: cannot read", c->path);
		if (r == 0)
			return sg_error_set(err, SG_E_IO,
					    "%s: the file was truncated while open (%llu bytes expected, "
					    "ends before byte %llu); reopen it", c->path,
					    (unsigned long long)c->size,
					    (unsigned long long)(off + got));
		got += (size_t)r;
	}
	return 0;
}

static void cur_reserve_raw(struct sg_csv_cursor *cur, size_t n)
{
	if (n + 1 > cur->rawcap) {
		size_t cap = cur->rawcap ? cur->rawcap : 4096;
		while (cap < n + 1)
			cap *= 2;
		cur->rawbuf = sg_xrealloc(cur->rawbuf, cap);
		cur->rawcap = cap;
	}
}

/* Reads record rec's bytes into cur->raw (trimmed). */
static int read_record(struct sg_csv *c, uint64_t rec, struct sg_csv_cursor *cur,
		       struct sg_error *err)
{
	uint64_t a = idx_get(c, rec), b = idx_get(c, rec + 1);
	cur_reserve_raw(cur, (size_t)(b - a));
	cur->blk_first = cur->blk_last = UINT64_MAX;  /* the scan block is gone */
	if (read_at(c, cur->rawbuf, (size_t)(b - a), a, err) != 0)
		return -1;
	cur->raw = cur->rawbuf;
	cur->rawlen = (size_t)(b - a);
	trim_record(&cur->raw, &cur->rawlen);
	return 0;
}

uint64_t sg_csv_nrows(const struct sg_csv *c)
{
	uint64_t n = atomic_load_explicit(&((struct sg_csv *)c)->nrec, memory_order_acquire);
	return n > (uint64_t)c->hdr ? n - (uint64_t)c->hdr : 0;
}

int sg_csv_read_row(struct sg_csv *c, uint64_t row, struct sg_csv_cursor *cur,
		    struct sg_error *err)
{
	if (row >= sg_csv_nrows(c))
		return sg_error_set(err, SG_E_USAGE, "%s: row %llu is not indexed (%llu rows so far)",
				    c->path, (unsigned long long)row,
				    (unsigned long long)sg_csv_nrows(c));
	if (read_record(c, row + (uint64_t)c->hdr, cur, err) != 0)
		return -1;
	if (sg_csv_split_libcsv(&c->d, cur->raw, cur->rawlen, cur) != 0)
		return sg_error_set(err, SG_E_IO, "%s: row %llu: out of memory parsing it", c->path,
				    (unsigned long long)row);
	cur->row = row;
	cur_finish(cur, c->ncols);
	return 0;
}

int sg_csv_read_header(struct sg_csv *c, struct sg_csv_cursor *cur, struct sg_error *err)
{
	if (!c->hdr)
		return sg_error_set(err, SG_E_USAGE, "%s: the file has no header row", c->path);
	if (read_record(c, 0, cur, err) != 0)
		return -1;
	if (sg_csv_split_libcsv(&c->d, cur->raw, cur->rawlen, cur) != 0)
		return sg_error_set(err, SG_E_IO, "%s: out of memory parsing the header", c->path);
	cur->row = UINT64_MAX;
	return 0;
}

/* Makes cur's block hold row (and as many following rows before last as fit
 * in about READ_BLOCK bytes). */
static int scan_load(struct sg_csv *c, struct sg_csv_cursor *cur, uint64_t row, uint64_t last,
		     struct sg_error *err)
{
	uint64_t rec = row + (uint64_t)c->hdr, stop = last + (uint64_t)c->hdr;
	uint64_t a = idx_get(c, rec), k = rec + 1, b = idx_get(c, k);
	while (k < stop) {
		uint64_t nb = idx_get(c, k + 1);
		if (nb - a > READ_BLOCK)
			break;
		b = nb;
		k++;
	}
	cur_reserve_raw(cur, (size_t)(b - a));
	if (read_at(c, cur->rawbuf, (size_t)(b - a), a, err) != 0) {
		cur->blk_first = cur->blk_last = UINT64_MAX;
		return -1;
	}
	cur->blk_first = row;
	cur->blk_last = k - (uint64_t)c->hdr;
	cur->blk_off = a;
	return 0;
}

int sg_csv_scan(struct sg_csv *c, struct sg_csv_cursor *cur, uint64_t first, uint64_t last,
		int maxcols, sg_csv_row_fn fn, void *ud, const atomic_int *cancel,
		struct sg_error *err)
{
	uint64_t avail = sg_csv_nrows(c);
	if (last > avail)
		return sg_error_set(err, SG_E_USAGE, "%s: rows %llu..%llu are not all indexed (%llu)",
				    c->path, (unsigned long long)first, (unsigned long long)last,
				    (unsigned long long)avail);
	if (cancel && atomic_load_explicit(cancel, memory_order_relaxed))
		return 1;
	for (uint64_t row = first; row < last; row++) {
		if (row < cur->blk_first || row >= cur->blk_last) {
			if (cancel && atomic_load_explicit(cancel, memory_order_relaxed))
				return 1;
			if (scan_load(c, cur, row, last, err) != 0)
				return -1;
		}
		uint64_t rec = row + (uint64_t)c->hdr;
		uint64_t a = idx_get(c, rec), b = idx_get(c, rec + 1);
		cur->raw = cur->rawbuf + (a - cur->blk_off);
		cur->rawlen = (size_t)(b - a);
		trim_record(&cur->raw, &cur->rawlen);
		sg_csv_split(&c->d, cur->raw, cur->rawlen, cur, maxcols);
		cur->row = row;
		cur_finish(cur, c->ncols);
		if (maxcols > 0 && cur->nfields == maxcols && maxcols < c->ncols)
			cur->ragged = 0;  /* unknown past maxcols: short rows still show */
		int rc = fn(cur, ud);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- the background indexer ------------------------------------------------- */
struct indexer {
	struct sg_csv *c;
	struct scanner s;
	uint64_t nrec;                /* records found (local; published in batches) */
	struct timespec last_ping;
	uint64_t last_ping_rows;
};

static long long ns_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000000000LL + (now.tv_nsec - t->tv_nsec);
}

static void ping(struct sg_csv *c)
{
	char b = 1;
	ssize_t r = write(c->pipefd[1], &b, 1);
	(void)r;  /* full pipe: the reader has a wake-up pending already */
}

static int index_on_record(struct scanner *s, uint64_t end, uint64_t nfields)
{
	struct indexer *ix = s->ud;
	struct sg_csv *c = ix->c;
	uint64_t rec = ix->nrec++;
	idx_set(c, rec + 1, end);
	if (nfields != (uint64_t)c->ncols && rec >= (uint64_t)c->hdr) {
		int nf = nfields > INT32_MAX ? INT32_MAX : (int)nfields;
		pthread_mutex_lock(&c->mu);
		c->ragged_total++;
		if (c->nragged < SG_CSV_RAGGED_MAX) {
			if (c->nragged == c->ragcap) {
				c->ragcap = c->ragcap ? 2 * c->ragcap : 64;
				c->ragged = sg_xrealloc(c->ragged, c->ragcap * sizeof *c->ragged);
			}
			c->ragged[c->nragged].row = rec - (uint64_t)c->hdr;
			c->ragged[c->nragged].nfields = nf;
			c->nragged++;
		}
		pthread_mutex_unlock(&c->mu);
	}
	return 0;
}

/* Makes the records found so far visible, wakes waiters, and pings the
 * progress pipe when enough rows or time went by. */
static void publish(struct indexer *ix, uint64_t bytes_done, int final)
{
	struct sg_csv *c = ix->c;
	atomic_store_explicit(&c->nrec, ix->nrec, memory_order_release);
	pthread_mutex_lock(&c->mu);
	c->bytes_done = bytes_done;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	/* The first rows wake the front end at once: that is the first screen. */
	int first = ix->last_ping_rows == 0 && ix->nrec > 0;
	if (final || first || ix->nrec - ix->last_ping_rows >= PIPE_ROWS ||
	    ns_since(&ix->last_ping) >= PIPE_NS) {
		ping(c);
		ix->last_ping_rows = ix->nrec;
		clock_gettime(CLOCK_MONOTONIC, &ix->last_ping);
	}
}

/* The test hook: waits while paused. */
static void maybe_pause(struct sg_csv *c, uint64_t nrec)
{
	if (!c->pause_rows || nrec < c->pause_rows + (uint64_t)c->hdr)
		return;
	pthread_mutex_lock(&c->mu);
	while (!c->released && !atomic_load(&c->stop))
		pthread_cond_wait(&c->cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
}

/* Line and column (1-based) of a byte offset, by counting LFs before it. */
static void line_col(struct sg_csv *c, uint64_t off, uint64_t *line, uint64_t *col)
{
	char *buf = sg_xmalloc(off < READ_BLOCK ? (size_t)off + 1 : READ_BLOCK);
	uint64_t pos = 0, lines = 1, last_nl = 0;
	int have_nl = 0;
	while (pos < off) {
		size_t want = off - pos < READ_BLOCK ? (size_t)(off - pos) : READ_BLOCK;
		ssize_t r = pread(c->fd, buf, want, (off_t)pos);
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] == c->d.eol) {
				lines++;
				last_nl = pos + (uint64_t)i;
				have_nl = 1;
			}
		}
		pos += (uint64_t)r;
	}
	free(buf);
	*line = lines;
	*col = have_nl ? off - last_nl : off + 1;
}

static void finish_index(struct sg_csv *c, struct indexer *ix, const struct sg_error *e,
			 uint64_t bytes_done)
{
	publish(ix, bytes_done, 0);
	pthread_mutex_lock(&c->mu);
	if (e) {
		c->failed = 1;
		c->ierr = *e;
	}
	c->done = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	ping(c);
}

static void *index_main(void *arg)
{
	struct sg_csv *c = arg;
	struct indexer ix = { .c = c };
	struct sg_error e = { 0 };
	scanner_init(&ix.s, c->d.delimiter, c->d.eol);
	ix.s.on_record = index_on_record;
	ix.s.ud = &ix;
	clock_gettime(CLOCK_MONOTONIC, &ix.last_ping);
	size_t bufsize = c->size < READ_BLOCK ? (size_t)c->size : READ_BLOCK;
	unsigned char *buf = sg_xmalloc(bufsize);
	uint64_t pos = c->data_start;
	while (pos < c->size) {
		if (atomic_load_explicit(&c->stop, memory_order_relaxed)) {
			sg_error_set(&e, SG_E_IO, "%s: indexing was stopped", c->path);
			finish_index(c, &ix, &e, pos);
			free(buf);
			return NULL;
		}
		size_t want = c->size - pos < bufsize ? (size_t)(c->size - pos) : bufsize;
		if (read_at(c, buf, want, pos, &e) != 0) {
			finish_index(c, &ix, &e, pos);
			free(buf);
			return NULL;
		}
		scan_block(&ix.s, buf, want, pos);
		pos += want;
		publish(&ix, pos, 0);
		maybe_pause(c, ix.nrec);
	}
	free(buf);
	if (scan_finish(&ix.s, c->size) != 0) {
		uint64_t line, col;
		line_col(c, ix.s.quote_at, &line, &col);
		uint64_t row = ix.nrec >= (uint64_t)c->hdr ? ix.nrec - (uint64_t)c->hdr : 0;
		sg_error_set(&e, SG_E_PARSE,
			     "%s:%llu:%llu: unterminated quoted field (data row %llu, byte offset "
			     "%llu); the %llu rows before it are readable", c->path,
			     (unsigned long long)line, (unsigned long long)col,
			     (unsigned long long)row, (unsigned long long)ix.s.quote_at,
			     (unsigned long long)row);
		finish_index(c, &ix, &e, c->size);
		return NULL;
	}
	finish_index(c, &ix, NULL, c->size);
	return NULL;
}

/* ---- sniffing ----------------------------------------------------------------- */
struct sniff {
	uint64_t counts[SNIFF_RECORDS];
	uint64_t ends[SNIFF_RECORDS + 1];  /* ends[0]: data start; record i is [ends[i], ends[i+1]) */
	int n;
};

static int sniff_on_record(struct scanner *s, uint64_t end, uint64_t nfields)
{
	struct sniff *sn = s->ud;
	sn->counts[sn->n] = nfields;
	sn->ends[++sn->n] = end;
	return sn->n == SNIFF_RECORDS;
}

/* Splits sample[start..n) into up to SNIFF_RECORDS records; at_eof: the
 * sample is the whole file, so a last unterminated record counts. */
static void sniff_records(const unsigned char *sample, size_t start, size_t n, int at_eof,
			  char delim, char eol, struct sniff *sn)
{
	struct scanner s;
	scanner_init(&s, delim, eol);
	s.on_record = sniff_on_record;
	s.ud = sn;
	sn->n = 0;
	sn->ends[0] = start;
	if (!scan_block(&s, sample + start, n - start, start) && at_eof)
		scan_finish(&s, n);
}

/* Scores a candidate: the share of records having the most common field
 * count, or 0 when that count is 1 (the delimiter is not there). */
static double sniff_score(const struct sniff *sn, uint64_t *mode_out)
{
	uint64_t best = 0, best_n = 0;
	for (int i = 0; i < sn->n; i++) {
		uint64_t n = 0;
		for (int j = 0; j < sn->n; j++)
			n += sn->counts[j] == sn->counts[i];
		if (n > best_n || (n == best_n && sn->counts[i] > best)) {
			best = sn->counts[i];
			best_n = n;
		}
	}
	*mode_out = best;
	if (best < 2 || sn->n == 0)
		return 0;
	return (double)best_n / sn->n;
}

/* The most consistent candidate.  *undecided: none scored, and one found no
 * whole record in the sample (a long first record: read more). */
static char sniff_delimiter(const unsigned char *sample, size_t start, size_t n, int at_eof,
			    char eol, int *undecided)
{
	int none_found = 0;
	static const char cands[] = { ',', '\t', ';', '|' };
	char best = ',';
	double best_score = 0;
	struct sniff *sn = sg_xmalloc(sizeof *sn);
	for (size_t i = 0; i < sizeof cands; i++) {
		uint64_t mode;
		sniff_records(sample, start, n, at_eof, cands[i], eol, sn);
		double score = sniff_score(sn, &mode);
		none_found |= sn->n == 0;
		/* The most consistent wins; a tie goes to the earlier candidate. */
		if (score > best_score + 1e-9) {
			best = cands[i];
			best_score = score;
		}
	}
	free(sn);
	*undecided = best_score == 0 && none_found;
	return best;
}

/* Text that is not CSV: a clear refusal beats a screen of garbage. */
static int check_text(const char *path, const unsigned char *p, size_t n, struct sg_error *err)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return sg_error_set(err, SG_E_PARSE, "%s: gzip-compressed data is not supported; "
				    "decompress it first (gunzip -k)", path);
	if (n >= 4 && memcmp(p, "PK\3\4", 4) == 0)
		return sg_error_set(err, SG_E_PARSE, "%s: a zip archive (an .xlsx workbook?), not "
				    "a CSV file", path);
	if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
		return sg_error_set(err, SG_E_PARSE, "%s: UTF-16 text is not supported; convert it "
				    "(iconv -f UTF-16 -t UTF-8)", path);
	size_t nul = 0, ctrl = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0)
			nul++;
		else if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' &&
			 p[i] != '\f' && p[i] != '\v' && p[i] != 0x1b)
			ctrl++;
	}
	/* The counts alone would let a tiny binary file through, hence the
	 * share: a quarter of the bytes being NUL or control is never text. */
	if ((nul >= 4 && nul * 100 > n) || (ctrl >= 16 && ctrl * 20 > n) ||
	    (nul + ctrl >= 2 && (nul + ctrl) * 4 > n))
		return sg_error_set(err, SG_E_PARSE, "%s: looks like a binary file, not CSV text "
				    "(%zu NUL and %zu other control bytes in the first %zu)", path,
				    nul, ctrl, n);
	return 0;
}

static int is_typed(enum sg_valkind k)
{
	return k != SG_VAL_MISSING && k != SG_VAL_STRING;
}

/* Does record 0 look like a header?  Column names are not numbers or dates;
 * a column whose values are mostly typed under a string name votes yes, a
 * name that recurs among its column's values votes no. */
static int sniff_header(const struct sg_csv_dialect *d, const unsigned char *sample,
			const struct sniff *sn)
{
	if (sn->n == 0)
		return 0;
	struct sg_csv_cursor h, r;
	sg_csv_cursor_init(&h);
	sg_csv_cursor_init(&r);
	const char *p = (const char *)sample + sn->ends[0];
	size_t len = (size_t)(sn->ends[1] - sn->ends[0]);
	trim_record(&p, &len);
	sg_csv_split(d, p, len, &h, 0);
	int yes = 0;
	for (int j = 0; j < h.nfields; j++)
		if (h.field[j].len)
			yes = 1;  /* all-empty is no header */
	for (int j = 0; j < h.nfields; j++)
		if (is_typed(sg_value_kind(h.field[j].p, h.field[j].len, NULL)))
			yes = 0;
	int *typed = sg_xcalloc((size_t)h.nfields + 1, 3 * sizeof *typed);
	int *strings = typed + h.nfields + 1, *recurs = strings + h.nfields + 1;
	for (int i = 1; yes && i < sn->n; i++) {
		p = (const char *)sample + sn->ends[i];
		len = (size_t)(sn->ends[i + 1] - sn->ends[i]);
		trim_record(&p, &len);
		sg_csv_split(d, p, len, &r, h.nfields);
		for (int j = 0; j < r.nfields && j < h.nfields; j++) {
			enum sg_valkind k = sg_value_kind(r.field[j].p, r.field[j].len, NULL);
			typed[j] += is_typed(k);
			strings[j] += k == SG_VAL_STRING;
			if (h.field[j].len && r.field[j].len == h.field[j].len &&
			    memcmp(r.field[j].p, h.field[j].p, h.field[j].len) == 0)
				recurs[j] = 1;
		}
	}
	int votes = 0;
	for (int j = 0; j < h.nfields; j++) {
		if (typed[j] > strings[j])
			votes++;
		else if (recurs[j])
			votes--;
	}
	free(typed);
	sg_csv_cursor_done(&h);
	sg_csv_cursor_done(&r);
	return yes && votes >= 0;
}

/* The names taken so far, each with the next suffix to try when it comes
 * again as a base: a hash table, so that a header of 100,000 columns (all
 * empty, or all "a") is named in linear time, not by comparing each name
 * with every earlier one. */
struct name_set {
	char **key;
	int *next;
	size_t cap;
};

static size_t name_hash(const char *s)
{
	size_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* The slot of s: its own, or the empty one where it goes. */
static size_t name_slot(const struct name_set *t, const char *s)
{
	size_t i = name_hash(s) & (t->cap - 1);
	while (t->key[i] && strcmp(t->key[i], s) != 0)
		i = (i + 1) & (t->cap - 1);
	return i;
}

/* Unique, non-empty names: "a", "a_2", "column_3". */
static char **unique_names(const struct sg_csv_cursor *h, int ncols)
{
	char **names = sg_xcalloc((size_t)ncols + 1, sizeof *names);
	struct name_set t = { NULL, NULL, 16 };
	while (t.cap < 2 * (size_t)ncols)
		t.cap *= 2;
	t.key = sg_xcalloc(t.cap, sizeof *t.key);
	t.next = sg_xcalloc(t.cap, sizeof *t.next);
	for (int j = 0; j < ncols; j++) {
		const char *v = h && j < h->nfields ? h->field[j].p : "";
		char *base = v[0] ? sg_xstrdup(v) : sg_xasprintf("column_%d", j + 1);
		char *name = sg_xstrdup(base);
		size_t s = name_slot(&t, name);
		if (t.key[s]) {
			/* Taken: try base_K from where the last duplicate stopped.
			 * A later empty name's default must not collide either. */
			size_t bs = s;
			int k = t.next[bs];
			do {
				free(name);
				name = sg_xasprintf("%s_%d", base, k++);
				s = name_slot(&t, name);
			} while (t.key[s]);
			t.next[bs] = k;
		}
		t.key[s] = name;
		t.next[s] = 2;
		free(base);
		names[j] = name;
	}
	free(t.key);
	free(t.next);
	return names;
}

/* Reads the first min(size, want) bytes; *eof_out: that is the whole file. */
static unsigned char *read_sample(struct sg_csv *c, size_t want, size_t *n_out, int *eof_out,
				  struct sg_error *err)
{
	size_t n = c->size < want ? (size_t)c->size : want;
	unsigned char *buf = sg_xmalloc(n + 1);
	if (read_at(c, buf, n, 0, err) != 0) {
		free(buf);
		return NULL;
	}
	*n_out = n;
	*eof_out = n == c->size;
	return buf;
}

/* Sniffs the eol and delimiter from sample and splits its first records;
 * returns where the data starts (past a BOM).  *more: a bigger sample is
 * needed to decide. */
static size_t sniff_sample(struct sg_csv *c, const struct sg_csv_options *o,
			   const unsigned char *sample, size_t n, int eof, struct sniff *sn,
			   int *more)
{
	int undecided = 0;
	size_t start = n >= 3 && memcmp(sample, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	c->d.bom = start == 3;
	c->data_start = start;
	c->d.quote = QUOTE;
	c->d.eol = memchr(sample, '\n', n) || !memchr(sample, '\r', n) ? '\n' : '\r';
	c->d.delimiter = o->delimiter ? o->delimiter
				      : sniff_delimiter(sample, start, n, eof, c->d.eol, &undecided);
	sniff_records(sample, start, n, eof, c->d.delimiter, c->d.eol, sn);
	*more = !eof && (sn->n == 0 || undecided);
	return start;
}

static int sniff(struct sg_csv *c, const struct sg_csv_options *o, struct sg_error *err)
{
	size_t n, start;
	int eof;
	struct sniff *sn = sg_xmalloc(sizeof *sn);
	unsigned char *sample = NULL;
	/* Usually 64 KB; more only while the first record does not fit. */
	for (size_t want = SG_CSV_SNIFF_BYTES;; want *= 4) {
		free(sample);
		sample = read_sample(c, want, &n, &eof, err);
		if (!sample ||
		    (want == SG_CSV_SNIFF_BYTES && check_text(c->path, sample, n, err) != 0)) {
			free(sample);
			free(sn);
			return -1;
		}
		int more;
		start = sniff_sample(c, o, sample, n, eof, sn, &more);
		if (!more || want >= FIRST_RECORD_MAX)
			break;
	}
	if (sn->n == 0 && !eof && n > start) {
		free(sn);
		free(sample);
		return sg_error_set(err, SG_E_PARSE, "%s:1:1: the first record is longer than %u MB "
				    "or opens a quote that is never closed", c->path,
				    FIRST_RECORD_MAX >> 20);
	}
	if (sn->n > 0) {
		uint64_t e = sn->ends[1];
		c->d.crlf = e >= 2 && sample[e - 1] == '\n' && sample[e - 2] == '\r';
	}
	if (o->header == SG_CSV_HEADER_AUTO) {
		c->d.header = sniff_header(&c->d, sample, sn);
		c->d.header_sniffed = 1;
	} else {
		c->d.header = o->header == SG_CSV_HEADER_YES && sn->n > 0;
	}
	c->hdr = c->d.header;
	struct sg_csv_cursor h;
	sg_csv_cursor_init(&h);
	c->ncols = 0;
	if (sn->n > 0) {
		const char *p = (const char *)sample + sn->ends[0];
		size_t len = (size_t)(sn->ends[1] - sn->ends[0]);
		trim_record(&p, &len);
		sg_csv_split_libcsv(&c->d, p, len, &h);
		c->ncols = h.nfields;
	} else if (eof && n > start) {
		/* Only an unterminated quote: name the columns after what there
		 * is; the indexer reports the error. */
		const char *p = (const char *)sample + start;
		size_t len = n - start;
		trim_record(&p, &len);
		sg_csv_split_libcsv(&c->d, p, len, &h);
		c->ncols = h.nfields;
	}
	c->names = unique_names(c->hdr ? &h : NULL, c->ncols);
	sg_csv_cursor_done(&h);
	free(sn);
	free(sample);
	return 0;
}

/* ---- open, close, accessors ----------------------------------------------------- */
struct sg_csv *sg_csv_open(const char *path, const struct sg_csv_options *opt,
			   struct sg_error *err)
{
	static const struct sg_csv_options defaults;
	const struct sg_csv_options *o = opt ? opt : &defaults;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sg_error_errno(err, "cannot open %s", path);
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		sg_error_errno(err, "cannot stat %s", path);
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		sg_error_set(err, SG_E_IO, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (o->delimiter == QUOTE || o->delimiter == '\n' || o->delimiter == '\r') {
		sg_error_set(err, SG_E_USAGE, "%s: the delimiter cannot be a quote or a line end", path);
		close(fd);
		return NULL;
	}
	struct sg_csv *c = sg_xcalloc(1, sizeof *c);
	c->path = sg_xstrdup(path);
	c->fd = fd;
	c->size = (uint64_t)st.st_size;
	c->mtime = st.st_mtim;
	c->pipefd[0] = c->pipefd[1] = -1;
	c->delta_limit = o->test_delta_limit ? o->test_delta_limit : UINT32_MAX;
	c->pause_rows = o->test_pause_rows;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pipe2(c->pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
		sg_error_errno(err, "%s: cannot create a pipe", path);
		sg_csv_free(c);
		return NULL;
	}
	if (sniff(c, o, err) != 0) {
		sg_csv_free(c);
		return NULL;
	}
	/* Records need two bytes each (one of data, one terminator), so the
	 * directory can be sized once: readers never see it move. */
	uint64_t max_slots = (c->size - c->data_start) / 2 + 2;
	c->ndir = (size_t)(max_slots >> IDX_SHIFT) + 1;
	c->dir = sg_xcalloc(c->ndir, sizeof *c->dir);
	idx_set(c, 0, c->data_start);
	if (c->size <= c->data_start) {
		c->done = 1;
		ping(c);
		return c;
	}
	if (pthread_create(&c->th, NULL, index_main, c) != 0) {
		sg_error_set(err, SG_E_IO, "%s: cannot start the indexing thread", path);
		sg_csv_free(c);
		return NULL;
	}
	c->th_started = 1;
	return c;
}

void sg_csv_free(struct sg_csv *c)
{
	if (!c)
		return;
	if (c->th_started) {
		atomic_store(&c->stop, 1);
		pthread_mutex_lock(&c->mu);
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->th, NULL);
	}
	for (size_t i = 0; i < c->ndir && c->dir; i++) {
		if (c->dir[i]) {
			free(c->dir[i]->narrow);
			free(atomic_load(&c->dir[i]->wide));
			free(c->dir[i]);
		}
	}
	free(c->dir);
	for (int j = 0; c->names && j < c->ncols; j++)
		free(c->names[j]);
	free(c->names);
	free(c->ragged);
	if (c->pipefd[0] >= 0)
		close(c->pipefd[0]);
	if (c->pipefd[1] >= 0)
		close(c->pipefd[1]);
	if (c->fd >= 0)
		close(c->fd);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c->path);
	free(c);
}

const char *sg_csv_path(const struct sg_csv *c)
{
	return c->path;
}

const struct sg_csv_dialect *sg_csv_dialect(const struct sg_csv *c)
{
	return &c->d;
}

uint64_t sg_csv_size(const struct sg_csv *c)
{
	return c->size;
}

int sg_csv_ncols(const struct sg_csv *c)
{
	return c->ncols;
}

const char *sg_csv_colname(const struct sg_csv *c, int col)
{
	return col >= 0 && col < c->ncols ? c->names[col] : "";
}

int sg_csv_colindex(const struct sg_csv *c, const char *name)
{
	for (int j = 0; j < c->ncols; j++)
		if (strcmp(c->names[j], name) == 0)
			return j;
	return -1;
}

int sg_csv_progress_fd(const struct sg_csv *c)
{
	return c->pipefd[0];
}

void sg_csv_progress(struct sg_csv *c, struct sg_csv_progress *out)
{
	char drain[64];
	while (read(c->pipefd[0], drain, sizeof drain) > 0)
		;
	pthread_mutex_lock(&c->mu);
	out->rows = sg_csv_nrows(c);
	out->bytes_done = c->done ? c->size : c->bytes_done;
	out->bytes_total = c->size;
	out->done = c->done;
	out->failed = c->failed;
	pthread_mutex_unlock(&c->mu);
}

int sg_csv_wait(struct sg_csv *c, struct sg_error *err)
{
	pthread_mutex_lock(&c->mu);
	while (!c->done)
		pthread_cond_wait(&c->cv, &c->mu);
	int failed = c->failed;
	if (failed && err)
		*err = c->ierr;
	pthread_mutex_unlock(&c->mu);
	return failed ? -1 : 0;
}

uint64_t sg_csv_wait_rows(struct sg_csv *c, uint64_t n)
{
	pthread_mutex_lock(&c->mu);
	while (!c->done && sg_csv_nrows(c) < n)
		pthread_cond_wait(&c->cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
	return sg_csv_nrows(c);
}

uint64_t sg_csv_ragged_total(struct sg_csv *c)
{
	pthread_mutex_lock(&c->mu);
	uint64_t n = c->ragged_total;
	pthread_mutex_unlock(&c->mu);
	return n;
}

size_t sg_csv_ragged_listed(struct sg_csv *c)
{
	pthread_mutex_lock(&c->mu);
	size_t n = c->nragged;
	pthread_mutex_unlock(&c->mu);
	return n;
}

int sg_csv_ragged_get(struct sg_csv *c, size_t i, uint64_t *row, int *nfields)
{
	int rc = -1;
	pthread_mutex_lock(&c->mu);
	if (i < c->nragged) {
		*row = c->ragged[i].row;
		*nfields = c->ragged[i].nfields;
		rc = 0;
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int sg_csv_check(struct sg_csv *c, struct sg_error *err)
{
	struct stat st;
	if (fstat(c->fd, &st) != 0)
		return sg_error_errno(err, "cannot stat %s", c->path);
	if ((uint64_t)st.st_size < c->size)
		return sg_error_set(err, SG_E_IO, "%s: the file was truncated while open (%llu bytes, "
				    "was %llu); reopen it", c->path,
				    (unsigned long long)st.st_size, (unsigned long long)c->size);
	if ((uint64_t)st.st_size != c->size || st.st_mtim.tv_sec != c->mtime.tv_sec ||
	    st.st_mtim.tv_nsec != c->mtime.tv_nsec)
		return 1;
	return 0;
}

void sg_csv_test_resume(struct sg_csv *c)
{
	pthread_mutex_lock(&c->mu);
	c->released = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}
