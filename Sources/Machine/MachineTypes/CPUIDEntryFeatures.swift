import CPUFeatures
import KVM

extension CPUIDEntry {
    public func value(of register: CPUFeature.Register) -> UInt32 {
        switch register {
        case .eax: eax
        case .ebx: ebx
        case .ecx: ecx
        case .edx: edx
        }
    }

    public mutating func set(_ register: CPUFeature.Register, to value: UInt32) {
        switch register {
        case .eax: eax = value
        case .ebx: ebx = value
        case .ecx: ecx = value
        case .edx: edx = value
        }
    }
}
