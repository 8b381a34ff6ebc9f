/*
 * dotstuff.h - SMTP dot-stuffing of message content, chunk by chunk.
 *
 * A pure function over byte chunks: a "." is added before every line
 * that starts with "." (RFC 5321 4.5.2), where a line starts at the
 * beginning of the content and after every LF.  The state carries
 * across calls, so content may be cut anywhere.  Exports struct
 * dotstuff, dotstuff_init, dotstuff, DOTSTUFF_MAX.
 */
#ifndef DOTSTUFF_H
#define DOTSTUFF_H

#include <stddef.h>

struct dotstuff {
	int	bol;		/* the next byte starts a line */
};

/*
 * Room the output needs for len input bytes: an added dot needs a "."
 * at the start of a line, and two such starts are at least two bytes
 * apart, so at most (len + 1) / 2 dots are added.
 */
#define DOTSTUFF_MAX(len)	((len) + (len) / 2 + 1)

void	dotstuff_init(struct dotstuff *);
size_t	dotstuff(struct dotstuff *, const char *, size_t, char *);

#endif
