#include "blockdev-table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../common/grow.h"

#include "../common/text.h"
#include "sysfs-read.h"

static int unreadable(const struct lb_context *ctx, struct lb_error *err, const char *rel, int neg_errno)
{
    if (neg_errno == -ENOMEM)
        return lb_fail_oom(err);
    return lb_fail(err, LB_SYSTEM_DATA_UNREADABLE, -neg_errno, NULL,
                   "Cannot read %s/%s (%s); check that sysfs is mounted at %s/sys.",
                   ctx->sysroot ? ctx->sysroot : "", rel,
                   neg_errno == -E2BIG ? "too many entries" : strerror(-neg_errno),
                   ctx->sysroot ? ctx->sysroot : "");
}

/* Optional lists (holders/, slaves/): absent is empty, not an error. */
static int read_links(const struct lb_context *ctx, const char *dir, const char *sub,
                      struct lb_strlist *out)
{
    char rel[LX_PATH_MAX];
    if (lx_relpath(rel, sizeof rel, "%s/%s", dir, sub) != 0)
        return 0;
    int rc = lx_list_dir(ctx, rel, out);
    return rc == -ENOMEM || rc == -E2BIG ? rc : 0;
}

static int add_node(const struct lb_context *ctx, struct lx_table *t, const char *name,
                    const char *dir, long parent)
{
    if (t->count >= LX_MAX_NODES)
        return -E2BIG;
    struct lx_node *nodes = lb_grow(t->nodes, &t->cap, t->count, sizeof *nodes, 64);
    if (!nodes)
        return -ENOMEM;
    t->nodes = nodes;
    struct lx_node *n = &t->nodes[t->count];
    memset(n, 0, sizeof *n);
    n->parent = parent;
    n->name = lb_strdup(name);
    n->dir = lb_strdup(dir);
    t->count++;
    if (!n->name || !n->dir)
        return -ENOMEM;
    char rel[LX_PATH_MAX];
    if (lx_relpath(rel, sizeof rel, "%s/dev", dir) == 0)
        n->has_dev = lx_read_devnum(ctx, rel, &n->major, &n->minor) == 0;
    if (lb_starts_with(name, "dm-") && lx_relpath(rel, sizeof rel, "%s/dm/name", dir) == 0)
        n->dm_name = lx_read_string(ctx, rel);
    int rc = read_links(ctx, dir, "holders", &n->holders);
    if (rc == 0)
        rc = read_links(ctx, dir, "slaves", &n->slaves);
    t->link_count += n->holders.count + n->slaves.count;
    if (rc == 0 && t->link_count > LX_MAX_LINKS)
        rc = -E2BIG;
    return rc;
}

/* Partitions are the subdirectories that hold a `partition` file. */
static int scan_partitions(const struct lb_context *ctx, struct lx_table *t, size_t disk)
{
    struct lb_strlist entries = {0};
    char dir[LX_PATH_MAX];
    if (lx_relpath(dir, sizeof dir, "%s", t->nodes[disk].dir) != 0)
        return 0;
    int rc = lx_list_dir(ctx, dir, &entries);
    if (rc != 0)
        return rc == -ENOMEM || rc == -E2BIG ? rc : 0;
    for (size_t i = 0; i < entries.count && rc == 0; i++) {
        char rel[LX_PATH_MAX], sub[LX_PATH_MAX];
        if (lx_relpath(rel, sizeof rel, "%s/%s/partition", dir, entries.items[i]) != 0 ||
            !lx_exists(ctx, rel))
            continue;
        if (lx_relpath(sub, sizeof sub, "%s/%s", dir, entries.items[i]) == 0)
            rc = add_node(ctx, t, entries.items[i], sub, (long)disk);
    }
    lb_strlist_free(&entries);
    return rc;
}

static const struct lx_table *sort_table;

static int cmp_by_name(const void *a, const void *b)
{
    return strcmp(sort_table->nodes[*(const size_t *)a].name, sort_table->nodes[*(const size_t *)b].name);
}

int lx_table_scan(const struct lb_context *ctx, struct lx_table *t, struct lb_error *err)
{
    struct lb_strlist names = {0};
    memset(t, 0, sizeof *t);
    int rc = lx_list_dir(ctx, "sys/block", &names);
    if (rc != 0)
        return unreadable(ctx, err, "sys/block", rc);
    for (size_t i = 0; i < names.count && rc == 0; i++) {
        char dir[LX_PATH_MAX];
        if (lx_relpath(dir, sizeof dir, "sys/block/%s", names.items[i]) != 0)
            continue;
        size_t disk = t->count;
        rc = add_node(ctx, t, names.items[i], dir, -1);
        if (rc == 0)
            rc = scan_partitions(ctx, t, disk);
    }
    lb_strlist_free(&names);
    if (rc == 0) {
        t->by_name = malloc((t->count ? t->count : 1) * sizeof *t->by_name);
        if (!t->by_name)
            rc = -ENOMEM;
    }
    if (rc != 0) {
        lx_table_free(t);
        return unreadable(ctx, err, "sys/block", rc);
    }
    for (size_t i = 0; i < t->count; i++)
        t->by_name[i] = i;
    /* qsort has no context argument in C11; the helper is single-threaded. */
    sort_table = t;
    qsort(t->by_name, t->count, sizeof *t->by_name, cmp_by_name);
    sort_table = NULL;
    return LB_OK;
}

void lx_table_free(struct lx_table *t)
{
    for (size_t i = 0; i < t->count; i++) {
        free(t->nodes[i].name);
        free(t->nodes[i].dir);
        free(t->nodes[i].dm_name);
        lb_strlist_free(&t->nodes[i].holders);
        lb_strlist_free(&t->nodes[i].slaves);
    }
    free(t->nodes);
    free(t->by_name);
    memset(t, 0, sizeof *t);
}

long lx_table_find(const struct lx_table *t, const char *name)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(t->nodes[t->by_name[mid]].name, name);
        if (c == 0)
            return (long)t->by_name[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

long lx_table_find_dev(const struct lx_table *t, unsigned major, unsigned minor)
{
    for (size_t i = 0; i < t->count; i++)
        if (t->nodes[i].has_dev && t->nodes[i].major == major && t->nodes[i].minor == minor)
            return (long)i;
    return -1;
}
