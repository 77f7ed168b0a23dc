#include "disk-describe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"
#include "sysfs-read.h"
#include "udev-db.h"

/* Reads DIR/ATTR of the node into a string (NULL when absent or empty). */
static char *attr_string(const struct lb_context *ctx, const struct lx_node *n, const char *attr)
{
    char rel[LX_PATH_MAX];
    if (lx_relpath(rel, sizeof rel, "%s/%s", n->dir, attr) != 0)
        return NULL;
    return lx_read_string(ctx, rel);
}

static uint64_t attr_u64(const struct lb_context *ctx, const struct lx_node *n, const char *attr,
                         uint64_t fallback)
{
    char rel[LX_PATH_MAX];
    uint64_t v;
    if (lx_relpath(rel, sizeof rel, "%s/%s", n->dir, attr) != 0 || lx_read_u64(ctx, rel, &v) != 0)
        return fallback;
    return v;
}

static bool attr_bool(const struct lb_context *ctx, const struct lx_node *n, const char *attr)
{
    char rel[LX_PATH_MAX];
    return lx_relpath(rel, sizeof rel, "%s/%s", n->dir, attr) == 0 && lx_read_bool(ctx, rel, false);
}

/* sysfs counts `size` and `start` in 512-byte units whatever the sector size. */
static int sectors_attr(const struct lb_context *ctx, const struct lx_node *n, const char *attr,
                        uint64_t *bytes, struct lb_error *err)
{
    uint64_t sectors = attr_u64(ctx, n, attr, 0);
    if (sectors > (uint64_t)INT64_MAX / 512)
        return lb_fail(err, LB_SYSTEM_DATA_UNREADABLE, 0, NULL,
                       "The kernel reports an impossible %s for /dev/%s; the system data makes no sense.",
                       attr, n->name);
    *bytes = sectors * 512;
    return LB_OK;
}

static bool is_detached_loop(const struct lb_context *ctx, const struct lx_node *n)
{
    char *backing = attr_string(ctx, n, "loop/backing_file");
    bool detached = !backing || attr_u64(ctx, n, "size", 0) == 0;
    free(backing);
    return detached;
}

enum lx_kind lx_classify(const struct lb_context *ctx, const struct lx_snapshot *s, long idx)
{
    const struct lx_node *n = &s->table.nodes[idx];
    if (n->parent >= 0) {
        enum lx_kind k = lx_classify(ctx, s, n->parent);
        return k == LX_KIND_DISK ? LX_KIND_PARTITION : k;
    }
    /* These are stacked or virtual devices, shown only as holders. */
    if (lb_starts_with(n->name, "ram") || lb_starts_with(n->name, "zram") ||
        lb_starts_with(n->name, "dm-") || lb_starts_with(n->name, "md"))
        return LX_KIND_HOLDER;
    if (attr_u64(ctx, n, "device/type", 0) == 5)
        return LX_KIND_OPTICAL;
    if (lb_starts_with(n->name, "loop") && is_detached_loop(ctx, n))
        return LX_KIND_DETACHED_LOOP;
    return LX_KIND_DISK;
}

static int mount_and_holders(const struct lx_snapshot *s, const struct lx_node *n,
                             struct lb_strlist *mountpoints, struct lb_strlist *holders)
{
    if (lx_mountpoints_of(&s->mounts, n, mountpoints) != 0)
        return -ENOMEM;
    for (size_t i = 0; i < n->holders.count; i++)
        if (lb_strlist_add(holders, n->holders.items[i]) != 0)
            return -ENOMEM;
    return 0;
}

/* PARTNAME from the partition's uevent: the GPT name, straight from the kernel. */
static char *uevent_partname(const struct lb_context *ctx, const struct lx_node *n)
{
    char rel[LX_PATH_MAX], *data;
    size_t len;
    if (lx_relpath(rel, sizeof rel, "%s/uevent", n->dir) != 0 || lx_read_file(ctx, rel, &data, &len) != 0)
        return NULL;
    char *result = NULL;
    for (char *line = data; line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (lb_starts_with(line, "PARTNAME=") && line[9])
            result = lb_strdup(line + 9);
        line = nl ? nl + 1 : NULL;
    }
    free(data);
    return result;
}

