import BlockBackends
import Boot
import Devices
import GuestMemory
import KVM
import Snapshot
import Virtio

/// One virtual machine built from a `MachineConfiguration`: guest memory, the KVM VM with its in-kernel
/// irqchip and PIT, the loaded kernel, the port devices and the vCPUs, ready to `run` once.
///
/// Sendable for the save triggers (a signal thread, the control socket), which only call `requestSave`
/// and `waitForEnd`; everything it holds is immutable or guards itself.
public final class Machine: @unchecked Sendable {
    public static let tssAddress: UInt64 = 0xFFFB_D000
    public static let identityMapAddress: UInt64 = 0xFFFB_C000
    public static let serialPort: UInt16 = 0x3F8
    public static let serialIRQ: UInt32 = 4

    public let configuration: MachineConfiguration
    public let layout: GuestMemoryLayout
    /// The kernel loaded and how it is entered; nil for a machine restored from a snapshot.
    public let kernel: LoadedKernel?
    public let entry: EntryState?

    let memory: GuestMemory
    let vm: VirtualMachine
    /// The GSI routing table: ISA wiring plus the irqfd MSI routes of virtio vectors.
    let router: GSIRouter
    let vcpus: [VirtualCPU]
    /// What KVM_SET_CPUID2 was given for vCPU 0 (the others differ only in their APIC id fields).
    public let programmedCPUID: [CPUIDEntry]
    let bus: IOBus
    /// The machine type's virtio-blk function, when it has one.
    let virtioBlock: VirtioPCIAttachment?
    let console: CaptureSink
    /// Port writes that KVM queues instead of exiting (index latches; unclaimed ports unless --strict-io).
    let coalescedPortWrites: CoalescedPortWrites?
    /// How guest user mode gets back to its kernel (--testdev only).
    let kernelEntry: KernelEntryGate?
    let latch: StopLatch
    /// Stops every vCPU at once: for the watchdog's deadlock looks and for saves.
    let pause = VcpuPause()
    let createdAt: Double
    /// The thread that asked KVM for its CPUID, kept for the watchdog (`SpareThread`).
    let spareThread: SpareThread?
    /// The port devices whose state a snapshot carries.
    let devices: MachineDevices
    /// Save requests from the guest, a signal or the control socket (`requestSave`).
    let saveRequests: SaveRequests
    /// KVM_CAP_XSAVE: the FPU state goes through KVM_GET/SET_XSAVE (else KVM_GET/SET_FPU).
    let xsave: Bool
    /// The boot protocol the kernel was entered by (from the snapshot's CONF for a restored machine).
    let bootProtocol: BootProtocol?

    /// Where a machine's RAM contents come from.
    enum Source {
        /// Boot `configuration.kernelPath`.
        case kernel
        /// Copy the snapshot's memory in; the state goes in after the machine is built (`Machine(restoring:)`).
        case snapshot(SnapshotFile, bootProtocol: BootProtocol?, openedAt: Double)
    }

    /// Builds the machine. `consoleOutput` receives guest console bytes as they come (e.g. stdout);
    /// `dataOutput` receives the testdev data stream.
    /// `host`: /dev/kvm opened early (`HostKVM`); by default this opens it.
    public convenience init(_ configuration: MachineConfiguration, consoleOutput: ByteSink? = nil,
                            dataOutput: ByteSink? = nil, host: HostKVM? = nil) throws(MachineError) {
        try self.init(configuration, source: .kernel, consoleOutput: consoleOutput, dataOutput: dataOutput, host: host)
    }

