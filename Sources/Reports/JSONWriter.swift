import Foundation
import TCK

/// Encodes a run as results.json: the `RunReport` model itself (schema in docs/results-json.md),
/// through `ReportCoding`, the one place that reads and writes that schema.
public enum JSONWriter {
    public static func encode(_ report: RunReport) throws -> Data {
        try ReportCoding.encode(report)
    }

    public static func render(_ report: RunReport) throws -> String {
        String(decoding: try encode(report), as: UTF8.self)
    }
}
