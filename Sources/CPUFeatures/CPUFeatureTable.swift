/// Names for the CPUID feature bits a machine type may expose and an ABI diff may mention.
/// Each row lists a register's bits from 0 upwards; "" marks a bit with no name here (a diff still
/// shows it by location). Sources: the Intel SDM vol. 2A CPUID tables, AMD APM vol. 3 appendix E,
/// Linux arch/x86/include/asm/cpufeatures.h for names, Linux Documentation/virt/kvm/x86/cpuid.rst.
public enum CPUFeatureTable {
    /// Every named bit of the rows, in row order, bit 0 upwards.
    public static let all: [CPUFeature] = rows.flatMap { row in
        row.names.enumerated().compactMap { bit, name in
            name.isEmpty ? nil : CPUFeature(name, leaf: row.leaf, subleaf: row.subleaf, row.register, bit: UInt32(bit))
        }
    }

    /// Every name's row and bit, in an open-addressed table keyed by FNV-1a of the name's UTF-8 (a slot
    /// holds `row << 5 | bit`, plus one; 0 is empty). Every swiftvm start resolves its CPU model's names
    /// here: through a `[String: CPUFeature]` that took ~143,000 instructions of a hello run (SipHash of
    /// every name, the dictionary's generic metadata), through this ~66,000 (benchmarks/README.md,
    /// "Seventh pass").
    /// Names are unique, and each is found by its name (CPUModelTests).
    private static let nameSlots: [UInt16] = {
        let count = rows.reduce(0) { $0 + $1.names.count }
        var capacity = 64
        while capacity < 2 * count { capacity *= 2 }   // at most half full: short probe runs
        var slots = [UInt16](repeating: 0, count: capacity)
        for (rowIndex, row) in rows.enumerated() {
            for (bit, name) in row.names.enumerated() where !name.isEmpty {
                var slot = nameHash(name) & (capacity - 1)
                while slots[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
                slots[slot] = UInt16(rowIndex << 5 | bit) + 1
            }
        }
        return slots
    }()

    private static func nameHash(_ name: String) -> Int {
        var name = name   // withUTF8 reads a small string's bytes in place; `for byte in name.utf8` cost 4x
        return name.withUTF8 { bytes in
            var hash: UInt32 = 2_166_136_261
            for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
            return Int(hash)
        }
    }

    /// The feature called `name`, or nil.
    public static func feature(named name: String) -> CPUFeature? {
        let slots = nameSlots, mask = slots.count - 1
        var slot = nameHash(name) & mask
        while slots[slot] != 0 {
            let rowIndex = Int(slots[slot] - 1) >> 5, bit = Int(slots[slot] - 1) & 31
            let row = rows[rowIndex]
            if row.names[bit] == name {
                return CPUFeature(name, leaf: row.leaf, subleaf: row.subleaf, row.register, bit: UInt32(bit))
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// The named feature at a location, or nil when the bit has no name here.
    public static func feature(leaf: UInt32, subleaf: UInt32, register: CPUFeature.Register, bit: UInt32) -> CPUFeature? {
        all.first { $0.leaf == leaf && $0.subleaf == subleaf && $0.register == register && $0.bit == bit }
    }

    /// The registers this table describes: feature-flag registers, as opposed to numeric fields.
    public static let featureRegisters: Set<String> = Set(rows.map { key($0.leaf, $0.subleaf, $0.register) })

    static func key(_ leaf: UInt32, _ subleaf: UInt32, _ register: CPUFeature.Register) -> String {
        "\(leaf).\(subleaf).\(register.rawValue)"
    }

    private struct Row {
        let leaf: UInt32
        let subleaf: UInt32
        let register: CPUFeature.Register
        let names: [String]
    }

    private static let rows: [Row] = [
        Row(leaf: 0x1, subleaf: 0, register: .edx, names: [
            "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "", "sep", "mtrr", "pge", "mca", "cmov",
            "pat", "pse36", "pn", "clflush", "", "dts", "acpi", "mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe"]),
        Row(leaf: 0x1, subleaf: 0, register: .ecx, names: [
            "pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2", "ssse3", "cid", "sdbg", "fma",
            "cx16", "xtpr", "pdcm", "", "pcid", "dca", "sse4_1", "sse4_2", "x2apic", "movbe", "popcnt",
            "tsc_deadline_timer", "aes", "xsave", "osxsave", "avx", "f16c", "rdrand", "hypervisor"]),
        Row(leaf: 0x6, subleaf: 0, register: .eax, names: ["dtherm", "ida", "arat", "", "pln", "", "pts"]),
        Row(leaf: 0x7, subleaf: 0, register: .ebx, names: [
            "fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", "fdp_excptn_only", "smep", "bmi2", "erms", "invpcid",
            "rtm", "cqm", "zero_fcs_fds", "mpx", "rdt_a", "avx512f", "avx512dq", "rdseed", "adx", "smap", "avx512ifma",
            "", "clflushopt", "clwb", "intel_pt", "avx512pf", "avx512er", "avx512cd", "sha_ni", "avx512bw", "avx512vl"]),
        Row(leaf: 0x7, subleaf: 0, register: .ecx, names: [
            "prefetchwt1", "avx512vbmi", "umip", "pku", "ospke", "waitpkg", "avx512_vbmi2", "shstk", "gfni", "vaes",
            "vpclmulqdq", "avx512_vnni", "avx512_bitalg", "tme", "avx512_vpopcntdq", "", "la57", "", "", "", "", "",
            "rdpid", "", "", "cldemote", "", "movdiri", "movdir64b", "enqcmd", "sgx_lc"]),
        Row(leaf: 0x7, subleaf: 0, register: .edx, names: [
            "", "", "avx512_4vnniw", "avx512_4fmaps", "fsrm", "", "", "", "avx512_vp2intersect", "", "md_clear", "", "",
            "", "serialize", "", "tsxldtrk", "", "pconfig", "", "ibt", "", "amx_bf16", "avx512_fp16", "amx_tile",
            "amx_int8", "spec_ctrl", "intel_stibp", "flush_l1d", "arch_capabilities", "core_capabilities", "spec_ctrl_ssbd"]),
        Row(leaf: 0xD, subleaf: 1, register: .eax, names: ["xsaveopt", "xsavec", "xgetbv1", "xsaves"]),
        Row(leaf: 0x8000_0001, subleaf: 0, register: .ecx, names: [
            "lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm", "sse4a", "misalignsse", "3dnowprefetch",
            "osvw", "ibs", "xop", "skinit", "wdt", "", "lwp", "fma4", "tce", "", "nodeid_msr", "", "tbm", "topoext",
            "perfctr_core", "perfctr_nb", "", "bpext", "ptsc", "perfctr_llc", "mwaitx"]),
        // AMD repeats many leaf-1 EDX bits here; Linux names only the AMD-specific ones.
        Row(leaf: 0x8000_0001, subleaf: 0, register: .edx, names: [
            "amd_fpu", "amd_vme", "amd_de", "amd_pse", "amd_tsc", "amd_msr", "amd_pae", "amd_mce", "amd_cx8", "amd_apic",
            "", "syscall", "amd_mtrr", "amd_pge", "amd_mca", "amd_cmov", "amd_pat", "amd_pse36", "", "mp", "nx", "",
            "mmxext", "amd_mmx", "amd_fxsr", "fxsr_opt", "pdpe1gb", "rdtscp", "", "lm", "3dnowext", "3dnow"]),
        Row(leaf: 0x8000_0007, subleaf: 0, register: .edx, names: ["", "", "", "", "", "", "", "", "invtsc"]),
        Row(leaf: 0x8000_0008, subleaf: 0, register: .ebx, names: [
            "clzero", "irperf", "xsaveerptr", "", "rdpru", "", "", "", "", "wbnoinvd", "", "", "amd_ibpb", "", "amd_ibrs",
            "amd_stibp", "", "", "", "", "", "", "", "", "amd_ssbd", "virt_ssbd", "amd_ssb_no"]),
        Row(leaf: 0x4000_0001, subleaf: 0, register: .eax, names: [
            "kvm_clocksource", "kvm_nop_io_delay", "kvm_mmu_op", "kvm_clocksource2", "kvm_async_pf", "kvm_steal_time",
            "kvm_pv_eoi", "kvm_pv_unhalt", "", "kvm_pv_tlb_flush", "kvm_async_pf_vmexit", "kvm_pv_send_ipi",
            "kvm_poll_control", "kvm_pv_sched_yield", "kvm_async_pf_int", "kvm_msi_ext_dest_id", "kvm_hc_map_gpa_range",
            "kvm_migration_control", "", "", "", "", "", "", "kvm_clocksource_stable"]),
    ]
}
