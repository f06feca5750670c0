/// Decodes probe records into an `ABIView`. Malformed payloads become `problems` (reported with the
/// fingerprint), never traps: the records come from a guest.
public enum FingerprintBuilder {
    public static func fingerprint(records: [ABIRecord], machine: String, cpus: Int, memoryBytes: UInt64,
                                   context: CaptureContext, masks: [MaskRule] = MaskRules.standard,
                                   programmed: ProgrammedView? = nil) -> (fingerprint: Fingerprint, problems: [String]) {
        var (view, problems) = self.view(from: records)
        var maskedItems: [String: [String]] = [:]
        for rule in masks {
            let items = rule.apply(&view)
            if !items.isEmpty { maskedItems[rule.name] = items }
        }
        let applied = masks.map(\.name).filter { maskedItems[$0] != nil }
        return (Fingerprint(machine: machine, cpus: cpus, memoryBytes: memoryBytes, abi: view, programmed: programmed,
                            masked: applied, maskedItems: maskedItems, context: context), problems)
    }

    public static func view(from records: [ABIRecord]) -> (ABIView, [String]) {
        var view = ABIView()
        var problems: [String] = []
        for (index, record) in records.enumerated() {
            let reader = PayloadReader(record.payload)
            func malformed(_ what: String) { problems.append("record \(index + 1) (type \(record.type)): \(what)") }
            switch record.kind {
            case .cpuid:
                forEach(reader, stride: 24, malformed) { at in
                    guard let leaf = reader.u32(at), let sub = reader.u32(at + 4), let a = reader.u32(at + 8),
                          let b = reader.u32(at + 12), let c = reader.u32(at + 16), let d = reader.u32(at + 20) else { return }
                    view.cpuid[cpuidKey(leaf, sub)] = CPUIDValue(eax: hex(a), ebx: hex(b), ecx: hex(c), edx: hex(d))
                }
            case .memoryMap:
                forEach(reader, stride: 24, malformed) { at in
                    guard let address = reader.u64(at), let size = reader.u64(at + 8), let type = reader.u32(at + 16) else { return }
                    view.memoryMap.append(MemoryRange(address: hex(address), size: hex(size), type: type))
                }
            case .acpiTable:
                guard let (key, table) = acpiTable(reader, existing: view.acpi) else { malformed("ACPI table too short"); continue }
                view.acpi[key] = table
            case .rsdpLocation:
                guard let viaBootInfo = reader.u64(0), let viaScan = reader.u64(8) else { malformed("too short"); continue }
                view.rsdp = RSDPLocation(bootInfo: hex(viaBootInfo), legacyScan: hex(viaScan))
            case .pciFunction:
                guard record.payload.count == 260, let bus = reader.u8(0), let device = reader.u8(1), let function = reader.u8(2),
                      let vendor = reader.u16(4), let deviceID = reader.u16(6), let revision = reader.u8(12),
                      let classCode = reader.u32(12) else { malformed("PCI function record is not 4 + 256 bytes"); continue }
                view.pci[pciKey(bus, device, function)] = PCIFunctionView(
                    vendorID: hex(vendor), deviceID: hex(deviceID), classCode: hex(classCode >> 8, width: 6),
                    revision: hex(revision), config: hexBytes(record.payload.dropFirst(4)))
            case .pciBARs:
                forEach(reader, stride: 12, malformed) { at in
                    guard let bus = reader.u8(at), let device = reader.u8(at + 1), let function = reader.u8(at + 2),
                          let bar = reader.u8(at + 3), let original = reader.u32(at + 4), let mask = reader.u32(at + 8) else { return }
                    view.pciBARs["\(pciKey(bus, device, function)) BAR\(bar)"] = BARProbe(original: hex(original), sizeMask: hex(mask))
                }
            case .localAPIC, .ioAPIC:
                var registers: [String: String] = [:]
                forEach(reader, stride: 8, malformed) { at in
                    guard let register = reader.u32(at), let value = reader.u32(at + 4) else { return }
                    registers[hex(register, width: 3)] = hex(value)
                }
                if record.kind == .localAPIC { view.localAPIC.merge(registers) { $1 } } else { view.ioAPIC.merge(registers) { $1 } }
            case .msr:
                forEach(reader, stride: 16, malformed) { at in
                    guard let index = reader.u32(at), let status = reader.u32(at + 4), let value = reader.u64(at + 8) else { return }
                    view.msr[hex(index)] = MSRValue(readable: status == 0, value: status == 0 ? hex(value) : "#GP")
                }
            case .portProbe:
                forEach(reader, stride: 8, malformed) { at in
                    guard let port = reader.u16(at), let width = reader.u8(at + 2), let value = reader.u32(at + 4) else { return }
                    view.ports["\(hex(port))/\(width)"] = hex(value, width: Int(width) * 2)
                }
            case .cmos:
                forEach(reader, stride: 2, malformed) { at in
                    guard let index = reader.u8(at), let value = reader.u8(at + 1) else { return }
                    view.cmos[hex(index)] = hex(value)
                }
            case .virtio:
                guard let (key, function) = virtioFunction(reader) else { malformed("virtio function record is malformed"); continue }
                view.virtio = (view.virtio ?? [:]).merging([key: function]) { $1 }
            case nil:
                view.unknown["type \(record.type) #\(index + 1)"] = hexBytes(record.payload)
            }
        }
        return (view, problems)
    }

