/* test_abirec.c - ABI record encoding (docs/abi-records.md): header bytes, little-endian fields,
 * batching, splitting with the continued flag on both transports, in-place sends, exact hex. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "abirec.h"
#include "fake_console.h"
#include "fake_testdev.h"
#include "report.h"
#include "testdev.h"

static int setup(void **state)
{
	(void)state;
	report_reset();
	fake_console_reset();
	fake_testdev_reset();
	return 0;
}

struct piece { uint16_t type, flags; uint32_t length; const uint8_t *payload; };

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* Splits a record stream into pieces; fails the test on a truncated stream. */
static unsigned split(const uint8_t *s, size_t n, struct piece *out, unsigned max)
{
	unsigned count = 0;
	size_t off = 0;
	while (off < n) {
		assert_true(n - off >= 8);
		assert_true(count < max);
		struct piece *p = &out[count++];
		p->type = (uint16_t)(s[off] | s[off + 1] << 8);
		p->flags = (uint16_t)(s[off + 2] | s[off + 3] << 8);
		p->length = le32(s + off + 4);
		assert_true(p->length <= n - off - 8);
		p->payload = s + off + 8;
		off += 8 + p->length;
	}
	return count;
}

/* The hex of every abi.record line, decoded and concatenated; also checks each line's length. */
static size_t console_records(uint8_t *out, size_t cap, unsigned *lines)
{
	const char *prefix = "TCK:1 DATA abi.record ";
	size_t n = 0;
	*lines = 0;
	for (const char *l = fake_console_out; *l;) {
		const char *end = strchr(l, '\n');
		assert_non_null(end);
		assert_true(end - l < 4096);    /* ResultProtocol.maximumLineBytes */
		if (strncmp(l, prefix, strlen(prefix)) == 0) {
			(*lines)++;
			for (const char *h = l + strlen(prefix); h < end; h += 2) {
				unsigned v;
				assert_true(n < cap);
				assert_int_equal(sscanf(h, "%2x", &v), 1);
				out[n++] = (uint8_t)v;
			}
		}
		l = end + 1;
	}
	return n;
}

static void test_hex(void **state)
{
	(void)state;
	char buf[16];
	const uint8_t in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	assert_int_equal(abi_hex(buf, in, sizeof in), 12);
	assert_memory_equal(buf, "00017f80abff", 12);
}

static void test_console_exact(void **state)
{
	(void)state;
	uint8_t buf[64];
	const uint8_t payload[] = { 0xaa, 0xbb, 0xcc };
	abi_begin_with(buf, sizeof buf);
	abi_record(ABI_CPUID, payload, sizeof payload);
	abi_record(0x1234, 0, 0);
	assert_int_equal(abi_end(), 2);
	assert_string_equal(fake_console_out,
		"TCK:1 DATA abi.begin 1\n"
		"TCK:1 DATA abi.record 0100000003000000aabbcc\n"
		"TCK:1 DATA abi.record 3412000000000000\n"
		"TCK:1 DATA abi.end 2\n");
	assert_false(abi_stats()->stream);
	assert_int_equal(abi_stats()->bytes, 8 + 3 + 8);
}

static void test_stream_header_little_endian(void **state)
{
	(void)state;
	static uint8_t payload[0x1203];
	uint8_t buf[1024];
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 7);
	fake_testdev_present = true;
	abi_begin_with(buf, sizeof buf);
	abi_record(0x0b0a, payload, 0x1203);    /* one piece: 0x1203 < 8 KiB */
	abi_end();
	assert_int_equal(fake_testdev_len, 8 + 0x1203);
	const uint8_t hdr[] = { 0x0a, 0x0b, 0x00, 0x00, 0x03, 0x12, 0x00, 0x00 };
	assert_memory_equal(fake_testdev_data, hdr, 8);
	assert_memory_equal(fake_testdev_data + 8, payload, sizeof payload);
	for (unsigned i = 0; i < fake_testdev_nsends; i++)
		assert_int_equal(fake_testdev_sends[i].stream, TESTDEV_STREAM_DATA);
	/* console: begin and end only */
	assert_string_equal(fake_console_out, "TCK:1 DATA abi.begin 1\nTCK:1 DATA abi.end 1\n");
}

