/*
 * ipc_test.c - unit tests of ipc.c over socketpair(AF_UNIX,
 * SOCK_SEQPACKET): attribute round trips, fd passing, ipc_getl, strict
 * decoding of hand-made packets, control messages that must be refused
 * without leaking a descriptor, size limits, timeouts, end of file and
 * ipc_call against a forked peer.  Inputs: none (self-contained).
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "event.h"
#include "ipc.h"
#include "mem.h"
#include "test.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* make_pair - a connected SOCK_SEQPACKET pair, or the test ends */
static void
make_pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		exit(2);
	}
}

/* close_pair - close both ends */
static void
close_pair(int sv[2])
{
	close(sv[0]);
	close(sv[1]);
}

/* open_fds - how many descriptors below 1024 are open */
static int
open_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

/* send_fds - one packet of len bytes with nfd descriptors; -1 on error */
static int
send_fds(int sock, const void *p, size_t len, const int *fds, int nfd)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * 16)];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cmsg;

	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)p;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfd > 0) {
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfd);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfd);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * (size_t)nfd);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* test_roundtrip - attributes of every kind arrive as sent */
static void
test_roundtrip(void)
{
	char name64[65], value[256];
	struct ipc_msg m, r;
	int sv[2], i, ok;

	make_pair(sv);
	ipc_msg_init(&m);
	ipc_msg_init(&r);
	memset(name64, 'n', 64);
	name64[64] = '\0';
	for (i = 1; i < 256; i++)
		value[i - 1] = (char)i;
	value[255] = '\0';
	ipc_add(&m, "request", "new");
	ipc_add(&m, "empty", "");
	ipc_addl(&m, "neg", -1234567890123LL);
	ipc_addf(&m, "fmt", "%s-%d", "x", 42);
	ipc_add(&m, "bytes", value);
	ipc_add(&m, name64, "long name");
	ipc_add(&m, "a_9", "digits and underscore");
	TEST_IS_INT(ipc_send(sv[1], &m, -1), 0, "ipc_send");
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), 1, "ipc_recv: one message");
	TEST_IS_INT(r.nattr, 7, "seven attributes");
	TEST_IS_INT(r.fd, -1, "no fd");
	TEST_IS_STR(ipc_get(&r, "request"), "new", "plain value");
	TEST_IS_STR(ipc_get(&r, "empty"), "", "empty value");
	TEST_IS_STR(ipc_get(&r, "neg"), "-1234567890123", "ipc_addl");
	TEST_IS_STR(ipc_get(&r, "fmt"), "x-42", "ipc_addf");
	TEST_IS_STR(ipc_get(&r, "bytes"), value, "bytes 1..255");
	TEST_IS_STR(ipc_get(&r, name64), "long name", "a 64-byte name");
	TEST_IS_STR(ipc_get(&r, "a_9"), "digits and underscore", "a_9");
	TEST_OK(ipc_get(&r, "missing") == NULL, "a missing name: NULL");
	TEST_OK(ipc_get(&r, "req") == NULL, "a prefix of a name: NULL");
	TEST_OK(r.nattr == 7 && strcmp(r.name[0], "request") == 0 &&
	    strcmp(r.name[6], "a_9") == 0, "order is kept");

	/* IPC_MAX_ATTRS attributes fit, one more is refused */
	ipc_msg_reset(&m);
	for (i = 0; i < IPC_MAX_ATTRS; i++) {
		char n[16];

		snprintf(n, sizeof(n), "a%d", i);
		ipc_addl(&m, n, i);
	}
	ipc_send(sv[1], &m, -1);
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), 1, "%d attributes",
	    IPC_MAX_ATTRS);
	for (ok = r.nattr == IPC_MAX_ATTRS, i = 0; ok && i < r.nattr; i++) {
		long long v;

		ok = ipc_getl(&r, r.name[i], &v) == 0 && v == i;
	}
	TEST_OK(ok, "all %d values", IPC_MAX_ATTRS);
	ipc_addl(&m, "one_more", 1);
	ipc_send(sv[1], &m, -1);
	errno = 0;
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), -1, "%d attributes refused",
	    IPC_MAX_ATTRS + 1);
	TEST_IS_INT(errno, EBADMSG, "with EBADMSG");
	TEST_IS_INT(r.nattr, 0, "and no attributes left over");

	/* the sender refuses what it cannot send */
	ipc_msg_reset(&m);
	errno = 0;
	TEST_IS_INT(ipc_send(sv[1], &m, -1), -1, "an empty message is not "
	    "sent");
	TEST_IS_INT(errno, EMSGSIZE, "EMSGSIZE");
	ipc_msg_free(&m);
	ipc_msg_free(&r);
	close_pair(sv);
}

