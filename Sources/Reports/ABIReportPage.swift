#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif
import ABI
import TCK

/// `tck abi report`: the release × machine-type page. One row per machine type (oldest first) with its
/// baseline and what changed from the previous machine type; optionally a column comparing the newest
/// machine type with another fingerprint (`--against`, e.g. QEMU's pc-i440fx-7.2). Every item links to
/// its row in the drill-down of that comparison further down the page.
///
/// DOM contract: `<table class="abi-matrix" id="matrix">`, one `<tr data-machine>` per machine type; each
/// comparison is a `<section class="transition" id="t<n>-…">` whose changes have ids `t<n>-change-<i>` and
/// whose masked items (not compared) are listed in `#t<n>-masked`; a matrix cell of a comparison with masked
/// items says how many and links there (`a.masked-note`), so no comparison looks silently equal.
public enum ABIReportPage {
    /// A machine type's committed baseline.
    public typealias Machine = ABIBaseline

    public struct Comparison: Sendable {
        public var from: String
        public var to: String
        public var result: ABIDiffResult
        public init(from: String, to: String, result: ABIDiffResult) {
            self.from = from
            self.to = to
            self.result = result
        }
    }

    /// `transitions[i]` compares `machines[i]` with `machines[i + 1]`; `against` compares the newest machine type
    /// with the `--against` fingerprint.
    public static func render(machines: [Machine], transitions: [Comparison], against: Comparison?, release: String) -> String {
        var comparisons = transitions
        if let against { comparisons.append(against) }
        let prefixes = comparisons.indices.map { "t\($0 + 1)-" }
        var children: [XMLNode] = [
            Markup.element("header", [:], [
                Markup.element("h1", text: "Guest ABI by machine type"),
                Markup.element("p", ["class": "subtitle"], text: "\(release) · \(machines.count) machine type\(machines.count == 1 ? "" : "s")"
                               + (against.map { " · compared with \($0.to)" } ?? "")),
            ]),
            matrix(machines: machines, transitions: transitions, against: against, prefixes: prefixes),
        ]
        for (index, comparison) in comparisons.enumerated() {
            let prefix = prefixes[index]
            let result = comparison.result
            children.append(Markup.element("section", ["class": "transition", "id": "\(prefix)\(ABIDiffHTML.anchor(comparison.from + "-" + comparison.to))",
                                                       "data-from": comparison.from, "data-to": comparison.to], [
                Markup.element("h2", ["class": "transition-title"], [
                    Markup.text("\(comparison.from) → \(comparison.to)"),
                    Markup.element("a", ["class": "back", "href": "#matrix"], text: "  ↑ matrix"),
                ]),
                ABIDiffHTML.summary(result, prefix: prefix),
                ABIDiffHTML.masked(result, prefix: prefix),
                ABIDiffHTML.changes(result, prefix: prefix, heading: "Changes \(comparison.from) → \(comparison.to)"),
            ]))
        }
        children.append(ABIDiffHTML.footer())
        return ABIDiffHTML.page(title: "Guest ABI by machine type (\(release))", main: Markup.element("main", [:], children))
    }

    private static func matrix(machines: [Machine], transitions: [Comparison], against: Comparison?, prefixes: [String]) -> XMLElement {
        var header: [XMLNode] = [
            Markup.element("th", ["class": "machine", "scope": "col"], text: "Machine type"),
            Markup.element("th", ["scope": "col"], text: "Baseline"),
            Markup.element("th", ["scope": "col"], text: "Changed from the previous machine type"),
        ]
        if let against { header.append(Markup.element("th", ["scope": "col"], text: "Compared with \(against.to)")) }
        let rows = machines.enumerated().map { index, machine in
            let abi = machine.fingerprint.abi
            var cells: [XMLNode] = [
                Markup.element("th", ["scope": "row", "class": "mono"], text: machine.name),
                Markup.element("td", [:], [
                    Markup.element("span", ["class": "mono"], text: machine.path),
                    Markup.element("span", ["class": "hash"], text: machine.fingerprint.hash),
                    Markup.element("span", ["class": "groups"],
                                   text: "cpuid \(abi.cpuid.count) leaves · acpi \(abi.acpi.count) tables · pci \(abi.pci.count) functions · "
                                       + "\(machine.fingerprint.cpus) vCPUs"),
                ]),
            ]
            if index == 0 {
                cells.append(Markup.element("td", ["class": "none"], text: "first machine type"))
            } else {
                cells.append(changeList(transitions[index - 1], prefix: prefixes[index - 1], limit: 24))
            }
            if let against {
                cells.append(index == machines.count - 1 ? areaCounts(against, prefix: prefixes[transitions.count])
                                                         : Markup.element("td", ["class": "none"], text: "—"))
            }
            return Markup.element("tr", ["data-machine": machine.name], cells)
        }
        return Markup.element("section", ["id": "matrix-section"], [
            Markup.element("h2", text: "Machine types"),
            Markup.element("table", ["class": "abi-matrix", "id": "matrix"], [
                Markup.element("thead", [:], [Markup.element("tr", [:], header)]),
                Markup.element("tbody", [:], rows),
            ]),
        ])
    }

