/* test_cmdline.c - key=value and bare-flag lookup. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "bootinfo.h"
#include "cmdline.h"

static void test_find(void **state)
{
	(void)state;
	char v[16];
	const char *cl = "build/hello.elf foo=bar  spin\tcpus=4 empty= foobar=no";
	assert_int_equal(cmdline_find(cl, "foo", v, sizeof v), 3);
	assert_string_equal(v, "bar");
	assert_int_equal(cmdline_find(cl, "spin", v, sizeof v), 0);
	assert_string_equal(v, "");
	assert_int_equal(cmdline_find(cl, "cpus", v, sizeof v), 1);
	assert_string_equal(v, "4");
	assert_int_equal(cmdline_find(cl, "empty", v, sizeof v), 0);
	assert_int_equal(cmdline_find(cl, "foob", v, sizeof v), -1);   /* prefix of a word is no match */
	assert_int_equal(cmdline_find(cl, "fo", NULL, 0), -1);
	assert_int_equal(cmdline_find(cl, "missing", v, sizeof v), -1);
	assert_int_equal(cmdline_find(cl, "build/hello.elf", NULL, 0), 0);
	assert_int_equal(cmdline_find("", "x", v, sizeof v), -1);
	assert_int_equal(cmdline_find(NULL, "x", v, sizeof v), -1);
	assert_int_equal(cmdline_find("x", "", v, sizeof v), -1);
}

static void test_truncates_value(void **state)
{
	(void)state;
	char v[4];
	assert_int_equal(cmdline_find("k=abcdef", "k", v, sizeof v), 6);
	assert_string_equal(v, "abc");
}

static void test_first_match_wins(void **state)
{
	(void)state;
	char v[8];
	assert_int_equal(cmdline_find("a=1 a=2", "a", v, sizeof v), 1);
	assert_string_equal(v, "1");
}

static void test_numbers(void **state)
{
	(void)state;
	assert_int_equal(cmdline_find_ulong("cpus=4", "cpus", 1), 4);
	assert_int_equal(cmdline_find_ulong("n=0x1F", "n", 1), 31);
	assert_int_equal(cmdline_find_ulong("n=12z", "n", 7), 7);
	assert_int_equal(cmdline_find_ulong("n=", "n", 7), 7);
	assert_int_equal(cmdline_find_ulong("n=0x", "n", 7), 7);
	assert_int_equal(cmdline_find_ulong("m=3", "n", 7), 7);
}

static void test_boot_info_wrappers(void **state)
{
	(void)state;
	static struct boot_info bi;
	char v[8];
	strcpy(bi.cmdline, "spin cpus=2");
	assert_true(cmdline_has(&bi, "spin"));
	assert_false(cmdline_has(&bi, "spi"));
	assert_int_equal(cmdline_get(&bi, "cpus", v, sizeof v), 1);
	assert_string_equal(v, "2");
	assert_int_equal(cmdline_get_ulong(&bi, "cpus", 1), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_truncates_value),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_boot_info_wrappers),
	};
	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
