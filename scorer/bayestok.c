/*
 * bayestok.c - the Bayes tokens of a message, as SpamAssassin 4.0.1's
 * Plugin/Bayes.pm tokenize() makes them.
 *
 * Exports bayestok_conf_init, bayestok_conf_setting,
 * bayestok_conf_finish, bayestok_conf_free, bayestok_run,
 * bayestok_free, bayestok_key.  The message is hostile; the settings
 * are trusted.  Runs in the scorer (unprivileged) and in salearn.
 *
 * A line of text becomes tokens thus: bytes outside letters, digits,
 * ,@*!_'"$.- and space become spaces, except whole UTF-8 sequences and
 * single bytes 0xA1-0xFF; runs of 3-6 dots and 2-6 dashes between word
 * characters stand apart; in the body and URIs a Title-Case word that
 * opens the line (or follows ". ") is lowered; then the words, trimmed
 * of -'". at both ends, of 3 bytes at least, not stopwords.  Body words
 * holding x@y add U*x, D*y and D* of y's parents; other words with
 * ".letter" add UD: and UD: of each parent.  Words over
 * bayes_max_token_length (15) without '*': long UTF-8 text becomes u8:
 * per 3- or 4-byte character, other header and body words keep their
 * first 7 characters after "sk:".  Body words also add their forms
 * without punctuation and in lower case.
 *
 * Sources: the visible rendered body (Subject first) without prefix,
 * the invisible HTML text under "I*:" (the U*, D*, UD: breakouts stay
 * unprefixed there, as SpamAssassin does), the URI list, and the
 * header fields: every field but Received and a fixed list of noisy
 * ones (mailing list, spam filter, MUA bookkeeping, Subject, Date),
 * then the last two Received fields, then the X-Spam-Relays-* pseudo
 * fields, less bayes_ignore_header; address fields become N*name,
 * U*user, D*domain words, Message-IDs, Received and Content-Type are
 * trimmed of their noise, and values gather under H<name>: (short
 * names for the common fields) and under the pseudo names *MI
 * (Message-ID, In-Reply-To, References), *Ad (From, To, Cc) and *UA
 * (X-Mailer, User-Agent).  SpamAssassin's X-SenderDomain and
 * X-AuthorDomain metadata are left out: sa-learn never sees them
 * (Message::extract_message_metadata does not set them), so they could
 * never be learned.  The mimepart source (MIME part digests, off by
 * default) is not made.
 *
 * Caps as SpamAssassin's: 50000 body, 50000 invisible, 10000 URI and
 * 10000 header tokens (checked after each line or field).
 *
 * bayes_token_style mailsift (not SpamAssassin's) adds, in the visible
 * and invisible body, a token "2:A B" (under the source's prefix) for
 * each two neighbouring words of a line, A and B as their final token
 * form; dropped words (short, stopwords) are skipped over, lines not
 * crossed.  Pairs do not count against the caps (one per word at most).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sha1.h>

#include "bayestok.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "msgtext.h"
#include "relays.h"

#define REGION_HDR	0
#define REGION_BODY	1
#define REGION_URI	2

#define CAP_BODY	50000
#define CAP_INVIZ	50000
#define CAP_URI		10000
#define CAP_HDR		10000

/* --- regular expressions for the header clean-ups ------------------ */

enum {
	RE_IGNORED,		/* header names left out */
	RE_PRESENCE,		/* header names kept as presence only */
	RE_ADDRHDR,		/* address fields */
	RE_MSGIDHDR,		/* Message-ID fields */
	RE_MID_OE, RE_MID_EXIM, RE_MID_SENDMAIL, RE_MID_NONWORD,
	RE_RCV_SMTPID, RE_RCV_ESMTPID, RE_RCV_ID, RE_RCV_EXIMID,
	RE_RCV_DATE, RE_RCV_IP, RE_RCV_WORDS,
	RE_CT_WORDS,
	RE_RELAY_KEYS,
	RE_N
};

static const struct {
	const char	*pat;
	uint32_t	 opts;
	const char	*repl;	/* substitution, NULL for a match only */
	int		 global;
} re_def[RE_N] = {
	/* fields whose words mislead more than they tell */
	[RE_IGNORED] = { "^(?:(?:X-)?Sender|Delivered-To|Delivery-Date"
	    "|(?:X-)?Envelope-To|X-MIME-Auto[Cc]onverted"
	    "|X-Converted-To-Plain-Text|Subject|Date"
	    "|X-List|(?:X-)?Mailing-List"
	    "|(?:X-)?List-(?:Archive|Help|Id|Owner|Post|Subscribe"
	    "|Unsubscribe|Host|Manager|Admin|Comment|Name|Url)"
	    "|X-Unsub(?:scribe)?|X-Mailman-Version|X-Been[Tt]here|X-Loop"
	    "|Mail-Followup-To|X-eGroups-(?:Return|From)|X-MDMailing-List"
	    "|X-XEmacs-List|X-Sympa-To"
	    "|(?:X-)?Resent-(?:From|To|Date)|(?:X-)?Original-(?:From|To|Date)"
	    "|X-MailScanner(?:-SpamCheck)?"
	    "|X-Spam(?:-(?:Status|Level|Flag|Report|Hits|Score"
	    "|Checker-Version))?"
	    "|X-Antispam|X-RBL-Warning|X-Mailscanner|X-MDaemon-Deliver-To"
	    "|X-Virus-Scanned|X-Mass-Check-Id|X-Pyzor|X-DCC-\\S{2,25}-Metrics"
	    "|X-Filtered-B[Yy]|X-Scanned-By|X-Scanner"
	    "|X-AP-Spam-(?:Score|Status)|X-RIPE-Spam-Status|X-SpamCop-[^:]+"
	    "|X-SMTPD|(?:X-)?Spam-Apparently-To|SPAM|X-Perlmx-Spam"
	    "|X-Bogosity|Content-Class|Thread-(?:Index|Topic)"
	    "|X-Original[Aa]rrival[Tt]ime"
	    "|(?:X-)?Status|X-Flags|X-Keywords|Replied|Forwarded|Lines"
	    "|Content-Length|X-UIDL?|X-IMAPbase|X-Bugzilla-[^:]+"
	    "|X-VM-(?:Bookmark|(?:POP|IMAP)-Retrieved|Labels|Last-Modified"
	    "|Summary-Format|VHeader|v\\d-Data|Message-Order)"
	    "|X-Gnus-Mail-Source|Xref)$", PCRE2_CASELESS, NULL, 0 },
	/* fields whose value is a hapax factory: only their presence */
	[RE_PRESENCE] = { "^(?:X-Face|X-(?:Gnu-?PG|PGP|GPG)(?:-Key)?"
	    "-Fingerprint|D(?:KIM|omainKey)-Signature|X-Google-DKIM-Signature"
	    "|ARC-(?:Message-Signature|Seal)|Autocrypt)$", PCRE2_CASELESS,
	    NULL, 0 },
	[RE_ADDRHDR] = { "^(?:|X-|Resent-)(?:Return-Path|From|To|Cc"
	    "|Reply-To|Errors-To|Mail-Followup-To|Sender)$", PCRE2_CASELESS,
	    NULL, 0 },
	[RE_MSGIDHDR] = { "^(?:|X-|Resent-)Message-Id$", PCRE2_CASELESS,
	    NULL, 0 },
	/* Outlook Express ids: keep the parts that tell the software */
	[RE_MID_OE] = { "<([0-9a-f]{4})[0-9a-f]{4}[0-9a-f]{4}\\$"
	    "([0-9a-f]{4})[0-9a-f]{4}\\$([0-9a-f]{8})@(\\S+)>", 0,
	    " OEA$1 OEB$2 OEC$3 $4 ", 1 },
	[RE_MID_EXIM] = { "<[A-Za-z0-9]{7}-[A-Za-z0-9]{6}-0[A-Za-z0-9]@", 0,
	    "", 0 },
	[RE_MID_SENDMAIL] = { "<20\\d\\d[01]\\d[0123]\\d[012]\\d[012345]\\d"
	    "[012345]\\d\\.[A-F0-9]{10,12}@", 0, "", 1 },
	[RE_MID_NONWORD] = { "[^_A-Za-z0-9]", 0, " ", 1 },
	/* queue ids and dates of Received: unique per message */
	[RE_RCV_SMTPID] = { "\\swith\\sSMTP\\sid\\sg[\\dA-Z]{10,12}\\s", 0,
	    " ", 1 },
	[RE_RCV_ESMTPID] = { "\\swith\\sESMTP\\sid\\s[\\dA-F]{10,12}\\s", 0,
	    " ", 1 },
	[RE_RCV_ID] = { "\\bid\\s[a-zA-Z0-9]{7,20}\\b", 0, " ", 1 },
	[RE_RCV_EXIMID] = { "\\bid\\s[A-Za-z0-9]{7}-[A-Za-z0-9]{6}"
	    "-0[A-Za-z0-9]", 0, " ", 1 },
	[RE_RCV_DATE] = { "(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\\s)?"
	    "[0-3\\s]?[0-9]\\s(?:Jan|Feb|Ma[ry]|Apr|Ju[nl]|Aug|Sep|Oct|Nov"
	    "|Dec)\\s(?:19|20)?[0-9]{2}\\s[0-2][0-9](?::[0-5][0-9]){1,2}\\s"
	    "(?:\\s*\\(|\\)|\\s*(?:[+-][0-9]{4})|\\s*(?:UT|[A-Z]{2,3}T))*", 0,
	    "", 1 },
	/* an IPv4 address: its /24, and the whole under ip* */
	[RE_RCV_IP] = { "\\b(\\d{1,3}\\.)(\\d{1,3}\\.)(\\d{1,3})(\\.\\d{1,3})"
	    "\\b", 0, "$1$2$3 ip*$1$2$3$4 ", 1 },
	[RE_RCV_WORDS] = { "\\b(?:with|from|for|SMTP|ESMTP)\\b", 0, " ", 1 },
	[RE_CT_WORDS] = { "\\b(?:text|charset)\\b", 0, " ", 1 },
	[RE_RELAY_KEYS] = { " [a-z]+=", 0, " ", 1 },
};

