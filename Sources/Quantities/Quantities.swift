/// Parsers for the quantities people type: memory sizes ("64M", "1G", "512MiB") and durations
/// ("10s", "500ms", "2m", "1.5"). One implementation for swiftvm's options and the suite catalog,
/// so a value means the same in both.
public enum Quantities {
    /// Bytes: a bare number is bytes; K/M/G/T are powers of 1024, an optional "iB" or "B" is accepted.
    /// Surrounding spaces are ignored; nil for anything else or on overflow.
    public static func byteSize(_ text: String) -> UInt64? {
        let upper = trimmed(text).uppercased()
        let units: [(String, UInt64)] = [("TIB", 1 << 40), ("GIB", 1 << 30), ("MIB", 1 << 20), ("KIB", 1 << 10),
                                         ("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10),
                                         ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1)]
        for (suffix, scale) in units where upper.hasSuffix(suffix) {
            guard let number = decimal(upper.dropLast(suffix.count)) else { return nil }
            let (bytes, overflow) = number.multipliedReportingOverflow(by: scale)
            return overflow ? nil : bytes
        }
        return decimal(Substring(upper))
    }

    /// Seconds: suffixes ms, s, m; a bare number is seconds. Finite and above zero.
    public static func seconds(_ text: String) -> Double? {
        let lower = trimmed(text).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        var scale = 1.0
        var number = Substring(lower)
        for (suffix, unitScale) in units where lower.hasSuffix(suffix) {
            scale = unitScale
            number = lower.dropLast(suffix.count)
            break
        }
        // Digits and at most one '.', so "inf", "nan", "0x1p3" and "1e3" are rejected.
        guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1,
              number.allSatisfy({ $0 == "." || ("0"..."9").contains($0) }),
              let value = Double(number), value.isFinite, value > 0 else { return nil }
        return value * scale
    }

    /// Plain decimal digits only (no sign, no spaces), at most 19 of them.
    public static func decimal(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.count <= 19, text.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        return UInt64(text)
    }

    /// By index, not through drop(while:)/reversed(): their generic wrapper types are instantiated from
    /// mangled names at run time, ~0.5 ms of every `swiftvm run`'s start-up (it parses --memory here).
    private static func trimmed(_ text: String) -> Substring {
        var start = text.startIndex, end = text.endIndex
        while start < end, text[start] == " " { start = text.index(after: start) }
        while end > start, text[text.index(before: end)] == " " { end = text.index(before: end) }
        return text[start..<end]
    }
}
