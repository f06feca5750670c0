/* scratch.c - the payload buffer the probes build their records in. See probe.h. */
#include "probe.h"

#include "abirec.h"
#include "libtck.h"

/* Sized for the largest record, CPUID's. */
static uint8_t scratch[MAX_CPUID_ENTRIES * 24] __attribute__((aligned(16)));
static size_t scratch_len;

void put8(uint8_t v) { scratch[scratch_len++] = v; }
void put16(uint16_t v) { memcpy(scratch + scratch_len, &v, 2); scratch_len += 2; }
void put32(uint32_t v) { memcpy(scratch + scratch_len, &v, 4); scratch_len += 4; }
void put64(uint64_t v) { memcpy(scratch + scratch_len, &v, 8); scratch_len += 8; }
void put_bytes(const void *p, size_t n) { memcpy(scratch + scratch_len, p, n); scratch_len += n; }

void scratch_flush(uint16_t type)
{
	if (scratch_len)
		abi_record(type, scratch, scratch_len);
	scratch_len = 0;
}

void scratch_send(uint16_t type)
{
	abi_record(type, scratch, scratch_len);
	scratch_len = 0;
}
