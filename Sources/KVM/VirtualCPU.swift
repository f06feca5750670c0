#if canImport(Glibc)
import Glibc
#endif
import CKVM
import Synchronization

/// A vCPU file descriptor and its kvm_run mapping.
///
/// Threading rule: `run`, register access and `complete…` are called only from the thread that runs this
/// vCPU (after `bindToCurrentThread`); `kick` may be called from any thread.
public final class VirtualCPU: @unchecked Sendable {
    public let id: UInt32
    let fd: FileDescriptor
    /// `fd.raw`, kept here: KVM_RUN after every exit then reaches no object but this one.
    @usableFromInline let runDescriptor: Int32
    @usableFromInline let run: UnsafeMutablePointer<kvm_run>
    /// The length of the mapping at `run`: kvm_run, then the port I/O data page, the coalesced ring.
    let mapSize: Int
    /// How many port-data offsets, from the end of kvm_run on, leave room for 4 bytes in the mapping:
    /// the one bound `run(answering:)` checks.
    @usableFromInline let portDataOffsets: UInt64
    private let thread = Mutex<pthread_t?>(nil)

    /// The signal used to knock a thread out of KVM_RUN. Its handler does nothing: its only job is to
    /// make the ioctl return EINTR, after `immediate_exit` makes every later KVM_RUN return at once.
    public static let kickSignal = SIGUSR2

    init(fd: FileDescriptor, id: UInt32, mapSize: Int) throws(KVMError) {
        let mapping = mmap(nil, mapSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd.raw, 0)
        guard let mapping, mapping != MAP_FAILED else { throw KVMError.mapRun(errno: errno) }
        self.fd = fd
        runDescriptor = fd.raw
        self.id = id
        self.mapSize = mapSize
        portDataOffsets = UInt64(max(mapSize - MemoryLayout<kvm_run>.size - 3, 0))
        self.run = mapping.bindMemory(to: kvm_run.self, capacity: 1)
    }

    deinit { munmap(run, mapSize) }

    // MARK: - Running

