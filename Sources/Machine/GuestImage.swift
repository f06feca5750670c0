import BlockBackends
import Boot
import GuestMemory
import KVM
import QCOW2

/// What the guest finds in place at its first instruction, made without KVM: RAM holding the ACPI
/// tables, the kernel and its boot information (or a snapshot's memory), the disk behind the machine
/// type's virtio-blk slot, and each vCPU's CPUID table.
///
/// `Machine` builds it while the host's CPUID query runs on another thread (`HostKVM`).
struct GuestImage {
    let memory: GuestMemory
    /// The kernel loaded and how it is entered; nil for a machine restored from a snapshot.
    let kernel: LoadedKernel?
    let entry: EntryState?
    /// The boot protocol the kernel was entered by (from the snapshot's CONF for a restored machine).
    let bootProtocol: BootProtocol?
    let disk: (any BlockBackend)?
    let cpuid: [[CPUIDEntry]]

    /// Bad input (the kernel, the initrd, the disk, the CPU count, where the kernel goes) is found here,
    /// before any KVM error, so it needs no /dev/kvm.
    static func build(_ configuration: MachineConfiguration, source: Machine.Source,
                      layout: GuestMemoryLayout) throws(MachineError) -> GuestImage {
        var boot: (image: ELFImage, initrd: (String, [UInt8])?)?
        if case .kernel = source {
            let kernelBytes = try HostFile.read(configuration.kernelPath, what: "kernel", limit: layout.ramSize)
            let image: ELFImage
            do { image = try ELFImage.parse(kernelBytes, name: basename(configuration.kernelPath)) } catch { throw .elf(error) }
            if let requested = configuration.bootProtocol, !image.availableProtocols.contains(requested) {
                throw .protocolUnavailable(path: configuration.kernelPath, requested: requested, available: image.availableProtocols)
            }
            let initrd = try configuration.initrdPath.map { path throws(MachineError) in
                (path, try HostFile.read(path, what: "initrd", limit: layout.ramSize))
            }
            boot = (image, initrd)
        }
        let disk = try openDisk(configuration)

        // No machine has more: the MADT's and the xAPIC's ids stop there. The host's own limit comes later.
        guard configuration.cpus >= 1, configuration.cpus <= 255 else { throw .badCPUCount(configuration.cpus, maximum: 255) }

        let memory: GuestMemory
        do { memory = try GuestMemory(ranges: layout.ramRanges) } catch { throw .guestMemory(error) }
        let kernel: LoadedKernel?, entry: EntryState?, bootProtocol: BootProtocol?
        if let boot {
            let rsdp = try ACPIPlacement.install(for: configuration.machineType, cpuCount: configuration.cpus, into: memory)
            let loaded = try loadKernel(boot.image, initrd: boot.initrd, configuration: configuration, layout: layout,
                                        memory: memory, rsdp: rsdp)
            (kernel, entry, bootProtocol) = (loaded.kernel, loaded.entry, loaded.kernel.protocolUsed)
        } else if case let .snapshot(file, saved, _) = source {
            // The tables and the kernel are in the snapshot's memory.
            try GuestMemorySnapshot.restore(from: file, into: memory, layout: layout)
            (kernel, entry, bootProtocol) = (nil, nil, saved)
        } else {
            (kernel, entry, bootProtocol) = (nil, nil, nil)
        }
        let cpuid = try cpuidTables(count: configuration.cpus, machineType: configuration.machineType)
        return GuestImage(memory: memory, kernel: kernel, entry: entry, bootProtocol: bootProtocol, disk: disk, cpuid: cpuid)
    }

    /// The disk behind the machine type's virtio-blk slot: the image given, or an empty drive; nil when the
    /// machine type has no slot (and then `--disk` is refused).
    private static func openDisk(_ configuration: MachineConfiguration) throws(MachineError) -> (any BlockBackend)? {
        guard configuration.machineType.virtioBlock != nil else {
            if configuration.disk != nil { throw .noDiskController(machine: configuration.machineType.name) }
            return nil
        }
        guard let disk = configuration.disk else { return EmptyMedium() }
        do { return try DiskImageOpener.open(path: disk.path, format: disk.format, readOnly: disk.readOnly) } catch { throw .disk(error.description) }
    }

    private static func loadKernel(_ image: ELFImage, initrd: (String, [UInt8])?, configuration: MachineConfiguration,
                                   layout: GuestMemoryLayout, memory: GuestMemory,
                                   rsdp: GuestAddress) throws(MachineError) -> (kernel: LoadedKernel, entry: EntryState) {
        let kernel: LoadedKernel
        var modules: [BootModule] = []
        do {
            kernel = try KernelLoader.load(image, into: memory, memoryMap: layout.memoryMap,
                                           reserved: layout.loaderReserved, prefer: configuration.bootProtocol)
        } catch { throw .load(error) }
        if let (path, bytes) = initrd {
            let range: GuestRange
            do { range = try ModulePlacer.place(size: UInt64(bytes.count), memoryMap: layout.memoryMap, above: kernel.kernelEnd) }
            catch { throw .load(error) }
            do { try memory.write(bytes, at: range.start) } catch { throw .guestMemory(error) }
            modules.append(BootModule(range: range, commandLine: basename(path)))
        }
        let infoAddress: UInt32
        do {
            switch kernel.protocolUsed {
            case .pvh:
                infoAddress = try PVHBootInfo.write(into: memory, area: layout.bootInfoArea, commandLine: configuration.commandLine,
                                                    modules: modules, memoryMap: layout.memoryMap, rsdp: rsdp)
            case .multiboot:
                infoAddress = try MultibootInfo.write(into: memory, area: layout.bootInfoArea, commandLine: configuration.commandLine,
                                                      modules: modules, memoryMap: layout.memoryMap)
            }
        } catch { throw .bootInfo(error) }
        return (kernel, BootConfigurator.entryState(for: kernel, bootInfoAddress: infoAddress))
    }

    /// Each vCPU's CPUID table: the machine type's alone, nothing from KVM.
    private static func cpuidTables(count: Int, machineType: MachineType) throws(MachineError) -> [[CPUIDEntry]] {
        do {
            return try (0..<count).map { (index) throws(CPUModelError) in
                try machineType.cpu.entries(apicID: UInt32(index), cpuCount: count)
            }
        } catch { throw MachineError.unsupportedMachine(machine: machineType.name, error) }
    }
}

private func basename(_ path: String) -> String {
    // By bytes: splitting the String into Substrings cost ~30,000 instructions of a hello run.
    let bytes = Array(path.utf8)
    var end = bytes.count
    while end > 0, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }   // "a/b/" names b, as split did
    guard end > 0 else { return path }
    var start = end
    while start > 0, bytes[start - 1] != UInt8(ascii: "/") { start -= 1 }
    return String(decoding: bytes[start..<end], as: UTF8.self)
}
