/*
 * evals.h - the "eval:" tests of SpamAssassin's rules, implemented
 * natively: header, body, MIME, HTML, URI, language and list tests.
 *
 * Exports struct eval_msg, eval_fn, the EVAL_* results, eval_lookup,
 * eval_offline, eval_msg_release.  An eval reads the message through
 * struct eval_msg (hostile content) and its arguments from the rule
 * (trusted configuration, parsed once by check.c).  See evals.c.
 */
#ifndef EVALS_H
#define EVALS_H

#include <stddef.h>

#include "msgtext.h"
#include "saconf.h"

struct relays;

#define EVAL_CACHE_SLOTS	16

struct eval_msg {
	const char		*msg;		/* the whole message */
	size_t			 len;
	size_t			 body_off;	/* first byte of the body */
	struct msgtext		*mt;		/* headers, body, rawbody,
						   html parts, URIs */
	struct saconf		*conf;
	const struct saconf_settings *set;
	struct relays		*relays;	/* Received headers, parsed */
	const char		*env_from;	/* envelope sender or NULL */
	int			 score_set;
	double			 bayes_prob;	/* spam probability when */
	int			 bayes_ok;	/* the store gave one */
	/* lazily computed data shared by the evals of one message; an
	 * eval owning slot i frees it in eval_msg_release */
	void			*cache[EVAL_CACHE_SLOTS];
};

/* returns the number of hits (0: none; > 1 only for tflags multiple);
 * argv holds the eval's arguments with Perl quoting removed */
typedef int (*eval_fn)(struct eval_msg *, int argc, char **argv);

/*
 * eval_lookup - the native function of an eval name, or NULL when it is
 * not implemented (the rule is then disabled, with that reason)
 */
eval_fn		 eval_lookup(const char *name);

/*
 * eval_offline - why an eval never runs in this release (network and
 * Bayes tests: "network test", "Bayes"; AWL/TxRep: "reputation
 * database"), or NULL
 */
const char	*eval_offline(const char *name);

void		 eval_msg_release(struct eval_msg *);

#endif