    /// Every item, linked to its detail (after `limit` items, a link to the rest).
    private static func changeList(_ comparison: Comparison, prefix: String, limit: Int) -> XMLElement {
        let result = comparison.result
        guard !result.changes.isEmpty else { return identical(result, prefix: prefix) }
        let failing = result.breakingUnwaived.count
        var items: [XMLNode] = result.changes.enumerated().prefix(limit).map { index, change in
            Markup.element("li", ["class": change.compatibility == .breaking && !change.isWaived ? "breaking" : nil], [
                Markup.element("span", ["class": "badge c-\(change.compatibility.rawValue)"], text: change.compatibility.rawValue),
            ] + (change.isWaived ? [Markup.element("span", ["class": "badge waived"], text: "waived")] : []) + [
                Markup.element("a", ["class": "mono", "href": "#" + ABIDiffHTML.changeID(prefix: prefix, index: index)], text: change.summary),
            ])
        }
        if result.changes.count > limit {
            items.append(Markup.element("li", [:], [Markup.element("a", ["href": "#\(prefix)changes"], text: "… \(result.changes.count - limit) more")]))
        }
        return Markup.element("td", ["data-changes": String(result.changes.count), "data-breaking": String(failing),
                                     "data-masked": String(result.masked.count)], [
            Markup.element("b", text: "\(result.changes.count) change\(result.changes.count == 1 ? "" : "s"), \(failing) breaking"),
            Markup.element("ul", [:], items),
        ] + maskedNote(result, prefix: prefix))
    }

    /// "identical ABI", or, when something was masked, "identical ABI (compared items)" and the masked count.
    private static func identical(_ result: ABIDiffResult, prefix: String) -> XMLElement {
        guard !result.masked.isEmpty else { return Markup.element("td", ["class": "none"], text: "identical ABI") }
        return Markup.element("td", ["class": "none", "data-changes": "0", "data-masked": String(result.masked.count)],
                              [Markup.text("identical ABI (compared items)")] + maskedNote(result, prefix: prefix))
    }

    /// A link to the comparison's masked items, when it has any.
    private static func maskedNote(_ result: ABIDiffResult, prefix: String) -> [XMLNode] {
        guard !result.masked.isEmpty else { return [] }
        let count = result.masked.count
        return [Markup.element("a", ["class": "masked-note", "href": "#\(prefix)masked"],
                               text: "\(count) masked item\(count == 1 ? "" : "s"), not compared")]
    }

    /// For a large comparison (another VMM): counts per area, each linked to the area's drill-down.
    private static func areaCounts(_ comparison: Comparison, prefix: String) -> XMLElement {
        let result = comparison.result
        guard !result.changes.isEmpty else { return identical(result, prefix: prefix) }
        let items: [XMLNode] = ABIDiffHTML.areasInOrder(result).compactMap { area in
            let changes = result.changes.filter { $0.area == area }
            guard !changes.isEmpty else { return nil }
            let bad = changes.filter { $0.compatibility == .breaking && !$0.isWaived }.count
            return Markup.element("li", ["class": bad > 0 ? "breaking" : nil], [
                Markup.element("a", ["class": "mono", "href": "#" + ABIDiffHTML.areaID(prefix: prefix, area: area)],
                               text: "\(area): \(changes.count) (\(bad) breaking)"),
            ])
        }
        return Markup.element("td", ["data-changes": String(result.changes.count), "data-breaking": String(result.breakingUnwaived.count),
                                     "data-masked": String(result.masked.count)], [
            Markup.element("b", text: "\(result.changes.count) changes, \(result.breakingUnwaived.count) breaking"),
            Markup.element("ul", [:], items),
        ] + maskedNote(result, prefix: prefix))
    }
}
