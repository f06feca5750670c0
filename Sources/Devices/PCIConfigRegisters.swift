/// Offsets of the type 0 configuration header (PCI Local Bus Specification 3.0, §6.1, figure 6-1).
enum PCIConfigOffset {
    static let vendorID = 0x00
    static let deviceID = 0x02
    static let command = 0x04
    static let status = 0x06
    static let revisionID = 0x08
    static let classCode = 0x09          // programming interface, subclass, base class (3 bytes)
    static let cacheLineSize = 0x0C
    static let headerType = 0x0E
    static let bar0 = 0x10
    static let subsystemVendorID = 0x2C
    static let subsystemID = 0x2E
    static let capabilitiesPointer = 0x34
    static let interruptLine = 0x3C
    static let interruptPin = 0x3D
}

/// Command register bits (§6.2.2).
public enum PCICommand {
    public static let ioSpace: UInt16 = 1 << 0
    public static let memorySpace: UInt16 = 1 << 1
    public static let busMaster: UInt16 = 1 << 2
    public static let serrEnable: UInt16 = 1 << 8
    public static let interruptDisable: UInt16 = 1 << 10
    /// The bits a guest can change. The rest (special cycles, memory write and invalidate, VGA palette
    /// snoop, parity response, stepping, fast back-to-back) are optional and hardwired to 0, as in QEMU's
    /// conventional PCI devices.
    public static let writable: UInt16 = ioSpace | memorySpace | busMaster | serrEnable | interruptDisable
}

/// Status register bits (§6.2.3). The error bits are "write 1 to clear": a device sets them, software
/// clears each by writing 1 to it, and writing 0 leaves it alone.
public enum PCIStatus {
    /// Bit 3, read-only: the function is requesting an INTx# interrupt.
    public static let interruptStatus: UInt16 = 1 << 3
    /// Bit 4, read-only: the capabilities pointer at 0x34 is valid.
    public static let capabilitiesList: UInt16 = 1 << 4
    public static let masterDataParityError: UInt16 = 1 << 8
    public static let signaledTargetAbort: UInt16 = 1 << 11
    public static let receivedTargetAbort: UInt16 = 1 << 12
    public static let receivedMasterAbort: UInt16 = 1 << 13
    public static let signaledSystemError: UInt16 = 1 << 14
    public static let detectedParityError: UInt16 = 1 << 15
    public static let writeOneToClear: UInt16 = masterDataParityError | signaledTargetAbort
        | receivedTargetAbort | receivedMasterAbort | signaledSystemError | detectedParityError
}

/// The Interrupt Pin register (§6.2.4): which INTx# pin the function uses, or none.
public enum PCIInterruptPin: UInt8, Sendable {
    case none = 0, intA, intB, intC, intD
}
