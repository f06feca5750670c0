#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif
import TCK

/// One result's detail section: outcome, reason, expectation, logs, cases, data records, console tail,
/// VMM stderr tail and the exact command line. The heading and reason are always shown; the rest is in
/// a `<details>` (the page reads fully without JavaScript), open for an unexpected result and closed for
/// one as expected, so a long run stays a short page.
///
/// DOM contract: `<section class="result" id="result-<driver>-<test>" data-driver data-test
/// data-outcome data-expected>`.
enum HTMLResultSection {
    static func section(_ result: TestResult) -> XMLElement {
        var body: [XMLNode] = [Markup.element("summary", ["class": "more"], text: "Details: expectation, logs, cases, command line")]
        body.append(facts(result))
        if !result.protocolErrors.isEmpty {
            body.append(Markup.element("ul", ["class": "problems"], result.protocolErrors.map {
                Markup.element("li", text: "protocol: " + $0)
            }))
        }
        if !result.cases.isEmpty { body.append(cases(result)) }
        if !result.data.isEmpty { body.append(data(result.data, limit: result.expected ? calmDataRecords : nil)) }
        body.append(console(result))
        let vmm = result.expected ? LogView.vmm(result, lines: ReportLogs.calmTailLines, bytes: ReportLogs.calmTailBytes) : LogView.vmm(result)
        if !vmm.text.isEmpty || vmm.cut != nil {
            body.append(Markup.element("details", ["class": "diagnostics", "open": result.expected ? nil : "open"], [
                Markup.element("summary", text: "VMM stderr (diagnostics)"),
                logNote(vmm),
                Markup.element("pre", ["class": "log"], text: vmm.text),
            ]))
        }
        body.append(Markup.element("div", ["class": "command"], [
            Markup.element("span", ["class": "groups"], text: "Command line"),
            Markup.element("pre", ["class": "cmd"], text: ReportFormat.shellCommand(result.commandLine)),
        ]))
        return Markup.element("section", [
            "class": result.expected ? "result" : "result unexpected",
            "id": ReportFormat.resultID(driver: result.driver, test: result.test),
            "data-driver": result.driver, "data-test": result.test,
            "data-outcome": result.outcome.rawValue, "data-expected": String(result.expected),
        ], [
            heading(result),
            Markup.element("p", ["class": "reason"], text: result.reason),
            Markup.element("details", ["class": "more", "open": result.expected ? nil : "open"], body),
        ])
    }

    private static func heading(_ result: TestResult) -> XMLElement {
        var children: [XMLNode] = [
            OutcomeStyle.badge(result),
            Markup.element("span", ["class": "mono"], text: result.test),
            Markup.element("span", ["class": "on"], text: "on"),
            Markup.element("span", [:], text: result.driver),
            Markup.element("span", ["class": "on"], text: ReportFormat.duration(result.durationSeconds)),
        ]
        if !result.expected {
            children.append(Markup.element("span", ["class": "flag"], text: "unexpected: expected \(result.expectation.outcome.rawValue)"))
        }
        children.append(Markup.element("a", ["class": "back", "href": result.expected ? "#matrix" : "#unexpected"],
                                       text: result.expected ? "↑ matrix" : "↑ unexpected results"))
        return Markup.element("h3", [:], children)
    }

    private static func facts(_ result: TestResult) -> XMLElement {
        var rows: [(String, String)] = [
            ("Outcome", result.outcome.rawValue + (result.expected ? " (as expected)" : " (unexpected)")),
            ("Expectation", ReportFormat.expectation(result.expectation)),
            ("Kernel", result.kernel),
        ]
        if !result.groups.isEmpty { rows.append(("Groups", result.groups.joined(separator: ", "))) }
        rows.append(("Duration", ReportFormat.seconds(result.durationSeconds) + " s"))
        rows.append(("Exit", result.exitDescription))
        if let migration = result.migration {
            rows.append(("Migration", migration.summary))
            if let snapshot = migration.snapshotPath { rows.append(("Snapshot", snapshot)) }
        }
        var nodes: [XMLNode] = []
        let logs: [XMLNode] = [(TestResult.LogKind.console, LogView.console(result).log), (.vmm, LogView.vmm(result).log)]
            .compactMap { kind, path in path.map { Markup.element("a", ["href": $0], text: $0) } }
        if !logs.isEmpty {
            nodes.append(Markup.element("dt", text: "Logs"))
            nodes.append(Markup.element("dd", [:], Array(logs.enumerated().map { $0.offset == 0 ? [$0.element] : [Markup.text(" · "), $0.element] }.joined())))
        }
        for (term, value) in rows {
            nodes.append(Markup.element("dt", text: term))
            if term == "Expectation", let link = result.expectation.link, isWebLink(link) {
                nodes.append(Markup.element("dd", [:], [
                    Markup.text(ReportFormat.expectation(Expectation(outcome: result.expectation.outcome,
                                                                     reason: result.expectation.reason)) + " "),
                    Markup.element("a", ["href": link], text: link),
                ]))
            } else {
                nodes.append(Markup.element("dd", text: value))
            }
        }
        return Markup.element("dl", ["class": "facts"], nodes)
    }

