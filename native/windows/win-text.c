/* UTF-16 (what Win32 speaks) to UTF-8 (what the protocol speaks) and back. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "win-ops.h"

char *wn_utf8_n(const wchar_t *s, size_t n)
{
    if (n > INT_MAX / 4)
        return NULL;
    if (n == 0) {
        char *empty = malloc(1);
        if (empty)
            empty[0] = '\0';
        return empty;
    }
    /* Lone surrogates become U+FFFD (no WC_ERR_INVALID_CHARS): a label is
     * better shown slightly wrong than not at all. */
    int need = WideCharToMultiByte(CP_UTF8, 0, s, (int)n, NULL, 0, NULL, NULL);
    if (need <= 0)
        return NULL;
    char *out = malloc((size_t)need + 1);
    if (!out)
        return NULL;
    if (WideCharToMultiByte(CP_UTF8, 0, s, (int)n, out, need, NULL, NULL) != need) {
        free(out);
        return NULL;
    }
    out[need] = '\0';
    return out;
}

char *wn_utf8(const wchar_t *s)
{
    return wn_utf8_n(s, wcslen(s));
}

wchar_t *wn_wide(const char *s)
{
    size_t n = strlen(s);
    if (n > INT_MAX / 2)
        return NULL;
    int need = n ? MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)n, NULL, 0) : 0;
    if (n && need <= 0)
        return NULL;
    wchar_t *out = malloc(((size_t)need + 1) * sizeof *out);
    if (!out)
        return NULL;
    if (n && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)n, out, need) != need) {
        free(out);
        return NULL;
    }
    out[need] = L'\0';
    return out;
}
