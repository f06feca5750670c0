import Foundation
import TCK

/// The report directory of one run (`Reports/latest/` by default): every file written atomically, so
/// a reader (or an interrupted run writing its partial report) never leaves half a file.
public enum ReportDirectory {
    public struct Paths: Equatable, Sendable {
        public var junit: String
        public var html: String
        public var json: String

        public var all: [String] { [junit, html, json] }
    }

    public static let junitName = "junit.xml"
    public static let htmlName = "report.html"
    public static let jsonName = "results.json"

    /// Writes junit.xml, report.html and results.json into `dir` (created if missing), replacing
    /// earlier versions, and returns their paths. All three or none: when one cannot be written (a
    /// full disk), the earlier report stays whole.
    @discardableResult
    public static func write(_ report: RunReport, to dir: String) throws -> Paths {
        let base = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        let paths = Paths(junit: "\(base)/\(junitName)", html: "\(base)/\(htmlName)", json: "\(base)/\(jsonName)")
        try AtomicFile.write([(try JSONWriter.encode(report), paths.json),
                              (Data(JUnitWriter.render(report).utf8), paths.junit),
                              (Data(HTMLWriter.render(report).utf8), paths.html)])
        return paths
    }
}
