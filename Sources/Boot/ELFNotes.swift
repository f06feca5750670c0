/// Finds the Xen `PHYS32_ENTRY` note (the PVH entry point) among a file's ELF notes.
///
/// A note is namesz, descsz, type (three 32-bit words in both ELF classes), then the name and the
/// descriptor, each padded to the region's alignment (4, or 8 for 8-aligned note regions).
enum ELFNotes {
    static let xenName: [UInt8] = Array("Xen".utf8) + [0]
    static let phys32EntryType: UInt32 = 18

    struct Region {
        let offset: UInt64
        let size: UInt64
        let align: UInt64
    }

    static func pvhEntry(in bytes: [UInt8], regions: [Region], name: String) throws(ELFError) -> UInt32? {
        for region in regions {
            if let entry = try pvhEntry(in: bytes, region: region, name: name) { return entry }
        }
        return nil
    }

    private static func pvhEntry(in bytes: [UInt8], region: Region, name: String) throws(ELFError) -> UInt32? {
        let (regionEnd, overflow) = region.offset.addingReportingOverflow(region.size)
        guard !overflow, regionEnd <= UInt64(bytes.count) else {
            throw .malformedNote(name: name, offset: region.offset)
        }
        let padding: UInt64 = region.align == 8 ? 8 : 4
        var cursor = region.offset
        // All values below are bounded by the file size (an Int) or by 2^32, so UInt64 sums cannot overflow.
        while regionEnd - cursor >= 12 {
            let at = Int(cursor)
            let nameSize = UInt64(littleEndianWord(bytes, at: at))
            let descriptorSize = littleEndianWord(bytes, at: at + 4)
            let type = littleEndianWord(bytes, at: at + 8)
            let nameStart = cursor + 12
            let descriptorStart = nameStart + roundUp(nameSize, padding)
            let descriptorEnd = descriptorStart + UInt64(descriptorSize)
            guard descriptorEnd <= regionEnd else { throw .malformedNote(name: name, offset: cursor) }

            let noteName = bytes[Int(nameStart)..<Int(nameStart + nameSize)]
            if type == phys32EntryType && noteName.elementsEqual(xenName) {
                return try decodeEntry(bytes, at: Int(descriptorStart), size: descriptorSize, name: name)
            }
            cursor = min(regionEnd, descriptorStart + roundUp(UInt64(descriptorSize), padding))
        }
        return nil
    }

    /// Linux and most PVH kernels use a 4-byte `.long`; an 8-byte payload is accepted when it fits in 32 bits.
    private static func decodeEntry(_ bytes: [UInt8], at offset: Int, size: UInt32, name: String) throws(ELFError) -> UInt32 {
        switch size {
        case 4:
            return littleEndianWord(bytes, at: offset)
        case 8:
            let value = UInt64(littleEndianWord(bytes, at: offset)) | UInt64(littleEndianWord(bytes, at: offset + 4)) << 32
            guard let entry = UInt32(exactly: value) else { throw .badPVHNote(name: name, descriptorSize: size, value: value) }
            return entry
        default:
            throw .badPVHNote(name: name, descriptorSize: size, value: nil)
        }
    }

    private static func roundUp(_ value: UInt64, _ alignment: UInt64) -> UInt64 {
        (value + alignment - 1) & ~(alignment - 1)
    }
}
