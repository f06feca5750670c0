// fuzz-pc-devices: the PC platform devices on one IOBus, wired as swiftvm wires them: PCI configuration
// mechanism #1 at 0xCF8 (i440FX host bridge at 00:00.0, pci-testdev at 00:01.0), the i8042 at 0x60/0x64
// and the CMOS RTC at 0x70/0x71 on a clock the program moves. Each device is checked against a small
// reference model written here from the specs, not from the device code.
//
// Input: a program of steps, each an op byte and its operands.
//   op bits 0-3  what: 0-11 a port access at 0xCF8, 0xCF9, 0xCFA, 0xCFB, 0xCFC, 0xCFD, 0xCFE, 0xCFF, 0x60,
//                0x64, 0x70, 0x71; 12 = 0x61 and 13 = 0x6F (nobody's: all-ones);
//                14 = select a configuration register: one byte device<<3|function, one byte register
//                (a dword write of 0x80000000 | … to 0xCF8, bus 0, as drivers do);
//                15 = the clock moves on by the next byte's count of seconds (0: it stands still)
//   op bits 4-5  size: 1, 2, 4, 4
//   op bit 6     write; the value is the next `size` bytes, little-endian
//   op bit 7     with bit 6: the value is all-ones (no bytes read), the BAR sizing write
//
// Invariants:
// - PCI: vendor/device, revision/class and every other read-only byte never change; a configuration
//   space equals the model's (masks per byte: command, cache line, interrupt line, BARs above their
//   size); BAR read-back after all-ones is the size mask (then whatever was restored); absent functions,
//   disabled CONFIG_ADDRESS and non-dword 0xCF8 accesses read all-ones; CONFIG_ADDRESS reads back with
//   reserved bits clear.
// - i8042: onReset runs exactly when 0xF0-0xFF with bit 0 clear is written to 0x64, or 0xD1 then a byte
//   with bit 0 clear to 0x60; status, output buffer, configuration byte and IRQ 1/12 match the model;
//   wider reads have all-ones above the register byte.
// - RTC: register D reads 0x80; register A never shows UIP; reading C clears it, and IRQF is set exactly
//   when a flag is enabled in B; with the clock standing still C gains nothing; BCD time fields are BCD;
//   CMOS RAM holds what was written; port 0x70 reads 0xFF.
import Devices
import FuzzSupport
import Synchronization

private let ports: [UInt16] = [0xCF8, 0xCF9, 0xCFA, 0xCFB, 0xCFC, 0xCFD, 0xCFE, 0xCFF, 0x60, 0x64, 0x70, 0x71, 0x61, 0x6F]
private let sizes = [1, 2, 4, 4]
private let hostBridgeAddress = PCIAddress(device: 0)
private let testDeviceAddress = PCIAddress(device: 1)
private let startTime = CMOSDateTime(year: 2025, month: 6, day: 30, hour: 23, minute: 59, second: 58, weekday: 2)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let platform = Platform()
    while !input.isAtEnd {
        let op = input.byte()
        let what = Int(op & 0x0F)
        switch what {
        case 14:
            let slot = UInt32(input.byte()), register = UInt32(input.byte())
            platform.access(port: 0xCF8, size: 4, write: 0x8000_0000 | slot << 8 | register)
        case 15:
            platform.tick(seconds: Int(input.byte()))
        default:
            let width = sizes[Int(op >> 4) & 3]
            var value: UInt32?
            if op & 0x40 != 0 {
                value = op & 0x80 != 0 ? 0xFFFF_FFFF
                    : input.bytes(upTo: width).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
            }
            platform.access(port: ports[what], size: width, write: value)
        }
        platform.checkState()
    }
    return 0
}

/// The devices on their bus, and the models they are checked against.
private final class Platform {
    let bus = IOBus()
    let pci: PCIHostBridgePorts
    let i8042: I8042
    let rtc: CMOSRTC
    let resets = Shared(0)
    let irq1 = RecordingInterruptLine(), irq12 = RecordingInterruptLine()
    let clock = Shared(startTime)