/* test_bad_names - ipc_add of a bad name is our own bug: panic */
static void
test_bad_names(void)
{
	static const char *const names[] = {
		"", "Upper", "a-b", "a b", "a=b", "\xe9",
		"x2345678901234567890123456789012345678901234567890123456789012345",
	};
	struct ipc_msg m;
	size_t i;

	ipc_msg_init(&m);
	for (i = 0; i < NELEM(names); i++)
		TEST_FATAL(ipc_add(&m, names[i], "v"), "ipc_add name %zu "
		    "(len %zu) panics", i, strlen(names[i]));
	TEST_IS_INT(m.raw.len, 0, "nothing was added");
	ipc_msg_free(&m);
}

/*
 * ipc_getl: a value and what it must give (ok 0: -1 is returned).
 */
static const struct {
	const char	*value;
	int		 ok;
	long long	 n;
} nums[] = {
	{ "0", 1, 0 },
	{ "42", 1, 42 },
	{ "-5", 1, -5 },
	{ "9223372036854775807", 1, 9223372036854775807LL },
	{ "-9223372036854775808", 1, -9223372036854775807LL - 1 },
	{ "9223372036854775808", 0, 0 },	/* overflow */
	{ "12abc", 0, 0 },
	{ "", 0, 0 },
	{ "0x10", 0, 0 },
	{ "1.5", 0, 0 },
	{ "5 ", 0, 0 },
	{ "5\n", 0, 0 },
	{ "-", 0, 0 },
};

/* test_getl - the table above, and a missing attribute */
static void
test_getl(void)
{
	struct ipc_msg m, r;
	int sv[2], rc;
	long long v;
	size_t i;
	char n[16];

	make_pair(sv);
	ipc_msg_init(&m);
	ipc_msg_init(&r);
	for (i = 0; i < NELEM(nums); i++) {
		snprintf(n, sizeof(n), "n%zu", i);
		ipc_add(&m, n, nums[i].value);
	}
	ipc_add(&m, "ws", " 5");
	ipc_add(&m, "plus", "+5");
	ipc_send(sv[1], &m, -1);
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), 1, "getl: received");
	for (i = 0; i < NELEM(nums); i++) {
		snprintf(n, sizeof(n), "n%zu", i);
		v = 777;
		rc = ipc_getl(&r, n, &v);
		TEST_OK(rc == (nums[i].ok ? 0 : -1) && v == (nums[i].ok ?
		    nums[i].n : 777), "ipc_getl case %zu: %d %lld", i, rc, v);
	}
	v = 777;
	TEST_OK(ipc_getl(&r, "nothere", &v) == -1 && v == 777,
	    "ipc_getl of a missing name: -1, out untouched");
	/* strict decoding: a number is digits with an optional '-' */
	TEST_OK(ipc_getl(&r, "ws", &v) == -1, "ipc_getl refuses \" 5\"");
	TEST_OK(ipc_getl(&r, "plus", &v) == -1, "ipc_getl refuses \"+5\"");
	ipc_msg_free(&m);
	ipc_msg_free(&r);
	close_pair(sv);
}

