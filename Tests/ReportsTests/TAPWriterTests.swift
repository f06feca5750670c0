import Testing
import TCK
@testable import Reports

@Suite struct TAPWriterTests {
    let report = SampleReport.report()

    @Test func planAndOneLinePerResult() {
        let lines = TAPWriter.render(report).split(separator: "\n").map(String.init)
        #expect(lines[0] == "TAP version 13")
        #expect(lines[1] == "1..\(report.results.count)")
        let testLines = lines.filter { $0.hasPrefix("ok ") || $0.hasPrefix("not ok ") }
        #expect(testLines.count == report.results.count)
        for (index, line) in testLines.enumerated() {
            #expect(line.hasPrefix("ok \(index + 1) - ") || line.hasPrefix("not ok \(index + 1) - "))
        }
        let unexpected = report.results.filter { !$0.expected }.count
        let xfails = report.results.filter { $0.outcome == .xfail }.count
        #expect(testLines.filter { $0.hasPrefix("not ok") }.count == unexpected + xfails)
    }

    @Test func directivesAndDiagnostics() {
        let text = TAPWriter.render(report)
        #expect(text.contains("ok 1 - swiftvm/hello\n"))
        #expect(text.contains("not ok 2 - swiftvm/cpuid-basic\n  ---\n  outcome: fail\n  expected: false\n"))
        #expect(text.contains("not ok 3 - swiftvm/smp-4 # TODO xfail: APIC IDs are not unique yet (https://example.org/swiftvm/issues/7)\n"))
        #expect(text.contains("ok 4 - swiftvm/pci-scan # SKIP all 1 cases skipped\n"))
        #expect(text.contains("ok 5 - swiftvm/hang\n"))
        #expect(text.contains("  duration_s: 2.000\n"))
        #expect(text.split(separator: "\n").filter { $0 == "  ---" }.count == text.split(separator: "\n").filter { $0 == "  ..." }.count)
        #expect(!SampleReport.hasIllegalXMLCharacter(text))
    }

    @Test func hashInANameCannotStartADirective() {
        var hostile = report
        hostile.results = [SampleReport.result("evil # SKIP\nnot ok 9", "swiftvm", .fail, expected: false, reason: "line1\nline2 \"q\"")]
        let lines = TAPWriter.render(hostile).split(separator: "\n").map(String.init)
        #expect(lines.contains("not ok 1 - swiftvm/evil \\# SKIP not ok 9"))
        #expect(lines.contains("  reason: \"line1\\nline2 \\\"q\\\"\""))
        #expect(!lines.contains { $0.hasPrefix("not ok 9") })
    }
}
