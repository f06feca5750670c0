/* migrate.c - see migrate.h (guest side). */
#include "migrate.h"

#include "idt.h"
#include "libtck.h"

#define COM1_RBR        0x3F8
#define COM1_LSR        0x3FD
#define LSR_DR          0x01
#define PIT_HZ          1193182u
#define CALIBRATE_TICKS 11932u          /* 10 ms of PIT */
#define CALIBRATE_POLLS 200000u         /* ~0.4 s at the ~2 us an in-kernel port read costs here */

uint64_t migrate_wait(const struct migrate_regs *in, struct migrate_regs *out, uint32_t tag, uint64_t deadline);

static int method = -1;                 /* -1 unprobed, 0 serial handshake, 1 port */
static uint32_t serial_generation;      /* restores seen through the handshake */
static char error[128];

static bool port_present(void)
{
	if (method < 0)
		method = inl(MIGRATE_PORT) == MIGRATE_SIGNATURE;
	return method == 1;
}

const char *tck_migrate_method(void) { return port_present() ? "port" : "serial handshake"; }
const char *tck_migrate_error(void) { return error; }

/* PIT channel 2 (gate and OUT through port 0x61) in mode 0 for CALIBRATE_TICKS: 0 when OUT2 does
 * not behave (no PIT, no port 0x61), with why in *failure. */
static uint64_t calibrate_pit(const char **failure)
{
	uint8_t saved = inb(0x61);
	outb(0x61, (uint8_t)((saved & ~0x02) | 0x01));  /* gate on, speaker off */
	outb(0x43, 0xB0);                               /* channel 2, lo/hi, mode 0 */
	outb(0x42, CALIBRATE_TICKS & 0xFF);
	outb(0x42, CALIBRATE_TICKS >> 8);
	uint64_t t0 = rdtsc();
	bool low = !(inb(0x61) & 0x20);                 /* OUT2 low while counting */
	unsigned polls = 0;
	while (polls < CALIBRATE_POLLS && !(inb(0x61) & 0x20))
		polls++;
	uint64_t t1 = rdtsc();
	outb(0x61, saved);
	if (!low || polls >= CALIBRATE_POLLS) {
		*failure = !low ? "assumed 3 GHz (PIT channel 2: OUT2 high right after the count was loaded)"
				: "assumed 3 GHz (PIT channel 2: OUT2 did not rise)";
		return 0;
	}
	return (t1 - t0) * PIT_HZ / CALIBRATE_TICKS;
}

/* KVM's paravirtual clock (CPUID 0x40000001 EAX bit 3, else bit 0) states the TSC frequency
 * exactly: ns = ((tsc << shift) * mul) >> 32. Enabled just long enough to read it. 0 without it. */
static uint64_t kvmclock_hz(void)
{
	static volatile struct {
		uint32_t version, pad0;
		uint64_t tsc_timestamp, system_time;
		uint32_t mul;
		int8_t shift;
		uint8_t flags, pad[2];
	} __attribute__((aligned(32))) ti;
	struct cpuid_regs sig = cpuid(0x40000000, 0);
	if (sig.ebx != 0x4B4D564B || sig.ecx != 0x564B4D56 || sig.edx != 0x4D || sig.eax < 0x40000001)
		return 0;                       /* not "KVMKVMKVM\0\0\0" */
	uint32_t features = cpuid(0x40000001, 0).eax;
	uint32_t msr = features & (1u << 3) ? 0x4B564D01 : features & 1 ? 0x12 : 0;
	if (!msr || safe_wrmsr(msr, (uint64_t)(uintptr_t)&ti | 1))
		return 0;
	uint32_t mul = 0;
	int8_t shift = 0;
	for (unsigned i = 0; i < 1000 && !mul; i++) {
		uint32_t v = ti.version;
		__asm__ volatile("" ::: "memory");
		mul = ti.mul;
		shift = ti.shift;
		__asm__ volatile("" ::: "memory");
		if ((v & 1) || v != ti.version)
			mul = 0;                /* the host was updating it */
	}
	safe_wrmsr(msr, 0);
	if (!mul || shift < -31 || shift > 31)
		return 0;
	uint64_t hz = (1000000000ull << 32) / mul;
	return shift >= 0 ? hz >> shift : hz << -shift;
}

