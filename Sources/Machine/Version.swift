/// The release of swiftvm. Bump it with every release; machine types (issue "stable guest ABI") keep
/// what the guest sees stable across releases, this names the VMM that produced a report.
public enum SwiftVMVersion {
    public static let string = "0.1.0"
}
