/* serial.h - 16550A UART at 0x3F8 (COM1), output only. */
#ifndef SERIAL_H
#define SERIAL_H

#include <stddef.h>

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t n);

#endif
