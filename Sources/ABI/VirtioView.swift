/// One virtio-pci function as the guest saw it (record type 12, docs/abi-records.md): what a driver
/// negotiates against. Keyed "00:02.0" in `ABIView.virtio`.
public struct VirtioFunctionView: Codable, Equatable, Sendable {
    /// "ok", or "setup failed" when the guest library could not map the function (only its identity and
    /// capability list were recorded).
    public var setup: String
    public var deviceID: String
    /// The virtio device type (2 = block), as hex.
    public var deviceType: String
    /// The 64 offered feature bits (device_feature_select 0 and 1), "0x" + 16 hex digits.
    public var features: String
    public var numQueues: String
    /// Each queue's maximum size (queue_size after reset, before any write), at most 16 queues.
    public var queueSizes: [String]
    /// MSI-X table size in entries ("0x0000" without an MSI-X capability).
    public var msixVectors: String
    public var capabilities: [VirtioCapability]
    /// The first (up to) 64 bytes of the device-specific configuration, hex.
    public var deviceConfig: String
}

/// One entry of the PCI capability list. Only vendor-specific ones (id 0x09, virtio) carry the
/// cfg_type/BAR/offset/length; the others have zeros there.
public struct VirtioCapability: Codable, Equatable, Sendable {
    public var position: String
    public var id: String
    public var cfgType: String
    public var bar: String
    public var offset: String
    public var length: String
}

extension FingerprintBuilder {
    /// Record type 12. nil (and a problem) when the payload is malformed.
    static func virtioFunction(_ reader: PayloadReader) -> (key: String, view: VirtioFunctionView)? {
        guard let bus = reader.u8(0), let device = reader.u8(1), let function = reader.u8(2), let status = reader.u8(3),
              let deviceID = reader.u16(4), let type = reader.u16(6), let features = reader.u64(8),
              let numQueues = reader.u16(16), let msix = reader.u16(18), let nq = reader.u8(20), let ncaps = reader.u8(21),
              let ncfg = reader.u16(22) else { return nil }
        let capsAt = 24 + 2 * Int(nq), configAt = capsAt + 12 * Int(ncaps)
        guard reader.bytes.count == configAt + Int(ncfg) else { return nil }
        let queues = (0..<Int(nq)).map { hex(reader.u16(24 + 2 * $0) ?? 0) }
        let caps = (0..<Int(ncaps)).map { index in
            let at = capsAt + 12 * index
            return VirtioCapability(position: hex(reader.u8(at) ?? 0), id: hex(reader.u8(at + 1) ?? 0),
                                    cfgType: hex(reader.u8(at + 2) ?? 0), bar: hex(reader.u8(at + 3) ?? 0),
                                    offset: hex(reader.u32(at + 4) ?? 0), length: hex(reader.u32(at + 8) ?? 0))
        }
        let view = VirtioFunctionView(setup: status == 0 ? "ok" : "setup failed", deviceID: hex(deviceID), deviceType: hex(type),
                                      features: hex(features), numQueues: hex(numQueues), queueSizes: queues,
                                      msixVectors: hex(msix), capabilities: caps,
                                      deviceConfig: hexBytes(reader.bytes[configAt...]))
        return (pciKey(bus, device, function), view)
    }
}

