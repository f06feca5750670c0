import ArgumentParser
import Machine
import QCOW2

/// `--disk FILE[,readonly][,format=raw|qcow2]`: options after the first comma, in any order.
enum DiskOption {
    static func parse(_ text: String) throws -> DiskImage {
        var parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let path = parts.removeFirst()
        guard !path.isEmpty else { throw ValidationError("--disk needs a file name before its options") }
        var image = DiskImage(path: path)
        for option in parts {
            if option == "readonly" {
                image.readOnly = true
            } else if option.hasPrefix("format=") {
                let name = String(option.dropFirst("format=".count))
                guard let format = ImageFormat(rawValue: name) else {
                    throw ValidationError("--disk: unknown format '\(name)' (raw or qcow2)")
                }
                image.format = format
            } else {
                throw ValidationError("--disk: unknown option '\(option)' (readonly, format=raw|qcow2)")
            }
        }
        return image
    }
}
