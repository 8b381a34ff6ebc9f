/*
 * textcat.c - language guess for the TextCat plugin's check_language
 * (UNWANTED_LANGUAGE_BODY), on libexttextcat.
 *
 * Exports textcat_text, textcat_guess.
 * Input: the rendered body text of a message (hostile), at most
 * TEXTCAT_MAX_TEXT bytes.  Runs unprivileged in the scorer.  The models
 * (/usr/share/libexttextcat/fpdb.conf and its .lm files) are loaded
 * once per process on first use and kept; the scorer forks nothing
 * after that.  As TextCat.pm: no guess under 256 bytes; candidates
 * within 1.02 of the best score are all answers; more than 3 answers
 * means "don't know" (no languages, so nothing is unwanted).
 * libexttextcat names its models "en--utf8", "zh-CN-utf8", "sh--utf8":
 * the language code is what comes before the first '-' (nb and nn are
 * SA's no, sh its sr).  Only the models of languages SA knows and has
 * active (TextCat.pm's inactive_languages unless in ok_languages) are
 * loaded, so that the best guess is chosen among the same languages.
 * The models of the last TC_SETS language sets stay loaded; a lock
 * makes one classification at a time (the scorer may use threads).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libexttextcat/textcat.h>

#include "buf.h"
#include "textcat.h"

#define TEXTCAT_DIR	"/usr/share/libexttextcat/"

/* the languages SpamAssassin 4.0.1 has models for */
static const char sa_langs[] = " af am ar be bg bs ca cs cy da de el en eo "
    "es et eu fa fi fr fy ga gd he hi hr hu hy id is it ja ka ko la lt lv "
    "mr ms ne nl no pl pt qu rm ro ru sa sco sk sl sq sr sv sw ta th tl tr "
    "uk vi yi zh ";
/* TextCat.pm's default inactive_languages */
static const char sa_inactive[] = " bs cy eo et eu fy ga gd is la lt lv rm "
    "sa sco sl yi ";

#define TC_SETS		4	/* language sets kept loaded */

static void *tc_handle[TC_SETS];
static char *tc_key[TC_SETS];	/* their re-enabled languages */
static int tc_failed;
/* one classification at a time: libexttextcat keeps state per handle */
static pthread_mutex_t tc_lock = PTHREAD_MUTEX_INITIALIZER;

/* sa_code - SA's code of a libexttextcat name ("nb--utf8" is "no") */
static void
sa_code(const char *name, char *code, size_t n)
{
	size_t k = strcspn(name, "-");

	snprintf(code, n, "%.*s", (int)k, name);
	if (strcmp(code, "nb") == 0 || strcmp(code, "nn") == 0)
		snprintf(code, n, "no");
	else if (strcmp(code, "sh") == 0)
		snprintf(code, n, "sr");
}

/* word_in - is w one of the space-separated words of list? */
static int
word_in(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	if (list == NULL || n == 0)
		return 0;
	for (p = list; (p = strstr(p, w)) != NULL; p++)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* active - SA would consider language code with these ok_languages */
static int
active(const char *code, const char *ok)
{
	return word_in(sa_langs, code) && (!word_in(sa_inactive, code) ||
	    word_in(ok, code));
}

/*
 * tc_load - the classifier over the models SA would use (its languages,
 * less inactive_languages not in ok_languages), built once per
 * language set: a filtered copy of fpdb.conf is given to libexttextcat
 * through a memory file; without one, every model is used
 */
static void *
tc_load(const char *ok)
{
	struct buf conf = BUF_INIT, key = BUF_INIT;
	char *line = NULL, path[64], code[32], name[256];
	size_t cap = 0;
	void *h = NULL;
	FILE *f;
	int fd, k;

	if (tc_failed)
		return NULL;
	/* the key: the inactive languages that ok re-enables */
	for (const char *p = sa_inactive; *p; ) {
		size_t n;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n == 0)
			break;
		snprintf(code, sizeof(code), "%.*s", (int)n, p);
		if (word_in(ok, code)) {
			buf_adds(&key, code);
			buf_addc(&key, ' ');
		}
		p += n;
	}
	for (k = 0; k < TC_SETS; k++)
		if (tc_handle[k] != NULL && strcmp(tc_key[k],
		    buf_str(&key)) == 0) {
			buf_free(&key);
			return tc_handle[k];
		}
	if ((f = fopen(TEXTCAT_DIR "fpdb.conf", "r")) == NULL) {
		tc_failed = 1;
		buf_free(&key);
		return NULL;
	}
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%*s %255s", name) != 1 || line[0] == '#')
			continue;
		sa_code(name, code, sizeof(code));
		if (active(code, buf_str(&key)))
			buf_adds(&conf, line);
	}
	free(line);
	fclose(f);
	fd = memfd_create("fpdb.conf", MFD_CLOEXEC);
	if (fd >= 0 && write(fd, conf.data, conf.len) == (ssize_t)conf.len) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		h = special_textcat_Init(path, TEXTCAT_DIR);
	}
	if (fd >= 0)
		close(fd);
	if (h == NULL)
		h = special_textcat_Init(TEXTCAT_DIR "fpdb.conf", TEXTCAT_DIR);
	buf_free(&conf);
	if (h == NULL) {
		tc_failed = 1;
		buf_free(&key);
		return NULL;
	}
	/* the oldest set makes room */
	if (tc_handle[TC_SETS - 1] != NULL) {
		textcat_Done(tc_handle[TC_SETS - 1]);
		free(tc_key[TC_SETS - 1]);
	}
	memmove(tc_handle + 1, tc_handle, (TC_SETS - 1) * sizeof(*tc_handle));
	memmove(tc_key + 1, tc_key, (TC_SETS - 1) * sizeof(*tc_key));
	tc_handle[0] = h;
	tc_key[0] = buf_steal(&key);
	return h;
}