uint64_t tsc_hz(const char **source)
{
	static uint64_t hz;
	static const char *from;
	if (!hz) {
		const char *failure = "assumed 3 GHz";
		idt_init();                     /* the MSR probes recover from #GP through it; idempotent */
		struct cpuid_regs hv = cpuid(0x40000000, 0), max = cpuid(0, 0);
		struct cpuid_regs l15 = max.eax >= 0x15 ? cpuid(0x15, 0) : (struct cpuid_regs){ 0, 0, 0, 0 };
		if (hv.eax >= 0x40000010 && hv.eax < 0x40000100 && cpuid(0x40000010, 0).eax) {
			hz = (uint64_t)cpuid(0x40000010, 0).eax * 1000;
			from = "cpuid 0x40000010";
		} else if (l15.eax && l15.ebx && l15.ecx) {
			hz = (uint64_t)l15.ecx * l15.ebx / l15.eax;
			from = "cpuid 0x15";
		} else if ((hz = kvmclock_hz())) {
			from = "kvmclock";
		} else if ((hz = calibrate_pit(&failure))) {
			from = "PIT channel 2";
		} else if (max.eax >= 0x16 && (cpuid(0x16, 0).eax & 0xFFFF)) {
			hz = (uint64_t)(cpuid(0x16, 0).eax & 0xFFFF) * 1000000;
			from = "cpuid 0x16";
		} else {
			hz = 3000000000ull;
			from = failure;
		}
	}
	if (source)
		*source = from;
	return hz;
}

uint32_t tck_migrate_regs(uint32_t tag, const struct migrate_regs *in, struct migrate_regs *out)
{
	uint32_t generation = 0, before;
	enum migrate_verdict v;
	uint64_t result, t0;
	bool port = port_present();
	if (port) {
		before = inl(MIGRATE_GENERATION_PORT);
		console_flush();                /* what came before belongs in this process's console */
		t0 = rdtsc();
		result = migrate_wait(in, out, tag, 0);
		v = migrate_port_verdict(before, (uint32_t)result, &generation);
		if (v != MIGRATE_RESTORED)
			snprintf(error, sizeof error, "%s (generation %u before, %u after)", migrate_verdict_text(v), before,
				 (uint32_t)result);
	} else {
		before = serial_generation;
		uint64_t deadline = rdtsc() + MIGRATE_HANDSHAKE_SECONDS * tsc_hz(0);
		for (unsigned i = 0; i < 64 && (inb(COM1_LSR) & LSR_DR); i++)
			(void)inb(COM1_RBR);    /* a stale byte must not answer for the host */
		printf("tck-migrate: save %u\n", tag);
		console_flush();
		t0 = rdtsc();
		result = migrate_wait(in, out, tag, deadline);
		v = migrate_serial_verdict(result > 0xFF ? -1 : (int)result, before, &generation);
		if (v == MIGRATE_RESTORED)
			serial_generation = generation;
		else if (v == MIGRATE_NO_HANDSHAKE)
			snprintf(error, sizeof error, "%s: no byte on the UART within %u s", migrate_verdict_text(v),
				 MIGRATE_HANDSHAKE_SECONDS);
		else
			snprintf(error, sizeof error, "%s: the host answered 0x%02x, not 'R'", migrate_verdict_text(v),
				 (unsigned)result);
	}
	uint64_t ms = migrate_ticks_ms(rdtsc() - t0, tsc_hz(0));
	if (v == MIGRATE_RESTORED) {
		error[0] = 0;
		report(true, "migrate.save.%u :: generation %u by the %s, %lu ms of guest TSC", tag, generation,
		       port ? "snapshot port" : "serial handshake", (unsigned long)ms);
		return generation;
	}
	report(false, "migrate.save.%u :: %s", tag, error);
	return 0;
}

uint32_t tck_migrate(uint32_t tag)
{
	struct migrate_regs in = { { 0 }, 0 }, out;
	__asm__ volatile("pushfq; popq %0" : "=r"(in.rflags));
	return tck_migrate_regs(tag, &in, &out);
}
