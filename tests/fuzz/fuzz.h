#ifndef STINT_FUZZ_H
#define STINT_FUZZ_H

/*
 * What the fuzz targets (tests/fuzz/fuzz_*.c) share. Each target defines
 * LLVMFuzzerTestOneInput and, when it needs one, LLVMFuzzerInitialize; it is linked either with
 * libFuzzer (STINT_FUZZ, clang) or with replay.c, which feeds it the files it is given.
 */

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property failed: says which, and abort()s so the fuzzer keeps the input. */
#define fuzz_assert(cond, ...)                                                                     \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                         \
	} while (0)

__attribute__((noreturn, format(printf, 4, 5))) void fuzz_fail(const char *file, int line,
							       const char *cond, const char *fmt,
							       ...);

/* data as a malloc'd NUL-terminated string (a NUL inside ends it early); aborts when out of
 * memory. */
char *fuzz_strdup(const uint8_t *data, size_t size);

/*
 * A memfd holding data, opened again by the returned path ("/proc/self/fd/N"): a file for the
 * parsers that read one by path, with no disk I/O. The same memfd is rewritten on each call.
 */
const char *fuzz_memfile(const uint8_t *data, size_t size);

#endif
