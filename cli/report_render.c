#include "report_render.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "duration.h"
#include "output.h"

#define REPORT_LABEL_MAX 28
#define REPORT_BAR_MIN	 8

/* U+2588 FULL BLOCK, then U+258F..U+2589: one to seven eighths. */
static const char *const report_eighths[8] = {"",	"\u258f", "\u258e", "\u258d",
					      "\u258c", "\u258b", "\u258a", "\u2589"};

void report_render_bar(long long active_s, long long max_s, int width, char *buf, size_t n)
{
	long long eighths = max_s > 0 ? (active_s * 8 * width + max_s / 2) / max_s : 0;
	size_t len = 0;

	buf[0] = '\0';
	if (max_s <= 0)
		return;
	if (active_s > 0 && eighths == 0)
		eighths = 1; /* some work shows as something */
	for (long long i = 0; i < eighths / 8 && len + 4 < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "\u2588");
	if (len + 4 < n)
		snprintf(buf + len, n - len, "%s", report_eighths[eighths % 8]);
}

int report_render_width(int fd)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");
	long c;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (cols && (c = strtol(cols, NULL, 10)) > 0 && c < 10000)
		return (int)c;
	return 80;
}

static long long report_render_int(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* The columns after the bar: "1h 02m  3  2  5  +120 -30", with the widths of wd[]. */
struct report_cols {
	char active[32], sessions[24], commits[24], files[24], lines[56];
};

static void report_render_cols(const json_t *t, struct report_cols *c)
{
	duration_format_short(report_render_int(t, "active_s"), c->active, sizeof(c->active));
	snprintf(c->sessions, sizeof(c->sessions), "%lld", report_render_int(t, "sessions"));
	snprintf(c->commits, sizeof(c->commits), "%lld", report_render_int(t, "commits"));
	snprintf(c->files, sizeof(c->files), "%lld", report_render_int(t, "files"));
	snprintf(c->lines, sizeof(c->lines), "+%lld -%lld", report_render_int(t, "added"),
		 report_render_int(t, "removed"));
}

struct report_layout {
	int label, bar, w[5];
	long long max1, max2;
	bool color;
};

static void report_render_widen(struct report_layout *l, const json_t *t, int indent)
{
	struct report_cols c;
	const char *key = json_string_value(json_object_get(t, "key"));
	const char *cells[5];
	int k = key ? (int)output_columns(key) + indent : 0;

	report_render_cols(t, &c);
	cells[0] = c.active, cells[1] = c.sessions, cells[2] = c.commits, cells[3] = c.files,
	cells[4] = c.lines;
	if (k > l->label)
		l->label = k > REPORT_LABEL_MAX ? REPORT_LABEL_MAX : k;
	for (int i = 0; i < 5; i++)
		if ((int)strlen(cells[i]) > l->w[i])
			l->w[i] = (int)strlen(cells[i]);
}

static void report_render_row(FILE *out, const struct report_layout *l, const char *label,
			      int indent, const json_t *t, long long max, bool strong)
{
	char cut[4 * REPORT_LABEL_MAX + 8], bar[4 * 512 + 8];
	struct report_cols c;
	int barw = l->bar;

	report_render_cols(t, &c);
	output_cut(label, (size_t)(l->label - indent), cut, sizeof(cut));
	fprintf(out, "%*s%s", indent, "", strong && l->color ? "\033[1m" : "");
	output_pad(out, cut, (size_t)(l->label - indent));
	fputs(strong && l->color ? "\033[0m" : "", out);
	if (barw > 0) {
		report_render_bar(report_render_int(t, "active_s"), max, barw, bar, sizeof(bar));
		fprintf(out, "  %s", l->color ? "\033[36m" : "");
		output_pad(out, bar, (size_t)barw);
		fputs(l->color ? "\033[0m" : "", out);
	}
	fprintf(out, "  %*s  %*s  %*s  %*s  %*s\n", l->w[0], c.active, l->w[1], c.sessions, l->w[2],
		c.commits, l->w[3], c.files, l->w[4], c.lines);
}

void report_render_text(FILE *out, const json_t *report, const struct report_render_opts *o)
{
	const json_t *groups = json_object_get(report, "groups"), *total;
	struct report_layout l = {.label = 5, .w = {6, 8, 7, 5, 5}, .color = o->color};
	const char *by0 = json_string_value(json_array_get(json_object_get(report, "by"), 0));
	const char *by1 = json_string_value(json_array_get(json_object_get(report, "by"), 1));
	char head[64];
	size_t i, k;
	json_t *g, *c;
	int fixed;

	total = json_object_get(report, "total");
	fprintf(out, "%s, by %s%s%s\n\n", o->title, by0 ? by0 : "?", by1 ? ", " : "",
		by1 ? by1 : "");
	if (json_array_size(groups) == 0) {
		fputs("No sessions.\n", out);
		return;
	}
	snprintf(head, sizeof(head), "%s%s%s", by0 ? by0 : "", by1 ? " / " : "", by1 ? by1 : "");
	if ((int)output_columns(head) > l.label)
		l.label = (int)output_columns(head);
	report_render_widen(&l, total, 0);
	json_array_foreach(groups, i, g)
	{
		report_render_widen(&l, g, 0);
		if (report_render_int(g, "active_s") > l.max1)
			l.max1 = report_render_int(g, "active_s");
		json_array_foreach(json_object_get(g, "groups"), k, c)
		{
			report_render_widen(&l, c, 2);
			if (report_render_int(c, "active_s") > l.max2)
				l.max2 = report_render_int(c, "active_s");
		}
	}
	fixed = l.label + 2 + l.w[0] + l.w[1] + l.w[2] + l.w[3] + l.w[4] + 10;
	l.bar = o->width - fixed - 2;
	if (l.bar > 512)
		l.bar = 512;
	if (l.bar < REPORT_BAR_MIN)
		l.bar = 0;
	output_pad(out, head, (size_t)l.label);
	if (l.bar > 0)
		fprintf(out, "  %*s", l.bar, "");
	fprintf(out, "  %*s  %*s  %*s  %*s  %*s\n", l.w[0], "active", l.w[1], "sessions", l.w[2],
		"commits", l.w[3], "files", l.w[4], "lines");
	json_array_foreach(groups, i, g)
	{
		report_render_row(out, &l, json_string_value(json_object_get(g, "key")), 0, g,
				  l.max1, by1 != NULL);
		json_array_foreach(json_object_get(g, "groups"), k, c) report_render_row(
		    out, &l, json_string_value(json_object_get(c, "key")), 2, c, l.max2, false);
	}
	report_render_row(out, &l, "Total", 0, total, 0, true);
}

/* A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
void report_render_csv_field(FILE *out, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void report_render_csv_row(FILE *out, const char *k1, const char *k2, const json_t *t)
{
	report_render_csv_field(out, k1);
	if (k2) {
		fputc(',', out);
		report_render_csv_field(out, k2);
	}
	fprintf(out, ",%lld,%lld,%lld,%lld,%lld,%lld\r\n", report_render_int(t, "active_s"),
		report_render_int(t, "sessions"), report_render_int(t, "commits"),
		report_render_int(t, "files"), report_render_int(t, "added"),
		report_render_int(t, "removed"));
}

int report_render_csv(FILE *out, const json_t *report)
{
	const json_t *by = json_object_get(report, "by");
	size_t i, k;
	json_t *g, *c;

	for (i = 0; i < json_array_size(by); i++) {
		report_render_csv_field(out, json_string_value(json_array_get(by, i)));
		fputc(',', out);
	}
	fputs("active_s,sessions,commits,files,added,removed\r\n", out);
	json_array_foreach(json_object_get(report, "groups"), i, g)
	{
		const char *k1 = json_string_value(json_object_get(g, "key"));

		if (json_array_size(by) < 2) {
			report_render_csv_row(out, k1 ? k1 : "", NULL, g);
			continue;
		}
		json_array_foreach(json_object_get(g, "groups"), k, c)
		{
			const char *k2 = json_string_value(json_object_get(c, "key"));

			report_render_csv_row(out, k1 ? k1 : "", k2 ? k2 : "", c);
		}
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
