/*
 * migrate_state - what a save and a restore in a new process must not change in memory and in the
 * CPU (the migration group; lib/migrate.h). Three saves; generations 1, 2, 3.
 *
 * Before save 1 the kernel pattern-fills pages (low RAM, above 1 MiB, the middle and the last pages
 * of RAM) and hashes each; notes which of some other pages read zero; loads distinctive values into
 * the control registers (CR0 MP/NE/WP/AM, CR2, CR4 OSFXSR/OSXMMEXCPT/PGE, CR8), EFER (SCE, NXE), the
 * debug registers DR0-DR3/DR7 (no breakpoint enabled), the MSRs SYSENTER_*, PAT, STAR/LSTAR/CSTAR/
 * SFMASK, FS/GS/KERNEL_GS base and TSC_AUX (an MSR that refuses the write is named as skipped), x87
 * (control word, five stack values) and SSE (MXCSR, xmm0-15); it dumps CPUID and takes a
 * fingerprint: a hash of the CPUID dump, every ACPI table and bus 0's PCI configuration space.
 * Save 1 happens with rbx rbp rsi rdi r8-r15 and DF/AC/ID held at known values. After it each group
 * is compared with a case of its own; after saves 2 and 3 the pages and the registers again.
 */
#include "acpi.h"
#include "idt.h"
#include "libtck.h"
#include "migrate.h"
#include "pci.h"
#include "usermode.h"

#define PAGE            4096u
#define MAX_PAGES       16
#define MAX_CPUID       160
#define NMSR            13

extern char _end[];

struct cpu_state {
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr, idtr;
	uint16_t cs, ss, ds, es, fs, gs, ldtr, tr;
	uint64_t dr[4], dr7;
	uint64_t msr[NMSR];
	int msr_err[NMSR];
};

static const struct { uint32_t index; const char *name; uint64_t value; } msrs[NMSR] = {
	{ 0x174, "SYSENTER_CS", 0x18 }, { 0x175, "SYSENTER_ESP", 0xFFFF800012345670ull },
	{ 0x176, "SYSENTER_EIP", 0xFFFF800076543210ull }, { 0x277, "PAT", 0x0005040600070106ull },
	{ 0xC0000081, "STAR", 0x0023001000000000ull }, { 0xC0000082, "LSTAR", 0xFFFFFFFF81000000ull },
	{ 0xC0000083, "CSTAR", 0xFFFFFFFF81000100ull }, { 0xC0000084, "SFMASK", 0x47700 },
	{ 0xC0000100, "FS_BASE", 0x00007F0011223340ull }, { 0xC0000101, "GS_BASE", 0xFFFF888055667780ull },
	{ 0xC0000102, "KERNEL_GS_BASE", 0xFFFF8880AABBCC00ull }, { 0xC0000103, "TSC_AUX", 0x5A },
	{ 0x1B, "APIC_BASE", 0 },               /* read only: the value the VMM gave */
};

struct cpuid_entry { uint32_t leaf, sub; struct cpuid_regs r; };
static struct cpuid_entry cpuid_before[MAX_CPUID], cpuid_after[MAX_CPUID];
static unsigned ncpuid_before, ncpuid_after;

struct page { uint64_t pa; uint64_t hash; bool zero_before; };
static struct page filled[MAX_PAGES], zeroed[MAX_PAGES];
static unsigned nfilled, nzeroed;

static uint8_t fx_before[512] __attribute__((aligned(16))), fx_after[512] __attribute__((aligned(16)));
static const uint64_t xmm_pattern[32] __attribute__((aligned(16))) = {
	0x0123456789ABCDEFull, 0xFEDCBA9876543210ull, 0x1111111111111111ull, 0x2222222222222222ull,
	0x3333333333333333ull, 0x4444444444444444ull, 0x5555555555555555ull, 0x6666666666666666ull,
	0x7777777777777777ull, 0x8888888888888888ull, 0x9999999999999999ull, 0xAAAAAAAAAAAAAAAAull,
	0xBBBBBBBBBBBBBBBBull, 0xCCCCCCCCCCCCCCCCull, 0xDDDDDDDDDDDDDDDDull, 0xEEEEEEEEEEEEEEEEull,
	0x0F0F0F0F0F0F0F0Full, 0xF0F0F0F0F0F0F0F0ull, 0x00FF00FF00FF00FFull, 0xFF00FF00FF00FF00ull,
	0x0000FFFF0000FFFFull, 0xFFFF0000FFFF0000ull, 0x13579BDF2468ACE0ull, 0x0ECA8642FDB97531ull,
	0xDEADBEEFCAFEBABEull, 0x8BADF00D0D15EA5Eull, 0xC001D00DFEEDFACEull, 0xBAADF00DDEADC0DEull,
	0x0102030405060708ull, 0x1020304050607080ull, 0xA5A5A5A55A5A5A5Aull, 0x3C3C3C3CC3C3C3C3ull,
};

