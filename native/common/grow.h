/* Growing a dynamic array by doubling: one place for the overflow check. */
#ifndef LB_GROW_H
#define LB_GROW_H

#include <stddef.h>

/* Makes room for one more element after `count` in an array of `*cap`
 * elements of `elem_size` bytes (first allocation: `first_cap`). Returns the
 * array, moved or not, and updates *cap; NULL when out of memory or the size
 * would overflow, leaving the old array and *cap untouched. */
void *lb_grow(void *items, size_t *cap, size_t count, size_t elem_size, size_t first_cap);

#endif
