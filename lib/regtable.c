/*
 * regtable.c - Postfix "regexp:" lookup tables, compiled with PCRE2.
 *
 * Syntax as regexp_table(5):
 *
 *	/pattern/flags result		first matching rule wins
 *	!/pattern/flags result		matches when the pattern does not
 *	if /pattern/flags		rules up to the matching endif apply
 *	endif				only when the pattern matches (nestable;
 *					"if !/pattern/" negates)
 *
 * Any character other than white space, a letter, a digit or a
 * backslash may replace "/" as delimiter; a backslash in the pattern
 * escapes the next character (and stays in the pattern, so "\/" is a
 * literal slash to PCRE2).  Flags: i toggles case-insensitivity (on by
 * default, as in Postfix), m toggles multi-line mode, x toggles PCRE2
 * extended syntax (off by default; Postfix's POSIX "x" toggles ERE,
 * which PCRE2 always speaks).  In a result, $1..$9 and ${n} are the
 * capture groups (an unset group is empty), $$ is a dollar; any other
 * "$", a group the pattern does not have, or $n after a negated
 * pattern is an error.  Empty lines and lines whose first non-blank is
 * '#' are comments; a line that starts with white space continues the
 * one before, verbatim.  Every error names file:line; nothing is
 * guessed.
 *
 * Patterns are compiled once without UTF (byte semantics, and
 * PCRE2_NEVER_UTF so that "(*UTF)" cannot make a hostile subject's bad
 * UTF-8 an error), JIT-compiled when PCRE2 can, and matched under a
 * match, depth and heap limit so that a hostile subject costs bounded
 * time: a rule that gives up makes the whole lookup fail (-1) rather
 * than fall through to a later, perhaps more lenient, rule.
 *
 * A table owns one match data block and one JIT stack, reused by every
 * lookup: a table must be used by one thread at a time.
 *
 * Inputs: the table file (trusted but error-prone: written by a human),
 * read before the privilege drop; the lookup subjects (hostile: message
 * headers), matched unprivileged.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <bsd/string.h>
#include <pcre2.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "regtable.h"

enum rule_op {
	RULE_MATCH,
	RULE_IF,
	RULE_ENDIF,
};

struct rule {
	enum rule_op	 op;
	int		 negate;
	int		 lineno;
	int		 warned;	/* the limit was logged for this rule */
	pcre2_code	*code;		/* NULL for RULE_ENDIF */
	char		*result;	/* RULE_MATCH only */
	size_t		 endif;		/* RULE_IF: index of its endif */
};

struct regtable {
	char			*name;
	struct rule		*rules;
	size_t			 nrules, cap;
	uint32_t		 maxcap;	/* most capture groups of a rule */
	pcre2_match_context	*mctx;
	pcre2_jit_stack		*jstack;	/* NULL without JIT */
	pcre2_match_data	*md;
};

/* table_new - an empty table named name, its match context set up */
static struct regtable *
table_new(const char *name)
{
	struct regtable *t = xcalloc(1, sizeof(*t));

	t->name = xstrdup(name);
	if ((t->mctx = pcre2_match_context_create(NULL)) == NULL)
		log_fatal("%s: out of memory", __func__);
	pcre2_set_match_limit(t->mctx, REGTABLE_MATCH_LIMIT);
	pcre2_set_depth_limit(t->mctx, REGTABLE_DEPTH_LIMIT);
	pcre2_set_heap_limit(t->mctx, REGTABLE_HEAP_LIMIT);
	/* the default 32 KiB JIT stack is too small for long headers */
	t->jstack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (t->jstack != NULL)
		pcre2_jit_stack_assign(t->mctx, NULL, t->jstack);
	return t;
}

/* regtable_free - release a table and everything it holds */
void
regtable_free(struct regtable *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrules; i++) {
		pcre2_code_free(t->rules[i].code);
		xfree(t->rules[i].result);
	}
	xfree(t->rules);
	pcre2_match_data_free(t->md);
	pcre2_jit_stack_free(t->jstack);
	pcre2_match_context_free(t->mctx);
	xfree(t->name);
	xfree(t);
}

/* add_rule - append a copy of r to the table */
static void
add_rule(struct regtable *t, const struct rule *r)
{
	if (t->nrules == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->rules = xreallocarray(t->rules, t->cap, sizeof(*t->rules));
	}
	t->rules[t->nrules++] = *r;
}

