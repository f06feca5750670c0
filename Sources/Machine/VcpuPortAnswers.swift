import KVM

/// What a vCPU's thread does inside `VirtualCPU.run(answering:)` on every exit: counts it, applies the
/// coalesced port writes queued before it, and finishes single-element port accesses through the
/// dispatcher's bus. Everything else comes back to the vCPU loop as a `VcpuExit`.
struct VcpuPortAnswers: PortExitHandler {
    let dispatcher: ExitDispatcher
    let exits: ExitCounter.Single
    let coalescedPortWrites: CoalescedPortWrites?

    @inline(__always)
    func exitTaken() {
        exits.increment()
        coalescedPortWrites?.drainIfPending()
    }

    @inline(__always)
    func portWrite(port: UInt16, size: Int, value: UInt32) -> Bool {
        dispatcher.writeAtOnce(port: port, size: size, value: value)
    }

    @inline(__always)
    func portRead(port: UInt16, size: Int) -> UInt32? {
        dispatcher.readAtOnce(port: port, size: size)
    }
}
