/* One consistent look at the system for one request: the block devices, the
 * mounts and swaps, and which devices carry the running system or the boot
 * medium. Taken fresh per request, since disks come and go. */
#ifndef LX_SNAPSHOT_H
#define LX_SNAPSHOT_H

#include "../common/errors.h"
#include "../common/ops.h"
#include "blockdev-table.h"
#include "mountinfo.h"

enum { LX_FLAG_SYSTEM = 1, LX_FLAG_BOOT = 2 };

struct lx_snapshot {
    struct lx_table table;
    struct lx_mounts mounts;
    unsigned char *flags; /* per node, LX_FLAG_* */
};

int lx_snapshot_take(const struct lb_context *ctx, struct lx_snapshot *s, struct lb_error *err);
void lx_snapshot_free(struct lx_snapshot *s);

/* Fills s->flags: a node carries a flag when it, one of its partitions, or a
 * device stacked on it (dm, md: holders/, and the other way round slaves/)
 * holds a system mount (/, /usr, /boot, /boot/efi, active swap) or the boot
 * medium. Returns -ENOMEM only. */
int lx_flags_compute(const struct lb_context *ctx, struct lx_snapshot *s);

/* Mounted, active swap or held by another device (dm, md): in use. */
bool lx_node_in_use(const struct lx_snapshot *s, long idx);

#endif
