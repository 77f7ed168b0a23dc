/* lock-volumes and unlock-volumes: before Lifeboat writes a whole disk,
 * every volume on it is locked (FSCTL_LOCK_VOLUME: nobody else may open it)
 * and dismounted (FSCTL_DISMOUNT_VOLUME: the file system lets go and caches
 * nothing), and stays so while the helper holds the handle. Windows refuses
 * raw writes inside a mounted volume, so this is how a disk is taken over;
 * closing the handles (unlock-volumes, or the helper's exit) gives the
 * volumes back and Windows mounts them again on next use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "../common/grow.h"
#include "../common/text.h"
#include "device-name.h"
#include "disk-query.h"
#include "volume-map.h"

/* Explorer, the indexer or an antivirus may hold a volume for a moment. */
#define LOCK_TRIES 20
#define LOCK_RETRY_MS 100

struct held {
    unsigned disk;
    wchar_t *volume;
    char *volume_utf8;
    HANDLE handle;
};

static struct held *held;
static size_t held_count, held_cap;

bool wn_volume_is_locked(const wchar_t *volume)
{
    for (size_t i = 0; i < held_count; i++)
        if (_wcsicmp(held[i].volume, volume) == 0)
            return true;
    return false;
}

static void release(size_t i)
{
    DWORD error;
    wn_ioctl(held[i].handle, FSCTL_UNLOCK_VOLUME, NULL, 0, NULL, 0, NULL, &error);
    CloseHandle(held[i].handle);
    free(held[i].volume);
    free(held[i].volume_utf8);
    held[i] = held[--held_count];
}

/* Opens, locks and dismounts one volume; the handle is returned open. */
static HANDLE lock_one(const struct wn_volume *vol, const char *shown, struct lb_error *err)
{
    char action[WN_NAME_MAX + 512];
    snprintf(action, sizeof action, "Locking the volume %s on",
             vol->paths.count ? vol->paths.items[0] : vol->name_utf8);
    char *path = lb_strndup(vol->name_utf8, strlen(vol->name_utf8) - 1); /* the device, not its root */
    if (!path) {
        lb_fail_oom(err);
        return INVALID_HANDLE_VALUE;
    }
    DWORD error;
    HANDLE h = wn_open_path(path, GENERIC_READ | GENERIC_WRITE, &error);
    free(path);
    if (h == INVALID_HANDLE_VALUE) {
        wn_fail_win32(err, error, shown, action);
        return h;
    }
    bool locked = false;
    for (int i = 0; i < LOCK_TRIES && !locked; i++) {
        locked = wn_ioctl(h, FSCTL_LOCK_VOLUME, NULL, 0, NULL, 0, NULL, &error);
        if (!locked && i + 1 < LOCK_TRIES)
            wn_sleep_ms(LOCK_RETRY_MS);
    }
    /* The volume opened for writing, so a refused lock means open files. */
    if (!locked && error == ERROR_ACCESS_DENIED)
        error = ERROR_SHARING_VIOLATION;
    if (locked && wn_ioctl(h, FSCTL_DISMOUNT_VOLUME, NULL, 0, NULL, 0, NULL, &error))
        return h;
    if (locked)
        wn_ioctl(h, FSCTL_UNLOCK_VOLUME, NULL, 0, NULL, 0, NULL, &(DWORD){0});
    CloseHandle(h);
    snprintf(action, sizeof action, "%s the volume %s on", locked ? "Dismounting" : "Locking",
             vol->paths.count ? vol->paths.items[0] : vol->name_utf8);
    wn_fail_win32(err, error, shown, action);
    return INVALID_HANDLE_VALUE;
}

static bool on_disk(const struct wn_volume *vol, unsigned disk)
{
    for (size_t x = 0; x < vol->extent_count; x++)
        if (vol->extents[x].disk == disk)
            return true;
    return false;
}

