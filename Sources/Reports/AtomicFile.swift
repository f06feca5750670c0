import CFileSync
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a report so that a reader never sees half a file: into a temporary file in the same
/// directory, flushed, then renamed over the target. A crash or a full disk leaves the previous
/// version (or nothing), never a truncated one.
///
/// Several files are written as a set: every temporary file is written and flushed before the
/// first rename, so a disk that fills up half-way leaves all the previous versions, not a mix of
/// new and old reports. A set is flushed with one syncfs per directory, not an fsync per file: a
/// suite's report is ~110 log files, whose fsyncs (a journal commit each) were most of the ~0.25 s
/// between the last test and tck's exit.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws(AtomicFileError) {
        try write([(data, path)])
    }

    public static func write(_ text: String, to path: String) throws(AtomicFileError) {
        try write(Data(text.utf8), to: path)
    }

    /// Writes every (data, path) pair, or (when a temporary file cannot be written) none of them.
    public static func write(_ files: [(data: Data, path: String)]) throws(AtomicFileError) {
        var directories: [String] = []
        for file in files {
            let directory = (file.path as NSString).deletingLastPathComponent
            if !directories.contains(directory) { directories.append(directory) }
        }
        for directory in directories { try create(directory) }
        let flushEach = files.count == 1
        let tag = "\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        var staged: [(temporary: String, target: String)] = []
        do {
            for (index, file) in files.enumerated() {
                staged.append((try stage(file.data, for: file.path, tag: "\(tag).\(index)", flush: flushEach), file.path))
            }
            if !flushEach {
                for directory in directories { try flushFileSystem(holding: directory) }
            }
        } catch {
            for file in staged { unlink(file.temporary) }
            throw error
        }
        for (index, file) in staged.enumerated() where rename(file.temporary, file.target) != 0 {
            let code = errno
            for rest in staged[index...] { unlink(rest.temporary) }
            throw AtomicFileError(path: file.target, operation: "cannot replace", errno: code)
        }
        for directory in directories { syncDirectory(directory) }
    }

    private static func create(_ directory: String) throws(AtomicFileError) {
        guard !directory.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw AtomicFileError(path: directory, operation: "cannot create the directory",
                                  errno: ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code.int32 ?? EIO)
        }
    }

    /// Writes `data` to a fresh temporary file beside `path` (its directory exists), flushed to disk
    /// when `flush`; returns the temporary file's path.
    private static func stage(_ data: Data, for path: String, tag: String, flush: Bool) throws(AtomicFileError) -> String {
        let name = (path as NSString).lastPathComponent
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).\(tag).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw AtomicFileError(path: path, operation: "cannot write", errno: errno) }
        var failure: Int32?
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == nil, flush, fsync(fd) != 0 { failure = errno }
        if close(fd) != 0, failure == nil { failure = errno }
        if let failure {
            unlink(temporary)
            throw AtomicFileError(path: path, operation: "cannot write", errno: failure)
        }
        return temporary
    }

    /// Writes back every staged file in `directory`'s file system (syncfs), before any is renamed.
    private static func flushFileSystem(holding directory: String) throws(AtomicFileError) {
        let path = directory.isEmpty ? "." : directory
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFileError(path: path, operation: "cannot flush", errno: errno) }
        defer { close(fd) }
        if cfilesync_syncfs(fd) != 0 { throw AtomicFileError(path: path, operation: "cannot flush", errno: errno) }
    }

    /// Makes the renames durable; best effort (some file systems refuse fsync on directories).
    private static func syncDirectory(_ path: String) {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

/// A report file that could not be written: which file, what failed and the system's reason.
public struct AtomicFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let errno: Int32

    public init(path: String, operation: String, errno: Int32) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    /// e.g. `cannot write Reports/latest/report.html: No space left on device`
    public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
}

private extension Int {
    var int32: Int32 { Int32(truncatingIfNeeded: self) }
}
