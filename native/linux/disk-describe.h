/* Turning the snapshot's nodes into the protocol's Disk and Partition objects,
 * and deciding which nodes are disks at all. */
#ifndef LX_DISK_DESCRIBE_H
#define LX_DISK_DESCRIBE_H

#include "../common/model.h"
#include "../common/ops.h"
#include "snapshot.h"

enum lx_kind {
    LX_KIND_DISK,
    LX_KIND_PARTITION,       /* of a disk */
    LX_KIND_HOLDER,          /* ram, zram, dm, md and their partitions */
    LX_KIND_OPTICAL,         /* device/type 5 */
    LX_KIND_DETACHED_LOOP,   /* loop device without backing file */
};

enum lx_kind lx_classify(const struct lb_context *ctx, const struct lx_snapshot *s, long idx);

/* Both return LB_OK or fill err (out of memory, nonsense sizes). */
int lx_describe_disk(const struct lb_context *ctx, const struct lx_snapshot *s, long idx,
                     struct lb_disk *out, struct lb_error *err);
int lx_describe_partition(const struct lb_context *ctx, const struct lx_snapshot *s, long idx,
                          struct lb_partition *out, struct lb_error *err);

/* The disk's partitions as the kernel sees them, ordered by number. */
int lx_describe_partitions_of(const struct lb_context *ctx, const struct lx_snapshot *s, long disk,
                              struct lb_partition **out, size_t *count, struct lb_error *err);

const char *lx_transport(const struct lb_context *ctx, const char *name);
const char *lx_transport_from_link(const char *target);

#endif
