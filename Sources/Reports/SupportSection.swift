#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif
import TCK

/// `id="support"`: what each driver supports, by catalog group, as the libvirt TCK's per-driver
/// capability report does. A group is *supported* on a driver when none of its tests is declared
/// `xfail` there and every result came as the catalog expects; *partly* when the catalog declares some
/// of them `xfail` on that driver (each listed below the table with its
/// reason); *regressed* when a result was unexpected. Read from the results alone, so merged and
/// compared reports get it too.
enum SupportSection {
    enum Level: String { case supported, partly, regressed }

    struct Cell {
        var level: Level
        var run: Int
        var xfail: [String]
        var unexpected: [String]

        var text: String {
            switch level {
            case .supported: "supported (\(run))"
            case .partly: "partly: \(xfail.count) of \(run) xfail"
            case .regressed: "\(unexpected.count) of \(run) unexpected"
            }
        }
    }

    /// The groups (in first-seen order, the catalog's "all" left out) and each driver's cell; nil: not run.
    static func cells(_ report: RunReport, layout: ReportLayout) -> [(group: String, cells: [Cell?])] {
        var groups: [String] = []
        for result in report.results { for group in result.groups where group != "all" && !groups.contains(group) { groups.append(group) } }
        return groups.map { group in
            (group, layout.drivers.map { driver in
                let results = report.results.filter { $0.driver == driver && $0.groups.contains(group) }
                guard !results.isEmpty else { return nil }
                let xfail = results.filter { $0.expectation.outcome == .xfail }.map(\.test)
                let unexpected = results.filter { !$0.expected }.map(\.test)
                let level: Level = !unexpected.isEmpty ? .regressed : xfail.isEmpty ? .supported : .partly
                return Cell(level: level, run: results.count, xfail: xfail, unexpected: unexpected)
            })
        }
    }

    static func section(_ report: RunReport, layout: ReportLayout) -> XMLElement {
        let header = [Markup.element("th", text: "Group")] + layout.drivers.map { Markup.element("th", text: $0) }
        let rows = cells(report, layout: layout).map { row in
            Markup.element("tr", ["data-group": row.group], [Markup.element("th", ["scope": "row"], text: row.group)]
                + zip(layout.drivers, row.cells).map { driver, cell in
                    guard let cell else { return Markup.element("td", ["data-driver": driver, "class": "zero"], text: "not run") }
                    let names = cell.level == .regressed ? cell.unexpected : cell.xfail
                    return Markup.element("td", ["data-driver": driver, "data-support": cell.level.rawValue,
                                                 "title": names.isEmpty ? nil : names.joined(separator: ", ")], text: cell.text)
                })
        }
        var known: [XMLNode] = []
        for driver in layout.drivers {
            let xfails = report.results.filter { $0.driver == driver && $0.expectation.outcome == .xfail }
            guard !xfails.isEmpty else { continue }
            known.append(Markup.element("h3", text: "Expected to fail on \(driver) (catalog xfail), and why"))
            known.append(Markup.element("ul", ["data-driver": driver], xfails.map { result in
                Markup.element("li", [:], [
                    Markup.element("a", ["href": "#" + ReportFormat.resultID(driver: result.driver, test: result.test)], text: result.test),
                    Markup.text(": " + (result.expectation.reason ?? "no reason given")),
                ])
            }))
        }
        return Markup.element("section", ["id": "support"], [
            Markup.element("h2", text: "What each driver supports"),
            Markup.element("table", ["class": "summary"], [
                Markup.element("thead", [:], [Markup.element("tr", [:], header)]),
                Markup.element("tbody", [:], rows),
            ]),
        ] + known)
    }
}
