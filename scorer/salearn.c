/*
 * salearn.c - train and inspect the Bayes store, as sa-learn does.
 *
 *   salearn -d DIR [-r RULES] [-p SITE] [-c LOCAL_CF] [-u USER] [-q]
 *           --spam|--ham|--forget PATH...
 *   salearn -d DIR [-c LOCAL_CF] --stats | --check | --dump | --expire [MAX]
 *   salearn -d DIR [-c LOCAL_CF] --classify FILE...
 *   salearn -d DIR [-c LOCAL_CF] --tokens FILE
 *
 * PATH is a file holding one message, an mbox (a file whose first line
 * starts "From "; each message's From line is dropped and ">From"
 * lines lose one '>'), a Maildir (its cur/ and new/) or a directory of
 * message files; "-" reads an mbox (or one message) from stdin.
 * Settings are the bayes_* lines (and the network
 * lines) of the configuration the scorer reads: the rules directory
 * (-r, default /usr/share/spamassassin; "none" for no rules), the site
 * directory (-p, default /etc/spamassassin) and LOCAL_CF, so that the
 * stock bayes_ignore_header and stopword lines apply as they do when
 * the scorer classifies.  Run as root on a directory owned by another
 * user, it becomes that user (or -u USER) before opening the store, so
 * that the scorer can still open what it creates.
 *
 * Exports main.  The messages are hostile (each is bounded by what
 * msgtext_parse keeps); the options and the configuration are the
 * invoking administrator's.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bayes.h"
#include "bayestok.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "msgtext.h"
#include "saconf.h"
#include "sarules.h"

enum mode { M_NONE, M_SPAM, M_HAM, M_FORGET, M_STATS, M_CHECK, M_DUMP,
	M_EXPIRE, M_CLASSIFY, M_TOKENS };

struct run {
	struct bayes	*b;
	enum mode	 mode;
	int		 quiet;
	unsigned long	 n, learned, already, moved, unknown, failed;
};

static void
usage(void)
{
	fprintf(stderr, "usage: salearn -d DIR [-r RULES|none] [-p SITE] "
	    "[-c LOCAL_CF] [-u USER] [-q]\n"
	    "                --spam|--ham|--forget PATH...\n"
	    "       salearn -d DIR [-c LOCAL_CF] --stats|--check|--dump|"
	    "--expire [MAX]\n"
	    "       salearn -d DIR [-c LOCAL_CF] --classify FILE...\n"
	    "       salearn -d DIR [-c LOCAL_CF] --tokens FILE\n");
	exit(2);
}

/* now - seconds, as a double */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* one - learn, forget or classify one message */
static void
one(struct run *r, const char *name, const char *msg, size_t len)
{
	struct msgtext mt;
	struct bayestok t;
	double p = 0;
	size_t i;
	int rc;

	msgtext_parse(&mt, msg, len);
	r->n++;
	switch (r->mode) {
	case M_SPAM:
	case M_HAM:
		rc = bayes_learn(r->b, &mt, msg, len, r->mode == M_SPAM);
		break;
	case M_FORGET:
		rc = bayes_forget(r->b, &mt, msg, len);
		break;
	case M_CLASSIFY:
		rc = bayes_classify(r->b, &mt, msg, len, &p);
		if (rc == 1)
			printf("%.6f %s\n", p, name);
		else if (rc == 0)
			printf("none %s\n", name);
		else
			r->failed++;
		msgtext_free(&mt);
		return;
	case M_TOKENS:
		bayes_tokens(r->b, &mt, &t);
		for (i = 0; i < t.n; i++)
			printf("%s\n", t.text[i]);
		bayestok_free(&t);
		msgtext_free(&mt);
		return;
	default:
		rc = -1;
	}
	msgtext_free(&mt);
	switch (rc) {
	case BAYES_LEARNED:
		r->learned++;
		break;
	case BAYES_ALREADY:
		r->already++;
		break;
	case BAYES_MOVED:
		r->moved++;
		break;
	case BAYES_UNKNOWN:
		r->unknown++;
		break;
	default:
		r->failed++;
		fprintf(stderr, "salearn: %s: not learned\n", name);
	}
}

