/* serial.c - see serial.h. Each byte costs a THRE poll plus the write: two port exits. */
#include "serial.h"

#include "io.h"

#define COM1            0x3F8
#define UART_THR        0       /* DLAB=0 */
#define UART_DLL        0       /* DLAB=1 */
#define UART_IER        1
#define UART_DLM        1       /* DLAB=1 */
#define UART_FCR        2
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define LSR_THRE        0x20
#define THRE_POLL_LIMIT 100000  /* a stuck UART must not hang the kernel */

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);    /* no interrupts */
	outb(COM1 + UART_LCR, 0x80);    /* DLAB on */
	outb(COM1 + UART_DLL, 0x01);    /* divisor 1: 115200 baud */
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03);    /* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0xC7);    /* FIFO on, clear both, 14-byte trigger */
	outb(COM1 + UART_MCR, 0x03);    /* DTR | RTS */
}

void serial_putc(char c)
{
	for (int i = 0; i < THRE_POLL_LIMIT; i++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
}
