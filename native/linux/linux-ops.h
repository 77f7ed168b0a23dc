/* The Linux entries of the platform operation table (platform.c). */
#ifndef LX_LINUX_OPS_H
#define LX_LINUX_OPS_H

#include "../common/ops.h"

int lx_op_list(const struct lb_context *ctx, struct lb_disk_list *out, struct lb_error *err);
int lx_op_info(const struct lb_context *ctx, const char *device, struct lb_disk *out,
               long *partition_index, struct lb_error *err);
int lx_op_reread(const struct lb_context *ctx, const char *device, const struct lb_part_spec *specs,
                 size_t spec_count, struct lb_reread_result *out, struct lb_error *err);
int lx_op_discard(const struct lb_context *ctx, const char *device, uint64_t offset, uint64_t length,
                  uint64_t *discarded_bytes, struct lb_error *err);
int lx_op_flush(const struct lb_context *ctx, const char *device, struct lb_error *err);

/* Operations that open a device refuse in --sysroot mode with UNSUPPORTED. */
int lx_refuse_in_sysroot(const struct lb_context *ctx, const char *device, const char *what,
                         struct lb_error *err);

#endif
