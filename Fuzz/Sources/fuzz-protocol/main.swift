// fuzz-protocol: the guest result-line protocol parser and the judge.
//
// Input: byte 0 picks the termination (low 2 bits: guest exit / timeout / crash / VMM failure; the
// rest is the exit code), byte 1 the catalog expectation, byte 2 whether console bytes were dropped;
// everything after is the console transcript. Seeds are real transcripts behind a 3-byte header
// (00 00 00: guest exit 0, expected to pass, nothing dropped).
//
// Invariants: the parser's bounds (cases, data records, errors) hold; every recorded name is of the
// protocol's alphabet; no errors means a complete report; the judge's outcome follows its rules
// (docs/tck-outcomes.md) and the judged result survives results.json unchanged.
import Foundation
import FuzzSupport
import TCK

private let expectations: [Expectation] = [
    .pass, Expectation(outcome: .xfail, reason: "fuzz"), Expectation(outcome: .crash),
    Expectation(outcome: .timeout), Expectation(outcome: .error),
]
private let entry = CatalogEntry(name: "fuzz", kernel: "fuzz", groups: ["fuzz"])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let kind = input.byte()
    let expectation = expectations[Int(input.byte()) % expectations.count]
    let dropped = UInt64(input.byte())
    let console = input.rest()
    let termination: DriverRun.Termination
    switch kind & 3 {
    case 0: termination = .guestExit(code: UInt32(kind >> 2))
    case 1: termination = .timeout
    case 2: termination = .guestCrash(reason: kind >> 2 == 0 ? "" : "triple fault")
    default: termination = .vmmFailure(reason: kind >> 2 == 0 ? "" : "died on signal 9")
    }

    let parsed = ResultProtocol.parse(console)
    checkParsed(parsed)

    var fuzzEntry = entry
    fuzzEntry.defaultExpectation = expectation
    let run = DriverRun(termination: termination, console: console, consoleBytesDropped: dropped, durationSeconds: 0.5)
    let result = Judge.judge(entry: fuzzEntry, driver: "swiftvm", run: run)
    checkJudged(result, parsed: parsed, run: run, expectation: expectation)
    return 0
}

private func checkParsed(_ parsed: ParsedConsole) {
    require(parsed.cases.count <= ResultProtocol.maximumCases, "\(parsed.cases.count) cases kept")
    require(parsed.data.count <= ResultProtocol.maximumDataRecords, "\(parsed.data.count) data records kept")
    // At most maximumErrors listed, plus the missing BEGIN/END sentence and the "N more" line.
    require(parsed.errors.count <= ResultProtocol.maximumErrors + 2, "\(parsed.errors.count) errors listed")
    if let kernel = parsed.kernel { require(ResultProtocol.isValidName(kernel.utf8), "kernel name '\(kernel)'") }
    require(parsed.summary == nil || parsed.kernel != nil, "END recorded without BEGIN")
    var counted = ParsedConsole.Counts()
    for testCase in parsed.cases {
        require(ResultProtocol.isValidName(testCase.name.utf8), "case name '\(testCase.name)'")
        switch testCase.status {
        case .pass: counted.pass += 1
        case .fail: counted.fail += 1
        case .skip: counted.skip += 1
        }
    }
    for record in parsed.data { require(ResultProtocol.isValidName(record.key.utf8), "data key '\(record.key)'") }
    if parsed.cases.count < ResultProtocol.maximumCases {
        require(counted == parsed.reported, "reported \(parsed.reported) but recorded \(counted)")
        require(parsed.lastCaseName == parsed.cases.last?.name, "lastCaseName is not the last case")
    } else {
        require(counted.pass <= parsed.reported.pass && counted.fail <= parsed.reported.fail
                && counted.skip <= parsed.reported.skip, "recorded more cases than reported")
    }
    require(!parsed.errors.isEmpty || parsed.isComplete, "no protocol errors yet the report is incomplete")
    require(parsed.freeTextLines <= parsed.lineCount, "more free-text lines than lines")
    let protocolLines = parsed.cases.count + parsed.data.count + (parsed.hasBegin ? 1 : 0) + (parsed.hasEnd ? 1 : 0)
    require(protocolLines + parsed.freeTextLines <= parsed.lineCount, "more lines accounted for than exist")
}

private func checkJudged(_ result: TestResult, parsed: ParsedConsole, run: DriverRun, expectation: Expectation) {
    require(result.cases == parsed.cases && result.data == parsed.data, "judge and parser disagree on cases")
    require(result.protocolErrors == parsed.errors, "judge and parser disagree on errors")
    require(result.consoleTruncated == (run.consoleBytesDropped > 0), "consoleTruncated wrong")
    require(!result.reason.isEmpty, "empty reason")
    let (raw, _) = Judge.rawVerdict(entry: entry, run: run, parsed: parsed)
    switch run.termination {
    case .timeout, .deadlock: require(raw == .timeout, "\(run.termination) judged \(raw)")
    case .guestCrash: require(raw == .crash, "crash judged \(raw)")
    case .vmmFailure: require(raw == .error, "VMM failure judged \(raw)")
    case let .guestExit(code):
        switch raw {
        case .pass: require(code == 0 && parsed.isComplete && parsed.reported.fail == 0, "pass without a clean report")
        case .skip: require(code == 0 && parsed.isComplete && parsed.reported.total > 0
                            && parsed.reported.skip == parsed.reported.total, "skip without all cases skipped")
        case .fail: require(parsed.isComplete && (code != 0 || parsed.reported.fail > 0), "fail without a failure")
        case .error: require(!parsed.isComplete, "error on a complete report")
        default: require(false, "guest exit judged \(raw)")
        }
    }
    switch expectation.outcome {
    case .pass:
        require(result.outcome == raw && result.expected == (raw == .pass || raw == .skip), "pass expectation misapplied")
    case .xfail:
        let mapped: Outcome = raw == .fail ? .xfail : raw == .pass ? .xpass : raw
        require(result.outcome == mapped && result.expected == (raw == .fail), "xfail expectation misapplied")
    default:
        require(result.outcome == raw && result.expected == (raw == expectation.outcome), "\(expectation.outcome) expectation misapplied")
    }
    // What the runner writes, `tck report` must read back unchanged.
    let report = RunReport(tool: "fuzz", startedAt: "2025-01-01T00:00:00Z", finishedAt: "2025-01-01T00:00:01Z",
                           partial: false, shard: nil, drivers: [], host: HostInfo(hostname: "h", kernel: "k", cpu: "c", kvm: "v"),
                           results: [result])
    let decoded = try! ReportCoding.decode(try! ReportCoding.encode(report))
    require(decoded == report, "the judged result does not survive results.json")
}