static pcre2_code *re_code[RE_N];
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

/* re_init - compile the fixed expressions once per process */
static void
re_init(void)
{
	PCRE2_SIZE off;
	int i, err;

	for (i = 0; i < RE_N; i++) {
		re_code[i] = pcre2_compile((PCRE2_SPTR)re_def[i].pat,
		    PCRE2_ZERO_TERMINATED, re_def[i].opts, &err, &off, NULL);
		if (re_code[i] == NULL)
			log_panic("%s: pattern %d does not compile at %zu",
			    __func__, i, (size_t)off);
		(void)pcre2_jit_compile(re_code[i], PCRE2_JIT_COMPLETE);
	}
}

/* re_match - does expression i match s? */
static int
re_match(int i, const char *s, size_t n)
{
	pcre2_match_data *md;
	int rc;

	pthread_once(&re_once, re_init);
	md = pcre2_match_data_create_from_pattern(re_code[i], NULL);
	rc = pcre2_match(re_code[i], (PCRE2_SPTR)s, n, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

/* re_subst - apply substitution i to b in place */
static void
re_subst(int i, struct buf *b)
{
	PCRE2_UCHAR *out;
	PCRE2_SIZE olen;
	uint32_t opts = PCRE2_SUBSTITUTE_OVERFLOW_LENGTH;
	int rc;

	pthread_once(&re_once, re_init);
	if (re_def[i].global)
		opts |= PCRE2_SUBSTITUTE_GLOBAL;
	olen = b->len * 2 + 64;
	for (;;) {
		out = xmalloc(olen + 1);
		rc = pcre2_substitute(re_code[i], (PCRE2_SPTR)buf_str(b),
		    b->len, 0, opts, NULL, NULL, (PCRE2_SPTR)re_def[i].repl,
		    PCRE2_ZERO_TERMINATED, out, &olen);
		if (rc != PCRE2_ERROR_NOMEMORY)
			break;
		xfree(out);	/* olen now holds the size needed */
	}
	if (rc > 0) {
		buf_reset(b);
		buf_add(b, out, olen);
	} else if (rc < 0)
		log_warn("%s: substitution %d failed: %d", __func__, i, rc);
	xfree(out);
}

/* --- stopwords -------------------------------------------------------- */

/* the English list Bayes.pm falls back on (and 60_bayes_stopwords.cf
 * repeats), as words: matched whole and without regard to case */
static const char *const stop_en[] = {
	"able", "all", "already", "and", "any", "are", "because", "both",
	"can", "come", "each", "email", "even", "few", "first", "for",
	"from", "give", "has", "have", "http", "information", "into",
	"it's", "just", "know", "like", "long", "look", "made", "mail",
	"mailing", "mailto", "make", "many", "more", "most", "much", "need",
	"not", "now", "number", "off", "one", "only", "out", "own", "people",
	"place", "right", "same", "see", "such", "that", "the", "this",
	"through", "time", "using", "web", "where", "why", "with", "without",
	"work", "world", "year", "years", "you", "you're", "your",
};

struct stop_lang {
	char		 lang[3];
	pcre2_code	*re;		/* NULL: the built-in English list */
};

struct bayestok_stop {
	struct stop_lang	*def;		/* bayes_stopword_XX given */
	int			 ndef;
	char			(*use)[3];	/* bayes_stopword_languages */
	int			 nuse;
	struct stop_lang	**on;		/* resolved at finish */
	int			 non;
};

/* stop_cmp - bsearch comparison, case-insensitive */
static int
stop_cmp(const void *a, const void *b)
{
	return strcasecmp(a, *(const char *const *)b);
}

/* is_stopword - is the token t (NUL-ended) a stopword of a language? */
static int
is_stopword(const struct bayestok_conf *c, const char *t, size_t n)
{
	const struct bayestok_stop *s = c->stop;
	pcre2_match_data *md;
	int i, rc;

	for (i = 0; s != NULL && i < s->non; i++) {
		if (s->on[i]->re == NULL) {
			if (bsearch(t, stop_en, sizeof(stop_en) /
			    sizeof(stop_en[0]), sizeof(stop_en[0]),
			    stop_cmp) != NULL)
				return 1;
			continue;
		}
		md = pcre2_match_data_create_from_pattern(s->on[i]->re, NULL);
		rc = pcre2_match(s->on[i]->re, (PCRE2_SPTR)t, n, 0, 0, md,
		    NULL);
		pcre2_match_data_free(md);
		if (rc >= 0)
			return 1;
	}
	return 0;
}

/* --- the set of token strings of one message ------------------------ */

struct btset {
	struct buf	 arena;		/* the strings, each NUL-ended */
	size_t		*off;
	size_t		 n, cap;
	size_t		*slot;		/* open addressing: index + 1 */
	size_t		 nslot;
};

/* fnv - FNV-1a of s[0..n) */
static uint64_t
fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* set_grow - double the slots of s */
static void
set_grow(struct btset *s)
{
	size_t i, j, ns = s->nslot ? s->nslot * 2 : 1024;
	const char *t;

	xfree(s->slot);
	s->slot = xcalloc(ns, sizeof(*s->slot));
	s->nslot = ns;
	for (i = 0; i < s->n; i++) {
		t = s->arena.data + s->off[i];
		for (j = fnv(t, strlen(t)) & (ns - 1); s->slot[j];
		    j = (j + 1) & (ns - 1))
			;
		s->slot[j] = i + 1;
	}
}

/* set_add - add the string t[0..n) unless there */
static void
set_add(struct btset *s, const char *t, size_t n)
{
	size_t j;
	const char *u;

	if (s->n * 2 >= s->nslot)
		set_grow(s);
	for (j = fnv(t, n) & (s->nslot - 1); s->slot[j];
	    j = (j + 1) & (s->nslot - 1)) {
		u = s->arena.data + s->off[s->slot[j] - 1];
		if (strncmp(u, t, n) == 0 && u[n] == '\0')
			return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->off = xreallocarray(s->off, s->cap, sizeof(*s->off));
	}
	s->off[s->n] = s->arena.len;
	buf_add(&s->arena, t, n);
	buf_addc(&s->arena, '\0');
	s->slot[j] = ++s->n;
}

/* --- one line --------------------------------------------------------- */

struct tok {
	const struct bayestok_conf *conf;
	struct btset	*set;
	size_t		 count;		/* tokens of the current source */
	struct buf	 a, b, t;	/* scratch */
	int		 pairs;		/* word pairs wanted in this line */
	struct buf	 prev;		/* the line's last word, for pairs */
};

/* emit - one token: prefix then s[0..n) */
static void
emit(struct tok *k, const char *prefix, const char *s, size_t n)
{
	size_t pl = strlen(prefix);

	k->count++;
	if (pl + n == 0)
		return;		/* Bayes.pm skips empty tokens */
	buf_reset(&k->t);
	buf_add(&k->t, prefix, pl);
	buf_add(&k->t, s, n);
	set_add(k->set, k->t.data, k->t.len);
}

/*
 * pair - the word pair token of the line's previous word and s[0..n)
 * (mailsift style): "2:" prev " " word under the prefix; pairs are not
 * counted against the caps (there is at most one per word)
 */
static void
pair(struct tok *k, const char *prefix, const char *s, size_t n)
{
	if (!k->pairs)
		return;
	if (k->prev.len > 0) {
		buf_reset(&k->t);
		buf_adds(&k->t, prefix);
		buf_adds(&k->t, "2:");
		buf_add(&k->t, k->prev.data, k->prev.len);
		buf_addc(&k->t, ' ');
		buf_add(&k->t, s, n);
		set_add(k->set, k->t.data, k->t.len);
	}
	buf_reset(&k->prev);
	buf_add(&k->prev, s, n);
}

static int
is_keep(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == ',' || c == '@' || c == '*' ||
	    c == '!' || c == '_' || c == '\'' || c == '"' || c == '$' ||
	    c == '.' || c == ' ' || c == '-';
}

static int
is_cont(unsigned char c)
{
	return c >= 0x80 && c <= 0xbf;
}

/* is_w - Perl's \w on a byte string: ASCII word characters */
static int
is_w(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

static int
is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

/* chars_only - the kept characters of s[0..n) onto out, else spaces */
static void
chars_only(const unsigned char *s, size_t n, struct buf *out)
{
	size_t i = 0, w;

	buf_reset(out);
	buf_reserve(out, n + 1);
	while (i < n) {
		w = 0;
		if (is_keep(s[i]))
			w = 1;
		else if (s[i] >= 0xc0 && s[i] <= 0xdf && i + 1 < n &&
		    is_cont(s[i + 1]))
			w = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef && i + 2 < n &&
		    is_cont(s[i + 1]) && is_cont(s[i + 2]))
			w = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4 && i + 3 < n &&
		    is_cont(s[i + 1]) && is_cont(s[i + 2]) && is_cont(s[i + 3]))
			w = 4;
		else if (s[i] >= 0xa1)
			w = 1;
		if (w == 0) {
			buf_addc(out, ' ');
			i++;
		} else {
			buf_add(out, s + i, w);
			i += w;
		}
	}
}

/*
 * split_runs - put spaces around runs of lo..hi c's that sit between
 * two word characters (each match consumes the word character after
 * it, as a global substitution does); in onto out
 */
static void
split_runs(const struct buf *in, int c, size_t lo, size_t hi,
    struct buf *out)
{
	const unsigned char *s = (const unsigned char *)in->data;
	size_t i = 0, k, n = in->len;

	buf_reset(out);
	buf_reserve(out, n + 1);
	while (i < n) {
		if (is_w(s[i]) && i + 1 < n && s[i + 1] == c) {
			for (k = 0; i + 1 + k < n && s[i + 1 + k] == c; k++)
				;
			if (k >= lo && k <= hi && i + 1 + k < n &&
			    is_w(s[i + 1 + k])) {
				buf_addc(out, s[i]);
				buf_addc(out, ' ');
				buf_add(out, s + i + 1, k);
				buf_addc(out, ' ');
				buf_addc(out, s[i + 1 + k]);
				i += k + 2;
				continue;
			}
		}
		buf_addc(out, s[i++]);
	}
}

/*
 * title_case - lower a capital that opens the line, or follows a dot
 * and spaces, when lower-case text runs from it up to a space or the
 * end (Bayes.pm IGNORE_TITLE_CASE); the dot and the space are replaced
 * by spaces; in onto out
 */
static void
title_case(const struct buf *in, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)in->data;
	size_t i = 0, q, r, e, n = in->len;

	buf_reset(out);
	buf_reserve(out, n + 3);
	while (i < n) {
		q = (size_t)-1;
		if (i == 0 && is_upper(s[0]))
			q = 0;
		else if (s[i] == '.' && i + 1 < n && s[i + 1] == ' ') {
			for (q = i + 1; q < n && s[q] == ' '; q++)
				;
			if (q >= n || !is_upper(s[q]))
				q = (size_t)-1;
		}
		if (q != (size_t)-1) {
			for (r = q + 1; r < n && !is_upper(s[r]); r++)
				;
			/* the longest run [q+1, e) followed by space or end */
			for (e = r; e >= q + 2; e--)
				if (e == n || s[e] == ' ')
					break;
			if (e >= q + 2) {
				buf_addc(out, ' ');
				buf_addc(out, s[q] - 'A' + 'a');
				buf_add(out, s + q + 1, e - q - 1);
				buf_addc(out, ' ');
				i = e < n ? e + 1 : e;
				continue;
			}
		}
		buf_addc(out, s[i++]);
	}
}