static uint64_t read_cr(int n)
{
	uint64_t v = 0;
	switch (n) {
	case 0: __asm__ volatile("mov %%cr0, %0" : "=r"(v)); break;
	case 2: __asm__ volatile("mov %%cr2, %0" : "=r"(v)); break;
	case 3: __asm__ volatile("mov %%cr3, %0" : "=r"(v)); break;
	case 4: __asm__ volatile("mov %%cr4, %0" : "=r"(v)); break;
	case 8: __asm__ volatile("mov %%cr8, %0" : "=r"(v)); break;
	}
	return v;
}

static void capture(struct cpu_state *s)
{
	s->cr0 = read_cr(0);
	s->cr2 = read_cr(2);
	s->cr3 = read_cr(3);
	s->cr4 = read_cr(4);
	s->cr8 = read_cr(8);
	s->efer = rdmsr(MSR_EFER);
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(s->gdtr), "=m"(s->idtr));
	__asm__ volatile("mov %%cs, %0; mov %%ss, %1; mov %%ds, %2; mov %%es, %3" : "=r"(s->cs), "=r"(s->ss), "=r"(s->ds), "=r"(s->es));
	__asm__ volatile("mov %%fs, %0; mov %%gs, %1; sldt %2; str %3" : "=r"(s->fs), "=r"(s->gs), "=r"(s->ldtr), "=r"(s->tr));
	__asm__ volatile("mov %%dr0, %0; mov %%dr1, %1; mov %%dr2, %2; mov %%dr3, %3"
			 : "=r"(s->dr[0]), "=r"(s->dr[1]), "=r"(s->dr[2]), "=r"(s->dr[3]));
	__asm__ volatile("mov %%dr7, %0" : "=r"(s->dr7));
	for (unsigned i = 0; i < NMSR; i++)
		s->msr_err[i] = safe_rdmsr(msrs[i].index, &s->msr[i]);
}

/* Distinctive values everywhere capture() looks; none changes how this kernel runs. */
static void load_cpu_state(void)
{
	struct cpuid_regs l1 = cpuid(1, 0), e1 = cpuid(0x80000000, 0).eax >= 0x80000001 ? cpuid(0x80000001, 0)
										    : (struct cpuid_regs){ 0, 0, 0, 0 };
	uint64_t cr0 = (read_cr(0) | (1u << 1) | (1u << 5) | (1u << 16) | (1u << 18)) & ~(uint64_t)((1u << 2) | (1u << 3));
	uint64_t cr4 = read_cr(4) | (1u << 9) | (1u << 10) | ((l1.edx >> 13 & 1) ? 1u << 7 : 0);
	__asm__ volatile("mov %0, %%cr0" :: "r"(cr0) : "memory");
	__asm__ volatile("mov %0, %%cr4" :: "r"(cr4) : "memory");
	__asm__ volatile("mov %0, %%cr2" :: "r"(0x5A5A5A5A5A5A5000ull & 0x00007FFFFFFFF000ull));
	__asm__ volatile("mov %0, %%cr8" :: "r"(5ull));
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1 | ((e1.edx >> 20 & 1) ? 1u << 11 : 0));
	__asm__ volatile("mov %0, %%dr0; mov %1, %%dr1; mov %2, %%dr2; mov %3, %%dr3" ::
			 "r"(0x1000ull), "r"(0xFFFF800000002000ull), "r"(0x7FFF0000ull), "r"(0x12345678ull));
	__asm__ volatile("mov %0, %%dr7" :: "r"(0x5D5D0700ull));      /* lengths and types set, L/G bits off */
	for (unsigned i = 0; i < NMSR; i++)
		if (msrs[i].value)
			safe_wrmsr(msrs[i].index, msrs[i].value);
	/* x87 and SSE through fxrstor (this host emulates neither fldcw nor ldmxcsr): control word
	 * rounding toward zero, TOP 3, eight tagged stack registers, MXCSR rounding toward zero, xmm0-15. */
	static uint8_t fx[512] __attribute__((aligned(16)));
	__asm__ volatile("fninit; fxsave (%0)" :: "r"(fx) : "memory");
	uint16_t fcw = 0x0F7F, fsw = 3u << 11;
	uint32_t mxcsr = 0x7F80;
	memcpy(fx + 0, &fcw, 2);
	memcpy(fx + 2, &fsw, 2);
	fx[4] = 0xFF;                                   /* abridged tag word: all eight valid */
	memcpy(fx + 24, &mxcsr, 4);
	for (unsigned i = 0; i < 8; i++)
		memcpy(fx + 32 + 16 * i, &xmm_pattern[(i * 3) % 32], 8), memcpy(fx + 40 + 16 * i, &xmm_pattern[i], 2);
	memcpy(fx + 160, xmm_pattern, sizeof xmm_pattern);
	__asm__ volatile("fxrstor (%0)" :: "r"(fx) : "memory");
}

