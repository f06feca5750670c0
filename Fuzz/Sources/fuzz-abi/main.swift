// fuzz-abi: the ABI pipeline on hostile probe output: records → fingerprint → diff → JSON.
//
// Input: a 6-byte header, then the data.
//   byte 0    mode (mod 3): 0 = the data is a testdev record stream (`ABIRecordDecoder.decode(stream:)`),
//             1 = the data is console text whose lines are `abi.record` hex values (`decode(hexRecords:)`),
//             2 = the data is a fingerprint JSON file (what `tck abi diff` reads).
//   byte 1    which record the mutation touches (index mod the record count)
//   byte 2    mutation kind (mod 5): flip a payload byte, drop the record, duplicate it, change its type,
//             cut its payload short
//   bytes 3-4 payload offset (u16), byte 5 the xor value / new type
//
// Invariants: decoding never returns more records or bytes than `ABIRecordDecoder`'s limits, and the
// stream and its hex encoding (cut into lines anywhere) decode alike; a fingerprint of the same records
// is the same fingerprint and its hash is equal exactly when the views are; masks leave nothing to mask
// a second time; `ABIDiff.compare` of a fingerprint with itself finds nothing, and with a mutated or
// empty one it finds changes only where the views differ, each with a non-empty summary, a known area
// and no more than one "identical" verdict; the JSON of a fingerprint decodes to the same fingerprint.
import ABI
import Foundation
import FuzzSupport
import TCK

private let context = CaptureContext(driver: "fuzz", driverVersion: "1", hostKernel: "6.0", hostCPU: "fuzz",
                                     kvm: "kvm", kvmSupportedCPUIDHash: nil, capturedAt: "2025-01-01T00:00:00Z")
private let hostContexts = ["kvm_pvm", ""]

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    // Never run iasl from the fuzzer: AMLDiff falls back to the byte note (iasl is a separate process
    // with its own timeout; running it thousands of times a second would only measure fork).
    setenv("TCK_IASL", "", 1)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let mode = input.byte() % 3
    let mutation = Mutation(record: Int(input.byte()), kind: input.byte() % 5, offset: Int(input.integer(UInt16.self)),
                            value: input.byte())
    let body = input.rest()

    if mode == 2 {
        fingerprintFile(body)
        return 0
    }

    let records: [ABIRecord]
    do {
        records = mode == 0 ? try decodeStream(body) : try ABIRecordDecoder.decode(hexRecords: lines(body))
    } catch {
        require(!error.description.isEmpty, "empty ABIRecordError description")
        return 0
    }
    require(records.count <= ABIRecordDecoder.maximumRecords, "\(records.count) records")
    let payloadBytes = records.reduce(0) { $0 + $1.payload.count }
    require(payloadBytes <= ABIRecordDecoder.maximumBytes, "\(payloadBytes) payload bytes")
    if mode == 0 { require(payloadBytes + 8 * records.count <= body.count, "records hold more than the stream") }

    let mutated = mutation.apply(to: records)
    for kvm in hostContexts {
        let masks = MaskRules.forHost(kvm: kvm)
        let (fingerprint, problems) = FingerprintBuilder.fingerprint(records: records, machine: "fuzz", cpus: 1,
                                                                     memoryBytes: 1 << 20, context: context, masks: masks)
        require(problems.allSatisfy { !$0.isEmpty }, "empty problem text")
        checkFingerprint(fingerprint, masks: masks)

        let again = FingerprintBuilder.fingerprint(records: records, machine: "fuzz", cpus: 1, memoryBytes: 1 << 20,
                                                   context: context, masks: masks).fingerprint
        require(again == fingerprint, "the same records gave two fingerprints")

        let same = ABIDiff.compare(fingerprint, fingerprint)
        require(same.isIdentical, "a fingerprint differs from itself: \(same.changes.map(\.summary))")
        require(same.contextChanges.isEmpty, "context differs from itself")

        let other = FingerprintBuilder.fingerprint(records: mutated, machine: "fuzz-mutated", cpus: 2,
                                                   memoryBytes: 2 << 20, context: context, masks: masks).fingerprint
        checkFingerprint(other, masks: masks, json: false)
        checkDiff(fingerprint, other)
        checkDiff(other, fingerprint, json: false)
    }
    return 0
}

/// Mode 0: the stream, and the same bytes as hex lines cut at the data's own byte values, must agree.
private func decodeStream(_ body: [UInt8]) throws(ABIRecordError) -> [ABIRecord] {
    let result = Result { () throws(ABIRecordError) in try ABIRecordDecoder.decode(stream: body) }
    var hexLines: [String] = []
    var start = 0
    while start < body.count {
        let length = 1 + Int(body[start]) % 37
        hexLines.append(hex(body[start..<min(start + length, body.count)]))
        start += length
    }
    let viaHex = Result { () throws(ABIRecordError) in try ABIRecordDecoder.decode(hexRecords: hexLines) }
    switch (result, viaHex) {
    case let (.success(a), .success(b)): require(a == b, "stream and hex lines decode to different records")
    case let (.failure(a), .failure(b)): require(a == b, "stream error \(a), hex lines error \(b)")
    default: require(false, "stream and hex lines disagree: \(result) vs \(viaHex)")
    }
    return try result.get()
}

private func lines(_ body: [UInt8]) -> [String] {
    body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
}

