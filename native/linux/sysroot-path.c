/* Symlink resolution confined to the sysroot, done in user space so it works
 * on any kernel and in any container (openat2's RESOLVE_IN_ROOT is not
 * everywhere). Only --sysroot mode uses it; the live system uses plain paths. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs-read.h"

/* As the kernel's own limit, so a cyclic tree fails with ELOOP. */
#define MAX_SYMLINK_HOPS 40

int lx_relpath(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size)
        return -ENAMETOOLONG;
    return 0;
}

/* Puts text + "/" + rest into pending (rest may point into pending). */
static int prepend(char *pending, size_t size, const char *text, const char *rest)
{
    char tmp[2 * LX_PATH_MAX];
    if (lx_relpath(tmp, sizeof tmp, "%s/%s", text, rest) != 0 || strlen(tmp) >= size)
        return -ENAMETOOLONG;
    strcpy(pending, tmp);
    return 0;
}

static int resolve_in_root(const char *root, const char *rel, bool follow_last,
                           char *out, size_t size)
{
    size_t root_len = strlen(root);
    char pending[2 * LX_PATH_MAX];
    int hops = 0;
    if (root_len >= size || strlen(rel) >= sizeof pending)
        return -ENAMETOOLONG;
    memcpy(out, root, root_len + 1);
    strcpy(pending, rel);
    size_t len = root_len;
    char *rest = pending;
    while (*rest) {
        /* Take the next component off the front of rest. */
        while (*rest == '/')
            rest++;
        if (!*rest)
            break;
        char *slash = strchr(rest, '/');
        size_t comp_len = slash ? (size_t)(slash - rest) : strlen(rest);
        char *next = rest + comp_len;
        while (*next == '/')
            next++;
        bool last = *next == '\0';
        if (comp_len == 1 && rest[0] == '.') {
            rest = next;
            continue;
        }
        if (comp_len == 2 && rest[0] == '.' && rest[1] == '.') {
            /* Never above the root, as ".." at "/" stays at "/". */
            while (len > root_len && out[len - 1] != '/')
                len--;
            if (len > root_len)
                len--;
            out[len] = '\0';
            rest = next;
            continue;
        }
        if (len + 1 + comp_len >= size)
            return -ENAMETOOLONG;
        size_t before = len;
        out[len++] = '/';
        memcpy(out + len, rest, comp_len);
        len += comp_len;
        out[len] = '\0';
        if (last && !follow_last)
            return 0;
        struct stat st;
        if (lstat(out, &st) != 0)
            return -errno;
        if (!S_ISLNK(st.st_mode)) {
            if (!last && !S_ISDIR(st.st_mode))
                return -ENOTDIR;
            rest = next;
            continue;
        }
        if (++hops > MAX_SYMLINK_HOPS)
            return -ELOOP;
        char target[LX_PATH_MAX];
        ssize_t n = readlink(out, target, sizeof target - 1);
        if (n < 0)
            return -errno;
        target[n] = '\0';
        /* Replace the link by its target, read relative to the link's directory
         * or, when absolute, relative to the root. */
        len = target[0] == '/' ? root_len : before;
        out[len] = '\0';
        int rc = prepend(pending, sizeof pending, target, next);
        if (rc != 0)
            return rc;
        rest = pending;
    }
    return 0;
}

int lx_resolve(const struct lb_context *ctx, const char *rel, bool follow_last,
               char *out, size_t size)
{
    if (!ctx->sysroot)
        return lx_relpath(out, size, "/%s", rel);
    return resolve_in_root(ctx->sysroot, rel, follow_last, out, size);
}
