/*
 * report.c - see report.h. Each line is built once, in place, in a stack buffer and written in one
 * console_write.
 *
 * Cost: on the emulating hosts a guest load or store costs 3-5 us, so a line is made with few passes
 * over its characters: the caller's text is formatted straight into the line (no second printf into
 * another buffer), runs are copied and searched with memcpy/memchr (rep movs/scas in the guest, ~0.1-0.7
 * us a byte), and only the case name is checked character by character. A ~90-character CASE line took
 * ~10 ms before and ~2 ms now (the rest: the formatter's conversions, calls and the name check).
 */
#include "report.h"

#include <string.h>

#include "console.h"
#include "format.h"

#define LINE_MAX_LEN 512
#define NAME_MAX_LEN 127        /* a BEGIN name, a SKIP name or a DATA key is cut here */

static unsigned n_pass, n_fail, n_skip;

struct line {
	char buf[LINE_MAX_LEN];
	size_t len;             /* characters stored, < LINE_MAX_LEN */
};

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
}

/* Keeps the protocol parseable whatever a kernel passes in: the name at l->buf[at..end) (one '_' if empty). */
static void sanitise_name(struct line *l, size_t at, size_t end)
{
	if (at == end) {
		if (at + 1 >= LINE_MAX_LEN - 1)
			return;         /* no room left even for the '_' */
		size_t tail = l->len - at;
		if (at + 1 + tail > LINE_MAX_LEN - 1)
			tail = LINE_MAX_LEN - 1 - at - 1;
		memmove(l->buf + at + 1, l->buf + at, tail);
		l->buf[at] = '_';
		l->len = at + 1 + tail;
		return;
	}
	for (size_t i = at; i < end; i++)
		if (!name_char(l->buf[i]))
			l->buf[i] = '_';
}

/* Newlines in l->buf[at..len) become spaces. */
static void sanitise_text(struct line *l, size_t at)
{
	static const char breaks[] = { '\n', '\r' };
	for (unsigned k = 0; k < sizeof breaks; k++) {
		char *p = l->buf + at, *end = l->buf + l->len;
		while (p < end && (p = memchr(p, breaks[k], (size_t)(end - p))) != NULL)
			*p++ = ' ';
	}
}

static void append(struct line *l, const char *s, size_t n)
{
	size_t room = LINE_MAX_LEN - 1 - l->len;
	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/* Appends name (cut at NAME_MAX_LEN), sanitised. */
static void append_name(struct line *l, const char *name)
{
	size_t at = l->len, n = strlen(name);
	append(l, name, n < NAME_MAX_LEN ? n : NAME_MAX_LEN);
	sanitise_name(l, at, l->len);
}

/* Formats into the rest of the line; returns where the formatted text starts. */
static size_t append_vformat(struct line *l, const char *fmt, va_list ap)
{
	size_t at = l->len;
	int n = fmt_vsnprintf(l->buf + at, LINE_MAX_LEN - at, fmt, ap);
	size_t room = LINE_MAX_LEN - 1 - at;
	l->len = at + (n < 0 ? 0 : (size_t)n < room ? (size_t)n : room);
	return at;
}

static size_t append_format(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t append_format(struct line *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t at = append_vformat(l, fmt, ap);
	va_end(ap);
	return at;
}

/* Appends "\n" (replacing the last character when full) and writes the line. */
static void emit(struct line *l)
{
	if (l->len > LINE_MAX_LEN - 2)
		l->len = LINE_MAX_LEN - 2;
	l->buf[l->len++] = '\n';
	console_write(l->buf, l->len);
}

static void start(struct line *l, const char *prefix)
{
	l->len = 0;
	append(l, prefix, strlen(prefix));
}

void report_begin(const char *kernel_name)
{
	struct line l;
	start(&l, "TCK:1 BEGIN ");
	append_name(&l, kernel_name);
	emit(&l);
}

bool report(bool cond, const char *fmt, ...)
{
	struct line l;
	va_list ap;
	start(&l, cond ? "TCK:1 CASE PASS " : "TCK:1 CASE FAIL ");
	va_start(ap, fmt);
	size_t at = append_vformat(&l, fmt, ap);
	va_end(ap);

	/* "<name>" or "<name> :: <message>": the name is checked, the message only loses its newlines. */
	size_t name_end = l.len;
	for (const char *p = l.buf + at, *end = l.buf + l.len;
	     p < end && (p = memchr(p, ':', (size_t)(end - p))) != NULL; p++) {
		if (p > l.buf + at && p[-1] == ' ' && p + 2 < end && p[1] == ':' && p[2] == ' ') {
			name_end = (size_t)(p - 1 - l.buf);
			break;
		}
	}
	bool has_message = name_end < l.len;
	size_t name_len = name_end - at;
	sanitise_name(&l, at, name_end);
	if (has_message)
		sanitise_text(&l, at + (name_len ? name_len : 1) + 4);
	if (cond)
		n_pass++;
	else
		n_fail++;
	emit(&l);
	return cond;
}

void report_skip(const char *name, const char *reason_fmt, ...)
{
	struct line l;
	va_list ap;
	start(&l, "TCK:1 CASE SKIP ");
	append_name(&l, name);
	append(&l, " :: ", 4);
	va_start(ap, reason_fmt);
	size_t at = append_vformat(&l, reason_fmt, ap);
	va_end(ap);
	sanitise_text(&l, at);
	n_skip++;
	emit(&l);
}

void report_data(const char *key, const char *value_fmt, ...)
{
	struct line l;
	va_list ap;
	start(&l, "TCK:1 DATA ");
	append_name(&l, key);
	append(&l, " ", 1);
	va_start(ap, value_fmt);
	size_t at = append_vformat(&l, value_fmt, ap);
	va_end(ap);
	sanitise_text(&l, at);
	emit(&l);
}

int report_summary(void)
{
	struct line l;
	start(&l, "");
	append_format(&l, "TCK:1 END pass=%u fail=%u skip=%u", n_pass, n_fail, n_skip);
	emit(&l);
	console_flush();
	return n_fail ? 1 : 0;
}

unsigned report_passed(void) { return n_pass; }
unsigned report_failed(void) { return n_fail; }
unsigned report_skipped(void) { return n_skip; }

void report_reset(void)
{
	n_pass = n_fail = n_skip = 0;
}
