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
 * the language code is what comes before the first '-'.
 */
#include <stdlib.h>
#include <string.h>

#include <libexttextcat/textcat.h>

#include "buf.h"
#include "textcat.h"

#define TEXTCAT_DIR	"/usr/share/libexttextcat/"

static void *tc_handle;
static int tc_failed;

/* tc_load - the classifier, loaded once; NULL when it cannot be */
static void *
tc_load(void)
{
	if (tc_handle == NULL && !tc_failed) {
		tc_handle = special_textcat_Init(TEXTCAT_DIR "fpdb.conf",
		    TEXTCAT_DIR);
		if (tc_handle == NULL)
			tc_failed = 1;
	}
	return tc_handle;
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
			else if (end - q >= 9 && strncmp(q, "%3A%2F%2F", 9) == 0)
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
textcat_guess(const char *text, size_t len, struct buf *out)
{
	candidate_t *cand;
	void *h;
	int n, i, best, k;

	buf_reset(out);
	buf_adds(out, "");
	if (len < TEXTCAT_MIN_TEXT)
		return 0;
	if ((h = tc_load()) == NULL)
		return -1;
	cand = textcat_GetClassifyFullOutput(h);
	n = textcat_ClassifyFull(h, text, len, cand);
	if (n <= 0) {
		textcat_ReleaseClassifyFullOutput(h, cand);
		return 0;
	}
	best = cand[0].score;
	for (i = 0, k = 0; i < n; i++) {
		const char *name = cand[i].name, *dash;

		if ((double)cand[i].score >= 1.02 * best && i > 0)
			break;
		k++;
		if (k > TEXTCAT_MAX_LANGS) {
			buf_reset(out);
			buf_adds(out, "");
			break;
		}
		dash = strchr(name, '-');
		if (out->len)
			buf_addc(out, ' ');
		buf_add(out, name, dash ? (size_t)(dash - name) : strlen(name));
	}
	textcat_ReleaseClassifyFullOutput(h, cand);
	return 0;
}
