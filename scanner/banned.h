/*
 * banned.h - is any part of a message banned?  Postfix-style
 * mime_header_checks (a regexp: table matched against each MIME part's
 * Content-Type and Content-Disposition lines, its decoded filename and
 * the member names of archives it carries) plus a built-in check for
 * executable content whatever its declared name or type.
 *
 * Exports struct banned_limits, struct banned_verdict, banned_check and
 * banned_verdict_free.  The message is hostile; the table is trusted.
 */
#ifndef BANNED_H
#define BANNED_H

#include <stddef.h>

#include "archnames.h"
#include "mime.h"
#include "regtable.h"

struct banned_limits {
	struct mime_limits	 mime;	/* <= 0: mime.h defaults */
	struct archnames_limits	 arch;	/* per archive part */
};

/* Defaults used when banned_check is given no limits. */
#define BANNED_ARCH_DEPTH	10
#define BANNED_ARCH_FILES	10000
#define BANNED_ARCH_TOTAL	(100LL * 1024 * 1024)

struct banned_verdict {
	int	 banned;
	char	*reason;	/* "invoice.pdf.exe", "evil.exe in a.zip",
				   "executable content in photo.jpg" */
	char	*action;	/* the table's action word ("REJECT"), or
				   "BANNED" for the built-in check */
	char	*text;		/* the table's text after the action word,
				   or NULL */
	int	 unchecked;	/* something could not be fully examined */
	char	*why_unchecked;	/* the first such reason */
};

int	banned_check(const char *msg, size_t len, const struct regtable *,
	    const struct banned_limits *, struct banned_verdict *);
void	banned_verdict_free(struct banned_verdict *);

#endif