/* expand - add res to out, $n from ov (npairs valid); check if out NULL */
static const char *
expand(const char *res, uint32_t ncap, const char *subj,
    const PCRE2_SIZE *ov, int npairs, struct buf *out)
{
	const char *p = res, *q;
	unsigned long n;

	while ((q = strchr(p, '$')) != NULL) {
		if (out != NULL)
			buf_add(out, p, (size_t)(q - p));
		p = q + 1;
		if (*p == '$') {
			if (out != NULL)
				buf_addc(out, '$');
			p++;
			continue;
		}
		if (isdigit((unsigned char)*p)) {
			n = (unsigned long)(*p++ - '0');
		} else if (*p == '{' && isdigit((unsigned char)p[1])) {
			for (n = 0, p++; isdigit((unsigned char)*p); p++)
				if ((n = n * 10 + (unsigned long)(*p - '0')) >
				    65535)
					return "group number too large";
			if (*p++ != '}')
				return "missing '}' after ${";
		} else
			return "'$' not followed by a group number "
			    "(write $$ for a dollar)";
		if (n < 1 || n > ncap)
			return "$ refers to a group the pattern does not have";
		if (out != NULL && (int)n < npairs &&
		    ov[2 * n] != PCRE2_UNSET)
			buf_add(out, subj + ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
	}
	if (out != NULL)
		buf_adds(out, p);
	return NULL;
}

/* parse_pattern - [!]/pattern/flags at *pp into r; -1 with err */
static int
parse_pattern(struct regtable *t, const char **pp, int lineno,
    struct rule *r, struct buf *err)
{
	const char *p = *pp, *pat;
	uint32_t opts = PCRE2_CASELESS | PCRE2_NEVER_UTF, ncap;
	char msg[256];		/* PCRE2's own message, not input data */
	PCRE2_SIZE patlen, off;
	int code, delim;

	if (*p == '!') {
		r->negate = 1;
		for (p++; isspace((unsigned char)*p); p++)
			;
	}
	delim = (unsigned char)*p;
	if (delim == '\0' || isspace(delim) || isalnum(delim) ||
	    delim == '\\') {
		buf_addf(err, "%s:%d: expected /pattern/ at \"%.40s\"",
		    t->name, lineno, p);
		return -1;
	}
	for (pat = ++p; *p != '\0' && *p != delim; p++)
		if (*p == '\\' && p[1] != '\0')
			p++;
	if (*p != delim) {
		buf_addf(err, "%s:%d: missing closing '%c' after pattern",
		    t->name, lineno, delim);
		return -1;
	}
	patlen = (PCRE2_SIZE)(p - pat);
	for (p++; *p != '\0' && !isspace((unsigned char)*p); p++) {
		switch (*p) {
		case 'i':
			opts ^= PCRE2_CASELESS;
			break;
		case 'm':
			opts ^= PCRE2_MULTILINE;
			break;
		case 'x':
			opts ^= PCRE2_EXTENDED;
			break;
		default:
			buf_addf(err, "%s:%d: unknown flag '%c' after pattern "
			    "(flags are i, m, x; a blank goes before the "
			    "result)", t->name, lineno, *p);
			return -1;
		}
	}
	r->code = pcre2_compile((PCRE2_SPTR)pat, patlen, opts, &code, &off,
	    NULL);
	if (r->code == NULL) {
		if (pcre2_get_error_message(code, (PCRE2_UCHAR *)msg,
		    sizeof(msg)) < 0)
			strlcpy(msg, "unknown error", sizeof(msg));
		buf_addf(err, "%s:%d: bad regular expression %c%.*s%c: %s "
		    "at offset %zu", t->name, lineno, delim, (int)patlen, pat,
		    delim, msg, (size_t)off);
		return -1;
	}
	/* no JIT (not built in, no executable memory): interpret instead */
	(void)pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);
	if (pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &ncap) == 0 &&
	    ncap > t->maxcap)
		t->maxcap = ncap;
	while (isspace((unsigned char)*p))
		p++;
	*pp = p;
	return 0;
}

