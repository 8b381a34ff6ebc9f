/*
 * check.h - score one message against a SpamAssassin rule set: run the
 * header, body, rawbody, full, uri, mimeheader, eval and meta rules in
 * SpamAssassin's order and add up the scores of the score set in use.
 *
 * Exports struct check_opts, struct check_hit, struct check_result, the
 * CHECK_* flags, check_new, check_free, check_message,
 * check_result_free, check_tests_string, check_disabled_format.
 * The message is hostile: every regex runs under a match limit and the
 * whole check under a time budget; a runaway rule costs that rule only.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>

#include "buf.h"
#include "saconf.h"

struct bayes;
struct dns;
struct dnsbl_conf;
struct pyzor_conf;

struct check_opts {
	int		 score_set;	/* 0..3: (net ? 1 : 0) + (bayes ? 2 : 0);
					   per message Bayes counts only
					   when the store has learned
					   enough (bit 2 dropped if not) */
	uint32_t	 match_limit;	/* PCRE2 match limit a regex run */
	uint32_t	 depth_limit;	/* PCRE2 depth limit */
	double		 time_budget;	/* seconds for one message, 0: none */
	int		 capture_tags;	/* run the rules using SA 4.0 captured
					   tags (%{TAG}, set by named groups
					   of rules that hit); 0: they stay
					   disabled, as they mostly are in
					   spamd 4.0.1, whose qr//o keeps the
					   first message's value per child */
	/* the network and Bayes tests (NULL: those rules stay off) */
	struct bayes	*bayes;		/* check_bayes, auto-learn */
	struct dns	*dns;		/* resolver of the DNS lists */
	struct dnsbl_conf *dnsbl;	/* check_rbl*, URI lists, askdns */
	struct pyzor_conf *pyzor;	/* check_pyzor */
	double		 dns_timeout;	/* seconds, all of a message's */
	double		 pyzor_timeout;	/* lookups together */
};

struct check_hit {
	int		 rule;		/* index in the saconf */
	double		 score;		/* what it added (0 for "__") */
	int		 count;		/* matches (tflags multiple) */
};

#define CHECK_TIMEOUT		0x0001	/* time budget spent: rules skipped */
#define CHECK_RULE_ABORTED	0x0002	/* a regex hit its match limit */
#define CHECK_TRUNCATED		0x0004	/* the message was cut (size) */
#define CHECK_NET_TIMEOUT	0x0008	/* a DNS or Pyzor answer came late */

/* SpamAssassin's autolearn= values */
enum check_autolearn {
	CHECK_AL_NO, CHECK_AL_HAM, CHECK_AL_SPAM, CHECK_AL_DISABLED,
	CHECK_AL_UNAVAILABLE, CHECK_AL_FAILED
};

struct check_env {
	const char	*env_from;	/* envelope sender or NULL */
	const char	*const *rcpt;	/* envelope recipients or NULL */
	int		 nrcpt;
};

struct check_result {
	double		 score;		/* sum of counted hits */
	double		 required;	/* required_score */
	int		 is_spam;	/* score >= required */
	struct check_hit *hit;		/* counted rules that hit (not "__"),
					   sorted by name as SA's tests= */
	int		 nhit;
	int		 flags;		/* CHECK_* */
	int		 aborted;	/* rules stopped by a limit */
	struct check_hit *sub;		/* "__" rules that hit, by name */
	int		 nsub;
	char		*lang;		/* language guess or NULL */
	double		 elapsed;	/* seconds */
	int		 score_set;	/* the one used */
	double		 bayes;		/* spam probability, -1: none */
	long		 pyzor_count, pyzor_wl;	/* -1: not asked/no answer */
	/* auto-learning, decided as SpamAssassin's AutoLearnThreshold:
	 * CHECK_AL_SPAM/HAM when the caller should learn the message
	 * (check_message itself never learns) */
	enum check_autolearn autolearn;
	int		 autolearn_force;
};

/* check_autolearn_name - "ham", "spam", "no", "disabled", ... */
const char	*check_autolearn_name(enum check_autolearn);

struct checker;

/*
 * check_new - prepare a finished rule set for scoring; it may edit the
 * set (evals it cannot run are disabled with the reason, too large
 * patterns recompiled): one checker per saconf, freed before it
 */
struct checker	*check_new(struct saconf *, const struct check_opts *);
void		 check_free(struct checker *);
int		 check_message(struct checker *, const char *, size_t,
		    const struct check_env *, struct check_result *);
void		 check_result_free(struct check_result *);
void		 check_tests_string(const struct checker *,
		    const struct check_result *, struct buf *);
void		 check_disabled_format(const struct checker *, struct buf *);
struct saconf	*check_conf(const struct checker *);

#endif
