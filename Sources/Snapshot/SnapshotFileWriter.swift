#if canImport(Glibc)
import Glibc
#endif

/// Writes a snapshot to `FILE.tmp`, section by section straight to the file (guest memory is streamed,
/// never gathered in RAM), and renames it to `FILE` on `commit()` after fdatasync, so `FILE` is either
/// the previous file or a complete new one. A failed write, or a writer dropped before `commit()`,
/// removes `FILE.tmp`.
public struct SnapshotFileWriter {
    public let path: String
    public let header: SnapshotHeader
    private let output: TemporaryOutput
    private var tags: [SectionTag] = []
    private let headerLength: UInt64
    /// Where the next section starts; the file's size once committed.
    public private(set) var size: UInt64

    public init(path: String, header: SnapshotHeader) throws(SnapshotError) {
        self.path = path
        self.header = header
        // A reader refuses newer formats and this code knows only its own layout: write nothing else.
        guard header.formatVersion == SnapshotFormat.version else {
            throw .writer(file: path, section: nil, problem: "this swiftvm writes format \(SnapshotFormat.version), not \(header.formatVersion)")
        }
        headerLength = UInt64(try SnapshotFormat.encode(header, sectionCount: 0, file: path).count)
        size = headerLength
        output = try TemporaryOutput(path: path)
    }

    /// The sections appended so far, in file order.
    public var sections: [SectionTag] { tags }

    /// Appends a section whose payload is in memory.
    public mutating func append(_ tag: SectionTag, version: UInt32, payload: [UInt8]) throws(SnapshotError) {
        try appendStreamed(tag, version: version, length: UInt64(payload.count)) { stream in try stream.write(payload) }
    }

    /// Appends a section of exactly `length` bytes that `write` produces through the stream, in pieces
    /// (guest memory: a run at a time). Writing more or fewer bytes fails and abandons the file.
    public mutating func appendStreamed(_ tag: SectionTag, version: UInt32, length: UInt64,
                                        write: (inout SectionStream) throws -> Void) throws(SnapshotError) {
        let fd = try output.descriptor(file: path, section: tag)
        do {
            if let last = tags.last, !tag.comesAfter(last) {
                throw SnapshotError.writer(file: path, section: tag, problem: last == tag ? "appears twice" : "must come before \(last.quoted)")
            }
            guard version != 0 else { throw SnapshotError.writer(file: path, section: tag, problem: "version 0 is not a version") }
            guard length <= SnapshotFormat.maximumSectionLength else {
                throw SnapshotError.writer(file: path, section: tag, problem: "length \(length) is above the limit \(SnapshotFormat.maximumSectionLength)")
            }
            guard tags.count < Int(SnapshotFormat.maximumSectionCount) else {
                throw SnapshotError.writer(file: path, section: tag, problem: "more than \(SnapshotFormat.maximumSectionCount) sections")
            }
            var sectionHeader = StateWriter()
            sectionHeader.bytes(tag.bytes)
            sectionHeader.u32(version)
            sectionHeader.u64(length)
            // The CRC covers tag, version and length too: a flipped bit anywhere in a section is caught.
            var stream = SectionStream(fd: fd, file: path, temporary: output.temporaryPath, tag: tag,
                                       start: size + UInt64(SnapshotFormat.sectionHeaderSize), length: length,
                                       checksummed: sectionHeader.bytes)
            try write(&stream)
            try stream.flush()
            guard stream.written == length else {
                throw SnapshotError.writer(file: path, section: tag, problem: "declared \(length) bytes but wrote \(stream.written)")
            }
            sectionHeader.u32(stream.checksum)
            try FileIO.write(fd, sectionHeader.bytes, at: size, name: output.temporaryPath, file: path)
        } catch let error as SnapshotError {
            output.abandon()
            throw error.about(file: path)
        } catch {
            output.abandon()
            throw .writer(file: path, section: tag, problem: "the payload writer failed: \(error)")
        }
        tags.append(tag)
        size += UInt64(SnapshotFormat.sectionHeaderSize) + length
    }

    /// Writes the header (now that the section count is known), fdatasyncs, renames FILE.tmp to FILE and
    /// syncs the directory. After a failure FILE.tmp is gone and FILE is untouched.
    public mutating func commit() throws(SnapshotError) {
        let fd = try output.descriptor(file: path, section: nil)
        do throws(SnapshotError) {
            let bytes = try SnapshotFormat.encode(header, sectionCount: UInt32(tags.count), file: path)
            try FileIO.write(fd, bytes, at: 0, name: output.temporaryPath, file: path)
            guard fdatasync(fd) == 0 else { throw SnapshotError.io(file: path, operation: "fdatasync \(output.temporaryPath)", errno: errno) }
            try output.rename()
        } catch {
            output.abandon()
            throw error
        }
        syncDirectory(of: path)
    }

    /// Gives up: removes FILE.tmp now (dropping the writer does the same).
    public func abandon() { output.abandon() }
}

/// The open FILE.tmp: a class so that every copy of the writer shares it, and so that dropping the
/// last one before commit removes the half-written file.
private final class TemporaryOutput {
    let path: String
    let temporaryPath: String
    private var fd: Int32
    private var state = State.open

    enum State { case open, committed, abandoned }

    init(path: String) throws(SnapshotError) {
        self.path = path
        temporaryPath = path + ".tmp"
        fd = Glibc.open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(file: path, operation: "create \(temporaryPath)", errno: errno) }
    }

    deinit { if state == .open { abandon() } }

    func descriptor(file: String, section: SectionTag?) throws(SnapshotError) -> Int32 {
        switch state {
        case .open: return fd
        case .committed: throw .writer(file: file, section: section, problem: "the file is already committed")
        case .abandoned: throw .writer(file: file, section: section, problem: "an earlier write failed or the file was abandoned")
        }
    }

    func rename() throws(SnapshotError) {
        let closed = close(fd)
        fd = -1
        guard closed == 0 else { throw .io(file: path, operation: "close \(temporaryPath)", errno: errno) }
        guard Glibc.rename(temporaryPath, path) == 0 else { throw .io(file: path, operation: "rename \(temporaryPath) to \(path)", errno: errno) }
        state = .committed
    }

    func abandon() {
        guard state == .open else { return }
        state = .abandoned
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(temporaryPath)
    }
}

/// Makes the rename durable; best effort (a directory that cannot be opened still has the file).
private func syncDirectory(of path: String) {
    let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
    let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    fsync(fd)
    close(fd)
}
