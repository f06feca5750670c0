// fuzz-elf: the input is a kernel file. ELFImage.parse, then KernelLoader.load into a 4 MiB guest with
// the machine's own memory map and reserved ranges, once per protocol preference (none, PVH, Multiboot);
// after a load, place a module of the file's size above the kernel and write the boot information.
//
// Invariants: a parsed image has non-overlapping segments inside the file and below 4 GiB, filesz <=
// memsz, a non-zero entry, a Multiboot header only where the spec allows one; a load puts the entry in
// a loaded segment, honours the preference when the image offers it, copies exactly the file bytes and
// zero-fills bss; a refused load writes nothing; a placed module is page-aligned RAM above the kernel;
// writing the boot information leaves the kernel's bytes intact. Every error renders its message.
import Boot
import FuzzSupport
import GuestMemory
import Machine

private let layout = try! GuestMemoryLayout(ramSize: GuestMemoryLayout.minimumRAM)
/// How much of each segment's bss, and of a refused segment's range, is read back (keeps exec/s up).
private let checkedBytes: UInt64 = 64 << 10

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let image: ELFImage
    do {
        image = try ELFImage.parse(bytes, name: "fuzz.elf")
    } catch {
        require(!error.description.isEmpty, "empty ELFError message")
        return 0
    }
    checkParsed(image, bytes)
    for prefer in [nil, BootProtocol.pvh, .multiboot] {
        checkLoad(image, bytes, prefer: prefer)
    }
    return 0
}

