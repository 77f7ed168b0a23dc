/* A strict JSON reader for request lines.
 *
 * The input is untrusted (any bytes a client or a fuzzer sends), so: recursion
 * is bounded by JSON_MAX_DEPTH, every value lives in one arena freed at once,
 * strings must be valid UTF-8 (escapes included, surrogate pairs joined, lone
 * surrogates refused), and nothing but whitespace may follow the value. */
#ifndef LB_JSON_READ_H
#define LB_JSON_READ_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value {
    enum json_type type;
    /* JSON_STRING: decoded bytes (NUL-terminated, may hold NULs: use len).
     * JSON_NUMBER: the lexeme as written, so an `id` can be echoed exactly. */
    const char *text;
    size_t len;
    /* Arrays and objects: first child; children are chained through next.
     * Object members carry their decoded key. */
    struct json_value *child;
    struct json_value *next;
    const char *key;
    size_t key_len;
    size_t count;
};

struct json_chunk;

struct json_doc {
    struct json_chunk *chunks;
    struct json_value *root;
    /* On failure: a short reason and the byte offset where it was noticed. */
    const char *error;
    size_t error_offset;
};

/* Parses text[0..len). Returns 0 and sets doc->root, or -1 with doc->error set
 * (doc->error is "out of memory" when that was the cause). Always call json_free. */
int json_parse(struct json_doc *doc, const char *text, size_t len);
void json_free(struct json_doc *doc);

/* The member named key (compared by bytes); the last one wins when a key repeats,
 * as in JavaScript's JSON.parse. NULL when absent or obj is not an object. */
const struct json_value *json_get(const struct json_value *obj, const char *key);

enum json_int_status { JSON_INT_OK, JSON_INT_NOT_NUMBER, JSON_INT_NEGATIVE, JSON_INT_NOT_INTEGER, JSON_INT_TOO_LARGE };
/* A non-negative integer written without fraction or exponent, at most 2^63-1
 * (byte offsets must fit the signed 64-bit offsets of the OS). */
enum json_int_status json_get_u63(const struct json_value *v, uint64_t *out);

#endif
