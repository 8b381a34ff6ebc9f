/*
 * sock.c - socket plumbing.
 *
 * Inputs: addresses from configuration (trusted) and peer addresses
 * from the kernel.  Runs at any privilege; the master binds listeners
 * as root and passes them on.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "sock.h"

/* sock_nonblock - set or clear O_NONBLOCK */
int
sock_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl);
}

/* sock_cloexec - set or clear FD_CLOEXEC */
int
sock_cloexec(int fd, int on)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0)
		return -1;
	fl = on ? (fl | FD_CLOEXEC) : (fl & ~FD_CLOEXEC);
	return fcntl(fd, F_SETFD, fl);
}

/* sock_wait - poll one fd; 1 ready, 0 timeout, -1 error */
int
sock_wait(int fd, int events, int timeout_ms)
{
	struct pollfd pfd;
	int n;

	pfd.fd = fd;
	pfd.events = (short)events;
	do {
		n = poll(&pfd, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n;
}

/* sock_parse_hostport - split "host:port", "[host]:port" or "host" */
int
sock_parse_hostport(const char *spec, char *host, size_t hostlen,
    char *port, size_t portlen)
{
	const char *colon, *end;

	if (*spec == '[') {
		end = strchr(spec, ']');
		if (end == NULL)
			return -1;
		if ((size_t)(end - spec - 1) >= hostlen)
			return -1;
		memcpy(host, spec + 1, (size_t)(end - spec - 1));
		host[end - spec - 1] = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return -1;
	} else {
		colon = strrchr(spec, ':');
		if (colon && strchr(spec, ':') != colon)
			colon = NULL;	/* bare IPv6 address, no port */
		if ((size_t)(colon ? colon - spec : (long)strlen(spec)) >=
		    hostlen)
			return -1;
		if (colon) {
			memcpy(host, spec, (size_t)(colon - spec));
			host[colon - spec] = '\0';
		} else {
			strlcpy(host, spec, hostlen);
		}
	}
	if (colon) {
		if (strlcpy(port, colon + 1, portlen) >= portlen ||
		    port[0] == '\0')
			return -1;
	} else if (portlen) {
		port[0] = '\0';
	}
	return 0;
}

/* sock_listen_inet - bind and listen on host:port (TCP) */
int
sock_listen_inet(const char *host, const char *port, int backlog)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, on = 1, err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((err = getaddrinfo(*host ? host : NULL, port, &hints, &res)) != 0) {
		errno = EINVAL;
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, backlog) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
		errno = err;
	}
	freeaddrinfo(res);
	return fd;
}

/* sock_listen_unix - bind a unix socket of type at path with mode */
int
sock_listen_unix(const char *path, int type, int backlog, int mode)
{
	struct sockaddr_un sun;
	int fd, err;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, (mode_t)mode) < 0 || listen(fd, backlog) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* sock_connect_unix - connect to a unix socket, with a deadline */
int
sock_connect_unix(const char *path, int type, int timeout_ms)
{
	struct sockaddr_un sun;
	int fd, err;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	/*
	 * A unix connect only blocks when the listen queue is full; a
	 * non-blocking connect then fails with EAGAIN, which we retry
	 * until the deadline rather than wait inside the kernel forever.
	 */
	sock_nonblock(fd, 1);
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && timeout_ms > 0) {
			usleep(10000);
			timeout_ms -= 10;
			continue;
		}
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	sock_nonblock(fd, 0);
	return fd;
}

/* sock_connect_inet - TCP connect to host:port within timeout_ms */
int
sock_connect_inet(const char *host, const char *port, int timeout_ms)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, err = ECONNREFUSED, on = 1;
	socklen_t len;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			goto connected;
		if (errno == EINPROGRESS) {
			if (sock_wait(fd, POLLOUT, timeout_ms) == 1) {
				len = sizeof(err);
				if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
				    &len) == 0 && err == 0)
					goto connected;
			} else {
				err = ETIMEDOUT;
			}
		} else {
			err = errno;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	errno = err;
	return -1;
connected:
	freeaddrinfo(res);
	sock_nonblock(fd, 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
}

/* sock_peer_addr - numeric address and port of the peer */
int
sock_peer_addr(int fd, char *addr, size_t addrlen, char *port,
    size_t portlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_UNIX) {
		strlcpy(addr, "127.0.0.1", addrlen);
		strlcpy(port, "0", portlen);
		return 0;
	}
	if (getnameinfo((struct sockaddr *)&ss, len, addr, (socklen_t)addrlen,
	    port, (socklen_t)portlen, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return -1;
	/* an IPv4-mapped IPv6 address is shown as plain IPv4 */
	if (strncmp(addr, "::ffff:", 7) == 0 && strchr(addr + 7, '.'))
		memmove(addr, addr + 7, strlen(addr + 7) + 1);
	return 0;
}
