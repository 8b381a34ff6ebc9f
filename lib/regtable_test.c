/*
 * regtable_test.c - unit tests of regtable.c: the tutorial's banned
 * attachment rules, case, negation, nested if/endif, $n expansion,
 * other delimiters, continuation lines, comments, every parse error
 * with its file:line, a catastrophic-backtracking pattern that must
 * give up fast, an empty table, a table read from a file, and
 * regtable_action.  Inputs: none (self-contained; one temporary file).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"
#include "regtable.h"
#include "test.h"

static const char tutorial[] =
    "# banned attachments\n"
    "/filename=\"?.*\\.(bat|com|pif|vb|exe|lnk|scr)/ REJECT Extension de "
    "fichier joint refusée.\n"
    "/^Content-(Disposition|Type):.*name=\"?.*\\.(exe|scr)\"?$/ REJECT\n"
    "\n"
    "if /^Content-Type:/\n"
    "!/charset=utf-8/ WARN not utf-8\n"
    "endif\n";

static const char features[] =
    "/^Subject: (.*)/ REJECT subject was $1\n"
    "/^X-Dollar: (a)(b)?/ OK $$${1}$2.\n"
    "%^X-Hash: (\\%|#)%  HASH got [$1]\n"
    "#^X-Comment:# a '#' delimiter starts a comment, as in Postfix\n"
    "   # an indented comment\n"
    "|^X-Case: abc|i CASE sensitive\n"
    "/^X-Long:/ HOLD a result\n"
    "  continued on the next line\n"
    "/^X-Multi:.*\\n^second$/m MULTI\n"
    "/^X-Ext:\\ a b c/x EXT\n"
    "if /^X-Outer:/\n"
    "if !/inner/\n"
    "/./ NOINNER\n"
    "endif\n"
    "/./ INNER\n"
    "endif\n"
    "/^X-After:/ AFTER\n";

struct lookup_case {
	const char	*table;
	const char	*subject;
	int		 rc;
	const char	*result;	/* when rc is 1 */
};

static const struct lookup_case lookups[] = {
	{ tutorial, "Content-Disposition: attachment; "
	    "filename=\"invoice.pdf.exe\"", 1,
	    "REJECT Extension de fichier joint refusée." },
	{ tutorial, "Content-Disposition: attachment; filename=\"report.pdf\"",
	    0, NULL },
	{ tutorial, "Content-Disposition: attachment; FILENAME=\"X.EXE\"", 1,
	    "REJECT Extension de fichier joint refusée." },
	{ tutorial, "Content-Type: application/octet-stream; name=\"a.scr\"",
	    1, "REJECT" },
	{ tutorial, "Content-Type: text/plain; charset=iso-8859-1", 1,
	    "WARN not utf-8" },
	{ tutorial, "Content-Type: text/plain; charset=UTF-8", 0, NULL },
	{ tutorial, "Subject: charset=latin1", 0, NULL },
	{ tutorial, "", 0, NULL },
	{ features, "Subject: buy now", 1, "REJECT subject was buy now" },
	{ features, "subject: lower", 1, "REJECT subject was lower" },
	{ features, "Subject: ", 1, "REJECT subject was " },
	{ features, "X-Dollar: ab", 1, "OK $ab." },
	{ features, "X-Dollar: a", 1, "OK $a." },
	{ features, "X-Hash: #", 1, "HASH got [#]" },
	{ features, "X-Hash: %", 1, "HASH got [%]" },
	{ features, "X-Comment: x", 0, NULL },
	{ "!#x# NOTX\n", "y", 1, "NOTX" },
	{ features, "X-Case: abc", 1, "CASE sensitive" },
	{ features, "X-Case: ABC", 0, NULL },
	{ features, "X-Long: 1", 1, "HOLD a result  continued on the next line" },
	{ features, "X-Multi: first\nsecond", 1, "MULTI" },
	{ features, "X-Ext: abc", 1, "EXT" },
	{ features, "X-Ext: a b c", 0, NULL },
	{ features, "X-Outer: x", 1, "NOINNER" },
	{ features, "X-Outer: inner", 1, "INNER" },
	{ features, "X-After: x", 1, "AFTER" },
	{ features, "X-None: x", 0, NULL },
	{ "", "anything", 0, NULL },
	{ "# only a comment\n\n", "anything", 0, NULL },
	{ "/a\\/b/ SLASH\n", "a/b", 1, "SLASH" },
	{ "!/x/ NOX\n", "abc", 1, "NOX" },
	{ "!/x/ NOX\n", "axc", 0, NULL },
	{ "IF /a/\n/b/ AB\nENDIF\n", "ab", 1, "AB" },
	{ "if /a/\n/b/ AB\nendif\n/b/ B\n", "b", 1, "B" },
	{ "/^(a)|(b)$/ [$1][$2]\n", "b", 1, "[][b]" },
	{ "/x/ last line without newline", "x", 1,
	    "last line without newline" },
	{ "/^b$/ B\n", "a\nb", 0, NULL },
	{ "/^b$/m B\n", "a\nb", 1, "B" },
	{ "/x/ crlf\r\n", "x", 1, "crlf" },
};