/* is_trim - a byte trimmed from token ends */
static int
is_trim(unsigned char c)
{
	return c == '-' || c == '\'' || c == '"' || c == '.' || c == ',';
}

/* mail_addr - U*user, D*domain and D* of each parent of domain (the
 * address split at its last '@'), unprefixed */
static void
mail_addr(struct tok *k, const char *s, size_t n)
{
	const char *at = NULL, *d, *dot;
	size_t i, dn;

	for (i = 0; i < n; i++)
		if (s[i] == '@')
			at = s + i;
	if (at == NULL || at == s || at + 1 >= s + n)
		return;
	emit(k, "U*", s, at - s);
	d = at + 1;
	dn = s + n - d;
	emit(k, "D*", d, dn);
	/* strip the first label while a dot has something after it */
	while ((dot = memchr(d, '.', dn)) != NULL && dot > d &&
	    dot + 1 < d + dn) {
		dn -= dot + 1 - d;
		d = dot + 1;
		emit(k, "D*", d, dn);
	}
}

/* has_at_between - /\S\@\S/ on a token (no spaces in it) */
static int
has_at_between(const char *s, size_t n)
{
	size_t i;

	for (i = 1; i + 1 < n; i++)
		if (s[i] == '@')
			return 1;
	return 0;
}

