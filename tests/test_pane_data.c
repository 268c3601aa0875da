/* test_pane_data.c — the Data pane's sheets rendered into the memory
 * surface: the table (scrolling, columns, jump, search, sort, filter,
 * marks, ragged rows, progress while indexing), the cell viewer, the
 * describe and frequency sheets, and the recipe builder.
 *
 * Background work (the index, sorts, statistics) is driven to the end by
 * settle(), which polls the descriptors the app's loop would poll. */
#include "tests/testutil.h"
#include "core/dataset.h"
#include "core/util.h"
#include "core/workspace.h"
#include "tui/app.h"
#include "tui/sheet.h"
#include "tui/surface.h"

#define NPEOPLE 1000

static char *dir;
static struct sg_workspace *ws;
static const char *const cities[5] = { "Seoul", "Busan", "Lima", "Oslo", "Cairo" };

/* people.csv, row i (0-based): the generator, so tests can check rows. */
static int score_of(int i)
{
	return (i * 37) % 1000;
}

static const char *city_of(int i)
{
	return cities[i % 5];
}

struct fx {
	struct surface_backend *be;
	struct app *app;
};

#include "tests/tuitest.h"

static void add_dataset(const char *file, const char *text)
{
	struct sg_error err = { 0 };
	struct sg_dataset_info info;

	free(tu_write(dir, file, text));
	assert_int_equal(sg_dataset_register(ws->store, ws->root, file, NULL, 1, 0, NULL, &info,
					     &err), 0);
}

/* people.csv: id,name,city,score,note with 1,000 rows. */
static void write_people(void)
{
	size_t cap = 64 * (NPEOPLE + 1), len = 0;
	char *text = malloc(cap);

	len += (size_t)snprintf(text, cap, "id,name,city,score,note\n");
	for (int i = 0; i < NPEOPLE; i++)
		len += (size_t)snprintf(text + len, cap - len, "%d,user_%04d,%s,%d,n%d\n", i + 1,
					(i * 7919) % 1000, city_of(i), score_of(i), i);
	add_dataset("people.csv", text);
	free(text);
}

/* big.csv: about 3 MB, so a paused index stops after its first block. */
static void write_big(void)
{
	FILE *f;
	char *path = sg_path_join(dir, "big.csv");

	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "n,sq\n");
	for (int i = 0; i < 300000; i++)
		fprintf(f, "%d,%d\n", i, i % 1000);
	fclose(f);
	free(path);
}

static int group_setup(void **state)
{
	struct sg_error err = { 0 };
	struct sg_dataset_info info;

	dir = tu_tempdir();
	tt_env(dir);
	ws = tt_workspace(dir);
	/* listed by name: big, long, miss, nums, people, ragged */
	write_people();
	add_dataset("nums.csv", "x,label\n1,a\n2,a\n3,a\n4,a\n5,b\n6,b\n7,b\n8,c\n9,c\n10,d\n");
	add_dataset("ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n");
	add_dataset("miss.csv", "age,city\n10,Seoul\n,Busan\n30,Seoul\n");
	{
		char text[8192];
		size_t len = (size_t)snprintf(text, sizeof text, "k,text\n1,\"");
		for (int i = 0; i < 150; i++)
			len += (size_t)snprintf(text + len, sizeof text - len, "word%03d lorem ipsum ", i);
		snprintf(text + len, sizeof text - len,
			 "THE-END\"\n2,\"\x01" "bin\xff\xfe tab\there\"\n");
		add_dataset("long.csv", text);
	}
	write_big();
	assert_int_equal(sg_dataset_register(ws->store, ws->root, "big.csv", NULL, 1, 0, NULL,
					     &info, &err), 0);
	*state = NULL;
	return 0;
}

