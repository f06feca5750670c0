import TCK

/// Renders a run as TAP version 13 (one line per test on a driver, for `tck run --tap` and TAP
/// consumers such as `prove` or tap-junit):
///
/// - `ok` when the outcome is what the catalog expects, `not ok` otherwise;
/// - skip → `# SKIP reason`;
/// - xfail → `not ok … # TODO reason`: TAP's own way of saying "fails, and that is known", which
///   consumers count as not failing (an `ok … # TODO` would mean the TODO unexpectedly passed);
/// - every `not ok` line gets a YAML block (`  ---` … `  ...`) with outcome, reason and duration.
///
/// Descriptions and directives are cleaned to one line; `#` in a name is escaped as `\#` so it cannot
/// start a directive. YAML values are double-quoted scalars with escapes, so no text can end the block.
public enum TAPWriter {
    public static func render(_ report: RunReport) -> String {
        var lines = ["TAP version 13", "1..\(report.results.count)"]
        if report.partial { lines.append("# partial run: interrupted, only finished tests are listed") }
        for (index, result) in report.results.enumerated() {
            let xfail = result.outcome == .xfail
            let ok = result.expected && !xfail
            var line = "\(ok ? "ok" : "not ok") \(index + 1) - \(description("\(result.driver)/\(result.test)"))"
            switch result.outcome {
            case .skip: line += " # SKIP \(directiveText(result.reason))"
            case .xfail: line += " # TODO \(directiveText(ReportFormat.expectation(result.expectation)))"
            default: break
            }
            lines.append(line)
            if !ok {
                lines.append("  ---")
                lines.append("  outcome: \(result.outcome.rawValue)")
                lines.append("  expected: \(result.expected)")
                lines.append("  reason: \(yamlQuoted(result.reason))")
                lines.append("  expectation: \(yamlQuoted(ReportFormat.expectation(result.expectation)))")
                lines.append("  duration_s: \(ReportFormat.seconds(result.durationSeconds))")
                lines.append("  exit: \(yamlQuoted(result.exitDescription))")
                lines.append("  ...")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func description(_ text: String) -> String {
        ReportText.line(text).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "#", with: "\\#")
    }

    private static func directiveText(_ text: String) -> String {
        ReportText.line(text)
    }

    /// A YAML double-quoted scalar (JSON-compatible escapes).
    static func yamlQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in ReportText.clean(text).unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