/* has_dot_letter - /\S\.[a-z]/i on a token */
static int
has_dot_letter(const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 1; i + 1 < n; i++) {
		c = s[i + 1] | 0x20;
		if (s[i] == '.' && c >= 'a' && c <= 'z')
			return 1;
	}
	return 0;
}

/* u8_chars - emit u8: tokens for each 3- or 4-byte UTF-8 character;
 * 0 when there is none */
static int
u8_chars(struct tok *k, const char *prefix, const unsigned char *s,
    size_t n)
{
	struct buf p = BUF_INIT;
	size_t i = 0;
	int found = 0;

	buf_adds(&p, prefix);
	buf_adds(&p, "u8:");
	while (i < n) {
		if (s[i] >= 0xe0 && s[i] <= 0xef && i + 2 < n &&
		    is_cont(s[i + 1]) && is_cont(s[i + 2])) {
			emit(k, buf_str(&p), (const char *)s + i, 3);
			i += 3;
			found = 1;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4 && i + 3 < n &&
		    is_cont(s[i + 1]) && is_cont(s[i + 2]) && is_cont(s[i + 3])) {
			emit(k, buf_str(&p), (const char *)s + i, 4);
			i += 4;
			found = 1;
		} else
			i++;
	}
	buf_free(&p);
	return found;
}

/* skip_len - bytes of the first 7 characters (UTF-8 sequences count as
 * one, any other byte as one) */
static size_t
skip_len(const unsigned char *s, size_t n)
{
	size_t i = 0;
	int c;

	for (c = 0; c < 7 && i < n; c++) {
		if (s[i] <= 0x7f || s[i] >= 0xf5)
			i++;
		else if (s[i] >= 0xc0 && s[i] <= 0xdf && i + 1 < n &&
		    is_cont(s[i + 1]))
			i += 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef && i + 2 < n &&
		    is_cont(s[i + 1]) && is_cont(s[i + 2]))
			i += 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4 && i + 3 < n &&
		    is_cont(s[i + 1]) && is_cont(s[i + 2]) && is_cont(s[i + 3]))
			i += 4;
		else
			i++;
	}
	return c == 7 ? i : n + 1;
}

/* keep_word - s[0..n) without the bytes outside [A-Za-z0-9_:*],
 * lowered when lower, onto out */
static void
keep_word(const char *s, size_t n, int lower, int strip, struct buf *out)
{
	size_t i;
	unsigned char c;

	buf_reset(out);
	for (i = 0; i < n; i++) {
		c = s[i];
		if (strip && !is_w(c) && c != ':' && c != '*')
			continue;
		if (lower && is_upper(c))
			c = c - 'A' + 'a';
		buf_addc(out, c);
	}
}

/* word - one word of a line (see the file header) */
static void
word(struct tok *k, const char *s, size_t n, const char *prefix,
    int region)
{
	struct buf d = BUF_INIT, w = BUF_INIT, bit = BUF_INIT;
	const char *dot;
	size_t i, sk, bn;
	int body = region == REGION_BODY || region == REGION_URI;
	int punct = 0, upper = 0;

	while (n > 0 && is_trim(*s))
		s++, n--;
	while (n > 0 && is_trim(s[n - 1]))
		n--;
	if (n < 3)
		return;
	buf_add(&w, s, n);
	if (is_stopword(k->conf, buf_str(&w), n))
		goto out;
	if (body) {
		if (has_at_between(s, n))
			mail_addr(k, s, n);
		else if (has_dot_letter(s, n)) {
			emit(k, "UD:", s, n);
			bn = n;
			dot = s;
			while ((dot = memchr(s, '.', bn)) != NULL && dot > s &&
			    dot + 1 < s + bn) {
				bn -= dot + 1 - s;
				s = dot + 1;
				emit(k, "UD:", s, bn);
			}
			s = w.data;	/* the word itself again */
			n = w.len;
		}
	}
	if ((int)n > k->conf->max_len && memchr(s, '*', n) == NULL) {
		for (i = 0; i + 1 < n; i++)
			if (is_cont(s[i]) && is_cont(s[i + 1]))
				break;
		if (i + 1 < n && u8_chars(k, prefix, (const unsigned char *)s,
		    n))
			goto out;
		if (region == REGION_HDR || region == REGION_BODY) {
			sk = skip_len((const unsigned char *)s, n);
			if (sk + 2 <= n) {
				buf_reset(&bit);
				buf_adds(&bit, "sk:");
				buf_add(&bit, s, sk);
				buf_reset(&w);
				buf_add(&w, bit.data, bit.len);
				s = w.data;
				n = w.len;
			}
		}
	}
	if (body) {
		for (i = 0; i < n; i++) {
			if (!is_w(s[i]) && s[i] != ':' && s[i] != '*')
				punct = 1;
			if (is_upper(s[i]))
				upper = 1;
		}
		if (punct) {
			keep_word(s, n, 0, 1, &d);
			emit(k, prefix, d.data ? d.data : "", d.len);
		}
		if (upper) {
			keep_word(s, n, 1, 0, &d);
			emit(k, prefix, d.data, d.len);
			if (punct) {
				keep_word(s, n, 1, 1, &d);
				emit(k, prefix, d.data ? d.data : "", d.len);
			}
		}
	}
	emit(k, prefix, s, n);
	if (region == REGION_BODY)
		pair(k, prefix, s, n);
out:
	buf_free(&d);
	buf_free(&w);
	buf_free(&bit);
}

/* line - the tokens of one line of text s[0..n) */
static void
line(struct tok *k, const char *s, size_t n, const char *prefix,
    int region)
{
	struct buf *cur;
	size_t i, j;

	k->pairs = region == REGION_BODY &&
	    k->conf->style == BAYESTOK_MAILSIFT;
	buf_reset(&k->prev);
	chars_only((const unsigned char *)s, n, &k->a);
	split_runs(&k->a, '.', 3, 6, &k->b);
	split_runs(&k->b, '-', 2, 6, &k->a);
	cur = &k->a;
	if (region == REGION_BODY || region == REGION_URI) {
		title_case(&k->a, &k->b);
		cur = &k->b;
	}
	for (i = 0; i < cur->len; i = j) {
		while (i < cur->len && cur->data[i] == ' ')
			i++;
		for (j = i; j < cur->len && cur->data[j] != ' '; j++)
			;
		if (j > i)
			word(k, cur->data + i, j - i, prefix, region);
	}
}

/* --- header fields ----------------------------------------------------- */

