/* Answers one request line: parse, look the op up in the table, run it, write
 * exactly one answer line. */
#ifndef LB_DISPATCH_H
#define LB_DISPATCH_H

#include <stddef.h>

#include "json-write.h"
#include "ops.h"

/* Returns nonzero only when the answer could not be written (stdout gone). */
int lb_dispatch_line(const struct lb_context *ctx, struct json_writer *w,
                     const char *line, size_t len);
/* The answer to a line longer than the limit, which is never parsed. */
int lb_answer_too_long(struct json_writer *w);

#endif
