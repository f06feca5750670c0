import Foundation
import Testing
@testable import ABI
import TestSupport

@Suite struct ABIRecordTests {
    @Test func continuedPiecesAreJoinedAndHexLinesDecodeTheSame() throws {
        var builder = RecordBuilder()
        builder.add(3, [1, 2, 3], continued: true)
        builder.add(3, [4, 5])
        builder.add(10, [0x61, 0, 1, 0, 0x20, 0, 0, 0])
        let records = try ABIRecordDecoder.decode(stream: builder.stream)
        #expect(records == [ABIRecord(type: 3, payload: [1, 2, 3, 4, 5]), ABIRecord(type: 10, payload: [0x61, 0, 1, 0, 0x20, 0, 0, 0])])
        let hex = builder.stream.map { String(format: "%02x", $0) }.joined()
        #expect(try ABIRecordDecoder.decode(hexRecords: [String(hex.prefix(22)), String(hex.dropFirst(22))]) == records)
    }

    @Test func brokenStreamsAreErrorsNotTraps() {
        #expect(throws: ABIRecordError.truncatedHeader(offset: 0)) { try ABIRecordDecoder.decode(stream: [1, 0, 0]) }
        #expect(throws: ABIRecordError.truncatedPayload(offset: 0, declared: 100, available: 2)) {
            try ABIRecordDecoder.decode(stream: [1, 0, 0, 0, 100, 0, 0, 0, 7, 7])
        }
        #expect(throws: ABIRecordError.danglingContinuation(type: 2)) { try ABIRecordDecoder.decode(stream: [2, 0, 1, 0, 0, 0, 0, 0]) }
        #expect(throws: ABIRecordError.badHex(line: 1)) { try ABIRecordDecoder.decode(hexRecords: ["0G"]) }
        // Random streams (seed printed; TEST_SEED replays): decoded or refused with a typed error, never
        // a trap; what decodes never holds more payload than the stream had, and builds a view.
        var random = SplitMix64(seed: testSeed("brokenStreamsAreErrorsNotTraps"))
        var decoded = 0
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            do {
                let records = try ABIRecordDecoder.decode(stream: bytes)
                #expect(records.reduce(0) { $0 + $1.payload.count } <= bytes.count)
                _ = FingerprintBuilder.view(from: records)
                decoded += 1
            } catch {
                #expect(!"\(error)".isEmpty)
            }
        }
        // The empty stream is valid: some inputs decode, so the loop reaches the builder.
        #expect(decoded > 0)
    }
}

@Suite struct FingerprintTests {
    @Test func theSameObservationsGiveTheSameHashWhateverTheContext() throws {
        let a = try fingerprint({ $0.cpuid([(0, 0, 0xB, 0x6874_7541, 0x444D_4163, 0x6974_6E65)]) })
        let b = try fingerprint({ $0.cpuid([(0, 0, 0xB, 0x6874_7541, 0x444D_4163, 0x6974_6E65)]) }, hostKernel: "6.1")
        #expect(a.hash == b.hash && a.hash.hasPrefix("sha256:") && a.hash.count == 71)
        #expect(a.abi.cpuid["00000000.0"]?.eax == "0x0000000b")
        let c = try fingerprint({ $0.cpuid([(0, 0, 0xD, 0x6874_7541, 0x444D_4163, 0x6974_6E65)]) })
        #expect(c.hash != a.hash)
    }

    @Test func declaredMasksRemoveWhatLegitimatelyVaries() throws {
        let withOSXSAVE = try fingerprint({ $0.cpuid([(1, 0, 0x830F10, 0, 1 << 27 | 1 << 31, 0)]) })
        let without = try fingerprint({ $0.cpuid([(1, 0, 0x830F10, 0, 1 << 31, 0)]) })
        #expect(withOSXSAVE.abi == without.abi)
        #expect(withOSXSAVE.masked == ["cpuid.osxsave"] && without.masked.isEmpty)
    }

    @Test func recordsOfEveryKindLand() throws {
        let print = try fingerprint { builder in
            builder.add(2, builder.le(UInt64(0)) + builder.le(UInt64(0x9FC00)) + builder.le(UInt32(1)) + builder.le(UInt32(0)))
            builder.add(3, builder.le(UInt64(0xE0000)) + madt(cpus: 2))
            builder.add(5, [0, 1, 0, 0] + [0x36, 0x1B, 0x05, 0x00] + Array(repeating: 0, count: 252))
            builder.add(9, builder.le(UInt32(0xC000_0080)) + builder.le(UInt32(0)) + builder.le(UInt64(0x500))
                + builder.le(UInt32(0x3A)) + builder.le(UInt32(1)) + builder.le(UInt64(0)))
            builder.add(99, [1, 2])
        }
        #expect(print.abi.memoryMap == [MemoryRange(address: "0x0000000000000000", size: "0x000000000009fc00", type: 1)])
        #expect(print.abi.acpi["APIC"]?.oemID == "SWIFVM")
        #expect(print.abi.pci["00:01.0"]?.vendorID == "0x1b36" && print.abi.pci["00:01.0"]?.deviceID == "0x0005")
        #expect(print.abi.msr["0xc0000080"] == MSRValue(readable: true, value: "0x0000000000000500"))
        #expect(print.abi.msr["0x0000003a"] == MSRValue(readable: false, value: "#GP"))
        #expect(print.abi.unknown.count == 1)
    }
}

