/* Every volume Windows knows, with where it is mounted and which disk
 * ranges it occupies: how partitions get their mountpoints and disks their
 * isSystem and isBootMedium flags. */
#ifndef WN_VOLUME_MAP_H
#define WN_VOLUME_MAP_H

#include <stdint.h>

#include "win-ops.h"

struct wn_extent {
    unsigned disk;
    uint64_t start, length;
};

struct wn_volume {
    wchar_t *name;            /* \\?\Volume{...}\ */
    char *name_utf8;
    struct lb_strlist paths;  /* drive letters and mounted folders: C:\, D:\data\ */
    struct wn_extent *extents; /* none for volumes on no disk (optical, RAM disk, network) */
    size_t extent_count;
    bool is_system, is_boot_medium;
};

struct wn_volumes {
    struct wn_volume *items;
    size_t count, cap;
};

/* Enumerates the volumes (FindFirstVolumeW) and marks the system and boot
 * medium ones (system-volumes.c). */
int wn_volumes_take(struct wn_volumes *out, struct lb_error *err);
void wn_volumes_free(struct wn_volumes *v);

/* The volume of a path (C:\Windows -> \\?\Volume{...}\), malloc'd, or NULL. */
wchar_t *wn_volume_of_path(const wchar_t *path);
/* The volume with this name (compared without case), or NULL. */
struct wn_volume *wn_volumes_find(const struct wn_volumes *v, const wchar_t *name);

/* A volume on the disk that has a drive letter or folder and that this
 * helper does not hold locked (op-lock-volumes.c): writing under it would
 * pull data away from a mounted file system. NULL when there is none. */
const struct wn_volume *wn_mounted_unlocked_volume(const struct wn_volumes *v, unsigned disk);

/* Sets is_system and is_boot_medium (system-volumes.c). */
int wn_mark_volumes(struct wn_volumes *v, struct lb_error *err);

#endif
