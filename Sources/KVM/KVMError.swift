#if canImport(Glibc)
import Glibc
#endif

/// A failed call into KVM, named so that a user can act on it.
public enum KVMError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An ioctl failed; `call` is its KVM name (e.g. "KVM_CREATE_VM").
    case ioctl(call: String, errno: Int32)
    /// /dev/kvm (or another path) could not be opened.
    case open(path: String, errno: Int32)
    /// The kernel speaks a KVM API other than 12, the only stable one.
    case apiVersion(Int32)
    /// mmap of a vCPU's kvm_run area failed.
    case mapRun(errno: Int32)
    /// A capability this VMM needs is absent.
    case missingCapability(String)
    /// The kernel returned something that violates the KVM API (a bug or a very unusual kernel).
    case protocolViolation(String)

    public var description: String {
        switch self {
        case let .ioctl(call, errno):
            return "\(call) failed: \(Self.describe(errno))"
        case let .open(path, errno):
            let hint = errno == EACCES ? " (add this user to the 'kvm' group or grant access to \(path))"
                : errno == ENOENT ? " (KVM is not available: load kvm_intel/kvm_amd or run on a host with virtualization)" : ""
            return "cannot open \(path): \(Self.describe(errno))\(hint)"
        case let .apiVersion(version):
            return "KVM API version \(version) is not supported (expected 12)"
        case let .mapRun(errno):
            return "mmap of the vCPU run area failed: \(Self.describe(errno))"
        case let .missingCapability(name):
            return "this host's KVM lacks \(name), which swiftvm needs"
        case let .protocolViolation(what):
            return "unexpected answer from KVM: \(what)"
        }
    }

    /// "No such file or directory (errno 2)".
    public static func describe(_ errno: Int32) -> String {
        guard let message = strerror(errno) else { return "errno \(errno)" }
        return "\(String(cString: message)) (errno \(errno))"
    }
}
