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
    /// The virtio-blk disk this test boots with (catalog key `disk`): tck creates a fresh image for each
    /// run on each driver. nil: no disk (swiftvm-1.2's drive is then empty).
    public var disk: DiskSpec?
    /// The runner saves the VM each time the guest asks and restores it in a new VMM process (catalog key
    /// `migrate = yes`; the `migration` group). false: a save request is refused as on any other run.
    public var migrate: Bool
    /// The guest spends its run asleep waiting for the wall clock (catalog key `sleeps = yes`, e.g. the RTC's
    /// next second): the runner runs such tests one at a time beside the `--jobs` others, whose CPU they
    /// leave idle.
    public var sleeps: Bool

    public init(name: String, kernel: String, groups: [String] = [], description: String = "", cpus: Int = 1,
                memoryBytes: UInt64 = 64 << 20, commandLine: String = "", timeoutSeconds: Double = 10,
                defaultExpectation: Expectation = .pass, expectations: [String: Expectation] = [:],
                defaultMachine: String? = nil, machines: [String: String] = [:], disk: DiskSpec? = nil,
                migrate: Bool = false, sleeps: Bool = false) {
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
        self.disk = disk
        self.migrate = migrate
        self.sleeps = sleeps
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

/// A test's disk as the catalog declares it (`disk = 1M pattern qcow2 backing readonly`): the image's size,
/// content and file format, and whether the guest may write to it. The guest must see the same disk
/// whatever the format: only how tck stores it changes.
public struct DiskSpec: Codable, Equatable, Sendable {
    public enum Content: String, Codable, Sendable, CaseIterable {
        /// Sector N begins with the 8-byte little-endian value N ^ 0x5A5A5A5A5A5A5A5A; the rest is zero
        /// (what conf_virtio_blk verifies reads against).
        case pattern
        /// All zeros (a sparse file).
        case zero
    }

    public enum Format: String, Codable, Sendable, CaseIterable {
        case raw
        case qcow2
    }

    public static let sectorBytes: UInt64 = 512
    /// XORed with the sector number in the first 8 bytes of each sector of a `pattern` disk.
    public static let patternMask: UInt64 = 0x5A5A_5A5A_5A5A_5A5A
    /// The smallest and largest disk the catalog accepts: one sector, 1 GiB.
    public static let minimumBytes: UInt64 = sectorBytes
    public static let maximumBytes: UInt64 = 1 << 30

    public var sizeBytes: UInt64
    public var content: Content
    public var readOnly: Bool
    public var format: Format
    /// qcow2 only: the content lives in a base image and the disk is an empty qcow2 overlay over it.
    public var backing: Bool
    /// qcow2 only: the content's clusters are stored deflated (as `qemu-img convert -c` does).
    public var compressed: Bool

    public init(sizeBytes: UInt64, content: Content, readOnly: Bool = false, format: Format = .raw,
                backing: Bool = false, compressed: Bool = false) {
        self.sizeBytes = sizeBytes
        self.content = content
        self.readOnly = readOnly
        self.format = format
        self.backing = backing
        self.compressed = compressed
    }

    private enum CodingKeys: String, CodingKey { case sizeBytes, content, readOnly, format, backing, compressed }

    /// Results written before qcow2 disks existed have no format keys: raw.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sizeBytes = try container.decode(UInt64.self, forKey: .sizeBytes)
        content = try container.decode(Content.self, forKey: .content)
        readOnly = try container.decode(Bool.self, forKey: .readOnly)
        format = try container.decodeIfPresent(Format.self, forKey: .format) ?? .raw
        backing = try container.decodeIfPresent(Bool.self, forKey: .backing) ?? false
        compressed = try container.decodeIfPresent(Bool.self, forKey: .compressed) ?? false
    }

    /// The first 8 bytes of sector `sector` on a `pattern` disk.
    public static func patternValue(sector: UInt64) -> UInt64 { sector ^ patternMask }
}
