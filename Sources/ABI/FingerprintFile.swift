import Foundation

/// The fingerprint file: pretty-printed JSON with sorted keys, read back with limits, because a file
/// handed to `tck abi diff` may come from anywhere.
public enum FingerprintFile {
    /// A fingerprint of the largest machine is a few hundred KiB; anything near this is not one.
    public static let maximumBytes = 64 << 20

    public static func read(_ path: String) throws(FingerprintFileError) -> Fingerprint {
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard let bytes = attributes[.size] as? Int else { throw FingerprintFileError.unreadable(path: path, reason: "no size") }
            size = bytes
        } catch let error as FingerprintFileError {
            throw error
        } catch {
            throw .unreadable(path: path, reason: Self.reason(error))
        }
        guard size <= maximumBytes else { throw .tooLarge(path: path, bytes: size, limit: maximumBytes) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw .unreadable(path: path, reason: Self.reason(error)) }
        // The file may have grown between the two looks.
        guard data.count <= maximumBytes else { throw .tooLarge(path: path, bytes: data.count, limit: maximumBytes) }
        return try decode(data, path: path)
    }

    /// `path` only names the source in errors.
    public static func decode(_ data: Data, path: String) throws(FingerprintFileError) -> Fingerprint {
        if let problem = JSONNesting.problem(data) { throw .malformed(path: path, reason: problem) }
        let fingerprint: Fingerprint
        do { fingerprint = try JSONDecoder().decode(Fingerprint.self, from: data) } catch {
            throw .malformed(path: path, reason: Self.reason(error))
        }
        guard fingerprint.schemaVersion <= Fingerprint.currentSchemaVersion else {
            throw .newerSchema(path: path, version: fingerprint.schemaVersion, understood: Fingerprint.currentSchemaVersion)
        }
        return fingerprint
    }

    /// The bytes of the file, newline-terminated; equal fingerprints give equal files.
    public static func encode(_ fingerprint: Fingerprint) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // A Fingerprint holds strings, integers and containers only: encoding cannot fail.
        return ((try? encoder.encode(fingerprint)) ?? Data()) + Data("\n".utf8)
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case let DecodingError.dataCorrupted(context): "not JSON: \(context.debugDescription)"
        case let DecodingError.keyNotFound(key, context): "missing \(path(context.codingPath + [key]))"
        case let DecodingError.typeMismatch(type, context): "\(path(context.codingPath)) is not \(type)"
        case let DecodingError.valueNotFound(type, context): "\(path(context.codingPath)) has no \(type) value"
        case let error as CocoaError: error.underlying.map { ($0 as NSError).localizedDescription } ?? error.localizedDescription
        default: "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}

/// Why a fingerprint file could not be read; each names the file.
public enum FingerprintFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case tooLarge(path: String, bytes: Int, limit: Int)
    case malformed(path: String, reason: String)
    case newerSchema(path: String, version: Int, understood: Int)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path): cannot read the fingerprint: \(reason)"
        case let .tooLarge(path, bytes, limit): "\(path): \(bytes) bytes is larger than any fingerprint (at most \(limit))"
        case let .malformed(path, reason): "\(path): not a fingerprint: \(reason)"
        case let .newerSchema(path, version, understood):
            "\(path): fingerprint schema \(version) is newer than this tck understands (\(understood))"
        }
    }
}
