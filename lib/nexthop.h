/*
 * nexthop.h - the forward_method parameter: where reinject delivers.
 *
 * Syntax: smtp:[host]:port, smtp:[host], smtp:host:port, smtp:host
 * (port 25), lmtp:[host]:port, lmtp:host:port, lmtp:host (port 24),
 * lmtp:unix:/path (a SOCK_STREAM unix socket).  A host in brackets
 * may be an IPv6 address (with or without an "ipv6:" prefix); a
 * bare host may not contain ':'.  Host names are resolved with the
 * system's resolver (address records, no MX lookup).  Exports struct
 * nexthop and nexthop_parse.
 */
#ifndef NEXTHOP_H
#define NEXTHOP_H

#include "buf.h"

#define NEXTHOP_HOST_MAX	256
#define NEXTHOP_PATH_MAX	108	/* sizeof(sun_path) */
#define NEXTHOP_TEXT_MAX	(NEXTHOP_PATH_MAX + 16)

struct nexthop {
	int	lmtp;			/* LHLO, one reply per recipient */
	int	is_unix;		/* path, not host and port */
	char	host[NEXTHOP_HOST_MAX];	/* without brackets */
	char	port[8];		/* decimal */
	char	path[NEXTHOP_PATH_MAX];
	char	text[NEXTHOP_TEXT_MAX];	/* "[h]:p", "h:p" or "unix:/p" */
};

int	nexthop_parse(const char *, struct nexthop *, struct buf *err);

#endif
