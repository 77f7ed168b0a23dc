/* Identity, size and capabilities of an open disk (disk-identity.c). */
#ifndef WN_DISK_IDENTITY_H
#define WN_DISK_IDENTITY_H

#include "win-ops.h"

/* Fills vendor, model, serial, wwn, transport, removable, rotational,
 * readOnly, sizes and discard fields of d from the open disk h. A disk with
 * no medium gets size 0. */
int wn_read_identity(HANDLE h, struct lb_disk *d, const char *shown, struct lb_error *err);

#endif
