/// What the runner did to a `migrate = yes` test: each save the guest asked for, and the restore into a
/// new VMM process that followed it. Carried from the driver (`DriverRun.migration`) into the result and
/// every report (results.json `migration`, the HTML result, JUnit properties).
public struct MigrationRecord: Codable, Equatable, Sendable {
    /// One save → kill → restore round.
    public struct Round: Codable, Equatable, Sendable {
        /// The guest's phase number, when the VMM shows it (QEMU: from `tck-migrate: save <tag>`; swiftvm
        /// keeps it inside the VM).
        public var tag: UInt32?
        /// Size of the saved state (swiftvm: the snapshot file; QEMU: the migration stream's file).
        public var bytes: UInt64?
        /// How long the save took: swiftvm's own figure (`swiftvm: saved to FILE (N bytes, T ms)`), QEMU's
        /// `total-time` of the migration.
        public var saveMilliseconds: Double?
        /// How long the restore took, when known: swiftvm's set-up time of the restoring process (`-v`'s
        /// `restored from FILE, set-up T ms`); QEMU: from starting the new process until `query-status`
        /// said running (QEMU's start-up included: not comparable with swiftvm's figure).
        public var restoreMilliseconds: Double?
        /// False when the save happened but no restore followed (the run stopped there).
        public var restored: Bool

        public init(tag: UInt32? = nil, bytes: UInt64? = nil, saveMilliseconds: Double? = nil,
                    restoreMilliseconds: Double? = nil, restored: Bool = true) {
            self.tag = tag
            self.bytes = bytes
            self.saveMilliseconds = saveMilliseconds
            self.restoreMilliseconds = restoreMilliseconds
            self.restored = restored
        }
    }

    /// In the order they happened.
    public var rounds: [Round]
    /// Where the last saved state was left (absolute; kept after the run, like disk images, so the recorded
    /// command line re-runs); nil when nothing was saved.
    public var snapshotPath: String?

    public init(rounds: [Round] = [], snapshotPath: String? = nil) {
        self.rounds = rounds
        self.snapshotPath = snapshotPath
    }

    /// The most restores a run may go through; the next save request ends it as an `error`.
    public static let maximumRestores = 8

    public var saves: Int { rounds.count }
    public var restores: Int { rounds.filter(\.restored).count }

    /// "2 saves, 2 restores; #1 tag 1: 212 KiB, saved in 14 ms, restored in 31 ms; #2 …" — one line for
    /// reports and JUnit.
    public var summary: String {
        var parts = ["\(saves) save\(saves == 1 ? "" : "s"), \(restores) restore\(restores == 1 ? "" : "s")"]
        for (index, round) in rounds.enumerated() {
            var facts: [String] = []
            if let bytes = round.bytes { facts.append(Self.size(bytes)) }
            if let ms = round.saveMilliseconds { facts.append("saved in \(Self.milliseconds(ms))") }
            if let ms = round.restoreMilliseconds { facts.append("restored in \(Self.milliseconds(ms))") }
            if !round.restored { facts.append("not restored") }
            let tag = round.tag.map { " tag \($0)" } ?? ""
            parts.append("#\(index + 1)\(tag): " + (facts.isEmpty ? "no figures" : facts.joined(separator: ", ")))
        }
        return parts.joined(separator: "; ")
    }

    static func size(_ bytes: UInt64) -> String {
        if bytes < 10 << 10 { return "\(bytes) bytes" }
        if bytes < 10 << 20 { return "\(bytes >> 10) KiB" }
        return "\(bytes >> 20) MiB"
    }

    static func milliseconds(_ value: Double) -> String {
        value < 10 ? "\((value * 10).rounded() / 10) ms" : "\(Int(value.rounded())) ms"
    }
}
