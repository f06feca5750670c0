import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TCK

/// Renders a run as JUnit XML (the Jenkins/Ant dialect that GitLab, GitHub actions, junitparser and
/// most CI systems read; layout and naming in docs/junit.md, schema Tests/ReportsTests/Fixtures/junit-ant.xsd):
/// one `<testsuite>` per test on a driver, one `<testcase>` per case the kernel reported, plus a `(run)`
/// testcase for what happened to the whole kernel when cases alone cannot say it.
///
/// - classname `<driver>.<test>` with any `.` inside driver or test written `_` (`swiftvm.conf-pci-1_0`):
///   Jenkins splits a classname at its last dot into package (driver) and class (test), GitLab shows it
///   as the suite; both key a testcase by classname and name.
/// - `time` on every testcase: the kernel's wall time split evenly over its testcases (a guest does not
///   time its cases), so they add up to the suite's time.
/// - A failed or errored testcase carries the console tail (`system-out`) and the VMM's stderr tail,
///   exit and command (`system-err`); the suite carries them too, for every result. The tails are
///   bounded (`ReportLogs`), and each names the file with the whole log.
public enum JUnitWriter {
    /// One `<testcase>` before rendering: what CI systems count.
    public struct TestCase: Equatable, Sendable {
        public enum Verdict: Equatable, Sendable {
            case passed
            case failure(message: String, details: String)
            case error(type: String, message: String, details: String)
            case skipped(message: String)
        }
        public var name: String
        public var verdict: Verdict
        public var seconds: Double?
    }

    /// Name of the testcase that stands for the whole kernel run.
    public static let runCaseName = "(run)"

    public static func render(_ report: RunReport) -> String {
        let layout = ReportLayout(report)
        var suites: [XMLElement] = []
        var totals = Counts()
        for result in report.results {
            let cases = testCases(for: result)
            let counts = Counts(cases)
            totals.add(counts, seconds: result.durationSeconds)
            suites.append(suite(for: result, cases: cases, counts: counts, report: report, layout: layout))
        }
        // Only the attributes the Ant/Jenkins format defines for <testsuites> (no skipped, no timestamp).
        let root = Markup.element("testsuites", [
            "name": report.tool, "tests": String(totals.tests), "failures": String(totals.failures),
            "errors": String(totals.errors), "time": ReportFormat.seconds(totals.seconds),
        ], suites)
        return Markup.xmlDocument(root)
    }

    /// How one result maps onto testcases.
    ///
    /// - Reported cases: PASS → passing testcase, FAIL → `<failure>`, SKIP → `<skipped>`; in an xfail
    ///   result FAIL cases become `<skipped message="xfail: reason (link)">` instead.
    /// - A `(run)` testcase is added when the outcome is about the whole kernel: an unexpected timeout,
    ///   crash or error → `<error type=…>`; an expected one (robustness tests) → passing; xpass →
    ///   `<failure message="unexpectedly passed: …">`; fail/xfail/skip with no case saying so → the
    ///   matching failure/skipped element; pass with no cases → passing.
    public static func testCases(for result: TestResult) -> [TestCase] {
        let xfailNote = "xfail: " + xfailText(result.expectation)
        var cases: [TestCase] = result.cases.map { reported in
            let message = reported.message ?? ""
            switch reported.status {
            case .pass: return TestCase(name: reported.name, verdict: .passed)
            case .skip: return TestCase(name: reported.name, verdict: .skipped(message: message))
            case .fail where result.outcome == .xfail:
                return TestCase(name: reported.name, verdict: .skipped(message: message.isEmpty ? xfailNote : "\(xfailNote) — \(message)"))
            case .fail: return TestCase(name: reported.name, verdict: .failure(message: message, details: message))
            }
        }
        let failedCases = result.cases.contains { $0.status == .fail }
        let runDetails = runDetails(result)
        let run: TestCase.Verdict?
        switch result.outcome {
        case .timeout, .crash, .error:
            run = result.expected ? .passed
                : .error(type: result.outcome.rawValue, message: result.reason, details: runDetails)
        case .xpass:
            run = .failure(message: "unexpectedly passed: expected xfail: \(xfailText(result.expectation))", details: runDetails)
        case .fail:
            run = failedCases ? nil : .failure(message: result.reason, details: runDetails)
        case .xfail:
            run = failedCases ? nil : .skipped(message: "\(xfailNote) — \(result.reason)")
        case .skip:
            run = result.cases.isEmpty ? .skipped(message: result.reason) : nil
        case .pass:
            run = result.cases.isEmpty ? .passed : nil
        }
        if let run { cases.append(TestCase(name: runCaseName, verdict: run)) }
        let share = cases.isEmpty ? 0 : max(0, result.durationSeconds.isFinite ? result.durationSeconds : 0) / Double(cases.count)
        for index in cases.indices { cases[index].seconds = share }
        return cases
    }

    /// `<driver>.<test>`, every `.` inside either written `_`: exactly one dot, so Jenkins reads package
    /// = driver and class = test (`swiftvm.conf-pci-1.0` would be package `swiftvm.conf-pci-1`, class `0`).
    public static func className(driver: String, test: String) -> String {
        driver.replacingOccurrences(of: ".", with: "_") + "." + test.replacingOccurrences(of: ".", with: "_")
    }

    private static func xfailText(_ expectation: Expectation) -> String {
        var text = expectation.reason ?? "expected to fail"
        if let link = expectation.link, !link.isEmpty { text += " (\(link))" }
        return text
    }

    private static func runDetails(_ result: TestResult) -> String {
        var lines = [result.reason, "exit: \(result.exitDescription)"]
        lines += result.protocolErrors.map { "protocol: \($0)" }
        return lines.joined(separator: "\n")
    }

