#if canImport(Glibc)
import Glibc
#endif
import CKVM

/// The /dev/kvm system file descriptor: capability queries, supported CPUID, and VM creation.
public final class KVMSystem: Sendable {
    public static let defaultPath = "/dev/kvm"
    let fd: FileDescriptor
    /// Size of each vCPU's kvm_run mapping.
    public let vcpuMapSize: Int

    public init(path: String = KVMSystem.defaultPath) throws(KVMError) {
        let raw = open(path, O_RDWR | O_CLOEXEC)
        guard raw >= 0 else { throw KVMError.open(path: path, errno: errno) }
        fd = FileDescriptor(raw: raw)
        let version = try fd.ioctl("KVM_GET_API_VERSION", CKVM_GET_API_VERSION)
        guard version == KVM_API_VERSION else { throw KVMError.apiVersion(version) }
        vcpuMapSize = Int(try fd.ioctl("KVM_GET_VCPU_MMAP_SIZE", CKVM_GET_VCPU_MMAP_SIZE))
        guard vcpuMapSize >= MemoryLayout<kvm_run>.size else {
            throw KVMError.protocolViolation("kvm_run mapping of \(vcpuMapSize) bytes is smaller than struct kvm_run")
        }
    }

    /// KVM_CHECK_EXTENSION: 0 when absent, otherwise a capability-specific positive value.
    public func check(_ capability: Capability) -> Int32 {
        (try? fd.ioctl("KVM_CHECK_EXTENSION", CKVM_CHECK_EXTENSION, value: UInt(capability.rawValue))) ?? 0
    }

    /// Throws naming the first required capability that is missing.
    public func requireCapabilities(_ capabilities: [Capability] = Capability.required) throws(KVMError) {
        for capability in capabilities where check(capability) <= 0 {
            throw KVMError.missingCapability(capability.name)
        }
    }

    /// The most vCPUs one VM may have on this host.
    public var maxVCPUs: Int {
        let max = check(.maxVCPUs)
        return Int(max > 0 ? max : check(.nrVCPUs))
    }

    /// KVM_GET_SUPPORTED_CPUID: every leaf this host's KVM can expose, as KVM reports it.
    public func supportedCPUID() throws(KVMError) -> [CPUIDEntry] {
        var capacity = 128
        while true {
            do {
                return try CPUIDBuffer.withBuffer(capacity: capacity) { (header) throws(KVMError) in
                    try fd.ioctl("KVM_GET_SUPPORTED_CPUID", CKVM_GET_SUPPORTED_CPUID, buffer: header)
                    return CPUIDBuffer.entries(header).map(CPUIDEntry.init)
                }
            } catch let error where error == .ioctl(call: "KVM_GET_SUPPORTED_CPUID", errno: E2BIG) && capacity < 4096 {
                capacity *= 2   // the kernel has more entries than we offered room for
            }
        }
    }

    /// KVM_CREATE_VM with the default machine type.
    public func createVM() throws(KVMError) -> VirtualMachine {
        let raw = try fd.ioctl("KVM_CREATE_VM", CKVM_CREATE_VM, value: 0)
        return VirtualMachine(fd: FileDescriptor(raw: raw), system: self)
    }
}
