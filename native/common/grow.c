#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

void *lb_grow(void *items, size_t *cap, size_t count, size_t elem_size, size_t first_cap)
{
    if (count < *cap)
        return items;
    size_t new_cap = *cap ? *cap * 2 : first_cap;
    if (new_cap < *cap || new_cap > SIZE_MAX / elem_size)
        return NULL;
    void *grown = realloc(items, new_cap * elem_size);
    if (grown)
        *cap = new_cap;
    return grown;
}
