/// The host side of the guest result protocol, version 1 (docs/guest-interface.md, "Result lines"):
///
///     TCK:1 BEGIN <kernel-name>
///     TCK:1 CASE <PASS|FAIL|SKIP> <case-name> [:: <message>]
///     TCK:1 DATA <key> <value>
///     TCK:1 END pass=<n> fail=<n> skip=<n>
///
/// `parse` is a pure, total function: any bytes give a `ParsedConsole`, every problem becomes one
/// sentence in `errors`, nothing traps. Rules:
/// - Lines end at LF, CR or CRLF. Only a line that *starts* with `TCK:` is protocol; everything else is
///   free text. Kernels write each protocol line in one locked console write, so SMP output cannot split
///   a line, but another CPU may have printed text without a newline just before it: then `TCK:` is not
///   at line start, the line is free text, and the parser adds a hint ("'TCK:' in the middle of the line").
///   A case lost that way also shows up as END counts that disagree.
/// - `TCK:` with another version, an unknown verb, malformed arguments, a case name outside
///   `[A-Za-z0-9_.:/-]+`, CASE/DATA before BEGIN or after END, a second BEGIN or END, END counts that differ
///   from the CASE lines seen, a missing BEGIN or END: each is an error; the offending line is ignored.
/// - Invalid UTF-8 is replaced by U+FFFD and NUL bytes are kept, both flagged as errors on protocol lines.
/// - A line over `maximumLineBytes` is cut (error; a cut protocol line is ignored). A protocol line the
///   output ends inside (no newline after it) is ignored with an error: it may be truncated.
/// - At most `maximumCases` cases and `maximumDataRecords` records are kept (one error each when
///   exceeded; later cases are still counted), and at most `maximumErrors` errors are listed.
public enum ResultProtocol {
    public static let version = 1
    public static let maximumLineBytes = 4096
    public static let maximumCases = 10_000
    public static let maximumDataRecords = 100_000
    public static let maximumErrors = 100

    public static func parse(_ console: [UInt8]) -> ParsedConsole {
        var parser = ResultLineParser()
        for line in ConsoleLines(console: console, maximumLineBytes: maximumLineBytes) {
            parser.consume(line)
        }
        return parser.finish()
    }

    /// `[A-Za-z0-9_.:/-]+`: case names, data keys and the kernel name.
    public static func isValidName<S: Sequence<UInt8>>(_ bytes: S) -> Bool {
        var empty = true
        for byte in bytes {
            empty = false
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"),
                 UInt8(ascii: "/"), UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        return !empty
    }
}
