/*
 * test_bootinfo.c - PVH and Multiboot parsing from hand-built guest memory.
 * mem[] stands for guest-physical [0, 64 KiB); structures are placed like a loader would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "bootinfo.h"

static uint8_t mem[0x10000];
static struct phys_window win = { 0, sizeof mem };
static struct boot_info bi;

static void w32(uint64_t pa, uint32_t v) { memcpy(mem + pa, &v, 4); }
static void w64(uint64_t pa, uint64_t v) { memcpy(mem + pa, &v, 8); }
static void wstr(uint64_t pa, const char *s) { memcpy(mem + pa, s, strlen(s) + 1); }

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof mem);
	win.base = (uintptr_t)mem;
	return 0;
}

/* hvm_start_info v<version> at 0x1000. */
static void pvh_start_info(uint32_t version, uint32_t nr_modules, uint64_t modlist, uint64_t cmdline,
			   uint64_t memmap, uint32_t entries)
{
	w32(0x1000, PVH_START_MAGIC);
	w32(0x1004, version);
	w32(0x100c, nr_modules);
	w64(0x1010, modlist);
	w64(0x1018, cmdline);
	w64(0x1020, 0xe0000);   /* rsdp */
	w64(0x1028, memmap);
	w32(0x1030, entries);
}

static void pvh_memmap_entry(uint64_t pa, uint64_t addr, uint64_t size, uint32_t type)
{
	w64(pa, addr);
	w64(pa + 8, size);
	w32(pa + 16, type);
}

static void test_pvh_full(void **state)
{
	(void)state;
	pvh_start_info(1, 2, 0x3000, 0x2000, 0x4000, 3);
	wstr(0x2000, "foo=bar spin");
	w64(0x3000, 0x800000);          /* module 0 */
	w64(0x3008, 100);
	w64(0x3010, 0x2100);
	wstr(0x2100, "initrd");
	w64(0x3020, 0x900000);          /* module 1, no cmdline */
	w64(0x3028, 5);
	pvh_memmap_entry(0x4000, 0, 0x9fc00, 1);
	pvh_memmap_entry(0x4018, 0x9fc00, 0x60400, 2);
	pvh_memmap_entry(0x4030, 0x100000, 0x7f00000, 1);

	assert_int_equal(bootinfo_parse(&bi, 0x12345678, 0x1000, &win), 0);
	assert_null(bi.error);
	assert_int_equal(bi.protocol, BOOT_PROTO_PVH);
	assert_string_equal(boot_protocol_name(bi.protocol), "PVH");
	assert_string_equal(bi.cmdline, "foo=bar spin");
	assert_int_equal(bi.rsdp_pa, 0xe0000);
	assert_int_equal(bi.module_count, 2);
	assert_int_equal(bi.modules[0].addr, 0x800000);
	assert_int_equal(bi.modules[0].size, 100);
	assert_string_equal(bi.modules[0].cmdline, "initrd");
	assert_string_equal(bi.modules[1].cmdline, "");
	assert_int_equal(bi.memmap_count, 3);
	assert_false(bi.memmap_truncated);
	assert_int_equal(bi.memmap[2].addr, 0x100000);
	assert_int_equal(bi.memmap[2].size, 0x7f00000);
	assert_int_equal(bi.memmap[1].type, 2);
	assert_true(bootinfo_is_ram(&bi, 0x100000));
	assert_false(bootinfo_is_ram(&bi, 0xa0000));
	assert_false(bootinfo_is_ram(&bi, 0x8000000));
}

static void test_pvh_wins_over_multiboot_eax(void **state)
{
	(void)state;
	pvh_start_info(1, 0, 0, 0, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_LOADER_MAGIC, 0x1000, &win), 0);
	assert_int_equal(bi.protocol, BOOT_PROTO_PVH);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.memmap_count, 0);   /* zero entries is not an error */
}

static void test_pvh_v0_has_no_memmap(void **state)
{
	(void)state;
	pvh_start_info(0, 0, 0, 0, 0x4000, 3);
	pvh_memmap_entry(0x4000, 0, 0x1000, 1);
	assert_int_equal(bootinfo_parse(&bi, 0, 0x1000, &win), 0);
	assert_int_equal(bi.memmap_count, 0);
}

