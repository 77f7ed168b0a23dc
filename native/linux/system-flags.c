#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"
#include "snapshot.h"
#include "sysfs-read.h"

static const char *const system_mountpoints[] = {"/", "/usr", "/boot", "/boot/efi"};
/* Where live systems (Debian live, dracut, casper, our own image) mount the
 * medium they booted from. */
static const char *const boot_mountpoints[] = {
    "/run/lifeboat/medium", "/run/live/medium", "/lib/live/mount/medium",
    "/run/initramfs/live", "/cdrom",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static void seed_from_mounts(struct lx_snapshot *s)
{
    const struct lx_table *t = &s->table;
    for (size_t m = 0; m < s->mounts.count; m++) {
        const struct lx_mount *mnt = &s->mounts.items[m];
        unsigned char flag = 0;
        if (mnt->is_swap || in_list(mnt->mountpoint, system_mountpoints, 4))
            flag = LX_FLAG_SYSTEM;
        else if (in_list(mnt->mountpoint, boot_mountpoints, 5))
            flag = LX_FLAG_BOOT;
        if (!flag)
            continue;
        for (size_t i = 0; i < t->count; i++)
            if (lx_mount_on(mnt, &t->nodes[i]))
                s->flags[i] |= flag;
    }
}

static void seed_from_boot_device_file(const struct lb_context *ctx, struct lx_snapshot *s)
{
    char *name = lx_read_string(ctx, "run/lifeboat/boot-device");
    if (!name)
        return;
    const char *bare = lb_starts_with(name, "/dev/") ? name + strlen("/dev/") : name;
    long idx = lx_table_find(&s->table, bare);
    if (idx >= 0)
        s->flags[idx] |= LX_FLAG_BOOT;
    free(name);
}

/* Spreads flags down the stack: from a partition to its disk, from a dm/md
 * device to its slaves, from a holder to what it holds. A worklist over the
 * edges: a node is queued only when it gains a flag bit, so the work is
 * linear in the edges even on a cyclic (hostile) tree. */
struct edges {
    size_t *first; /* per node: index of its first edge; first[count] = total */
    size_t *to;
};

/* Every relation "a flag on from spreads to to". Without fill it counts the
 * edges per node into e->first; with fill it stores them. */
static size_t walk_relations(const struct lx_table *t, struct edges *e, size_t *fill)
{
    size_t total = 0;
    for (size_t i = 0; i < t->count; i++) {
        const struct lx_node *n = &t->nodes[i];
        for (int pass = 0; pass < 3; pass++) {
            size_t items = pass == 0 ? (n->parent >= 0) : pass == 1 ? n->slaves.count : n->holders.count;
            for (size_t k = 0; k < items; k++) {
                long from = (long)i, to;
                if (pass == 0)
                    to = n->parent;
                else if (pass == 1)
                    to = lx_table_find(t, n->slaves.items[k]);
                else {
                    /* i is held by the holder: the holder's flag spreads to i. */
                    from = lx_table_find(t, n->holders.items[k]);
                    to = (long)i;
                }
                if (from < 0 || to < 0 || from == to)
                    continue;
                if (e && fill)
                    e->to[fill[from]++] = (size_t)to;
                else if (e)
                    e->first[from]++;
                total++;
            }
        }
    }
    return total;
}

static int propagate(struct lx_snapshot *s)
{
    const struct lx_table *t = &s->table;
    size_t n = t->count;
    struct edges e = {calloc(n + 1, sizeof(size_t)), NULL};
    size_t *fill = NULL, *queue = NULL;
    int rc = -ENOMEM;
    if (!e.first)
        goto out;
    size_t total = walk_relations(t, &e, NULL); /* counts per node into first[] */
    /* Turn counts into start offsets. */
    size_t sum = 0;
    for (size_t i = 0; i <= n; i++) {
        size_t c = i < n ? e.first[i] : 0;
        e.first[i] = sum;
        sum += c;
    }
    e.to = malloc((total ? total : 1) * sizeof(size_t));
    fill = malloc((n ? n : 1) * sizeof(size_t));
    /* Each node enters the queue once as a seed and once per flag bit it gains. */
    queue = malloc((3 * n + 1) * sizeof(size_t));
    if (!e.to || !fill || !queue)
        goto out;
    memcpy(fill, e.first, n * sizeof(size_t));
    walk_relations(t, &e, fill);
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < n; i++)
        if (s->flags[i])
            queue[tail++] = i;
    while (head < tail) {
        size_t from = queue[head++];
        for (size_t k = e.first[from]; k < e.first[from + 1]; k++) {
            size_t to = e.to[k];
            unsigned char merged = s->flags[to] | s->flags[from];
            if (merged != s->flags[to]) {
                s->flags[to] = merged;
                if (tail < 3 * n + 1)
                    queue[tail++] = to;
            }
        }
    }
    rc = 0;
out:
    free(e.first);
    free(e.to);
    free(fill);
    free(queue);
    return rc;
}

int lx_flags_compute(const struct lb_context *ctx, struct lx_snapshot *s)
{
    s->flags = calloc(s->table.count ? s->table.count : 1, 1);
    if (!s->flags)
        return -ENOMEM;
    seed_from_mounts(s);
    seed_from_boot_device_file(ctx, s);
    return propagate(s);
}

bool lx_node_in_use(const struct lx_snapshot *s, long idx)
{
    const struct lx_node *n = &s->table.nodes[idx];
    if (n->holders.count > 0)
        return true;
    for (size_t m = 0; m < s->mounts.count; m++)
        if (lx_mount_on(&s->mounts.items[m], n))
            return true;
    return false;
}
