/* libtck.h - everything a test kernel (tests/<name>.c) uses. */
#ifndef LIBTCK_H
#define LIBTCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootinfo.h"
#include "cmdline.h"
#include "console.h"
#include "io.h"
#include "layout.h"
#include "report.h"
#include "testdev.h"

#define DEBUG_EXIT_PORT 0xF4

/* Each kernel defines main; its return value becomes the exit code (usually report_summary()). */
int main(const struct boot_info *bi);
/* Flushes the console, writes code to port 0xF4, then halts with interrupts off. */
void lib_exit(int code) __attribute__((noreturn));
/* Entry of application processors (index >= 1), on their own stack; must not return. */
void ap_main(unsigned index);

/* The real-mode AP trampoline (trampoline.S), to be copied to AP_TRAMPOLINE_PA. */
extern const char ap_trampoline_start[], ap_trampoline_end[];

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#endif
