import Foundation

/// The host CPU as /proc/cpuinfo names it: vendor, family and model (of the first processor).
public struct HostCPU: Equatable, CustomStringConvertible, Sendable {
    public let vendor: String
    public let family: Int
    public let model: Int

    public init(vendor: String, family: Int, model: Int) {
        (self.vendor, self.family, self.model) = (vendor, family, model)
    }

    /// nil when /proc/cpuinfo cannot be read or lacks a field.
    public static func current() -> HostCPU? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        return parse(text)
    }

    public static func parse(_ cpuinfo: String) -> HostCPU? {
        var fields: [String: String] = [:]
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        guard let vendor = fields["vendor_id"], let family = fields["cpu family"].flatMap({ Int($0) }),
              let model = fields["model"].flatMap({ Int($0) }) else { return nil }
        return HostCPU(vendor: vendor, family: family, model: model)
    }

    public var description: String { "\(vendor) family \(family) model \(model)" }
}
