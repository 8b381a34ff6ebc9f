/*
 * buf.c - growable binary-safe byte buffer.
 *
 * Inputs: bytes from anywhere, including the network; nothing is
 * interpreted.  Runs at any privilege.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "mem.h"

/* buf_init - empty buffer, allocates nothing yet */
void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->size = 0;
}

/* buf_free - release the storage; the buffer may be reused */
void
buf_free(struct buf *b)
{
	xfree(b->data);
	buf_init(b);
}

/* buf_reset - forget the contents, keep the storage */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* buf_reserve - make room for n more bytes plus the terminator */
void
buf_reserve(struct buf *b, size_t n)
{
	size_t need, size;

	if (n > ((size_t)-1) / 2 - b->len)
		log_panic("%s: size overflow", __func__);
	need = b->len + n + 1;
	if (need <= b->size)
		return;
	size = b->size ? b->size : 64;
	while (size < need)
		size *= 2;
	b->data = xrealloc(b->data, size);
	b->size = size;
}

/* buf_add - append n bytes */
void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* buf_addc - append one byte */
void
buf_addc(struct buf *b, int c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = (char)c;
	b->data[b->len] = '\0';
}

/* buf_adds - append a C string */
void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* buf_vaddf - append formatted text */
void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	buf_reserve(b, 64);
	va_copy(ap2, ap);
	n = vsnprintf(b->data + b->len, b->size - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		log_panic("%s: bad format \"%s\"", __func__, fmt);
	if ((size_t)n >= b->size - b->len) {
		buf_reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, b->size - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

/* buf_addf - append formatted text */
void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

/* buf_drop - remove the first n bytes */
void
buf_drop(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

/* buf_trunc - keep the first n bytes */
void
buf_trunc(struct buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->data[n] = '\0';
	}
}

/* buf_steal - hand the storage to the caller as a C string */
char *
buf_steal(struct buf *b)
{
	char *p;

	if (b->data == NULL)
		return xstrdup("");
	p = b->data;
	buf_init(b);
	return p;
}
