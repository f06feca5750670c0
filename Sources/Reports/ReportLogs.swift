import Foundation
import TCK

/// Per-test logs: the whole console and VMM stderr of each result go to files of their own
/// (`logs/<driver>/<test>.console.log`, `logs/<driver>/<test>.vmm.log`, see `TestResult.logPath`), and
/// the reports (HTML, JUnit, results.json) keep only a bounded tail with a note of what was cut and where
/// the rest is. A console flood then costs its log file once, not a copy in every report.
public enum ReportLogs {
    /// The tail a report keeps: at most this many lines…
    public static let tailLines = 200
    /// …and at most this many bytes, whichever is smaller.
    public static let tailBytes = 16 << 10
    /// The shorter tail the HTML page shows for a result as expected (folded away, the full log a click
    /// away): it keeps the page of a whole-suite run small. Unexpected results get the full tail.
    public static let calmTailLines = 20
    public static let calmTailBytes = 2 << 10

    /// One file to write into the report directory.
    public struct File: Equatable, Sendable {
        /// Relative to the report directory.
        public var path: String
        public var data: Data
    }

    /// The report as written (each console and VMM stderr cut to its tail, with its cut and its log
    /// path recorded) and the log files that hold the whole texts. A result whose text is already only a
    /// tail (read back from a results.json whose logs were missing) gets no log file and no log path.
    public static func split(_ report: RunReport) -> (report: RunReport, files: [File]) {
        var report = report
        var files: [File] = []
        for index in report.results.indices {
            var result = report.results[index]
            let console = result.logPath(.console), vmm = result.logPath(.vmm)
            if result.consoleCut == nil {
                files.append(File(path: console, data: Data(result.console.utf8)))
                result.consoleLog = console
            } else {
                result.consoleLog = nil
            }
            if result.diagnosticsCut == nil {
                files.append(File(path: vmm, data: Data(result.diagnostics.utf8)))
                result.vmmLog = vmm
            } else {
                result.vmmLog = nil
            }
            (result.console, result.consoleCut) = tail(result.console, after: result.consoleCut)
            (result.diagnostics, result.diagnosticsCut) = tail(result.diagnostics, after: result.diagnosticsCut)
            report.results[index] = result
        }
        return (report, files)
    }

    /// The last `tailLines` lines of `text`, cut further to its last `tailBytes` bytes (from the start of
    /// a line when one begins in them, else at a character boundary), and what was left out, added to
    /// `earlier` (what an earlier cut already left out). The cut is nil when nothing was ever left out.
    public static func tail(_ text: String, after earlier: TextCut? = nil,
                            lines maxLines: Int = tailLines, bytes maxBytes: Int = tailBytes) -> (text: String, cut: TextCut?) {
        let bytes = Array(text.utf8)
        let newline = UInt8(ascii: "\n")
        var start = 0
        // Lines end with LF; a final LF ends the last line rather than starting an empty one.
        var index = bytes.count - 1
        if index >= 0 && bytes[index] == newline { index -= 1 }
        var seen = 0
        while index >= 0 {
            if bytes[index] == newline {
                seen += 1
                if seen == maxLines { start = index + 1; break }
            }
            index -= 1
        }
        if bytes.count - start > maxBytes {
            var cut = bytes.count - maxBytes
            if let lineEnd = bytes[cut..<(bytes.count - 1)].firstIndex(of: newline) {
                cut = lineEnd + 1
            } else {
                while cut < bytes.count && bytes[cut] & 0xC0 == 0x80 { cut += 1 }
            }
            start = cut
        }
        guard start > 0 else { return (text, earlier) }
        let lost = bytes[..<start].reduce(0) { $1 == newline ? $0 + 1 : $0 }
        let cut = TextCut(bytes: start + (earlier?.bytes ?? 0), lines: lost + (earlier?.lines ?? 0))
        return (String(decoding: bytes[start...], as: UTF8.self), cut)
    }

    /// The note a report puts before a tail: "… 1040384 bytes / 16256 lines cut; full log: logs/…".
    public static func note(cut: TextCut, log: String?) -> String {
        let size = "… \(cut.bytes) byte\(cut.bytes == 1 ? "" : "s") / \(cut.lines) line\(cut.lines == 1 ? "" : "s") cut"
        guard let log else { return size + "; the full log is not in this report (it was made from a results.json without its logs/)" }
        return size + "; full log: " + log
    }

    /// Removes log files under `<directory>/logs` that `keep` (paths relative to `directory`) does not
    /// name: what an earlier report in the same directory left for tests this one did not run. Only
    /// tck's own `*.console.log` and `*.vmm.log` files are touched, and the libvirt driver's
    /// `*.domain.xml` of a test whose console log goes; emptied driver directories go too.
    static func removeStale(in directory: String, keep: Set<String>) {
        let manager = FileManager.default
        let logs = directory + "/logs"
        guard let drivers = try? manager.contentsOfDirectory(atPath: logs) else { return }
        for driver in drivers {
            let folder = logs + "/" + driver
            guard let names = try? manager.contentsOfDirectory(atPath: folder) else { continue }
            for name in names where name.hasSuffix(".console.log") || name.hasSuffix(".vmm.log") {
                if !keep.contains("logs/\(driver)/\(name)") { unlink(folder + "/" + name) }
            }
            for name in names where name.hasSuffix(".domain.xml") {
                let console = "logs/\(driver)/" + name.dropLast(".domain.xml".count) + ".console.log"
                if !keep.contains(console) { unlink(folder + "/" + name) }
            }
            rmdir(folder)   // only succeeds when empty
        }
    }
}

/// A result's console or VMM stderr as the reports show it: the bounded tail, what it leaves out and
/// where the whole log is. Writers use it whether or not the report went through `ReportLogs.split`
/// first, so no writer ever embeds more than the tail.
struct LogView {
    /// The tail (for the console, with the capture-limit note when the driver dropped output).
    var text: String
    var cut: TextCut?
    var log: String?

    static func console(_ result: TestResult, lines: Int = ReportLogs.tailLines, bytes: Int = ReportLogs.tailBytes) -> LogView {
        let (tail, cut) = ReportLogs.tail(result.console, after: result.consoleCut, lines: lines, bytes: bytes)
        var text = tail
        if result.consoleTruncated {
            text += (text.isEmpty || text.hasSuffix("\n") ? "" : "\n") + ReportFormat.cutNote + "\n"
        }
        return LogView(text: text, cut: cut, log: checked(result.consoleLog, result.logPath(.console)))
    }

    static func vmm(_ result: TestResult, lines: Int = ReportLogs.tailLines, bytes: Int = ReportLogs.tailBytes) -> LogView {
        let (tail, cut) = ReportLogs.tail(result.diagnostics, after: result.diagnosticsCut, lines: lines, bytes: bytes)
        return LogView(text: tail, cut: cut, log: checked(result.vmmLog, result.logPath(.vmm)))
    }

    /// Only the path tck itself writes for this result becomes a link (a results.json read back could
    /// name anything).
    private static func checked(_ log: String?, _ expected: String) -> String? {
        log == expected ? log : nil
    }

    /// "… N bytes / M lines cut; full log: logs/…", "full log: logs/…" when nothing was cut, or
    /// "complete" for a report rendered without log files.
    var heading: String {
        if let cut { return ReportLogs.note(cut: cut, log: log) }
        return log.map { "full log: \($0)" } ?? "complete"
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
