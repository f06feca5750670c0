import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TCK
@testable import Reports

/// A migrate test's saves and restores reach every report: results.json (and back), the HTML result's
/// facts, the JUnit properties; other results carry none.
@Suite struct MigrationReportTests {
    static let migration = MigrationRecord(rounds: [
        MigrationRecord.Round(tag: 1, bytes: 350_696, saveMilliseconds: 13, restoreMilliseconds: 84.7),
        MigrationRecord.Round(tag: 2, bytes: 354_791, saveMilliseconds: 2.25, restoreMilliseconds: nil, restored: false),
    ], snapshotPath: "/r/snapshots/qemu/hello.snap")

    static let summary = "2 saves, 1 restore; #1 tag 1: 342 KiB, saved in 13 ms, restored in 85 ms; #2 tag 2: 346 KiB, saved in 2.3 ms, not restored"

    static func report() -> RunReport {
        var report = SampleReport.report(partial: false)
        let index = report.results.firstIndex { $0.driver == "qemu" && $0.test == "hello" }!
        report.results[index].migration = migration
        return report
    }

    @Test func theSummaryNamesEveryRound() {
        #expect(Self.migration.summary == Self.summary)
        #expect(Self.migration.saves == 2 && Self.migration.restores == 1)
        #expect(MigrationRecord().summary == "0 saves, 0 restores")
    }

    @Test func resultsJSONCarriesItAndReadsItBack() throws {
        let report = Self.report()
        let data = try ReportCoding.encode(report)
        let decoded = try ReportCoding.decode(data)
        #expect(decoded.results.first { $0.key == "qemu/hello" }?.migration == Self.migration)
        #expect(decoded.results.filter { $0.migration != nil }.count == 1)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"restoreMilliseconds\" : 84.7") && text.contains("\"snapshotPath\" : \"/r/snapshots/qemu/hello.snap\""))
    }

    @Test func theHTMLResultShowsMigrationAndSnapshot() {
        let html = HTMLWriter.render(Self.report())
        #expect(html.contains("<dt>Migration</dt><dd>\(Self.summary)</dd>"))
        #expect(html.contains("<dt>Snapshot</dt><dd>/r/snapshots/qemu/hello.snap</dd>"))
        #expect(html.components(separatedBy: "<dt>Migration</dt>").count == 2, "only the migrate result has it")
    }

    @Test func junitPropertiesCarryIt() throws {
        let document = try XMLDocument(xmlString: JUnitWriter.render(Self.report()), options: [])
        func property(_ suite: String, _ name: String) throws -> String? {
            let nodes = try document.nodes(forXPath: "/testsuites/testsuite[@name='\(suite)']/properties/property[@name='\(name)']")
            return (nodes.first as? XMLElement)?.attribute(forName: "value")?.stringValue
        }
        #expect(try property("qemu/hello", "migration") == Self.summary)
        #expect(try property("qemu/hello", "migration.saves") == "2")
        #expect(try property("qemu/hello", "migration.restores") == "1")
        #expect(try property("qemu/hello", "migration.snapshot") == "/r/snapshots/qemu/hello.snap")
        #expect(try property("swiftvm/hello", "migration") == nil)
    }

    /// A migrate test that did not pass says in its TAP diagnostics how far the migration went.
    @Test func tapDiagnosticsNameTheRounds() {
        var result = Self.report().results.first { $0.key == "qemu/hello" }!
        result.outcome = .error
        result.expected = false
        #expect(TAPStream.entry(result, number: 1).contains("  migration: \(TAPWriter.yamlQuoted(Self.summary))\n"))
        result.migration = nil
        #expect(!TAPStream.entry(result, number: 1).contains("migration:"))
    }
}