private func checkParsed(_ image: ELFImage, _ bytes: [UInt8]) {
    require(image.is64Bit == (bytes[4] == 2), "class does not match e_ident")
    require(image.entry != 0, "parsed an image without an entry point")
    require(!image.segments.isEmpty, "parsed an image without PT_LOAD segments")
    for segment in image.segments {
        require(segment.offset + segment.filesz <= UInt64(bytes.count), "segment \(segment.index) beyond the file")
        require(segment.filesz <= segment.memsz, "segment \(segment.index) filesz > memsz")
        require(segment.range.end.rawValue <= 1 << 32, "segment \(segment.index) above 4 GiB")
    }
    for (position, first) in image.segments.enumerated() {
        for second in image.segments[(position + 1)...] {
            require(!first.range.overlaps(second.range), "segments \(first.index) and \(second.index) overlap")
        }
    }
    var protocols: [BootProtocol] = []
    if image.pvhEntry != nil { protocols.append(.pvh) }
    if image.multibootHeader != nil { protocols.append(.multiboot) }
    require(image.availableProtocols == protocols, "availableProtocols disagrees with the notes and header")
    if let header = image.multibootHeader {
        let offset = header.fileOffset
        require(offset % 4 == 0 && offset + 12 <= min(bytes.count, MultibootHeader.searchLimit),
                "Multiboot header at \(offset) outside the first 8 KiB or unaligned")
        let word = { (at: Int) in (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        require(word(offset) == MultibootHeader.magic, "Multiboot header without magic")
        require(word(offset) &+ word(offset + 4) &+ word(offset + 8) == 0, "Multiboot checksum does not sum to 0")
        require(word(offset + 4) == header.flags, "Multiboot flags differ from the file")
    }
}

private func checkLoad(_ image: ELFImage, _ bytes: [UInt8], prefer: BootProtocol?) {
    let memory = try! GuestMemory(ranges: layout.ramRanges)
    let loaded: LoadedKernel
    do {
        loaded = try KernelLoader.load(image, into: memory, memoryMap: layout.memoryMap,
                                       reserved: layout.loaderReserved, prefer: prefer)
    } catch {
        require(!error.description.isEmpty, "empty LoadError message")
        // Nothing may have been written: every segment's range still reads as zero.
        for segment in image.segments where segment.memsz > 0 {
            let length = min(segment.memsz, checkedBytes)
            if memory.contains(segment.paddr, length: length) {
                let contents = try! memory.read(at: segment.paddr, count: Int(length))
                require(contents.allSatisfy { $0 == 0 }, "refused load (\(error)) wrote segment \(segment.index)")
            }
        }
        return
    }
    let available = image.availableProtocols
    if let prefer, available.contains(prefer) {
        require(loaded.protocolUsed == prefer, "preferred \(prefer) available but \(loaded.protocolUsed) used")
    } else {
        require(loaded.protocolUsed == available.first, "protocol \(loaded.protocolUsed) is not the first available")
    }
    let segments = image.segments.filter { $0.memsz > 0 }
    require(loaded.loadedRanges == segments.map(\.range), "loadedRanges differ from the non-empty segments")
    require(loaded.loadedRanges.contains { $0.start.rawValue <= UInt64(loaded.entryPoint)
                                           && UInt64(loaded.entryPoint) < $0.end.rawValue },
            "entry \(loaded.entryPoint) outside every loaded segment")
    require(loaded.kernelEnd == (segments.map(\.range.end).max() ?? GuestAddress(0)), "kernelEnd is not the highest end")
    let ram = layout.memoryMap.filter { $0.kind == .ram }.map(\.range)
    writeBootInformation(loaded, bytes, ram: ram, into: memory)
    for segment in segments {
        require(ram.contains { $0.contains(segment.range) }, "segment \(segment.index) loaded outside RAM")
        require(!layout.loaderReserved.contains { $0.overlaps(segment.range) }, "segment \(segment.index) loaded over a reserved range")
        let fileBytes = Array(bytes[Int(segment.offset)..<Int(segment.offset + segment.filesz)])
        let copied = try! memory.read(at: segment.paddr, count: fileBytes.count)
        require(copied == fileBytes, "segment \(segment.index) contents differ from the file")
        let bss = min(segment.memsz - segment.filesz, checkedBytes)
        let zeroes = try! memory.read(at: GuestAddress(segment.paddr.rawValue + segment.filesz), count: Int(bss))
        require(zeroes.allSatisfy { $0 == 0 }, "segment \(segment.index) bss not zeroed")
    }
    let state = BootConfigurator.entryState(for: loaded, bootInfoAddress: 0x1000)
    require(state.eip == loaded.entryPoint, "entry state EIP differs from the entry point")
}

/// What swiftvm does next: an initrd above the kernel, then the protocol's boot information.
private func writeBootInformation(_ loaded: LoadedKernel, _ bytes: [UInt8], ram: [GuestRange], into memory: GuestMemory) {
    var modules: [BootModule] = []
    do {
        let range = try ModulePlacer.place(size: UInt64(bytes.count), memoryMap: layout.memoryMap, above: loaded.kernelEnd)
        require(range.start.rawValue % GuestMemory.pageSize == 0, "module at \(range) not page-aligned")
        require(range.start >= loaded.kernelEnd, "module at \(range) below the kernel end \(loaded.kernelEnd)")
        require(ram.contains { $0.contains(range) }, "module at \(range) outside RAM")
        require(!loaded.loadedRanges.contains { $0.overlaps(range) }, "module at \(range) overlaps the kernel")
        modules.append(BootModule(range: range, commandLine: "initrd"))
    } catch {
        require(!error.description.isEmpty, "empty LoadError message")
    }
    do {
        switch loaded.protocolUsed {
        case .pvh:
            _ = try PVHBootInfo.write(into: memory, area: layout.bootInfoArea, commandLine: "console=ttyS0",
                                      modules: modules, memoryMap: layout.memoryMap, rsdp: nil)
        case .multiboot:
            _ = try MultibootInfo.write(into: memory, area: layout.bootInfoArea, commandLine: "console=ttyS0",
                                        modules: modules, memoryMap: layout.memoryMap)
        }
    } catch {
        require(false, "boot information for a loaded kernel failed: \(error)")
    }
    let area = layout.bootInfoArea.range
    require(!loaded.loadedRanges.contains { $0.overlaps(area) }, "kernel loaded over the boot information area")
}
