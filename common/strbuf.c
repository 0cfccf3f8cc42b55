#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRBUF_MIN_CAP 4096

bool strbuf_reserve(struct strbuf *b, size_t n)
{
	size_t cap;
	char *s;

	if (b->error)
		return false;
	/* len + n + 1 <= cap, without overflowing. */
	if (n < b->cap - b->len)
		return true;
	if (b->max && (n > b->max || b->len + n > b->max)) {
		b->error = E2BIG;
		return false;
	}
	if (n >= SIZE_MAX - b->len) {
		b->error = ENOMEM;
		return false;
	}
	cap = b->cap ? b->cap : STRBUF_MIN_CAP;
	while (cap < b->len + n + 1) {
		if (cap > SIZE_MAX / 2) {
			b->error = ENOMEM;
			return false;
		}
		cap *= 2;
	}
	s = realloc(b->s, cap);
	if (!s) {
		b->error = ENOMEM;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void strbuf_putn(struct strbuf *b, const char *s, size_t n)
{
	if (!strbuf_reserve(b, n))
		return;
	/* n == 0 still reserves: a written "" leaves s a string. */
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_putn(b, s, strlen(s));
}

void strbuf_putc(struct strbuf *b, char c)
{
	strbuf_putn(b, &c, 1);
}

void strbuf_spaces(struct strbuf *b, size_t n)
{
	if (!strbuf_reserve(b, n))
		return;
	memset(b->s + b->len, ' ', n);
	b->len += n;
	b->s[b->len] = '\0';
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !strbuf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}
