/// Makes untrusted text (guest console output, case names, messages, diagnostics) safe to put into
/// an XML 1.0 or HTML document. Escaping of `<`, `&`, `"` is done by the XML serializer (see
/// `Markup`); this is the part the serializer cannot do, because XML 1.0 has no way at all to carry
/// some characters, not even as a character reference:
///
/// - ANSI/VT100 control sequences (`ESC [ params final`, e.g. colours such as `ESC[31m`) are removed.
/// - CR LF and a lone CR become LF (serial consoles send CR LF).
/// - Every other C0 control except TAB and LF (U+0000–U+001F, including NUL and a lone ESC) becomes its
///   visible Unicode "control picture" (U+2400 + code, e.g. NUL → ␀, ESC → ␛), DEL becomes ␡, so a
///   reader still sees that the guest sent it.
/// - C1 controls (U+0080–U+009F, legal in XML but parse errors in HTML) and the noncharacters U+FFFE and
///   U+FFFF (illegal in XML) become U+FFFD. Invalid UTF-8 was already replaced by U+FFFD when the
///   console bytes were decoded, and a Swift `String` cannot hold lone surrogates.
///
/// The result contains only characters XML 1.0 allows, so the serializer's escaping is sufficient:
/// `<script>` stays text, `]]>` stays text (no CDATA is ever used).
public enum ReportText {
    public static func clean(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let scalar = pending ?? scalars.next() {
            pending = nil
            switch scalar.value {
            case 0x1B:
                guard let next = scalars.next() else { out.append(picture(0x1B)); break }
                if next == "[" {
                    // CSI: parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, one final byte 0x40–0x7E.
                    while let byte = scalars.next() {
                        if (0x40...0x7E).contains(byte.value) { break }
                        if !(0x20...0x3F).contains(byte.value) { pending = byte; break }
                    }
                } else {
                    out.append(picture(0x1B))
                    pending = next
                }
            case 0x0D:
                out.append("\n")
                if let next = scalars.next(), next != "\n" { pending = next }
            case 0x09, 0x0A:
                out.append(scalar)
            case 0x00...0x1F:
                out.append(picture(scalar.value))
            case 0x7F:
                out.append(Unicode.Scalar(0x2421)!)
            case 0x80...0x9F, 0xFFFE, 0xFFFF:
                out.append(Unicode.Scalar(0xFFFD)!)
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// `clean`, then folded onto one line (LF and TAB become spaces): for attributes and one-line fields.
    public static func line(_ text: String) -> String {
        String(clean(text).map { $0 == "\n" || $0 == "\t" ? " " : $0 })
    }

    private static func picture(_ code: UInt32) -> Unicode.Scalar {
        Unicode.Scalar(0x2400 + code)!
    }
}
