/*
 * buf.h - growable, length-tracked, binary-safe byte buffer.
 *
 * The data is always NUL-terminated (one byte past len) so that text
 * can be handed to string functions, but len is the truth: the data may
 * contain NULs.  Exports buf_init, buf_free, buf_reset, buf_reserve,
 * buf_add, buf_addc, buf_adds, buf_addf, buf_vaddf, buf_drop, buf_trunc,
 * buf_steal.
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 size;		/* allocated, always > len */
};

#define BUF_INIT	{ NULL, 0, 0 }

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_reserve(struct buf *, size_t);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_addc(struct buf *, int);
void	 buf_adds(struct buf *, const char *);
void	 buf_addf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_vaddf(struct buf *, const char *, va_list);
void	 buf_drop(struct buf *, size_t);
void	 buf_trunc(struct buf *, size_t);
char	*buf_steal(struct buf *);

/* buf_str - the contents as a C string (never NULL) */
static inline const char *
buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

#endif
