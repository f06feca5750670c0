/* fake_console.c - console_write/console_flush for host builds of report.c. */
#include <string.h>

#include "console.h"
#include "fake_console.h"

char fake_console_out[65536];
size_t fake_console_len;
unsigned fake_console_flushes;

void fake_console_reset(void)
{
	fake_console_len = 0;
	fake_console_flushes = 0;
	fake_console_out[0] = '\0';
}

void console_write(const char *s, size_t n)
{
	if (n > sizeof fake_console_out - 1 - fake_console_len)
		n = sizeof fake_console_out - 1 - fake_console_len;
	memcpy(fake_console_out + fake_console_len, s, n);
	fake_console_len += n;
	fake_console_out[fake_console_len] = '\0';
}

void console_flush(void)
{
	fake_console_flushes++;
}
