/*
 * relays.h - the Received header chain as SpamAssassin's Received.pm
 * reads it: relays parsed into ip, rdns, helo, by, ident, envfrom, id,
 * auth, then split into trusted, untrusted, internal and external by
 * trusted_networks/internal_networks (or SpamAssassin's inference when
 * none are set), and the X-Spam-Relays-* pseudo-headers rules match.
 *
 * Exports struct relay, struct relays, relays_parse, relays_free,
 * relays_pseudo_header.  The headers are hostile.  See relays.c.
 */
#ifndef RELAYS_H
#define RELAYS_H

#include <stddef.h>

#include "buf.h"
#include "msgtext.h"

struct relay {
	char	*ip, *by, *helo, *rdns, *ident, *envfrom, *id, *auth;
	int	 ip_private;	/* RFC 1918 / loopback / link-local ... */
	int	 msa;		/* submission relay */
};

struct relays {
	struct relay	*r;		/* from the newest (top) header down */
	int		 n;
	int		 ntrusted;	/* r[0 .. ntrusted-1] are trusted */
	int		 ninternal;	/* r[0 .. ninternal-1] are internal */
	int		 unparseable;	/* Received headers not understood */
	int		 nreceived;	/* Received headers seen */
};

struct relays_conf;	/* trusted/internal networks; NULL: infer */

void		 relays_parse(struct relays *, const struct msgtext *,
		    const struct relays_conf *);
void		 relays_free(struct relays *);

/*
 * relays_pseudo_header - the value of X-Spam-Relays-Trusted,
 * -Untrusted, -Internal, -External (SpamAssassin's format:
 * "[ ip=... rdns=... helo=... by=... ident=... envfrom=... intl=0|1
 * id=... auth=... msa=0|1 ] [ ... ]") into out; NULL for another name
 */
const char	*relays_pseudo_header(const struct relays *, const char *,
		    struct buf *);

/*
 * relays_eval_lookup - the evals that read the relays (ALL_TRUSTED,
 * NO_RELAYS, forged Received checks, HELO checks ...), or NULL;
 * eval_lookup asks here first.  eval_fn is evals.h's.
 */
struct eval_msg;
typedef int (*relays_eval_fn)(struct eval_msg *, int, char **);
relays_eval_fn	 relays_eval_lookup(const char *name);

#endif
