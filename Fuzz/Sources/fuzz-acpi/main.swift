// fuzz-acpi: ACPITableSet.build on configurations from the input, and the AML PkgLength encoder against
// a reference decoder written here from ACPI 6.x §20.2.4.
//
// Input (reads past the end give zeros):
//   u32        a PkgLength test value (masked to 28 bits): encodePackageLength(value) and
//              packageLength(bodyCount: value), and their neighbours
//   u8 cpus    vCPU count
//   u8 flags   0 a signed u16 vCPU count follows and replaces it (out-of-range counts), 1 PCI host bridge, 2 bridge from the input (else .standard),
//              3 processor devices, 4 base and RSDP address from the input (else swiftvm's), 5 revisions
//              and FADT settings from the input, 6 MADT entries from the input, 7 raw (unmapped) text
//   u8 devices bits 0-2 COM1, RTC, KBD; bits 3-5 how many devices from the input follow
//   text ×4    OEM ID, OEM table ID, creator ID, hypervisor vendor: a length byte (bits 0-3; bit 7 keeps
//              the bytes raw, else they map onto printable ASCII) and the bytes
//   then what the flags ask for, in the order read below.
//
// Invariants: a build either succeeds or throws an ACPIError with a message (never traps); an invalid
// cpu count or misaligned RSDP always fails. A built set has XSDT, FACP, APIC, DSDT in that order,
// 16-byte aligned from the base, each after the end of the previous with less than 16 bytes of padding,
// all below 4 GiB; every table's length field is its size, its bytes sum to 0 and it carries the
// identity; the XSDT lists FACP and APIC, the FADT's DSDT and X_DSDT point to the DSDT; the MADT has one
// entry per vCPU plus the configured ones; the DSDT's AML is one Scope (\_SB) whose PkgLength spans the
// table, holding one Device per configured device, bridge and processor, in order, with their names;
// the RSDP sums to 0 over 20 and over 36 bytes, points to the XSDT and lies outside the tables; the same
// configuration builds the same bytes. PkgLength: the reference decoder reads back the value from exactly
// the bytes written, reserved bits clear, in the shortest form.
import ACPI
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    checkPackageLength(Int(input.integer(UInt32.self)) & AML.maxPackageLength)

    let (config, base) = configuration(&input)
    let built: ACPITableSet
    do {
        built = try ACPITableSet.build(config, placedAt: base)
    } catch {
        require(!error.description.isEmpty, "empty ACPIError message")
        return 0
    }
    require((1...255).contains(config.cpuCount), "built tables for \(config.cpuCount) vCPUs")
    require(config.rsdpAddress % 16 == 0, "built with a misaligned RSDP")
    check(built, config, base: base)
    require((try? ACPITableSet.build(config, placedAt: base)) == built, "the same configuration built different tables")
    return 0
}

// MARK: - Input → configuration

