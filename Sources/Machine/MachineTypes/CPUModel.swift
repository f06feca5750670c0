import CPUFeatures
import KVM

/// The virtual CPU a machine type presents: every CPUID leaf the guest can read is built from this
/// description, never passed through from the host, so it is the same on every host and release,
/// whatever the host CPU's vendor (an AMD model on an Intel host, as QEMU does with an explicit `vendor=`; see
/// docs/machine-types.md). The host is only asked whether its KVM can provide the features (`check`);
/// if not, the machine is refused naming them.
public struct CPUModel: Sendable, Equatable {
    public enum Vendor: String, Sendable { case amd = "AuthenticAMD", intel = "GenuineIntel" }

    public let vendor: Vendor
    public let family: UInt32
    public let model: UInt32
    public let stepping: UInt32
    /// At most 47 bytes of ASCII (leaves 0x80000002–4, NUL-terminated).
    public let brand: String
    public let maxBasicLeaf: UInt32
    public let maxExtendedLeaf: UInt32
    public let physicalAddressBits: UInt32
    public let virtualAddressBits: UInt32
    /// Feature names from `CPUFeatureTable`; exactly these bits are set in feature registers.
    public let featureNames: [String]

    public init(vendor: Vendor, family: UInt32, model: UInt32, stepping: UInt32, brand: String, maxBasicLeaf: UInt32,
                maxExtendedLeaf: UInt32, physicalAddressBits: UInt32, virtualAddressBits: UInt32, featureNames: [String]) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.stepping = stepping
        self.brand = brand
        self.maxBasicLeaf = maxBasicLeaf
        self.maxExtendedLeaf = maxExtendedLeaf
        self.physicalAddressBits = physicalAddressBits
        self.virtualAddressBits = virtualAddressBits
        self.featureNames = featureNames
    }

    /// The named features; throws for a name the table does not know (a typo in a machine type).
    public func features() throws(CPUModelError) -> [CPUFeature] {
        try featureNames.map { (name) throws(CPUModelError) in
            guard let feature = CPUFeatureTable.feature(named: name) else { throw .unknownFeature(name) }
            return feature
        }
    }

    /// Refuses a host whose KVM cannot provide a feature of this CPU. The host's vendor does not matter:
    /// vendor, signature and brand are presented as the model says, on any host.
    public func check(against supported: [CPUIDEntry]) throws(CPUModelError) {
        let missing = try features().filter { feature in
            let entry = supported.first { $0.function == feature.leaf && $0.index == feature.subleaf }
            return (entry?.value(of: feature.register) ?? 0) & feature.mask == 0
        }
        guard missing.isEmpty else { throw .missingFeatures(missing) }
    }

    /// EAX of leaves 1 and 0x80000001: stepping, model, family with the extended fields.
    public var signature: UInt32 {
        let baseFamily = min(family, 0xF)
        let extendedFamily = family > 0xF ? family - 0xF : 0
        let usesExtendedModel = family == 6 || family >= 0xF
        let baseModel = usesExtendedModel ? model & 0xF : model
        let extendedModel = usesExtendedModel ? model >> 4 : 0
        return (stepping & 0xF) | (baseModel & 0xF) << 4 | (baseFamily & 0xF) << 8 | (extendedModel & 0xF) << 16
            | (extendedFamily & 0xFF) << 20
    }

    static func vendorString(_ leaf0: CPUIDEntry) -> String {
        String(decoding: [leaf0.ebx, leaf0.edx, leaf0.ecx].flatMap(\.littleEndianBytes), as: UTF8.self)
    }
}

/// Why a machine type's CPU cannot be presented on this host.
public enum CPUModelError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownFeature(String)
    case missingFeatures([CPUFeature])

    public var description: String {
        switch self {
        case let .unknownFeature(name):
            return "the CPU model names an unknown feature '\(name)' (a bug in the machine type definition)"
        case let .missingFeatures(features):
            return "this host's KVM cannot provide CPU features the machine type needs: "
                + features.map(\.description).joined(separator: ", ")
        }
    }
}

extension UInt32 {
    var littleEndianBytes: [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: self >> ($0 * 8)) } }
}
