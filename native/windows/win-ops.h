/* The Windows entries of the platform operation table (platform.c) and the
 * helpers they share: naming, errors, UTF-16 text. */
#ifndef WN_WIN_OPS_H
#define WN_WIN_OPS_H

#include <windows.h>

#include "../common/ops.h"

/* Disks are probed as \\.\PhysicalDrive0 .. \\.\PhysicalDrive(WN_MAX_DISKS-1). */
#define WN_MAX_DISKS 64
/* The longest device string built here: \\?\GLOBALROOT\Device\HarddiskNNNN\PartitionNNNN. */
#define WN_NAME_MAX 96

int wn_op_list(const struct lb_context *ctx, struct lb_disk_list *out, struct lb_error *err);
int wn_op_info(const struct lb_context *ctx, const char *device, struct lb_disk *out,
               long *partition_index, struct lb_error *err);
int wn_op_reread(const struct lb_context *ctx, const char *device, const struct lb_part_spec *specs,
                 size_t spec_count, struct lb_reread_result *out, struct lb_error *err);
int wn_op_discard(const struct lb_context *ctx, const char *device, uint64_t offset, uint64_t length,
                  uint64_t *discarded_bytes, struct lb_error *err);
int wn_op_flush(const struct lb_context *ctx, const char *device, struct lb_error *err);
int wn_op_lock_volumes(const struct lb_context *ctx, const char *device, struct lb_strlist *volumes,
                       struct lb_error *err);
int wn_op_unlock_volumes(const struct lb_context *ctx, const char *device, struct lb_strlist *volumes,
                         struct lb_error *err);

/* --sysroot names a captured Linux tree: it has no meaning here, so every
 * operation that looks at devices answers UNSUPPORTED. */
int wn_refuse_in_sysroot(const struct lb_context *ctx, const char *device, const char *what,
                         struct lb_error *err);

/* GetLastError() (or another Win32 error) as a stable code, with a sentence
 * "<action> <device> ..." (win-errors.c). */
int wn_fail_win32(struct lb_error *err, DWORD error, const char *device, const char *action);

/* UTF-16 <-> UTF-8, malloc'd; NULL when out of memory (or for invalid input). */
char *wn_utf8(const wchar_t *s);
char *wn_utf8_n(const wchar_t *s, size_t n);
wchar_t *wn_wide(const char *s);

/* Whether this helper holds this volume (\\?\Volume{...}\) locked
 * (op-lock-volumes.c). */
bool wn_volume_is_locked(const wchar_t *volume);

/* A sleep, for waiting on the partition manager and on volume locks. */
void wn_sleep_ms(DWORD ms);

#endif
