/* reread-partitions: IOCTL_DISK_UPDATE_PROPERTIES makes Windows read the
 * partition table on disk again (after Lifeboat wrote one); the answer then
 * reports what Windows shows, compared with what it showed before. Windows
 * has no BLKPG: it cannot be told partitions the table does not hold, so a
 * list in the request is only what the helper waits for. */
#include <stdlib.h>
#include <string.h>

#include "device-name.h"
#include "disk-describe.h"
#include "disk-query.h"
#include "part-specs.h"

/* How long the helper waits for the partition manager to show the list. */
#define SETTLE_MS 2000
#define POLL_MS 50

static int describe_now(unsigned disk, const char *shown, struct lb_disk *d, struct lb_error *err)
{
    struct wn_volumes volumes;
    if (wn_volumes_take(&volumes, err) != LB_OK)
        return err->code;
    int rc = wn_describe_disk(disk, &volumes, shown, d, err);
    wn_volumes_free(&volumes);
    return rc;
}

/* Everything up to the IOCTL: describe, validate, refuse when busy. */
static int prepare(const struct wn_target *t, const struct lb_part_spec *specs, size_t n, struct lb_disk *before,
                   struct lb_error *err)
{
    struct wn_volumes volumes;
    if (wn_volumes_take(&volumes, err) != LB_OK)
        return err->code;
    int rc = wn_describe_disk(t->disk, &volumes, t->shown, before, err);
    if (rc == LB_OK && specs)
        rc = wn_specs_check(specs, n, before->size_bytes, before->logical_sector_size, t->shown, err);
    const struct wn_volume *busy = rc == LB_OK ? wn_mounted_unlocked_volume(&volumes, t->disk) : NULL;
    if (busy)
        rc = lb_fail(err, LB_BUSY, ERROR_BUSY, t->shown,
                     "The volume %s on %s is mounted; lock its volumes (lock-volumes) before re-reading its partition table.",
                     busy->paths.items[0], t->shown);
    wn_volumes_free(&volumes);
    if (rc != LB_OK)
        lb_disk_free(before);
    return rc;
}

/* Numbers in a that b does not hold identically. */
static int diff(const struct lb_disk *a, const struct lb_disk *b, unsigned **out, size_t *count)
{
    *count = 0;
    *out = calloc(a->partition_count ? a->partition_count : 1, sizeof **out);
    if (!*out)
        return -1;
    for (size_t i = 0; i < a->partition_count; i++) {
        const struct lb_partition *p = &a->partitions[i];
        bool kept = false;
        for (size_t j = 0; j < b->partition_count && !kept; j++)
            kept = p->number == b->partitions[j].number && p->start_bytes == b->partitions[j].start_bytes &&
                   p->size_bytes == b->partitions[j].size_bytes;
        if (!kept)
            (*out)[(*count)++] = p->number;
    }
    return 0;
}

int wn_op_reread(const struct lb_context *ctx, const char *device, const struct lb_part_spec *specs, size_t n,
                 struct lb_reread_result *out, struct lb_error *err)
{
    struct wn_target t;
    struct lb_disk before = {0}, after = {0};
    memset(out, 0, sizeof *out);
    wn_shown_of(device, t.shown, sizeof t.shown);
    if (wn_refuse_in_sysroot(ctx, t.shown, "Re-reading the partition table of", err) != LB_OK ||
        wn_resolve(device, WN_WANT_DISK, &t, err) != LB_OK || prepare(&t, specs, n, &before, err) != LB_OK)
        return err->code;
    DWORD error;
    int rc = LB_OK;
    HANDLE h = wn_open_disk(t.disk, GENERIC_READ, &error);
    if (h == INVALID_HANDLE_VALUE)
        rc = wn_fail_win32(err, error, t.shown, "Opening");
    else {
        if (!wn_ioctl(h, IOCTL_DISK_UPDATE_PROPERTIES, NULL, 0, NULL, 0, NULL, &error))
            rc = wn_fail_win32(err, error, t.shown, "Re-reading the partition table of");
        CloseHandle(h);
    }
    for (DWORD waited = 0; rc == LB_OK; waited += POLL_MS) {
        rc = describe_now(t.disk, t.shown, &after, err);
        if (rc != LB_OK || !specs || waited >= SETTLE_MS || wn_specs_match(specs, n, &after))
            break;
        lb_disk_free(&after);
        wn_sleep_ms(POLL_MS);
    }
    if (rc == LB_OK && (diff(&after, &before, &out->added, &out->added_count) != 0 ||
                        diff(&before, &after, &out->removed, &out->removed_count) != 0))
        rc = lb_fail_oom(err);
    if (rc == LB_OK) {
        out->method = "update-properties";
        out->partitions = after.partitions;
        out->partition_count = after.partition_count;
        after.partitions = NULL;
        after.partition_count = 0;
    } else
        lb_reread_result_free(out);
    lb_disk_free(&before);
    lb_disk_free(&after);
    return rc;
}