private func hex(_ bytes: ArraySlice<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]] }
    return String(decoding: text, as: UTF8.self)
}

/// What the target does to a copy of the records before fingerprinting it again.
private struct Mutation {
    let record: Int
    let kind: UInt8
    let offset: Int
    let value: UInt8

    func apply(to records: [ABIRecord]) -> [ABIRecord] {
        guard !records.isEmpty else { return [ABIRecord(type: UInt16(value), payload: [value])] }
        var copy = records
        let index = record % records.count
        let target = records[index]
        switch kind {
        case 0:
            var payload = target.payload
            if payload.isEmpty { payload = [value] } else { payload[offset % payload.count] ^= value == 0 ? 1 : value }
            copy[index] = ABIRecord(type: target.type, payload: payload)
        case 1: copy.remove(at: index)
        case 2: copy.insert(target, at: index)
        case 3: copy[index] = ABIRecord(type: target.type ^ UInt16(value == 0 ? 1 : value), payload: target.payload)
        default: copy[index] = ABIRecord(type: target.type, payload: Array(target.payload.prefix(offset % (target.payload.count + 1))))
        }
        return copy
    }
}

/// Hash, masks and JSON of one fingerprint.
private func checkFingerprint(_ fingerprint: Fingerprint, masks: [MaskRule], json: Bool = true) {
    require(fingerprint.hash.hasPrefix("sha256:") && fingerprint.hash.utf8.count == 7 + 64, "hash \(fingerprint.hash)")
    let names = Set(masks.map(\.name))
    require(fingerprint.masked.allSatisfy(names.contains), "masked names \(fingerprint.masked) not among the rules")

    // Masking is done: applying the rules again changes nothing in the view.
    var view = fingerprint.abi
    for rule in masks { _ = rule.apply(&view) }
    require(view == fingerprint.abi, "masks changed an already masked view")

    // The same view under another machine name hashes the same: only `abi` counts, and it is stable.
    let copy = Fingerprint(machine: "elsewhere", cpus: 9, memoryBytes: 0, abi: fingerprint.abi, masked: [], context: context)
    require(copy.hash == fingerprint.hash, "hash depends on more than the view")

    if json { roundTrip(fingerprint) }
}

private func roundTrip(_ fingerprint: Fingerprint) {
    let data = FingerprintFile.encode(fingerprint)
    require(JSONNesting.problem(data) == nil, "a fingerprint nests too deep for its own reader")
    do {
        let decoded = try JSONDecoder().decode(Fingerprint.self, from: data)
        require(decoded == fingerprint, "fingerprint JSON round trip changed it")
    } catch {
        require(false, "fingerprint JSON does not decode: \(error)")
    }
}

private func checkDiff(_ old: Fingerprint, _ new: Fingerprint, json: Bool = true) {
    let result = ABIDiff.compare(old, new, oldName: "a", newName: "b")
    require((old.hash == new.hash) == (old.abi == new.abi), "hash equality disagrees with view equality")
    if old.abi == new.abi { require(result.isIdentical, "equal views, \(result.changes.count) changes") }
    if !result.isIdentical { require(old.abi != new.abi, "changes between equal views") }
    for change in result.changes {
        require(!change.summary.isEmpty, "empty summary for \(change.item)")
        require(!change.item.isEmpty, "empty item in \(change.area)")
        require(ABIDiffResult.areas.contains(change.area), "unknown area \(change.area)")
        require(change.compatibility == .breaking || change.compatibility == .compatible, "no compatibility")
        require(!change.subject.isEmpty, "empty subject for \(change.summary)")
        switch change.kind {
        case .added: require(change.compatibility == .compatible || change.area == "memory-map" || change.area == "acpi",
                             "an addition is breaking: \(change.summary)")
        case .removed: require(change.compatibility == .breaking, "a removal is compatible: \(change.summary)")
        case .changed: break
        }
    }
    require(result.breaking.count <= result.changes.count, "more breaking changes than changes")
    require(!result.text.isEmpty, "empty diff text")
    guard json else { return }
    do {
        let decoded = try JSONDecoder().decode(ABIDiffResult.self, from: JSONEncoder().encode(result))
        require(decoded == result, "diff JSON round trip changed it")
    } catch {
        require(false, "diff JSON round trip failed: \(error)")
    }
}

/// Mode 2: a fingerprint file as `tck abi diff` reads it.
private func fingerprintFile(_ body: [UInt8]) {
    let data = Data(body)
    guard JSONNesting.problem(data) == nil,
          let fingerprint = try? JSONDecoder().decode(Fingerprint.self, from: data) else { return }
    let empty = Fingerprint(machine: "empty", cpus: 1, memoryBytes: 0, abi: ABIView(), masked: [], context: context)
    // A file's hash is whatever it says; only a rebuilt one must match its view.
    var rebuilt = fingerprint
    rebuilt.hash = Fingerprint(machine: "", cpus: 0, memoryBytes: 0, abi: fingerprint.abi, masked: [], context: context).hash
    let same = ABIDiff.compare(fingerprint, fingerprint)
    require(same.isIdentical, "a fingerprint file differs from itself: \(same.changes.map(\.summary))")
    checkDiff(rebuilt, empty)
    checkDiff(empty, rebuilt, json: false)
    roundTrip(fingerprint)
}
