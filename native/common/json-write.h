/* A streaming JSON writer onto a FILE.
 *
 * Answers are built from data that is complete before the first byte is
 * written, so streaming cannot leave half an answer; it also means the writer
 * itself never allocates. Strings may hold any bytes (sysfs is not obliged to
 * be UTF-8): invalid sequences become U+FFFD so the line is always valid JSON. */
#ifndef LB_JSON_WRITE_H
#define LB_JSON_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_WRITE_MAX_DEPTH 16

struct json_writer {
    FILE *out;
    int depth;
    /* Per open container: has an element been written (so the next needs a comma)? */
    bool nonempty[JSON_WRITE_MAX_DEPTH];
    /* A key was just written: the next value follows its colon without a comma. */
    bool after_key;
};

void jw_init(struct json_writer *w, FILE *out);
void jw_object_begin(struct json_writer *w);
void jw_object_end(struct json_writer *w);
void jw_array_begin(struct json_writer *w);
void jw_array_end(struct json_writer *w);
void jw_key(struct json_writer *w, const char *key);
/* s NULL writes null. */
void jw_string(struct json_writer *w, const char *s);
void jw_string_n(struct json_writer *w, const char *s, size_t len);
void jw_u64(struct json_writer *w, uint64_t v);
void jw_i64(struct json_writer *w, int64_t v);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);
/* Already-valid JSON text, such as a number lexeme taken from the request. */
void jw_raw(struct json_writer *w, const char *text, size_t len);
/* Ends the answer line and pushes it to the reader; nonzero when output failed. */
int jw_end_line(struct json_writer *w);

#endif
