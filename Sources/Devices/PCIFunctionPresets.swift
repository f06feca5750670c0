extension PCIFunction {
    /// The Intel 82441FX PMC host bridge of the 440FX chipset, with the IDs QEMU's `pc` (i440FX) machine
    /// shows: 8086:1237, revision 02, class 06/00/00 (bridge, host). It has no BARs and no interrupt pin.
    /// Its chipset registers in 0x40–0xFF (PAM, SMRAM, DRAM rows) are not modelled: guests here have no
    /// firmware shadowing to control, so that area reads 0.
    public static func i440fxHostBridge(subsystemVendorID: UInt16 = 0, subsystemID: UInt16 = 0) -> PCIFunction {
        PCIFunction(identity: PCIIdentity(vendorID: 0x8086, deviceID: 0x1237, revisionID: 0x02,
                                          baseClass: 0x06, subclass: 0x00,
                                          subsystemVendorID: subsystemVendorID, subsystemID: subsystemID))
    }

    /// A test endpoint with the IDs of QEMU's `pci-testdev` (1b36:0005, revision 0, class 00/ff/00,
    /// no interrupt pin) and one BAR of each kind so guests can exercise BAR sizing:
    /// BAR0 4 KiB 32-bit memory, BAR1 256-byte I/O, BAR2–3 1 MiB 64-bit prefetchable memory.
    /// Nothing decodes the BARs' contents yet; only configuration space is modelled.
    public static func testDevice() -> PCIFunction {
        PCIFunction(identity: PCIIdentity(vendorID: 0x1B36, deviceID: 0x0005, baseClass: 0x00, subclass: 0xFF),
                    bars: [0: .memory32(size: 4096, prefetchable: false),
                           1: .io(size: 256),
                           2: .memory64(size: 1 << 20, prefetchable: true)])
    }
}
