import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TCK
@testable import Reports

/// Queries the page as XML: it is XHTML (polyglot), so `XMLDocument` must accept it.
struct Page {
    let html: String
    let document: XMLDocument

    init(_ report: RunReport) throws {
        html = HTMLWriter.render(report)
        document = try XMLDocument(xmlString: html, options: [])
    }

    /// Elements by XPath over local names (the page is in the XHTML namespace).
    func all(_ path: String) throws -> [XMLElement] {
        try document.nodes(forXPath: path).compactMap { $0 as? XMLElement }
    }

    func cell(_ driver: String, _ test: String) throws -> XMLElement? {
        try all("//*[local-name()='td'][@data-driver='\(driver)'][@data-test='\(test)']").first
    }
}

@Suite struct HTMLWriterTests {
    let report = SampleReport.report()

    @Test func matrixHasACellPerTestAndDriverWithItsOutcome() throws {
        let page = try Page(report)
        #expect(try page.all("//*[@id='matrix']//*[local-name()='table'][@class='matrix']").count == 1)
        for result in report.results {
            let cell = try #require(try page.cell(result.driver, result.test))
            #expect(cell.value("data-outcome") == result.outcome.rawValue)
            #expect(cell.value("data-expected") == String(result.expected))
            let link = try #require(cell.elements(forName: "a").first)
            #expect(link.value("href") == "#result-\(result.driver)-\(result.test)")
            #expect(cell.text.contains(result.outcome.rawValue))
        }
        #expect(try page.cell("qemu", "garbage")?.value("data-outcome") == "none")
        #expect(try page.cell("qemu", "garbage")?.stringValue == "not run")
        #expect(try page.cell("qemu", "hang")?.stringValue == "✗ timeoutunexpected2.00 s")
    }

    @Test func everyResultHasADetailSection() throws {
        let page = try Page(report)
        let sections = try page.all("//*[local-name()='section'][@data-outcome]")
        #expect(sections.count == report.results.count)
        let ids = Set(sections.compactMap { $0.value("id") })
        #expect(ids.count == report.results.count)
        let garbage = try #require(try page.all("//*[@id='result-swiftvm-garbage']").first)
        #expect(garbage.value("data-expected") == "false")
        let log = try #require(try page.all("//*[@id='result-swiftvm-garbage']//*[local-name()='details'][@class='console']").first)
        #expect(log.value("open") != nil)
        #expect(log.text.contains("<script>alert(1)</script>"))
        #expect(log.text.contains("cut at the capture limit"))
        // Details of an unexpected result are open, those of an expected one folded.
        #expect(try page.all("//*[@id='result-swiftvm-garbage']/*[local-name()='details'][@open]").count == 1)
        #expect(try page.all("//*[@id='result-swiftvm-hello']/*[local-name()='details'][@open]").isEmpty)
        let hello = try #require(try page.all("//*[@id='result-swiftvm-hello']").first)
        #expect(try page.all("//*[@id='result-swiftvm-hello']//*[local-name()='details'][@class='console'][@open]").isEmpty)
        #expect(hello.text.contains("Data records (2)"))
        #expect(hello.text.contains("--append 'it'\\''s a \"test\"'"))
    }

    @Test func hostileInputIsNeverMarkup() throws {
        let page = try Page(report)
        #expect(!page.html.contains("<script"))
        #expect(!page.html.contains("<img"))
        #expect(!page.html.contains("<b>bold"))
        #expect(!page.html.contains("</pre></details></section><"))
        #expect(!SampleReport.hasIllegalXMLCharacter(page.html))
        #expect(!page.html.unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
        #expect(try page.all("//*[local-name()='script' or local-name()='img' or local-name()='iframe']").isEmpty)
        #expect(try page.all("//*[local-name()='link' or local-name()='img'][@href or @src]").isEmpty)
    }

    @Test func partialRunsCarryABanner() throws {
        let partial = try Page(report)
        let banner = try #require(try partial.all("//*[@id='partial-banner']").first)
        #expect(banner.text.contains("Partial run"))
        let complete = try Page(SampleReport.report(partial: false))
        #expect(try complete.all("//*[@id='partial-banner']").isEmpty)
        #expect(try complete.cell("qemu", "garbage")?.value("data-outcome") == "error")
    }

