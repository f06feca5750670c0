/*
 * console.h - console output: buffered through testdev when present (one port exit
 * per 4 KiB), else straight to the UART. Lines written by one call stay whole on SMP.
 * Implemented by console.c in the guest and by fakes in unit tests.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

void console_init(void);
void console_write(const char *s, size_t n);
/* Sends buffered bytes now: kernels about to fault or hang call this. */
void console_flush(void);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Formats in user mode where it can (usermode.h); printf and snprintf go through it. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

#endif