/// Names of virtio feature bits (virtio 1.2 §6 "Reserved Feature Bits", §5.2.3 block device).
public enum VirtioFeatureNames {
    public static let transport: [Int: String] = [
        24: "VIRTIO_F_NOTIFY_ON_EMPTY", 27: "VIRTIO_F_ANY_LAYOUT",
        28: "VIRTIO_F_INDIRECT_DESC", 29: "VIRTIO_F_EVENT_IDX",
        32: "VIRTIO_F_VERSION_1", 33: "VIRTIO_F_ACCESS_PLATFORM", 34: "VIRTIO_F_RING_PACKED", 35: "VIRTIO_F_IN_ORDER",
        36: "VIRTIO_F_ORDER_PLATFORM", 37: "VIRTIO_F_SR_IOV", 38: "VIRTIO_F_NOTIFICATION_DATA",
        39: "VIRTIO_F_NOTIF_CONFIG_DATA", 40: "VIRTIO_F_RING_RESET",
    ]
    public static let block: [Int: String] = [
        0: "VIRTIO_BLK_F_BARRIER", 1: "VIRTIO_BLK_F_SIZE_MAX", 2: "VIRTIO_BLK_F_SEG_MAX", 4: "VIRTIO_BLK_F_GEOMETRY",
        5: "VIRTIO_BLK_F_RO", 6: "VIRTIO_BLK_F_BLK_SIZE", 7: "VIRTIO_BLK_F_SCSI", 9: "VIRTIO_BLK_F_FLUSH",
        10: "VIRTIO_BLK_F_TOPOLOGY", 11: "VIRTIO_BLK_F_CONFIG_WCE", 12: "VIRTIO_BLK_F_MQ", 13: "VIRTIO_BLK_F_DISCARD",
        14: "VIRTIO_BLK_F_WRITE_ZEROES", 15: "VIRTIO_BLK_F_LIFETIME", 16: "VIRTIO_BLK_F_SECURE_ERASE", 17: "VIRTIO_BLK_F_ZONED",
    ]

    /// "VIRTIO_BLK_F_FLUSH", "VIRTIO_F_VERSION_1", or "feature bit N" when unnamed.
    public static func name(bit: Int, deviceType: Int) -> String {
        if let name = transport[bit] { return name }
        if deviceType == 2, let name = block[bit] { return name }
        return "feature bit \(bit)"
    }

    /// virtio-blk device configuration (virtio 1.2 §5.2.4) within the first 64 bytes: name, offset, size.
    static let blockConfig: [(name: String, offset: Int, size: Int)] = [
        ("capacity", 0, 8), ("size_max", 8, 4), ("seg_max", 12, 4), ("geometry.cylinders", 16, 2), ("geometry.heads", 18, 1),
        ("geometry.sectors", 19, 1), ("blk_size", 20, 4), ("topology.physical_block_exp", 24, 1),
        ("topology.alignment_offset", 25, 1), ("topology.min_io_size", 26, 2), ("topology.opt_io_size", 28, 4),
        ("writeback", 32, 1), ("unused0", 33, 1), ("num_queues", 34, 2), ("max_discard_sectors", 36, 4),
        ("max_discard_seg", 40, 4), ("discard_sector_alignment", 44, 4), ("max_write_zeroes_sectors", 48, 4),
        ("max_write_zeroes_seg", 52, 4), ("write_zeroes_may_unmap", 56, 1), ("unused1", 57, 3),
        ("max_secure_erase_sectors", 60, 4),
    ]
}

