import CZlib

/// Compressed clusters: a raw deflate stream (no zlib header, 4 KiB window), as `qemu-img convert -c`
/// writes them, through the system zlib. Decompression must produce exactly one cluster; the stored
/// length is a sector-rounded upper bound, so trailing bytes after the stream's end are allowed.
enum CompressedCluster {
    /// Inflates `compressed` into exactly `clusterSize` bytes, or nil when the stream is malformed or
    /// produces a different amount.
    static func inflate(_ compressed: [UInt8], clusterSize: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: clusterSize)
        var stream = z_stream()
        guard czlib_inflate_init_raw(&stream) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var input = compressed
        let status = finish(&stream, from: &input, into: &output) { CZlib.inflate($0, Z_FINISH) }
        // Z_BUF_ERROR: the output is full before the stream's end marker, as QEMU accepts.
        guard status == Z_STREAM_END || status == Z_BUF_ERROR, stream.avail_out == 0 else { return nil }
        return output
    }

    /// Deflates one cluster; nil when the result would not be smaller than the cluster (store it plain).
    static func deflate(_ cluster: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard czlib_deflate_init_raw(&stream) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var input = cluster
        var output = [UInt8](repeating: 0, count: cluster.count)
        let status = finish(&stream, from: &input, into: &output) { CZlib.deflate($0, Z_FINISH) }
        guard status == Z_STREAM_END else { return nil }
        let length = cluster.count - Int(stream.avail_out)
        return length < cluster.count ? Array(output[0..<length]) : nil
    }

    /// Points `stream` at all of `input` and `output` and makes the one `call` (inflate or deflate with
    /// Z_FINISH) that runs the whole stream; returns zlib's status.
    private static func finish(_ stream: inout z_stream, from input: inout [UInt8], into output: inout [UInt8],
                               _ call: (UnsafeMutablePointer<z_stream>) -> Int32) -> Int32 {
        input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return withUnsafeMutablePointer(to: &stream) { call($0) }
            }
        }
    }
}
