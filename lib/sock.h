/*
 * sock.h - socket plumbing: listeners, connects with a deadline, fd flags.
 *
 * Exports sock_listen_inet, sock_listen_unix, sock_connect_unix,
 * sock_connect_inet, sock_nonblock, sock_cloexec, sock_wait,
 * sock_peer_name, sock_local_name, sock_parse_hostport.
 */
#ifndef SOCK_H
#define SOCK_H

#include <sys/socket.h>

int	sock_listen_inet(const char *host, const char *port, int backlog);
int	sock_listen_unix(const char *path, int type, int backlog, int mode);
int	sock_connect_unix(const char *path, int type, int timeout_ms);
int	sock_connect_inet(const char *host, const char *port, int timeout_ms);
int	sock_nonblock(int fd, int on);
int	sock_cloexec(int fd, int on);
int	sock_wait(int fd, int events, int timeout_ms);
int	sock_peer_addr(int fd, char *addr, size_t addrlen, char *port,
	    size_t portlen);
int	sock_parse_hostport(const char *spec, char *host, size_t hostlen,
	    char *port, size_t portlen);

#endif
