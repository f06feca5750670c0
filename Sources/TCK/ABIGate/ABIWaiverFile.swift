import ABI
import Foundation

/// Which waiver file applies: an explicit `--waivers` path must exist; otherwise
/// `<baselines>/waivers.cfg` is used when present, and no waivers when it is not.
public enum ABIWaiverFile {
    public static func load(explicit: String?, baselines: String) throws(WaiverError) -> [ABIWaiver] {
        if let explicit { return try ABIWaivers.load(path: explicit) }
        let path = "\(baselines)/waivers.cfg"
        return FileManager.default.fileExists(atPath: path) ? try ABIWaivers.load(path: path) : []
    }
}
