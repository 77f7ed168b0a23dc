/* discard (BLKDISCARD on a whole disk) and flush (fsync of a device). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "device-errors.h"
#include "disk-describe.h"
#include "linux-ops.h"
#include "resolve-device.h"

static bool disk_in_use(const struct lb_disk *d)
{
    if (d->mountpoints.count || d->holders.count)
        return true;
    for (size_t i = 0; i < d->partition_count; i++)
        if (d->partitions[i].mountpoints.count || d->partitions[i].holders.count)
            return true;
    return false;
}

/* Everything that can be refused without touching the device. */
static int check_discard(const struct lb_disk *d, uint64_t offset, uint64_t length, const char *shown,
                         struct lb_error *err)
{
    uint32_t lss = d->logical_sector_size;
    if (offset % lss || length % lss || offset > d->size_bytes || length > d->size_bytes - offset)
        return lb_fail(err, LB_OUT_OF_RANGE, 0, shown,
                       "The range at offset %llu of %llu bytes lies outside %s (%llu bytes) or is not aligned to its %u-byte sectors.",
                       (unsigned long long)offset, (unsigned long long)length, shown,
                       (unsigned long long)d->size_bytes, (unsigned)lss);
    if (d->read_only)
        return lb_fail(err, LB_PERMISSION_DENIED, EROFS, shown,
                       "%s is read-only, so nothing on it can be discarded; remove its write protection first.", shown);
    if (disk_in_use(d))
        return lb_fail(err, LB_BUSY, EBUSY, shown,
                       "%s or one of its partitions is mounted or in use; unmount it before discarding.", shown);
    if (d->discard_max_bytes == 0)
        return lb_fail(err, LB_UNSUPPORTED, EOPNOTSUPP, shown, "%s does not support discard.", shown);
    return LB_OK;
}

int lx_op_discard(const struct lb_context *ctx, const char *device, uint64_t offset, uint64_t length,
                  uint64_t *discarded_bytes, struct lb_error *err)
{
    struct lx_snapshot s;
    struct lb_disk d;
    struct lx_display shown;
    long idx;
    lx_display_of(device, &shown);
    if (lx_refuse_in_sysroot(ctx, device, "Discarding on", err) != LB_OK ||
        lx_snapshot_take(ctx, &s, err) != LB_OK)
        return err->code;
    int rc = lx_resolve_device(ctx, &s, device, LX_WANT_DISK, &idx, err);
    if (rc == LB_OK)
        rc = lx_describe_disk(ctx, &s, idx, &d, err);
    if (rc != LB_OK) {
        lx_snapshot_free(&s);
        return rc;
    }
    rc = check_discard(&d, offset, length, shown.text, err);
    if (rc == LB_OK && length > 0) {
        /* No O_EXCL: Lifeboat's own writer holds the disk exclusively during a
         * restore and asks for discards meanwhile. Mounts and holders were refused
         * above, from mountinfo and sysfs. */
        int fd = lx_open_device(&s.table.nodes[idx], device, O_WRONLY, "Opening", err);
        if (fd < 0)
            rc = err->code;
        else {
            uint64_t range[2] = {offset, length};
            if (ioctl(fd, BLKDISCARD, range) != 0)
                rc = lx_fail_errno(err, errno, shown.text, "Discarding on");
            close(fd);
        }
    }
    if (rc == LB_OK)
        *discarded_bytes = length;
    lb_disk_free(&d);
    lx_snapshot_free(&s);
    return rc;
}

int lx_op_flush(const struct lb_context *ctx, const char *device, struct lb_error *err)
{
    struct lx_snapshot s;
    struct lx_display shown;
    long idx;
    lx_display_of(device, &shown);
    if (lx_refuse_in_sysroot(ctx, device, "Flushing", err) != LB_OK ||
        lx_snapshot_take(ctx, &s, err) != LB_OK)
        return err->code;
    int rc = lx_resolve_device(ctx, &s, device, LX_WANT_DISK_OR_PARTITION, &idx, err);
    if (rc == LB_OK) {
        /* Read-only is enough: fsync on a block device flushes the page cache
         * and the drive's write cache, and works on write-protected media. */
        int fd = lx_open_device(&s.table.nodes[idx], device, O_RDONLY, "Opening", err);
        if (fd < 0)
            rc = err->code;
        else {
            if (fsync(fd) != 0)
                rc = lx_fail_errno(err, errno, shown.text, "Flushing");
            close(fd);
        }
    }
    lx_snapshot_free(&s);
    return rc;
}
