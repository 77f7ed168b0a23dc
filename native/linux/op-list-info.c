/* The `list` and `info` operations: read-only, and the only ones that also
 * work on a captured tree (--sysroot). */
#include <stdlib.h>
#include <string.h>

#include "disk-describe.h"
#include "linux-ops.h"
#include "resolve-device.h"

int lx_op_list(const struct lb_context *ctx, struct lb_disk_list *out, struct lb_error *err)
{
    struct lx_snapshot s;
    if (lx_snapshot_take(ctx, &s, err) != LB_OK)
        return err->code;
    size_t n = 0;
    enum lx_kind *kinds = calloc(s.table.count ? s.table.count : 1, sizeof *kinds);
    if (!kinds) {
        lx_snapshot_free(&s);
        return lb_fail_oom(err);
    }
    for (size_t i = 0; i < s.table.count; i++) {
        kinds[i] = s.table.nodes[i].parent < 0 ? lx_classify(ctx, &s, (long)i) : LX_KIND_PARTITION;
        if (kinds[i] == LX_KIND_DISK)
            n++;
    }
    out->disks = calloc(n ? n : 1, sizeof *out->disks);
    out->count = 0;
    int rc = out->disks ? LB_OK : lb_fail_oom(err);
    /* The table lists sys/block in natural order (loop2 before loop10), and
     * the disks keep that order. */
    for (size_t i = 0; i < s.table.count && rc == LB_OK; i++) {
        if (kinds[i] != LX_KIND_DISK)
            continue;
        rc = lx_describe_disk(ctx, &s, (long)i, &out->disks[out->count], err);
        if (rc == LB_OK)
            out->count++;
    }
    free(kinds);
    lx_snapshot_free(&s);
    if (rc != LB_OK)
        lb_disk_list_free(out);
    return rc;
}

int lx_op_info(const struct lb_context *ctx, const char *device, struct lb_disk *out,
               long *partition_index, struct lb_error *err)
{
    struct lx_snapshot s;
    long idx;
    *partition_index = -1;
    if (lx_snapshot_take(ctx, &s, err) != LB_OK)
        return err->code;
    if (lx_resolve_device(ctx, &s, device, LX_WANT_DISK_OR_PARTITION, &idx, err) != LB_OK) {
        lx_snapshot_free(&s);
        return err->code;
    }
    const struct lx_node *node = &s.table.nodes[idx];
    long disk = node->parent >= 0 ? node->parent : idx;
    int rc = lx_describe_disk(ctx, &s, disk, out, err);
    if (rc == LB_OK && disk != idx)
        for (size_t i = 0; i < out->partition_count; i++)
            if (strcmp(out->partitions[i].name, node->name) == 0)
                *partition_index = (long)i;
    lx_snapshot_free(&s);
    return rc;
}
