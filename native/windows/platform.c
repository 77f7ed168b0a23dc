/* The Windows implementation of the platform operation table (common/ops.h). */
#include <fcntl.h>
#include <io.h>
#include <stdio.h>

#include "win-ops.h"

/* Runs once before the first request. The C runtime opens stdin and stdout
 * in text mode: it would turn every answer's LF into CRLF and drop a CR or
 * stop at a ^Z inside a request. The protocol is bytes and LF, as on Linux,
 * so both go binary before the loop. */
static int wn_init(void)
{
    /* Probing an empty card reader or floppy must fail quietly, never put up
     * a "no disk" dialog that nobody at a pipe can answer. */
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOOPENFILEERRORBOX);
    if (_setmode(_fileno(stdin), _O_BINARY) == -1 || _setmode(_fileno(stdout), _O_BINARY) == -1) {
        fprintf(stderr, "lifeboat-helper: cannot put stdin and stdout in binary mode\n");
        return 1;
    }
    return 0;
}

const struct lb_platform_ops lb_platform = {
    .platform = "windows",
    .list = wn_op_list,
    .info = wn_op_info,
    .reread_partitions = wn_op_reread,
    .discard = wn_op_discard,
    .flush = wn_op_flush,
    .init = wn_init,
    .lock_volumes = wn_op_lock_volumes,
    .unlock_volumes = wn_op_unlock_volumes,
};

int wn_refuse_in_sysroot(const struct lb_context *ctx, const char *device, const char *what,
                         struct lb_error *err)
{
    if (!ctx->sysroot)
        return LB_OK;
    if (!device)
        return lb_fail(err, LB_UNSUPPORTED, 0, NULL,
                       "%s is not possible with --sysroot on Windows: it reads a captured Linux tree, and Windows has none.",
                       what);
    return lb_fail(err, LB_UNSUPPORTED, 0, device,
                   "%s %s is not possible with --sysroot on Windows: it reads a captured Linux tree, and Windows has none.",
                   what, device);
}

void wn_sleep_ms(DWORD ms)
{
    Sleep(ms);
}
