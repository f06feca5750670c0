/*
 * conf_serial - 16550A register semantics of the UART at 0x3F8: scratch, LCR read-back, DLAB
 * selecting DLL/DLM, IER's writable bits, loopback (a THR byte arrives in RBR with LSR.DR; MSR
 * mirrors MCR's outputs), LSR THRE/TEMT, IIR FIFO bits after FCR. Without the testdev channel (QEMU)
 * the console IS this UART, so results are kept in memory and reported only after the UART is
 * back to 115200 8N1 (serial_init()'s state); nothing is printed while the registers are in flux.
 */
#include "libtck.h"
#include "serial.h"

#define COM1 0x3F8
#define THR 0
#define RBR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7
#define POLL 10000

struct result { const char *name; bool ok; uint32_t a, b; };
static struct result results[16];
static unsigned nresults;

static void keep(const char *name, bool ok, uint32_t a, uint32_t b)
{
	if (nresults < sizeof results / sizeof results[0])
		results[nresults++] = (struct result){ name, ok, a, b };
}

static uint8_t rd(unsigned r) { return inb((uint16_t)(COM1 + r)); }
static void wr(unsigned r, uint8_t v) { outb((uint16_t)(COM1 + r), v); }

static unsigned wait_lsr(uint8_t bits)
{
	unsigned i = 0;
	while (i < POLL && (rd(LSR) & bits) != bits)
		i++;
	return i;
}

int main(const struct boot_info *bi)
{
	(void)bi;
	report_begin("conf_serial");
	console_flush();                /* nothing of ours may be in flight while the UART changes */
	wait_lsr(0x60);

	/* Scratch register. */
	wr(SCR, 0x5A);
	uint8_t s1 = rd(SCR);
	wr(SCR, 0xA5);
	uint8_t s2 = rd(SCR);
	wr(SCR, 0);
	keep("serial.scratch", s1 == 0x5A && s2 == 0xA5, s1, s2);

	/* LCR reads back what was written. */
	wr(LCR, 0x1B);                  /* 8 bits, 1 stop, even parity */
	uint8_t lcr = rd(LCR);
	wr(LCR, 0x03);
	keep("serial.lcr_readback", lcr == 0x1B && rd(LCR) == 0x03, lcr, rd(LCR));

	/* DLAB: offsets 0/1 become DLL/DLM; with DLAB off offset 1 is IER again. */
	wr(IER, 0);
	wr(LCR, 0x83);
	wr(DLL, 0x34);
	wr(DLM, 0x12);
	uint8_t dll = rd(DLL), dlm = rd(DLM);
	wr(LCR, 0x03);
	uint8_t ier_after = rd(IER);
	wr(LCR, 0x83);
	wr(DLL, 0x01);
	wr(DLM, 0x00);
	uint8_t dll2 = rd(DLL), dlm2 = rd(DLM);
	wr(LCR, 0x03);
	keep("serial.dlab_divisor", dll == 0x34 && dlm == 0x12 && ier_after == 0 && dll2 == 1 && dlm2 == 0,
	     (uint32_t)dlm << 8 | dll, ier_after);

	/* IER: only the low four bits exist. */
	wr(IER, 0xFF);
	uint8_t ier = rd(IER);
	wr(IER, 0);
	keep("serial.ier_low_bits", ier == 0x0F && rd(IER) == 0, ier, rd(IER));

	/* IIR: no interrupt pending (bit 0), FIFO bits follow FCR. */
	wr(FCR, 0x07);
	uint8_t iir_on = rd(IIR);
	wr(FCR, 0x00);
	uint8_t iir_off = rd(IIR);
	keep("serial.iir_fifo_bits", (iir_on & 0xC1) == 0xC1 && (iir_off & 0xC1) == 0x01, iir_on, iir_off);
	wr(FCR, 0x07);

	/* Loopback: MSR mirrors MCR's outputs, a THR byte comes back in RBR. */
	for (unsigned i = 0; i < 32 && (rd(LSR) & 1); i++)
		(void)rd(RBR);          /* drain pending input */
	wr(MCR, 0x1F);                  /* loop | OUT2 | OUT1 | RTS | DTR */
	uint8_t msr_all = rd(MSR);
	wr(MCR, 0x11);                  /* loop | DTR */
	uint8_t msr_dtr = rd(MSR);
	wr(MCR, 0x12);                  /* loop | RTS */
	uint8_t msr_rts = rd(MSR);
	keep("serial.loopback_msr", (msr_all & 0xF0) == 0xF0 && (msr_dtr & 0xF0) == 0x20 && (msr_rts & 0xF0) == 0x10,
	     (uint32_t)msr_all << 16 | (uint32_t)msr_dtr << 8 | msr_rts, 0);
	wr(THR, 0xA7);
	unsigned waited = wait_lsr(0x01);
	uint8_t lsr_dr = rd(LSR), got = rd(RBR), lsr_after = rd(LSR);
	keep("serial.loopback_data", waited < POLL && (lsr_dr & 1) && got == 0xA7 && !(lsr_after & 1), got,
	     (uint32_t)lsr_dr << 8 | lsr_after);
	unsigned temt = wait_lsr(0x60);
	keep("serial.lsr_thre_temt", temt < POLL, rd(LSR), temt);

	/* Back to 115200 8N1, FIFOs on, DTR|RTS, no interrupts: the console's settings. */
	wr(MCR, 0x03);
	for (unsigned i = 0; i < 32 && (rd(LSR) & 1); i++)
		(void)rd(RBR);
	serial_init();
	wr(LCR, 0x83);
	uint8_t fdll = rd(DLL), fdlm = rd(DLM);
	wr(LCR, 0x03);
	keep("serial.restored", fdll == 1 && fdlm == 0 && rd(LCR) == 0x03 && rd(MCR) == 0x03 && rd(IER) == 0,
	     (uint32_t)fdlm << 8 | fdll, rd(MCR));

	for (unsigned i = 0; i < nresults; i++)
		report(results[i].ok, "%s :: %x %x", results[i].name, results[i].a, results[i].b);
	return report_summary();
}
