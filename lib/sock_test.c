/*
 * sock_test.c - unit tests of sock.c: sock_parse_hostport, TCP listen
 * and connect on loopback (a random high port, skipped when busy),
 * connection refused, unix sockets in a temporary directory, peer
 * addresses, fd flags and sock_wait.  Inputs: none (self-contained;
 * uses 127.0.0.1 and, when the host has it, ::1; no DNS).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "event.h"
#include "sock.h"
#include "test.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* SKIP - a TAP skip line */
#define SKIP(...) do {							\
	printf("ok %d # SKIP ", ++test_n);				\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

/*
 * sock_parse_hostport with a 64-byte host and an 8-byte port buffer:
 * the spec, the result, and host and port when it is 0.
 */
static const struct {
	const char	*spec;
	int		 rc;
	const char	*host, *port;
} hostports[] = {
	{ "127.0.0.1:25", 0, "127.0.0.1", "25" },
	{ "[127.0.0.1]:10025", 0, "127.0.0.1", "10025" },
	{ "[::1]:25", 0, "::1", "25" },
	{ "::1", 0, "::1", "" },		/* bare IPv6: no port */
	{ "2001:db8::1", 0, "2001:db8::1", "" },
	{ "[::1]", 0, "::1", "" },
	{ "[127.0.0.1]", 0, "127.0.0.1", "" },
	{ "host", 0, "host", "" },
	{ "host.example:smtp", 0, "host.example", "smtp" },
	{ ":25", 0, "", "25" },			/* every address */
	{ "", 0, "", "" },
	{ "[]:25", 0, "", "25" },
	{ "[bad", -1, NULL, NULL },
	{ "[::1", -1, NULL, NULL },
	{ "h:", -1, NULL, NULL },		/* empty port */
	{ "[::1]:", -1, NULL, NULL },
	{ "[::1]x", -1, NULL, NULL },
	{ "[::1]x:25", -1, NULL, NULL },
	{ "[::1]]:25", -1, NULL, NULL },
	{ "h:1234567", 0, "h", "1234567" },	/* 7 + NUL: fits */
	{ "h:12345678", -1, NULL, NULL },	/* port too long */
	{ "0123456789012345678901234567890123456789012345678901234567890"
	    "12:25", 0, "0123456789012345678901234567890123456789012345678"
	    "90123456789012", "25" },		/* 63 + NUL: fits */
	{ "0123456789012345678901234567890123456789012345678901234567890"
	    "123:25", -1, NULL, NULL },		/* 64: too long */
	{ "[0123456789012345678901234567890123456789012345678901234567890"
	    "123]:25", -1, NULL, NULL },
	{ "0123456789012345678901234567890123456789012345678901234567890"
	    "123", -1, NULL, NULL },
};

/* test_parse - the table above */
static void
test_parse(void)
{
	char host[64], port[8];
	size_t i;
	int rc;

	for (i = 0; i < NELEM(hostports); i++) {
		strcpy(host, "unset");
		strcpy(port, "unset");
		rc = sock_parse_hostport(hostports[i].spec, host, sizeof(host),
		    port, sizeof(port));
		if (hostports[i].rc < 0) {
			TEST_IS_INT(rc, -1, "\"%s\" is refused",
			    hostports[i].spec);
			continue;
		}
		TEST_OK(rc == 0 && strcmp(host, hostports[i].host) == 0 &&
		    strcmp(port, hostports[i].port) == 0,
		    "\"%s\": %d host \"%s\" port \"%s\"", hostports[i].spec,
		    rc, host, port);
	}
	rc = sock_parse_hostport("host", host, sizeof(host), port, 0);
	TEST_OK(rc == 0 && strcmp(host, "host") == 0, "no port buffer, no "
	    "port: fine");
}

/* flag_set - is the fcntl flag on */
static int
flag_set(int fd, int get, int flag)
{
	int fl = fcntl(fd, get);

	return fl >= 0 && (fl & flag) != 0;
}

