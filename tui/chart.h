/* chart.h — a line chart widget: series of (x, y) points drawn into a box.
 *
 * The Experiments pane overlays runs' metrics with it and the Monitor pane
 * draws live curves; neither the data nor the box is special: a chart is a
 * list of series (borrowed arrays, x ascending), each with a name for the
 * legend and a role for its color, drawn into any surface.
 *
 * Lines are drawn with Braille characters, 2×4 dots a cell, so an 80-column
 * chart has 150-odd distinct x positions; when the backend draws lines in
 * ASCII, each cell a line passes through shows the series' marker (`*` for
 * the first) where a point falls and `.` where the line only passes.  Each
 * dot column shows the minimum and maximum of the points that fall in it,
 * joined to its neighbours, so a one-step spike among a million points stays
 * visible; drawing costs one pass over the points.
 *
 * NaN points are skipped (the line joins across them).  ±Inf points do not
 * stretch the y range: they are clipped to the top or bottom edge and
 * counted in struct chart_info, and the chart says so under the plot. */
#ifndef SG_TUI_CHART_H
#define SG_TUI_CHART_H

#include <stddef.h>
#include "core/theme.h"
#include "tui/surface.h"

struct chart_series {
	const char *name;         /* legend text */
	const double *x, *y;      /* n points, x ascending */
	size_t n;
	enum sg_role role;        /* its color; chart_role(i) gives a palette */
	char marker;              /* ASCII mode; 0: chart_marker(i) of its index */
};

enum {
	CHART_NO_LEGEND = 1 << 0, /* no legend row */
	CHART_NO_XAXIS = 1 << 1,  /* no x labels row (mini charts) */
};

struct chart {
	const struct chart_series *series;
	int nseries;
	unsigned flags;           /* CHART_* */
	const char *xlabel;       /* drawn between the x labels ("step"); may be NULL */
};

/* What the last draw saw. */
struct chart_info {
	double xmin, xmax, ymin, ymax;  /* finite ranges (NaN when no point) */
	size_t points;            /* finite points drawn */
	size_t nan;               /* NaN points skipped */
	size_t clipped;           /* ±Inf points clipped to an edge */
	int plot_x, plot_y, plot_w, plot_h;  /* the plot area, in cells of s */
};

/* Draws c into the whole of s: y labels (max at the top, min at the
 * bottom) left of the plot, x labels (first and last x) under it, then the
 * legend (each series' marker and name in its role) and, when points were
 * clipped, a note.  Rows are given up in that order when s is short:
 * legend, then x labels.  info may be NULL. */
void chart_draw(const struct chart *c, struct surface *s, struct chart_info *info);

/* A palette of distinct roles for series i (cycles). */
enum sg_role chart_role(int i);
/* The ASCII marker of series i ('*', '+', 'o', 'x', '#', '@', cycling). */
char chart_marker(int i);

/* Reduces n points (x ascending) to at most 2 × buckets + 2 for display:
 * the first and the last point, and, the x range cut into buckets equal
 * parts, each part's minimum and maximum point (in x order), so spikes
 * survive; NaN points are dropped, ±Inf kept (as extremes).  Writes into
 * ox, oy (room for 2 × buckets + 2) and returns how many; when there are
 * no more points than that they are copied as they are (NaN dropped). */
size_t chart_downsample(const double *x, const double *y, size_t n, size_t buckets, double *ox,
			double *oy);

/* A one-row sparkline of the last w values of v (n of them) at (y, x) of
 * s, right-aligned, scaled from min(0, smallest) to the largest: block
 * characters U+2581..U+2588, or " .:-=+*#" when the backend draws ASCII.
 * NaN values are blanks.  Returns the columns drawn. */
int chart_sparkline(struct surface *s, int y, int x, int w, const double *v, size_t n,
		    enum sg_role role);

/* "0.25", "1.2e+06": a y or x label in at most 9 columns. */
void chart_label(double v, char *buf, size_t n);

#endif
