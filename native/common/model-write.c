#include "model.h"

static void write_strlist(struct json_writer *w, const char *key, const struct lb_strlist *list)
{
    jw_key(w, key);
    jw_array_begin(w);
    for (size_t i = 0; i < list->count; i++)
        jw_string(w, list->items[i]);
    jw_array_end(w);
}

void lb_write_partition(struct json_writer *w, const struct lb_partition *p)
{
    jw_object_begin(w);
    jw_key(w, "name"); jw_string(w, p->name);
    jw_key(w, "path"); jw_string(w, p->path);
    jw_key(w, "major"); jw_u64(w, p->major);
    jw_key(w, "minor"); jw_u64(w, p->minor);
    jw_key(w, "number"); jw_u64(w, p->number);
    jw_key(w, "startBytes"); jw_u64(w, p->start_bytes);
    jw_key(w, "sizeBytes"); jw_u64(w, p->size_bytes);
    jw_key(w, "type"); jw_string(w, p->type);
    jw_key(w, "uuid"); jw_string(w, p->uuid);
    jw_key(w, "label"); jw_string(w, p->label);
    jw_key(w, "readOnly"); jw_bool(w, p->read_only);
    write_strlist(w, "mountpoints", &p->mountpoints);
    write_strlist(w, "holders", &p->holders);
    jw_object_end(w);
}

void lb_write_disk(struct json_writer *w, const struct lb_disk *d)
{
    jw_object_begin(w);
    jw_key(w, "name"); jw_string(w, d->name);
    jw_key(w, "path"); jw_string(w, d->path);
    jw_key(w, "major"); jw_u64(w, d->major);
    jw_key(w, "minor"); jw_u64(w, d->minor);
    jw_key(w, "sizeBytes"); jw_u64(w, d->size_bytes);
    jw_key(w, "logicalSectorSize"); jw_u64(w, d->logical_sector_size);
    jw_key(w, "physicalSectorSize"); jw_u64(w, d->physical_sector_size);
    jw_key(w, "model"); jw_string(w, d->model);
    jw_key(w, "vendor"); jw_string(w, d->vendor);
    jw_key(w, "serial"); jw_string(w, d->serial);
    jw_key(w, "wwn"); jw_string(w, d->wwn);
    jw_key(w, "transport"); jw_string(w, d->transport ? d->transport : "unknown");
    jw_key(w, "removable"); jw_bool(w, d->removable);
    jw_key(w, "rotational"); jw_bool(w, d->rotational);
    jw_key(w, "readOnly"); jw_bool(w, d->read_only);
    jw_key(w, "discardGranularityBytes"); jw_u64(w, d->discard_granularity_bytes);
    jw_key(w, "discardMaxBytes"); jw_u64(w, d->discard_max_bytes);
    jw_key(w, "loopBackingFile"); jw_string(w, d->loop_backing_file);
    jw_key(w, "partitionTableType"); jw_string(w, d->partition_table_type);
    jw_key(w, "partitions");
    jw_array_begin(w);
    for (size_t i = 0; i < d->partition_count; i++)
        lb_write_partition(w, &d->partitions[i]);
    jw_array_end(w);
    write_strlist(w, "mountpoints", &d->mountpoints);
    write_strlist(w, "holders", &d->holders);
    jw_key(w, "isSystem"); jw_bool(w, d->is_system);
    jw_key(w, "isBootMedium"); jw_bool(w, d->is_boot_medium);
    jw_object_end(w);
}
