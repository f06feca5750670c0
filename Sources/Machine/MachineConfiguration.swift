import Boot
import QCOW2

/// Everything needed to build one machine and boot one kernel on it.
public struct MachineConfiguration: Sendable {
    public var kernelPath: String
    /// Everything the guest can see is fixed by this (CPU model, devices, tables).
    public var machineType: MachineType = MachineTypes.latest
    public var memorySize: UInt64 = 64 << 20
    public var cpus: Int = 1
    public var commandLine: String = ""
    /// Handed to the guest as the first boot module (PVH modlist / Multiboot mods).
    public var initrdPath: String?
    /// nil: PVH when the image has the note, else Multiboot.
    public var bootProtocol: BootProtocol?
    /// Adds the test data channel at 0xEC0 (docs/guest-interface.md).
    public var testdev = false
    /// An access to an unassigned port or MMIO address ends the run with `.unassignedAccess`.
    public var strictIO = false
    /// Writes to unassigned ports (not under `strictIO`) and to the PCI and CMOS index latches are queued
    /// by KVM (coalesced PIO) and applied before the next exit instead of each exiting. Off: every such
    /// write exits, as the bench's exit figures need.
    public var coalescesPortWrites = true
    /// The image behind the machine type's virtio-blk disk (`--disk`); with none the drive is empty.
    public var disk: DiskImage?
    /// How much console output the run result keeps; more is counted, not kept.
    public var consoleCaptureLimit = 1 << 20
    /// Where a save (guest request, SIGUSR1, control socket) writes the snapshot; nil refuses saves.
    public var snapshotPath: String?

    public init(kernelPath: String) { self.kernelPath = kernelPath }
}

/// A disk image file and how to open it.
public struct DiskImage: Sendable, Equatable {
    public var path: String
    public var readOnly: Bool
    /// nil: probed from the file's first bytes (a probed raw image may not be given the qcow2 magic).
    public var format: ImageFormat?

    public init(path: String, readOnly: Bool = false, format: ImageFormat? = nil) {
        self.path = path
        self.readOnly = readOnly
        self.format = format
    }
}