/* mbox - each message of an mbox m[0..n) */
static void
mbox(struct run *r, const char *name, const char *m, size_t n)
{
	struct buf msg = BUF_INIT;
	size_t i = 0, e, j;
	int in = 0;

	while (i < n) {
		for (e = i; e < n && m[e] != '\n'; e++)
			;
		e = e < n ? e + 1 : e;
		/* a From line at the start or after an empty line */
		if (e - i >= 5 && memcmp(m + i, "From ", 5) == 0 &&
		    (i == 0 || (i >= 2 && m[i - 2] == '\n') ||
		    (i >= 3 && m[i - 2] == '\r' && m[i - 3] == '\n'))) {
			if (in) {
				/* the empty line before From is mbox's */
				if (msg.len > 0 && msg.data[msg.len - 1] == '\n')
					buf_trunc(&msg, msg.len - 1);
				one(r, name, buf_str(&msg), msg.len);
			}
			buf_reset(&msg);
			in = 1;
			i = e;
			continue;
		}
		j = i;
		/* mboxrd: >From, >>From ... lose one '>' */
		if (m[j] == '>') {
			size_t k = j;

			while (k < e && m[k] == '>')
				k++;
			if (e - k >= 5 && memcmp(m + k, "From ", 5) == 0)
				j++;
		}
		buf_add(&msg, m + j, e - j);
		i = e;
	}
	if (in)
		one(r, name, buf_str(&msg), msg.len);
	buf_free(&msg);
}

/* file - a message file or an mbox */
static void
file(struct run *r, const char *path)
{
	struct stat st;
	void *p = NULL;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0) {
		fprintf(stderr, "salearn: %s: %s\n", path, strerror(errno));
		r->failed++;
		if (fd >= 0)
			close(fd);
		return;
	}
	if (st.st_size > 0 && (p = mmap(NULL, st.st_size, PROT_READ,
	    MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		fprintf(stderr, "salearn: %s: %s\n", path, strerror(errno));
		r->failed++;
		close(fd);
		return;
	}
	close(fd);
	if (st.st_size >= 5 && memcmp(p, "From ", 5) == 0)
		mbox(r, path, p, st.st_size);
	else
		one(r, path, p ? p : "", st.st_size);
	if (p != NULL)
		munmap(p, st.st_size);
}

/* name_cmp - directory entries in name order */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* directory - every regular file of dir, in name order */
static void
directory(struct run *r, const char *dir)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	struct buf p = BUF_INIT;
	char **names = NULL;
	size_t n = 0, i;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "salearn: %s: %s\n", dir, strerror(errno));
		r->failed++;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		buf_reset(&p);
		buf_addf(&p, "%s/%s", dir, names[i]);
		if (stat(buf_str(&p), &st) == 0 && S_ISREG(st.st_mode))
			file(r, buf_str(&p));
		xfree(names[i]);
	}
	xfree(names);
	buf_free(&p);
}

/*
 * standard_input - "-": an mbox (or one message) on stdin, as
 * mailsiftctl learn sends it
 */
static void
standard_input(struct run *r)
{
	struct buf b = BUF_INIT;
	char tmp[65536];
	ssize_t n;

	while ((n = read(0, tmp, sizeof(tmp))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "salearn: standard input: %s\n",
			    strerror(errno));
			r->failed++;
			break;
		}
		buf_add(&b, tmp, (size_t)n);
	}
	if (b.len >= 5 && memcmp(b.data, "From ", 5) == 0)
		mbox(r, "-", b.data, b.len);
	else if (b.len)
		one(r, "-", b.data, b.len);
	buf_free(&b);
}

/* path - a file, a Maildir, a directory, or "-" for stdin */
static void
path(struct run *r, const char *p)
{
	struct stat st;
	struct buf sub = BUF_INIT;
	int maildir = 0;

	if (strcmp(p, "-") == 0) {
		standard_input(r);
		return;
	}
	if (stat(p, &st) < 0) {
		fprintf(stderr, "salearn: %s: %s\n", p, strerror(errno));
		r->failed++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		file(r, p);
		return;
	}
	buf_addf(&sub, "%s/cur", p);
	if (stat(buf_str(&sub), &st) == 0 && S_ISDIR(st.st_mode)) {
		directory(r, buf_str(&sub));
		maildir = 1;
	}
	buf_reset(&sub);
	buf_addf(&sub, "%s/new", p);
	if (stat(buf_str(&sub), &st) == 0 && S_ISDIR(st.st_mode)) {
		directory(r, buf_str(&sub));
		maildir = 1;
	}
	if (!maildir)
		directory(r, p);
	buf_free(&sub);
}

