#include "status_format.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* The fields a template may name; docs/integrations.md describes each. */
static const char *const status_format_fields[] = {
    "icon", "state", "repo", "branch", "focus", "active", "commits", "added", "removed", "others",
};
#define STATUS_FORMAT_NFIELDS (sizeof(status_format_fields) / sizeof(status_format_fields[0]))

/* Where a render writes: buf, cut at a character's boundary when it is full. */
struct status_out {
	char *buf;
	size_t n, len;
	bool full;
};

static bool status_format_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

static int status_format_field_index(const char *name, size_t len)
{
	for (size_t i = 0; i < STATUS_FORMAT_NFIELDS; i++)
		if (strlen(status_format_fields[i]) == len &&
		    memcmp(status_format_fields[i], name, len) == 0)
			return (int)i;
	return -1;
}

/* A field in braces: "{PREFIX NAME SUFFIX}", the name one word, the text around it no letters. */
struct status_field {
	const char *prefix, *suffix;
	size_t nprefix, nsuffix;
	int index;
};

/*
 * Reads the field whose '{' is at p (its '}' at close). Returns 0, or -1 with err saying why.
 */
static int status_format_field(const char *p, const char *close, struct status_field *f, char *err,
			       size_t errn)
{
	const char *in = p + 1, *name, *end;

	for (name = in; name < close && !status_format_is_name_char(*name); name++)
		;
	for (end = name; end < close && status_format_is_name_char(*end); end++)
		;
	f->prefix = in;
	f->nprefix = (size_t)(name - in);
	f->suffix = end;
	f->nsuffix = (size_t)(close - end);
	f->index = status_format_field_index(name, (size_t)(end - name));
	/* "{on branch}" would be a field called "on branch": letters belong to the name. */
	for (const char *s = in; s < close; s++)
		if ((s < name || s >= end) &&
		    ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			f->index = -1;
	if (f->index < 0) {
		snprintf(err, errn,
			 "unknown field '%.*s' (fields: icon, state, repo, branch, focus, active, "
			 "commits, added, removed, others; text around a name in its braces "
			 "has no letters)",
			 (int)(close - p + 1), p);
		return -1;
	}
	return 0;
}

static int status_format_check_utf8(const char *s, char *err, size_t errn)
{
	size_t n = strlen(s), k;
	uint32_t cp;

	for (size_t i = 0; i < n; i += k)
		if (!(k = utf8_decode((const unsigned char *)s + i, n - i, &cp))) {
			snprintf(err, errn, "the format is not valid UTF-8 (at byte %zu)", i);
			return -1;
		}
	return 0;
}

/* Walks tmpl: checks it, and when out is given renders session into it. */
static int status_format_walk(const char *tmpl, const json_t *session, long others,
			      struct status_out *out, char *err, size_t errn);

const char *const status_format_presets[STATUS_FORMAT_NPRESETS] = {"short", "waybar"};

int status_format_parse(const char *spec, bool all, struct status_format *f, char *err, size_t errn)
{
	f->kind = STATUS_FORMAT_TEMPLATE;
	if (strcmp(spec, status_format_presets[0]) == 0) {
		f->tmpl = all ? STATUS_FORMAT_SHORT_ALL : STATUS_FORMAT_SHORT;
		return 0;
	}
	if (strcmp(spec, status_format_presets[1]) == 0) {
		f->kind = STATUS_FORMAT_WAYBAR;
		f->tmpl = all ? STATUS_FORMAT_SHORT_ALL : STATUS_FORMAT_SHORT;
		return 0;
	}
	if (strlen(spec) > STATUS_FORMAT_MAX) {
		snprintf(err, errn, "the format is longer than %d bytes", STATUS_FORMAT_MAX);
		return -1;
	}
	if (status_format_check_utf8(spec, err, errn) < 0)
		return -1;
	if (!*spec) {
		snprintf(err, errn,
			 "empty format: a template names fields in braces ({branch} {active}), a "
			 "preset is short or waybar");
		return -1;
	}
	/* Like git's --pretty: text without a field is a preset's name, and there is no other. */
	if (!strchr(spec, '{') && !strchr(spec, '}')) {
		snprintf(err, errn,
			 "unknown format '%s': a template names fields in braces ({branch} "
			 "{active}), a preset is short or waybar",
			 spec);
		return -1;
	}
	f->tmpl = spec;
	return status_format_walk(spec, NULL, 0, NULL, err, errn);
}

static void status_out_put(struct status_out *o, const char *s, size_t len)
{
	size_t room, k;

	if (o->full || len == 0)
		return;
	room = o->n - 1 - o->len;
	if (len > room) {
		/* Cut before the character that does not fit whole. */
		k = room;
		while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
		len = k;
		o->full = true;
	}
	memcpy(o->buf + o->len, s, len);
	o->len += len;
	o->buf[o->len] = '\0';
}

/*
 * A value from the daemon, made safe for a prompt: control characters (a newline, an escape
 * sequence), invisible ones and invalid UTF-8 become '?'.
 */
static void status_format_clean(const char *s, char *buf, size_t n)
{
	size_t len = strlen(s), used = 0, k;
	uint32_t cp;

	for (size_t i = 0; i < len && used + 5 <= n; i += k) {
		k = utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (!k || cp == '\n' || cp == '\t' || cp == '\r' || utf8_is_control(cp) ||
		    utf8_is_invisible(cp)) {
			buf[used++] = '?';
			k = k ? k : 1;
			continue;
		}
		memcpy(buf + used, s + i, k);
		used += k;
	}
	buf[used] = '\0';
}

static const char *status_format_icon(const char *state)
{
	if (!state)
		return "?";
	if (strcmp(state, "active") == 0)
		return "●";
	if (strcmp(state, "paused") == 0)
		return "⏸";
	if (strcmp(state, "idle") == 0)
		return "◌";
	return "?";
}

/* "1h05m", "12m", "0m": the compact active time of a prompt. */
static void status_format_active(json_int_t s, char *buf, size_t n)
{
	if (s < 0)
		s = 0;
	if (s >= 3600)
		snprintf(buf, n, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, n, "%lldm", (long long)(s / 60));
}

/* Field i's value for session into buf: "" when the session has none. */
static void status_format_value(int i, const json_t *session, long others, char *buf, size_t n)
{
	const char *name = status_format_fields[i];
	json_t *v;

	buf[0] = '\0';
	if (strcmp(name, "icon") == 0) {
		snprintf(buf, n, "%s",
			 status_format_icon(json_string_value(json_object_get(session, "state"))));
	} else if (strcmp(name, "others") == 0) {
		if (others > 0)
			snprintf(buf, n, "%ld", others);
	} else if (strcmp(name, "active") == 0) {
		status_format_active(json_integer_value(json_object_get(session, "active_s")), buf,
				     n);
	} else {
		v = json_object_get(session, strcmp(name, "repo") == 0 ? "repo_name" : name);
		if (json_is_string(v))
			status_format_clean(json_string_value(v), buf, n);
		else if (json_is_integer(v))
			snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	}
}

static int status_format_walk(const char *tmpl, const json_t *session, long others,
			      struct status_out *out, char *err, size_t errn)
{
	char value[1024];
	struct status_field f;
	const char *p = tmpl, *close;

	while (*p) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			if (out)
				status_out_put(out, p, 1);
			p += 2;
			continue;
		}
		if (*p == '}') {
			snprintf(err, errn,
				 "'}' at byte %zu closes no field (write }} for a brace)",
				 (size_t)(p - tmpl));
			return -1;
		}
		if (*p != '{') {
			size_t len = strcspn(p, "{}");

			if (out)
				status_out_put(out, p, len);
			p += len;
			continue;
		}
		close = p + 1 + strcspn(p + 1, "{}");
		if (*close != '}') {
			snprintf(err, errn, "'{' at byte %zu has no '}' (write {{ for a brace)",
				 (size_t)(p - tmpl));
			return -1;
		}
		if (status_format_field(p, close, &f, err, errn) < 0)
			return -1;
		if (out) {
			status_format_value(f.index, session, others, value, sizeof(value));
			/* The text in a field's braces shows only with a value. */
			if (*value) {
				status_out_put(out, f.prefix, f.nprefix);
				status_out_put(out, value, strlen(value));
				status_out_put(out, f.suffix, f.nsuffix);
			}
		}
		p = close + 1;
	}
	return 0;
}

