#if canImport(Glibc)
import Glibc
#endif
import Boot
import QCOW2
import Snapshot

/// The CONF section: what a restore needs to build the same machine before any state goes in — the
/// machine type (by name; it must exist in the restoring swiftvm), memory size, vCPU count, the boot
/// configuration (informational: the kernel is in guest memory by then) and the disk, identified by
/// path, size and modification time so that a restore refuses an image that changed since the save.
struct SavedConfiguration: Equatable, Sendable {
    static let version: UInt32 = 1

    struct Disk: Equatable, Sendable {
        var path: String
        /// "raw" or "qcow2"; "" when the format was probed (as it will be again).
        var format: String
        var readOnly: Bool
        var size: UInt64
        var modifiedSeconds: Int64
        var modifiedNanoseconds: Int64
    }

    var machineType: String
    var memorySize: UInt64
    var cpus: Int
    var commandLine: String
    var bootProtocol: String
    var kernelPath: String
    var initrdPath: String
    var testdev: Bool
    var strictIO: Bool
    var disk: Disk?

    init(_ configuration: MachineConfiguration, bootProtocol: BootProtocol?) throws(MachineError) {
        machineType = configuration.machineType.name
        memorySize = configuration.memorySize
        cpus = configuration.cpus
        commandLine = configuration.commandLine
        self.bootProtocol = bootProtocol?.rawValue ?? ""
        kernelPath = configuration.kernelPath
        initrdPath = configuration.initrdPath ?? ""
        testdev = configuration.testdev
        strictIO = configuration.strictIO
        disk = try configuration.disk.map { (image) throws(MachineError) in
            let stamp = try Self.stamp(image.path)
            // Absolute, so a restore from another working directory finds the same file.
            let absolute = realpath(image.path, nil).map { path in defer { free(path) }; return String(cString: path) } ?? image.path
            return Disk(path: absolute, format: image.format?.rawValue ?? "", readOnly: image.readOnly, size: stamp.size,
                        modifiedSeconds: stamp.seconds, modifiedNanoseconds: stamp.nanoseconds)
        }
    }

    /// Size and modification time of a disk image, as the snapshot records them.
    static func stamp(_ path: String) throws(MachineError) -> (size: UInt64, seconds: Int64, nanoseconds: Int64) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .fileUnreadable(path: path, what: "disk image", errno: errno) }
        return (UInt64(info.st_size), Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec))
    }

    func encode() -> [UInt8] {
        var writer = StateWriter()
        writer.string(machineType)
        writer.u64(memorySize)
        writer.u32(UInt32(cpus))
        writer.string(commandLine)
        writer.string(bootProtocol)
        writer.string(kernelPath)
        writer.string(initrdPath)
        writer.bool(testdev)
        writer.bool(strictIO)
        writer.bool(disk != nil)
        if let disk {
            writer.string(disk.path)
            writer.string(disk.format)
            writer.bool(disk.readOnly)
            writer.u64(disk.size)
            writer.i64(disk.modifiedSeconds)
            writer.i64(disk.modifiedNanoseconds)
        }
        return writer.bytes
    }

    init(from reader: inout StateReader) throws(SnapshotError) {
        machineType = try reader.string(field: "machine type")
        memorySize = try reader.u64("memory size")
        let cpus = try reader.u32("vCPU count")
        guard (1...255).contains(cpus) else { throw reader.failure("vCPU count", "\(cpus) is outside 1–255") }
        self.cpus = Int(cpus)
        commandLine = try reader.string(field: "command line")
        bootProtocol = try reader.string(field: "boot protocol")
        kernelPath = try reader.string(field: "kernel path")
        initrdPath = try reader.string(field: "initrd path")
        testdev = try reader.bool("testdev")
        strictIO = try reader.bool("strict I/O")
        if try reader.bool("disk present") {
            let path = try reader.string(field: "disk path")
            let format = try reader.string(field: "disk format")
            guard format.isEmpty || ImageFormat(rawValue: format) != nil else {
                throw reader.failure("disk format", "'\(format)' is not raw or qcow2")
            }
            disk = Disk(path: path, format: format, readOnly: try reader.bool("disk read-only"), size: try reader.u64("disk size"),
                        modifiedSeconds: try reader.i64("disk mtime seconds"), modifiedNanoseconds: try reader.i64("disk mtime nanoseconds"))
        } else {
            disk = nil
        }
        try reader.finish()
    }

    /// The configuration to build the machine from, with the machine type looked up by name.
    func machineConfiguration(file: String) throws(MachineError) -> MachineConfiguration {
        var configuration = MachineConfiguration(kernelPath: kernelPath)
        do { configuration.machineType = try MachineTypes.named(machineType) } catch {
            throw .snapshotMachineType(file: file, name: machineType, known: MachineTypes.all.map(\.name))
        }
        configuration.memorySize = memorySize
        configuration.cpus = cpus
        configuration.commandLine = commandLine
        configuration.bootProtocol = BootProtocol(rawValue: bootProtocol)
        configuration.initrdPath = initrdPath.isEmpty ? nil : initrdPath
        configuration.testdev = testdev
        configuration.strictIO = strictIO
        if let disk {
            let stamp: (size: UInt64, seconds: Int64, nanoseconds: Int64)
            do { stamp = try Self.stamp(disk.path) } catch { throw .snapshotDisk(file: file, path: disk.path, problem: "cannot be read: \(error)") }
            guard stamp.size == disk.size else {
                throw .snapshotDisk(file: file, path: disk.path, problem: "is \(stamp.size) bytes; it was \(disk.size) when saved")
            }
            guard stamp.seconds == disk.modifiedSeconds, stamp.nanoseconds == disk.modifiedNanoseconds else {
                throw .snapshotDisk(file: file, path: disk.path, problem: "was modified after the save (its mtime changed)")
            }
            configuration.disk = DiskImage(path: disk.path, readOnly: disk.readOnly, format: ImageFormat(rawValue: disk.format))
        }
        return configuration
    }
}
