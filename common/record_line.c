#include "record_line.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"

static int record_line_fail(char *err, size_t errn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int record_line_fail(char *err, size_t errn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errn, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* An integer field in [min, max]; absent (or null) gives dflt unless required. */
static int record_line_int(const json_t *o, const char *key, bool required, int64_t min,
			   int64_t max, int64_t dflt, int64_t *out, char *err, size_t errn)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		if (required)
			return record_line_fail(err, errn, "no \"%s\"", key);
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v))
		return record_line_fail(err, errn, "\"%s\" is not an integer", key);
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return record_line_fail(err, errn, "\"%s\" %lld is out of range [%lld, %lld]", key,
					(long long)json_integer_value(v), (long long)min,
					(long long)max);
	*out = json_integer_value(v);
	return 0;
}

/* Text a report may print: bounded, without control characters (jansson checked the UTF-8). */
static int record_line_text(const char *what, const char *s, size_t len, size_t max, char *err,
			    size_t errn)
{
	uint32_t cp;

	if (len == 0 || len > max)
		return record_line_fail(err, errn, "%s is %s (%zu bytes; 1 to %zu)", what,
					len ? "too long" : "empty", len, max);
	for (size_t i = 0, k; i < len; i += k) {
		k = utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (k == 0 || utf8_is_control(cp) || cp == '\n' || cp == '\r')
			return record_line_fail(err, errn, "%s holds a control character", what);
	}
	return 0;
}

/* A string field; absent or null leaves *out NULL unless required. */
static int record_line_str(const json_t *o, const char *key, bool required, size_t max,
			   const char **out, char *err, size_t errn)
{
	const json_t *v = json_object_get(o, key);
	char what[32];

	*out = NULL;
	if (!v || json_is_null(v))
		return required ? record_line_fail(err, errn, "no \"%s\"", key) : 0;
	if (!json_is_string(v))
		return record_line_fail(err, errn, "\"%s\" is not a string", key);
	snprintf(what, sizeof(what), "\"%s\"", key);
	if (record_line_text(what, json_string_value(v), json_string_length(v), max, err, errn) < 0)
		return -EINVAL;
	*out = json_string_value(v);
	return 0;
}

/* The store's identity: letters, digits, '-' and '_'. */
static int record_line_store(struct record_line *r, char *err, size_t errn)
{
	if (record_line_str(r->json, "store", true, RECORD_LINE_MAX_STORE, &r->store, err, errn) <
	    0)
		return -EINVAL;
	if (strspn(r->store, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
	    strlen(r->store))
		return record_line_fail(err, errn,
					"\"store\" holds a character other than "
					"letters, digits, '-' and '_'");
	return 0;
}

static int record_line_tags(struct record_line *r, char *err, size_t errn)
{
	const json_t *tags = json_object_get(r->json, "tags"), *v;
	size_t i;

	if (!tags || json_is_null(tags))
		return 0;
	if (!json_is_array(tags))
		return record_line_fail(err, errn, "\"tags\" is not a list");
	if (json_array_size(tags) > RECORD_LINE_MAX_TAGS)
		return record_line_fail(err, errn, "%zu tags (at most %d)", json_array_size(tags),
					RECORD_LINE_MAX_TAGS);
	json_array_foreach(tags, i, v)
	{
		if (!json_is_string(v))
			return record_line_fail(err, errn, "tag %zu is not a string", i + 1);
		if (record_line_text("a tag", json_string_value(v), json_string_length(v),
				     RECORD_LINE_MAX_TAG, err, errn) < 0)
			return -EINVAL;
		r->tags[r->ntags++] = json_string_value(v);
	}
	return 0;
}

/* [[from, to], ...]: in order, not overlapping, inside [start, end]. Kept as JSON text, as the
 * report's grouping reads spans (common/report_group.h). */
static int record_line_spans(struct record_line *r, char *err, size_t errn)
{
	const json_t *spans = json_object_get(r->json, "spans"), *v;
	int64_t last = r->start_ms;
	size_t i;

	if (!spans || json_is_null(spans))
		return 0;
	if (!json_is_array(spans))
		return record_line_fail(err, errn, "\"spans\" is not a list");
	if (json_array_size(spans) > RECORD_LINE_MAX_SPANS)
		return record_line_fail(err, errn, "%zu spans (at most %d)", json_array_size(spans),
					RECORD_LINE_MAX_SPANS);
	json_array_foreach(spans, i, v)
	{
		const json_t *a = json_array_get(v, 0), *b = json_array_get(v, 1);

		if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_integer(a) ||
		    !json_is_integer(b))
			return record_line_fail(err, errn, "span %zu is not [from_ms, to_ms]",
						i + 1);
		if (json_integer_value(a) < last || json_integer_value(b) < json_integer_value(a) ||
		    json_integer_value(b) > r->end_ms)
			return record_line_fail(
			    err, errn, "span %zu is out of order or outside the session", i + 1);
		last = json_integer_value(b);
	}
	r->spans = json_dumps(spans, JSON_COMPACT);
	return r->spans ? 0 : record_line_fail(err, errn, "out of memory");
}

