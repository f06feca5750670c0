import GuestMemory
import Snapshot

/// Guest RAM in the MEMR section: only pages this process ever backed (mincore on the host mapping)
/// that are not all zero, so the cost follows what the guest touched, not its RAM size.
enum GuestMemorySnapshot {
    static func ram(_ layout: GuestMemoryLayout) -> [RAMRange] {
        layout.ramRanges.map { RAMRange(start: $0.start.rawValue, size: $0.size) }
    }

    /// Appends MEMR; the vCPUs and every device that writes guest memory must be stopped.
    static func append(_ memory: GuestMemory, layout: GuestMemoryLayout, to writer: inout SnapshotFileWriter) throws(SnapshotError) {
        try writer.appendMemory(ram: ram(layout), touched: memory.residentPages().ranges,
                                read: { address, count in try memory.read(at: GuestAddress(address), count: count) })
    }

    /// Copies the snapshot's runs into fresh (all-zero) RAM; each run was checked against `layout` first.
    static func restore(from file: SnapshotFile, into memory: GuestMemory, layout: GuestMemoryLayout) throws(MachineError) {
        do {
            try file.readMemory(ram: ram(layout)) { _, address, bytes in
                try memory.write(bytes, at: GuestAddress(address))
            }
        } catch {
            throw .snapshot(error)
        }
    }
}
