/* report.c - see report.h. Lines are built in a stack buffer and written in one console_write. */
#include "report.h"

#include "console.h"
#include "format.h"

#define LINE_MAX_LEN 512

static unsigned n_pass, n_fail, n_skip;

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
}

/* Keeps the protocol parseable whatever a kernel passes in. */
static void sanitise_name(char *s)
{
	if (!*s) {
		s[0] = '_';
		s[1] = '\0';
	}
	for (; *s; s++)
		if (!name_char(*s))
			*s = '_';
}

static void sanitise_text(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

/* Appends "\n" (replacing the last character when full) and writes the line. */
static void emit(char *line, int n)
{
	if (n > LINE_MAX_LEN - 2)
		n = LINE_MAX_LEN - 2;
	line[n++] = '\n';
	line[n] = '\0';
	console_write(line, (size_t)n);
}

static void emit_case(const char *status, const char *name, const char *msg)
{
	char line[LINE_MAX_LEN];
	int n;
	if (msg)
		n = fmt_snprintf(line, sizeof line, "TCK:1 CASE %s %s :: %s", status, name, msg);
	else
		n = fmt_snprintf(line, sizeof line, "TCK:1 CASE %s %s", status, name);
	emit(line, n);
}

void report_begin(const char *kernel_name)
{
	char name[128], line[LINE_MAX_LEN];
	fmt_snprintf(name, sizeof name, "%s", kernel_name);
	sanitise_name(name);
	emit(line, fmt_snprintf(line, sizeof line, "TCK:1 BEGIN %s", name));
}

bool report(bool cond, const char *fmt, ...)
{
	char text[LINE_MAX_LEN];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);

	char *msg = 0;
	for (char *p = text; *p; p++) {
		if (p[0] == ' ' && p[1] == ':' && p[2] == ':' && p[3] == ' ') {
			*p = '\0';
			msg = p + 4;
			sanitise_text(msg);
			break;
		}
	}
	sanitise_name(text);
	if (cond)
		n_pass++;
	else
		n_fail++;
	emit_case(cond ? "PASS" : "FAIL", text, msg);
	return cond;
}

void report_skip(const char *name, const char *reason_fmt, ...)
{
	char nm[128], reason[LINE_MAX_LEN];
	va_list ap;
	fmt_snprintf(nm, sizeof nm, "%s", name);
	sanitise_name(nm);
	va_start(ap, reason_fmt);
	fmt_vsnprintf(reason, sizeof reason, reason_fmt, ap);
	va_end(ap);
	sanitise_text(reason);
	n_skip++;
	emit_case("SKIP", nm, reason);
}

void report_data(const char *key, const char *value_fmt, ...)
{
	char k[128], value[LINE_MAX_LEN], line[LINE_MAX_LEN];
	va_list ap;
	fmt_snprintf(k, sizeof k, "%s", key);
	sanitise_name(k);
	va_start(ap, value_fmt);
	fmt_vsnprintf(value, sizeof value, value_fmt, ap);
	va_end(ap);
	sanitise_text(value);
	emit(line, fmt_snprintf(line, sizeof line, "TCK:1 DATA %s %s", k, value));
}

int report_summary(void)
{
	char line[LINE_MAX_LEN];
	emit(line, fmt_snprintf(line, sizeof line, "TCK:1 END pass=%u fail=%u skip=%u", n_pass, n_fail, n_skip));
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
