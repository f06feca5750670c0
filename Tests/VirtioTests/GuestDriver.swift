import BlockBackends
import Devices
import GuestMemory
@testable import Virtio

/// A virtio-pci driver as a guest would write it, against a transport instead of hardware: it finds the
/// structures by walking the capability list, initialises the device in the order of virtio 1.2 §3.1.1,
/// and builds split rings in guest memory by hand. Tests use it to drive the transport end to end and
/// to forge the malformed rings a hostile driver would.
final class GuestDriver {
    static let ramSize: UInt64 = 2 << 20
    static let descriptorTable: UInt64 = 0x10000
    static let availRing: UInt64 = 0x11000
    static let usedRing: UInt64 = 0x12000

    var transport: VirtioPCITransport
    let memory: GuestMemory
    let interrupt = RecordingInterrupt()
    /// BAR offsets of the structures, as the capabilities advertise them (cfg_type → offset).
    private(set) var structures: [UInt8: UInt64] = [:]
    private(set) var notifyMultiplier: UInt64 = 0
    var queueSize: UInt16 = 16
    private(set) var availIndex: UInt16 = 0
    private var nextDescriptor: UInt16 = 0
    private var nextFree: UInt64 = 0x40000

    init(backend: any BlockBackend = MemoryDisk(sectors: 64), serial: String = "swiftvm-disk-0",
         memory: GuestMemory? = nil) throws {
        self.memory = try memory ?? GuestMemory(ranges: [GuestRange(start: GuestAddress(0), size: Self.ramSize)!])
        transport = VirtioPCITransport(device: VirtioBlockDevice(backend: backend, serial: serial),
                                       memory: self.memory, interrupt: interrupt)
        discoverCapabilities()
    }

    // MARK: - Registers

    func config(_ offset: Int, _ size: Int) -> UInt32 { transport.readConfig(offset: offset, size: size) }
    func setConfig(_ offset: Int, _ size: Int, _ value: UInt32) { transport.writeConfig(offset: offset, size: size, value: value) }

    private func discoverCapabilities() {
        var pointer = Int(config(0x34, 1))
        while pointer != 0 {
            if config(pointer, 1) == 0x09 {
                let type = UInt8(config(pointer + 3, 1))
                structures[type] = UInt64(config(pointer + 8, 4))
                if type == 2 { notifyMultiplier = UInt64(config(pointer + 16, 4)) }
            }
            pointer = Int(config(pointer + 1, 1))
        }
    }

    func barRead(_ offset: UInt64, _ size: Int) -> UInt64 { transport.read(barOffset: offset, size: size) }
    func common(_ offset: UInt64, _ size: Int) -> UInt64 { transport.read(barOffset: structures[1]! + offset, size: size) }
    func setCommon(_ offset: UInt64, _ size: Int, _ value: UInt64) {
        transport.write(barOffset: structures[1]! + offset, size: size, value: value)
    }
    func deviceConfig(_ offset: UInt64, _ size: Int) -> UInt64 { transport.read(barOffset: structures[4]! + offset, size: size) }
    func readISR() -> UInt8 { UInt8(transport.read(barOffset: structures[3]!, size: 1)) }

    var status: VirtioDeviceStatus { VirtioDeviceStatus(rawValue: UInt8(common(0x14, 1))) }
    func setStatus(_ status: VirtioDeviceStatus) { setCommon(0x14, 1, UInt64(status.rawValue)) }

    var offeredFeatures: VirtioFeatures {
        setCommon(0x00, 4, 0)
        let low = common(0x04, 4)
        setCommon(0x00, 4, 1)
        return VirtioFeatures(rawValue: low | common(0x04, 4) << 32)
    }

    func writeDriverFeatures(_ features: VirtioFeatures) {
        for select in 0..<2 {
            setCommon(0x08, 4, UInt64(select))
            setCommon(0x0C, 4, UInt64(features.word(UInt32(select))))
        }
    }

    // MARK: - Initialisation (§3.1.1)

