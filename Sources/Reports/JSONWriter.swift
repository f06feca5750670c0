import Foundation
import TCK

/// Encodes a run as results.json: the `RunReport` model itself (schema in docs/results-json.md),
/// pretty-printed with sorted keys so two runs diff cleanly.
public enum JSONWriter {
    public static func encode(_ report: RunReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(report)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    public static func render(_ report: RunReport) throws -> String {
        String(decoding: try encode(report), as: UTF8.self)
    }
}
