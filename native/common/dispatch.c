#include "dispatch.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "json-read.h"
#include "request.h"
#include "version.h"

/* The request id as it will be echoed: numbers verbatim, strings re-escaped. */
struct lb_id {
    const struct json_value *value; /* NULL: null */
};

struct lb_call {
    const struct lb_context *ctx;
    const struct json_value *req;
    struct json_writer *w;
    struct lb_id id;
    struct lb_error err;
};

static void write_id(struct json_writer *w, struct lb_id id)
{
    if (!id.value)
        jw_null(w);
    else if (id.value->type == JSON_NUMBER)
        jw_raw(w, id.value->text, id.value->len);
    else
        jw_string_n(w, id.value->text, id.value->len);
}

/* Handlers compute everything first and only then call ok_begin, so a failure
 * never leaves half an answer on stdout. */
static void ok_begin(struct lb_call *call)
{
    jw_object_begin(call->w);
    jw_key(call->w, "id");
    write_id(call->w, call->id);
    jw_key(call->w, "ok");
    jw_bool(call->w, true);
    jw_key(call->w, "result");
}

static int write_error(struct json_writer *w, struct lb_id id, const struct lb_error *err)
{
    const struct lb_code_info *info = lb_code_lookup(err->code);
    jw_object_begin(w);
    jw_key(w, "id");
    write_id(w, id);
    jw_key(w, "ok");
    jw_bool(w, false);
    jw_key(w, "error");
    jw_object_begin(w);
    jw_key(w, "code"); jw_i64(w, info->code);
    jw_key(w, "name"); jw_string(w, info->name);
    jw_key(w, "message"); jw_string(w, err->message ? err->message : info->message);
    jw_key(w, "errno"); jw_i64(w, err->sys_errno);
    if (err->device) {
        jw_key(w, "device");
        jw_string(w, err->device);
    }
    jw_object_end(w);
    jw_object_end(w);
    return jw_end_line(w);
}

/* ---- operations ---- */

static int op_version(struct lb_call *call)
{
    ok_begin(call);
    jw_object_begin(call->w);
    jw_key(call->w, "helper"); jw_string(call->w, LB_HELPER_VERSION);
    jw_key(call->w, "protocol"); jw_i64(call->w, LB_PROTOCOL_VERSION);
    jw_key(call->w, "platform"); jw_string(call->w, lb_platform.platform);
    jw_object_end(call->w);
    return LB_OK;
}

static int op_codes(struct lb_call *call)
{
    size_t count;
    const struct lb_code_info *table = lb_code_table(&count);
    ok_begin(call);
    jw_object_begin(call->w);
    jw_key(call->w, "codes");
    jw_array_begin(call->w);
    for (size_t i = 0; i < count; i++) {
        jw_object_begin(call->w);
        jw_key(call->w, "code"); jw_i64(call->w, table[i].code);
        jw_key(call->w, "name"); jw_string(call->w, table[i].name);
        jw_key(call->w, "message"); jw_string(call->w, table[i].message);
        jw_object_end(call->w);
    }
    jw_array_end(call->w);
    jw_object_end(call->w);
    return LB_OK;
}

static int op_list(struct lb_call *call)
{
    struct lb_disk_list list = {0};
    if (lb_platform.list(call->ctx, &list, &call->err) != LB_OK)
        return call->err.code;
    ok_begin(call);
    jw_object_begin(call->w);
    jw_key(call->w, "disks");
    jw_array_begin(call->w);
    for (size_t i = 0; i < list.count; i++)
        lb_write_disk(call->w, &list.disks[i]);
    jw_array_end(call->w);
    jw_object_end(call->w);
    lb_disk_list_free(&list);
    return LB_OK;
}

static int op_info(struct lb_call *call)
{
    const char *device;
    struct lb_disk disk = {0};
    long part = -1;
    if (lb_req_device(call->req, &device, &call->err) != LB_OK ||
        lb_platform.info(call->ctx, device, &disk, &part, &call->err) != LB_OK)
        return call->err.code;
    ok_begin(call);
    jw_object_begin(call->w);
    jw_key(call->w, "disk");
    lb_write_disk(call->w, &disk);
    if (part >= 0 && (size_t)part < disk.partition_count) {
        jw_key(call->w, "partition");
        lb_write_partition(call->w, &disk.partitions[part]);
    }
    jw_object_end(call->w);
    lb_disk_free(&disk);
    return LB_OK;
}

static void write_numbers(struct json_writer *w, const char *key, const unsigned *n, size_t count)
{
    jw_key(w, key);
    jw_array_begin(w);
    for (size_t i = 0; i < count; i++)
        jw_u64(w, n[i]);
    jw_array_end(w);
}

static int op_reread(struct lb_call *call)
{
    const char *device;
    struct lb_part_spec *specs = NULL;
    size_t spec_count = 0;
    struct lb_reread_result r = {0};
    if (lb_req_device(call->req, &device, &call->err) != LB_OK ||
        lb_req_partitions(call->req, &specs, &spec_count, &call->err) != LB_OK)
        return call->err.code;
    int rc = lb_platform.reread_partitions(call->ctx, device, specs, spec_count, &r, &call->err);
    free(specs);
    if (rc != LB_OK)
        return rc;
    ok_begin(call);
    jw_object_begin(call->w);
    jw_key(call->w, "method"); jw_string(call->w, r.method);
    write_numbers(call->w, "added", r.added, r.added_count);
    write_numbers(call->w, "removed", r.removed, r.removed_count);
    jw_key(call->w, "partitions");
    jw_array_begin(call->w);
    for (size_t i = 0; i < r.partition_count; i++)
        lb_write_partition(call->w, &r.partitions[i]);
    jw_array_end(call->w);
    jw_object_end(call->w);
    lb_reread_result_free(&r);
    return LB_OK;
}

