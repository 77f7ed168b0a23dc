/* Small string helpers that libc lacks or that mingw lacks (asprintf). */
#ifndef LB_TEXT_H
#define LB_TEXT_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__MINGW32__)
/* mingw's printf family is C99's with __USE_MINGW_ANSI_STDIO=1 (%zu, %llu),
 * which gcc checks as gnu_printf; plain `printf` would mean msvcrt's. */
#define LB_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define LB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LB_PRINTF(f, a)
#endif

char *lb_strdup(const char *s);
char *lb_strndup(const char *s, size_t n);
/* malloc'd formatted string, NULL when out of memory. */
char *lb_asprintf(const char *fmt, ...) LB_PRINTF(1, 2);
char *lb_vasprintf(const char *fmt, va_list ap) LB_PRINTF(1, 0);
/* Trims ASCII whitespace at both ends in place; returns s. */
char *lb_trim(char *s);
/* Compares so that loop2 sorts before loop10 (digit runs by value). */
int lb_natural_cmp(const char *a, const char *b);
int lb_starts_with(const char *s, const char *prefix);

#endif
