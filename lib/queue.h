/*
 * queue.h - the queue file: an envelope block, then the message.
 *
 * Layout: a fixed-width first line that is rewritten in place
 * ("MAILSIFT-QUEUE 1 S=state M=offset L=length N=dotlines K=hash
 * P=extraoffset Q=extralength H=skiplength"), envelope records one a line ("CODE
 * value", values %XX-encoded), "E", then the message exactly as
 * received (CRLF lines, dot-unstuffed), then whatever qmgr appends
 * (the header block that reinject sends before the message).  When qmgr
 * edits the header (a subject tag), its block holds the whole edited
 * header and H= says how many bytes of the message, the original header,
 * reinject skips.
 *
 * Exports struct queue_env, queue_write_envelope, queue_finish,
 * queue_read_envelope, queue_set_state, queue_set_extra,
 * queue_env_free, queue_new_id, queue_hash, queue_pwrite, QUEUE_* state letters,
 * queue_encode, queue_decode.
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define QUEUE_ID_MAX	32

/* States, in the S= field. */
#define QUEUE_RECEIVING	'R'	/* smtpd-in is writing it */
#define QUEUE_RECEIVED	'C'	/* complete, not yet processed */
#define QUEUE_SENDING	'U'	/* final dot sent: outcome unknown */
#define QUEUE_DELIVERED	'D'	/* next hop accepted it */
#define QUEUE_DONE	'X'	/* final: nothing more to do */

#define QUEUE_HASH_INIT	0xcbf29ce484222325ULL

struct queue_rcpt {
	char	*addr;		/* without <> */
	char	*params;	/* NOTIFY=, ORCPT= as received, or "" */
};

/* An XFORWARD attribute not sent is NULL; "[UNAVAILABLE]" is kept. */
struct queue_xforward {
	char	*name, *addr, *port, *proto, *helo, *ident, *source;
};

struct queue_env {
	char		 id[QUEUE_ID_MAX];
	char		 state;
	long long	 arrival_sec, arrival_usec;
	char		*client_addr, *client_port, *client_name;
	char		*helo;
	char		*proto;		/* SMTP, ESMTP, LMTP */
	struct queue_xforward xf;
	char		*sender;	/* "" for <> */
	char		*mail_params;	/* ESMTP MAIL parameters to relay */
	int		 nrcpt;
	struct queue_rcpt *rcpt;
	/* filled in when the message is complete */
	long long	 msg_off, msg_len, dot_lines;
	uint64_t	 hash;
	long long	 extra_off, extra_len;
	long long	 skip_len;	/* bytes at the message's start that
					   are not sent: the original header,
					   when the extra block replaces it */
};

void	queue_env_init(struct queue_env *);
void	queue_env_free(struct queue_env *);
void	queue_env_add_rcpt(struct queue_env *, const char *, const char *);
int	queue_write_envelope(int fd, struct queue_env *);
int	queue_finish(int fd, const struct queue_env *);
int	queue_read_envelope(int fd, struct queue_env *, struct buf *err);
int	queue_set_state(int fd, char state);
int	queue_pwrite(int fd, const void *, size_t, off_t);
int	queue_set_extra(int fd, struct queue_env *, long long, long long,
	    long long);
void	queue_new_id(char *, size_t);
uint64_t queue_hash(uint64_t, const void *, size_t);
void	queue_encode(struct buf *, const char *);
int	queue_decode(char *);
int	queue_valid_id(const char *);

#endif
