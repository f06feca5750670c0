/// A cheap pre-check for JSON read from untrusted files (fingerprints here; tck's results.json uses it
/// too, from this lowest module that reads JSON files): how deeply arrays and objects nest. Foundation's parser refuses depth 512 and beyond only as "not valid
/// JSON"; this says what is wrong, and keeps the limit far below any stack trouble.
public enum JSONNesting {
    /// tck's own files nest at most 6 levels (report → results → result → cases → case).
    public static let maximumDepth = 64

    /// The byte offset of the first bracket that goes deeper than `limit`, or nil. Brackets inside
    /// strings do not count; the text need not be valid JSON (the parser judges that afterwards).
    public static func firstTooDeep<Bytes: Sequence>(_ bytes: Bytes, limit: Int = maximumDepth) -> Int?
        where Bytes.Element == UInt8 {
        var depth = 0, inString = false, escaped = false
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return offset }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
        }
        return nil
    }

    /// One sentence for an error, or nil when the nesting is within the limit.
    public static func problem<Bytes: Sequence>(_ bytes: Bytes, limit: Int = maximumDepth) -> String?
        where Bytes.Element == UInt8 {
        firstTooDeep(bytes, limit: limit).map { "JSON nested more than \(limit) levels deep (at byte \($0))" }
    }
}
