/* test_migrate.c - the save request's decisions (lib/migrate_calc.c): which answer counts as a restore,
 * generation bookkeeping, hashes, bounds, register comparison, RTC dates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "migrate.h"

static void test_port_verdicts(void **state)
{
	(void)state;
	uint32_t g = 77;
	assert_int_equal(migrate_port_verdict(0, 0, &g), MIGRATE_REFUSED);
	assert_int_equal(g, 77);                        /* untouched unless restored */
	assert_int_equal(migrate_port_verdict(0, 1, &g), MIGRATE_RESTORED);
	assert_int_equal(g, 1);
	assert_int_equal(migrate_port_verdict(2, 3, &g), MIGRATE_RESTORED);
	assert_int_equal(g, 3);
	assert_int_equal(migrate_port_verdict(2, 4, &g), MIGRATE_BAD_GENERATION);
	assert_int_equal(migrate_port_verdict(3, 1, &g), MIGRATE_BAD_GENERATION);
	assert_int_equal(migrate_port_verdict(0, 0xFFFFFFFF, &g), MIGRATE_BAD_GENERATION);      /* port vanished */
	assert_int_equal(g, 3);
	assert_string_equal(migrate_verdict_text(MIGRATE_REFUSED), "save refused");
}

static void test_serial_verdicts(void **state)
{
	(void)state;
	uint32_t g = 0;
	assert_int_equal(migrate_serial_verdict(-1, 0, &g), MIGRATE_NO_HANDSHAKE);
	assert_int_equal(migrate_serial_verdict('r', 0, &g), MIGRATE_NOT_MIGRATED);
	assert_int_equal(migrate_serial_verdict('\n', 0, &g), MIGRATE_NOT_MIGRATED);
	assert_int_equal(migrate_serial_verdict(0, 0, &g), MIGRATE_NOT_MIGRATED);
	assert_int_equal(g, 0);
	assert_int_equal(migrate_serial_verdict('R', 0, &g), MIGRATE_RESTORED);
	assert_int_equal(g, 1);
	assert_int_equal(migrate_serial_verdict('R', g, &g), MIGRATE_RESTORED);
	assert_int_equal(migrate_serial_verdict('R', g, &g), MIGRATE_RESTORED);
	assert_int_equal(g, 3);
	assert_string_equal(migrate_verdict_text(MIGRATE_NO_HANDSHAKE), "no save handshake");
}

static void test_hash(void **state)
{
	(void)state;
	/* FNV-1a 64 reference values. */
	assert_true(migrate_hash(MIGRATE_HASH_INIT, "", 0) == 0xcbf29ce484222325ull);
	assert_true(migrate_hash(MIGRATE_HASH_INIT, "a", 1) == 0xaf63dc4c8601ec8cull);
	assert_true(migrate_hash(MIGRATE_HASH_INIT, "foobar", 6) == 0x85944171f73967e8ull);
	/* Continuing equals hashing the concatenation; one flipped bit changes the result. */
	uint64_t h = migrate_hash(migrate_hash(MIGRATE_HASH_INIT, "foo", 3), "bar", 3);
	assert_true(h == 0x85944171f73967e8ull);
	uint64_t v = 0x0123456789abcdefull;
	assert_true(migrate_hash_u64(MIGRATE_HASH_INIT, v) == migrate_hash(MIGRATE_HASH_INIT, &v, 8));
	assert_true(migrate_hash_u64(MIGRATE_HASH_INIT, v ^ 1) != migrate_hash_u64(MIGRATE_HASH_INIT, v));
	/* Qword steps: order matters, a zero page does not hash to the initial value. */
	const uint64_t q[3] = { 1, 2, 3 }, r[3] = { 2, 1, 3 }, z[512] = { 0 };
	assert_true(migrate_hash_qwords(MIGRATE_HASH_INIT, q, 3) != migrate_hash_qwords(MIGRATE_HASH_INIT, r, 3));
	assert_true(migrate_hash_qwords(MIGRATE_HASH_INIT, q, 0) == MIGRATE_HASH_INIT);
	assert_true(migrate_hash_qwords(MIGRATE_HASH_INIT, z, 512) != MIGRATE_HASH_INIT);
	assert_true(migrate_hash_qwords(MIGRATE_HASH_INIT, q, 3) ==
		    migrate_hash_qwords(migrate_hash_qwords(MIGRATE_HASH_INIT, q, 1), q + 1, 2));
}

static void test_bounds(void **state)
{
	(void)state;
	assert_true(migrate_within(10, 10, 0));
	assert_true(migrate_within(10, 20, 10));
	assert_false(migrate_within(10, 21, 10));
	assert_false(migrate_within(10, 9, 100));       /* went backwards */
	assert_true(migrate_within(~0ull - 5, ~0ull, 5));
	assert_int_equal(migrate_ticks_ms(3000000000ull, 3000000000ull), 1000);
	assert_int_equal(migrate_ticks_ms(1500000, 3000000000ull), 0);
	assert_int_equal(migrate_ticks_ms(~0ull, 2000000000ull), ~0ull / 2000000);      /* no overflow */
	assert_true(migrate_ticks_ms(5, 0) == ~0ull);
	assert_int_equal(migrate_ticks_ms(7, 999), 7); /* below 1 kHz: one tick per ms, not a division by 0 */
}

