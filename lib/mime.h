/*
 * mime.h - MIME structure parser: a message in memory becomes a flat
 * array of parts in document order (offsets into the message, no
 * copies of bodies), plus transfer decoding and header lookup.
 *
 * Exports struct mime, struct mime_part, struct mime_limits, the
 * MIME_* flags, mime_parse, mime_free, mime_decode, mime_header.
 * The message is hostile; see mime.c.
 */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>

#include "buf.h"

#define MIME_BROKEN_UNTERMINATED 0x0001	/* multipart without close delimiter */
#define MIME_BROKEN_BOUNDARY	0x0002	/* multipart: boundary absent/unseen */
#define MIME_BROKEN_HEADER	0x0004	/* non-header line, bad Content-Type */
#define MIME_BROKEN_PARAM	0x0008	/* unterminated quote or comment */
#define MIME_BROKEN_ENCODING	0x0010	/* unknown CTE, junk in base64/QP */
#define MIME_TOO_DEEP		0x0100	/* container at max_depth not opened */
#define MIME_TOO_MANY		0x0200	/* max_parts reached, parsing stopped */

#define MIME_MAX_DEPTH	30
#define MIME_MAX_PARTS	1000

struct mime_limits {
	int		 max_depth;	/* <= 0: MIME_MAX_DEPTH */
	int		 max_parts;	/* <= 0: MIME_MAX_PARTS */
};

struct mime_part {
	int		 depth;		/* 0 = the message itself */
	int		 parent;	/* index of the parent part, -1: root */
	size_t		 hdr_off, hdr_len;	/* its header block */
	size_t		 body_off, body_len;	/* body, still encoded */
	char		*type;		/* "text/plain", lower case, not NULL */
	char		*charset;	/* lower case, or NULL */
	char		*encoding;	/* CTE, lower case, or NULL */
	char		*filename;	/* decoded, UTF-8, or NULL */
	char		*disposition;	/* lower case, or NULL */
	int		 is_multipart, is_message;
	int		 flags;		/* MIME_* */
};

struct mime {
	struct mime_part *part;
	int		 nparts;
	int		 flags;		/* every part's flags or'ed, and more */
};

int		 mime_parse(struct mime *, const char *, size_t,
		    const struct mime_limits *);
void		 mime_free(struct mime *);
size_t		 mime_decode(const struct mime_part *, const char *,
		    struct buf *);
const char	*mime_header(const char *, const struct mime_part *,
		    const char *, struct buf *);

#endif
