/// How a run compares with an earlier one (`tck run --baseline results.json`), result by result,
/// keyed by `TestResult.key` (driver/test). "OK" below means `expected` (pass, skip, or the declared
/// xfail/crash/timeout).
public struct BaselineComparison: Equatable, Sendable {
    /// One test on one driver in either run.
    public struct Change: Equatable, Sendable {
        public var key: String
        /// Nil for a new test.
        public var previous: Outcome?
        /// Nil for a removed test.
        public var current: Outcome?
        /// The current reason (the previous one for a removed test).
        public var reason: String

        public init(key: String, previous: Outcome?, current: Outcome?, reason: String) {
            self.key = key
            self.previous = previous
            self.current = current
            self.reason = reason
        }
    }

    /// OK before, not OK now: regressions.
    public var newFailures: [Change] = []
    /// Not OK before, OK now.
    public var fixes: [Change] = []
    /// Not OK in both runs.
    public var stillFailing: [Change] = []
    /// Only in the current run.
    public var newTests: [Change] = []
    /// Only in the previous run (expected when the current run is a shard or partial).
    public var removedTests: [Change] = []
    /// OK in both runs.
    public var unchanged = 0
    /// The current run is partial or one shard, so `removedTests` may just be tests it did not run.
    public var currentIsIncomplete = false

    public init() {}

    public var hasNewFailures: Bool { !newFailures.isEmpty }

    /// "baseline: 1 new failure, 2 fixes, 0 still failing, 1 new test, 0 removed (37 unchanged)".
    public var summary: String {
        let removed = currentIsIncomplete ? "\(removedTests.count) not run" : "\(removedTests.count) removed"
        return "baseline: \(plural(newFailures.count, "new failure")), \(plural(fixes.count, "fix", "fixes")), "
            + "\(stillFailing.count) still failing, \(plural(newTests.count, "new test")), \(removed) "
            + "(\(unchanged) unchanged)"
    }

    /// The summary, then one block per non-empty category, one line per test:
    /// "  swiftvm/smp-4: pass → fail — 1 of 2 cases failed: smp.apic_ids_unique".
    public var text: String {
        var lines = [summary]
        let blocks: [(String, [Change])] = [("New failures", newFailures), ("Fixes", fixes),
                                            ("Still failing", stillFailing), ("New tests", newTests),
                                            (currentIsIncomplete ? "Not in this run" : "Removed tests", removedTests)]
        for (title, changes) in blocks where !changes.isEmpty {
            lines.append("\(title) (\(changes.count)):")
            for change in changes {
                let before = change.previous?.rawValue ?? "—"
                let after = change.current?.rawValue ?? "—"
                lines.append("  \(change.key): \(before) → \(after) — \(change.reason)")
            }
        }
        return lines.joined(separator: "\n")
    }

    private func plural(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }
}

public enum Baseline {
    /// Compares `current` with `previous`; every list is sorted by key. A key that appears twice in one
    /// report (which `ReportMerge` and the runner never produce) counts once, the last one winning.
    public static func compare(previous: RunReport, current: RunReport) -> BaselineComparison {
        var comparison = BaselineComparison()
        comparison.currentIsIncomplete = current.partial || current.shard != nil
        let before = Dictionary(previous.results.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
        let after = Dictionary(current.results.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
        for key in Set(before.keys).union(after.keys).sorted() {
            let old = before[key], new = after[key]
            let change = BaselineComparison.Change(key: key, previous: old?.outcome, current: new?.outcome,
                                                   reason: new?.reason ?? old?.reason ?? "")
            switch (old?.expected, new?.expected) {
            case (true, true): comparison.unchanged += 1
            case (true, false): comparison.newFailures.append(change)
            case (false, true): comparison.fixes.append(change)
            case (false, false): comparison.stillFailing.append(change)
            case (nil, _): comparison.newTests.append(change)
            case (_, nil): comparison.removedTests.append(change)
            }
        }
        return comparison
    }
}
