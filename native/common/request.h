/* Reading the fields of one request, with the BAD_REQUEST sentences that say
 * which field is wrong. */
#ifndef LB_REQUEST_H
#define LB_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "json-read.h"
#include "ops.h"

/* Longest device argument accepted; longer cannot name a device node. */
#define LB_DEVICE_ARG_MAX 4095
/* More entries than any partition table holds (GPT's usual maximum is 128). */
#define LB_MAX_PART_SPECS 4096

/* device: a non-empty string without NUL bytes. */
int lb_req_device(const struct json_value *req, const char **device, struct lb_error *err);
/* A required non-negative integer field. */
int lb_req_u63(const struct json_value *req, const char *field, uint64_t *out, struct lb_error *err);
/* The optional `partitions` list: *specs NULL when absent or null.
 * *specs is malloc'd (even for an empty list) and the caller frees it. */
int lb_req_partitions(const struct json_value *req, struct lb_part_spec **specs,
                      size_t *count, struct lb_error *err);

#endif
