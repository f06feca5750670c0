/* format.h - a small vsnprintf (host-compilable, tested by unit/test_format.c). */
#ifndef FORMAT_H
#define FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * C99 semantics: writes at most size-1 characters plus a NUL (when size > 0) and
 * returns the length the full output would have had.
 * Conversions: %s %c %d %i %u %x %X %p %%; length modifiers l, ll, z; flags '-' and
 * '0'; width (number or *); precision for %s only.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
