/// Ports where a guest is expected to probe for an optional device that is not there (e.g. the testdev
/// window without --testdev). They answer like an empty bus (all-ones, writes dropped), but the probe is
/// not counted as a stray access, so --strict-io still means "the guest touched something unexpected".
public final class ReservedPorts: PortDevice, Sendable {
    public init() {}

    public func read(offset: UInt16, size: Int) -> UInt32 { PortAccess.allOnes(size: size) }

    public func write(offset: UInt16, size: Int, value: UInt32) {}
}