static void test_pvh_huge_counts_are_clamped(void **state)
{
	(void)state;
	pvh_start_info(1, 0xffffffff, 0x3000, 0, 0x4000, 0xffffffff);
	assert_int_equal(bootinfo_parse(&bi, 0, 0x1000, &win), 0);
	assert_int_equal(bi.module_count, BOOT_MODULES_MAX);
	assert_int_equal(bi.modules_total, 0xffffffff);
	assert_int_equal(bi.memmap_count, BOOT_MEMMAP_MAX);
	assert_true(bi.memmap_truncated);
}

static void test_pvh_tables_outside_memory(void **state)
{
	(void)state;
	pvh_start_info(1, 0, 0, 0, sizeof mem - 24, 2);    /* second entry past the end */
	assert_int_equal(bootinfo_parse(&bi, 0, 0x1000, &win), -1);
	assert_string_equal(bi.error, "PVH memory map outside memory");
	assert_int_equal(bi.memmap_count, 1);   /* what was read stays */

	pvh_start_info(1, 1, 0xffffffffffffff00ull, 0, 0, 0);  /* address overflow */
	assert_int_equal(bootinfo_parse(&bi, 0, 0x1000, &win), -1);
	assert_string_equal(bi.error, "PVH module list outside memory");

	pvh_start_info(1, 0, 0, 0x7fffffff, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, 0, 0x1000, &win), -1);
	assert_string_equal(bi.error, "PVH cmdline outside memory");
}

static void test_cmdline_bounded(void **state)
{
	(void)state;
	pvh_start_info(1, 0, 0, sizeof mem - 4, 0, 0);
	memcpy(mem + sizeof mem - 4, "abcd", 4);        /* no NUL before the end of memory */
	assert_int_equal(bootinfo_parse(&bi, 0, 0x1000, &win), 0);
	assert_string_equal(bi.cmdline, "abcd");

	memset(mem + 0x2000, 'x', 3000);                /* longer than BOOT_CMDLINE_MAX */
	pvh_start_info(1, 0, 0, 0x2000, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, 0, 0x1000, &win), 0);
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
}

static void test_bad_magic(void **state)
{
	(void)state;
	assert_int_equal(bootinfo_parse(&bi, 0xdeadbeef, 0x1000, &win), -1);
	assert_int_equal(bi.protocol, BOOT_PROTO_NONE);
	assert_non_null(bi.error);
	assert_string_equal(boot_protocol_name(bi.protocol), "unknown");

	assert_int_equal(bootinfo_parse(&bi, 0, sizeof mem + 0x1000, &win), -1);   /* EBX outside */
	assert_int_equal(bi.protocol, BOOT_PROTO_NONE);
	assert_int_equal(bootinfo_parse(&bi, 0, 0, &win), -1);
}

/* multiboot_info at 0x1000 */
static void mb_info(uint32_t flags)
{
	w32(0x1000, flags);
	w32(0x1004, 639);
	w32(0x1008, 130048);
}

static void mb_mmap_entry(uint64_t pa, uint32_t size, uint64_t addr, uint64_t len, uint32_t type)
{
	w32(pa, size);
	w64(pa + 4, addr);
	w64(pa + 12, len);
	w32(pa + 20, type);
}

static void test_multiboot_full(void **state)
{
	(void)state;
	mb_info(1 | 4 | 8 | 64);
	w32(0x1010, 0x2000);
	wstr(0x2000, "hello.elf foo=bar");
	w32(0x1014, 1);
	w32(0x1018, 0x3000);
	w32(0x3000, 0x800000);
	w32(0x3004, 0x800064);
	w32(0x3008, 0x2100);
	wstr(0x2100, "mod");
	w32(0x102c, 48);
	w32(0x1030, 0x4000);
	mb_mmap_entry(0x4000, 20, 0, 0x9fc00, 1);
	mb_mmap_entry(0x4018, 20, 0x100000, 0x7f00000, 1);

	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_LOADER_MAGIC, 0x1000, &win), 0);
	assert_null(bi.error);
	assert_int_equal(bi.protocol, BOOT_PROTO_MULTIBOOT);
	assert_string_equal(boot_protocol_name(bi.protocol), "Multiboot");
	assert_string_equal(bi.cmdline, "hello.elf foo=bar");
	assert_int_equal(bi.mem_lower_kib, 639);
	assert_int_equal(bi.mem_upper_kib, 130048);
	assert_int_equal(bi.module_count, 1);
	assert_int_equal(bi.modules[0].addr, 0x800000);
	assert_int_equal(bi.modules[0].size, 100);
	assert_string_equal(bi.modules[0].cmdline, "mod");
	assert_int_equal(bi.memmap_count, 2);
	assert_int_equal(bi.memmap[1].addr, 0x100000);
	assert_true(bootinfo_is_ram(&bi, 0x100000));
}

