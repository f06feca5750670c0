/*
 * bootinfo.c - PVH hvm_start_info (v0/v1) and Multiboot v1 info -> struct boot_info.
 * Every address and count comes from the loader, so each read is bounds-checked
 * against the window and every count is clamped.
 */
#include "bootinfo.h"

#include <string.h>

static bool phys_read(const struct phys_window *w, uint64_t pa, void *dst, size_t len)
{
	if (pa > w->size || len > w->size - pa)
		return false;
	memcpy(dst, (const void *)(w->base + (uintptr_t)pa), len);
	return true;
}

/* Copies a NUL-terminated string at pa into dst (cap bytes), truncating. */
static bool phys_string(const struct phys_window *w, uint64_t pa, char *dst, size_t cap)
{
	size_t n = 0;
	dst[0] = '\0';
	if (pa == 0)
		return true;    /* both protocols use 0 for "none" */
	if (pa >= w->size)
		return false;
	const char *src = (const char *)(w->base + (uintptr_t)pa);
	uint64_t avail = w->size - pa;
	while (n + 1 < cap && n < avail && src[n]) {
		dst[n] = src[n];
		n++;
	}
	dst[n] = '\0';
	return true;
}

static uint32_t rd32(const uint8_t *p, size_t off) { uint32_t v; memcpy(&v, p + off, 4); return v; }
static uint64_t rd64(const uint8_t *p, size_t off) { uint64_t v; memcpy(&v, p + off, 8); return v; }

static int fail(struct boot_info *bi, const char *why)
{
	bi->error = why;
	return -1;
}

static void add_range(struct boot_info *bi, uint64_t addr, uint64_t size, uint32_t type)
{
	if (bi->memmap_count == BOOT_MEMMAP_MAX) {
		bi->memmap_truncated = true;
		return;
	}
	struct boot_memrange *r = &bi->memmap[bi->memmap_count++];
	r->addr = addr;
	r->size = size;
	r->type = type;
}

/* struct hvm_start_info: magic, version, flags, nr_modules, modlist_paddr, cmdline_paddr,
 * rsdp_paddr, then (version >= 1) memmap_paddr, memmap_entries, reserved. */
static int parse_pvh(struct boot_info *bi, const struct phys_window *w)
{
	uint8_t si[56];
	if (!phys_read(w, bi->info_pa, si, 48))
		return fail(bi, "hvm_start_info outside memory");
	uint32_t version = rd32(si, 4);
	bi->protocol = BOOT_PROTO_PVH;
	bi->rsdp_pa = rd64(si, 32);
	if (!phys_string(w, rd64(si, 24), bi->cmdline, sizeof bi->cmdline))
		return fail(bi, "PVH cmdline outside memory");

	bi->modules_total = rd32(si, 12);
	uint64_t modlist = rd64(si, 16);
	for (uint32_t i = 0; i < bi->modules_total && i < BOOT_MODULES_MAX; i++) {
		uint8_t e[32];  /* paddr, size, cmdline_paddr, reserved */
		if (!phys_read(w, modlist + 32ull * i, e, sizeof e))
			return fail(bi, "PVH module list outside memory");
		struct boot_module *m = &bi->modules[bi->module_count];
		m->addr = rd64(e, 0);
		m->size = rd64(e, 8);
		phys_string(w, rd64(e, 16), m->cmdline, sizeof m->cmdline);
		bi->module_count++;
	}

	if (version < 1)
		return 0;       /* v0 has no memory map */
	if (!phys_read(w, bi->info_pa, si, sizeof si))
		return fail(bi, "hvm_start_info outside memory");
	uint64_t map = rd64(si, 40);
	uint32_t entries = rd32(si, 48);
	for (uint32_t i = 0; i < entries; i++) {
		if (i == BOOT_MEMMAP_MAX) {
			bi->memmap_truncated = true;
			break;
		}
		uint8_t e[24];  /* addr, size, type, reserved */
		if (!phys_read(w, map + 24ull * i, e, sizeof e))
			return fail(bi, "PVH memory map outside memory");
		add_range(bi, rd64(e, 0), rd64(e, 8), rd32(e, 16));
	}
	return 0;
}

/* multiboot_info offsets: flags 0, mem_lower 4, mem_upper 8, cmdline 16, mods_count 20,
 * mods_addr 24, mmap_length 44, mmap_addr 48. */