/* test_flags - sock_nonblock, sock_cloexec, sock_wait on a pipe */
static void
test_flags(void)
{
	int p[2];
	long long t0, dt;

	if (pipe(p) < 0)
		exit(2);
	TEST_OK(sock_nonblock(p[0], 1) == 0 && flag_set(p[0], F_GETFL,
	    O_NONBLOCK), "sock_nonblock on");
	TEST_OK(sock_nonblock(p[0], 0) == 0 && !flag_set(p[0], F_GETFL,
	    O_NONBLOCK), "sock_nonblock off");
	TEST_OK(sock_cloexec(p[0], 1) == 0 && flag_set(p[0], F_GETFD,
	    FD_CLOEXEC), "sock_cloexec on");
	TEST_OK(sock_cloexec(p[0], 0) == 0 && !flag_set(p[0], F_GETFD,
	    FD_CLOEXEC), "sock_cloexec off");
	TEST_IS_INT(sock_nonblock(-1, 1), -1, "sock_nonblock of a bad fd");
	TEST_IS_INT(sock_cloexec(-1, 1), -1, "sock_cloexec of a bad fd");

	t0 = event_now_ms();
	errno = 0;
	TEST_IS_INT(sock_wait(p[0], POLLIN, 30), 0, "sock_wait: nothing");
	dt = event_now_ms() - t0;
	TEST_OK(errno == ETIMEDOUT && dt >= 29 && dt < 1000, "ETIMEDOUT after "
	    "30 ms (%lld)", dt);
	TEST_IS_INT(sock_wait(p[1], POLLOUT, 0), 1, "sock_wait: writable");
	if (write(p[1], "x", 1) != 1)
		exit(2);
	TEST_IS_INT(sock_wait(p[0], POLLIN, 1000), 1, "sock_wait: readable");
	close(p[0]);
	close(p[1]);
}

/* listen_random - listen on host at a random high port; -1 if none */
static int
listen_random(const char *host, char *port, size_t len)
{
	int i, fd;

	for (i = 0; i < 20; i++) {
		snprintf(port, len, "%d", 20000 + rand() % 40000);
		if ((fd = sock_listen_inet(host, port, 5)) >= 0)
			return fd;
	}
	return -1;
}

/* test_tcp - listen, connect, accept and peer addresses over IPv4 */
static void
test_tcp(void)
{
	char port[16], addr[64], pport[16], cport[16], b[8];
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int lfd, cfd, afd, on = 0;
	socklen_t ol = sizeof(on);
	long long t0, dt;

	if ((lfd = listen_random("127.0.0.1", port, sizeof(port))) < 0) {
		SKIP("no free port on 127.0.0.1: %s", strerror(errno));
		return;
	}
	TEST_OK(flag_set(lfd, F_GETFD, FD_CLOEXEC), "the listener is "
	    "close-on-exec (port %s)", port);
	cfd = sock_connect_inet("127.0.0.1", port, 1000);
	TEST_OK(cfd >= 0, "sock_connect_inet to it");
	if (cfd < 0) {
		close(lfd);
		return;
	}
	TEST_OK(!flag_set(cfd, F_GETFL, O_NONBLOCK), "connected: blocking");
	TEST_OK(flag_set(cfd, F_GETFD, FD_CLOEXEC), "connected: close-on-exec");
	TEST_OK(getsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &on, &ol) == 0 &&
	    on, "connected: TCP_NODELAY");
	afd = accept(lfd, NULL, NULL);
	TEST_OK(afd >= 0, "accepted");
	TEST_OK(write(cfd, "ping", 4) == 4 && read(afd, b, sizeof(b)) == 4 &&
	    memcmp(b, "ping", 4) == 0, "bytes flow");

	getsockname(cfd, (struct sockaddr *)&sin, &sl);
	snprintf(cport, sizeof(cport), "%d", ntohs(sin.sin_port));
	TEST_OK(sock_peer_addr(afd, addr, sizeof(addr), pport,
	    sizeof(pport)) == 0, "sock_peer_addr of the accepted socket");
	TEST_IS_STR(addr, "127.0.0.1", "the peer is 127.0.0.1");
	TEST_IS_STR(pport, cport, "at the client's port");
	TEST_OK(sock_peer_addr(cfd, addr, sizeof(addr), pport,
	    sizeof(pport)) == 0 && strcmp(addr, "127.0.0.1") == 0 &&
	    strcmp(pport, port) == 0, "the client's peer is the listener");
	TEST_IS_INT(sock_peer_addr(lfd, addr, sizeof(addr), pport,
	    sizeof(pport)), -1, "a listener has no peer");
	close(afd);
	close(cfd);

	/* the same port, now closed: refused, and quickly */
	close(lfd);
	t0 = event_now_ms();
	errno = 0;
	cfd = sock_connect_inet("127.0.0.1", port, 5000);
	dt = event_now_ms() - t0;
	TEST_IS_INT(cfd, -1, "a closed port: -1");
	TEST_IS_INT(errno, ECONNREFUSED, "ECONNREFUSED");
	TEST_OK(dt < 1000, "at once, not after the timeout (%lld ms)", dt);
	if (cfd >= 0)
		close(cfd);

	/* no DNS here: a service name is refused (numeric ports only) */
	errno = 0;
	TEST_IS_INT(sock_connect_inet("127.0.0.1", "smtp", 100), -1,
	    "a service name is not a port");
	TEST_IS_INT(errno, EHOSTUNREACH, "EHOSTUNREACH");
	errno = 0;
	TEST_IS_INT(sock_listen_inet("127.0.0.1", "smtp", 5), -1,
	    "listen: a service name is not a port");
	TEST_IS_INT(errno, EINVAL, "EINVAL");

	/* a port that is taken */
	if ((lfd = listen_random("127.0.0.1", port, sizeof(port))) >= 0) {
		errno = 0;
		TEST_IS_INT(sock_listen_inet("127.0.0.1", port, 5), -1,
		    "listen on a port in use: -1");
		TEST_IS_INT(errno, EADDRINUSE, "EADDRINUSE");
		close(lfd);
	}
}

