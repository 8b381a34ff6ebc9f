/*
 * netio.h - buffered blocking I/O on a socket, with a deadline per read.
 *
 * For the one-client-at-a-time programs (smtpd-in, reinject).  Exports
 * struct netio, netio_init, netio_free, netio_fill, netio_getline,
 * netio_peek, netio_consume, netio_pending, netio_write, netio_printf,
 * netio_flush.  Errors are sticky: after a timeout, end of file or an
 * error reading, every read fails and io->err says which; output can
 * still be flushed (a last "421 timeout") until a write fails.
 */
#ifndef NETIO_H
#define NETIO_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

enum { NETIO_OK, NETIO_EOF, NETIO_TIMEOUT, NETIO_ERROR };

struct netio {
	int		fd;
	int		timeout_ms;
	int		err;
	int		werr;		/* a write failed: no more output */
	struct buf	in;
	size_t		inpos;		/* first unread byte of in */
	struct buf	out;
};

void	netio_init(struct netio *, int fd, int timeout_ms);
void	netio_free(struct netio *);
ssize_t	netio_fill(struct netio *);
int	netio_getline(struct netio *, struct buf *, size_t max, int *toolong);
size_t	netio_peek(struct netio *, const char **);
void	netio_consume(struct netio *, size_t);
size_t	netio_pending(const struct netio *);
void	netio_write(struct netio *, const void *, size_t);
void	netio_printf(struct netio *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	netio_flush(struct netio *);

#endif
