import Foundation

/// Joins the reports of several shards (or runs of different drivers) into one (`tck report merge`).
///
/// - results: the union, sorted by test then driver; the same key (driver/test) in two inputs is an error.
/// - drivers: the union by name (the first input's record of a driver wins).
/// - partial: true when any input is partial; shard: nil.
/// - startedAt: the earliest, finishedAt: the latest (ISO 8601; compared as dates).
/// - tool and host: the first input's (shards of one run share them).
/// - schemaVersion: every input must be a version this tool reads; the merge is written in the current one.
/// - identity: nil; `mergedFrom` lists every input run's identity (an input that is itself a merge
///   contributes the runs it was merged from).
/// - console and diagnostics: as the inputs hold them (`ReportCoding.read` restores them from the inputs'
///   log files when those are beside them).
public enum ReportMerge {
    public static func merge(_ reports: [RunReport]) throws(ReportMergeError) -> RunReport {
        guard let first = reports.first else { throw ReportMergeError("nothing to merge: no reports given") }
        var seen: [String: Int] = [:]
        var results: [TestResult] = []
        var drivers: [DriverInfo] = []
        var identities: [RunIdentity] = []
        for (index, report) in reports.enumerated() {
            do {
                try ReportCoding.checkSchemaVersion(report.schemaVersion)
            } catch {
                throw ReportMergeError("report \(index + 1): \(error.message)")
            }
            for result in report.results {
                if let other = seen[result.key] {
                    throw ReportMergeError("'\(result.key)' is in report \(other + 1) and in report \(index + 1); "
                                           + "merge takes each test once (shards of one run, or different drivers)")
                }
                seen[result.key] = index
                results.append(result)
            }
            identities += report.identity.map { [$0] } ?? report.mergedFrom ?? []
            for driver in report.drivers where !drivers.contains(where: { $0.name == driver.name }) {
                drivers.append(driver)
            }
        }
        results.sort { ($0.test, $0.driver) < ($1.test, $1.driver) }
        return RunReport(tool: first.tool,
                         startedAt: extreme(reports.map(\.startedAt), earliest: true),
                         finishedAt: extreme(reports.map(\.finishedAt), earliest: false),
                         partial: reports.contains(where: \.partial), shard: nil, drivers: drivers,
                         host: first.host, results: results, mergedFrom: identities.isEmpty ? nil : identities)
    }

    /// The earliest or latest timestamp; text that is not ISO 8601 sorts as text after the dates.
    static func extreme(_ stamps: [String], earliest: Bool) -> String {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        let dated = stamps.map { ($0, plain.date(from: $0) ?? withFraction.date(from: $0)) }
        let ordered = dated.sorted { a, b in
            switch (a.1, b.1) {
            case let (x?, y?): x < y
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): a.0 < b.0
            }
        }
        let valid = ordered.filter { $0.1 != nil }
        let pool = valid.isEmpty ? ordered : valid
        return (earliest ? pool.first?.0 : pool.last?.0) ?? ""
    }
}

public struct ReportMergeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
