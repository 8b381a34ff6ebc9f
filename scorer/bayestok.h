/*
 * bayestok.h - the tokens SpamAssassin's Bayes plugin takes from a
 * message (Plugin/Bayes.pm tokenize): header fields under H<name>:
 * prefixes with the *MI, *Ad and *UA pseudo-fields, the visible body
 * text, the invisible HTML text under I*:, the URIs; each token kept
 * as the last 5 bytes of its SHA-1, as the store keys it.  The
 * mailsift style adds a token per pair of neighbouring body words.
 *
 * Exports struct bayestok_conf, struct bayestok, the BTS_* sources,
 * BAYESTOK_KEYLEN, bayestok_conf_init, bayestok_conf_setting,
 * bayestok_conf_finish, bayestok_conf_free, bayestok_run,
 * bayestok_free, bayestok_key.  The message is hostile: every step is
 * linear in its size and the token counts are capped as SpamAssassin
 * caps them.  See bayestok.c.
 */
#ifndef BAYESTOK_H
#define BAYESTOK_H

#include <stddef.h>

#include "buf.h"
#include "msgtext.h"
#include "relays.h"

#define BAYESTOK_KEYLEN	5

/* bayes_token_sources */
#define BTS_HEADER	0x01
#define BTS_VISIBLE	0x02
#define BTS_INVISIBLE	0x04
#define BTS_URI		0x08
#define BTS_MIMEPART	0x10	/* accepted, not used (see bayestok.c) */

/* bayes_token_style */
#define BAYESTOK_SA		0	/* SpamAssassin's tokens, exactly */
#define BAYESTOK_MAILSIFT	1	/* those plus body word pairs */

struct bayestok_stop;

struct bayestok_conf {
	int			 max_len;	/* bayes_max_token_length */
	int			 sources;	/* BTS_* */
	char			**ignore;	/* bayes_ignore_header, lower */
	int			 nignore;
	struct relays_conf	*rconf;		/* trusted_networks...; NULL:
						   SpamAssassin's inference */
	struct bayestok_stop	*stop;		/* stopword languages */
	int			 style;		/* BAYESTOK_* */
};

/* the distinct tokens of one message */
struct bayestok {
	unsigned char	(*key)[BAYESTOK_KEYLEN];	/* sorted, distinct */
	size_t		  n;
	char		**text;		/* when asked: key[i]'s token */
	/* private */
	size_t		  cap;
	int		  keep_text;
	struct btset	 *set;
};

void	bayestok_conf_init(struct bayestok_conf *);
/*
 * bayestok_conf_setting - one bayes_* line (bayes_max_token_length,
 * bayes_token_sources, bayes_ignore_header, bayes_stopword_languages,
 * bayes_stopword_XX, bayes_token_style) or network line
 * (trusted_networks ...): 1 used,
 * 0 not one of them, -1 a bad value (reason in err)
 */
int	bayestok_conf_setting(struct bayestok_conf *, const char *,
	    const char *, struct buf *);
/* bayestok_conf_finish - check the stopword languages (warns) */
void	bayestok_conf_finish(struct bayestok_conf *);
void	bayestok_conf_free(struct bayestok_conf *);

/* bayestok_run - the tokens of mt into out (texts too when keep_text) */
void	bayestok_run(const struct bayestok_conf *, const struct msgtext *,
	    int keep_text, struct bayestok *out);
void	bayestok_free(struct bayestok *);

/* bayestok_key - the store key of one token */
void	bayestok_key(const char *, size_t, unsigned char[BAYESTOK_KEYLEN]);

#endif
