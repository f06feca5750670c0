import Synchronization

/// The port I/O address space: maps ports to devices and counts accesses that hit nothing.
///
/// Used from every vCPU thread at once. A port access takes no lock and allocates nothing: devices are
/// found in an immutable table (replaced, not changed, when a device is registered, which happens while
/// the machine is built) and the stray-access counters are atomics. With `serializesDevices` (a machine
/// with more than one vCPU) each device also gets its own lock, so two vCPUs never run the same device
/// concurrently while different devices proceed in parallel; with one vCPU there is nobody to exclude.
/// A string instruction arrives as one call per element, and an access is dispatched by its first port
/// only (no access spans two devices).
public final class IOBus: Sendable {
    private let serializesDevices: Bool
    /// The address of the current `PortTable` (retained by `tables`), 0 before the first device.
    private let table = Atomic<UInt>(0)
    /// Every table ever published (the current one last): released with the bus, so a reader never
    /// sees a table freed under it.
    private let tables = Mutex<[PortTable]>([])
    private let unhandled = Atomic<UInt64>(0)
    /// The first unhandled access: port | isWrite << 16 | 1 << 17; 0 while there was none.
    private let firstUnhandledAccess = Atomic<UInt32>(0)

    public init(serializesDevices: Bool = true) {
        self.serializesDevices = serializesDevices
    }

    /// Places `device` at ports [base, base + length). `name` appears in error messages.
    public func register(_ device: PortDevice, base: UInt16, length: UInt16, name: String) throws {
        guard length > 0, UInt32(base) + UInt32(length) <= 0x1_0000 else {
            throw IOBusError.invalidRange(name: name, base: base, length: length)
        }
        let slot = Slot(device: device, base: base, length: length, name: name, locked: serializesDevices)
        try tables.withLock { tables in
            let slots = tables.last?.slots ?? []
            if let other = slots.first(where: { $0.overlaps(slot) }) {
                throw IOBusError.overlap(name: name, base: base, length: length, existing: other.name,
                                         existingBase: other.base, existingLength: other.length)
            }
            // Inserted in base order: a machine registers its ~10 devices one by one at every start, and
            // a concatenation and sort per device cost more than the table itself.
            var sorted = slots
            sorted.insert(slot, at: sorted.firstIndex { $0.base > slot.base } ?? sorted.count)
            let next = PortTable.make(slots: sorted)
            tables.append(next)
            table.store(UInt(bitPattern: Unmanaged.passUnretained(next).toOpaque()), ordering: .releasing)
        }
    }

    public func read(port: UInt16, size: Int) -> PortAccess {
        guard Self.isValid(size) else {
            recordUnhandled(port: port, isWrite: false)
            return .unhandled(PortAccess.allOnes(size: size))
        }
        let value = readElement(port: port, size: size)
        return value.handled ? .handled(value.value) : .unhandled(value.value)
    }

    public func write(port: UInt16, size: Int, value: UInt32) -> PortAccess {
        let value = PortAccess.truncate(value, toSize: size)
        guard Self.isValid(size) else {
            recordUnhandled(port: port, isWrite: true)
            return .unhandled(value)
        }
        return writeElement(port: port, size: size, value: value) ? .handled(value) : .unhandled(value)
    }

    /// `read` of an access already known to be 1, 2 or 4 bytes (the vCPU loop's single `in`): the value
    /// (all-ones for nothing, counted), and whether a device took it; nothing else to check or build.
    public func readElement(port: UInt16, size: Int) -> (value: UInt32, handled: Bool) {
        assert(Self.isValid(size), "readElement of \(size) bytes")
        if let value = withSlot(at: port, { $0.read(offset: port - $0.base, size: size) }) { return (value, true) }
        recordUnhandled(port: port, isWrite: false)
        return (PortAccess.allOnes(size: size), false)
    }

