@testable import ABI

/// Builds probe records the way the guest lays them out.
struct RecordBuilder {
    var stream: [UInt8] = []

    mutating func add(_ type: UInt16, _ payload: [UInt8], continued: Bool = false) {
        stream += le(type) + le(UInt16(continued ? 1 : 0)) + le(UInt32(payload.count)) + payload
    }

    mutating func cpuid(_ leaves: [(UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)]) {
        var payload: [UInt8] = []
        for (leaf, subleaf, eax, ebx, ecx, edx) in leaves {
            for word in [leaf, subleaf, eax, ebx, ecx, edx] { payload += le(word) }
        }
        add(1, payload)
    }

    func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}

func sampleContext(hostKernel: String = "6.18") -> CaptureContext {
    CaptureContext(driver: "swiftvm", driverVersion: "0.1.0", hostKernel: hostKernel, hostCPU: "AMD EPYC × 2",
                   kvm: "kvm_pvm", kvmSupportedCPUIDHash: nil, capturedAt: "2026-11-22T00:00:00Z")
}

/// A MADT with one local APIC per CPU and one IOAPIC, checksum not needed by the decoder.
func madt(cpus: Int) -> [UInt8] {
    var body: [UInt8] = Array("APIC".utf8) + [0, 0, 0, 0, 5, 0] + Array("SWIFVM".utf8) + Array("SVM-1.0 ".utf8) + [1, 0, 0, 0]
        + Array("SWVM".utf8) + [1, 0, 0, 0]
    body += [0x00, 0x00, 0xE0, 0xFE, 1, 0, 0, 0]              // LAPIC address, PCAT_COMPAT
    for cpu in 0..<cpus { body += [0, 8, UInt8(cpu), UInt8(cpu), 1, 0, 0, 0] }
    body += [1, 12, UInt8(cpus), 0, 0x00, 0x00, 0xC0, 0xFE, 0, 0, 0, 0]
    let length = UInt32(body.count)
    body.replaceSubrange(4..<8, with: (0..<4).map { UInt8(truncatingIfNeeded: length >> ($0 * 8)) })
    return body
}

func fingerprint(_ build: (inout RecordBuilder) -> Void, hostKernel: String = "6.18") throws -> Fingerprint {
    var builder = RecordBuilder()
    build(&builder)
    let records = try ABIRecordDecoder.decode(stream: builder.stream)
    return FingerprintBuilder.fingerprint(records: records, machine: "swiftvm-1.0", cpus: 2, memoryBytes: 64 << 20,
                                          context: sampleContext(hostKernel: hostKernel)).fingerprint
}