/// Virtio functions: device type, offered feature bits by name, queues, MSI-X vectors, capability list,
/// device configuration by field (virtio-blk) or byte.
enum VirtioDiff {
    /// `context`: differences that belong to the capture, not the machine (a blk device's capacity is the
    /// disk's: the ABI probe runs without one, so 0).
    static func compare(_ old: [String: VirtioFunctionView]?, _ new: [String: VirtioFunctionView]?) -> (changes: [ABIChange], context: [String]) {
        let before = old ?? [:], after = new ?? [:]
        var changes: [ABIChange] = []
        var context: [String] = []
        func change(_ item: String, _ kind: ABIChange.Kind, _ a: String?, _ b: String?, _ compatible: Bool) {
            changes.append(ABIChange(area: "virtio", item: item, kind: kind, old: a, new: b, compatibility: compatible ? .compatible : .breaking))
        }
        for key in Set(before.keys).union(after.keys).sorted() {
            let label = "virtio \(key)"
            switch (before[key], after[key]) {
            case let (nil, function?):
                change(label, .added, nil, describe(function), true)
                for bit in bits(function.features) {
                    change("\(label) \(VirtioFeatureNames.name(bit: bit, deviceType: type(function)))", .added, nil, "offered", true)
                }
            case let (function?, nil):
                change(label, .removed, describe(function), nil, false)
            case let (a?, b?) where a != b:
                if a.deviceType != b.deviceType || a.deviceID != b.deviceID {
                    change("\(label) device type", .changed, "\(typeName(a)) (\(a.deviceID))", "\(typeName(b)) (\(b.deviceID))", false)
                }
                if a.setup != b.setup { change("\(label) setup", .changed, a.setup, b.setup, b.setup == "ok") }
                let x = value(a.features), y = value(b.features)
                for bit in 0..<64 where (x ^ y) >> UInt64(bit) & 1 != 0 {
                    let on = y >> UInt64(bit) & 1 != 0
                    change("\(label) \(VirtioFeatureNames.name(bit: bit, deviceType: type(b)))", .changed, on ? "0" : "1", on ? "1" : "0", on)
                }
                if a.numQueues != b.numQueues {
                    change("\(label) num_queues", .changed, a.numQueues, b.numQueues, value(b.numQueues) > value(a.numQueues))
                }
                for queue in 0..<max(a.queueSizes.count, b.queueSizes.count) {
                    let p = queue < a.queueSizes.count ? a.queueSizes[queue] : nil, q = queue < b.queueSizes.count ? b.queueSizes[queue] : nil
                    switch (p, q) {
                    case let (nil, size?): change("\(label) queue \(queue) max size", .added, nil, size, true)
                    case let (size?, nil): change("\(label) queue \(queue) max size", .removed, size, nil, false)
                    case let (s?, t?) where s != t: change("\(label) queue \(queue) max size", .changed, s, t, value(t) > value(s))
                    default: break
                    }
                }
                if a.msixVectors != b.msixVectors {
                    change("\(label) MSI-X vectors", .changed, a.msixVectors, b.msixVectors, value(b.msixVectors) > value(a.msixVectors))
                }
                if a.capabilities != b.capabilities { changes += capabilities(label, a.capabilities, b.capabilities) }
                if a.deviceConfig != b.deviceConfig {
                    let (fieldChanges, notes) = config(label, a, b)
                    changes += fieldChanges
                    context += notes
                }
            default:
                break
            }
        }
        return (changes, context)
    }