/* is_keyword - whether p starts with the word kw (any case) */
static int
is_keyword(const char *p, const char *kw)
{
	size_t n = strlen(kw);

	return strncasecmp(p, kw, n) == 0 && !isalnum((unsigned char)p[n]);
}

/* add_line - parse one logical line; -1 with err */
static int
add_line(struct regtable *t, const char *line, int lineno,
    size_t **ifs, size_t *nifs, struct buf *err)
{
	struct rule r;
	const char *p = line, *why;
	uint32_t ncap = 0;

	memset(&r, 0, sizeof(r));
	r.lineno = lineno;
	if (is_keyword(p, "endif")) {
		for (p += 5; isspace((unsigned char)*p); p++)
			;
		if (*p != '\0') {
			buf_addf(err, "%s:%d: text after endif", t->name,
			    lineno);
			return -1;
		}
		if (*nifs == 0) {
			buf_addf(err, "%s:%d: endif without if", t->name,
			    lineno);
			return -1;
		}
		t->rules[(*ifs)[--*nifs]].endif = t->nrules;
		r.op = RULE_ENDIF;
		add_rule(t, &r);
		return 0;
	}
	if (is_keyword(p, "if")) {
		for (p += 2; isspace((unsigned char)*p); p++)
			;
		r.op = RULE_IF;
		if (parse_pattern(t, &p, lineno, &r, err) < 0)
			return -1;
		if (*p != '\0') {
			buf_addf(err, "%s:%d: text after the if pattern: "
			    "\"%.40s\"", t->name, lineno, p);
			pcre2_code_free(r.code);
			return -1;
		}
		*ifs = xreallocarray(*ifs, *nifs + 1, sizeof(**ifs));
		(*ifs)[(*nifs)++] = t->nrules;
		add_rule(t, &r);
		return 0;
	}
	r.op = RULE_MATCH;
	if (parse_pattern(t, &p, lineno, &r, err) < 0)
		return -1;
	if (*p == '\0') {
		buf_addf(err, "%s:%d: missing result after pattern", t->name,
		    lineno);
		pcre2_code_free(r.code);
		return -1;
	}
	(void)pcre2_pattern_info(r.code, PCRE2_INFO_CAPTURECOUNT, &ncap);
	/* a negated pattern matched nothing: there are no groups */
	if (r.negate && ncap > 0 &&
	    expand(p, 0, NULL, NULL, 0, NULL) != NULL &&
	    expand(p, ncap, NULL, NULL, 0, NULL) == NULL) {
		buf_addf(err, "%s:%d: $n in the result of a negated pattern",
		    t->name, lineno);
		pcre2_code_free(r.code);
		return -1;
	}
	if ((why = expand(p, r.negate ? 0 : ncap, NULL, NULL, 0, NULL)) !=
	    NULL) {
		buf_addf(err, "%s:%d: bad result \"%.60s\": %s", t->name,
		    lineno, p, why);
		pcre2_code_free(r.code);
		return -1;
	}
	r.result = xstrdup(p);
	add_rule(t, &r);
	return 0;
}

/* parse - build a table from len bytes of text; NULL with err */
static struct regtable *
parse(const char *text, size_t len, const char *name, struct buf *err)
{
	struct regtable *t = table_new(name);
	struct buf logical = BUF_INIT;
	const char *p = text, *end = text + len, *s, *b, *e, *nl;
	size_t *ifs = NULL, nifs = 0;
	int lineno = 0, start = 0, rc = 0, eof;

	for (;;) {
		eof = p >= end;
		s = b = e = p;
		if (!eof) {
			nl = memchr(p, '\n', (size_t)(end - p));
			e = nl ? nl : end;
			p = nl ? nl + 1 : end;
			lineno++;
			if (memchr(s, '\0', (size_t)(e - s)) != NULL) {
				buf_addf(err, "%s:%d: NUL byte in line", name,
				    lineno);
				rc = -1;
				break;
			}
			while (b < e && isspace((unsigned char)*b))
				b++;
			if (b < e && *b == '#')
				continue;
			/* white space first, then something: continuation */
			if (b > s && b < e) {
				if (logical.len == 0) {
					buf_addf(err, "%s:%d: continuation "
					    "line without a rule before it",
					    name, lineno);
					rc = -1;
					break;
				}
				buf_add(&logical, s, (size_t)(e - s));
				continue;
			}
		}
		if (logical.len) {
			while (logical.len > 0 &&
			    isspace((unsigned char)logical.data[logical.len - 1]))
				buf_trunc(&logical, logical.len - 1);
			rc = add_line(t, buf_str(&logical), start, &ifs, &nifs,
			    err);
			buf_reset(&logical);
			if (rc < 0)
				break;
		}
		if (eof)
			break;
		if (b < e) {
			buf_add(&logical, s, (size_t)(e - s));
			start = lineno;
		}
	}
	if (rc == 0 && nifs > 0) {
		buf_addf(err, "%s:%d: if without endif (at end of file)", name,
		    t->rules[ifs[nifs - 1]].lineno);
		rc = -1;
	}
	xfree(ifs);
	buf_free(&logical);
	if (rc < 0) {
		regtable_free(t);
		return NULL;
	}
	if ((t->md = pcre2_match_data_create(t->maxcap + 1, NULL)) == NULL)
		log_fatal("%s: out of memory", __func__);
	return t;
}

