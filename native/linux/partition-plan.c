#include "partition-plan.h"

#include <stdlib.h>

static bool contains(const struct lb_part_spec *outer, const struct lb_part_spec *inner)
{
    return outer != inner && inner->start_bytes >= outer->start_bytes &&
           inner->start_bytes + inner->size_bytes <= outer->start_bytes + outer->size_bytes;
}

static uint64_t short_form(uint64_t size, uint32_t sector_bytes)
{
    uint64_t kernel_bytes = sector_bytes > 1024 ? sector_bytes : 1024;
    return size < kernel_bytes ? size : kernel_bytes;
}

uint64_t *lx_kernel_sizes(const struct lb_part_spec *want, size_t count, uint32_t sector_bytes)
{
    uint64_t *sizes = malloc((count ? count : 1) * sizeof *sizes);
    if (!sizes)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        sizes[i] = want[i].size_bytes;
        for (size_t j = 0; j < count; j++)
            if (contains(&want[i], &want[j])) {
                sizes[i] = short_form(want[i].size_bytes, sector_bytes);
                break;
            }
    }
    return sizes;
}

static bool same(const struct lx_kpart *k, const struct lb_part_spec *w, uint64_t kernel_size,
                 uint32_t sector_bytes)
{
    if (k->number != w->number || k->start_bytes != w->start_bytes)
        return false;
    if (k->size_bytes == kernel_size)
        return true;
    /* An extended partition without logical ones is no container in the list. */
    return w->number <= 4 && k->size_bytes == short_form(w->size_bytes, sector_bytes);
}

static long find_want(const struct lb_part_spec *want, size_t count, unsigned number)
{
    for (size_t i = 0; i < count; i++)
        if (want[i].number == number)
            return (long)i;
    return -1;
}

static long find_have(const struct lx_kpart *have, size_t count, unsigned number)
{
    for (size_t i = 0; i < count; i++)
        if (have[i].number == number)
            return (long)i;
    return -1;
}

bool lx_views_match(const struct lx_kpart *have, size_t have_count, const struct lb_part_spec *want,
                    size_t want_count, uint32_t sector_bytes)
{
    if (have_count != want_count)
        return false;
    uint64_t *ksize = lx_kernel_sizes(want, want_count, sector_bytes);
    bool match = ksize != NULL;
    for (size_t i = 0; i < have_count && match; i++) {
        long w = find_want(want, want_count, have[i].number);
        match = w >= 0 && same(&have[i], &want[w], ksize[w], sector_bytes);
    }
    free(ksize);
    return match;
}

int lx_plan_make(const struct lx_kpart *have, size_t have_count, const struct lb_part_spec *want,
                 size_t want_count, uint32_t sector_bytes, struct lx_plan *plan)
{
    plan->del = calloc(have_count ? have_count : 1, sizeof *plan->del);
    plan->add = calloc(want_count ? want_count : 1, sizeof *plan->add);
    plan->del_count = plan->add_count = 0;
    uint64_t *ksize = lx_kernel_sizes(want, want_count, sector_bytes);
    if (!plan->del || !plan->add || !ksize) {
        free(ksize);
        lx_plan_free(plan);
        return -1;
    }
    for (size_t i = 0; i < have_count; i++) {
        long w = find_want(want, want_count, have[i].number);
        if (w < 0 || !same(&have[i], &want[w], ksize[w], sector_bytes))
            plan->del[plan->del_count++] = have[i].number;
    }
    for (size_t i = 0; i < want_count; i++) {
        long h = find_have(have, have_count, want[i].number);
        if (h >= 0 && same(&have[h], &want[i], ksize[i], sector_bytes))
            continue;
        struct lx_kpart *a = &plan->add[plan->add_count++];
        a->number = want[i].number;
        a->start_bytes = want[i].start_bytes;
        a->size_bytes = ksize[i];
    }
    free(ksize);
    return 0;
}

void lx_plan_free(struct lx_plan *plan)
{
    free(plan->del);
    free(plan->add);
    plan->del = NULL;
    plan->add = NULL;
    plan->del_count = plan->add_count = 0;
}

int lx_specs_check(const struct lb_part_spec *want, size_t count, uint64_t disk_bytes,
                   uint32_t sector_bytes, size_t *a, size_t *b)
{
    for (size_t i = 0; i < count; i++) {
        const struct lb_part_spec *w = &want[i];
        *a = *b = i;
        if (w->size_bytes == 0 || w->start_bytes % sector_bytes || w->size_bytes % sector_bytes ||
            w->start_bytes > disk_bytes || w->size_bytes > disk_bytes - w->start_bytes)
            return -1;
    }
    /* Partitions as the kernel will hold them must not overlap (it refuses). */
    uint64_t *ksize = lx_kernel_sizes(want, count, sector_bytes);
    if (!ksize)
        return -2;
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        uint64_t si = want[i].start_bytes, ei = si + ksize[i];
        for (size_t j = i + 1; j < count; j++) {
            uint64_t sj = want[j].start_bytes, ej = sj + ksize[j];
            if (si < ej && sj < ei) {
                *a = i;
                *b = j;
                rc = -1;
                break;
            }
        }
    }
    free(ksize);
    return rc;
}
