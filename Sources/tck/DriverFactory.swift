import ArgumentParser
import Foundation
import TCK

/// The VMMs tck can drive, as `--driver` values: help and shell completion list them, and the catalog's
/// per-driver keys (`xfail.qemu = …`) are checked against the same list. A new VMM is a new `Driver`
/// type plus one case here.
enum DriverKind: String, CaseIterable, ExpressibleByArgument, Sendable {
    case swiftvm
    case qemu
    case libvirt

    static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// `--qemu-machine microvm|pc`: the kinds come from QEMUDriver itself.
extension QEMUDriver.MachineKind: ExpressibleByArgument {}

/// Builds drivers by name.
enum DriverFactory {
    static let knownDrivers = Set(DriverKind.allCases.map(\.rawValue))

    struct Paths {
        var swiftvm: String
        var qemu: String
        var qemuMachine: QEMUDriver.MachineKind
        /// libvirt: the connection URI, the machine type when the catalog names none, and where each
        /// test's domain XML is kept (nil: temporary files).
        var libvirtURI = LibvirtDriver.defaultURI
        var libvirtMachine = "pc"
        var libvirtDomainDirectory: String? = nil
    }

    static func make(_ kind: DriverKind, paths: Paths) -> any Driver {
        switch kind {
        case .swiftvm: return SwiftVMDriver(executable: paths.swiftvm)
        case .qemu: return QEMUDriver(executable: paths.qemu, machine: paths.qemuMachine)
        case .libvirt: return LibvirtDriver(uri: paths.libvirtURI, machine: paths.libvirtMachine,
                                            domainDirectory: paths.libvirtDomainDirectory)
        }
    }

    /// swiftvm next to this tck binary (they are built together), else on PATH.
    static var defaultSwiftVM: String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let sibling = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("swiftvm").path
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : "swiftvm"
    }
}

/// `--libvirt-uri` and `--libvirt-machine`, shared by `tck run` and `tck abi`.
struct LibvirtOptions: ParsableArguments {
    @Option(name: .customLong("libvirt-uri"), help: ArgumentHelp(
        "libvirt connection (default qemu:///system as root, else qemu:///session).", valueName: "uri"))
    var uri = LibvirtDriver.defaultURI

    @Option(name: .customLong("libvirt-machine"), help: ArgumentHelp(
        "libvirt machine type when the catalog names none, e.g. pc-i440fx-7.2 (default pc: libvirt's newest pc-i440fx).",
        valueName: "name"))
    var machine = "pc"
}
