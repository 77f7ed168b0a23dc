/* reread-partitions: BLKRRPART, and BLKPG when the kernel's view afterwards
 * still differs from the table the client says is on disk (docs/helper-protocol.md,
 * "Re-reading a partition table"). Some kernels ignore BLKRRPART on loop
 * devices; BLKPG, as partx uses it, works there. */
#include <errno.h>
#include <fcntl.h>
#include <linux/blkpg.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/text.h"
#include "device-errors.h"
#include "disk-describe.h"
#include "linux-ops.h"
#include "partition-plan.h"
#include "resolve-device.h"

/* How long the helper waits for sysfs and devtmpfs to show the new partitions. */
#define SETTLE_MS 2000
#define POLL_MS 50

struct view {
    struct lx_kpart *parts;
    size_t count;
};

static int view_of(const struct lb_disk *d, struct view *v)
{
    v->count = 0;
    v->parts = calloc(d->partition_count ? d->partition_count : 1, sizeof *v->parts);
    if (!v->parts)
        return -1;
    for (size_t i = 0; i < d->partition_count; i++) {
        v->parts[i].number = d->partitions[i].number;
        v->parts[i].start_bytes = d->partitions[i].start_bytes;
        v->parts[i].size_bytes = d->partitions[i].size_bytes;
    }
    v->count = d->partition_count;
    return 0;
}

/* The disk as the kernel shows it now (looked up by name: indices change). */
static int describe_now(const struct lb_context *ctx, const char *name, struct lb_disk *d,
                        struct lb_error *err)
{
    struct lx_snapshot s;
    if (lx_snapshot_take(ctx, &s, err) != LB_OK)
        return err->code;
    long idx = lx_table_find(&s.table, name);
    struct lx_display shown;
    lx_display_of(name, &shown);
    int rc = idx >= 0 ? lx_describe_disk(ctx, &s, idx, d, err)
                      : lb_fail(err, LB_NOT_FOUND, ENODEV, shown.text,
                                "The disk %s disappeared while its partitions were re-read; reconnect it and try again.",
                                shown.text);
    lx_snapshot_free(&s);
    return rc;
}