static int group_teardown(void **state)
{
	sg_workspace_free(ws);
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static struct fx *fx_new(int w, int h, int unicode)
{
	return tt_fx_new(ws, w, h, unicode, NULL);
}

static int setup(void **state)
{
	*state = fx_new(80, 24, 1);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tt_fx_free(f);
	dsfile_test_options = NULL;
	return 0;
}

/* The character at (y, x). */
static uint32_t ch_at(struct fx *f, int y, int x)
{
	return surface_mem_cell(f->be, y, x)->ch;
}

/* Selects dataset name in the list and opens its table. */
static void open_dataset(struct fx *f, const char *name)
{
	key(f, SG_KEY_HOME);
	for (int i = 0; i < 10; i++) {
		if (surface_mem_cell(f->be, row_of(f, name), 2)->role == SG_ROLE_SELECTED)
			break;
		key(f, SG_KEY_DOWN);
	}
	key(f, SG_KEY_ENTER);
	assert_string_equal(data_top_kind(&f->app->panes[0]), "table");
}

/* The file row number (1-based) shown in the gutter of screen row y. */
static long gutter(struct fx *f, int y)
{
	const char *r = row(f, y);
	r += (unsigned char)*r >= 0x80 ? 3 : 1;    /* the box's side */
	return strtol(r, NULL, 10);
}

/* The 0-based people.csv row with this score. */
static int row_with_score(int score)
{
	for (int i = 0; i < NPEOPLE; i++)
		if (score_of(i) == score)
			return i;
	return -1;
}

/* ---- the table ------------------------------------------------------------- */

static void test_table_opens(void **state)
{
	struct fx *f = *state;

	assert_true(has(f, "people"));
	open_dataset(f, "people");
	/* title: the path and the position */
	assert_non_null(strstr(row(f, 1), "people.csv"));
	assert_non_null(strstr(row(f, 1), "row 1/1,000"));
	/* frozen header with the column names, current column highlighted */
	assert_non_null(strstr(row(f, 2), "id"));
	assert_non_null(strstr(row(f, 2), "name"));
	assert_non_null(strstr(row(f, 2), "city"));
	assert_non_null(strstr(row(f, 2), "score"));
	assert_int_equal(role_at(f, "id "), SG_ROLE_CURSOR);
	assert_int_equal(role_at(f, "name"), SG_ROLE_HEADER);
	/* row numbers and the first rows */
	assert_int_equal(gutter(f, 3), 1);
	assert_non_null(strstr(row(f, 3), "user_0000"));
	assert_non_null(strstr(row(f, 4), "user_0919"));
	assert_non_null(strstr(row(f, 4), "Busan"));
	assert_int_equal(gutter(f, 21), 19);    /* 19 data rows under the header */
	/* the current cell is the cursor, the rest of the row selected */
	assert_int_equal(surface_mem_cell(f->be, 3, 1)->role, SG_ROLE_SELECTED);
	assert_int_equal(surface_mem_cell(f->be, 4, 1)->role, SG_ROLE_NORMAL);
	assert_int_equal(role_at(f, "user_0000"), SG_ROLE_SELECTED);
	/* page down: still the header, the next rows */
	key(f, SG_KEY_PGDN);
	assert_non_null(strstr(row(f, 2), "score"));
	assert_non_null(strstr(row(f, 1), "row 19/1,000"));
	key(f, 'G');
	assert_non_null(strstr(row(f, 1), "row 1,000/1,000"));
	assert_int_equal(gutter(f, 21), 1000);
	assert_non_null(strstr(row(f, 21), "n999"));
	/* the id column, measured on 3-digit ids, widened for 1000 */
	assert_non_null(strstr(strstr(row(f, 21), "1000") + 4, " 1000 "));
	/* Esc: back to the list */
	key(f, SG_KEY_ESC);
	assert_string_equal(data_top_kind(&f->app->panes[0]), "list");
	assert_true(has(f, "LINEAGE"));
}

static void test_table_resized(void **state)
{
	struct fx *f = *state;

	open_dataset(f, "people");
	surface_mem_resize(f->be, 120, 40);
	app_resize(f->app, 120, 40);
	app_draw(f->app);
	dump(f);
	assert_int_equal(gutter(f, 37), 35);    /* 35 rows fit now */
	assert_non_null(strstr(row(f, 2), "note"));
	surface_mem_resize(f->be, 40, 12);
	app_resize(f->app, 40, 12);
	app_draw(f->app);
	assert_non_null(strstr(row(f, 2), " id "));
	assert_null(strstr(row(f, 2), "note"));
	for (int i = 0; i < 4; i++)
		key(f, 'l');
	/* narrow: the current column (note) is kept in view, id scrolled off */
	assert_non_null(strstr(row(f, 2), "note"));
	assert_null(strstr(row(f, 2), " id "));
	assert_int_equal(role_at(f, "note"), SG_ROLE_CURSOR);
	assert_int_equal(gutter(f, 9), 7);
}

static void test_horizontal_scroll(void **state)
{
	struct fx *f = *state;

	open_dataset(f, "people");
	key(f, 'l');
	assert_int_equal(role_at(f, "name"), SG_ROLE_CURSOR);
	assert_int_equal(role_at(f, "id "), SG_ROLE_HEADER);
	assert_int_equal(role_at(f, "user_0000"), SG_ROLE_CURSOR);
	key(f, 'l');
	key(f, 'l');
	key(f, 'l');
	key(f, 'l');    /* past the last column: stays on note */
	assert_int_equal(role_at(f, "note"), SG_ROLE_CURSOR);
	assert_int_equal(role_at(f, "n0 "), SG_ROLE_CURSOR);
	key(f, 'h');
	assert_int_equal(role_at(f, "score"), SG_ROLE_CURSOR);
}

static void test_jump(void **state)
{
	struct fx *f = *state;

	open_dataset(f, "people");
	type(f, "J");
	assert_int_equal(f->app->mode, APP_COMMAND);
	assert_string_equal(f->app->cmd, "goto ");
	type(f, "500");
	key(f, SG_KEY_ENTER);
	assert_non_null(strstr(row(f, 1), "row 500/1,000"));
	assert_int_equal(role_at(f, "n499 "), SG_ROLE_SELECTED);
	command(f, "goto 1000");
	assert_non_null(strstr(row(f, 1), "row 1,000/1,000"));
	assert_true(has(f, "n999"));
	command(f, "goto 2");
	assert_int_equal(role_at(f, "n1 "), SG_ROLE_SELECTED);
	command(f, "goto nine");
	assert_non_null(strstr(f->app->msg, "not a row number"));
}

static void test_search(void **state)
{
	struct fx *f = *state;

	open_dataset(f, "people");
	type(f, "/");
	assert_string_equal(f->app->cmd, "search ");
	type(f, "^n1.$");
	key(f, SG_KEY_ENTER);
	/* n10..n19 are rows 11..20; the cursor goes to the matching column */
	assert_non_null(strstr(row(f, 1), "row 11/1,000"));
	assert_int_equal(role_at(f, "n10 "), SG_ROLE_CURSOR);
	key(f, 'n');
	assert_non_null(strstr(row(f, 1), "row 12/1,000"));
	key(f, 'n');
	assert_non_null(strstr(row(f, 1), "row 13/1,000"));
	key(f, 'N');
	assert_non_null(strstr(row(f, 1), "row 12/1,000"));
	key(f, 'G');
	key(f, 'n');  /* wraps around to the first */
	assert_non_null(strstr(row(f, 1), "row 11/1,000"));
	assert_non_null(strstr(f->app->msg, "wrapped"));
	command(f, "search nothing-like-this");
	assert_non_null(strstr(f->app->msg, "No match"));
	assert_non_null(strstr(row(f, 1), "row 11/1,000"));
	/* smart case: lower case matches any case */
	command(f, "search seoul");
	assert_non_null(strstr(row(f, 1), "row 16/1,000"));
	{
		int y = row_of(f, "n15 "), x = (int)(strstr(row(f, y), "Seoul") - row(f, y));
		/* byte offset to column: the box side is 3 bytes, 1 column */
		assert_int_equal(surface_mem_cell(f->be, y, x - 2)->role, SG_ROLE_CURSOR);
	}
}

static void test_sort(void **state)
{
	struct fx *f = *state;

	open_dataset(f, "people");
	key(f, 'l');
	key(f, 'l');
	key(f, 'l');   /* score */
	key(f, '[');
	assert_non_null(strstr(row(f, 1), "sort score\u2191"));
	for (int r = 0; r < 19; r++)
		assert_int_equal(gutter(f, 3 + r), row_with_score(r) + 1);
	key(f, ']');
	assert_non_null(strstr(row(f, 1), "sort score\u2193"));
	for (int r = 0; r < 19; r++)
		assert_int_equal(gutter(f, 3 + r), row_with_score(999 - r) + 1);
	key(f, ']');   /* the same key again: file order */
	assert_null(strstr(row(f, 1), "sort"));
	assert_int_equal(gutter(f, 3), 1);
	assert_int_equal(gutter(f, 4), 2);
	/* city ascending, then score descending within a city */
	key(f, 'h');
	key(f, '[');
	key(f, 'l');
	key(f, '}');
	assert_non_null(strstr(row(f, 1), "sort city\u2191 score\u2193"));
	{
		int best = -1;
		for (int i = 0; i < NPEOPLE; i++)
			if (strcmp(city_of(i), "Busan") == 0 && (best < 0 || score_of(i) > score_of(best)))
				best = i;
		assert_int_equal(gutter(f, 3), best + 1);
	}
	assert_non_null(strstr(row(f, 21), "Busan"));
}

static void test_filter(void **state)
{
	struct fx *f = *state;

	open_dataset(f, "people");
	key(f, 'l');
	key(f, 'l');   /* city */
	type(f, "f");
	assert_string_equal(f->app->cmd, "filter city ");
	type(f, "== \"Lima\"");
	key(f, SG_KEY_ENTER);
	assert_string_equal(data_top_kind(&f->app->panes[0]), "table");
	assert_non_null(strstr(row(f, 1), "row 1/200"));
	assert_non_null(strstr(row(f, 1), "[city == \"Lima\"]"));
	assert_non_null(strstr(f->app->msg, "200 rows match"));
	for (int y = 3; y < 22; y++)
		assert_non_null(strstr(row(f, y), "Lima"));
	assert_int_equal(gutter(f, 3), 3);     /* row 3 is the first Lima */
	/* a filter of the filter, then back */
	command(f, "filter score < 100");
	{
		int n = 0;
		for (int i = 0; i < NPEOPLE; i++)
			n += strcmp(city_of(i), "Lima") == 0 && score_of(i) < 100;
		char want[32];
		snprintf(want, sizeof want, "row 1/%d", n);
		assert_non_null(strstr(row(f, 1), want));
	}
	key(f, SG_KEY_ESC);
	assert_non_null(strstr(row(f, 1), "row 1/200"));
	key(f, SG_KEY_ESC);
	assert_non_null(strstr(row(f, 1), "row 1/1,000"));
	/* a bad expression: the message names the column, the prompt
	 * comes back with the cursor there */
	command(f, "filter score > 5 and bogus < 3");
	assert_int_equal(f->app->mode, APP_COMMAND);
	assert_string_equal(f->app->cmd, "filter score > 5 and bogus < 3");
	assert_non_null(strstr(f->app->msg, "where:1:15"));
	assert_int_equal(f->app->cmd_pos, strlen("filter score > 5 and "));
	assert_true(has(f, "where:1:15"));
	key(f, SG_KEY_ESC);
	assert_non_null(strstr(row(f, 1), "row 1/1,000"));
	/* no match: an empty sheet says so */
	command(f, "filter score > 5000");
	assert_non_null(strstr(row(f, 1), "row 0/0"));
	assert_true(has(f, "No rows."));
}

static void test_marks(void **state)
{
	struct fx *f = *state;

	open_dataset(f, "people");
	key(f, 'm');
	key(f, 'm');
	key(f, 'j');
	key(f, 'm');
	assert_non_null(strstr(row(f, 1), "3 marked"));
	assert_int_equal(ch_at(f, 3, 5), '*');
	assert_int_equal(ch_at(f, 4, 5), '*');
	assert_int_equal(ch_at(f, 5, 5), ' ');
	assert_int_equal(ch_at(f, 6, 5), '*');
	assert_int_equal(surface_mem_cell(f->be, 3, 5)->role, SG_ROLE_KEY);
	assert_int_equal(role_at(f, "user_0000"), SG_ROLE_KEY);  /* marked, not selected */
	/* the marked rows as a sheet */
	key(f, '*');
	assert_non_null(strstr(row(f, 1), "row 1/3"));
	assert_int_equal(gutter(f, 5), 4);
	key(f, SG_KEY_ESC);
	key(f, 'k');
	key(f, 'm');   /* unmarks row 4 */
	assert_non_null(strstr(row(f, 1), "2 marked"));
	key(f, 'M');
	assert_null(strstr(row(f, 1), "marked"));
	assert_int_equal(ch_at(f, 3, 5), ' ');
}

static void test_cell_viewer(void **state)
{
	struct fx *f = *state;
	int y;

	open_dataset(f, "long");
	key(f, 'l');
	key(f, SG_KEY_ENTER);
	assert_string_equal(data_top_kind(&f->app->panes[0]), "cell");
	assert_non_null(strstr(row(f, 1), "row 1  text"));
	/* wrapped at blanks over several lines */
	assert_non_null(strstr(row(f, 2), "word000 lorem ipsum"));
	assert_non_null(strstr(row(f, 3), "word"));
	assert_non_null(strstr(row(f, 21), "1-19/"));
	assert_false(has(f, "THE-END"));
	key(f, 'j');
	assert_non_null(strstr(row(f, 2), "word004 lorem"));
	key(f, 'G');
	assert_true(has(f, "THE-END"));
	assert_false(has(f, "word000 "));
	key(f, SG_KEY_ESC);
	/* the binary-ish value: escapes, never raw bytes */
	key(f, 'j');
	y = row_of(f, "bin");
	assert_non_null(strstr(row(f, y), "\\x01bin\\xff\\xfe tab\\there"));
	key(f, SG_KEY_ENTER);
	assert_non_null(strstr(row(f, 2), "\\x01bin\\xff\\xfe tab\\there"));
	for (int x = 0; x < 80; x++)
		assert_true(surface_mem_cell(f->be, 2, x)->ch >= 0x20);
	key(f, SG_KEY_ESC);
	assert_string_equal(data_top_kind(&f->app->panes[0]), "table");
}

static void test_ragged(void **state)
{
	struct fx *f = *state;

	open_dataset(f, "ragged");
	assert_int_equal(ch_at(f, 4, 5), '!');
	assert_int_equal(surface_mem_cell(f->be, 4, 5)->role, SG_ROLE_ERROR);
	assert_int_equal(surface_mem_cell(f->be, 4, 3)->role, SG_ROLE_ERROR);  /* its number */
	assert_int_equal(surface_mem_cell(f->be, 3, 3)->role, SG_ROLE_SELECTED);
	assert_int_equal(ch_at(f, 3, 5), ' ');
	assert_int_equal(ch_at(f, 5, 5), ' ');
	assert_non_null(strstr(f->app->msg, "1 ragged row"));
	/* padded: the missing third field is blank */
	assert_non_null(strstr(row(f, 4), "4"));
	assert_non_null(strstr(row(f, 4), "5"));
	assert_null(strstr(row(f, 4), "6"));
}

static void test_describe(void **state)
{
	struct fx *f = *state;
	const char *r;

	open_dataset(f, "nums");
	key(f, 'd');
	assert_string_equal(data_top_kind(&f->app->panes[0]), "stats");
	assert_non_null(strstr(row(f, 1), "describe"));
	assert_non_null(strstr(row(f, 2), "COLUMN"));
	assert_non_null(strstr(row(f, 2), "MEAN"));
	r = row(f, 3);
	assert_non_null(strstr(r, "x "));
	assert_non_null(strstr(r, "integer"));
	assert_non_null(strstr(r, " 10 "));     /* count, distinct, max */
	assert_non_null(strstr(r, " 1 "));      /* min */
	assert_non_null(strstr(r, " 5.5 "));    /* mean and median */
	assert_non_null(strstr(r, " 3.02765 "));  /* sample stddev */
	r = row(f, 4);
	assert_non_null(strstr(r, "label"));
	assert_non_null(strstr(r, "string"));
	assert_non_null(strstr(r, " 4 "));      /* distinct */
	for (int i = 0; i < 6; i++)
		key(f, 'l');                    /* columns scroll */
	assert_false(has(f, "COLUMN"));
	assert_non_null(strstr(row(f, 4), "a (4)"));    /* top */
	key(f, 'g');
	/* navigable; Enter opens the column's frequencies */
	key(f, 'j');
	key(f, SG_KEY_ENTER);
	assert_non_null(strstr(row(f, 1), "freq label"));
	key(f, SG_KEY_ESC);
	key(f, SG_KEY_ESC);
	/* the next describe is immediate (kept on the file) */
	app_handle_key(f->app, 'd');
	app_draw(f->app);
	assert_non_null(strstr(row(f, 3), "5.5"));
}

/* Draws, and only draws, until text shows and gone does not (NULL: no
 * such condition), 30 s at most: the loop's
 * descriptors are never polled, so the work's end can only be taken in by
 * a frame.  A fixed pause would race the work on a loaded machine. */
static int draw_until(struct fx *f, const char *text, const char *gone)
{
	for (int i = 0; i < 600; i++) {
		app_draw(f->app);
		if (has(f, text) && !(gone && has(f, gone)))
			return 1;
		usleep(50000);
	}
	return 0;
}

/* A frame drawn after background work ended but before the loop saw its
 * descriptor (drawing reads progress, which drains it) must not lose the
 * end: the work is taken in, and nothing is left to wait on. */
static void test_end_seen_while_drawing(void **state)
{
	struct fx *f = *state;
	int fds[APP_MAX_FDS], tmo;

	open_dataset(f, "people");
	app_handle_key(f->app, 'd');
	assert_true(draw_until(f, "500.5", NULL));
	app_draw(f->app);
	assert_int_equal(app_pane_fds(f->app, fds, APP_MAX_FDS, &tmo), 0);
	assert_true(has(f, "COLUMN"));
	assert_true(has(f, "500.5"));   /* mean id */
	key(f, SG_KEY_ESC);
	key(f, SG_KEY_ESC);
	app_handle_key(f->app, SG_KEY_ENTER);  /* people again, index from scratch */
	assert_true(draw_until(f, "row 1/1,000 ", "Indexing"));
	app_draw(f->app);
	assert_false(has(f, "Indexing"));
	assert_int_equal(app_pane_fds(f->app, fds, APP_MAX_FDS, &tmo), 0);
	assert_non_null(strstr(row(f, 1), "row 1/1,000 "));
}

/* Columns of bar characters on screen row y. */
static int bar_len(struct fx *f, int y, uint32_t full)
{
	int n = 0;
	for (int x = 0; x < f->be->w; x++) {
		uint32_t ch = surface_mem_cell(f->be, y, x)->ch;
		n += ch == full || (full != '#' && ch >= 0x2589 && ch <= 0x258f);
	}
	return n;
}

/* The screen row whose first cell in the pane holds value v. */
static int value_row(struct fx *f, const char *v)
{
	char want[64];
	snprintf(want, sizeof want, "%s %s ", f->be->unicode ? "\u2502" : "|", v);
	for (int y = 3; y < f->be->h; y++)
		if (strncmp(row(f, y), want, strlen(want)) == 0)
			return y;
	fail_msg("no row for value %s", v);
	return -1;
}

static void test_freq(void **state)
{
	struct fx *f = *state;
	int ya, yb, yc, yd;

	open_dataset(f, "nums");
	key(f, 'l');
	key(f, 'F');
	assert_non_null(strstr(row(f, 1), "freq label"));
	assert_non_null(strstr(row(f, 2), "VALUE"));
	assert_non_null(strstr(row(f, 2), "PERCENT"));
	ya = value_row(f, "a");
	yb = value_row(f, "b");
	yc = value_row(f, "c");
	yd = value_row(f, "d");
	assert_true(ya < yb && yb < yc && yc < yd);   /* by count */
	assert_non_null(strstr(row(f, ya), "40.0%"));
	assert_non_null(strstr(row(f, yd), "10.0%"));
	assert_true(bar_len(f, ya, 0x2588) > bar_len(f, yb, 0x2588));
	assert_true(bar_len(f, yb, 0x2588) > bar_len(f, yc, 0x2588));
	assert_true(bar_len(f, yc, 0x2588) > bar_len(f, yd, 0x2588));
	assert_true(bar_len(f, yd, 0x2588) > 0);
	/* the longest bar is 4 times the shortest (within a cell) */
	assert_true(abs(bar_len(f, ya, 0x2588) - 4 * bar_len(f, yd, 0x2588)) <= 4);
	/* Enter on a value: the table filtered to it */
	key(f, 'j');
	key(f, SG_KEY_ENTER);
	assert_string_equal(data_top_kind(&f->app->panes[0]), "table");
	assert_non_null(strstr(row(f, 1), "row 1/3"));
	assert_non_null(strstr(row(f, 1), "`label` == \"b\""));
	assert_int_equal(gutter(f, 3), 5);
}

static void test_freq_ascii(void **state)
{
	struct fx *f = fx_new(80, 24, 0);

	*state = f;
	open_dataset(f, "nums");
	key(f, 'l');
	key(f, 'F');
	assert_true(bar_len(f, value_row(f, "a"), '#') > bar_len(f, value_row(f, "d"), '#'));
	assert_true(bar_len(f, value_row(f, "d"), '#') > 0);
	assert_int_equal(bar_len(f, value_row(f, "a"), 0x2588), 0);
}

static void test_progress_while_indexing(void **state)
{
	struct fx *f = *state;
	static const struct sg_csv_options paused = { .test_pause_rows = 1 };
	struct dsfile *file;

	dsfile_test_options = &paused;
	key(f, SG_KEY_HOME);    /* big is first by name */
	app_handle_key(f->app, SG_KEY_ENTER);
	dsfile_test_options = NULL;
	file = data_top_file(&f->app->panes[0]);
	assert_non_null(file);
	sg_csv_wait_rows(file->csv, 1000);
	app_draw(f->app);
	dump(f);
	/* a progress line at the bottom while the index is incomplete */
	assert_true(has(f, "Indexing"));
	assert_int_equal(role_at(f, "Indexing"), SG_ROLE_RUNNING);
	assert_true(has(f, "\u2588"));
	assert_true(has(f, "\u2591"));
	assert_true(has(f, "rows so far"));
	assert_non_null(strstr(row(f, 1), "\u2026"));     /* the count still grows */
	assert_null(strstr(row(f, 1), "300,000"));
	/* usable meanwhile: scroll to the last row indexed so far */
	app_handle_key(f->app, 'G');
	app_draw(f->app);
	long last = gutter(f, 20);
	assert_true(last > 1000 && last < 300000);
	sg_csv_test_resume(file->csv);
	settle(f);
	assert_false(has(f, "Indexing"));
	assert_non_null(strstr(row(f, 1), "/300,000"));
	key(f, 'G');
	assert_int_equal(gutter(f, 21), 300000);
}

/* Moves the prep menu to item i (from the top) and applies it. */
static void menu_pick(struct fx *f, int i)
{
	key(f, 'g');
	for (int k = 0; k < i; k++)
		key(f, 'j');
	key(f, SG_KEY_ENTER);
}

static void test_prep(void **state)
{
	struct fx *f = *state;
	struct sg_dataset_info info;
	struct sg_error err = { 0 };
	char *out;

	open_dataset(f, "miss");
	key(f, 'p');
	assert_string_equal(data_top_kind(&f->app->panes[0]), "prep");
	assert_true(has(f, "ADD A STEP"));
	assert_true(has(f, "RECIPE: 0 STEPS"));
	assert_true(has(f, "Preview: the first 3 rows"));
	assert_int_equal(role_at(f, "age"), SG_ROLE_CURSOR);
	/* impute the mean: the missing age becomes 20 */
	assert_false(has(f, "20 "));
	menu_pick(f, 2);
	assert_true(has(f, "1. impute age (mean)"));
	assert_true(has(f, "20 "));
	/* scaling text fails: refused with the recipe's message, not kept */
	key(f, 'l');
	assert_int_equal(role_at(f, "city "), SG_ROLE_CURSOR);
	menu_pick(f, 8);
	assert_true(has(f, "RECIPE: 1 STEP "));
	assert_true(has(f, "step 2 (scale)"));
	assert_true(has(f, "Preview: the first 3 rows"));   /* the last good one */
	/* one-hot the city */
	menu_pick(f, 7);
	assert_true(has(f, "2. one_hot city"));
	assert_true(has(f, "city=Seoul"));
	assert_true(has(f, "city=Busan"));
	assert_false(has(f, "age  city  "));
	/* undo, redo */
	menu_pick(f, 13);
	assert_false(has(f, "city=Seoul"));
	assert_true(has(f, "RECIPE: 1 STEP "));
	menu_pick(f, 7);
	/* run: a new dataset with lineage */
	menu_pick(f, 15);
	assert_int_equal(f->app->mode, APP_COMMAND);
	assert_string_equal(f->app->cmd, "prep run miss-prep.csv");
	key(f, SG_KEY_ENTER);
	assert_non_null(strstr(f->app->msg, "registered as miss-prep"));
	out = sg_path_join(dir, "miss-prep.csv");
	assert_int_equal(access(out, F_OK), 0);
	free(out);
	out = sg_path_join(dir, "miss-prep.recipe.json");
	assert_int_equal(access(out, F_OK), 0);
	free(out);
	assert_int_equal(sg_dataset_get(ws->store, "miss-prep", &info, &err), 0);
	assert_int_equal(info.rows, 3);
	assert_int_equal(info.columns, 4);  /* age, city=Seoul, city=Busan, city=other */
	assert_string_equal(info.recipe, "miss-prep.recipe.json");
	/* save the recipe elsewhere */
	command(f, "prep save saved.recipe.json");
	assert_non_null(strstr(f->app->msg, "Saved the recipe"));
	out = sg_path_join(dir, "saved.recipe.json");
	assert_int_equal(access(out, F_OK), 0);
	free(out);
	key(f, SG_KEY_ESC);
	key(f, SG_KEY_ESC);
	assert_true(has(f, "miss-prep"));
	assert_non_null(strstr(row(f, row_of(f, "miss-prep")), "miss via miss-p"));
}

static void test_help_lists_data_keys(void **state)
{
	struct fx *f = *state;

	open_dataset(f, "people");
	type(f, "?");
	for (int i = 0; i < 40 && !has(f, "Statistics of every"); i++)
		key(f, 'j');
	assert_true(has(f, "Statistics of every"));
	assert_non_null(strstr(row(f, row_of(f, "describe ")), "d "));
	assert_true(has(f, "sort-asc"));
	assert_non_null(strstr(row(f, row_of(f, "sort-asc")), "["));
	type(f, "?");
	/* on the dataset list, table keys explain themselves */
	key(f, SG_KEY_ESC);
	type(f, "d");
	assert_non_null(strstr(f->app->msg, "Open a dataset first"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_opens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_resized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_horizontal_scroll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cell_viewer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ragged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_seen_while_drawing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freq, setup, teardown),
		cmocka_unit_test_teardown(test_freq_ascii, teardown),
		cmocka_unit_test_setup_teardown(test_progress_while_indexing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_lists_data_keys, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
