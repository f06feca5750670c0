import AllocationCounter
import Devices
import KVM
import RealModeGuest
import Synchronization
import Testing
@testable import Machine

/// A port device that counts and answers without touching the heap.
final class CountingPort: PortDevice, @unchecked Sendable {
    private(set) var reads = 0
    private(set) var writes = 0
    private(set) var last: UInt32 = 0

    func read(offset: UInt16, size: Int) -> UInt32 {
        reads += 1
        return 0xA5 &+ UInt32(offset)
    }

    func write(offset: UInt16, size: Int, value: UInt32) {
        writes += 1
        last = value
    }
}

/// A memory BAR that counts and answers without touching the heap.
final class CountingRegion: MMIORegion, @unchecked Sendable {
    let base: UInt64 = 0xE000_0000
    private(set) var accesses = 0

    func read(address: UInt64, size: Int) -> UInt64? {
        guard address >= base, address < base + 0x1000 else { return nil }
        accesses += 1
        return 0x1122_3344_5566_7788
    }

    func write(address: UInt64, size: Int, value: UInt64) -> Bool {
        guard address >= base, address < base + 0x1000 else { return false }
        accesses += 1
        return true
    }
}

/// No heap allocation on a port or MMIO exit in the steady state (issue 14, item 4), counted by an
/// allocator interposer (Tests/AllocationCounter) on the thread that handles the exits.
@Suite struct AllocationFreeExitTests {
    @Test func theCounterSeesAllocations() {
        let before = allocation_counter_thread_total()
        let array = [UInt8](repeating: 7, count: 4096 + Int(before % 3))
        #expect(allocation_counter_thread_total() > before)
        #expect(array.count >= 4096)
    }

    /// 10,000 made-up exits of every port and MMIO kind, their data viewing a page as kvm_run's would.
    @Test func tenThousandMadeUpExitsAllocateNothing() throws {
        let port = CountingPort(), region = CountingRegion()
        let bus = IOBus(serializesDevices: true)
        try bus.register(port, base: 0x80, length: 2, name: "counter")
        let dispatcher = ExitDispatcher(bus: bus, strictIO: false, mmio: [region])
        let page = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        defer { page.deallocate() }
        page.initializeMemory(as: UInt8.self, repeating: 0x5A)
        let data = UnsafeRawPointer(page.baseAddress!)
        let answer = UnsafeMutableRawBufferPointer(rebasing: page[1024..<2048])
        let exits: [VcpuExit] = [
            .ioOut(port: 0x80, size: 1, data: ExitBytes(viewing: data, count: 1)),           // a device
            .ioOut(port: 0x2F8, size: 2, data: ExitBytes(viewing: data, count: 64)),         // rep outsw to nothing
            .ioIn(port: 0x81, size: 1, count: 1),
            .ioIn(port: 0x2F8, size: 4, count: 128),                                         // rep insd from nothing
            .mmioWrite(address: 0xE000_0010, data: ExitBytes(littleEndian: 0xDEAD_BEEF, count: 4)),
            .mmioRead(address: 0xE000_0020, length: 8),
            .mmioWrite(address: 0xD000_0000, data: ExitBytes(littleEndian: 1, count: 1)),   // unassigned MMIO
            .mmioRead(address: 0xD000_0000, length: 4),
        ]
        // Plain loops over a buffer: the harness itself must not allocate (an unoptimised array iterator does).
        func handleAll(_ rounds: Int) -> Int {
            exits.withUnsafeBufferPointer { exits in
                var resumed = 0, round = 0
                while round < rounds {
                    var index = 0
                    while index < exits.count {
                        switch dispatcher.handle(exits[index], cpu: 0, ioAnswer: answer) {
                        case .resume, .answeredIO, .answerMMIO: resumed += 1
                        default: break
                        }
                        index += 1
                    }
                    round += 1
                }
                return resumed
            }
        }
        _ = handleAll(10)   // first use of each path
        let before = allocation_counter_thread_total()
        let resumed = handleAll(1250)
        let allocations = allocation_counter_thread_total() - before
        #expect(resumed == 10_000)
        #expect(allocations == 0, "\(allocations) heap allocations across 10,000 exits")
        #expect(port.writes == 1260 && port.reads == 1260 && region.accesses == 2520)
        #expect(answer[0] == 0xFF && dispatcher.unassignedAccesses == 1260 * (32 + 128 + 2))
    }
}

