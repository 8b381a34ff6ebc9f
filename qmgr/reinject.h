/*
 * reinject.h - what reinject.c (the service) and reinject_smtp.c (the
 * SMTP/LMTP client) share.  Private to the reinject program.
 *
 * Exports struct rj_delivery, rj_nexthop, rj_deliver, rj_shutdown,
 * RJ_MAX_RCPTS and RJ_REPLY_MAX.
 */
#ifndef REINJECT_H
#define REINJECT_H

#include "buf.h"
#include "ipc.h"
#include "nexthop.h"
#include "queue.h"

/*
 * One reply packet must hold reply_N=TEXT for every recipient of a
 * request: RJ_MAX_RCPTS replies of at most RJ_REPLY_MAX bytes fit in
 * IPC_MAX_PACKET with room to spare.
 */
#define RJ_MAX_RCPTS	200
#define RJ_REPLY_MAX	300
_Static_assert(RJ_MAX_RCPTS * (RJ_REPLY_MAX + 16) + 1024 < IPC_MAX_PACKET,
    "reinject reply packet may overflow");

/* One request=deliver: the envelope and the recipients asked for. */
struct rj_delivery {
	const struct queue_env	*env;
	int			 qfd;		/* the queue file */
	int			 ipcfd;		/* qmgr: polled before the dot */
	int			 nrcpt;		/* recipients of this request */
	const int		*rcpt;		/* their indexes in env->rcpt */
	struct buf		*reply;		/* out: final reply of each */
	int			 aborted;	/* out: qmgr left, no dot sent */
};

extern struct nexthop rj_nexthop;

void	rj_deliver(struct rj_delivery *);
void	rj_shutdown(void);

#endif
