/* format.c - see format.h. No libc: also built into the freestanding guests. */
#include "format.h"

#include <stdint.h>
#include <string.h>

struct out {
	char *buf;
	size_t size;
	size_t len;     /* characters produced so far, including those that did not fit */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/*
 * Appends s[0..n) with one memcpy of the part that fits. Literal runs and %s go through here, and the
 * runs are found with memchr: in the guest both are rep-prefixed instructions, which cost a fraction
 * of a per-character loop's emulated loads and stores.
 */
static void put_run(struct out *o, const char *s, size_t n)
{
	if (o->len + 1 < o->size) {
		size_t room = o->size - 1 - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_num(struct out *o, unsigned long long v, unsigned base, int upper,
		    const char *prefix, int width, int zero, int left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	while (prefix[plen])
		plen++;
	int fill = width - n - plen;
	if (!left && !zero)
		pad(o, ' ', fill);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!left && zero)
		pad(o, '0', fill);
	while (n)
		put(o, tmp[--n]);
	if (left)
		pad(o, ' ', fill);
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	const char *end = fmt + strlen(fmt);

	while (fmt < end) {
		if (*fmt != '%') {
			const char *pct = memchr(fmt, '%', (size_t)(end - fmt));
			size_t n = pct ? (size_t)(pct - fmt) : (size_t)(end - fmt);
			put_run(&o, fmt, n);
			fmt += n;
			continue;
		}
		fmt++;
		int left = 0, zero = 0, width = 0, prec = -1, lng = 0;
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				zero = 1;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = 1;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		while (*fmt == 'l' && lng < 2) {
			lng++;
			fmt++;
		}
		if (*fmt == 'z') {
			lng = sizeof(size_t) == sizeof(long long) ? 2 : 0;
			fmt++;
		}
		char conv = *fmt;
		if (!conv)
			break;
		fmt++;

		switch (conv) {
		case 'd':
		case 'i': {
			long long v = lng == 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			unsigned long long mag = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
			put_num(&o, mag, 10, 0, v < 0 ? "-" : "", width, zero, left);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			unsigned long long v = lng == 2 ? va_arg(ap, unsigned long long)
				: lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			put_num(&o, v, conv == 'u' ? 10 : 16, conv == 'X', "", width, zero, left);
			break;
		}
		case 'p':
			put_num(&o, (uintptr_t)va_arg(ap, void *), 16, 0, "0x", width, zero, left);
			break;
		case 'c': {
			if (!left)
				pad(&o, ' ', width - 1);
			put(&o, (char)va_arg(ap, int));
			if (left)
				pad(&o, ' ', width - 1);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			size_t len;
			if (prec < 0) {
				len = strlen(s);
			} else {
				const char *nul = memchr(s, 0, (size_t)prec);
				len = nul ? (size_t)(nul - s) : (size_t)prec;
			}
			int n = (int)len;
			if (!left)
				pad(&o, ' ', width - n);
			put_run(&o, s, len);
			if (left)
				pad(&o, ' ', width - n);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:        /* unknown conversion: show it verbatim */
			put(&o, '%');
			put(&o, conv);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
