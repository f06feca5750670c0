import Foundation
import TCK

/// Builds drivers by name. A new VMM is a new `Driver` type plus one line here.
enum DriverFactory {
    static let knownDrivers: Set<String> = ["swiftvm", "qemu"]

    struct Paths {
        var swiftvm: String
        var qemu: String
        var qemuMachine: QEMUDriver.MachineKind
    }

    static func make(_ name: String, paths: Paths) throws -> any Driver {
        switch name {
        case "swiftvm": return SwiftVMDriver(executable: paths.swiftvm)
        case "qemu": return QEMUDriver(executable: paths.qemu, machine: paths.qemuMachine)
        default: throw EnvironmentFailure("unknown driver '\(name)'; known: \(knownDrivers.sorted().joined(separator: ", "))")
        }
    }

    /// swiftvm next to this tck binary (they are built together), else on PATH.
    static var defaultSwiftVM: String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let sibling = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("swiftvm").path
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : "swiftvm"
    }
}
