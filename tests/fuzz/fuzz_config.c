/*
 * The config parser (daemon/config.c over inih), given the text as a file (a memfd). Properties:
 * a refusal says why; an accepted config is within the key table's bounds, its paths absolute
 * (or, for [log] dir, starting with {repo}).
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Path defaults ("~/", "{data}/") resolve against these; nothing is created there. */
	setenv("HOME", "/nonexistent/home", 1);
	setenv("XDG_DATA_HOME", "/nonexistent/data", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[1024] = "";

	if (config_load(&cfg, fuzz_memfile(data, size), false, err, sizeof(err)) < 0) {
		fuzz_assert(err[0], "a refusal says nothing");
		return 0;
	}
	/* {repo} is expanded per repository, to an absolute path, when a log is written. */
	fuzz_assert(cfg.log_dir &&
			(cfg.log_dir[0] == '/' || strncmp(cfg.log_dir, "{repo}", 6) == 0),
		    "log dir not absolute: %s", cfg.log_dir ? cfg.log_dir : "(null)");
	fuzz_assert(!cfg.log_template || cfg.log_template[0] == '/', "template not absolute");
	fuzz_assert(cfg.log_max_file_rows >= 1 && cfg.log_max_file_rows <= 10000,
		    "max_file_rows %d", cfg.log_max_file_rows);
	fuzz_assert(cfg.check_timeout_s >= 1 && cfg.check_timeout_s <= 3600, "check_timeout %lld",
		    (long long)cfg.check_timeout_s);
	fuzz_assert(cfg.checks.n <= CONFIG_MAP_MAX, "%zu checks", cfg.checks.n);
	for (size_t i = 0; i < cfg.checks.n; i++)
		fuzz_assert(cfg.checks.entries[i].name[0] &&
				strlen(cfg.checks.entries[i].name) <= CONFIG_MAP_NAME_MAX,
			    "check name \"%s\"", cfg.checks.entries[i].name);
	config_finish(&cfg);
	return 0;
}