static int record_line_check(struct record_line *r, char *err, size_t errn)
{
	const json_t *o = r->json;
	int64_t wall_s;

	if (!json_is_object(o))
		return record_line_fail(err, errn, "not a JSON object");
	if (record_line_store(r, err, errn) < 0 ||
	    record_line_int(o, "id", true, 1, INT64_MAX, 0, &r->id, err, errn) < 0 ||
	    record_line_str(o, "repo", true, RECORD_LINE_MAX_TEXT, &r->repo, err, errn) < 0 ||
	    record_line_str(o, "author", false, RECORD_LINE_MAX_TEXT, &r->author, err, errn) < 0 ||
	    record_line_str(o, "branch", false, RECORD_LINE_MAX_TEXT, &r->branch, err, errn) < 0 ||
	    record_line_str(o, "focus", false, RECORD_LINE_MAX_TEXT, &r->focus, err, errn) < 0 ||
	    record_line_tags(r, err, errn) < 0 ||
	    record_line_int(o, "start", true, 1, RECORD_LINE_MAX_MS, 0, &r->start_ms, err, errn) <
		0 ||
	    record_line_int(o, "end", true, r->start_ms, RECORD_LINE_MAX_MS, 0, &r->end_ms, err,
			    errn) < 0)
		return -EINVAL;
	/* No more active time than the session's wall time (rounded up), with room for a clock
	 * stepped back while it ran: active time is measured on the monotonic clock. */
	wall_s = (r->end_ms - r->start_ms + 999) / 1000 + RECORD_LINE_CLOCK_SLACK_S;
	if (record_line_int(o, "active_s", true, 0, wall_s, 0, &r->active_s, err, errn) < 0 ||
	    record_line_spans(r, err, errn) < 0 ||
	    record_line_int(o, "commits", false, 0, RECORD_LINE_MAX_COUNT, 0, &r->commits, err,
			    errn) < 0 ||
	    record_line_int(o, "files", false, 0, RECORD_LINE_MAX_COUNT, 0, &r->files, err, errn) <
		0 ||
	    record_line_int(o, "added", false, 0, RECORD_LINE_MAX_COUNT, 0, &r->added, err, errn) <
		0 ||
	    record_line_int(o, "removed", false, 0, RECORD_LINE_MAX_COUNT, 0, &r->removed, err,
			    errn) < 0 ||
	    record_line_int(o, "written", false, 0, RECORD_LINE_MAX_MS, 0, &r->written_ms, err,
			    errn) < 0)
		return -EINVAL;
	return 0;
}

/* "<!-- stint-record vN " at the start: the JSON's offset, or -1 with err. */
static long record_line_head(const char *line, size_t n, char *err, size_t errn)
{
	size_t k = strlen(RECORD_LINE_MARK), d = 0;
	long version = 0;

	if (n < k || memcmp(line, RECORD_LINE_MARK, k) != 0) {
		record_line_fail(err, errn, "not a record line");
		return -1;
	}
	if (n < k + 2 || line[k] != ' ' || line[k + 1] != 'v') {
		record_line_fail(err, errn, "no version after \"%s\"", RECORD_LINE_MARK);
		return -1;
	}
	for (k += 2; k < n && d < 4 && line[k] >= '0' && line[k] <= '9'; k++, d++)
		version = version * 10 + (line[k] - '0');
	if (d == 0 || d == 4 || k >= n || line[k] != ' ') {
		record_line_fail(err, errn, "bad version after \"%s\"", RECORD_LINE_MARK);
		return -1;
	}
	if (version != RECORD_LINE_VERSION) {
		record_line_fail(err, errn, "record version v%ld (this stint reads v%d)", version,
				 RECORD_LINE_VERSION);
		return -1;
	}
	return (long)k + 1;
}