/* test_fd - one fd arrives, close-on-exec, usable, closed if unclaimed */
static void
test_fd(void)
{
	struct ipc_msg m, r;
	int sv[2], p[2], fd, base;
	char got[16];

	make_pair(sv);
	ipc_msg_init(&m);
	ipc_msg_init(&r);
	if (pipe(p) < 0)
		exit(2);
	base = open_fds();
	ipc_add(&m, "request", "new");
	TEST_IS_INT(ipc_send(sv[1], &m, p[1]), 0, "send with the pipe's "
	    "write end");
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), 1, "received");
	TEST_OK(r.fd >= 0 && r.fd != p[1], "a new fd came with it (%d)",
	    r.fd);
	TEST_IS_INT(open_fds(), base + 1, "one more fd is open");
	TEST_OK(fcntl(r.fd, F_GETFD) & FD_CLOEXEC, "it is close-on-exec");
	fd = ipc_take_fd(&r);
	TEST_OK(fd >= 0 && r.fd == -1, "ipc_take_fd claims it");
	TEST_IS_INT(ipc_take_fd(&r), -1, "a second ipc_take_fd gives -1");
	TEST_IS_INT(write(fd, "hello", 5), 5, "write through the received fd");
	TEST_OK(read(p[0], got, sizeof(got)) == 5 &&
	    memcmp(got, "hello", 5) == 0, "the pipe delivers it");
	close(fd);
	TEST_IS_INT(open_fds(), base, "back to where we started");

	/* an fd nobody claims is closed by reset, free and the next recv */
	ipc_send(sv[1], &m, p[1]);
	ipc_recv(sv[0], &r, 1000);
	TEST_IS_INT(open_fds(), base + 1, "unclaimed fd open");
	ipc_msg_reset(&r);
	TEST_OK(r.fd == -1 && open_fds() == base, "ipc_msg_reset closes it");
	ipc_send(sv[1], &m, p[1]);
	ipc_send(sv[1], &m, -1);
	ipc_recv(sv[0], &r, 1000);
	ipc_recv(sv[0], &r, 1000);
	TEST_OK(r.fd == -1 && open_fds() == base, "the next ipc_recv closes "
	    "it");
	ipc_send(sv[1], &m, p[1]);
	ipc_recv(sv[0], &r, 1000);
	ipc_msg_free(&r);
	TEST_IS_INT(open_fds(), base, "ipc_msg_free closes it");

	/* a bad fd is the sender's error */
	errno = 0;
	TEST_IS_INT(ipc_send(sv[1], &m, 1000), -1, "ipc_send of a closed fd");
	TEST_IS_INT(errno, EBADF, "EBADF");

	ipc_msg_free(&m);
	ipc_msg_free(&r);
	close(p[0]);
	close(p[1]);
	close_pair(sv);
}

/*
 * Raw packets, sent with send(): the bytes and whether ipc_recv takes
 * them (1) or refuses them with EBADMSG (-1).
 */
#define RAW(s, rc)	{ s, sizeof(s) - 1, rc }
static const struct {
	const char	*bytes;
	size_t		 len;
	int		 rc;
	} raws[] = {
	RAW("a\0b\0", 1),
	RAW("a\0\0", 1),			/* empty value */
	RAW("a\0x\0b\0y\0", 1),
	RAW("a\0b", -1),			/* no final NUL */
	RAW("a", -1),
	RAW("a\0", -1),				/* name without value */
	RAW("a\0x\0b\0", -1),			/* odd number of fields */
	RAW("a\0x\0b", -1),
	RAW("\0v\0", -1),			/* empty name */
	RAW("\0", -1),
	RAW("\0\0", -1),
	RAW("A\0v\0", -1),			/* upper case */
	RAW("aB\0v\0", -1),
	RAW("a-b\0v\0", -1),
	RAW("a b\0v\0", -1),
	RAW("\xe9\0v\0", -1),
	RAW("a\0x\0a\0y\0", -1),		/* a name twice */
	RAW("a\0x\0b\0y\0a\0x\0", -1),
	RAW("a\0x\0\0", -1),			/* a trailing NUL */
	RAW("a\0x\0 ", -1),			/* a trailing byte */
	RAW("x234567890123456789012345678901234567890123456789012345678901234"
	    "\0v\0", 1),			/* 64: the longest name */
	RAW("x234567890123456789012345678901234567890123456789012345678901234"
	    "5\0v\0", -1),			/* 65 */
};

