/* Every block device the kernel shows, disks and holders alike, with the links
 * between them (partition -> disk, holders/, slaves/). Enumeration, isSystem,
 * busy checks and device lookup all work from this one snapshot. */
#ifndef LX_BLOCKDEV_TABLE_H
#define LX_BLOCKDEV_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/errors.h"
#include "../common/model.h"
#include "../common/ops.h"

/* Far more than real systems have; a hostile tree stops here. */
#define LX_MAX_NODES 16384
/* holders/ and slaves/ entries over all nodes. */
#define LX_MAX_LINKS 65536

struct lx_node {
    char *name;     /* kernel name: sda, sda1, dm-0 */
    char *dir;      /* relative sysfs path: sys/block/sda or sys/block/sda/sda1 */
    unsigned major, minor;
    bool has_dev;   /* `dev` was readable; otherwise numbers never match */
    long parent;    /* partitions: index of their disk; else -1 */
    char *dm_name;  /* device-mapper: dm/name, so /dev/mapper/NAME sources match */
    struct lb_strlist holders, slaves;
};

struct lx_table {
    struct lx_node *nodes;
    size_t count, cap;
    size_t link_count;
    size_t *by_name; /* node indices sorted by name, for lookups */
};

int lx_table_scan(const struct lb_context *ctx, struct lx_table *t, struct lb_error *err);
void lx_table_free(struct lx_table *t);
long lx_table_find(const struct lx_table *t, const char *name);
long lx_table_find_dev(const struct lx_table *t, unsigned major, unsigned minor);

#endif
