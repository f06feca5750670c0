/* cmdline.c - see cmdline.h. */
#include "cmdline.h"

#include "bootinfo.h"

static bool is_space(char c) { return c == ' ' || c == '\t'; }

int cmdline_find(const char *cl, const char *key, char *buf, size_t len)
{
	size_t klen = 0;
	while (key[klen])
		klen++;
	if (!cl || klen == 0)
		return -1;
	while (*cl) {
		while (is_space(*cl))
			cl++;
		const char *word = cl;
		while (*cl && !is_space(*cl))
			cl++;
		size_t wlen = (size_t)(cl - word), i = 0;
		while (i < klen && i < wlen && word[i] == key[i])
			i++;
		if (i != klen || (wlen > klen && word[klen] != '='))
			continue;
		const char *val = wlen > klen ? word + klen + 1 : word + wlen;
		size_t vlen = (size_t)(cl - val);
		if (buf && len) {
			size_t n = vlen < len - 1 ? vlen : len - 1;
			for (size_t j = 0; j < n; j++)
				buf[j] = val[j];
			buf[n] = '\0';
		}
		return (int)vlen;
	}
	return -1;
}

unsigned long cmdline_find_ulong(const char *cl, const char *key, unsigned long def)
{
	char v[24];
	int n = cmdline_find(cl, key, v, sizeof v);
	if (n <= 0 || n >= (int)sizeof v)
		return def;
	const char *p = v;
	unsigned base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return def;
	unsigned long r = 0;
	for (; *p; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			return def;
		r = r * base + d;
	}
	return r;
}

int cmdline_get(const struct boot_info *bi, const char *key, char *buf, size_t len)
{
	return cmdline_find(bi->cmdline, key, buf, len);
}

bool cmdline_has(const struct boot_info *bi, const char *key)
{
	return cmdline_find(bi->cmdline, key, NULL, 0) >= 0;
}

unsigned long cmdline_get_ulong(const struct boot_info *bi, const char *key, unsigned long def)
{
	return cmdline_find_ulong(bi->cmdline, key, def);
}
