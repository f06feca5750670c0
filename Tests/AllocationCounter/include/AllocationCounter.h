// Counts heap allocations per thread, for tests that prove a code path allocates nothing.
#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H

// malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign calls made by the calling thread
// since it started (every allocation the Swift runtime makes goes through one of them).
unsigned long long allocation_counter_thread_total(void);

#endif