/// The same on real KVM: a real-mode guest loops 10,000 times over `out` to a device, `in` from it and
/// `out` to nothing, on this thread as on a vCPU thread. Once through `runOnce` and the dispatcher (the
/// path of every exit the loop does not finish itself), once through `run(answering:)`, the vCPU loop's.
@Suite(.enabled(if: TestKernels.kvmUsable, TestKernels.kvmReason))
struct AllocationFreeKVMExitTests {
    /// mov cx,10000 ; l: out 0x80,al ; in al,0x81 ; out 0x84,al ; loop l ; hlt
    static let code: [UInt8] = [0xB9, 0x10, 0x27, 0xE6, 0x80, 0xE4, 0x81, 0xE6, 0x84, 0xE2, 0xF8, 0xF4]

    /// The guest, and a one-vCPU bus with the counting device at 0x80–0x81.
    static func guestAndBus() throws -> (RealModeVM, CountingPort, IOBus) {
        let port = CountingPort()
        let bus = IOBus(serializesDevices: false)
        try bus.register(port, base: 0x80, length: 2, name: "counter")
        return (try RealModeVM(code: code), port, bus)
    }

    @Test func thirtyThousandDecodedExitsAllocateNothing() throws {
        let (guest, port, bus) = try Self.guestAndBus()
        let vcpu = guest.vcpu
        let dispatcher = ExitDispatcher(bus: bus, strictIO: false)
        var exits = 0
        var before: UInt64 = 0
        loop: while true {
            let exit = try vcpu.runOnce()
            if case .halt = exit { break loop }
            exits += 1
            if exits == 300 { before = allocation_counter_thread_total() }   // past the first rounds
            switch dispatcher.handle(exit, cpu: 0, ioAnswer: vcpu.ioInBuffer) {
            case .resume, .answeredIO: continue
            default:
                Issue.record("unexpected exit \(exit)")
                break loop
            }
        }
        let allocations = allocation_counter_thread_total() - before
        #expect(exits == 30_000)
        #expect(allocations == 0, "\(allocations) heap allocations across \(exits - 300) exits")
        #expect(port.writes == 10_000 && port.reads == 10_000 && bus.unhandledAccesses == 10_000)
        #expect(port.last == 0xA6)   // al = the byte read from port 0x81
        withExtendedLifetime(guest) {}
    }

    @Test func thirtyThousandExitsAnsweredInTheLoopAllocateNothing() throws {
        let (guest, port, bus) = try Self.guestAndBus()
        let vcpu = guest.vcpu
        let counter = ExitCounter(cpus: 1)
        let answers = VcpuPortAnswers(dispatcher: ExitDispatcher(bus: bus, strictIO: false), exits: counter.perCPU[0],
                                      coalescedPortWrites: nil)
        let probe = AllocationProbe(answers: answers, startAt: 300)
        let exit = try vcpu.run(answering: probe)
        let allocations = allocation_counter_thread_total() - probe.before
        #expect(exit == .halt)
        #expect(counter.value == 30_001)   // and the halt
        #expect(probe.before != 0)
        #expect(allocations == 0, "\(allocations) heap allocations across \(counter.value - 300) exits")
        #expect(port.writes == 10_000 && port.reads == 10_000 && bus.unhandledAccesses == 10_000)
        #expect(port.last == 0xA6)
        withExtendedLifetime(guest) {}
    }
}

/// `VcpuPortAnswers`, and the allocation count taken once `startAt` exits have passed.
final class AllocationProbe: PortExitHandler {
    let answers: VcpuPortAnswers
    let startAt: UInt64
    private(set) var before: UInt64 = 0

    init(answers: VcpuPortAnswers, startAt: UInt64) {
        self.answers = answers
        self.startAt = startAt
    }

    func exitTaken() {
        answers.exitTaken()
        if answers.exits.value == startAt { before = allocation_counter_thread_total() }
    }

    func portWrite(port: UInt16, size: Int, value: UInt32) -> Bool { answers.portWrite(port: port, size: size, value: value) }
    func portRead(port: UInt16, size: Int) -> UInt32? { answers.portRead(port: port, size: size) }
}
