#include "ops.h"

#include <stdlib.h>
#include <string.h>

void lb_reread_result_free(struct lb_reread_result *r)
{
    free(r->added);
    free(r->removed);
    for (size_t i = 0; i < r->partition_count; i++)
        lb_partition_free(&r->partitions[i]);
    free(r->partitions);
    memset(r, 0, sizeof *r);
}