/* repe cmpsb: one emulated instruction for the whole compare. */
static bool same(const void *a, const void *b, size_t n)
{
	bool eq = true;
	if (n)
		__asm__ volatile("repe cmpsb" : "+S"(a), "+D"(b), "+c"(n), "=@ccz"(eq) :: "memory");
	return eq;
}

static void fxsave(uint8_t *area) { __asm__ volatile("fxsave (%0)" :: "r"(area) : "memory"); }

/* ---- CPUID ---- */

static void add(struct cpuid_entry *t, unsigned *n, uint32_t leaf, uint32_t sub)
{
	if (*n < MAX_CPUID)
		t[(*n)++] = (struct cpuid_entry){ leaf, sub, cpuid(leaf, sub) };
}

static void dump_cpuid(struct cpuid_entry *t, unsigned *n)
{
	*n = 0;
	uint32_t max = cpuid(0, 0).eax, hmax = cpuid(0x40000000, 0).eax, emax = cpuid(0x80000000, 0).eax;
	for (uint32_t l = 0; l <= max && l <= 0x20; l++) {
		bool subleaves = l == 4 || l == 7 || l == 0xB || l == 0xD || l == 0xF || l == 0x10 || l == 0x12 || l == 0x14 ||
				 l == 0x17 || l == 0x18 || l == 0x1F;
		for (uint32_t s = 0; s < (subleaves ? 4u : 1u); s++)
			add(t, n, l, s);
	}
	if (hmax >= 0x40000000 && hmax < 0x40000100)
		for (uint32_t l = 0x40000000; l <= hmax && l < 0x40000020; l++)
			add(t, n, l, 0);
	if (emax >= 0x80000000 && emax < 0x80000100)
		for (uint32_t l = 0x80000000; l <= emax && l < 0x80000030; l++)
			add(t, n, l, 0);
}

static uint64_t hash_cpuid(const struct cpuid_entry *t, unsigned n)
{
	return migrate_hash(MIGRATE_HASH_INIT, t, n * sizeof *t);
}

/* ---- fingerprint: CPUID + ACPI tables + PCI configuration space ---- */

static uint64_t hash_table(uint64_t h, uint64_t pa, unsigned *ntables)
{
	if (!pa || pa >= (1ull << 32))
		return migrate_hash_u64(h, pa);
	uint32_t len = acpi_rd32(pa + 4);
	if (len < 36 || len > ACPI_MAX_TABLE_BYTES)
		return migrate_hash_u64(h, len);
	(*ntables)++;
	return migrate_hash(h, (const void *)(uintptr_t)pa, len);
}

