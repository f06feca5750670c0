import Devices
import KVM
import Synchronization

/// What the vCPU loop does next after an exit.
enum ExitAction: Equatable, Sendable {
    /// Enter the guest again.
    case resume
    /// The answer to the pending `in` instruction is in the buffer `handle` was given: resume.
    case answeredIO
    /// Hand `value` (little-endian, the read's length) to the pending MMIO read, then resume.
    case answerMMIO(UInt64)
    /// Answer the pending `rdmsr`: the value, or nil for #GP.
    case answerMSRRead(UInt64?)
    /// Answer the pending `wrmsr`: accepted, or #GP.
    case answerMSRWrite(accepted: Bool)
    /// A 32-bit `out` to the kernel-entry port (KernelEntryGate) with this descriptor address.
    case enterKernel(descriptor: UInt32)
    /// End the run (unless something ended it first).
    case stop(RunStatus)
    /// KVM_RUN was interrupted: stop if the run is over, else resume.
    case checkStop
}

/// Turns a decoded exit into device accesses and an action. Knows the bus, not KVM: it can be driven
/// with made-up exits in tests.
///
/// Allocation-free on port and MMIO exits (AllocationFreeExitTests counts): output arrives as a view
/// into kvm_run, input is written straight into the buffer KVM hands back to the guest, MMIO values
/// travel as integers, and the counters are atomics.
final class ExitDispatcher: Sendable {
    let bus: IOBus
    /// The kernel-entry port (--testdev), handled before the bus; 0x1_0000, no port, without one. A plain
    /// number, not an optional: one compare on the exit path.
    private let kernelEntryPort: UInt32
    let strictIO: Bool
    let msrs: MSRPolicy
    /// Devices behind guest-physical addresses (PCI memory BARs), asked in order.
    let mmio: [any MMIORegion]
    private let regions: MMIORegionTable
    private let unassignedMMIO = Atomic<UInt64>(0)
    private let refusedMSRs = Atomic<UInt64>(0)

    init(bus: IOBus, strictIO: Bool, msrs: MSRPolicy = .v1, mmio: [any MMIORegion] = [], kernelEntryPort: UInt16? = nil) {
        self.bus = bus
        self.kernelEntryPort = kernelEntryPort.map(UInt32.init) ?? 0x1_0000
        self.strictIO = strictIO
        self.msrs = msrs
        self.mmio = mmio
        regions = MMIORegionTable(mmio)
    }

    /// MSR accesses the machine type answered with #GP (MSRs it does not have, writes to constants).
    var refusedMSRAccesses: UInt64 { refusedMSRs.load(ordering: .relaxed) }

    /// Port and MMIO accesses no device claimed.
    var unassignedAccesses: UInt64 { bus.unhandledAccesses + unassignedMMIO.load(ordering: .relaxed) }

    /// A single `out` the vCPU loop finishes without an exit being decoded (`VcpuPortAnswers`): false
    /// for the kernel-entry port and, under strict I/O, for a port no device claims; `handle` then gets
    /// the exit (and stops the run for the latter).
    @inline(__always)
    func writeAtOnce(port: UInt16, size: Int, value: UInt32) -> Bool {
        guard answersAtOnce(port) else { return false }
        bus.writeElement(port: port, size: size, value: value)
        return true
    }

    /// A single `in` answered the same way: the value, or nil where `writeAtOnce` is false.
    @inline(__always)
    func readAtOnce(port: UInt16, size: Int) -> UInt32? {
        guard answersAtOnce(port) else { return nil }
        return bus.readElement(port: port, size: size).value
    }

    /// Not the kernel-entry port, and under strict I/O a port some device claims.
    @inline(__always)
    private func answersAtOnce(_ port: UInt16) -> Bool {
        !isKernelEntry(port) && (!strictIO || bus.isAssigned(port))
    }

    @inline(__always)
    private func isKernelEntry(_ port: UInt16) -> Bool { UInt32(port) == kernelEntryPort }

