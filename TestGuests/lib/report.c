/*
 * report.c - see report.h. Each line is built once, in place, in a stack buffer and written in one
 * console_write.
 *
 * Cost: on the emulating hosts every ring-0 instruction is emulated, and a ~90-character CASE line
 * took ~2 ms to format, check and sanitise there. So the line is built in user mode (usermode.h),
 * which runs natively, and only the console write is left to ring 0.
 */
#include "report.h"

#include <string.h>

#include "console.h"
#include "format.h"
#include "usermode.h"

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

/* Appends "\n", replacing the last character when full. */
static void terminate(struct line *l)
{
	if (l->len > LINE_MAX_LEN - 2)
		l->len = LINE_MAX_LEN - 2;
	l->buf[l->len++] = '\n';
}

static void start(struct line *l, const char *prefix)
{
	l->len = 0;
	append(l, prefix, strlen(prefix));
}

/* "<name>" or "<name> :: <message>": the name is checked, the message only loses its newlines. */
static void build_case(struct line *l, bool cond, const char *fmt, va_list ap)
{
	start(l, cond ? "TCK:1 CASE PASS " : "TCK:1 CASE FAIL ");
	size_t at = append_vformat(l, fmt, ap);
	size_t name_end = l->len;
	for (const char *p = l->buf + at, *end = l->buf + l->len;
	     p < end && (p = memchr(p, ':', (size_t)(end - p))) != NULL; p++) {
		if (p > l->buf + at && p[-1] == ' ' && p + 2 < end && p[1] == ':' && p[2] == ' ') {
			name_end = (size_t)(p - 1 - l->buf);
			break;
		}
	}
	bool has_message = name_end < l->len;
	size_t name_len = name_end - at;
	sanitise_name(l, at, name_end);
	if (has_message)
		sanitise_text(l, at + (name_len ? name_len : 1) + 4);
}

enum line_kind { LINE_BEGIN, LINE_CASE, LINE_SKIP, LINE_DATA, LINE_END };

struct line_job {
	struct line *line;      /* not part of the job's initialiser: zeroing 512 bytes costs ring-0 time */
	enum line_kind kind;
	bool cond;              /* LINE_CASE */
	const char *name;       /* LINE_BEGIN, LINE_SKIP, LINE_DATA */
	const char *fmt;        /* LINE_CASE, LINE_SKIP, LINE_DATA */
	va_list *ap;
};

/* Builds the whole line from the job; touches nothing but memory, so it runs in user mode. */
static uint64_t build_line(void *arg)
{
	struct line_job *j = arg;
	struct line *l = j->line;
	switch (j->kind) {
	case LINE_BEGIN:
		start(l, "TCK:1 BEGIN ");
		append_name(l, j->name);
		break;
	case LINE_CASE:
		build_case(l, j->cond, j->fmt, *j->ap);
		break;
	case LINE_SKIP:
		start(l, "TCK:1 CASE SKIP ");
		append_name(l, j->name);
		append(l, " :: ", 4);
		sanitise_text(l, append_vformat(l, j->fmt, *j->ap));
		break;
	case LINE_DATA:
		start(l, "TCK:1 DATA ");
		append_name(l, j->name);
		append(l, " ", 1);
		sanitise_text(l, append_vformat(l, j->fmt, *j->ap));
		break;
	case LINE_END:
		start(l, "");
		append_format(l, "TCK:1 END pass=%u fail=%u skip=%u", n_pass, n_fail, n_skip);
		break;
	}
	terminate(l);
	return 0;
}

static void write_line(struct line_job *j)
{
	struct line l;
	j->line = &l;
	user_call(build_line, j);
	console_write(l.buf, l.len);
}

void report_begin(const char *kernel_name)
{
	struct line_job j = { .kind = LINE_BEGIN, .name = kernel_name };
	write_line(&j);
}

bool report(bool cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct line_job j = { .kind = LINE_CASE, .cond = cond, .fmt = fmt, .ap = &ap };
	write_line(&j);
	va_end(ap);
	if (cond)
		n_pass++;
	else
		n_fail++;
	return cond;
}

void report_skip(const char *name, const char *reason_fmt, ...)
{
	va_list ap;
	va_start(ap, reason_fmt);
	struct line_job j = { .kind = LINE_SKIP, .name = name, .fmt = reason_fmt, .ap = &ap };
	write_line(&j);
	va_end(ap);
	n_skip++;
}

void report_data(const char *key, const char *value_fmt, ...)
{
	va_list ap;
	va_start(ap, value_fmt);
	struct line_job j = { .kind = LINE_DATA, .name = key, .fmt = value_fmt, .ap = &ap };
	write_line(&j);
	va_end(ap);
}

int report_summary(void)
{
	struct line_job j = { .kind = LINE_END };
	write_line(&j);
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
