import Synchronization
import Testing
@testable import Devices

@Suite struct DebugExitTests {
    @Test func everyWriteSizeReachesTheClosureWithTheValue() throws {
        let values = Mutex<[UInt32]>([])
        let device = DebugExit { value in values.withLock { $0.append(value) } }
        let bus = IOBus()
        try bus.register(device, base: DebugExit.defaultPort, length: DebugExit.portCount, name: "debug-exit")

        #expect(bus.write(port: 0xF4, size: 1, value: 0x1FF) == .handled(0xFF))
        _ = bus.write(port: 0xF4, size: 2, value: 0x1_2345)
        _ = bus.write(port: 0xF4, size: 4, value: 0xDEAD_BEEF)
        _ = bus.write(port: 0xF7, size: 1, value: 3)
        #expect(values.withLock { $0 } == [0xFF, 0x2345, 0xDEAD_BEEF, 3])
    }

    @Test func readsAreAllOnes() {
        let device = DebugExit { _ in }
        #expect(device.read(offset: 0, size: 1) == 0xFF)
        #expect(device.read(offset: 0, size: 2) == 0xFFFF)
        #expect(device.read(offset: 0, size: 4) == 0xFFFF_FFFF)
    }

    @Test(arguments: [(UInt32(0), Int32(1)), (1, 3), (0x7F, 0xFF), (0x80, 1), (0xFFFF_FFFF, 0xFF)])
    func qemuStatusIsTheShiftedValueAsAnExitByte(value: UInt32, status: Int32) {
        #expect(DebugExit.qemuStatus(for: value) == status)
    }
}