    /// `ioAnswer`: where an `.ioIn` exit's count × size bytes go (`VirtualCPU.ioInBuffer`). Every exit
    /// `writeAtOnce`/`readAtOnce` did not finish comes here: string I/O, the kernel-entry port, strict
    /// I/O's stop, MMIO, MSRs and the ends of a run.
    func handle(_ exit: VcpuExit, cpu: UInt32, ioAnswer: UnsafeMutableRawBufferPointer = UnsafeMutableRawBufferPointer(start: nil, count: 0))
        -> ExitAction {
        switch exit {
        case let .ioOut(port, size, data):
            return portOutput(port: port, size: size, data: data, cpu: cpu)
        case let .ioIn(port, size, count):
            return portInput(port: port, size: size, count: count, cpu: cpu, answer: ioAnswer)
        case let .mmioWrite(address, data):
            let value = data.littleEndianValue(size: data.count)
            if regions.write(address: address, size: data.count, value: value) { return .resume }
            unassignedMMIO.add(1, ordering: .relaxed)
            if strictIO {
                return .stop(.unassignedAccess(cpu: cpu, UnassignedAccess(space: .mmio, address: address, size: data.count, isWrite: true)))
            }
            return .resume
        case let .mmioRead(address, length):
            if let value = regions.read(address: address, size: length) { return .answerMMIO(value) }
            unassignedMMIO.add(1, ordering: .relaxed)
            if strictIO {
                return .stop(.unassignedAccess(cpu: cpu, UnassignedAccess(space: .mmio, address: address, size: length, isWrite: false)))
            }
            return .answerMMIO(UInt64.max)
        case let .msrRead(index):
            // Only MSRs outside KVM's allow list come here: constants, or #GP.
            let value = msrs.read(index)
            if value == nil { refusedMSRs.add(1, ordering: .relaxed) }
            return .answerMSRRead(value)
        case let .msrWrite(index, value):
            let accepted = msrs.acceptsWrite(index, value: value)
            if !accepted { refusedMSRs.add(1, ordering: .relaxed) }
            return .answerMSRWrite(accepted: accepted)
        case .halt:
            return .stop(.halted(cpu: cpu))
        case .shutdown:
            return .stop(.shutdown(cpu: cpu))
        case let .failEntry(reason, _):
            return .stop(.failEntry(cpu: cpu, hardwareReason: reason))
        case let .internalError(error):
            return .stop(.internalError(cpu: cpu, error))
        case let .systemEvent(type):
            return .stop(.systemEvent(cpu: cpu, type: type))
        case .interrupted:
            return .checkStop
        case let .unhandled(reason):
            return .stop(.vmmFailure(cpu: cpu, "unhandled KVM exit reason \(reason)"))
        }
    }

    /// An `out` (or `rep outs`: count × size bytes) to `port`.
    private func portOutput(port: UInt16, size: Int, data: ExitBytes, cpu: UInt32) -> ExitAction {
        if data.count == size, !isKernelEntry(port) {
            // One element, the common case: no loop.
            return writeElement(port: port, size: size, value: data.littleEndianValue(at: 0, size: size), cpu: cpu) ?? .resume
        }
        if isKernelEntry(port), size == 4, data.count == 4 {
            return .enterKernel(descriptor: UInt32(truncatingIfNeeded: data.littleEndianValue(at: 0, size: 4)))
        }
        // String I/O (`rep outs`) arrives as count × size bytes in one exit: one bus write per element
        // (to nothing: counted in one go).
        if data.count > size, !strictIO, !bus.isAssigned(port) {
            bus.countUnhandled(port: port, isWrite: true, count: UInt64(data.count / size))
            return .resume
        }
        var start = 0
        while start + size <= data.count {
            if let stop = writeElement(port: port, size: size, value: data.littleEndianValue(at: start, size: size), cpu: cpu) {
                return stop
            }
            start += size
        }
        return .resume
    }

