import ABI
import Foundation

/// `results.json`: the JSON form of a `RunReport` (schema in docs/results-json.md). Encoding is
/// deterministic (pretty, sorted keys); decoding checks size, schema version and sanity first and says
/// what is wrong in one sentence.
public enum ReportCoding {
    /// Larger inputs are refused before parsing.
    public static let maximumInputBytes = 256 << 20
    /// A report with more results is refused as not a plausible run.
    public static let maximumResults = 1_000_000

    public static func encode(_ report: RunReport) throws(ReportCodingError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var data = try encoder.encode(report)
            data.append(UInt8(ascii: "\n"))
            return data
        } catch {
            throw ReportCodingError("cannot encode the report as JSON: \(error)")
        }
    }

    public static func decode(_ data: Data) throws(ReportCodingError) -> RunReport {
        guard data.count <= maximumInputBytes else {
            throw ReportCodingError("the report is \(data.count) bytes, over the \(maximumInputBytes >> 20) MiB limit")
        }
        if let problem = JSONNesting.problem(data) { throw ReportCodingError("not a tck results file: \(problem)") }
        let decoder = JSONDecoder()
        // Version first, so a newer file says so instead of failing on a field this tool does not know.
        struct VersionProbe: Decodable { var schemaVersion: Int }
        let version: Int
        do {
            version = try decoder.decode(VersionProbe.self, from: data).schemaVersion
        } catch let error as DecodingError {
            if case .keyNotFound = error {
                throw ReportCodingError("not a tck results file: the top-level 'schemaVersion' field is missing")
            }
            throw ReportCodingError("not a tck results file: \(describe(error))")
        } catch {
            throw ReportCodingError("not a tck results file: \(error)")
        }
        try checkSchemaVersion(version)
        let report: RunReport
        do {
            report = try decoder.decode(RunReport.self, from: data)
        } catch let error as DecodingError {
            throw ReportCodingError("malformed results file: \(describe(error))")
        } catch {
            throw ReportCodingError("malformed results file: \(error)")
        }
        guard report.results.count <= maximumResults else {
            throw ReportCodingError("the report holds \(report.results.count) results, over the limit of \(maximumResults)")
        }
        return report
    }

    /// Reads and decodes a file; the path is named in every error. With `restoringLogs`, each result's
    /// console and VMM stderr are put back whole from the log files beside the file (`restoreLogs`).
    public static func read(path: String, restoringLogs: Bool = true) throws(ReportCodingError) -> RunReport {
        let url = URL(fileURLWithPath: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maximumInputBytes else {
            throw ReportCodingError("\(path): the file is \(size) bytes, over the \(maximumInputBytes >> 20) MiB limit")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ReportCodingError("\(path): cannot read the file")
        }
        let report: RunReport
        do {
            report = try decode(data)
        } catch {
            throw ReportCodingError("\(path): \(error.message)")
        }
        return restoringLogs ? restoreLogs(report, directory: url.deletingLastPathComponent().path) : report
    }

    /// A written report holds only the tail of each console and VMM stderr; the whole text is in the log
    /// file the result names (`consoleLog`, `vmmLog`, relative to `directory`). This puts the whole text
    /// back wherever that file is there and matches (its size is the tail's plus the cut's, and it ends
    /// with the tail), and clears the cut and the log path. Otherwise the result keeps its tail and its
    /// cut: a later report says that the full log was not available. Only the paths tck itself writes
    /// (`TestResult.logPath`) are read, so a results file cannot point the reader elsewhere.
    public static func restoreLogs(_ report: RunReport, directory: String) -> RunReport {
        var report = report
        for index in report.results.indices {
            var result = report.results[index]
            if let full = restored(result.console, cut: result.consoleCut, log: result.consoleLog,
                                   expected: result.logPath(.console), directory: directory) {
                result.console = full
                result.consoleCut = nil
                result.consoleLog = nil
            }
            if let full = restored(result.diagnostics, cut: result.diagnosticsCut, log: result.vmmLog,
                                   expected: result.logPath(.vmm), directory: directory) {
                result.diagnostics = full
                result.diagnosticsCut = nil
                result.vmmLog = nil
            }
            report.results[index] = result
        }
        return report
    }

    private static func restored(_ tail: String, cut: TextCut?, log: String?, expected: String, directory: String) -> String? {
        guard let log else { return nil }
        guard let cut else { return tail }   // the report holds it all; nothing to read
        guard log == expected, cut.bytes >= 0, cut.bytes <= maximumInputBytes else { return nil }
        let path = directory + "/" + log
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1
        let tailBytes = Array(tail.utf8)
        guard size == cut.bytes + tailBytes.count, let data = FileManager.default.contents(atPath: path),
              data.count == size, data.suffix(tailBytes.count).elementsEqual(tailBytes) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Versions 1…current are read; a newer one is refused with a hint.
    public static func checkSchemaVersion(_ version: Int) throws(ReportCodingError) {
        guard version >= 1 else {
            throw ReportCodingError("schemaVersion \(version) is not valid (versions start at 1)")
        }
        guard version <= RunReport.currentSchemaVersion else {
            throw ReportCodingError("schemaVersion \(version) is newer than this tck understands "
                                    + "(\(RunReport.currentSchemaVersion)); use a newer tck")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let components = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }
            let text = components.joined()
            return text.isEmpty ? "at the top level" : "at \(text.hasPrefix(".") ? String(text.dropFirst()) : text)"
        }
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the input is not valid JSON"
                                              : "invalid value \(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "field '\(key.stringValue)' is missing \(path(context))"
        case .typeMismatch(let type, let context):
            return "wrong type \(path(context)) (expected \(type))"
        case .valueNotFound(let type, let context):
            return "null \(path(context)) (expected \(type))"
        @unknown default:
            return "\(error)"
        }
    }
}

public struct ReportCodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
