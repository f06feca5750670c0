/// Parsers for the quantities users type: memory sizes ("64M", "1G", "512MiB") and durations
/// ("10s", "500ms", "2m", "1.5"). Shared by the CLIs and (later) the suite catalog.
public enum Quantities {
    /// Bytes; a bare number is bytes, suffixes K/M/G/T are powers of 1024 (an optional "iB"/"B" is accepted).
    public static func byteSize(_ text: String) -> UInt64? {
        let trimmed = text.trimmingSpaces.uppercased()
        let units: [(String, UInt64)] = [("TIB", 1 << 40), ("GIB", 1 << 30), ("MIB", 1 << 20), ("KIB", 1 << 10),
                                         ("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10),
                                         ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            guard let number = UInt64(trimmed.dropLast(suffix.count)) else { return nil }
            let (bytes, overflow) = number.multipliedReportingOverflow(by: scale)
            return overflow ? nil : bytes
        }
        return UInt64(trimmed)
    }

    /// Seconds; a bare number is seconds; suffixes ms, s, m.
    public static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingSpaces.lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number.isFinite, number > 0 else { return nil }
            return number * scale
        }
        guard let number = Double(trimmed), number.isFinite, number > 0 else { return nil }
        return number
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