/* test_tcp6 - ::1, and an IPv4 peer of a dual-stack listener */
static void
test_tcp6(void)
{
	char port[16], addr[64], pport[16];
	int lfd, cfd, afd;

	if ((lfd = listen_random("::1", port, sizeof(port))) < 0) {
		SKIP("no IPv6 loopback: %s", strerror(errno));
	} else {
		cfd = sock_connect_inet("::1", port, 1000);
		afd = cfd >= 0 ? accept(lfd, NULL, NULL) : -1;
		TEST_OK(afd >= 0 && sock_peer_addr(afd, addr, sizeof(addr),
		    pport, sizeof(pport)) == 0 && strcmp(addr, "::1") == 0,
		    "[::1]: the peer is ::1");
		if (afd >= 0)
			close(afd);
		if (cfd >= 0)
			close(cfd);
		close(lfd);
	}
	if ((lfd = listen_random("::", port, sizeof(port))) < 0) {
		SKIP("no IPv6 wildcard: %s", strerror(errno));
		return;
	}
	cfd = sock_connect_inet("127.0.0.1", port, 1000);
	if (cfd < 0) {
		SKIP("[::] does not take IPv4 here (v6only)");
		close(lfd);
		return;
	}
	afd = accept(lfd, NULL, NULL);
	TEST_OK(afd >= 0 && sock_peer_addr(afd, addr, sizeof(addr), pport,
	    sizeof(pport)) == 0, "[::] listener, IPv4 client: peer address");
	TEST_IS_STR(addr, "127.0.0.1", "::ffff:127.0.0.1 is shown as "
	    "127.0.0.1");
	if (afd >= 0)
		close(afd);
	close(cfd);
	close(lfd);
}