/* is_space - Perl \s on a byte */
static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* nonspace_run - length of the run of non-space bytes at s, at most max */
static size_t
nonspace_run(const char *s, const char *end, size_t max)
{
	size_t n = 0;

	while (s + n < end && n < max && !is_space((unsigned char)s[n]))
		n++;
	return n;
}

/* textcat_text - TextCat.pm extract_metadata's clean-up of the body */
void
textcat_text(const char *body, size_t len, struct buf *out)
{
	const char *p = body, *end = body + len;
	size_t n;
	int k;

	buf_reset(out);
	/* s/^(?:[a-z]{2,12}:\s*){1,10}//i */
	for (k = 0; k < 10; k++) {
		const char *q = p;

		while (q < end && q - p < 13 &&
		    ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'z'))
			q++;
		if (q - p < 2 || q - p > 12 || q >= end || *q != ':')
			break;
		q++;
		while (q < end && is_space((unsigned char)*q))
			q++;
		p = q;
	}
	while (p < end) {
		/* https?(://|:&#x2F;&#x2F;|%3A%2F%2F)\S{1,1024} */
		if ((*p == 'h') && end - p > 7 && strncmp(p, "http", 4) == 0) {
			const char *q = p + 4;
			size_t sep = 0;

			if (*q == 's')
				q++;
			if (end - q >= 3 && strncmp(q, "://", 3) == 0)
				sep = 3;
			else if (end - q >= 13 &&
			    strncmp(q, ":&#x2F;&#x2F;", 13) == 0)
				sep = 13;
			else if (end - q >= 9 &&
			    strncmp(q, "%3A%2F%2F", 9) == 0)
				sep = 9;
			if (sep && (n = nonspace_run(q + sep, end, 1024)) > 0) {
				buf_addc(out, ' ');
				p = q + sep + n;
				continue;
			}
		}
		/* \bwww\.\S{1,128} */
		if (*p == 'w' && end - p > 4 && strncmp(p, "www.", 4) == 0 &&
		    (p == body || !(((p[-1] | 0x20) >= 'a' &&
		    (p[-1] | 0x20) <= 'z') || (p[-1] >= '0' && p[-1] <= '9') ||
		    p[-1] == '_')) &&
		    (n = nonspace_run(p + 4, end, 128)) > 0) {
			buf_addc(out, ' ');
			p += 4 + n;
			continue;
		}
		/* \S{1,64}?@[a-zA-Z]\S{1,128}: an address from here */
		if (!is_space((unsigned char)*p)) {
			size_t run = nonspace_run(p, end, 65), i;

			for (i = 1; i <= run && i <= 64; i++) {
				const char *at = p + i;

				if (at + 2 < end && *at == '@' &&
				    ((at[1] | 0x20) >= 'a' &&
				    (at[1] | 0x20) <= 'z') &&
				    (n = nonspace_run(at + 2, end, 128)) > 0) {
					buf_addc(out, ' ');
					p = at + 2 + n;
					goto next;
				}
				if (i < run && is_space((unsigned char)p[i]))
					break;
			}
		}
		buf_addc(out, *p++);
next:
		;
	}
	if (out->len > TEXTCAT_MAX_TEXT)
		buf_trunc(out, TEXTCAT_MAX_TEXT);
}

/* textcat_guess - SA TextCat classify on libexttextcat's scores */
int
textcat_guess(const char *text, size_t len, const char *ok, struct buf *out)
{
	candidate_t *cand;
	void *h;
	int n, i, best, k;
	char code[32];

	buf_reset(out);
	buf_adds(out, "");
	if (len < TEXTCAT_MIN_TEXT)
		return 0;
	pthread_mutex_lock(&tc_lock);
	if ((h = tc_load(ok)) == NULL) {
		pthread_mutex_unlock(&tc_lock);
		return -1;
	}
	cand = textcat_GetClassifyFullOutput(h);
	n = textcat_ClassifyFull(h, text, len, cand);
	if (n <= 0) {
		textcat_ReleaseClassifyFullOutput(h, cand);
		pthread_mutex_unlock(&tc_lock);
		return 0;
	}
	best = cand[0].score;
	for (i = 0, k = 0; i < n; i++) {
		if ((double)cand[i].score >= 1.02 * best && i > 0)
			break;
		sa_code(cand[i].name, code, sizeof(code));
		/* one answer per language (zh-Hans, zh-Hant are both zh) */
		if (word_in(buf_str(out), code))
			continue;
		if (++k > TEXTCAT_MAX_LANGS) {
			buf_reset(out);
			buf_adds(out, "");
			break;
		}
		if (out->len)
			buf_addc(out, ' ');
		buf_adds(out, code);
	}
	textcat_ReleaseClassifyFullOutput(h, cand);
	pthread_mutex_unlock(&tc_lock);
	return 0;
}
