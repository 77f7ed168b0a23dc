#include "sysfs-read.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lx_open_regular(const struct lb_context *ctx, const char *rel)
{
    char path[LX_PATH_MAX];
    int rc = lx_resolve(ctx, rel, true, path, sizeof path);
    if (rc != 0)
        return rc;
    /* O_NONBLOCK: a FIFO in a hostile tree must not hang the helper. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    return fd;
}

int lx_read_file(const struct lb_context *ctx, const char *rel, char **data, size_t *len)
{
    int fd = lx_open_regular(ctx, rel);
    if (fd < 0)
        return fd;
    char *buf = malloc(LX_MAX_FILE_BYTES + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    size_t n = 0;
    while (n < LX_MAX_FILE_BYTES) {
        ssize_t got = read(fd, buf + n, LX_MAX_FILE_BYTES - n);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            return -e;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

char *lx_read_string(const struct lb_context *ctx, const char *rel)
{
    char *data;
    size_t len;
    if (lx_read_file(ctx, rel, &data, &len) != 0)
        return NULL;
    /* A NUL inside would cut the string short; sysfs text never has one. */
    lb_trim(data);
    if (!data[0]) {
        free(data);
        return NULL;
    }
    return data;
}

int lx_read_u64(const struct lb_context *ctx, const char *rel, uint64_t *out)
{
    char *data;
    size_t len;
    int rc = lx_read_file(ctx, rel, &data, &len);
    if (rc != 0)
        return rc;
    lb_trim(data);
    uint64_t v = 0;
    rc = data[0] ? 0 : -EINVAL;
    for (const char *p = data; *p && rc == 0; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            rc = -EINVAL;
        else
            v = v * 10 + (uint64_t)(*p - '0');
    }
    free(data);
    if (rc == 0)
        *out = v;
    return rc;
}

bool lx_read_bool(const struct lb_context *ctx, const char *rel, bool fallback)
{
    uint64_t v;
    if (lx_read_u64(ctx, rel, &v) != 0 || v > 1)
        return fallback;
    return v == 1;
}

int lx_read_devnum(const struct lb_context *ctx, const char *rel, unsigned *major, unsigned *minor)
{
    char *data;
    size_t len;
    int rc = lx_read_file(ctx, rel, &data, &len);
    if (rc != 0)
        return rc;
    unsigned long ma, mi;
    char *end;
    errno = 0;
    ma = strtoul(data, &end, 10);
    rc = -EINVAL;
    if (end != data && *end == ':' && end[1] >= '0' && end[1] <= '9') {
        char *p = end + 1;
        mi = strtoul(p, &end, 10);
        /* Linux device numbers: 12-bit major, 20-bit minor. */
        if (errno == 0 && (*end == '\n' || *end == '\0') && ma < (1UL << 12) && mi < (1UL << 20)) {
            *major = (unsigned)ma;
            *minor = (unsigned)mi;
            rc = 0;
        }
    }
    free(data);
    return rc;
}

int lx_readlink(const struct lb_context *ctx, const char *rel, char *out, size_t size)
{
    char path[LX_PATH_MAX];
    int rc = lx_resolve(ctx, rel, false, path, sizeof path);
    if (rc != 0)
        return rc;
    ssize_t n = readlink(path, out, size - 1);
    if (n < 0)
        return -errno;
    out[n] = '\0';
    return 0;
}

bool lx_exists(const struct lb_context *ctx, const char *rel)
{
    char path[LX_PATH_MAX];
    struct stat st;
    return lx_resolve(ctx, rel, true, path, sizeof path) == 0 && stat(path, &st) == 0;
}

int lx_list_dir(const struct lb_context *ctx, const char *rel, struct lb_strlist *names)
{
    char path[LX_PATH_MAX];
    int rc = lx_resolve(ctx, rel, true, path, sizeof path);
    if (rc != 0)
        return rc;
    DIR *dir = opendir(path);
    if (!dir)
        return -errno;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (names->count >= LX_MAX_DIR_ENTRIES) {
            rc = -E2BIG;
            break;
        }
        if (lb_strlist_add(names, e->d_name) != 0) {
            rc = -ENOMEM;
            break;
        }
        errno = 0;
    }
    if (rc == 0 && errno != 0)
        rc = -errno;
    closedir(dir);
    if (rc != 0) {
        lb_strlist_free(names);
        return rc;
    }
    lb_strlist_sort(names);
    return 0;
}
