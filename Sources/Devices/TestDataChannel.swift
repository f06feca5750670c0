import GuestMemory
import Synchronization

/// The test data channel ("testdev", docs/guest-interface.md): one 32-bit `out` moves a whole buffer
/// from guest RAM to a host sink, instead of one UART exit per byte.
///
/// Registers (offsets from 0xEC0): a 32-bit read of 0 returns the probe value "SVTD", of 4 the interface
/// version; a 32-bit write to 0 is the doorbell carrying a descriptor's physical address. Everything the
/// descriptor says is untrusted: each field is checked and every memory access goes through `GuestMemory`.
public final class TestDataChannel: PortDevice, Sendable {
    public static let defaultPort: UInt16 = 0xEC0
    public static let portCount: UInt16 = 8
    public static let probeValue: UInt32 = 0x4454_5653   // "SVTD"
    public static let interfaceVersion: UInt32 = 1

    /// What the channel has done so far.
    public struct Statistics: Equatable, Sendable {
        public var sendsAccepted: UInt64 = 0
        public var bytesAccepted: UInt64 = 0
        public var sendsRejected: UInt64 = 0
        public var lastRejection: TestDataRejection?
    }

    private let memory: GuestMemory
    private let console: ByteSink
    private let data: ByteSink
    private let stats = Mutex(Statistics())

    /// `console` should be the sink UART output goes to, so both appear in order; `data` receives stream 1.
    public init(memory: GuestMemory, console: ByteSink, data: ByteSink) {
        self.memory = memory
        self.console = console
        self.data = data
    }

    public var statistics: Statistics { stats.withLock { $0 } }

    public func read(offset: UInt16, size: Int) -> UInt32 {
        switch (offset, size) {
        case (0, 4): return Self.probeValue
        case (4, 4): return Self.interfaceVersion
        default: return PortAccess.allOnes(size: size)
        }
    }

    public func write(offset: UInt16, size: Int, value: UInt32) {
        guard offset == 0 else { return }   // only the doorbell is writable
        guard size == 4 else { return record(.failure(.doorbellNotThirtyTwoBits(size: size))) }
        record(send(descriptorAt: GuestAddress(UInt64(value))))
    }

    /// Handles one doorbell: validates the descriptor, delivers its buffer, writes `status` back.
    private func send(descriptorAt address: GuestAddress) -> Result<Int, TestDataRejection> {
        guard let raw = try? memory.read(at: address, count: TestDataDescriptor.size),
              let descriptor = TestDataDescriptor(bytes: raw) else {
            return .failure(.descriptorOutsideRAM(address: address.rawValue))
        }
        let outcome = deliver(descriptor)
        let status: TestDataStatus
        switch outcome {
        case .success: status = .accepted
        // `deliver` only yields rejections that carry a status; the fallback is never taken.
        case let .failure(rejection): status = rejection.status ?? .badMagicOrVersion
        }
        // The descriptor was readable a moment ago, so this write is inside RAM too.
        try? memory.write(status.rawValue, at: GuestAddress(address.rawValue + TestDataDescriptor.statusOffset))
        return outcome
    }

    private func deliver(_ descriptor: TestDataDescriptor) -> Result<Int, TestDataRejection> {
        guard descriptor.magic == TestDataDescriptor.magic else { return .failure(.badMagic(descriptor.magic)) }
        guard descriptor.version == TestDataDescriptor.version else { return .failure(.badVersion(descriptor.version)) }
        guard descriptor.length <= TestDataDescriptor.maximumLength else {
            return .failure(.lengthOverLimit(descriptor.length))
        }
        let buffer = GuestAddress(descriptor.buffer)
        guard memory.contains(buffer, length: UInt64(descriptor.length)),
              let bytes = try? memory.read(at: buffer, count: Int(descriptor.length)) else {
            return .failure(.bufferOutsideRAM(address: descriptor.buffer, length: descriptor.length))
        }
        switch TestDataStream(rawValue: descriptor.stream) {
        case .console?: console.write(bytes)
        case .data?: data.write(bytes)
        case nil: return .failure(.unknownStream(descriptor.stream))
        }
        return .success(bytes.count)
    }

    private func record(_ outcome: Result<Int, TestDataRejection>) {
        stats.withLock { stats in
            switch outcome {
            case let .success(count):
                stats.sendsAccepted &+= 1
                stats.bytesAccepted &+= UInt64(count)
            case let .failure(rejection):
                stats.sendsRejected &+= 1
                stats.lastRejection = rejection
            }
        }
    }
}
