/// The FADT (signature FACP) decoded by field, as ACPI 6.x lays it out, so a diff says
/// "FADT flags: RESET_REG_SUP 1→0" or "FADT SCI_INT 9→10" rather than "N bytes differ".
/// Total on hostile bytes: a field past the table's end is simply absent.
enum FADTDiff {
    /// The `Flags` field (offset 112) bit names; bits 22–23 together are PERSISTENT_CPU_CACHES.
    static let flagNames: [Int: String] = [
        0: "WBINVD", 1: "WBINVD_FLUSH", 2: "PROC_C1", 3: "P_LVL2_UP", 4: "PWR_BUTTON", 5: "SLP_BUTTON",
        6: "FIX_RTC", 7: "RTC_S4", 8: "TMR_VAL_EXT", 9: "DCK_CAP", 10: "RESET_REG_SUP", 11: "SEALED_CASE",
        12: "HEADLESS", 13: "CPU_SW_SLP", 14: "PCI_EXP_WAK", 15: "USE_PLATFORM_CLOCK", 16: "S4_RTC_STS_VALID",
        17: "REMOTE_POWER_ON_CAPABLE", 18: "FORCE_APIC_CLUSTER_MODEL", 19: "FORCE_APIC_PHYSICAL_DESTINATION_MODE",
        20: "HW_REDUCED_ACPI", 21: "LOW_POWER_S0_IDLE_CAPABLE", 22: "PERSISTENT_CPU_CACHES[0]", 23: "PERSISTENT_CPU_CACHES[1]",
    ]
    /// IAPC_BOOT_ARCH (offset 109) bit names.
    static let bootArchNames: [Int: String] = [
        0: "LEGACY_DEVICES", 1: "8042", 2: "VGA_NOT_PRESENT", 3: "MSI_NOT_SUPPORTED", 4: "PCIE_ASPM_CONTROLS",
        5: "CMOS_RTC_NOT_PRESENT",
    ]

    enum Kind { case u8, u16, u32, u64, gas }
    /// (offset, name, kind, a pointer: moving the thing it points at is compatible).
    static let fields: [(Int, String, Kind, Bool)] = [
        (36, "FIRMWARE_CTRL", .u32, true), (40, "DSDT", .u32, true), (44, "INT_MODEL", .u8, false),
        (45, "Preferred_PM_Profile", .u8, false), (46, "SCI_INT", .u16, false), (48, "SMI_CMD", .u32, false),
        (52, "ACPI_ENABLE", .u8, false), (53, "ACPI_DISABLE", .u8, false), (54, "S4BIOS_REQ", .u8, false),
        (55, "PSTATE_CNT", .u8, false), (56, "PM1a_EVT_BLK", .u32, false), (60, "PM1b_EVT_BLK", .u32, false),
        (64, "PM1a_CNT_BLK", .u32, false), (68, "PM1b_CNT_BLK", .u32, false), (72, "PM2_CNT_BLK", .u32, false),
        (76, "PM_TMR_BLK", .u32, false), (80, "GPE0_BLK", .u32, false), (84, "GPE1_BLK", .u32, false),
        (88, "PM1_EVT_LEN", .u8, false), (89, "PM1_CNT_LEN", .u8, false), (90, "PM2_CNT_LEN", .u8, false),
        (91, "PM_TMR_LEN", .u8, false), (92, "GPE0_BLK_LEN", .u8, false), (93, "GPE1_BLK_LEN", .u8, false),
        (94, "GPE1_BASE", .u8, false), (95, "CST_CNT", .u8, false), (96, "P_LVL2_LAT", .u16, false),
        (98, "P_LVL3_LAT", .u16, false), (100, "FLUSH_SIZE", .u16, false), (102, "FLUSH_STRIDE", .u16, false),
        (104, "DUTY_OFFSET", .u8, false), (105, "DUTY_WIDTH", .u8, false), (106, "DAY_ALRM", .u8, false),
        (107, "MON_ALRM", .u8, false), (108, "CENTURY", .u8, false),
        (116, "RESET_REG", .gas, false), (128, "RESET_VALUE", .u8, false), (129, "ARM_BOOT_ARCH", .u16, false),
        (131, "minor version", .u8, false), (132, "X_FIRMWARE_CTRL", .u64, true), (140, "X_DSDT", .u64, true),
        (148, "X_PM1a_EVT_BLK", .gas, false), (160, "X_PM1b_EVT_BLK", .gas, false), (172, "X_PM1a_CNT_BLK", .gas, false),
        (184, "X_PM1b_CNT_BLK", .gas, false), (196, "X_PM2_CNT_BLK", .gas, false), (208, "X_PM_TMR_BLK", .gas, false),
        (220, "X_GPE0_BLK", .gas, false), (232, "X_GPE1_BLK", .gas, false), (244, "SLEEP_CONTROL_REG", .gas, false),
        (256, "SLEEP_STATUS_REG", .gas, false), (268, "hypervisor vendor identity", .u64, false),
    ]
    static let knownLength = 276