/* The tooltip of the waybar preset: where, what, how long and how much. */
static void status_format_tooltip(const json_t *session, char *buf, size_t n)
{
	char repo[512], branch[512], focus[1024], active[32], count[64] = "";
	json_t *commits = json_object_get(session, "commits");

	status_format_value(status_format_field_index("repo", 4), session, 0, repo, sizeof(repo));
	status_format_value(status_format_field_index("branch", 6), session, 0, branch,
			    sizeof(branch));
	status_format_value(status_format_field_index("focus", 5), session, 0, focus,
			    sizeof(focus));
	status_format_active(json_integer_value(json_object_get(session, "active_s")), active,
			     sizeof(active));
	if (json_is_integer(commits))
		snprintf(count, sizeof(count), ", %lld commit%s +%lld -%lld",
			 (long long)json_integer_value(commits),
			 json_integer_value(commits) == 1 ? "" : "s",
			 (long long)json_integer_value(json_object_get(session, "added")),
			 (long long)json_integer_value(json_object_get(session, "removed")));
	snprintf(buf, n, "%s%s%s%s%s%s: %s %s%s", repo, *branch ? " on " : "", branch,
		 *focus ? " (" : "", focus, *focus ? ")" : "",
		 json_string_value(json_object_get(session, "state"))
		     ? json_string_value(json_object_get(session, "state"))
		     : "?",
		 active, count);
}

size_t status_format_render(const struct status_format *f, const json_t *session, long others,
			    char *buf, size_t n)
{
	char text[STATUS_FORMAT_LINE_MAX], tooltip[4096], err[256], *dump;
	struct status_out o = {.buf = buf, .n = n};
	const char *state;
	json_t *j;

	if (n == 0)
		return 0;
	buf[0] = '\0';
	if (f->kind == STATUS_FORMAT_TEMPLATE) {
		status_format_walk(f->tmpl, session, others, &o, err, sizeof(err));
		return o.len;
	}
	o.buf = text;
	o.n = sizeof(text);
	text[0] = '\0';
	status_format_walk(f->tmpl, session, others, &o, err, sizeof(err));
	status_format_tooltip(session, tooltip, sizeof(tooltip));
	state = json_string_value(json_object_get(session, "state"));
	/* waybar's custom module, return-type json: class styles it, alt picks a format-icons. */
	j = json_pack("{s:s, s:s, s:s, s:s}", "text", text, "tooltip", tooltip, "class",
		      state ? state : "unknown", "alt", state ? state : "unknown");
	dump = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (dump && strlen(dump) < n) {
		o.buf = buf;
		o.n = n;
		o.len = 0;
		status_out_put(&o, dump, strlen(dump));
	}
	free(dump);
	return strlen(buf);
}