    var configAddress: UInt32 = 0
    var functions: [PCIAddress: ConfigModel]
    var keyboard = KeyboardModel()
    var expectedResets = 0
    var cmos = CMOSModel()

    init() {
        var pciBus = PCIBus()
        try! pciBus.insert(.i440fxHostBridge(), at: hostBridgeAddress)
        try! pciBus.insert(.testDevice(), at: testDeviceAddress)
        pci = PCIHostBridgePorts(bus: pciBus)
        functions = [hostBridgeAddress: .hostBridge(initial: pciBus[hostBridgeAddress]!.configSpace),
                     testDeviceAddress: .testDevice(initial: pciBus[testDeviceAddress]!.configSpace)]
        let resets = self.resets, clock = self.clock
        i8042 = I8042(onReset: { resets.withLock { $0 += 1 } }, keyboardInterrupt: irq1, auxInterrupt: irq12)
        rtc = CMOSRTC(clock: { clock.withLock { $0 } })
        try! bus.register(pci, base: PCIHostBridgePorts.basePort, length: PCIHostBridgePorts.portCount, name: "pci")
        try! bus.register(i8042.dataPort, base: I8042.dataPortNumber, length: 1, name: "i8042 data")
        try! bus.register(i8042.commandPort, base: I8042.commandPortNumber, length: 1, name: "i8042 command")
        try! bus.register(rtc, base: CMOSRTC.basePort, length: CMOSRTC.portCount, name: "cmos-rtc")
    }

    func tick(seconds: Int) {
        clock.withLock { now in
            let total = now.second + seconds
            now.second = total % 60
            now.minute = (now.minute + total / 60) % 60
        }
    }

    /// One access through the bus, checked against the models; `write` nil is a read.
    func access(port: UInt16, size: Int, write value: UInt32?) {
        let result = value.map { bus.write(port: port, size: size, value: $0) } ?? bus.read(port: port, size: size)
        let handled = ([0xCF8...0xCFF, 0x60...0x60, 0x64...0x64, 0x70...0x71] as [ClosedRange<UInt16>]).contains { $0.contains(port) }
        require(result.isHandled == handled, "port \(hex(port)) handled \(result.isHandled)")
        switch port {
        case 0xCF8...0xCFF: pciAccess(offset: Int(port - 0xCF8), size: size, write: value, result: result.value)
        case 0x60, 0x64: keyboardAccess(command: port == 0x64, size: size, write: value, result: result.value)
        case 0x70, 0x71: cmosAccess(offset: Int(port - 0x70), size: size, write: value, result: result.value)
        default: if value == nil { require(result.value == PortAccess.allOnes(size: size), "empty port read \(result.value)") }
        }
    }

    // MARK: - PCI

    func pciAccess(offset: Int, size: Int, write value: UInt32?, result: UInt32) {
        let ones = PortAccess.allOnes(size: size)
        if offset == 0 && size == 4 {
            if let value { configAddress = value & 0x80FF_FFFC } else {
                require(result == configAddress, "CONFIG_ADDRESS reads \(hex(result)), latched \(hex(configAddress))")
            }
            return
        }
        // CONFIG_DATA: 0xCFC + n, n + size within the dword, enable bit set.
        let byte = offset - 4
        guard byte >= 0, byte + size <= 4, configAddress & 0x8000_0000 != 0 else {
            if value == nil { require(result == ones, "no configuration access read \(hex(result)) at +\(offset)/\(size)") }
            return
        }
        let bus = UInt8(truncatingIfNeeded: configAddress >> 16)
        let address = PCIAddress(bus: bus, device: UInt8(configAddress >> 11 & 0x1F), function: UInt8(configAddress >> 8 & 7))
        let register = Int(configAddress & 0xFC) + byte
        guard var model = functions[address] else {
            if value == nil { require(result == ones, "absent function \(address) read \(hex(result))") }
            return
        }
        if let value {
            model.write(offset: register, size: size, value: value)
            functions[address] = model
        } else {
            let expected = model.read(offset: register, size: size)
            require(result == expected, "\(address) config \(hex(UInt16(register)))/\(size) reads \(hex(result)), model \(hex(expected))")
            if size == 4, let mask = model.sizeMask(offset: register), model.sizing.contains(register) {
                require(result == mask, "\(address) BAR at \(register) after all-ones reads \(hex(result)), size mask \(hex(mask))")
            }
        }
    }

