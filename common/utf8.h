#ifndef STINTD_UTF8_H
#define STINTD_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Length (1-4) of the UTF-8 sequence at s (n > 0 bytes), its code point in *cp; 0 when it is
 * not valid: cut short, overlong, a surrogate or past U+10FFFF.
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* A C0 or C1 control character or DEL, but not LF, TAB or CR: kept out of text we write. */
bool utf8_is_control(uint32_t cp);
/*
 * A format character that shows nothing yet hides or reorders the text around it: zero-width
 * spaces and joiners, bidirectional marks, embeddings, overrides and isolates, line and paragraph
 * separators, invisible operators, the byte order mark, interlinear annotations, tag characters.
 * Not a control character: text we write shows it as a visible marker instead (docs/templates.md).
 */
bool utf8_is_invisible(uint32_t cp);
/* Emoji and pictographs (and the emoji variation selector): a zero-width joiner between two of
 * them builds one picture (U+1F469 U+200D U+1F4BB), so it is not hiding anything. */
bool utf8_is_pictographic(uint32_t cp);

#endif
