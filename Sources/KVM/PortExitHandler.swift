/// Answers single-element port accesses inside `VirtualCPU.run(answering:)`, before anything is decoded:
/// the exit path of nearly every exit a guest takes (a UART byte, a PCI config dword, a CMOS register).
///
/// The run loop is generic over the handler and inlined into its caller, so a conforming type's methods
/// are inlined into the loop itself: no `VcpuExit` is built, nothing is returned through memory, and no
/// call crosses a module for the exit's own bookkeeping. A handler knows nothing of KVM: it sees ports,
/// sizes and values, and can be driven without a VM.
public protocol PortExitHandler {
    /// Called after every return from KVM_RUN (an exit or an interruption), before the exit is looked at.
    func exitTaken()
    /// One `out` of `size` bytes (1, 2 or 4; `value` holds only those): true when it is done and the
    /// guest may go on, false to have the exit returned as a `VcpuExit` instead.
    func portWrite(port: UInt16, size: Int, value: UInt32) -> Bool
    /// One `in` of `size` bytes: the answer (only its low `size` bytes reach the guest), or nil to have
    /// the exit returned as a `VcpuExit` instead.
    func portRead(port: UInt16, size: Int) -> UInt32?
}