static uint64_t fingerprint(const struct boot_info *bi, unsigned *ntables, unsigned *nfuncs)
{
	uint64_t h = hash_cpuid(cpuid_before, 0);
	struct cpuid_entry t[MAX_CPUID];
	unsigned n;
	dump_cpuid(t, &n);
	h = migrate_hash(h, t, n * sizeof t[0]);
	*ntables = *nfuncs = 0;
	uint64_t rsdp = acpi_rsdp(bi);
	if (rsdp) {
		h = migrate_hash(h, (const void *)(uintptr_t)rsdp, acpi_rsdp_length(rsdp));
		uint64_t xsdt = acpi_rd8(rsdp + 15) >= 2 ? acpi_rd64(rsdp + 24) : 0;
		uint64_t root = xsdt ? xsdt : acpi_rd32(rsdp + 16);
		unsigned esize = xsdt ? 8 : 4;
		h = hash_table(h, root, ntables);
		uint32_t len = root && root < (1ull << 32) ? acpi_rd32(root + 4) : 0;
		for (uint32_t off = 36; off + esize <= len && len <= ACPI_MAX_TABLE_BYTES; off += esize) {
			uint64_t pa = esize == 8 ? acpi_rd64(root + off) : acpi_rd32(root + off);
			h = hash_table(h, pa, ntables);
			if (pa && pa < (1ull << 32) && acpi_rd32(pa) == ACPI_SIG("FACP") && acpi_rd32(pa + 4) >= 44)
				h = hash_table(h, acpi_rd32(pa + 40), ntables);         /* the DSDT */
		}
	}
	for (unsigned dev = 0; dev < 32; dev++) {
		uint32_t id = pci_read32(dev, 0, 0);
		h = migrate_hash_u64(h, id);
		if ((id & 0xFFFF) == 0xFFFF)
			continue;
		unsigned nfn = (pci_read8(dev, 0, 0xE) & 0x80) ? 8 : 1;
		for (unsigned fn = 0; fn < nfn; fn++) {
			if (fn && (pci_read32(dev, fn, 0) & 0xFFFF) == 0xFFFF)
				continue;
			(*nfuncs)++;
			for (unsigned off = 0; off < 256; off += 4)
				h = migrate_hash_u64(h, pci_read32(dev, fn, off));
		}
	}
	return h;
}

/* ---- memory ---- */

static uint64_t ram_top(const struct boot_info *bi)
{
	uint64_t top = 0;
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct boot_memrange *r = &bi->memmap[i];
		uint64_t end = r->addr + r->size;
		if (r->type == BOOT_MEM_RAM && end > top)
			top = end < (1ull << 32) ? end : (1ull << 32);
	}
	return top & ~(uint64_t)(PAGE - 1);
}

static bool usable(const struct boot_info *bi, uint64_t pa)
{
	return pa >= (uint64_t)(uintptr_t)_end || (pa >= 0x20000 && pa + PAGE <= 0x9F000) ?
		bootinfo_is_ram(bi, pa) && bootinfo_is_ram(bi, pa + PAGE - 1) : false;
}

static uint64_t fill_page_job(void *arg)
{
	uint64_t pa = (uint64_t)(uintptr_t)arg, *p = arg;
	for (unsigned i = 0; i < PAGE / 8; i++)
		p[i] = (pa + 8 * i) * 0x9E3779B97F4A7C15ull;
	return 0;
}

/* 512 stores: in user mode (usermode.h), natively, instead of ~2 ms emulated. */
static void fill_page(uint64_t pa)
{
	user_call(fill_page_job, (void *)(uintptr_t)pa);
}

static uint64_t hash_page(uint64_t pa)
{
	return migrate_hash_qwords(MIGRATE_HASH_INIT, (const uint64_t *)(uintptr_t)pa, PAGE / 8);
}

static bool page_zero(uint64_t pa)
{
	const uint64_t *p = (const uint64_t *)(uintptr_t)pa;
	size_t n = PAGE / 8;
	bool zero;
	__asm__ volatile("repe scasq" : "+D"(p), "+c"(n), "=@ccz"(zero) : "a"(0ull) : "memory");
	return zero;
}

static void plan_pages(const struct boot_info *bi)
{
	uint64_t top = ram_top(bi), mid = (top / 2) & ~(uint64_t)(PAGE - 1);
	const uint64_t fill_at[] = { 0x70000, 0x400000, 0x401000, 0x410000, 0x1000000, mid, mid + 0x3000,
				     top - PAGE, top - 3 * PAGE, top - 16 * PAGE, top - 0x100000 };
	const uint64_t zero_at[] = { 0x78000, 0x500000, 0x402000, 0x1001000, mid + 0x10000, top - 2 * PAGE,
				     top - 32 * PAGE, top - 0x80000 };
	for (unsigned i = 0; i < sizeof fill_at / sizeof fill_at[0]; i++)
		if (nfilled < MAX_PAGES && usable(bi, fill_at[i]))
			filled[nfilled++].pa = fill_at[i];
	for (unsigned i = 0; i < sizeof zero_at / sizeof zero_at[0]; i++)
		if (nzeroed < MAX_PAGES && usable(bi, zero_at[i]))
			zeroed[nzeroed++].pa = zero_at[i];
}

