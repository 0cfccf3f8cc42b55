#include "scdoc.h"

#include <string.h>

/* One character of text, escaped when scdoc would read it as markup. */
static void scdoc_write_char(FILE *f, char c)
{
	if (c == '*' || c == '_' || c == '\\')
		fputc('\\', f);
	fputc(c == '\n' ? ' ' : c, f);
}

void scdoc_write_n(FILE *f, const char *text, size_t n)
{
	const char *end = text + n;

	/* At the start of a line these would open a table, a list or a heading. */
	if (n > 0 && *text && strchr("[|:-#", *text))
		fputc('\\', f);
	for (const char *p = text; p < end; p++) {
		const char *close = *p == '`' ? memchr(p + 1, '`', (size_t)(end - p - 1)) : NULL;

		/* A lone or empty backtick pair is text: bold needs something to hold. */
		if (!close || close == p + 1) {
			scdoc_write_char(f, *p);
			continue;
		}
		fputc('*', f);
		for (p++; p < close; p++)
			scdoc_write_char(f, *p);
		fputc('*', f);
	}
}

void scdoc_write_text(FILE *f, const char *text)
{
	scdoc_write_n(f, text, strlen(text));
}
