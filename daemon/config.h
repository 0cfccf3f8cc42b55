#ifndef STINTD_CONFIG_H
#define STINTD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * stintd's settings. One table in config.c (section, key, type, default, help) drives parsing,
 * validation, the commented default file (config/config.ini) and docs/configuration.md.
 */
struct config {
	/* [log] dir: where logs go; "{repo_name}" and "{repo}" are replaced, a leading "~/" is $HOME. */
	char *log_dir;
	/* Where this config came from, for messages; NULL when only defaults are in use. */
	char *path;
};

/* Fills cfg with the defaults. */
void config_init(struct config *cfg);
void config_finish(struct config *cfg);

/* $STINT_CONFIG, else $XDG_CONFIG_HOME/stint/config.ini, else ~/.config/stint/config.ini. */
int config_default_path(char *buf, size_t n);

/*
 * Loads path into a fresh cfg (defaults first, then the file). A missing file is not an error
 * when missing_ok. Errors fill err as "path:line: message" naming the section and key; the first
 * error wins. Returns 0 or -1. On error cfg is left finished (nothing to free).
 */
int config_load(struct config *cfg, const char *path, bool missing_ok, char *err, size_t errn);

/* Writes the commented default config (every key, its default and help) to f. */
void config_write_default(FILE *f);
/* Writes the Markdown reference of every key to f (docs/configuration.md's table). */
void config_write_markdown(FILE *f);

#endif
