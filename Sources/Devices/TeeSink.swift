/// Writes every buffer to each of `sinks`, in order (e.g. the console and a capture for the report).
public final class TeeSink: ByteSink {
    public let sinks: [any ByteSink]

    public init(_ sinks: [any ByteSink]) {
        self.sinks = sinks
    }

    public func write(_ bytes: [UInt8]) {
        for sink in sinks { sink.write(bytes) }
    }
}