/* become - drop to user (or the owner of dir when root and not given) */
static void
become(const char *user, const char *dir)
{
	struct passwd *pw;
	struct stat st;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return;
	if (user != NULL) {
		if ((pw = getpwnam(user)) == NULL) {
			fprintf(stderr, "salearn: no user %s\n", user);
			exit(1);
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	} else {
		if (stat(dir, &st) < 0 || st.st_uid == 0)
			return;
		uid = st.st_uid;
		gid = st.st_gid;
	}
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		fprintf(stderr, "salearn: cannot become uid %ld: %s\n",
		    (long)uid, strerror(errno));
		exit(1);
	}
}

/* fmt_time - a time as the dump shows it */
static const char *
fmt_time(time_t t, char *out, size_t n)
{
	struct tm tm;

	if (t == 0) {
		snprintf(out, n, "never");
		return out;
	}
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return out;
}

/* stats - the counts, in sa-learn --dump magic's order, own words */
static int
stats(struct bayes *b)
{
	struct bayes_stats st;
	char t[64];

	if (bayes_stats(b, &st) < 0)
		return 1;
	printf("messages learned as spam: %llu\n",
	    (unsigned long long)st.nspam);
	printf("messages learned as ham:  %llu\n",
	    (unsigned long long)st.nham);
	printf("tokens:                   %llu\n",
	    (unsigned long long)st.ntokens);
	printf("oldest token atime:       %lld (%s)\n",
	    (long long)st.oldest_atime, fmt_time(st.oldest_atime, t,
	    sizeof(t)));
	printf("newest token atime:       %lld (%s)\n",
	    (long long)st.newest_atime, fmt_time(st.newest_atime, t,
	    sizeof(t)));
	printf("last expiry:              %lld (%s)\n",
	    (long long)st.last_expire, fmt_time(st.last_expire, t, sizeof(t)));
	printf("last expiry dropped:      %llu tokens\n",
	    (unsigned long long)st.last_expire_reduce);
	printf("store size:               %llu bytes\n",
	    (unsigned long long)st.db_bytes);
	printf("token style:              %s%s\n",
	    st.style == BAYESTOK_MAILSIFT ? "mailsift" : "sa",
	    st.style_ok ? "" : " (not the configured one: refused)");
	printf("verdicts given:           %s (needs %d spam, %d ham)\n",
	    st.style_ok && st.nspam >= (uint64_t)st.min_spam &&
	    st.nham >= (uint64_t)st.min_ham ? "yes" : "no", st.min_spam,
	    st.min_ham);
	return 0;
}

