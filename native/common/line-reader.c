#include "line-reader.h"

enum lb_line_status lb_read_line(struct lb_line_reader *r, size_t *len)
{
    size_t n = 0;
    for (;;) {
        int c = getc(r->in);
        if (c == EOF) {
            if (ferror(r->in))
                return LB_LINE_READ_ERROR;
            if (n == 0)
                return LB_LINE_EOF;
            *len = n;
            return LB_LINE_OK;
        }
        if (c == '\n') {
            /* The newline counts towards the limit. */
            if (n + 1 > LB_MAX_LINE)
                return LB_LINE_TOO_LONG;
            *len = n;
            return LB_LINE_OK;
        }
        if (n == LB_MAX_LINE) {
            while ((c = getc(r->in)) != EOF && c != '\n')
                ;
            return ferror(r->in) ? LB_LINE_READ_ERROR : LB_LINE_TOO_LONG;
        }
        r->buf[n++] = (char)c;
    }
}