static bool settled(const struct lb_disk *d, const struct lb_part_spec *specs, size_t n)
{
    struct view v;
    if (specs) {
        if (view_of(d, &v) != 0)
            return false;
        bool match = lx_views_match(v.parts, v.count, specs, n, d->logical_sector_size);
        free(v.parts);
        if (!match)
            return false;
    }
    /* devtmpfs creates the nodes asynchronously; the client opens them next. */
    for (size_t i = 0; i < d->partition_count; i++) {
        struct stat st;
        if (stat(d->partitions[i].path, &st) != 0 || !S_ISBLK(st.st_mode))
            return false;
    }
    return true;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Describes the disk again and again until it settles or time runs out; the
 * answer then reports whatever the kernel shows. */
static int wait_settled(const struct lb_context *ctx, const char *name, const struct lb_part_spec *specs,
                        size_t n, struct lb_disk *d, struct lb_error *err)
{
    for (long waited = 0;; waited += POLL_MS) {
        if (describe_now(ctx, name, d, err) != LB_OK)
            return err->code;
        if (waited >= SETTLE_MS || settled(d, specs, n))
            return LB_OK;
        lb_disk_free(d);
        sleep_ms(POLL_MS);
    }
}

static int blkpg(int fd, int op, const struct lx_kpart *p)
{
    struct blkpg_partition part;
    memset(&part, 0, sizeof part);
    part.pno = (int)p->number;
    part.start = (long long)p->start_bytes;
    part.length = (long long)p->size_bytes;
    struct blkpg_ioctl_arg arg = {.op = op, .flags = 0, .datalen = sizeof part, .data = &part};
    return ioctl(fd, BLKPG, &arg) == 0 ? 0 : errno;
}

static int apply_plan(int fd, const struct lx_plan *plan, const char *shown, struct lb_error *err)
{
    for (size_t i = 0; i < plan->del_count; i++) {
        struct lx_kpart p = {plan->del[i], 0, 0};
        int e = blkpg(fd, BLKPG_DEL_PARTITION, &p);
        if (e != 0 && e != ENXIO) /* ENXIO: already gone */
            return lx_fail_errno(err, e, shown, "Removing an old partition from the kernel's view of");
    }
    for (size_t i = 0; i < plan->add_count; i++) {
        int e = blkpg(fd, BLKPG_ADD_PARTITION, &plan->add[i]);
        /* The list was checked (aligned, inside, no overlap), so EINVAL means
         * the disk takes no partitions at all. */
        if (e == EINVAL)
            return lb_fail(err, LB_UNSUPPORTED, e, shown,
                           "The kernel does not allow partitions on %s; for a loop device, attach it with partition scanning (losetup -P).",
                           shown);
        if (e != 0)
            return lx_fail_errno(err, e, shown, "Adding a partition to the kernel's view of");
    }
    return LB_OK;
}

/* Numbers in a that b does not hold identically. */
static int diff(const struct view *a, const struct view *b, unsigned **out, size_t *count)
{
    *count = 0;
    *out = calloc(a->count ? a->count : 1, sizeof **out);
    if (!*out)
        return -1;
    for (size_t i = 0; i < a->count; i++) {
        bool kept = false;
        for (size_t j = 0; j < b->count && !kept; j++)
            kept = a->parts[i].number == b->parts[j].number && a->parts[i].start_bytes == b->parts[j].start_bytes &&
                   a->parts[i].size_bytes == b->parts[j].size_bytes;
        if (!kept)
            (*out)[(*count)++] = a->parts[i].number;
    }
    return 0;
}

static int check_specs(const struct lb_disk *d, const struct lb_part_spec *specs, size_t n,
                       const char *shown, struct lb_error *err)
{
    size_t a, b;
    int rc = specs ? lx_specs_check(specs, n, d->size_bytes, d->logical_sector_size, &a, &b) : 0;
    if (rc == -2)
        return lb_fail_oom(err);
    if (rc == 0)
        return LB_OK;
    if (a == b)
        return lb_fail(err, LB_OUT_OF_RANGE, 0, shown,
                       "Partition %u (start %llu, %llu bytes) is empty, lies outside %s (%llu bytes) or is not aligned to its %u-byte sectors.",
                       specs[a].number, (unsigned long long)specs[a].start_bytes,
                       (unsigned long long)specs[a].size_bytes, shown,
                       (unsigned long long)d->size_bytes, (unsigned)d->logical_sector_size);
    return lb_fail(err, LB_OUT_OF_RANGE, 0, shown,
                   "Partitions %u and %u of the list overlap, so the kernel cannot hold both for %s.",
                   specs[a].number, specs[b].number, shown);
}

/* Changing partitions under a mounted or held one would pull it away. */
static int check_not_busy(const struct lb_disk *d, const char *shown, struct lb_error *err)
{
    if (d->mountpoints.count || d->holders.count)
        return lb_fail(err, LB_BUSY, EBUSY, shown,
                       "%s is in use (%s %s); unmount it or stop what uses it, then try again.", shown,
                       d->mountpoints.count ? "mounted at" : "held by",
                       d->mountpoints.count ? d->mountpoints.items[0] : d->holders.items[0]);
    for (size_t i = 0; i < d->partition_count; i++) {
        const struct lb_partition *p = &d->partitions[i];
        if (p->mountpoints.count || p->holders.count)
            return lb_fail(err, LB_BUSY, EBUSY, shown,
                           "The partition %s of %s is in use (%s %s); unmount it or stop what uses it, then try again.",
                           p->path, shown, p->mountpoints.count ? "mounted at" : "held by",
                           p->mountpoints.count ? p->mountpoints.items[0] : p->holders.items[0]);
    }
    return LB_OK;
}

/* Everything up to the ioctls: resolve, describe, validate, refuse when busy. */
static int prepare(const struct lb_context *ctx, const char *device, const struct lb_part_spec *specs,
                   size_t n, struct lb_disk *before, struct lx_node *node_copy, struct lb_error *err)
{
    struct lx_snapshot s;
    long idx;
    struct lx_display shown;
    lx_display_of(device, &shown);
    if (lx_snapshot_take(ctx, &s, err) != LB_OK)
        return err->code;
    int rc = lx_resolve_device(ctx, &s, device, LX_WANT_DISK, &idx, err);
    if (rc == LB_OK)
        rc = lx_describe_disk(ctx, &s, idx, before, err);
    if (rc == LB_OK) {
        node_copy->major = s.table.nodes[idx].major;
        node_copy->minor = s.table.nodes[idx].minor;
    }
    lx_snapshot_free(&s);
    if (rc == LB_OK && (check_specs(before, specs, n, shown.text, err) != LB_OK ||
                        check_not_busy(before, shown.text, err) != LB_OK))
        rc = err->code;
    if (rc != LB_OK)
        lb_disk_free(before);
    return rc;
}

/* Runs BLKRRPART and, when the list says the kernel still has it wrong, BLKPG
 * on the open disk. *used_blkpg tells whether the fallback was taken. */
static int change(int fd, const struct lb_disk *before, const struct lb_part_spec *specs, size_t n,
                  const char *shown, const struct lb_context *ctx, bool *used_blkpg, struct lb_error *err)
{
    bool rescanned = ioctl(fd, BLKRRPART) == 0;
    int e = errno;
    *used_blkpg = false;
    if (!rescanned && ((e != EINVAL && e != EBUSY) || !specs)) {
        /* EINVAL: the kernel does not scan this device (a loop device without
         * partscan, for one). EBUSY: someone holds the disk open exclusively;
         * nothing on it is mounted or held (checked above), so that is our own
         * client, which keeps the target open with O_EXCL while it restores
         * (Debian's 6.1 kernel refuses BLKRRPART then; newer ones do not).
         * With a list, BLKPG can still do the job partition by partition. */
        if (e == EINVAL)
            return lb_fail(err, LB_UNSUPPORTED, e, shown,
                           "The kernel cannot re-read the partition table of %s by itself; send the partition list so the helper can set the partitions directly.",
                           shown);
        return lx_fail_errno(err, e, shown, "Re-reading the partition table of");
    }
    if (!specs)
        return LB_OK;
    struct lb_disk now;
    struct view v;
    struct lx_plan plan;
    if (describe_now(ctx, before->name, &now, err) != LB_OK)
        return err->code;
    int rc = view_of(&now, &v) == 0 ? LB_OK : lb_fail_oom(err);
    if (rc == LB_OK) {
        bool match = lx_views_match(v.parts, v.count, specs, n, now.logical_sector_size);
        *used_blkpg = !rescanned || !match;
        if (!match) {
            if (lx_plan_make(v.parts, v.count, specs, n, now.logical_sector_size, &plan) != 0)
                rc = lb_fail_oom(err);
            else {
                rc = apply_plan(fd, &plan, shown, err);
                lx_plan_free(&plan);
            }
        }
        free(v.parts);
    }
    lb_disk_free(&now);
    return rc;
}

int lx_op_reread(const struct lb_context *ctx, const char *device, const struct lb_part_spec *specs,
                 size_t n, struct lb_reread_result *out, struct lb_error *err)
{
    struct lb_disk before = {0}, after = {0};
    struct lx_node node = {0};
    struct view v_before = {0}, v_after = {0};
    struct lx_display shown;
    bool used_blkpg = false;
    memset(out, 0, sizeof *out);
    lx_display_of(device, &shown);
    if (lx_refuse_in_sysroot(ctx, device, "Re-reading the partition table of", err) != LB_OK ||
        prepare(ctx, device, specs, n, &before, &node, err) != LB_OK)
        return err->code;
    node.name = before.name;
    int rc = LB_OK;
    int fd = lx_open_device(&node, device, O_RDONLY, "Opening", err);
    if (fd < 0)
        rc = err->code;
    if (rc == LB_OK) {
        rc = change(fd, &before, specs, n, shown.text, ctx, &used_blkpg, err);
        close(fd);
    }
    if (rc == LB_OK)
        rc = wait_settled(ctx, before.name, specs, n, &after, err);
    if (rc == LB_OK && (view_of(&before, &v_before) != 0 || view_of(&after, &v_after) != 0 ||
                        diff(&v_after, &v_before, &out->added, &out->added_count) != 0 ||
                        diff(&v_before, &v_after, &out->removed, &out->removed_count) != 0))
        rc = lb_fail_oom(err);
    if (rc == LB_OK) {
        out->method = used_blkpg ? "blkpg" : "blkrrpart";
        /* The answer owns the partitions now. */
        out->partitions = after.partitions;
        out->partition_count = after.partition_count;
        after.partitions = NULL;
        after.partition_count = 0;
    } else
        lb_reread_result_free(out);
    free(v_before.parts);
    free(v_after.parts);
    lb_disk_free(&before);
    lb_disk_free(&after);
    return rc;
}
