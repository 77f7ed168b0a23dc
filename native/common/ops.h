/* The platform operation table: what native/linux/ and native/windows/
 * provide. Everything above this line (protocol, JSON, dispatch, errors)
 * is shared; everything below it knows one operating system.
 *
 * Every function returns LB_OK or an lb_code and, on failure, fills err with
 * the code, errno and a sentence naming the device. On failure the output
 * arguments hold nothing that needs freeing. */
#ifndef LB_OPS_H
#define LB_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "model.h"

struct lb_context {
    /* --sysroot DIR: read DIR/sys, DIR/proc, DIR/run and never open a device.
     * NULL on the live system. */
    const char *sysroot;
};

/* One entry of a reread-partitions request: what the table on disk holds. */
struct lb_part_spec {
    unsigned number;
    uint64_t start_bytes, size_bytes;
};

struct lb_reread_result {
    const char *method; /* "blkrrpart", "blkpg" or "update-properties" (static) */
    unsigned *added, *removed;
    size_t added_count, removed_count;
    struct lb_partition *partitions;
    size_t partition_count;
};

void lb_reread_result_free(struct lb_reread_result *r);

struct lb_platform_ops {
    const char *platform; /* "linux", "windows": the `version` answer */
    int (*list)(const struct lb_context *ctx, struct lb_disk_list *out, struct lb_error *err);
    /* A disk, or a partition: then *partition_index is its index in
     * out->partitions, else -1. */
    int (*info)(const struct lb_context *ctx, const char *device, struct lb_disk *out,
                long *partition_index, struct lb_error *err);
    /* specs NULL: no list was sent; a list of 0 entries means an empty table. */
    int (*reread_partitions)(const struct lb_context *ctx, const char *device,
                             const struct lb_part_spec *specs, size_t spec_count,
                             struct lb_reread_result *out, struct lb_error *err);
    int (*discard)(const struct lb_context *ctx, const char *device, uint64_t offset,
                   uint64_t length, uint64_t *discarded_bytes, struct lb_error *err);
    int (*flush)(const struct lb_context *ctx, const char *device, struct lb_error *err);
    /* Optional (NULL: nothing to do). Runs once before the first request, for
     * what the C library cannot set portably (binary stdin/stdout on Windows);
     * nonzero stops the helper with that exit code. */
    int (*init)(void);
    /* Optional pair. lock_volumes locks and dismounts every volume of a whole
     * disk and holds them until unlock_volumes or the helper's exit; both add
     * the volumes they locked or released to *volumes. NULL: the platform has
     * no volumes to lock (Linux: the client opens the disk with O_EXCL), and
     * the request is answered with an empty list. */
    int (*lock_volumes)(const struct lb_context *ctx, const char *device,
                        struct lb_strlist *volumes, struct lb_error *err);
    int (*unlock_volumes)(const struct lb_context *ctx, const char *device,
                          struct lb_strlist *volumes, struct lb_error *err);
};

/* Defined by exactly one platform directory. */
extern const struct lb_platform_ops lb_platform;

#endif
