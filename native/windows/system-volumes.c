/* Which volumes make a disk a system disk or the boot medium
 * (docs/helper-protocol.md, "Windows"):
 * - system: the volume of the Windows directory, the system partition Windows
 *   booted through (HKLM\SYSTEM\Setup SystemPartition), and the volumes of the
 *   active page files (Memory Management ExistingPageFiles);
 * - boot medium: the volumes this helper and the program that started it run
 *   from, unless that is the Windows volume (an installed Windows is not a
 *   boot medium; the single binary unpacks the helper into %TEMP%, so its
 *   parent is what was started from the stick), and in WinPE (where Windows
 *   is the X: RAM disk) the volumes that hold \sources\boot.wim. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "volume-map.h"

#include <tlhelp32.h> /* after windows.h, which it needs */

static void mark_system(struct wn_volumes *v, const wchar_t *volume)
{
    struct wn_volume *vol = volume ? wn_volumes_find(v, volume) : NULL;
    if (vol)
        vol->is_system = true;
}

/* A registry string or multi-string, malloc'd; NULL when absent. */
static wchar_t *reg_value(const wchar_t *key, const wchar_t *value, DWORD type)
{
    DWORD size = 0;
    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, value, type, NULL, NULL, &size) != ERROR_SUCCESS || size == 0 ||
        size > (1u << 20))
        return NULL;
    /* Room for the terminators RegGetValueW promises, and one more. */
    wchar_t *buf = calloc(size / sizeof(wchar_t) + 2, sizeof(wchar_t));
    if (buf && RegGetValueW(HKEY_LOCAL_MACHINE, key, value, type, NULL, buf, &size) != ERROR_SUCCESS) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

/* The NT device name of a volume (\Device\HarddiskVolume3). */
static bool nt_device_of(const wchar_t *volume, wchar_t *out, DWORD size)
{
    wchar_t name[MAX_PATH];
    size_t n = wcslen(volume);
    if (n < 6 || n >= MAX_PATH || wcsncmp(volume, L"\\\\?\\", 4) != 0)
        return false;
    memcpy(name, volume + 4, (n - 5) * sizeof(wchar_t)); /* without \\?\ and the trailing backslash */
    name[n - 5] = L'\0';
    return QueryDosDeviceW(name, out, size) != 0;
}

static void mark_system_partition(struct wn_volumes *v)
{
    wchar_t *device = reg_value(L"SYSTEM\\Setup", L"SystemPartition", RRF_RT_REG_SZ);
    if (!device)
        return;
    for (size_t i = 0; i < v->count; i++) {
        wchar_t nt[MAX_PATH];
        if (nt_device_of(v->items[i].name, nt, MAX_PATH) && _wcsicmp(nt, device) == 0)
            v->items[i].is_system = true;
    }
    free(device);
}

static void mark_page_files(struct wn_volumes *v)
{
    wchar_t *files = reg_value(L"SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Memory Management",
                               L"ExistingPageFiles", RRF_RT_REG_MULTI_SZ);
    if (!files)
        return;
    for (wchar_t *p = files; *p; p += wcslen(p) + 1) {
        /* Entries are NT paths: \??\C:\pagefile.sys. */
        const wchar_t *path = wcsncmp(p, L"\\??\\", 4) == 0 ? p + 4 : p;
        wchar_t *volume = wn_volume_of_path(path);
        mark_system(v, volume);
        free(volume);
    }
    free(files);
}

/* The image of the process that started this one, or false. The parent's id
 * may have been reused by a younger process: that one is not our parent. */
static bool parent_image(wchar_t *out, DWORD size)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return false;
    PROCESSENTRY32W entry;
    entry.dwSize = sizeof entry;
    DWORD self = GetCurrentProcessId(), parent = 0;
    for (BOOL more = Process32FirstW(snap, &entry); more; more = Process32NextW(snap, &entry))
        if (entry.th32ProcessID == self)
            parent = entry.th32ParentProcessID;
    CloseHandle(snap);
    HANDLE h = parent ? OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, parent) : NULL;
    if (!h)
        return false;
    FILETIME parent_created, self_created, unused1, unused2, unused3;
    bool ok = GetProcessTimes(h, &parent_created, &unused1, &unused2, &unused3) &&
              GetProcessTimes(GetCurrentProcess(), &self_created, &unused1, &unused2, &unused3) &&
              CompareFileTime(&parent_created, &self_created) <= 0 && QueryFullProcessImageNameW(h, 0, out, &size);
    CloseHandle(h);
    return ok;
}

static void mark_running_from(struct wn_volumes *v, const wchar_t *image, const wchar_t *windows_volume)
{
    wchar_t *volume = wn_volume_of_path(image);
    struct wn_volume *vol = volume ? wn_volumes_find(v, volume) : NULL;
    if (vol && !(windows_volume && _wcsicmp(volume, windows_volume) == 0))
        vol->is_boot_medium = true;
    free(volume);
}

static bool in_winpe(void)
{
    HKEY key;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SYSTEM\\CurrentControlSet\\Control\\MiniNT", 0, KEY_READ, &key) !=
        ERROR_SUCCESS)
        return false;
    RegCloseKey(key);
    return true;
}

static void mark_winpe_media(struct wn_volumes *v)
{
    for (size_t i = 0; i < v->count; i++) {
        struct wn_volume *vol = &v->items[i];
        size_t n = wcslen(vol->name);
        wchar_t path[MAX_PATH + 32];
        if (vol->extent_count == 0 || n + 20 > MAX_PATH)
            continue;
        memcpy(path, vol->name, n * sizeof(wchar_t));
        memcpy(path + n, L"sources\\boot.wim", sizeof L"sources\\boot.wim");
        if (GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES)
            vol->is_boot_medium = true;
    }
}

int wn_mark_volumes(struct wn_volumes *v, struct lb_error *err)
{
    (void)err; /* every source is optional: a missing one marks nothing */
    wchar_t windows_dir[MAX_PATH + 1];
    UINT n = GetSystemWindowsDirectoryW(windows_dir, MAX_PATH);
    wchar_t *windows_volume = n > 0 && n < MAX_PATH ? wn_volume_of_path(windows_dir) : NULL;
    mark_system(v, windows_volume);
    mark_system_partition(v);
    mark_page_files(v);

    wchar_t image[MAX_PATH + 1];
    n = GetModuleFileNameW(NULL, image, MAX_PATH);
    if (n > 0 && n < MAX_PATH)
        mark_running_from(v, image, windows_volume);
    if (parent_image(image, MAX_PATH))
        mark_running_from(v, image, windows_volume);
    if (in_winpe())
        mark_winpe_media(v);
    free(windows_volume);
    return LB_OK;
}