/* test_raw - the table above; a refused packet leaves no attributes */
static void
test_raw(void)
{
	struct ipc_msg r;
	int sv[2], rc;
	size_t i;

	make_pair(sv);
	ipc_msg_init(&r);
	for (i = 0; i < NELEM(raws); i++) {
		if (send(sv[1], raws[i].bytes, raws[i].len, 0) !=
		    (ssize_t)raws[i].len)
			exit(2);
		errno = 0;
		rc = ipc_recv(sv[0], &r, 1000);
		TEST_OK(rc == raws[i].rc && (rc == 1 ? r.nattr > 0 :
		    errno == EBADMSG && r.nattr == 0),
		    "raw packet %zu (%zu bytes): %d", i, raws[i].len, rc);
	}
	/* after a refused packet the next one is read normally */
	send(sv[1], "A\0v\0", 4, 0);
	send(sv[1], "ok\0yes\0", 7, 0);
	rc = ipc_recv(sv[0], &r, 1000);
	TEST_IS_INT(rc, -1, "bad packet");
	rc = ipc_recv(sv[0], &r, 1000);
	TEST_OK(rc == 1 && strcmp(ipc_get(&r, "ok"), "yes") == 0,
	    "the packet after it is intact");

	/* a packet of 0 bytes cannot be told from end of file */
	send(sv[1], "", 0, 0);
	send(sv[1], "ok\0yes\0", 7, 0);
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), 0, "an empty packet reads as "
	    "end of file");
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), 1, "though the connection "
	    "is still open");
	ipc_msg_free(&r);
	close_pair(sv);
}

/* test_sizes - IPC_MAX_PACKET fits; one byte more does not */
static void
test_sizes(void)
{
	struct ipc_msg m, r;
	char *big = xmalloc(200001);
	int sv[2], sz = 400000;

	make_pair(sv);
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	ipc_msg_init(&m);
	ipc_msg_init(&r);
	/* "a" NUL value NUL: 2 + len + 1 bytes */
	memset(big, 'v', 200000);
	big[IPC_MAX_PACKET - 3] = '\0';
	ipc_add(&m, "a", big);
	TEST_IS_INT(m.raw.len, IPC_MAX_PACKET, "a message of IPC_MAX_PACKET "
	    "bytes");
	TEST_IS_INT(ipc_send(sv[1], &m, -1), 0, "is sent");
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), 1, "and received");
	TEST_OK(r.nattr == 1 && strlen(ipc_get(&r, "a")) == IPC_MAX_PACKET - 3,
	    "whole");
	ipc_msg_reset(&m);
	big[IPC_MAX_PACKET - 3] = 'v';
	big[IPC_MAX_PACKET - 2] = '\0';
	ipc_add(&m, "a", big);
	errno = 0;
	TEST_IS_INT(ipc_send(sv[1], &m, -1), -1, "one byte more is not sent");
	TEST_IS_INT(errno, EMSGSIZE, "EMSGSIZE");

	/* the same, and far bigger, sent raw */
	TEST_IS_INT(send(sv[1], m.raw.data, m.raw.len, 0), IPC_MAX_PACKET + 1,
	    "raw send of IPC_MAX_PACKET + 1 bytes");
	errno = 0;
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), -1, "is refused");
	TEST_IS_INT(errno, EBADMSG, "EBADMSG");
	big[200000 - 1] = '\0';
	big[0] = 'a';
	big[1] = '\0';
	TEST_IS_INT(send(sv[1], big, 200000, 0), 200000, "raw send of 200000 "
	    "bytes");
	errno = 0;
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), -1, "is refused (truncated)");
	TEST_IS_INT(errno, EBADMSG, "EBADMSG");
	send(sv[1], "ok\0yes\0", 7, 0);
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), 1, "the next packet is intact");
	ipc_msg_free(&m);
	ipc_msg_free(&r);
	xfree(big);
	close_pair(sv);
}

/*
 * Descriptors that must be refused: how many fds ride on one packet
 * and its bytes.  In every case ipc_recv fails with EBADMSG and closes
 * every fd that arrived (the kernel drops those that did not fit).
 */
static const struct {
	int		 nfd;
	const char	*bytes;
	size_t		 len;
} fdcases[] = {
	{ 2, "a\0b\0", 4 },
	{ 3, "a\0b\0", 4 },
	{ 4, "a\0b\0", 4 },
	{ 5, "a\0b\0", 4 },		/* more than fit in the buffer */
	{ 16, "a\0b\0", 4 },
	{ 1, "", 0 },			/* an fd and no attributes */
	{ 1, "A\0b\0", 4 },		/* an fd on a malformed packet */
	{ 2, "", 0 },
};

