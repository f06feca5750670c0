import Devices
import Foundation
import KVM
import Testing
@testable import Machine

@Suite struct MSRPolicyTests {
    let policy = MSRPolicy.v1

    @Test func entriesDoNotOverlapAndFitKVMsFilter() throws {
        let indices = policy.entries.flatMap(\.indices)
        #expect(Set(indices).count == indices.count)
        let filter = try MSRFilter(allowing: policy.kvmHandled)
        #expect(filter.ranges.count <= MSRFilter.maximumRanges)
        for index in indices { #expect(filter.allows(index) == (policy.behaviour(of: index) == .kvm)) }
        #expect(!filter.allows(0x10A) && !filter.allows(0xFE) && filter.allows(0x1B) && filter.allows(0x47F) && !filter.allows(0x480))
    }

    @Test func constantsAnswerReadsAndAcceptOnlyTheirOwnValue() {
        #expect(policy.read(0xFE) == 0x508)
        #expect(policy.acceptsWrite(0x8B, value: 0) && !policy.acceptsWrite(0xFE, value: 0))
        #expect(policy.read(0x10A) == nil && !policy.acceptsWrite(0x10A, value: 0))
        #expect(policy.read(0x1B) == nil)   // KVM's, never asked here: the filter lets it through
    }

    /// The list reproduces what the committed baselines recorded before it existed (Reports/abi/*.json,
    /// captured with KVM deciding every MSR on an AMD host), so those baselines stay valid.
    @Test(arguments: ["swiftvm-1.0", "swiftvm-1.1", "swiftvm-1.2"]) func reproducesTheCommittedBaseline(machine: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Reports/abi/\(machine).json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let msrs = try #require((json["abi"] as? [String: Any])?["msr"] as? [String: [String: Any]])
        #expect(msrs.count >= 20)
        for (key, recorded) in msrs {
            let index = try #require(UInt32(key.dropFirst(2), radix: 16))
            let readable = try #require(recorded["readable"] as? Bool)
            switch policy.behaviour(of: index) {
            case nil: #expect(!readable, "MSR \(key) was readable in the baseline but is not in the list")
            case .kvm: #expect(readable, "MSR \(key) is KVM's in the list but #GP in the baseline")
            case let .constant(value):
                #expect(recorded["value"] as? String == "0x" + String(format: "%016llx", value), "MSR \(key) constant")
            }
        }
    }

    @Test func deniedMSRExitsAreAnsweredFromThePolicy() {
        let dispatcher = ExitDispatcher(bus: IOBus(), strictIO: true, msrs: policy)
        #expect(dispatcher.handle(.msrRead(index: 0x179), cpu: 0) == .answerMSRRead(0x20))
        #expect(dispatcher.handle(.msrRead(index: 0x10A), cpu: 0) == .answerMSRRead(nil))
        #expect(dispatcher.handle(.msrWrite(index: 0x8B, value: 0), cpu: 0) == .answerMSRWrite(accepted: true))
        #expect(dispatcher.handle(.msrWrite(index: 0x8B, value: 1), cpu: 0) == .answerMSRWrite(accepted: false))
        #expect(dispatcher.refusedMSRAccesses == 2)
    }

    @Test func filterPackingSplitsAtKVMsBitmapLimit() throws {
        let far = try MSRFilter(allowing: [0x10, 0x11, 0x10 + MSRFilter.maximumMSRsPerRange, 0xC000_0080])
        #expect(far.ranges.map(\.base) == [0x10, 0x10 + MSRFilter.maximumMSRsPerRange, 0xC000_0080])
        #expect(far.ranges[0].count == 2 && far.ranges[0].bitmap == [0b11])
        let tooMany = Set((0..<17).map { UInt32($0) * MSRFilter.maximumMSRsPerRange })
        #expect(throws: KVMError.self) { try MSRFilter(allowing: Array(tooMany)) }
        // In any order, repeats allowed: the same ranges.
        let shuffled = try MSRFilter(allowing: [0xC000_0080, 0x11, 0x10 + MSRFilter.maximumMSRsPerRange, 0x10, 0x11])
        #expect(shuffled == far)
    }
}
