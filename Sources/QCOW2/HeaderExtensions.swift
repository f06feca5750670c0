/// The header extensions this implementation reads (type, length, data padded to 8 bytes, ended by type 0)
/// and the feature bits it knows. Unknown extensions are skipped, as the specification allows; unknown
/// incompatible features refuse the image by name (from the feature name table when the image has one).
public struct HeaderExtensions: Sendable, Equatable {
    public static let backingFormatType: UInt32 = 0xE279_2ACA
    public static let featureTableType: UInt32 = 0x6803_F857
    public static let bitmapsType: UInt32 = 0x2385_2875
    public static let encryptionType: UInt32 = 0x0537_BE77
    public static let externalDataType: UInt32 = 0x4441_5441

    public struct FeatureName: Sendable, Equatable {
        public enum Kind: UInt8, Sendable { case incompatible = 0, compatible = 1, autoclear = 2 }
        public var kind: UInt8
        public var bit: UInt8
        public var name: String
    }

    public var backingFormat: String?
    public var featureNames: [FeatureName] = []
    /// Types seen, in order (for `swiftvm img info`).
    public var types: [UInt32] = []

    public init() {}

    static func parse(_ bytes: [UInt8], from start: Int, to end: Int, path: String) throws(QCOW2Error) -> HeaderExtensions {
        var result = HeaderExtensions()
        var offset = start
        while offset + 8 <= end {
            let type = bytes.be32(offset)
            let length = Int(bytes.be32(offset + 4))
            if type == 0 { break }
            let field = "header extension \(hex(UInt64(type))) at \(offset)"
            guard length <= end - offset - 8 else {
                throw QCOW2Error(.header, path: path, field: field, "its \(length) bytes pass the end of the header area (\(end))")
            }
            let data = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            result.types.append(type)
            switch type {
            case backingFormatType:
                guard length < 16, let name = String(validating: data, as: UTF8.self), !name.contains("\0") else {
                    throw QCOW2Error(.header, path: path, field: "backing format extension", "the format name is longer than 15 bytes or not text")
                }
                result.backingFormat = name
            case featureTableType:
                guard length % 48 == 0 else {
                    throw QCOW2Error(.header, path: path, field: "feature name table", "length \(length) is not a multiple of 48")
                }
                for entry in stride(from: 0, to: length, by: 48) {
                    let raw = data[(entry + 2)..<(entry + 48)].prefix { $0 != 0 }
                    let name = String(decoding: raw, as: UTF8.self)
                    result.featureNames.append(FeatureName(kind: data[entry], bit: data[entry + 1], name: name))
                }
            default:
                break   // bitmaps, encryption, external data file: the feature bits decide; others: ignored
            }
            offset += 8 + (length + 7) / 8 * 8
        }
        return result
    }

    /// The name the image gives an incompatible feature bit, else QEMU's, else "bit N".
    public func incompatibleName(bit: Int) -> String {
        if let named = featureNames.first(where: { $0.kind == 0 && Int($0.bit) == bit }), !named.name.isEmpty {
            return "'\(named.name)' (bit \(bit))"
        }
        let known = ["dirty", "corrupt", "external data file", "compression type", "extended L2 entries"]
        return bit < known.count ? "'\(known[bit])' (bit \(bit))" : "bit \(bit)"
    }
}

/// Feature bits of the version 3 header.
enum FeatureBits {
    static let dirty: UInt64 = 1 << 0
    static let corrupt: UInt64 = 1 << 1
    static let externalData: UInt64 = 1 << 2
    static let compressionType: UInt64 = 1 << 3
    static let extendedL2: UInt64 = 1 << 4
    static let lazyRefcounts: UInt64 = 1 << 0     // compatible
}
