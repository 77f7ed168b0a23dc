/* One disk as a struct lb_disk: identity from the storage descriptors, size
 * from the geometry, partitions from the layout, mountpoints and flags from
 * the volumes. */
#ifndef WN_DISK_DESCRIBE_H
#define WN_DISK_DESCRIBE_H

#include "volume-map.h"

/* NOT_FOUND when \\.\PhysicalDriveN does not exist (list skips those);
 * shown is the name errors use. */
int wn_describe_disk(unsigned disk, const struct wn_volumes *volumes, const char *shown, struct lb_disk *out,
                     struct lb_error *err);

/* The partition with this number in a described disk, or -1. */
long wn_find_partition(const struct lb_disk *d, unsigned number);

#endif
