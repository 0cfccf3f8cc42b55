/*
 * The prompt segment's template (cli/status_format.c), as `stint status --format` takes it from
 * the command line, rendered with hostile values. Input: the template, then after a NUL byte
 * the focus. Properties: a refusal says why; an accepted template renders, through every
 * preset's kind, to valid UTF-8 within the buffer, and the values' control characters never
 * reach the line (the template's own may).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "status_format.h"
#include "utf8.h"

static bool fuzz_valid_utf8(const char *s, size_t n)
{
	uint32_t cp;
	size_t k;

	for (size_t i = 0; i < n; i += k)
		if (!(k = utf8_decode((const unsigned char *)s + i, n - i, &cp)))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char *tmpl = fuzz_strdup(data, nul ? (size_t)(nul - data) : size);
	char *focus = nul ? fuzz_strdup(nul + 1, size - (size_t)(nul - data) - 1) : NULL;
	char err[STATUS_FORMAT_MAX + 256] = "", line[64], big[STATUS_FORMAT_LINE_MAX];
	struct status_format f;
	json_t *s;
	size_t n;

	s = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "state", "active", "repo_name",
		      "repo\x1b[31m", "branch", "main\n", "active_s", (json_int_t)3725, "commits",
		      (json_int_t)3, "added", (json_int_t)-1, "removed", (json_int_t)0);
	fuzz_assert(s != NULL, "out of memory");
	/* jansson takes only valid UTF-8: an invalid focus is left out, as stintd never sends one.
	 */
	if (focus)
		json_object_set_new(s, "focus", json_string(focus));
	for (int all = 0; all < 2; all++) {
		if (status_format_parse(tmpl, all, &f, err, sizeof(err)) < 0) {
			fuzz_assert(err[0] != '\0', "a refusal without a reason");
			break;
		}
		n = status_format_render(&f, s, all ? 2 : 0, big, sizeof(big));
		fuzz_assert(n == strlen(big) && n < sizeof(big), "the length is wrong");
		fuzz_assert(fuzz_valid_utf8(big, n), "the line is not valid UTF-8: %s", big);
		fuzz_assert(!strstr(big, "\x1b[31m") || strstr(tmpl, "\x1b"),
			    "a value's escape reached the line");
		fuzz_assert(!strstr(big, "main\n") || strstr(tmpl, "\n"),
			    "a value's newline reached the line");
		/* A small buffer cuts at a character's boundary. */
		n = status_format_render(&f, s, 0, line, sizeof(line));
		fuzz_assert(n < sizeof(line) && fuzz_valid_utf8(line, n), "a cut line is broken");
	}
	json_decref(s);
	free(focus);
	free(tmpl);
	return 0;
}
