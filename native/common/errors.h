/* Stable error numbers of the protocol (docs/helper-protocol.md, "Error codes").
 * A number is never reused or renumbered; new codes go at the end, and the one
 * table in errors.c gives each its name and default message. */
#ifndef LB_ERRORS_H
#define LB_ERRORS_H

#include <stddef.h>

#include "text.h"

enum lb_code {
    LB_OK = 0,
    LB_BAD_REQUEST = 1,
    LB_REQUEST_TOO_LONG = 2,
    LB_UNKNOWN_OP = 3,
    LB_NOT_FOUND = 4,
    LB_NOT_BLOCK_DEVICE = 5,
    LB_NO_MEDIUM = 6,
    LB_PERMISSION_DENIED = 7,
    LB_BUSY = 8,
    LB_IO_ERROR = 9,
    LB_OUT_OF_RANGE = 10,
    LB_UNSUPPORTED = 11,
    LB_SYSTEM_DATA_UNREADABLE = 12,
    LB_NOT_A_DISK = 13,
    LB_INTERNAL = 14,
};

struct lb_code_info {
    int code;
    const char *name;
    const char *message;
};

/* The whole table, in code order, for the `codes` operation. */
const struct lb_code_info *lb_code_table(size_t *count);
/* Entry for a code; unknown codes map to INTERNAL so an answer is always well formed. */
const struct lb_code_info *lb_code_lookup(int code);

/* One failure, carried from where it happened up to the answer writer.
 * message and device are malloc'd (either may be NULL: the default message is
 * used, the device field is left out). */
struct lb_error {
    int code;
    int sys_errno;
    char *device;
    char *message;
};

void lb_error_clear(struct lb_error *err);
/* Records a failure and returns its code, so callers can `return lb_fail(...)`.
 * device may be NULL; fmt NULL keeps the table's default message.
 * A second failure never overwrites the first (the first one is the cause). */
int lb_fail(struct lb_error *err, int code, int sys_errno, const char *device,
            const char *fmt, ...) LB_PRINTF(5, 6);
/* Out of memory: no allocation needed to report it. */
int lb_fail_oom(struct lb_error *err);

#endif
