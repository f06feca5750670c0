/// What the result-protocol parser read from one console transcript (see `ResultProtocol.parse`).
public struct ParsedConsole: Equatable, Sendable {
    /// Case counts: from the `END` line, or as counted from `CASE` lines.
    public struct Counts: Equatable, Sendable, CustomStringConvertible {
        public var pass: Int
        public var fail: Int
        public var skip: Int

        public init(pass: Int = 0, fail: Int = 0, skip: Int = 0) {
            self.pass = pass
            self.fail = fail
            self.skip = skip
        }

        public var total: Int { pass + fail + skip }
        /// In the protocol's own notation: "pass=3 fail=1 skip=0".
        public var description: String { "pass=\(pass) fail=\(fail) skip=\(skip)" }
    }

    /// Kernel name from the first `BEGIN` line; nil when there was none.
    public var kernel: String?
    /// Cases between `BEGIN` and `END`, in order, at most `ResultProtocol.maximumCases`.
    public var cases: [CaseResult]
    /// Data records between `BEGIN` and `END`, in order, at most `ResultProtocol.maximumDataRecords`.
    public var data: [DataRecord]
    /// Counts from the first `END` line; nil when there was none.
    public var summary: Counts?
    /// Every protocol problem, one sentence each, naming the line ("line 7: CASE after END; ignored").
    public var errors: [String]
    /// Non-empty lines that are not protocol lines (the kernel's own messages).
    public var freeTextLines: Int
    /// Valid `CASE` lines between `BEGIN` and `END`, counted even beyond the recording limit.
    public var reported: Counts
    /// Name of the last valid `CASE` line, for "stopped after case 'x'".
    public var lastCaseName: String?
    /// Lines in the transcript (a last line without newline included).
    public var lineCount: Int

    public init(kernel: String? = nil, cases: [CaseResult] = [], data: [DataRecord] = [], summary: Counts? = nil,
                errors: [String] = [], freeTextLines: Int = 0, reported: Counts = Counts(),
                lastCaseName: String? = nil, lineCount: Int = 0) {
        self.kernel = kernel
        self.cases = cases
        self.data = data
        self.summary = summary
        self.errors = errors
        self.freeTextLines = freeTextLines
        self.reported = reported
        self.lastCaseName = lastCaseName
        self.lineCount = lineCount
    }

    public var hasBegin: Bool { kernel != nil }
    public var hasEnd: Bool { summary != nil }
    /// False when `END` was seen and its counts differ from the cases reported before it.
    public var countsAgree: Bool { summary.map { $0 == reported } ?? true }
    /// The transcript is a complete report: BEGIN, END, and END's counts agree with the cases.
    /// When false the outcome cannot be judged from the cases (the judge says `error`).
    public var isComplete: Bool { hasBegin && hasEnd && countsAgree }
}
