#include "udev-db.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"
#include "sysfs-read.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* udev stores names through blkid's safe encoding: a space is "\x20". */
static void decode_hex_escapes(char *s)
{
    char *o = s;
    for (char *p = s; *p;) {
        int hi, lo;
        if (p[0] == '\\' && p[1] == 'x' && (hi = hexval(p[2])) >= 0 && (lo = hexval(p[3])) >= 0 &&
            (hi | lo) != 0) {
            *o++ = (char)(hi * 16 + lo);
            p += 4;
        } else
            *o++ = *p++;
    }
    *o = '\0';
}

static int take(char **field, const char *value)
{
    char *copy = lb_strdup(value);
    if (!copy)
        return -ENOMEM;
    lb_trim(copy);
    free(*field);
    *field = copy[0] ? copy : NULL;
    if (!copy[0])
        free(copy);
    return 0;
}

int lx_udev_read(const struct lb_context *ctx, unsigned major, unsigned minor, struct lx_udev *out)
{
    memset(out, 0, sizeof *out);
    char rel[LX_PATH_MAX];
    char *data;
    size_t len;
    if (lx_relpath(rel, sizeof rel, "run/udev/data/b%u:%u", major, minor) != 0)
        return 0;
    int rc = lx_read_file(ctx, rel, &data, &len);
    if (rc != 0)
        return rc == -ENOMEM ? rc : 0;
    static const struct {
        const char *key;
        size_t offset;
    } keys[] = {
        {"E:ID_PART_ENTRY_TYPE=", offsetof(struct lx_udev, part_entry_type)},
        {"E:ID_PART_ENTRY_UUID=", offsetof(struct lx_udev, part_entry_uuid)},
        {"E:ID_PART_ENTRY_NAME=", offsetof(struct lx_udev, part_entry_name)},
        {"E:ID_PART_TABLE_TYPE=", offsetof(struct lx_udev, part_table_type)},
        {"E:ID_SERIAL_SHORT=", offsetof(struct lx_udev, serial_short)},
        {"E:ID_WWN=", offsetof(struct lx_udev, wwn)},
    };
    rc = 0;
    for (char *line = data; line && rc == 0;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (lb_starts_with(line, keys[k].key)) {
                char **field = (char **)((char *)out + keys[k].offset);
                rc = take(field, line + strlen(keys[k].key));
                break;
            }
        line = nl ? nl + 1 : NULL;
    }
    free(data);
    if (rc != 0) {
        lx_udev_free(out);
        return rc;
    }
    if (out->part_entry_name)
        decode_hex_escapes(out->part_entry_name);
    /* GPT type GUIDs in lower case, as the protocol promises. */
    for (char *p = out->part_entry_type; p && *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    return 0;
}

void lx_udev_free(struct lx_udev *u)
{
    free(u->part_entry_type);
    free(u->part_entry_uuid);
    free(u->part_entry_name);
    free(u->part_table_type);
    free(u->serial_short);
    free(u->wwn);
    memset(u, 0, sizeof *u);
}
