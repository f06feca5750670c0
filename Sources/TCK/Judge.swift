/// Turns what a driver observed into a judged `TestResult` (rules also in docs/tck-outcomes.md).
///
/// Raw outcome, from the termination first, then from the parsed console:
/// 1. `.timeout` → `timeout`; `.deadlock` → `timeout` at once, the VMM's reason kept (the guest could never
///    have finished); `.guestCrash` → `crash`; `.vmmFailure` → `error`; `.unsupported` (the driver cannot
///    run this test, e.g. `migrate` on libvirt) → `skip` with the driver's reason.
/// 2. `.guestExit(code)`: a report that cannot be judged — no `BEGIN`, no `END`, `END` counts that
///    differ from the `CASE` lines, or no case at all (a kernel that checked nothing proves nothing) —
///    → `error`.
/// 3. Any `FAIL` case, or an exit code other than 0 → `fail` (the reason says when the exit code and
///    the cases disagree: a FAIL case yet exit 0, or exit ≠ 0 with no FAIL case).
/// 4. At least one case and all of them `SKIP` → `skip`.
/// 5. Otherwise (exit 0, complete report, no FAIL) → `pass`.
///
/// Expectation (the catalog's, for this driver):
/// - `xfail`: raw `fail` becomes `xfail` (expected); raw `pass` becomes `xpass` (not expected: the entry is
///   stale); any other outcome stays and is not expected.
/// - `crash` / `timeout`: that outcome is expected, anything else is not.
/// - `pass`: `pass` and `skip` are expected, anything else is not.
///
/// The console is parsed for every termination, so a crashed or timed-out kernel still shows the cases
/// and records it reported and its protocol errors.
public enum Judge {
    public static func judge(entry: CatalogEntry, driver: String, run: DriverRun) -> TestResult {
        let parsed = ResultProtocol.parse(run.console)
        let raw = rawVerdict(entry: entry, run: run, parsed: parsed)
        let expectation = entry.expectation(for: driver)
        let (outcome, expected, reason) = apply(expectation, to: raw)
        return TestResult(test: entry.name, kernel: entry.kernel, groups: entry.groups, driver: driver,
                          outcome: outcome, expected: expected, reason: reason, expectation: expectation,
                          cases: parsed.cases, data: parsed.data, protocolErrors: parsed.errors,
                          console: String(decoding: run.console, as: UTF8.self),
                          consoleTruncated: run.consoleBytesDropped > 0,
                          exitDescription: exitDescription(run.termination), durationSeconds: run.durationSeconds,
                          diagnostics: run.diagnostics, commandLine: run.commandLine,
                          machine: entry.machine(for: driver), migration: run.migration)
    }

    /// "guest exit 1", "timeout", "crash: triple fault", "VMM failure: …".
    public static func exitDescription(_ termination: DriverRun.Termination) -> String {
        switch termination {
        case .guestExit(let code): "guest exit \(code)"
        case .timeout: "timeout"
        case .deadlock(let reason): reason
        case .guestCrash(let reason): "crash: \(reason)"
        case .vmmFailure(let reason): "VMM failure: \(reason)"
        case .unsupported(let reason): "not run: \(reason)"
        }
    }

    /// The outcome before the expectation is applied, with its one-sentence reason.
    public static func rawVerdict(entry: CatalogEntry, run: DriverRun, parsed: ParsedConsole) -> (Outcome, String) {
        switch run.termination {
        case .timeout:
            let progress = parsed.lastCaseName.map { " (last case reported: '\($0)')" } ?? ""
            return (.timeout, "did not finish within \(seconds(entry.timeoutSeconds))\(progress)")
        case .deadlock(let reason):
            let progress = parsed.lastCaseName.map { " (last case reported: '\($0)')" } ?? ""
            return (.timeout, "would never finish: \(reason); stopped without waiting out its \(seconds(entry.timeoutSeconds))\(progress)")
        case .guestCrash(let reason):
            return (.crash, reason.isEmpty ? "the guest crashed" : reason)
        case .vmmFailure(let reason):
            return (.error, reason.isEmpty ? "the VMM failed" : "the VMM failed: \(reason)")
        case .unsupported(let reason):
            return (.skip, "not run on this driver: \(reason)")
        case .guestExit(let code):
            return verdict(exitCode: code, parsed: parsed)
        }
    }

    private static func verdict(exitCode code: UInt32, parsed: ParsedConsole) -> (Outcome, String) {
        guard parsed.hasBegin else {
            return (.error, "no BEGIN line: the kernel never started reporting (guest exit \(code))")
        }
        guard let summary = parsed.summary else {
            let after = parsed.lastCaseName.map { "after case '\($0)'" } ?? "before reporting any case"
            return (.error, "no END line: the kernel stopped reporting \(after)")
        }
        guard parsed.countsAgree else {
            return (.error, "END says \(summary) but the kernel reported \(parsed.reported) in CASE lines")
        }
        let counts = parsed.reported
        guard counts.total > 0 else {
            return (.error, "the kernel reported no cases: nothing was checked (guest exit \(code))")
        }
        if counts.fail > 0 {
            let failed = parsed.cases.filter { $0.status == .fail }.map(\.name)
            let sentence = "\(counts.fail) of \(counts.total) cases failed: \(list(failed, total: counts.fail))"
            return (.fail, code == 0 ? "\(sentence), yet the guest exited 0" : sentence)
        }
        if code != 0 {
            return (.fail, "the guest exited \(code) although no case failed")
        }
        if counts.skip == counts.total {
            let first = parsed.cases.first { $0.status == .skip }
            let why = first.map { " (\($0.name): \($0.message ?? "no reason given"))" } ?? ""
            return (.skip, counts.total == 1 ? "the only case was skipped\(why)" : "all \(counts.total) cases were skipped\(why)")
        }
        switch counts.skip {
        case 0: return (.pass, counts.pass == 1 ? "1 case passed" : "all \(counts.pass) cases passed")
        default: return (.pass, "\(counts.pass) of \(counts.total) cases passed, \(counts.skip) skipped")
        }
    }

    /// Applies the catalog's expectation to a raw verdict: (outcome, expected, reason).
    public static func apply(_ expectation: Expectation, to raw: (Outcome, String)) -> (Outcome, Bool, String) {
        let (outcome, reason) = raw
        let why = expectation.reason.map { ": \($0)" } ?? ""
        switch expectation.outcome {
        case .xfail:
            switch outcome {
            case .fail: return (.xfail, true, "expected to fail\(why) (\(reason))")
            case .pass: return (.xpass, false, "passed although expected to fail\(why); the xfail entry is stale (\(reason))")
            default: return (outcome, false, "\(reason) (expected to fail\(why))")
            }
        case .pass, .skip:
            let expected = outcome == .pass || outcome == .skip
            return (outcome, expected, reason)
        default:
            let wanted = expectation.outcome
            if outcome == wanted {
                return (outcome, true, "\(reason) (\(wanted.rawValue) expected\(why))")
            }
            return (outcome, false, "expected \(wanted.rawValue)\(why), got \(outcome.rawValue): \(reason)")
        }
    }

    /// "a, b, c" or "a, b, c, d, e and 3 more".
    private static func list(_ names: [String], total: Int) -> String {
        let shown = names.prefix(5)
        let more = total - shown.count
        let text = shown.joined(separator: ", ")
        return more > 0 ? "\(text) and \(more) more" : text
    }

    private static func seconds(_ value: Double) -> String {
        guard value.isFinite, value >= 0, value < 1e9 else { return "\(value) s" }
        if value < 1 { return "\(Int((value * 1000).rounded())) ms" }
        return value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
