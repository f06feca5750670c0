import Foundation
import Synchronization

/// Progress on stderr: one live line on a terminal (done/total, failures so far, what is running),
/// one plain line per finished test otherwise (CI logs).
///
/// Optionally each finished result is also written to stdout as it arrives (`tck run --tap`), formatted
/// by `resultLine` with the result's 1-based order of arrival. When stdout and stderr are the same
/// terminal, the live line is cleared first so the two streams do not mix on one line.
public final class ProgressDisplay: Sendable {
    private struct State {
        var done = 0
        var unexpected = 0
        var running: [String] = []
        var lastLineLength = 0
    }

    private let total: Int
    private let isTerminal: Bool
    private let stdoutIsTerminal: Bool
    private let resultLine: (@Sendable (TestResult, Int) -> String)?
    private let state = Mutex(State())

    public init(total: Int, isTerminal: Bool = isatty(2) == 1, stdoutIsTerminal: Bool = isatty(1) == 1,
                resultLine: (@Sendable (TestResult, Int) -> String)? = nil) {
        self.total = total
        self.isTerminal = isTerminal
        self.stdoutIsTerminal = stdoutIsTerminal
        self.resultLine = resultLine
    }

    public func handle(_ event: ProgressEvent) {
        // Written under the lock: results reach stdout in the order they are numbered, and the
        // stderr and stdout writes of one event are not interleaved with another's.
        state.withLock { state in
            switch event {
            case let .started(test, driver):
                state.running.append("\(driver)/\(test)")
                if isTerminal { Self.write(liveLine(&state), to: FileHandle.standardError) }
            case let .finished(result):
                state.running.removeAll { $0 == result.key }
                state.done += 1
                if !result.expected { state.unexpected += 1 }
                let mark = result.expected ? "" : "  <-- unexpected"
                let line = "[\(state.done)/\(total)] \(result.outcome.rawValue.uppercased()) \(result.key) "
                    + "(\(String(format: "%.2f", result.durationSeconds)) s)\(mark): \(result.reason)"
                if let resultLine {
                    if isTerminal && stdoutIsTerminal { Self.write(clear(&state), to: FileHandle.standardError) }
                    Self.write(resultLine(result, state.done), to: FileHandle.standardOutput)
                }
                if isTerminal {
                    // Finished tests that need attention stay on screen; the rest only move the live line.
                    let keep = result.expected ? "" : clear(&state) + line + "\n"
                    Self.write(keep + liveLine(&state), to: FileHandle.standardError)
                } else {
                    Self.write(line + "\n", to: FileHandle.standardError)
                }
            }
        }
    }

    /// Ends the live line so later output starts on a clean line.
    public func finish() {
        guard isTerminal else { return }
        state.withLock { Self.write(clear(&$0), to: FileHandle.standardError) }
    }

    private static func write(_ text: String, to handle: FileHandle) {
        if !text.isEmpty { handle.write(Data(text.utf8)) }
    }

    private func clear(_ state: inout State) -> String {
        defer { state.lastLineLength = 0 }
        return state.lastLineLength == 0 ? "" : "\r" + String(repeating: " ", count: state.lastLineLength) + "\r"
    }

    private func liveLine(_ state: inout State) -> String {
        let line = "[\(state.done)/\(total)] \(state.unexpected) unexpected · running \(state.running.joined(separator: ", "))"
        let clipped = String(line.prefix(160))
        let text = clear(&state) + clipped
        state.lastLineLength = clipped.count
        return text
    }
}
