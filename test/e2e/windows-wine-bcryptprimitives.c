/*
 * Test-only stand-in for bcryptprimitives.dll, put into the tests' own Wine prefix and never
 * shipped. Real Windows 10 and 11 have this DLL; Debian 12's Wine 8 does not (Wine 9 added it),
 * and the CRC-32C addon (@node-rs/crc32-win32-x64-msvc, Rust) imports its one function,
 * ProcessPrng, which Rust's standard library calls for random bytes (its HashMap seeds).
 * Built from here by test/e2e/windows-wine.ts with mingw-w64.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <ntsecapi.h>

/* Fills `data` with random bytes from the system's generator (advapi32's RtlGenRandom). */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG part = size > 0x40000000u ? 0x40000000u : (ULONG)size;
        if (!RtlGenRandom(data, part)) return FALSE;
        data += part;
        size -= part;
    }
    return TRUE;
}
