/* The few properties the helper takes from udev's database
 * (run/udev/data/b<major>:<minor>, lines "E:KEY=VALUE"). udev is optional:
 * without it these stay NULL and the answer's fields are null. */
#ifndef LX_UDEV_DB_H
#define LX_UDEV_DB_H

#include "../common/ops.h"

struct lx_udev {
    char *part_entry_type;  /* ID_PART_ENTRY_TYPE, lower-cased */
    char *part_entry_uuid;  /* ID_PART_ENTRY_UUID */
    char *part_entry_name;  /* ID_PART_ENTRY_NAME, \xNN escapes decoded */
    char *part_table_type;  /* ID_PART_TABLE_TYPE */
    char *serial_short;     /* ID_SERIAL_SHORT */
    char *wwn;              /* ID_WWN */
};

/* Missing or unreadable database: all fields NULL. Returns -ENOMEM only. */
int lx_udev_read(const struct lb_context *ctx, unsigned major, unsigned minor, struct lx_udev *out);
void lx_udev_free(struct lx_udev *u);

#endif
