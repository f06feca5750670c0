import Foundation
import Synchronization

/// Progress on stderr: one live line on a terminal (done/total, failures so far, what is running),
/// one plain line per finished test otherwise (CI logs).
public final class ProgressDisplay: Sendable {
    private struct State {
        var done = 0
        var unexpected = 0
        var running: [String] = []
        var lastLineLength = 0
    }

    private let total: Int
    private let isTerminal: Bool
    private let state = Mutex(State())

    public init(total: Int, isTerminal: Bool = isatty(2) == 1) {
        self.total = total
        self.isTerminal = isTerminal
    }

    public func handle(_ event: ProgressEvent) {
        let output: String = state.withLock { state in
            switch event {
            case let .started(test, driver):
                state.running.append("\(driver)/\(test)")
                return isTerminal ? liveLine(&state) : ""
            case let .finished(result):
                state.running.removeAll { $0 == result.key }
                state.done += 1
                if !result.expected { state.unexpected += 1 }
                let mark = result.expected ? "" : "  <-- unexpected"
                let line = "[\(state.done)/\(total)] \(result.outcome.rawValue.uppercased()) \(result.key) "
                    + "(\(String(format: "%.2f", result.durationSeconds)) s)\(mark): \(result.reason)"
                if isTerminal {
                    // Finished tests that need attention stay on screen; the rest only move the live line.
                    let keep = result.expected ? "" : clear(&state) + line + "\n"
                    return keep + liveLine(&state)
                }
                return line + "\n"
            }
        }
        if !output.isEmpty { FileHandle.standardError.write(Data(output.utf8)) }
    }

    /// Ends the live line so later output starts on a clean line.
    public func finish() {
        guard isTerminal else { return }
        let output = state.withLock { clear(&$0) }
        FileHandle.standardError.write(Data(output.utf8))
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
