/*
 * netio.c - buffered blocking socket I/O with deadlines.
 *
 * Inputs: bytes from a network peer (hostile).  Lines are bounded by
 * the caller's maximum; an over-long line is consumed and reported,
 * never stored whole.  Runs unprivileged.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "netio.h"
#include "sock.h"

#define NETIO_CHUNK	65536

/* netio_init - wrap fd; reads wait at most timeout_ms */
void
netio_init(struct netio *io, int fd, int timeout_ms)
{
	io->fd = fd;
	io->timeout_ms = timeout_ms;
	/* reads and writes wait in poll(), where the deadline lives */
	sock_nonblock(fd, 1);
	io->err = io->werr = NETIO_OK;
	buf_init(&io->in);
	io->inpos = 0;
	buf_init(&io->out);
}

/* netio_free - release buffers (the fd is the caller's) */
void
netio_free(struct netio *io)
{
	buf_free(&io->in);
	buf_free(&io->out);
}

/* netio_pending - bytes read but not consumed */
size_t
netio_pending(const struct netio *io)
{
	return io->in.len - io->inpos;
}

/* netio_fill - read more input; bytes read, 0 at EOF, -1 on error */
ssize_t
netio_fill(struct netio *io)
{
	ssize_t n;

	if (io->err)
		return io->err == NETIO_EOF ? 0 : -1;
	if (io->inpos > 0 && io->inpos == io->in.len) {
		buf_reset(&io->in);
		io->inpos = 0;
	} else if (io->inpos > NETIO_CHUNK) {
		buf_drop(&io->in, io->inpos);
		io->inpos = 0;
	}
	buf_reserve(&io->in, NETIO_CHUNK);
	for (;;) {
		n = read(io->fd, io->in.data + io->in.len, NETIO_CHUNK);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (sock_wait(io->fd, POLLIN, io->timeout_ms) == 1)
				continue;
			io->err = errno == ETIMEDOUT ? NETIO_TIMEOUT :
			    NETIO_ERROR;
			return -1;
		}
		io->err = NETIO_ERROR;
		return -1;
	}
	if (n == 0) {
		io->err = NETIO_EOF;
		return 0;
	}
	io->in.len += (size_t)n;
	io->in.data[io->in.len] = '\0';
	return n;
}

/*
 * netio_getline - next line, with its LF (and CR) stripped, into line.
 * A line longer than max is consumed to its end and *toolong set.
 * Returns 1 for a line, 0 at end of input or error.  The caller learns
 * whether the line ended with CR LF or a bare LF from the return value:
 * 1 = CR LF, 2 = bare LF.
 */
int
netio_getline(struct netio *io, struct buf *line, size_t max, int *toolong)
{
	const char *p, *nl;
	size_t avail, take;
	int bare;

	buf_reset(line);
	*toolong = 0;
	for (;;) {
		p = io->in.data + io->inpos;
		avail = io->in.len - io->inpos;
		nl = avail ? memchr(p, '\n', avail) : NULL;
		take = nl ? (size_t)(nl - p) : avail;
		if (!*toolong) {
			if (line->len + take > max) {
				*toolong = 1;
				buf_reset(line);
			} else {
				buf_add(line, p, take);
			}
		}
		io->inpos += take;
		if (nl) {
			io->inpos++;
			bare = !(line->len > 0 && line->data[line->len - 1] ==
			    '\r');
			if (*toolong)
				bare = 0;
			if (!bare)
				buf_trunc(line, line->len - 1);
			return bare ? 2 : 1;
		}
		if (netio_fill(io) <= 0)
			return 0;
	}
}

/* netio_peek - pointer to the unread input; its length */
size_t
netio_peek(struct netio *io, const char **p)
{
	*p = io->in.data + io->inpos;
	return io->in.len - io->inpos;
}

/* netio_consume - mark n peeked bytes as read */
void
netio_consume(struct netio *io, size_t n)
{
	io->inpos += n;
}

/* netio_write - queue output */
void
netio_write(struct netio *io, const void *p, size_t n)
{
	buf_add(&io->out, p, n);
}

/* netio_printf - queue formatted output */
void
netio_printf(struct netio *io, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&io->out, fmt, ap);
	va_end(ap);
}

/* netio_flush - send queued output within the deadline; -1 on error */
int
netio_flush(struct netio *io)
{
	size_t off = 0;
	ssize_t n;

	if (io->werr) {
		buf_reset(&io->out);
		return -1;
	}
	while (off < io->out.len) {
		n = send(io->fd, io->out.data + off, io->out.len - off,
		    MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (sock_wait(io->fd, POLLOUT, io->timeout_ms) == 1)
				continue;
			io->err = io->werr = NETIO_TIMEOUT;
			buf_reset(&io->out);
			return -1;
		}
		if (n <= 0) {
			io->err = io->werr = NETIO_ERROR;
			buf_reset(&io->out);
			return -1;
		}
		off += (size_t)n;
	}
	buf_reset(&io->out);
	return 0;
}
