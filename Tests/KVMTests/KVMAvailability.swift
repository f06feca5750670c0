import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Tests that need /dev/kvm run when it can be opened and are reported skipped (with this reason) when not.
enum KVMAvailability {
    static let isUsable: Bool = access("/dev/kvm", R_OK | W_OK) == 0
    static let reason: Comment = "needs a usable /dev/kvm (absent or no permission on this host)"
}
