import Foundation
import TCK

/// The order and lookups every writer shares: drivers as declared in the report (then any driver that
/// only appears in results), tests in the order they first appear in the results.
struct ReportLayout {
    let drivers: [String]
    let tests: [String]
    private let byKey: [String: TestResult]
    private let infoByName: [String: DriverInfo]

    init(_ report: RunReport) {
        var drivers = report.drivers.map(\.name)
        var tests: [String] = []
        var byKey: [String: TestResult] = [:]
        for result in report.results {
            if !drivers.contains(result.driver) { drivers.append(result.driver) }
            if !tests.contains(result.test) { tests.append(result.test) }
            if byKey[result.key] == nil { byKey[result.key] = result }
        }
        var infoByName: [String: DriverInfo] = [:]
        for info in report.drivers where infoByName[info.name] == nil { infoByName[info.name] = info }
        self.drivers = drivers
        self.tests = tests
        self.byKey = byKey
        self.infoByName = infoByName
    }

    func result(driver: String, test: String) -> TestResult? { byKey["\(driver)/\(test)"] }
    func info(driver: String) -> DriverInfo? { infoByName[driver] }
}

/// Small formatting rules shared by the writers.
enum ReportFormat {
    /// Seconds with millisecond precision, as JUnit's `time` attribute wants ("1.250").
    static func seconds(_ value: Double) -> String {
        guard value.isFinite, value >= 0 else { return "0.000" }
        return String(format: "%.3f", value)
    }

    /// "pass", or e.g. "xfail: APIC IDs not yet unique (https://…/issues/7)".
    static func expectation(_ expectation: Expectation) -> String {
        var text = expectation.outcome.rawValue
        if let reason = expectation.reason, !reason.isEmpty { text += ": \(reason)" }
        if let link = expectation.link, !link.isEmpty { text += " (\(link))" }
        return text
    }

    /// The command line as one string a shell reads back into the same arguments.
    static func shellCommand(_ arguments: [String]) -> String { RecordedCommandLine.shell(arguments) }

    static let cutNote = "[tck: console log cut at the capture limit; later output was not kept]"

    /// A duration for people: "0.18 s", "12.3 s", "2 min 5 s".
    static func duration(_ value: Double) -> String {
        guard value.isFinite, value >= 0 else { return "–" }
        if value < 10 { return String(format: "%.2f s", value) }
        if value < 60 { return String(format: "%.1f s", value) }
        let whole = Int(value.rounded())
        return "\(whole / 60) min \(whole % 60) s"
    }

    /// A name safe for an XML/HTML id: ASCII letters, digits, `.` and `-` kept; anything else as `_hh`
    /// (UTF-8 bytes in hex), so distinct names give distinct ids.
    static func idFragment(_ name: String) -> String {
        var out = ""
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += String(format: "_%02x", byte)
            }
        }
        return out
    }

    /// `result-<driver>-<test>`: the anchor of one result's detail section.
    static func resultID(driver: String, test: String) -> String {
        "result-\(idFragment(driver))-\(idFragment(test))"
    }
}
