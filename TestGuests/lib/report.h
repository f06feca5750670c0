/*
 * report.h - result lines of docs/guest-interface.md ("TCK:1 ..."), in the
 * kvm-unit-tests mould. Output goes through console_write(); the line encoding is
 * host-compilable (unit tests supply a fake console).
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>

#define PRINTF(f, a) __attribute__((format(printf, f, a)))

/* TCK:1 BEGIN <kernel-name> */
void report_begin(const char *kernel_name);
/*
 * TCK:1 CASE PASS|FAIL <case-name> [:: <message>]. The formatted text is
 * "<case-name>" or "<case-name> :: <message>"; characters outside
 * [A-Za-z0-9_.:/-] in the name become '_'. Returns cond.
 */
bool report(bool cond, const char *fmt, ...) PRINTF(2, 3);
/* TCK:1 CASE SKIP <case-name> :: <reason> */
void report_skip(const char *name, const char *reason_fmt, ...) PRINTF(2, 3);
/* TCK:1 DATA <key> <value>; the key is sanitised like a case name, newlines in the value become spaces. */
void report_data(const char *key, const char *value_fmt, ...) PRINTF(2, 3);
/* TCK:1 END pass=N fail=N skip=N, then flushes the console. Returns the exit code: 0 if fail == 0, else 1. */
int report_summary(void);

unsigned report_passed(void);
unsigned report_failed(void);
unsigned report_skipped(void);
void report_reset(void);        /* for unit tests */

#endif
