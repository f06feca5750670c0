/// Decodes the MEMR section against the machine's RAM layout. `runs()` validates every run before any
/// byte is handed out, so a refused file changes nothing: a run outside RAM, straddling the end of a
/// RAM range, overlapping or before the previous run, not 4 KiB-aligned, empty, or longer than the bytes
/// left in the section is refused naming its index and address.
public struct SparseMemoryReader {
    public let ram: [RAMRange]
    private let source: SectionSource

    /// A reader of a payload held in memory (`file` names it in errors).
    public init(payload: [UInt8], ram: [RAMRange], file: String = "") {
        self.init(source: SectionSource(bytes: payload, file: file, tag: SparseMemory.tag), ram: ram)
    }

    init(source: SectionSource, ram: [RAMRange]) {
        self.source = source
        self.ram = RAMRange.normalized(ram)
    }

    /// Every run, checked; reads only the run headers.
    public func runs() throws(SnapshotError) -> [MemoryRun] {
        let file = source.file
        guard source.length >= SparseMemory.countSize else {
            throw .field(file: file, section: SparseMemory.tag, field: "run count", problem: "needs 8 bytes, the section has \(source.length)")
        }
        let count = try source.u64(at: 0)
        // Each run takes at least a header and a page: a count beyond that is refused before it drives a loop.
        let most = (source.length - SparseMemory.countSize) / (SparseMemory.runHeaderSize + SparseMemory.pageSize)
        guard count <= most else {
            throw .field(file: file, section: SparseMemory.tag, field: "run count",
                         problem: "\(count) runs do not fit in \(source.length) bytes (at most \(most))")
        }
        var runs: [MemoryRun] = []
        runs.reserveCapacity(Int(count))
        var offset = SparseMemory.countSize
        var previousEnd: UInt64 = 0
        for index in 0..<count {
            guard source.length - offset >= SparseMemory.runHeaderSize else {
                throw .memoryRun(file: file, index: index, address: 0, problem: "its header runs past the section's end")
            }
            let address = try source.u64(at: offset), length = try source.u64(at: offset + 8)
            func refuse(_ problem: String) -> SnapshotError { .memoryRun(file: file, index: index, address: address, problem: problem) }
            offset += SparseMemory.runHeaderSize
            guard length > 0 else { throw refuse("length 0") }
            guard address % SparseMemory.pageSize == 0 else { throw refuse("address is not 4 KiB-aligned") }
            guard length % SparseMemory.pageSize == 0 else { throw refuse("length \(hex(length)) is not a multiple of 4 KiB") }
            guard length <= source.length - offset else {
                throw refuse("its \(length) bytes run past the section's end (\(source.length - offset) left)")
            }
            let (end, overflow) = address.addingReportingOverflow(length)
            guard !overflow else { throw refuse("length \(hex(length)) wraps around the address space") }
            guard index == 0 || address >= previousEnd else {
                throw refuse("overlaps or precedes run \(index - 1), which ends at \(hex(previousEnd)) (runs must be in address order)")
            }
            guard let range = ram.first(where: { $0.start <= address && address < $0.end }) else {
                throw refuse("is outside guest RAM \(ramText)")
            }
            guard end <= range.end else {
                throw refuse("[\(hex(address)), \(hex(end))) straddles the end of RAM range \(range)")
            }
            runs.append(MemoryRun(index: index, address: address, length: length, payloadOffset: offset))
            offset += length
            previousEnd = end
        }
        guard offset == source.length else {
            throw .field(file: file, section: SparseMemory.tag, field: "(end)",
                         problem: "\(source.length - offset) bytes left over after run \(count == 0 ? "count" : String(count - 1))")
        }
        return runs
    }

    /// Validates every run, then hands each run's bytes to `visit` in order, in pieces of at most 1 MiB:
    /// `visit(run, address, bytes)` with `address` the guest address of the piece's first byte.
    public func readRuns(_ visit: (MemoryRun, UInt64, UnsafeRawBufferPointer) throws -> Void) throws(SnapshotError) {
        for run in try runs() {
            do {
                try source.chunks(from: run.payloadOffset, count: run.length) { done, bytes in
                    try visit(run, run.address + done, bytes)
                }
            } catch let error as SnapshotError {
                throw error
            } catch {
                throw .memoryRun(file: source.file, index: run.index, address: run.address, problem: "restoring its bytes failed: \(error)")
            }
        }
    }

    private var ramText: String { ram.isEmpty ? "(none)" : ram.map(\.description).joined(separator: " ") }
}
