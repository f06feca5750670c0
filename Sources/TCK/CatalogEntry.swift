/// One test of the suite: a kernel and how to boot it, as declared in the catalog (TestGuests/suite.cfg).
public struct CatalogEntry: Codable, Equatable, Sendable {
    /// Unique test name (the catalog section), e.g. "smp-4".
    public var name: String
    /// Kernel base name: TestGuests/build/<kernel>.elf.
    public var kernel: String
    public var groups: [String]
    public var description: String
    /// The machine type to boot, per driver name; `defaultMachine` for drivers not listed; nil: the
    /// driver's own default. Each driver interprets the name (swiftvm: `--machine`, qemu: `-M`).
    public var defaultMachine: String?
    public var machines: [String: String]
    public var cpus: Int
    public var memoryBytes: UInt64
    public var commandLine: String
    public var timeoutSeconds: Double
    /// What this test is expected to do, per driver name; `defaultExpectation` for drivers not listed.
    public var defaultExpectation: Expectation
    public var expectations: [String: Expectation]

    public init(name: String, kernel: String, groups: [String] = [], description: String = "", cpus: Int = 1,
                memoryBytes: UInt64 = 64 << 20, commandLine: String = "", timeoutSeconds: Double = 10,
                defaultExpectation: Expectation = .pass, expectations: [String: Expectation] = [:],
                defaultMachine: String? = nil, machines: [String: String] = [:]) {
        self.name = name
        self.kernel = kernel
        self.groups = groups
        self.description = description
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.commandLine = commandLine
        self.timeoutSeconds = timeoutSeconds
        self.defaultExpectation = defaultExpectation
        self.expectations = expectations
        self.defaultMachine = defaultMachine
        self.machines = machines
    }

    public func machine(for driver: String) -> String? {
        machines[driver] ?? defaultMachine
    }

    public func expectation(for driver: String) -> Expectation {
        expectations[driver] ?? defaultExpectation
    }
}

/// The outcome a test is expected to have on a driver, and why when it is not a plain pass.
public struct Expectation: Codable, Equatable, Sendable {
    /// `.pass` (the default), `.xfail` (expected to fail), or a robustness expectation: `.crash`,
    /// `.timeout` (e.g. a kernel that triple-faults or hangs on purpose).
    public var outcome: Outcome
    public var reason: String?
    public var link: String?

    public init(outcome: Outcome, reason: String? = nil, link: String? = nil) {
        self.outcome = outcome
        self.reason = reason
        self.link = link
    }

    public static let pass = Expectation(outcome: .pass)
}
