/*
 * ipc.c - attribute-list messages over SOCK_SEQPACKET with fd passing.
 *
 * Inputs: packets from other mailsift processes.  They are peers, not
 * friends: a compromised child must not be able to confuse its reader,
 * so every packet is decoded strictly.  Runs at any privilege.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "sock.h"

/* ipc_msg_init - empty message */
void
ipc_msg_init(struct ipc_msg *m)
{
	buf_init(&m->raw);
	m->nattr = 0;
	m->fd = -1;
}

/* ipc_msg_reset - empty the message; close an unclaimed fd */
void
ipc_msg_reset(struct ipc_msg *m)
{
	buf_reset(&m->raw);
	m->nattr = 0;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

/* ipc_msg_free - release the message; close an unclaimed fd */
void
ipc_msg_free(struct ipc_msg *m)
{
	ipc_msg_reset(m);
	buf_free(&m->raw);
}

/* valid_name - attribute names are [a-z0-9_]+ */
static int
valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* ipc_add - append one attribute; a NUL in value is our bug */
void
ipc_add(struct ipc_msg *m, const char *name, const char *value)
{
	if (!valid_name(name, strlen(name)))
		log_panic("%s: bad attribute name \"%s\"", __func__, name);
	buf_add(&m->raw, name, strlen(name) + 1);
	buf_add(&m->raw, value, strlen(value) + 1);
}

/* ipc_addf - append one attribute with a formatted value */
void
ipc_addf(struct ipc_msg *m, const char *name, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ipc_add(m, name, buf_str(&b));
	buf_free(&b);
}

/* ipc_addl - append one numeric attribute */
void
ipc_addl(struct ipc_msg *m, const char *name, long long v)
{
	ipc_addf(m, name, "%lld", v);
}

/* ipc_send - send m as one packet, with fd if fd >= 0 */
int
ipc_send(int sock, const struct ipc_msg *m, int fd)
{
	struct msghdr msg;
	struct iovec iov;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct cmsghdr *cmsg;
	ssize_t n;

	if (m->raw.len == 0 || m->raw.len > IPC_MAX_PACKET) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = m->raw.data;
	iov.iov_len = m->raw.len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != m->raw.len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* ipc_decode - split raw into attributes; -1 (EBADMSG) if malformed */
int
ipc_decode(struct ipc_msg *m)
{
	const char *p = m->raw.data, *end = m->raw.data + m->raw.len;
	const char *name, *nul;
	int i;

	m->nattr = 0;
	while (p < end) {
		if (m->nattr >= IPC_MAX_ATTRS)
			goto bad;
		name = p;
		if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
			goto bad;
		if (!valid_name(name, (size_t)(nul - name)))
			goto bad;
		p = nul + 1;
		if (p >= end || (nul = memchr(p, '\0', (size_t)(end - p))) ==
		    NULL)
			goto bad;
		for (i = 0; i < m->nattr; i++)
			if (strcmp(m->name[i], name) == 0)
				goto bad;
		m->name[m->nattr] = name;
		m->value[m->nattr] = p;
		m->nattr++;
		p = nul + 1;
	}
	if (m->nattr == 0)
		goto bad;
	return 0;
bad:
	m->nattr = 0;
	errno = EBADMSG;
	return -1;
}

/*
 * ipc_recv - receive one packet into m.  Returns 1 for a message, 0 for
 * end of file, -1 for an error, a timeout (ETIMEDOUT) or a malformed
 * packet (EBADMSG).  timeout_ms < 0 waits forever.
 */
int
ipc_recv(int sock, struct ipc_msg *m, int timeout_ms)
{
	struct msghdr msg;
	struct iovec iov;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} cbuf;
	struct cmsghdr *cmsg;
	int fds[16], nfd = 0, i, bad = 0;
	ssize_t n;

	ipc_msg_reset(m);
	if (timeout_ms >= 0 && sock_wait(sock, POLLIN, timeout_ms) <= 0)
		return -1;
	buf_reserve(&m->raw, IPC_MAX_PACKET + 1);
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = m->raw.data;
	iov.iov_len = IPC_MAX_PACKET + 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_RIGHTS) {
			size_t k = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			size_t j;

			for (j = 0; j < k && nfd < 16; j++)
				memcpy(&fds[nfd++], CMSG_DATA(cmsg) +
				    j * sizeof(int), sizeof(int));
		} else {
			bad = 1;
		}
	}
	if (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC))
		bad = 1;
	if (nfd > 1)
		bad = 1;
	if (n == 0 && nfd == 0 && !bad)
		return 0;
	m->raw.len = (size_t)n;
	m->raw.data[n] = '\0';
	if (bad || (size_t)n > IPC_MAX_PACKET || ipc_decode(m) < 0) {
		for (i = 0; i < nfd; i++)
			close(fds[i]);
		m->nattr = 0;
		errno = EBADMSG;
		return -1;
	}
	m->fd = nfd ? fds[0] : -1;
	return 1;
}

/* ipc_get - value of name, or NULL */
const char *
ipc_get(const struct ipc_msg *m, const char *name)
{
	int i;

	for (i = 0; i < m->nattr; i++)
		if (strcmp(m->name[i], name) == 0)
			return m->value[i];
	return NULL;
}

/* ipc_getl - numeric value of name; -1 if missing or not a number */
int
ipc_getl(const struct ipc_msg *m, const char *name, long long *out)
{
	const char *v = ipc_get(m, name);
	char *end;
	long long n;

	if (v == NULL || !(isdigit((unsigned char)*v) || (*v == '-' &&
	    isdigit((unsigned char)v[1]))))
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || errno)
		return -1;
	*out = n;
	return 0;
}

/* ipc_take_fd - claim the received fd (the message forgets it) */
int
ipc_take_fd(struct ipc_msg *m)
{
	int fd = m->fd;

	m->fd = -1;
	return fd;
}

/* ipc_call - send a request and wait for one reply; -1 on any failure */
int
ipc_call(int sock, const struct ipc_msg *req, int fd, struct ipc_msg *rep,
    int timeout_ms)
{
	int n;

	if (ipc_send(sock, req, fd) < 0)
		return -1;
	n = ipc_recv(sock, rep, timeout_ms);
	if (n == 0) {
		errno = ECONNRESET;
		return -1;
	}
	return n < 0 ? -1 : 0;
}
