/* migrate_calc.c - the host-testable half of migrate.h: verdicts, hashing, bounds, RTC dates. */
#include "migrate.h"
#include "usermode.h"

const char *const migrate_reg_names[MIGRATE_NREGS] = {
	"rbx", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

const char *migrate_verdict_text(enum migrate_verdict v)
{
	switch (v) {
	case MIGRATE_RESTORED: return "restored";
	case MIGRATE_REFUSED: return "save refused";
	case MIGRATE_BAD_GENERATION: return "generation did not move by one";
	case MIGRATE_NO_HANDSHAKE: return "no save handshake";
	case MIGRATE_NOT_MIGRATED: return "not migrated";
	}
	return "unknown";
}

enum migrate_verdict migrate_port_verdict(uint32_t before, uint32_t after, uint32_t *generation)
{
	if (after == before)
		return MIGRATE_REFUSED;
	if (after != before + 1)
		return MIGRATE_BAD_GENERATION;
	*generation = after;
	return MIGRATE_RESTORED;
}

enum migrate_verdict migrate_serial_verdict(int byte, uint32_t before, uint32_t *generation)
{
	if (byte < 0)
		return MIGRATE_NO_HANDSHAKE;
	if (byte != MIGRATE_RESTORED_BYTE)
		return MIGRATE_NOT_MIGRATED;
	*generation = before + 1;
	return MIGRATE_RESTORED;
}

/* A hash loop costs ~1 us a step emulated in ring 0: longer ones run in user mode (usermode.h). */
#define USER_MODE_MIN_STEPS 64

struct hash_job {
	uint64_t h;
	const void *p;
	size_t n;
};

static uint64_t hash_bytes(void *arg)
{
	const struct hash_job *j = arg;
	const uint8_t *b = j->p;
	uint64_t h = j->h;
	for (size_t i = 0; i < j->n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t hash_qwords(void *arg)
{
	const struct hash_job *j = arg;
	const uint64_t *q = j->p;
	uint64_t h = j->h;
	for (size_t i = 0; i < j->n; i++) {
		h ^= q[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t migrate_hash(uint64_t h, const void *p, size_t n)
{
	struct hash_job j = { h, p, n };
	return n >= USER_MODE_MIN_STEPS ? user_call(hash_bytes, &j) : hash_bytes(&j);
}

uint64_t migrate_hash_u64(uint64_t h, uint64_t v)
{
	return migrate_hash(h, &v, sizeof v);
}

uint64_t migrate_hash_qwords(uint64_t h, const uint64_t *p, size_t n)
{
	struct hash_job j = { h, p, n };
	return n >= USER_MODE_MIN_STEPS ? user_call(hash_qwords, &j) : hash_qwords(&j);
}

bool migrate_within(uint64_t before, uint64_t after, uint64_t bound)
{
	return after >= before && after - before <= bound;
}

uint64_t migrate_ticks_ms(uint64_t ticks, uint64_t hz)
{
	if (!hz)
		return ~0ull;
	/* ticks / (hz / 1000) keeps the multiplication from overflowing at any TSC value. */
	uint64_t per_ms = hz / 1000 ? hz / 1000 : 1;
	return ticks / per_ms;
}

int migrate_regs_diff(const struct migrate_regs *a, const struct migrate_regs *b)
{
	for (int i = 0; i < MIGRATE_NREGS; i++)
		if (a->gpr[i] != b->gpr[i])
			return i;
	if ((a->rflags ^ b->rflags) & MIGRATE_RFLAGS_KEPT)
		return MIGRATE_NREGS;
	return -1;
}

static int bcd(uint8_t v, bool binary)
{
	if (binary)
		return v;
	if ((v & 0xF) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0xF);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int64_t rtc_seconds(const uint8_t raw[7], uint8_t reg_b)
{
	bool binary = reg_b & 4, h24 = reg_b & 2;
	uint8_t hour_raw = raw[2];
	bool pm = !h24 && (hour_raw & 0x80);
	if (!h24)
		hour_raw &= 0x7F;
	int sec = bcd(raw[0], binary), min = bcd(raw[1], binary), hour = bcd(hour_raw, binary);
	int day = bcd(raw[3], binary), mon = bcd(raw[4], binary), yr = bcd(raw[5], binary), cent = bcd(raw[6], binary);
	if (sec < 0 || sec > 59 || min < 0 || min > 59 || day < 1 || day > 31 || mon < 1 || mon > 12 || yr < 0 ||
	    yr > 99 || cent < 19 || cent > 21)
		return -1;
	if (h24) {
		if (hour < 0 || hour > 23)
			return -1;
	} else {
		if (hour < 1 || hour > 12)
			return -1;
		hour = hour % 12 + (pm ? 12 : 0);
	}
	int64_t days = days_from_civil(cent * 100 + yr, (unsigned)mon, (unsigned)day) - days_from_civil(1900, 1, 1);
	return days * 86400 + hour * 3600 + min * 60 + sec;
}
