/// The order a run starts its jobs in: longest expected first (LPT), so that with N workers the long
/// tests overlap each other and the short ones fill the gaps at the end, instead of a long test starting
/// last and holding the whole run. Results are still reported in catalog order.
///
/// Expected durations come from an earlier run's results.json (`driver/test` → seconds) when it has the
/// test; otherwise a test expected to time out is assumed to take its timeout, and any other test
/// `unknownSeconds`. Ties keep catalog order.
public enum StartOrder {
    /// What a test with no history is assumed to take: about a boot on this kind of host.
    public static let unknownSeconds = 0.1

    public static func expectedSeconds(_ entry: CatalogEntry, driver: String, history: [String: Double]) -> Double {
        if let seconds = history["\(driver)/\(entry.name)"], seconds.isFinite, seconds >= 0 { return seconds }
        if entry.expectation(for: driver).outcome == .timeout { return entry.timeoutSeconds }
        return unknownSeconds
    }

    /// Indexes into `jobs` ((entry, driver name) pairs), in the order to start them.
    public static func order(_ jobs: [(entry: CatalogEntry, driver: String)], history: [String: Double]) -> [Int] {
        let expected = jobs.map { expectedSeconds($0.entry, driver: $0.driver, history: history) }
        return jobs.indices.sorted { expected[$0] != expected[$1] ? expected[$0] > expected[$1] : $0 < $1 }
    }

    /// `driver/test` → duration from an earlier report's results (interrupted or not: a finished test's
    /// duration is what it is).
    public static func history(_ report: RunReport?) -> [String: Double] {
        guard let report else { return [:] }
        return Dictionary(report.results.map { ($0.key, $0.durationSeconds) }, uniquingKeysWith: { first, _ in first })
    }
}