    /// Field name → decoded value, for the fields the table is long enough to hold (header excluded).
    static func decode(_ table: [UInt8]) -> [String: String] {
        let reader = PayloadReader(table)
        var values: [String: String] = [:]
        for (offset, name, kind, _) in fields {
            let value: String? = switch kind {
            case .u8: reader.u8(offset).map { "\($0) (\(hex($0)))" }
            case .u16: reader.u16(offset).map { "\($0) (\(hex($0)))" }
            case .u32: reader.u32(offset).map { hex($0) }
            case .u64: reader.u64(offset).map { hex($0) }
            case .gas: gas(reader, offset)
            }
            if let value { values[name] = value }
        }
        if table.count > knownLength { values["bytes after offset \(knownLength)"] = hexBytes(table[knownLength...]) }
        return values
    }

    /// A Generic Address Structure: "SystemIO 0x0000000000000cf9, 8 bits at bit 0, access size 1".
    static func gas(_ reader: PayloadReader, _ offset: Int) -> String? {
        guard let space = reader.u8(offset), let width = reader.u8(offset + 1), let bit = reader.u8(offset + 2),
              let access = reader.u8(offset + 3), let address = reader.u64(offset + 4) else { return nil }
        if space == 0, width == 0, bit == 0, access == 0, address == 0 { return "none" }
        let spaces: [UInt8: String] = [0: "SystemMemory", 1: "SystemIO", 2: "PCIConfig", 3: "EmbeddedControl", 4: "SMBus",
                                       0x0A: "PCC", 0x7F: "FunctionalFixedHW"]
        return "\(spaces[space] ?? "space \(space)") \(hex(address)), \(width) bits at bit \(bit), access size \(access)"
    }

    static func compare(_ a: [UInt8], _ b: [UInt8]) -> [ABIChange] {
        var changes: [ABIChange] = []
        let before = decode(a), after = decode(b)
        let pointers = Set(fields.filter(\.3).map(\.1))
        for (_, name, _, _) in fields {
            if let change = field(name, before[name], after[name], pointer: pointers.contains(name)) { changes.append(change) }
        }
        let extra = "bytes after offset \(knownLength)"
        if let change = field(extra, before[extra], after[extra], pointer: false) { changes.append(change) }
        changes += bits("FADT IAPC_BOOT_ARCH", names: bootArchNames, width: 16,
                        PayloadReader(a).u16(109).map(UInt32.init), PayloadReader(b).u16(109).map(UInt32.init))
        changes += bits("FADT flags", names: flagNames, width: 32, PayloadReader(a).u32(112), PayloadReader(b).u32(112))
        return changes
    }

    /// A field present on both sides that differs is breaking unless it only points elsewhere; a field only
    /// one FADT revision has is added (compatible) or removed (breaking).
    private static func field(_ name: String, _ x: String?, _ y: String?, pointer: Bool) -> ABIChange? {
        let item = "FADT \(name)"
        switch (x, y) {
        case let (nil, value?): return ABIChange(area: "acpi", item: item, kind: .added, old: nil, new: value, compatibility: .compatible)
        case let (value?, nil): return ABIChange(area: "acpi", item: item, kind: .removed, old: value, new: nil, compatibility: .breaking)
        case let (p?, q?) where p != q:
            return ABIChange(area: "acpi", item: item, kind: .changed, old: p, new: q, compatibility: pointer ? .compatible : .breaking)
        default: return nil
        }
    }

    /// A bit field by name: "FADT flags: RESET_REG_SUP 1→0". Every flag change is breaking: a guest OS
    /// takes a different path for either value (HW_REDUCED_ACPI, FORCE_APIC_*, RESET_REG_SUP, …).
    private static func bits(_ label: String, names: [Int: String], width: Int, _ x: UInt32?, _ y: UInt32?) -> [ABIChange] {
        guard x != y else { return [] }
        guard let x, let y else {
            return [ABIChange(area: "acpi", item: label, kind: x == nil ? .added : .removed,
                              old: x.map { hex($0) }, new: y.map { hex($0) }, compatibility: x == nil ? .compatible : .breaking)]
        }
        return (0..<width).compactMap { bit in
            guard (x ^ y) & (1 << bit) != 0 else { return nil }
            let set = y & (1 << bit) != 0
            return ABIChange(area: "acpi", item: "\(label): \(names[bit] ?? "bit \(bit)")", kind: .changed,
                             old: set ? "0" : "1", new: set ? "1" : "0", compatibility: .breaking)
        }
    }
}