    private static func suite(for result: TestResult, cases: [TestCase], counts: Counts, report: RunReport,
                              layout: ReportLayout) -> XMLElement {
        let className = className(driver: result.driver, test: result.test)
        let out = systemOut(result), err = systemErr(result)
        var children: [XMLNode] = [properties(for: result, report: report, layout: layout)]
        var firstBad: String?
        for testCase in cases {
            var output: (out: String, err: String)?
            switch testCase.verdict {
            case .failure, .error:
                if let firstBad {
                    let pointer = "[tck] the console and VMM output of \(result.key) are in testcase '\(firstBad)' of this suite"
                    output = (pointer + "\n", pointer + "\n")
                } else {
                    firstBad = testCase.name
                    output = (out, err)
                }
            case .passed, .skipped:
                output = nil
            }
            children.append(element(for: testCase, className: className, output: output))
        }
        children.append(Markup.element("system-out", text: out))
        children.append(Markup.element("system-err", text: err))
        return Markup.element("testsuite", [
            "name": "\(result.driver)/\(result.test)", "tests": String(counts.tests),
            "failures": String(counts.failures), "errors": String(counts.errors), "skipped": String(counts.skipped),
            "time": ReportFormat.seconds(result.durationSeconds), "timestamp": report.startedAt,
            "hostname": report.host.hostname,
        ], children)
    }

    private static func element(for testCase: TestCase, className: String, output: (out: String, err: String)?) -> XMLElement {
        var children: [XMLNode] = []
        switch testCase.verdict {
        case .passed: break
        case .failure(let message, let details):
            children.append(Markup.element("failure", ["message": ReportText.line(message), "type": "failure"], text: details))
        case .error(let type, let message, let details):
            children.append(Markup.element("error", ["message": ReportText.line(message), "type": type], text: details))
        case .skipped(let message):
            children.append(Markup.element("skipped", ["message": ReportText.line(message)]))
        }
        if let output {
            children.append(Markup.element("system-out", text: output.out))
            children.append(Markup.element("system-err", text: output.err))
        }
        return Markup.element("testcase", [
            "classname": className, "name": testCase.name, "time": ReportFormat.seconds(testCase.seconds ?? 0),
        ], children)
    }

    private static func properties(for result: TestResult, report: RunReport, layout: ReportLayout) -> XMLElement {
        var pairs: [(String, String)] = [("driver", result.driver)]
        if let info = layout.info(driver: result.driver) {
            pairs.append(("driver.version", info.version))
            pairs.append(("driver.executable", info.executable))
            for key in info.details.keys.sorted() { pairs.append(("driver.\(key)", info.details[key] ?? "")) }
        }
        pairs += [
            ("machine", result.machine ?? layout.info(driver: result.driver)?.details["machine"] ?? "driver default"),
            ("kernel", result.kernel), ("groups", result.groups.joined(separator: ",")),
            ("expectation", ReportFormat.expectation(result.expectation)), ("outcome", result.outcome.rawValue),
            ("expected", String(result.expected)), ("exit", result.exitDescription),
            ("command", ReportFormat.shellCommand(result.commandLine)),
            ("log.console", result.consoleLog ?? ""), ("log.vmm", result.vmmLog ?? ""),
            ("host.name", report.host.hostname), ("host.kernel", report.host.kernel),
            ("host.cpu", report.host.cpu), ("host.kvm", report.host.kvm),
        ]
        if let migration = result.migration {
            pairs += [("migration.saves", String(migration.saves)), ("migration.restores", String(migration.restores)),
                      ("migration", migration.summary), ("migration.snapshot", migration.snapshotPath ?? "")]
        }
        if let identity = report.identity {
            pairs += [("tck.version", identity.tckVersion), ("kit.commit", identity.kitCommit),
                      ("catalog", identity.catalog.path), ("catalog.sha256", identity.catalog.sha256)]
        }
        return Markup.element("properties", [:], pairs.map { Markup.element("property", ["name": $0.0, "value": $0.1]) })
    }

    /// The console tail, after a line naming the full log (and what the tail leaves out).
    private static func systemOut(_ result: TestResult) -> String {
        let view = LogView.console(result)
        return "[tck] console of \(result.key): \(view.heading)\n" + view.text
    }

    private static func systemErr(_ result: TestResult) -> String {
        var parts: [String] = []
        if !result.protocolErrors.isEmpty {
            parts.append("protocol errors:\n" + result.protocolErrors.map { "  \($0)" }.joined(separator: "\n"))
        }
        let vmm = LogView.vmm(result)
        if !vmm.text.isEmpty || vmm.cut != nil {
            parts.append("[tck] VMM stderr of \(result.key): \(vmm.heading)\n" + vmm.text.trimmingSuffix("\n"))
        }
        parts.append("exit: \(result.exitDescription)")
        parts.append("command: \(ReportFormat.shellCommand(result.commandLine))")
        return parts.joined(separator: "\n") + "\n"
    }

    private struct Counts {
        var tests = 0, failures = 0, errors = 0, skipped = 0
        var seconds = 0.0

        init() {}
        init(_ cases: [TestCase]) {
            tests = cases.count
            for testCase in cases {
                switch testCase.verdict {
                case .passed: break
                case .failure: failures += 1
                case .error: errors += 1
                case .skipped: skipped += 1
                }
            }
        }

        mutating func add(_ other: Counts, seconds: Double) {
            tests += other.tests; failures += other.failures; errors += other.errors; skipped += other.skipped
            if seconds.isFinite && seconds > 0 { self.seconds += seconds }
        }
    }
}
