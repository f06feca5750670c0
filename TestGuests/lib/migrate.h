/*
 * migrate.h - asking the VMM to save this VM and resume it in a new process (the migration group;
 * docs/guest-interface.md#save-and-restore).
 *
 * swiftvm: the snapshot port. A 32-bit read of 0xEC8 returns "SVSR"; a 32-bit out of the tag to
 * 0xEC8 asks for a save, and 0xECC reads the generation (restores so far). Any other VMM: the
 * serial handshake. The guest prints "tck-migrate: save <tag>" as its own console line and polls
 * the UART for one byte for at most MIGRATE_HANDSHAKE_SECONDS of TSC time; the host saves, restores
 * and writes 'R'. The guest library keeps that generation itself.
 *
 * The parts under "host-testable" are in migrate_calc.c and run in unit/test_migrate.c.
 */
#ifndef MIGRATE_H
#define MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIGRATE_PORT                0xEC8
#define MIGRATE_GENERATION_PORT     0xECC
#define MIGRATE_SIGNATURE           0x52535653u     /* "SVSR" */
#define MIGRATE_RESTORED_BYTE       'R'
#define MIGRATE_HANDSHAKE_SECONDS   30

/* The general registers the save request leaves alone while the VM is saved: rbx rbp rsi rdi
 * r8-r15 (rax, rcx and rdx carry the request). rflags: only DF, IF, AC and ID mean anything (the
 * request's own compare changes the arithmetic flags). */
#define MIGRATE_NREGS 12
struct migrate_regs {
	uint64_t gpr[MIGRATE_NREGS];
	uint64_t rflags;
};
extern const char *const migrate_reg_names[MIGRATE_NREGS];

/* ---- guest side (migrate.c, migrate.S) ---- */

/*
 * Asks for a save and waits for the restore. Reports the case migrate.save.<tag> (PASS with the
 * generation and the method, or FAIL with why: "save refused", "no save handshake", ...). Returns
 * the generation after the restore (1 after the first), or 0 when the save did not happen.
 */
uint32_t tck_migrate(uint32_t tag);
/* As tck_migrate, with the registers of *in held (and IF/DF/AC/ID from in->rflags) while the VM is
 * saved; *out gets what they held when the request returned. */
uint32_t tck_migrate_regs(uint32_t tag, const struct migrate_regs *in, struct migrate_regs *out);
/* "port" or "serial handshake" (probes on first use). */
const char *tck_migrate_method(void);
/* Why the last request failed ("" after a successful one). */
const char *tck_migrate_error(void);

/* TSC ticks per second: the hypervisor's CPUID 0x40000010 or CPUID 0x15, else KVM's kvmclock
 * (exact), else calibrated against PIT channel 2 over 10 ms, else CPUID 0x16, else 3 GHz assumed.
 * *source (may be NULL) names which. Installs the exception handlers (idt_init) for its MSR probes. */
uint64_t tsc_hz(const char **source);
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* ---- host-testable (migrate_calc.c) ---- */

enum migrate_verdict {
	MIGRATE_RESTORED,
	MIGRATE_REFUSED,                /* port: generation unchanged: the VMM refused (no --snapshot) */
	MIGRATE_BAD_GENERATION,         /* port: generation moved other than by one */
	MIGRATE_NO_HANDSHAKE,           /* serial: no byte within the bound */
	MIGRATE_NOT_MIGRATED,           /* serial: a byte other than 'R' */
};
const char *migrate_verdict_text(enum migrate_verdict v);
/* Port: the generation read before the request and after it. *generation = after when restored. */
enum migrate_verdict migrate_port_verdict(uint32_t before, uint32_t after, uint32_t *generation);
/* Serial: the byte received (-1: none within the bound) and the library's generation before. */
enum migrate_verdict migrate_serial_verdict(int byte, uint32_t before, uint32_t *generation);

/* FNV-1a (64-bit) over bytes, continuing from h (start with MIGRATE_HASH_INIT). */
#define MIGRATE_HASH_INIT 0xcbf29ce484222325ull
uint64_t migrate_hash(uint64_t h, const void *p, size_t n);
uint64_t migrate_hash_u64(uint64_t h, uint64_t v);
/* The same over n whole qwords, one step per qword (8x fewer emulated instructions): for pages. */
uint64_t migrate_hash_qwords(uint64_t h, const uint64_t *p, size_t n);

/* after >= before and after - before <= bound. */
bool migrate_within(uint64_t before, uint64_t after, uint64_t bound);
/* Ticks at hz as milliseconds (saturating). */
uint64_t migrate_ticks_ms(uint64_t ticks, uint64_t hz);

/* Index of the first register that differs between a and b (IF, DF, AC, ID only for rflags,
 * reported as MIGRATE_NREGS), or -1 when none does. */
#define MIGRATE_RFLAGS_KEPT ((1ull << 9) | (1ull << 10) | (1ull << 18) | (1ull << 21))
int migrate_regs_diff(const struct migrate_regs *a, const struct migrate_regs *b);

/* The CMOS RTC's time registers 0, 2, 4, 7, 8, 9 and the century (0x32), as read, with status
 * register B (bit 2: binary, bit 1: 24 h). Returns seconds since 1900-01-01 00:00:00, or -1 when a
 * field is out of range. */
int64_t rtc_seconds(const uint8_t raw[7], uint8_t reg_b);

#endif