static void test_multiboot_flags_gate_fields(void **state)
{
	(void)state;
	mb_info(0);
	w32(0x1010, 0x2000);            /* present but flag 2 clear: ignored */
	wstr(0x2000, "ignored");
	w32(0x1014, 3);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_LOADER_MAGIC, 0x1000, &win), 0);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.module_count, 0);
	assert_int_equal(bi.memmap_count, 0);
	assert_int_equal(bi.mem_upper_kib, 0);
}

static void test_multiboot_memmap_from_mem_info(void **state)
{
	(void)state;
	mb_info(1);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_LOADER_MAGIC, 0x1000, &win), 0);
	assert_int_equal(bi.memmap_count, 2);
	assert_int_equal(bi.memmap[1].addr, 0x100000);
	assert_int_equal(bi.memmap[1].size, 130048ull * 1024);
}

static void test_multiboot_malformed(void **state)
{
	(void)state;
	mb_info(64);
	w32(0x102c, 48);
	w32(0x1030, 0x4000);
	mb_mmap_entry(0x4000, 8, 0, 0x1000, 1);         /* size < 20 */
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_LOADER_MAGIC, 0x1000, &win), -1);
	assert_string_equal(bi.error, "multiboot memory map entry smaller than 20 bytes");

	mb_info(8);
	w32(0x1014, 1);
	w32(0x1018, sizeof mem - 8);                    /* module entry straddles the end */
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_LOADER_MAGIC, 0x1000, &win), -1);
	assert_string_equal(bi.error, "multiboot module list outside memory");

	mb_info(8);
	w32(0x1014, 1);
	w32(0x1018, 0x3000);
	w32(0x3000, 0x900000);                          /* end before start: size 0 */
	w32(0x3004, 0x800000);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_LOADER_MAGIC, 0x1000, &win), 0);
	assert_int_equal(bi.modules[0].size, 0);

	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_LOADER_MAGIC, sizeof mem - 10, &win), -1);
	assert_int_equal(bi.protocol, BOOT_PROTO_MULTIBOOT);
}

static void test_multiboot_huge_mmap_clamped(void **state)
{
	(void)state;
	mb_info(64 | 8);
	w32(0x1014, 1000);                              /* module count clamped too */
	w32(0x1018, 0x3000);
	w32(0x102c, 0xffffffff);
	w32(0x1030, 0x4000);
	for (unsigned i = 0; i < 40; i++)
		mb_mmap_entry(0x4000 + 24 * i, 20, 0x100000ull * i, 0x1000, 1);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_LOADER_MAGIC, 0x1000, &win), 0);
	assert_int_equal(bi.memmap_count, BOOT_MEMMAP_MAX);
	assert_true(bi.memmap_truncated);
	assert_int_equal(bi.memmap[31].addr, 0x100000ull * 31);
	assert_int_equal(bi.module_count, BOOT_MODULES_MAX);
	assert_int_equal(bi.modules_total, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_pvh_full, setup),
		cmocka_unit_test_setup(test_pvh_wins_over_multiboot_eax, setup),
		cmocka_unit_test_setup(test_pvh_v0_has_no_memmap, setup),
		cmocka_unit_test_setup(test_pvh_huge_counts_are_clamped, setup),
		cmocka_unit_test_setup(test_pvh_tables_outside_memory, setup),
		cmocka_unit_test_setup(test_cmdline_bounded, setup),
		cmocka_unit_test_setup(test_bad_magic, setup),
		cmocka_unit_test_setup(test_multiboot_full, setup),
		cmocka_unit_test_setup(test_multiboot_flags_gate_fields, setup),
		cmocka_unit_test_setup(test_multiboot_memmap_from_mem_info, setup),
		cmocka_unit_test_setup(test_multiboot_malformed, setup),
		cmocka_unit_test_setup(test_multiboot_huge_mmap_clamped, setup),
	};
	return cmocka_run_group_tests_name("bootinfo", tests, NULL, NULL);
}