/* check - the records against the counts */
static int
check(struct bayes *b)
{
	struct bayes_check c;
	int rc = bayes_check(b, &c);

	if (rc < 0)
		return 1;
	printf("spam: %llu counted, %llu seen records\n",
	    (unsigned long long)c.nspam, (unsigned long long)c.seen_spam);
	printf("ham: %llu counted, %llu seen records\n",
	    (unsigned long long)c.nham, (unsigned long long)c.seen_ham);
	printf("tokens: %llu counted, %llu records\n",
	    (unsigned long long)c.ntokens, (unsigned long long)c.tokens);
	if (c.seen_bad || c.tokens_bad)
		printf("malformed: %llu seen, %llu token records\n",
		    (unsigned long long)c.seen_bad,
		    (unsigned long long)c.tokens_bad);
	printf("%s\n", rc ? "consistent" : "INCONSISTENT");
	return rc ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "spam", no_argument, NULL, 'S' },
		{ "ham", no_argument, NULL, 'H' },
		{ "forget", no_argument, NULL, 'F' },
		{ "stats", no_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'k' },
		{ "dump", no_argument, NULL, 'D' },
		{ "expire", no_argument, NULL, 'e' },
		{ "classify", no_argument, NULL, 'C' },
		{ "tokens", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const plugins[] = {
		"Mail::SpamAssassin::Plugin::Bayes", NULL
	};
	struct saconf_opts o;
	struct saconf *conf = NULL;
	struct run r;
	struct buf err = BUF_INIT;
	const char *dir = NULL, *cf = NULL, *user = NULL;
	const char *rules = "/usr/share/spamassassin", *site = "/etc/spamassassin";
	double t0, dt;
	int ch, i, rc = 0, flags = 0;
	long n;

	memset(&r, 0, sizeof(r));
	log_open("salearn");
	log_set_stderr(1);
	while ((ch = getopt_long(argc, argv, "d:c:r:p:u:q", lo, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'c':
			cf = optarg;
			break;
		case 'r':
			rules = optarg;
			break;
		case 'p':
			site = *optarg ? optarg : NULL;
			break;
		case 'u':
			user = optarg;
			break;
		case 'q':
			r.quiet = 1;
			break;
		case 'S': r.mode = M_SPAM; break;
		case 'H': r.mode = M_HAM; break;
		case 'F': r.mode = M_FORGET; break;
		case 's': r.mode = M_STATS; break;
		case 'k': r.mode = M_CHECK; break;
		case 'D': r.mode = M_DUMP; break;
		case 'e': r.mode = M_EXPIRE; break;
		case 'C': r.mode = M_CLASSIFY; break;
		case 'T': r.mode = M_TOKENS; break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (dir == NULL || r.mode == M_NONE)
		usage();
	if ((r.mode == M_SPAM || r.mode == M_HAM || r.mode == M_FORGET ||
	    r.mode == M_CLASSIFY || r.mode == M_TOKENS) && argc == 0)
		usage();
	if (strcmp(rules, "none") != 0) {
		if ((conf = sarules_load(rules, site, cf, &err)) == NULL) {
			fprintf(stderr, "salearn: %s\n", buf_str(&err));
			return 1;
		}
		buf_reset(&err);
	} else if (cf != NULL) {
		memset(&o, 0, sizeof(o));
		o.plugins = plugins;
		o.can = saconf_sa401_can;
		conf = saconf_new(&o);
		if (saconf_load_path(conf, cf) < 0) {
			fprintf(stderr, "salearn: %s: cannot read\n", cf);
			return 1;
		}
		saconf_finish(conf);
	}
	become(user, dir);
	if (r.mode == M_STATS || r.mode == M_CHECK || r.mode == M_DUMP)
		flags |= BAYES_RDONLY;
	if ((r.b = bayes_open(dir, conf ? saconf_settings(conf) : NULL, flags,
	    &err)) == NULL) {
		fprintf(stderr, "salearn: %s\n", buf_str(&err));
		return 1;
	}
	t0 = now();
	switch (r.mode) {
	case M_STATS:
		rc = stats(r.b);
		break;
	case M_CHECK:
		rc = check(r.b);
		break;
	case M_DUMP:
		rc = bayes_dump(r.b, stdout) < 0;
		break;
	case M_EXPIRE:
		n = bayes_expire(r.b, argc > 0 ? strtoull(argv[0], NULL, 10) :
		    0);
		if (n < 0)
			rc = 1;
		else if (!r.quiet)
			printf("expired %ld tokens\n", n);
		break;
	default:
		for (i = 0; i < argc; i++)
			path(&r, argv[i]);
		dt = now() - t0;
		if (r.mode == M_CLASSIFY && !r.quiet)
			fprintf(stderr, "classified %lu messages in %.2f s "
			    "(%.1f messages/s)\n", r.n, dt,
			    dt > 0 ? r.n / dt : 0);
		else if (r.mode == M_FORGET && !r.quiet)
			printf("forgot %lu, not learned before %lu, failed "
			    "%lu, of %lu messages in %.2f s (%.1f messages/s)\n",
			    r.learned, r.unknown, r.failed, r.n, dt,
			    dt > 0 ? r.n / dt : 0);
		else if (r.mode != M_CLASSIFY && r.mode != M_TOKENS &&
		    !r.quiet)
			printf("learned %lu, already %lu, moved %lu, failed "
			    "%lu, of %lu messages in %.2f s (%.1f messages/s)\n",
			    r.learned, r.already, r.moved, r.failed, r.n, dt,
			    dt > 0 ? r.n / dt : 0);
		rc = r.failed > 0;
	}
	bayes_close(r.b);
	if (conf != NULL)
		saconf_free(conf);
	buf_free(&err);
	return rc;
}