int lx_describe_partition(const struct lb_context *ctx, const struct lx_snapshot *s, long idx,
                          struct lb_partition *p, struct lb_error *err)
{
    const struct lx_node *n = &s->table.nodes[idx];
    struct lx_udev u;
    memset(p, 0, sizeof *p);
    if (lx_udev_read(ctx, n->major, n->minor, &u) != 0)
        return lb_fail_oom(err);
    p->name = lb_strdup(n->name);
    p->path = lb_asprintf("/dev/%s", n->name);
    p->major = n->major;
    p->minor = n->minor;
    uint64_t number = attr_u64(ctx, n, "partition", 0);
    p->number = number > 65535 ? 0 : (unsigned)number;
    p->read_only = attr_bool(ctx, n, "ro");
    p->type = u.part_entry_type;
    p->uuid = u.part_entry_uuid;
    p->label = uevent_partname(ctx, n);
    if (p->label)
        free(u.part_entry_name);
    else
        p->label = u.part_entry_name;
    free(u.part_table_type);
    free(u.serial_short);
    free(u.wwn);
    int rc = LB_OK;
    if (!p->name || !p->path || mount_and_holders(s, n, &p->mountpoints, &p->holders) != 0)
        rc = lb_fail_oom(err);
    if (rc == LB_OK && (sectors_attr(ctx, n, "start", &p->start_bytes, err) != LB_OK ||
                        sectors_attr(ctx, n, "size", &p->size_bytes, err) != LB_OK))
        rc = err->code;
    if (rc != LB_OK)
        lb_partition_free(p);
    return rc;
}

static int cmp_partition(const void *a, const void *b)
{
    const struct lb_partition *x = a, *y = b;
    if (x->number != y->number)
        return x->number < y->number ? -1 : 1;
    return lb_natural_cmp(x->name, y->name);
}

int lx_describe_partitions_of(const struct lb_context *ctx, const struct lx_snapshot *s, long disk,
                              struct lb_partition **out, size_t *count, struct lb_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < s->table.count; i++)
        if (s->table.nodes[i].parent == disk)
            n++;
    struct lb_partition *parts = calloc(n ? n : 1, sizeof *parts);
    if (!parts)
        return lb_fail_oom(err);
    size_t k = 0;
    for (size_t i = 0; i < s->table.count && k < n; i++) {
        if (s->table.nodes[i].parent != disk)
            continue;
        if (lx_describe_partition(ctx, s, (long)i, &parts[k], err) != LB_OK) {
            for (size_t j = 0; j < k; j++)
                lb_partition_free(&parts[j]);
            free(parts);
            return err->code;
        }
        k++;
    }
    qsort(parts, k, sizeof *parts, cmp_partition);
    *out = parts;
    *count = k;
    return LB_OK;
}

/* SCSI VPD page 0x80 (unit serial number): 4-byte header, then ASCII. */
static char *vpd80_serial(const struct lb_context *ctx, const struct lx_node *n)
{
    char rel[LX_PATH_MAX], *data;
    size_t len;
    if (lx_relpath(rel, sizeof rel, "%s/device/vpd_pg80", n->dir) != 0 || lx_read_file(ctx, rel, &data, &len) != 0)
        return NULL;
    char *serial = NULL;
    if (len > 4 && (unsigned char)data[1] == 0x80) {
        size_t n_bytes = ((size_t)(unsigned char)data[2] << 8) | (unsigned char)data[3];
        if (n_bytes > len - 4)
            n_bytes = len - 4;
        serial = lb_strndup(data + 4, n_bytes);
        if (serial && !lb_trim(serial)[0]) {
            free(serial);
            serial = NULL;
        }
    }
    free(data);
    return serial;
}

/* The first source that has a value wins; the others are freed. */
static char *first_of(char *a, char *b, char *c, char *d)
{
    char *all[] = {a, b, c, d}, *pick = NULL;
    for (int i = 0; i < 4; i++) {
        if (!pick && all[i])
            pick = all[i];
        else
            free(all[i]);
    }
    return pick;
}

