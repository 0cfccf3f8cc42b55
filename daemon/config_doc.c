/* The config key table as documents: the default file, the Markdown table, the man page's keys. */

#include "config_doc.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "scdoc.h"

/* Writes text as "; " comment lines of at most 78 columns, breaking at spaces. */
static void config_write_comment(FILE *f, const char *text)
{
	const size_t width = 76;

	while (*text) {
		size_t n = strlen(text), cut = n;

		if (n > width) {
			cut = width;
			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = strcspn(text, " ");
		}
		fprintf(f, "; %.*s\n", (int)cut, text);
		text += cut;
		while (*text == ' ')
			text++;
	}
}

void config_write_default(FILE *f)
{
	char type[512];

	fputs("; stintd configuration.\n"
	      ";\n"
	      "; stintd reads $STINT_CONFIG, else $XDG_CONFIG_HOME/stint/config.ini, else\n"
	      "; ~/.config/stint/config.ini. Every key is listed below, commented out, with\n"
	      "; its default value: remove the leading \";\" and change the value to set it.\n"
	      "; An unknown key, a key set twice or a bad value is an error, reported with\n"
	      "; the file and line. The syntax and the types are described in stint's\n"
	      "; docs/configuration.md.\n",
	      f);
	for (size_t i = 0; config_key_at(i); i++) {
		const struct config_key *k = config_key_at(i);

		if (i == 0 || strcmp(k->section, config_key_at(i - 1)->section) != 0)
			fprintf(f, "\n[%s]\n", k->section);
		config_describe_type(k, type, sizeof(type));
		fputc('\n', f);
		config_write_comment(f, k->help);
		fprintf(f, "; Type: %s.\n", type);
		if (k->type == CONFIG_MAP) {
			/* No entries by default: show the example's, commented out. */
			for (const char *e = k->example; e && *e;) {
				size_t len = strcspn(e, "\n");

				fprintf(f, ";%.*s\n", (int)len, e);
				e += len + (e[len] == '\n');
			}
			continue;
		}
		/* No trailing blank after an empty default. */
		fprintf(f, ";%s =%s%s\n", k->name, *k->def ? " " : "", k->def);
	}
}

/* Markdown table cell text: a '|' would end the cell. */
static void config_write_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* " Example: `a = x`, `b = y`." on one line of a table cell. */
static void config_write_example(FILE *f, const char *example)
{
	fputs(" Example: ", f);
	for (const char *e = example; *e;) {
		size_t len = strcspn(e, "\n");
		char *line = strndup(e, len);

		fputs(e == example ? "`" : ", `", f);
		if (line)
			config_write_cell(f, line);
		fputc('`', f);
		free(line);
		e += len + (e[len] == '\n');
	}
	fputc('.', f);
}

void config_write_markdown(FILE *f)
{
	char type[512];

	fputs("| Section | Key | Type | Default | Description |\n"
	      "|---|---|---|---|---|\n",
	      f);
	for (size_t i = 0; config_key_at(i); i++) {
		const struct config_key *k = config_key_at(i);

		config_describe_type(k, type, sizeof(type));
		if (k->type == CONFIG_MAP)
			fprintf(f, "| `[%s]` | *any name* | ", k->section);
		else
			fprintf(f, "| `[%s]` | `%s` | ", k->section, k->name);
		config_write_cell(f, type);
		if (k->type == CONFIG_MAP) {
			fputs(" | none | ", f);
		} else if (*k->def) {
			fputs(" | `", f);
			config_write_cell(f, k->def);
			fputs("` | ", f);
		} else {
			fputs(" | empty | ", f);
		}
		config_write_cell(f, k->help);
		if (k->type == CONFIG_MAP && k->example)
			config_write_example(f, k->example);
		fputs(" |\n", f);
	}
}

/* A value in bold, escaped: a name, a default or an example line. */
static void config_write_scdoc_value(FILE *f, const char *value, size_t n)
{
	fputc('*', f);
	scdoc_write_n(f, value, n);
	fputc('*', f);
}

void config_write_scdoc(FILE *f)
{
	char type[512];

	for (size_t i = 0; config_key_at(i); i++) {
		const struct config_key *k = config_key_at(i);

		if (i == 0 || strcmp(k->section, config_key_at(i - 1)->section) != 0)
			fprintf(f, "%s## [%s]\n", i ? "\n" : "", k->section);
		config_describe_type(k, type, sizeof(type));
		fputc('\n', f);
		if (k->type == CONFIG_MAP)
			fputs("_name_ = _command_", f);
		else
			config_write_scdoc_value(f, k->name, strlen(k->name));
		fputs("\n\t", f);
		scdoc_write_text(f, k->help);
		fputs("\n\n\tType: ", f);
		scdoc_write_text(f, type);
		if (k->type == CONFIG_MAP) {
			fputs(". None by default.", f);
		} else if (*k->def) {
			fputs(". Default: ", f);
			config_write_scdoc_value(f, k->def, strlen(k->def));
			fputc('.', f);
		} else {
			fputs(". Default: empty.", f);
		}
		for (const char *e = k->example; e && *e;) {
			size_t len = strcspn(e, "\n");

			fputs(e == k->example ? " Example: " : ", ", f);
			config_write_scdoc_value(f, e, len);
			e += len + (e[len] == '\n');
			if (!*e)
				fputc('.', f);
		}
		fputc('\n', f);
	}
}
