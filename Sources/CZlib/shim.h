// The system zlib (zlib1g-dev), for qcow2's compressed clusters: raw deflate streams (no zlib header),
// 4 KiB window, as QEMU's qcow2 driver writes them. inflateInit2/deflateInit2 are macros, which Swift
// cannot call; these wrappers are the only additions.
#include <zlib.h>

static inline int czlib_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -12);
}

static inline int czlib_deflate_init_raw(z_stream *stream) {
    return deflateInit2(stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY);
}
