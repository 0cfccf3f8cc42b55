/*
 * The view's record accessors and setters (template_record.h): reading a field of the record,
 * setting a value of the view, the display text the view's parts share.
 */
#include "template_record.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "strbuf.h"
#include "template_md.h"
#include "timeutil.h"

char *template_record_clean(struct view *v, const json_t *j)
{
	if (!json_is_string(j))
		return NULL;
	return template_md_clean(json_string_value(j), json_string_length(j), &v->oom);
}

char *template_record_get_text(struct view *v, const json_t *obj, const char *key)
{
	return template_record_clean(v, json_object_get(obj, key));
}

int64_t template_record_get_int(const json_t *obj, const char *key, int64_t max)
{
	const json_t *j = json_object_get(obj, key);
	json_int_t i;

	if (!json_is_integer(j))
		return -1;
	i = json_integer_value(j);
	return i >= 0 && i <= max ? (int64_t)i : -1;
}

const json_t *template_record_get_array(const json_t *obj, const char *key)
{
	const json_t *j = json_object_get(obj, key);

	return json_is_array(j) ? j : NULL;
}

bool template_record_str_eq(const json_t *j, const char *s)
{
	return json_is_string(j) && strcmp(json_string_value(j), s) == 0;
}

json_t *template_record_item_new(struct view *v)
{
	json_t *o = json_object();

	if (!o)
		v->oom = true;
	return o;
}

void template_record_list_add(struct view *v, json_t *list, json_t *item)
{
	if (!item || json_array_append_new(list, item) < 0)
		v->oom = true;
}

void template_record_set_json(struct view *v, json_t *obj, const char *key, json_t *val)
{
	if (!val || json_object_set_new(obj, key, val) < 0)
		v->oom = true;
}

void template_record_set_list(struct view *v, json_t *obj, const char *key, json_t *list)
{
	if (!list)
		v->oom = true;
	else if (json_array_size(list) == 0)
		json_decref(list);
	else
		template_record_set_json(v, obj, key, list);
}

void template_record_set_str(struct view *v, json_t *obj, const char *key, const char *s)
{
	if (s && *s)
		template_record_set_json(v, obj, key, json_string(s));
}

void template_record_set_int(struct view *v, json_t *obj, const char *key, int64_t n)
{
	template_record_set_json(v, obj, key, json_integer(n));
}

void template_record_set_out(struct view *v, json_t *obj, const char *key, struct strbuf *o)
{
	if (o->error)
		v->oom = true;
	else if (o->len > 0)
		template_record_set_json(v, obj, key, json_stringn(o->s, o->len));
	free(o->s);
	*o = (struct strbuf){0};
}

void template_record_set_inline(struct view *v, json_t *obj, const char *key, const char *text,
				unsigned flags)
{
	struct strbuf o = {0};

	if (!text)
		return;
	template_md_put_inline(&o, text, flags);
	template_record_set_out(v, obj, key, &o);
}

void template_record_set_block(struct view *v, json_t *obj, const char *key, const char *text,
			       unsigned flags)
{
	struct strbuf o = {0};

	if (!text)
		return;
	template_md_put_block(&o, text, 0, flags);
	template_record_set_out(v, obj, key, &o);
}

void template_record_mark_last(struct view *v, json_t *list)
{
	if (json_array_size(list) > 0)
		template_record_set_json(v, json_array_get(list, json_array_size(list) - 1), "last",
					 json_true());
}

void template_record_format_when(struct view *v, int64_t at, char *buf, size_t n)
{
	char day[16];

	time_format_local(at, "%Y-%m-%d", day, sizeof(day));
	if (!v->ref_day[0])
		snprintf(v->ref_day, sizeof(v->ref_day), "%s", day);
	time_format_local(at, strcmp(day, v->ref_day) == 0 ? "%H:%M" : "%Y-%m-%d %H:%M", buf, n);
}

static int template_record_number_width(int n)
{
	int w = 1;

	while (n >= 10) {
		n /= 10;
		w++;
	}
	return w;
}

void template_record_set_numbered(struct view *v, json_t *item, int n)
{
	char pad[16];

	snprintf(pad, sizeof(pad), "%*s", template_record_number_width(n) + 2, "");
	template_record_set_int(v, item, "n", n);
	template_record_set_str(v, item, "indent", pad);
}

void template_record_put_count(struct strbuf *o, int64_t n, const char *one, const char *many)
{
	strbuf_printf(o, "%lld %s", (long long)n, n == 1 ? one : many);
}

void template_record_put_lines(struct strbuf *o, int64_t added, int64_t removed)
{
	strbuf_printf(o, "+%lld -%lld", (long long)added, (long long)removed);
}

/* The parts of an absolute path, or -1 if it is not one or has "." or ".." parts. */
static int template_record_path_parts(const char *p, const char **parts, size_t *lens, int max)
{
	int n = 0;

	if (p[0] != '/')
		return -1;
	while (*p) {
		size_t k;

		while (*p == '/')
			p++;
		k = strcspn(p, "/");
		if (k == 0)
			break;
		if ((k == 1 && p[0] == '.') || (k == 2 && p[0] == '.' && p[1] == '.') || n == max)
			return -1;
		parts[n] = p;
		lens[n++] = k;
		p += k;
	}
	return n;
}

char *template_record_relative_path(const char *dir, const char *path)
{
	const char *dp[64], *pp[64];
	size_t dl[64], pl[64];
	int nd = template_record_path_parts(dir, dp, dl, 64),
	    np = template_record_path_parts(path, pp, pl, 64), k = 0;
	struct strbuf o = {0};

	if (nd < 0 || np <= 0)
		return NULL;
	while (k < nd && k < np - 1 && dl[k] == pl[k] && memcmp(dp[k], pp[k], dl[k]) == 0)
		k++;
	if (k == nd)
		strbuf_puts(&o, "./");
	for (int i = k; i < nd; i++)
		strbuf_puts(&o, "../");
	for (int i = k; i < np; i++) {
		strbuf_putn(&o, pp[i], pl[i]);
		if (i + 1 < np)
			strbuf_putc(&o, '/');
	}
	return o.error ? (free(o.s), NULL) : o.s;
}

bool template_record_path_inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1);
}

enum session_event_kind template_record_event_kind(const json_t *ev)
{
	return session_event_lookup(json_string_value(json_object_get(ev, RECORD_KIND)));
}
