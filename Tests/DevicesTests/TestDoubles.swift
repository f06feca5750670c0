import Synchronization
@testable import Devices

/// Records every level an interrupt line is driven to.
final class RecordingInterruptLine: InterruptLine {
    private let levels = Mutex<[Bool]>([])

    func setLevel(_ high: Bool) { levels.withLock { $0.append(high) } }

    var history: [Bool] { levels.withLock { $0 } }
    /// The current level (low before anything was driven).
    var isHigh: Bool { history.last ?? false }
}

/// Records the accesses a bus hands it and answers reads with a fixed value.
final class RecordingDevice: PortDevice {
    var reads: [(offset: UInt16, size: Int)] = []
    var writes: [(offset: UInt16, size: Int, value: UInt32)] = []
    let answer: UInt32

    init(answer: UInt32 = 0x1234_5678) { self.answer = answer }

    func read(offset: UInt16, size: Int) -> UInt32 {
        reads.append((offset, size))
        return answer
    }

    func write(offset: UInt16, size: Int, value: UInt32) {
        writes.append((offset, size, value))
    }
}