    // MARK: - i8042

    func keyboardAccess(command: Bool, size: Int, write value: UInt32?, result: UInt32) {
        if let value {
            let byte = UInt8(truncatingIfNeeded: value)
            if keyboard.write(command: command, byte) { expectedResets += 1 }
        } else {
            let expected = command ? keyboard.status : keyboard.readData()
            let above = PortAccess.allOnes(size: size) & ~0xFF
            require(result == above | UInt32(expected), "i8042 \(command ? "status" : "data") reads \(hex(result)), model \(hex(expected))")
        }
        require(resets.withLock { $0 } == expectedResets, "onReset ran \(resets.withLock { $0 }) times, expected \(expectedResets)")
    }

    // MARK: - CMOS RTC

    func cmosAccess(offset: Int, size: Int, write value: UInt32?, result: UInt32) {
        for index in 0..<size {
            let port = offset + index
            if let value {
                let byte = UInt8(truncatingIfNeeded: value >> (8 * index))
                if port == 0 { cmos.index = byte & 0x7F }
                if port == 1 { cmosData(write: byte, read: nil) }
            } else {
                let byte = UInt8(truncatingIfNeeded: result >> (8 * index))
                if port == 1 { cmosData(write: nil, read: byte) } else {
                    require(byte == 0xFF, "CMOS read at offset \(port) gave \(hex(byte))")
                }
            }
        }
    }

    func cmosData(write: UInt8?, read: UInt8?) {
        // Every data access first notices whether the clock moved since the previous one: if so, and SET
        // was off, UF (0x10) is raised, and AF (0x20) may be too (an alarm match; not modelled here).
        let now = clock.withLock { $0 }
        let raises: UInt8 = cmos.lastSeen != nil && cmos.lastSeen != now && cmos.registerB & 0x80 == 0 ? 0x10 : 0
        cmos.lastSeen = now
        let least = cmos.pendingC | raises, most = least | (raises != 0 ? 0x20 : 0)
        let index = cmos.index
        let after = rtc.registers
        defer { cmos.pendingC = rtc.registers.ram[0x0C] }
        if let write {
            if index == 0x0B { cmos.registerB = write & 0x80 != 0 ? write & ~0x10 : write }
            if index == 0x0A { cmos.registerA = write & 0x7F }
            if index >= 0x0E, index != 0x32 { cmos.ram[Int(index)] = write }
        }
        guard let read else {
            let flags = after.ram[0x0C]
            require(flags & least == least && flags & ~most == 0, "register C holds \(hex(flags)), expected \(hex(least))...\(hex(most))")
            return
        }
        switch index {
        case 0x0D:
            require(read == 0x80, "register D reads \(hex(read))")
        case 0x0C:
            let flags = read & 0x7F
            require(flags & least == least && flags & ~most == 0, "register C reads \(hex(read)), expected \(hex(least))...\(hex(most))")
            require((read & 0x80 != 0) == (flags & cmos.registerB & 0x70 != 0), "register C \(hex(read)) with B \(hex(cmos.registerB))")
            require(after.ram[0x0C] == 0, "reading C left \(hex(after.ram[0x0C]))")
        case 0x0A:
            require(read & 0x80 == 0, "register A shows UIP")
            require(read == cmos.registerA, "register A reads \(hex(read)), model \(hex(cmos.registerA))")
        case 0x0B:
            require(read == cmos.registerB, "register B reads \(hex(read)), model \(hex(cmos.registerB))")
        case 0x00, 0x02, 0x06, 0x07, 0x08, 0x09, 0x32:
            if cmos.registerB & 0x04 == 0 { require(read & 0x0F <= 9 && read >> 4 <= 9, "BCD field \(hex(index)) reads \(hex(read))") }
        case 0x0E...0x7F:
            require(read == cmos.ram[Int(index)], "CMOS RAM \(hex(index)) reads \(hex(read)), wrote \(hex(cmos.ram[Int(index)]))")
        default:
            break
        }
        if index != 0x0C {
            let flags = after.ram[0x0C]
            require(flags & least == least && flags & ~most == 0, "register C holds \(hex(flags)), expected \(hex(least))...\(hex(most))")
        }
    }

