#include "part-specs.h"

static bool contains(const struct lb_part_spec *outer, const struct lb_part_spec *inner)
{
    return outer != inner && inner->start_bytes >= outer->start_bytes &&
           inner->start_bytes + inner->size_bytes <= outer->start_bytes + outer->size_bytes;
}

static bool is_container(const struct lb_part_spec *specs, size_t count, size_t i)
{
    for (size_t j = 0; j < count; j++)
        if (j != i && contains(&specs[i], &specs[j]))
            return true;
    return false;
}

int wn_specs_check(const struct lb_part_spec *specs, size_t count, uint64_t disk_bytes, uint32_t sector_bytes,
                   const char *shown, struct lb_error *err)
{
    for (size_t i = 0; i < count; i++) {
        const struct lb_part_spec *s = &specs[i];
        if (s->size_bytes == 0 || s->start_bytes % sector_bytes || s->size_bytes % sector_bytes ||
            s->start_bytes > disk_bytes || s->size_bytes > disk_bytes - s->start_bytes)
            return lb_fail(err, LB_OUT_OF_RANGE, 0, shown,
                           "Partition %u (start %llu, %llu bytes) is empty, lies outside %s (%llu bytes) or is not aligned to its %u-byte sectors.",
                           s->number, (unsigned long long)s->start_bytes, (unsigned long long)s->size_bytes, shown,
                           (unsigned long long)disk_bytes, (unsigned)sector_bytes);
    }
    for (size_t i = 0; i < count; i++)
        for (size_t j = i + 1; j < count; j++) {
            const struct lb_part_spec *a = &specs[i], *b = &specs[j];
            bool overlap = a->start_bytes < b->start_bytes + b->size_bytes &&
                           b->start_bytes < a->start_bytes + a->size_bytes;
            if (overlap && !contains(a, b) && !contains(b, a))
                return lb_fail(err, LB_OUT_OF_RANGE, 0, shown,
                               "Partitions %u and %u of the list overlap, so no partition table of %s can hold both.",
                               a->number, b->number, shown);
        }
    return LB_OK;
}

bool wn_specs_match(const struct lb_part_spec *specs, size_t count, const struct lb_disk *d)
{
    size_t expected = 0;
    for (size_t i = 0; i < count; i++) {
        if (is_container(specs, count, i))
            continue;
        expected++;
        bool found = false;
        for (size_t k = 0; k < d->partition_count && !found; k++)
            found = d->partitions[k].start_bytes == specs[i].start_bytes &&
                    d->partitions[k].size_bytes == specs[i].size_bytes;
        if (!found)
            return false;
    }
    return expected == d->partition_count;
}
