/// The CI gate's verdict on a finished run (the CLI adds 2 for usage and infrastructure errors).
public enum ExitCodePolicy {
    public static let success: Int32 = 0
    public static let regression: Int32 = 1
    public static let usageOrInfrastructure: Int32 = 2

    /// 0 when every result is expected (an empty run included), 1 when any is not.
    public static func exitCode(for report: RunReport) -> Int32 {
        report.results.allSatisfy(\.expected) ? success : regression
    }
}

extension RunReport {
    /// Results whose outcome the catalog did not expect, in report order.
    public var unexpectedResults: [TestResult] { results.filter { !$0.expected } }

    /// How many results have each outcome.
    public var outcomeCounts: [Outcome: Int] {
        results.reduce(into: [:]) { $0[$1.outcome, default: 0] += 1 }
    }
}
