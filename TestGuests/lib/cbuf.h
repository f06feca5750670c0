/* cbuf.h - the console buffer: bytes accumulate until full or flushed, then go to a sink. */
#ifndef CBUF_H
#define CBUF_H

#include <stddef.h>

typedef void (*cbuf_sink)(void *ctx, const char *buf, size_t len);

struct cbuf {
	char *data;
	size_t cap;
	size_t len;
	cbuf_sink sink;
	void *ctx;
};

void cbuf_init(struct cbuf *cb, char *data, size_t cap, cbuf_sink sink, void *ctx);
/* Appends; each time the buffer becomes full it is handed to the sink (one call per full buffer). */
void cbuf_write(struct cbuf *cb, const char *s, size_t n);
/* Hands any buffered bytes to the sink; nothing happens when empty. */
void cbuf_flush(struct cbuf *cb);

#endif
