/* cbuf.c - see cbuf.h. Host-compilable; the guest binds the sink to testdev (console.c). */
#include "cbuf.h"

#include <string.h>

void cbuf_init(struct cbuf *cb, char *data, size_t cap, cbuf_sink sink, void *ctx)
{
	cb->data = data;
	cb->cap = cap;
	cb->len = 0;
	cb->sink = sink;
	cb->ctx = ctx;
}

void cbuf_flush(struct cbuf *cb)
{
	if (cb->len) {
		cb->sink(cb->ctx, cb->data, cb->len);
		cb->len = 0;
	}
}

void cbuf_write(struct cbuf *cb, const char *s, size_t n)
{
	while (n) {
		size_t room = cb->cap - cb->len;
		size_t k = n < room ? n : room;
		memcpy(cb->data + cb->len, s, k);     /* rep movs in the guest, not a loop of emulated loads/stores */
		cb->len += k;
		s += k;
		n -= k;
		if (cb->len == cb->cap)
			cbuf_flush(cb);
	}
}
