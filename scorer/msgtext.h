/*
 * msgtext.h - the text SpamAssassin 4.0.1 rules look at, built from a
 * message in memory: the rendered body lines of body rules (Message.pm
 * get_rendered_body_text_array), the decoded lines of rawbody rules
 * (get_decoded_body_text_array) and header values as PerMsgStatus get()
 * returns them (decoded, :raw, :addr, :name, :first, :last, ALL, ToCc,
 * MESSAGEID).
 *
 * Exports struct msgtext, struct msgtext_lines, the MSGTEXT_* limits
 * and flags, msgtext_parse, msgtext_free, msgtext_header,
 * msgtext_header_list, msgtext_freemail_strip, msgtext_part_headers,
 * msgtext_rendered, msgtext_lines_free.
 * The message
 * is hostile; see msgtext.c.
 */
#ifndef MSGTEXT_H
#define MSGTEXT_H

#include <stddef.h>

#include "buf.h"
#include "html.h"
#include "mime.h"
#include "uri.h"

#define MSGTEXT_LINE_MAX	2048	/* SA MAX_BODY_LINE_LENGTH */
#define MSGTEXT_BODY_SCAN	50000	/* SA body_part_scan_size */
#define MSGTEXT_RAW_SCAN	500000	/* SA rawbody_part_scan_size */
#define MSGTEXT_HDR_KEY_MAX	256	/* SA MAX_HEADER_KEY_LENGTH */
#define MSGTEXT_HDR_VALUE_MAX	8192	/* SA MAX_HEADER_VALUE_LENGTH */
#define MSGTEXT_HDR_ALL_MAX	65536	/* SA MAX_HEADER_LENGTH */
#define MSGTEXT_MAX_HEADERS	5000	/* header fields kept */
#define MSGTEXT_MAX_TEXT	(8 * 1024 * 1024) /* body or rawbody bytes */

/* msgtext_rendered: which text */
#define MSGTEXT_RENDERED	0	/* body rules (t->body) */
#define MSGTEXT_VISIBLE		1	/* without invisible HTML text */
#define MSGTEXT_INVISIBLE	2	/* only invisible HTML text */

#define MSGTEXT_TRUNCATED	0x0001	/* a part or the total was cut */
#define MSGTEXT_HDR_TRUNCATED	0x0002	/* a header key/value/count cut */

/* lines: line i is text.data + off[i], len[i] bytes, ends with \n
 * except possibly the last one; the text is NUL-ended as a whole */
struct msgtext_lines {
	struct buf	 text;
	size_t		*off;
	size_t		*len;
	int		 n;
	int		 cap;
};

struct msgtext_hdr {
	char		*name;		/* as written, NUL-ended */
	char		*raw;		/* after the colon, LF lines, folded */
	char		*dec;		/* unfolded, trimmed, RFC 2047 decoded */
};

struct msgtext {
	struct msgtext_lines	 body;		/* body rules */
	struct msgtext_lines	 rawbody;	/* rawbody rules */
	struct msgtext_hdr	*hdr;		/* top header, in order */
	int			 nhdr;
	int			 flags;		/* MSGTEXT_* */
	int			 mime_flags;	/* struct mime flags */
	/* kept for uri rules and the evals (filled by msgtext_parse) */
	struct mime		 mime;		/* the MIME tree of the message */
	struct html		*html;		/* each rendered text/html part */
	int			*html_part;	/* its index in mime.part */
	int			 nhtml;
	struct uri_list		 uris;		/* SA's get_uri_list: text and
						   HTML URIs, canonical forms */
	struct buf		 src;		/* the message as parsed (blank
						   runs cut): mime offsets */
};

void		 msgtext_parse(struct msgtext *, const char *, size_t);
void		 msgtext_free(struct msgtext *);
const char	*msgtext_header(const struct msgtext *, const char *,
		    struct buf *);
const char	*msgtext_header_list(const struct msgtext *, const char *,
		    struct buf *);
void		 msgtext_to_utf8(const char *, const char *, size_t,
		    struct buf *);
void		 msgtext_freemail_strip(struct msgtext *);
void		 msgtext_part_headers(const struct msgtext *, int,
		    struct msgtext *);
void		 msgtext_rendered(const struct msgtext *, int,
		    struct msgtext_lines *);
void		 msgtext_lines_free(struct msgtext_lines *);

#endif
