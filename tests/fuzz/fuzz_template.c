/*
 * The template engine (daemon/template_engine*.c) through template.c: the input is a template,
 * checked, then rendered with a fixed record (tests/fixtures/records/full.json) in one of the
 * three [log] placeholders modes. Properties: check and render agree; a refusal says why; the
 * output stays within the engine's limit.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "template.h"
#include "template_engine.h"

static json_t *fuzz_record;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	json_error_t jerr;

	/* Local times in the log are UTC's, whatever the machine's zone. */
	setenv("TZ", "UTC", 1);
	fuzz_record = json_load_file(STINT_FUZZ_RECORD, 0, &jerr);
	if (!fuzz_record) {
		fprintf(stderr, "fuzz_template: %s: %s\n", STINT_FUZZ_RECORD, jerr.text);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const modes[] = {"keep", "comment", "drop"};
	char *text, *md, err[1024] = "";
	int rc;

	if (size > TEMPLATE_ENGINE_MAX_TEXT)
		return 0;
	text = fuzz_strdup(data, size);
	rc = template_check(text, "fuzz.md", err, sizeof(err));
	fuzz_assert(rc == 0 || err[0], "a refused template without a message");
	json_object_set_new(fuzz_record, "placeholders", json_string(modes[size % 3]));
	err[0] = '\0';
	md = template_render_with(fuzz_record, text, "fuzz.md", err, sizeof(err));
	fuzz_assert((md != NULL) == (rc == 0), "check says %d, render says %s", rc,
		    md ? "ok" : err);
	fuzz_assert(md || err[0], "a failed render without a message");
	fuzz_assert(!md || strlen(md) <= TEMPLATE_ENGINE_MAX_OUTPUT, "output over the limit");
	free(md);
	free(text);
	return 0;
}
