#include "array.h"

#include <stdint.h>
#include <stdlib.h>

void *array_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first)
{
	size_t want;
	void *nv;

	if (n < *cap)
		return v;
	want = *cap ? *cap * 2 : first;
	if (want <= n || elem == 0 || want > SIZE_MAX / elem)
		return NULL;
	nv = realloc(v, want * elem);
	if (nv)
		*cap = want;
	return nv;
}
