/*
 * bayes.c - SpamAssassin's Bayes classifier over a Berkeley DB store
 * shared by every scorer process and the training tools.
 *
 * Exports bayes_open, bayes_close, bayes_classify, bayes_learn,
 * bayes_forget, bayes_stats, bayes_expire, bayes_msgid, bayes_check,
 * bayes_dump, bayes_tokens, bayes_combine, bayes_token_prob.  The messages are hostile; the settings and
 * the store's directory are trusted (the directory belongs to the user
 * the scorer runs as).  Runs unprivileged in the scorer, and in salearn.
 *
 * The store: a transactional Berkeley DB 5.3 environment in the
 * directory (locking, logging, a shared cache) with three B-trees:
 * tokens.db (5-byte token key: spam count, ham count, atime),
 * vars.db (one record: message and token counts, atimes, expiry
 * bookkeeping) and seen.db (message key from bayes_msgid: 's' or 'h').
 * Every learn or forget of a message is one transaction over all three,
 * so a process killed at any point leaves either all of a message's
 * counts or none.  Commits write the log without fsync (a crashed
 * process loses nothing, a crashed system at most the last learns,
 * never consistency).  Every opener registers with the environment
 * (DB_REGISTER); the first opener after a process died inside it runs
 * recovery (DB_RECOVER), and the others see DB_RUNRECOVERY and open it
 * anew (done here, once per call).  Lock conflicts are settled by the
 * deadlock detector at each conflict; the loser retries its whole
 * transaction.  A lock held by a dead process times out after 5 s,
 * after which the handle is reopened (which recovers).  Log files are
 * 1 MiB, removed by the library once a checkpoint no longer needs them.
 *
 * Classify reads without a transaction (each read waits at most for
 * one learner's commit), then brings the atime of the tokens it used
 * up to the message's date, but only for tokens more than a day
 * behind, in one transaction that never waits: on any lock conflict it
 * is given up (an atime only steers expiry).
 *
 * Expiry keeps the most recently used tokens: the atimes of all tokens
 * are read, the cut-off atime that leaves the target count is chosen
 * (ties at the cut-off are dropped in key order until the target is
 * met), and the older tokens are deleted in transactions of 1000.  The
 * target is max given to bayes_expire, else 75% of
 * bayes_expiry_max_db_size (SpamAssassin's bayes_expiry_pct); it runs
 * after a learn when bayes_auto_expire is on, the store holds more than
 * bayes_expiry_max_db_size tokens and the last expiry is 12 hours old.
 * This replaces SpamAssassin's atime-delta estimation by the exact
 * least-recently-used cut it approximates.
 *
 * Math as Bayes.pm/CombineChi.pm: per token p = s*Nh/(s*Nh + h*Ns),
 * Robinson's f(w) = (0.030*0.538 + n*p)/(0.030 + n), n = s + h (tokens
 * seen once count when bayes_use_hapaxes, else n >= 2 is needed); the
 * 150 strongest by |f - .5|, those at .346 or more; chi-square
 * combining with the class priors; no verdict below
 * bayes_min_spam_num / bayes_min_ham_num (200 each).
 *
 * bayes_token_style mailsift (bayestok.c adds body word pairs) combines
 * differently: Robinson's s is 0.3 (a token seen in three messages no
 * longer counts as near-certain) and every token at .05 or more from
 * .5 may be among the 150, which together keep far fewer messages at
 * chi-square's undecided .5 (doc/bayes-notes.md has the measurements).
 * The style of a store's tokens is recorded in vars.db (a tenth field;
 * stores without it hold sa tokens); a store is used only under the
 * style it was built with, unless it is empty.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <db.h>
#include <sha1.h>

#include "bayes.h"
#include "bayestok.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "msgtext.h"
#include "saconf.h"

#define FW_S		0.030	/* Robinson's s: strength of the prior */
#define FW_X		0.538	/* Robinson's x: prior of an unseen token */
#define MIN_STRENGTH	0.346	/* |p - .5| a token needs to count */
#define N_SIGNIFICANT	150	/* tokens combined at most */
/* the mailsift style's (see doc/bayes-notes.md) */
#define MS_FW_S		0.3
#define MS_MIN_STRENGTH	0.05
#define MS_N_SIGNIFICANT	150

#define TOK_VALLEN	12	/* spam, ham, atime: 3 x uint32 LE */
#define VARS_N		10
#define E_STYLE		(-30000)	/* not a Berkeley DB error code */
#define STORE_VERSION	1

#define LOCK_TIMEOUT_US	5000000	/* a lock held by a dead process */
#define RETRIES		20	/* a transaction lost to a deadlock */
#define EXPIRE_BATCH	1000
#define TOUCH_AGE	86400	/* atimes closer than this are left */
#define EXPIRE_PERIOD	43200	/* auto expiry at most this often */
#define EXPIRE_LOCK	300	/* an expiry marker older is stale */

/* vars.db: the single record's fields */
enum {
	V_VERSION, V_NSPAM, V_NHAM, V_NTOKENS, V_OLDEST, V_NEWEST,
	V_LAST_EXPIRE, V_LAST_REDUCE, V_EXPIRE_RUNNING,
	V_STYLE		/* BAYESTOK_* of the tokens; absent (0): sa */
};

struct bayes {
	char			*dir;
	int			 flags;
	int			 mode;		/* of files created */
	DB_ENV			*env;
	DB			*tok, *var, *seen;
	int			 reopen;	/* the handle needs reopening */
	struct bayestok_conf	 tc;
	int			 min_spam, min_ham;
	int			 use_hapaxes;
	int			 auto_expire;
	uint64_t		 max_db_size;
	unsigned		 writes;	/* since the last checkpoint */
	/* combining, by style */
	double			 fw_s;		/* Robinson's s */
	double			 min_strength;	/* |p - .5| to count */
	int			 max_sig;	/* tokens combined at most */
	int			 style_warned;	/* style_warn said it */
};

/* --- little-endian records --------------------------------------------- */

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t
get32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t
get64(const unsigned char *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* --- the environment ------------------------------------------------------ */

/* db_errcall - Berkeley DB's own messages, to our log */
static void
db_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	(void)env;
	log_warn("bayes: %s%s%s", pfx ? pfx : "", pfx ? ": " : "", msg);
}

/* handles_close - close the databases and the environment */
static void
handles_close(struct bayes *b)
{
	if (b->tok != NULL)
		b->tok->close(b->tok, 0);
	if (b->var != NULL)
		b->var->close(b->var, 0);
	if (b->seen != NULL)
		b->seen->close(b->seen, 0);
	b->tok = b->var = b->seen = NULL;
	if (b->env != NULL)
		b->env->close(b->env, 0);
	b->env = NULL;
}