    /// `write` of 1, 2 or 4 bytes whose `value` holds only those (the vCPU loop's single `out`): whether
    /// a device took it; a write to nothing is counted.
    @discardableResult
    public func writeElement(port: UInt16, size: Int, value: UInt32) -> Bool {
        assert(Self.isValid(size) && value == PortAccess.truncate(value, toSize: size), "writeElement of \(size) bytes, 0x\(String(value, radix: 16))")
        if withSlot(at: port, { $0.write(offset: port - $0.base, size: size, value: value) }) != nil { return true }
        recordUnhandled(port: port, isWrite: true)
        return false
    }

    /// Whether a device sits at `port`.
    public func isAssigned(_ port: UInt16) -> Bool { withSlot(at: port) { _ in () } != nil }

    /// Counts `count` accesses to unassigned `port` that did not come through `read`/`write` one by one
    /// (writes KVM coalesced; a string instruction answered in one go).
    public func countUnhandled(port: UInt16, isWrite: Bool, count: UInt64) {
        guard count > 0 else { return }
        recordUnhandled(port: port, isWrite: isWrite, count: count)
    }

    /// Reads plus writes that hit no device (or had a size other than 1, 2 or 4).
    public var unhandledAccesses: UInt64 { unhandled.load(ordering: .relaxed) }

    /// The first access that hit no device, for an error message under `--strict-io`.
    public var firstUnhandled: (port: UInt16, isWrite: Bool)? {
        let first = firstUnhandledAccess.load(ordering: .relaxed)
        guard first != 0 else { return nil }
        return (UInt16(truncatingIfNeeded: first), first & (1 << 16) != 0)
    }

    /// The registered devices as (name, base, length), lowest base first — for diagnostics.
    public var layout: [(name: String, base: UInt16, length: UInt16)] {
        currentSlots.map { ($0.name, $0.base, $0.length) }
    }

    private var currentSlots: [Slot] {
        guard let pointer = UnsafeRawPointer(bitPattern: table.load(ordering: .acquiring)) else { return [] }
        return Unmanaged<PortTable>.fromOpaque(pointer)._withUnsafeGuaranteedRef { $0.slots }
    }

    /// `body` applied to the device at `port`, or nil when there is none. The table and the slot are
    /// borrowed, not retained: an access costs no reference counting.
    private func withSlot<Result>(at port: UInt16, _ body: (Slot) -> Result) -> Result? {
        guard let pointer = UnsafeRawPointer(bitPattern: table.load(ordering: .acquiring)) else { return nil }
        return Unmanaged<PortTable>.fromOpaque(pointer)._withUnsafeGuaranteedRef { $0.withSlot(at: port, body) }
    }

    private func recordUnhandled(port: UInt16, isWrite: Bool, count: UInt64 = 1) {
        if serializesDevices {
            unhandled.wrappingAdd(count, ordering: .relaxed)
        } else {
            // One vCPU: only its thread counts (a save drains the coalesced ring while it is paused), so no
            // locked instruction is needed.
            unhandled.store(unhandled.load(ordering: .relaxed) &+ count, ordering: .relaxed)
        }
        if firstUnhandledAccess.load(ordering: .relaxed) == 0 {
            let encoded = UInt32(port) | (isWrite ? 1 << 16 : 0) | 1 << 17
            _ = firstUnhandledAccess.compareExchange(expected: 0, desired: encoded, ordering: .relaxed)
        }
    }

    private static func isValid(_ size: Int) -> Bool { size == 1 || size == 2 || size == 4 }
}

/// The devices at one moment, lowest base first; never changed once published. A lookup first tests one
/// bit of `occupied` (is any device in the port's group of 16?), which answers most ports that hit no
/// device, such as a guest probing for hardware, at once. Otherwise it reads the port ranges, packed side
/// by side right after the table's header in the same allocation (4 bytes each), and stops at the first
/// range above the port: a few compares within a cache line or two, and only the `Slot` it finds is
/// touched. No iterator, no accessor coroutine (which unoptimised builds allocate), no lock.
private final class PortTable: ManagedBuffer<PortTable.Header, PortTable.Range> {
    struct Header {
        /// Keeps the slots alive; `entries` refers to them unretained.
        let slots: [Slot]
        let entries: UnsafeMutableBufferPointer<Unmanaged<Slot>>
        /// Bit g set: some device has a port in [16g, 16g + 16). 4,096 bits, 512 bytes.
        let occupied: UnsafeMutableBufferPointer<UInt64>
    }