/* Pages whose hash changed (first one in *bad), and zero pages that are no longer zero. */
static unsigned check_filled(uint64_t *bad)
{
	unsigned wrong = 0;
	for (unsigned i = 0; i < nfilled; i++)
		if (hash_page(filled[i].pa) != filled[i].hash && !wrong++)
			*bad = filled[i].pa;
	return wrong;
}

static unsigned check_zeroed(unsigned *were_zero, uint64_t *bad)
{
	unsigned wrong = 0;
	*were_zero = 0;
	for (unsigned i = 0; i < nzeroed; i++) {
		if (!zeroed[i].zero_before)
			continue;
		(*were_zero)++;
		if (!page_zero(zeroed[i].pa) && !wrong++)
			*bad = zeroed[i].pa;
	}
	return wrong;
}

/* ---- comparisons ---- */

static bool same_control(const struct cpu_state *a, const struct cpu_state *b, char *why, size_t n)
{
	snprintf(why, n, "CR0 %lx CR2 %lx CR3 %lx CR4 %lx CR8 %lx EFER %lx", (unsigned long)b->cr0, (unsigned long)b->cr2,
		 (unsigned long)b->cr3, (unsigned long)b->cr4, (unsigned long)b->cr8, (unsigned long)b->efer);
	if (a->cr0 == b->cr0 && a->cr2 == b->cr2 && a->cr3 == b->cr3 && a->cr4 == b->cr4 && a->cr8 == b->cr8 && a->efer == b->efer)
		return true;
	snprintf(why + strlen(why), n - strlen(why), "; before: CR0 %lx CR2 %lx CR3 %lx CR4 %lx CR8 %lx EFER %lx",
		 (unsigned long)a->cr0, (unsigned long)a->cr2, (unsigned long)a->cr3, (unsigned long)a->cr4,
		 (unsigned long)a->cr8, (unsigned long)a->efer);
	return false;
}

static bool same_msrs(const struct cpu_state *a, const struct cpu_state *b, char *why, size_t n, unsigned *checked)
{
	bool ok = true;
	*checked = 0;
	why[0] = 0;
	for (unsigned i = 0; i < NMSR; i++) {
		if (a->msr_err[i])
			continue;
		(*checked)++;
		if (b->msr_err[i] || b->msr[i] != a->msr[i]) {
			if (ok)
				snprintf(why, n, "%s %lx -> %s%lx", msrs[i].name, (unsigned long)a->msr[i], b->msr_err[i] ? "#GP " : "",
					 (unsigned long)b->msr[i]);
			ok = false;
		}
	}
	return ok;
}

static bool state_unchanged(const struct cpu_state *before, char *why, size_t n)
{
	struct cpu_state now;
	unsigned checked;
	uint64_t bad = 0;
	capture(&now);
	unsigned wrong = check_filled(&bad);
	if (wrong) {
		snprintf(why, n, "%u pages changed, first at %lx", wrong, (unsigned long)bad);
		return false;
	}
	if (!same_control(before, &now, why, n))
		return false;
	if (!same_msrs(before, &now, why, n, &checked))
		return false;
	snprintf(why, n, "%u pages, control registers, %u MSRs", nfilled, checked);
	return true;
}

static const char *const after_cases[] = {
	"migrate.memory.pattern", "migrate.memory.zero_pages", "migrate.cpu.gprs", "migrate.cpu.rflags",
	"migrate.cpu.control_regs", "migrate.cpu.descriptor_tables", "migrate.cpu.debug_regs", "migrate.cpu.msrs",
	"migrate.cpu.fpu_sse", "migrate.cpuid", "migrate.fingerprint", "migrate.save.2", "migrate.state.2",
	"migrate.save.3", "migrate.state.3", "migrate.generations",
};

