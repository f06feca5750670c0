import Synchronization
import Testing
import TCK

/// Longest expected first: from the last run's durations, else a deliberate timeout's timeout.
@Suite struct StartOrderTests {
    func entry(_ name: String, timeout: Double = 10, expect: Outcome? = nil) -> CatalogEntry {
        var entry = CatalogEntry(name: name, kernel: "k", timeoutSeconds: timeout)
        if let expect { entry.expectations["swiftvm"] = Expectation(outcome: expect) }
        return entry
    }

    @Test func historyFirstThenDeliberateTimeoutsThenCatalogOrder() {
        let jobs = [entry("hello"), entry("hang", timeout: 0.5, expect: .timeout), entry("ports"), entry("rtc"), entry("new")]
            .map { (entry: $0, driver: "swiftvm") }
        let history = ["swiftvm/hello": 0.05, "swiftvm/ports": 1.2, "swiftvm/rtc": 0.4, "qemu/hello": 9]
        #expect(StartOrder.order(jobs, history: history).map { jobs[$0].entry.name } == ["ports", "hang", "rtc", "new", "hello"])
        // No history: the deliberate timeout first, the rest as the catalog has them.
        #expect(StartOrder.order(jobs, history: [:]).map { jobs[$0].entry.name } == ["hang", "hello", "ports", "rtc", "new"])
        // A test that deadlocked fast last time is expected fast, whatever its timeout.
        #expect(StartOrder.expectedSeconds(jobs[1].entry, driver: "swiftvm", history: ["swiftvm/hang": 0.08]) == 0.08)
    }

    @Test func theRunnerStartsLongestFirstAndReportsInCatalogOrder() {
        let driver = StartRecorder()
        let entries = ["a", "b", "c", "d"].map { entry($0) }
        let runner = SuiteRunner(entries: entries, drivers: [driver], parallelism: 1, kernelDirectory: "/k",
                                 history: ["recorder/c": 3, "recorder/a": 2, "recorder/d": 1, "recorder/b": 0.5])
        let results = runner.run { _ in }
        #expect(driver.started == ["c", "a", "d", "b"])
        #expect(results.map(\.test) == ["a", "b", "c", "d"])
    }
}

/// A driver that only records the order tests start in.
final class StartRecorder: Driver, Sendable {
    let name = "recorder"
    private let order = Mutex<[String]>([])
    var started: [String] { order.withLock { $0 } }

    func probe() throws(DriverUnavailable) -> DriverInfo { DriverInfo(name: name, version: "1", executable: "/bin/true") }

    func run(_ entry: CatalogEntry, kernelDirectory: String, cancelled: @escaping @Sendable () -> Bool) -> DriverRun {
        order.withLock { $0.append(entry.name) }
        return DriverRun(termination: .guestExit(code: 0), console: [], durationSeconds: 0)
    }
}
