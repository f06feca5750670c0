/*
 * string.c - the few libc functions gcc may call even when freestanding (guest only).
 * memcpy/memset use rep movs/stos: on the emulating hosts each repeat costs about what one
 * emulated instruction does (~0.7 us), so they move 8 bytes a repeat (rep movsq/stosq, then
 * rep movsb/stosb for the last n % 8): a 64 KiB memset takes ~6 ms this way, ~45 ms with
 * rep stosb alone and more as a C loop. From 2 KiB on they run in user mode (usermode.h), natively.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "usermode.h"

/* From here on a user-mode round trip (~120 us, usermode.h) costs less than the emulated repeats. */
#define USER_MODE_MIN_BYTES 2048

struct mem_job {
	void *dst;
	const void *src;
	size_t n;
	uint8_t c;
};

static void copy(void *d, const void *src, size_t n)
{
	size_t quads = n / 8, bytes = n % 8;
	__asm__ volatile("rep movsq\n\t"
	                 "mov %3, %%rcx\n\t"
	                 "rep movsb"
	                 : "+D"(d), "+S"(src), "+c"(quads) : "r"(bytes) : "memory");
}

static void fill(void *d, uint8_t c, size_t n)
{
	size_t quads = n / 8, bytes = n % 8;
	uint64_t pattern = c * 0x0101010101010101ull;
	__asm__ volatile("rep stosq\n\t"
	                 "mov %3, %%rcx\n\t"
	                 "rep stosb"
	                 : "+D"(d), "+c"(quads) : "a"(pattern), "r"(bytes) : "memory");
}

static uint64_t copy_job(void *arg)
{
	struct mem_job *j = arg;
	copy(j->dst, j->src, j->n);
	return 0;
}

static uint64_t fill_job(void *arg)
{
	struct mem_job *j = arg;
	fill(j->dst, j->c, j->n);
	return 0;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	if (n >= USER_MODE_MIN_BYTES) {
		struct mem_job j = { dst, src, n, 0 };
		user_call(copy_job, &j);
	} else {
		copy(dst, src, n);
	}
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	if (n >= USER_MODE_MIN_BYTES) {
		struct mem_job j = { dst, NULL, n, (uint8_t)c };
		user_call(fill_job, &j);
	} else {
		fill(dst, (uint8_t)c, n);
	}
	return dst;
}

/* repe cmpsq, then the bytes of the differing quad (or the tail): one emulated repeat per 8 bytes. */
static int compare(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t quads = n / 8;
	_Bool equal = 1;
	if (quads)
		__asm__ volatile("repe cmpsq" : "+S"(x), "+D"(y), "+c"(quads), "=@ccz"(equal) :: "memory");
	if (!equal)
		x -= 8, y -= 8, n = 8;
	else
		n %= 8;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

static uint64_t compare_job(void *arg)
{
	struct mem_job *j = arg;
	return (uint64_t)(int64_t)compare(j->dst, j->src, j->n);
}

int memcmp(const void *a, const void *b, size_t n)
{
	if (n >= USER_MODE_MIN_BYTES) {
		struct mem_job j = { (void *)a, b, n, 0 };
		return (int)(int64_t)user_call(compare_job, &j);
	}
	return compare(a, b, n);
}

/* strlen and memchr scan with repne scasb (~0.7 us a byte emulated, a C loop's load alone costs ~5 us). */
size_t strlen(const char *s)
{
	const char *p = s;
	size_t n = ~(size_t)0;
	__asm__ volatile("repne scasb" : "+D"(p), "+c"(n) : "a"(0) : "memory", "cc");
	return (size_t)(p - s) - 1;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	_Bool found;
	if (n == 0)
		return NULL;
	__asm__ volatile("repne scasb" : "+D"(p), "+c"(n), "=@ccz"(found) : "a"((unsigned char)c) : "memory");
	return found ? (void *)(p - 1) : NULL;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++)
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	return 0;
}