    // MARK: - After every step

    func checkState() {
        let bus = pci.bus
        for (address, model) in functions {
            guard let function = bus[address] else { require(false, "\(address) vanished"); return }
            let space = function.configSpace
            require(space[0..<4] == model.initial[0..<4], "\(address) vendor/device changed")
            require(space[8..<12] == model.initial[8..<12], "\(address) revision/class changed")
            if space != model.space {
                let first = space.indices.first { space[$0] != model.space[$0] }!
                require(false, "\(address) config byte \(hex(UInt16(first))) is \(hex(space[first])), model \(hex(model.space[first]))")
            }
        }
        require(pci.configAddress.rawValue == configAddress, "latched CONFIG_ADDRESS differs")

        let registers = i8042.registers
        require(registers.status == keyboard.status, "i8042 status \(hex(registers.status)), model \(hex(keyboard.status))")
        require(registers.configuration == keyboard.configuration, "i8042 configuration byte differs")
        require(registers.pendingCommand == keyboard.pending, "i8042 pending command differs")
        require(irq1.isHigh == keyboard.irq1, "IRQ 1 is \(irq1.isHigh)")
        require(irq12.isHigh == keyboard.irq12, "IRQ 12 is \(irq12.isHigh)")

        let cmosRegisters = rtc.registers
        require(cmosRegisters.ram[0x0D] == 0x80, "register D lost VRT")
        require(cmosRegisters.index == cmos.index, "CMOS index differs")
    }
}

/// A value shared with a device's callbacks.
private final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<Result>(_ body: (inout Value) -> Result) -> Result { mutex.withLock { body(&$0) } }
}

/// A configuration space and its per-byte rules (PCI Local Bus Specification 3.0, §6.1-6.2).
private struct ConfigModel {
    let initial: [UInt8]
    var space: [UInt8]
    var writable = [UInt8](repeating: 0, count: 256)
    var writeOneToClear = [UInt8](repeating: 0, count: 256)
    /// BAR dword offset → the value it reads after all-ones (type bits included).
    var sizeMasks: [Int: UInt32] = [:]
    /// BAR dwords whose last write was a dword of all-ones.
    var sizing: Set<Int> = []

    init(initial: [UInt8], bars: [Int: (writable: UInt32, type: UInt32)]) {
        self.initial = initial
        space = initial
        writable[0x04] = 0x07          // I/O, memory, bus master
        writable[0x05] = 0x05          // SERR# enable, interrupt disable
        writeOneToClear[0x07] = 0xF9   // status error bits 8, 11-15
        writable[0x0C] = 0xFF          // cache line size
        writable[0x3C] = 0xFF          // interrupt line
        for offset in stride(from: 0x10, to: 0x28, by: 4) { sizeMasks[offset] = 0 }
        for (offset, bar) in bars {
            for index in 0..<4 { writable[offset + index] = UInt8(truncatingIfNeeded: bar.writable >> (8 * index)) }
            sizeMasks[offset] = bar.writable | bar.type
        }
    }

    static func hostBridge(initial: [UInt8]) -> ConfigModel { ConfigModel(initial: initial, bars: [:]) }

