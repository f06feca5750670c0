/// One test on one driver, judged: what the runner records and every report renders.
public struct TestResult: Codable, Equatable, Sendable {
    public var test: String
    public var kernel: String
    public var groups: [String]
    public var driver: String
    public var outcome: Outcome
    /// True when `outcome` is what the catalog expects on this driver (pass, or the declared xfail/crash/timeout).
    public var expected: Bool
    /// One sentence: why this outcome (e.g. "1 of 4 cases failed: smp.apic_ids_unique").
    public var reason: String
    public var expectation: Expectation
    public var cases: [CaseResult]
    public var data: [DataRecord]
    /// Protocol problems found while parsing the console (kept even when the outcome is not `error`).
    public var protocolErrors: [String]
    /// Console text (invalid UTF-8 replaced), possibly cut at the capture limit. After a run: all of it.
    /// In a results.json (and a report read back without its logs): the last lines, see `consoleCut`.
    public var console: String
    /// The driver's capture limit dropped output at the end (the VMM printed more than was kept).
    public var consoleTruncated: Bool
    /// What `console` leaves out at its start, when it holds only the tail of the console (nil: all of it).
    public var consoleCut: TextCut?
    /// Where the whole console is, relative to the report directory (`logs/<driver>/<test>.console.log`);
    /// set in a written report, nil in memory after a run and when no full log was kept.
    public var consoleLog: String?
    public var exitDescription: String
    public var durationSeconds: Double
    /// The VMM's own stderr, capped by the driver; as `console`, only its tail in a written report.
    public var diagnostics: String
    /// What `diagnostics` leaves out at its start (nil: all of it).
    public var diagnosticsCut: TextCut?
    /// Where the whole VMM stderr is, relative to the report directory (`logs/<driver>/<test>.vmm.log`).
    public var vmmLog: String?
    public var commandLine: [String]
    /// The machine type the catalog asked for on this driver (nil: the driver's default).
    public var machine: String?
    /// The saves and restores of a `migrate` test (nil: not one, or a result written before they were recorded).
    public var migration: MigrationRecord?

    public init(test: String, kernel: String, groups: [String], driver: String, outcome: Outcome, expected: Bool,
                reason: String, expectation: Expectation, cases: [CaseResult], data: [DataRecord],
                protocolErrors: [String], console: String, consoleTruncated: Bool, exitDescription: String,
                durationSeconds: Double, diagnostics: String, commandLine: [String], machine: String? = nil,
                migration: MigrationRecord? = nil) {
        self.test = test
        self.kernel = kernel
        self.groups = groups
        self.driver = driver
        self.outcome = outcome
        self.expected = expected
        self.reason = reason
        self.expectation = expectation
        self.cases = cases
        self.data = data
        self.protocolErrors = protocolErrors
        self.console = console
        self.consoleTruncated = consoleTruncated
        self.exitDescription = exitDescription
        self.durationSeconds = durationSeconds
        self.diagnostics = diagnostics
        self.commandLine = commandLine
        self.machine = machine
        self.migration = migration
    }

    /// Key that identifies the same test on the same driver across runs (baseline, merge).
    public var key: String { "\(driver)/\(test)" }

    /// The two per-result log files of a report directory.
    public enum LogKind: String, CaseIterable, Sendable {
        /// The guest console.
        case console
        /// The VMM's own stderr (`diagnostics`).
        case vmm
    }

    /// `logs/<driver>/<test>.<kind>.log`, relative to the report directory. Driver and test names are
    /// encoded as in report anchors (ASCII letters, digits, `.`, `-` kept, anything else `_hh`, a leading
    /// `.` too), so any two results get different files and no name can leave `logs/`.
    public static func logPath(driver: String, test: String, kind: LogKind) -> String {
        "logs/\(pathComponent(driver))/\(pathComponent(test)).\(kind.rawValue).log"
    }

    public func logPath(_ kind: LogKind) -> String { Self.logPath(driver: driver, test: test, kind: kind) }

    static func pathComponent(_ name: String) -> String {
        var out = ""
        for (index, byte) in name.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                out.append(Character(Unicode.Scalar(byte)))
            case UInt8(ascii: ".") where index > 0:
                out.append(".")
            default:
                out += "_" + String(byte, radix: 16, uppercase: false).leftPadded(to: 2)
            }
        }
        return out.isEmpty ? "_" : out
    }
}

/// The part of a text a report left out at its start, to keep the report small: the whole text is in
/// the log file the result names.
public struct TextCut: Codable, Equatable, Sendable {
    public var bytes: Int
    public var lines: Int