@Suite struct ABIDiffTests {
    @Test func aRemovedFeatureBitIsNamedAndBreaking() throws {
        let old = try fingerprint({ $0.cpuid([(7, 0, 0, 1 << 9 | 1 << 3, 0, 0)]) })
        let new = try fingerprint({ $0.cpuid([(7, 0, 0, 1 << 3 | 1 << 8, 0, 0)]) })
        let diff = ABIDiff.compare(old, new)
        #expect(diff.changes.map(\.summary) == ["CPUID.7.0:EBX[8] bmi2 0→1", "CPUID.7.0:EBX[9] erms 1→0"])
        #expect(diff.changes.map(\.compatibility) == [.compatible, .breaking])
    }

    @Test func numericFieldsAreNamed() throws {
        let old = try fingerprint({ $0.cpuid([(0, 0, 0xB, 1, 2, 3), (1, 0, 0x830F10, 0, 0, 0)]) })
        let new = try fingerprint({ $0.cpuid([(0, 0, 0xD, 1, 2, 3), (1, 0, 0xA10F11, 0, 0, 0)]) })
        let items = ABIDiff.compare(old, new).changes
        #expect(items.contains { $0.item == "CPUID.0.0:EAX max basic leaf" && $0.compatibility == .compatible })
        #expect(items.contains { $0.item == "CPUID.1.0:EAX family/model/stepping 17h/31h/0→19h/11h/1" })
    }

    @Test func madtEntriesAreComparedByWhatTheyDescribe() throws {
        let old = try fingerprint { $0.add(3, $0.le(UInt64(0xE0000)) + madt(cpus: 4)) }
        let new = try fingerprint { $0.add(3, $0.le(UInt64(0xE0000)) + madt(cpus: 3)) }
        let summaries = ABIDiff.compare(old, new).changes.map(\.summary)
        #expect(summaries.contains("MADT: LAPIC 3 removed (was processor UID 3, flags 0x00000001)"))
        // The sample MADT gives the IOAPIC the id after the last CPU, so it moves from 4 to 3.
        #expect(summaries.contains { $0.hasPrefix("MADT: IOAPIC 4 removed") })
        #expect(summaries.contains { $0.hasPrefix("MADT: IOAPIC 3 added") })
    }

    @Test func tablesAndFunctionsAddedAreCompatibleRemovedAreBreaking() throws {
        let plain = try fingerprint { _ in }
        let richer = try fingerprint { builder in
            builder.add(3, builder.le(UInt64(0xE0000)) + madt(cpus: 1))
            builder.add(5, [0, 3, 0, 0] + [0x36, 0x1B, 0x05, 0x00] + Array(repeating: 0, count: 252))
        }
        let forward = ABIDiff.compare(plain, richer)
        #expect(forward.changes.map(\.summary) == ["ACPI table APIC added (64 bytes)", "PCI 00:03.0 added (0x1b36:0x0005 class 0x000000)"])
        #expect(forward.breaking.isEmpty)
        #expect(ABIDiff.compare(richer, plain).breaking.count == 2)
    }

    @Test func identicalABIsDifferOnlyInContext() throws {
        let a = try fingerprint({ $0.cpuid([(0, 0, 0xB, 1, 2, 3)]) }, hostKernel: "6.1")
        let b = try fingerprint({ $0.cpuid([(0, 0, 0xB, 1, 2, 3)]) }, hostKernel: "6.18")
        let diff = ABIDiff.compare(a, b)
        #expect(diff.isIdentical)
        #expect(diff.contextChanges == ["host kernel: 6.1 → 6.18"])
        #expect(diff.text.contains("identical"))
    }
}

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}

@Suite struct CPUIDTextTests {
    func words(_ text: String) -> [UInt32] {
        let bytes = Array(text.utf8) + Array(repeating: 0, count: 48)
        return (0..<12).map { word in (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[word * 4 + $1]) << ($1 * 8) } }
    }

    @Test func brandAndVendorAreComparedAsText() throws {
        func capture(_ brand: String, _ vendor: String) throws -> Fingerprint {
            let b = words(brand), v = words(vendor)
            return try fingerprint { $0.cpuid([(0, 0, 0xB, v[0], v[2], v[1]),
                                               (0x8000_0002, 0, b[0], b[1], b[2], b[3]),
                                               (0x8000_0003, 0, b[4], b[5], b[6], b[7]),
                                               (0x8000_0004, 0, b[8], b[9], b[10], b[11])]) }
        }
        let diff = ABIDiff.compare(try capture("swiftvm virtual CPU", "AuthenticAMD"), try capture("QEMU Virtual CPU", "GenuineIntel"))
        #expect(diff.changes.map(\.summary) == ["CPUID vendor 'AuthenticAMD'→'GenuineIntel'",
                                                "CPUID brand string 'swiftvm virtual CPU'→'QEMU Virtual CPU'"])
    }
}
