/* The fields of a disk that come from IOCTL_STORAGE_QUERY_PROPERTY and the
 * write-protect and geometry queries. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"
#include "disk-identity.h"
#include "disk-query.h"

/* An ASCII string at an offset of a descriptor, trimmed; NULL when absent. */
static char *descriptor_string(const void *buf, DWORD got, DWORD offset)
{
    if (offset == 0 || offset >= got)
        return NULL;
    const char *s = (const char *)buf + offset;
    size_t n = 0;
    while (offset + n < got && s[n])
        n++;
    char *copy = lb_strndup(s, n);
    if (!copy)
        return NULL;
    lb_trim(copy);
    if (!*copy) {
        free(copy);
        return NULL;
    }
    return copy;
}

static const char *transport_of(int bus)
{
    switch (bus) {
    case BusTypeUsb:
        return "usb";
    case BusTypeAta:
    case BusTypeAtapi:
    case BusTypeSata:
        return "ata";
    case BusTypeNvme:
        return "nvme";
    case BusTypeSd:
    case BusTypeMmc:
        return "mmc";
    case BusTypeScsi:
    case BusTypeSas:
    case BusTypeRAID:
    case BusTypeiScsi:
    case BusTypeFibre:
    case BusTypeSsa:
    case BusType1394:
    case BusTypeUfs:
        return "scsi";
    case BusTypeFileBackedVirtual:
        return "loop"; /* a mounted VHD or VHDX file */
    default:
        return "unknown"; /* Virtual, Spaces, SCM and anything newer */
    }
}

/* The NAA identifier of the device page (VPD 0x83), as udev writes ID_WWN. */
static int read_wwn(HANDLE h, struct lb_disk *d)
{
    DWORD got, error;
    STORAGE_DEVICE_ID_DESCRIPTOR *ids = wn_query_property(h, StorageDeviceIdProperty, &got, &error);
    if (!ids)
        return error == ERROR_NOT_ENOUGH_MEMORY ? -1 : 0;
    size_t offset = offsetof(STORAGE_DEVICE_ID_DESCRIPTOR, Identifiers);
    for (DWORD i = 0; i < ids->NumberOfIdentifiers && !d->wwn; i++) {
        size_t head = offsetof(STORAGE_IDENTIFIER, Identifier);
        if (offset + head > got)
            break;
        const STORAGE_IDENTIFIER *id = (const STORAGE_IDENTIFIER *)((const char *)ids + offset);
        if (offset + head + id->IdentifierSize > got)
            break;
        if (id->Type == StorageIdTypeFCPHName && id->CodeSet == StorageIdCodeSetBinary &&
            id->Association == StorageIdAssocDevice && (id->IdentifierSize == 8 || id->IdentifierSize == 16)) {
            char hex[2 + 32 + 1] = "0x";
            for (USHORT b = 0; b < id->IdentifierSize; b++)
                snprintf(hex + 2 + 2 * b, 3, "%02x", id->Identifier[b]);
            d->wwn = lb_strdup(hex);
            if (!d->wwn) {
                free(ids);
                return -1;
            }
        }
        if (id->NextOffset == 0)
            break;
        offset += id->NextOffset;
    }
    free(ids);
    return 0;
}

int wn_read_identity(HANDLE h, struct lb_disk *d, const char *shown, struct lb_error *err)
{
    DWORD got, error;
    STORAGE_DEVICE_DESCRIPTOR *desc = wn_query_property(h, StorageDeviceProperty, &got, &error);
    if (!desc)
        return wn_fail_win32(err, error, shown, "Reading the identity of");
    d->vendor = descriptor_string(desc, got, desc->VendorIdOffset);
    d->model = descriptor_string(desc, got, desc->ProductIdOffset);
    d->serial = descriptor_string(desc, got, desc->SerialNumberOffset);
    d->removable = desc->RemovableMedia != 0;
    d->transport = transport_of((int)desc->BusType);
    free(desc);
    if (read_wwn(h, d) != 0)
        return lb_fail_oom(err);

    DEVICE_SEEK_PENALTY_DESCRIPTOR seek;
    STORAGE_PROPERTY_QUERY query;
    memset(&query, 0, sizeof query);
    query.PropertyId = StorageDeviceSeekPenaltyProperty;
    query.QueryType = PropertyStandardQuery;
    memset(&seek, 0, sizeof seek);
    /* Drives that do not say are reported as not rotational. */
    if (wn_ioctl(h, IOCTL_STORAGE_QUERY_PROPERTY, &query, sizeof query, &seek, sizeof seek, &got, &error) &&
        got >= offsetof(DEVICE_SEEK_PENALTY_DESCRIPTOR, IncursSeekPenalty) + 1)
        d->rotational = seek.IncursSeekPenalty != 0;

    DEVICE_TRIM_DESCRIPTOR trim;
    memset(&trim, 0, sizeof trim);
    query.PropertyId = StorageDeviceTrimProperty;
    bool trim_enabled = wn_ioctl(h, IOCTL_STORAGE_QUERY_PROPERTY, &query, sizeof query, &trim, sizeof trim, &got,
                                 &error) &&
                        got >= offsetof(DEVICE_TRIM_DESCRIPTOR, TrimEnabled) + 1 && trim.TrimEnabled;

    STORAGE_ACCESS_ALIGNMENT_DESCRIPTOR align;
    memset(&align, 0, sizeof align);
    query.PropertyId = StorageAccessAlignmentProperty;
    if (wn_ioctl(h, IOCTL_STORAGE_QUERY_PROPERTY, &query, sizeof query, &align, sizeof align, &got, &error) &&
        got >= offsetof(STORAGE_ACCESS_ALIGNMENT_DESCRIPTOR, BytesOffsetForSectorAlignment))
        d->physical_sector_size = align.BytesPerPhysicalSector;

    /* ERROR_WRITE_PROTECT is the answer "read-only"; any other failure (no
     * medium) says nothing about write protection. */
    if (!wn_ioctl(h, IOCTL_DISK_IS_WRITABLE, NULL, 0, NULL, 0, NULL, &error) && error == ERROR_WRITE_PROTECT)
        d->read_only = true;

    union {
        DISK_GEOMETRY_EX g;
        unsigned char bytes[512];
    } geo;
    memset(&geo, 0, sizeof geo);
    if (wn_ioctl(h, IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, NULL, 0, &geo, sizeof geo, &got, &error)) {
        d->size_bytes = (uint64_t)geo.g.DiskSize.QuadPart;
        d->logical_sector_size = geo.g.Geometry.BytesPerSector;
    } else if (error != ERROR_NOT_READY && error != ERROR_NO_MEDIA_IN_DRIVE) {
        return wn_fail_win32(err, error, shown, "Reading the size of");
    }
    /* A card reader with no card: listed with size 0, as on Linux. */
    if (d->logical_sector_size == 0)
        d->logical_sector_size = 512;
    if (d->physical_sector_size < d->logical_sector_size)
        d->physical_sector_size = d->logical_sector_size;
    /* Windows takes TRIM ranges of any length and splits them for the drive. */
    if (trim_enabled && d->size_bytes > 0) {
        d->discard_granularity_bytes = d->physical_sector_size;
        d->discard_max_bytes = d->size_bytes;
    }
    return LB_OK;
}
