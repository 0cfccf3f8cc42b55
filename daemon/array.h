#ifndef STINTD_ARRAY_H
#define STINTD_ARRAY_H

#include <stddef.h>

/*
 * Room for element n of an array of elem-byte elements with *cap allocated: v itself while
 * n < *cap, else v grown to twice *cap (first when empty) with *cap updated. NULL when out of
 * memory or the size would overflow; v is then untouched and still the caller's.
 */
void *array_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first);

#endif