struct error_case {
	const char	*table;
	const char	*err;		/* prefix of the message */
};

static const struct error_case errors[] = {
	{ "# c\n/(/ REJECT\n", "t:2: bad regular expression /(/: missing "
	    "closing parenthesis at offset 1" },
	{ "/x/\n", "t:1: missing result" },
	{ "/x/   \n", "t:1: missing result" },
	{ "/a/ A\n\nendif\n", "t:3: endif without if" },
	{ "/a/ A\nif /b/\nif /c/\nendif\n/d/ D\n", "t:2: if without endif" },
	{ "/x/q REJECT\n", "t:1: unknown flag 'q'" },
	{ "/x/REJECT\n", "t:1: unknown flag 'R'" },
	{ "/x REJECT\n", "t:1: missing closing '/'" },
	{ "x/ REJECT\n", "t:1: expected /pattern/" },
	{ "  /x/ A\n", "t:1: continuation line without a rule" },
	{ "/x/ A\n\n  B\n", "t:3: continuation line without a rule" },
	{ "/(x)/ A $2\n", "t:1: bad result" },
	{ "/x/ A $0\n", "t:1: bad result" },
	{ "/x/ costs $5\n", "t:1: bad result" },
	{ "/x/ A $name\n", "t:1: bad result" },
	{ "/(x)/ A ${1\n", "t:1: bad result" },
	{ "!/(x)/ A $1\n", "t:1: $n in the result of a negated" },
	{ "if /x/ A\nendif\n", "t:1: text after the if pattern" },
	{ "if /x/\nendif x\n", "t:2: text after endif" },
	{ "/x/ A\n/(*UTF)x/ B\n", "t:2: bad regular expression" },
	{ "/a/ A\n  \n/b/\n", "t:3: missing result" },
	{ "/a/ A\n/b/ B\n  more\n/c/\n", "t:4: missing result" },
};

/* test_lookups - each table/subject pair gives its rc and result */
static void
test_lookups(void)
{
	struct buf err = BUF_INIT, res = BUF_INIT;
	struct regtable *t;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		buf_reset(&err);
		t = regtable_parse(lookups[i].table, "t", &err);
		TEST_OK(t != NULL, "lookup %zu: table parses%s%s", i,
		    err.len ? ": " : "", buf_str(&err));
		if (t == NULL)
			continue;
		buf_reset(&res);
		buf_adds(&res, "untouched");
		rc = regtable_lookup(t, lookups[i].subject,
		    strlen(lookups[i].subject), &res);
		TEST_IS_INT(rc, lookups[i].rc, "lookup %zu: \"%.30s\" rc",
		    i, lookups[i].subject);
		TEST_IS_STR(buf_str(&res), lookups[i].rc == 1 ?
		    lookups[i].result : "untouched",
		    "lookup %zu: result", i);
		regtable_free(t);
	}
	buf_free(&err);
	buf_free(&res);
}

/* test_errors - each bad table is refused with file:line and reason */
static void
test_errors(void)
{
	struct buf err = BUF_INIT;
	struct regtable *t;
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		buf_reset(&err);
		t = regtable_parse(errors[i].table, "t", &err);
		TEST_OK(t == NULL, "error %zu: table refused", i);
		TEST_OK(strncmp(buf_str(&err), errors[i].err,
		    strlen(errors[i].err)) == 0, "error %zu: \"%s\"", i,
		    buf_str(&err));
		regtable_free(t);
	}
	buf_free(&err);
}

