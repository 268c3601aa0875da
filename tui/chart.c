/* chart.c — the line chart widget: ranges, a dot grid (Braille 2×4 a cell,
 * or one ASCII cell), lines joined per dot column, labels and legend. */
#include "sgconfig.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/util.h"
#include "tui/chart.h"

#define BRAILLE_BASE 0x2800u
#define BRAILLE_FULL 0x28FFu

/* Braille dot bits by [row 0..3][column 0..1] inside a cell. */
static const uint8_t braille_bit[4][2] = {
	{ 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 },
};

static const enum sg_role palette[] = {
	SG_ROLE_RUNNING, SG_ROLE_OK, SG_ROLE_PROMPT, SG_ROLE_FAILED, SG_ROLE_HEADER,
	SG_ROLE_NUMBER, SG_ROLE_TITLE,
};
static const char markers[] = "*+ox#@%";

enum sg_role chart_role(int i)
{
	int n = (int)(sizeof palette / sizeof palette[0]);

	return palette[(i % n + n) % n];
}

char chart_marker(int i)
{
	int n = (int)(sizeof markers - 1);

	return markers[(i % n + n) % n];
}

void chart_label(double v, char *buf, size_t n)
{
	if (isnan(v))
		snprintf(buf, n, "nan");
	else if (isinf(v))
		snprintf(buf, n, "%sinf", v < 0 ? "-" : "");
	else if (v != 0 && (fabs(v) >= 1e6 || fabs(v) < 1e-3))
		snprintf(buf, n, "%.2e", v);
	else
		snprintf(buf, n, "%.4g", v);
}

/* ---- downsampling ------------------------------------------------------------ */

/* Copies the points whose y is not NaN; returns how many. */
static size_t copy_finite(const double *x, const double *y, size_t n, double *ox, double *oy)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (isnan(y[i]))
			continue;
		ox[k] = x[i];
		oy[k++] = y[i];
	}
	return k;
}

/* Appends point i of (x, y) to (ox, oy) at *k. */
static void emit(const double *x, const double *y, size_t i, double *ox, double *oy, size_t *k)
{
	ox[*k] = x[i];
	oy[*k] = y[i];
	(*k)++;
}

/* Appends a bucket's extremes lo and hi in x order, leaving out the
 * points emitted on their own (first and last). */
static void emit_bucket(const double *x, const double *y, size_t lo, size_t hi, size_t first,
			size_t last, double *ox, double *oy, size_t *k)
{
	size_t a = lo < hi ? lo : hi, b = lo < hi ? hi : lo;

	if (a != first && a != last)
		emit(x, y, a, ox, oy, k);
	if (b != a && b != first && b != last)
		emit(x, y, b, ox, oy, k);
}

size_t chart_downsample(const double *x, const double *y, size_t n, size_t buckets, double *ox,
			double *oy)
{
	size_t finite = 0, first = n, last = 0, k = 0, cur = (size_t)-1, lo = 0, hi = 0;
	double span;

	for (size_t i = 0; i < n; i++) {
		if (isnan(y[i]))
			continue;
		finite++;
		if (first == n)
			first = i;
		last = i;
	}
	if (buckets == 0 || finite <= 2 * buckets + 2)
		return copy_finite(x, y, n, ox, oy);
	span = x[last] - x[first];
	emit(x, y, first, ox, oy, &k);
	for (size_t i = first; i <= last; i++) {
		if (isnan(y[i]))
			continue;
		size_t b = span > 0 ? (size_t)((x[i] - x[first]) / span * (double)buckets) : 0;
		if (b >= buckets)
			b = buckets - 1;
		if (b != cur) {
			if (cur != (size_t)-1)
				emit_bucket(x, y, lo, hi, first, last, ox, oy, &k);
			cur = b;
			lo = hi = i;
		}
		if (y[i] < y[lo])
			lo = i;
		if (y[i] > y[hi])
			hi = i;
	}
	emit_bucket(x, y, lo, hi, first, last, ox, oy, &k);
	emit(x, y, last, ox, oy, &k);
	return k;
}

/* ---- ranges -------------------------------------------------------------------- */

