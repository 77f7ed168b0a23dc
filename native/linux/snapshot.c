#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

int lx_snapshot_take(const struct lb_context *ctx, struct lx_snapshot *s, struct lb_error *err)
{
    memset(s, 0, sizeof *s);
    if (lx_table_scan(ctx, &s->table, err) != LB_OK)
        return err->code;
    if (lx_mounts_read(ctx, &s->mounts, err) != LB_OK) {
        lx_table_free(&s->table);
        return err->code;
    }
    if (lx_flags_compute(ctx, s) != 0) {
        lx_snapshot_free(s);
        return lb_fail_oom(err);
    }
    return LB_OK;
}

void lx_snapshot_free(struct lx_snapshot *s)
{
    lx_table_free(&s->table);
    lx_mounts_free(&s->mounts);
    free(s->flags);
    s->flags = NULL;
}
