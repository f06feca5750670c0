/// One named CPUID feature bit. Names follow Linux's /proc/cpuinfo where Linux has one, so a diff
/// line such as "CPUID.7.0:EBX[9] erms 1→0" reads the way kernel people expect.
public struct CPUFeature: Hashable, Sendable, CustomStringConvertible {
    public enum Register: String, Sendable, CaseIterable { case eax, ebx, ecx, edx }

    public let name: String
    public let leaf: UInt32
    public let subleaf: UInt32
    public let register: Register
    public let bit: UInt32

    public init(_ name: String, leaf: UInt32, subleaf: UInt32 = 0, _ register: Register, bit: UInt32) {
        self.name = name
        self.leaf = leaf
        self.subleaf = subleaf
        self.register = register
        self.bit = bit
    }

    public var mask: UInt32 { 1 << bit }

    /// "CPUID.7.0:EBX[9]".
    public var location: String {
        "CPUID.\(String(leaf, radix: 16).uppercased()).\(subleaf):\(register.rawValue.uppercased())[\(bit)]"
    }

    public var description: String { "\(location) \(name)" }
}
