#ifndef STINTD_CONFIG_DOC_H
#define STINTD_CONFIG_DOC_H

/*
 * The config key table (config.c) written out for people: the commented default file
 * (config/config.ini, stintd --print-default-config), docs/configuration.md's table and
 * stint-config(5)'s keys. Unit tests keep the committed copies equal to these.
 */

#include <stdio.h>

/* Writes the commented default config (every key, its default and help) to f. */
void config_write_default(FILE *f);
/* Writes the Markdown reference of every key to f (docs/configuration.md's table). */
void config_write_markdown(FILE *f);
/* Writes the man page's reference of every key to f, in scdoc (docs/man/stint-config.5.scd). */
void config_write_scdoc(FILE *f);

#endif
