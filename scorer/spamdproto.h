/*
 * spamdproto.h - the spamd wire protocol (spamc requests, spamd replies)
 * as a pure decoder and reply formatter: no sockets, no scoring.
 *
 * Exports enum spamd_method, enum spamd_class, struct spamd_request,
 * the spamd_feed result codes, the SPAMD_EX_* sysexits codes,
 * spamd_decoder_new, spamd_feed, spamd_finish, spamd_decoder_free,
 * spamd_error_code, spamd_reply_error, spamd_method_name,
 * spamd_reply_fail, spamd_score_str, spamd_reply_result,
 * spamd_reply_pong and spamd_reply_tell.
 * Every byte fed to the decoder is hostile (a spamc client).
 */
#ifndef SPAMDPROTO_H
#define SPAMDPROTO_H

#include <stddef.h>

#include "buf.h"

/* a request or header line, LF included (spamd has no limit) */
#define SPAMD_LINE_MAX		8192
/* header lines before the blank one, as spamd */
#define SPAMD_HEADERS_MAX	255

/* sysexits codes as spamd uses them in replies */
#define SPAMD_EX_OK		0
#define SPAMD_EX_USAGE		64
#define SPAMD_EX_DATAERR	65
#define SPAMD_EX_UNAVAILABLE	69
#define SPAMD_EX_SOFTWARE	70
#define SPAMD_EX_TEMPFAIL	75
#define SPAMD_EX_PROTOCOL	76
#define SPAMD_EX_TIMEOUT	79

enum spamd_method {
	SPAMD_NONE, SPAMD_CHECK, SPAMD_SYMBOLS, SPAMD_REPORT,
	SPAMD_REPORT_IFSPAM, SPAMD_PROCESS, SPAMD_HEADERS, SPAMD_PING,
	SPAMD_SKIP, SPAMD_TELL
};

enum spamd_class { SPAMD_CLASS_NONE, SPAMD_CLASS_SPAM, SPAMD_CLASS_HAM };

/* TELL's Set and Remove, and spamd_reply_tell's DidSet and DidRemove */
#define SPAMD_TELL_LOCAL	1
#define SPAMD_TELL_REMOTE	2

struct spamd_request {
	enum spamd_method method;
	int		 version;	/* SPAMC/x.y in thousandths */
	long long	 clen;		/* Content-length, -1 = none */
	const char	*user;		/* User or NULL; lives with the
					   decoder */
	enum spamd_class msgclass;	/* TELL: Message-class */
	int		 set;		/* TELL: Set, SPAMD_TELL_* */
	int		 remove;	/* TELL: Remove, SPAMD_TELL_* */
	int		 has_body;	/* a message follows */
};

/* spamd_feed and spamd_finish results */
#define SPAMD_NEED_MORE		0	/* all of buf consumed */
#define SPAMD_REQUEST		1	/* request line, headers done */
#define SPAMD_DATA		2	/* *data, *dlen: message bytes */
#define SPAMD_BODY_END		3	/* last bytes; length checked */
#define SPAMD_ERROR		(-1)	/* spamd_reply_error, close */

struct spamd_decoder;

struct spamd_decoder *spamd_decoder_new(long long, int);
int	 spamd_feed(struct spamd_decoder *, const char *, size_t, size_t *,
	    struct spamd_request *, const char **, size_t *);
int	 spamd_finish(struct spamd_decoder *, struct spamd_request *);
void	 spamd_decoder_free(struct spamd_decoder *);
int	 spamd_error_code(const struct spamd_decoder *);
void	 spamd_reply_error(struct buf *, const struct spamd_decoder *);

const char *spamd_method_name(enum spamd_method);

void	 spamd_reply_fail(struct buf *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	 spamd_score_str(struct buf *, double, double, int);
void	 spamd_reply_result(struct buf *, const struct spamd_request *, int,
	    double, double, const char *, size_t);
void	 spamd_reply_pong(struct buf *);
void	 spamd_reply_tell(struct buf *, int, int);

#endif
