/// Splits captured console bytes into numbered lines, for the result-protocol parser.
///
/// Total on any input: a line ends at LF, CR or CRLF (one terminator each); the last line may lack a
/// terminator (output cut mid-line). Lines longer than `maximumLineBytes` are cut and flagged. Nothing
/// is decoded here, so invalid UTF-8 and NUL bytes pass through untouched.
struct ConsoleLines: Sequence {
    struct Line {
        /// 1-based line number.
        var number: Int
        /// The line's bytes without its terminator, at most `maximumLineBytes`.
        var bytes: ArraySlice<UInt8>
        /// Length before cutting (equals `bytes.count` unless the line was too long).
        var fullLength: Int
        /// False for a last line the output ended inside.
        var terminated: Bool

        var wasCut: Bool { fullLength > bytes.count }
    }

    let console: [UInt8]
    let maximumLineBytes: Int

    func makeIterator() -> Iterator {
        Iterator(console: console, maximumLineBytes: maximumLineBytes)
    }

    struct Iterator: IteratorProtocol {
        let console: [UInt8]
        let maximumLineBytes: Int
        var position = 0
        var lineNumber = 0

        init(console: [UInt8], maximumLineBytes: Int) {
            self.console = console
            self.maximumLineBytes = Swift.max(0, maximumLineBytes)
        }

        mutating func next() -> Line? {
            guard position < console.count else { return nil }
            let start = position
            var end = start
            while end < console.count, console[end] != 0x0A, console[end] != 0x0D { end += 1 }
            var terminated = false
            position = end
            if position < console.count {
                terminated = true
                let terminator = console[position]
                position += 1
                if terminator == 0x0D, position < console.count, console[position] == 0x0A { position += 1 }
            }
            lineNumber += 1
            let length = end - start
            let kept = Swift.min(length, maximumLineBytes)
            return Line(number: lineNumber, bytes: console[start..<(start + kept)], fullLength: length,
                        terminated: terminated)
        }
    }
}
