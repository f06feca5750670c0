/// Turns AML (a DSDT or SSDT as the guest saw it) into ASL text, or nil when it cannot. The ABI module
/// runs no tools: tck hands in ACPICA's iasl (`IASLDisassembler`), tests hand in what they need, and a
/// diff without one keeps only the byte note.
public protocol ASLDisassembler: Sendable {
    /// The ASL of `table`, without the tool's leading comment block (file names, dates, header fields
    /// that are diffed separately).
    func disassemble(_ table: [UInt8]) -> String?
}
