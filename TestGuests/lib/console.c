/* console.c - see console.h (guest only). */
#include "console.h"

#include <stdarg.h>
#include <stdint.h>

#include "cbuf.h"
#include "format.h"
#include "io.h"
#include "serial.h"
#include "testdev.h"
#include "usermode.h"

static char con_data[4096] __attribute__((aligned(16)));
static struct cbuf con;
static struct spinlock con_lock;
static int use_testdev;

/* A rejected descriptor must not lose output: fall back to the UART for that buffer. */
static void testdev_sink(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	if (testdev_send(TESTDEV_STREAM_CONSOLE, buf, len) != TESTDEV_ACCEPTED)
		serial_write(buf, len);
}

void console_init(void)
{
	serial_init();
	use_testdev = testdev_probe();
	cbuf_init(&con, con_data, sizeof con_data, testdev_sink, 0);
}

void console_write(const char *s, size_t n)
{
	spin_lock(&con_lock);
	if (use_testdev)
		cbuf_write(&con, s, n);
	else
		serial_write(s, n);
	spin_unlock(&con_lock);
}

void console_flush(void)
{
	spin_lock(&con_lock);
	if (use_testdev)
		cbuf_flush(&con);
	spin_unlock(&con_lock);
}

struct format_job {
	char *buf;
	size_t size;
	const char *fmt;
	va_list *ap;
};

static uint64_t format_job_run(void *arg)
{
	struct format_job *j = arg;
	return (uint64_t)(int64_t)fmt_vsnprintf(j->buf, j->size, j->fmt, *j->ap);
}

/* Formats in user mode (usermode.h): natively there, emulated instruction by instruction in ring 0. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	struct format_job j = { buf, size, fmt, &copy };
	int n = (int)(int64_t)user_call(format_job_run, &j);
	va_end(copy);
	return n;
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	console_write(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
