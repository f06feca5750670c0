import TCK

/// `tck run --tap`: TAP version 13 on stdout while the run goes, as kvm-unit-tests' `run_tests.sh -t`
/// does. The plan comes first (the number of test × driver jobs is known before the first one runs);
/// each result is one line as it finishes, numbered in order of arrival:
///
/// - `ok` when the outcome is what the catalog expects, `not ok` otherwise;
/// - skip → `ok … # SKIP reason`; xfail → `not ok … # TODO reason` (TAP's "fails, and that is known",
///   which consumers do not count as a failure), the same rules as `TAPWriter`'s whole-run rendering;
/// - every `not ok` line is followed by a YAML diagnostics block (`  ---` … `  ...`): outcome, reason,
///   expectation, duration and exit, and for unexpected results also the failed cases, the command line
///   and the last lines of the console.
///
/// An interrupted run ends with `Bail out!`, so a consumer reports the missing tests as such.
public enum TAPStream {
    /// How much of the console an unexpected result carries in its diagnostics: the last lines, bounded.
    public static let consoleTailLines = 20
    public static let consoleTailCharacters = 4096

    /// `TAP version 13` and the plan `1..N`.
    public static func header(planned: Int) -> String {
        "TAP version 13\n1..\(planned)\n"
    }

    /// The test line for `result`, the `number`-th to finish (1-based), and its diagnostics when not ok.
    public static func entry(_ result: TestResult, number: Int) -> String {
        let xfail = result.outcome == .xfail
        let ok = result.expected && !xfail
        var line = "\(ok ? "ok" : "not ok") \(number) - \(description(result.key))"
        switch result.outcome {
        case .skip: line += " # SKIP \(ReportText.line(result.reason))"
        case .xfail: line += " # TODO \(ReportText.line(ReportFormat.expectation(result.expectation)))"
        default: break
        }
        var lines = [line]
        if !ok {
            lines.append("  ---")
            lines.append("  outcome: \(result.outcome.rawValue)")
            lines.append("  expected: \(result.expected)")
            lines.append("  reason: \(TAPWriter.yamlQuoted(result.reason))")
            lines.append("  expectation: \(TAPWriter.yamlQuoted(ReportFormat.expectation(result.expectation)))")
            lines.append("  duration_s: \(ReportFormat.seconds(result.durationSeconds))")
            lines.append("  exit: \(TAPWriter.yamlQuoted(result.exitDescription))")
            if let migration = result.migration { lines.append("  migration: \(TAPWriter.yamlQuoted(migration.summary))") }
            if !result.expected {
                let failed = result.cases.filter { $0.status == .fail }
                if !failed.isEmpty {
                    lines.append("  failed_cases:")
                    for failure in failed {
                        lines.append("    - \(TAPWriter.yamlQuoted(failure.name + (failure.message.map { ": \($0)" } ?? "")))")
                    }
                }
                if !result.commandLine.isEmpty {
                    lines.append("  command: \(TAPWriter.yamlQuoted(ReportFormat.shellCommand(result.commandLine)))")
                }
                let console = consoleTail(result.console)
                if !console.isEmpty { lines.append("  console_tail: \(TAPWriter.yamlQuoted(console))") }
            }
            lines.append("  ...")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The last line of an interrupted run.
    public static func bailOut(finished: Int, planned: Int) -> String {
        "Bail out! interrupted after \(finished) of \(planned) \(planned == 1 ? "test" : "tests")\n"
    }

    /// A TAP description: one line, `#` escaped so it cannot start a directive.
    static func description(_ text: String) -> String {
        ReportText.line(text).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "#", with: "\\#")
    }

    static func consoleTail(_ console: String) -> String {
        var lines = console.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return String(lines.suffix(consoleTailLines).joined(separator: "\n").suffix(consoleTailCharacters))
    }
}
