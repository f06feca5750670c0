/// Encodes guest memory as the MEMR section: `u64 run count`, then per run `u64 address, u64 length`
/// and the bytes. Only pages inside the caller's touched ranges (KVM dirty log, mincore) that are not all
/// zero are stored; neighbouring stored pages of one RAM range merge into one run. A restore starts from
/// zeroed RAM, so a skipped page reads as zero after it. The work follows the touched ranges, not RAM:
/// an untouched stretch costs nothing however large it is.
public struct SparseMemoryWriter {
    public let ram: [RAMRange]
    /// Guest bytes are read this many pages at a time.
    private static let chunkPages: UInt64 = 256

    public init(ram: [RAMRange]) { self.ram = RAMRange.normalized(ram) }

    /// The runs to store: `touched` holds the guest-physical ranges that may hold data (any order; a page
    /// counts when a byte of it is inside one), `read(address, count)` returns guest bytes (it is called
    /// only inside `ram` and `touched`).
    public func runs(touched: [Range<UInt64>], read: (UInt64, Int) throws -> [UInt8]) throws(SnapshotError) -> [(address: UInt64, length: UInt64)] {
        let spans = Self.pageSpans(touched)
        var runs: [(address: UInt64, length: UInt64)] = []
        var next = 0
        for range in ram {
            let first = alignUp(range.start), last = range.end & ~(SparseMemory.pageSize - 1)
            var open: (address: UInt64, length: UInt64)?
            // Spans are sorted and disjoint, RAM ranges too: one pass over both.
            while next < spans.count, spans[next].upperBound <= first { next += 1 }
            var index = next
            while index < spans.count, spans[index].lowerBound < last {
                var page = max(spans[index].lowerBound, first)
                let end = min(spans[index].upperBound, last)
                if let run = open, run.address + run.length != page { runs.append(run); open = nil }
                while page < end {
                    // A stretch of touched pages, read as one chunk and checked page by page for zeros.
                    let chunkEnd = min(end, page + Self.chunkPages * SparseMemory.pageSize)
                    let bytes = try guestBytes(read, at: page, count: Int(chunkEnd - page))
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
                    page = chunkEnd
                }
                index += 1
            }
            if let run = open { runs.append(run) }
        }
        return runs
    }

    /// `touched` widened to whole pages, sorted, overlapping and adjoining spans merged.
    static func pageSpans(_ touched: [Range<UInt64>]) -> [Range<UInt64>] {
        let mask = SparseMemory.pageSize - 1
        let widened = touched.compactMap { span -> Range<UInt64>? in
            guard !span.isEmpty else { return nil }
            let (up, overflow) = span.upperBound.addingReportingOverflow(mask)
            return (span.lowerBound & ~mask)..<((overflow ? UInt64.max : up) & ~mask)
        }.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [Range<UInt64>] = []
        merged.reserveCapacity(widened.count)
        for span in widened where !span.isEmpty {
            if let last = merged.last, span.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, span.upperBound)
            } else {
                merged.append(span)
            }
        }
        return merged
    }

    /// The payload length of a section holding `runs`.
    public static func sectionLength(of runs: [(address: UInt64, length: UInt64)]) -> UInt64 {
        runs.reduce(SparseMemory.countSize) { $0 + SparseMemory.runHeaderSize + $1.length }
    }

    /// Streams the section for `runs` (from `runs(touched:read:)`; the guest must not run in between).
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
    public func encode(touched: [Range<UInt64>], read: (UInt64, Int) throws -> [UInt8]) throws(SnapshotError) -> [UInt8] {
        let runs = try runs(touched: touched, read: read)
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
    public mutating func appendMemory(ram: [RAMRange], touched: [Range<UInt64>],
                                      read: (UInt64, Int) throws -> [UInt8]) throws(SnapshotError) -> [(address: UInt64, length: UInt64)] {
        let writer = SparseMemoryWriter(ram: ram)
        let runs: [(address: UInt64, length: UInt64)]
        do { runs = try writer.runs(touched: touched, read: read) } catch {
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
