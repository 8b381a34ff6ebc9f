/*
 * reinject.h - what reinject.c (the service) and reinject_smtp.c (the
 * SMTP/LMTP client) share.  Private to the reinject program.
 *
 * Exports struct rj_delivery, rj_nexthop, rj_deliver, rj_shutdown,
 * rj_common_reply, RJ_MAX_LISTED and RJ_REPLY_MAX.
 */
#ifndef REINJECT_H
#define REINJECT_H

#include "buf.h"
#include "ipc.h"
#include "nexthop.h"
#include "queue.h"

/*
 * One reply packet carries status, mta, reply and at most
 * RJ_MAX_LISTED reply_N.  When a request has more recipients than
 * that, the answer is reply=the most common reply plus reply_N only
 * for the recipients whose reply differs, and at most RJ_MAX_LISTED
 * may differ: an LMTP request (a reply per recipient) may not be that
 * large, and an SMTP transaction whose refused recipients would be
 * too many to report is given up before the dot.  A reply text is cut
 * to RJ_REPLY_MAX bytes, and shorter when they would not all fit in
 * IPC_MAX_PACKET.
 */
#define RJ_MAX_LISTED	(IPC_MAX_ATTRS - 3)
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
int	rj_common_reply(const struct buf *, int, int *);

#endif
