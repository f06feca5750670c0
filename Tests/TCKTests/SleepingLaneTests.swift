import Dispatch
import Synchronization
import Testing
import TCK

/// Tests whose guest sleeps on the wall clock (`sleeps = yes`) run in a lane of their own beside --jobs.
@Suite struct SleepingLaneTests {
    @Test func sleepsIsYesOrNoAndDefaultsToNo() throws {
        let entries = try Catalog.parse(text: "[conf-rtc]\nsleeps = yes\n\n[off]\nsleeps = no\n\n[hello]\n",
                                        knownDrivers: ["swiftvm"])
        #expect(entries.map(\.sleeps) == [true, false, false])
        #expect(throws: CatalogError(file: "catalog", line: 2, message: "bad value for 'sleeps' in [t]: '1' is not yes or no")) {
            try Catalog.parse(text: "[t]\nsleeps = 1\n", knownDrivers: ["swiftvm"])
        }
    }

    @Test func aSleepingTestRunsBesideTheJobsLanes() {
        // One --jobs lane, the sleeper started first (longest expected): it finishes only once the other test
        // has run, which it can only do beside it.
        var sleeper = CatalogEntry(name: "rtc", kernel: "k")
        sleeper.sleeps = true
        let driver = WaitsForTheOther()
        let runner = SuiteRunner(entries: [CatalogEntry(name: "busy", kernel: "k"), sleeper], drivers: [driver],
                                 parallelism: 1, kernelDirectory: "/k", history: ["waiter/rtc": 1, "waiter/busy": 0.1])
        let results = runner.run { _ in }
        #expect(results.map(\.test) == ["busy", "rtc"])
        #expect(results.map(\.outcome) == [.pass, .pass], "the sleeper saw the busy test run meanwhile")
    }
}

/// "rtc" waits up to 5 s for "busy" to run, and fails its one case if it does not.
final class WaitsForTheOther: Driver, Sendable {
    let name = "waiter"
    private let busyRan = DispatchSemaphore(value: 0)

    func probe() throws(DriverUnavailable) -> DriverInfo { DriverInfo(name: name, version: "1", executable: "/bin/true") }

    func run(_ entry: CatalogEntry, kernelDirectory: String, cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        if entry.name == "busy" {
            busyRan.signal()
            return Self.result(entry.name, passed: true)
        }
        return Self.result(entry.name, passed: busyRan.wait(timeout: .now() + 5) == .success)
    }

    private static func result(_ name: String, passed: Bool) -> DriverRun {
        let lines = "TCK:1 BEGIN \(name)\nTCK:1 CASE \(passed ? "PASS" : "FAIL") ran\nTCK:1 END pass=\(passed ? 1 : 0) fail=\(passed ? 0 : 1) skip=0\n"
        return DriverRun(termination: .guestExit(code: passed ? 0 : 1), console: Array(lines.utf8), durationSeconds: 0)
    }
}
