#include "device-errors.h"

#include <errno.h>
#include <string.h>

int lx_fail_errno(struct lb_error *err, int errnum, const char *device, const char *action)
{
    switch (errnum) {
    case ENOENT:
    case ENXIO:
    case ENODEV:
    case ENOTDIR:
        return lb_fail(err, LB_NOT_FOUND, errnum, device,
                       "The device %s does not exist (any more); check the name with `lifeboat disks`.", device);
    case ENOMEDIUM:
        return lb_fail(err, LB_NO_MEDIUM, errnum, device,
                       "The device %s has no medium; insert the card or disk and try again.", device);
    case EACCES:
    case EPERM:
        return lb_fail(err, LB_PERMISSION_DENIED, errnum, device,
                       "%s %s was refused by the operating system; run Lifeboat as root.", action, device);
    case EROFS:
        return lb_fail(err, LB_PERMISSION_DENIED, errnum, device,
                       "%s %s failed because the device is read-only; remove its write protection and try again.",
                       action, device);
    case EBUSY:
        return lb_fail(err, LB_BUSY, errnum, device,
                       "%s %s failed because the device is in use; unmount its partitions or stop what uses it and try again.",
                       action, device);
    case EIO:
        return lb_fail(err, LB_IO_ERROR, errnum, device,
                       "%s %s failed with an I/O error; check the device's cable and health before trying again.",
                       action, device);
    case EOPNOTSUPP:
    case ENOTTY:
    case ENOSYS:
        return lb_fail(err, LB_UNSUPPORTED, errnum, device,
                       "%s %s is not supported by this device or kernel.", action, device);
    case ENOMEM:
        return lb_fail_oom(err);
    default:
        return lb_fail(err, LB_IO_ERROR, errnum, device,
                       "%s %s failed (%s); check the device and try again.", action, device, strerror(errnum));
    }
}
