/*
 * hdredit.c - edit a message's header section: put a tag in front of
 * the Subject ("***UNCHECKED*** ", "[SPAM] ") and drop fields a sender
 * must not set (X-Spam-*).
 *
 * Exports hdr_edit, hdr_tag_subject.  The message is hostile: any
 * bytes, any line lengths, folded or repeated Subject lines, no header at all.  The
 * result is the whole edited header section, to be sent in place of the
 * original one (the queue file's H= field says how much of the message
 * that replaces); the body is never touched.  Pure: no I/O.
 */
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "hdredit.h"

/* header_end - length of the header section incl. its last CRLF, or -1 */
static long
header_end(const char *msg, size_t len)
{
	const char *p;

	if (len >= 2 && msg[0] == '\r' && msg[1] == '\n')
		return 0;			/* no header at all */
	if ((p = memmem(msg, len, "\r\n\r\n", 4)) != NULL)
		return (long)(p - msg) + 2;
	if (len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n')
		return (long)len;		/* a header and no body */
	return -1;				/* cut short: leave it alone */
}

/*
 * hdr_edit - the header section of msg with tag (or NULL) put in front
 * of the first Subject's value (one is added at the end if there is
 * none; a subject already starting with the tag is left as it is) and
 * without the fields whose name starts with strip (or NULL; "X-Spam-":
 * what a sender wrote there must not pass for our verdict).  On 0, out
 * holds the edited section and *skip the length of the original one it
 * replaces; -1 when msg (the first len bytes of the message, at most
 * HDR_EDIT_MAX) has no complete header section to edit.
 */
int
hdr_edit(const char *msg, size_t len, const char *tag, const char *strip,
    struct buf *out, size_t *skip)
{
	size_t taglen = tag ? strlen(tag) : 0, i = 0, eol;
	size_t striplen = strip ? strlen(strip) : 0;
	long hlen = header_end(msg, len);
	const char *line, *v, *nl;
	int done = tag == NULL, dropping = 0;

	if (hlen < 0)
		return -1;
	while (i < (size_t)hlen) {
		line = msg + i;
		nl = memchr(line, '\n', (size_t)hlen - i);
		eol = nl ? (size_t)(nl - msg) + 1 : (size_t)hlen;
		if (*line == ' ' || *line == '\t') {
			/* a continuation belongs to the field above */
			if (!dropping)
				buf_add(out, line, eol - i);
			i = eol;
			continue;
		}
		dropping = striplen && eol - i >= striplen &&
		    strncasecmp(line, strip, striplen) == 0;
		if (dropping) {
			;
		} else if (!done && eol - i >= 8 &&
		    strncasecmp(line, "Subject:", 8) == 0) {
			done = 1;
			v = line + 8;
			while (v < msg + eol && (*v == ' ' || *v == '\t'))
				v++;
			buf_add(out, line, 8);
			buf_addc(out, ' ');
			if ((size_t)(msg + eol - v) < taglen ||
			    memcmp(v, tag, taglen) != 0)
				buf_add(out, tag, taglen);
			buf_add(out, v, (size_t)(msg + eol - v));
		} else {
			buf_add(out, line, eol - i);
		}
		i = eol;
	}
	if (!done) {
		/* no Subject: one with the tag alone, without its blank */
		while (taglen > 0 && tag[taglen - 1] == ' ')
			taglen--;
		buf_adds(out, "Subject: ");
		buf_add(out, tag, taglen);
		buf_adds(out, "\r\n");
	}
	*skip = (size_t)hlen;
	return 0;
}

/* hdr_tag_subject - hdr_edit with a tag and nothing stripped */
int
hdr_tag_subject(const char *msg, size_t len, const char *tag,
    struct buf *out, size_t *skip)
{
	return hdr_edit(msg, len, tag, NULL, out, skip);
}