    struct Range {
        let base: UInt16
        let length: UInt16
    }

    static func make(slots: [Slot]) -> PortTable {
        let table = unsafeDowncast(create(minimumCapacity: slots.count) { _ in
            let entries = UnsafeMutableBufferPointer<Unmanaged<Slot>>.allocate(capacity: slots.count)
            for (index, slot) in slots.enumerated() { entries.initializeElement(at: index, to: Unmanaged.passUnretained(slot)) }
            let occupied = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: groupBit(0xFFFF).word + 1)
            occupied.initialize(repeating: 0)
            for slot in slots {
                // The first port of each group the slot touches, from its first group to its last.
                for port in stride(from: UInt32(slot.base) & ~15, through: UInt32(slot.base) + UInt32(slot.length) - 1, by: 16) {
                    let bit = groupBit(UInt16(port))
                    occupied[bit.word] |= bit.mask
                }
            }
            return Header(slots: slots, entries: entries, occupied: occupied)
        }, to: PortTable.self)
        table.withUnsafeMutablePointerToElements { ranges in
            for (index, slot) in slots.enumerated() { (ranges + index).initialize(to: Range(base: slot.base, length: slot.length)) }
        }
        return table
    }

    deinit {
        withUnsafeMutablePointerToHeader { header in
            header.pointee.entries.deallocate()
            header.pointee.occupied.deallocate()
        }
    }

    var slots: [Slot] { header.slots }

    /// Where `port`'s group of 16 has its bit in `occupied`: 64 groups a word.
    @inline(__always)
    private static func groupBit(_ port: UInt16) -> (word: Int, mask: UInt64) {
        let group = Int(port &>> 4)
        return (group &>> 6, 1 &<< UInt64(group & 63))
    }

    func withSlot<Result>(at port: UInt16, _ body: (Slot) -> Result) -> Result? {
        withUnsafeMutablePointers { header, ranges in
            let bit = Self.groupBit(port)
            if header.pointee.occupied.baseAddress.unsafelyUnwrapped[bit.word] & bit.mask == 0 { return nil }
            let entries = header.pointee.entries
            var index = 0
            while index < entries.count {
                let range = ranges[index]
                if port < range.base { return nil }     // sorted: no later range can hold it
                if UInt32(port) < UInt32(range.base) + UInt32(range.length) {
                    return entries[index]._withUnsafeGuaranteedRef(body)
                }
                index += 1
            }
            return nil
        }
    }
}

/// One registered device and, on a bus that serializes devices, the lock around it.
///
/// `@unchecked Sendable`: `device` need not be Sendable itself; every call into it goes through `lock`,
/// or, on a bus without locks, comes from the machine's only vCPU thread.
private final class Slot: @unchecked Sendable {
    let base: UInt16
    let length: UInt16
    let name: String
    private let device: PortDevice
    private let locked: Bool
    private let lock = Mutex(())

    init(device: PortDevice, base: UInt16, length: UInt16, name: String, locked: Bool) {
        self.device = device
        self.base = base
        self.length = length
        self.name = name
        self.locked = locked
    }

    private var end: UInt32 { UInt32(base) + UInt32(length) }

    func contains(_ port: UInt16) -> Bool { port >= base && UInt32(port) < end }

    func overlaps(_ other: Slot) -> Bool { UInt32(base) < other.end && UInt32(other.base) < end }

    func read(offset: UInt16, size: Int) -> UInt32 {
        guard locked else { return PortAccess.truncate(device.read(offset: offset, size: size), toSize: size) }
        return lock.withLock { _ in PortAccess.truncate(device.read(offset: offset, size: size), toSize: size) }
    }

    func write(offset: UInt16, size: Int, value: UInt32) {
        guard locked else { return device.write(offset: offset, size: size, value: value) }
        lock.withLock { _ in device.write(offset: offset, size: size, value: value) }
    }
}
