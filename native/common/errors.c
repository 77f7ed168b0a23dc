#include "errors.h"

#include <errno.h>
#include <stdlib.h>

/* The messages are the defaults the client shows when it knows no better;
 * each is one sentence that says what happened and what to do. */
static const struct lb_code_info code_table[] = {
    {LB_BAD_REQUEST, "BAD_REQUEST",
     "The request is not a JSON object with the fields this operation needs; check the client against docs/helper-protocol.md."},
    {LB_REQUEST_TOO_LONG, "REQUEST_TOO_LONG",
     "The request line is longer than 65536 bytes; send a shorter request."},
    {LB_UNKNOWN_OP, "UNKNOWN_OP",
     "The helper does not know this operation; update the helper or the client so their protocol versions match."},
    {LB_NOT_FOUND, "NOT_FOUND",
     "The device does not exist; check the name with `lifeboat disks`."},
    {LB_NOT_BLOCK_DEVICE, "NOT_BLOCK_DEVICE",
     "The path exists but is not a block device; give a disk such as /dev/sdb."},
    {LB_NO_MEDIUM, "NO_MEDIUM",
     "The device has no medium; insert the card or disk, or attach the loop device, and try again."},
    {LB_PERMISSION_DENIED, "PERMISSION_DENIED",
     "The operating system refused access; run Lifeboat as root (Administrator on Windows)."},
    {LB_BUSY, "BUSY",
     "The device or one of its partitions is mounted or in use; unmount it or stop what uses it and try again."},
    {LB_IO_ERROR, "IO_ERROR",
     "The device reported an I/O error; check its cable and health before trying again."},
    {LB_OUT_OF_RANGE, "OUT_OF_RANGE",
     "The offset or length lies outside the device or is not a multiple of its logical sector size."},
    {LB_UNSUPPORTED, "UNSUPPORTED",
     "The device or platform cannot do this operation."},
    {LB_SYSTEM_DATA_UNREADABLE, "SYSTEM_DATA_UNREADABLE",
     "The system's device information (sysfs, mountinfo) could not be read or made no sense; check that /sys and /proc are mounted."},
    {LB_NOT_A_DISK, "NOT_A_DISK",
     "A partition was given where a whole disk is needed; give the disk that holds it."},
    {LB_INTERNAL, "INTERNAL",
     "The helper ran out of memory or hit a bug; please report it with the request that caused it."},
};

const struct lb_code_info *lb_code_table(size_t *count)
{
    *count = sizeof code_table / sizeof code_table[0];
    return code_table;
}

const struct lb_code_info *lb_code_lookup(int code)
{
    size_t count = sizeof code_table / sizeof code_table[0];
    if (code >= 1 && (size_t)code <= count)
        return &code_table[code - 1];
    return &code_table[LB_INTERNAL - 1];
}

void lb_error_clear(struct lb_error *err)
{
    free(err->device);
    free(err->message);
    err->code = LB_OK;
    err->sys_errno = 0;
    err->device = NULL;
    err->message = NULL;
}

int lb_fail(struct lb_error *err, int code, int sys_errno, const char *device,
            const char *fmt, ...)
{
    if (err->code != LB_OK)
        return err->code;
    err->code = code;
    err->sys_errno = sys_errno;
    err->device = device ? lb_strdup(device) : NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        err->message = lb_vasprintf(fmt, ap);
        va_end(ap);
    }
    return code;
}

int lb_fail_oom(struct lb_error *err)
{
    if (err->code != LB_OK)
        return err->code;
    err->code = LB_INTERNAL;
    err->sys_errno = ENOMEM;
    return LB_INTERNAL;
}
