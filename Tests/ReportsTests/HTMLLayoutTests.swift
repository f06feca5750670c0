import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TCK
@testable import Reports

/// What a reader of report.html sees first: unexpected results at the top and loud, expected ones calm,
/// durations, the slowest tests, equal matrix columns and the run's identity.
@Suite struct HTMLLayoutTests {
    let report = SampleReport.report()
    var unexpected: [TestResult] { report.results.filter { !$0.expected } }

    func position(_ html: String, _ marker: String) throws -> String.Index {
        try #require(html.range(of: marker)?.lowerBound, "\(marker) not in the page")
    }

    @Test func unexpectedResultsComeFirstEachLinkingToItsDetails() throws {
        let page = try Page(report)
        let html = page.html
        #expect(try position(html, "id=\"verdict\"") < position(html, "id=\"unexpected\""))
        #expect(try position(html, "id=\"unexpected\"") < position(html, "id=\"summary\""))
        #expect(try position(html, "id=\"unexpected\"") < position(html, "id=\"matrix\""))
        let items = try page.all("//*[@id='unexpected']//*[local-name()='li']")
        #expect(items.count == unexpected.count && !unexpected.isEmpty)
        for result in unexpected {
            let item = try #require(items.first { $0.value("data-driver") == result.driver && $0.value("data-test") == result.test })
            let link = try #require(try item.nodes(forXPath: ".//*[local-name()='a']").first)
            #expect(link.value("href") == "#" + ReportFormat.resultID(driver: result.driver, test: result.test))
            #expect(item.text.contains(result.outcome.rawValue.uppercased()) || item.text.contains(result.outcome.rawValue))
            #expect(item.text.contains(ReportText.line(result.reason)))
            #expect(item.text.contains("expected: \(result.expectation.outcome.rawValue)"))
        }
        // The headline figure links to the list; the detail sections start with the unexpected results.
        #expect(try page.all("//*[@id='unexpected-count']/*[local-name()='a'][@href='#unexpected']").count == 1)
        let sections = try page.all("//*[@id='results']/*[local-name()='section']")
        #expect(sections.prefix(unexpected.count).allSatisfy { $0.value("data-expected") == "false" })
        #expect(sections.dropFirst(unexpected.count).allSatisfy { $0.value("data-expected") == "true" })
    }

    @Test func allExpectedSaysSoCalmly() throws {
        var calm = SampleReport.report(partial: false)
        calm.results = calm.results.filter(\.expected)
        let page = try Page(calm)
        #expect(try page.all("//*[@id='verdict'][contains(@class, 'good')]").count == 1)
        #expect(try page.all("//*[@id='unexpected']//*[local-name()='li']").isEmpty)
        #expect(try page.all("//*[@id='unexpected']").first?.value("data-count") == "0")
    }

