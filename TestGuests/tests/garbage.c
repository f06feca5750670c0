/*
 * garbage - a kernel whose report the host cannot trust: a valid start, then malformed protocol
 * lines, invalid UTF-8, control characters and a NUL, a case after END, and an END whose counts
 * lie. The harness must call it an error (not a pass), keep the log readable and never crash.
 */
#include "libtck.h"

int main(const struct boot_info *bi)
{
	(void)bi;
	static const char junk[] = "\xff\xfe\xc0\x80 invalid UTF-8 \x1b[31mred\x1b[0m bell\a nul\0 after-nul\r\n";
	report_begin("garbage");
	report(true, "garbage.first_case");
	printf("TCK:1 CASE MAYBE garbage.bad_status\n");
	printf("TCK:1 CASE PASS bad name with spaces\n");
	printf("TCK:9 BEGIN from-the-future\n");
	printf("<script>alert('tck')</script> ]]> &amp;\n");
	console_write(junk, sizeof junk - 1);
	printf("TCK:1 END pass=5 fail=0 skip=0\n");
	printf("TCK:1 CASE PASS garbage.after_end\n");
	console_flush();
	return 0;
}