/* db_open1 - open (creating unless read-only) one B-tree */
static int
db_open1(struct bayes *b, const char *file, DB **dbp, struct buf *err)
{
	DB *db;
	int rc;
	uint32_t fl = DB_AUTO_COMMIT;

	*dbp = NULL;
	if ((rc = db_create(&db, b->env, 0)) != 0) {
		buf_addf(err, "db_create: %s", db_strerror(rc));
		return rc;
	}
	fl |= (b->flags & BAYES_RDONLY) ? DB_RDONLY : DB_CREATE;
	if ((rc = db->open(db, NULL, file, NULL, DB_BTREE, fl,
	    b->mode)) != 0) {
		buf_addf(err, "%s/%s: %s", b->dir, file, db_strerror(rc));
		db->close(db, 0);
		return rc;
	}
	*dbp = db;
	return 0;
}

/* handles_open - join (creating, recovering when a user died) the
 * environment and open the databases */
static int
handles_open(struct bayes *b, struct buf *err)
{
	DB_ENV *env;
	uint32_t fl;
	int rc;

	if ((rc = db_env_create(&env, 0)) != 0) {
		buf_addf(err, "db_env_create: %s", db_strerror(rc));
		return -1;
	}
	env->set_errcall(env, db_errcall);
	env->set_errpfx(env, b->dir);
	env->set_lk_detect(env, DB_LOCK_DEFAULT);
	env->set_lk_max_locks(env, 30000);
	env->set_lk_max_objects(env, 30000);
	env->set_lk_max_lockers(env, 4000);
	env->set_cachesize(env, 0, 16 * 1024 * 1024, 1);
	env->set_lg_max(env, 1024 * 1024);
	env->set_lg_bsize(env, 256 * 1024);
	env->set_lg_filemode(env, b->mode);
	env->set_timeout(env, LOCK_TIMEOUT_US, DB_SET_LOCK_TIMEOUT);
	env->set_flags(env, DB_TXN_WRITE_NOSYNC, 1);
	env->log_set_config(env, DB_LOG_AUTO_REMOVE, 1);
	fl = DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL |
	    DB_INIT_TXN | DB_REGISTER | DB_RECOVER;
	if ((rc = env->open(env, b->dir, fl, b->mode)) != 0) {
		buf_addf(err, "%s: %s", b->dir, db_strerror(rc));
		env->close(env, 0);
		return -1;
	}
	b->env = env;
	if (db_open1(b, "tokens.db", &b->tok, err) != 0 ||
	    db_open1(b, "vars.db", &b->var, err) != 0 ||
	    db_open1(b, "seen.db", &b->seen, err) != 0) {
		handles_close(b);
		return -1;
	}
	b->reopen = 0;
	return 0;
}

/* fatal_rc - note an error that needs a new handle */
static int
fatal_rc(struct bayes *b, int rc)
{
	if (rc == DB_RUNRECOVERY || rc == DB_LOCK_NOTGRANTED)
		b->reopen = 1;
	return rc;
}

/* ready - reopen the handle when an earlier error asked for it */
static int
ready(struct bayes *b)
{
	struct buf err = BUF_INIT;
	int rc = 0;

	if (b->env != NULL && !b->reopen)
		return 0;
	handles_close(b);
	if (handles_open(b, &err) < 0) {
		log_warn("bayes: reopen %s", buf_str(&err));
		rc = -1;
	} else
		log_info("bayes: %s: reopened", b->dir);
	buf_free(&err);
	return rc;
}

/* checkpoint - a checkpoint when enough log was written: lets the
 * library drop log files */
static void
checkpoint(struct bayes *b, int force)
{
	if (b->env == NULL || (b->flags & BAYES_RDONLY))
		return;
	if (force || ++b->writes >= 64) {
		b->writes = 0;
		(void)b->env->txn_checkpoint(b->env, force ? 0 : 256, 0, 0);
	}
}

/* --- settings ------------------------------------------------------------ */

/* num - a non-negative integer setting */
static int
num(const char *key, const char *v, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || *out < 0) {
		log_warn("bayes: %s: bad value \"%s\"", key, v);
		return 0;
	}
	return 1;
}

/* style_params - the combining that goes with the token style */
static void
style_params(struct bayes *b)
{
	if (b->tc.style == BAYESTOK_SA) {
		b->fw_s = FW_S;
		b->min_strength = MIN_STRENGTH;
		b->max_sig = N_SIGNIFICANT;
	} else {
		b->fw_s = MS_FW_S;
		b->min_strength = MS_MIN_STRENGTH;
		b->max_sig = MS_N_SIGNIFICANT;
	}
}

/* settings - the bayes_* lines and the network lines */
static void
settings(struct bayes *b, const struct saconf_settings *set)
{
	struct buf err = BUF_INIT;
	const char *k, *v;
	long long n;
	size_t i;

	for (i = 0; set != NULL && i < set->plug_key.n; i++) {
		k = set->plug_key.v[i];
		v = set->plug_val.v[i];
		if (strncasecmp(k, "bayes_", 6) != 0)
			continue;
		if (strcasecmp(k, "bayes_min_spam_num") == 0) {
			if (num(k, v, &n))
				b->min_spam = n > INT32_MAX ? INT32_MAX : n;
		} else if (strcasecmp(k, "bayes_min_ham_num") == 0) {
			if (num(k, v, &n))
				b->min_ham = n > INT32_MAX ? INT32_MAX : n;
		} else if (strcasecmp(k, "bayes_use_hapaxes") == 0) {
			if (num(k, v, &n))
				b->use_hapaxes = n != 0;
		} else if (strcasecmp(k, "bayes_auto_expire") == 0) {
			if (num(k, v, &n))
				b->auto_expire = n != 0;
		} else if (strcasecmp(k, "bayes_expiry_max_db_size") == 0) {
			if (num(k, v, &n))
				b->max_db_size = n;
		} else if (strcasecmp(k, "bayes_file_mode") == 0) {
			n = strtol(v, NULL, 8);
			if (n > 0)
				b->mode = (int)(n & 0666);
		} else {
			buf_reset(&err);
			if (bayestok_conf_setting(&b->tc, k, v, &err) < 0)
				log_warn("bayes: %s %s: %s", k, v,
				    buf_str(&err));
		}
	}
	for (i = 0; set != NULL && i < set->net_key.n; i++) {
		buf_reset(&err);
		if (bayestok_conf_setting(&b->tc, set->net_key.v[i],
		    set->net_val.v[i], &err) < 0)
			log_warn("bayes: %s %s: %s", set->net_key.v[i],
			    set->net_val.v[i], buf_str(&err));
	}
	bayestok_conf_finish(&b->tc);
	buf_free(&err);
	style_params(b);
}