    /// pci-testdev: BAR0 4 KiB memory, BAR1 256 B I/O, BAR2-3 1 MiB 64-bit prefetchable.
    static func testDevice(initial: [UInt8]) -> ConfigModel {
        ConfigModel(initial: initial, bars: [0x10: (0xFFFF_F000, 0x0), 0x14: (0xFFFF_FF00, 0x1),
                                             0x18: (0xFFF0_0000, 0xC), 0x1C: (0xFFFF_FFFF, 0x0)])
    }

    func sizeMask(offset: Int) -> UInt32? { sizeMasks[offset] }

    func read(offset: Int, size: Int) -> UInt32 {
        (0..<size).reduce(UInt32(0)) { $0 | UInt32(offset + $1 < 256 ? space[offset + $1] : 0xFF) << (8 * $1) }
    }

    mutating func write(offset: Int, size: Int, value: UInt32) {
        for index in 0..<size where offset + index < 256 {
            let position = offset + index
            let byte = UInt8(truncatingIfNeeded: value >> (8 * index))
            space[position] = (space[position] & ~writable[position] | byte & writable[position]) & ~(byte & writeOneToClear[position])
            sizing.remove(position & ~3)
        }
        if size == 4, offset % 4 == 0, value == 0xFFFF_FFFF, sizeMasks[offset] != nil { sizing.insert(offset) }
    }
}

/// The 8042 as the PC/AT firmware defines it, with nothing attached to either port.
private struct KeyboardModel {
    var configuration: UInt8 = 0x61
    var outputPort: UInt8 = 0xCF
    var buffer: UInt8?
    var fromAux = false
    var last: UInt8 = 0
    var lastWasCommand = false
    var pending: UInt8?

    var status: UInt8 {
        0x10 | 0x04 | (buffer != nil ? 0x01 : 0) | (buffer != nil && fromAux ? 0x20 : 0) | (lastWasCommand ? 0x08 : 0)
    }
    var irq1: Bool { buffer != nil && !fromAux && configuration & 0x01 != 0 }
    var irq12: Bool { buffer != nil && fromAux && configuration & 0x02 != 0 }

    mutating func output(_ byte: UInt8, aux: Bool = false) { buffer = byte; fromAux = aux; last = byte }

    mutating func readData() -> UInt8 {
        guard let byte = buffer else { return last }
        buffer = nil
        fromAux = false
        return byte
    }

    /// Returns whether the write pulses the reset line.
    mutating func write(command: Bool, _ byte: UInt8) -> Bool {
        lastWasCommand = command
        if command {
            pending = nil
            switch byte {
            case 0x20: output(configuration)
            case 0x60, 0xD1, 0xD2, 0xD3, 0xD4: pending = byte
            case 0xA7: configuration |= 0x20
            case 0xA8: configuration &= ~0x20
            case 0xA9, 0xAB: output(0x00)
            case 0xAA: output(0x55)
            case 0xAD: configuration |= 0x10
            case 0xAE: configuration &= ~0x10
            case 0xC0: output(0x80)
            case 0xD0: output(outputPort & ~0x30 | (buffer != nil ? 0x10 : 0) | (buffer != nil && fromAux ? 0x20 : 0))
            case 0xF0...0xFF: return byte & 1 == 0
            default: break
            }
            return false
        }
        guard let command = pending else { return false }
        pending = nil
        switch command {
        case 0x60: configuration = byte
        case 0xD1:
            outputPort = byte
            return byte & 1 == 0
        case 0xD2: output(byte)
        case 0xD3: output(byte, aux: true)
        default: break
        }
        return false
    }
}

/// What the target knows about the RTC from its own accesses.
private struct CMOSModel {
    var index: UInt8 = 0
    var registerA: UInt8 = 0x26
    var registerB: UInt8 = 0x02
    var ram = [UInt8](repeating: 0, count: 128)
    /// Register C's flags as the previous data access left them.
    var pendingC: UInt8 = 0
    /// The time at the previous data access (the first access only remembers it).
    var lastSeen: CMOSDateTime?
}

private func hex<T: FixedWidthInteger>(_ value: T) -> String { "0x" + String(value, radix: 16) }
