import CKVM

/// The x87 and SSE state of a vCPU in the FXSAVE layout (Intel SDM vol. 1, table 10-2; AMD APM vol. 2,
/// §11.4.4): the same 512 bytes on every vendor, so a snapshot carries it between hosts.
///
///     0 FCW  2 FSW  4 FTW (abridged)  6 FOP  8 FIP (64-bit)  16 FDP (64-bit)  24 MXCSR  28 MXCSR_MASK
///     32 ST0–ST7 (16 bytes each)  160 XMM0–XMM15 (16 bytes each)  416–511 reserved
///
/// Only these components travel: the machine types offer no XSAVE (CPUID.1:ECX.XSAVE clear), so a guest
/// cannot enable AVX or later state, and the XSAVE area's host-specific layout of those components never
/// matters. `xstateBV` says which of x87 (bit 0) and SSE (bit 1) hold non-initial values, as XSAVE records.
public struct FPUState: Equatable, Sendable {
    public static let legacyAreaSize = 512
    /// XSTATE_BV bits a snapshot may carry: x87 and SSE.
    public static let portableComponents: UInt64 = 0x3

    public var legacyArea: [UInt8]
    public var xstateBV: UInt64

    public init(legacyArea: [UInt8], xstateBV: UInt64 = FPUState.portableComponents) {
        precondition(legacyArea.count == Self.legacyAreaSize, "the FXSAVE area is 512 bytes")
        self.legacyArea = legacyArea
        self.xstateBV = xstateBV & Self.portableComponents
    }

    /// The power-on state (FCW 0x37F, MXCSR 0x1F80, everything else 0).
    public static var reset: FPUState {
        var area = [UInt8](repeating: 0, count: legacyAreaSize)
        area[0] = 0x7F; area[1] = 0x03
        area[24] = 0x80; area[25] = 0x1F
        return FPUState(legacyArea: area, xstateBV: 0)
    }

    public var controlWord: UInt16 { UInt16(legacyArea[0]) | UInt16(legacyArea[1]) << 8 }
    public var mxcsr: UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(legacyArea[24 + $1]) << (8 * UInt32($1)) } }

    /// XMM register `index` (0–15), 16 bytes little-endian.
    public func xmm(_ index: Int) -> [UInt8] { Array(legacyArea[(160 + 16 * index)..<(176 + 16 * index)]) }

    // MARK: - struct kvm_fpu (the fallback without KVM_CAP_XSAVE)

    init(_ fpu: kvm_fpu) {
        var area = [UInt8](repeating: 0, count: Self.legacyAreaSize)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { for (index, byte) in $0.enumerated() { area[offset + index] = byte } }
        }
        put(fpu.fcw, at: 0)
        put(fpu.fsw, at: 2)
        area[4] = fpu.ftwx
        put(fpu.last_opcode, at: 6)
        put(fpu.last_ip, at: 8)
        put(fpu.last_dp, at: 16)
        put(fpu.mxcsr, at: 24)
        withUnsafeBytes(of: fpu.fpr) { for (index, byte) in $0.enumerated() { area[32 + index] = byte } }
        withUnsafeBytes(of: fpu.xmm) { for (index, byte) in $0.enumerated() { area[160 + index] = byte } }
        self.init(legacyArea: area)
    }

    var fpu: kvm_fpu {
        var fpu = kvm_fpu()
        func get<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
            legacyArea.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        }
        fpu.fcw = get(UInt16.self, at: 0)
        fpu.fsw = get(UInt16.self, at: 2)
        fpu.ftwx = legacyArea[4]
        fpu.last_opcode = get(UInt16.self, at: 6)
        fpu.last_ip = get(UInt64.self, at: 8)
        fpu.last_dp = get(UInt64.self, at: 16)
        fpu.mxcsr = get(UInt32.self, at: 24)
        withUnsafeMutableBytes(of: &fpu.fpr) { $0.copyBytes(from: legacyArea[32..<160]) }
        withUnsafeMutableBytes(of: &fpu.xmm) { $0.copyBytes(from: legacyArea[160..<416]) }
        return fpu
    }
}

extension VirtualCPU {
    /// The x87/SSE state: KVM_GET_XSAVE when the host has it (`xsave`), else KVM_GET_FPU.
    public func fpuState(xsave: Bool) throws(KVMError) -> FPUState {
        guard xsave else {
            var fpu = kvm_fpu()
            try fd.ioctl("KVM_GET_FPU", CKVM_GET_FPU, &fpu)
            return FPUState(fpu)
        }
        var area = kvm_xsave()
        try fd.ioctl("KVM_GET_XSAVE", CKVM_GET_XSAVE, &area)
        return withUnsafeBytes(of: area.region) { bytes in
            // XSTATE_BV is the first quadword of the XSAVE header at byte 512.
            FPUState(legacyArea: Array(bytes[0..<FPUState.legacyAreaSize]),
                     xstateBV: bytes.loadUnaligned(fromByteOffset: 512, as: UInt64.self))
        }
    }

    /// Sets the x87/SSE state: KVM_SET_XSAVE (an area with only these components, every other component
    /// in its initial state) or KVM_SET_FPU.
    public func setFPUState(_ state: FPUState, xsave: Bool) throws(KVMError) {
        guard xsave else {
            var fpu = state.fpu
            try fd.ioctl("KVM_SET_FPU", CKVM_SET_FPU, &fpu)
            return
        }
        var area = kvm_xsave()
        withUnsafeMutableBytes(of: &area.region) { bytes in
            bytes.copyBytes(from: state.legacyArea)
            bytes.storeBytes(of: state.xstateBV, toByteOffset: 512, as: UInt64.self)
        }
        try fd.ioctl("KVM_SET_XSAVE", CKVM_SET_XSAVE, &area)
    }
}
