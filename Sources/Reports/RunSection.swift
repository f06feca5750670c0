import Foundation
#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif
import TCK

/// The page's run block (`id="run"`): what ran and how it was asked for. `id="run-identity"` holds tck
/// and swiftvm versions, the kit's commit, catalog path and SHA-256, the selection, tck's command line
/// and working directory (for a merge: one row per merged run); `id="drivers"` each driver's version,
/// executable and details; `id="run-facts"` times, status and host.
enum RunSection {
    static func section(_ report: RunReport, layout: ReportLayout) -> XMLElement {
        var children: [XMLNode] = [Markup.element("h2", text: "Run")]
        if let identity = report.identity {
            children.append(panel("run-identity", "Identity", [facts(identityRows(identity)), command(identity)]))
        } else if let runs = report.mergedFrom, !runs.isEmpty {
            children.append(panel("run-identity", "Merged from \(runs.count) run\(runs.count == 1 ? "" : "s")", [mergedTable(runs)]))
        } else {
            children.append(panel("run-identity", "Identity", [
                Markup.element("p", text: "Not recorded (a report written by an older tck, or merged from such reports)."),
            ]))
        }
        children.append(Markup.element("div", ["class": "panels"], [
            panel("drivers", "Drivers", [drivers(layout)]),
            panel("run-facts", "Times and host", [facts(runRows(report))]),
        ]))
        return Markup.element("section", ["id": "run"], children)
    }

    /// Wall time from the report's start and end stamps, when both parse.
    static func wallSeconds(_ report: RunReport) -> Double? {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func date(_ text: String) -> Date? { plain.date(from: text) ?? fractional.date(from: text) }
        guard let start = date(report.startedAt), let end = date(report.finishedAt), end >= start else { return nil }
        return end.timeIntervalSince(start)
    }

    private static func identityRows(_ identity: RunIdentity) -> [(String, String)] {
        let selection = identity.selection
        var chosen = ["drivers: " + selection.drivers.joined(separator: ", "), "jobs: \(selection.jobs)"]
        if !selection.filters.isEmpty { chosen.append("filters: " + selection.filters.joined(separator: " ")) }
        if !selection.groups.isEmpty { chosen.append("groups: " + selection.groups.joined(separator: " ")) }
        chosen.append("shard: " + (selection.shard ?? "none"))
        chosen.append("\(selection.tests.count) test\(selection.tests.count == 1 ? "" : "s") selected")
        return [
            ("tck", identity.tckVersion),
            ("swiftvm", identity.swiftvmVersion ?? "not used in this run"),
            ("Kit commit", identity.kitCommit),
            ("Catalog", identity.catalog.path),
            ("Catalog SHA-256", identity.catalog.sha256),
            ("Selection", chosen.joined(separator: " · ")),
            ("Working directory", identity.workingDirectory),
        ]
    }

    private static func command(_ identity: RunIdentity) -> XMLElement {
        Markup.element("div", ["class": "command identity"], [
            Markup.element("span", ["class": "groups"], text: "tck command line (run it from the working directory above)"),
            Markup.element("pre", ["class": "cmd", "id": "tck-command"], text: ReportFormat.shellCommand(identity.commandLine)),
        ])
    }

    private static func mergedTable(_ runs: [RunIdentity]) -> XMLElement {
        let rows = runs.map { identity in
            Markup.element("tr", [:], [
                Markup.element("td", ["class": "mono"], text: identity.kitCommit.prefix(12) + ""),
                Markup.element("td", [:], [
                    Markup.element("span", ["class": "mono"], text: identity.catalog.path),
                    Markup.element("span", ["class": "note"], text: "SHA-256 " + identity.catalog.sha256.prefix(16) + "…"),
                ]),
                Markup.element("td", text: "shard " + (identity.selection.shard ?? "none") + " · \(identity.selection.tests.count) tests · "
                               + identity.selection.drivers.joined(separator: ", ")),
                Markup.element("td", [:], [
                    Markup.element("span", ["class": "mono"], text: ReportFormat.shellCommand(identity.commandLine)),
                    Markup.element("span", ["class": "note"], text: "in " + identity.workingDirectory + " · tck " + identity.tckVersion),
                ]),
            ])
        }
        return Markup.element("table", [:], [
            Markup.element("thead", [:], [Markup.element("tr", [:], ["Kit commit", "Catalog", "Selection", "Command"].map {
                Markup.element("th", text: $0)
            })]),
            Markup.element("tbody", [:], rows),
        ])
    }

    private static func runRows(_ report: RunReport) -> [(String, String)] {
        var rows: [(String, String)] = [("Started", report.startedAt), ("Finished", report.finishedAt)]
        if let wall = wallSeconds(report) { rows.append(("Wall time", ReportFormat.duration(wall))) }
        rows.append(("Status", report.partial ? "partial (interrupted)" : "complete"))
        if let shard = report.shard { rows.append(("Shard", shard)) }
        rows += [("Host", report.host.hostname), ("Host kernel", report.host.kernel),
                 ("CPU", report.host.cpu), ("KVM", report.host.kvm)]
        return rows
    }

    private static func drivers(_ layout: ReportLayout) -> XMLElement {
        let rows = layout.drivers.map { name in
            let info = layout.info(driver: name)
            let details = (info?.details ?? [:]).sorted { $0.key < $1.key }.map {
                Markup.element("span", ["class": "chip"], text: "\($0.key)=\($0.value)")
            }
            return Markup.element("tr", ["data-driver": name], [
                Markup.element("th", ["scope": "row"], text: name),
                Markup.element("td", text: info?.version ?? "unknown"),
                Markup.element("td", [:], [Markup.element("span", ["class": "mono"], text: info?.executable ?? "")] + details),
            ])
        }
        return Markup.element("table", [:], [
            Markup.element("thead", [:], [Markup.element("tr", [:], [
                Markup.element("th", text: "Driver"), Markup.element("th", text: "Version"), Markup.element("th", text: "Executable and details"),
            ])]),
            Markup.element("tbody", [:], rows),
        ])
    }

    private static func facts(_ rows: [(String, String)]) -> XMLElement {
        Markup.element("dl", ["class": "facts"], rows.flatMap { [Markup.element("dt", text: $0.0), Markup.element("dd", text: $0.1)] })
    }

    private static func panel(_ id: String, _ title: String, _ content: [XMLNode]) -> XMLElement {
        Markup.element("div", ["class": "panel", "id": id], [Markup.element("h2", text: title)] + content)
    }
}