/* The finite x and y ranges over every series, and the NaN and ±Inf counts. */
static void chart_ranges(const struct chart *c, struct chart_info *in)
{
	in->xmin = in->ymin = INFINITY;
	in->xmax = in->ymax = -INFINITY;
	in->points = in->nan = in->clipped = 0;
	for (int s = 0; s < c->nseries; s++) {
		const struct chart_series *se = &c->series[s];
		for (size_t i = 0; i < se->n; i++) {
			double y = se->y[i];
			if (isnan(y) || isnan(se->x[i])) {
				in->nan++;
				continue;
			}
			in->xmin = fmin(in->xmin, se->x[i]);
			in->xmax = fmax(in->xmax, se->x[i]);
			if (isinf(y)) {
				in->clipped++;
				continue;
			}
			in->points++;
			in->ymin = fmin(in->ymin, y);
			in->ymax = fmax(in->ymax, y);
		}
	}
	if (in->xmin > in->xmax)
		in->xmin = in->xmax = NAN;
	if (in->ymin > in->ymax)
		in->ymin = in->ymax = NAN;
}

/* ---- the dot grid ------------------------------------------------------------------ */

enum { DOT_NONE, DOT_LINE, DOT_POINT };

struct cell {
	uint8_t bits;     /* Braille dots */
	uint8_t kind;     /* ASCII: DOT_* */
	int16_t series;   /* who drew last (its role), -1: nobody */
};

struct grid {
	struct cell *cells;
	int w, h;         /* cells */
	int sx, sy;       /* dots a cell: 2×4 (Braille) or 1×1 (ASCII) */
	int dw, dh;       /* dots */
	double xmin, xspan, ymax, yspan;
};

/* Sets dot (gx, gy) for series s. */
static void grid_set(struct grid *g, int gx, int gy, int kind, int s)
{
	struct cell *c;

	if (gx < 0 || gy < 0 || gx >= g->dw || gy >= g->dh)
		return;
	c = &g->cells[(gy / g->sy) * g->w + gx / g->sx];
	if (g->sx == 2)
		c->bits |= braille_bit[gy % 4][gx % 2];
	if (kind >= c->kind) {    /* points win over lines; then the latest */
		c->kind = (uint8_t)kind;
		c->series = (int16_t)s;
	}
}

/* A straight line of dots from (x0, y0) to (x1, y1), ends excluded. */
static void grid_line(struct grid *g, int x0, int y0, int x1, int y1, int s)
{
	int dx = abs(x1 - x0), dy = -abs(y1 - y0), ix = x0 < x1 ? 1 : -1, iy = y0 < y1 ? 1 : -1;
	int e = dx + dy, x = x0, y = y0;

	for (;;) {
		int e2 = 2 * e;
		if (e2 >= dy) {
			if (x == x1)
				break;
			e += dy;
			x += ix;
		}
		if (e2 <= dx) {
			if (y == y1)
				break;
			e += dx;
			y += iy;
		}
		if (x == x1 && y == y1)
			break;
		grid_set(g, x, y, DOT_LINE, s);
	}
}

/* The dot row of y: +Inf on the top edge, -Inf on the bottom one. */
static int dot_y(const struct grid *g, double y)
{
	double r;

	if (isinf(y))
		return y > 0 ? 0 : g->dh - 1;
	r = g->yspan > 0 ? (g->ymax - y) / g->yspan : 0.5;
	return (int)lround(r * (g->dh - 1));
}

/* The dot column of x. */
static int dot_x(const struct grid *g, double x)
{
	double r = g->xspan > 0 ? (x - g->xmin) / g->xspan : 0.5;

	return (int)lround(r * (g->dw - 1));
}

/* One dot column's points: their extremes, first and last rows. */
struct dotcol {
	int x, lo, hi, first, last;
};

/* Draws a finished dot column: its vertical extent and its points. */
static void col_flush(struct grid *g, const struct dotcol *c, int s)
{
	for (int y = c->lo; y <= c->hi; y++)
		grid_set(g, c->x, y, y == c->lo || y == c->hi ? DOT_POINT : DOT_LINE, s);
	grid_set(g, c->x, c->first, DOT_POINT, s);
	grid_set(g, c->x, c->last, DOT_POINT, s);
}

