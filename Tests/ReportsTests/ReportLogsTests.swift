import Foundation
import Testing
import TCK
@testable import Reports

/// Per-test log files and the bounded tails the reports keep (`ReportLogs`, `ReportDirectory`).
@Suite struct ReportLogsTests {
    static func lines(_ range: ClosedRange<Int>) -> String {
        range.map { "line \($0)" }.joined(separator: "\n") + "\n"
    }

    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("logs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    // MARK: the tail

    @Test func aShortTextIsKeptWhole() {
        let (text, cut) = ReportLogs.tail(Self.lines(1...200))
        #expect(text == Self.lines(1...200) && cut == nil)
        #expect(ReportLogs.tail("").text == "" && ReportLogs.tail("").cut == nil)
    }

    @Test func theLast200LinesAreKept() {
        let whole = Self.lines(1...1000)
        let (text, cut) = ReportLogs.tail(whole)
        #expect(text == Self.lines(801...1000))
        #expect(cut == TextCut(bytes: whole.utf8.count - text.utf8.count, lines: 800))
        // Without a final newline the last, unfinished line counts as a line.
        let open = String(whole.dropLast())
        #expect(ReportLogs.tail(open).text == String(Self.lines(801...1000).dropLast()))
    }

    @Test func atMost16KiBStartingAtALine() {
        let long = (1...150).map { String(repeating: "\($0 % 10)", count: 199) }.joined(separator: "\n") + "\n"
        let (text, cut) = ReportLogs.tail(long)
        #expect(text.utf8.count <= ReportLogs.tailBytes && text.utf8.count > ReportLogs.tailBytes - 200)
        #expect(long.hasSuffix(text) && long.dropLast(text.utf8.count).hasSuffix("\n"))
        #expect(cut?.bytes == long.utf8.count - text.utf8.count)
        #expect(cut?.lines == long.dropLast(text.utf8.count).filter { $0 == "\n" }.count)
    }

    @Test func oneHugeLineIsCutAtACharacterBoundary() {
        let flood = String(repeating: "é", count: 100_000)   // 2 bytes each, no newline
        let (text, cut) = ReportLogs.tail(flood)
        #expect(text.utf8.count <= ReportLogs.tailBytes && text.utf8.count >= ReportLogs.tailBytes - 1)
        #expect(text.allSatisfy { $0 == "é" })
        #expect(cut == TextCut(bytes: 200_000 - text.utf8.count, lines: 0))
    }

    @Test func cutsAddUp() {
        let earlier = TextCut(bytes: 1000, lines: 10)
        let (text, cut) = ReportLogs.tail(Self.lines(1...300), after: earlier)
        #expect(text == Self.lines(101...300))
        #expect(cut == TextCut(bytes: 1000 + Self.lines(1...100).utf8.count, lines: 110))
        #expect(ReportLogs.tail("short\n", after: earlier).cut == earlier)
    }

    @Test func theNoteSaysWhatWasCutAndWhere() {
        #expect(ReportLogs.note(cut: TextCut(bytes: 1036178, lines: 16697), log: "logs/swiftvm/flood.console.log")
                == "… 1036178 bytes / 16697 lines cut; full log: logs/swiftvm/flood.console.log")
        #expect(ReportLogs.note(cut: TextCut(bytes: 1, lines: 1), log: nil).hasPrefix("… 1 byte / 1 line cut; the full log is not in this report"))
    }

    // MARK: the files

    @Test func logPathsStayInsideLogsAndNeverCollide() {
        #expect(TestResult.logPath(driver: "swiftvm", test: "conf-pci-1.0", kind: .console) == "logs/swiftvm/conf-pci-1.0.console.log")
        #expect(TestResult.logPath(driver: "..", test: "../x", kind: .vmm) == "logs/_2e./_2e._2fx.vmm.log")
        #expect(TestResult.logPath(driver: "swiftvm@s1", test: "a b", kind: .console) == "logs/swiftvm_40s1/a_20b.console.log")
        let names = ["a_2f", "a/", "a_", "_", "", ".a", "_2ea"]
        let paths = Set(names.map { TestResult.logPath(driver: "d", test: $0, kind: .console) })
        #expect(paths.count == names.count)
    }

