/*
 * uri.h - URIs in plain text and their canonical forms, as SpamAssassin
 * 4.0 finds them for uri rules (PerMsgStatus _process_text_uri_list,
 * Util uri_list_canonicalize), plus the registrable domain of a host
 * (RegistryBoundaries split_domain) for URIBL lookups.
 *
 * Exports struct uri_list, the URI_* flags and limits, uri_from_text,
 * uri_canonical, uri_list_add, uri_list_free, uri_host, uri_domain,
 * uri_tld_valid, uri_tld_add, uri_suffix_add.  The text is hostile;
 * see uri.c.
 */
#ifndef URI_H
#define URI_H

#include <stddef.h>

#include "buf.h"

#define URI_SCHEMELESS	0x0001	/* found without a scheme: one was added */
#define URI_UNLINKED	0x0002	/* bare domain: a MUA would not link it */
#define URI_TOO_MANY	0x0100	/* list full: more were dropped */

#define URI_MAX_LIST	10000	/* entries in one uri_list */
#define URI_MAX_LEN	2048	/* SA's {1,2048} on one text URI */

struct uri_list {
	char		**v;		/* distinct, in order found */
	int		 *flags;	/* URI_* of each */
	int		  n, size;
	int		  overflow;	/* URI_TOO_MANY once something was lost */
	int		 *hash;		/* private: open-addressing index */
	size_t		  hsize;
};

void		 uri_from_text(const char *, size_t, struct uri_list *);
void		 uri_canonical(const char *, struct uri_list *);
int		 uri_list_add(struct uri_list *, const char *, size_t, int);
void		 uri_list_free(struct uri_list *);
int		 uri_host(const char *, struct buf *);
const char	*uri_domain(const char *, struct buf *);
int		 uri_tld_valid(const char *, size_t);
void		 uri_tld_add(const char *);
void		 uri_suffix_add(const char *);

#endif