/* test_unix - listen and connect in a temporary directory */
static void
test_unix(void)
{
	char dir[] = "/tmp/sock_test.XXXXXX", addr[64], pport[16], b[8];
	struct buf path = BUF_INIT, longp = BUF_INIT;
	struct stat st;
	int lfd, cfd, afd, c2, c3;
	long long t0, dt;

	if (mkdtemp(dir) == NULL)
		exit(2);
	buf_addf(&path, "%s/s", dir);
	lfd = sock_listen_unix(buf_str(&path), SOCK_STREAM, 5, 0620);
	TEST_OK(lfd >= 0, "sock_listen_unix");
	TEST_OK(stat(buf_str(&path), &st) == 0 && S_ISSOCK(st.st_mode) &&
	    (st.st_mode & 0777) == 0620, "a socket with mode 0620 (%o)",
	    (unsigned)(st.st_mode & 0777));
	TEST_OK(flag_set(lfd, F_GETFD, FD_CLOEXEC), "close-on-exec");
	cfd = sock_connect_unix(buf_str(&path), SOCK_STREAM, 1000);
	TEST_OK(cfd >= 0, "sock_connect_unix");
	TEST_OK(cfd >= 0 && !flag_set(cfd, F_GETFL, O_NONBLOCK) &&
	    flag_set(cfd, F_GETFD, FD_CLOEXEC), "blocking, close-on-exec");
	afd = accept(lfd, NULL, NULL);
	TEST_OK(afd >= 0 && write(cfd, "hi", 2) == 2 &&
	    read(afd, b, sizeof(b)) == 2, "accepted, bytes flow");
	TEST_OK(sock_peer_addr(afd, addr, sizeof(addr), pport,
	    sizeof(pport)) == 0 && strcmp(addr, "127.0.0.1") == 0 &&
	    strcmp(pport, "0") == 0, "a unix peer reads as 127.0.0.1 port 0");
	close(afd);
	close(cfd);
	close(lfd);

	/* a stale socket file is replaced; a dead one refuses */
	errno = 0;
	cfd = sock_connect_unix(buf_str(&path), SOCK_STREAM, 100);
	TEST_OK(cfd == -1 && errno == ECONNREFUSED, "no listener behind the "
	    "file: ECONNREFUSED");
	lfd = sock_listen_unix(buf_str(&path), SOCK_SEQPACKET, 0, 0600);
	TEST_OK(lfd >= 0, "listen again over the stale file (SEQPACKET)");

	/* backlog 0: one connection waits, the next finds the queue full */
	c2 = sock_connect_unix(buf_str(&path), SOCK_SEQPACKET, 0);
	TEST_OK(c2 >= 0, "first connect to backlog 0");
	c3 = sock_connect_unix(buf_str(&path), SOCK_SEQPACKET, 0);
	if (c3 >= 0) {
		SKIP("the kernel queued a second connection");
		close(c3);
	} else {
		TEST_IS_INT(errno, EAGAIN, "a full queue, no wait: EAGAIN");
		t0 = event_now_ms();
		c3 = sock_connect_unix(buf_str(&path), SOCK_SEQPACKET, 100);
		dt = event_now_ms() - t0;
		TEST_OK(c3 == -1 && dt >= 90 && dt < 1000, "a full queue, "
		    "100 ms: tried until the deadline (%lld ms, %s)", dt,
		    strerror(errno));
		if (c3 >= 0)
			close(c3);
	}
	afd = accept(lfd, NULL, NULL);
	TEST_OK(afd >= 0 && send(c2, "pkt", 3, 0) == 3 &&
	    recv(afd, b, sizeof(b), 0) == 3, "SEQPACKET: a packet flows");
	close(afd);
	close(c2);
	close(lfd);

	errno = 0;
	TEST_IS_INT(sock_connect_unix(buf_str(&path), SOCK_STREAM, 100), -1,
	    "after close: -1");
	unlink(buf_str(&path));
	errno = 0;
	TEST_IS_INT(sock_connect_unix(buf_str(&path), SOCK_STREAM, 100), -1,
	    "no file: -1");
	TEST_IS_INT(errno, ENOENT, "ENOENT");

	/* a path longer than sun_path */
	buf_addf(&longp, "%s/", dir);
	while (longp.len < sizeof(((struct sockaddr_un *)0)->sun_path) + 10)
		buf_addc(&longp, 'x');
	errno = 0;
	TEST_OK(sock_listen_unix(buf_str(&longp), SOCK_STREAM, 5, 0600) == -1 &&
	    errno == ENAMETOOLONG, "listen: a path too long: ENAMETOOLONG");
	errno = 0;
	TEST_OK(sock_connect_unix(buf_str(&longp), SOCK_STREAM, 0) == -1 &&
	    errno == ENAMETOOLONG, "connect: a path too long: ENAMETOOLONG");
	errno = 0;
	buf_reset(&longp);
	buf_addf(&longp, "%s/no/such/dir/s", dir);
	TEST_IS_INT(sock_listen_unix(buf_str(&longp), SOCK_STREAM, 5, 0600),
	    -1, "listen in a missing directory: -1");
	rmdir(dir);
	buf_free(&path);
	buf_free(&longp);
}

/* main - run every area */
int
main(void)
{
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	test_parse();
	test_flags();
	test_tcp();
	test_tcp6();
	test_unix();
	TEST_DONE();
}