static void test_regs_diff(void **state)
{
	(void)state;
	struct migrate_regs a, b;
	for (int i = 0; i < MIGRATE_NREGS; i++)
		a.gpr[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
	a.rflags = 0x2 | (1u << 10) | (1u << 18);
	b = a;
	assert_int_equal(migrate_regs_diff(&a, &b), -1);
	b.rflags ^= 0x1 | 0x40 | 0x80 | 0x800;          /* CF ZF SF OF: the wait's compare changes them */
	assert_int_equal(migrate_regs_diff(&a, &b), -1);
	b.rflags ^= 1u << 10;                           /* DF */
	assert_int_equal(migrate_regs_diff(&a, &b), MIGRATE_NREGS);
	b = a;
	b.gpr[11] ^= 1ull << 63;
	assert_int_equal(migrate_regs_diff(&a, &b), 11);
	assert_string_equal(migrate_reg_names[11], "r15");
	b.gpr[4] = 0;
	assert_int_equal(migrate_regs_diff(&a, &b), 4);
	assert_string_equal(migrate_reg_names[4], "r8");
}

static void test_rtc_seconds(void **state)
{
	(void)state;
	/* sec min hour day month year century; B = 0x02 (BCD, 24 h). */
	const uint8_t t0[7] = { 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x19 };    /* 1900-01-01 00:00:00 */
	assert_int_equal(rtc_seconds(t0, 0x02), 0);
	const uint8_t t1[7] = { 0x59, 0x59, 0x23, 0x31, 0x12, 0x26, 0x20 };    /* 2026-12-31 23:59:59 */
	const uint8_t t2[7] = { 0x00, 0x00, 0x00, 0x01, 0x01, 0x27, 0x20 };    /* 2027-01-01 00:00:00 */
	assert_int_equal(rtc_seconds(t2, 0x02) - rtc_seconds(t1, 0x02), 1);  /* across a year end */
	const uint8_t leap[7] = { 0x00, 0x00, 0x00, 0x29, 0x02, 0x24, 0x20 };  /* 2024-02-29 */
	const uint8_t mar1[7] = { 0x00, 0x00, 0x00, 0x01, 0x03, 0x24, 0x20 };
	assert_int_equal(rtc_seconds(mar1, 0x02) - rtc_seconds(leap, 0x02), 86400);
	/* Binary and 12 h: 12 AM is 0 h, 12 PM is 12 h, 1 PM is 13 h. */
	const uint8_t bin_am12[7] = { 5, 6, 12, 1, 12, 26, 20 };
	const uint8_t bin_pm12[7] = { 5, 6, 0x80 | 12, 1, 12, 26, 20 };
	const uint8_t bcd_pm1[7] = { 0x05, 0x06, 0x81, 0x01, 0x12, 0x26, 0x20 };
	int64_t midnight = rtc_seconds(bin_am12, 0x04);
	assert_true(midnight >= 0);
	assert_int_equal(rtc_seconds(bin_pm12, 0x04) - midnight, 12 * 3600);
	assert_int_equal(rtc_seconds(bcd_pm1, 0x00) - midnight, 13 * 3600);
	/* Out of range or not BCD. */
	const uint8_t bad_sec[7] = { 0x60, 0, 0, 1, 1, 0, 0x20 };
	const uint8_t bad_bcd[7] = { 0x0A, 0, 0, 1, 1, 0, 0x20 };
	const uint8_t bad_month[7] = { 0, 0, 0, 1, 0x13, 0, 0x20 };
	const uint8_t bad_hour24[7] = { 0, 0, 0x24, 1, 1, 0, 0x20 };
	const uint8_t bad_hour12[7] = { 0, 0, 0x00, 1, 1, 0, 0x20 };
	const uint8_t bad_century[7] = { 0, 0, 0, 1, 1, 0, 0xFF };
	assert_int_equal(rtc_seconds(bad_sec, 0x02), -1);
	assert_int_equal(rtc_seconds(bad_bcd, 0x02), -1);
	assert_int_equal(rtc_seconds(bad_month, 0x02), -1);
	assert_int_equal(rtc_seconds(bad_hour24, 0x02), -1);
	assert_int_equal(rtc_seconds(bad_hour12, 0x00), -1);
	assert_int_equal(rtc_seconds(bad_century, 0x02), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_verdicts),
		cmocka_unit_test(test_serial_verdicts),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_regs_diff),
		cmocka_unit_test(test_rtc_seconds),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
