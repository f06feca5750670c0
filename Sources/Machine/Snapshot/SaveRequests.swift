import Synchronization

/// Who asked for a save.
public enum SaveSource: Equatable, Sendable, CustomStringConvertible {
    /// The guest wrote `tag` to the snapshot request port.
    case guest(tag: UInt32)
    /// SIGUSR1.
    case signal
    /// A `save` command on the control socket.
    case controlSocket

    public var description: String {
        switch self {
        case let .guest(tag): "guest request (tag \(tag))"
        case .signal: "SIGUSR1"
        case .controlSocket: "control socket"
        }
    }
}

/// Why a save request was not taken.
public enum SaveRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// No `--snapshot FILE` says where a save would go.
    case noSnapshotFile
    /// The run is already over, or another save is under way.
    case notRunning

    public var description: String {
        switch self {
        case .noSnapshotFile: "no --snapshot FILE to save to"
        case .notRunning: "the VM is not running (already stopping or saving)"
        }
    }
}

/// The one pending save request of a run. Triggers (the guest's port, a signal, the control socket)
/// record a request and nudge the watchdog, which pauses the vCPUs and saves; they never save
/// themselves (the guest's request arrives on a vCPU thread, which must get back to KVM_RUN first).
final class SaveRequests: Sendable {
    /// Where a save goes; nil refuses every request.
    let path: String?
    private let pending = Mutex<(source: SaveSource, taken: Bool)?>(nil)
    private let latch: StopLatch
    /// Runs on the requesting thread once a request is taken: holds and kicks every vCPU.
    private let onAccept: @Sendable () -> Void

    init(path: String?, latch: StopLatch, onAccept: @escaping @Sendable () -> Void) {
        self.path = path
        self.latch = latch
        self.onAccept = onAccept
    }

    /// Records a request; the first one wins and later ones are refused as `notRunning`.
    func request(_ source: SaveSource) -> Result<Void, SaveRefusal> {
        guard path != nil else { return .failure(.noSnapshotFile) }
        guard !latch.isStopped else { return .failure(.notRunning) }
        let accepted = pending.withLock { pending in
            guard pending == nil else { return false }
            pending = (source, false)
            return true
        }
        guard accepted else { return .failure(.notRunning) }
        onAccept()
        latch.nudge()
        return .success(())
    }

    /// The watchdog's side: the request not yet acted on, if any.
    func take() -> SaveSource? {
        pending.withLock { pending in
            guard let request = pending, !request.taken else { return nil }
            pending = (request.source, true)
            return request.source
        }
    }
}
