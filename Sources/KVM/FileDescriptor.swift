#if canImport(Glibc)
import Glibc
#endif
import CKVM

/// An owned file descriptor; closed when the owner goes away. Every ioctl in this module funnels
/// through `ioctl(_:_:)` below, so each failure becomes a `KVMError.ioctl` naming the call. The one
/// exception is the vCPU loop's KVM_RUN (`VirtualCPU.run(answering:)`, a bare `syscall`), whose
/// failures become the same error in `VirtualCPU.interruptedOrThrow`.
final class FileDescriptor: Sendable {
    let raw: Int32

    init(raw: Int32) { self.raw = raw }
    deinit { close(raw) }

    /// ioctl with no argument; returns the non-negative result.
    @discardableResult
    func ioctl(_ call: String, _ request: UInt) throws(KVMError) -> Int32 {
        try check(call, ckvm_ioctl(raw, request))
    }

    /// ioctl whose argument is a plain integer (a slot number, an address).
    @discardableResult
    func ioctl(_ call: String, _ request: UInt, value: UInt) throws(KVMError) -> Int32 {
        try check(call, ckvm_ioctl_value(raw, request, value))
    }

    /// ioctl whose argument is a struct passed by reference.
    @discardableResult
    func ioctl<T>(_ call: String, _ request: UInt, _ argument: inout T) throws(KVMError) -> Int32 {
        let result = withUnsafeMutablePointer(to: &argument) { ckvm_ioctl_pointer(raw, request, $0) }
        return try check(call, result)
    }

    /// ioctl whose argument is a caller-managed buffer (variable-length structs such as kvm_cpuid2).
    @discardableResult
    func ioctl(_ call: String, _ request: UInt, buffer: UnsafeMutableRawPointer) throws(KVMError) -> Int32 {
        try check(call, ckvm_ioctl_pointer(raw, request, buffer))
    }

    /// ioctl with no argument that a signal may cut short (KVM_RUN after a kick): false when it was
    /// interrupted (EINTR, EAGAIN), true when it completed.
    func ioctlUnlessInterrupted(_ call: String, _ request: UInt) throws(KVMError) -> Bool {
        guard ckvm_ioctl(raw, request) < 0 else { return true }
        let error = errno
        if error == EINTR || error == EAGAIN { return false }
        throw KVMError.ioctl(call: call, errno: error)
    }

    private func check(_ call: String, _ result: Int32) throws(KVMError) -> Int32 {
        guard result >= 0 else { throw KVMError.ioctl(call: call, errno: errno) }
        return result
    }
}