/* test_fd_abuse - the table above, then fds in two control messages */
static void
test_fd_abuse(void)
{
	struct ipc_msg r;
	int sv[2], p[2], fds[16], base, rc, i, on = 1;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int)) * 2];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cmsg;
	struct ucred cred;
	size_t k;

	make_pair(sv);
	ipc_msg_init(&r);
	if (pipe(p) < 0)
		exit(2);
	for (i = 0; i < 16; i++)
		fds[i] = p[i % 2];
	base = open_fds();
	for (k = 0; k < NELEM(fdcases); k++) {
		if (send_fds(sv[1], fdcases[k].bytes, fdcases[k].len, fds,
		    fdcases[k].nfd) < 0)
			exit(2);
		errno = 0;
		rc = ipc_recv(sv[0], &r, 1000);
		TEST_OK(rc == -1 && errno == EBADMSG && r.fd == -1,
		    "%d fds on %zu bytes: refused (%d)", fdcases[k].nfd,
		    fdcases[k].len, rc);
		TEST_IS_INT(open_fds(), base, "%d fds on %zu bytes: none "
		    "left open", fdcases[k].nfd, fdcases[k].len);
	}

	/* two SCM_RIGHTS control messages with one fd each */
	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = "a\0b\0";
	iov.iov_len = 4;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &p[0], sizeof(int));
	cmsg = CMSG_NXTHDR(&msg, cmsg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &p[1], sizeof(int));
	TEST_OK(sendmsg(sv[1], &msg, 0) == 4, "two SCM_RIGHTS messages sent");
	errno = 0;
	rc = ipc_recv(sv[0], &r, 1000);
	TEST_OK(rc == -1 && errno == EBADMSG, "two fds in two control "
	    "messages: refused");
	TEST_IS_INT(open_fds(), base, "and none left open");

	/* a foreign control message (credentials), alone and with an fd */
	setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	send(sv[1], "a\0b\0", 4, 0);
	errno = 0;
	rc = ipc_recv(sv[0], &r, 1000);
	TEST_OK(rc == -1 && errno == EBADMSG, "SCM_CREDENTIALS: refused");
	send_fds(sv[1], "a\0b\0", 4, p, 1);
	errno = 0;
	rc = ipc_recv(sv[0], &r, 1000);
	TEST_OK(rc == -1 && errno == EBADMSG, "SCM_CREDENTIALS and an fd: "
	    "refused");
	TEST_IS_INT(open_fds(), base, "and the fd is not left open");
	cred.pid = getpid();
	cred.uid = getuid();
	cred.gid = getgid();
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_controllen = CMSG_SPACE(sizeof(cred));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_CREDENTIALS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(cred));
	memcpy(CMSG_DATA(cmsg), &cred, sizeof(cred));
	sendmsg(sv[1], &msg, 0);
	errno = 0;
	rc = ipc_recv(sv[0], &r, 1000);
	TEST_OK(rc == -1 && errno == EBADMSG, "explicit SCM_CREDENTIALS: "
	    "refused");
	ipc_msg_free(&r);
	close(p[0]);
	close(p[1]);
	close_pair(sv);
}

/* test_timeout_eof - nothing to read, a closed peer, a bad socket */
static void
test_timeout_eof(void)
{
	struct ipc_msg m, r;
	int sv[2], rc;
	long long t0, dt;

	make_pair(sv);
	ipc_msg_init(&m);
	ipc_msg_init(&r);
	t0 = event_now_ms();
	errno = 0;
	rc = ipc_recv(sv[0], &r, 50);
	dt = event_now_ms() - t0;
	TEST_IS_INT(rc, -1, "nothing sent: -1 after the timeout");
	TEST_IS_INT(errno, ETIMEDOUT, "ETIMEDOUT");
	TEST_OK(dt >= 45 && dt < 1000, "it waited about 50 ms (%lld)", dt);
	errno = 0;
	TEST_IS_INT(ipc_recv(sv[0], &r, 0), -1, "timeout 0 polls: -1");
	TEST_IS_INT(errno, ETIMEDOUT, "ETIMEDOUT");

	/* a packet in flight is read before the end of file */
	ipc_add(&m, "last", "words");
	ipc_send(sv[1], &m, -1);
	close(sv[1]);
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), 1, "the last packet");
	TEST_IS_INT(ipc_recv(sv[0], &r, 1000), 0, "then end of file: 0");
	TEST_IS_INT(ipc_recv(sv[0], &r, -1), 0, "again, waiting forever: 0");
	errno = 0;
	TEST_IS_INT(ipc_send(sv[0], &m, -1), -1, "ipc_send to a closed peer "
	    "fails (no SIGPIPE)");
	TEST_IS_INT(errno, EPIPE, "EPIPE");
	close(sv[0]);
	TEST_IS_INT(ipc_recv(sv[0], &r, -1), -1, "ipc_recv on a closed fd");
	ipc_msg_free(&m);
	ipc_msg_free(&r);
}

