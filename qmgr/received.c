/*
 * received.c - the Received: line qmgr prepends, amavisd-new style.
 *
 *   Received: from HELO (NAME [ADDR])
 *   	by MYHOSTNAME (mailsift) with ESMTP id QUEUEID
 *   	for <rcpt>; Fri, 27 Nov 2026 21:04:47 +0000
 *
 * The client is the original one when the upstream MTA forwarded it
 * with XFORWARD, else our own SMTP client.  Inputs: envelope strings
 * that came from clients (hostile): anything that could break the
 * header is replaced.  Runs unprivileged.
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "qmgr.h"

/* usable - an XFORWARD value that is present and not [UNAVAILABLE] */
static const char *
usable(const char *xf, const char *own)
{
	if (xf && *xf && strcasecmp(xf, "[UNAVAILABLE]") != 0)
		return xf;
	return own && *own ? own : NULL;
}

/* add_clean - append s with header-breaking characters replaced */
static void
add_clean(struct buf *b, const char *s, size_t max)
{
	size_t n;

	for (n = 0; *s && n < max; s++, n++) {
		unsigned char c = (unsigned char)*s;

		buf_addc(b, c <= ' ' || c >= 0x7f || c == '(' || c == ')' ||
		    c == '[' || c == ']' || c == ';' || c == '<' || c == '>' ?
		    '_' : c);
	}
}

/* received_line - append the Received: line, CRLF-terminated */
void
received_line(struct buf *b, const struct queue_env *e, const char *me)
{
	const char *helo, *name, *addr;
	char date[64];
	struct tm tm;
	time_t now = time(NULL);

	helo = usable(e->xf.helo, e->xf.addr ? NULL : e->helo);
	name = usable(e->xf.name, e->xf.addr ? NULL : e->client_name);
	addr = usable(e->xf.addr, e->client_addr);
	if (addr && strncasecmp(addr, "IPv6:", 5) == 0)
		addr += 5;
	buf_adds(b, "Received: from ");
	add_clean(b, helo ? helo : name ? name : "unknown", 255);
	buf_adds(b, " (");
	add_clean(b, name ? name : "unknown", 255);
	buf_adds(b, " [");
	add_clean(b, addr ? addr : "unknown", 64);
	buf_adds(b, "])\r\n\tby ");
	add_clean(b, me, 255);
	buf_adds(b, " (mailsift) with ");
	add_clean(b, e->proto ? e->proto : "SMTP", 16);
	buf_adds(b, " id ");
	buf_adds(b, e->id);
	if (e->nrcpt == 1) {
		buf_adds(b, "\r\n\tfor <");
		add_clean(b, e->rcpt[0].addr, 512);
		buf_addc(b, '>');
	}
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000 (UTC)",
	    &tm);
	buf_addf(b, "; %s\r\n", date);
}