const struct wn_volume *wn_mounted_unlocked_volume(const struct wn_volumes *v, unsigned disk)
{
    for (size_t i = 0; i < v->count; i++)
        if (on_disk(&v->items[i], disk) && v->items[i].paths.count && !wn_volume_is_locked(v->items[i].name))
            return &v->items[i];
    return NULL;
}

static int lock_disk(unsigned disk, const struct wn_volumes *volumes, const char *shown,
                     struct lb_strlist *out, struct lb_error *err)
{
    size_t first_new = held_count;
    int rc = LB_OK;
    for (size_t v = 0; v < volumes->count && rc == LB_OK; v++) {
        const struct wn_volume *vol = &volumes->items[v];
        if (!on_disk(vol, disk) || wn_volume_is_locked(vol->name))
            continue;
        struct held *grown = lb_grow(held, &held_cap, held_count, sizeof *held, 8);
        if (!grown) {
            rc = lb_fail_oom(err);
            break;
        }
        held = grown;
        struct held *entry = &held[held_count];
        entry->disk = disk;
        size_t n = wcslen(vol->name);
        entry->volume = malloc((n + 1) * sizeof(wchar_t));
        entry->volume_utf8 = lb_strdup(vol->name_utf8);
        if (!entry->volume || !entry->volume_utf8) {
            free(entry->volume);
            free(entry->volume_utf8);
            rc = lb_fail_oom(err);
            break;
        }
        memcpy(entry->volume, vol->name, (n + 1) * sizeof(wchar_t));
        entry->handle = lock_one(vol, shown, err);
        if (entry->handle == INVALID_HANDLE_VALUE) {
            free(entry->volume);
            free(entry->volume_utf8);
            rc = err->code;
            break;
        }
        held_count++;
    }
    /* All or nothing: a half-locked disk is given back. */
    if (rc != LB_OK) {
        while (held_count > first_new)
            release(held_count - 1);
        return rc;
    }
    for (size_t i = 0; i < held_count; i++)
        if (held[i].disk == disk && lb_strlist_add(out, held[i].volume_utf8) != 0)
            return lb_fail_oom(err);
    lb_strlist_sort(out);
    return LB_OK;
}

int wn_op_lock_volumes(const struct lb_context *ctx, const char *device, struct lb_strlist *volumes,
                       struct lb_error *err)
{
    struct wn_target t;
    struct wn_volumes all;
    DWORD error;
    wn_shown_of(device, t.shown, sizeof t.shown);
    if (wn_refuse_in_sysroot(ctx, t.shown, "Locking the volumes of", err) != LB_OK ||
        wn_resolve(device, WN_WANT_DISK, &t, err) != LB_OK)
        return err->code;
    /* The disk must exist: a disk with no volumes is locked by doing nothing,
     * a disk that is not there is an error. */
    HANDLE h = wn_open_disk(t.disk, 0, &error);
    if (h == INVALID_HANDLE_VALUE)
        return wn_fail_win32(err, error, t.shown, "Opening");
    CloseHandle(h);
    if (wn_volumes_take(&all, err) != LB_OK)
        return err->code;
    int rc = lock_disk(t.disk, &all, t.shown, volumes, err);
    wn_volumes_free(&all);
    return rc;
}

int wn_op_unlock_volumes(const struct lb_context *ctx, const char *device, struct lb_strlist *volumes,
                         struct lb_error *err)
{
    struct wn_target t;
    wn_shown_of(device, t.shown, sizeof t.shown);
    /* By name only: a disk pulled out since must still be let go of. */
    if (wn_refuse_in_sysroot(ctx, t.shown, "Unlocking the volumes of", err) != LB_OK ||
        wn_resolve(device, WN_WANT_DISK, &t, err) != LB_OK)
        return err->code;
    for (size_t i = held_count; i-- > 0;)
        if (held[i].disk == t.disk) {
            if (lb_strlist_add(volumes, held[i].volume_utf8) != 0)
                return lb_fail_oom(err);
            release(i);
        }
    lb_strlist_sort(volumes);
    return LB_OK;
}
