/* The `list` and `info` operations: read-only. */
#include <stdlib.h>
#include <string.h>

#include "device-name.h"
#include "disk-describe.h"

int wn_op_list(const struct lb_context *ctx, struct lb_disk_list *out, struct lb_error *err)
{
    struct wn_volumes volumes;
    memset(out, 0, sizeof *out);
    if (wn_refuse_in_sysroot(ctx, NULL, "Listing disks", err) != LB_OK ||
        wn_volumes_take(&volumes, err) != LB_OK)
        return err->code;
    out->disks = calloc(WN_MAX_DISKS, sizeof *out->disks);
    int rc = out->disks ? LB_OK : lb_fail_oom(err);
    /* Disk numbers can have gaps (a USB disk pulled out leaves its number
     * free), so every number is probed, in order. */
    for (unsigned n = 0; n < WN_MAX_DISKS && rc == LB_OK; n++) {
        char shown[WN_NAME_MAX];
        wn_disk_path(n, shown, sizeof shown);
        rc = wn_describe_disk(n, &volumes, shown, &out->disks[out->count], err);
        if (rc == LB_OK)
            out->count++;
        else if (rc == LB_NOT_FOUND) {
            lb_error_clear(err);
            rc = LB_OK;
        }
    }
    wn_volumes_free(&volumes);
    if (rc != LB_OK)
        lb_disk_list_free(out);
    return rc;
}

int wn_op_info(const struct lb_context *ctx, const char *device, struct lb_disk *out, long *partition_index,
               struct lb_error *err)
{
    struct wn_target t;
    struct wn_volumes volumes;
    *partition_index = -1;
    wn_shown_of(device, t.shown, sizeof t.shown);
    if (wn_refuse_in_sysroot(ctx, t.shown, "Describing", err) != LB_OK ||
        wn_resolve(device, WN_WANT_DISK_OR_PARTITION, &t, err) != LB_OK ||
        wn_volumes_take(&volumes, err) != LB_OK)
        return err->code;
    int rc = wn_describe_disk(t.disk, &volumes, t.shown, out, err);
    wn_volumes_free(&volumes);
    if (rc != LB_OK || t.partition == 0)
        return rc;
    *partition_index = wn_find_partition(out, t.partition);
    if (*partition_index < 0) {
        rc = lb_fail(err, LB_NOT_FOUND, ERROR_FILE_NOT_FOUND, t.shown,
                     "The partition %s does not exist: \\\\.\\PhysicalDrive%u has no partition %u; check the name with `lifeboat disks`.",
                     t.shown, t.disk, t.partition);
        lb_disk_free(out);
    }
    return rc;
}
