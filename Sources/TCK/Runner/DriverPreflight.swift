/// "Can this host run what the selection asks for?", asked once per driver and machine type before any
/// test runs: an environment that cannot run a driver is one line and exit status 2, not a regression
/// per test.
public enum DriverPreflight {
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let driver: String
        /// The machine type (the driver's default when none was asked for).
        public let machine: String
        public let reason: String

        public var description: String { "\(driver) cannot run machine type \(machine) on this host: \(reason)" }
    }

    /// The distinct machine types `entries` use on `driver`, in order of first use; nil is the driver's default.
    public static func machineTypes(of entries: [CatalogEntry], on driver: String) -> [String?] {
        var seen = Set<String?>()
        return entries.map { $0.machine(for: driver) }.filter { seen.insert($0).inserted }
    }

    /// Checks one machine type; `defaultName` names it in the failure when `machine` is nil.
    public static func check(_ driver: any Driver, machine: String?, defaultName: String? = nil) -> Failure? {
        do {
            try driver.check(machine: machine)
            return nil
        } catch {
            return Failure(driver: driver.name, machine: machine ?? defaultName ?? "(default)", reason: error.reason)
        }
    }

    /// Checks every machine type the entries use on each probed driver; empty when the run can go ahead.
    public static func check(_ drivers: [(driver: any Driver, info: DriverInfo)], entries: [CatalogEntry]) -> [Failure] {
        drivers.flatMap { driver, info in
            machineTypes(of: entries, on: driver.name).compactMap { check(driver, machine: $0, defaultName: info.details["machine"]) }
        }
    }
}
