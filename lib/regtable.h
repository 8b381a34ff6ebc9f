/*
 * regtable.h - Postfix "regexp:" lookup tables (regexp_table(5) syntax),
 * compiled with PCRE2.
 *
 * Exports struct regtable, regtable_open, regtable_parse,
 * regtable_lookup, regtable_free and regtable_action.  The table text
 * is trusted (written by the postmaster); the subjects looked up are
 * hostile (header lines of a message).  See regtable.c.
 */
#ifndef REGTABLE_H
#define REGTABLE_H

#include <stddef.h>

#include "buf.h"

/* Work allowed to one pattern against one subject (pcre2 units). */
#define REGTABLE_MATCH_LIMIT	100000
#define REGTABLE_DEPTH_LIMIT	10000
#define REGTABLE_HEAP_LIMIT	32768		/* KiB */

struct regtable;

struct regtable	*regtable_open(const char *path, struct buf *err);
struct regtable	*regtable_parse(const char *text, const char *name,
		    struct buf *err);
int		 regtable_lookup(const struct regtable *, const char *subject,
		    size_t len, struct buf *result);
void		 regtable_free(struct regtable *);
int		 regtable_action(const char *result, char *word, size_t len,
		    const char **text);

#endif