private func configuration(_ input: inout FuzzInput) -> (ACPIConfiguration, UInt64) {
    let narrowCPUs = input.byte()
    let flags = input.byte()
    let cpus = flags & 1 != 0 ? Int(Int16(bitPattern: input.integer(UInt16.self))) : Int(narrowCPUs)
    let deviceBits = input.byte()
    let raw = flags & 0x80 != 0
    let identity = ACPIIdentity(oemID: text(&input, raw: raw), oemTableID: text(&input, raw: raw),
                                oemRevision: input.integer(), creatorID: text(&input, raw: raw),
                                creatorRevision: input.integer())
    var fadt = FADT.Settings(hypervisorVendor: text(&input, raw: raw))

    var devices: [ACPIDeviceDescription] = []
    for (bit, device) in [ACPIDeviceDescription.com1, .rtc, .keyboardController].enumerated() where deviceBits & 1 << bit != 0 {
        devices.append(device)
    }
    for _ in 0..<Int(deviceBits >> 3 & 7) { devices.append(device(&input, raw: raw)) }

    var bridge: PCIHostBridgeDescription? = flags & 2 != 0 ? .standard : nil
    if flags & 2 != 0, flags & 4 != 0 { bridge = hostBridge(&input, raw: raw) }

    var base: UInt64 = 0xE_0040  // swiftvm's (Machine/ACPIPlacement.swift)
    var rsdp: UInt64 = 0xE_0000
    if flags & 0x10 != 0 {
        base = input.integer(UInt64.self)
        rsdp = input.integer(UInt64.self)
        // Mostly plausible addresses, so the success path stays reachable: low bits picked by the input.
        if base & 1 << 63 == 0 { base &= 0xFFFF_FFF0 }
        if rsdp & 1 << 63 == 0 { rsdp &= 0x000F_FFF0 }
    }

    var revisions = ACPIConfiguration.Revisions()
    if flags & 0x20 != 0 {
        revisions = .init(fadtMajor: input.byte(), fadtMinor: input.byte(), madt: input.byte(), dsdt: input.byte())
        fadt.sciInterrupt = input.integer()
        fadt.flags = FADT.Flags(rawValue: input.integer())
        fadt.bootArchitecture = FADT.BootArchitecture(rawValue: input.integer())
        fadt.resetRegister = GenericAddress(space: GenericAddress.AddressSpace(rawValue: input.byte() % 3)!, bitWidth: input.byte(),
                                            bitOffset: input.byte(), accessSize: GenericAddress.AccessSize(rawValue: input.byte() % 5)!,
                                            address: input.integer())
        fadt.resetValue = input.byte()
    }

    var config = ACPIConfiguration(cpuCount: cpus, identity: identity, revisions: revisions, fadt: fadt,
                                   pciHostBridge: bridge, devices: devices, processorDevices: flags & 8 != 0,
                                   rsdpAddress: rsdp)
    if flags & 0x40 != 0 {
        config.localAPICAddress = input.integer()
        config.ioAPIC = IOAPICDescription(id: input.byte(), address: input.integer(), gsiBase: input.integer())
        let counts = input.byte()
        config.interruptOverrides = (0..<Int(counts & 0xF)).map { _ in
            InterruptSourceOverride(irq: input.byte(), gsi: input.integer(), flags: interruptFlags(input.byte()))
        }
        config.localAPICNMIs = (0..<Int(counts >> 4)).map { _ in
            LocalAPICNMI(processorUID: input.byte(), flags: interruptFlags(input.byte()), lint: input.byte())
        }
    }
    return (config, base)
}

/// Up to 15 bytes of text. Unless `raw`, each byte maps onto printable ASCII (or, with bit 6 of the length
/// byte, onto the AML NameSeg alphabet), so validation passes often enough for the builders to run.
private func text(_ input: inout FuzzInput, raw: Bool) -> String {
    let header = input.byte()
    let bytes = input.bytes(upTo: Int(header & 0x0F))
    if raw || header & 0x80 != 0 { return String(decoding: bytes, as: UTF8.self) }
    if header & 0x40 != 0 {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789".utf8)
        return String(decoding: bytes.map { alphabet[Int($0) % alphabet.count] }, as: UTF8.self)
    }
    return String(decoding: bytes.map { 0x20 + $0 % 95 }, as: UTF8.self)
}

private func interruptFlags(_ byte: UInt8) -> InterruptFlags {
    let polarities: [InterruptFlags.Polarity] = [.conforming, .activeHigh, .activeLow, .activeHigh]
    let triggers: [InterruptFlags.Trigger] = [.conforming, .edge, .level, .edge]
    return InterruptFlags(polarity: polarities[Int(byte & 3)], trigger: triggers[Int(byte >> 2 & 3)])
}

private func device(_ input: inout FuzzInput, raw: Bool) -> ACPIDeviceDescription {
    let name = text(&input, raw: raw)
    let control = input.byte()
    let id = text(&input, raw: raw)
    let hardwareID: ACPIDeviceDescription.HardwareID = control & 1 != 0 ? .eisa(id) : .string(id)
    let uniqueID: UInt64? = control & 2 != 0 ? input.integer() : nil
    let status: UInt8? = control & 4 != 0 ? input.byte() : nil
    let resources: [ACPIDeviceDescription.Resource] = (0..<Int(control >> 3 & 7)).map { _ in
        switch input.byte() % 3 {
        case 0: .io(base: input.integer(), length: input.byte(), alignment: input.byte())
        case 1: .irq(input.byte())
        default: .memory32(base: input.integer(), length: input.integer())
        }
    }
    return ACPIDeviceDescription(name: name, hardwareID: hardwareID, uniqueID: uniqueID, status: status, resources: resources)
}

private func hostBridge(_ input: inout FuzzInput, raw: Bool) -> PCIHostBridgeDescription {
    let name = text(&input, raw: raw)
    let buses = ordered(input.byte(), input.byte())
    let portBase: UInt16 = input.integer(), portCount = input.byte()
    let counts = input.byte()
    let io = (0..<Int(counts & 3)).map { _ in ordered(input.integer(UInt16.self), input.integer(UInt16.self)) }
    let memory = (0..<Int(counts >> 2 & 3)).map { _ in ordered(input.integer(UInt64.self), input.integer(UInt64.self)) }
    return PCIHostBridgeDescription(name: name, busNumbers: buses, configurationPortBase: portBase,
                                    configurationPortCount: portCount, ioWindows: io, memoryWindows: memory)
}

