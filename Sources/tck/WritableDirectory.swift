import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `--report-dir` is checked before the first test runs, not found unwritable after the last: the
/// directory is created if missing (as the report writer would), then a probe file is created in it
/// and removed. That catches a path that cannot be a directory (`/proc/nope`), a file in the way, a
/// read-only file system and missing permissions. A disk too full for the reports is still found only
/// when they are written; the earlier report then stays whole (ReportDirectory).
enum WritableDirectory {
    static func check(_ dir: String) throws(EnvironmentFailure) {
        func failure(_ what: String, _ code: Int32) -> EnvironmentFailure {
            EnvironmentFailure("--report-dir \(dir): \(what): \(String(cString: strerror(code))); nothing was run")
        }
        var prefix = dir.hasPrefix("/") ? "" : "."
        for component in dir.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST { throw failure("cannot create \(prefix)", errno) }
        }
        var info = stat()
        guard stat(dir, &info) == 0 else { throw failure("cannot read", errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw failure("not a directory", ENOTDIR) }
        let probe = (dir.hasSuffix("/") ? dir : dir + "/") + ".tck-write-check-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot write in it", errno) }
        close(fd)
        unlink(probe)
    }
}
