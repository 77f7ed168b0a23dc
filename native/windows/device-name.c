#include "device-name.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "disk-query.h"

/* Disk and partition numbers accepted in names; Windows numbers far lower. */
#define MAX_NUMBER 9999

static bool prefix_ci(const char *s, const char *prefix, const char **rest)
{
    size_t i = 0;
    for (; prefix[i]; i++) {
        char a = s[i], b = prefix[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    *rest = s + i;
    return true;
}

/* Plain decimal without sign or leading zero, at most MAX_NUMBER. */
static bool number(const char **p, unsigned *out)
{
    const char *s = *p;
    unsigned v = 0;
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9') {
        if (n == 4)
            return false;
        v = v * 10 + (unsigned)(s[n] - '0');
        n++;
    }
    if (n == 0 || (n > 1 && s[0] == '0') || v > MAX_NUMBER)
        return false;
    *p = s + n;
    *out = v;
    return true;
}

void wn_disk_path(unsigned disk, char *out, size_t size)
{
    snprintf(out, size, "\\\\.\\PhysicalDrive%u", disk);
}

void wn_partition_path(unsigned disk, unsigned partition, char *out, size_t size)
{
    snprintf(out, size, "\\\\?\\GLOBALROOT\\Device\\Harddisk%u\\Partition%u", disk, partition);
}

static bool parse_disk(const char *s, unsigned *disk)
{
    const char *rest;
    if (!prefix_ci(s, "\\\\.\\PhysicalDrive", &rest) && !prefix_ci(s, "\\\\?\\PhysicalDrive", &rest) &&
        !prefix_ci(s, "PhysicalDrive", &rest))
        return false;
    return number(&rest, disk) && *rest == '\0';
}

/* \\?\GLOBALROOT\Device\HarddiskN\PartitionM (M 0 is the whole disk), and the
 * DOS-device form HarddiskNPartitionM with or without \\.\ in front. */
static bool parse_partition(const char *s, unsigned *disk, unsigned *partition)
{
    const char *rest;
    if (prefix_ci(s, "\\\\?\\GLOBALROOT\\Device\\Harddisk", &rest) ||
        prefix_ci(s, "\\\\.\\GLOBALROOT\\Device\\Harddisk", &rest))
        return number(&rest, disk) && prefix_ci(rest, "\\Partition", &rest) && number(&rest, partition) &&
               *rest == '\0';
    if (!prefix_ci(s, "\\\\.\\Harddisk", &rest) && !prefix_ci(s, "\\\\?\\Harddisk", &rest) &&
        !prefix_ci(s, "Harddisk", &rest))
        return false;
    return number(&rest, disk) && prefix_ci(rest, "Partition", &rest) && number(&rest, partition) &&
           *partition > 0 && *rest == '\0';
}

bool wn_parse_numbered(const char *device, unsigned *disk, unsigned *partition)
{
    *partition = 0;
    return parse_disk(device, disk) || parse_partition(device, disk, partition);
}

void wn_shown_of(const char *device, char *out, size_t size)
{
    const char *rest;
    unsigned disk, partition;
    if (prefix_ci(device, "PhysicalDrive", &rest) && parse_disk(device, &disk))
        wn_disk_path(disk, out, size);
    else if (prefix_ci(device, "Harddisk", &rest) && parse_partition(device, &disk, &partition))
        wn_partition_path(disk, partition, out, size);
    else
        snprintf(out, size, "%s", device);
}

/* A drive letter (D:, D:\), a mounted folder (C:\mnt\data) or a volume GUID
 * path: the \\?\Volume{...}\ it names, malloc'd; NULL with *error. */
static wchar_t *volume_of(const char *device, DWORD *error)
{
    bool letter = ((device[0] >= 'A' && device[0] <= 'Z') || (device[0] >= 'a' && device[0] <= 'z')) &&
                  device[1] == ':' && (device[2] == '\0' || device[2] == '\\');
    const char *rest;
    if (!letter && !prefix_ci(device, "\\\\?\\Volume{", &rest)) {
        *error = ERROR_FILE_NOT_FOUND;
        return NULL;
    }
    size_t n = strlen(device);
    char *mount = malloc(n + 2);
    if (!mount) {
        *error = ERROR_NOT_ENOUGH_MEMORY;
        return NULL;
    }
    memcpy(mount, device, n + 1);
    if (mount[n - 1] != '\\')
        memcpy(mount + n, "\\", 2); /* the API wants the trailing backslash */
    wchar_t *wide = wn_wide(mount);
    free(mount);
    wchar_t *volume = malloc(MAX_PATH * sizeof *volume);
    if (!wide || !volume) {
        free(wide);
        free(volume);
        *error = ERROR_NOT_ENOUGH_MEMORY;
        return NULL;
    }
    if (!GetVolumeNameForVolumeMountPointW(wide, volume, MAX_PATH)) {
        *error = GetLastError();
        free(volume);
        volume = NULL;
    }
    free(wide);
    return volume;
}

/* The disk and partition a volume lives on: its one extent, matched with the
 * disk's layout by starting offset. */
static int map_volume(const wchar_t *volume, const char *shown, struct wn_target *t, struct lb_error *err)
{
    size_t n = wcslen(volume);
    char *path = wn_utf8_n(volume, n && volume[n - 1] == L'\\' ? n - 1 : n);
    if (!path)
        return lb_fail_oom(err);
    DWORD error;
    HANDLE h = wn_open_path(path, 0, &error);
    free(path);
    if (h == INVALID_HANDLE_VALUE)
        return wn_fail_win32(err, error, shown, "Opening the volume");
    VOLUME_DISK_EXTENTS *ext = wn_volume_extents(h, &error);
    CloseHandle(h);
    if (!ext)
        return wn_fail_win32(err, error, shown, "Finding the disk of the volume");
    int rc = LB_OK;
    if (ext->NumberOfDiskExtents == 0)
        rc = lb_fail(err, LB_UNSUPPORTED, 0, shown,
                     "The volume %s is on no disk Lifeboat can see (a RAM disk, an optical or a network drive); name a disk (\\\\.\\PhysicalDriveN) instead.",
                     shown);
    else if (ext->NumberOfDiskExtents != 1)
        rc = lb_fail(err, LB_UNSUPPORTED, 0, shown,
                     "The volume %s spans %lu disk extents, so no single partition holds it; name one of its disks (\\\\.\\PhysicalDriveN) instead.",
                     shown, (unsigned long)ext->NumberOfDiskExtents);
    if (rc != LB_OK) {
        free(ext);
        return rc;
    }
    t->disk = (unsigned)ext->Extents[0].DiskNumber;
    t->partition = 0;
    LONGLONG start = ext->Extents[0].StartingOffset.QuadPart;
    free(ext);
    HANDLE disk = wn_open_disk(t->disk, GENERIC_READ, &error);
    if (disk == INVALID_HANDLE_VALUE)
        return wn_fail_win32(err, error, shown, "Opening the disk that holds");
    DRIVE_LAYOUT_INFORMATION_EX *layout = wn_read_layout(disk, &error);
    CloseHandle(disk);
    if (!layout)
        return wn_fail_win32(err, error, shown, "Reading the partition table under");
    for (DWORD i = 0; i < layout->PartitionCount; i++) {
        const PARTITION_INFORMATION_EX *p = &layout->PartitionEntry[i];
        if (wn_layout_entry_counts(layout, p) && p->StartingOffset.QuadPart == start)
            t->partition = (unsigned)p->PartitionNumber;
    }
    free(layout);
    /* No partition starts there: the volume covers the disk itself (a
     * "superfloppy" stick), and the disk is what it names. */
    return LB_OK;
}

int wn_resolve(const char *device, enum wn_want want, struct wn_target *t, struct lb_error *err)
{
    wn_shown_of(device, t->shown, sizeof t->shown);
    if (wn_parse_numbered(device, &t->disk, &t->partition)) {
        if (want == WN_WANT_DISK && t->partition != 0)
            return lb_fail(err, LB_NOT_A_DISK, 0, t->shown,
                           "%s is a partition, and this needs a whole disk; give the disk that holds it (\\\\.\\PhysicalDrive%u).",
                           t->shown, t->disk);
        return LB_OK;
    }
    DWORD error;
    wchar_t *volume = volume_of(device, &error);
    if (!volume) {
        /* A volume that exists but cannot be looked at says so; anything else
         * (no such letter, not a mount point, not a form Windows knows) is
         * answered with the forms that work. */
        if (error == ERROR_NOT_ENOUGH_MEMORY || error == ERROR_ACCESS_DENIED || error == ERROR_NOT_READY ||
            error == ERROR_NO_MEDIA_IN_DRIVE)
            return wn_fail_win32(err, error, t->shown, "Looking up the volume");
        return lb_fail(err, LB_NOT_FOUND, (int)error, t->shown,
                       "The device %s does not exist; on Windows name a disk as \\\\.\\PhysicalDriveN, a partition as \\\\?\\GLOBALROOT\\Device\\HarddiskN\\PartitionM, or a volume by its drive letter (D:), as `lifeboat disks` shows them.",
                       t->shown);
    }
    int rc = map_volume(volume, t->shown, t, err);
    free(volume);
    if (rc == LB_OK && want == WN_WANT_DISK)
        return lb_fail(err, LB_NOT_A_DISK, 0, t->shown,
                       "%s is a volume, and this needs a whole disk; give the disk that holds it (\\\\.\\PhysicalDrive%u).",
                       t->shown, t->disk);
    return rc;
}