    /// An expected crash used to be the reddest cell; now expectation sets the tone, and text says it too.
    @Test func expectedIsCalmUnexpectedIsLoudAndNotByColourAlone() throws {
        let page = try Page(report)
        for result in report.results {
            let cell = try #require(try page.cell(result.driver, result.test))
            let classes = cell.value("class") ?? ""
            if result.expected {
                #expect(!classes.contains("tone-loud"), "\(result.key)")
                #expect(cell.text.hasPrefix(result.outcome == .skip ? "–" : "✓"), "\(result.key)")
                #expect(!cell.text.contains("unexpected"))
            } else {
                #expect(classes.contains("tone-loud"), "\(result.key)")
                #expect(cell.text.hasPrefix("✗") && cell.text.contains("unexpected"), "\(result.key)")
            }
        }
        #expect(try page.cell("swiftvm", "triple-fault")?.value("class") == "cell tone-calm")
        #expect(try page.cell("swiftvm", "triple-fault")?.text.contains("expected") == true)
        #expect(try page.cell("qemu", "triple-fault")?.value("class") == "cell tone-loud")
        #expect(try page.cell("swiftvm", "hello")?.value("class") == "cell tone-ok")
        // Every badge carries an icon and the outcome as text.
        let badges = try page.all("//*[contains(@class, 'badge')][@data-outcome]")
        #expect(!badges.isEmpty && badges.allSatisfy { badge in
            ["✓", "✗", "–"].contains { badge.text.hasPrefix($0) } && badge.text.contains(badge.value("data-outcome") ?? "?")
        })
    }

    @Test func theMatrixShowsDurationsAndTheSlowestAreListed() throws {
        var timed = SampleReport.report(partial: false)
        for index in timed.results.indices { timed.results[index].durationSeconds = Double(index) * 0.5 }
        let page = try Page(timed)
        for result in timed.results {
            let cell = try #require(try page.cell(result.driver, result.test))
            #expect(cell.value("data-seconds") == ReportFormat.seconds(result.durationSeconds))
            #expect(cell.text.hasSuffix(ReportFormat.duration(result.durationSeconds)))
        }
        let rows = try page.all("//*[@id='slowest']//*[local-name()='tbody']/*[local-name()='tr']")
        #expect(rows.count == HTMLWriter.slowestCount)
        let slowest = timed.results.sorted { $0.durationSeconds > $1.durationSeconds }.prefix(HTMLWriter.slowestCount)
        #expect(rows.map { "\($0.value("data-driver") ?? "")/\($0.value("data-test") ?? "")" } == slowest.map(\.key))
        #expect(ReportFormat.duration(0.184) == "0.18 s" && ReportFormat.duration(12.34) == "12.3 s"
                && ReportFormat.duration(125) == "2 min 5 s")
    }

    /// Columns are equal: fixed layout, and the long QEMU version is in the run block, not a column head.
    @Test func matrixColumnsCarryNoVersions() throws {
        let page = try Page(report)
        let heads = try page.all("//*[local-name()='table'][@class='matrix']//*[local-name()='thead']//*[local-name()='th']")
        #expect(!heads.contains { $0.text.contains("QEMU emulator version") || $0.text.contains("0.3.0") })
        #expect(try page.all("//*[@id='drivers']//*[local-name()='td']").contains { $0.text == "QEMU emulator version 8.2.2" })
        #expect(HTMLStyle.css.contains("table.matrix { table-layout: fixed; }"))
    }

    @Test func theRunBlockNamesVersionsCommitCatalogSelectionAndCommand() throws {
        var identified = report
        identified.identity = RunIdentity(
            tckVersion: "0.1.0", swiftvmVersion: "swiftvm 0.1.0", kitCommit: "8650a1175f9bddccde45da43919bfba469edd094",
            catalog: CatalogIdentity(path: "TestGuests/suite.cfg", sha256: "a5b82bb0d4671e98f682274c295d1f13c5a4d74dc57c5476186f71a525ef972a"),
            selection: RunSelection(filters: ["conf-*"], groups: ["smoke"], drivers: ["swiftvm", "qemu"], jobs: 2, shard: "2/3",
                                    tests: ["hello", "cpuid-basic"]),
            workingDirectory: "/work/main",
            commandLine: [".build/debug/tck", "run", "--filter", "conf-*", "--report-dir", "/tmp/r"])
        let page = try Page(identified)
        let block = try #require(try page.all("//*[@id='run-identity']").first).text
        for text in ["0.1.0", "swiftvm 0.1.0", "8650a1175f9bddccde45da43919bfba469edd094", "TestGuests/suite.cfg",
                     "a5b82bb0d4671e98f682274c295d1f13c5a4d74dc57c5476186f71a525ef972a", "filters: conf-*", "groups: smoke",
                     "jobs: 2", "shard: 2/3", "2 tests selected", "/work/main"] {
            #expect(block.contains(text), "\(text)")
        }
        #expect(try page.all("//*[@id='tck-command']").first?.text == ".build/debug/tck run --filter 'conf-*' --report-dir /tmp/r")
        #expect(try page.all("//*[@id='run-facts']").first?.text.contains("AMD EPYC 7763") == true)

        #expect(try Page(report).all("//*[@id='run-identity']").first?.text.contains("Not recorded") == true)
        var merged = report
        merged.mergedFrom = [identified.identity!, identified.identity!]
        let mergedBlock = try #require(try Page(merged).all("//*[@id='run-identity']").first)
        #expect(mergedBlock.text.contains("Merged from 2 runs"))
        #expect(try mergedBlock.nodes(forXPath: ".//*[local-name()='tbody']/*[local-name()='tr']").count == 2)
    }
}
