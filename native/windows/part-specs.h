/* The partition list a reread-partitions request may carry, checked against
 * the disk and compared with what Windows shows. Windows numbers MBR
 * partitions in its own way (containers unnumbered, logical partitions
 * following the primary ones) and lists no extended container, so the
 * comparison is by extent, not by number, and a listed partition that
 * contains other listed ones (an extended partition) is not expected. */
#ifndef WN_PART_SPECS_H
#define WN_PART_SPECS_H

#include <stdbool.h>

#include "../common/ops.h"

/* Aligned, non-empty, inside the disk, no overlaps except containment.
 * LB_OK or OUT_OF_RANGE with a sentence naming shown. */
int wn_specs_check(const struct lb_part_spec *specs, size_t count, uint64_t disk_bytes, uint32_t sector_bytes,
                   const char *shown, struct lb_error *err);

/* Whether the disk's partitions are exactly the listed ones (containers left out). */
bool wn_specs_match(const struct lb_part_spec *specs, size_t count, const struct lb_disk *d);

#endif