private func ordered<T: Comparable>(_ a: T, _ b: T) -> ClosedRange<T> { min(a, b)...max(a, b) }

// MARK: - Checks on a built set

private func check(_ set: ACPITableSet, _ config: ACPIConfiguration, base: UInt64) {
    require(set.tables.map(\.signature) == ["XSDT", "FACP", "APIC", "DSDT"], "tables \(set.tables.map(\.signature))")
    require(set.tables.first?.address == base, "first table not at the base")
    var previousEnd = base
    for table in set.tables {
        let bytes = table.bytes
        require(bytes.count >= 36, "\(table.signature) of \(bytes.count) bytes")
        require(table.address % 16 == 0, "\(table.signature) at \(table.address) is not 16-byte aligned")
        require(table.address >= previousEnd && table.address - previousEnd < 16, "\(table.signature) does not follow the previous table")
        let (end, overflow) = table.address.addingReportingOverflow(UInt64(bytes.count))
        require(!overflow && end <= 1 << 32, "\(table.signature) ends above 4 GiB")
        previousEnd = end
        require(sum(bytes) == 0, "\(table.signature) sums to \(sum(bytes))")
        require(Int(u32(bytes, 4)) == bytes.count, "\(table.signature) length field \(u32(bytes, 4)), size \(bytes.count)")
        require(Array(bytes[0..<4]) == Array(table.signature.utf8), "signature bytes")
        require(bytes[10..<16].elementsEqual(padded(config.identity.oemID, 6)), "\(table.signature) OEM ID")
        require(bytes[16..<24].elementsEqual(padded(config.identity.oemTableID, 8)), "\(table.signature) OEM table ID")
        require(u32(bytes, 24) == config.identity.oemRevision, "\(table.signature) OEM revision")
        require(bytes[28..<32].elementsEqual(padded(config.identity.creatorID, 4)), "\(table.signature) creator ID")
        require(u32(bytes, 32) == config.identity.creatorRevision, "\(table.signature) creator revision")
    }
    let xsdt = set.tables[0], fadt = set.tables[1], madt = set.tables[2], dsdt = set.tables[3]
    require(xsdt.bytes.count == 36 + 16 && u64(xsdt.bytes, 36) == fadt.address && u64(xsdt.bytes, 44) == madt.address,
            "XSDT does not list FACP and APIC")
    require(fadt.bytes.count == 276, "FADT of \(fadt.bytes.count) bytes")
    require(UInt64(u32(fadt.bytes, 40)) == dsdt.address && u64(fadt.bytes, 140) == dsdt.address, "FADT does not point to the DSDT")
    require(fadt.bytes[8] == config.revisions.fadtMajor && fadt.bytes[131] == config.revisions.fadtMinor, "FADT revision")
    require(fadt.bytes[268..<276].elementsEqual(padded(config.fadt.hypervisorVendor, 8)), "FADT hypervisor vendor")
    let madtLength = 44 + 8 * config.cpuCount + 12 + 10 * config.interruptOverrides.count + 6 * config.localAPICNMIs.count
    require(madt.bytes.count == madtLength, "MADT of \(madt.bytes.count) bytes, expected \(madtLength)")
    require(madt.bytes[8] == config.revisions.madt && dsdt.bytes[8] == config.revisions.dsdt, "MADT/DSDT revision")
    checkDSDT(dsdt.bytes, config)

    let rsdp = set.rsdp
    require(rsdp.address == config.rsdpAddress && rsdp.bytes.count == 36, "RSDP at \(rsdp.address), \(rsdp.bytes.count) bytes")
    require(Array(rsdp.bytes[0..<8]) == Array("RSD PTR ".utf8), "RSDP signature")
    require(sum(rsdp.bytes[0..<20]) == 0 && sum(rsdp.bytes) == 0, "RSDP checksums")
    require(rsdp.bytes[15] == 2 && u32(rsdp.bytes, 20) == 36 && u64(rsdp.bytes, 24) == xsdt.address, "RSDP fields")
    require(rsdp.bytes[9..<15].elementsEqual(padded(config.identity.oemID, 6)), "RSDP OEM ID")
    let (rsdpEnd, overflow) = rsdp.address.addingReportingOverflow(36)
    require(!overflow && (rsdpEnd <= base || rsdp.address >= previousEnd), "RSDP overlaps the tables")
}

