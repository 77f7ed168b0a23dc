/* Mounted filesystems (proc/self/mountinfo) and active swap (proc/swaps),
 * reduced to what can belong to a block device. */
#ifndef LX_MOUNTINFO_H
#define LX_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/errors.h"
#include "../common/ops.h"
#include "blockdev-table.h"

/* Mounts kept (those that can belong to a block device); beyond this the
 * helper refuses rather than risk missing the system disk. */
#define LX_MAX_MOUNTS 16384

struct lx_mount {
    unsigned major, minor;   /* st_dev of the filesystem; 0:N is anonymous */
    char *mountpoint;        /* decoded; "[SWAP]" for swap entries */
    char *source;            /* decoded mount source or swap file name */
    bool has_rdev;           /* live system: source is a block node with this rdev */
    unsigned rdev_major, rdev_minor;
    bool is_swap;
};

struct lx_mounts {
    struct lx_mount *items;
    size_t count, cap;
};

int lx_mounts_read(const struct lb_context *ctx, struct lx_mounts *m, struct lb_error *err);
void lx_mounts_free(struct lx_mounts *m);
/* Whether the mount or swap entry is on this device: same device number, or
 * (FUSE, btrfs and others with anonymous numbers) a source naming its node. */
bool lx_mount_on(const struct lx_mount *m, const struct lx_node *n);
/* The node's mount points in mountinfo order, "[SWAP]" last, no duplicates. */
int lx_mountpoints_of(const struct lx_mounts *m, const struct lx_node *n, struct lb_strlist *out);

#endif
