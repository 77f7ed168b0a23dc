#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "grow.h"

int lb_strlist_add(struct lb_strlist *list, const char *s)
{
    char **items = lb_grow(list->items, &list->cap, list->count, sizeof *items, 4);
    if (!items)
        return -1;
    list->items = items;
    char *copy = lb_strdup(s);
    if (!copy)
        return -1;
    list->items[list->count++] = copy;
    return 0;
}

bool lb_strlist_has(const struct lb_strlist *list, const char *s)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i], s) == 0)
            return true;
    return false;
}

int lb_strlist_add_unique(struct lb_strlist *list, const char *s)
{
    return lb_strlist_has(list, s) ? 0 : lb_strlist_add(list, s);
}

static int cmp_natural(const void *a, const void *b)
{
    return lb_natural_cmp(*(char *const *)a, *(char *const *)b);
}

void lb_strlist_sort(struct lb_strlist *list)
{
    if (list->count > 1)
        qsort(list->items, list->count, sizeof *list->items, cmp_natural);
}

void lb_strlist_free(struct lb_strlist *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

void lb_partition_free(struct lb_partition *p)
{
    free(p->name);
    free(p->path);
    free(p->type);
    free(p->uuid);
    free(p->label);
    lb_strlist_free(&p->mountpoints);
    lb_strlist_free(&p->holders);
    memset(p, 0, sizeof *p);
}

void lb_disk_free(struct lb_disk *d)
{
    free(d->name);
    free(d->path);
    free(d->model);
    free(d->vendor);
    free(d->serial);
    free(d->wwn);
    free(d->loop_backing_file);
    for (size_t i = 0; i < d->partition_count; i++)
        lb_partition_free(&d->partitions[i]);
    free(d->partitions);
    lb_strlist_free(&d->mountpoints);
    lb_strlist_free(&d->holders);
    memset(d, 0, sizeof *d);
}

void lb_disk_list_free(struct lb_disk_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        lb_disk_free(&list->disks[i]);
    free(list->disks);
    list->disks = NULL;
    list->count = 0;
}