    init(_ configuration: MachineConfiguration, source: Source, consoleOutput: ByteSink?, dataOutput: ByteSink?,
         host: HostKVM?) throws(MachineError) {
        let host = host ?? HostKVM()
        // A restore's set-up counts from opening the file (reading and checking it is part of the restore).
        if case let .snapshot(_, _, openedAt) = source { createdAt = openedAt } else { createdAt = monotonicSeconds() }
        self.configuration = configuration
        let layout = try GuestMemoryLayout(ramSize: configuration.memorySize)
        self.layout = layout

        // Made before the VM exists: until KVM_X86_SET_MSR_FILTER this thread's work overlaps the host's
        // CPUID query (`HostKVM`) instead of waiting for it.
        let image = try GuestImage.build(configuration, source: source, layout: layout)
        (memory, kernel, entry, bootProtocol) = (image.memory, image.kernel, image.entry, image.bootProtocol)
        let (disk, cpuid) = (image.disk, image.cpuid)

        let system: KVMSystem
        // A machine that may be saved, or is restored, needs the state ioctls too: refused now, by name,
        // rather than at the save. Plain boots ask nothing more of KVM than before.
        let snapshots = configuration.snapshotPath != nil || { if case .snapshot = source { true } else { false } }()
        do {
            system = try host.system.get()
            try system.requireCapabilities()
            if snapshots { try system.requireCapabilities(Capability.snapshot) }
        } catch { throw .kvm(error) }
        guard configuration.cpus <= system.maxVCPUs else {
            throw .badCPUCount(configuration.cpus, maximum: min(system.maxVCPUs, 255))
        }
        xsave = snapshots && system.check(.xsave) > 0

        do {
            vm = try system.createVM()
            // The machine type, not the host, decides every MSR: KVM handles the listed state registers, every
            // other access comes to `ExitDispatcher`, which answers constants or raises #GP. First of all:
            // the ioctl ends in synchronize_srcu, ~0.1 ms on a fresh VM but 15-23 ms once KVM_CREATE_IRQCHIP
            // has run (measured on this kind of host; benchmarks/README.md).
            try vm.setMSRFilter(MSRFilter(allowing: configuration.machineType.msrs.kvmHandled))
        } catch { throw .kvm(error) }
        do {
            // Memory slots before the irqchip: on this kind of host a slot added after KVM_CREATE_IRQCHIP
            // costs milliseconds (see `make bench`).
            for slot in memory.slots {
                try vm.setUserMemoryRegion(slot: slot.index, guestAddress: slot.guestRange.start.rawValue,
                                           size: slot.guestRange.size, hostAddress: slot.hostAddress)
            }
            try vm.setTSSAddress(Self.tssAddress)
            try vm.setIdentityMapAddress(Self.identityMapAddress)
            try vm.createIRQChip()
            router = try GSIRouter(vm: vm)
            try vm.createPIT2()
            try vm.enableUserSpaceMSRExitsForFilteredMSRs()
        } catch { throw .kvm(error) }
        let console = CaptureSink(limit: configuration.consoleCaptureLimit)
        self.console = console
        let consoleSink: ByteSink = consoleOutput.map { TeeSink([console, $0]) } ?? console
        // One vCPU thread: nobody for a device lock to exclude (the exit path then takes no lock at all).
        bus = IOBus(serializesDevices: configuration.cpus > 1)
        try Self.checkCPU(of: configuration.machineType, on: host)
        spareThread = host.takeThread()
        programmedCPUID = cpuid[0]
        let vcpus = try Self.createVCPUs(vm: vm, cpuid: cpuid, entry: entry)
        self.vcpus = vcpus
        let latch = try StopLatch { for vcpu in vcpus { vcpu.kick() } }
        self.latch = latch
        let pause = self.pause
        let saveRequests = SaveRequests(path: configuration.snapshotPath, latch: latch) {
            pause.hold()
            for vcpu in vcpus { vcpu.kick() }
        }
        self.saveRequests = saveRequests
        let attachment: VirtioPCIAttachment?
        if let disk, let slot = configuration.machineType.virtioBlock {
            attachment = try Self.attachVirtioBlock(disk, slot: slot, vm: vm, router: router, memory: memory)
        } else {
            attachment = nil
        }
        virtioBlock = attachment
        devices = try Self.registerDevices(on: bus, configuration: configuration, vm: vm, memory: memory, latch: latch,
                                           saveRequests: saveRequests, consoleSink: consoleSink, dataOutput: dataOutput,
                                           virtioBlock: attachment)
        kernelEntry = configuration.testdev ? KernelEntryGate(memory: memory) : nil
        coalescedPortWrites = !configuration.coalescesPortWrites ? nil
            : CoalescedPortWrites.install(on: vm, ring: vcpus[0].coalescedRing, bus: bus, strays: !configuration.strictIO)
    }

    private static func attachVirtioBlock(_ backend: any BlockBackend, slot: VirtioBlockSlot, vm: VirtualMachine,
                                          router: GSIRouter, memory: GuestMemory) throws(MachineError) -> VirtioPCIAttachment {
        let interrupt = KVMVirtioInterrupt(vm: vm, router: router, gsi: slot.gsi)
        var transport = VirtioPCITransport(device: VirtioBlockDevice(backend: backend, serial: "swiftvm-disk0"), memory: memory,
                                           interrupt: interrupt)
        transport.writeConfig(offset: 0x3C, size: 1, value: slot.gsi)   // Interrupt Line, as firmware leaves it
        return try VirtioPCIAttachment(transport: transport, interrupt: interrupt, at: slot.address, vm: vm)
    }

    /// Refuses a host whose KVM cannot provide the machine type's CPU features.
    private static func checkCPU(of machineType: MachineType, on host: HostKVM) throws(MachineError) {
        let supported: [CPUIDEntry]
        do { supported = try host.supportedCPUID() } catch { throw MachineError.kvm(error) }
        do { try machineType.cpu.check(against: supported) } catch {
            throw MachineError.unsupportedMachine(machine: machineType.name, error)
        }
    }

