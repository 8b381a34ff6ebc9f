/*
 * archnames.h - the member names inside archives, for banned-attachment
 * rules.
 *
 * Exports struct archnames_limits and archnames_list.  The archive bytes
 * are hostile (they come from a mail attachment); the limits bound what
 * a hostile archive can make us do.
 */
#ifndef ARCHNAMES_H
#define ARCHNAMES_H

#include <stddef.h>

#include "buf.h"

struct archnames_limits {
	int		 max_depth;	/* archives inside archives; 0: none */
	int		 max_files;	/* member names in all, at all depths */
	long long	 max_total;	/* bytes decompressed in all, for nested
					   archives */
};

/*
 * archnames_list - call fn(name, depth, ctx) for every member name of the
 * archive in [p, p+len), descending into archives inside it up to
 * max_depth; returns 0, 1 if it is not an archive libarchive knows, or -1
 * with the reason in err ("too deep", "too many files", "over size
 * limit", "damaged: <libarchive message>").  fn returning non-zero stops
 * the walk (returns 0).  Names are passed as stored, never NULL.
 */
int	archnames_list(const void *p, size_t len,
	    const struct archnames_limits *,
	    int (*fn)(const char *name, int depth, void *ctx), void *ctx,
	    struct buf *err);

#endif
