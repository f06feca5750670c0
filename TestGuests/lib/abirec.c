/* abirec.c - see abirec.h. */
#include "abirec.h"

#include <string.h>

#include "console.h"
#include "report.h"
#include "testdev.h"

#define SMALL_IN_PLACE  256     /* below this, copying is cheaper than a separate send (port exit) */

static uint8_t default_buf[32768] __attribute__((aligned(16)));

static struct {
	uint8_t *buf;
	size_t cap, len;
	size_t piece_max;
	struct abi_stats st;
} w;

size_t abi_hex(char *dst, const void *src, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = src;
	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = digits[p[i] >> 4];
		dst[2 * i + 1] = digits[p[i] & 15];
	}
	return 2 * n;
}

/* ---- stream transport ---- */

static unsigned stream_send(const void *p, size_t n)
{
	w.st.sends++;
	return testdev_send(TESTDEV_STREAM_DATA, p, n);
}

static void flush(void)
{
	if (w.len) {
		if (stream_send(w.buf, w.len) != TESTDEV_ACCEPTED)
			w.st.rejected++;
		w.len = 0;
	}
}

/* Copies into the batch buffer, sending it each time it fills. */
static void put(const void *src, size_t n)
{
	const uint8_t *p = src;
	while (n) {
		if (w.len == w.cap)
			flush();
		size_t k = w.cap - w.len < n ? w.cap - w.len : n;
		memcpy(w.buf + w.len, p, k);
		w.len += k;
		p += k;
		n -= k;
	}
}

/* ---- console transport ---- */

struct line {
	char text[512];
	size_t len;
};

static void line_put(struct line *l, const char *s, size_t n)
{
	while (n) {
		if (l->len == sizeof l->text) {
			console_write(l->text, l->len);
			l->len = 0;
		}
		size_t k = sizeof l->text - l->len < n ? sizeof l->text - l->len : n;
		memcpy(l->text + l->len, s, k);
		l->len += k;
		s += k;
		n -= k;
	}
}

static void line_hex(struct line *l, const uint8_t *p, size_t n)
{
	while (n) {
		if (l->len + 2 > sizeof l->text) {
			console_write(l->text, l->len);
			l->len = 0;
		}
		size_t k = (sizeof l->text - l->len) / 2;
		if (k > n)
			k = n;
		l->len += abi_hex(l->text + l->len, p, k);
		p += k;
		n -= k;
	}
}

/* ---- records ---- */

static void piece(uint16_t type, uint16_t flags, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
		  bool in_place)
{
	uint32_t length = (uint32_t)(an + bn);
	uint8_t hdr[ABI_HEADER_SIZE] = {
		(uint8_t)type, (uint8_t)(type >> 8), (uint8_t)flags, (uint8_t)(flags >> 8),
		(uint8_t)length, (uint8_t)(length >> 8), (uint8_t)(length >> 16), (uint8_t)(length >> 24),
	};
	w.st.pieces++;
	w.st.bytes += ABI_HEADER_SIZE + length;
	if (w.st.stream) {
		put(hdr, sizeof hdr);
		put(a, an);
		if (in_place && bn > SMALL_IN_PLACE) {
			flush();
			if (stream_send(b, bn) == TESTDEV_ACCEPTED)
				return;
			w.st.in_place_fallbacks++;      /* e.g. a table outside RAM: copy it */
		}
		put(b, bn);
	} else {
		struct line l = { .len = 0 };
		line_put(&l, ABI_LINE_PREFIX, sizeof ABI_LINE_PREFIX - 1);
		line_hex(&l, hdr, sizeof hdr);
		line_hex(&l, a, an);
		line_hex(&l, b, bn);
		line_put(&l, "\n", 1);
		console_write(l.text, l.len);
	}
}

/* The payload is a (copied) followed by b (in place when asked); pieces split it at piece_max. */
static void record(uint16_t type, const uint8_t *a, size_t an, const uint8_t *b, size_t bn, bool in_place)
{
	size_t total = an + bn, off = 0;
	unsigned slot = type < 16 ? type : 15;
	w.st.records++;
	w.st.records_by_type[slot]++;
	w.st.bytes_by_type[slot] += total;
	do {
		size_t n = total - off < w.piece_max ? total - off : w.piece_max;
		size_t end = off + n;
		size_t a0 = off < an ? off : an, a1 = end < an ? end : an;
		size_t b0 = off > an ? off - an : 0, b1 = end > an ? end - an : 0;
		piece(type, end < total ? ABI_FLAG_CONTINUED : 0, a + a0, a1 - a0, b + b0, b1 - b0, in_place);
		off = end;
	} while (off < total);
}

void abi_begin_with(void *buf, size_t cap)
{
	memset(&w, 0, sizeof w);
	w.buf = buf;
	w.cap = cap;
	w.st.stream = testdev_present();
	w.piece_max = w.st.stream ? ABI_PIECE_MAX_STREAM : ABI_PIECE_MAX_CONSOLE;
	report_data("abi.begin", "%d", ABI_FORMAT_VERSION);
}

void abi_begin(void)
{
	abi_begin_with(default_buf, sizeof default_buf);
}

void abi_record(uint16_t type, const void *payload, size_t len)
{
	record(type, payload, len, 0, 0, false);
}

void abi_record_in_place(uint16_t type, const void *prefix, size_t prefix_len, const void *bytes, size_t len)
{
	record(type, prefix, prefix_len, bytes, len, true);
}

unsigned abi_end(void)
{
	if (w.st.stream)
		flush();
	report_data("abi.end", "%u", w.st.records);
	return w.st.records;
}

const struct abi_stats *abi_stats(void)
{
	return &w.st;
}