/* Draws series s: each dot column's extremes, joined to the next. */
static void grid_series(struct grid *g, const struct chart_series *se, int s)
{
	struct dotcol c = { -1, 0, 0, 0, 0 };

	for (size_t i = 0; i < se->n; i++) {
		if (isnan(se->y[i]) || isnan(se->x[i]))
			continue;
		int x = dot_x(g, se->x[i]), y = dot_y(g, se->y[i]);
		if (x != c.x) {
			if (c.x >= 0) {
				col_flush(g, &c, s);
				grid_line(g, c.x, c.last, x, y, s);
			}
			c = (struct dotcol){ x, y, y, y, y };
			continue;
		}
		c.lo = y < c.lo ? y : c.lo;
		c.hi = y > c.hi ? y : c.hi;
		c.last = y;
	}
	if (c.x >= 0)
		col_flush(g, &c, s);
}

/* Puts the grid's cells on s at (y0, x0). */
static void grid_blit(const struct grid *g, const struct chart *c, struct surface *s, int y0,
		      int x0)
{
	for (int y = 0; y < g->h; y++) {
		for (int x = 0; x < g->w; x++) {
			const struct cell *cl = &g->cells[y * g->w + x];
			char ch[8];
			if (cl->series < 0)
				continue;
			const struct chart_series *se = &c->series[cl->series];
			enum sg_role role = se->role;
			if (g->sx == 2) {
				ch[utf8_encode(BRAILLE_BASE + cl->bits, ch)] = '\0';
			} else {
				ch[0] = cl->kind == DOT_POINT ? (se->marker ? se->marker
									    : chart_marker(cl->series))
							      : '.';
				ch[1] = '\0';
			}
			surface_text(s, y0 + y, x0 + x, role, ch);
		}
	}
}

/* Draws every series into the plot rectangle (y0, x0, h, w) of s. */
static void draw_plot(const struct chart *c, const struct chart_info *in, struct surface *s,
		      int y0, int x0, int h, int w)
{
	int ascii = s->be->ascii_lines || !s->be->unicode;
	struct grid g = { .w = w, .h = h, .sx = ascii ? 1 : 2, .sy = ascii ? 1 : 4 };
	double ymin = in->ymin, ymax = in->ymax;

	if (w <= 0 || h <= 0)
		return;
	if (isnan(ymin)) {        /* only ±Inf points: any range will do */
		ymin = 0;
		ymax = 1;
	}
	g.dw = w * g.sx;
	g.dh = h * g.sy;
	g.xmin = in->xmin;
	g.xspan = in->xmax - in->xmin;
	g.ymax = ymax;
	g.yspan = ymax - ymin;
	g.cells = sg_xcalloc((size_t)w * (size_t)h, sizeof *g.cells);
	for (int i = 0; i < w * h; i++)
		g.cells[i].series = -1;
	for (int i = 0; i < c->nseries; i++)
		grid_series(&g, &c->series[i], i);
	grid_blit(&g, c, s, y0, x0);
	free(g.cells);
}

/* ---- labels and legend ------------------------------------------------------------------ */

/* The legend on row y: each series' marker and name, in its role; then the
 * clipped note. */
static void draw_legend(const struct chart *c, const struct chart_info *in, struct surface *s,
			int y)
{
	int ascii = s->be->ascii_lines || !s->be->unicode, x = 0;
	char mark[8], note[64];

	for (int i = 0; i < c->nseries && x < s->w; i++) {
		const struct chart_series *se = &c->series[i];
		if (ascii)
			snprintf(mark, sizeof mark, "%c", se->marker ? se->marker : chart_marker(i));
		else
			mark[utf8_encode(BRAILLE_FULL, mark)] = '\0';
		if (i)
			x += 2;
		x += surface_text(s, y, x, se->role, mark);
		x += surface_text(s, y, x, SG_ROLE_NORMAL, " ");
		x += surface_textw(s, y, x, s->w - x, SG_ROLE_NORMAL, TEXT_ELLIPSIS,
				   se->name ? se->name : "");
	}
	if (!in->clipped || x + 4 >= s->w)
		return;
	snprintf(note, sizeof note, "  \u00b1inf clipped: %zu", in->clipped);
	surface_textw(s, y, x, s->w - x, SG_ROLE_ERROR, TEXT_ELLIPSIS, note);
}

