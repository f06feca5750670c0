import Foundation
import Testing
import TCK
@testable import Reports

@Suite struct ReportDirectoryTests {
    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func writesThreeFilesAndTheLogsAndReplacesThemWithoutLeftovers() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = SampleReport.report()
        let paths = try ReportDirectory.write(first, to: dir + "/latest")
        #expect(paths.all.map { ($0 as NSString).lastPathComponent } == ["junit.xml", "report.html", "results.json", "logs"])
        #expect(paths.logFiles.count == 2 * first.results.count)
        let second = SampleReport.report(drivers: [SampleReport.swiftvm], partial: false)
        let again = try ReportDirectory.write(second, to: dir + "/latest/")
        #expect(again.junit == paths.junit && again.html == paths.html && again.json == paths.json)
        let listing = try FileManager.default.contentsOfDirectory(atPath: dir + "/latest").sorted()
        #expect(listing == ["junit.xml", "logs", "report.html", "results.json"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/latest/logs") == ["swiftvm"])
        let written = ReportLogs.split(second).report
        let decoded = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: paths.json)))
        #expect(decoded == written)
        #expect(try String(contentsOfFile: paths.html, encoding: .utf8) == HTMLWriter.render(written))
        #expect(try String(contentsOfFile: paths.junit, encoding: .utf8) == JUnitWriter.render(written))
    }

    /// Regression: the three files used to be replaced one by one, so a disk filling up between them
    /// left a new results.json beside an old report.html. Now nothing is renamed until all are written.
    @Test func aFileThatCannotBeWrittenLeavesEveryEarlierFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write("old\n", to: dir + "/a.json")
        try "not a directory".write(toFile: dir + "/blocker", atomically: false, encoding: .utf8)
        #expect(throws: AtomicFileError.self) {
            try AtomicFile.write([(Data("new\n".utf8), dir + "/a.json"), (Data("x".utf8), dir + "/blocker/b.html")])
        }
        #expect(try String(contentsOfFile: dir + "/a.json", encoding: .utf8) == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["a.json", "blocker"])
    }

    /// A set is flushed once per directory (syncfs), then renamed: every file arrives whole, nothing
    /// temporary is left, and a file that already existed is replaced.
    @Test func aSetOfFilesInSeveralDirectoriesArrivesWhole() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write("old\n", to: dir + "/report.json")
        let files = (0..<40).map { (Data(String(repeating: "line \($0)\n", count: $0 + 1).utf8), "\(dir)/logs/\($0 % 2 == 0 ? "a" : "b")/\($0).log") }
            + [(Data("new\n".utf8), dir + "/report.json")]
        try AtomicFile.write(files)
        for (data, path) in files { #expect(FileManager.default.contents(atPath: path) == data) }
        let everything = try FileManager.default.subpathsOfDirectory(atPath: dir)
        #expect(everything.filter { $0.hasSuffix(".tmp") } == [])
        #expect(everything.count == 41 + 3)   // the files, logs/, logs/a, logs/b
    }

    @Test func aWriteErrorNamesTheFileAndTheReason() {
        let error = AtomicFileError(path: "Reports/latest/report.html", operation: "cannot write", errno: ENOSPC)
        #expect(error.description == "cannot write Reports/latest/report.html: No space left on device")
    }

    @Test func jsonIsSortedAndRoundTrips() throws {
        let report = SampleReport.report()
        let text = String(decoding: try ReportCoding.encode(report), as: UTF8.self)
        #expect(text.contains("\n  \"drivers\" : ["))
        #expect(text.range(of: "\"drivers\"")!.lowerBound < text.range(of: "\"finishedAt\"")!.lowerBound)
        #expect(try JSONDecoder().decode(RunReport.self, from: ReportCoding.encode(report)) == report)
    }

    /// Not a check: writes the sample report for scripts/check-reports.sh (real consumers: xmllint,
    /// junitparser, headless Chromium) when TCK_SAMPLE_REPORT_DIR is set.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TCK_SAMPLE_REPORT_DIR"] != nil,
                   "set TCK_SAMPLE_REPORT_DIR to write the sample report"))
    func writeSampleReportForExternalCheckers() throws {
        let dir = try #require(ProcessInfo.processInfo.environment["TCK_SAMPLE_REPORT_DIR"])
        try ReportDirectory.write(SampleReport.report(), to: dir)
    }
}