/* echo_peer - the forked peer: answer one request, with an fd back */
static void
echo_peer(int sock)
{
	struct ipc_msg q, a;
	int fd, p[2];
	long long n;

	ipc_msg_init(&q);
	ipc_msg_init(&a);
	if (ipc_recv(sock, &q, 5000) != 1 || (fd = ipc_take_fd(&q)) < 0 ||
	    ipc_getl(&q, "n", &n) < 0 || pipe(p) < 0)
		_exit(1);
	if (write(fd, "via child", 9) != 9)
		_exit(1);
	close(fd);
	ipc_add(&a, "status", "ok");
	ipc_addl(&a, "n", n + 1);
	if (write(p[1], "back", 4) != 4 || ipc_send(sock, &a, p[0]) < 0)
		_exit(1);
	close(p[0]);
	close(p[1]);
	ipc_msg_free(&q);
	ipc_msg_free(&a);
	/* wait for the parent's hang-up, then go */
	(void)ipc_recv(sock, &q, 5000);
	ipc_msg_free(&q);
	close(sock);
	_exit(0);
}

/* test_call - ipc_call against a live peer, a silent one, a gone one */
static void
test_call(void)
{
	struct ipc_msg q, a;
	int sv[2], p[2], st, fd, base;
	long long n = 0;
	char got[16];
	pid_t pid;

	make_pair(sv);
	ipc_msg_init(&q);
	ipc_msg_init(&a);
	if (pipe(p) < 0)
		exit(2);
	base = open_fds();
	fflush(stdout);
	if ((pid = fork()) < 0)
		exit(2);
	if (pid == 0) {
		close(sv[0]);
		close(p[0]);
		echo_peer(sv[1]);
	}
	close(sv[1]);
	ipc_add(&q, "request", "echo");
	ipc_addl(&q, "n", 41);
	TEST_IS_INT(ipc_call(sv[0], &q, p[1], &a, 5000), 0, "ipc_call");
	TEST_IS_STR(ipc_get(&a, "status"), "ok", "status=ok");
	TEST_OK(ipc_getl(&a, "n", &n) == 0 && n == 42, "n=42");
	TEST_OK(read(p[0], got, sizeof(got)) == 9 &&
	    memcmp(got, "via child", 9) == 0, "the peer wrote through our fd");
	fd = ipc_take_fd(&a);
	TEST_OK(fd >= 0 && read(fd, got, sizeof(got)) == 4 &&
	    memcmp(got, "back", 4) == 0, "and sent an fd back");
	close(fd);
	close(sv[0]);
	waitpid(pid, &st, 0);
	TEST_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the peer exited 0");
	close(p[0]);
	close(p[1]);
	TEST_IS_INT(open_fds(), base - 4, "no fd left behind");

	/* a silent peer: timeout */
	make_pair(sv);
	errno = 0;
	TEST_IS_INT(ipc_call(sv[0], &q, -1, &a, 50), -1, "silent peer: -1");
	TEST_IS_INT(errno, ETIMEDOUT, "ETIMEDOUT");
	/* a peer that hangs up without an answer */
	shutdown(sv[1], SHUT_WR);
	errno = 0;
	TEST_IS_INT(ipc_call(sv[0], &q, -1, &a, 1000), -1, "peer hung up: -1");
	TEST_IS_INT(errno, ECONNRESET, "ECONNRESET");
	/* a peer that is gone */
	close(sv[1]);
	errno = 0;
	TEST_IS_INT(ipc_call(sv[0], &q, -1, &a, 1000), -1, "peer gone: -1");
	TEST_OK(errno == EPIPE || errno == ECONNRESET, "EPIPE or ECONNRESET "
	    "(%d)", errno);
	close(sv[0]);
	ipc_msg_free(&q);
	ipc_msg_free(&a);
}

/* main - run every area */
int
main(void)
{
	test_roundtrip();
	test_bad_names();
	test_getl();
	test_fd();
	test_raw();
	test_sizes();
	test_fd_abuse();
	test_timeout_eof();
	test_call();
	TEST_DONE();
}