/* the names that get a short prefix (exact case, as Bayes.pm) */
static const struct {
	const char *name, *abbr;
} hdr_abbr[] = {
	{ "Message-Id", "*m" }, { "Message-ID", "*M" }, { "Received", "*r" },
	{ "User-Agent", "*u" }, { "References", "*f" },
	{ "In-Reply-To", "*i" }, { "From", "*F" }, { "Reply-To", "*R" },
	{ "Return-Path", "*p" }, { "Return-path", "*rp" },
	{ "X-Mailer", "*x" }, { "X-Authentication-Warning", "*a" },
	{ "Organization", "*o" }, { "Organisation", "*o" },
	{ "Content-Type", "*ct" }, { "Content-Disposition", "*cd" },
	{ "Content-Transfer-Encoding", "*ce" },
	{ "x-spam-relays-trusted", "*RT" },
	{ "x-spam-relays-untrusted", "*RU" },
};

struct hfield {
	char	*prefix;	/* H<name>: */
	char	*val;
	size_t	 order;
};

struct hfields {
	struct hfield	*f;
	size_t		 n, cap;
};

/* hf_add - a value under prefix H<name>: */
static void
hf_add(struct hfields *h, const char *name, const char *val)
{
	struct buf p = BUF_INIT;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 32;
		h->f = xreallocarray(h->f, h->cap, sizeof(*h->f));
	}
	buf_addf(&p, "H%s:", name);
	h->f[h->n].prefix = buf_steal(&p);
	h->f[h->n].val = xstrdup(val);
	h->f[h->n].order = h->n;
	h->n++;
}

/* hf_cmp - by prefix, then in order added */
static int
hf_cmp(const void *a, const void *b)
{
	const struct hfield *x = a, *y = b;
	int c = strcmp(x->prefix, y->prefix);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* skip_quoted - past a quoted string at s ('"' there), or end */
static const char *
skip_quoted(const char *s, const char *end)
{
	for (s++; s < end; s++) {
		if (*s == '\\' && s + 1 < end)
			s++;
		else if (*s == '"')
			return s + 1;
	}
	return end;
}

/* skip_comment - past a comment at s ('(' there), one level */
static const char *
skip_comment(const char *s, const char *end)
{
	for (s++; s < end; s++) {
		if (*s == '\\' && s + 1 < end)
			s++;
		else if (*s == ')')
			return s + 1;
	}
	return end;
}

/* looks_mail - a local part, '@', a domain without specials */
static int
looks_mail(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t i;

	if (at == NULL || at == s || at + 1 == s + n)
		return 0;
	for (i = at - s + 1; i < n; i++)
		if (strchr(" \t\"<>()[],:;", s[i]) != NULL)
			return 0;
	return 1;
}

/* trim_ws - s[0..*n) without surrounding white space */
static const char *
trim_ws(const char *s, size_t *n)
{
	while (*n > 0 && (*s == ' ' || *s == '\t'))
		s++, (*n)--;
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		(*n)--;
	return s;
}

/*
 * one_mailbox - the phrase (quotes and comments dropped, or the comment
 * when there is no phrase) and address of one list item s[0..n)
 */
static void
one_mailbox(const char *s, size_t n, struct buf *phrase, struct buf *addr,
    struct buf *comment)
{
	const char *end = s + n, *p, *q, *lt = NULL, *gt = NULL;

	buf_reset(phrase);
	buf_reset(addr);
	buf_reset(comment);
	for (p = s; p < end; ) {
		if (*p == '"') {
			q = skip_quoted(p, end);
			if (lt == NULL) {
				const char *e = q > p + 1 && q[-1] == '"' ? q - 1 : q;
				const char *c;

				for (c = p + 1; c < e; c++) {
					if (*c == '\\' && c + 1 < e)
						c++;
					buf_addc(phrase, *c);
				}
			}
			p = q;
		} else if (*p == '(') {
			q = skip_comment(p, end);
			if (comment->len == 0 && q - p >= 2)
				buf_add(comment, p + 1, q - p - 2 +
				    (q[-1] != ')'));
			p = q;
		} else if (*p == '<' && lt == NULL) {
			lt = p;
			gt = memchr(p, '>', end - p);
			p = gt ? gt + 1 : end;
		} else {
			if (lt == NULL)
				buf_addc(phrase, *p);
			p++;
		}
	}
	if (lt != NULL) {
		size_t an = (gt ? gt : end) - (lt + 1);
		const char *a = trim_ws(lt + 1, &an);

		if (looks_mail(a, an))
			buf_add(addr, a, an);
	} else {
		size_t pn = phrase->len;
		const char *ph = trim_ws(buf_str(phrase), &pn);

		if (looks_mail(ph, pn) && memchr(ph, ' ', pn) == NULL) {
			buf_add(addr, ph, pn);
			buf_reset(phrase);
		}
	}
	{
		size_t pn = phrase->len, lead;
		const char *ph = trim_ws(buf_str(phrase), &pn);
		struct buf t = BUF_INIT;

		/* SpamAssassin drops a phrase equal to the address before
		 * trimming its end: only "a@b"<a@b> goes */
		lead = ph - phrase->data;
		if (addr->len > 0 && phrase->len - lead == addr->len &&
		    memcmp(ph, addr->data, addr->len) == 0)
			pn = 0;
		buf_add(&t, ph, pn);
		buf_reset(phrase);
		buf_add(phrase, t.data, t.len);
		buf_free(&t);
	}
	if (phrase->len == 0 && comment->len > 0)
		buf_add(phrase, comment->data, comment->len);
	/* user@host: cut anything after a second '@' */
	if (addr->len > 0) {
		char *at = memchr(addr->data, '@', addr->len);
		char *at2 = memchr(at + 1, '@', addr->data + addr->len - at - 1);

		if (at2 != NULL)
			buf_trunc(addr, at2 - addr->data);
	}
}

/* addr_words - the N*, U*, D* words of an address field value onto out
 * (Util.pm parse_header_addresses, simplified: items split at commas
 * and semicolons outside quotes, comments and angle brackets) */
static void
addr_words(const char *v, struct buf *out)
{
	struct buf ph = BUF_INIT, ad = BUF_INIT, cm = BUF_INIT;
	const char *s = v, *end = v + strlen(v), *p, *colon;
	size_t i, j;
	int first = 1;

	buf_reset(out);
	/* a group "name: a, b;" keeps its members */
	colon = NULL;
	for (p = s; p < end && strchr("\"()<>", *p) == NULL; p++)
		if (*p == ':') {
			colon = p;
			break;
		}
	if (colon != NULL)
		s = colon + 1;
	for (p = s; s < end; s = p + 1) {
		for (p = s; p < end && *p != ',' && *p != ';'; ) {
			if (*p == '"')
				p = skip_quoted(p, end);
			else if (*p == '(')
				p = skip_comment(p, end);
			else if (*p == '<') {
				const char *g = memchr(p, '>', end - p);
				p = g ? g + 1 : end;
			} else
				p++;
		}
		one_mailbox(s, p - s, &ph, &ad, &cm);
		if (ph.len == 0 && ad.len == 0)
			continue;
		/* N* per word of the phrase, as split(/\s+/) gives them */
		for (i = 0; i < ph.len; i = j + 1) {
			for (j = i; j < ph.len && ph.data[j] != ' ' &&
			    ph.data[j] != '\t'; j++)
				;
			if (i == j && i > 0)
				continue;
			if (!first)
				buf_addc(out, ' ');
			first = 0;
			buf_adds(out, "N*");
			buf_add(out, ph.data + i, j - i);
		}
		if (ad.len > 0) {
			char *at = NULL, *d, *dot;
			size_t dn;

			for (i = 0; i < ad.len; i++)
				if (ad.data[i] == '@')
					at = ad.data + i;
			if (at == NULL || at == ad.data ||
			    at + 1 >= ad.data + ad.len)
				continue;
			if (!first)
				buf_addc(out, ' ');
			first = 0;
			buf_adds(out, "U*");
			buf_add(out, ad.data, at - ad.data);
			buf_adds(out, " D*");
			d = at + 1;
			dn = ad.data + ad.len - d;
			buf_add(out, d, dn);
			while ((dot = memchr(d, '.', dn)) != NULL && dot > d &&
			    dot + 1 < d + dn) {
				dn -= dot + 1 - d;
				d = dot + 1;
				buf_adds(out, " D*");
				buf_add(out, d, dn);
			}
		}
	}
	buf_free(&ph);
	buf_free(&ad);
	buf_free(&cm);
}

/* content_type - the boundary's shape instead of its value, and the
 * gray words dropped */
static void
content_type(struct buf *v)
{
	struct buf bd = BUF_INIT, out = BUF_INIT;
	const char *s = buf_str(v), *p, *q;
	size_t i;
	int any = 0;

	/* every boundary="..." (or '...') becomes a space; the last
	 * one's value is kept, hex digits as H, separator runs apart */
	for (p = s; *p != '\0'; ) {
		if (strncasecmp(p, "boundary=", 9) == 0 &&
		    (p[9] == '"' || p[9] == '\'')) {
			for (q = p + 10; *q != '\0' && *q != '"' && *q != '\'';
			    q++)
				;
			if (*q != '\0') {
				buf_reset(&bd);
				buf_add(&bd, p + 10, q - p - 10);
				buf_addc(&out, ' ');
				p = q + 1;
				any = 1;
				continue;
			}
		}
		buf_addc(&out, *p++);
	}
	if (any) {
		struct buf sh = BUF_INIT;

		for (i = 0; i < bd.len; ) {
			char c = bd.data[i];

			if (strchr("-_.=", c) != NULL) {
				buf_addc(&sh, ' ');
				while (i < bd.len &&
				    strchr("-_.=", bd.data[i]) != NULL)
					buf_addc(&sh, bd.data[i++]);
				buf_addc(&sh, ' ');
				continue;
			}
			if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			    (c >= 'A' && c <= 'F'))
				c = 'H';
			buf_addc(&sh, c);
			i++;
		}
		buf_add(&out, sh.data, sh.len);
		buf_free(&sh);
	}
	buf_reset(v);
	buf_add(v, out.data, out.len);
	re_subst(RE_CT_WORDS, v);
	buf_free(&bd);
	buf_free(&out);
}

