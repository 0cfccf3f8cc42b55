#ifndef STINTD_STRBUF_H
#define STINTD_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A growable NUL-terminated string. {0} is an empty buffer with no limit; set max to cap it.
 * The first failure sticks in error and later writes do nothing, so a caller checks once at
 * the end. Once anything is written (even "") and error is 0, s is a string; free(s) when done.
 */
struct strbuf {
	char *s;
	size_t len, cap;
	/*
	 * 0: no limit. Else a write that needs the buffer to grow past max bytes fails with
	 * E2BIG; one that fits in room already allocated is not checked (tmpl.c's behaviour, kept).
	 */
	size_t max;
	int error; /* 0, ENOMEM or E2BIG */
};

/* Room for n more bytes and the NUL; false (error set) if there cannot be. */
bool strbuf_reserve(struct strbuf *b, size_t n);
void strbuf_putn(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_putc(struct strbuf *b, char c);
void strbuf_spaces(struct strbuf *b, size_t n);
__attribute__((format(printf, 2, 3))) void strbuf_printf(struct strbuf *b, const char *fmt, ...);

#endif
