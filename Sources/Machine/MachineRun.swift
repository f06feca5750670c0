import Devices
import KVM
import Synchronization

extension Machine {
    /// Runs the guest until it exits through the debug-exit port, a vCPU stops, or `timeout` seconds pass.
    /// A machine runs once: a stopped vCPU is left with `immediate_exit` set.
    public func run(timeout: Double) -> RunResult {
        VirtualCPU.installKickHandler()
        let runStart = monotonicSeconds()
        let dispatcher = ExitDispatcher(bus: bus, strictIO: configuration.strictIO, msrs: configuration.machineType.msrs,
                                        mmio: virtioBlock.map { [$0] } ?? [])
        do { try virtioBlock?.start() } catch { latch.stop(.vmmFailure(cpu: 0, error.description)) }
        defer { virtioBlock?.stop() }
        let exits = ExitCounter()
        var threads: [VcpuThread] = []
        if latch.isStopped {
            latch.stop(.vmmFailure(cpu: 0, "this machine has already run"))
        }
        for vcpu in vcpus where !latch.isStopped {
            do {
                threads.append(try VcpuThread { [latch] in
                    VcpuLoop(vcpu: vcpu, dispatcher: dispatcher, latch: latch, exits: exits).run()
                })
            } catch {
                latch.stop(.vmmFailure(cpu: vcpu.id, error.description))
            }
        }
        if !latch.wait(timeout: timeout) {
            latch.stop(.timeout(seconds: timeout))
        }
        for thread in threads { thread.join() }
        let runEnd = monotonicSeconds()
        return RunResult(status: latch.status ?? .vmmFailure(cpu: 0, "run ended without a status"),
                         snapshot: latch.snapshot, console: console.bytes,
                         consoleBytesDropped: console.droppedByteCount, exitCount: exits.value,
                         unassignedAccesses: dispatcher.unassignedAccesses, refusedMSRAccesses: dispatcher.refusedMSRAccesses,
                         deviceSummaries: virtioBlock.map { [$0.summary] } ?? [],
                         setupSeconds: runStart - createdAt, runSeconds: runEnd - runStart)
    }
}

final class ExitCounter: Sendable {
    private let count = Atomic<UInt64>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: UInt64 { count.load(ordering: .relaxed) }
}

/// One vCPU's thread: KVM_RUN, dispatch, repeat, until the run is over.
struct VcpuLoop {
    let vcpu: VirtualCPU
    let dispatcher: ExitDispatcher
    let latch: StopLatch
    let exits: ExitCounter

    func run() {
        vcpu.bindToCurrentThread()
        while !latch.isStopped {
            do {
                let exit = try vcpu.runOnce()
                exits.increment()
                switch dispatcher.handle(exit, cpu: vcpu.id) {
                case .resume, .checkStop:
                    continue
                case let .answerIO(data):
                    try vcpu.completeIOIn(data)
                case let .answerMMIO(data):
                    vcpu.completeMMIORead(data)
                case let .answerMSRRead(value):
                    vcpu.completeMSRRead(value)
                case let .answerMSRWrite(accepted):
                    vcpu.completeMSRWrite(accepted: accepted)
                case let .stop(status):
                    latch.stop(status, snapshot: snapshot(for: status))
                    return
                }
            } catch {
                latch.stop(.vmmFailure(cpu: vcpu.id, error.description), snapshot: nil)
                return
            }
        }
    }

    /// Registers are worth keeping when the guest did something wrong, not when it exited or timed out.
    private func snapshot(for status: RunStatus) -> CPUSnapshot? {
        switch status {
        case .shutdown, .internalError, .failEntry, .unassignedAccess, .systemEvent, .halted:
            guard let registers = try? vcpu.registers(), let special = try? vcpu.specialRegisters() else { return nil }
            return CPUSnapshot(cpu: vcpu.id, registers: registers, specialRegisters: special)
        default:
            return nil
        }
    }
}