int main(const struct boot_info *bi)
{
	char why[200];
	report_begin("migrate_state");
	idt_init();
	const char *src;
	uint64_t hz = tsc_hz(&src);
	report_data("migrate.method", "%s", tck_migrate_method());
	report_data("migrate.tsc_hz", "%lu (%s)", (unsigned long)hz, src);

	/* ---- before ---- */
	plan_pages(bi);
	for (unsigned i = 0; i < nfilled; i++) {
		fill_page(filled[i].pa);
		filled[i].hash = hash_page(filled[i].pa);
	}
	for (unsigned i = 0; i < nzeroed; i++)
		zeroed[i].zero_before = page_zero(zeroed[i].pa);
	report_data("migrate.memory.top", "0x%lx", (unsigned long)ram_top(bi));
	load_cpu_state();
	struct cpu_state before, after;
	capture(&before);
	for (unsigned i = 0; i < NMSR; i++)
		if (before.msr_err[i])
			report_data("migrate.cpu.msr_absent", "%s (0x%x) faults: not compared", msrs[i].name, msrs[i].index);
	dump_cpuid(cpuid_before, &ncpuid_before);
	unsigned ntables, nfuncs;
	uint64_t fp_before = fingerprint(bi, &ntables, &nfuncs);
	report_data("migrate.fingerprint.before", "%016lx (%u CPUID entries, %u ACPI tables, %u PCI functions)",
		    (unsigned long)fp_before, ncpuid_before, ntables, nfuncs);
	fxsave(fx_before);

	struct migrate_regs in, out;
	for (unsigned i = 0; i < MIGRATE_NREGS; i++)
		in.gpr[i] = 0x9E3779B97F4A7C15ull * (i + 1) ^ (0xFFull << (8 * (i % 8)));
	__asm__ volatile("pushfq; popq %0" : "=r"(in.rflags));
	in.rflags = (in.rflags & ~(1ull << 9)) | (1ull << 10) | (1ull << 18) | (1ull << 21);     /* IF off; DF, AC, ID on */

	/* ---- save 1 ---- */
	uint32_t g1 = tck_migrate_regs(1, &in, &out);
	fxsave(fx_after);
	capture(&after);
	if (g1 != 1) {
		for (unsigned i = 0; i < sizeof after_cases / sizeof after_cases[0]; i++)
			report_skip(after_cases[i], "save 1 did not happen: %s", g1 ? "generation is not 1" : tck_migrate_error());
		return report_summary();
	}

	/* ---- after save 1 ---- */
	uint64_t bad = 0;
	unsigned wrong = check_filled(&bad);
	report(!wrong, "migrate.memory.pattern :: %u pattern pages (low RAM, above 1 MiB, middle, top of RAM) %s%lx", nfilled,
	       wrong ? "changed, first at " : "keep their hashes, top page at ", (unsigned long)(wrong ? bad : filled[nfilled - 1].pa));
	unsigned were_zero;
	wrong = check_zeroed(&were_zero, &bad);
	report(!wrong && were_zero > 0, "migrate.memory.zero_pages :: %u of %u untouched pages read zero before, %u not after (first at %lx)",
	       were_zero, nzeroed, wrong, (unsigned long)(wrong ? bad : 0));

	int d = migrate_regs_diff(&in, &out);
	if (d < 0 || d == MIGRATE_NREGS)
		report(true, "migrate.cpu.gprs :: rbx rbp rsi rdi r8-r15 kept (r15 %lx)", (unsigned long)out.gpr[11]);
	else
		report(false, "migrate.cpu.gprs :: %s reads %lx, held %lx", migrate_reg_names[d], (unsigned long)out.gpr[d],
		       (unsigned long)in.gpr[d]);
	report(!((in.rflags ^ out.rflags) & MIGRATE_RFLAGS_KEPT), "migrate.cpu.rflags :: IF DF AC ID %lx, before %lx",
	       (unsigned long)(out.rflags & MIGRATE_RFLAGS_KEPT), (unsigned long)(in.rflags & MIGRATE_RFLAGS_KEPT));
	report(same_control(&before, &after, why, sizeof why), "migrate.cpu.control_regs :: %s", why);
	bool dt = before.gdtr.base == after.gdtr.base && before.gdtr.limit == after.gdtr.limit && before.idtr.base == after.idtr.base &&
		  before.idtr.limit == after.idtr.limit && before.cs == after.cs && before.ss == after.ss && before.ds == after.ds &&
		  before.es == after.es && before.fs == after.fs && before.gs == after.gs && before.ldtr == after.ldtr &&
		  before.tr == after.tr;
	report(dt, "migrate.cpu.descriptor_tables :: GDT %lx/%x IDT %lx/%x (before %lx/%x %lx/%x), CS %x SS %x DS %x TR %x LDTR %x",
	       (unsigned long)after.gdtr.base, after.gdtr.limit, (unsigned long)after.idtr.base, after.idtr.limit,
	       (unsigned long)before.gdtr.base, before.gdtr.limit, (unsigned long)before.idtr.base, before.idtr.limit, after.cs,
	       after.ss, after.ds, after.tr, after.ldtr);
	bool drs = same(before.dr, after.dr, sizeof before.dr) && before.dr7 == after.dr7;
	report(drs, "migrate.cpu.debug_regs :: DR0-3 %lx %lx %lx %lx DR7 %lx", (unsigned long)after.dr[0], (unsigned long)after.dr[1],
	       (unsigned long)after.dr[2], (unsigned long)after.dr[3], (unsigned long)after.dr7);
	unsigned checked;
	bool m = same_msrs(&before, &after, why, sizeof why, &checked);
	report(m && checked > 0, "migrate.cpu.msrs :: %u MSRs %s%s", checked, m ? "kept" : "differ: ", m ? "" : why);
	unsigned fxdiff = 0, first = 0;
	for (unsigned i = 0; i < 416; i++)              /* FCW..MXCSR, ST0-7, XMM0-15 */
		if (fx_before[i] != fx_after[i] && !fxdiff++)
			first = i;
	report(!fxdiff, "migrate.cpu.fpu_sse :: fxsave images (x87 control/status/tags/stack, MXCSR, xmm0-15): %u bytes differ", fxdiff);
	if (fxdiff)
		report_data("migrate.cpu.fpu_sse.first_diff", "byte %u: %02x -> %02x", first, fx_before[first], fx_after[first]);
	dump_cpuid(cpuid_after, &ncpuid_after);
	unsigned cdiff = ncpuid_after == ncpuid_before ? 0 : 1, cfirst = 0;
	for (unsigned i = 0; i < ncpuid_before && i < ncpuid_after; i++)
		if (!same(&cpuid_before[i], &cpuid_after[i], sizeof cpuid_before[i]) && !cdiff++)
			cfirst = i;
	report(!cdiff, "migrate.cpuid :: %u entries%s", ncpuid_after, cdiff ? ", differ" : " identical");
	if (cdiff)
		report_data("migrate.cpuid.first_diff", "leaf %x.%u: %08x %08x %08x %08x -> %08x %08x %08x %08x", cpuid_before[cfirst].leaf,
			    cpuid_before[cfirst].sub, cpuid_before[cfirst].r.eax, cpuid_before[cfirst].r.ebx, cpuid_before[cfirst].r.ecx,
			    cpuid_before[cfirst].r.edx, cpuid_after[cfirst].r.eax, cpuid_after[cfirst].r.ebx, cpuid_after[cfirst].r.ecx,
			    cpuid_after[cfirst].r.edx);
	unsigned nt2, nf2;
	uint64_t fp_after = fingerprint(bi, &nt2, &nf2);
	report(fp_after == fp_before, "migrate.fingerprint :: %016lx (%u ACPI tables, %u PCI functions), before %016lx",
	       (unsigned long)fp_after, nt2, nf2, (unsigned long)fp_before);

	/* ---- saves 2 and 3 ---- */
	uint32_t g2 = tck_migrate(2);
	if (g2)
		report(state_unchanged(&before, why, sizeof why), "migrate.state.2 :: %s", why);
	else
		report_skip("migrate.state.2", "save 2 did not happen");
	uint32_t g3 = g2 ? tck_migrate(3) : 0;
	if (g3)
		report(state_unchanged(&before, why, sizeof why), "migrate.state.3 :: %s", why);
	else
		report_skip("migrate.state.3", "save 3 did not happen");
	report(g1 == 1 && g2 == 2 && g3 == 3, "migrate.generations :: %u %u %u", g1, g2, g3);

	__asm__ volatile("mov %0, %%cr8" :: "r"(0ull));
	__asm__ volatile("mov %0, %%dr7" :: "r"(0x400ull));
	return report_summary();
}