    /// `entry` nil: a restore sets every register afterwards.
    private static func createVCPUs(vm: VirtualMachine, cpuid: [[CPUIDEntry]], entry: EntryState?) throws(MachineError) -> [VirtualCPU] {
        do {
            return try cpuid.indices.map { (index) throws(KVMError) in
                let vcpu = try vm.createVCPU(id: UInt32(index))
                try vcpu.setCPUID(cpuid[index])
                try vcpu.resetFPU()
                // APs keep KVM's reset state: they wait for INIT/SIPI from the guest (in-kernel LAPIC).
                if index == 0, let entry {
                    try vcpu.updateSpecialRegisters { $0 = EntryCPUState.specialRegisters(from: $0) }
                    try vcpu.setRegisters(EntryCPUState.registers(for: entry))
                }
                return vcpu
            }
        } catch { throw .kvm(error) }
    }

    private static func registerDevices(on bus: IOBus, configuration: MachineConfiguration, vm: VirtualMachine,
                                        memory: GuestMemory, latch: StopLatch, saveRequests: SaveRequests, consoleSink: ByteSink,
                                        dataOutput: ByteSink?, virtioBlock: VirtioPCIAttachment?) throws(MachineError) -> MachineDevices {
        let serialLine = KVMInterruptLine(vm: vm, irq: serialIRQ) { error in
            latch.stop(.vmmFailure(cpu: 0, "serial interrupt (IRQ \(serialIRQ)): \(error)"))
        }
        let serial = Serial16550(output: consoleSink, interrupt: serialLine)
        // The debug-exit device only asks for the run to end; the latch decides and kicks the vCPUs.
        let debugExit = DebugExit { value in latch.stop(.guestExit(code: value)) }
        let keyboardController = I8042(onReset: { latch.stop(.guestReset(via: "i8042 keyboard controller")) })
        let rtc = CMOSRTC(clock: { CMOSDateTime.utcNow() })
        rtc.presetMemorySize(ramBytes: configuration.memorySize)
        var pci = PCIBus()
        for slot in configuration.machineType.pciFunctions {
            do { try pci.insert(slot.function, at: slot.address) } catch { preconditionFailure("machine type PCI layout: \(error)") }
        }
        let testdev: PortDevice = configuration.testdev
            ? TestDataChannel(memory: memory, console: consoleSink, data: dataOutput ?? CaptureSink(limit: 0))
            : ReservedPorts()
        // A refused request (no --snapshot) leaves the guest running with its generation unchanged.
        let snapshotPort = SnapshotRequestPort { tag in
            if case .success = saveRequests.request(.guest(tag: tag)) { return true }
            return false
        }
        let pciHost = PCIHostBridgePorts(bus: pci, handlers: virtioBlock.map { [$0.address: $0] } ?? [:])
        do {
            try bus.register(serial, base: serialPort, length: Serial16550.registerCount, name: "serial0")
            try bus.register(debugExit, base: DebugExit.defaultPort, length: DebugExit.portCount, name: "debug-exit")
            try bus.register(keyboardController.dataPort, base: I8042.dataPortNumber, length: 1, name: "i8042-data")
            try bus.register(keyboardController.commandPort, base: I8042.commandPortNumber, length: 1, name: "i8042-command")
            try bus.register(rtc, base: CMOSRTC.basePort, length: CMOSRTC.portCount, name: "cmos-rtc")
            try bus.register(pciHost, base: PCIHostBridgePorts.basePort, length: PCIHostBridgePorts.portCount, name: "pci-config")
            try bus.register(testdev, base: TestDataChannel.defaultPort, length: TestDataChannel.portCount,
                             name: configuration.testdev ? "testdev" : "testdev-probe")
            // A test-harness port like testdev, not part of any machine type's ABI: only with --testdev.
            try bus.register(configuration.testdev ? snapshotPort : ReservedPorts(), base: SnapshotRequestPort.defaultPort,
                             length: SnapshotRequestPort.portCount, name: configuration.testdev ? "snapshot-port" : "snapshot-probe")
            // With --testdev the exit dispatcher answers its 32-bit accesses (KernelEntryGate) before the bus;
            // claimed either way, so that no write to it is coalesced and the guest library's probe at start
            // is never a stray access (as testdev's probe).
            try bus.register(ReservedPorts(), base: KernelEntryGate.port, length: KernelEntryGate.portCount,
                             name: configuration.testdev ? "kernel-entry" : "kernel-entry-probe")
        } catch {
            preconditionFailure("fixed device layout overlaps: \(error)")
        }
        return MachineDevices(serial: serial, keyboardController: keyboardController, rtc: rtc, pciHost: pciHost,
                              snapshotPort: snapshotPort)
    }
}