    /// Reset, ACKNOWLEDGE, DRIVER, features (all offered unless `accept` says otherwise), FEATURES_OK;
    /// then queue 0 of `queueSize` at the fixed ring addresses, the MSI-X vectors (config 0, queue 1)
    /// when `msix`, and DRIVER_OK. Returns false, leaving the device unfinished, if FEATURES_OK did not stick.
    @discardableResult
    func initialize(accept: VirtioFeatures? = nil, queueSize: UInt16 = 16, msix: Bool = false) -> Bool {
        setStatus([])
        setStatus(.acknowledge)
        setStatus([.acknowledge, .driver])
        writeDriverFeatures(accept ?? offeredFeatures)
        setStatus([.acknowledge, .driver, .featuresOK])
        guard status.contains(.featuresOK) else { return false }
        if msix { enableMSIX() }
        setCommon(0x16, 2, 0)
        self.queueSize = queueSize
        setCommon(0x18, 2, UInt64(queueSize))
        if msix {
            setCommon(0x10, 2, 0)
            setCommon(0x1A, 2, 1)
        }
        // 64-bit fields as two 32-bit halves, the way Linux writes them.
        for (offset, address) in [(UInt64(0x20), Self.descriptorTable), (0x28, Self.availRing), (0x30, Self.usedRing)] {
            setCommon(offset, 4, address & 0xFFFF_FFFF)
            setCommon(offset + 4, 4, address >> 32)
        }
        setCommon(0x1C, 2, 1)
        availIndex = 0
        nextDescriptor = 0
        setStatus([.acknowledge, .driver, .featuresOK, .driverOK])
        return true
    }

    static func message(_ vector: Int) -> MSIMessage { MSIMessage(address: 0xFEE0_0000 + UInt64(vector) << 12, data: 0x40 + UInt32(vector)) }

    /// Programs every table entry with `message(vector)`, unmasked, and enables MSI-X in the capability.
    func enableMSIX() {
        let table = msixTable
        for vector in 0..<transport.msixVectorCount {
            let entry = table + UInt64(vector) * 16
            let message = Self.message(vector)
            transport.write(barOffset: entry, size: 4, value: message.address & 0xFFFF_FFFF)
            transport.write(barOffset: entry + 4, size: 4, value: message.address >> 32)
            transport.write(barOffset: entry + 8, size: 4, value: UInt64(message.data))
            transport.write(barOffset: entry + 12, size: 4, value: 0)
        }
        setConfig(msixCapability + 2, 2, 0x8000)
    }

    var msixCapability: Int { transport.function.capabilityOffset(id: 0x11)! }
    /// The table's BAR offset, from the capability (BIR in the low 3 bits).
    var msixTable: UInt64 { UInt64(config(msixCapability + 4, 4) & ~7) }
    var msixPBA: UInt64 { UInt64(config(msixCapability + 8, 4) & ~7) }

    func setVectorMasked(_ vector: Int, _ masked: Bool) {
        transport.write(barOffset: msixTable + UInt64(vector) * 16 + 12, size: 4, value: masked ? 1 : 0)
    }

    // MARK: - Rings

    func alloc(_ size: UInt64) -> UInt64 {
        defer { nextFree += (size + 15) & ~15 }
        return nextFree
    }

    func put(_ descriptor: VirtqueueDescriptor, at index: UInt16, table: UInt64 = descriptorTable) {
        try! memory.write(descriptor.bytes, at: GuestAddress(table + UInt64(index) * 16))
    }

    /// Places `descriptors` at consecutive free indices, linked with NEXT, and returns the head.
    func chain(_ descriptors: [VirtqueueDescriptor]) -> UInt16 {
        let head = nextDescriptor
        for (offset, var descriptor) in descriptors.enumerated() {
            let index = (head + UInt16(offset)) % queueSize
            if offset < descriptors.count - 1 {
                descriptor.flags |= VirtqueueDescriptor.nextFlag
                descriptor.next = (index + 1) % queueSize
            }
            put(descriptor, at: index)
        }
        nextDescriptor = (head + UInt16(descriptors.count)) % queueSize
        return head
    }

    func makeAvailable(_ head: UInt16) {
        try! memory.write(head, at: GuestAddress(Self.availRing + 4 + 2 * UInt64(availIndex % queueSize)))
        availIndex &+= 1
        setAvailIndex(availIndex)
    }