/* ignored_by_conf - is name listed by bayes_ignore_header? */
static int
ignored_by_conf(const struct bayestok_conf *c, const char *name)
{
	int i;

	for (i = 0; i < c->nignore; i++)
		if (strcasecmp(c->ignore[i], name) == 0)
			return 1;
	return 0;
}

/* one_field - clean up one field (name as written, value " value") and
 * file it under its prefixes */
static void
one_field(const struct bayestok_conf *c, struct hfields *h,
    const char *name, const char *value)
{
	struct buf v = BUF_INIT, t = BUF_INIT;
	const char *pfx = name;
	size_t i;

	if (ignored_by_conf(c, name))
		return;
	buf_addc(&v, ' ');
	buf_adds(&v, value);
	if (re_match(RE_MSGIDHDR, name, strlen(name))) {
		re_subst(RE_MID_OE, &v);
		re_subst(RE_MID_EXIM, &v);
		re_subst(RE_MID_SENDMAIL, &v);
		re_subst(RE_MID_NONWORD, &v);
	} else if (re_match(RE_ADDRHDR, name, strlen(name))) {
		addr_words(buf_str(&v), &t);
		buf_reset(&v);
		buf_add(&v, t.data, t.len);
	} else if (strcmp(name, "Received") == 0) {
		re_subst(RE_RCV_SMTPID, &v);
		re_subst(RE_RCV_ESMTPID, &v);
		re_subst(RE_RCV_ID, &v);
		re_subst(RE_RCV_EXIMID, &v);
		re_subst(RE_RCV_DATE, &v);
		re_subst(RE_RCV_IP, &v);
		re_subst(RE_RCV_WORDS, &v);
	} else if (strcmp(name, "Content-Type") == 0)
		content_type(&v);
	else if (strcmp(name, "MIME-Version") == 0) {
		char *p = strstr(buf_str(&v), "1.0");

		if (p != NULL) {
			buf_reset(&t);
			buf_add(&t, v.data, p - v.data);
			buf_adds(&t, p + 3);
			buf_reset(&v);
			buf_add(&v, t.data, t.len);
		}
	} else if (re_match(RE_PRESENCE, name, strlen(name))) {
		buf_reset(&v);
		buf_addc(&v, '1');
	} else if (strncmp(name, "x-spam-relays-", 14) == 0)
		re_subst(RE_RELAY_KEYS, &v);
	if (strcasecmp(name, "In-Reply-To") == 0 ||
	    strcasecmp(name, "References") == 0 ||
	    strcasecmp(name, "Message-ID") == 0)
		hf_add(h, "*MI", buf_str(&v));
	if (strcasecmp(name, "From") == 0 || strcasecmp(name, "To") == 0 ||
	    strcasecmp(name, "Cc") == 0)
		hf_add(h, "*Ad", buf_str(&v));
	if (strcasecmp(name, "X-Mailer") == 0 ||
	    strcasecmp(name, "User-Agent") == 0)
		hf_add(h, "*UA", buf_str(&v));
	for (i = 0; i < sizeof(hdr_abbr) / sizeof(hdr_abbr[0]); i++)
		if (strcmp(name, hdr_abbr[i].name) == 0) {
			pfx = hdr_abbr[i].abbr;
			break;
		}
	hf_add(h, pfx, buf_str(&v));
	buf_free(&v);
	buf_free(&t);
}

