/* Opening disks and volumes, and the IOCTLs that describe them, each with
 * its buffer sized from what Windows says it needs. */
#ifndef WN_DISK_QUERY_H
#define WN_DISK_QUERY_H

#include "win-ops.h"

#include <winioctl.h>

/* CreateFileW with both sharing modes (others keep their access; locking is
 * done with FSCTL_LOCK_VOLUME, not by sharing). Access 0 allows only queries.
 * INVALID_HANDLE_VALUE with *error set on failure. */
HANDLE wn_open_path(const char *path, DWORD access, DWORD *error);
HANDLE wn_open_disk(unsigned disk, DWORD access, DWORD *error);

/* DeviceIoControl; false with *error set on failure. */
bool wn_ioctl(HANDLE h, DWORD code, const void *in, DWORD in_size, void *out, DWORD out_size,
              DWORD *got, DWORD *error);

/* One IOCTL_STORAGE_QUERY_PROPERTY descriptor, malloc'd at the size its
 * header asks for; *got is the number of valid bytes. NULL with *error. */
void *wn_query_property(HANDLE h, int property, DWORD *got, DWORD *error);

/* IOCTL_DISK_GET_DRIVE_LAYOUT_EX, malloc'd. NULL with *error. */
DRIVE_LAYOUT_INFORMATION_EX *wn_read_layout(HANDLE h, DWORD *error);

/* IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS on an open volume, malloc'd. */
VOLUME_DISK_EXTENTS *wn_volume_extents(HANDLE h, DWORD *error);

/* A partition of the layout that the helper reports: numbered, not empty,
 * and not an MBR extended container (Windows numbers only what is inside). */
bool wn_layout_entry_counts(const DRIVE_LAYOUT_INFORMATION_EX *layout, const PARTITION_INFORMATION_EX *p);

#endif
