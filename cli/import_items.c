#include "import_items.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "protocol.h"
#include "utf8.h"

static const char *const import_skip_reasons[IMPORT_SKIP__COUNT] = {
    [IMPORT_SKIP_OPEN] = "still running",
    [IMPORT_SKIP_FUTURE] = "ending in the future",
    [IMPORT_SKIP_TAGS] = "with more than 16 tags (besides Timewarrior's first)",
    [IMPORT_SKIP_EMPTY] = "empty (the end is the start)",
};

const char *import_skip_reason(enum import_skip why)
{
	return (unsigned)why < IMPORT_SKIP__COUNT ? import_skip_reasons[why] : "?";
}

void import_items_init(struct import_items *it, int64_t now_ms)
{
	memset(it, 0, sizeof(*it));
	it->now_ms = now_ms;
}

void import_items_finish(struct import_items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].repo);
		free(it->v[i].focus);
		free(it->v[i].source_key);
		json_decref(it->v[i].tags);
	}
	free(it->v);
	it->v = NULL;
	it->n = it->cap = 0;
}

/*
 * s as stint text of at most max bytes: valid UTF-8 kept (the caller has checked it), bytes in
 * bad (and, with no_controls, control characters) replaced by repl, cut at a character boundary.
 */
static char *import_map_text(const char *s, size_t max, const char *bad, char repl)
{
	size_t len = strlen(s), out = 0, k;
	char *t = malloc(len + 1);
	uint32_t cp;

	if (!t)
		return NULL;
	for (size_t i = 0; i < len; i += k) {
		k = utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (out + (k ? k : 1) > max)
			break;
		if (k == 0) {
			t[out++] = '?';
			k = 1;
			continue;
		}
		/* bidirectional controls too: the protocol refuses them (docs/protocol.md) */
		if ((k == 1 && strchr(bad, s[i])) || utf8_is_control(cp) ||
		    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
			t[out++] = repl;
		else
			memcpy(t + out, s + i, k), out += k;
	}
	t[out] = '\0';
	return t;
}

/* A tag as stint takes one: no spaces, commas or control characters, at most 64 bytes. */
static char *import_map_tag(const char *s)
{
	return import_map_text(s, PROTO_MAX_TAG, " ,\t\n\r", '_');
}

static void import_items_skip(struct import_items *it, enum import_skip why, const char *where)
{
	if (it->skipped[why]++ == 0)
		snprintf(it->first_skipped[why], sizeof(it->first_skipped[why]), "%s", where);
}

/* Adds the mapped tag to arr unless it is there already. */
static int import_items_tag(json_t *arr, const char *raw)
{
	char *tag = import_map_tag(raw);
	size_t i;
	json_t *v;

	if (!tag)
		return -1;
	json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), tag) == 0)
	{
		free(tag);
		return 0;
	}
	if (tag[0] && json_array_append_new(arr, json_string(tag)) < 0) {
		free(tag);
		return -1;
	}
	free(tag);
	return 0;
}

int import_items_add(struct import_items *it, const char *where, int64_t start_ms, int64_t end_ms,
		     const char *repo, const char *const *tags, size_t ntags, const char *focus,
		     const char *source_key)
{
	struct import_item *item;

	if (end_ms < 0) {
		import_items_skip(it, IMPORT_SKIP_OPEN, where);
		return 0;
	}
	if (end_ms > it->now_ms) {
		import_items_skip(it, IMPORT_SKIP_FUTURE, where);
		return 0;
	}
	if (end_ms == start_ms) {
		import_items_skip(it, IMPORT_SKIP_EMPTY, where);
		return 0;
	}
	if (ntags > PROTO_MAX_TAGS) {
		import_items_skip(it, IMPORT_SKIP_TAGS, where);
		return 0;
	}
	if (it->n == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 256;
		struct import_item *v = realloc(it->v, cap * sizeof(*v));

		if (!v)
			goto oom;
		it->v = v;
		it->cap = cap;
	}
	item = &it->v[it->n];
	memset(item, 0, sizeof(*item));
	item->start_ms = start_ms;
	item->end_ms = end_ms;
	snprintf(item->where, sizeof(item->where), "%s", where);
	item->repo =
	    import_map_text(repo && *repo && repo[strspn(repo, " \t")] ? repo : "(untagged)",
			    PROTO_MAX_PATH, "\t\n\r", ' ');
	item->focus = focus && focus[strspn(focus, " \t\r\n")]
			  ? import_map_text(focus, PROTO_MAX_FOCUS, "\t\n\r", ' ')
			  : NULL;
	item->source_key = strdup(source_key);
	item->tags = json_array();
	it->n++;
	if (!item->repo || (focus && focus[strspn(focus, " \t\r\n")] && !item->focus) ||
	    !item->source_key || !item->tags)
		goto oom;
	for (size_t i = 0; i < ntags; i++)
		if (import_items_tag(item->tags, tags[i]) < 0)
			goto oom;
	return 0;
oom:
	snprintf(it->err, sizeof(it->err), "out of memory reading %s", where);
	return -1;
}

char *import_read_file(struct import_items *it, const char *path, size_t *len)
{
	int fd = fileio_open_regular(path);
	struct stat st;
	size_t got = 0;
	char *buf;

	if (fd == -EINVAL) {
		snprintf(it->err, sizeof(it->err),
			 "%s: not a regular file (a FIFO, a device...): give the file itself",
			 path);
		return NULL;
	}
	if (fd < 0) {
		snprintf(it->err, sizeof(it->err), "%s: %s", path, strerror(-fd));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || st.st_size > IMPORT_MAX_FILE) {
		if (st.st_size > IMPORT_MAX_FILE)
			snprintf(it->err, sizeof(it->err),
				 "%s: the file has %lld bytes; stint imports files of at most %ld "
				 "MiB",
				 path, (long long)st.st_size, IMPORT_MAX_FILE / (1024 * 1024));
		else
			snprintf(it->err, sizeof(it->err), "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		snprintf(it->err, sizeof(it->err), "%s: out of memory", path);
		close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(it->err, sizeof(it->err), "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0 || (got += (size_t)r) == (size_t)st.st_size)
			break;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

size_t import_json_element_lines(const char *text, size_t len, size_t *lines, size_t max)
{
	size_t line = 1, n = 0;
	int depth = 0;
	bool str = false, esc = false, want = false;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (c == '\n')
			line++;
		if (str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				str = false;
			continue;
		}
		if (want && !strchr(" \t\r\n]", c)) {
			if (n < max)
				lines[n] = line;
			n++;
			want = false;
		}
		if (c == '"')
			str = true;
		else if (c == '[' || c == '{')
			want = ++depth == 1;
		else if (c == ']' || c == '}')
			depth--;
		else if (c == ',' && depth == 1)
			want = true;
	}
	return n;
}
