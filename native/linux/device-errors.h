/* Turning what Linux says (errno) and what the snapshot says (kind of device)
 * into the protocol's codes and a sentence naming the device. */
#ifndef LX_DEVICE_ERRORS_H
#define LX_DEVICE_ERRORS_H

#include "../common/errors.h"

/* action names what failed, e.g. "Opening", "Flushing", "Discarding on". */
int lx_fail_errno(struct lb_error *err, int errnum, const char *device, const char *action);

#endif
