#if canImport(Glibc)
import Glibc
#endif
import Devices
import Synchronization
import KVM
import Testing
@testable import Machine

/// A port device that remembers every access and answers reads from a script.
final class RecordingPort: PortDevice, @unchecked Sendable {
    var writes: [(offset: UInt16, size: Int, value: UInt32)] = []
    var reads: [(offset: UInt16, size: Int)] = []
    var nextRead: UInt32 = 0

    func read(offset: UInt16, size: Int) -> UInt32 {
        reads.append((offset, size))
        defer { nextRead += 1 }
        return nextRead
    }

    func write(offset: UInt16, size: Int, value: UInt32) { writes.append((offset, size, value)) }
}

@Suite struct ExitDispatcherTests {
    let device = RecordingPort()
    let bus = IOBus()

    init() throws { try bus.register(device, base: 0x500, length: 8, name: "recorder") }

    @Test func stringOutputBecomesOneBusWritePerElement() {
        let dispatcher = ExitDispatcher(bus: bus, strictIO: true)
        let action = dispatcher.handle(.ioOut(port: 0x502, size: 2, data: [0x34, 0x12, 0x78, 0x56, 0xBC, 0x9A]), cpu: 0)
        #expect(action == .resume)
        #expect(device.writes.map(\.value) == [0x1234, 0x5678, 0x9ABC])
        #expect(device.writes.allSatisfy { $0.offset == 2 && $0.size == 2 })
    }

    @Test func stringInputConcatenatesLittleEndianElements() {
        device.nextRead = 0x0A0B_0C01
        let (action, answer) = ExitDispatcher(bus: bus, strictIO: false).answering(.ioIn(port: 0x500, size: 4, count: 2), cpu: 1)
        #expect(action == .answeredIO)
        #expect(answer == [0x01, 0x0C, 0x0B, 0x0A, 0x02, 0x0C, 0x0B, 0x0A])
    }

    @Test func anInputWithNoRoomForItsAnswerIsAVMMFailure() {
        let action = ExitDispatcher(bus: bus, strictIO: false).handle(.ioIn(port: 0x500, size: 4, count: 2), cpu: 1)
        #expect(action == .stop(.vmmFailure(cpu: 1, "no room for the answer to an in of 2×4 bytes from port 0x500")))
    }