static int parse_multiboot(struct boot_info *bi, const struct phys_window *w)
{
	uint8_t mi[52];
	bi->protocol = BOOT_PROTO_MULTIBOOT;
	if (!phys_read(w, bi->info_pa, mi, sizeof mi))
		return fail(bi, "multiboot_info outside memory");
	uint32_t flags = rd32(mi, 0);

	if (flags & (1u << 0)) {
		bi->mem_lower_kib = rd32(mi, 4);
		bi->mem_upper_kib = rd32(mi, 8);
	}
	if ((flags & (1u << 2)) && !phys_string(w, rd32(mi, 16), bi->cmdline, sizeof bi->cmdline))
		return fail(bi, "multiboot cmdline outside memory");

	if (flags & (1u << 3)) {
		bi->modules_total = rd32(mi, 20);
		uint32_t mods = rd32(mi, 24);
		for (uint32_t i = 0; i < bi->modules_total && i < BOOT_MODULES_MAX; i++) {
			uint8_t e[16];  /* mod_start, mod_end, string, reserved */
			if (!phys_read(w, mods + 16ull * i, e, sizeof e))
				return fail(bi, "multiboot module list outside memory");
			struct boot_module *m = &bi->modules[bi->module_count];
			uint32_t start = rd32(e, 0), end = rd32(e, 4);
			m->addr = start;
			m->size = end > start ? end - start : 0;
			phys_string(w, rd32(e, 8), m->cmdline, sizeof m->cmdline);
			bi->module_count++;
		}
	}

	if (flags & (1u << 6)) {
		uint32_t len = rd32(mi, 44);
		uint64_t addr = rd32(mi, 48);
		uint64_t off = 0;
		/* Entries: u32 size (excluding itself), u64 base, u64 length, u32 type. */
		while (off + 24 <= len) {
			if (bi->memmap_count == BOOT_MEMMAP_MAX) {
				bi->memmap_truncated = true;
				break;
			}
			uint8_t e[24];
			if (!phys_read(w, addr + off, e, sizeof e))
				return fail(bi, "multiboot memory map outside memory");
			uint32_t size = rd32(e, 0);
			if (size < 20)
				return fail(bi, "multiboot memory map entry smaller than 20 bytes");
			add_range(bi, rd64(e, 4), rd64(e, 12), rd32(e, 20));
			off += (uint64_t)size + 4;
		}
	} else if (flags & (1u << 0)) {
		/* No map: synthesise one from the basic memory information. */
		add_range(bi, 0, (uint64_t)bi->mem_lower_kib * 1024, BOOT_MEM_RAM);
		add_range(bi, 0x100000, (uint64_t)bi->mem_upper_kib * 1024, BOOT_MEM_RAM);
	}
	return 0;
}

/*
 * PVH is recognised first, by the start-info magic at EBX: PVH leaves EAX undefined and
 * QEMU's PVH option ROM in fact enters with EAX = 0x2BADB002.
 */
int bootinfo_parse(struct boot_info *bi, uint32_t magic, uint64_t info_pa, const struct phys_window *w)
{
	uint8_t m[4];

	memset(bi, 0, sizeof *bi);
	bi->magic = magic;
	bi->info_pa = info_pa;
	if (info_pa != 0 && phys_read(w, info_pa, m, sizeof m) && rd32(m, 0) == PVH_START_MAGIC)
		return parse_pvh(bi, w);
	if (magic == MULTIBOOT_LOADER_MAGIC)
		return parse_multiboot(bi, w);
	return fail(bi, "unrecognised boot protocol (no PVH start-info magic at EBX, EAX is not the Multiboot magic)");
}

const char *boot_protocol_name(enum boot_protocol p)
{
	switch (p) {
	case BOOT_PROTO_PVH:
		return "PVH";
	case BOOT_PROTO_MULTIBOOT:
		return "Multiboot";
	default:
		return "unknown";
	}
}

bool bootinfo_is_ram(const struct boot_info *bi, uint64_t pa)
{
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct boot_memrange *r = &bi->memmap[i];
		if (r->type == BOOT_MEM_RAM && pa >= r->addr && pa - r->addr < r->size)
			return true;
	}
	return false;
}
