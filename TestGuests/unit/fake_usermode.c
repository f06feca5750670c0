/* fake_usermode.c - user_call() for host builds: the host has no rings to switch, so a plain call. */
#include "usermode.h"

uint64_t user_call(user_fn fn, void *arg)
{
	return fn(arg);
}
