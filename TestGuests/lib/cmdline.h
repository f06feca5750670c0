/* cmdline.h - "key=value flag key2=value2" command lines (host-compilable). No quoting. */
#ifndef CMDLINE_H
#define CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

struct boot_info;

/*
 * Looks for the first word "key" or "key=value" in cl (words are separated by
 * spaces or tabs). Returns the value's full length (0 for a bare key) and copies
 * it, truncated and NUL-terminated, into buf when buf != NULL and len > 0;
 * returns -1 when the key is absent.
 */
int cmdline_find(const char *cl, const char *key, char *buf, size_t len);
/* Parses the value as an unsigned decimal or 0x-hex number; def when absent or malformed. */
unsigned long cmdline_find_ulong(const char *cl, const char *key, unsigned long def);

int cmdline_get(const struct boot_info *bi, const char *key, char *buf, size_t len);
bool cmdline_has(const struct boot_info *bi, const char *key);
unsigned long cmdline_get_ulong(const struct boot_info *bi, const char *key, unsigned long def);

#endif