/// The DSDT body: `Scope (\_SB) { Device … }`, walked with the reference PkgLength decoder.
private func checkDSDT(_ table: [UInt8], _ config: ACPIConfiguration) {
    var names: [String] = config.pciHostBridge.map { [$0.name] } ?? []
    names += config.devices.map(\.name)
    if config.processorDevices { names += (0..<config.cpuCount).map(DSDT.processorDeviceName) }
    let aml = Array(table[36...])
    require(aml.first == 0x10, "DSDT does not start with ScopeOp")
    guard let scope = decodePackageLength(aml, at: 1) else { require(false, "bad Scope PkgLength"); return }
    require(1 + scope.value == aml.count, "Scope PkgLength \(scope.value) for \(aml.count - 1) bytes")
    let nameStart = 1 + scope.count
    require(Array(aml[nameStart..<min(nameStart + 5, aml.count)]) == Array("\\_SB_".utf8), "Scope is not \\_SB")
    var offset = nameStart + 5
    var found: [String] = []
    while offset < aml.count {
        require(offset + 2 < aml.count && aml[offset] == 0x5B && aml[offset + 1] == 0x82, "not a Device at \(offset)")
        guard let device = decodePackageLength(aml, at: offset + 2) else { require(false, "bad Device PkgLength at \(offset)"); return }
        let nameAt = offset + 2 + device.count
        require(nameAt + 4 <= aml.count, "Device name cut off")
        found.append(String(decoding: aml[nameAt..<nameAt + 4], as: UTF8.self))
        offset += 2 + device.value
        require(offset <= aml.count, "Device runs past the DSDT")
    }
    let expected = names.map { $0 + String(repeating: "_", count: 4 - $0.utf8.count) }
    require(found == expected, "DSDT devices \(found), expected \(expected)")
}

// MARK: - PkgLength

/// ACPI 6.x §20.2.4: lead byte bits 7-6 = count of following bytes; with none, bits 5-0 are the length;
/// otherwise bits 5-4 are reserved (0), bits 3-0 the low nibble, each following byte the next 8 bits.
/// Returns the value and the count of bytes it took, or nil when malformed.
private func decodePackageLength(_ bytes: [UInt8], at offset: Int) -> (value: Int, count: Int)? {
    guard offset < bytes.count else { return nil }
    let lead = bytes[offset]
    let following = Int(lead >> 6)
    if following == 0 { return (Int(lead & 0x3F), 1) }
    guard lead & 0x30 == 0, offset + following < bytes.count else { return nil }
    var value = Int(lead & 0x0F)
    for index in 0..<following { value |= Int(bytes[offset + 1 + index]) << (4 + 8 * index) }
    return (value, 1 + following)
}

private func checkPackageLength(_ value: Int) {
    let encoded = AML.encodePackageLength(value)
    let decoded = decodePackageLength(encoded, at: 0)
    require(decoded?.value == value && decoded?.count == encoded.count, "PkgLength \(value) encodes as \(encoded), decodes as \(String(describing: decoded))")
    let shortest = value < 1 << 6 ? 1 : value < 1 << 12 ? 2 : value < 1 << 20 ? 3 : 4
    require(encoded.count == shortest, "PkgLength \(value) took \(encoded.count) bytes, \(shortest) suffice")

    // packageLength(bodyCount:) counts itself: the value is body + its own size, in the shortest form
    // able to hold that. Its largest body is maxPackageLength - 4.
    for body in [value, value - 1, value + 1, AML.maxPackageLength - 4 - value % 64] where (0...AML.maxPackageLength - 4).contains(body) {
        let bytes = AML.packageLength(bodyCount: body)
        guard let read = decodePackageLength(bytes, at: 0) else { require(false, "packageLength(\(body)) = \(bytes) undecodable"); return }
        require(read.count == bytes.count && read.value == body + bytes.count, "packageLength(\(body)) = \(bytes) reads \(read)")
        let fits = { (size: Int) in body + size < (size == 1 ? 1 << 6 : 1 << (4 + 8 * (size - 1))) }
        require(!(1..<bytes.count).contains(where: fits), "packageLength(\(body)) took \(bytes.count) bytes, fewer suffice")
    }
}

// MARK: - Bytes

private func sum(_ bytes: some Sequence<UInt8>) -> UInt8 { bytes.reduce(0, &+) }
private func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) } }
private func u64(_ bytes: [UInt8], _ offset: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) } }
private func padded(_ text: String, _ width: Int) -> [UInt8] {
    let bytes = Array(text.utf8.prefix(width))
    return bytes + [UInt8](repeating: 0x20, count: width - bytes.count)
}
