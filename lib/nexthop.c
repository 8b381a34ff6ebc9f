/*
 * nexthop.c - parse the forward_method parameter.
 *
 * Inputs: the configuration (trusted, but checked strictly so that a
 * typo is a clear start-up error, not a strange connect failure).
 * Pure: no I/O, no resolver.  Runs unprivileged.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "nexthop.h"

/* host_char - may c appear in a host name or address literal? */
static int
host_char(int c, int bracketed)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_' ||
	    (bracketed && c == ':');
}

/* parse_port - "1" to "65535" into nh->port; -1 if not */
static int
parse_port(const char *s, struct nexthop *nh)
{
	long v = 0;
	const char *p;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	snprintf(nh->port, sizeof(nh->port), "%ld", v);
	return 0;
}

/* parse_inet - "[host]:port", "[host]", "host:port" or "host" */
static int
parse_inet(const char *s, struct nexthop *nh, struct buf *err)
{
	const char *h, *end, *port = NULL, *p;
	int bracketed = *s == '[';
	size_t hlen;

	if (bracketed) {
		h = s + 1;
		if ((end = strchr(h, ']')) == NULL) {
			buf_addf(err, "missing \"]\"");
			return -1;
		}
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0') {
			buf_addf(err, "junk after \"]\"");
			return -1;
		}
		/* Postfix also writes [ipv6:addr] */
		if (strncasecmp(h, "ipv6:", 5) == 0)
			h += 5;
	} else {
		h = s;
		end = strchr(h, ':');
		if (end == NULL)
			end = h + strlen(h);
		else
			port = end + 1;
		if (port && strchr(port, ':')) {
			buf_addf(err, "an IPv6 address needs brackets");
			return -1;
		}
	}
	hlen = (size_t)(end - h);
	if (hlen == 0) {
		buf_addf(err, "empty host");
		return -1;
	}
	if (hlen >= sizeof(nh->host)) {
		buf_addf(err, "host name too long");
		return -1;
	}
	for (p = h; p < end; p++)
		if (!host_char((unsigned char)*p, bracketed)) {
			buf_addf(err, "bad character in host");
			return -1;
		}
	memcpy(nh->host, h, hlen);
	nh->host[hlen] = '\0';
	if (port == NULL)
		snprintf(nh->port, sizeof(nh->port), "%s",
		    nh->lmtp ? "24" : "25");
	else if (parse_port(port, nh) < 0) {
		buf_addf(err, "bad port \"%s\"", port);
		return -1;
	}
	snprintf(nh->text, sizeof(nh->text), bracketed ? "[%s]:%s" : "%s:%s",
	    nh->host, nh->port);
	return 0;
}

/*
 * nexthop_parse - fill nh from a forward_method value; -1 with the
 * reason in err if it is malformed.
 */
int
nexthop_parse(const char *spec, struct nexthop *nh, struct buf *err)
{
	const char *rest;
	const char *p;

	memset(nh, 0, sizeof(*nh));
	if (strncmp(spec, "smtp:", 5) == 0) {
		nh->lmtp = 0;
	} else if (strncmp(spec, "lmtp:", 5) == 0) {
		nh->lmtp = 1;
	} else {
		buf_addf(err, "must start with smtp: or lmtp:");
		return -1;
	}
	rest = spec + 5;
	if (strncmp(rest, "unix:", 5) == 0) {
		if (!nh->lmtp) {
			buf_addf(err, "unix sockets are for lmtp: only");
			return -1;
		}
		rest += 5;
		if (rest[0] != '/') {
			buf_addf(err, "unix socket path must be absolute");
			return -1;
		}
		if (strlen(rest) >= sizeof(nh->path)) {
			buf_addf(err, "unix socket path too long");
			return -1;
		}
		for (p = rest; *p; p++)
			if ((unsigned char)*p <= ' ' || *p == 0x7f) {
				buf_addf(err, "bad character in path");
				return -1;
			}
		nh->is_unix = 1;
		snprintf(nh->path, sizeof(nh->path), "%s", rest);
		snprintf(nh->text, sizeof(nh->text), "unix:%s", nh->path);
		return 0;
	}
	return parse_inet(rest, nh, err);
}
