/* test_report.c - exact TCK:1 line encoding, counters and the summary's exit code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fake_console.h"
#include "report.h"

static int setup(void **state)
{
	(void)state;
	report_reset();
	fake_console_reset();
	return 0;
}

static void test_begin(void **state)
{
	(void)state;
	report_begin("hello");
	assert_string_equal(fake_console_out, "TCK:1 BEGIN hello\n");
}

static void test_cases(void **state)
{
	(void)state;
	assert_true(report(true, "boot.protocol"));
	assert_false(report(false, "mem/%s :: got %d", "x", 3));
	report_skip("smp.cpus", "only %u CPU", 1u);
	assert_string_equal(fake_console_out,
		"TCK:1 CASE PASS boot.protocol\n"
		"TCK:1 CASE FAIL mem/x :: got 3\n"
		"TCK:1 CASE SKIP smp.cpus :: only 1 CPU\n");
	assert_int_equal(report_passed(), 1);
	assert_int_equal(report_failed(), 1);
	assert_int_equal(report_skipped(), 1);
}

static void test_names_are_sanitised(void **state)
{
	(void)state;
	report(true, "bad name!\n");
	report(true, "%s", "");
	report(true, "ok :: message\nwith newline");
	report_data("my key", "a\nb");
	assert_string_equal(fake_console_out,
		"TCK:1 CASE PASS bad_name__\n"
		"TCK:1 CASE PASS _\n"
		"TCK:1 CASE PASS ok :: message with newline\n"
		"TCK:1 DATA my_key a b\n");
}

static void test_data(void **state)
{
	(void)state;
	report_data("cpuid.00000001.0", "%08x %08x", 0x10u, 0xabu);
	assert_string_equal(fake_console_out, "TCK:1 DATA cpuid.00000001.0 00000010 000000ab\n");
	assert_int_equal(report_passed() + report_failed() + report_skipped(), 0);
}

static void test_summary_pass(void **state)
{
	(void)state;
	report(true, "a");
	report_skip("b", "why");
	fake_console_reset();
	assert_int_equal(report_summary(), 0);
	assert_string_equal(fake_console_out, "TCK:1 END pass=1 fail=0 skip=1\n");
	assert_int_equal(fake_console_flushes, 1);      /* END is flushed at once */
}

static void test_summary_fail(void **state)
{
	(void)state;
	report(true, "a");
	report(false, "b");
	fake_console_reset();
	assert_int_equal(report_summary(), 1);
	assert_string_equal(fake_console_out, "TCK:1 END pass=1 fail=1 skip=0\n");
}

static void test_long_line_is_truncated_with_newline(void **state)
{
	(void)state;
	char big[1000];
	memset(big, 'v', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	report_data("k", "%s", big);
	assert_true(fake_console_len < 520);
	assert_int_equal(fake_console_out[fake_console_len - 1], '\n');
	assert_int_equal(strncmp(fake_console_out, "TCK:1 DATA k vvv", 16), 0);
	assert_ptr_equal(strchr(fake_console_out, '\n'), fake_console_out + fake_console_len - 1);  /* one line */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_begin, setup),
		cmocka_unit_test_setup(test_cases, setup),
		cmocka_unit_test_setup(test_names_are_sanitised, setup),
		cmocka_unit_test_setup(test_data, setup),
		cmocka_unit_test_setup(test_summary_pass, setup),
		cmocka_unit_test_setup(test_summary_fail, setup),
		cmocka_unit_test_setup(test_long_line_is_truncated_with_newline, setup),
	};
	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
