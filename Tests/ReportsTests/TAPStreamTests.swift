import Testing
import TCK
@testable import Reports

/// `tck run --tap` streaming: the same test lines as the whole-run TAPWriter, one result at a time.
@Suite struct TAPStreamTests {
    let report = SampleReport.report(partial: false)

    var streamed: String {
        TAPStream.header(planned: report.results.count)
            + report.results.enumerated().map { TAPStream.entry($1, number: $0 + 1) }.joined()
    }

    @Test func planFirstThenTheSameTestLinesAsTheWholeRun() {
        let lines = streamed.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(2)) == ["TAP version 13", "1..\(report.results.count)"])
        func testLines(_ text: String) -> [String] {
            text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("ok ") || $0.hasPrefix("not ok ") }
        }
        #expect(testLines(streamed) == testLines(TAPWriter.render(report)))
    }

    @Test func everyNotOkHasADiagnosticsBlockAndUnexpectedOnesSayMore() {
        let lines = streamed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, line) in lines.enumerated() where line.hasPrefix("not ok ") {
            #expect(lines[index + 1] == "  ---", "\(line)")
            #expect(lines[(index + 1)...].contains("  ..."), "\(line)")
        }
        let failure = report.results.first { !$0.expected && $0.outcome == .fail }!
        let entry = TAPStream.entry(failure, number: 7)
        #expect(entry.hasPrefix("not ok 7 - \(TAPStream.description(failure.key))"))
        #expect(entry.contains("  expected: false\n"))
        #expect(entry.contains("  console_tail: \""))
        // A YAML block must not be ended early by what a guest printed.
        #expect(entry.split(separator: "\n").filter { $0 == "  ..." }.count == 1)
    }

    @Test func theConsoleTailIsBounded() {
        var flood = report.results[0]
        flood.expected = false
        flood.outcome = .fail
        flood.console = (1...1000).map { "line \($0) " + String(repeating: "x", count: 400) }.joined(separator: "\n") + "\n"
        let tail = TAPStream.consoleTail(flood.console)
        #expect(tail.count <= TAPStream.consoleTailCharacters)
        #expect(tail.hasSuffix("x"))
        #expect(tail.contains("line 1000 "))
        #expect(!tail.contains("line 980 "))
        #expect(TAPStream.entry(flood, number: 1).utf8.count < 3 * TAPStream.consoleTailCharacters)
    }

    @Test func anInterruptedRunBailsOut() {
        #expect(TAPStream.bailOut(finished: 1, planned: 4) == "Bail out! interrupted after 1 of 4 tests\n")
        #expect(TAPStream.bailOut(finished: 0, planned: 1) == "Bail out! interrupted after 0 of 1 test\n")
    }
}
