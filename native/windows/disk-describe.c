#include "disk-describe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"
#include "device-name.h"
#include "disk-identity.h"
#include "disk-query.h"

static char *guid_text(const GUID *g)
{
    return lb_asprintf("%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", (unsigned long)g->Data1,
                       (unsigned)g->Data2, (unsigned)g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3],
                       g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
}

/* One layout entry as a Partition; type, uuid and label as udev would give
 * them (GPT GUIDs in lower case, MBR types as 0x07, MBR uuids as
 * disk-signature-number). */
static int describe_partition(unsigned disk, const DRIVE_LAYOUT_INFORMATION_EX *layout,
                              const PARTITION_INFORMATION_EX *e, bool read_only, struct lb_partition *p)
{
    char text[WN_NAME_MAX];
    memset(p, 0, sizeof *p);
    p->number = (unsigned)e->PartitionNumber;
    p->start_bytes = (uint64_t)e->StartingOffset.QuadPart;
    p->size_bytes = (uint64_t)e->PartitionLength.QuadPart;
    p->read_only = read_only;
    snprintf(text, sizeof text, "Harddisk%uPartition%u", disk, p->number);
    p->name = lb_strdup(text);
    wn_partition_path(disk, p->number, text, sizeof text);
    p->path = lb_strdup(text);
    if (!p->name || !p->path)
        return -1;
    if (layout->PartitionStyle == PARTITION_STYLE_GPT) {
        p->type = guid_text(&e->Gpt.PartitionType);
        p->uuid = guid_text(&e->Gpt.PartitionId);
        size_t n = 0;
        while (n < sizeof e->Gpt.Name / sizeof e->Gpt.Name[0] && e->Gpt.Name[n])
            n++;
        p->label = n ? wn_utf8_n(e->Gpt.Name, n) : NULL;
        if (!p->type || !p->uuid || (n && !p->label))
            return -1;
    } else if (layout->PartitionStyle == PARTITION_STYLE_MBR) {
        p->type = lb_asprintf("0x%02x", (unsigned)e->Mbr.PartitionType);
        p->uuid = lb_asprintf("%08lx-%02x", (unsigned long)layout->Mbr.Signature, p->number);
        if (!p->type || !p->uuid)
            return -1;
    }
    return 0;
}

static int cmp_partition(const void *a, const void *b)
{
    unsigned x = ((const struct lb_partition *)a)->number, y = ((const struct lb_partition *)b)->number;
    return x < y ? -1 : x > y;
}

static int read_partitions(HANDLE h, unsigned disk, struct lb_disk *d, const char *shown, struct lb_error *err)
{
    DWORD error;
    DRIVE_LAYOUT_INFORMATION_EX *layout = wn_read_layout(h, &error);
    if (!layout) {
        /* No medium: no partitions. A driver that keeps no layout at all (Wine's
         * drive-letter disks) is shown without partitions rather than hidden;
         * its volumes still land on the disk's mountpoints. */
        if (error == ERROR_NOT_READY || error == ERROR_NO_MEDIA_IN_DRIVE || error == ERROR_NOT_SUPPORTED ||
            error == ERROR_INVALID_FUNCTION)
            return LB_OK;
        return wn_fail_win32(err, error, shown, "Reading the partition table of");
    }
    d->partition_table_type = layout->PartitionStyle == PARTITION_STYLE_GPT   ? "gpt"
                              : layout->PartitionStyle == PARTITION_STYLE_MBR ? "dos"
                                                                              : NULL;
    d->partitions = calloc(layout->PartitionCount ? layout->PartitionCount : 1, sizeof *d->partitions);
    int rc = d->partitions ? LB_OK : lb_fail_oom(err);
    for (DWORD i = 0; rc == LB_OK && i < layout->PartitionCount; i++) {
        const PARTITION_INFORMATION_EX *e = &layout->PartitionEntry[i];
        if (!wn_layout_entry_counts(layout, e))
            continue;
        /* counted before it is filled, so a half-built entry is freed too */
        struct lb_partition *p = &d->partitions[d->partition_count++];
        if (describe_partition(disk, layout, e, d->read_only, p) != 0)
            rc = lb_fail_oom(err);
    }
    free(layout);
    if (rc == LB_OK)
        qsort(d->partitions, d->partition_count, sizeof *d->partitions, cmp_partition);
    return rc;
}

static int add_all(struct lb_strlist *to, const struct lb_strlist *from)
{
    for (size_t i = 0; i < from->count; i++)
        if (lb_strlist_add_unique(to, from->items[i]) != 0)
            return -1;
    return 0;
}

/* Mountpoints (the volume's paths) and holders (a volume that spans several
 * extents: dynamic disks, Storage Spaces) go to the partition an extent starts
 * in, or to the disk when it lies in no partition. */
static int map_volumes(unsigned disk, const struct wn_volumes *volumes, struct lb_disk *d)
{
    for (size_t v = 0; v < volumes->count; v++) {
        const struct wn_volume *vol = &volumes->items[v];
        for (size_t x = 0; x < vol->extent_count; x++) {
            const struct wn_extent *ext = &vol->extents[x];
            if (ext->disk != disk)
                continue;
            d->is_system |= vol->is_system;
            d->is_boot_medium |= vol->is_boot_medium;
            struct lb_strlist *mounts = &d->mountpoints, *holders = &d->holders;
            for (size_t i = 0; i < d->partition_count; i++) {
                struct lb_partition *p = &d->partitions[i];
                if (ext->start >= p->start_bytes && ext->start - p->start_bytes < p->size_bytes) {
                    mounts = &p->mountpoints;
                    holders = &p->holders;
                }
            }
            if (add_all(mounts, &vol->paths) != 0 ||
                (vol->extent_count > 1 && lb_strlist_add_unique(holders, vol->name_utf8) != 0))
                return -1;
        }
    }
    lb_strlist_sort(&d->mountpoints);
    for (size_t i = 0; i < d->partition_count; i++)
        lb_strlist_sort(&d->partitions[i].mountpoints);
    return 0;
}

int wn_describe_disk(unsigned disk, const struct wn_volumes *volumes, const char *shown, struct lb_disk *out,
                     struct lb_error *err)
{
    char text[WN_NAME_MAX];
    memset(out, 0, sizeof *out);
    DWORD error;
    HANDLE h = wn_open_disk(disk, GENERIC_READ, &error);
    if (h == INVALID_HANDLE_VALUE)
        return wn_fail_win32(err, error, shown, "Opening");
    snprintf(text, sizeof text, "PhysicalDrive%u", disk);
    out->name = lb_strdup(text);
    wn_disk_path(disk, text, sizeof text);
    out->path = lb_strdup(text);
    int rc = out->name && out->path ? LB_OK : lb_fail_oom(err);
    if (rc == LB_OK)
        rc = wn_read_identity(h, out, shown, err);
    if (rc == LB_OK && out->size_bytes > 0)
        rc = read_partitions(h, disk, out, shown, err);
    CloseHandle(h);
    if (rc == LB_OK && map_volumes(disk, volumes, out) != 0)
        rc = lb_fail_oom(err);
    if (rc != LB_OK)
        lb_disk_free(out);
    return rc;
}

long wn_find_partition(const struct lb_disk *d, unsigned number)
{
    for (size_t i = 0; i < d->partition_count; i++)
        if (d->partitions[i].number == number)
            return (long)i;
    return -1;
}