    @Test func splitWritesEveryLogWholeAndKeepsTails() {
        var report = SampleReport.report()
        report.results[0].console = Self.lines(1...1000)
        let (written, files) = ReportLogs.split(report)
        #expect(files.count == 2 * report.results.count)
        let first = written.results[0]
        #expect(first.consoleLog == "logs/swiftvm/hello.console.log" && first.vmmLog == "logs/swiftvm/hello.vmm.log")
        #expect(files.first { $0.path == first.consoleLog }?.data == Data(Self.lines(1...1000).utf8))
        #expect(first.console == Self.lines(801...1000) && first.consoleCut?.lines == 800)
        #expect(written.results[1].consoleCut == nil && written.results[1].console == report.results[1].console)
        // Already a tail (logs lost): no file, no path, the cut kept.
        var lost = report
        lost.results[0].console = "tail\n"
        lost.results[0].consoleCut = TextCut(bytes: 5, lines: 1)
        let again = ReportLogs.split(lost)
        #expect(again.report.results[0].consoleLog == nil && again.report.results[0].consoleCut == TextCut(bytes: 5, lines: 1))
        #expect(!again.files.contains { $0.path == "logs/swiftvm/hello.console.log" })
    }

    /// A flood costs its log file once: junit.xml, report.html and results.json hold a bounded tail.
    @Test func aFloodIsWrittenOnceAndTheReportsStaySmall() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var report = SampleReport.report(partial: false)
        let flood = String(repeating: "flood flood flood flood flood flood flood flood flood flood\n", count: 18_000)
        report.results[0].console = flood
        report.results[0].consoleTruncated = true
        report.results[0].diagnostics = String(repeating: "E", count: 200_000)
        let paths = try ReportDirectory.write(report, to: dir)
        let log = try Data(contentsOf: URL(fileURLWithPath: dir + "/logs/swiftvm/hello.console.log"))
        #expect(log == Data(flood.utf8))
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/logs/swiftvm/hello.vmm.log")).count == 200_000)
        for path in [paths.junit, paths.html, paths.json] {
            let size = try Data(contentsOf: URL(fileURLWithPath: path)).count
            #expect(size < 150_000, "\(path): \(size) bytes")
        }
        let html = try String(contentsOfFile: paths.html, encoding: .utf8)
        #expect(html.contains("href=\"logs/swiftvm/hello.console.log\""))
        #expect(html.contains("lines cut; full log: "))
        let junit = try String(contentsOfFile: paths.junit, encoding: .utf8)
        #expect(junit.contains("lines cut; full log: logs/swiftvm/hello.console.log"))
        #expect(junit.contains(ReportFormat.cutNote))
    }

    @Test func readingBackRestoresTheWholeLogsAndAMergeWritesThemAgain() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var report = SampleReport.report(partial: false)
        report.results[0].console = Self.lines(1...5000)
        report.results[2].diagnostics = Self.lines(1...300)
        try ReportDirectory.write(report, to: dir + "/run")
        let read = try ReportCoding.read(path: dir + "/run/results.json")
        #expect(read.results == report.results)

        try ReportDirectory.write(try ReportMerge.merge([read]), to: dir + "/merged")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/merged/logs/swiftvm/hello.console.log")) == Data(Self.lines(1...5000).utf8))

        // Without its logs a results.json still merges: the tail stays, the note says the log is missing.
        try FileManager.default.removeItem(atPath: dir + "/run/logs")
        let alone = try ReportCoding.read(path: dir + "/run/results.json")
        #expect(alone.results[0].console == Self.lines(4801...5000))
        try ReportDirectory.write(try ReportMerge.merge([alone]), to: dir + "/merged2")
        #expect(!FileManager.default.fileExists(atPath: dir + "/merged2/logs/swiftvm/hello.console.log"))
        #expect(try String(contentsOfFile: dir + "/merged2/report.html", encoding: .utf8).contains("the full log is not in this report"))
    }

    @Test func logsOfTestsNoLongerInTheReportAreRemoved() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ReportDirectory.write(SampleReport.report(partial: false), to: dir)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: dir + "/logs/notes.txt"))
        try ReportDirectory.write(SampleReport.report(drivers: [SampleReport.swiftvm], partial: false), to: dir)
        #expect(!FileManager.default.fileExists(atPath: dir + "/logs/qemu"))
        #expect(FileManager.default.fileExists(atPath: dir + "/logs/swiftvm/hello.console.log"))
        #expect(FileManager.default.fileExists(atPath: dir + "/logs/notes.txt"))
        let swiftvm = try FileManager.default.contentsOfDirectory(atPath: dir + "/logs/swiftvm")
        #expect(swiftvm.count == 2 * 7 && !swiftvm.contains { $0.hasSuffix(".tmp") })
    }
}
