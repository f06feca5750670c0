#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif
import TCK

/// The test × driver matrix: "what works on which driver". Rows are tests (in run order), columns are
/// drivers (as given on the command line, `tck run --driver swiftvm --driver qemu`), each cell the outcome
/// with its icon and duration, linking to that result's detail section. The columns are of equal width
/// (fixed table layout; driver versions are in the run block, not in the column heads). A result as
/// expected is calm, one that is not is solid red and says "unexpected" (`OutcomeStyle`); a test not run
/// on a driver shows "not run".
///
/// DOM contract (used by scripts/check-reports.sh and tests): `<section id="matrix">` holds
/// `<table class="matrix">`; each cell is `<td class="cell …" data-driver data-test data-outcome
/// data-expected data-seconds>` with `data-outcome="none"` for a test not run on that driver.
enum MatrixPage {
    static func section(_ report: RunReport, layout: ReportLayout) -> XMLElement {
        Markup.element("section", ["id": "matrix"], [
            Markup.element("h2", text: "Functionality by driver"),
            legend(),
            table(layout),
        ])
    }

    static func legend() -> XMLElement {
        let tones: [(OutcomeStyle.Tone, Outcome, String)] = [
            (.ok, .pass, "passed, as expected"),
            (.skip, .skip, "skipped, as expected"),
            (.calm, .crash, "an xfail, crash, timeout or error the catalog declares"),
            (.loud, .fail, "unexpected: not what the catalog expects on that driver (tck exits 1)"),
        ]
        var items = tones.map { tone, outcome, text in
            Markup.element("li", [:], [OutcomeStyle.badge(outcome, tone: tone), Markup.text(" " + text)])
        }
        items.append(Markup.element("li", [:], [
            Markup.text("Outcomes: "),
            Markup.element("span", [:], text: OutcomeStyle.order.map { "\(OutcomeStyle.label($0)) = \(OutcomeStyle.meaning($0))" }
                .joined(separator: "; ")),
        ]))
        return Markup.element("ul", ["class": "legend", "id": "legend"], items)
    }

    static func table(_ layout: ReportLayout) -> XMLElement {
        var headers: [XMLNode] = [Markup.element("th", ["class": "test", "scope": "col"], text: "Test")]
        for driver in layout.drivers {
            var children: [XMLNode] = [Markup.text(driver)]
            if let details = layout.info(driver: driver)?.details, !details.isEmpty {
                let short = ["accel", "machine"].compactMap { details[$0] }.joined(separator: " · ")
                if !short.isEmpty { children.append(Markup.element("span", ["class": "note"], text: short)) }
            }
            headers.append(Markup.element("th", ["scope": "col", "data-driver": driver], children))
        }
        let rows = layout.tests.map { test in row(test: test, layout: layout) }
        return Markup.element("table", ["class": "matrix"], [
            Markup.element("thead", [:], [Markup.element("tr", [:], headers)]),
            Markup.element("tbody", [:], rows),
        ])
    }

    private static func row(test: String, layout: ReportLayout) -> XMLElement {
        let groups = layout.drivers.lazy.compactMap { layout.result(driver: $0, test: test)?.groups }.first ?? []
        var nameCell: [XMLNode] = [Markup.element("span", ["class": "mono"], text: test)]
        if !groups.isEmpty {
            nameCell.append(Markup.element("span", ["class": "groups"], text: groups.joined(separator: ", ")))
        }
        var cells: [XMLNode] = [Markup.element("th", ["scope": "row"], nameCell)]
        for driver in layout.drivers {
            cells.append(cell(driver: driver, test: test, result: layout.result(driver: driver, test: test)))
        }
        return Markup.element("tr", ["data-test": test], cells)
    }

    private static func cell(driver: String, test: String, result: TestResult?) -> XMLElement {
        guard let result else {
            return Markup.element("td", [
                "class": "cell tone-none", "data-driver": driver, "data-test": test, "data-outcome": "none",
            ], text: "not run")
        }
        let tone = OutcomeStyle.tone(result)
        var label: [XMLNode] = [
            Markup.element("span", ["class": "outcome"], [
                Markup.element("span", ["class": "icon", "aria-hidden": "true"], text: tone.icon),
                Markup.text(" " + OutcomeStyle.label(result.outcome)),
            ]),
        ]
        let time = ReportFormat.duration(result.durationSeconds)
        switch tone {
        case .loud:
            label.append(Markup.element("span", ["class": "flag"], text: "unexpected"))
            label.append(Markup.element("span", ["class": "time"], text: time))
        case .calm: label.append(Markup.element("span", ["class": "time"], text: "expected · " + time))
        case .ok, .skip: label.append(Markup.element("span", ["class": "time"], text: time))
        }
        let link = Markup.element("a", [
            "href": "#" + ReportFormat.resultID(driver: driver, test: test), "title": ReportText.line(result.reason),
        ], label)
        return Markup.element("td", [
            "class": "cell \(tone.cssClass)", "data-driver": driver, "data-test": test,
            "data-outcome": result.outcome.rawValue, "data-expected": String(result.expected),
            "data-seconds": ReportFormat.seconds(result.durationSeconds),
        ], [link])
    }
}
