#include "request.h"

#include <stdlib.h>
#include <string.h>

int lb_req_device(const struct json_value *req, const char **device, struct lb_error *err)
{
    const struct json_value *v = json_get(req, "device");
    if (!v || v->type != JSON_STRING)
        return lb_fail(err, LB_BAD_REQUEST, 0, NULL,
                       "The request needs a `device` string such as \"/dev/sdb\".");
    if (v->len == 0 || memchr(v->text, '\0', v->len) || v->len > LB_DEVICE_ARG_MAX)
        return lb_fail(err, LB_BAD_REQUEST, 0, NULL,
                       "The `device` field must be a device path or kernel name of 1 to %d bytes without NUL characters.",
                       LB_DEVICE_ARG_MAX);
    *device = v->text;
    return LB_OK;
}

static int integer_field(const struct json_value *v, const char *field, uint64_t *out,
                         struct lb_error *err)
{
    switch (json_get_u63(v, out)) {
    case JSON_INT_OK:
        return LB_OK;
    case JSON_INT_NEGATIVE:
        return lb_fail(err, LB_BAD_REQUEST, 0, NULL, "The field `%s` must not be negative.", field);
    case JSON_INT_NOT_INTEGER:
        return lb_fail(err, LB_BAD_REQUEST, 0, NULL,
                       "The field `%s` must be a whole number written without fraction or exponent.", field);
    case JSON_INT_TOO_LARGE:
        return lb_fail(err, LB_BAD_REQUEST, 0, NULL, "The field `%s` is larger than 2^63-1.", field);
    case JSON_INT_NOT_NUMBER:
    default:
        return lb_fail(err, LB_BAD_REQUEST, 0, NULL, "The request needs a number in the field `%s`.", field);
    }
}

int lb_req_u63(const struct json_value *req, const char *field, uint64_t *out, struct lb_error *err)
{
    return integer_field(json_get(req, field), field, out, err);
}

int lb_req_partitions(const struct json_value *req, struct lb_part_spec **specs,
                      size_t *count, struct lb_error *err)
{
    *specs = NULL;
    *count = 0;
    const struct json_value *list = json_get(req, "partitions");
    if (!list || list->type == JSON_NULL)
        return LB_OK;
    if (list->type != JSON_ARRAY)
        return lb_fail(err, LB_BAD_REQUEST, 0, NULL,
                       "The field `partitions` must be an array of {number, startBytes, sizeBytes}.");
    if (list->count > LB_MAX_PART_SPECS)
        return lb_fail(err, LB_BAD_REQUEST, 0, NULL,
                       "The field `partitions` lists more than %d partitions.", LB_MAX_PART_SPECS);
    struct lb_part_spec *out = calloc(list->count ? list->count : 1, sizeof *out);
    if (!out)
        return lb_fail_oom(err);
    size_t n = 0;
    for (const struct json_value *e = list->child; e; e = e->next, n++) {
        uint64_t number;
        if (e->type != JSON_OBJECT) {
            free(out);
            return lb_fail(err, LB_BAD_REQUEST, 0, NULL,
                           "Each entry of `partitions` must be an object {number, startBytes, sizeBytes}.");
        }
        if (integer_field(json_get(e, "number"), "partitions[].number", &number, err) ||
            integer_field(json_get(e, "startBytes"), "partitions[].startBytes", &out[n].start_bytes, err) ||
            integer_field(json_get(e, "sizeBytes"), "partitions[].sizeBytes", &out[n].size_bytes, err)) {
            free(out);
            return err->code;
        }
        /* The kernel numbers partitions from 1 and keeps them in an int. */
        if (number < 1 || number > 65535) {
            free(out);
            return lb_fail(err, LB_BAD_REQUEST, 0, NULL,
                           "Partition number %llu in `partitions` is outside 1 to 65535.",
                           (unsigned long long)number);
        }
        for (size_t i = 0; i < n; i++)
            if (out[i].number == number) {
                free(out);
                return lb_fail(err, LB_BAD_REQUEST, 0, NULL,
                               "Partition number %llu appears twice in `partitions`.",
                               (unsigned long long)number);
            }
        out[n].number = (unsigned)number;
    }
    *specs = out;
    *count = n;
    return LB_OK;
}
