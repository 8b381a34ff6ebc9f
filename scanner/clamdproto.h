/*
 * clamdproto.h - the clamd wire protocol as a pure decoder and reply
 * formatter: no sockets, no scanning.
 *
 * Exports enum clamd_cmd, enum clamd_term, struct clamd_request, the
 * clamd_feed result codes, clamd_decoder_new, clamd_feed, clamd_finish,
 * clamd_idle, clamd_decoder_free, clamd_cmd_name, clamd_session_allowed, clamd_reply,
 * clamd_reply_result, clamd_versioncommands and CLAMD_VERSION_STRING.
 * Every byte fed to the decoder is hostile (a clamd client).
 */
#ifndef CLAMDPROTO_H
#define CLAMDPROTO_H

#include <stddef.h>

#include "buf.h"

/*
 * A command, prefix and terminator included, as clamd 1.4 reads it
 * into its PATH_MAX + 8 byte buffer: a longer one is dropped.
 */
#define CLAMD_LINE_MAX	4104
#define CLAMD_VERSION_STRING "ClamAV 1.4.6" /* VERSION with no CVD loaded */

enum clamd_cmd {
	CLAMD_NONE, CLAMD_PING, CLAMD_VERSION, CLAMD_VERSIONCOMMANDS,
	CLAMD_RELOAD, CLAMD_SHUTDOWN, CLAMD_SCAN, CLAMD_CONTSCAN,
	CLAMD_MULTISCAN, CLAMD_ALLMATCHSCAN, CLAMD_INSTREAM, CLAMD_FILDES,
	CLAMD_STATS, CLAMD_IDSESSION, CLAMD_END, CLAMD_DETSTATSCLEAR,
	CLAMD_DETSTATS, CLAMD_UNKNOWN
};

/* The request's framing, which its replies must use too. */
enum clamd_term {
	CLAMD_TERM_LEGACY,	/* no prefix: one packet, to LF; replies '\n' */
	CLAMD_TERM_NL,		/* 'n': ends at LF, replies '\n' */
	CLAMD_TERM_NUL		/* 'z': ends at NUL, replies '\0' */
};

struct clamd_request {
	enum clamd_cmd	 cmd;
	enum clamd_term	 term;
	const char	*arg;	/* SCAN etc. path, else NULL; valid until
				   the next clamd_feed */
};

/* clamd_feed and clamd_finish results */
#define CLAMD_NEED_MORE		0	/* all of buf consumed */
#define CLAMD_REQUEST		1	/* *req filled */
#define CLAMD_DATA		2	/* *data, *dlen: INSTREAM bytes */
#define CLAMD_STREAM_END	3	/* zero-length chunk */
#define CLAMD_ERR_TOO_LONG	(-1)	/* line or stream over its limit */
#define CLAMD_ERR_SYNTAX	(-2)	/* input ended mid-request; close */

struct clamd_decoder;

struct clamd_decoder *clamd_decoder_new(long long);
int	 clamd_feed(struct clamd_decoder *, const char *, size_t, size_t *,
	    struct clamd_request *, const char **, size_t *);
int	 clamd_finish(struct clamd_decoder *);
int	 clamd_idle(const struct clamd_decoder *);
void	 clamd_decoder_free(struct clamd_decoder *);

const char *clamd_cmd_name(enum clamd_cmd);
int	 clamd_session_allowed(enum clamd_cmd);

void	 clamd_reply(struct buf *, enum clamd_term, unsigned, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
void	 clamd_reply_result(struct buf *, enum clamd_term, unsigned,
	    const char *, const char *, const char *);
void	 clamd_versioncommands(struct buf *, const char *);

#endif