    /// One element of an `out`: nil, or the stop that strict I/O makes of a write to nothing.
    @inline(__always)
    private func writeElement(port: UInt16, size: Int, value: UInt64, cpu: UInt32) -> ExitAction? {
        if case .unhandled = bus.write(port: port, size: size, value: UInt32(truncatingIfNeeded: value)), strictIO {
            return .stop(.unassignedAccess(cpu: cpu, UnassignedAccess(space: .port, address: UInt64(port), size: size, isWrite: true)))
        }
        return nil
    }

    /// An `in` (or `rep ins`) of count × size bytes from `port`, answered into `answer`.
    private func portInput(port: UInt16, size: Int, count: Int, cpu: UInt32, answer ioAnswer: UnsafeMutableRawBufferPointer) -> ExitAction {
        if count == 1, !isKernelEntry(port), ioAnswer.count >= size, let answer = ioAnswer.baseAddress {
            return readElement(port: port, size: size, cpu: cpu, into: answer, at: 0) ?? .answeredIO
        }
        return portInputElements(port: port, size: size, count: count, cpu: cpu, answer: ioAnswer)
    }

    private func portInputElements(port: UInt16, size: Int, count: Int, cpu: UInt32,
                                   answer ioAnswer: UnsafeMutableRawBufferPointer) -> ExitAction {
        guard size > 0, ioAnswer.count >= size * count, let answer = ioAnswer.baseAddress else {
            return .stop(.vmmFailure(cpu: cpu, "no room for the answer to an in of \(count)×\(size) bytes from port 0x\(String(port, radix: 16))"))
        }
        if isKernelEntry(port), size == 4, count == 1 {
            answer.storeBytes(of: KernelEntryGate.probeValue.littleEndian, as: UInt32.self)
            return .answeredIO
        }
        if count > 1, !strictIO, !bus.isAssigned(port) {
            // `rep ins` from nothing: all-ones in one go, each element still counted.
            answer.initializeMemory(as: UInt8.self, repeating: 0xFF, count: size * count)
            bus.countUnhandled(port: port, isWrite: false, count: UInt64(count))
            return .answeredIO
        }
        for element in 0..<count {
            if let stop = readElement(port: port, size: size, cpu: cpu, into: answer, at: element * size) { return stop }
        }
        return .answeredIO
    }

    /// One element of an `in`, stored little-endian at `answer + offset`: nil, or the stop that strict
    /// I/O makes of a read from nothing.
    @inline(__always)
    private func readElement(port: UInt16, size: Int, cpu: UInt32, into answer: UnsafeMutableRawPointer, at offset: Int) -> ExitAction? {
        let access = bus.read(port: port, size: size)
        if case .unhandled = access, strictIO {
            return .stop(.unassignedAccess(cpu: cpu, UnassignedAccess(space: .port, address: UInt64(port), size: size, isWrite: false)))
        }
        for byte in 0..<size {
            answer.storeBytes(of: UInt8(truncatingIfNeeded: access.value >> (8 * UInt32(byte))), toByteOffset: offset + byte, as: UInt8.self)
        }
        return nil
    }
}

/// The MMIO regions in a plain buffer, asked in order: no iterator or accessor coroutine on the exit path
/// (unoptimised builds allocate for those).
private final class MMIORegionTable: @unchecked Sendable {
    private let entries: UnsafeMutableBufferPointer<any MMIORegion>

    init(_ regions: [any MMIORegion]) {
        entries = .allocate(capacity: regions.count)
        _ = entries.initialize(from: regions)
    }

    deinit {
        entries.deinitialize()
        entries.deallocate()
    }

    func read(address: UInt64, size: Int) -> UInt64? {
        guard let base = entries.baseAddress else { return nil }
        var index = 0
        while index < entries.count {
            if let value = base[index].read(address: address, size: size) { return value }
            index += 1
        }
        return nil
    }

    func write(address: UInt64, size: Int, value: UInt64) -> Bool {
        guard let base = entries.baseAddress else { return false }
        var index = 0
        while index < entries.count {
            if base[index].write(address: address, size: size, value: value) { return true }
            index += 1
        }
        return false
    }
}