/* headers - the header tokens of mt */
static void
headers(struct tok *k, const struct msgtext *mt)
{
	static const char *const relay_hdr[] = {
		"X-Spam-Relays-External", "X-Spam-Relays-Internal",
		"X-Spam-Relays-Trusted", "X-Spam-Relays-Untrusted",
	};
	struct hfields h = { NULL, 0, 0 };
	struct relays rl;
	struct buf v = BUF_INIT, lower = BUF_INIT;
	const char *name;
	int i, last = -1, prev = -1;
	size_t a, b;

	for (i = 0; i < mt->nhdr; i++) {
		name = mt->hdr[i].name;
		if (strcasecmp(name, "Received") == 0) {
			prev = last;
			last = i;
			continue;
		}
		if (re_match(RE_IGNORED, name, strlen(name)))
			continue;
		/* SpamAssassin replaces these with its own (below) */
		if (strncasecmp(name, "X-Spam-Relays-", 14) == 0 &&
		    (strcasecmp(name + 14, "Trusted") == 0 ||
		    strcasecmp(name + 14, "Untrusted") == 0 ||
		    strcasecmp(name + 14, "Internal") == 0 ||
		    strcasecmp(name + 14, "External") == 0))
			continue;
		one_field(k->conf, &h, name, mt->hdr[i].dec);
	}
	/* the metadata: relays as SpamAssassin lists them, lower-cased */
	relays_parse(&rl, mt, k->conf->rconf);
	for (i = 0; i < 4; i++) {
		buf_reset(&v);
		relays_pseudo_header(&rl, relay_hdr[i], &v);
		buf_reset(&lower);
		for (name = relay_hdr[i]; *name; name++)
			buf_addc(&lower, *name >= 'A' && *name <= 'Z' ?
			    *name - 'A' + 'a' : *name);
		one_field(k->conf, &h, buf_str(&lower), buf_str(&v));
	}
	relays_free(&rl);
	/* the two oldest Received fields: HELO names, relays */
	if (last >= 0)
		one_field(k->conf, &h, mt->hdr[last].name, mt->hdr[last].dec);
	if (prev >= 0)
		one_field(k->conf, &h, mt->hdr[prev].name, mt->hdr[prev].dec);
	qsort(h.f, h.n, sizeof(*h.f), hf_cmp);
	for (a = 0; a < h.n; a = b) {
		buf_reset(&v);
		for (b = a; b < h.n && strcmp(h.f[b].prefix, h.f[a].prefix) == 0;
		    b++) {
			if (b > a)
				buf_addc(&v, ' ');
			buf_adds(&v, h.f[b].val);
		}
		if (k->count < CAP_HDR)
			line(k, buf_str(&v), v.len, h.f[a].prefix, REGION_HDR);
	}
	for (a = 0; a < h.n; a++) {
		xfree(h.f[a].prefix);
		xfree(h.f[a].val);
	}
	xfree(h.f);
	buf_free(&v);
	buf_free(&lower);
}

/* lines - the tokens of an array of lines, up to cap */
static void
lines(struct tok *k, const struct msgtext_lines *l, const char *prefix,
    size_t cap)
{
	int i;

	k->count = 0;
	for (i = 0; i < l->n && k->count < cap; i++)
		line(k, l->text.data + l->off[i], l->len[i], prefix,
		    REGION_BODY);
}

/* bayestok_key - the store key of one token: SHA-1's last 5 bytes */
void
bayestok_key(const char *s, size_t n, unsigned char key[BAYESTOK_KEYLEN])
{
	SHA1_CTX c;
	uint8_t d[SHA1_DIGEST_LENGTH];

	SHA1Init(&c);
	SHA1Update(&c, (const uint8_t *)s, n);
	SHA1Final(d, &c);
	memcpy(key, d + SHA1_DIGEST_LENGTH - BAYESTOK_KEYLEN, BAYESTOK_KEYLEN);
}

struct keyed {
	unsigned char	 key[BAYESTOK_KEYLEN];
	size_t		 idx;
};

/* keyed_cmp - by key */
static int
keyed_cmp(const void *a, const void *b)
{
	return memcmp(((const struct keyed *)a)->key,
	    ((const struct keyed *)b)->key, BAYESTOK_KEYLEN);
}

/* bayestok_run - the tokens of mt into out (texts too when keep_text) */
void
bayestok_run(const struct bayestok_conf *c, const struct msgtext *mt,
    int keep_text, struct bayestok *out)
{
	struct btset set;
	struct tok k;
	struct msgtext_lines vis, inv;
	struct keyed *kd;
	size_t i, n;
	int u;

	memset(out, 0, sizeof(*out));
	memset(&set, 0, sizeof(set));
	memset(&k, 0, sizeof(k));
	k.conf = c;
	k.set = &set;
	if (c->sources & (BTS_VISIBLE | BTS_INVISIBLE)) {
		if (mt->nhtml == 0) {
			/* no HTML: all of the body is visible */
			if (c->sources & BTS_VISIBLE)
				lines(&k, &mt->body, "", CAP_BODY);
		} else {
			if (c->sources & BTS_VISIBLE) {
				msgtext_rendered(mt, MSGTEXT_VISIBLE, &vis);
				lines(&k, &vis, "", CAP_BODY);
				msgtext_lines_free(&vis);
			}
			if (c->sources & BTS_INVISIBLE) {
				msgtext_rendered(mt, MSGTEXT_INVISIBLE, &inv);
				lines(&k, &inv, "I*:", CAP_INVIZ);
				msgtext_lines_free(&inv);
			}
		}
	}
	if (c->sources & BTS_URI) {
		k.count = 0;
		for (u = 0; u < mt->uris.n && k.count < CAP_URI; u++)
			line(&k, mt->uris.v[u], strlen(mt->uris.v[u]), "",
			    REGION_URI);
	}
	if (c->sources & BTS_HEADER) {
		k.count = 0;
		headers(&k, mt);
	}
	kd = xreallocarray(NULL, set.n ? set.n : 1, sizeof(*kd));
	for (i = 0; i < set.n; i++) {
		const char *t = set.arena.data + set.off[i];

		bayestok_key(t, strlen(t), kd[i].key);
		kd[i].idx = i;
	}
	qsort(kd, set.n, sizeof(*kd), keyed_cmp);
	out->key = xreallocarray(NULL, set.n ? set.n : 1, sizeof(*out->key));
	if (keep_text)
		out->text = xreallocarray(NULL, set.n ? set.n : 1,
		    sizeof(*out->text));
	for (i = n = 0; i < set.n; i++) {
		if (n > 0 && memcmp(out->key[n - 1], kd[i].key,
		    BAYESTOK_KEYLEN) == 0)
			continue;
		memcpy(out->key[n], kd[i].key, BAYESTOK_KEYLEN);
		if (keep_text)
			out->text[n] = xstrdup(set.arena.data +
			    set.off[kd[i].idx]);
		n++;
	}
	out->n = n;
	out->cap = n;
	out->keep_text = keep_text;
	xfree(kd);
	buf_free(&set.arena);
	xfree(set.off);
	xfree(set.slot);
	buf_free(&k.a);
	buf_free(&k.b);
	buf_free(&k.t);
	buf_free(&k.prev);
}

/* bayestok_free - release what bayestok_run made */
void
bayestok_free(struct bayestok *t)
{
	size_t i;

	if (t->text != NULL)
		for (i = 0; i < t->n; i++)
			xfree(t->text[i]);
	xfree(t->text);
	xfree(t->key);
	memset(t, 0, sizeof(*t));
}

/* --- settings ---------------------------------------------------------- */

/* bayestok_conf_init - SpamAssassin's defaults */
void
bayestok_conf_init(struct bayestok_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->max_len = 15;
	c->sources = BTS_HEADER | BTS_VISIBLE | BTS_INVISIBLE | BTS_URI;
	c->stop = xcalloc(1, sizeof(*c->stop));
	c->stop->use = xcalloc(1, sizeof(*c->stop->use));
	memcpy(c->stop->use[0], "en", 3);
	c->stop->nuse = 1;
}

