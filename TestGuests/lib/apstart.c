/* apstart.c - see apstart.h. */
#include "apstart.h"

#include "libtck.h"

#define ICR_INIT            0x00000500
#define ICR_STARTUP         0x00000600
#define ICR_LEVEL_ASSERT    0x00004000
#define ICR_BUSY            0x00001000
#define ICR_ALL_BUT_SELF    0x000C0000
#define SVR_ENABLE          0x00000100
#define SPIN_IPI_GAP        1000
#define SPIN_CHECKIN        2000000

static void spin(unsigned n)
{
	while (n--)
		cpu_relax();
}

static void send_ipi(uint32_t icr_lo)
{
	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, icr_lo);
	for (unsigned i = 0; i < 1000 && (lapic_read(LAPIC_ICR_LO) & ICR_BUSY); i++)
		cpu_relax();
}

unsigned ap_start_all(volatile unsigned *checked_in, unsigned expected)
{
	unsigned spins = 0;
	memcpy((void *)AP_TRAMPOLINE_PA, ap_trampoline_start, (size_t)(ap_trampoline_end - ap_trampoline_start));
	lapic_write(LAPIC_SVR, SVR_ENABLE | 0xFF);
	send_ipi(ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_INIT);
	spin(SPIN_IPI_GAP);
	send_ipi(ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_STARTUP | AP_SIPI_VECTOR);
	spin(SPIN_IPI_GAP);
	send_ipi(ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_STARTUP | AP_SIPI_VECTOR);
	while (__atomic_load_n(checked_in, __ATOMIC_ACQUIRE) < expected && spins < SPIN_CHECKIN) {
		cpu_relax();
		spins++;
	}
	return spins;
}
