/// Whether the guest saw what the VMM programmed: every CPUID register present in both the in-guest
/// view and the programmed table, and not masked ("host"), must be equal. A difference means this
/// host's KVM does not honour KVM_SET_CPUID2 beyond the quirks the mask rules name, so the capture
/// cannot be trusted as the machine type's ABI.
public enum ProgrammedConsistency {
    public static func problems(view: ABIView, programmed: ProgrammedView) -> [String] {
        var problems: [String] = []
        for (key, seen) in view.cpuid.sorted(by: { $0.key < $1.key }) {
            guard let set = programmed.cpuid[key] else { continue }
            let registers = [("EAX", seen.eax, set.eax), ("EBX", seen.ebx, set.ebx), ("ECX", seen.ecx, set.ecx), ("EDX", seen.edx, set.edx)]
            for (name, guest, vmm) in registers where guest != "host" && guest != vmm {
                problems.append("the guest read \(MaskRules.cpuidName(key)):\(name) = \(guest) but the VMM programmed \(vmm): "
                                + "this host's KVM does not honour KVM_SET_CPUID2 there (docs/host-quirks.md)")
            }
        }
        return problems
    }
}
