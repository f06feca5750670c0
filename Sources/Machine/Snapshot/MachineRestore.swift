import Boot
import Devices
import KVM
import Snapshot

extension Machine {
    /// Builds the machine a snapshot describes and puts its whole state back, ready to `run`: the
    /// configuration from CONF (the machine type must exist here; the disk must be the same file,
    /// unchanged), guest memory from MEMR, then the interrupt controllers and PIT, the devices, the
    /// virtio function, every vCPU (in the KVM API's order) and kvmclock. Everything is decoded and
    /// checked before KVM is touched; a file refused for any reason is a `MachineError` naming the
    /// file and what is wrong with it (exit 65), never a half-restored machine.
    ///
    /// `adjust` applies the options a restore may change (where the next save goes, the console capture);
    /// `host` is /dev/kvm opened early, as for `init(_:consoleOutput:dataOutput:host:)`.
    public convenience init(restoring path: String, consoleOutput: ByteSink? = nil, dataOutput: ByteSink? = nil,
                            host: HostKVM? = nil, adjust: (inout MachineConfiguration) -> Void = { _ in }) throws(MachineError) {
        let openedAt = monotonicSeconds()
        let file: SnapshotFile
        do { file = try SnapshotFile.open(path: path, supported: MachineSave.sectionVersions) } catch { throw .snapshot(error) }
        let saved: SavedConfiguration
        let vcpuStates: [VcpuState]
        let vmState: VMState
        var devicesReader: StateReader, virtioReader: StateReader
        do {
            var conf = try Self.reader(file, .configuration)
            saved = try SavedConfiguration(from: &conf)
            guard file.header.machineType == saved.machineType else {
                throw SnapshotError.field(file: path, section: .configuration, field: "machine type",
                                          problem: "\(saved.machineType), but the header says \(file.header.machineType)")
            }
        } catch let error as SnapshotError {
            throw .snapshot(error)
        } catch { throw .snapshot(.writer(file: path, section: nil, problem: "\(error)")) }
        var configuration = try saved.machineConfiguration(file: path)
        adjust(&configuration)
        let layout = try GuestMemoryLayout(ramSize: configuration.memorySize)
        do {
            _ = try file.memoryRuns(ram: GuestMemorySnapshot.ram(layout))
            var vcpu = try Self.reader(file, .vcpu), apics = try Self.reader(file, .localAPIC)
            vcpuStates = try VcpuSection.decode(&vcpu, localAPICs: &apics, cpus: configuration.cpus,
                                                allowedMSRs: Set(VcpuState.savedMSRs(configuration.machineType.msrs)))
            var irq = try Self.reader(file, .irqChip), pit = try Self.reader(file, .pit), clock = try Self.reader(file, .clock)
            vmState = try VMSections.decode(irqChip: &irq, pit: &pit, clock: &clock)
            devicesReader = try Self.reader(file, .devices)
            virtioReader = try Self.reader(file, .virtio)
        } catch { throw .snapshot(error) }

        try self.init(configuration, source: .snapshot(file, bootProtocol: BootProtocol(rawValue: saved.bootProtocol), openedAt: openedAt),
                      consoleOutput: consoleOutput, dataOutput: dataOutput, host: host)

        var step = "the IRQ chips and the PIT"
        do {
            try vmState.applyChipsAndTimer(to: vm)
            try devices.restore(from: &devicesReader)
            try VirtioSection.restore(virtioBlock, from: &virtioReader)
            for (vcpu, state) in zip(vcpus, vcpuStates) {
                step = "vCPU \(vcpu.id)"
                try state.apply(to: vcpu, xsave: xsave)
            }
            step = "kvmclock"
            try vmState.applyClock(to: vm)
        } catch let error as SnapshotError {
            throw .snapshot(error)
        } catch let error as KVMError {
            throw .snapshotState(file: path, part: step, error)
        } catch {
            throw .snapshot(.writer(file: path, section: nil, problem: "\(error)"))
        }
    }

    private static func reader(_ file: SnapshotFile, _ tag: SectionTag) throws(SnapshotError) -> StateReader {
        guard let reader = try file.reader(tag) else { throw .missingSection(file: file.path, section: tag) }
        return reader
    }
}
