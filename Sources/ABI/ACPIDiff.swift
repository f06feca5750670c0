/// ACPI differences per table: added/removed tables, header fields, MADT entries by meaning, and a
/// byte-level note for other content (DSDT/SSDT as ASL when the caller gives a disassembler).
enum ACPIDiff {
    static func compare(_ old: [String: ACPITable], _ new: [String: ACPITable],
                        disassembler: (any ASLDisassembler)?) -> [ABIChange] {
        var changes: [ABIChange] = []
        for key in Set(old.keys).union(new.keys).sorted() {
            switch (old[key], new[key]) {
            case (nil, let table?):
                changes.append(ABIChange(area: "acpi", item: "ACPI table \(key)", kind: .added, old: nil,
                                         new: "\(table.length) bytes", compatibility: .compatible))
            case (let table?, nil):
                changes.append(ABIChange(area: "acpi", item: "ACPI table \(key)", kind: .removed, old: "\(table.length) bytes",
                                         new: nil, compatibility: .breaking))
            case let (a?, b?) where a != b:
                changes += table(key, a, b, disassembler: disassembler)
            default:
                break
            }
        }
        return changes
    }

    private static func table(_ key: String, _ a: ACPITable, _ b: ACPITable,
                              disassembler: (any ASLDisassembler)?) -> [ABIChange] {
        var changes: [ABIChange] = []
        func field(_ name: String, _ x: String, _ y: String, _ compatibility: ABIChange.Compatibility) {
            if x != y { changes.append(ABIChange(area: "acpi", item: "\(key) \(name)", kind: .changed, old: x, new: y, compatibility: compatibility)) }
        }
        field("address", a.address, b.address, .compatible)
        field("revision", "\(a.revision)", "\(b.revision)", .breaking)
        field("OEM ID", a.oemID, b.oemID, .compatible)
        field("OEM table ID", a.oemTableID, b.oemTableID, .compatible)
        field("OEM revision", a.oemRevision, b.oemRevision, .compatible)
        field("creator", "\(a.creatorID) \(a.creatorRevision)", "\(b.creatorID) \(b.creatorRevision)", .compatible)
        if key.hasPrefix("APIC") {
            changes += ABIDiff.map(area: "acpi", label: "MADT:", madtEntries(a.bytes), madtEntries(b.bytes))
        } else if contentDiffers(a, b) {
            let before = bytes(a.bytes), after = bytes(b.bytes)
            let differing = zip(before, after).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
            let note = "\(differing.count) byte\(differing.count == 1 ? "" : "s") differ" + (differing.first.map { " from offset \($0)" } ?? "")
                + (before.count != after.count ? ", length \(before.count)→\(after.count)" : "")
            if key == "RSD PTR" {
                changes += rsdp(before, after)
            } else if key.hasPrefix("FACP") {
                let fields = FADTDiff.compare(before, after)
                changes += fields.isEmpty
                    ? [ABIChange(area: "acpi", item: "\(key) content", kind: .changed, old: nil, new: note, compatibility: .breaking)] : fields
            } else if key.hasPrefix("DSDT") || key.hasPrefix("SSDT") {
                changes += AMLDiff.compare(key: key, before, after, note: note, disassembler: disassembler)
            } else {
                changes.append(ABIChange(area: "acpi", item: "\(key) content", kind: .changed, old: nil, new: note, compatibility: .breaking))
            }
        }
        return changes
    }

    /// RSDP fields by name: table pointers moving is compatible, a pointer appearing or vanishing is not.
    private static func rsdp(_ a: [UInt8], _ b: [UInt8]) -> [ABIChange] {
        func fields(_ bytes: [UInt8]) -> [String: String] {
            let reader = PayloadReader(bytes)
            var values: [String: String] = [:]
            if let rsdt = reader.u32(16) { values["RsdtAddress"] = hex(rsdt) }
            if bytes.count >= 36 {
                if let length = reader.u32(20) { values["Length"] = "\(length)" }
                if let xsdt = reader.u64(24) { values["XsdtAddress"] = hex(xsdt) }
            }
            return values
        }
        let x = fields(a), y = fields(b)
        return ["RsdtAddress", "XsdtAddress", "Length"].compactMap { name in
            let item = "RSD PTR \(name)"
            switch (x[name], y[name]) {
            case let (nil, value?): return ABIChange(area: "acpi", item: item, kind: .added, old: nil, new: value, compatibility: .compatible)
            case let (value?, nil): return ABIChange(area: "acpi", item: item, kind: .removed, old: value, new: nil, compatibility: .breaking)
            case let (p?, q?) where p != q:
                let zero = { (text: String) in text.allSatisfy { $0 == "0" || $0 == "x" } }
                let moved = name != "Length" && !zero(p) && !zero(q)
                return ABIChange(area: "acpi", item: item, kind: .changed, old: p, new: q, compatibility: moved ? .compatible : .breaking)
            default: return nil
            }
        }
    }

