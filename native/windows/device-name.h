/* What a device string in a request names on Windows: a disk
 * (\\.\PhysicalDriveN, PhysicalDriveN), a partition
 * (\\?\GLOBALROOT\Device\HarddiskN\PartitionM, HarddiskNPartitionM) or a
 * volume (a drive letter such as D:, a mounted folder, \\?\Volume{...}\),
 * which is mapped to the partition that holds it. */
#ifndef WN_DEVICE_NAME_H
#define WN_DEVICE_NAME_H

#include <stdbool.h>

#include "win-ops.h"

enum wn_want { WN_WANT_DISK, WN_WANT_DISK_OR_PARTITION };

struct wn_target {
    unsigned disk;
    unsigned partition; /* 0: the whole disk */
    /* The device as errors name it: the request's string, or the full path
     * when a bare name (PhysicalDrive1) was sent. */
    char shown[WN_NAME_MAX + 4096];
};

/* Shown name only, for errors raised before anything is resolved. */
void wn_shown_of(const char *device, char *out, size_t size);

/* Names only, no device opened: a disk or a partition by its number.
 * Returns false for anything else (volumes, drive letters, unknown forms). */
bool wn_parse_numbered(const char *device, unsigned *disk, unsigned *partition);

/* Resolves the string to a disk and partition; opens volumes to map them.
 * NOT_FOUND for forms Windows does not know; NOT_A_DISK when want is
 * WN_WANT_DISK and a partition or volume was named. */
int wn_resolve(const char *device, enum wn_want want, struct wn_target *t, struct lb_error *err);

void wn_disk_path(unsigned disk, char *out, size_t size);
void wn_partition_path(unsigned disk, unsigned partition, char *out, size_t size);

#endif
