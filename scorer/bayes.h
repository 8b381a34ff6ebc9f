/*
 * bayes.h - Bayesian token classifier as SpamAssassin's Bayes plugin
 * (tokens of the headers, the visible and invisible body text and the
 * URIs; Robinson-smoothed token probabilities, chi-square combining),
 * over a token store in a Berkeley DB environment shared by every scorer
 * process and by the training tools.
 *
 * Exports struct bayes_stats, the BAYES_* results, bayes_open,
 * bayes_close, bayes_classify, bayes_learn, bayes_forget, bayes_stats,
 * bayes_expire, bayes_msgid, and for the tools struct bayes_check,
 * bayes_check, bayes_dump, bayes_tokens, and the math bayes_combine and
 * bayes_token_prob.  The messages are hostile; the settings
 * (bayes_* lines of the SpamAssassin configuration) trusted.  A process
 * killed at any point leaves a database the next bayes_open opens
 * without manual recovery.  bayes_token_style sa (the default) is
 * SpamAssassin's classifier exactly; mailsift adds body word pairs and
 * combines milder tokens (doc/bayes-notes.md).  A store records the
 * style of its tokens: learning or classifying under the other style is
 * refused (logged once per handle) until it is emptied.  See bayes.c.
 */
#ifndef BAYES_H
#define BAYES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "buf.h"
#include "msgtext.h"
#include "saconf.h"

struct bayes;
struct bayestok;

#define BAYES_RDONLY	0x0001	/* classify and stats only */

/* bayes_learn / bayes_forget results */
#define BAYES_LEARNED	1	/* counted */
#define BAYES_ALREADY	2	/* learned before as this class: unchanged */
#define BAYES_MOVED	3	/* learned before as the other class: moved */
#define BAYES_UNKNOWN	4	/* forget: never learned */

struct bayes_stats {
	uint64_t	 nspam, nham;	/* messages learned */
	uint64_t	 ntokens;
	time_t		 oldest_atime, newest_atime;
	time_t		 last_expire;
	uint64_t	 last_expire_reduce;	/* tokens it dropped */
	uint64_t	 db_bytes;	/* files of the environment */
	int		 min_spam, min_ham;	/* bayes_min_*_num */
	int		 style;		/* BAYESTOK_* of the stored tokens */
	int		 style_ok;	/* the configured style may use them */
};

/*
 * bayes_open - open (creating when missing, unless BAYES_RDONLY) the
 * store in directory dir; set (may be NULL) gives the bayes_* settings;
 * NULL with the reason in err on failure
 */
struct bayes	*bayes_open(const char *dir, const struct saconf_settings *,
		    int flags, struct buf *err);
void		 bayes_close(struct bayes *);

/*
 * bayes_classify - the spam probability of a parsed message (msg, len:
 * its text, as given to msgtext_parse): 1 with *prob set, 0 when fewer
 * than bayes_min_spam_num/bayes_min_ham_num messages are learned or no
 * token of the message is known and telling (no verdict, as
 * SpamAssassin), -1 on a database error (logged)
 */
int		 bayes_classify(struct bayes *, const struct msgtext *,
		    const char *msg, size_t len, double *prob);

/* bayes_learn - learn a message as spam (1) or ham (0): BAYES_*, -1 */
int		 bayes_learn(struct bayes *, const struct msgtext *,
		    const char *msg, size_t len, int spam);
/* bayes_forget - undo what learning the message counted: BAYES_*, -1 */
int		 bayes_forget(struct bayes *, const struct msgtext *,
		    const char *msg, size_t len);
int		 bayes_stats(struct bayes *, struct bayes_stats *);
/*
 * bayes_expire - drop the least recently used tokens until at most
 * bayes_expiry_max_db_size (150000) are left, or max when non-zero:
 * the number dropped, -1 on error
 */
long		 bayes_expire(struct bayes *, uint64_t max);

/* bayes_msgid - the key under which a message is remembered as learned */
void		 bayes_msgid(const char *msg, size_t len, char out[41]);

/* what bayes_check counted, beside the counts it compared them with */
struct bayes_check {
	uint64_t	 nspam, nham, ntokens;		/* the counts */
	uint64_t	 seen_spam, seen_ham, seen_bad;	/* seen records */
	uint64_t	 tokens, tokens_bad;		/* token records */
};

/*
 * bayes_check - count the records in one transaction and compare with
 * the counts: 1 consistent, 0 not, -1 on error
 */
int		 bayes_check(struct bayes *, struct bayes_check *);
/* bayes_dump - every token: probability, spam, ham, atime, key (hex) */
int		 bayes_dump(struct bayes *, FILE *);
/* bayes_tokens - the tokens of a message with their text (bayestok.h;
 * free with bayestok_free) */
void		 bayes_tokens(struct bayes *, const struct msgtext *,
		    struct bayestok *);

/* bayes_combine - chi-square combining of n token probabilities with
 * the class priors (CombineChi.pm) */
double		 bayes_combine(uint64_t nspam, uint64_t nham, const double *,
		    int n);
/* bayes_token_prob - a token's Robinson-smoothed probability (S 0.030,
 * X 0.538), -1 when it is too rare to count */
double		 bayes_token_prob(uint64_t nspam, uint64_t nham, uint32_t s,
		    uint32_t h, int use_hapaxes);

#endif