int record_line_parse(const char *line, size_t n, struct record_line *r, char *err, size_t errn)
{
	size_t sl = strlen(RECORD_LINE_SUFFIX);
	json_error_t je;
	long at;

	memset(r, 0, sizeof(*r));
	if (n > RECORD_LINE_MAX)
		return record_line_fail(err, errn, "record line of %zu bytes (at most %d)", n,
					RECORD_LINE_MAX);
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if ((at = record_line_head(line, n, err, errn)) < 0)
		return -EINVAL;
	if (n < (size_t)at + sl || memcmp(line + n - sl, RECORD_LINE_SUFFIX, sl) != 0)
		return record_line_fail(err, errn, "the record line does not end with \" -->\"");
	n -= sl;
	if (memchr(line + at, '>', n - (size_t)at))
		return record_line_fail(err, errn, "the record holds '>': the comment ends early");
	r->json = json_loadb(line + at, n - (size_t)at, JSON_REJECT_DUPLICATES, &je);
	if (!r->json)
		return record_line_fail(err, errn, "bad JSON at column %d: %s",
					je.column > 0 ? je.column : 0, je.text);
	if (record_line_check(r, err, errn) < 0) {
		record_line_finish(r);
		return -EINVAL;
	}
	return 0;
}

int record_line_find(const char *text, size_t n, struct record_line *r, char *err, size_t errn)
{
	size_t mk = strlen(RECORD_LINE_MARK), found = 0, first_no = 0, no = 0;
	const char *first = NULL, *p = text, *end = text + n, *nl;
	size_t first_len = 0;

	memset(r, 0, sizeof(*r));
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		no++;
		if ((size_t)(nl - p) < mk || memcmp(p, RECORD_LINE_MARK, mk) != 0)
			continue;
		if (found++ == 0) {
			first = p;
			first_len = (size_t)(nl - p);
			first_no = no;
		} else {
			return record_line_fail(err, errn, "two record lines (lines %zu and %zu)",
						first_no, no);
		}
	}
	if (!first) {
		record_line_fail(err, errn, "no record line");
		return -ENOENT;
	}
	if (record_line_parse(first, first_len, r, err, errn) < 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		return record_line_fail(err, errn, "line %zu: %s", first_no, why);
	}
	return 0;
}

/*
 * The line for the record's JSON: every '>' (only ever inside a string) becomes \u003e, so the
 * comment cannot end inside it. malloc'd, or NULL when out of memory.
 */
static char *record_line_wrap(const char *json)
{
	struct strbuf b = {0};

	strbuf_printf(&b, "%s v%d ", RECORD_LINE_MARK, RECORD_LINE_VERSION);
	for (const char *p = json; *p; p++)
		if (*p == '>')
			strbuf_puts(&b, "\\u003e");
		else
			strbuf_putc(&b, *p);
	strbuf_puts(&b, RECORD_LINE_SUFFIX);
	if (b.error) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

char *record_line_encode(const json_t *record, char *err, size_t errn)
{
	char *json = json_dumps(record, JSON_COMPACT), *line;
	struct record_line back;

	line = json ? record_line_wrap(json) : NULL;
	free(json);
	if (!line) {
		snprintf(err, errn, "out of memory");
		return NULL;
	}
	if (record_line_parse(line, strlen(line), &back, err, errn) < 0) {
		free(line);
		return NULL;
	}
	record_line_finish(&back);
	return line;
}

void record_line_finish(struct record_line *r)
{
	json_decref(r->json);
	free(r->spans);
	memset(r, 0, sizeof(*r));
}
