extension DiskSpec {
    /// The catalog's `disk` words (`1M pattern [readonly]`) from a command-line option, e.g. `tck abi dump
    /// --disk`; the error is the catalog's sentence.
    public static func parse(_ text: String) -> Result<DiskSpec, DiskSpecError> {
        CatalogValues.disk(text).mapError { DiskSpecError(description: $0.sentence) }
    }
}

public struct DiskSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
}
