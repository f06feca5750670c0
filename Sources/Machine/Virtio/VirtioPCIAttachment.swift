#if canImport(Glibc)
import Glibc
#endif
import Devices
import KVM
import Snapshot
import Synchronization
import Virtio

/// A virtio-pci transport in a running machine: its configuration space behind the host bridge, its
/// memory BAR on the MMIO path, and its queue notifications on ioeventfds served by an I/O thread of its
/// own, so a guest's kick costs no userspace exit once the driver is running.
///
/// The first notify write after the BAR is placed arrives as an MMIO exit: it is served, and then every
/// queue's notify address gets an ioeventfd and the I/O thread starts. Moving the BAR (or disabling memory
/// decoding) drops them.
final class VirtioPCIAttachment: PCIConfigHandler, MMIORegion, @unchecked Sendable {
    private struct State {
        var transport: VirtioPCITransport
        /// The BAR address the ioeventfds are registered at, if any.
        var notifyBase: UInt64?
    }

    let address: PCIAddress
    private let state: Mutex<State>
    private let vm: VirtualMachine
    private let interrupt: KVMVirtioInterrupt
    private let queueEvents: [EventFD]
    private let stopEvent: EventFD
    /// The I/O thread, started with the first ioeventfd (a run whose guest never kicks has none: one
    /// thread less to start and join), while the run allows it (`start` … `stop`).
    private let thread = Mutex<HostThread?>(nil)
    private let allowed = Atomic<Bool>(false)
    private let mmioAccesses = Atomic<UInt64>(0)
    private let kicksWithoutExit = Atomic<UInt64>(0)

    init(transport: VirtioPCITransport, interrupt: KVMVirtioInterrupt, at address: PCIAddress,
         vm: VirtualMachine) throws(MachineError) {
        self.address = address
        self.vm = vm
        self.interrupt = interrupt
        state = Mutex(State(transport: transport))
        do {
            queueEvents = try transport.device.queueMaxSizes.map { _ throws(KVMError) in try EventFD() }
            stopEvent = try EventFD()
        } catch { throw .kvm(error) }
    }

    deinit { stop() }

    /// From now on the first ioeventfd starts the I/O thread that serves the notifications.
    func start() {
        allowed.store(true, ordering: .sequentiallyConsistent)
    }

    /// Stops the I/O thread, if it runs (idempotent); the device then only answers the vCPUs' accesses.
    func stop() {
        allowed.store(false, ordering: .sequentiallyConsistent)
        guard let running = thread.withLock({ thread in defer { thread = nil }; return thread }) else { return }
        stopEvent.signal()
        running.join()
    }

    /// Starts the I/O thread for ioeventfds just registered; false when it may not (the run is over) or
    /// could not, and the kicks must stay MMIO exits.
    private func startServing() -> Bool {
        guard allowed.load(ordering: .sequentiallyConsistent) else { return false }
        let events = queueEvents, stop = stopEvent
        return thread.withLock { (thread) -> Bool in
            if thread != nil { return true }
            thread = try? HostThread { [self] in self.serve(events: events, stop: stop) }
            return thread != nil
        }
    }

    /// Before a save, with every vCPU paused: stops the I/O thread and serves the kicks it had not got to,
    /// so no request is left half-seen (each runs to completion inside `notify`) and none is lost.
    func quiesce() {
        stop()
        for (queue, event) in queueEvents.enumerated() where event.consume() > 0 {
            while state.withLock({ $0.transport.notify(queue: UInt16(queue)) }) {}
        }
    }

    /// Snapshot: the transport's registers, queues and MSI-X state (`VirtioPCITransport.save`).
    func saveState(to writer: inout StateWriter) {
        state.withLock { $0.transport.save(to: &writer) }
    }

    /// Restore, before the vCPUs run: the ioeventfds are made again by the first kick, and each MSI-X
    /// vector's route and irqfd by its first interrupt, as after a boot.
    func restoreState(from reader: inout StateReader) throws(SnapshotError) {
        try state.withLock { (state) throws(SnapshotError) in try state.transport.restore(from: &reader) }
    }

    /// A snapshot, for status lines and tests.
    var transport: VirtioPCITransport { state.withLock { $0.transport } }

