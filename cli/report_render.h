#ifndef STINT_CLI_REPORT_RENDER_H
#define STINT_CLI_REPORT_RENDER_H

/*
 * A report's output: a terminal table with a bar per group, or CSV. The input is the "report"
 * object of report_group_json (common/report_group.h), whoever made it. docs/reports.md.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

struct report_render_opts {
	const char *title; /* "today (2026-12-03)", the range as the user gave it */
	int width;	   /* terminal columns */
	bool color;	   /* SGR escapes: on a terminal without NO_COLOR only */
};

/* The bar of active_s out of max_s in width columns, in eighth blocks, into buf. */
void report_render_bar(long long active_s, long long max_s, int width, char *buf, size_t n);

/* The table: one line per group (children indented), bars scaled per level, and the total. */
void report_render_text(FILE *out, const json_t *report, const struct report_render_opts *o);

/* RFC 4180: a header row of the dimensions and totals, a row per group of the last level,
 * CRLF line ends, durations in seconds. Returns 0 or -1 on a write error. */
int report_render_csv(FILE *out, const json_t *report);
/* One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
void report_render_csv_field(FILE *out, const char *s);

/* Terminal width of fd: TIOCGWINSZ, else $COLUMNS, else 80. */
int report_render_width(int fd);

#endif
