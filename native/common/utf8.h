/* UTF-8 as RFC 3629 defines it: the reader refuses anything else in requests,
 * the writer replaces anything else in answers. */
#ifndef LB_UTF8_H
#define LB_UTF8_H

#include <stddef.h>

/* Length of the valid sequence at s (no overlongs, no surrogates, nothing
 * above U+10FFFF), or 0 when the bytes there are not valid UTF-8. avail >= 1. */
size_t lb_utf8_valid(const unsigned char *s, size_t avail);
/* Encodes a code point (at most U+10FFFF) into o; returns 1 to 4 bytes written. */
size_t lb_utf8_put(unsigned char *o, unsigned cp);

#endif
