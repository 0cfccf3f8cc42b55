#include "checks_clean.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/*
 * Bytes of the escape sequence at s[0] == ESC (at most n): a CSI, a string (OSC, DCS, ...)
 * ended by BEL or ESC \, else ESC, intermediate bytes and a final byte ("ESC ( B").
 */
static size_t checks_escape_len(const char *s, size_t n)
{
	size_t i;

	if (n < 2)
		return n;
	if (s[1] == '[') {
		for (i = 2; i < n && !(s[i] >= 0x40 && s[i] <= 0x7E); i++)
			;
		return i < n ? i + 1 : n;
	}
	if (s[1] == ']' || s[1] == 'P' || s[1] == 'X' || s[1] == '^' || s[1] == '_') {
		for (i = 2; i < n; i++) {
			if (s[i] == '\a')
				return i + 1;
			if (s[i] == '\x1b' && i + 1 < n && s[i + 1] == '\\')
				return i + 2;
		}
		return n;
	}
	for (i = 1; i < n && s[i] >= 0x20 && s[i] <= 0x2F; i++)
		;
	return i < n ? i + 1 : n;
}

/*
 * What a terminal would leave of text, as UTF-8 without control characters but '\t' and
 * '\n': escapes dropped, text after a '\r' replacing its line. Writes at most len * 3 + 1
 * bytes (U+FFFD for each invalid byte) to out, NUL-terminated; returns the length.
 */
size_t checks_clean_into(const char *text, size_t len, char *out)
{
	size_t w = 0, line = 0;
	bool cr = false;

	for (size_t i = 0; i < len;) {
		unsigned char ch = (unsigned char)text[i];
		uint32_t cp;
		size_t n;

		if (ch == '\x1b') {
			i += checks_escape_len(text + i, len - i);
			continue;
		}
		if (ch == '\n') {
			out[w++] = '\n';
			line = w;
			cr = false;
			i++;
			continue;
		}
		if (ch == '\r' || (ch < 0x20 && ch != '\t') || ch == 0x7F) {
			cr = cr || ch == '\r';
			i++;
			continue;
		}
		/* Only once something follows: "100%\r" leaves "100%". */
		if (cr) {
			w = line;
			cr = false;
		}
		/* Most output is ASCII: no decoding for it. */
		if (ch < 0x80) {
			out[w++] = (char)ch;
			i++;
			continue;
		}
		n = utf8_decode((const unsigned char *)text + i, len - i, &cp);
		if (n > 0) {
			memcpy(out + w, text + i, n);
			w += n;
			i += n;
		} else {
			memcpy(out + w, "\xEF\xBF\xBD", 3);
			w += 3;
			i++;
		}
	}
	out[w] = '\0';
	return w;
}

char *checks_output_tail(const char *text, size_t len, bool truncated)
{
	size_t n, from = 0, lines = 0, end;
	char *clean, *out;

	/* The first line was cut: start at the next one, if there is one. */
	if (truncated) {
		const char *nl = memchr(text, '\n', len);

		if (nl && (size_t)(nl - text) + 1 < len) {
			len -= (size_t)(nl - text) + 1;
			text = nl + 1;
		}
	}
	clean = malloc(len * 3 + 1);
	if (!clean)
		return NULL;
	n = checks_clean_into(text, len, clean);
	/* Trailing blank lines and spaces go. */
	end = n;
	while (end > 0 &&
	       (clean[end - 1] == '\n' || clean[end - 1] == ' ' || clean[end - 1] == '\t'))
		end--;
	/* Back to the start of the last CHECKS_TAIL_LINES lines, within CHECKS_TAIL_BYTES. */
	for (size_t i = end; i > 0; i--) {
		if (clean[i - 1] != '\n')
			continue;
		if (end - i > CHECKS_TAIL_BYTES)
			break;
		from = i;
		if (++lines == CHECKS_TAIL_LINES)
			break;
	}
	if (lines < CHECKS_TAIL_LINES && end <= CHECKS_TAIL_BYTES)
		from = 0;
	if (end - from > CHECKS_TAIL_BYTES) {
		/* One line too long alone: its end, from a character's start. */
		from = end - CHECKS_TAIL_BYTES;
		while (from < end && ((unsigned char)clean[from] & 0xC0) == 0x80)
			from++;
	}
	n = end - from;
	out = malloc(n + 2);
	if (out) {
		memcpy(out, clean + from, n);
		if (n > 0)
			out[n++] = '\n';
		out[n] = '\0';
	}
	free(clean);
	return out;
}
