/// Encodes guest memory as the MEMR section: `u64 run count`, then per run `u64 address, u64 length`
/// and the bytes. Only pages the caller reports as touched (KVM dirty log, mincore) and that are not all
/// zero are stored; neighbouring stored pages of one RAM range merge into one run. A restore starts from
/// zeroed RAM, so a skipped page reads as zero after it.
public struct SparseMemoryWriter {
    public let ram: [RAMRange]
    /// Guest bytes are read this many pages at a time.
    private static let chunkPages: UInt64 = 256

    public init(ram: [RAMRange]) { self.ram = RAMRange.normalized(ram) }

    /// The runs to store: `isTouched(pageAddress)` says whether a page may hold data, `read(address,
    /// count)` returns guest bytes (it is called only inside `ram`).
    public func runs(isTouched: (UInt64) -> Bool, read: (UInt64, Int) throws -> [UInt8]) throws(SnapshotError) -> [(address: UInt64, length: UInt64)] {
        var runs: [(address: UInt64, length: UInt64)] = []
        for range in ram {
            let first = alignUp(range.start), last = range.end & ~(SparseMemory.pageSize - 1)
            var page = first
            var open: (address: UInt64, length: UInt64)?
            while page < last {
                guard isTouched(page) else {
                    if let run = open { runs.append(run); open = nil }
                    page += SparseMemory.pageSize
                    continue
                }
                // A stretch of touched pages, read as one chunk and checked page by page for zeros.
                var end = page + SparseMemory.pageSize
                while end < last, end - page < Self.chunkPages * SparseMemory.pageSize, isTouched(end) { end += SparseMemory.pageSize }
                let bytes = try guestBytes(read, at: page, count: Int(end - page))
                for offset in stride(from: 0, to: bytes.count, by: Int(SparseMemory.pageSize)) {
                    let address = page + UInt64(offset)
                    if isZero(bytes, offset, Int(SparseMemory.pageSize)) {
                        if let run = open { runs.append(run); open = nil }
                    } else if let run = open {
                        open = (run.address, run.length + SparseMemory.pageSize)
                    } else {
                        open = (address, SparseMemory.pageSize)
                    }
                }
                page = end
            }
            if let run = open { runs.append(run) }
        }
        return runs
    }

    /// The payload length of a section holding `runs`.
    public static func sectionLength(of runs: [(address: UInt64, length: UInt64)]) -> UInt64 {
        runs.reduce(SparseMemory.countSize) { $0 + SparseMemory.runHeaderSize + $1.length }
    }

    /// Streams the section for `runs` (from `runs(isTouched:read:)`; the guest must not run in between).
    public func write(_ runs: [(address: UInt64, length: UInt64)], read: (UInt64, Int) throws -> [UInt8],
                      to stream: inout SectionStream) throws(SnapshotError) {
        try stream.u64(UInt64(runs.count))
        for run in runs {
            try stream.u64(run.address)
            try stream.u64(run.length)
            var done: UInt64 = 0
            while done < run.length {
                let count = min(run.length - done, Self.chunkPages * SparseMemory.pageSize)
                let bytes = try guestBytes(read, at: run.address + done, count: Int(count))
                try stream.write(bytes)
                done += count
            }
        }
    }

    /// The whole payload in memory (tests, fuzzing, small guests).
    public func encode(isTouched: (UInt64) -> Bool, read: (UInt64, Int) throws -> [UInt8]) throws(SnapshotError) -> [UInt8] {
        let runs = try runs(isTouched: isTouched, read: read)
        return try Self.encode(runs) { address, count throws(SnapshotError) in try guestBytes(read, at: address, count: count) }
    }

    /// The payload for `runs` whose bytes `read` gives.
    public static func encode(_ runs: [(address: UInt64, length: UInt64)], read: (UInt64, Int) throws(SnapshotError) -> [UInt8]) throws(SnapshotError) -> [UInt8] {
        var payload = StateWriter()
        payload.u64(UInt64(runs.count))
        for run in runs {
            payload.u64(run.address)
            payload.u64(run.length)
            payload.bytes(try read(run.address, Int(run.length)))
        }
        return payload.bytes
    }

    private func guestBytes(_ read: (UInt64, Int) throws -> [UInt8], at address: UInt64, count: Int) throws(SnapshotError) -> [UInt8] {
        let bytes: [UInt8]
        do { bytes = try read(address, count) } catch {
            throw .writer(file: "", section: .memory, problem: "reading \(count) bytes of guest memory at \(hex(address)): \(error)")
        }
        guard bytes.count == count else {
            throw .writer(file: "", section: .memory, problem: "reading guest memory at \(hex(address)) gave \(bytes.count) bytes, not \(count)")
        }
        return bytes
    }

    private func alignUp(_ address: UInt64) -> UInt64 {
        let mask = SparseMemory.pageSize - 1
        return address & mask == 0 ? address : (address | mask).addingReportingOverflow(1).partialValue
    }

    private func isZero(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Bool {
        bytes.withUnsafeBytes { raw in
            let words = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + count)])
            var accumulated: UInt64 = 0
            for index in stride(from: 0, to: count, by: 8) { accumulated |= words.loadUnaligned(fromByteOffset: index, as: UInt64.self) }
            return accumulated == 0
        }
    }
}

extension SnapshotFileWriter {
    /// Appends the MEMR section for `ram` (see `SparseMemoryWriter`); returns the runs it stored.
    @discardableResult
    public mutating func appendMemory(ram: [RAMRange], isTouched: (UInt64) -> Bool,
                                      read: (UInt64, Int) throws -> [UInt8]) throws(SnapshotError) -> [(address: UInt64, length: UInt64)] {
        let writer = SparseMemoryWriter(ram: ram)
        let runs: [(address: UInt64, length: UInt64)]
        do { runs = try writer.runs(isTouched: isTouched, read: read) } catch {
            abandon()
            throw error.about(file: path)
        }
        do {
            try appendStreamed(SparseMemory.tag, version: SparseMemory.version, length: SparseMemoryWriter.sectionLength(of: runs)) { stream in
                try writer.write(runs, read: read, to: &stream)
            }
        } catch {
            throw error.about(file: path)
        }
        return runs
    }
}
