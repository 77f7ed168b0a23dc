/* Looking things up in a parsed request (json-read.h). */
#include <string.h>

#include "json-read.h"

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    size_t n = strlen(key);
    const struct json_value *found = NULL;
    for (const struct json_value *m = obj->child; m; m = m->next)
        if (m->key_len == n && memcmp(m->key, key, n) == 0)
            found = m;
    return found;
}

enum json_int_status json_get_u63(const struct json_value *v, uint64_t *out)
{
    if (!v || v->type != JSON_NUMBER)
        return JSON_INT_NOT_NUMBER;
    if (v->text[0] == '-')
        return JSON_INT_NEGATIVE;
    uint64_t value = 0;
    for (size_t i = 0; i < v->len; i++) {
        char c = v->text[i];
        if (c < '0' || c > '9')
            return JSON_INT_NOT_INTEGER;
        unsigned d = (unsigned)(c - '0');
        if (value > ((uint64_t)INT64_MAX - d) / 10)
            return JSON_INT_TOO_LARGE;
        value = value * 10 + d;
    }
    *out = value;
    return JSON_INT_OK;
}
