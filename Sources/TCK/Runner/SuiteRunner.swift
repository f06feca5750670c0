import Foundation
import Synchronization

/// Runs every (test, driver) pair with up to `jobs` at once and hands each judged result to `progress`
/// as it finishes. Results come back in catalog order, drivers in the order given.
///
/// Tests whose guest sleeps on the wall clock (catalog `sleeps = yes`) run in a lane of their own, one at
/// a time, beside the `jobs` lanes: they would hold a lane for up to a second while its CPU idles.
public final class SuiteRunner: Sendable {
    public struct Job: Sendable {
        public let index: Int
        public let entry: CatalogEntry
        public let driver: any Driver
    }

    private let jobs: [Job]
    /// Indexes into `jobs` in the order they start, longest expected first (`StartOrder`): the lanes
    /// that share the CPU, and the lane of tests that sleep.
    private let startOrder: [Int]
    private let sleeperOrder: [Int]
    private let parallelism: Int
    private let kernelDirectory: String
    private let diskDirectory: String
    private let snapshotDirectory: String
    private let cancelFlag = Atomic<Bool>(false)

    /// `diskDirectory`: where the images of tests with a `disk` go (`<dir>/<driver>/<test>.img`, made
    /// afresh for every run); `tck run` uses `<report-dir>/disks`, the default is a per-process temporary one.
    /// `snapshotDirectory`: where `migrate` tests save the VM (`<dir>/<driver>/<test>.snap`, `SnapshotFiles`);
    /// `tck run` uses `<report-dir>/snapshots`, the default is a per-process temporary one.
    /// `history`: `driver/test` → seconds from an earlier run, to start the longest tests first.
    public init(entries: [CatalogEntry], drivers: [any Driver], parallelism: Int, kernelDirectory: String,
                diskDirectory: String? = nil, snapshotDirectory: String? = nil, history: [String: Double] = [:]) {
        var jobs: [Job] = []
        for entry in entries {
            for driver in drivers { jobs.append(Job(index: jobs.count, entry: entry, driver: driver)) }
        }
        self.jobs = jobs
        let order = StartOrder.order(jobs.map { ($0.entry, $0.driver.name) }, history: history)
        startOrder = order.filter { !jobs[$0].entry.sleeps }
        sleeperOrder = order.filter { jobs[$0].entry.sleeps }
        self.parallelism = max(1, parallelism)
        self.kernelDirectory = kernelDirectory
        self.diskDirectory = diskDirectory ?? NSTemporaryDirectory() + "tck-disks-\(getpid())"
        self.snapshotDirectory = snapshotDirectory ?? NSTemporaryDirectory() + "tck-snapshots-\(getpid())"
    }

    public var jobCount: Int { jobs.count }

    /// Stops scheduling and kills running VMMs; `run` then returns what finished. Safe from any thread
    /// (and from the SIGINT handling thread).
    public func cancel() { cancelFlag.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { cancelFlag.load(ordering: .relaxed) }

    /// Blocks until every job finished or the run was cancelled.
    public func run(progress: @escaping @Sendable (ProgressEvent) -> Void) -> [TestResult] {
        let finished = Mutex([Int: TestResult]())
        let done = DispatchGroup()
        let queues = [(order: startOrder, lanes: min(parallelism, max(1, startOrder.count))),
                      (order: sleeperOrder, lanes: sleeperOrder.isEmpty ? 0 : 1)]
        for queue in queues {
            let next = Mutex(0)
            // Plain threads, not tasks: each blocks in poll(2) on its VMM for the whole run.
            for _ in 0..<queue.lanes {
                done.enter()
                Thread.detachNewThread { [self] in
                    defer { done.leave() }
                    while !self.isCancelled, let index = next.withLock({ counter -> Int? in
                        guard counter < queue.order.count else { return nil }
                        defer { counter += 1 }
                        return counter
                    }) {
                        let job = self.jobs[queue.order[index]]
                        guard let result = self.run(job, progress: progress) else { return }
                        finished.withLock { $0[job.index] = result }
                        progress(.finished(result))
                    }
                }
            }
        }
        done.wait()
        return finished.withLock { results in results.keys.sorted().compactMap { results[$0] } }
    }

    /// One job, judged; nil when the run was cancelled meanwhile (a run cut short by Ctrl-C says nothing
    /// about the VMM: it is left out of the report).
    private func run(_ job: Job, progress: @Sendable (ProgressEvent) -> Void) -> TestResult? {
        progress(.started(job.entry.name, driver: job.driver.name))
        do throws(DiskImageError) {
            let disk = try DiskImages.prepare(job.entry, driver: job.driver.name, directory: diskDirectory)
            let snapshot = try SnapshotFiles.prepare(job.entry, driver: job.driver.name, directory: snapshotDirectory)
            let cancelled: @Sendable () -> Bool = { [self] in self.isCancelled }
            let run = if let snapshot {
                job.driver.runMigrating(job.entry, kernelDirectory: kernelDirectory, disk: disk,
                                        snapshot: snapshot, cancelled: cancelled)
            } else {
                job.driver.run(job.entry, kernelDirectory: kernelDirectory, disk: disk, cancelled: cancelled)
            }
            if isCancelled { return nil }
            return Judge.judge(entry: job.entry, driver: job.driver.name, run: run)
        } catch {
            return Self.notStarted(job, because: error)
        }
    }
}

extension SuiteRunner {
    /// The result of a test whose disk image or snapshot file could not be made: `error` (judged as a VMM
    /// failure, so an expectation applies as usual), with the file's problem as the reason; no VMM ran.
    static func notStarted(_ job: Job, because error: DiskImageError) -> TestResult {
        var result = Judge.judge(entry: job.entry, driver: job.driver.name,
                                 run: DriverRun(termination: .vmmFailure(reason: error.description), console: [], durationSeconds: 0))
        result.reason = error.description
        result.exitDescription = "not started: no \(error.what.replacingOccurrences(of: "the ", with: ""))"
        return result
    }
}

public enum ProgressEvent: Sendable {
    case started(String, driver: String)
    case finished(TestResult)
}
