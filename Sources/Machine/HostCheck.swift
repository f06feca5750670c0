import KVM

/// Whether this host's KVM can run a machine type, without building a VM: what `swiftvm check` and
/// tck's pre-flight ask once, so an unsuitable host is one clear line instead of a failure per test.
public enum HostCheck {
    /// Throws `.kvm` when KVM is missing or lacks a capability swiftvm needs, `.unsupportedMachine`
    /// naming the CPU features this host's KVM cannot provide.
    public static func check(_ machineType: MachineType) throws(MachineError) {
        let supported: [CPUIDEntry]
        do {
            let system = try KVMSystem()
            try system.requireCapabilities()
            supported = try system.supportedCPUID()
        } catch { throw .kvm(error) }
        do { try machineType.cpu.check(against: supported) } catch {
            throw .unsupportedMachine(machine: machineType.name, error)
        }
    }
}
