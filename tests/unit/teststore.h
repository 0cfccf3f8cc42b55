#ifndef STINT_TESTSTORE_H
#define STINT_TESTSTORE_H

/* A fresh store in a temporary directory, for the store's unit tests (cmocka setup/teardown). */

#include <uv.h>

#include "store.h"

struct teststore {
	char dir[96];
	char path[128];
	uv_loop_t loop;
	struct store *st;
};

/* *state gets a struct teststore with the store open at dir/stint.db. */
int teststore_setup(void **state);
/* Closes the store (st may have been closed and set to NULL by the test) and removes dir. */
int teststore_teardown(void **state);

#endif