/* Any stage may fail only by running out of memory (or on nonsense sizes). */
static int fill_disk(const struct lb_context *ctx, const struct lx_snapshot *s, long idx,
                     struct lb_disk *d, struct lb_error *err)
{
    const struct lx_node *n = &s->table.nodes[idx];
    struct lx_udev u;
    if (lx_udev_read(ctx, n->major, n->minor, &u) != 0)
        return lb_fail_oom(err);
    d->name = lb_strdup(n->name);
    d->path = lb_asprintf("/dev/%s", n->name);
    d->major = n->major;
    d->minor = n->minor;
    uint64_t lss = attr_u64(ctx, n, "queue/logical_block_size", 512);
    uint64_t pss = attr_u64(ctx, n, "queue/physical_block_size", lss);
    /* Anything but a power of two from 512 to 64 KiB is not a sector size. */
    if (lss < 512 || lss > 65536 || (lss & (lss - 1)))
        lss = 512;
    if (pss < lss || pss > 65536 * 16 || (pss & (pss - 1)))
        pss = lss;
    d->logical_sector_size = (uint32_t)lss;
    d->physical_sector_size = (uint32_t)pss;
    d->transport = lx_transport(ctx, n->name);
    /* SD and eMMC cards name their product in device/name. */
    d->model = attr_string(ctx, n, "device/model");
    if (!d->model && strcmp(d->transport, "mmc") == 0)
        d->model = attr_string(ctx, n, "device/name");
    /* Only SCSI-like devices have a vendor string; virtio's device/vendor is
     * a PCI id (0x1af4), which is no name a person would recognise. */
    if (strcmp(d->transport, "ata") == 0 || strcmp(d->transport, "usb") == 0 ||
        strcmp(d->transport, "scsi") == 0)
        d->vendor = attr_string(ctx, n, "device/vendor");
    d->serial = first_of(attr_string(ctx, n, "device/serial"), attr_string(ctx, n, "serial"),
                         vpd80_serial(ctx, n), u.serial_short);
    d->wwn = first_of(attr_string(ctx, n, "wwid"), attr_string(ctx, n, "device/wwid"), u.wwn, NULL);
    u.serial_short = u.wwn = NULL;
    d->removable = attr_bool(ctx, n, "removable");
    d->rotational = attr_bool(ctx, n, "queue/rotational");
    d->read_only = attr_bool(ctx, n, "ro");
    d->discard_granularity_bytes = attr_u64(ctx, n, "queue/discard_granularity", 0);
    d->discard_max_bytes = attr_u64(ctx, n, "queue/discard_max_bytes", 0);
    if (u.part_table_type && strcmp(u.part_table_type, "gpt") == 0)
        d->partition_table_type = "gpt";
    else if (u.part_table_type && strcmp(u.part_table_type, "dos") == 0)
        d->partition_table_type = "dos";
    lx_udev_free(&u);
    d->is_system = (s->flags[idx] & LX_FLAG_SYSTEM) != 0;
    d->is_boot_medium = (s->flags[idx] & LX_FLAG_BOOT) != 0;

    char rel[LX_PATH_MAX], *data;
    size_t len;
    /* A file name may end in spaces: only the kernel's newline is removed. */
    if (lx_relpath(rel, sizeof rel, "%s/loop/backing_file", n->dir) == 0 &&
        lx_read_file(ctx, rel, &data, &len) == 0) {
        if (len > 0 && data[len - 1] == '\n')
            data[len - 1] = '\0';
        if (data[0])
            d->loop_backing_file = data;
        else
            free(data);
    }
    if (!d->name || !d->path || mount_and_holders(s, n, &d->mountpoints, &d->holders) != 0)
        return lb_fail_oom(err);
    if (sectors_attr(ctx, n, "size", &d->size_bytes, err) != LB_OK)
        return err->code;
    return lx_describe_partitions_of(ctx, s, idx, &d->partitions, &d->partition_count, err);
}

int lx_describe_disk(const struct lb_context *ctx, const struct lx_snapshot *s, long idx,
                     struct lb_disk *d, struct lb_error *err)
{
    memset(d, 0, sizeof *d);
    if (fill_disk(ctx, s, idx, d, err) != LB_OK) {
        lb_disk_free(d);
        return err->code;
    }
    return LB_OK;
}
