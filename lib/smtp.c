/*
 * smtp.c - SMTP protocol helpers.
 *
 * Inputs: command arguments from clients and replies from next hops
 * (both hostile).  Nothing here allocates without bound or trusts a
 * length it did not measure.  Runs unprivileged.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "mem.h"
#include "smtp.h"

/* smtp_reply_code - the three-digit code at the start, or 0 */
int
smtp_reply_code(const char *r)
{
	if (r[0] < '2' || r[0] > '5' || !isdigit((unsigned char)r[1]) ||
	    !isdigit((unsigned char)r[2]) ||
	    (r[3] != ' ' && r[3] != '-' && r[3] != '\0'))
		return 0;
	return (r[0] - '0') * 100 + (r[1] - '0') * 10 + (r[2] - '0');
}

/*
 * smtp_reply_enh - the enhanced status code (RFC 3463) after the reply
 * code, copied to out; 0 when the reply has none.
 */
int
smtp_reply_enh(const char *r, char *out, size_t len)
{
	const char *p = r + 4, *s = p;
	int parts = 0, digits = 0;

	if (strlen(r) < 4 || smtp_reply_code(r) == 0 || *p != r[0])
		return 0;
	for (; *p && *p != ' '; p++) {
		if (isdigit((unsigned char)*p)) {
			digits++;
		} else if (*p == '.' && digits > 0) {
			parts++;
			digits = 0;
		} else {
			return 0;
		}
	}
	if (parts != 2 || digits == 0 || (size_t)(p - s) >= len)
		return 0;
	memcpy(out, s, (size_t)(p - s));
	out[p - s] = '\0';
	return 1;
}

/*
 * smtp_parse_path - parse "FROM:<addr> params" (kw "FROM") or "TO:...".
 * Accepts a space after the colon and a missing <> pair as Postfix
 * does.  Sets *addr (without <>) and *params (the rest, trimmed).
 * Returns 0, or -1 for a syntax error.
 */
int
smtp_parse_path(const char *arg, const char *kw, char **addr, char **params)
{
	size_t kwlen = strlen(kw);
	const char *p, *end;

	*addr = *params = NULL;
	if (strncasecmp(arg, kw, kwlen) != 0 || arg[kwlen] != ':')
		return -1;
	p = arg + kwlen + 1;
	while (*p == ' ')
		p++;
	if (*p == '<') {
		/* a quoted local part may contain '>' */
		int quoted = 0;

		for (end = p + 1; *end; end++) {
			if (*end == '\\' && quoted && end[1])
				end++;
			else if (*end == '"')
				quoted = !quoted;
			else if (*end == '>' && !quoted)
				break;
		}
		if (*end != '>')
			return -1;
		*addr = xstrndup(p + 1, (size_t)(end - p - 1));
		p = end + 1;
		if (*p && *p != ' ') {
			xfree(*addr);
			*addr = NULL;
			return -1;
		}
	} else {
		for (end = p; *end && *end != ' '; end++)
			;
		if (end == p)
			return -1;
		*addr = xstrndup(p, (size_t)(end - p));
		p = end;
	}
	while (*p == ' ')
		p++;
	*params = xstrdup(p);
	end = *params + strlen(*params);
	while (end > *params && end[-1] == ' ')
		*(char *)--end = '\0';
	/* a source route (@a,@b:user@dom) is reduced to the mailbox */
	if ((*addr)[0] == '@' && (p = strchr(*addr, ':')) != NULL)
		memmove(*addr, p + 1, strlen(p + 1) + 1);
	return 0;
}

/* smtp_valid_xtext - xtext syntax of RFC 3461 */
int
smtp_valid_xtext(const char *s)
{
	for (; *s; s++) {
		if (*s == '+') {
			if (!isxdigit((unsigned char)s[1]) ||
			    !isxdigit((unsigned char)s[2]) ||
			    islower((unsigned char)s[1]) ||
			    islower((unsigned char)s[2]))
				return 0;
			s += 2;
		} else if ((unsigned char)*s < '!' || (unsigned char)*s > '~' ||
		    *s == '=') {
			return 0;
		}
	}
	return 1;
}

/* smtp_xtext_decode - xtext to bytes; -1 if malformed */
int
smtp_xtext_decode(const char *s, struct buf *out)
{
	char hex[3] = { 0, 0, 0 };

	buf_reset(out);
	if (!smtp_valid_xtext(s))
		return -1;
	for (; *s; s++) {
		if (*s == '+') {
			hex[0] = s[1];
			hex[1] = s[2];
			buf_addc(out, (int)strtol(hex, NULL, 16));
			s += 2;
		} else {
			buf_addc(out, *s);
		}
	}
	return 0;
}

/* smtp_xtext_encode - bytes to xtext */
void
smtp_xtext_encode(const char *s, struct buf *out)
{
	for (; *s; s++) {
		if ((unsigned char)*s < '!' || (unsigned char)*s > '~' ||
		    *s == '+' || *s == '=')
			buf_addf(out, "+%02X", (unsigned char)*s);
		else
			buf_addc(out, *s);
	}
}

/* net_match - does addr fall in one "net/len" or address entry? */
static int
net_match(const char *entry, const char *addr)
{
	unsigned char a[16], n[16];
	char net[INET6_ADDRSTRLEN + 8], *slash;
	int fam, bits, maxbits, i;

	snprintf(net, sizeof(net), "%s", entry);
	if (net[0] == '[') {
		/* Postfix writes [::1]/128 */
		char *rb = strchr(net, ']');

		if (rb == NULL)
			return 0;
		memmove(rb, rb + 1, strlen(rb + 1) + 1);
		memmove(net, net + 1, strlen(net + 1) + 1);
	}
	if ((slash = strchr(net, '/')) != NULL)
		*slash++ = '\0';
	if (strncasecmp(addr, "IPv6:", 5) == 0)
		addr += 5;
	fam = strchr(net, ':') ? AF_INET6 : AF_INET;
	maxbits = fam == AF_INET6 ? 128 : 32;
	if (inet_pton(fam, net, n) != 1 || inet_pton(fam, addr, a) != 1)
		return 0;
	bits = slash ? atoi(slash) : maxbits;
	if (bits < 0 || bits > maxbits)
		return 0;
	for (i = 0; bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff :
		    (unsigned char)(0xff << (8 - bits));

		if ((a[i] & mask) != (n[i] & mask))
			return 0;
	}
	return 1;
}

/* smtp_netlist_match - does addr match any network of the list? */
int
smtp_netlist_match(const char *list, const char *addr)
{
	char **v = config_split(list, NULL);
	int i, hit = 0;

	for (i = 0; v[i] && !hit; i++)
		hit = net_match(v[i], addr);
	config_split_free(v);
	return hit;
}