    /// Device configuration: virtio-blk by named field; other types by byte.
    static func config(_ label: String, _ a: VirtioFunctionView, _ b: VirtioFunctionView) -> ([ABIChange], [String]) {
        let x = ACPIDiff.bytes(a.deviceConfig), y = ACPIDiff.bytes(b.deviceConfig)
        var changes: [ABIChange] = []
        var context: [String] = []
        func field(_ bytes: [UInt8], _ offset: Int, _ size: Int) -> String? {
            guard offset + size <= bytes.count else { return nil }
            let v = (0..<size).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << ($1 * 8) }
            return hex(v, width: size * 2)
        }
        if type(a) == 2 && type(b) == 2 {
            for (name, offset, size) in VirtioFeatureNames.blockConfig {
                let p = field(x, offset, size), q = field(y, offset, size)
                guard p != q else { continue }
                if name == "capacity" {
                    context.append("\(label) capacity (the disk's, not the machine's): \(p ?? "absent") → \(q ?? "absent") sectors")
                    continue
                }
                let kind: ABIChange.Kind = p == nil ? .added : q == nil ? .removed : .changed
                changes.append(ABIChange(area: "virtio", item: "\(label) config \(name)", kind: kind, old: p, new: q,
                                         compatibility: kind == .added ? .compatible : .breaking))
            }
            return (changes, context)
        }
        for offset in 0..<max(x.count, y.count) {
            let p = offset < x.count ? hex(x[offset]) : nil, q = offset < y.count ? hex(y[offset]) : nil
            guard p != q else { continue }
            let kind: ABIChange.Kind = p == nil ? .added : q == nil ? .removed : .changed
            changes.append(ABIChange(area: "virtio", item: "\(label) config byte \(hex(UInt8(offset)))", kind: kind, old: p, new: q,
                                     compatibility: kind == .added ? .compatible : .breaking))
        }
        return (changes, context)
    }

    static func value(_ text: String) -> UInt64 { UInt64(text.dropFirst(2), radix: 16) ?? 0 }
    static func type(_ function: VirtioFunctionView) -> Int { Int(value(function.deviceType)) }
    static func bits(_ features: String) -> [Int] { let v = value(features); return (0..<64).filter { v >> UInt64($0) & 1 != 0 } }

    static func typeName(_ function: VirtioFunctionView) -> String {
        let names = [1: "virtio-net", 2: "virtio-blk", 3: "virtio-console", 4: "virtio-rng", 5: "virtio-balloon", 8: "virtio-scsi",
                     9: "virtio-9p", 16: "virtio-gpu", 18: "virtio-input", 19: "virtio-vsock", 26: "virtio-fs"]
        return names[type(function)] ?? "virtio type \(type(function))"
    }

    static func describe(_ function: VirtioFunctionView) -> String {
        "\(typeName(function)) (\(function.deviceID)), features \(function.features), \(value(function.numQueues)) queue"
            + (value(function.numQueues) == 1 ? "" : "s")
            + (function.queueSizes.isEmpty ? "" : " (max " + function.queueSizes.map { "\(value($0))" }.joined(separator: ", ") + ")")
            + ", \(value(function.msixVectors)) MSI-X vectors" + (function.setup == "ok" ? "" : ", setup failed")
    }

    /// Capabilities matched by kind (virtio cfg_type, MSI-X, …; a repeated kind by its ordinal), not by
    /// place in the list: a driver walks the list, so where a capability sits is compatible, while a
    /// structure moved to another BAR, offset or length, or a capability removed, is breaking.
    static func capabilities(_ label: String, _ a: [VirtioCapability], _ b: [VirtioCapability]) -> [ABIChange] {
        let x = keyed(a), y = keyed(b)
        var changes: [ABIChange] = []
        for key in Set(x.keys).union(y.keys).sorted() {
            let item = "\(label) capability \(key)"
            switch (x[key], y[key]) {
            case let (nil, cap?):
                changes.append(ABIChange(area: "virtio", item: item, kind: .added, old: nil, new: describe(cap), compatibility: .compatible))
            case let (cap?, nil):
                changes.append(ABIChange(area: "virtio", item: item, kind: .removed, old: describe(cap), new: nil, compatibility: .breaking))
            case let (p?, q?):
                if (p.bar, p.offset, p.length) != (q.bar, q.offset, q.length) {
                    changes.append(ABIChange(area: "virtio", item: item, kind: .changed, old: placement(p), new: placement(q),
                                             compatibility: .breaking))
                }
                if p.position != q.position {
                    changes.append(ABIChange(area: "virtio", item: "\(item) position", kind: .changed, old: p.position, new: q.position,
                                             compatibility: .compatible))
                }
            default:
                break
            }
        }
        return changes
    }

    /// "virtio common", "MSI-X", a second "virtio shared memory" as "virtio shared memory #2".
    private static func keyed(_ caps: [VirtioCapability]) -> [String: VirtioCapability] {
        var keyed: [String: VirtioCapability] = [:]
        var seen: [String: Int] = [:]
        for cap in caps {
            let kind = kindName(cap)
            seen[kind, default: 0] += 1
            keyed[seen[kind]! == 1 ? kind : "\(kind) #\(seen[kind]!)"] = cap
        }
        return keyed
    }

    private static func placement(_ cap: VirtioCapability) -> String {
        value(cap.id) == 0x09 ? "BAR\(value(cap.bar)) +\(cap.offset), length \(cap.length)" : "id \(cap.id)"
    }

    static func kindName(_ cap: VirtioCapability) -> String {
        let cfgNames = [1: "common", 2: "notify", 3: "ISR", 4: "device", 5: "PCI cfg access", 8: "shared memory", 9: "vendor"]
        switch value(cap.id) {
        case 0x09: return "virtio " + (cfgNames[Int(value(cap.cfgType))] ?? "cfg_type \(value(cap.cfgType))")
        case 0x11: return "MSI-X"
        case 0x05: return "MSI"
        case 0x10: return "PCI Express"
        case 0x01: return "power management"
        default: return "id \(cap.id)"
        }
    }

    static func describe(_ cap: VirtioCapability) -> String {
        value(cap.id) == 0x09 ? "\(kindName(cap)) at \(cap.position): \(placement(cap))" : "\(kindName(cap)) at \(cap.position)"
    }
}
