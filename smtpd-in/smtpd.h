/*
 * smtpd.h - smtpd-in's session state, shared by its three files.
 *
 * smtpd.c       main, the session and command loop, HELO/EHLO/LHLO,
 *               RSET, NOOP, VRFY, QUIT, replies and logging
 * smtpd_cmd.c   MAIL, RCPT and XFORWARD: arguments and ESMTP parameters
 * smtpd_data.c  DATA: the queue file from qmgr, the message, the commit
 * restrict.c    smtpd_client_restrictions: mynetworks, DNS lists
 *
 * Exports struct smtpd_session and the smtpd_* functions below.  All
 * input comes from one SMTP/LMTP client (hostile); the process runs
 * unprivileged, as mail_owner, and opens no spool path.
 */
#ifndef SMTPD_H
#define SMTPD_H

#include "buf.h"
#include "netio.h"
#include "queue.h"

/* The commands we know, in the order the disconnect log shows them. */
enum {
	SMTPD_HELO, SMTPD_EHLO, SMTPD_LHLO, SMTPD_XFORWARD, SMTPD_MAIL,
	SMTPD_RCPT, SMTPD_DATA, SMTPD_RSET, SMTPD_NOOP, SMTPD_VRFY,
	SMTPD_QUIT, SMTPD_UNKNOWN, SMTPD_NCMD
};

struct smtpd_restrict;

struct smtpd_session {
	struct netio	 io;
	char		 addr[64];	/* client address, numeric */
	char		 port[16];
	const char	*name;		/* "localhost" or "unknown": no DNS */
	int		 xforward_ok;	/* client may send XFORWARD */
	char		*helo;		/* NULL before HELO/EHLO/LHLO */
	const char	*proto;		/* SMTP, ESMTP or LMTP */
	int		 lmtp;		/* one reply per recipient at the end */
	struct queue_xforward xf;	/* all NULL until an XFORWARD */
	struct queue_env env;		/* the transaction: MAIL sets sender */
	const char	*where;		/* protocol stage, for log lines */
	int		 errors;	/* error replies so far */
	int		 last_code;	/* code of the last reply */
	int		 quit;		/* end the session after this */
	struct buf	 line;		/* the command line being handled */
	int		 ok[SMTPD_NCMD], total[SMTPD_NCMD];
	struct smtpd_restrict *rs;	/* client restrictions, or NULL */
};

/* smtpd.c */
void		 smtpd_reply(struct smtpd_session *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 smtpd_reply_line(struct smtpd_session *, const char *);
void		 smtpd_reset(struct smtpd_session *);
void		 smtpd_io_end(struct smtpd_session *);
void		 smtpd_bare_lf(struct smtpd_session *);
void		 smtpd_log_reject(struct smtpd_session *, const char *,
		    const char *);
const char	*smtpd_printable(struct buf *, const char *, size_t);

/* smtpd_cmd.c */
void		 smtpd_mail(struct smtpd_session *, char *);
void		 smtpd_rcpt(struct smtpd_session *, char *);
void		 smtpd_xforward(struct smtpd_session *, char *);
void		 smtpd_xforward_reset(struct smtpd_session *);

/* restrict.c */
void		 smtpd_restrict_start(struct smtpd_session *);
const char	*smtpd_restrict_check(struct smtpd_session *);
void		 smtpd_restrict_end(struct smtpd_session *);

/* smtpd_data.c */
void		 smtpd_data(struct smtpd_session *, char *);

#endif
