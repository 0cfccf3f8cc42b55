#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_read.h"
#include "store_overlap.h"
#include "teststore.h"

/* store_overlap_find, and the store's insertion of an added session (STORE_OP_ADD_SESSION)
 * that asks the same question in its transaction. */

/* An add op run at once; returns its status, the op's outcome in *op. */
static int add(struct teststore *f, struct store_op *op, const char *repo, int64_t from, int64_t to,
	       const char *key)
{
	memset(op, 0, sizeof(*op));
	op->kind = STORE_OP_ADD_SESSION;
	op->row = json_pack("{s:s, s:s, s:[]}", "repo", repo, "repo_name", repo, "tags");
	op->at.wall_ms = from;
	snprintf(op->at.boot_id, sizeof(op->at.boot_id), "b");
	op->end_ms = to;
	op->origin = STORE_ORIGIN_IMPORTED;
	op->source_key = key;
	store_run_now(f->st, op);
	json_decref(op->row);
	return op->status;
}

static int64_t add_ok(struct teststore *f, const char *repo, int64_t from, int64_t to,
		      const char *key)
{
	struct store_op op;

	assert_int_equal(add(f, &op, repo, from, to, key), 0);
	assert_false(op.duplicate);
	return op.result_id;
}

static int64_t find(struct teststore *f, const char *repo, int64_t from, int64_t to, int64_t except,
		    int64_t now)
{
	char err[512];
	int64_t id = -1;
	int r = store_overlap_find(f->st, repo, from, to, except, now, &id, err, sizeof(err));

	assert_true(r == 0 || r == 1);
	return r ? id : 0;
}

static void test_closed_sessions(void **state)
{
	struct teststore *f = *state;
	int64_t a = add_ok(f, "r", 10000, 20000, NULL), b = add_ok(f, "r", 30000, 40000, NULL);

	assert_int_equal(find(f, "r", 15000, 25000, 0, 99000), a);
	assert_int_equal(find(f, "r", 19999, 20001, 0, 99000), a);
	/* Touching is not meeting: [from, to) half-open on both sides. */
	assert_int_equal(find(f, "r", 20000, 30000, 0, 99000), 0);
	assert_int_equal(find(f, "r", 0, 10000, 0, 99000), 0);
	assert_int_equal(find(f, "r", 40000, 50000, 0, 99000), 0);
	/* Inside, around; the first by start when two meet. */
	assert_int_equal(find(f, "r", 12000, 13000, 0, 99000), a);
	assert_int_equal(find(f, "r", 0, 99000, 0, 99000), a);
	assert_int_equal(find(f, "r", 15000, 35000, 0, 99000), a);
	assert_int_equal(find(f, "r", 15000, 35000, a, 99000), b);
	/* Another repository's are no obstacle. */
	assert_int_equal(find(f, "other", 0, 99000, 0, 99000), 0);
}

static void test_open_session_ends_now(void **state)
{
	struct teststore *f = *state;
	struct store_op op = {.kind = STORE_OP_INSERT_SESSION, .event = "start"};
	int64_t open_id, before;
	char err[256];

	op.row = json_pack("{s:s, s:s, s:[]}", "repo", "r", "repo_name", "r", "tags");
	op.at.wall_ms = 50000;
	snprintf(op.at.boot_id, sizeof(op.at.boot_id), "b");
	assert_int_equal(store_run_now(f->st, &op), 0);
	json_decref(op.row);
	open_id = op.result_id;
	assert_int_equal(find(f, "r", 60000, 70000, 0, 80000), open_id);
	/* Its end is now: before now it has not reached a later range. */
	assert_int_equal(find(f, "r", 60000, 70000, 0, 55000), 0);
	assert_int_equal(find(f, "r", 40000, 50000, 0, 80000), 0);
	/* The open session of the repository is no obstacle to an added one before it. */
	before = add_ok(f, "r", 40000, 50000, NULL);
	assert_true(before > open_id);
	/* ...but one reaching into it is refused, naming it. */
	assert_int_equal(add(f, &op, "r", 45000, time_wall_ms() - 1000, NULL), -1);
	assert_int_equal(op.overlap_id, before);
	assert_int_equal(add(f, &op, "r", 50000, 60000, NULL), -1);
	assert_int_equal(op.overlap_id, open_id);
	snprintf(err, sizeof(err), "it overlaps session %lld", (long long)open_id);
	assert_non_null(strstr(op.err, err));
	assert_non_null(strstr(op.err, "to now (it is open)"));
}

/* A cancelled session is thrown-away work: it overlaps nothing. */
static void test_cancelled_overlaps_nothing(void **state)
{
	struct teststore *f = *state;
	struct store_op op = {.kind = STORE_OP_INSERT_SESSION, .event = "start"};

	op.row = json_pack("{s:s, s:s, s:[]}", "repo", "r", "repo_name", "r", "tags");
	op.at.wall_ms = 10000;
	snprintf(op.at.boot_id, sizeof(op.at.boot_id), "b");
	assert_int_equal(store_run_now(f->st, &op), 0);
	json_decref(op.row);
	op = (struct store_op){.kind = STORE_OP_CLOSE_SESSION,
			       .session_id = op.result_id,
			       .event = "cancel",
			       .state = "cancelled"};
	op.at.wall_ms = 20000;
	snprintf(op.at.boot_id, sizeof(op.at.boot_id), "b");
	assert_int_equal(store_run_now(f->st, &op), 0);
	assert_int_equal(find(f, "r", 12000, 13000, 0, 99000), 0);
	add_ok(f, "r", 12000, 13000, NULL);
}

static void test_add_session_row_and_duplicates(void **state)
{
	struct teststore *f = *state;
	struct store_op op;
	int64_t id = add_ok(f, "proj", 1000000, 1360000, "watson:abc"), other;
	json_t *rows;
	char err[512];

	/* The same key again: nothing written, the stored session's id. */
	assert_int_equal(add(f, &op, "proj", 1000000, 1360000, "watson:abc"), 0);
	assert_true(op.duplicate);
	assert_int_equal(op.result_id, id);
	/* ...whatever the times (they would overlap otherwise). */
	assert_int_equal(add(f, &op, "proj", 5000000, 6000000, "watson:abc"), 0);
	assert_true(op.duplicate);
	assert_int_equal(op.result_id, id);
	/* Another key that overlaps: refused, nothing written. */
	assert_int_equal(add(f, &op, "proj", 1300000, 1400000, "watson:def"), -1);
	assert_false(op.duplicate);
	assert_int_equal(op.overlap_id, id);
	other = add_ok(f, "proj", 1360000, 1400000, "watson:def");
	assert_int_equal(other, id + 1);
	assert_int_equal(store_recent_sessions(f->st, 10, &rows, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(rows), 2);
	json_decref(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_closed_sessions, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_open_session_ends_now, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_cancelled_overlaps_nothing, teststore_setup,
					    teststore_teardown),
	    cmocka_unit_test_setup_teardown(test_add_session_row_and_duplicates, teststore_setup,
					    teststore_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
