/* Pure comparison of the kernel's partitions with the list the client says
 * the table holds, and the BLKPG steps that make the first equal the second.
 *
 * One kernel habit matters: a DOS extended partition appears in the kernel
 * as only max(1 KiB, one logical sector) long (so nobody mkfs's it by
 * mistake), while the table gives its full extent. A listed partition that
 * contains another listed one is such a container and is compared and added
 * in that short form, as partx does; an empty extended partition (numbers 1-4)
 * also matches its short form. */
#ifndef LX_PARTITION_PLAN_H
#define LX_PARTITION_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/ops.h"

struct lx_kpart {
    unsigned number;
    uint64_t start_bytes, size_bytes;
};

struct lx_plan {
    unsigned *del;              /* kernel partition numbers to delete */
    size_t del_count;
    struct lx_kpart *add;       /* partitions to add, in the kernel's form */
    size_t add_count;
};

/* The size the kernel shows for each listed partition; malloc'd, NULL when
 * out of memory. */
uint64_t *lx_kernel_sizes(const struct lb_part_spec *want, size_t count, uint32_t sector_bytes);

/* Out of memory counts as no match (the caller then plans, and fails there). */
bool lx_views_match(const struct lx_kpart *have, size_t have_count, const struct lb_part_spec *want,
                    size_t want_count, uint32_t sector_bytes);

/* -1 when out of memory. */
int lx_plan_make(const struct lx_kpart *have, size_t have_count, const struct lb_part_spec *want,
                 size_t want_count, uint32_t sector_bytes, struct lx_plan *plan);
void lx_plan_free(struct lx_plan *plan);

/* Checks the list against the disk before anything is changed: aligned,
 * non-empty, inside the disk, no overlaps. Returns 0, or -1 with the indices
 * of the offending entries in *a and *b (b == a when one entry is at fault),
 * or -2 when out of memory. */
int lx_specs_check(const struct lb_part_spec *want, size_t count, uint64_t disk_bytes,
                   uint32_t sector_bytes, size_t *a, size_t *b);

#endif
