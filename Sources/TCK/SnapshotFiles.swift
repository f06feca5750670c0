import Foundation

/// Where a `migrate = yes` test's saved state goes: `<directory>/<driver>/<test>.snap` (`tck run`:
/// `<report-dir>/snapshots`). Each save of the run replaces it (swiftvm writes FILE.tmp and renames it;
/// QEMU's stream goes through `cat`), and the last one stays after the run, pass or not, as disk images do:
/// the recorded command line names it, so the last restore can be repeated by hand.
public enum SnapshotFiles {
    public static func path(directory: String, driver: String, test: String) -> String {
        RecordedCommandLine.absolute("\(directory)/\(driver)/\(test).snap")
    }

    /// The path for this run of `entry` on `driver` with its directory made and an earlier run's file
    /// removed (a stale snapshot must never be restored); nil for an entry without `migrate`.
    public static func prepare(_ entry: CatalogEntry, driver: String, directory: String) throws(DiskImageError) -> String? {
        guard entry.migrate else { return nil }
        let path = path(directory: directory, driver: driver, test: entry.name)
        let fail = { (reason: String) in DiskImageError(path: path, reason: reason, what: "the snapshot file") }
        try DiskImages.makeDirectories((path as NSString).deletingLastPathComponent, fail: fail)
        for stale in [path, path + ".tmp", path + ".part"] where unlink(stale) != 0 && errno != ENOENT {
            throw fail("cannot remove the earlier \(stale) (\(String(cString: strerror(errno))))")
        }
        return path
    }
}
