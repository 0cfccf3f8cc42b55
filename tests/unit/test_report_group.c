#include "report_group.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>

#include <cmocka.h>

#define H 3600000LL
/* 2026-03-01 00:00 UTC */
#define DAY0 1772323200000LL

static json_t *group_of(const json_t *groups, const char *key)
{
	size_t i;
	json_t *g;

	json_array_foreach(groups, i, g) if (strcmp(json_string_value(json_object_get(g, "key")),
						    key) == 0) return g;
	fail_msg("no group %s", key);
	return NULL;
}

static long long num(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* Spans decide the split; the parts add up to active_s; statistics go with the end day. */
static void test_split_by_day(void **state)
{
	enum report_dim dims[] = {REPORT_BY_REPO, REPORT_BY_DAY};
	struct timespec_zone z;
	const char *tags[] = {"a", "b"};
	char spans[128];
	struct report_item it = {.id = 1,
				 .repo = "r",
				 .tags = tags,
				 .ntags = 2,
				 .started_ms = DAY0 + 22 * H,
				 .ended_ms = DAY0 + 25 * H,
				 .active_s = 7201,
				 .commits = 3,
				 .files = 2,
				 .added = 10,
				 .removed = 1};
	struct report_group *g;
	json_t *j, *r;

	(void)state;
	timespec_zone_fixed(&z, 0);
	/* 22:00-23:30 and 00:30-01:00: 1.5 h and 0.5 h, with one second more to share. */
	snprintf(spans, sizeof(spans), "[[%lld,%lld],[%lld,%lld]]", DAY0 + 22 * H,
		 DAY0 + 23 * H + H / 2, DAY0 + 24 * H + H / 2, DAY0 + 25 * H);
	it.spans = spans;
	g = report_group_create(DAY0, DAY0 + 48 * H, dims, 2, &z);
	assert_non_null(g);
	assert_int_equal(report_group_add(g, &it), 0);
	j = report_group_json(g);
	r = group_of(json_object_get(j, "groups"), "r");
	assert_int_equal(num(r, "active_s"), 7201);
	assert_int_equal(num(group_of(json_object_get(r, "groups"), "2026-03-01"), "active_s"),
			 5401);
	assert_int_equal(num(group_of(json_object_get(r, "groups"), "2026-03-02"), "active_s"),
			 1800);
	assert_int_equal(num(group_of(json_object_get(r, "groups"), "2026-03-01"), "commits"), 0);
	assert_int_equal(num(group_of(json_object_get(r, "groups"), "2026-03-02"), "commits"), 3);
	assert_int_equal(num(json_object_get(j, "total"), "sessions"), 1);
	assert_int_equal(num(json_object_get(j, "total"), "added"), 10);
	json_decref(j);
	report_group_destroy(g);
}

/* A range boundary cuts; without spans, active time is spread over the wall time; by tag a
 * session counts under each tag and once in the total. */
static void test_range_and_tags(void **state)
{
	enum report_dim dims[] = {REPORT_BY_TAG};
	struct timespec_zone z;
	const char *tags[] = {"a", "b"};
	struct report_item it = {.id = 7,
				 .repo = "r",
				 .tags = tags,
				 .ntags = 2,
				 .started_ms = DAY0,
				 .ended_ms = DAY0 + 4 * H,
				 .active_s = 3600};
	struct report_item bare = {
	    .id = 8, .repo = "r", .started_ms = DAY0 + H, .ended_ms = DAY0 + 2 * H, .active_s = 60};
	struct report_group *g;
	json_t *j;

	(void)state;
	timespec_zone_fixed(&z, 0);
	g = report_group_create(DAY0 + 3 * H, DAY0 + 10 * H, dims, 1, &z);
	assert_int_equal(report_group_add(g, &it), 0);
	assert_int_equal(report_group_add(g, &bare), 0);
	j = report_group_json(g);
	/* The last quarter of its wall time is in the range; the other session is not at all. */
	assert_int_equal(num(group_of(json_object_get(j, "groups"), "a"), "active_s"), 900);
	assert_int_equal(num(group_of(json_object_get(j, "groups"), "b"), "active_s"), 900);
	assert_int_equal(json_array_size(json_object_get(j, "groups")), 2);
	assert_int_equal(num(json_object_get(j, "total"), "active_s"), 900);
	assert_int_equal(num(json_object_get(j, "total"), "sessions"), 1);
	json_decref(j);
	report_group_destroy(g);
	assert_null(report_group_create(DAY0, DAY0, dims, 1, &z));
	assert_null(report_group_create(DAY0, DAY0 + 1, dims, 3, &z));
	assert_int_equal(report_dim_lookup("week"), REPORT_BY_WEEK);
	assert_int_equal(report_dim_lookup("weeks"), -1);
}

/* Sums of whole sessions land where the same sessions one by one would; never by day or tag. */
static void test_add_sum(void **state)
{
	enum report_dim by[] = {REPORT_BY_REPO, REPORT_BY_BRANCH}, day[] = {REPORT_BY_DAY},
			tag[] = {REPORT_BY_TAG};
	struct timespec_zone z;
	struct report_group *one, *sum;
	struct report_item a = {.id = 1,
				.repo = "w",
				.branch = "main",
				.started_ms = DAY0,
				.ended_ms = DAY0 + H,
				.active_s = 3000,
				.commits = 2,
				.files = 3,
				.added = 10,
				.removed = 4};
	struct report_item b = a, c = a, s = a;
	json_t *j1, *j2;
	char *t1, *t2;

	(void)state;
	b.id = 2, b.active_s = 600, b.commits = 1, b.files = 1, b.added = 5, b.removed = 0;
	c.id = 3, c.branch = NULL, c.active_s = 60, c.commits = 0;
	timespec_zone_fixed(&z, 3600);
	one = report_group_create(0, DAY0 * 2, by, 2, &z);
	sum = report_group_create(0, DAY0 * 2, by, 2, &z);
	assert_non_null(one);
	assert_non_null(sum);
	assert_int_equal(report_group_add(one, &a), 0);
	assert_int_equal(report_group_add(one, &b), 0);
	assert_int_equal(report_group_add(one, &c), 0);
	s.active_s = a.active_s + b.active_s, s.commits = 3, s.files = 4, s.added = 15,
	s.removed = 4;
	assert_int_equal(report_group_add_sum(sum, &s, 2), 0);
	/* NULL and "" are one group, "(none)", as one by one */
	c.branch = "";
	assert_int_equal(report_group_add_sum(sum, &c, 1), 0);
	assert_int_equal(report_group_add_sum(sum, &c, 0), -1);
	j1 = report_group_json(one);
	j2 = report_group_json(sum);
	t1 = json_dumps(j1, JSON_SORT_KEYS);
	t2 = json_dumps(j2, JSON_SORT_KEYS);
	assert_string_equal(t1, t2);
	assert_int_equal(num(json_object_get(j2, "total"), "sessions"), 3);
	free(t1);
	free(t2);
	json_decref(j1);
	json_decref(j2);
	report_group_destroy(one);
	report_group_destroy(sum);
	/* Sums cannot be cut at midnights or spread over tags. */
	one = report_group_create(0, DAY0 * 2, day, 1, &z);
	sum = report_group_create(0, DAY0 * 2, tag, 1, &z);
	assert_int_equal(report_group_add_sum(one, &s, 2), -1);
	assert_int_equal(report_group_add_sum(sum, &s, 2), -1);
	report_group_destroy(one);
	report_group_destroy(sum);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_by_day),
	    cmocka_unit_test(test_range_and_tags),
	    cmocka_unit_test(test_add_sum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
