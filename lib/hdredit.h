/*
 * hdredit.h - edit a message's header section (see hdredit.c).
 *
 * Exports hdr_edit, hdr_tag_subject and HDR_EDIT_MAX.
 */
#ifndef HDREDIT_H
#define HDREDIT_H

#include <stddef.h>

#include "buf.h"

/* A header section longer than this is not edited (mail passes as is). */
#define HDR_EDIT_MAX	(256 * 1024)

int	hdr_edit(const char *, size_t, const char *, const char *,
	    struct buf *, size_t *);
int	hdr_tag_subject(const char *, size_t, const char *, struct buf *,
	    size_t *);

#endif