    public static func cpuidKey(_ leaf: UInt32, _ subleaf: UInt32) -> String {
        let digits = String(leaf, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".\(subleaf)"
    }

    static func pciKey(_ bus: UInt8, _ device: UInt8, _ function: UInt8) -> String {
        func two(_ value: UInt8) -> String { let d = String(value, radix: 16); return d.count == 1 ? "0" + d : d }
        return "\(two(bus)):\(two(device)).\(function)"
    }

    private static func forEach(_ reader: PayloadReader, stride size: Int, _ malformed: (String) -> Void, _ body: (Int) -> Void) {
        if reader.bytes.count % size != 0 { malformed("payload of \(reader.bytes.count) bytes is not a multiple of \(size)") }
        for offset in Swift.stride(from: 0, to: reader.bytes.count - size + 1, by: size) { body(offset) }
    }

    /// An ACPI table (or the RSDP) record: u64 address, then the bytes.
    private static func acpiTable(_ reader: PayloadReader, existing: [String: ACPITable]) -> (String, ACPITable)? {
        guard let address = reader.u64(0) else { return nil }
        let bytes = Array(reader.bytes.dropFirst(8))
        let table = PayloadReader(bytes)
        func text(_ from: Int, _ count: Int) -> String {
            guard from + count <= bytes.count else { return "" }
            return String(decoding: bytes[from..<(from + count)], as: UTF8.self)
        }
        let signature: String
        let header: ACPITable
        if text(0, 8) == "RSD PTR " {
            signature = "RSD PTR"
            header = ACPITable(address: hex(address), length: UInt32(bytes.count), revision: table.u8(15) ?? 0,
                               oemID: text(9, 6), oemTableID: "", oemRevision: "", creatorID: "", creatorRevision: "",
                               bytes: hexBytes(bytes))
        } else {
            guard bytes.count >= 36, let length = table.u32(4), let revision = table.u8(8),
                  let oemRevision = table.u32(24), let creatorRevision = table.u32(32) else { return nil }
            signature = text(0, 4)
            header = ACPITable(address: hex(address), length: length, revision: revision, oemID: text(10, 6),
                               oemTableID: text(16, 8), oemRevision: hex(oemRevision), creatorID: text(28, 4),
                               creatorRevision: hex(creatorRevision), bytes: hexBytes(bytes))
        }
        var key = signature
        var ordinal = 2
        while existing[key] != nil { key = "\(signature)#\(ordinal)"; ordinal += 1 }
        return (key, header)
    }
}
