/* What the helper reports about disks and partitions, independent of the
 * platform that found it. Field names follow docs/helper-protocol.md; every
 * string is malloc'd and owned by the struct (NULL means JSON null). */
#ifndef LB_MODEL_H
#define LB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json-write.h"

struct lb_strlist {
    char **items;
    size_t count, cap;
};

struct lb_partition {
    char *name, *path;
    unsigned major, minor;
    unsigned number;
    uint64_t start_bytes, size_bytes;
    char *type, *uuid, *label;
    bool read_only;
    struct lb_strlist mountpoints, holders;
};

struct lb_disk {
    char *name, *path;
    unsigned major, minor;
    uint64_t size_bytes;
    uint32_t logical_sector_size, physical_sector_size;
    char *model, *vendor, *serial, *wwn;
    const char *transport; /* static string from the protocol's list */
    bool removable, rotational, read_only;
    uint64_t discard_granularity_bytes, discard_max_bytes;
    char *loop_backing_file;
    const char *partition_table_type; /* "gpt", "dos" or NULL */
    struct lb_partition *partitions;
    size_t partition_count;
    struct lb_strlist mountpoints, holders;
    bool is_system, is_boot_medium;
};

struct lb_disk_list {
    struct lb_disk *disks;
    size_t count;
};

/* Appends a copy of s; -1 when out of memory. */
int lb_strlist_add(struct lb_strlist *list, const char *s);
/* Appends unless an equal string is already there. */
int lb_strlist_add_unique(struct lb_strlist *list, const char *s);
bool lb_strlist_has(const struct lb_strlist *list, const char *s);
void lb_strlist_sort(struct lb_strlist *list);
void lb_strlist_free(struct lb_strlist *list);

void lb_partition_free(struct lb_partition *p);
void lb_disk_free(struct lb_disk *d);
void lb_disk_list_free(struct lb_disk_list *list);

/* JSON shapes of the protocol's Disk and Partition objects. */
void lb_write_partition(struct json_writer *w, const struct lb_partition *p);
void lb_write_disk(struct json_writer *w, const struct lb_disk *d);

#endif
