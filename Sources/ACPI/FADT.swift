/// Fixed ACPI Description Table, major revision 6 (ACPI 6.x §5.2.9), 276 bytes.
///
/// Decision: hardware-reduced ACPI (`HW_REDUCED_ACPI` set). The machine implements none of the ACPI fixed
/// hardware (no PM1a event/control blocks, no PM timer, no GPE blocks, no SMI command port, no FACS):
/// a full-hardware FADT *requires* PM1a_EVT_BLK and PM1a_CNT_BLK, and an OS would poke I/O port 0 looking
/// for SCI_EN. Legacy devices are described by IAPC_BOOT_ARCH (LEGACY_DEVICES, 8042) and by the DSDT,
/// which is independent of the hardware-reduced flag (Firecracker does the same). Consequence: Linux in
/// hardware-reduced mode does not set up the legacy PIC or the PIT as its timer; our test kernels read
/// the tables themselves and are unaffected.
///
/// Reset: RESET_REG = one byte at system I/O port 0x64, RESET_VALUE = 0xFE — the i8042 "pulse reset
/// line" command, which the machine implements. The spec permits system I/O, system memory or PCI
/// configuration space for RESET_REG with an 8-bit width and offset 0 (§4.8.4.6), so no 0xCF9 register
/// is needed.
///
/// Both DSDT (32-bit) and X_DSDT hold the DSDT address: the spec tells the OS to ignore the 32-bit field
/// when X_DSDT is usable, and ACPICA warns only when the two differ.
///
/// ```
///   0 header          36 FIRMWARE_CTRL   40 DSDT           44 reserved      45 Preferred_PM_Profile
///  46 SCI_INT         48 SMI_CMD         52..55 ACPI_ENABLE, ACPI_DISABLE, S4BIOS_REQ, PSTATE_CNT
///  56..87 PM1a_EVT, PM1b_EVT, PM1a_CNT, PM1b_CNT, PM2_CNT, PM_TMR, GPE0, GPE1 blocks (4 bytes each)
///  88..95 PM1_EVT_LEN … CST_CNT (8 bytes)   96 P_LVL2_LAT  98 P_LVL3_LAT  100 FLUSH_SIZE  102 FLUSH_STRIDE
/// 104..108 DUTY_OFFSET, DUTY_WIDTH, DAY_ALRM, MON_ALRM, CENTURY     109 IAPC_BOOT_ARCH   111 reserved
/// 112 Flags   116 RESET_REG (GAS)   128 RESET_VALUE   129 ARM_BOOT_ARCH   131 FADT Minor Version
/// 132 X_FIRMWARE_CTRL   140 X_DSDT   148..243 X_PM1a_EVT … X_GPE1 (8 GAS)   244 SLEEP_CONTROL_REG
/// 256 SLEEP_STATUS_REG  268 Hypervisor Vendor Identity   276 end
/// ```
public struct FADT: Sendable, Equatable {
    public static let signature = "FACP"
    public static let length = 276
    static let dsdtOffset = 40
    static let xDSDTOffset = 140

    /// Fixed feature flags (offset 112).
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let wbinvd = Flags(rawValue: 1 << 0)
        public static let processorC1 = Flags(rawValue: 1 << 2)
        /// Set = the power button is not a fixed feature (absent or a control-method device).
        public static let powerButtonNotFixed = Flags(rawValue: 1 << 4)
        public static let sleepButtonNotFixed = Flags(rawValue: 1 << 5)
        public static let resetRegisterSupported = Flags(rawValue: 1 << 10)
        public static let hardwareReducedACPI = Flags(rawValue: 1 << 20)
    }

    /// IA-PC boot architecture flags (offset 109).
    public struct BootArchitecture: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let legacyDevices = BootArchitecture(rawValue: 1 << 0)
        public static let i8042 = BootArchitecture(rawValue: 1 << 1)
        public static let vgaNotPresent = BootArchitecture(rawValue: 1 << 2)
        public static let msiNotSupported = BootArchitecture(rawValue: 1 << 3)
        public static let pcieASPMControls = BootArchitecture(rawValue: 1 << 4)
        public static let cmosRTCNotPresent = BootArchitecture(rawValue: 1 << 5)
    }

    /// What a machine type chooses; the defaults are swiftvm's (see the type comment).
    public struct Settings: Sendable, Equatable, Hashable {
        public var sciInterrupt: UInt16
        public var flags: Flags
        public var bootArchitecture: BootArchitecture
        public var resetRegister: GenericAddress
        public var resetValue: UInt8
        /// 8 bytes of ASCII, space-padded (offset 268).
        public var hypervisorVendor: String

        public init(sciInterrupt: UInt16 = 9,
                    flags: Flags = [.wbinvd, .processorC1, .powerButtonNotFixed, .sleepButtonNotFixed,
                                    .resetRegisterSupported, .hardwareReducedACPI],
                    bootArchitecture: BootArchitecture = [.legacyDevices, .i8042, .vgaNotPresent],
                    resetRegister: GenericAddress = .ioPort(0x64), resetValue: UInt8 = 0xFE,
                    hypervisorVendor: String = "SWIFTVM") {
            self.sciInterrupt = sciInterrupt
            self.flags = flags
            self.bootArchitecture = bootArchitecture
            self.resetRegister = resetRegister
            self.resetValue = resetValue
            self.hypervisorVendor = hypervisorVendor
        }
    }

    public var revision: UInt8
    public var minorVersion: UInt8
    public var settings: Settings

    public init(revision: UInt8, minorVersion: UInt8, settings: Settings) {
        self.revision = revision
        self.minorVersion = minorVersion
        self.settings = settings
    }

    public func bytes(dsdtAddress: UInt64, identity: ACPIIdentity) -> [UInt8] {
        SDTHeader(signature: Self.signature, revision: revision, identity: identity).table { sink in
            sink.put32(0)  // FIRMWARE_CTRL: no FACS (optional when hardware-reduced)
            sink.put32(UInt32(truncatingIfNeeded: dsdtAddress))  // layout keeps tables below 4 GiB
            sink.put(0)  // reserved (ACPI 1.0 INT_MODEL)
            sink.put(0)  // Preferred_PM_Profile: unspecified
            sink.put16(settings.sciInterrupt)
            sink.put32(0)  // SMI_CMD: none, the OS is in ACPI mode from the start
            sink.putZeros(4)  // ACPI_ENABLE, ACPI_DISABLE, S4BIOS_REQ, PSTATE_CNT
            sink.putZeros(8 * 4)  // PM1a/b event, PM1a/b control, PM2 control, PM timer, GPE0/1 blocks
            sink.putZeros(8)  // their lengths, GPE1_BASE, CST_CNT
            sink.putZeros(8)  // P_LVL2_LAT, P_LVL3_LAT, FLUSH_SIZE, FLUSH_STRIDE
            sink.putZeros(5)  // DUTY_OFFSET, DUTY_WIDTH, DAY_ALRM, MON_ALRM, CENTURY
            sink.put16(settings.bootArchitecture.rawValue)
            sink.put(0)  // reserved
            sink.put32(settings.flags.rawValue)
            settings.resetRegister.write(into: &sink)
            sink.put(settings.resetValue)
            sink.put16(0)  // ARM_BOOT_ARCH
            sink.put(minorVersion)
            sink.put64(0)  // X_FIRMWARE_CTRL
            sink.put64(dsdtAddress)
            for _ in 0..<10 { GenericAddress.absent.write(into: &sink) }  // X_ blocks, sleep control/status
            sink.putASCII(settings.hypervisorVendor, width: 8)
        }
    }
}
