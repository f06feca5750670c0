import Foundation
import Testing

/// The suite's deliberate timeouts test the watchdog's accuracy, not its patience: on swiftvm a timeout
/// verdict ends soon after the test's timeout as tck measures it (process start to exit; swiftvm's
/// --timeout counts from its own start), and `cli; hlt` costs no timeout at all (a deadlock, found at
/// once). Issue 14's goal is timeout + 50 ms; a unit test on a shared 2-core host cannot hold a speed
/// figure that tight (0.554 s for 0.5 s once at load 8), so it checks the verdict's shape with 250 ms of
/// slack, and the tight figure belongs to `make bench`.
@Suite(.enabled(if: TCKProcess.kvmUsable, TCKProcess.kvmReason))
struct TimeoutCostTests {
    static let deliberate = ["hang-spin", "flood", "hostile-stringio-out"]
    static let slack = 0.25

    @Test func aTimeoutVerdictEndsSoonAfterItsTimeout() throws {
        let directory = NSTemporaryDirectory() + "tck-timeouts-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let filters = (Self.deliberate + ["hang"]).flatMap { ["--filter", $0] }
        let listed = try TCKProcess.run(["list", "--json"] + filters)
        let tests = (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])?["tests"] as? [[String: Any]] ?? []
        let timeouts = Dictionary(uniqueKeysWithValues: tests.map { ("\($0["name"]!)", $0["timeoutSeconds"] as? Double ?? 0) })
        #expect(timeouts.count == 4, "tck list: \(listed.stderr)")
        for name in Self.deliberate {
            #expect((timeouts[name] ?? 0) > 0 && (timeouts[name] ?? 0) <= 1, "\(name): a deliberate timeout should be short")
        }

        // One job: the figure is the watchdog's, not the neighbour's. The best of two runs: this host is
        // shared, and one descheduled moment is not the watchdog's doing.
        var best: [String: Double] = [:]
        var results: [[String: Any]] = []
        for _ in 0..<2 {
            let output = try TCKProcess.run(["run", "--driver", "swiftvm", "--jobs", "1", "--report-dir", directory] + filters)
            #expect(output.status == 0, "tck: \(output.stderr)")
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/results.json"))
            results = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["results"] as? [[String: Any]] ?? []
            for result in results {
                let duration = result["durationSeconds"] as? Double ?? .infinity
                best["\(result["test"]!)"] = min(best["\(result["test"]!)"] ?? .infinity, duration)
            }
        }
        #expect(results.count == 4)
        for result in results {
            let name = "\(result["test"]!)"
            let duration = try #require(best[name])
            let timeout = try #require(timeouts[name])
            #expect(result["outcome"] as? String == "timeout" && result["expected"] as? Bool == true, "\(name): \(result["reason"]!)")
            if name == "hang" {
                #expect(duration < timeout / 2, "hang is a deadlock, found at once: \(duration) s")
                #expect("\(result["reason"]!)".contains("nothing can wake the guest"))
            } else {
                #expect(duration >= timeout, "\(name) ended before its timeout: \(duration) s")
                #expect(duration <= timeout + Self.slack, "\(name): \(duration) s for a \(timeout) s timeout")
            }
        }
    }
}
