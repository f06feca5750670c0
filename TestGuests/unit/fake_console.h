/* fake_console.h - captures what the library writes to the console (unit tests only). */
#ifndef FAKE_CONSOLE_H
#define FAKE_CONSOLE_H

#include <stddef.h>

extern char fake_console_out[65536];
extern size_t fake_console_len;
extern unsigned fake_console_flushes;
void fake_console_reset(void);

#endif
