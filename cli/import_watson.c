#include "import_watson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Watson's ids are 32 hexadecimal digits (uuid4().hex); anything up to this is taken. */
#define IMPORT_WATSON_MAX_ID 128
/* A frame's tags: Watson sets no limit; a session takes 16 (the rest are skipped and said). */
#define IMPORT_WATSON_MAX_TAGS 256

/* A time in seconds (Watson writes integers; a float is taken), to ms within year 9999. */
static int import_watson_time(const json_t *v, int64_t *ms)
{
	double s;

	if (!json_is_number(v))
		return -1;
	s = json_number_value(v);
	if (!(s >= 0 && s < 253402300800.0))
		return -1;
	*ms = (int64_t)(s * 1000.0 + 0.5);
	return 0;
}

static int import_watson_frame(struct import_items *it, const char *where, size_t i,
			       const json_t *f)
{
	const char *tags[IMPORT_WATSON_MAX_TAGS], *project, *id;
	int64_t start, stop;
	char key[IMPORT_WATSON_MAX_ID + 16];
	size_t ntags = 0, k;
	json_t *v;

	if (!json_is_array(f) || json_array_size(f) < 5 || json_array_size(f) > 6) {
		snprintf(it->err, sizeof(it->err),
			 "%s: frame %zu is not [start, stop, project, id, tags, updated_at]", where,
			 i + 1);
		return -1;
	}
	if (import_watson_time(json_array_get(f, 0), &start) < 0 ||
	    import_watson_time(json_array_get(f, 1), &stop) < 0) {
		snprintf(it->err, sizeof(it->err),
			 "%s: frame %zu: start and stop must be times in seconds since 1970", where,
			 i + 1);
		return -1;
	}
	if (stop < start) {
		snprintf(it->err, sizeof(it->err), "%s: frame %zu stops before it starts", where,
			 i + 1);
		return -1;
	}
	project = json_string_value(json_array_get(f, 2));
	id = json_string_value(json_array_get(f, 3));
	if (!project || !id || !*id || strlen(id) > IMPORT_WATSON_MAX_ID ||
	    id[strcspn(id, " \t\r\n")]) {
		snprintf(it->err, sizeof(it->err),
			 "%s: frame %zu: the project must be a string and the id a word of 1 to %d "
			 "bytes",
			 where, i + 1, IMPORT_WATSON_MAX_ID);
		return -1;
	}
	if (!json_is_array(json_array_get(f, 4))) {
		snprintf(it->err, sizeof(it->err), "%s: frame %zu: the tags must be an array",
			 where, i + 1);
		return -1;
	}
	json_array_foreach(json_array_get(f, 4), k, v)
	{
		if (!json_is_string(v) || ntags == IMPORT_WATSON_MAX_TAGS) {
			snprintf(it->err, sizeof(it->err),
				 "%s: frame %zu: tag %zu is not a string (or there are more than "
				 "%d)",
				 where, i + 1, k + 1, IMPORT_WATSON_MAX_TAGS);
			return -1;
		}
		tags[ntags++] = json_string_value(v);
	}
	if (json_array_size(f) == 6 && !json_is_number(json_array_get(f, 5))) {
		snprintf(it->err, sizeof(it->err), "%s: frame %zu: updated_at must be a number",
			 where, i + 1);
		return -1;
	}
	snprintf(key, sizeof(key), "watson:%s", id);
	return import_items_add(it, where, start, stop, project, tags, ntags, NULL, key);
}

int import_watson_path(struct import_items *it, const char *path)
{
	const char *name = path; /* as given, as a compiler names it */
	size_t len, nel, *lines = NULL, i;
	char *text = import_read_file(it, path, &len), where[512];
	json_error_t jerr;
	json_t *root, *f;
	int rc = -1;

	if (!text)
		return -1;
	if (!(root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr))) {
		snprintf(it->err, sizeof(it->err), "%s:%d: not valid JSON: %s", name, jerr.line,
			 jerr.text);
		free(text);
		return -1;
	}
	if (!json_is_array(root)) {
		snprintf(it->err, sizeof(it->err),
			 "%s:1: not a Watson frames file: a JSON array of frames is expected",
			 name);
		goto out;
	}
	nel = json_array_size(root);
	if (!(lines = calloc(nel + 1, sizeof(*lines)))) {
		snprintf(it->err, sizeof(it->err), "%s: out of memory", name);
		goto out;
	}
	import_json_element_lines(text, len, lines, nel);
	json_array_foreach(root, i, f)
	{
		snprintf(where, sizeof(where), "%s:%zu", name, lines[i]);
		if (import_watson_frame(it, where, i, f) < 0)
			goto out;
	}
	rc = 0;
out:
	free(lines);
	free(text);
	json_decref(root);
	return rc;
}
