/* test_cbuf.c - console buffering: flush when full, on demand, never when empty. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cbuf.h"

struct sink_log {
	unsigned calls;
	size_t lens[16];
	char all[256];
	size_t total;
};

static void sink(void *ctx, const char *buf, size_t len)
{
	struct sink_log *log = ctx;
	assert_true(log->calls < 16);
	log->lens[log->calls++] = len;
	memcpy(log->all + log->total, buf, len);
	log->total += len;
}

static void test_buffers_until_flush(void **state)
{
	(void)state;
	char data[8];
	struct sink_log log = { 0 };
	struct cbuf cb;
	cbuf_init(&cb, data, sizeof data, sink, &log);
	cbuf_write(&cb, "abc", 3);
	assert_int_equal(log.calls, 0);
	cbuf_flush(&cb);
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.lens[0], 3);
	assert_memory_equal(log.all, "abc", 3);
	cbuf_flush(&cb);                /* empty: no call */
	assert_int_equal(log.calls, 1);
}

static void test_flushes_when_full(void **state)
{
	(void)state;
	char data[8];
	struct sink_log log = { 0 };
	struct cbuf cb;
	cbuf_init(&cb, data, sizeof data, sink, &log);
	cbuf_write(&cb, "12345678", 8);     /* exactly full: one flush */
	assert_int_equal(log.calls, 1);
	assert_int_equal(cb.len, 0);
	cbuf_write(&cb, "abcdefghijklmnopqrst", 20);    /* 8 + 8 flushed, 4 kept */
	assert_int_equal(log.calls, 3);
	assert_int_equal(log.lens[1], 8);
	assert_int_equal(log.lens[2], 8);
	assert_int_equal(cb.len, 4);
	cbuf_flush(&cb);
	assert_int_equal(log.calls, 4);
	assert_int_equal(log.total, 28);
	assert_memory_equal(log.all, "12345678abcdefghijklmnopqrst", 28);
}

static void test_zero_length_write(void **state)
{
	(void)state;
	char data[4];
	struct sink_log log = { 0 };
	struct cbuf cb;
	cbuf_init(&cb, data, sizeof data, sink, &log);
	cbuf_write(&cb, "", 0);
	cbuf_flush(&cb);
	assert_int_equal(log.calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffers_until_flush),
		cmocka_unit_test(test_flushes_when_full),
		cmocka_unit_test(test_zero_length_write),
	};
	return cmocka_run_group_tests_name("cbuf", tests, NULL, NULL);
}
