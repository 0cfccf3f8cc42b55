/*
 * The test-summary parser of the [checks] (daemon/checks_parse.c) over a check's output.
 * Properties: counts are -1 (not said) or at least 0; CR LF line endings read as LF ones (the
 * parser undoes carriage returns as a terminal would).
 */
#include <stdlib.h>
#include <string.h>

#include "checks_parse.h"
#include "fuzz.h"

static void fuzz_checks_sane(const struct checks_tests *t)
{
	fuzz_assert(t->passed >= -1 && t->failed >= -1 && t->skipped >= -1, "counts %lld %lld %lld",
		    (long long)t->passed, (long long)t->failed, (long long)t->skipped);
}

/* text with a CR before each LF; NULL when text has a CR already or a line the parser skips
 * (longer than CHECKS_LINE_MAX once the CR is in). */
static char *fuzz_checks_crlf(const uint8_t *data, size_t size, size_t *outn)
{
	size_t lines = 1, w = 0, len = 0;
	char *out;

	if (memchr(data, '\r', size))
		return NULL;
	for (size_t i = 0; i < size; i++) {
		if (data[i] != '\n') {
			if (++len >= CHECKS_LINE_MAX)
				return NULL;
			continue;
		}
		lines++;
		len = 0;
	}
	out = malloc(size + lines);
	if (!out)
		abort();
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\n')
			out[w++] = '\r';
		out[w++] = (char)data[i];
	}
	*outn = w;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct checks_tests a = {0}, b = {0};
	bool found, found_crlf;
	size_t n;
	char *crlf;

	found = checks_parse_tests((const char *)data, size, &a);
	if (found)
		fuzz_checks_sane(&a);
	crlf = fuzz_checks_crlf(data, size, &n);
	if (!crlf)
		return 0;
	found_crlf = checks_parse_tests(crlf, n, &b);
	fuzz_assert(found == found_crlf && (!found || memcmp(&a, &b, sizeof(a)) == 0),
		    "LF: %d %lld/%lld/%lld, CR LF: %d %lld/%lld/%lld", found, (long long)a.passed,
		    (long long)a.failed, (long long)a.skipped, found_crlf, (long long)b.passed,
		    (long long)b.failed, (long long)b.skipped);
	free(crlf);
	return 0;
}
