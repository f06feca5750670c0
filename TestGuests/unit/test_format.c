/* test_format.c - fmt_snprintf against expected strings, and against glibc's snprintf for every
 * format where the two are meant to agree (CHECK); CHECK_OURS is for the guest library's own contract
 * (NULL %s, unknown conversions), which C leaves undefined. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

#include "format.h"

/* Deliberately odd formats (unknown conversion, NULL %s) are part of the contract under test. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-overflow"

#define CHECK_OURS(expect, ...) do { \
	char b_[256]; \
	int n_ = fmt_snprintf(b_, sizeof b_, __VA_ARGS__); \
	assert_string_equal(b_, expect); \
	assert_int_equal(n_, (int)strlen(expect)); \
} while (0)

#define CHECK(expect, ...) do { \
	char g_[256]; \
	CHECK_OURS(expect, __VA_ARGS__); \
	int gn_ = snprintf(g_, sizeof g_, __VA_ARGS__); \
	assert_string_equal(g_, expect); \
	assert_int_equal(gn_, (int)strlen(expect)); \
} while (0)

static void test_integers(void **state)
{
	(void)state;
	CHECK("0", "%d", 0);
	CHECK("-42 42", "%d %i", -42, 42);
	CHECK("-2147483648", "%d", (int)0x80000000);
	CHECK("4294967295", "%u", 0xffffffffu);
	CHECK("-9223372036854775808", "%lld", (long long)INT64_MIN);
	CHECK("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	CHECK("-123456789012", "%ld", -123456789012L);
	CHECK("123456789012", "%lu", 123456789012UL);
	CHECK("42", "%zu", (size_t)42);
}

static void test_hex(void **state)
{
	(void)state;
	CHECK("deadbeef DEADBEEF", "%x %X", 0xdeadbeefu, 0xdeadbeefu);
	CHECK("ffffffffffffffff", "%lx", UINT64_MAX);
	CHECK("123456789abcdef0", "%llx", 0x123456789abcdef0ULL);
	CHECK("0000beef", "%08x", 0xbeefu);
	CHECK("00000000000000ff", "%016llx", 0xffULL);
	CHECK("0x1000", "%p", (void *)0x1000);
}

static void test_width_and_flags(void **state)
{
	(void)state;
	CHECK("   42|", "%5d|", 42);
	CHECK("42   |", "%-5d|", 42);
	CHECK("-0042", "%05d", -42);
	CHECK("  -42", "%5d", -42);
	CHECK("ab   |", "%-5s|", "ab");
	CHECK("   ab|", "%5s|", "ab");
	CHECK("   ab|", "%*s|", 5, "ab");
	CHECK("ab   |", "%*s|", -5, "ab");
	CHECK("abc", "%.3s", "abcdef");
	CHECK("    x|x    |", "%5c|%-5c|", 'x', 'x');
	CHECK("123", "%2d", 123);       /* width smaller than the number */
}

static void test_strings_and_misc(void **state)
{
	(void)state;
	CHECK("hello world", "%s %s", "hello", "world");
	CHECK_OURS("(null)", "%s", (char *)NULL);
	CHECK("100%", "%d%%", 100);
	CHECK("c=A", "c=%c", 'A');
	CHECK_OURS("%q", "%q");         /* unknown conversion is shown verbatim */
	CHECK("", "%s", "");
}

static void test_truncation(void **state)
{
	(void)state;
	char b[8];
	memset(b, 'x', sizeof b);
	assert_int_equal(fmt_snprintf(b, sizeof b, "%s", "0123456789"), 10);
	assert_string_equal(b, "0123456");
	memset(b, 'x', sizeof b);
	assert_int_equal(fmt_snprintf(b, 1, "abc"), 3);
	assert_int_equal(b[0], '\0');
	assert_int_equal(b[1], 'x');    /* nothing past size is touched */
	memset(b, 'x', sizeof b);
	assert_int_equal(fmt_snprintf(b, 0, "abc"), 3);
	assert_int_equal(b[0], 'x');    /* size 0: no NUL either */
	assert_int_equal(fmt_snprintf(b, 4, "%08x", 0x1234u), 8);
	assert_string_equal(b, "000");
	assert_int_equal(fmt_snprintf(b, sizeof b, "1234567"), 7);  /* exactly fits */
	assert_string_equal(b, "1234567");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_width_and_flags),
		cmocka_unit_test(test_strings_and_misc),
		cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
