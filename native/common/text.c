#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *lb_strndup(const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

char *lb_strdup(const char *s)
{
    return lb_strndup(s, strlen(s));
}

char *lb_vasprintf(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, again);
    va_end(again);
    if (n < 0)
        return NULL;
    char *out = malloc((size_t)n + 1);
    if (!out)
        return NULL;
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    return out;
}

char *lb_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = lb_vasprintf(fmt, ap);
    va_end(ap);
    return out;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char *lb_trim(char *s)
{
    size_t len = strlen(s);
    while (len > 0 && is_space(s[len - 1]))
        s[--len] = '\0';
    size_t skip = 0;
    while (is_space(s[skip]))
        skip++;
    if (skip)
        memmove(s, s + skip, len - skip + 1);
    return s;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int lb_natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (is_digit(*a) && is_digit(*b)) {
            /* Compare digit runs by value: skip leading zeros, then the longer
             * run is larger, then the first differing digit decides. */
            while (*a == '0' && is_digit(a[1]))
                a++;
            while (*b == '0' && is_digit(b[1]))
                b++;
            size_t la = 0, lbn = 0;
            while (is_digit(a[la]))
                la++;
            while (is_digit(b[lbn]))
                lbn++;
            if (la != lbn)
                return la < lbn ? -1 : 1;
            int c = strncmp(a, b, la);
            if (c)
                return c;
            a += la;
            b += lbn;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    if (*a == *b)
        return 0;
    return *a ? 1 : -1;
}

int lb_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}
