/* How a disk is attached, read from where the kernel put it in the device
 * tree: sys/block/NAME links to e.g.
 *   ../devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb
 *   ../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda
 *   ../devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1
 *   ../devices/pci0000:00/0000:00:02.0/virtio1/block/vda
 *   ../devices/virtual/block/loop0
 * Only the link text is interpreted (never followed), so a captured tree works
 * the same. The outermost bridge decides: a SATA disk in a USB case is "usb". */
#include <string.h>

#include "disk-describe.h"
#include "sysfs-read.h"

static int has_prefix_digit(const char *comp, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len > n && strncmp(comp, prefix, n) == 0 && comp[n] >= '0' && comp[n] <= '9';
}

static int is_word(const char *comp, size_t len, const char *word)
{
    return len == strlen(word) && strncmp(comp, word, len) == 0;
}

const char *lx_transport_from_link(const char *target)
{
    enum { USB = 1, ATA = 2, NVME = 4, MMC = 8, VIRTIO = 16, SCSI = 32, LOOP = 64 };
    int seen = 0;
    const char *last = target;
    size_t last_len = 0;
    for (const char *p = target; *p;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (has_prefix_digit(p, len, "usb"))
            seen |= USB;
        else if (has_prefix_digit(p, len, "ata"))
            seen |= ATA;
        else if (is_word(p, len, "nvme") || has_prefix_digit(p, len, "nvme-subsys"))
            seen |= NVME;
        else if (has_prefix_digit(p, len, "mmc") || is_word(p, len, "mmc_host"))
            seen |= MMC;
        else if (has_prefix_digit(p, len, "virtio"))
            seen |= VIRTIO;
        else if (has_prefix_digit(p, len, "host") || has_prefix_digit(p, len, "target"))
            seen |= SCSI;
        if (len) {
            last = p;
            last_len = len;
        }
        p += len;
        while (*p == '/')
            p++;
    }
    if (has_prefix_digit(last, last_len, "loop"))
        seen |= LOOP;
    if (seen & USB)
        return "usb";
    if (seen & NVME)
        return "nvme";
    if (seen & MMC)
        return "mmc";
    if (seen & ATA)
        return "ata";
    /* virtio-scsi shows both; the disk speaks SCSI. */
    if (seen & SCSI)
        return "scsi";
    if (seen & VIRTIO)
        return "virtio";
    if (seen & LOOP)
        return "loop";
    return "unknown";
}

const char *lx_transport(const struct lb_context *ctx, const char *name)
{
    char rel[LX_PATH_MAX], target[LX_PATH_MAX];
    if (lx_relpath(rel, sizeof rel, "sys/block/%s", name) != 0 ||
        lx_readlink(ctx, rel, target, sizeof target) != 0)
        return "unknown";
    return lx_transport_from_link(target);
}