/* regtable_parse - build a table from the text of one, named name */
struct regtable *
regtable_parse(const char *text, const char *name, struct buf *err)
{
	return parse(text, strlen(text), name, err);
}

/* regtable_open - read and build the table in path; NULL with err */
struct regtable *
regtable_open(const char *path, struct buf *err)
{
	struct regtable *t;
	struct buf text = BUF_INIT;
	char chunk[8192];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		buf_addf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_addf(err, "%s: read: %s", path, strerror(errno));
			close(fd);
			buf_free(&text);
			return NULL;
		}
		buf_add(&text, chunk, (size_t)n);
	}
	close(fd);
	t = parse(buf_str(&text), text.len, path, err);
	buf_free(&text);
	return t;
}

/* give_up - log, once per rule, that a pattern failed on a subject */
static void
give_up(const struct regtable *t, struct rule *r, int rc, size_t len)
{
	char msg[256];		/* PCRE2's own message, not input data */

	if (r->warned)
		return;
	r->warned = 1;
	if (pcre2_get_error_message(rc, (PCRE2_UCHAR *)msg, sizeof(msg)) < 0)
		strlcpy(msg, "unknown error", sizeof(msg));
	log_warn("%s:%d: pattern gave up on a %zu-byte subject: %s "
	    "(lookup fails; logged once for this rule)", t->name, r->lineno,
	    len, msg);
}

/*
 * regtable_lookup - first rule matching subject: 1 and result replaced
 * by its expanded text, 0 none, -1 a pattern hit its limit (result
 * untouched)
 */
int
regtable_lookup(const struct regtable *t, const char *subject, size_t len,
    struct buf *result)
{
	const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(t->md);
	struct rule *r;
	size_t i;
	int rc, hit;

	if (subject == NULL)
		subject = "";
	for (i = 0; i < t->nrules; i++) {
		r = &t->rules[i];
		if (r->op == RULE_ENDIF)
			continue;
		rc = pcre2_match(r->code, (PCRE2_SPTR)subject, len, 0, 0,
		    t->md, t->mctx);
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
			give_up(t, r, rc, len);
			return -1;
		}
		hit = (rc >= 0) != r->negate;
		if (r->op == RULE_IF) {
			if (!hit)
				i = r->endif;
			continue;
		}
		if (!hit)
			continue;
		buf_reset(result);
		(void)expand(r->result, t->maxcap, subject, ov,
		    r->negate ? 0 : rc, result);
		return 1;
	}
	return 0;
}

/*
 * regtable_action - split "REJECT some text" into the action word,
 * upper-cased into word[len], and *text (the rest, blanks skipped);
 * -1 if the word is empty or does not fit
 */
int
regtable_action(const char *result, char *word, size_t len,
    const char **text)
{
	const char *p = result;
	size_t n = 0, k;

	while (isspace((unsigned char)*p))
		p++;
	while (p[n] != '\0' && !isspace((unsigned char)p[n]))
		n++;
	if (len > 0)
		word[0] = '\0';
	*text = result;
	if (n == 0 || n >= len)
		return -1;
	for (k = 0; k < n; k++)
		word[k] = (char)toupper((unsigned char)p[k]);
	word[n] = '\0';
	for (p += n; isspace((unsigned char)*p); p++)
		;
	*text = p;
	return 0;
}
