/*
 * dotreader.h - the SMTP DATA decoder: finds the end of the message
 * ("." alone on a line), removes dot-stuffing, counts stored lines that
 * begin with a dot and handles bare LF, over input that arrives in
 * arbitrary chunks.  Pure: no I/O, state carried in struct dotreader,
 * so a chunk may end anywhere (even between CR and LF or after a dot).
 *
 * Exports struct dotreader, dotreader_init, dotreader_feed and the
 * DOTREADER_* results.  Its input is hostile (client bytes); one call
 * appends at most 2 * len + 2 bytes to the output (bare LF to CR LF,
 * plus a held-back ".\r"), so the caller bounds memory by chunk size.
 */
#ifndef DOTREADER_H
#define DOTREADER_H

#include <stddef.h>

#include "buf.h"

enum {
	DOTREADER_MORE,		/* all input used; the end is still to come */
	DOTREADER_END,		/* end of data seen; the rest is not ours */
	DOTREADER_BARE_LF,	/* a bare LF, and bare_lf_ok was not set */
};

struct dotreader {
	int		state;		/* where in a line we are */
	int		cr;		/* the last byte seen was CR */
	int		bare_lf_ok;	/* read a bare LF as CR LF */
	long long	dot_lines;	/* stored lines that begin with "." */
};

void	dotreader_init(struct dotreader *, int bare_lf_ok);
int	dotreader_feed(struct dotreader *, const char *, size_t, size_t *,
	    struct buf *);

#endif
