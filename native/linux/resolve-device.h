/* From the request's `device` (a /dev path, a symlink to one, or a kernel
 * name) to a node of the snapshot, refusing what the operation cannot use. */
#ifndef LX_RESOLVE_DEVICE_H
#define LX_RESOLVE_DEVICE_H

#include "../common/errors.h"
#include "../common/ops.h"
#include "../common/request.h"
#include "snapshot.h"

/* How errors name the device: the path as given, or /dev/NAME for a bare name. */
struct lx_display {
    char text[LB_DEVICE_ARG_MAX + 8];
};
void lx_display_of(const char *arg, struct lx_display *out);

enum lx_want { LX_WANT_DISK_OR_PARTITION, LX_WANT_DISK };

/* On success *idx is the node; for LX_WANT_DISK it is a disk. */
int lx_resolve_device(const struct lb_context *ctx, const struct lx_snapshot *s, const char *arg,
                      enum lx_want want, long *idx, struct lb_error *err);

/* Opens the node for an operation (live system only) and checks that what was
 * opened is still that device, since a symlink may change in between.
 * Returns the fd, or -1 with err filled. */
int lx_open_device(const struct lx_node *node, const char *arg, int flags, const char *action,
                   struct lb_error *err);

#endif
