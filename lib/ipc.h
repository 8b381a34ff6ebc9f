/*
 * ipc.h - attribute-list messages over SOCK_SEQPACKET, one fd at most.
 *
 * One message is one packet: a sequence of name NUL value NUL pairs.
 * Names are [a-z0-9_]+, values any bytes but NUL; no name twice.  A
 * packet may carry one file descriptor (SCM_RIGHTS).  Decoding is
 * strict: a truncated packet, a bad name, trailing bytes, a foreign
 * control message or more than one fd make ipc_recv fail (EBADMSG) and
 * close every fd that came with it.
 *
 * Exports ipc_msg_init, ipc_msg_free, ipc_msg_reset, ipc_add, ipc_addf,
 * ipc_addl, ipc_send, ipc_recv, ipc_get, ipc_getl, ipc_take_fd,
 * ipc_call.  The message catalogue is ipc_proto.h.
 */
#ifndef IPC_H
#define IPC_H

#include "buf.h"

#define IPC_MAX_PACKET	65536
#define IPC_MAX_ATTRS	256

struct ipc_msg {
	struct buf	 raw;		/* encoded attributes */
	int		 nattr;
	const char	*name[IPC_MAX_ATTRS];	/* decoded, point into raw */
	const char	*value[IPC_MAX_ATTRS];
	int		 fd;		/* received fd, -1 if none */
};

void		 ipc_msg_init(struct ipc_msg *);
void		 ipc_msg_free(struct ipc_msg *);
void		 ipc_msg_reset(struct ipc_msg *);
void		 ipc_add(struct ipc_msg *, const char *, const char *);
void		 ipc_addf(struct ipc_msg *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 ipc_addl(struct ipc_msg *, const char *, long long);
int		 ipc_send(int, const struct ipc_msg *, int fd);
int		 ipc_recv(int, struct ipc_msg *, int timeout_ms);
int		 ipc_decode(struct ipc_msg *);
const char	*ipc_get(const struct ipc_msg *, const char *);
int		 ipc_getl(const struct ipc_msg *, const char *, long long *);
int		 ipc_take_fd(struct ipc_msg *);
int		 ipc_call(int, const struct ipc_msg *, int, struct ipc_msg *,
		    int timeout_ms);

#endif
