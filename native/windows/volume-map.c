#include "volume-map.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "../common/grow.h"
#include "disk-query.h"

/* More volumes than this is not a real system: refuse rather than list part
 * of them and maybe miss the system volume. */
#define MAX_VOLUMES 4096
/* The longest list of mount paths one volume may have, in characters. */
#define MAX_PATHS_CHARS (1u << 16)

static void volume_free(struct wn_volume *vol)
{
    free(vol->name);
    free(vol->name_utf8);
    lb_strlist_free(&vol->paths);
    free(vol->extents);
}

void wn_volumes_free(struct wn_volumes *v)
{
    for (size_t i = 0; i < v->count; i++)
        volume_free(&v->items[i]);
    free(v->items);
    memset(v, 0, sizeof *v);
}

struct wn_volume *wn_volumes_find(const struct wn_volumes *v, const wchar_t *name)
{
    for (size_t i = 0; i < v->count; i++)
        if (_wcsicmp(v->items[i].name, name) == 0)
            return &v->items[i];
    return NULL;
}

wchar_t *wn_volume_of_path(const wchar_t *path)
{
    wchar_t mount[MAX_PATH + 1];
    wchar_t *volume = malloc(MAX_PATH * sizeof *volume);
    if (!volume)
        return NULL;
    if (!GetVolumePathNameW(path, mount, MAX_PATH) || !GetVolumeNameForVolumeMountPointW(mount, volume, MAX_PATH)) {
        free(volume);
        return NULL;
    }
    return volume;
}

/* Drive letters and mounted folders, from the double-NUL-terminated list. */
static int read_paths(struct wn_volume *vol)
{
    DWORD chars = 64;
    for (;;) {
        wchar_t *buf = calloc(chars, sizeof *buf);
        if (!buf)
            return -1;
        DWORD need = 0;
        if (GetVolumePathNamesForVolumeNameW(vol->name, buf, chars, &need)) {
            int rc = 0;
            for (wchar_t *p = buf; *p && rc == 0; p += wcslen(p) + 1) {
                char *utf8 = wn_utf8(p);
                rc = utf8 && lb_strlist_add(&vol->paths, utf8) == 0 ? 0 : -1;
                free(utf8);
            }
            free(buf);
            lb_strlist_sort(&vol->paths);
            return rc;
        }
        DWORD error = GetLastError();
        free(buf);
        /* A volume that vanished meanwhile simply has no paths. */
        if (error != ERROR_MORE_DATA || need <= chars || need > MAX_PATHS_CHARS)
            return 0;
        chars = need;
    }
}

/* Disk ranges of the volume; a volume that is on no disk (optical, RAM disk)
 * or that cannot be opened keeps none. */
static int read_extents(struct wn_volume *vol)
{
    size_t n = wcslen(vol->name);
    char *path = wn_utf8_n(vol->name, n - 1); /* without the trailing backslash: the device, not its root */
    if (!path)
        return -1;
    DWORD error;
    HANDLE h = wn_open_path(path, 0, &error);
    free(path);
    if (h == INVALID_HANDLE_VALUE)
        return error == ERROR_NOT_ENOUGH_MEMORY ? -1 : 0;
    VOLUME_DISK_EXTENTS *ext = wn_volume_extents(h, &error);
    CloseHandle(h);
    if (!ext)
        return error == ERROR_NOT_ENOUGH_MEMORY ? -1 : 0;
    int rc = 0;
    if (ext->NumberOfDiskExtents > 0) {
        vol->extents = calloc(ext->NumberOfDiskExtents, sizeof *vol->extents);
        if (!vol->extents)
            rc = -1;
        for (DWORD i = 0; rc == 0 && i < ext->NumberOfDiskExtents; i++) {
            vol->extents[i].disk = (unsigned)ext->Extents[i].DiskNumber;
            vol->extents[i].start = (uint64_t)ext->Extents[i].StartingOffset.QuadPart;
            vol->extents[i].length = (uint64_t)ext->Extents[i].ExtentLength.QuadPart;
        }
        if (rc == 0)
            vol->extent_count = ext->NumberOfDiskExtents;
    }
    free(ext);
    return rc;
}

static int add_volume(struct wn_volumes *v, const wchar_t *name, struct lb_error *err)
{
    if (v->count == MAX_VOLUMES)
        return lb_fail(err, LB_SYSTEM_DATA_UNREADABLE, 0, NULL,
                       "Windows reports more than %d volumes, which the helper does not believe; restart and try again.",
                       MAX_VOLUMES);
    struct wn_volume *items = lb_grow(v->items, &v->cap, v->count, sizeof *items, 16);
    if (!items)
        return lb_fail_oom(err);
    v->items = items;
    struct wn_volume *vol = &v->items[v->count];
    memset(vol, 0, sizeof *vol);
    size_t n = wcslen(name);
    vol->name = malloc((n + 1) * sizeof *vol->name);
    if (vol->name)
        memcpy(vol->name, name, (n + 1) * sizeof *vol->name);
    vol->name_utf8 = wn_utf8(name);
    v->count++; /* freed with the list from here on */
    if (!vol->name || !vol->name_utf8)
        return lb_fail_oom(err);
    /* Names are \\?\Volume{GUID}\; anything shorter is nothing to open. */
    if (n > 4 && (read_paths(vol) != 0 || read_extents(vol) != 0))
        return lb_fail_oom(err);
    return LB_OK;
}

int wn_volumes_take(struct wn_volumes *out, struct lb_error *err)
{
    memset(out, 0, sizeof *out);
    wchar_t name[MAX_PATH + 1];
    HANDLE find = FindFirstVolumeW(name, MAX_PATH);
    if (find == INVALID_HANDLE_VALUE) {
        DWORD error = GetLastError();
        if (error == ERROR_NO_MORE_FILES)
            return wn_mark_volumes(out, err);
        return lb_fail(err, LB_SYSTEM_DATA_UNREADABLE, (int)error, NULL,
                       "Windows did not list its volumes (error %lu), so the helper cannot tell which disks are in use; try again as Administrator.",
                       (unsigned long)error);
    }
    int rc = LB_OK;
    do
        rc = add_volume(out, name, err);
    while (rc == LB_OK && FindNextVolumeW(find, name, MAX_PATH));
    DWORD error = rc == LB_OK ? GetLastError() : 0;
    FindVolumeClose(find);
    if (rc == LB_OK && error != ERROR_NO_MORE_FILES)
        rc = lb_fail(err, LB_SYSTEM_DATA_UNREADABLE, (int)error, NULL,
                     "Windows stopped listing its volumes halfway (error %lu), so the helper cannot tell which disks are in use; try again.",
                     (unsigned long)error);
    if (rc == LB_OK)
        rc = wn_mark_volumes(out, err);
    if (rc != LB_OK)
        wn_volumes_free(out);
    return rc;
}