/* sources - bayes_token_sources: keywords applied in turn */
static int
sources(struct bayestok_conf *c, const char *v, struct buf *err)
{
	static const struct {
		const char *kw;
		int bit;
	} kws[] = {
		{ "header", BTS_HEADER }, { "visible", BTS_VISIBLE },
		{ "invisible", BTS_INVISIBLE }, { "uri", BTS_URI },
		{ "mimepart", BTS_MIMEPART },
	};
	char *dup = xstrdup(v), *w, *save = NULL;
	size_t i;
	int neg, rc = 1;

	for (w = strtok_r(dup, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (strcasecmp(w, "none") == 0 || strcasecmp(w, "noall") == 0) {
			c->sources = 0;
			continue;
		}
		if (strcasecmp(w, "all") == 0) {
			c->sources = BTS_HEADER | BTS_VISIBLE | BTS_INVISIBLE |
			    BTS_URI | BTS_MIMEPART;
			continue;
		}
		neg = strncasecmp(w, "no", 2) == 0;
		for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
			if (strcasecmp(w + (neg ? 2 : 0), kws[i].kw) == 0)
				break;
		if (i == sizeof(kws) / sizeof(kws[0])) {
			buf_addf(err, "unknown token source \"%s\"", w);
			rc = -1;
			break;
		}
		if (neg)
			c->sources &= ~kws[i].bit;
		else
			c->sources |= kws[i].bit;
	}
	xfree(dup);
	return rc;
}

/* stop_define - bayes_stopword_XX: the pattern of a language */
static int
stop_define(struct bayestok_conf *c, const char *lang, const char *v,
    struct buf *err)
{
	struct bayestok_stop *s = c->stop;
	struct buf pat = BUF_INIT;
	pcre2_code *re;
	PCRE2_SIZE off;
	int i, e;
	char l[3];

	if (strlen(lang) != 2) {
		buf_addf(err, "bad language \"%s\"", lang);
		return -1;
	}
	l[0] = lang[0] | 0x20;
	l[1] = lang[1] | 0x20;
	l[2] = '\0';
	/* several patterns on a line: the last one counts (as Bayes.pm) */
	{
		const char *p = v + strlen(v), *q;

		while (p > v && (p[-1] == ' ' || p[-1] == '\t'))
			p--;
		for (q = p; q > v && q[-1] != ' ' && q[-1] != '\t'; q--)
			;
		buf_adds(&pat, "^(?i)");
		buf_add(&pat, q, p - q);
		buf_addc(&pat, '$');
	}
	re = pcre2_compile((PCRE2_SPTR)buf_str(&pat), pat.len, 0, &e, &off,
	    NULL);
	buf_free(&pat);
	if (re == NULL) {
		buf_addf(err, "stopword pattern does not compile at %zu",
		    (size_t)off);
		return -1;
	}
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	for (i = 0; i < s->ndef; i++)
		if (strcmp(s->def[i].lang, l) == 0)
			break;
	if (i == s->ndef) {
		s->def = xreallocarray(s->def, s->ndef + 1, sizeof(*s->def));
		memcpy(s->def[s->ndef].lang, l, 3);
		s->ndef++;
	} else if (s->def[i].re != NULL)
		pcre2_code_free(s->def[i].re);
	s->def[i].re = re;
	return 1;
}

/* stop_languages - bayes_stopword_languages */
static int
stop_languages(struct bayestok_conf *c, const char *v, struct buf *err)
{
	struct bayestok_stop *s = c->stop;
	char *dup = xstrdup(v), *w, *save = NULL;
	int rc = 1;

	s->nuse = 0;
	if (strcasecmp(v, "disable") == 0) {
		xfree(dup);
		return 1;
	}
	for (w = strtok_r(dup, " \t,", &save); w != NULL;
	    w = strtok_r(NULL, " \t,", &save)) {
		if (strlen(w) != 2) {
			buf_addf(err, "bad language \"%s\"", w);
			rc = -1;
			break;
		}
		s->use = xreallocarray(s->use, s->nuse + 1, sizeof(*s->use));
		s->use[s->nuse][0] = w[0] | 0x20;
		s->use[s->nuse][1] = w[1] | 0x20;
		s->use[s->nuse][2] = '\0';
		s->nuse++;
	}
	xfree(dup);
	return rc;
}

/* bayestok_conf_setting - one configuration line (see bayestok.h) */
int
bayestok_conf_setting(struct bayestok_conf *c, const char *key,
    const char *val, struct buf *err)
{
	char *dup, *w, *save = NULL;
	long n;

	if (strcasecmp(key, "bayes_max_token_length") == 0) {
		n = strtol(val, &w, 10);
		if (*val == '\0' || *w != '\0' || n < 3 || n > 1000) {
			buf_addf(err, "bad length \"%s\"", val);
			return -1;
		}
		c->max_len = (int)n;
		return 1;
	}
	if (strcasecmp(key, "bayes_token_sources") == 0)
		return sources(c, val, err);
	if (strcasecmp(key, "bayes_token_style") == 0) {
		if (strcasecmp(val, "sa") == 0)
			c->style = BAYESTOK_SA;
		else if (strcasecmp(val, "mailsift") == 0)
			c->style = BAYESTOK_MAILSIFT;
		else {
			buf_addf(err, "unknown style \"%s\" (sa, mailsift)",
			    val);
			return -1;
		}
		return 1;
	}
	if (strcasecmp(key, "bayes_ignore_header") == 0) {
		dup = xstrdup(val);
		for (w = strtok_r(dup, " \t", &save); w != NULL;
		    w = strtok_r(NULL, " \t", &save)) {
			c->ignore = xreallocarray(c->ignore, c->nignore + 1,
			    sizeof(*c->ignore));
			c->ignore[c->nignore++] = xstrdup(w);
		}
		xfree(dup);
		return 1;
	}
	if (strcasecmp(key, "bayes_stopword_languages") == 0)
		return stop_languages(c, val, err);
	if (strncasecmp(key, "bayes_stopword_", 15) == 0)
		return stop_define(c, key + 15, val, err);
	if (c->rconf == NULL) {
		struct relays_conf rc;
		int r;

		relays_conf_init(&rc);
		r = relays_conf_setting(&rc, key, val, err);
		if (r == 0) {
			relays_conf_free(&rc);
			return 0;
		}
		c->rconf = xmemdup(&rc, sizeof(rc));
		return r;
	}
	return relays_conf_setting(c->rconf, key, val, err);
}

/* bayestok_conf_finish - resolve the stopword languages */
void
bayestok_conf_finish(struct bayestok_conf *c)
{
	struct bayestok_stop *s = c->stop;
	static struct stop_lang builtin_en = { "en", NULL };
	int i, j;

	xfree(s->on);
	s->on = xcalloc(s->nuse + 1, sizeof(*s->on));
	s->non = 0;
	for (i = 0; i < s->nuse; i++) {
		for (j = 0; j < s->ndef; j++)
			if (strcmp(s->def[j].lang, s->use[i]) == 0)
				break;
		if (j < s->ndef)
			s->on[s->non++] = &s->def[j];
		else if (strcmp(s->use[i], "en") == 0)
			s->on[s->non++] = &builtin_en;
		else
			log_warn("bayes: no stopword pattern for language "
			    "\"%s\"", s->use[i]);
	}
}

/* bayestok_conf_free - release c */
void
bayestok_conf_free(struct bayestok_conf *c)
{
	int i;

	for (i = 0; i < c->nignore; i++)
		xfree(c->ignore[i]);
	xfree(c->ignore);
	if (c->rconf != NULL) {
		relays_conf_free(c->rconf);
		xfree(c->rconf);
	}
	if (c->stop != NULL) {
		for (i = 0; i < c->stop->ndef; i++)
			pcre2_code_free(c->stop->def[i].re);
		xfree(c->stop->def);
		xfree(c->stop->use);
		xfree(c->stop->on);
		xfree(c->stop);
	}
	memset(c, 0, sizeof(*c));
}