    @Test func unassignedPortsReadAllOnesUnlessStrict() {
        let lenient = ExitDispatcher(bus: bus, strictIO: false)
        #expect(lenient.answering(.ioIn(port: 0x2F8, size: 2, count: 1), cpu: 0) == (.answeredIO, [0xFF, 0xFF]))
        #expect(lenient.handle(.ioOut(port: 0x80, size: 1, data: [1]), cpu: 0) == .resume)
        #expect(lenient.unassignedAccesses == 2)

        let strict = ExitDispatcher(bus: bus, strictIO: true)
        #expect(strict.handle(.ioOut(port: 0x80, size: 1, data: [1]), cpu: 2)
                == .stop(.unassignedAccess(cpu: 2, UnassignedAccess(space: .port, address: 0x80, size: 1, isWrite: true))))
        #expect(strict.answering(.ioIn(port: 0x2F8, size: 1, count: 1), cpu: 0).0
                == .stop(.unassignedAccess(cpu: 0, UnassignedAccess(space: .port, address: 0x2F8, size: 1, isWrite: false))))
    }

    @Test func singleAccessesAreAnsweredAtOnceExceptWhereHandleMustDecide() {
        let lenient = ExitDispatcher(bus: bus, strictIO: false, kernelEntryPort: 0x504)
        #expect(lenient.writeAtOnce(port: 0x503, size: 1, value: 0x5A))
        #expect(device.writes.last! == (offset: 3, size: 1, value: 0x5A))
        device.nextRead = 0xBEEF
        #expect(lenient.readAtOnce(port: 0x502, size: 2) == 0xBEEF)
        #expect(lenient.writeAtOnce(port: 0x2F8, size: 1, value: 1))       // to nothing: done, and counted
        #expect(lenient.readAtOnce(port: 0x2F8, size: 2) == 0xFFFF)
        #expect(lenient.unassignedAccesses == 2)
        // The kernel-entry port is the gate's, even where a device sits.
        #expect(!lenient.writeAtOnce(port: 0x504, size: 4, value: 0x1000))
        #expect(lenient.readAtOnce(port: 0x504, size: 4) == nil)
        #expect(device.writes.count == 1 && device.reads.count == 1)

        // Strict I/O leaves a port with no device to `handle`, which stops the run; nothing is counted twice.
        let strict = ExitDispatcher(bus: bus, strictIO: true)
        #expect(strict.writeAtOnce(port: 0x500, size: 4, value: 7))
        #expect(!strict.writeAtOnce(port: 0x2F8, size: 1, value: 1))
        #expect(strict.readAtOnce(port: 0x2F8, size: 1) == nil)
        #expect(strict.unassignedAccesses == 2)   // the lenient dispatcher's two, on the same bus
    }

    @Test func mmioWithNoDeviceReadsAllOnesAndIsCounted() {
        let dispatcher = ExitDispatcher(bus: bus, strictIO: false)
        #expect(dispatcher.handle(.mmioRead(address: 0xD000_0000, length: 4), cpu: 0) == .answerMMIO(UInt64.max))
        #expect(dispatcher.handle(.mmioWrite(address: 0xD000_0000, data: [1]), cpu: 0) == .resume)
        #expect(dispatcher.unassignedAccesses == 2)
        #expect(ExitDispatcher(bus: bus, strictIO: true).handle(.mmioRead(address: 0x1000_0000, length: 8), cpu: 3)
                == .stop(.unassignedAccess(cpu: 3, UnassignedAccess(space: .mmio, address: 0x1000_0000, size: 8, isWrite: false))))
    }

    @Test func guestFaultsAndKVMFailuresStopTheRun() {
        let dispatcher = ExitDispatcher(bus: bus, strictIO: false)
        let emulation = InternalError(suberror: 1, data: [1, 0xCC01, 0])
        #expect(dispatcher.handle(.shutdown, cpu: 1) == .stop(.shutdown(cpu: 1)))
        #expect(dispatcher.handle(.internalError(emulation), cpu: 0) == .stop(.internalError(cpu: 0, emulation)))
        #expect(dispatcher.handle(.failEntry(hardwareReason: 7, cpu: 0), cpu: 0) == .stop(.failEntry(cpu: 0, hardwareReason: 7)))
        #expect(dispatcher.handle(.systemEvent(type: 2), cpu: 0) == .stop(.systemEvent(cpu: 0, type: 2)))
        #expect(dispatcher.handle(.halt, cpu: 0) == .stop(.halted(cpu: 0)))
        #expect(dispatcher.handle(.unhandled(reason: 99), cpu: 0) == .stop(.vmmFailure(cpu: 0, "unhandled KVM exit reason 99")))
        #expect(dispatcher.handle(.interrupted, cpu: 0) == .checkStop)
    }

    @Test func statusSummariesAreSentences() {
        #expect(RunStatus.guestExit(code: 3).summary == "guest exited with status 3")
        #expect(RunStatus.timeout(seconds: 0.25).summary == "timeout: stopped by the watchdog after 250 ms")
        #expect(RunStatus.unassignedAccess(cpu: 0, UnassignedAccess(space: .port, address: 0x2F8, size: 1, isWrite: false)).summary
                == "vCPU 0: read from unassigned port 0x2f8 (1 byte) (--strict-io)")
        #expect(RunStatus.internalError(cpu: 1, InternalError(suberror: 1, data: [1, 0x90CC02, 0])).summary
                == "KVM internal error on vCPU 1: emulation failure, instruction bytes cc 90")
    }
}

extension ExitDispatcher {
    /// `handle` with a buffer for an `in`'s answer, as `VirtualCPU.ioInBuffer` provides; returns both.
    func answering(_ exit: VcpuExit, cpu: UInt32) -> (ExitAction, [UInt8]) {
        guard case let .ioIn(_, size, count) = exit else { return (handle(exit, cpu: cpu), []) }
        var answer = [UInt8](repeating: 0, count: size * count)
        let action = answer.withUnsafeMutableBytes { handle(exit, cpu: cpu, ioAnswer: $0) }
        return (action, answer)
    }
}

@Suite struct StopLatchTests {
    @Test func firstStopWinsAndKicksOnce() throws {
        let kicks = KickCounter()
        let latch = try StopLatch { kicks.increment() }
        #expect(!latch.isStopped)
        #expect(latch.stop(.guestExit(code: 0)))
        #expect(!latch.stop(.timeout(seconds: 1)))
        #expect(latch.status == .guestExit(code: 0))
        #expect(kicks.value == 1)
        #expect(latch.wait(timeout: 5))
    }

    @Test func waitTimesOutWhenNobodyStops() throws {
        let latch = try StopLatch {}
        let start = monotonicSeconds()
        #expect(!latch.wait(timeout: 0.05))
        #expect(monotonicSeconds() - start >= 0.05)
    }

    @Test func aStopFromAnotherThreadWakesTheWaiter() throws {
        let latch = try StopLatch {}
        let thread = try HostThread { [latch] in
            var pause = timespec(tv_sec: 0, tv_nsec: 20_000_000)
            nanosleep(&pause, nil)
            latch.stop(.shutdown(cpu: 1))
        }
        #expect(latch.wait(timeout: 10))
        thread.join()
        #expect(latch.status == .shutdown(cpu: 1))
    }
}

final class KickCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