    @Test func summaryCountsOutcomesPerDriverAndUnexpected() throws {
        let page = try Page(report)
        let unexpected = report.results.filter { !$0.expected }.count
        #expect(try page.all("//*[@id='unexpected-count']").first?.value("data-count") == String(unexpected))
        let swiftvmRow = try #require(try page.all("//*[@id='summary']//*[local-name()='tr'][@data-driver='swiftvm']").first)
        let cells = swiftvmRow.elements(forName: "td")
        let byOutcome = Dictionary(uniqueKeysWithValues: cells.compactMap { cell in
            cell.value("data-outcome").map { ($0, cell.text) }
        })
        for outcome in Outcome.allCases {
            let expected = report.results.filter { $0.driver == "swiftvm" && $0.outcome == outcome }.count
            #expect(byOutcome[outcome.rawValue] == String(expected), "\(outcome)")
        }
    }

    @Test(arguments: [1, 2, 3])
    func matrixRendersForAnyNumberOfDrivers(count: Int) throws {
        let drivers = Array([SampleReport.swiftvm, SampleReport.qemu, SampleReport.firecracker].prefix(count))
        let page = try Page(SampleReport.report(drivers: drivers, partial: false))
        let header = try page.all("//*[local-name()='table'][@class='matrix']/*[local-name()='thead']//*[local-name()='th']")
        #expect(header.count == count + 1)
        let rows = try page.all("//*[local-name()='table'][@class='matrix']/*[local-name()='tbody']/*[local-name()='tr']")
        #expect(rows.count == 7)
        #expect(rows.allSatisfy { $0.elements(forName: "td").count == count })
    }

    @Test func onlyWebLinksBecomeHrefs() throws {
        var hostile = report
        hostile.results[0].expectation = Expectation(outcome: .xfail, reason: "r", link: "javascript:alert(1)")
        hostile.results[1].consoleLog = "javascript:alert(2)"
        hostile.results[1].vmmLog = "../../etc/passwd"
        let page = try Page(hostile)
        #expect(try page.all("//*[@href]").allSatisfy { link in
            let href = link.value("href") ?? ""
            return href.hasPrefix("#") || href.hasPrefix("https://")
        })
        #expect(page.html.contains("javascript:alert(1)"))
        // The log files tck writes are the only relative links.
        let written = try Page(ReportLogs.split(report).report)
        #expect(try written.all("//*[@href]").allSatisfy { link in
            let href = link.value("href") ?? ""
            return href.hasPrefix("#") || href.hasPrefix("https://") || href.hasPrefix("logs/")
        })
        // In the Logs row of its facts and in the note above its console tail.
        #expect(try written.all("//*[@href='logs/swiftvm/garbage.console.log']").count == 2)
    }

    @Test func styleSheetSurvivesHTMLParsing() {
        // Inside <style> HTML does not decode entities, so the serializer must have nothing to escape.
        #expect(!HTMLStyle.css.contains { "<>&".contains($0) })
    }

    @Test func polyglotSerialization() throws {
        let html = HTMLWriter.render(report)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">"))
        #expect(html.contains("<meta charset=\"utf-8\"/>"))
        // No non-void element may be self-closed: HTML would read `<td/>` as an open tag.
        let selfClosed = html.matches(of: /<([a-z0-9]+)[^<>]*\/>/).map { String($0.output.1) }
        #expect(Set(selfClosed).isSubset(of: ["meta"]), "\(Set(selfClosed))")
    }
}

extension XMLNode {
    /// The node's text content ("" when it has none).
    var text: String { stringValue ?? "" }

    /// An attribute's value. (`attribute(forName:)` misses attributes of namespaced elements in
    /// swift-corelibs-foundation, so look through `attributes`.)
    func value(_ name: String) -> String? {
        (self as? XMLElement)?.attributes?.first { $0.name == name }?.stringValue
    }
}
