#if canImport(Glibc)
import Glibc
#endif

/// errno values as readable text for error messages.
enum Errno {
    static func name(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return "\(String(cString: text)) (errno \(code))"
    }
}
