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
    /// Console text (invalid UTF-8 replaced), possibly cut at the capture limit.
    public var console: String
    public var consoleTruncated: Bool
    public var exitDescription: String
    public var durationSeconds: Double
    public var diagnostics: String
    public var commandLine: [String]
    /// The machine type the catalog asked for on this driver (nil: the driver's default).
    public var machine: String?

    public init(test: String, kernel: String, groups: [String], driver: String, outcome: Outcome, expected: Bool,
                reason: String, expectation: Expectation, cases: [CaseResult], data: [DataRecord],
                protocolErrors: [String], console: String, consoleTruncated: Bool, exitDescription: String,
                durationSeconds: Double, diagnostics: String, commandLine: [String], machine: String? = nil) {
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
    }

    /// Key that identifies the same test on the same driver across runs (baseline, merge).
    public var key: String { "\(driver)/\(test)" }
}

/// A whole `tck run`: the input of every report writer, of `--baseline` and of `report merge`.
/// Schema documented in docs/results-json.md; bump `schemaVersion` on incompatible change.
public struct RunReport: Codable, Equatable, Sendable {
    public static let currentSchemaVersion = 1

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

    public init(schemaVersion: Int = RunReport.currentSchemaVersion, tool: String, startedAt: String, finishedAt: String,
                partial: Bool, shard: String?, drivers: [DriverInfo], host: HostInfo, results: [TestResult]) {
        self.schemaVersion = schemaVersion
        self.tool = tool
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.partial = partial
        self.shard = shard
        self.drivers = drivers
        self.host = host
        self.results = results
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