    public init(bytes: Int, lines: Int) {
        self.bytes = bytes
        self.lines = lines
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// A whole `tck run`: the input of every report writer, of `--baseline` and of `report merge`.
/// Schema documented in docs/results-json.md; bump `schemaVersion` on incompatible change.
public struct RunReport: Codable, Equatable, Sendable {
    /// 2: `console` and `diagnostics` hold only a tail in the file (`consoleCut`, `consoleLog`, …).
    public static let currentSchemaVersion = 2

    public var schemaVersion: Int
    public var tool: String
    public var startedAt: String
    public var finishedAt: String
    /// True when the run was interrupted (Ctrl-C, a fatal error): results hold only what finished.
    public var partial: Bool
    /// "I/N" when this run is one shard; nil for a full run or a merge.
    public var shard: String?
    public var drivers: [DriverInfo]
    public var host: HostInfo
    public var results: [TestResult]
    /// What ran and how it was asked for (versions, kit commit, catalog, selection, command line);
    /// nil in a merge (see `mergedFrom`) and in files written before it was recorded.
    public var identity: RunIdentity?
    /// For `tck report merge`/`compare`: the identity of every input run that recorded one.
    public var mergedFrom: [RunIdentity]?

    public init(schemaVersion: Int = RunReport.currentSchemaVersion, tool: String, startedAt: String, finishedAt: String,
                partial: Bool, shard: String?, drivers: [DriverInfo], host: HostInfo, results: [TestResult],
                identity: RunIdentity? = nil, mergedFrom: [RunIdentity]? = nil) {
        self.schemaVersion = schemaVersion
        self.tool = tool
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.partial = partial
        self.shard = shard
        self.drivers = drivers
        self.host = host
        self.results = results
        self.identity = identity
        self.mergedFrom = mergedFrom
    }

    /// Counts per outcome, overall and per driver: written to results.json as `summary` (derived from
    /// `results`, so it is not read back).
    public var summary: ReportSummary { ReportSummary(results) }

    private enum CodingKeys: String, CodingKey {
        case schemaVersion, tool, startedAt, finishedAt, partial, shard, drivers, host, results, identity, mergedFrom, summary
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        tool = try container.decode(String.self, forKey: .tool)
        startedAt = try container.decode(String.self, forKey: .startedAt)
        finishedAt = try container.decode(String.self, forKey: .finishedAt)
        partial = try container.decode(Bool.self, forKey: .partial)
        shard = try container.decodeIfPresent(String.self, forKey: .shard)
        drivers = try container.decode([DriverInfo].self, forKey: .drivers)
        host = try container.decode(HostInfo.self, forKey: .host)
        results = try container.decode([TestResult].self, forKey: .results)
        identity = try container.decodeIfPresent(RunIdentity.self, forKey: .identity)
        mergedFrom = try container.decodeIfPresent([RunIdentity].self, forKey: .mergedFrom)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schemaVersion, forKey: .schemaVersion)
        try container.encode(tool, forKey: .tool)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(partial, forKey: .partial)
        try container.encodeIfPresent(shard, forKey: .shard)
        try container.encode(drivers, forKey: .drivers)
        try container.encode(host, forKey: .host)
        try container.encode(results, forKey: .results)
        try container.encodeIfPresent(identity, forKey: .identity)
        try container.encodeIfPresent(mergedFrom, forKey: .mergedFrom)
        try container.encode(summary, forKey: .summary)
    }
}

/// How many results a report holds, by outcome; every outcome is listed, zeros included.
public struct ResultCounts: Codable, Equatable, Sendable {
    public var results: Int
    /// Results the catalog did not expect (any makes `tck` exit 1).
    public var unexpected: Int
    /// Outcome name → count.
    public var outcomes: [String: Int]
    /// Sum of the results' wall times (with `--jobs N` more than the run's own wall time).
    public var durationSeconds: Double

    public init(_ results: some Sequence<TestResult>) {
        var outcomes = Dictionary(uniqueKeysWithValues: Outcome.allCases.map { ($0.rawValue, 0) })
        var count = 0, unexpected = 0, seconds = 0.0
        for result in results {
            count += 1
            if !result.expected { unexpected += 1 }
            outcomes[result.outcome.rawValue, default: 0] += 1
            if result.durationSeconds.isFinite && result.durationSeconds > 0 { seconds += result.durationSeconds }
        }
        self.results = count
        self.unexpected = unexpected
        self.outcomes = outcomes
        self.durationSeconds = (seconds * 1000).rounded() / 1000
    }
}

/// `summary` in results.json: the counts of the whole report and of each driver.
public struct ReportSummary: Codable, Equatable, Sendable {
    public var all: ResultCounts
    public var drivers: [String: ResultCounts]

    public init(_ results: [TestResult]) {
        all = ResultCounts(results)
        drivers = Dictionary(grouping: results, by: \.driver).mapValues { ResultCounts($0) }
    }
}

/// What a driver is, as recorded in reports.
public struct DriverInfo: Codable, Equatable, Sendable {
    public var name: String
    public var version: String
    public var executable: String
    /// e.g. ["accel": "kvm", "machine": "microvm"].
    public var details: [String: String]

    public init(name: String, version: String, executable: String, details: [String: String] = [:]) {
        self.name = name
        self.version = version
        self.executable = executable
        self.details = details
    }
}

public struct HostInfo: Codable, Equatable, Sendable {
    public var hostname: String
    public var kernel: String
    public var cpu: String
    public var kvm: String

    public init(hostname: String, kernel: String, cpu: String, kvm: String) {
        self.hostname = hostname
        self.kernel = kernel
        self.cpu = cpu
        self.kvm = kvm
    }
}
