import Foundation
import Synchronization

/// Runs every (test, driver) pair with up to `jobs` at once and hands each judged result to `progress`
/// as it finishes. Results come back in catalog order, drivers in the order given.
public final class SuiteRunner: Sendable {
    public struct Job: Sendable {
        public let index: Int
        public let entry: CatalogEntry
        public let driver: any Driver
    }

    private let jobs: [Job]
    private let parallelism: Int
    private let kernelDirectory: String
    private let cancelFlag = Atomic<Bool>(false)

    public init(entries: [CatalogEntry], drivers: [any Driver], parallelism: Int, kernelDirectory: String) {
        var jobs: [Job] = []
        for entry in entries {
            for driver in drivers { jobs.append(Job(index: jobs.count, entry: entry, driver: driver)) }
        }
        self.jobs = jobs
        self.parallelism = max(1, parallelism)
        self.kernelDirectory = kernelDirectory
    }

    public var jobCount: Int { jobs.count }

    /// Stops scheduling and kills running VMMs; `run` then returns what finished. Safe from any thread
    /// (and from the SIGINT handling thread).
    public func cancel() { cancelFlag.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { cancelFlag.load(ordering: .relaxed) }

    /// Blocks until every job finished or the run was cancelled.
    public func run(progress: @escaping @Sendable (ProgressEvent) -> Void) -> [TestResult] {
        let next = Mutex(0)
        let finished = Mutex([Int: TestResult]())
        let done = DispatchGroup()
        // Plain threads, not tasks: each blocks in poll(2) on its VMM for the whole run.
        for _ in 0..<min(parallelism, max(1, jobs.count)) {
            done.enter()
            Thread.detachNewThread { [self] in
                defer { done.leave() }
                while !self.isCancelled, let index = next.withLock({ counter -> Int? in
                    guard counter < self.jobs.count else { return nil }
                    defer { counter += 1 }
                    return counter
                }) {
                    let job = self.jobs[index]
                    progress(.started(job.entry.name, driver: job.driver.name))
                    let run = job.driver.run(job.entry, kernelDirectory: self.kernelDirectory,
                                             cancelled: { [self] in self.isCancelled })
                    // A run cut short by Ctrl-C says nothing about the VMM: leave it out of the report.
                    if self.isCancelled { return }
                    let result = Judge.judge(entry: job.entry, driver: job.driver.name, run: run)
                    finished.withLock { $0[index] = result }
                    progress(.finished(result))
                }
            }
        }
        done.wait()
        return finished.withLock { results in results.keys.sorted().compactMap { results[$0] } }
    }
}

public enum ProgressEvent: Sendable {
    case started(String, driver: String)
    case finished(TestResult)
}
