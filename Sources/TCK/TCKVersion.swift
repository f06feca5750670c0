/// The release of tck, printed by `tck --version`. Bump it with every release of the kit; swiftvm's own
/// release is `SwiftVMVersion` (Sources/Machine/Version.swift), and a report names both, since a run
/// pairs one tck with whichever VMM builds it drives.
public enum TCKVersion {
    public static let string = "0.1.0"
}
