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

#endif
