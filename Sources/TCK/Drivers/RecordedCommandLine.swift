import Foundation

/// Pieces of a VMM command line that a person can paste into a shell and re-run from any directory:
/// `DriverRun.commandLine` records what the driver ran minus its temporary files.
public enum RecordedCommandLine {
    /// `path` made absolute against the current directory ("TestGuests/build/x.elf" →
    /// "/work/TestGuests/build/x.elf"); "." and ".." are folded, symbolic links kept.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath,
                                                          isDirectory: true)).standardizedFileURL.path
    }

    /// An executable as the shell would find it: a path made absolute, a bare name (looked up on PATH)
    /// left alone.
    static func executable(_ path: String) -> String {
        path.contains("/") ? absolute(path) : path
    }

    /// A memory size as people write it and `Quantities.byteSize` reads it: "64M", "2G", "1T" for
    /// whole MiB, GiB, TiB; otherwise the plain number of bytes.
    static func size(_ bytes: UInt64) -> String {
        for (suffix, shift) in [("T", 40), ("G", 30), ("M", 20)] as [(String, UInt64)]
        where bytes != 0 && bytes & ((1 << shift) - 1) == 0 {
            return "\(bytes >> shift)\(suffix)"
        }
        return "\(bytes)"
    }

    /// `arguments` as one shell command line: each word quoted only when it needs it ('…', with ' as '\'').
    public static func shell(_ arguments: [String]) -> String {
        arguments.map(shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ argument: String) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%".unicodeScalars)
        if !argument.isEmpty && argument.unicodeScalars.allSatisfy({ plain.contains($0) }) { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