    /// Only http(s) links become `href`s: a catalog link such as `javascript:…` stays plain text.
    private static func isWebLink(_ link: String) -> Bool {
        let lower = link.lowercased()
        return (lower.hasPrefix("https://") || lower.hasPrefix("http://")) && !link.contains(where: \.isWhitespace)
    }

    private static func cases(_ result: TestResult) -> XMLElement {
        let rows = result.cases.map { item in
            let outcome: Outcome = switch item.status { case .pass: .pass; case .fail: .fail; case .skip: .skip }
            // A failed case is as expected only inside an expected xfail.
            let tone = OutcomeStyle.tone(outcome: outcome, expected: item.status != .fail || result.outcome == .xfail && result.expected)
            return Markup.element("tr", ["data-status": item.status.rawValue], [
                Markup.element("td", ["class": "status \(tone.cssClass)"], text: "\(tone.icon) \(item.status.rawValue)"),
                Markup.element("td", ["class": "mono"], text: item.name),
                Markup.element("td", text: item.message ?? ""),
            ])
        }
        return Markup.element("table", ["class": "cases"], [
            Markup.element("thead", [:], [Markup.element("tr", [:], [
                Markup.element("th", text: "Status"), Markup.element("th", text: "Case"), Markup.element("th", text: "Message"),
            ])]),
            Markup.element("tbody", [:], rows),
        ])
    }

    /// How many data records the page shows for a result as expected; all of them are in results.json
    /// and the console log. Unexpected results show every record.
    static let calmDataRecords = 12

    private static func data(_ records: [DataRecord], limit: Int?) -> XMLElement {
        let shown = limit.map { Array(records.prefix($0)) } ?? records
        var rows = shown.map { record in
            Markup.element("tr", [:], [
                Markup.element("td", ["class": "mono"], text: record.key),
                Markup.element("td", ["class": "mono"], text: record.value),
            ])
        }
        if shown.count < records.count {
            rows.append(Markup.element("tr", [:], [Markup.element("td", ["colspan": "2"],
                text: "… \(records.count - shown.count) more in results.json and the console log")]))
        }
        return Markup.element("details", ["class": "data"], [
            Markup.element("summary", text: "Data records (\(records.count))"),
            Markup.element("table", [:], [Markup.element("tbody", [:], rows)]),
        ])
    }

    private static func console(_ result: TestResult) -> XMLElement {
        let view = result.expected ? LogView.console(result, lines: ReportLogs.calmTailLines, bytes: ReportLogs.calmTailBytes)
                                   : LogView.console(result)
        let lines = lineCount(view.text) - (result.consoleTruncated ? 1 : 0)
        var summary = "Console"
        if let cut = view.cut {
            summary += " (last \(lines) of \(lines + cut.lines) lines"
        } else {
            summary += " (\(lines) line\(lines == 1 ? "" : "s")"
        }
        if result.consoleTruncated { summary += ", cut at the capture limit" }
        summary += ")"
        return Markup.element("details", ["class": "console", "open": result.expected ? nil : "open"], [
            Markup.element("summary", text: summary),
            logNote(view),
            Markup.element("pre", ["class": "log"], text: view.text.isEmpty ? "(no console output)" : view.text),
        ])
    }

    /// "… N bytes / M lines cut; full log: <a>logs/…</a>" above a tail, or a link to the full log.
    private static func logNote(_ view: LogView) -> XMLElement {
        guard let log = view.log else { return Markup.element("p", ["class": "log-note"], text: view.heading) }
        let lead = view.cut.map { ReportLogs.note(cut: $0, log: nil).components(separatedBy: ";").first ?? "" }
        return Markup.element("p", ["class": "log-note"], [
            Markup.text(lead.map { $0 + "; full log: " } ?? "full log: "),
            Markup.element("a", ["href": log], text: log),
        ])
    }

    private static func lineCount(_ text: String) -> Int {
        text.isEmpty ? 0 : text.split(separator: "\n", omittingEmptySubsequences: false).count - (text.hasSuffix("\n") ? 1 : 0)
    }
}