/* test_backtrack - a catastrophic pattern gives up (-1) quickly */
static void
test_backtrack(void)
{
	struct buf err = BUF_INIT, res = BUF_INIT, subj = BUF_INIT;
	struct regtable *t;
	struct timespec a, b;
	double secs;
	int i, rc;

	t = regtable_parse("/(a+)+$/ REJECT\n/./ LATER\n", "t", &err);
	TEST_OK(t != NULL, "backtrack table parses");
	if (t == NULL)
		return;
	for (i = 0; i < 50000; i++)
		buf_addc(&subj, 'a');
	buf_addc(&subj, '!');
	buf_adds(&res, "untouched");
	log_set_stderr(0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = regtable_lookup(t, subj.data, subj.len, &res);
	/* a second time: same answer, logged only once */
	(void)regtable_lookup(t, subj.data, subj.len, &res);
	clock_gettime(CLOCK_MONOTONIC, &b);
	log_set_stderr(1);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	TEST_IS_INT(rc, -1, "(a+)+$ against 50000 a's and '!' gives up");
	TEST_IS_STR(buf_str(&res), "untouched", "result untouched on -1");
	TEST_OK(secs < 1.0, "gave up in %.3f s (< 1 s, two lookups)", secs);
	rc = regtable_lookup(t, "aaa", 3, &res);
	TEST_IS_INT(rc, 1, "the same table still matches a short subject");
	TEST_IS_STR(buf_str(&res), "REJECT", "and gives its result");
	regtable_free(t);
	buf_free(&err);
	buf_free(&res);
	buf_free(&subj);
}

/* test_binary - a subject is len bytes, NULs included */
static void
test_binary(void)
{
	struct buf err = BUF_INIT, res = BUF_INIT;
	struct regtable *t;

	t = regtable_parse("/a\\x00b/ NUL\n/\\xff/ HIGH\n", "t", &err);
	TEST_OK(t != NULL, "binary table parses");
	if (t == NULL)
		return;
	TEST_IS_INT(regtable_lookup(t, "xa\0b", 4, &res), 1, "NUL in subject");
	TEST_IS_INT(regtable_lookup(t, "xa\0b", 2, &res), 0,
	    "len, not strlen, bounds the subject");
	TEST_IS_INT(regtable_lookup(t, "\xff\xfe", 2, &res), 1,
	    "bad UTF-8 is just bytes");
	TEST_IS_INT(regtable_lookup(t, NULL, 0, &res), 0, "NULL, 0 subject");
	regtable_free(t);
	buf_free(&err);
	buf_free(&res);
}

/* test_open - a table from a file; a missing file; NUL in a file */
static void
test_open(void)
{
	char path[] = "/tmp/regtable_test.XXXXXX";
	struct buf err = BUF_INIT, res = BUF_INIT;
	struct regtable *t;
	int fd;

	fd = mkstemp(path);
	TEST_OK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	TEST_OK(write(fd, tutorial, sizeof(tutorial) - 1) ==
	    (ssize_t)sizeof(tutorial) - 1, "write table");
	t = regtable_open(path, &err);
	TEST_OK(t != NULL, "regtable_open: %s", buf_str(&err));
	if (t != NULL)
		TEST_IS_INT(regtable_lookup(t, "filename=a.exe", 14, &res), 1,
		    "file table matches");
	regtable_free(t);
	TEST_OK(write(fd, "/x/ A\n/y/ B\0\n", 13) == 13, "append a NUL");
	buf_reset(&err);
	t = regtable_open(path, &err);
	buf_reset(&res);
	buf_addf(&res, "%s:9: NUL byte in line", path);
	TEST_OK(t == NULL && strcmp(buf_str(&err), buf_str(&res)) == 0,
	    "NUL refused: %s", buf_str(&err));
	regtable_free(t);
	close(fd);
	unlink(path);
	buf_reset(&err);
	t = regtable_open(path, &err);
	buf_reset(&res);
	buf_addf(&res, "%s: No such file or directory", path);
	TEST_IS_STR(buf_str(&err), buf_str(&res), "missing file");
	TEST_OK(t == NULL, "missing file: NULL");
	buf_free(&err);
	buf_free(&res);
}

/* test_action - split a result into action word and text */
static void
test_action(void)
{
	char word[16];
	const char *text;

	TEST_IS_INT(regtable_action("reject Extension refusée.", word,
	    sizeof(word), &text), 0, "action: ok");
	TEST_IS_STR(word, "REJECT", "action: word upper-cased");
	TEST_IS_STR(text, "Extension refusée.", "action: text");
	TEST_IS_INT(regtable_action("DISCARD", word, sizeof(word), &text), 0,
	    "action alone");
	TEST_IS_STR(word, "DISCARD", "action alone: word");
	TEST_IS_STR(text, "", "action alone: empty text");
	TEST_IS_INT(regtable_action("  ", word, sizeof(word), &text), -1,
	    "empty action");
	TEST_IS_STR(word, "", "empty action: word empty");
	TEST_IS_INT(regtable_action("ABCDEFGHIJKLMNOPQRSTUVWXYZ x", word,
	    sizeof(word), &text), -1, "action too long for word");
	TEST_IS_INT(regtable_action("OK", word, 3, &text), 0,
	    "action fits exactly");
	TEST_IS_INT(regtable_action("OK", word, 2, &text), -1,
	    "action one byte short");
}

int
main(void)
{
	test_lookups();
	test_errors();
	test_backtrack();
	test_binary();
	test_open();
	test_action();
	TEST_DONE();
}
