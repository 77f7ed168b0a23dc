#include "resolve-device.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "../common/text.h"
#include "device-errors.h"
#include "disk-describe.h"
#include "sysfs-read.h"

void lx_display_of(const char *arg, struct lx_display *out)
{
    if (strchr(arg, '/'))
        lx_relpath(out->text, sizeof out->text, "%s", arg);
    else
        lx_relpath(out->text, sizeof out->text, "/dev/%s", arg);
}

static int not_found(struct lb_error *err, const char *shown)
{
    return lb_fail(err, LB_NOT_FOUND, ENOENT, shown,
                   "The device %s does not exist; check the name with `lifeboat disks`.", shown);
}

/* Live system, a path: what it points at decides, so /dev/disk/by-id/... and
 * other symlinks work; the device number then leads to the sysfs node. */
static int find_by_path(const struct lx_snapshot *s, const char *path, const char *shown,
                        long *idx, struct lb_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == ENAMETOOLONG)
            return not_found(err, shown);
        return lx_fail_errno(err, errno, shown, "Looking up");
    }
    if (!S_ISBLK(st.st_mode))
        return lb_fail(err, LB_NOT_BLOCK_DEVICE, 0, shown,
                       "%s is not a block device; give a disk such as /dev/sdb (see `lifeboat disks`).", shown);
    *idx = lx_table_find_dev(&s->table, major(st.st_rdev), minor(st.st_rdev));
    if (*idx < 0)
        return lb_fail(err, LB_NOT_FOUND, ENODEV, shown,
                       "The device %s (%u:%u) is not known to the kernel any more; check the name with `lifeboat disks`.",
                       shown, major(st.st_rdev), minor(st.st_rdev));
    return LB_OK;
}

static int check_kind(const struct lb_context *ctx, const struct lx_snapshot *s, long idx,
                      enum lx_want want, const char *shown, struct lb_error *err)
{
    switch (lx_classify(ctx, s, idx)) {
    case LX_KIND_DISK:
        return LB_OK;
    case LX_KIND_PARTITION:
        if (want == LX_WANT_DISK_OR_PARTITION)
            return LB_OK;
        return lb_fail(err, LB_NOT_A_DISK, 0, shown,
                       "%s is a partition; give the disk that holds it, /dev/%s.", shown,
                       s->table.nodes[s->table.nodes[idx].parent].name);
    case LX_KIND_HOLDER:
        return lb_fail(err, LB_UNSUPPORTED, 0, shown,
                       "%s is a RAM, device-mapper or RAID device, not a disk; give the disk beneath it (see `lifeboat disks`).",
                       shown);
    case LX_KIND_OPTICAL:
        return lb_fail(err, LB_UNSUPPORTED, 0, shown,
                       "%s is an optical drive, which Lifeboat does not use; choose a disk from `lifeboat disks`.", shown);
    case LX_KIND_DETACHED_LOOP:
    default:
        return lb_fail(err, LB_NO_MEDIUM, ENXIO, shown,
                       "The loop device %s has no backing file; attach an image to it (losetup) and try again.", shown);
    }
}

int lx_resolve_device(const struct lb_context *ctx, const struct lx_snapshot *s, const char *arg,
                      enum lx_want want, long *idx, struct lb_error *err)
{
    struct lx_display shown;
    lx_display_of(arg, &shown);
    *idx = -1;
    if (ctx->sysroot) {
        /* A captured tree has no device nodes: names are all there is. */
        const char *name = lb_starts_with(arg, "/dev/") ? arg + strlen("/dev/") : arg;
        if (!strchr(name, '/'))
            *idx = lx_table_find(&s->table, name);
        if (*idx < 0)
            return not_found(err, shown.text);
    } else if (strchr(arg, '/')) {
        if (find_by_path(s, arg, shown.text, idx, err) != LB_OK)
            return err->code;
    } else {
        *idx = lx_table_find(&s->table, arg);
        if (*idx < 0)
            return not_found(err, shown.text);
    }
    return check_kind(ctx, s, *idx, want, shown.text, err);
}

int lx_open_device(const struct lx_node *node, const char *arg, int flags, const char *action,
                   struct lb_error *err)
{
    struct lx_display shown;
    char path[LX_PATH_MAX];
    lx_display_of(arg, &shown);
    /* A bare name means the kernel's own node, which devtmpfs always creates. */
    if (strchr(arg, '/'))
        lx_relpath(path, sizeof path, "%s", arg);
    else
        lx_relpath(path, sizeof path, "/dev/%s", node->name);
    int fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        lx_fail_errno(err, errno, shown.text, action);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISBLK(st.st_mode) || major(st.st_rdev) != node->major ||
        minor(st.st_rdev) != node->minor) {
        close(fd);
        lb_fail(err, LB_NOT_FOUND, ENODEV, shown.text,
                "The device %s changed while the helper was using it; check the name with `lifeboat disks` and try again.",
                shown.text);
        return -1;
    }
    return fd;
}
