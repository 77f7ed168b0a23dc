#include "mountinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "../common/grow.h"

#include "../common/text.h"
#include "sysfs-read.h"

/* Longer lines cannot come from the kernel (two escaped PATH_MAX paths fit). */
#define LINE_MAX_BYTES 65536
/* Stop reading a (hostile) file after this much; real tables are far smaller. */
#define FILE_MAX_BYTES (64L * 1024 * 1024)

/* The kernel escapes space, tab, newline and backslash as \ooo. */
static void decode_octal(char *s)
{
    char *o = s;
    for (char *p = s; *p;) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            *o++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
            p += 4;
        } else
            *o++ = *p++;
    }
    *o = '\0';
}

/* The next field separated by spaces or tabs; NULL at the end of the line. */
static char *next_field(char **cursor)
{
    char *p = *cursor;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p || *p == '\n')
        return NULL;
    char *start = p;
    while (*p && *p != ' ' && *p != '\t' && *p != '\n')
        p++;
    if (*p)
        *p++ = '\0';
    *cursor = p;
    return start;
}

static void find_rdev(const struct lb_context *ctx, struct lx_mount *m)
{
    struct stat st;
    /* Never touch the real /dev for a captured tree. */
    if (ctx->sysroot || !lb_starts_with(m->source, "/dev/"))
        return;
    if (stat(m->source, &st) == 0 && S_ISBLK(st.st_mode)) {
        m->has_rdev = true;
        m->rdev_major = major(st.st_rdev);
        m->rdev_minor = minor(st.st_rdev);
    }
}

static int add_mount(const struct lb_context *ctx, struct lx_mounts *m, unsigned ma, unsigned mi,
                     const char *mountpoint, const char *source, bool is_swap)
{
    if (m->count >= LX_MAX_MOUNTS)
        return -E2BIG;
    struct lx_mount *items = lb_grow(m->items, &m->cap, m->count, sizeof *items, 64);
    if (!items)
        return -ENOMEM;
    m->items = items;
    struct lx_mount *e = &m->items[m->count];
    memset(e, 0, sizeof *e);
    e->major = ma;
    e->minor = mi;
    e->is_swap = is_swap;
    e->mountpoint = lb_strdup(mountpoint);
    e->source = lb_strdup(source);
    m->count++;
    if (!e->mountpoint || !e->source)
        return -ENOMEM;
    find_rdev(ctx, e);
    return 0;
}

/* "id parent maj:min root mountpoint options [optional...] - fstype source superoptions" */
static int parse_mountinfo_line(const struct lb_context *ctx, struct lx_mounts *m, char *line)
{
    char *cur = line;
    char *f[5];
    for (int i = 0; i < 5; i++)
        if (!(f[i] = next_field(&cur)))
            return 0; /* malformed lines are skipped, as findmnt does */
    unsigned ma, mi;
    char end;
    if (sscanf(f[2], "%u:%u%c", &ma, &mi, &end) != 2)
        return 0;
    char *field, *source = NULL;
    while ((field = next_field(&cur)) != NULL)
        if (strcmp(field, "-") == 0) {
            if (next_field(&cur)) /* fstype */
                source = next_field(&cur);
            break;
        }
    if (!source)
        return 0;
    decode_octal(f[4]);
    decode_octal(source);
    /* Most mounts (proc, tmpfs, cgroups, overlays) have anonymous numbers and
     * a source that is no device: they cannot belong to a disk. */
    if (ma == 0 && !lb_starts_with(source, "/dev/"))
        return 0;
    return add_mount(ctx, m, ma, mi, f[4], source, false);
}

/* "Filename Type Size Used Priority", after one header line. */
static int parse_swaps_line(const struct lb_context *ctx, struct lx_mounts *m, char *line)
{
    char *cur = line;
    char *name = next_field(&cur);
    char *type = next_field(&cur);
    if (!name || !type || strcmp(type, "file") == 0 || strcmp(name, "Filename") == 0)
        return 0; /* a swap file lives on a filesystem whose mount is listed anyway */
    decode_octal(name);
    return add_mount(ctx, m, 0, 0, "[SWAP]", name, true);
}

static int read_lines(const struct lb_context *ctx, const char *rel, struct lx_mounts *m,
                      int (*parse)(const struct lb_context *, struct lx_mounts *, char *))
{
    int rc = 0;
    int fd = lx_open_regular(ctx, rel);
    if (fd < 0)
        return fd;
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return -ENOMEM;
    }
    char *line = malloc(LINE_MAX_BYTES);
    if (!line) {
        fclose(f);
        return -ENOMEM;
    }
    long total = 0;
    while (rc == 0 && fgets(line, LINE_MAX_BYTES, f)) {
        size_t len = strlen(line);
        total += (long)len;
        if (total > FILE_MAX_BYTES) {
            rc = -E2BIG;
            break;
        }
        if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
            /* An overlong line: drop it and its rest. */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                total++;
            continue;
        }
        rc = parse(ctx, m, line);
    }
    if (rc == 0 && ferror(f))
        rc = -EIO;
    free(line);
    fclose(f);
    return rc;
}

int lx_mounts_read(const struct lb_context *ctx, struct lx_mounts *m, struct lb_error *err)
{
    memset(m, 0, sizeof *m);
    const char *what = "proc/self/mountinfo";
    int rc = read_lines(ctx, what, m, parse_mountinfo_line);
    if (rc == 0) {
        what = "proc/swaps";
        rc = read_lines(ctx, what, m, parse_swaps_line);
        /* Kernels without swap support have no proc/swaps. */
        if (rc == -ENOENT)
            rc = 0;
    }
    if (rc == 0)
        return LB_OK;
    lx_mounts_free(m);
    if (rc == -ENOMEM)
        return lb_fail_oom(err);
    return lb_fail(err, LB_SYSTEM_DATA_UNREADABLE, -rc, NULL,
                   "Cannot read %s/%s (%s); check that /proc is mounted.",
                   ctx->sysroot ? ctx->sysroot : "", what,
                   rc == -E2BIG ? "too many entries" : strerror(-rc));
}

void lx_mounts_free(struct lx_mounts *m)
{
    for (size_t i = 0; i < m->count; i++) {
        free(m->items[i].mountpoint);
        free(m->items[i].source);
    }
    free(m->items);
    memset(m, 0, sizeof *m);
}

bool lx_mount_on(const struct lx_mount *m, const struct lx_node *n)
{
    if (n->has_dev) {
        if (!m->is_swap && m->major == n->major && m->minor == n->minor)
            return true;
        if (m->has_rdev && m->rdev_major == n->major && m->rdev_minor == n->minor)
            return true;
    }
    if (lb_starts_with(m->source, "/dev/")) {
        const char *rest = m->source + strlen("/dev/");
        if (strcmp(rest, n->name) == 0)
            return true;
        if (n->dm_name && lb_starts_with(rest, "mapper/") && strcmp(rest + strlen("mapper/"), n->dm_name) == 0)
            return true;
    }
    return false;
}

int lx_mountpoints_of(const struct lx_mounts *m, const struct lx_node *n, struct lb_strlist *out)
{
    bool swap = false;
    for (size_t i = 0; i < m->count; i++) {
        if (!lx_mount_on(&m->items[i], n))
            continue;
        if (m->items[i].is_swap)
            swap = true;
        else if (lb_strlist_add_unique(out, m->items[i].mountpoint) != 0)
            return -ENOMEM;
    }
    if (swap && lb_strlist_add_unique(out, "[SWAP]") != 0)
        return -ENOMEM;
    return 0;
}
