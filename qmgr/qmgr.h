/*
 * qmgr.h - the queue manager's internal interfaces.
 *
 * qmgr.c: main, connections from smtpd-in and mailsiftctl, the queue
 *         directory (recovery at start, scans, counts), statistics.
 * job.c: one message from "new" to "done": commit, pipeline stages,
 *        delivery through reinject, the client's reply.
 * dedup.c: fingerprints of delivered messages whose client may not have
 *          seen the reply, so that its retry is not delivered twice.
 * received.c: the Received: header line qmgr adds.
 * rjpool.c: connections to reinject, kept between deliveries.
 * takeover.c: the next hop's answer, read when reinject died waiting.
 * dirsync.c: group-committed fsync of active/ in a helper thread.
 * bounce.c: DSNs for recipients refused while others were accepted,
 *           and for content bounces; notices to virus_admin.
 * scan.c: the pipeline stage that asks the scanner about a message.
 * policy.c: content categories, destinies, replies, headers, quarantine.
 * quarantine.c: mailsiftctl's quarantine list, release and delete.
 */
#ifndef QMGR_H
#define QMGR_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "event.h"
#include "ipc.h"
#include "queue.h"

enum job_state {
	JOB_RECEIVING,		/* smtpd-in is writing the file */
	JOB_PIPELINE,		/* stages running */
	JOB_DELIVERING,		/* reinject has it */
	JOB_REPLIED,		/* smtpd-in has the reply; wait for done */
};

/* The scanner's verdict on a message, lowest to highest precedence. */
enum verdict {
	V_CLEAN, V_UNCHECKED, V_BANNED, V_VIRUS
};

/* A recipient's destiny (amavisd-new's D_*). */
enum destiny {
	D_PASS, D_DISCARD, D_BOUNCE, D_REJECT, D_TEMPFAIL
};

struct job {
	char			 id[QUEUE_ID_MAX];
	int			 client_fd;	/* smtpd-in's connection */
	int			 queue_fd;	/* the queue file */
	enum job_state		 state;
	char			 dir[16];	/* incoming or active */
	struct queue_env	 env;
	long long		 committed_ms;
	int			 stage;		/* next pipeline stage */
	struct event_timer	*deadline;
	int			 timed_out;
	int			 client_gone;	/* smtpd-in hung up early */
	/* delivery */
	int			 rj_fd;		/* reinject connection */
	int			 rj_aborted;
	int			 waiting;	/* rjpool.c: for a connection */
	struct job		*next_wait;
	int			 tk_fd;		/* next hop, if reinject dies */
	int			 tk_lmtp;
	int			*tk_rcpt;	/* recipients it accepted */
	int			 tk_n;
	struct buf		 tk_buf;	/* its answer, read by us */
	struct event_timer	*tk_timer;
	char			**reply;	/* final reply per recipient */
	int			*delivered;	/* per recipient: 1 if 2xx */
	int			*suppressed;	/* duplicate of a delivery */
	char			*dup_of;	/* id of the earlier delivery */
	struct buf		 extra;		/* header lines to prepend */
	int			*bounced;	/* a DSN went to the sender */
	int			 dsn_tried;
	int			 internal;	/* made by qmgr: no client */
	struct job		*parent;	/* a DSN: the job it reports on */
	struct job		*dsn;		/* the DSN job reporting on us */
	unsigned long		 sync_ticket;	/* dirsync.c: wait for this */
	/* content checks (scan.c, policy.c) */
	int			 scan_virus, scan_banned;	/* asked for */
	unsigned long		 scan_tag;	/* request in flight, or 0 */
	int			 scan_tries;
	struct event_timer	*scan_timer;
	struct job		*scan_next;
	struct sconn		*scan_conn;	/* where it was sent */
	enum verdict		 verdict;
	char			*verdict_name;	/* virus name, banned reason */
	char			*verdict_why;	/* why unchecked */
	int			*pol;		/* enum destiny per recipient */
	/* spam score (score.c, policy.c) */
	struct spamreq		*score_req;	/* request in flight, or NULL */
	int			 spam_scored;	/* the values below are set */
	double			 spam_score, spam_required;
	char			*spam_tests;	/* "NAME=PTS,..." */
	char			 spam_autolearn[12];	/* ham, spam, no,
							   disabled ... */
	int			 ctl_fd;	/* a release: mailsiftctl waits */
	struct job		*next;
};

/* qmgr.c */
extern struct job *jobs;
void	qmgr_stat_count(const char *what);
void	qmgr_stat_latency(long long ms);
int	qmgr_path(struct buf *, const char *dir, const char *id);
void	qmgr_recover_pending(void);
void	qmgr_serve(int fd);

/* job.c */
void	job_new(int client_fd);
void	job_client_ready(int fd, int events, void *ctx);
void	job_free(struct job *);
int	job_count(void);
void	job_synced(unsigned long);
void	job_rj_done(struct job *, int any);

void	job_deliver_with(struct job *, int fd);
void	job_stage_done(struct job *);
void	job_deliver_fail(struct job *, const char *);

/* rjpool.c */
int	rjpool_get(struct job *);
void	rjpool_put(int fd);
void	rjpool_drop(int fd);
void	rjpool_forget(struct job *);
void	rjpool_heard(int fd);

/* takeover.c */
void	takeover_sending(struct job *, struct ipc_msg *);
void	takeover_start(struct job *);
void	job_discard(struct job *);
void	job_start_internal(struct job *);
void	job_bounce_done(struct job *, int ok);

/* bounce.c */
int	bounce_wanted(const struct queue_env *, int);
int	bounce_start(struct job *, const int *which);
void	notify_admin(struct job *, const char *what, int quarantined);

/* scan.c */
void	scan_start(struct job *);
void	scan_forget(struct job *);

/* score.c */
void	score_start(struct job *);
void	score_forget(struct job *);

/* policy.c */
int	policy_init(struct buf *);
int	policy_all_bypass(const struct job *, const char *);
int	policy_sender_listed(const struct job *, const char *);
int	policy_apply(struct job *);
long long policy_headers(const struct job *, struct buf *);

/* quarantine.c */
int	quarantine_store(struct job *, const int *which, const char *reason);
int	quarantine_request(int fd, struct ipc_msg *);
void	release_done(struct job *);

/* dirsync.c */
int		dirsync_init(void (*)(unsigned long));
unsigned long	dirsync_request(void);

/* dedup.c */
void	dedup_load(void);
void	dedup_expire(void);
int	dedup_lookup(struct job *);
void	dedup_record(struct job *);
void	dedup_record_file(int fd, const struct queue_env *, const char *);
int	dedup_count(void);

/* received.c */
void	received_line(struct buf *, const struct queue_env *,
	    const char *myhostname);

#endif
