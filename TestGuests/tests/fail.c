/* fail - one passing and one failing case: the harness must see exit code 1. */
#include "libtck.h"

int main(const struct boot_info *bi)
{
	(void)bi;
	report_begin("fail");
	report(true, "fail.expected_pass");
	report(false, "fail.expected_fail :: this case fails on purpose");
	return report_summary();
}
