#include "logrecord.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "record_line.h"

/* The spans cut to [start, end], so a wall clock stepped during the session cannot put one
 * outside it; more than the line holds leave them out (the report spreads the time evenly). */
static json_t *logrecord_spans(const json_t *spans, int64_t start, int64_t end)
{
	json_t *out = json_array(), *v;
	int64_t last = start;
	size_t i;

	if (!out || !json_is_array(spans) || json_array_size(spans) > RECORD_LINE_MAX_SPANS) {
		json_decref(out);
		return NULL;
	}
	json_array_foreach(spans, i, v)
	{
		int64_t a = json_integer_value(json_array_get(v, 0));
		int64_t b = json_integer_value(json_array_get(v, 1));

		a = a < last ? last : a;
		b = b > end ? end : b;
		if (b <= a)
			continue;
		json_array_append_new(out, json_pack("[I, I]", (json_int_t)a, (json_int_t)b));
		last = b;
	}
	return out;
}

/* A statistic of the log (record.stats), 0 without one, as the store's row keeps it. */
static json_int_t logrecord_stat(const json_t *record, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(record, RECORD_STATS), key));
}

char *logrecord_line(const json_t *record, const char *store, const json_t *spans,
		     int64_t written_ms, char *err, size_t errn)
{
	int64_t start = json_integer_value(json_object_get(record, RECORD_STARTED_AT));
	int64_t end = json_integer_value(json_object_get(record, RECORD_ENDED_AT));
	json_t *o, *cut;
	char *line;

	if (!store) {
		snprintf(err, errn, "the store has no identity");
		return NULL;
	}
	o = json_pack(
	    "{s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:I, s:I, s:O}", "store", store, "id",
	    json_object_get(record, RECORD_ID), "repo", json_object_get(record, RECORD_REPO_NAME),
	    "author", json_object_get(record, RECORD_AUTHOR), "branch",
	    json_object_get(record, RECORD_BRANCH), "focus", json_object_get(record, RECORD_FOCUS),
	    "tags", json_object_get(record, RECORD_TAGS), "start", (json_int_t)start, "end",
	    (json_int_t)end, "active_s", json_object_get(record, RECORD_ACTIVE_S));
	if (!o) {
		snprintf(err, errn, "the session record lacks a field");
		return NULL;
	}
	if ((cut = logrecord_spans(spans, start, end)))
		json_object_set_new(o, "spans", cut);
	json_object_set_new(o, "commits", json_integer(logrecord_stat(record, RECORD_COMMITS)));
	json_object_set_new(o, "files", json_integer(logrecord_stat(record, RECORD_FILES_CHANGED)));
	json_object_set_new(o, "added", json_integer(logrecord_stat(record, RECORD_ADDED)));
	json_object_set_new(o, "removed", json_integer(logrecord_stat(record, RECORD_REMOVED)));
	json_object_set_new(o, "written", json_integer(written_ms));
	line = record_line_encode(o, err, errn);
	json_decref(o);
	return line;
}

char *logrecord_append(char *text, const char *line)
{
	size_t n = strlen(text), k = strlen(line);
	char *out = malloc(n + k + 3);

	if (out) {
		memcpy(out, text, n);
		/* The template's text ends in one newline; a blank line keeps the comment its own
		 * HTML block. */
		out[n] = '\n';
		memcpy(out + n + 1, line, k);
		memcpy(out + n + 1 + k, "\n", 2);
	}
	free(text);
	return out;
}
