/// What happened when one test ran on one driver.
public enum Outcome: String, Codable, Sendable, CaseIterable, Comparable {
    /// The kernel reported its cases, none failed, and exited 0.
    case pass
    /// The kernel reported a failing case (or exited non-zero after a complete report).
    case fail
    /// Every case was skipped, or the test could not apply on this driver.
    case skip
    /// Failed, and the catalog says it is expected to fail on this driver.
    case xfail
    /// Passed although the catalog says it should fail: the xfail entry is stale.
    case xpass
    /// The kernel did not finish before its timeout.
    case timeout
    /// The guest died: triple fault, a KVM internal error (e.g. emulation failure), a reset.
    case crash
    /// The harness could not judge: protocol violation, missing END, the driver could not start.
    case error

    /// Severity order for summaries: worst first.
    private var rank: Int {
        switch self {
        case .error: 0
        case .crash: 1
        case .timeout: 2
        case .fail: 3
        case .xpass: 4
        case .xfail: 5
        case .skip: 6
        case .pass: 7
        }
    }

    public static func < (lhs: Outcome, rhs: Outcome) -> Bool { lhs.rank < rhs.rank }
}

/// One case a kernel reported (`TCK:1 CASE …`).
public struct CaseResult: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable { case pass, fail, skip }
    public var name: String
    public var status: Status
    public var message: String?

    public init(name: String, status: Status, message: String? = nil) {
        self.name = name
        self.status = status
        self.message = message
    }
}

/// One data record a kernel reported (`TCK:1 DATA key value`).
public struct DataRecord: Codable, Equatable, Sendable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}
