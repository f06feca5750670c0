// Interposes the C allocator in the test executable: each entry point counts the call in a
// thread-local counter and forwards to glibc's own implementation (__libc_*, exported for exactly
// this). Thread-local, so tests running concurrently on other threads do not disturb a count.
#include <errno.h>
#include <stddef.h>
#include "AllocationCounter.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static __thread unsigned long long allocations;

void *malloc(size_t size) { allocations++; return __libc_malloc(size); }
void *calloc(size_t count, size_t size) { allocations++; return __libc_calloc(count, size); }
void *realloc(void *pointer, size_t size) { allocations++; return __libc_realloc(pointer, size); }
void *memalign(size_t alignment, size_t size) { allocations++; return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { allocations++; return __libc_memalign(alignment, size); }

int posix_memalign(void **out, size_t alignment, size_t size)
{
	allocations++;
	if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0)
		return EINVAL;
	void *pointer = __libc_memalign(alignment, size);
	if (pointer == NULL)
		return ENOMEM;
	*out = pointer;
	return 0;
}

unsigned long long allocation_counter_thread_total(void) { return allocations; }
