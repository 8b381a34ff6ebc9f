/*
 * dnsbl.h - SpamAssassin's DNS list tests: the RBL evals of DNSEval
 * (check_rbl, check_rbl_sub, check_rbl_txt, check_rbl_envfrom,
 * check_rbl_from_host, check_rbl_headers, ...) on the untrusted relays
 * of the Received chain, the URI lists of URIDNSBL (urirhssub,
 * urirhsbl, uridnsbl, uridnssub with check_uridnsbl) and askdns rules.
 * Every lookup of a message is sent at once, before the local rules
 * run; the evals read the answers after the wait.
 *
 * Exports struct dnsbl_conf, struct dnsbl_msg, dnsbl_conf_new,
 * dnsbl_conf_free, dnsbl_handles, dnsbl_start, dnsbl_eval,
 * dnsbl_msg_free.  Messages and DNS answers are hostile; the rules and
 * settings trusted.  See dnsbl.c.
 */
#ifndef DNSBL_H
#define DNSBL_H

#include "buf.h"
#include "dns.h"
#include "msgtext.h"
#include "relays.h"
#include "saconf.h"

struct dnsbl_conf;
struct dnsbl_msg;

/*
 * dnsbl_conf_new - the lookups a rule set asks for: the zones of its
 * check_rbl* evals, its urirhssub/urirhsbl/uridnsbl/uridnssub and
 * askdns definitions, and the settings that steer them
 * (uridnsbl_skip_domain, skip_rbl_checks, ...); after saconf_finish
 */
struct dnsbl_conf *dnsbl_conf_new(struct saconf *);
void		 dnsbl_conf_free(struct dnsbl_conf *);

/* dnsbl_handles - 1 when eval function name (or "askdns") is one of ours */
int		 dnsbl_handles(const char *func);

/*
 * dnsbl_start - send every lookup the message needs through dns (the
 * caller then waits with dns_wait); env_from: the envelope sender or
 * NULL.  The result lives until dnsbl_msg_free, which must come after
 * the wait or dns_cancel.
 */
struct dnsbl_msg *dnsbl_start(const struct dnsbl_conf *, struct dns *,
		    const struct msgtext *, const struct relays *,
		    const char *env_from);
/*
 * dnsbl_eval - the result of rule r (an eval dnsbl_handles, argv: its
 * arguments with Perl quoting removed) on the answers received: the
 * number of hits (0: none)
 */
int		 dnsbl_eval(struct dnsbl_msg *, const struct saconf_rule *r,
		    int argc, char **argv);
/* dnsbl_timeouts - lookups that ended without an answer in time (those
 * c-ares gave up on and those dns_cancel ended) */
int		 dnsbl_timeouts(const struct dnsbl_msg *);
void		 dnsbl_msg_free(struct dnsbl_msg *);

#endif
