#include "teststore.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <setjmp.h>

#include <cmocka.h>

#include "testutil.h"

int teststore_setup(void **state)
{
	struct teststore *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	assert_true(testutil_mkdtemp(f->dir, sizeof(f->dir), NULL, "stint-store"));
	snprintf(f->path, sizeof(f->path), "%s/stint.db", f->dir);
	uv_loop_init(&f->loop);
	f->st = store_open(&f->loop, f->path, err, sizeof(err));
	assert_non_null(f->st);
	*state = f;
	return 0;
}

int teststore_teardown(void **state)
{
	struct teststore *f = *state;

	store_close(f->st);
	uv_loop_close(&f->loop);
	testutil_rm_rf(f->dir);
	free(f);
	return 0;
}
