/* Reading sysfs, procfs and the udev database, on the live system or inside a
 * captured tree (--sysroot).
 *
 * Paths are given relative to the root ("sys/block/sda/size"). Inside a
 * sysroot every symlink is resolved by hand, as if chrooted: an absolute
 * target or a ".." can never lead out of the tree to the real /sys. Every
 * read is capped, so a hostile tree cannot exhaust memory. */
#ifndef LX_SYSFS_READ_H
#define LX_SYSFS_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/model.h"
#include "../common/ops.h"
#include "../common/text.h"

/* Larger than any sysfs attribute or udev database entry. */
#define LX_MAX_FILE_BYTES 65536
/* More entries than any real sysfs directory the helper lists. */
#define LX_MAX_DIR_ENTRIES 65536
#define LX_PATH_MAX 4096

/* Formats a relative path; -ENAMETOOLONG when it does not fit. */
int lx_relpath(char *out, size_t size, const char *fmt, ...) LB_PRINTF(3, 4);

/* The real path to open for rel: "/"+rel live, resolved inside the sysroot
 * otherwise. follow_last false leaves a final symlink unresolved (readlink).
 * Returns 0 or -errno. */
int lx_resolve(const struct lb_context *ctx, const char *rel, bool follow_last,
               char *out, size_t size);

/* Opens rel read-only if it is a regular file: an fd, or -errno (-EINVAL for
 * anything else, such as a FIFO a hostile tree could plant). */
int lx_open_regular(const struct lb_context *ctx, const char *rel);
/* Whole file, NUL-terminated, at most LX_MAX_FILE_BYTES (the rest is ignored).
 * Only regular files are read (never a FIFO a hostile tree could plant). */
int lx_read_file(const struct lb_context *ctx, const char *rel, char **data, size_t *len);
/* Trimmed contents, or NULL when absent, unreadable or empty. */
char *lx_read_string(const struct lb_context *ctx, const char *rel);
/* A decimal number file; -ENOENT, -EINVAL (not a number) or other -errno. */
int lx_read_u64(const struct lb_context *ctx, const char *rel, uint64_t *out);
/* "1" true, "0" false, anything else or absent: fallback. */
bool lx_read_bool(const struct lb_context *ctx, const char *rel, bool fallback);
/* "MAJ:MIN" as in sysfs `dev` files. */
int lx_read_devnum(const struct lb_context *ctx, const char *rel, unsigned *major, unsigned *minor);
/* The text of a symlink, NUL-terminated. */
int lx_readlink(const struct lb_context *ctx, const char *rel, char *out, size_t size);
bool lx_exists(const struct lb_context *ctx, const char *rel);
/* Entry names, without "." and "..", in natural order; -E2BIG past the cap. */
int lx_list_dir(const struct lb_context *ctx, const char *rel, struct lb_strlist *names);

#endif
