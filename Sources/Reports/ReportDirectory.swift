import Foundation
import TCK

/// The report directory of one run (`Reports/latest/` by default): every file written atomically, so
/// a reader (or an interrupted run writing its partial report) never leaves half a file.
///
/// Layout: `junit.xml`, `report.html`, `results.json`, and `logs/<driver>/<test>.console.log` and
/// `logs/<driver>/<test>.vmm.log` for every result (`ReportLogs`); the three reports hold only the tail
/// of each log and link to the file.
public enum ReportDirectory {
    public struct Paths: Equatable, Sendable {
        public var junit: String
        public var html: String
        public var json: String
        /// `<dir>/logs`.
        public var logs: String
        /// Every log file written.
        public var logFiles: [String]

        /// The three reports, then the logs directory (when there are logs).
        public var all: [String] { [junit, html, json] + (logFiles.isEmpty ? [] : [logs + "/"]) }
    }

    public static let junitName = "junit.xml"
    public static let htmlName = "report.html"
    public static let jsonName = "results.json"

    /// Writes the log files, junit.xml, report.html and results.json into `dir` (created if missing),
    /// replacing earlier versions, and returns their paths. All or none: when one cannot be written (a
    /// full disk), the earlier report stays whole. Then log files an earlier report left for results this
    /// one does not have are removed.
    @discardableResult
    public static func write(_ report: RunReport, to dir: String) throws -> Paths {
        let base = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        let (written, logs) = ReportLogs.split(report)
        let paths = Paths(junit: "\(base)/\(junitName)", html: "\(base)/\(htmlName)", json: "\(base)/\(jsonName)",
                          logs: "\(base)/logs", logFiles: logs.map { "\(base)/\($0.path)" })
        // Logs first: a reader who opens a report as soon as it appears finds the files it links to.
        try AtomicFile.write(logs.map { ($0.data, "\(base)/\($0.path)") }
                             + [(Data(JUnitWriter.render(written).utf8), paths.junit),
                                (Data(HTMLWriter.render(written).utf8), paths.html),
                                (try ReportCoding.encode(written), paths.json)])
        ReportLogs.removeStale(in: base, keep: Set(logs.map(\.path)))
        return paths
    }
}
