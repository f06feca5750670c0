#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif
import TCK

/// The test × driver matrix: "what works on which driver". Rows are tests (in run order), columns are
/// drivers (as given on the command line, `tck run --driver swiftvm --driver qemu`), each cell the outcome
/// as coloured text linking to that result's detail section. A result that is not what the catalog
/// expects is outlined and flagged "unexpected"; a test not run on a driver shows "not run".
///
/// DOM contract (used by scripts/check-reports.sh and tests): `<section id="matrix">` holds
/// `<table class="matrix">`; each cell is `<td class="cell …" data-driver data-test data-outcome
/// data-expected>` with `data-outcome="none"` for a test not run on that driver.
enum MatrixPage {
    static func section(_ report: RunReport, layout: ReportLayout) -> XMLElement {
        Markup.element("section", ["id": "matrix"], [
            Markup.element("h2", text: "Functionality by driver"),
            legend(),
            table(layout),
        ])
    }

    static func legend() -> XMLElement {
        let items = OutcomeStyle.order.map { outcome in
            Markup.element("li", [:], [
                Markup.element("span", ["class": "badge \(OutcomeStyle.cssClass(outcome))"], text: OutcomeStyle.label(outcome)),
                Markup.text(" " + OutcomeStyle.meaning(outcome)),
            ])
        }
        let unexpected = Markup.element("li", [:], [
            Markup.element("span", ["class": "badge o-none mark-unexpected"], text: "unexpected"),
            Markup.text(" outlined: not what the catalog expects on that driver"),
        ])
        return Markup.element("ul", ["class": "legend", "id": "legend"], items + [unexpected])
    }

    static func table(_ layout: ReportLayout) -> XMLElement {
        var headers: [XMLNode] = [Markup.element("th", ["class": "test", "scope": "col"], text: "Test")]
        for driver in layout.drivers {
            var children: [XMLNode] = [Markup.text(driver)]
            if let version = layout.info(driver: driver)?.version, !version.isEmpty {
                children.append(Markup.element("span", ["class": "note"], text: version))
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
                "class": "cell o-none", "data-driver": driver, "data-test": test, "data-outcome": "none",
            ], text: "not run")
        }
        var label: [XMLNode] = [Markup.text(OutcomeStyle.label(result.outcome))]
        if !result.expected {
            label.append(Markup.element("span", ["class": "flag"], text: "unexpected"))
        } else if result.outcome != .pass && result.outcome != .skip {
            label.append(Markup.element("span", ["class": "note"], text: "expected"))
        }
        let link = Markup.element("a", [
            "href": "#" + ReportFormat.resultID(driver: driver, test: test), "title": ReportText.line(result.reason),
        ], label)
        let classes = "cell \(OutcomeStyle.cssClass(result.outcome))" + (result.expected ? "" : " unexpected")
        return Markup.element("td", [
            "class": classes, "data-driver": driver, "data-test": test,
            "data-outcome": result.outcome.rawValue, "data-expected": String(result.expected),
        ], [link])
    }
}