    /// Installs the no-op handler for `kickSignal` (without SA_RESTART, so KVM_RUN returns EINTR).
    public static func installKickHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(kickSignal, &action, nil)
    }

    /// Records the calling thread as this vCPU's, so `kick` can reach it, and unblocks `kickSignal` on it
    /// (threads from a pool, such as Dispatch's, start with it blocked, and a blocked signal kicks nothing).
    public func bindToCurrentThread() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, Self.kickSignal)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        thread.withLock { $0 = pthread_self() }
    }

    /// Makes the current or next KVM_RUN return `.interrupted`, from any thread. Idempotent.
    public func kick() {
        // Set the flag first: a thread about to enter KVM_RUN then returns at once, and one already
        // inside is knocked out by the signal. No window is left in which the kick is lost.
        withUnsafeMutablePointer(to: &run.pointee.immediate_exit) { flag in
            UnsafeMutableRawPointer(flag).storeBytes(of: 1, as: UInt8.self)
        }
        // On the vCPU's own thread the flag is enough: that thread is not inside KVM_RUN (a device it is
        // dispatching to stopped the run), and a signal to itself would only cost a delivery.
        thread.withLock { if let target = $0, pthread_equal(target, pthread_self()) == 0 { _ = pthread_kill(target, Self.kickSignal) } }
    }

    /// Undoes a kick, on this vCPU's thread, so that the next KVM_RUN enters the guest again (after a
    /// pause that was not a stop). Call it before checking whether the run is over: a stop that lands
    /// after that check kicks again, after this store.
    public func rearm() {
        withUnsafeMutablePointer(to: &run.pointee.immediate_exit) { flag in
            UnsafeMutableRawPointer(flag).storeBytes(of: 0, as: UInt8.self)
        }
    }

    /// Completes the I/O the last exit left pending (RIP moves past the `out`) without entering the
    /// guest: one KVM_RUN with `immediate_exit` set, which returns EINTR once the I/O is done. A kick
    /// that was already pending stays pending. On this vCPU's thread.
    public func completePendingIO() throws(KVMError) {
        let wasKicked = withUnsafeMutablePointer(to: &run.pointee.immediate_exit) { flag in
            let raw = UnsafeMutableRawPointer(flag)
            defer { raw.storeBytes(of: 1, as: UInt8.self) }
            return raw.load(as: UInt8.self) != 0
        }
        _ = try fd.ioctlUnlessInterrupted("KVM_RUN", CKVM_RUN)
        if !wasKicked { rearm() }
    }

    /// KVM_RUN until the next exit that userspace must handle.
    public func runOnce() throws(KVMError) -> VcpuExit {
        let result = ckvm_run(runDescriptor)
        guard result >= 0 else { return try Self.interruptedOrThrow(errno: Int32(truncatingIfNeeded: -result)) }
        return try decodeExit()
    }

    /// KVM_RUN again and again while every exit is a single-element port access that `ports` answers;
    /// returns the first exit it does not answer (or `.interrupted`), decoded.
    ///
    /// The exit path of nearly every exit: inlined and specialised into the caller with its handler, so
    /// that an answered exit costs the `syscall` and a few dozen instructions of straight-line code, the
    /// bus lookup included (~85 against ~219 through `runOnce` and a `VcpuExit`; benchmarks/README.md,
    /// "Eleventh pass"). The fields are read once through the pointer, and the data offset is checked
    /// against the mapping before any byte is touched.
    @inlinable
    public func run<Ports: PortExitHandler>(answering ports: Ports) throws(KVMError) -> VcpuExit {
        while true {
            let result = ckvm_run(runDescriptor)
            ports.exitTaken()
            guard result >= 0 else { return try Self.interruptedOrThrow(errno: Int32(truncatingIfNeeded: -result)) }
            let state = run
            guard state.pointee.exit_reason == UInt32(KVM_EXIT_IO) else { return try decodeExit() }
            let io = state.pointee.io
            let size = Int(io.size)
            // One element of 1, 2 or 4 bytes (bits 1, 2 and 4 of 0x16) whose data, read as 4 bytes, lies
            // inside the mapping, past kvm_run.
            guard io.count == 1, size <= 4, (0x16 &>> size) & 1 != 0,
                  io.data_offset &- UInt64(MemoryLayout<kvm_run>.size) < portDataOffsets
            else { return try decodeExit() }
            let data = UnsafeMutableRawPointer(state) + Int(truncatingIfNeeded: io.data_offset)
            if io.direction == UInt8(KVM_EXIT_IO_OUT) {
                let value = UInt32(littleEndian: data.loadUnaligned(as: UInt32.self)) & (UInt32.max &>> UInt32(32 &- 8 &* size))
                if ports.portWrite(port: io.port, size: size, value: value) { continue }
            } else if let value = ports.portRead(port: io.port, size: size) {
                if size == 1 {
                    data.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
                } else if size == 2 {
                    data.storeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, as: UInt16.self)
                } else {
                    data.storeBytes(of: value.littleEndian, as: UInt32.self)
                }
                continue
            }
            return try decodeExit()
        }
    }

    /// After KVM_RUN failed with `error`: `.interrupted` for EINTR or EAGAIN (a kick), else the error.
    @usableFromInline
    static func interruptedOrThrow(errno error: Int32) throws(KVMError) -> VcpuExit {
        if error == EINTR || error == EAGAIN { return .interrupted }
        throw KVMError.ioctl(call: "KVM_RUN", errno: error)
    }

    /// The exit KVM_RUN just returned, decoded. Fields are read through the pointer: `run.pointee` as a
    /// value would copy all of kvm_run (2 KiB+) per exit.
    @usableFromInline
    func decodeExit() throws(KVMError) -> VcpuExit {
        let state = run
        let reason = Int32(bitPattern: state.pointee.exit_reason)
        switch reason {
        case KVM_EXIT_IO:
            return try decodeIO()
        case KVM_EXIT_MMIO:
            let mmio = state.pointee.mmio
            let length = min(Int(mmio.len), 8)
            if mmio.is_write != 0 {
                let value = withUnsafeBytes(of: mmio.data) { $0.loadUnaligned(as: UInt64.self) }
                return .mmioWrite(address: mmio.phys_addr, data: ExitBytes(littleEndian: UInt64(littleEndian: value), count: length))
            }
            return .mmioRead(address: mmio.phys_addr, length: length)
        case KVM_EXIT_X86_RDMSR:
            return .msrRead(index: state.pointee.msr.index)
        case KVM_EXIT_X86_WRMSR:
            return .msrWrite(index: state.pointee.msr.index, value: state.pointee.msr.data)
        case KVM_EXIT_HLT:
            return .halt
        case KVM_EXIT_SHUTDOWN:
            return .shutdown
        case KVM_EXIT_FAIL_ENTRY:
            return .failEntry(hardwareReason: state.pointee.fail_entry.hardware_entry_failure_reason, cpu: state.pointee.fail_entry.cpu)
        case KVM_EXIT_INTERNAL_ERROR:
            let detail = state.pointee.`internal`
            let count = min(Int(detail.ndata), 16)
            let data = withUnsafeBytes(of: detail.data) { Array($0.bindMemory(to: UInt64.self).prefix(count)) }
            return .internalError(InternalError(suberror: detail.suberror, data: data))
        case KVM_EXIT_SYSTEM_EVENT:
            return .systemEvent(type: state.pointee.system_event.type)
        case KVM_EXIT_INTR:
            return .interrupted
        default:
            return .unhandled(reason: state.pointee.exit_reason)
        }
    }

    private func decodeIO() throws(KVMError) -> VcpuExit {
        let io = run.pointee.io
        let size = Int(io.size), count = Int(io.count)
        let length = size * count
        guard size == 1 || size == 2 || size == 4, io.data_offset >= UInt64(MemoryLayout<kvm_run>.size),
              io.data_offset <= UInt64(mapSize), UInt64(length) <= UInt64(mapSize) - io.data_offset else {
            throw KVMError.protocolViolation("I/O exit with size \(size), count \(count) at offset \(io.data_offset)")
        }
        if io.direction == UInt8(KVM_EXIT_IO_OUT) {
            return .ioOut(port: io.port, size: size, data: ExitBytes(viewing: UnsafeRawPointer(run) + Int(io.data_offset), count: length))
        }
        return .ioIn(port: io.port, size: size, count: count)
    }

    /// Where the answer to the `.ioIn` exit just returned goes: its count × size bytes inside kvm_run
    /// (checked by the decoder). Empty after any other exit.
    public var ioInBuffer: UnsafeMutableRawBufferPointer {
        let io = run.pointee.io
        guard run.pointee.exit_reason == UInt32(KVM_EXIT_IO), io.direction == UInt8(KVM_EXIT_IO_IN) else {
            return UnsafeMutableRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(run) + Int(io.data_offset),
                                             count: Int(io.size) * Int(io.count))
    }

    /// Answers the `.mmioRead` exit just returned with `value`, little-endian (KVM takes its length).
    public func completeMMIORead(value: UInt64) {
        withUnsafeMutableBytes(of: &run.pointee.mmio.data) { target in
            target.storeBytes(of: value.littleEndian, toByteOffset: 0, as: UInt64.self)
        }
    }

    /// Supplies the data for the `.ioIn` exit just returned (count × size bytes).
    public func completeIOIn(_ data: [UInt8]) throws(KVMError) {
        let io = run.pointee.io
        guard data.count == Int(io.size) * Int(io.count) else {
            throw KVMError.protocolViolation("I/O-in answer of \(data.count) bytes for \(io.count)×\(io.size)")
        }
        // decodeIO checked that [data_offset, data_offset + size*count) lies inside the mapping.
        let target = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(run) + Int(io.data_offset), count: data.count)
        target.copyBytes(from: data)
    }

    /// Supplies the data for the `.mmioRead` exit just returned.
    public func completeMMIORead(_ data: [UInt8]) {
        withUnsafeMutableBytes(of: &run.pointee.mmio.data) { target in
            let count = min(target.count, data.count)
            target.copyBytes(from: data.prefix(count))
        }
    }

    /// Answers the `.msrRead` exit just returned: the value, or nil to raise #GP in the guest.
    public func completeMSRRead(_ value: UInt64?) {
        run.pointee.msr.data = value ?? 0
        run.pointee.msr.error = value == nil ? 1 : 0
    }

    /// Answers the `.msrWrite` exit just returned: accepted, or #GP in the guest.
    public func completeMSRWrite(accepted: Bool) {
        run.pointee.msr.error = accepted ? 0 : 1
    }

    /// The VM's coalesced-write ring, as mapped with this vCPU (nil when the mapping is too short for it).
    public var coalescedRing: CoalescedRing? {
        let offset = Int(KVM_COALESCED_MMIO_PAGE_OFFSET) * 4096
        guard mapSize >= offset + 4096 else { return nil }
        return CoalescedRing(page: UnsafeMutableRawPointer(run) + offset)
    }

    // MARK: - State

    public func registers() throws(KVMError) -> Registers {
        var raw = kvm_regs()
        try fd.ioctl("KVM_GET_REGS", CKVM_GET_REGS, &raw)
        return Registers(raw)
    }

    public func setRegisters(_ registers: Registers) throws(KVMError) {
        var raw = registers.raw
        try fd.ioctl("KVM_SET_REGS", CKVM_SET_REGS, &raw)
    }

    public func specialRegisters() throws(KVMError) -> SpecialRegisters {
        var raw = kvm_sregs()
        try fd.ioctl("KVM_GET_SREGS", CKVM_GET_SREGS, &raw)
        return SpecialRegisters(raw)
    }

    public func setSpecialRegisters(_ registers: SpecialRegisters) throws(KVMError) {
        try updateSpecialRegisters { $0 = registers }
    }

    /// One KVM_GET_SREGS, `change`, one KVM_SET_SREGS (fields `SpecialRegisters` does not model, such
    /// as the pending-interrupt bitmap, keep the vCPU's values): for a change of a few fields on a hot path.
    public func updateSpecialRegisters(_ change: (inout SpecialRegisters) -> Void) throws(KVMError) {
        var raw = kvm_sregs()
        try fd.ioctl("KVM_GET_SREGS", CKVM_GET_SREGS, &raw)
        var registers = SpecialRegisters(raw)
        change(&registers)
        registers.apply(to: &raw)
        try fd.ioctl("KVM_SET_SREGS", CKVM_SET_SREGS, &raw)
    }

    /// KVM_SET_CPUID2: what CPUID returns inside this vCPU.
    public func setCPUID(_ entries: [CPUIDEntry]) throws(KVMError) {
        try CPUIDBuffer.withBuffer(capacity: entries.count) { (header) throws(KVMError) in
            let slots = CPUIDBuffer.entries(header)
            for (slot, entry) in zip(slots.indices, entries) { slots[slot] = entry.raw }
            try fd.ioctl("KVM_SET_CPUID2", CKVM_SET_CPUID2, buffer: header)
        }
    }

    /// KVM_SET_FPU with the x87/SSE power-on control words (FCW 0x37F, MXCSR 0x1F80).
    public func resetFPU() throws(KVMError) {
        var fpu = kvm_fpu()
        fpu.fcw = 0x37F
        fpu.mxcsr = 0x1F80
        try fd.ioctl("KVM_SET_FPU", CKVM_SET_FPU, &fpu)
    }

    /// KVM_GET_MP_STATE: 0 runnable, 1 uninitialized (an AP waiting for INIT/SIPI), 3 halted, …
    public func mpState() throws(KVMError) -> UInt32 {
        var state = kvm_mp_state()
        try fd.ioctl("KVM_GET_MP_STATE", CKVM_GET_MP_STATE, &state)
        return state.mp_state
    }
}
