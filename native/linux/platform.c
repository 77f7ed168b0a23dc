/* The Linux implementation of the platform operation table (common/ops.h). */
#include "../common/ops.h"
#include "linux-ops.h"
#include "resolve-device.h"

const struct lb_platform_ops lb_platform = {
    .platform = "linux",
    .list = lx_op_list,
    .info = lx_op_info,
    .reread_partitions = lx_op_reread,
    .discard = lx_op_discard,
    .flush = lx_op_flush,
};

int lx_refuse_in_sysroot(const struct lb_context *ctx, const char *device, const char *what,
                         struct lb_error *err)
{
    if (!ctx->sysroot)
        return LB_OK;
    struct lx_display shown;
    lx_display_of(device, &shown);
    return lb_fail(err, LB_UNSUPPORTED, 0, shown.text,
                   "%s %s is not possible with --sysroot, which reads a captured tree and never opens devices.",
                   what, shown.text);
}