static void test_stream_batches_small_records(void **state)
{
	(void)state;
	uint8_t buf[256];
	const uint8_t a[] = { 1, 2, 3, 4 }, b[] = { 5, 6 };
	fake_testdev_present = true;
	abi_begin_with(buf, sizeof buf);
	abi_record(ABI_MSR, a, sizeof a);
	abi_record(ABI_CMOS, b, sizeof b);
	assert_int_equal(fake_testdev_nsends, 0);       /* nothing sent before abi_end */
	abi_end();
	assert_int_equal(fake_testdev_nsends, 1);
	const uint8_t want[] = { 9, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4, 11, 0, 0, 0, 2, 0, 0, 0, 5, 6 };
	assert_int_equal(fake_testdev_len, sizeof want);
	assert_memory_equal(fake_testdev_data, want, sizeof want);
}

static void test_stream_flushes_full_buffer(void **state)
{
	(void)state;
	uint8_t buf[64], payload[50];
	memset(payload, 0x5a, sizeof payload);
	fake_testdev_present = true;
	abi_begin_with(buf, sizeof buf);
	for (int i = 0; i < 5; i++)
		abi_record(ABI_PORT_PROBE, payload, sizeof payload);
	abi_end();
	assert_int_equal(fake_testdev_len, 5 * 58);
	assert_int_equal(fake_testdev_nsends, (5 * 58 + 63) / 64);
	struct piece p[8];
	assert_int_equal(split(fake_testdev_data, fake_testdev_len, p, 8), 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(p[i].type, ABI_PORT_PROBE);
		assert_int_equal(p[i].length, 50);
		assert_memory_equal(p[i].payload, payload, 50);
	}
}

static void test_stream_splits_at_8k(void **state)
{
	(void)state;
	static uint8_t payload[2 * 8192 + 10], buf[4096];
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i ^ (i >> 8));
	fake_testdev_present = true;
	abi_begin_with(buf, sizeof buf);
	abi_record(ABI_CPUID, payload, 8192);           /* exactly the limit: one piece */
	abi_record(ABI_ACPI_TABLE, payload, sizeof payload);
	assert_int_equal(abi_end(), 2);
	struct piece p[8];
	assert_int_equal(split(fake_testdev_data, fake_testdev_len, p, 8), 4);
	assert_int_equal(p[0].flags, 0);
	assert_int_equal(p[0].length, 8192);
	assert_int_equal(p[1].flags, ABI_FLAG_CONTINUED);
	assert_int_equal(p[1].length, 8192);
	assert_int_equal(p[2].flags, ABI_FLAG_CONTINUED);
	assert_int_equal(p[2].length, 8192);
	assert_int_equal(p[3].flags, 0);
	assert_int_equal(p[3].length, 10);
	for (int i = 1; i < 4; i++)
		assert_int_equal(p[i].type, ABI_ACPI_TABLE);
	assert_memory_equal(p[1].payload, payload, 8192);
	assert_memory_equal(p[2].payload, payload + 8192, 8192);
	assert_memory_equal(p[3].payload, payload + 16384, 10);
	assert_int_equal(abi_stats()->records, 2);
	assert_int_equal(abi_stats()->pieces, 4);
	assert_int_equal(abi_stats()->bytes, 4 * 8 + 8192 + sizeof payload);
	assert_int_equal(abi_stats()->bytes_by_type[ABI_ACPI_TABLE], sizeof payload);
}

static void test_console_splits_under_line_limit(void **state)
{
	(void)state;
	static uint8_t payload[4500], got[8192];
	uint8_t buf[64];
	unsigned lines;
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 13 + 1);
	abi_begin_with(buf, sizeof buf);
	abi_record(ABI_ACPI_TABLE, payload, sizeof payload);
	assert_int_equal(abi_end(), 1);
	size_t n = console_records(got, sizeof got, &lines);
	assert_int_equal(lines, 3);
	struct piece p[4];
	assert_int_equal(split(got, n, p, 4), 3);
	assert_int_equal(p[0].flags, ABI_FLAG_CONTINUED);
	assert_int_equal(p[0].length, ABI_PIECE_MAX_CONSOLE);
	assert_int_equal(p[1].flags, ABI_FLAG_CONTINUED);
	assert_int_equal(p[1].length, ABI_PIECE_MAX_CONSOLE);
	assert_int_equal(p[2].flags, 0);
	assert_int_equal(p[2].length, 500);
	assert_memory_equal(p[0].payload, payload, 2000);
	assert_memory_equal(p[1].payload, payload + 2000, 2000);
	assert_memory_equal(p[2].payload, payload + 4000, 500);
	assert_non_null(strstr(fake_console_out, "TCK:1 DATA abi.end 1\n"));
}

