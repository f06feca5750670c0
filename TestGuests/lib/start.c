/* start.c - C entry from boot.S: console, boot info, main(), exit through port 0xF4. */
#include <stdint.h>

#include "libtck.h"
#include "usermode.h"

static struct boot_info boot_info;

void lib_start(uint32_t magic, uint32_t info_pa) __attribute__((noreturn));

void lib_start(uint32_t magic, uint32_t info_pa)
{
	/* Identity map covers 0..4 GiB; boot structures live below 4 GiB. */
	const struct phys_window all = { 0, 1ull << 32 };

	usermode_init();        /* first: every line below is formatted in user mode */
	console_init();
	if (bootinfo_parse(&boot_info, magic, info_pa, &all))
		printf("bootinfo: %s (eax=%08x ebx=%08x)\n", boot_info.error, magic, info_pa);
	lib_exit(main(&boot_info));
}

void lib_exit(int code)
{
	console_flush();
	outl(DEBUG_EXIT_PORT, (uint32_t)code);
	halt_forever();         /* no debug-exit device: park */
}

/* Kernels that start APs define their own. */
__attribute__((weak)) void ap_main(unsigned index)
{
	(void)index;
	halt_forever();
}
