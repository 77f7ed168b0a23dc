#include "disk-query.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Layouts and extent lists larger than this are not real (GPT's usual maximum
 * is 128 entries; a volume spans at most a few dozen disks). */
#define MAX_IOCTL_BUFFER (1u << 20)

HANDLE wn_open_path(const char *path, DWORD access, DWORD *error)
{
    wchar_t *wide = wn_wide(path);
    if (!wide) {
        *error = ERROR_NOT_ENOUGH_MEMORY;
        return INVALID_HANDLE_VALUE;
    }
    HANDLE h = CreateFileW(wide, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    *error = h == INVALID_HANDLE_VALUE ? GetLastError() : 0;
    free(wide);
    return h;
}

HANDLE wn_open_disk(unsigned disk, DWORD access, DWORD *error)
{
    char path[WN_NAME_MAX];
    snprintf(path, sizeof path, "\\\\.\\PhysicalDrive%u", disk);
    return wn_open_path(path, access, error);
}

bool wn_ioctl(HANDLE h, DWORD code, const void *in, DWORD in_size, void *out, DWORD out_size,
              DWORD *got, DWORD *error)
{
    DWORD n = 0;
    /* DeviceIoControl's input is not const in its prototype; it is not written. */
    void *in_buffer = (void *)(uintptr_t)in;
    if (DeviceIoControl(h, code, in_buffer, in_size, out, out_size, &n, NULL)) {
        if (got)
            *got = n;
        *error = 0;
        return true;
    }
    *error = GetLastError();
    return false;
}

void *wn_query_property(HANDLE h, int property, DWORD *got, DWORD *error)
{
    STORAGE_PROPERTY_QUERY query;
    memset(&query, 0, sizeof query);
    query.PropertyId = (STORAGE_PROPERTY_ID)property;
    query.QueryType = PropertyStandardQuery;
    STORAGE_DESCRIPTOR_HEADER header = {0, 0};
    if (!wn_ioctl(h, IOCTL_STORAGE_QUERY_PROPERTY, &query, sizeof query, &header, sizeof header, NULL, error))
        return NULL;
    DWORD size = header.Size;
    if (size < sizeof header || size > MAX_IOCTL_BUFFER) {
        *error = ERROR_INVALID_DATA;
        return NULL;
    }
    void *buf = calloc(1, size);
    if (!buf) {
        *error = ERROR_NOT_ENOUGH_MEMORY;
        return NULL;
    }
    if (!wn_ioctl(h, IOCTL_STORAGE_QUERY_PROPERTY, &query, sizeof query, buf, size, got, error)) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Calls an IOCTL whose answer has a variable length, doubling the buffer
 * while Windows says it is too small. */
static void *grow_ioctl(HANDLE h, DWORD code, DWORD first, DWORD *size_out, DWORD *error)
{
    for (DWORD size = first; size <= MAX_IOCTL_BUFFER; size *= 2) {
        *size_out = size;
        void *buf = calloc(1, size);
        if (!buf) {
            *error = ERROR_NOT_ENOUGH_MEMORY;
            return NULL;
        }
        if (wn_ioctl(h, code, NULL, 0, buf, size, NULL, error))
            return buf;
        free(buf);
        if (*error != ERROR_INSUFFICIENT_BUFFER && *error != ERROR_MORE_DATA)
            return NULL;
    }
    *error = ERROR_INVALID_DATA;
    return NULL;
}

DRIVE_LAYOUT_INFORMATION_EX *wn_read_layout(HANDLE h, DWORD *error)
{
    DWORD first = (DWORD)(sizeof(DRIVE_LAYOUT_INFORMATION_EX) + 128 * sizeof(PARTITION_INFORMATION_EX));
    DWORD size;
    DRIVE_LAYOUT_INFORMATION_EX *layout = grow_ioctl(h, IOCTL_DISK_GET_DRIVE_LAYOUT_EX, first, &size, error);
    /* The count is what the driver wrote; it must fit the buffer. */
    if (layout && layout->PartitionCount > (size - offsetof(DRIVE_LAYOUT_INFORMATION_EX, PartitionEntry)) /
                                                 sizeof(PARTITION_INFORMATION_EX)) {
        free(layout);
        *error = ERROR_INVALID_DATA;
        return NULL;
    }
    return layout;
}

VOLUME_DISK_EXTENTS *wn_volume_extents(HANDLE h, DWORD *error)
{
    DWORD first = (DWORD)(sizeof(VOLUME_DISK_EXTENTS) + 7 * sizeof(DISK_EXTENT));
    DWORD size;
    VOLUME_DISK_EXTENTS *extents = grow_ioctl(h, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, first, &size, error);
    if (extents && extents->NumberOfDiskExtents > (size - offsetof(VOLUME_DISK_EXTENTS, Extents)) / sizeof(DISK_EXTENT)) {
        free(extents);
        *error = ERROR_INVALID_DATA;
        return NULL;
    }
    return extents;
}

bool wn_layout_entry_counts(const DRIVE_LAYOUT_INFORMATION_EX *layout, const PARTITION_INFORMATION_EX *p)
{
    if (p->PartitionNumber == 0 || p->PartitionLength.QuadPart <= 0 || p->StartingOffset.QuadPart < 0)
        return false;
    if (layout->PartitionStyle == PARTITION_STYLE_MBR)
        return p->Mbr.PartitionType != PARTITION_ENTRY_UNUSED && !IsContainerPartition(p->Mbr.PartitionType);
    return true;
}
