/*
 * relays.h - the Received header chain as SpamAssassin's Received.pm
 * reads it: relays parsed into ip, rdns, helo, by, ident, envfrom, id,
 * auth, then split into trusted, untrusted, internal and external by
 * trusted_networks/internal_networks (or SpamAssassin's inference when
 * none are set), and the X-Spam-Relays-* pseudo-headers rules match.
 *
 * Exports struct relay, struct relays, struct relays_conf (network
 * lists: trusted, internal, msa; originating_ip_headers), relays_parse,
 * relays_free, relays_pseudo_header, relays_envfrom, relays_eval_lookup,
 * relays_conf_init, relays_conf_free, relays_conf_setting,
 * relays_conf_orig_headers, relays_netset_add, relays_netset_contains,
 * relays_ip_private.  The headers are hostile; the configuration is
 * trusted.  See relays.c.
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
	/* envfrom is NULL when the header names none */
	int	 internal;	/* intl=1 */
	int	 no_reverse_dns; /* the MTA looked it up and found none */
	int	 rdns_not_in_headers; /* the MTA does not record rDNS */
};

struct relays {
	struct relay	*r;		/* from the newest (top) header down */
	int		 n;
	int		 ntrusted;	/* r[0 .. ntrusted-1] are trusted */
	int		 ninternal;	/* r[0 .. ninternal-1] are internal */
	int		 unparseable;	/* Received headers not understood */
	int		 nreceived;	/* Received headers seen */
	/* Received.pm's last_trusted_relay_index and
	 * last_internal_relay_index (skipped headers count too), -1: none */
	int		 last_trusted_index;
	int		 last_internal_index;
};

/* one CIDR block; IPv4 is kept as ::ffff:a.b.c.d (bits + 96) */
struct relays_net {
	unsigned char	 addr[16];
	int		 bits;
	int		 exclude;	/* "!net" */
};

struct relays_netset {
	struct relays_net *net;
	int		 n, cap;
	int		 configured;	/* the user gave entries */
};

/* trusted/internal networks; a NULL conf means SpamAssassin's inference
 * and its default originating_ip_headers */
struct relays_conf {
	struct relays_netset trusted;	/* 127/8 and ::1 always in */
	struct relays_netset internal;	/* 127/8 and ::1 always in */
	struct relays_netset msa;
	char		**orig_hdr;	/* originating_ip_headers */
	int		 norig;
};

void		 relays_conf_init(struct relays_conf *);
void		 relays_conf_free(struct relays_conf *);
int		 relays_netset_add(struct relays_netset *, const char *,
		    struct buf *);
int		 relays_netset_contains(const struct relays_netset *,
		    const char *);
void		 relays_conf_orig_headers(struct relays_conf *, const char *);
/*
 * relays_conf_setting - one configuration line for these lists:
 * trusted_networks, internal_networks, msa_networks (and their clear_
 * forms), originating_ip_headers, clear_originating_ip_headers;
 * 1 applied, 0 not one of them, -1 a bad value (message in err)
 */
int		 relays_conf_setting(struct relays_conf *, const char *,
		    const char *, struct buf *);
int		 relays_ip_private(const char *);

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
 * relays_envfrom - the envelope sender recorded by the last untrusted
 * relay (or the first trusted one), as PerMsgStatus get_envelope_from
 * reads it before its header fallbacks; NULL when not usable
 */
const char	*relays_envfrom(const struct relays *);

/*
 * relays_eval_lookup - the evals that read the relays (ALL_TRUSTED,
 * NO_RELAYS, forged Received checks, HELO checks ...), or NULL;
 * eval_lookup asks here first.  eval_fn is evals.h's.
 */
struct eval_msg;
typedef int (*relays_eval_fn)(struct eval_msg *, int, char **);
relays_eval_fn	 relays_eval_lookup(const char *name);

#endif
