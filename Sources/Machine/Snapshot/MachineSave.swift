import Boot
import GuestMemory
import KVM
import Snapshot

/// Saves a running machine: what the watchdog does with a save request. Every vCPU is paused and reads
/// its own state (after the KVM_RUN that completed its pending I/O), the virtio device stops serving and
/// finishes what was kicked, queued port writes are applied, then the VM-wide state, the devices and
/// guest memory are written to FILE.tmp, which becomes FILE on commit. The run ends either way: with
/// `.saved`, or with `.vmmFailure` naming what failed (FILE untouched).
struct MachineSave: Sendable {
    let path: String
    let configuration: MachineConfiguration
    let bootProtocol: BootProtocol?
    let layout: GuestMemoryLayout
    let memory: GuestMemory
    let vm: VirtualMachine
    let vcpus: [VirtualCPU]
    let devices: MachineDevices
    let virtioBlock: VirtioPCIAttachment?
    let coalescedPortWrites: CoalescedPortWrites?
    let xsave: Bool

    /// The section versions this swiftvm writes and the newest it reads.
    static let sectionVersions: [SectionTag: UInt32] = [
        .configuration: SavedConfiguration.version, .vcpu: VcpuSection.version, .localAPIC: VcpuSection.localAPICVersion,
        .irqChip: VMSections.irqChipVersion, .pit: VMSections.pitVersion, .clock: VMSections.clockVersion,
        .devices: MachineDevices.version, .virtio: VirtioSection.version, .memory: SparseMemory.version,
    ]

    /// Pauses, captures, writes; returns how the run ends, or nil when the run stopped meanwhile for
    /// another reason (that reason stands). The vCPUs stay paused until the caller stops the latch and resumes.
    func save(source: SaveSource, latch: StopLatch, pause: VcpuPause) -> RunStatus? {
        let start = monotonicSeconds()
        let request = VcpuState.Capture(msrs: VcpuState.savedMSRs(configuration.machineType.msrs), xsave: xsave)
        guard let results = pause.pauseCapturing(vcpus, latch: latch, request) else {
            return latch.isStopped ? nil : failure("a vCPU did not stop within 5 s")
        }
        var states: [VcpuState] = []
        for (index, result) in results.enumerated() {
            switch result {
            case let .success(state): states.append(state)
            case let .failure(error): return failure("vCPU \(index): \(error)")
            }
        }
        virtioBlock?.quiesce()
        coalescedPortWrites?.drainIfPending()
        do {
            let vmState = try VMState.capture(vm)
            let saved = try SavedConfiguration(configuration, bootProtocol: bootProtocol)
            var writer = try SnapshotFileWriter(path: path, header: SnapshotHeader(machineType: configuration.machineType.name,
                                                                                 swiftvmVersion: SwiftVMVersion.string))
            try writer.append(.configuration, version: SavedConfiguration.version, payload: saved.encode())
            try writer.append(.vcpu, version: VcpuSection.version, payload: VcpuSection.encode(states))
            try writer.append(.localAPIC, version: VcpuSection.localAPICVersion, payload: VcpuSection.encodeLocalAPICs(states))
            try writer.append(.irqChip, version: VMSections.irqChipVersion, payload: VMSections.encodeIRQChip(vmState))
            try writer.append(.pit, version: VMSections.pitVersion, payload: VMSections.encodePIT(vmState))
            try writer.append(.clock, version: VMSections.clockVersion, payload: VMSections.encodeClock(vmState))
            try writer.append(.devices, version: MachineDevices.version, payload: devices.save())
            try writer.append(.virtio, version: VirtioSection.version, payload: VirtioSection.save(virtioBlock))
            try GuestMemorySnapshot.append(memory, layout: layout, to: &writer)
            try writer.commit()
            return .saved(path: path, bytes: writer.size, seconds: monotonicSeconds() - start)
        } catch {
            // KVMError, SnapshotError or MachineError: each describes itself in one line.
            return failure("\(error)")
        }
    }

    private func failure(_ what: String) -> RunStatus {
        .vmmFailure(cpu: 0, "save to \(path) failed: \(what)")
    }
}

/// VIRT section: a count (0 or 1: the machine type's virtio-blk function) and each transport's state.
enum VirtioSection {
    static let version: UInt32 = 1

    static func save(_ attachment: VirtioPCIAttachment?) -> [UInt8] {
        var writer = StateWriter()
        writer.u32(attachment == nil ? 0 : 1)
        attachment?.saveState(to: &writer)
        return writer.bytes
    }

    static func restore(_ attachment: VirtioPCIAttachment?, from reader: inout StateReader) throws(SnapshotError) {
        let count = try reader.u32("virtio function count")
        guard count == (attachment == nil ? 0 : 1) else {
            throw reader.failure("virtio function count", "\(count); this machine has \(attachment == nil ? 0 : 1)")
        }
        try attachment?.restoreState(from: &reader)
        try reader.finish()
    }
}
