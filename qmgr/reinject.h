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
 * One reply packet holds status, mta and reply_N for every recipient
 * of the request, so a request may name at most IPC_MAX_ATTRS - 2
 * recipients; a reply text is cut to RJ_REPLY_MAX bytes, and shorter
 * still when that many would not fit in IPC_MAX_PACKET.
 */
#define RJ_MAX_RCPTS	(IPC_MAX_ATTRS - 2)
#define RJ_REPLY_MAX	300

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