static void test_in_place_sent_where_it_is(void **state)
{
	(void)state;
	static uint8_t table[1000];
	uint8_t buf[256];
	const uint8_t addr[8] = { 0x00, 0x10, 0x0e, 0, 0, 0, 0, 0 };
	const uint8_t small[] = { 7, 7 };
	for (size_t i = 0; i < sizeof table; i++)
		table[i] = (uint8_t)i;
	fake_testdev_present = true;
	abi_begin_with(buf, sizeof buf);
	abi_record(ABI_RSDP_LOCATION, small, sizeof small);
	abi_record_in_place(ABI_ACPI_TABLE, addr, sizeof addr, table, sizeof table);
	abi_record(ABI_CMOS, small, sizeof small);
	abi_end();
	/* batch (rsdp record + header + prefix), the table in place, then the batch again */
	assert_int_equal(fake_testdev_nsends, 3);
	assert_ptr_equal(fake_testdev_sends[1].buf, table);
	assert_int_equal(fake_testdev_sends[1].len, sizeof table);
	struct piece p[4];
	assert_int_equal(split(fake_testdev_data, fake_testdev_len, p, 4), 3);
	assert_int_equal(p[1].type, ABI_ACPI_TABLE);
	assert_int_equal(p[1].length, 8 + sizeof table);
	assert_memory_equal(p[1].payload, addr, 8);
	assert_memory_equal(p[1].payload + 8, table, sizeof table);
	assert_int_equal(p[2].type, ABI_CMOS);
	assert_int_equal(abi_stats()->in_place_fallbacks, 0);
}

static void test_in_place_split_and_rejected(void **state)
{
	(void)state;
	static uint8_t table[9000];
	uint8_t buf[128];
	const uint8_t addr[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	for (size_t i = 0; i < sizeof table; i++)
		table[i] = (uint8_t)(i >> 3);
	fake_testdev_present = true;
	fake_testdev_reject_lo = table + 8184;  /* the second piece's bytes are "outside RAM" */
	fake_testdev_reject_hi = table + sizeof table;
	abi_begin_with(buf, sizeof buf);
	abi_record_in_place(ABI_ACPI_TABLE, addr, sizeof addr, table, sizeof table);
	abi_end();
	assert_int_equal(abi_stats()->in_place_fallbacks, 1);
	assert_int_equal(abi_stats()->rejected, 0);
	assert_ptr_equal(fake_testdev_sends[1].buf, table);
	assert_int_equal(fake_testdev_sends[1].len, 8192 - 8);
	struct piece p[4];
	assert_int_equal(split(fake_testdev_data, fake_testdev_len, p, 4), 2);
	assert_int_equal(p[0].flags, ABI_FLAG_CONTINUED);
	assert_int_equal(p[0].length, 8192);
	assert_memory_equal(p[0].payload, addr, 8);
	assert_memory_equal(p[0].payload + 8, table, 8184);
	assert_int_equal(p[1].flags, 0);
	assert_int_equal(p[1].length, 9000 - 8184);
	assert_memory_equal(p[1].payload, table + 8184, 9000 - 8184);
}

static void test_in_place_on_console(void **state)
{
	(void)state;
	static uint8_t table[300], got[1024];
	uint8_t buf[64];
	unsigned lines;
	const uint8_t addr[8] = { 0xff, 0, 0, 0, 0, 0, 0, 0x80 };
	memset(table, 0xc3, sizeof table);
	abi_begin_with(buf, sizeof buf);
	abi_record_in_place(ABI_ACPI_TABLE, addr, sizeof addr, table, sizeof table);
	abi_end();
	size_t n = console_records(got, sizeof got, &lines);
	assert_int_equal(lines, 1);
	assert_int_equal(n, 8 + 8 + 300);
	assert_memory_equal(got + 8, addr, 8);
	assert_memory_equal(got + 16, table, 300);
	assert_non_null(strstr(fake_console_out, "abi.record 03000000340100" "00ff000000000000" "80c3c3c3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_hex, setup),
		cmocka_unit_test_setup(test_console_exact, setup),
		cmocka_unit_test_setup(test_stream_header_little_endian, setup),
		cmocka_unit_test_setup(test_stream_batches_small_records, setup),
		cmocka_unit_test_setup(test_stream_flushes_full_buffer, setup),
		cmocka_unit_test_setup(test_stream_splits_at_8k, setup),
		cmocka_unit_test_setup(test_console_splits_under_line_limit, setup),
		cmocka_unit_test_setup(test_in_place_sent_where_it_is, setup),
		cmocka_unit_test_setup(test_in_place_split_and_rejected, setup),
		cmocka_unit_test_setup(test_in_place_on_console, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
