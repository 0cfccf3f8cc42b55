#include "session_window.h"

static int session_window_add(json_t *out, int64_t from, int64_t to)
{
	json_t *last = json_array_get(out, json_array_size(out) - 1);

	if (to <= from)
		return 0;
	/* Touching or overlapping spans read as one. */
	if (last && json_integer_value(json_array_get(last, 1)) >= from) {
		if (json_integer_value(json_array_get(last, 1)) < to)
			json_array_set_new(last, 1, json_integer(to));
		return 0;
	}
	return json_array_append_new(out, json_pack("[I, I]", (json_int_t)from, (json_int_t)to));
}

json_t *session_window_spans(const json_t *spans, int64_t old_start, int64_t old_end, int64_t start,
			     int64_t end)
{
	json_t *out = json_array(), *sp;
	size_t i;

	if (!out || !json_is_array(spans))
		goto fail;
	if (start < old_start && session_window_add(out, start, old_start < end ? old_start : end))
		goto fail;
	json_array_foreach(spans, i, sp)
	{
		json_t *a = json_array_get(sp, 0), *b = json_array_get(sp, 1);
		int64_t from, to;

		if (json_array_size(sp) != 2 || !json_is_integer(a) || !json_is_integer(b))
			goto fail;
		from = json_integer_value(a);
		to = json_integer_value(b);
		if (session_window_add(out, from > start ? from : start, to < end ? to : end) < 0)
			goto fail;
	}
	if (end > old_end && session_window_add(out, old_end > start ? old_end : start, end) < 0)
		goto fail;
	return out;
fail:
	json_decref(out);
	return NULL;
}

int64_t session_window_ms(const json_t *spans)
{
	int64_t sum = 0;
	json_t *sp;
	size_t i;

	json_array_foreach(spans, i, sp)
	{
		int64_t d = json_integer_value(json_array_get(sp, 1)) -
			    json_integer_value(json_array_get(sp, 0));

		sum += d > 0 ? d : 0;
	}
	return sum;
}

/* v scaled by num/den, rounded down; den > 0. */
static int64_t session_window_scale(int64_t v, int64_t num, int64_t den)
{
	return (int64_t)((__int128)v * num / den);
}

void session_window_times(struct session_window_times *t, const json_t *old_spans,
			  const json_t *new_spans, int64_t start, int64_t end)
{
	int64_t new_ms = session_window_ms(new_spans);
	int64_t rest, old_rest;

	/*
	 * A moved window's active time is its spans' sum, floored like the fold's: adding a rounded
	 * change to the fold's floored time lost a second (a 30-minute window said 1799 s). Unmoved
	 * spans keep the fold's own value.
	 */
	if (new_ms != session_window_ms(old_spans))
		t->active_s = new_ms / 1000;
	if (new_ms == 0 || t->active_s < 0)
		t->active_s = 0;
	t->wall_s = end > start ? (end - start) / 1000 : 0;
	if (t->active_s > t->wall_s)
		t->active_s = t->wall_s;
	rest = t->wall_s - t->active_s;
	old_rest = t->paused_s + t->idle_s + t->suspended_s;
	if (old_rest > rest) {
		t->paused_s = session_window_scale(t->paused_s, rest, old_rest);
		t->idle_s = session_window_scale(t->idle_s, rest, old_rest);
		t->suspended_s = session_window_scale(t->suspended_s, rest, old_rest);
	}
}
