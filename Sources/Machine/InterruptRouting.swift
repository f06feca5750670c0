import KVM

/// How ISA interrupts reach the in-kernel PIC pair and IOAPIC: as on a PC, and as the MADT says.
///
/// KVM's default table wires GSI n to IOAPIC pin n, but the MADT (like every PC's) declares the
/// override "ISA IRQ 0 → GSI 2": the timer is on IOAPIC pin 2. Without this table a guest that
/// follows its ACPI tables never sees a PIT interrupt (found by the conf_interrupts kernel).
enum InterruptRouting {
    static var pcRoutes: [(gsi: UInt32, pin: VirtualMachine.IRQChipPin)] {
        var routes: [(gsi: UInt32, pin: VirtualMachine.IRQChipPin)] = []
        // The PICs: IRQ 0–7 on the master (2 is the cascade), 8–15 on the slave.
        for irq in UInt32(0)..<8 where irq != 2 { routes.append((irq, .picMaster(irq))) }
        for irq in UInt32(8)..<16 { routes.append((irq, .picSlave(irq - 8))) }
        // The IOAPIC: GSI n on pin n, except the timer (IRQ 0) on pin 2; GSI 2 has no IOAPIC pin of its own.
        routes.append((0, .ioapic(2)))
        for gsi in UInt32(1)..<24 where gsi != 2 { routes.append((gsi, .ioapic(gsi))) }
        return routes
    }
}
