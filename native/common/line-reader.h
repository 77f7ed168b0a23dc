/* Reads request lines with a fixed buffer: a line longer than the limit is
 * reported and skipped to its newline without ever being held whole, so a
 * client (or an attacker) cannot make the helper grow without bound. */
#ifndef LB_LINE_READER_H
#define LB_LINE_READER_H

#include <stddef.h>
#include <stdio.h>

/* A request is at most this many bytes including its newline. */
#define LB_MAX_LINE 65536

enum lb_line_status { LB_LINE_OK, LB_LINE_TOO_LONG, LB_LINE_EOF, LB_LINE_READ_ERROR };

struct lb_line_reader {
    FILE *in;
    char buf[LB_MAX_LINE];
};

/* LB_LINE_OK: buf[0..*len) holds the line without its newline (it may
 * contain NUL bytes). A last line without newline is still a line. */
enum lb_line_status lb_read_line(struct lb_line_reader *r, size_t *len);

#endif