/* bayes_open - open (creating when missing) the store in dir */
struct bayes *
bayes_open(const char *dir, const struct saconf_settings *set, int flags,
    struct buf *err)
{
	struct bayes *b;
	struct stat st;

	if (stat(dir, &st) < 0) {
		if (errno != ENOENT || (flags & BAYES_RDONLY) ||
		    mkdir(dir, 0700) < 0 || stat(dir, &st) < 0) {
			buf_addf(err, "%s: %s", dir, strerror(errno));
			return NULL;
		}
	}
	if (!S_ISDIR(st.st_mode)) {
		buf_addf(err, "%s: not a directory", dir);
		return NULL;
	}
	b = xcalloc(1, sizeof(*b));
	b->dir = xstrdup(dir);
	b->flags = flags;
	/* files as private as the directory: group access when shared */
	b->mode = (st.st_mode & S_IWGRP) ? 0660 : 0600;
	b->min_spam = b->min_ham = 200;
	b->use_hapaxes = 1;
	b->auto_expire = 1;
	b->max_db_size = 150000;
	bayestok_conf_init(&b->tc);
	settings(b, set);
	if (handles_open(b, err) < 0) {
		bayes_close(b);
		return NULL;
	}
	return b;
}

/* bayes_close - checkpoint and close */
void
bayes_close(struct bayes *b)
{
	if (b == NULL)
		return;
	if (b->env != NULL && !b->reopen)
		checkpoint(b, 1);
	handles_close(b);
	bayestok_conf_free(&b->tc);
	xfree(b->dir);
	xfree(b);
}

/* --- records ------------------------------------------------------------- */

/* vars_get - the counts record (zeros when none), with txn's lock */
static int
vars_get(struct bayes *b, DB_TXN *txn, uint64_t v[VARS_N], uint32_t fl)
{
	unsigned char buf[VARS_N * 8];
	DBT k, d;
	int rc, i;

	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = "v";
	k.size = 1;
	d.data = buf;
	d.ulen = sizeof(buf);
	d.flags = DB_DBT_USERMEM;
	memset(v, 0, VARS_N * sizeof(*v));
	rc = b->var->get(b->var, txn, &k, &d, fl);
	if (rc == DB_NOTFOUND) {
		v[V_VERSION] = STORE_VERSION;
		v[V_STYLE] = (uint64_t)b->tc.style;
		return 0;
	}
	if (rc != 0)
		return rc;
	for (i = 0; i < VARS_N && (size_t)(i + 1) * 8 <= d.size; i++)
		v[i] = get64(buf + i * 8);
	return 0;
}

/* vars_put - write the counts record */
static int
vars_put(struct bayes *b, DB_TXN *txn, const uint64_t v[VARS_N])
{
	unsigned char buf[VARS_N * 8];
	DBT k, d;
	int i;

	for (i = 0; i < VARS_N; i++)
		put64(buf + i * 8, v[i]);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = "v";
	k.size = 1;
	d.data = buf;
	d.size = sizeof(buf);
	return b->var->put(b->var, txn, &k, &d, 0);
}

struct tokrec {
	uint32_t	 spam, ham, atime;
};

/* tok_get - a token's counts: 0, DB_NOTFOUND or an error */
static int
tok_get(struct bayes *b, DB_TXN *txn, const unsigned char *key,
    struct tokrec *r, uint32_t fl)
{
	unsigned char buf[TOK_VALLEN];
	DBT k, d;
	int rc;

	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = (void *)key;
	k.size = BAYESTOK_KEYLEN;
	d.data = buf;
	d.ulen = sizeof(buf);
	d.flags = DB_DBT_USERMEM;
	memset(r, 0, sizeof(*r));
	if ((rc = b->tok->get(b->tok, txn, &k, &d, fl)) != 0)
		return rc;
	if (d.size >= TOK_VALLEN) {
		r->spam = get32(buf);
		r->ham = get32(buf + 4);
		r->atime = get32(buf + 8);
	}
	return 0;
}

/* tok_put - write a token's counts */
static int
tok_put(struct bayes *b, DB_TXN *txn, const unsigned char *key,
    const struct tokrec *r)
{
	unsigned char buf[TOK_VALLEN];
	DBT k, d;

	put32(buf, r->spam);
	put32(buf + 4, r->ham);
	put32(buf + 8, r->atime);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = (void *)key;
	k.size = BAYESTOK_KEYLEN;
	d.data = buf;
	d.size = sizeof(buf);
	return b->tok->put(b->tok, txn, &k, &d, 0);
}

/* --- message facts ------------------------------------------------------- */

/* parse_date - an RFC 2822 date anywhere in s, or -1 */
static time_t
parse_date(const char *s)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	const char *p, *m;
	struct tm tm;
	int day, year, hh, mm, ss, off, sign, i;
	char mon[4];

	for (p = s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) ||
		    (p > s && isdigit((unsigned char)p[-1])))
			continue;
		memset(&tm, 0, sizeof(tm));
		ss = 0;
		i = 0;
		if (sscanf(p, "%2d %3s %d %d:%d%n", &day, mon, &year, &hh, &mm,
		    &i) != 5 || i == 0)
			continue;
		if ((m = strcasestr(months, mon)) == NULL || strlen(mon) != 3 ||
		    (m - months) % 3 != 0)
			continue;
		p += i;
		if (*p == ':' && isdigit((unsigned char)p[1])) {
			ss = atoi(p + 1);
			p += 1 + strspn(p + 1, "0123456789");
		}
		if (year < 50)
			year += 2000;
		else if (year < 1000)
			year += 1900;
		tm.tm_mday = day;
		tm.tm_mon = (m - months) / 3;
		tm.tm_year = year - 1900;
		tm.tm_hour = hh;
		tm.tm_min = mm;
		tm.tm_sec = ss;
		off = 0;
		while (*p == ' ')
			p++;
		if ((*p == '+' || *p == '-') && strspn(p + 1, "0123456789") >= 4) {
			sign = *p == '-' ? -1 : 1;
			off = sign * ((p[1] - '0') * 600 + (p[2] - '0') * 60 +
			    (p[3] - '0') * 10 + (p[4] - '0')) * 60;
		}
		if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 ||
		    year > 9999)
			return -1;
		return timegm(&tm) - off;
	}
	return -1;
}

/* msg_time - when the message came: the date of its newest Received
 * field, else its Date, else now (Util.pm receive_date, simplified) */
static time_t
msg_time(const struct msgtext *mt)
{
	const char *semi;
	time_t t;
	int i;

	for (i = 0; i < mt->nhdr; i++)
		if (strcasecmp(mt->hdr[i].name, "Received") == 0) {
			if ((semi = strrchr(mt->hdr[i].dec, ';')) != NULL &&
			    (t = parse_date(semi + 1)) > 0)
				return t;
			break;
		}
	for (i = 0; i < mt->nhdr; i++)
		if (strcasecmp(mt->hdr[i].name, "Date") == 0 &&
		    (t = parse_date(mt->hdr[i].dec)) > 0)
			return t;
	return time(NULL);
}

