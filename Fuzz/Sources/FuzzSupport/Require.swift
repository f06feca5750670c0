#if canImport(Glibc)
import Glibc
#endif

/// An invariant of the code under test. A violation prints what broke and aborts, which libFuzzer
/// records as a crash with the input that caused it.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    guard !condition() else { return }
    var text = "invariant violated at \(file):\(line): \(message())\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    abort()
}
