import ABI
import Foundation

/// The ABI gate (`tck abi check`): each machine type's fresh capture against its committed baseline.
/// Capturing and printing are the caller's; this decides.
public struct ABICheck: Sendable {
    public var baselines: String
    public var waivers: [ABIWaiver]
    public var disassembler: (any ASLDisassembler)?

    public init(baselines: String, waivers: [ABIWaiver], disassembler: (any ASLDisassembler)?) {
        self.baselines = baselines
        self.waivers = waivers
        self.disassembler = disassembler
    }

    public enum Verdict: Sendable {
        /// No `<machine>.json`: a new machine type needs a reviewed baseline first.
        case noBaseline(path: String)
        /// The guest could not vouch for its capture (a failed probe case, a register KVM did not
        /// honour): it says nothing reliable about the machine type, so the gate fails.
        case unreliableCapture(problems: [String])
        case compared(baselineHash: String, result: ABIDiffResult)
    }

    public struct Outcome: Sendable {
        public var machine: String
        public var verdict: Verdict

        /// Identical, or every difference waived and every waiver used.
        public var passed: Bool {
            guard case let .compared(_, result) = verdict else { return false }
            return result.unwaived.isEmpty && result.unusedWaivers.isEmpty
        }

        /// Fails only because a waiver matched nothing (it should be removed).
        public var failedOnlyForUnusedWaivers: Bool {
            guard case let .compared(_, result) = verdict else { return false }
            return result.unwaived.isEmpty && !result.unusedWaivers.isEmpty
        }

        public var comparison: ABIDiffResult? {
            if case let .compared(_, result) = verdict { return result }
            return nil
        }
    }

    /// Judges one capture; a baseline that exists but cannot be read is an error, not a verdict.
    public func judge(machine: String, captured: Fingerprint, problems: [String]) throws(FingerprintFileError) -> Outcome {
        let path = ABIBaselines.path(directory: baselines, machine: machine)
        guard FileManager.default.fileExists(atPath: path) else { return Outcome(machine: machine, verdict: .noBaseline(path: path)) }
        guard problems.isEmpty else { return Outcome(machine: machine, verdict: .unreliableCapture(problems: problems)) }
        let baseline = try FingerprintFile.read(path)
        var result = ABIDiff.compare(baseline, captured, oldName: "\(machine) baseline", newName: "\(machine) now",
                                     disassembler: disassembler)
        ABIWaivers.apply(waivers, to: &result, machine: machine)
        return Outcome(machine: machine, verdict: .compared(baselineHash: baseline.hash, result: result))
    }

    /// The closing line's numbers.
    public struct Summary: Equatable, Sendable {
        public var passed: Int
        public var failed: Int
        /// Of `failed`: those that fail only for unused waivers.
        public var failedOnlyForUnusedWaivers: Int
        /// Items masked, not compared, over every comparison: counted, never silent.
        public var masked: Int

        public init(_ outcomes: [Outcome]) {
            passed = outcomes.filter(\.passed).count
            failed = outcomes.count - passed
            failedOnlyForUnusedWaivers = outcomes.filter(\.failedOnlyForUnusedWaivers).count
            masked = outcomes.reduce(0) { $0 + ($1.comparison?.masked.count ?? 0) }
        }
    }
}
