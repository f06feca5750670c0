/*
 * hello - boot protocol smoke test: protocol, command line, memory map, modules.
 * Pass a module (QEMU -initrd, swiftvm --initrd) to get its size and first bytes as DATA.
 * DATA keys: boot.protocol, boot.cmdline, memmap.count, memmap.<i>, modules.count,
 * module.0.size, module.0.head (hex of the first <= 16 bytes).
 */
#include "libtck.h"

static void report_module(const struct boot_module *m)
{
	char hex[16 * 2 + 1];
	uint64_t n = m->size < 16 ? m->size : 16;
	static const char digits[] = "0123456789abcdef";

	report_data("module.0.size", "%llu", (unsigned long long)m->size);
	if (m->addr + n > (1ull << 32)) {
		report_skip("module.0.head", "module above 4 GiB is not mapped");
		return;
	}
	const uint8_t *p = (const uint8_t *)(uintptr_t)m->addr;
	for (uint64_t j = 0; j < n; j++) {
		hex[2 * j] = digits[p[j] >> 4];
		hex[2 * j + 1] = digits[p[j] & 15];
	}
	hex[2 * n] = '\0';
	report_data("module.0.head", "%s", hex);
}

int main(const struct boot_info *bi)
{
	report_begin("hello");
	printf("Hello from %s guest\n", boot_protocol_name(bi->protocol));

	report(bi->protocol != BOOT_PROTO_NONE, "boot.protocol :: %s", boot_protocol_name(bi->protocol));
	report_data("boot.protocol", "%s", boot_protocol_name(bi->protocol));
	if (bi->error)
		report_data("boot.error", "%s", bi->error);

	report_data("boot.cmdline", "%s", bi->cmdline);
	if (bi->cmdline[0])
		report(true, "boot.cmdline_visible");
	else
		report_skip("boot.cmdline_visible", "empty command line");

	report_data("memmap.count", "%u", bi->memmap_count);
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		char key[24];
		snprintf(key, sizeof key, "memmap.%u", i);
		report_data(key, "addr=0x%llx size=0x%llx type=%u", (unsigned long long)bi->memmap[i].addr,
			    (unsigned long long)bi->memmap[i].size, bi->memmap[i].type);
	}
	if (bi->memmap_truncated)
		report_data("memmap.truncated", "more than %u entries", BOOT_MEMMAP_MAX);
	report(bi->memmap_count > 0, "memmap.nonempty");
	report(bootinfo_is_ram(bi, 0x100000), "memmap.ram_at_1m");

	report_data("modules.count", "%u", bi->module_count);
	if (bi->module_count)
		report_module(&bi->modules[0]);

	return report_summary();
}