    /// For `swiftvm run -v`: how the guest reached the device, and its state.
    var summary: String {
        let transport = self.transport
        return "virtio-blk \(address): \(mmioAccesses.load(ordering: .relaxed)) BAR accesses by exit, "
            + "\(kicksWithoutExit.load(ordering: .relaxed)) kicks through ioeventfd, \(interrupt.summary), "
            + "device status 0x\(String(transport.deviceStatus.rawValue, radix: 16))"
            + (transport.needsResetReason.map { ", needs reset: \($0)" } ?? "")
    }

    // MARK: - Configuration space

    func readConfig(offset: Int, size: Int) -> UInt32 {
        state.withLock { $0.transport.readConfig(offset: offset, size: size) }
    }

    func writeConfig(offset: Int, size: Int, value: UInt32) {
        state.withLock { state in
            state.transport.writeConfig(offset: offset, size: size, value: value)
            if state.notifyBase != nil && state.notifyBase != Self.barBase(state.transport) { dropNotifyEvents(&state) }
        }
    }

    // MARK: - The memory BAR

    func read(address: UInt64, size: Int) -> UInt64? {
        state.withLock { state in
            guard let offset = Self.offset(of: address, in: state.transport) else { return nil }
            mmioAccesses.add(1, ordering: .relaxed)
            return state.transport.read(barOffset: offset, size: size)
        }
    }

    func write(address: UInt64, size: Int, value: UInt64) -> Bool {
        state.withLock { state in
            guard let offset = Self.offset(of: address, in: state.transport) else { return false }
            mmioAccesses.add(1, ordering: .relaxed)
            state.transport.write(barOffset: offset, size: size, value: value)
            if offset >= VirtioPCILayout.notifyOffset, state.notifyBase == nil, let base = Self.barBase(state.transport) {
                registerNotifyEvents(&state, base: base)
                if state.notifyBase != nil, !startServing() { dropNotifyEvents(&state) }
            }
            return true
        }
    }

    // MARK: - Notifications

    private func serve(events: [EventFD], stop: EventFD) {
        var descriptors = (events + [stop]).map { pollfd(fd: $0.rawDescriptor, events: Int16(POLLIN), revents: 0) }
        while true {
            for index in descriptors.indices { descriptors[index].revents = 0 }
            guard poll(&descriptors, nfds_t(descriptors.count), -1) >= 0 || errno == EINTR else { return }
            if descriptors.last!.revents != 0 { return }
            for (queue, event) in events.enumerated() where descriptors[queue].revents != 0 {
                let kicks = event.consume()
                guard kicks > 0 else { continue }
                kicksWithoutExit.add(kicks, ordering: .relaxed)
                // notify() returns true when it stopped after one queue's worth with more waiting.
                while state.withLock({ $0.transport.notify(queue: UInt16(queue)) }) {}
            }
        }
    }

    private func registerNotifyEvents(_ state: inout State, base: UInt64) {
        for (queue, event) in queueEvents.enumerated() {
            let address = base + VirtioPCILayout.notifyAddressOffset(queue: UInt16(queue))
            // Without the ioeventfd every kick is an MMIO exit: slower, still correct.
            guard (try? vm.setIOEventFD(mmioAddress: address, event: event)) != nil else { return }
        }
        state.notifyBase = base
    }

    private func dropNotifyEvents(_ state: inout State) {
        guard let base = state.notifyBase else { return }
        for (queue, event) in queueEvents.enumerated() {
            try? vm.setIOEventFD(mmioAddress: base + VirtioPCILayout.notifyAddressOffset(queue: UInt16(queue)), event: event, deassign: true)
        }
        state.notifyBase = nil
    }

    /// Where BAR4 is decoded now: nil while memory decoding is off or the BAR is unplaced.
    private static func barBase(_ transport: VirtioPCITransport) -> UInt64? {
        guard transport.function.command & 0x2 != 0, let base = transport.function.barAddress(VirtioPCILayout.barIndex), base != 0
        else { return nil }
        return base
    }

    private static func offset(of address: UInt64, in transport: VirtioPCITransport) -> UInt64? {
        guard let base = barBase(transport), address >= base, address - base < VirtioPCILayout.barSize else { return nil }
        return address - base
    }
}