    /// Content other than the header's OEM/creator fields and checksum (which follow any change).
    private static func contentDiffers(_ a: ACPITable, _ b: ACPITable) -> Bool {
        let x = bytes(a.bytes), y = bytes(b.bytes)
        guard x.count == y.count, x.count >= 36, !a.oemID.isEmpty || !a.oemTableID.isEmpty else { return x != y }
        return x[0..<9] != y[0..<9] || x[36...] != y[36...]
    }

    /// MADT interrupt controller structures, keyed by what they describe, so "LAPIC 3 removed" reads right.
    static func madtEntries(_ hexText: String) -> [String: String] {
        let table = bytes(hexText)
        var entries: [String: String] = [:]
        var offset = 44
        while offset + 2 <= table.count {
            let type = table[offset], length = Int(table[offset + 1])
            guard length >= 2, offset + length <= table.count else { break }
            let entry = Array(table[offset..<(offset + length)])
            let reader = PayloadReader(entry)
            switch type {
            case 0 where length >= 8:
                entries["LAPIC \(entry[3])"] = "processor UID \(entry[2]), flags \(hex(reader.u32(4) ?? 0))"
            case 1 where length >= 12:
                entries["IOAPIC \(entry[2])"] = "address \(hex(reader.u32(4) ?? 0)), GSI base \(reader.u32(8) ?? 0)"
            case 2 where length >= 10:
                entries["interrupt override IRQ \(entry[3])"] = "GSI \(reader.u32(4) ?? 0), flags \(hex(reader.u16(8) ?? 0))"
            case 4 where length >= 6:
                entries["LAPIC NMI UID \(entry[2])"] = "flags \(hex(reader.u16(3) ?? 0)), LINT\(entry[5])"
            case 9 where length >= 16:
                entries["x2APIC \(reader.u32(4) ?? 0)"] = "UID \(reader.u32(12) ?? 0), flags \(hex(reader.u32(8) ?? 0))"
            default:
                entries["entry type \(type) at \(offset)"] = hexBytes(entry)
            }
            offset += length
        }
        if table.count >= 44 { entries["local APIC address / flags"] = hexBytes(table[36..<44]) }
        return entries
    }

    static func bytes(_ hexText: String) -> [UInt8] { ABIRecordDecoder.bytes(fromHex: hexText) ?? [] }
}

/// PCI differences per function and per named register; BAR size probes.
enum PCIDiff {
    static func compare(_ old: ABIView, _ new: ABIView) -> [ABIChange] {
        var changes: [ABIChange] = []
        for key in Set(old.pci.keys).union(new.pci.keys).sorted() {
            switch (old.pci[key], new.pci[key]) {
            case (nil, let function?):
                changes.append(ABIChange(area: "pci", item: "PCI \(key)", kind: .added, old: nil,
                                         new: "\(function.vendorID):\(function.deviceID) class \(function.classCode)", compatibility: .compatible))
            case (let function?, nil):
                changes.append(ABIChange(area: "pci", item: "PCI \(key)", kind: .removed,
                                         old: "\(function.vendorID):\(function.deviceID) class \(function.classCode)", new: nil, compatibility: .breaking))
            case let (a?, b?) where a != b:
                let before = ACPIDiff.bytes(a.config), after = ACPIDiff.bytes(b.config)
                for register in stride(from: 0, to: min(before.count, after.count) - 3, by: 4) {
                    let x = PayloadReader(before).u32(register) ?? 0, y = PayloadReader(after).u32(register) ?? 0
                    if x != y {
                        changes.append(ABIChange(area: "pci", item: "PCI \(key) \(registerName(register))", kind: .changed,
                                                 old: hex(x), new: hex(y), compatibility: .breaking))
                    }
                }
            default:
                break
            }
        }
        let before = old.pciBARs.mapValues { "size mask \($0.sizeMask)" }, after = new.pciBARs.mapValues { "size mask \($0.sizeMask)" }
        return changes + ABIDiff.map(area: "pci", label: "PCI", before, after)
    }

    static func registerName(_ offset: Int) -> String {
        switch offset {
        case 0x00: "vendor/device ID"
        case 0x04: "command/status"
        case 0x08: "class/revision"
        case 0x0C: "cache line/latency/header type/BIST"
        case 0x10...0x24: "BAR\((offset - 0x10) / 4)"
        case 0x2C: "subsystem vendor/ID"
        case 0x34: "capabilities pointer"
        case 0x3C: "interrupt line/pin"
        default: "config \(hex(UInt8(offset)))"
        }
    }
}