/* The x labels on row y under the plot (x0, w): first, last, the name. */
static void draw_xaxis(const struct chart *c, const struct chart_info *in, struct surface *s,
		       int y, int x0, int w)
{
	char lo[32], hi[32];
	int lw;

	if (isnan(in->xmin))
		return;
	chart_label(in->xmin, lo, sizeof lo);
	chart_label(in->xmax, hi, sizeof hi);
	lw = surface_textw(s, y, x0, w, SG_ROLE_DIM, 0, lo);
	if (in->xmax != in->xmin)
		surface_textw(s, y, x0 + lw + 1, w - lw - 1, SG_ROLE_DIM, TEXT_RIGHT, hi);
	if (c->xlabel && w > lw + (int)strlen(hi) + (int)strlen(c->xlabel) + 4)
		surface_textw(s, y, x0, w, SG_ROLE_DIM, TEXT_CENTER, c->xlabel);
}

/* Width of the y labels (0 when there is no room for them). */
static int ylabel_width(const struct chart_info *in, int w, char *hi, char *lo, size_t n)
{
	int lw;

	chart_label(isnan(in->ymax) ? 1 : in->ymax, hi, n);
	chart_label(isnan(in->ymin) ? 0 : in->ymin, lo, n);
	lw = (int)(strlen(hi) > strlen(lo) ? strlen(hi) : strlen(lo));
	return w >= lw + 1 + 8 ? lw : 0;
}

void chart_draw(const struct chart *c, struct surface *s, struct chart_info *info)
{
	struct chart_info in;
	int legend, xaxis, ph, lw, px;
	char hi[32], lo[32];

	chart_ranges(c, &in);
	legend = !(c->flags & CHART_NO_LEGEND) && s->h >= 4;
	xaxis = !(c->flags & CHART_NO_XAXIS) && s->h - legend >= 3;
	ph = s->h - legend - xaxis;
	lw = ylabel_width(&in, s->w, hi, lo, sizeof hi);
	px = lw ? lw + 1 : 0;
	in.plot_x = px;
	in.plot_y = 0;
	in.plot_w = s->w - px;
	in.plot_h = ph;
	if (info)
		*info = in;
	if (ph <= 0 || in.plot_w <= 0)
		return;
	if (isnan(in.xmin)) {
		surface_textw(s, ph / 2, 0, s->w, SG_ROLE_DIM, TEXT_CENTER, "no points");
	} else {
		if (lw) {
			surface_textw(s, 0, 0, lw, SG_ROLE_DIM, TEXT_RIGHT, hi);
			if (ph > 1)
				surface_textw(s, ph - 1, 0, lw, SG_ROLE_DIM, TEXT_RIGHT, lo);
			surface_vline(s, 0, lw, ph, SG_ROLE_BORDER);
		}
		draw_plot(c, &in, s, 0, px, ph, in.plot_w);
	}
	if (xaxis)
		draw_xaxis(c, &in, s, ph, px, in.plot_w);
	if (legend)
		draw_legend(c, &in, s, s->h - 1);
}

int chart_sparkline(struct surface *s, int y, int x, int w, const double *v, size_t n,
		    enum sg_role role)
{
	static const char ascii[] = " .:-=+*#";
	size_t first = n > (size_t)(w > 0 ? w : 0) ? n - (size_t)w : 0;
	double lo = 0, hi = 0;
	int col = x + w - (int)(n - first);

	for (size_t i = first; i < n; i++) {
		if (isnan(v[i]) || isinf(v[i]))
			continue;
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	for (size_t i = first; i < n; i++, col++) {
		double f = hi > lo && isfinite(v[i]) ? (v[i] - lo) / (hi - lo) : 0;
		int level = (int)(f * 7 + 0.5);
		char buf[8];
		if (isnan(v[i]))
			continue;
		if (s->be->unicode && !s->be->ascii_lines)
			buf[utf8_encode(0x2581u + (uint32_t)level, buf)] = '\0';
		else
			snprintf(buf, sizeof buf, "%c", ascii[level]);
		surface_text(s, y, col, role, buf);
	}
	return (int)(n - first);
}
