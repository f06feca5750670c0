import CKVM

/// One channel of the in-kernel i8254 PIT (struct kvm_pit_channel_state), less `count_load_time`: that
/// is a host monotonic timestamp, meaningless in another process, and KVM_SET_PIT2 restarts each
/// channel's count from `count` at the moment of the call anyway.
public struct PITChannelState: Equatable, Sendable {
    /// The reload value (0 means 65536, stored as 65536).
    public var count: UInt32 = 0
    public var latchedCount: UInt16 = 0
    public var countLatched: UInt8 = 0
    public var statusLatched: UInt8 = 0
    public var status: UInt8 = 0
    public var readState: UInt8 = 0
    public var writeState: UInt8 = 0
    public var writeLatch: UInt8 = 0
    public var rwMode: UInt8 = 0
    public var mode: UInt8 = 0
    public var bcd: UInt8 = 0
    public var gate: UInt8 = 0

    public init() {}

    init(_ raw: kvm_pit_channel_state) {
        count = raw.count; latchedCount = raw.latched_count; countLatched = raw.count_latched
        statusLatched = raw.status_latched; status = raw.status; readState = raw.read_state
        writeState = raw.write_state; writeLatch = raw.write_latch; rwMode = raw.rw_mode; mode = raw.mode
        bcd = raw.bcd; gate = raw.gate
    }

    var raw: kvm_pit_channel_state {
        kvm_pit_channel_state(count: count, latched_count: latchedCount, count_latched: countLatched,
                              status_latched: statusLatched, status: status, read_state: readState,
                              write_state: writeState, write_latch: writeLatch, rw_mode: rwMode, mode: mode,
                              bcd: bcd, gate: gate, count_load_time: 0)
    }
}

/// The in-kernel PIT (struct kvm_pit_state2).
public struct PITState: Equatable, Sendable {
    public var channels: [PITChannelState] = [PITChannelState(), PITChannelState(), PITChannelState()]
    /// KVM_PIT_FLAGS_HPET_LEGACY (1), KVM_PIT_FLAGS_SPEAKER_DATA_ON (2).
    public var flags: UInt32 = 0

    public init() {}
}

extension VirtualMachine {
    /// KVM_GET_PIT2.
    public func pitState() throws(KVMError) -> PITState {
        var raw = kvm_pit_state2()
        try fd.ioctl("KVM_GET_PIT2", CKVM_GET_PIT2, &raw)
        var state = PITState()
        state.channels = [PITChannelState(raw.channels.0), PITChannelState(raw.channels.1), PITChannelState(raw.channels.2)]
        state.flags = raw.flags
        return state
    }

    /// KVM_SET_PIT2: each channel starts counting down from its `count` now.
    public func setPITState(_ state: PITState) throws(KVMError) {
        guard state.channels.count == 3 else { throw KVMError.protocolViolation("a PIT with \(state.channels.count) channels; the i8254 has 3") }
        var raw = kvm_pit_state2()
        raw.channels = (state.channels[0].raw, state.channels[1].raw, state.channels[2].raw)
        raw.flags = state.flags
        try fd.ioctl("KVM_SET_PIT2", CKVM_SET_PIT2, &raw)
    }

    /// KVM_GET_CLOCK: the kvmclock value (nanoseconds of guest time) the guest's pvclock pages derive from.
    public func kvmClock() throws(KVMError) -> UInt64 {
        var raw = kvm_clock_data()
        try fd.ioctl("KVM_GET_CLOCK", CKVM_GET_CLOCK, &raw)
        return raw.clock
    }

    /// KVM_SET_CLOCK with no flags: kvmclock reads `nanoseconds` from now on, whatever the host's clocks say.
    public func setKVMClock(_ nanoseconds: UInt64) throws(KVMError) {
        var raw = kvm_clock_data()
        raw.clock = nanoseconds
        try fd.ioctl("KVM_SET_CLOCK", CKVM_SET_CLOCK, &raw)
    }
}