    func setAvailIndex(_ index: UInt16) { try! memory.write(index, at: GuestAddress(Self.availRing + 2)) }
    func setAvailFlags(_ flags: UInt16) { try! memory.write(flags, at: GuestAddress(Self.availRing)) }
    func setUsedEvent(_ index: UInt16) { try! memory.write(index, at: GuestAddress(Self.availRing + 4 + 2 * UInt64(queueSize))) }
    var availEvent: UInt16 { try! memory.read(UInt16.self, at: GuestAddress(Self.usedRing + 4 + 8 * UInt64(queueSize))) }

    /// Writes the queue's notify register, as the guest's kick does.
    func kick(queue: UInt16 = 0) {
        transport.write(barOffset: structures[2]! + UInt64(queue) * notifyMultiplier, size: 2, value: UInt64(queue))
    }

    var usedIndex: UInt16 { try! memory.read(UInt16.self, at: GuestAddress(Self.usedRing + 2)) }
    func usedElement(_ slot: UInt16) -> (id: UInt32, length: UInt32) {
        let address = Self.usedRing + 4 + 8 * UInt64(slot % queueSize)
        return (try! memory.read(UInt32.self, at: GuestAddress(address)), try! memory.read(UInt32.self, at: GuestAddress(address + 4)))
    }

    // MARK: - virtio-blk requests

    struct BlockRequest {
        let head: UInt16
        let header: UInt64
        let data: UInt64
        let dataLength: UInt32
        let status: UInt64
    }

    static func header(type: UInt32, sector: UInt64) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: type >> (8 * $0)) } + [0, 0, 0, 0]
            + (0..<8).map { UInt8(truncatingIfNeeded: sector >> (8 * UInt64($0))) }
    }

    /// Builds header, data and status buffers (data device-writable unless `dataReadable`), makes the chain
    /// available and, unless told not to, kicks. `indirect` puts the three descriptors in an indirect table.
    @discardableResult
    func blockRequest(type: UInt32, sector: UInt64 = 0, data: [UInt8]? = nil, dataLength: UInt32 = 0,
                      dataReadable: Bool? = nil, indirect: Bool = false, kick: Bool = true) -> BlockRequest {
        let length = data.map { UInt32($0.count) } ?? dataLength
        let header = alloc(16), buffer = alloc(UInt64(max(length, 1))), status = alloc(1)
        try! memory.write(Self.header(type: type, sector: sector), at: GuestAddress(header))
        if let data { try! memory.write(data, at: GuestAddress(buffer)) }
        try! memory.write([UInt8(0xEE)], at: GuestAddress(status))
        let readable = dataReadable ?? (type == 1)
        var descriptors = [VirtqueueDescriptor(address: header, length: 16)]
        if length > 0 {
            descriptors.append(VirtqueueDescriptor(address: buffer, length: length, flags: readable ? 0 : VirtqueueDescriptor.writeFlag))
        }
        descriptors.append(VirtqueueDescriptor(address: status, length: 1, flags: VirtqueueDescriptor.writeFlag))
        let head: UInt16
        if indirect {
            let table = alloc(UInt64(descriptors.count) * 16)
            for (index, var descriptor) in descriptors.enumerated() {
                if index < descriptors.count - 1 {
                    descriptor.flags |= VirtqueueDescriptor.nextFlag
                    descriptor.next = UInt16(index + 1)
                }
                put(descriptor, at: UInt16(index), table: table)
            }
            head = chain([VirtqueueDescriptor(address: table, length: UInt32(descriptors.count * 16),
                                              flags: VirtqueueDescriptor.indirectFlag)])
        } else {
            head = chain(descriptors)
        }
        makeAvailable(head)
        if kick { self.kick() }
        return BlockRequest(head: head, header: header, data: buffer, dataLength: length, status: status)
    }

    func statusByte(_ request: BlockRequest) -> UInt8 { try! memory.read(UInt8.self, at: GuestAddress(request.status)) }
    func data(_ request: BlockRequest) -> [UInt8] { try! memory.read(at: GuestAddress(request.data), count: Int(request.dataLength)) }
}
