import Foundation

/// Facts about the machine a run happened on, recorded in every report so results can be compared.
public enum HostProbe {
    public static func current() -> HostInfo {
        var names = utsname()
        uname(&names)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return HostInfo(hostname: field(names.nodename), kernel: field(names.release), cpu: cpuModel(), kvm: kvmDescription())
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        let model = text.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown"
        let count = text.split(separator: "\n").filter { $0.hasPrefix("processor") }.count
        return "\(model) × \(count)"
    }

    /// Which KVM modules are loaded, and whether the CPU exposes hardware virtualization to us
    /// (no vmx/svm flag with KVM present means a nested, emulating KVM such as kvm_pvm).
    static func kvmDescription() -> String {
        guard access("/dev/kvm", F_OK) == 0 else { return "no /dev/kvm" }
        let modules = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/module")) ?? [])
            .filter { $0 == "kvm" || $0.hasPrefix("kvm_") }.sorted()
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("flags") } ?? ""
        let hardware = flags.contains(" vmx") || flags.contains(" svm")
        return "modules \(modules.isEmpty ? "none" : modules.joined(separator: ",")); "
            + (hardware ? "hardware virtualization" : "no vmx/svm: nested or emulating KVM")
    }
}
