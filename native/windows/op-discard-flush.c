/* discard (TRIM through IOCTL_STORAGE_MANAGE_DATA_SET_ATTRIBUTES on a whole
 * disk) and flush (FlushFileBuffers of a disk or partition). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "device-name.h"
#include "disk-describe.h"
#include "disk-query.h"

/* One IOCTL per GiB, so no single request asks a drive for minutes of work. */
#define TRIM_CHUNK (1ull << 30)

static int check_discard(const struct lb_disk *d, const struct wn_volumes *volumes, unsigned disk,
                         uint64_t offset, uint64_t length, const char *shown, struct lb_error *err)
{
    uint32_t lss = d->logical_sector_size;
    if (d->size_bytes == 0)
        return lb_fail(err, LB_NO_MEDIUM, ERROR_NOT_READY, shown,
                       "The device %s has no medium; insert the card or disk and try again.", shown);
    if (offset % lss || length % lss || offset > d->size_bytes || length > d->size_bytes - offset)
        return lb_fail(err, LB_OUT_OF_RANGE, 0, shown,
                       "The range at offset %llu of %llu bytes lies outside %s (%llu bytes) or is not aligned to its %u-byte sectors.",
                       (unsigned long long)offset, (unsigned long long)length, shown,
                       (unsigned long long)d->size_bytes, (unsigned)lss);
    if (d->read_only)
        return lb_fail(err, LB_PERMISSION_DENIED, ERROR_WRITE_PROTECT, shown,
                       "%s is write-protected, so nothing on it can be discarded; remove its write protection first.",
                       shown);
    const struct wn_volume *busy = wn_mounted_unlocked_volume(volumes, disk);
    if (busy)
        return lb_fail(err, LB_BUSY, ERROR_BUSY, shown,
                       "The volume %s on %s is mounted; lock its volumes (lock-volumes) before discarding.",
                       busy->paths.items[0], shown);
    if (d->discard_max_bytes == 0)
        return lb_fail(err, LB_UNSUPPORTED, ERROR_NOT_SUPPORTED, shown, "%s does not support TRIM.", shown);
    return LB_OK;
}

static int trim(HANDLE h, uint64_t offset, uint64_t length, const char *shown, struct lb_error *err)
{
    /* The range follows the header at an 8-byte aligned offset. */
    enum { RANGES_AT = (sizeof(DEVICE_MANAGE_DATA_SET_ATTRIBUTES) + 7) & ~(size_t)7 };
    unsigned char buf[RANGES_AT + sizeof(DEVICE_DATA_SET_RANGE)];
    DEVICE_MANAGE_DATA_SET_ATTRIBUTES attrs;
    DEVICE_DATA_SET_RANGE range;
    while (length > 0) {
        uint64_t n = length < TRIM_CHUNK ? length : TRIM_CHUNK;
        memset(&attrs, 0, sizeof attrs);
        attrs.Size = sizeof attrs;
        attrs.Action = DeviceDsmAction_Trim;
        attrs.DataSetRangesOffset = RANGES_AT;
        attrs.DataSetRangesLength = sizeof range;
        range.StartingOffset = (LONGLONG)offset;
        range.LengthInBytes = n;
        memset(buf, 0, sizeof buf);
        memcpy(buf, &attrs, sizeof attrs);
        memcpy(buf + RANGES_AT, &range, sizeof range);
        DWORD error;
        if (!wn_ioctl(h, IOCTL_STORAGE_MANAGE_DATA_SET_ATTRIBUTES, buf, sizeof buf, NULL, 0, NULL, &error))
            return wn_fail_win32(err, error, shown, "Discarding on");
        offset += n;
        length -= n;
    }
    return LB_OK;
}

int wn_op_discard(const struct lb_context *ctx, const char *device, uint64_t offset, uint64_t length,
                  uint64_t *discarded_bytes, struct lb_error *err)
{
    struct wn_target t;
    struct wn_volumes volumes;
    struct lb_disk d;
    wn_shown_of(device, t.shown, sizeof t.shown);
    if (wn_refuse_in_sysroot(ctx, t.shown, "Discarding on", err) != LB_OK ||
        wn_resolve(device, WN_WANT_DISK, &t, err) != LB_OK || wn_volumes_take(&volumes, err) != LB_OK)
        return err->code;
    int rc = wn_describe_disk(t.disk, &volumes, t.shown, &d, err);
    if (rc == LB_OK) {
        rc = check_discard(&d, &volumes, t.disk, offset, length, t.shown, err);
        lb_disk_free(&d);
    }
    wn_volumes_free(&volumes);
    if (rc == LB_OK && length > 0) {
        DWORD error;
        HANDLE h = wn_open_disk(t.disk, GENERIC_READ | GENERIC_WRITE, &error);
        if (h == INVALID_HANDLE_VALUE)
            rc = wn_fail_win32(err, error, t.shown, "Opening");
        else {
            rc = trim(h, offset, length, t.shown, err);
            CloseHandle(h);
        }
    }
    if (rc == LB_OK)
        *discarded_bytes = length;
    return rc;
}

int wn_op_flush(const struct lb_context *ctx, const char *device, struct lb_error *err)
{
    struct wn_target t;
    char path[WN_NAME_MAX];
    wn_shown_of(device, t.shown, sizeof t.shown);
    if (wn_refuse_in_sysroot(ctx, t.shown, "Flushing", err) != LB_OK ||
        wn_resolve(device, WN_WANT_DISK_OR_PARTITION, &t, err) != LB_OK)
        return err->code;
    if (t.partition)
        wn_partition_path(t.disk, t.partition, path, sizeof path);
    else
        wn_disk_path(t.disk, path, sizeof path);
    /* FlushFileBuffers needs write access; Windows then sends the drive a
     * cache flush (SYNCHRONIZE CACHE, FLUSH). */
    DWORD error;
    HANDLE h = wn_open_path(path, GENERIC_READ | GENERIC_WRITE, &error);
    if (h == INVALID_HANDLE_VALUE)
        return wn_fail_win32(err, error, t.shown, "Opening");
    int rc = LB_OK;
    if (!FlushFileBuffers(h))
        rc = wn_fail_win32(err, GetLastError(), t.shown, "Flushing");
    CloseHandle(h);
    return rc;
}
