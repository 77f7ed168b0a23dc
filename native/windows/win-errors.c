/* The one place where Windows error numbers become the protocol's stable codes
 * (the table is in native/windows/README.md). Each sentence names the device
 * and says what to do; `errno` in the answer is the GetLastError() value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"
#include "win-ops.h"

/* Newer than mingw-w64's winerror.h; the numbers are Windows'. */
#ifndef ERROR_NO_SUCH_DEVICE
#define ERROR_NO_SUCH_DEVICE 433L
#endif
#ifndef ERROR_DEVICE_HARDWARE_ERROR
#define ERROR_DEVICE_HARDWARE_ERROR 483L
#endif

/* Windows' own text for numbers the table does not know, on one line. */
static void system_text(DWORD error, char *out, size_t size)
{
    wchar_t wide[256];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, error,
                             MAKELANGID(LANG_ENGLISH, SUBLANG_DEFAULT), wide, 256, NULL);
    if (n == 0)
        n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, error, 0, wide,
                           256, NULL);
    char *utf8 = n ? wn_utf8_n(wide, n) : NULL;
    if (utf8) {
        for (char *c = utf8; *c; c++)
            if (*c == '\r' || *c == '\n')
                *c = ' ';
        lb_trim(utf8);
        size_t len = strlen(utf8);
        while (len > 0 && utf8[len - 1] == '.')
            utf8[--len] = '\0';
    }
    snprintf(out, size, "Windows error %lu%s%s", (unsigned long)error, utf8 && *utf8 ? ": " : "",
             utf8 ? utf8 : "");
    free(utf8);
}

int wn_fail_win32(struct lb_error *err, DWORD error, const char *device, const char *action)
{
    int e = (int)error;
    switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_UNIT:
    case ERROR_NO_SUCH_DEVICE:
    case ERROR_DEVICE_NOT_CONNECTED:
    case ERROR_DEV_NOT_EXIST:
    case ERROR_INVALID_DRIVE:
        return lb_fail(err, LB_NOT_FOUND, e, device,
                       "The device %s does not exist (any more); check the name with `lifeboat disks`.", device);
    case ERROR_NOT_READY:
    case ERROR_NO_MEDIA_IN_DRIVE:
    case ERROR_MEDIA_CHANGED:
        return lb_fail(err, LB_NO_MEDIUM, e, device,
                       "The device %s has no medium; insert the card or disk and try again.", device);
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
        return lb_fail(err, LB_PERMISSION_DENIED, e, device,
                       "%s %s was refused by Windows; run Lifeboat as Administrator.", action, device);
    case ERROR_WRITE_PROTECT:
        return lb_fail(err, LB_PERMISSION_DENIED, e, device,
                       "%s %s failed because the device is write-protected; remove its write protection and try again.",
                       action, device);
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_BUSY:
    case ERROR_DRIVE_LOCKED:
    case ERROR_DEVICE_IN_USE:
        return lb_fail(err, LB_BUSY, e, device,
                       "%s %s failed because the device or one of its volumes is in use; close the programs and windows that use it and try again.",
                       action, device);
    case ERROR_CRC:
    case ERROR_SEEK:
    case ERROR_SECTOR_NOT_FOUND:
    case ERROR_WRITE_FAULT:
    case ERROR_READ_FAULT:
    case ERROR_GEN_FAILURE:
    case ERROR_IO_DEVICE:
    case ERROR_DISK_OPERATION_FAILED:
    case ERROR_DEVICE_HARDWARE_ERROR:
        return lb_fail(err, LB_IO_ERROR, e, device,
                       "%s %s failed with an I/O error; check the device's cable and health before trying again.",
                       action, device);
    case ERROR_NOT_SUPPORTED:
    case ERROR_INVALID_FUNCTION:
    case ERROR_CALL_NOT_IMPLEMENTED:
        return lb_fail(err, LB_UNSUPPORTED, e, device,
                       "%s %s is not supported by this device or its driver.", action, device);
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return lb_fail_oom(err);
    default: {
        char text[320];
        system_text(error, text, sizeof text);
        return lb_fail(err, LB_IO_ERROR, e, device, "%s %s failed (%s); check the device and try again.", action,
                       device, text);
    }
    }
}
