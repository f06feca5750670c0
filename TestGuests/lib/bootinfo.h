/*
 * bootinfo.h - what a kernel learns from its loader, independent of the protocol.
 * bootinfo_parse() is host-compilable: it reads guest-physical memory through a
 * bounds-checked window, so unit tests can feed it byte buffers.
 */
#ifndef BOOTINFO_H
#define BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MULTIBOOT_LOADER_MAGIC  0x2BADB002u
#define PVH_START_MAGIC         0x336ec578u

#define BOOT_CMDLINE_MAX        2048    /* contract: the command line is <= 2 KiB */
#define BOOT_MEMMAP_MAX         32
#define BOOT_MODULES_MAX        8
#define BOOT_MODCMD_MAX         64

enum boot_protocol { BOOT_PROTO_NONE, BOOT_PROTO_PVH, BOOT_PROTO_MULTIBOOT };

#define BOOT_MEM_RAM            1
#define BOOT_MEM_RESERVED       2

struct boot_memrange {
	uint64_t addr, size;
	uint32_t type;
};

struct boot_module {
	uint64_t addr, size;
	char cmdline[BOOT_MODCMD_MAX];  /* truncated copy */
};

struct boot_info {
	enum boot_protocol protocol;
	uint32_t magic;                 /* EAX at entry */
	uint64_t info_pa;               /* EBX at entry */
	const char *error;              /* NULL, or why parsing stopped (fields parsed so far stay valid) */
	char cmdline[BOOT_CMDLINE_MAX]; /* always NUL-terminated, "" when none */
	uint32_t memmap_count;
	bool memmap_truncated;          /* the loader listed more than BOOT_MEMMAP_MAX entries */
	struct boot_memrange memmap[BOOT_MEMMAP_MAX];
	uint32_t module_count;
	uint32_t modules_total;         /* as the loader claimed, before clamping */
	struct boot_module modules[BOOT_MODULES_MAX];
	uint32_t mem_lower_kib, mem_upper_kib;  /* Multiboot flag bit 0 only */
	uint64_t rsdp_pa;               /* PVH only, 0 when absent */
};

/* Guest-physical address pa is readable at host address base + pa when pa + len <= size. */
struct phys_window {
	uintptr_t base;
	uint64_t size;
};

/* Returns 0, or -1 with bi->error set. bi is overwritten completely. */
int bootinfo_parse(struct boot_info *bi, uint32_t magic, uint64_t info_pa, const struct phys_window *w);
const char *boot_protocol_name(enum boot_protocol p);
/* True when a RAM range of the memory map contains pa. */
bool bootinfo_is_ram(const struct boot_info *bi, uint64_t pa);

#endif