static int op_discard(struct lb_call *call)
{
    const char *device;
    uint64_t offset, length, done = 0;
    if (lb_req_device(call->req, &device, &call->err) != LB_OK ||
        lb_req_u63(call->req, "offset", &offset, &call->err) != LB_OK ||
        lb_req_u63(call->req, "length", &length, &call->err) != LB_OK ||
        lb_platform.discard(call->ctx, device, offset, length, &done, &call->err) != LB_OK)
        return call->err.code;
    ok_begin(call);
    jw_object_begin(call->w);
    jw_key(call->w, "discardedBytes"); jw_u64(call->w, done);
    jw_object_end(call->w);
    return LB_OK;
}

static int op_flush(struct lb_call *call)
{
    const char *device;
    if (lb_req_device(call->req, &device, &call->err) != LB_OK ||
        lb_platform.flush(call->ctx, device, &call->err) != LB_OK)
        return call->err.code;
    ok_begin(call);
    jw_object_begin(call->w);
    jw_object_end(call->w);
    return LB_OK;
}

/* lock-volumes and unlock-volumes share one shape; a platform without the
 * entry (Linux) has nothing to lock and answers an empty list. */
static int volumes_op(struct lb_call *call,
                      int (*run)(const struct lb_context *, const char *, struct lb_strlist *,
                                 struct lb_error *))
{
    const char *device;
    struct lb_strlist volumes = {0};
    if (lb_req_device(call->req, &device, &call->err) != LB_OK ||
        (run && run(call->ctx, device, &volumes, &call->err) != LB_OK)) {
        lb_strlist_free(&volumes);
        return call->err.code;
    }
    ok_begin(call);
    jw_object_begin(call->w);
    jw_key(call->w, "volumes");
    jw_array_begin(call->w);
    for (size_t i = 0; i < volumes.count; i++)
        jw_string(call->w, volumes.items[i]);
    jw_array_end(call->w);
    jw_object_end(call->w);
    lb_strlist_free(&volumes);
    return LB_OK;
}

static int op_lock_volumes(struct lb_call *call)
{
    return volumes_op(call, lb_platform.lock_volumes);
}

static int op_unlock_volumes(struct lb_call *call)
{
    return volumes_op(call, lb_platform.unlock_volumes);
}

static const struct {
    const char *name;
    int (*run)(struct lb_call *call);
} op_table[] = {
    {"version", op_version},
    {"codes", op_codes},
    {"list", op_list},
    {"info", op_info},
    {"reread-partitions", op_reread},
    {"discard", op_discard},
    {"flush", op_flush},
    {"lock-volumes", op_lock_volumes},
    {"unlock-volumes", op_unlock_volumes},
};

/* ---- one line ---- */

static int run_request(struct lb_call *call, const struct json_value *root)
{
    if (root->type != JSON_OBJECT)
        return lb_fail(&call->err, LB_BAD_REQUEST, 0, NULL, "The request must be a JSON object.");
    const struct json_value *id = json_get(root, "id");
    if (!id || (id->type != JSON_NUMBER && id->type != JSON_STRING))
        return lb_fail(&call->err, LB_BAD_REQUEST, 0, NULL,
                       "The request needs an `id` that is a number or a string.");
    call->id.value = id;
    const struct json_value *op = json_get(root, "op");
    if (!op || op->type != JSON_STRING)
        return lb_fail(&call->err, LB_BAD_REQUEST, 0, NULL, "The request needs an `op` string.");
    call->req = root;
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++)
        if (strlen(op_table[i].name) == op->len && memcmp(op_table[i].name, op->text, op->len) == 0)
            return op_table[i].run(call);
    return lb_fail(&call->err, LB_UNKNOWN_OP, 0, NULL,
                   "The helper does not know the operation \"%.64s\"; update the helper or the client so their protocol versions match.",
                   op->text);
}

int lb_dispatch_line(const struct lb_context *ctx, struct json_writer *w,
                     const char *line, size_t len)
{
    struct lb_call call = {.ctx = ctx, .w = w};
    struct json_doc doc;
    int rc;
    if (json_parse(&doc, line, len) != 0) {
        if (doc.error && strcmp(doc.error, "out of memory") == 0)
            lb_fail_oom(&call.err);
        else
            lb_fail(&call.err, LB_BAD_REQUEST, 0, NULL,
                    "The request is not valid JSON (%s at byte %zu).",
                    doc.error ? doc.error : "parse error", doc.error_offset);
        rc = write_error(w, call.id, &call.err);
    } else if (run_request(&call, doc.root) != LB_OK) {
        rc = write_error(w, call.id, &call.err);
    } else {
        jw_object_end(w);
        rc = jw_end_line(w);
    }
    lb_error_clear(&call.err);
    json_free(&doc);
    return rc;
}

int lb_answer_too_long(struct json_writer *w)
{
    struct lb_error err = {0};
    lb_fail(&err, LB_REQUEST_TOO_LONG, 0, NULL, NULL);
    struct lb_id none = {NULL};
    int rc = write_error(w, none, &err);
    lb_error_clear(&err);
    return rc;
}
