/*
 * apstart.h - starts the application processors as tests/smp.c does (INIT, SIPI, SIPI broadcast
 * to all but self; the trampoline enters ap_main(index) on each AP), with bounded waits (guest only).
 */
#ifndef APSTART_H
#define APSTART_H

/* Starts the APs and waits until *checked_in reaches expected (or a bounded number of spins).
 * Returns the spins waited. The caller's ap_main() increments *checked_in. */
unsigned ap_start_all(volatile unsigned *checked_in, unsigned expected);

#endif
