/*
 * dotstuff.c - SMTP dot-stuffing of message content, chunk by chunk.
 *
 * Inputs: message content from a queue file (hostile bytes, any
 * length, possibly bare CR or LF); output only ever grows by the
 * documented bound.  No allocation, no I/O.  Runs unprivileged.
 */
#include <string.h>

#include "dotstuff.h"

/* dotstuff_init - state for content that starts at a line start */
void
dotstuff_init(struct dotstuff *ds)
{
	ds->bol = 1;
}

/*
 * dotstuff - copy len bytes of in to out, adding a "." before each
 * line that starts with "."; out must hold DOTSTUFF_MAX(len) bytes.
 * Returns the number of bytes written.
 */
size_t
dotstuff(struct dotstuff *ds, const char *in, size_t len, char *out)
{
	const char *p = in, *end = in + len, *nl;
	char *o = out;
	size_t n;

	while (p < end) {
		if (ds->bol && *p == '.')
			*o++ = '.';
		/* whole lines at a time: memchr and memcpy do the work */
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		memcpy(o, p, n);
		o += n;
		p += n;
		ds->bol = nl != NULL;
	}
	return (size_t)(o - out);
}
