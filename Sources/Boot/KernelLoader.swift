import GuestMemory

/// A kernel copied into guest memory, and how to enter it.
public struct LoadedKernel: Sendable {
    public let image: ELFImage
    public let protocolUsed: BootProtocol
    /// The physical address execution starts at (PVH note value, or the Multiboot ELF entry).
    public let entryPoint: UInt32
    /// The end of the highest loaded segment (bss included): modules go above it.
    public let kernelEnd: GuestAddress
    /// [paddr, paddr + memsz) of every non-empty PT_LOAD segment, in program-header order.
    public let loadedRanges: [GuestRange]

    public init(image: ELFImage, protocolUsed: BootProtocol, entryPoint: UInt32, kernelEnd: GuestAddress,
                loadedRanges: [GuestRange]) {
        self.image = image
        self.protocolUsed = protocolUsed
        self.entryPoint = entryPoint
        self.kernelEnd = kernelEnd
        self.loadedRanges = loadedRanges
    }
}

/// Places a parsed ELF image in guest memory.
public enum KernelLoader {
    /// Validates every PT_LOAD segment against `memoryMap` (wholly inside one RAM entry, clear of every
    /// `reserved` range), picks the protocol (`prefer` when the image supports it, else PVH, else
    /// Multiboot), checks the entry point lies in a loaded segment, and only then copies the file bytes
    /// and zero-fills memsz - filesz. Nothing is written when any check fails.
    public static func load(_ image: ELFImage, into memory: GuestMemory, memoryMap: [MemoryMapEntry],
                            reserved: [GuestRange], prefer: BootProtocol?) throws(LoadError) -> LoadedKernel {
        let segments = image.segments.filter { $0.memsz > 0 }
        for segment in segments {
            try checkPlacement(segment, image: image, memoryMap: memoryMap, reserved: reserved)
        }
        let protocolUsed = try chooseProtocol(image, prefer: prefer)
        let entryPoint = try entryPoint(image, protocolUsed: protocolUsed, segments: segments)

        for segment in segments {
            try copy(segment, of: image, into: memory)
        }
        let kernelEnd = segments.map(\.range.end).max() ?? GuestAddress(0)
        return LoadedKernel(image: image, protocolUsed: protocolUsed, entryPoint: entryPoint,
                            kernelEnd: kernelEnd, loadedRanges: segments.map(\.range))
    }

    private static func checkPlacement(_ segment: LoadSegment, image: ELFImage, memoryMap: [MemoryMapEntry],
                                       reserved: [GuestRange]) throws(LoadError) {
        let range = segment.range
        let ram = memoryMap.filter(\.isRAM).map(\.range)
        if !ram.contains(where: { $0.contains(range) }) {
            let ramTop = ram.map(\.end).max() ?? GuestAddress(0)
            if range.end > ramTop {
                throw .segmentBeyondRAM(name: image.name, index: segment.index, range: range, ramTop: ramTop)
            }
            throw .segmentNotInRAM(name: image.name, index: segment.index, range: range)
        }
        if let clash = reserved.first(where: { $0.overlaps(range) }) {
            throw .segmentOverlapsReserved(name: image.name, index: segment.index, range: range, reserved: clash)
        }
    }

    private static func chooseProtocol(_ image: ELFImage, prefer: BootProtocol?) throws(LoadError) -> BootProtocol {
        let available = image.availableProtocols
        if let prefer, available.contains(prefer) { return prefer }
        guard let first = available.first else { throw .noBootProtocol(name: image.name) }
        return first
    }

    private static func entryPoint(_ image: ELFImage, protocolUsed: BootProtocol,
                                   segments: [LoadSegment]) throws(LoadError) -> UInt32 {
        let entry: UInt64
        switch protocolUsed {
        case .pvh:
            entry = UInt64(image.pvhEntry ?? 0)
        case .multiboot:
            if let header = image.multibootHeader, header.unsupportedRequirements != 0 {
                throw .unsupportedMultibootRequirements(name: image.name, flags: header.flags,
                                                        unsupported: header.unsupportedRequirements)
            }
            entry = physicalEntry(image.entry, segments: segments)
        }
        // Every segment ends at or below 4 GiB (checked at parse), so an entry inside one fits in 32 bits.
        guard segments.contains(where: { $0.range.start.rawValue <= entry && entry < $0.range.end.rawValue }),
              let entry32 = UInt32(exactly: entry) else {
            throw .entryOutsideImage(name: image.name, protocolUsed: protocolUsed, entry: entry)
        }
        return entry32
    }

    /// e_entry is a link-time (virtual) address. Like GRUB, translate it through the segment whose
    /// virtual range holds it when that segment is loaded elsewhere physically.
    private static func physicalEntry(_ entry: UInt64, segments: [LoadSegment]) -> UInt64 {
        for segment in segments where segment.vaddr <= entry && entry - segment.vaddr < segment.memsz {
            return segment.paddr.rawValue + (entry - segment.vaddr)
        }
        return entry
    }

    private static func copy(_ segment: LoadSegment, of image: ELFImage, into memory: GuestMemory) throws(LoadError) {
        // offset + filesz <= file size and filesz <= memsz were checked at parse, so these fit.
        let start = Int(segment.offset)
        let bytes = image.contents[start..<(start + Int(segment.filesz))]
        let bssStart = GuestAddress(segment.paddr.rawValue + segment.filesz)
        do {
            try memory.write(bytes, at: segment.paddr)
            try memory.fill(0, at: bssStart, count: segment.memsz - segment.filesz)
        } catch {
            throw .memory(name: image.name, error: error)
        }
    }
}