/* hex - bytes as lower-case hex into out (2n + 1 bytes) */
static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = x[p[i] >> 4];
		out[2 * i + 1] = x[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* raw_header - the last field name of the header block msg[0..hlen),
 * unfolded and trimmed, onto out; 0 when absent */
static int
raw_header(const char *msg, size_t hlen, const char *name, struct buf *out)
{
	size_t nl = strlen(name), i = 0, j, e;
	int found = 0;

	while (i < hlen) {
		for (e = i; e < hlen && msg[e] != '\n'; e++)
			;
		if (e - i > nl && strncasecmp(msg + i, name, nl) == 0 &&
		    msg[i + nl] == ':') {
			buf_reset(out);
			found = 1;
			j = i + nl + 1;
			for (;;) {
				for (; j < e; j++)
					if (msg[j] != '\r')
						buf_addc(out, msg[j]);
				if (e + 1 < hlen && (msg[e + 1] == ' ' ||
				    msg[e + 1] == '\t')) {
					buf_addc(out, ' ');
					j = e + 1;
					for (e = j; e < hlen && msg[e] != '\n';
					    e++)
						;
					continue;
				}
				break;
			}
		}
		i = e + 1;
	}
	if (found) {
		/* trim */
		size_t a = 0, z = out->len;
		struct buf t = BUF_INIT;

		while (a < z && isspace((unsigned char)out->data[a]))
			a++;
		while (z > a && isspace((unsigned char)out->data[z - 1]))
			z--;
		buf_add(&t, out->data + a, z - a);
		buf_reset(out);
		buf_add(out, t.data, t.len);
		buf_free(&t);
	}
	return found;
}

/*
 * bayes_msgid - the key a learned message is remembered under: as
 * SpamAssassin's generated id, the SHA-1 of the last To, the last Date
 * (each with a newline) and the hex SHA-1 of the body (CRLF as LF, the
 * line ends at its end left out)
 */
void
bayes_msgid(const char *msg, size_t len, char out[41])
{
	struct buf v = BUF_INIT;
	SHA1_CTX c;
	uint8_t d[SHA1_DIGEST_LENGTH];
	char bodyhex[41];
	size_t hlen, i, body;

	/* the header ends at the first empty line */
	for (hlen = 0, body = len; hlen < len; ) {
		const char *nl = memchr(msg + hlen, '\n', len - hlen);

		if (nl == NULL) {
			hlen = len;
			break;
		}
		i = nl - msg;
		if (i == hlen || (i == hlen + 1 && msg[hlen] == '\r')) {
			body = i + 1;
			break;
		}
		hlen = i + 1;
	}
	/* trailing line ends do not count: a message from an mbox (whose
	 * separator adds an empty line) is the same as its file */
	while (len > body && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	SHA1Init(&c);
	for (i = body; i < len; i++) {
		if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
			continue;
		SHA1Update(&c, (const uint8_t *)msg + i, 1);
	}
	SHA1Final(d, &c);
	hex(d, sizeof(d), bodyhex);
	SHA1Init(&c);
	if (raw_header(msg, hlen, "To", &v)) {
		SHA1Update(&c, (const uint8_t *)v.data, v.len);
		SHA1Update(&c, (const uint8_t *)"\n", 1);
	}
	SHA1Update(&c, (const uint8_t *)"", 1);
	if (raw_header(msg, hlen, "Date", &v)) {
		SHA1Update(&c, (const uint8_t *)v.data, v.len);
		SHA1Update(&c, (const uint8_t *)"\n", 1);
	}
	SHA1Update(&c, (const uint8_t *)"", 1);
	SHA1Update(&c, (const uint8_t *)bodyhex, 40);
	SHA1Final(d, &c);
	hex(d, sizeof(d), out);
	buf_free(&v);
}

/* --- learning ------------------------------------------------------------ */

#define OP_SPAM		1
#define OP_HAM		0
#define OP_FORGET	2

static const char *const style_name[] = { "sa", "mailsift" };

/* style_ok - may a store with counts v be used with our token style?
 * (an empty one takes any) */
static int
style_ok(const struct bayes *b, const uint64_t v[VARS_N])
{
	if (v[V_NSPAM] == 0 && v[V_NHAM] == 0 && v[V_NTOKENS] == 0)
		return 1;
	return v[V_STYLE] == (uint64_t)b->tc.style;
}

/* style_warn - say why a store of another token style is refused */
static void
style_warn(struct bayes *b, const char *what)
{
	uint64_t v[VARS_N];
	const char *have = "unknown";

	if (b->style_warned)
		return;		/* once per handle */
	b->style_warned = 1;
	if (vars_get(b, NULL, v, 0) == 0 && v[V_STYLE] < 2)
		have = style_name[v[V_STYLE]];
	log_warn("bayes: %s: %s refused: the store holds tokens of "
	    "bayes_token_style %s, the configuration says %s; relearn into "
	    "an empty store or set bayes_token_style %s", b->dir, what,
	    have, style_name[b->tc.style], have);
}

/* apply_txn - one attempt at learning (op) or forgetting a message:
 * BAYES_* or a Berkeley DB error */
static int
apply_txn(struct bayes *b, const struct bayestok *t, const char *id,
    int op, time_t atime, int *result)
{
	DB_TXN *txn = NULL;
	DBT k, d;
	uint64_t v[VARS_N];
	struct tokrec r;
	char cur = 0, want = op == OP_SPAM ? 's' : 'h';
	unsigned char cls;
	int rc, ds = 0, dh = 0, res;
	size_t i;
	int64_t ntok;

	if ((rc = b->env->txn_begin(b->env, NULL, &txn, 0)) != 0)
		return rc;
	/* the counts record first: learners queue there instead of
	 * deadlocking over the seen and token pages */
	if ((rc = vars_get(b, txn, v, DB_RMW)) != 0)
		goto fail;
	if (!style_ok(b, v)) {
		rc = E_STYLE;
		goto fail;
	}
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = (void *)id;
	k.size = strlen(id);
	d.data = &cls;
	d.ulen = 1;
	d.flags = DB_DBT_USERMEM;
	rc = b->seen->get(b->seen, txn, &k, &d, DB_RMW);
	if (rc == 0 && d.size == 1)
		cur = cls;
	else if (rc != 0 && rc != DB_NOTFOUND)
		goto fail;
	if (op == OP_FORGET) {
		if (cur != 's' && cur != 'h') {
			txn->abort(txn);
			*result = BAYES_UNKNOWN;
			return 0;
		}
		if (cur == 's')
			ds = -1;
		else
			dh = -1;
		res = BAYES_LEARNED;
	} else if (cur == want) {
		txn->abort(txn);
		*result = BAYES_ALREADY;
		return 0;
	} else {
		res = cur == 's' || cur == 'h' ? BAYES_MOVED : BAYES_LEARNED;
		if (op == OP_SPAM)
			ds = 1, dh = res == BAYES_MOVED ? -1 : 0;
		else
			dh = 1, ds = res == BAYES_MOVED ? -1 : 0;
	}
	ntok = (int64_t)v[V_NTOKENS];
	for (i = 0; i < t->n; i++) {
		rc = tok_get(b, txn, t->key[i], &r, DB_RMW);
		if (rc != 0 && rc != DB_NOTFOUND)
			goto fail;
		if (rc == DB_NOTFOUND && ds <= 0 && dh <= 0)
			continue;	/* nothing to take away */
		if (rc == DB_NOTFOUND)
			ntok++;
		r.spam = ds < 0 && r.spam == 0 ? 0 : r.spam + ds;
		r.ham = dh < 0 && r.ham == 0 ? 0 : r.ham + dh;
		if (r.spam == 0 && r.ham == 0) {
			memset(&k, 0, sizeof(k));
			k.data = t->key[i];
			k.size = BAYESTOK_KEYLEN;
			if ((rc = b->tok->del(b->tok, txn, &k, 0)) != 0 &&
			    rc != DB_NOTFOUND)
				goto fail;
			ntok--;
			continue;
		}
		if (op != OP_FORGET && (time_t)r.atime < atime)
			r.atime = (uint32_t)atime;
		if ((rc = tok_put(b, txn, t->key[i], &r)) != 0)
			goto fail;
	}
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = (void *)id;
	k.size = strlen(id);
	if (op == OP_FORGET)
		rc = b->seen->del(b->seen, txn, &k, 0);
	else {
		cls = want;
		d.data = &cls;
		d.size = 1;
		rc = b->seen->put(b->seen, txn, &k, &d, 0);
	}
	if (rc != 0)
		goto fail;
	v[V_NSPAM] = ds < 0 && v[V_NSPAM] == 0 ? 0 : v[V_NSPAM] + ds;
	v[V_NHAM] = dh < 0 && v[V_NHAM] == 0 ? 0 : v[V_NHAM] + dh;
	v[V_NTOKENS] = ntok < 0 ? 0 : (uint64_t)ntok;
	if (op != OP_FORGET && t->n > 0) {
		if (v[V_NEWEST] < (uint64_t)atime)
			v[V_NEWEST] = atime;
		if (v[V_OLDEST] == 0 || v[V_OLDEST] > (uint64_t)atime)
			v[V_OLDEST] = atime;
	}
	v[V_VERSION] = STORE_VERSION;
	v[V_STYLE] = (uint64_t)b->tc.style;
	if ((rc = vars_put(b, txn, v)) != 0)
		goto fail;
	rc = txn->commit(txn, 0);
	txn = NULL;
	if (rc != 0)
		return rc;
	*result = res;
	return 0;
fail:
	if (txn != NULL)
		txn->abort(txn);
	return rc;
}

/* apply - learn or forget with retries: BAYES_*, -1 */
static int
apply(struct bayes *b, const struct msgtext *mt, const char *msg,
    size_t len, int op)
{
	struct bayestok t;
	char id[41];
	time_t atime, now = time(NULL);
	int rc = -1, res = -1, attempt, reopened = 0;

	if (b->flags & BAYES_RDONLY) {
		log_warn("bayes: %s: opened read-only, cannot learn", b->dir);
		return -1;
	}
	bayes_msgid(msg, len, id);
	bayestok_run(&b->tc, mt, 0, &t);
	atime = msg_time(mt);
	if (atime > now + 86400 || atime <= 0)
		atime = now;
	for (attempt = 0; attempt < RETRIES; attempt++) {
		if (ready(b) < 0)
			break;
		rc = fatal_rc(b, apply_txn(b, &t, id, op, atime, &res));
		if (rc == 0)
			break;
		if (rc == DB_LOCK_DEADLOCK)
			continue;
		if ((rc == DB_RUNRECOVERY || rc == DB_LOCK_NOTGRANTED) &&
		    !reopened) {
			reopened = 1;
			continue;
		}
		if (rc == E_STYLE)
			style_warn(b, op == OP_FORGET ? "forget" : "learn");
		else
			log_warn("bayes: %s: %s %s: %s", b->dir,
			    op == OP_FORGET ? "forget" : "learn", id,
			    db_strerror(rc));
		break;
	}
	if (rc == DB_LOCK_DEADLOCK)
		log_warn("bayes: %s: learn %s: gave up after %d deadlocks",
		    b->dir, id, RETRIES);
	bayestok_free(&t);
	if (rc != 0)
		return -1;
	if (res != BAYES_ALREADY && res != BAYES_UNKNOWN)
		checkpoint(b, 0);
	return res;
}

/* expiry_due - is an automatic expiry due? */
static int
expiry_due(struct bayes *b)
{
	uint64_t v[VARS_N];
	time_t now = time(NULL);

	if (!b->auto_expire || vars_get(b, NULL, v, 0) != 0)
		return 0;
	return v[V_NTOKENS] > b->max_db_size &&
	    now - (time_t)v[V_LAST_EXPIRE] >= EXPIRE_PERIOD &&
	    now - (time_t)v[V_EXPIRE_RUNNING] >= EXPIRE_LOCK;
}

/* bayes_learn - learn a message as spam (1) or ham (0) */
int
bayes_learn(struct bayes *b, const struct msgtext *mt, const char *msg,
    size_t len, int spam)
{
	int rc = apply(b, mt, msg, len, spam ? OP_SPAM : OP_HAM);

	if ((rc == BAYES_LEARNED || rc == BAYES_MOVED) && expiry_due(b))
		(void)bayes_expire(b, 0);
	return rc;
}

/* bayes_forget - undo what learning the message counted */
int
bayes_forget(struct bayes *b, const struct msgtext *mt, const char *msg,
    size_t len)
{
	return apply(b, mt, msg, len, OP_FORGET);
}

/* --- classifying ------------------------------------------------------------ */

/*
 * bayes_chi2q - the chi-square survival function for x2 with 2*halfv
 * degrees of freedom (the series CombineChi.pm sums)
 */
static double
chi2q(double x2, int halfv)
{
	double m = x2 / 2.0, sum, term;
	int i;

	sum = term = exp(-m);
	for (i = 1; i < halfv; i++) {
		term *= m / i;
		sum += term;
	}
	return sum < 1.0 ? sum : 1.0;
}

/*
 * bayes_combine - chi-square combining of n token probabilities with
 * the class priors folded in, as CombineChi.pm (underflow kept apart in
 * binary exponents)
 */
double
bayes_combine(uint64_t ns, uint64_t nh, const double *p, int n)
{
	double S, H;
	int i, e, Sexp = 0, Hexp = 0;

	S = (double)ns / (double)(ns + nh);
	H = (double)nh / (double)(ns + nh);
	for (i = 0; i < n; i++) {
		S *= 1.0 - p[i];
		H *= p[i];
		if (S < 1e-200) {
			S = frexp(S, &e);
			Sexp += e;
		}
		if (H < 1e-200) {
			H = frexp(H, &e);
			Hexp += e;
		}
	}
	S = log(S) + Sexp * M_LN2;
	H = log(H) + Hexp * M_LN2;
	S = 1.0 - chi2q(-2.0 * S, n);
	H = 1.0 - chi2q(-2.0 * H, n);
	return ((S - H) + 1.0) / 2.0;
}

/* token_prob - Robinson-smoothed probability of a token with strength
 * fw_s, or -1 when it is too rare to count */
static double
token_prob(uint64_t ns, uint64_t nh, uint32_t s, uint32_t h,
    int use_hapaxes, double fw_s)
{
	double p, n = (double)s + (double)h;

	if (n < (use_hapaxes ? 1 : 2) || ns == 0 || nh == 0)
		return -1;
	p = ((double)s * nh) / ((double)h * ns + (double)s * nh);
	return (fw_s * FW_X + n * p) / (fw_s + n);
}

/* bayes_token_prob - SpamAssassin's Robinson-smoothed probability of a
 * token, or -1 when it is too rare to count */
double
bayes_token_prob(uint64_t ns, uint64_t nh, uint32_t s, uint32_t h,
    int use_hapaxes)
{
	return token_prob(ns, nh, s, h, use_hapaxes, FW_S);
}

struct sig {
	double		 p, strength;
	size_t		 idx;		/* in the token list */
	uint32_t	 atime;
};

/* sig_cmp - strongest first, then by token for a stable choice */
static int
sig_cmp(const void *a, const void *b)
{
	const struct sig *x = a, *y = b;

	if (x->strength != y->strength)
		return x->strength > y->strength ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* touch - bring the atime of used tokens up to atime, without waiting */
static void
touch(struct bayes *b, const struct bayestok *t, const struct sig *s,
    int n, time_t atime)
{
	DB_TXN *txn;
	struct tokrec r;
	int i, rc = 0, any = 0;

	for (i = 0; i < n; i++)
		if ((time_t)s[i].atime + TOUCH_AGE < atime)
			any = 1;
	if (!any || (b->flags & BAYES_RDONLY))
		return;
	if (b->env->txn_begin(b->env, NULL, &txn, DB_TXN_NOWAIT) != 0)
		return;
	for (i = 0; i < n && rc == 0; i++) {
		if ((time_t)s[i].atime + TOUCH_AGE >= atime)
			continue;
		rc = tok_get(b, txn, t->key[s[i].idx], &r, DB_RMW);
		if (rc == DB_NOTFOUND) {
			rc = 0;
			continue;	/* expired meanwhile */
		}
		if (rc == 0 && (time_t)r.atime < atime) {
			r.atime = (uint32_t)atime;
			rc = tok_put(b, txn, t->key[s[i].idx], &r);
		}
	}
	if (rc == 0)
		rc = txn->commit(txn, 0);
	else
		txn->abort(txn);
	if (rc == DB_RUNRECOVERY)
		b->reopen = 1;
}

/* classify_once - bayes_classify's work on an open handle */
static int
classify_once(struct bayes *b, const struct bayestok *t, time_t atime,
    double *prob, int *dbrc)
{
	uint64_t v[VARS_N];
	struct tokrec r;
	struct sig *s;
	double *p;
	size_t i;
	int n = 0, k, rc;

	*dbrc = 0;
	if ((rc = vars_get(b, NULL, v, 0)) != 0) {
		*dbrc = rc;
		return -1;
	}
	if (!style_ok(b, v)) {
		*dbrc = E_STYLE;
		return -1;
	}
	if (v[V_NSPAM] < (uint64_t)b->min_spam ||
	    v[V_NHAM] < (uint64_t)b->min_ham || v[V_NSPAM] == 0 ||
	    v[V_NHAM] == 0)
		return 0;
	s = xreallocarray(NULL, t->n ? t->n : 1, sizeof(*s));
	for (i = 0; i < t->n; i++) {
		rc = tok_get(b, NULL, t->key[i], &r, 0);
		if (rc == DB_NOTFOUND)
			continue;
		if (rc != 0) {
			*dbrc = rc;
			xfree(s);
			return -1;
		}
		s[n].p = token_prob(v[V_NSPAM], v[V_NHAM], r.spam, r.ham,
		    b->use_hapaxes, b->fw_s);
		if (s[n].p < 0)
			continue;
		s[n].strength = fabs(s[n].p - 0.5);
		s[n].idx = i;
		s[n].atime = r.atime;
		n++;
	}
	qsort(s, n, sizeof(*s), sig_cmp);
	if (n > b->max_sig)
		n = b->max_sig;
	while (n > 0 && s[n - 1].strength < b->min_strength)
		n--;
	if (n == 0) {
		xfree(s);
		return 0;	/* nothing known and telling */
	}
	p = xreallocarray(NULL, n, sizeof(*p));
	for (k = 0; k < n; k++)
		p[k] = s[k].p;
	*prob = bayes_combine(v[V_NSPAM], v[V_NHAM], p, n);
	xfree(p);
	touch(b, t, s, n, atime);
	xfree(s);
	return 1;
}

/* bayes_classify - the spam probability of a parsed message */
int
bayes_classify(struct bayes *b, const struct msgtext *mt, const char *msg,
    size_t len, double *prob)
{
	struct bayestok t;
	time_t atime, now = time(NULL);
	int rc = -1, dbrc = 0, attempt;

	(void)msg;
	(void)len;
	bayestok_run(&b->tc, mt, 0, &t);
	atime = msg_time(mt);
	if (atime > now || atime <= 0)
		atime = now;
	for (attempt = 0; attempt < 2; attempt++) {
		if (ready(b) < 0)
			break;
		rc = classify_once(b, &t, atime, prob, &dbrc);
		if (rc >= 0)
			break;
		fatal_rc(b, dbrc);
		if (dbrc != DB_RUNRECOVERY && dbrc != DB_LOCK_DEADLOCK)
			break;
	}
	if (rc < 0 && dbrc == E_STYLE)
		style_warn(b, "classify");
	else if (rc < 0)
		log_warn("bayes: %s: classify: %s", b->dir,
		    dbrc ? db_strerror(dbrc) : "cannot open");
	bayestok_free(&t);
	return rc;
}

/* bayes_tokens - the tokens of a message, with their text */
void
bayes_tokens(struct bayes *b, const struct msgtext *mt, struct bayestok *t)
{
	bayestok_run(&b->tc, mt, 1, t);
}

/* --- stats, check, dump ------------------------------------------------------ */

/* dir_bytes - the size of the files of the environment */
static uint64_t
dir_bytes(const char *dir)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	struct buf p = BUF_INIT;
	uint64_t n = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		buf_reset(&p);
		buf_addf(&p, "%s/%s", dir, e->d_name);
		if (stat(buf_str(&p), &st) == 0 && S_ISREG(st.st_mode))
			n += (uint64_t)st.st_blocks * 512;
	}
	closedir(d);
	buf_free(&p);
	return n;
}

/* bayes_stats - the counts of the store */
int
bayes_stats(struct bayes *b, struct bayes_stats *st)
{
	uint64_t v[VARS_N];
	int rc = -1, attempt;

	memset(st, 0, sizeof(*st));
	for (attempt = 0; attempt < 2; attempt++) {
		if (ready(b) < 0)
			return -1;
		if ((rc = fatal_rc(b, vars_get(b, NULL, v, 0))) == 0)
			break;
	}
	if (rc != 0) {
		log_warn("bayes: %s: stats: %s", b->dir, db_strerror(rc));
		return -1;
	}
	st->nspam = v[V_NSPAM];
	st->nham = v[V_NHAM];
	st->ntokens = v[V_NTOKENS];
	st->oldest_atime = (time_t)v[V_OLDEST];
	st->newest_atime = (time_t)v[V_NEWEST];
	st->last_expire = (time_t)v[V_LAST_EXPIRE];
	st->last_expire_reduce = v[V_LAST_REDUCE];
	st->db_bytes = dir_bytes(b->dir);
	st->min_spam = b->min_spam;
	st->min_ham = b->min_ham;
	st->style = (int)v[V_STYLE];
	st->style_ok = style_ok(b, v);
	return 0;
}

/* walk - call fn on every record of db inside txn (NULL: none): 0 or
 * an error; fn returns non-zero to delete the record */
static int
walk(DB *db, DB_TXN *txn, int (*fn)(void *, const DBT *, const DBT *),
    void *arg)
{
	DBC *c;
	DBT k, d;
	int rc, rc2;

	if ((rc = db->cursor(db, txn, &c, 0)) != 0)
		return rc;
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	while ((rc = c->get(c, &k, &d, DB_NEXT)) == 0)
		if (fn(arg, &k, &d) && (rc = c->del(c, 0)) != 0)
			break;
	rc2 = c->close(c);
	if (rc == DB_NOTFOUND)
		rc = 0;
	return rc ? rc : rc2;
}

/* count_seen - tally one seen record */
static int
count_seen(void *arg, const DBT *k, const DBT *d)
{
	struct bayes_check *c = arg;

	(void)k;
	if (d->size == 1 && *(const char *)d->data == 's')
		c->seen_spam++;
	else if (d->size == 1 && *(const char *)d->data == 'h')
		c->seen_ham++;
	else
		c->seen_bad++;
	return 0;
}

/* count_tok - tally one token record */
static int
count_tok(void *arg, const DBT *k, const DBT *d)
{
	struct bayes_check *c = arg;

	if (k->size != BAYESTOK_KEYLEN || d->size != TOK_VALLEN)
		c->tokens_bad++;
	c->tokens++;
	return 0;
}

/*
 * bayes_check - count the seen and token records inside one
 * transaction and compare them with the counts: 1 consistent, 0 not,
 * -1 on error
 */
int
bayes_check(struct bayes *b, struct bayes_check *c)
{
	DB_TXN *txn;
	uint64_t v[VARS_N];
	int rc, attempt;

	for (attempt = 0; attempt < RETRIES; attempt++) {
		memset(c, 0, sizeof(*c));
		if (ready(b) < 0)
			return -1;
		if ((rc = b->env->txn_begin(b->env, NULL, &txn, 0)) != 0)
			break;
		if ((rc = vars_get(b, txn, v, 0)) == 0 &&
		    (rc = walk(b->seen, txn, count_seen, c)) == 0 &&
		    (rc = walk(b->tok, txn, count_tok, c)) == 0) {
			txn->commit(txn, 0);
			break;
		}
		txn->abort(txn);
		if (fatal_rc(b, rc) != DB_LOCK_DEADLOCK &&
		    rc != DB_RUNRECOVERY)
			break;
	}
	if (rc != 0) {
		log_warn("bayes: %s: check: %s", b->dir, db_strerror(rc));
		return -1;
	}
	c->nspam = v[V_NSPAM];
	c->nham = v[V_NHAM];
	c->ntokens = v[V_NTOKENS];
	return c->nspam == c->seen_spam && c->nham == c->seen_ham &&
	    c->ntokens == c->tokens && c->seen_bad == 0 && c->tokens_bad == 0;
}

struct dumper {
	FILE		*fp;
	uint64_t	 ns, nh;
	const struct bayes *b;
};

/* dump_tok - one token line */
static int
dump_tok(void *arg, const DBT *k, const DBT *d)
{
	struct dumper *du = arg;
	const unsigned char *p = d->data;
	char h[2 * BAYESTOK_KEYLEN + 1];
	double pr;

	if (k->size != BAYESTOK_KEYLEN || d->size != TOK_VALLEN)
		return 0;
	hex(k->data, BAYESTOK_KEYLEN, h);
	pr = bayes_token_prob(du->ns, du->nh, get32(p), get32(p + 4),
	    du->b->use_hapaxes);
	fprintf(du->fp, "%.3f %10u %10u %10u  %s\n", pr < 0 ? 0.5 : pr,
	    get32(p), get32(p + 4), get32(p + 8), h);
	return 0;
}

/* bayes_dump - every token: probability, spam, ham, atime, key */
int
bayes_dump(struct bayes *b, FILE *fp)
{
	struct dumper du;
	uint64_t v[VARS_N];
	int rc;

	if (ready(b) < 0)
		return -1;
	if ((rc = vars_get(b, NULL, v, 0)) != 0 ||
	    (du.fp = fp, du.ns = v[V_NSPAM], du.nh = v[V_NHAM], du.b = b,
	    rc = walk(b->tok, NULL, dump_tok, &du)) != 0) {
		fatal_rc(b, rc);
		log_warn("bayes: %s: dump: %s", b->dir, db_strerror(rc));
		return -1;
	}
	return 0;
}

/* --- expiry ---------------------------------------------------------------- */

struct atimes {
	uint32_t	*a;
	size_t		 n, cap;
};

/* collect_atime - one token's atime */
static int
collect_atime(void *arg, const DBT *k, const DBT *d)
{
	struct atimes *at = arg;

	(void)k;
	if (d->size != TOK_VALLEN)
		return 0;
	if (at->n == at->cap) {
		at->cap = at->cap ? at->cap * 2 : 65536;
		at->a = xreallocarray(at->a, at->cap, sizeof(*at->a));
	}
	at->a[at->n++] = get32((const unsigned char *)d->data + 8);
	return 0;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct cutter {
	uint32_t	 cut;		/* atimes below go */
	uint64_t	 ties;		/* this many at cut go too */
	uint64_t	 gone, seen;	/* in this batch */
	uint32_t	 oldest;	/* of those kept */
};

/* cut_tok - delete a token older than the cut */
static int
cut_tok(void *arg, const DBT *k, const DBT *d)
{
	struct cutter *c = arg;
	uint32_t a;

	(void)k;
	if (d->size != TOK_VALLEN)
		return 0;
	a = get32((const unsigned char *)d->data + 8);
	if (a < c->cut || (a == c->cut && c->ties > 0)) {
		if (a == c->cut)
			c->ties--;
		c->gone++;
		return 1;
	}
	if (c->oldest == 0 || a < c->oldest)
		c->oldest = a;
	return 0;
}

/* expire_batch - delete up to EXPIRE_BATCH tokens from *from on, in one
 * transaction that also fixes the token count; sets *done at the end */
static int
expire_batch(struct bayes *b, struct cutter *c, unsigned char *from,
    int *started, int *done)
{
	DB_TXN *txn;
	DBC *cur;
	DBT k, d;
	uint64_t v[VARS_N];
	struct cutter save = *c;
	unsigned char key[BAYESTOK_KEYLEN];
	int rc, n = 0;
	uint32_t fl;

	if ((rc = b->env->txn_begin(b->env, NULL, &txn, 0)) != 0)
		return rc;
	if ((rc = b->tok->cursor(b->tok, txn, &cur, 0)) != 0) {
		txn->abort(txn);
		return rc;
	}
	c->gone = 0;
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	if (*started) {
		memcpy(key, from, BAYESTOK_KEYLEN);
		k.data = key;
		k.size = BAYESTOK_KEYLEN;
		k.ulen = BAYESTOK_KEYLEN;
		k.flags = DB_DBT_USERMEM;
		fl = DB_SET_RANGE;
	} else
		fl = DB_FIRST;
	*done = 1;
	while ((rc = cur->get(cur, &k, &d, fl | DB_RMW)) == 0) {
		fl = DB_NEXT;
		if (n++ >= EXPIRE_BATCH) {
			memcpy(from, k.data, BAYESTOK_KEYLEN);
			*done = 0;
			break;
		}
		if (cut_tok(c, &k, &d) && (rc = cur->del(cur, 0)) != 0)
			break;
	}
	if (rc == DB_NOTFOUND)
		rc = 0;
	cur->close(cur);
	if (rc == 0 && (rc = vars_get(b, txn, v, DB_RMW)) == 0) {
		v[V_NTOKENS] = v[V_NTOKENS] > c->gone ? v[V_NTOKENS] - c->gone : 0;
		v[V_EXPIRE_RUNNING] = time(NULL);
		rc = vars_put(b, txn, v);
	}
	if (rc == 0)
		rc = txn->commit(txn, 0);
	else
		txn->abort(txn);
	if (rc != 0) {
		*c = save;	/* the batch did not happen */
		*done = 0;
		return rc;
	}
	*started = 1;
	c->seen += c->gone;
	return 0;
}

/* expire_mark - set (now) or clear (0) the running-expiry marker and,
 * when finishing, record the expiry */
static int
expire_mark(struct bayes *b, time_t running, int finish, uint64_t gone,
    uint32_t oldest, int *busy)
{
	DB_TXN *txn;
	uint64_t v[VARS_N];
	time_t now = time(NULL);
	int rc;

	*busy = 0;
	if ((rc = b->env->txn_begin(b->env, NULL, &txn, 0)) != 0)
		return rc;
	if ((rc = vars_get(b, txn, v, DB_RMW)) != 0)
		goto out;
	if (running && now - (time_t)v[V_EXPIRE_RUNNING] < EXPIRE_LOCK) {
		*busy = 1;
		goto out;
	}
	v[V_EXPIRE_RUNNING] = running;
	if (finish) {
		v[V_LAST_EXPIRE] = now;
		v[V_LAST_REDUCE] = gone;
		if (oldest != 0)
			v[V_OLDEST] = oldest;
	}
	if ((rc = vars_put(b, txn, v)) != 0)
		goto out;
	return txn->commit(txn, 0);
out:
	txn->abort(txn);
	return rc;
}

/* bayes_expire - drop the least recently used tokens (see the file
 * header): the number dropped, -1 on error */
long
bayes_expire(struct bayes *b, uint64_t max)
{
	struct atimes at = { NULL, 0, 0 };
	struct cutter c;
	unsigned char from[BAYESTOK_KEYLEN];
	uint64_t target, drop, below;
	size_t i;
	int rc, busy, started = 0, done = 0, tries = 0;

	if (b->flags & BAYES_RDONLY)
		return -1;
	if (ready(b) < 0)
		return -1;
	target = max ? max : b->max_db_size * 3 / 4;
	if ((rc = expire_mark(b, time(NULL), 0, 0, 0, &busy)) != 0)
		goto dberr;
	if (busy) {
		log_info("bayes: %s: an expiry is running already", b->dir);
		return 0;
	}
	if ((rc = walk(b->tok, NULL, collect_atime, &at)) != 0)
		goto dberr;
	memset(&c, 0, sizeof(c));
	if (at.n > target) {
		drop = at.n - target;
		qsort(at.a, at.n, sizeof(*at.a), u32_cmp);
		c.cut = at.a[drop - 1];
		for (below = 0, i = 0; i < at.n && at.a[i] < c.cut; i++)
			below++;
		c.ties = drop - below;
		while (!done) {
			rc = expire_batch(b, &c, from, &started, &done);
			if (rc == DB_LOCK_DEADLOCK && ++tries < 1000)
				continue;
			if (rc != 0)
				goto dberr;
		}
	}
	if ((rc = expire_mark(b, 0, 1, c.seen, c.oldest, &busy)) != 0)
		goto dberr;
	xfree(at.a);
	log_info("bayes: %s: expired %llu of %zu tokens", b->dir,
	    (unsigned long long)c.seen, at.n);
	checkpoint(b, 1);
	return (long)c.seen;
dberr:
	xfree(at.a);
	fatal_rc(b, rc);
	log_warn("bayes: %s: expire: %s", b->dir, db_strerror(rc));
	(void)expire_mark(b, 0, 0, 0, 0, &busy);
	return -1;
}
