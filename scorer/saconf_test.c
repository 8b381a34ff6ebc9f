/*
 * saconf_test.c - unit tests of saconf.c and meta.c: meta expressions
 * (precedence, Perl's values for && and ||, comparisons, arithmetic,
 * missing rules, syntax errors, nesting bounds), every rule type and
 * regex form, header modifiers and special names, score/describe/
 * tflags/priority and their override order, if/ifplugin/else nesting,
 * lang lines, include and directory order, options, welcome/block
 * lists with globs, ReplaceTags, bad regexes, unknown directives; then the stock
 * rules of /usr/share/spamassassin when installed (load time and
 * counts as TAP diagnostics).  Inputs: inline text and files written
 * to a temporary directory; the stock rules are read only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "meta.h"
#include "saconf.h"
#include "test.h"

#define STOCK	"/usr/share/spamassassin"

/* value of reference i in the tests: vals[i] */
static double
val_of(void *arg, int i)
{
	return ((double *)arg)[i];
}

/* meval - parse expr, bind names A..E to indexes 0..4, evaluate */
static double
meval(const char *expr, double a, double b, double c)
{
	double vals[5] = { a, b, c, 0, 0 };
	struct meta *m;
	char err[100];
	size_t i;
	double v;

	if ((m = meta_parse(expr, err, sizeof(err))) == NULL) {
		printf("# parse error for \"%s\": %s\n", expr, err);
		return -999;
	}
	for (i = 0; i < meta_nrefs(m); i++) {
		const char *n = meta_ref(m, i);

		meta_bind(m, i, strlen(n) == 1 && *n >= 'A' && *n <= 'E' ?
		    *n - 'A' : -1);
	}
	v = meta_eval(m, val_of, vals);
	meta_free(m);
	return v;
}

/* meta_bad - expr is refused with a message */
static int
meta_bad(const char *expr)
{
	struct meta *m;
	char err[100] = "";

	if ((m = meta_parse(expr, err, sizeof(err))) != NULL) {
		meta_free(m);
		return 0;
	}
	return err[0] != '\0';
}

/* test_meta - the expression compiler and evaluator */
static void
test_meta(void)
{
	struct buf b = BUF_INIT;
	struct meta *m;
	char err[100];
	int i;

	TEST_OK(meval("A && B", 1, 0, 0) == 0, "&& false");
	TEST_OK(meval("A && B", 1, 1, 0) == 1, "&& true");
	TEST_OK(meval("A && B", 2, 3, 0) == 3, "&& gives the right value");
	TEST_OK(meval("A || B", 0, 3, 0) == 3, "|| gives the true value");
	TEST_OK(meval("A || B", 2, 3, 0) == 2, "|| gives the first true");
	TEST_OK(meval("!A", 0, 0, 0) == 1 && meval("!A", 4, 0, 0) == 0,
	    "! gives 1 or 0");
	TEST_OK(meval("!A && !B", 0, 0, 0) == 1, "! binds tighter than &&");
	TEST_OK(meval("A || B && C", 1, 0, 0) == 1,
	    "&& binds tighter than ||");
	TEST_OK(meval("(A || B) && C", 1, 0, 0) == 0, "parentheses group");
	TEST_OK(meval("(A + B + C) > 1", 1, 0, 1) == 1, "count > 1");
	TEST_OK(meval("(A + B + C) > 1", 1, 0, 0) == 0, "count > 1 false");
	TEST_OK(meval("A+B+C>=2", 1, 1, 0) == 1, "no spaces");
	TEST_OK(meval("1 + 2 * 3", 0, 0, 0) == 7, "* before +");
	TEST_OK(meval("10 - 4 - 3", 0, 0, 0) == 3, "- is left-associative");
	TEST_OK(meval("12 / 4 / 3", 0, 0, 0) == 1, "/ is left-associative");
	TEST_OK(meval("A * 2 - B >= 0.5", 1, 1, 0) == 1, "decimal constant");
	TEST_OK(meval(".5 + A", 1, 0, 0) == 1.5, "leading-dot decimal");
	TEST_OK(meval("-A + 3", 1, 0, 0) == 2, "unary minus");
	TEST_OK(meval("!A + 1", 0, 0, 0) == 2, "! before +");
	TEST_OK(meval("A == 1 && B != 1", 1, 0, 0) == 1, "== and !=");
	TEST_OK(meval("A < B", 1, 2, 0) == 1 && meval("A <= B", 2, 2, 0) == 1
	    && meval("A > B", 1, 2, 0) == 0, "< <= >");
	TEST_OK(meval("A / B", 1, 0, 0) == 0, "division by zero is 0");
	TEST_OK(meval("A + NOSUCH", 1, 0, 0) == 1, "unbound rule is 0");
	TEST_OK(meval("!NOSUCH", 0, 0, 0) == 1, "!unbound is 1");
	TEST_OK(meval("  ( ( A ) )  ", 5, 0, 0) == 5, "nested parentheses");
	TEST_OK(meta_bad("A &&"), "refused: missing operand");
	TEST_OK(meta_bad("(A || B"), "refused: missing )");
	TEST_OK(meta_bad("A B"), "refused: two operands");
	TEST_OK(meta_bad(""), "refused: empty");
	TEST_OK(meta_bad("A $ B"), "refused: unknown character");
	TEST_OK(meta_bad("A )"), "refused: stray )");
	TEST_OK(meta_bad("frob(FOO_*)"), "refused: a function");
	TEST_OK(meta_bad("rules_matching FOO") &&
	    meta_bad("rules_matching(FOO") && meta_bad("rules_matching()"),
	    "refused: malformed rules_matching");
	m = meta_parse("rules_matching(F?O_*) > 1 && A", err, sizeof(err));
	TEST_OK(m && meta_nrefs(m) == 2 && meta_is_glob(m, 0) &&
	    !strcmp(meta_ref(m, 0), "F?O_*") && !meta_is_glob(m, 1),
	    "rules_matching(GLOB) is a glob reference");
	if (m) {
		static const int l[] = { 0, 1, 2 };
		double vals[3] = { 1, 0, 2 };

		meta_bind(m, 1, 1);
		TEST_OK(meta_eval(m, val_of, vals) == 0, "unbound glob is 0");
		meta_bind_glob(m, 0, l, 3);
		vals[1] = 1;
		TEST_OK(meta_eval(m, val_of, vals) == 1, "glob sums its rules");
	}
	meta_free(m);
	for (i = 0; i < 300; i++)
		buf_addc(&b, '(');
	buf_adds(&b, "A");
	for (i = 0; i < 300; i++)
		buf_addc(&b, ')');
	TEST_OK(meta_bad(buf_str(&b)), "refused: nested 300 deep");
	buf_reset(&b);
	buf_adds(&b, "A");
	for (i = 0; i < 5000; i++)
		buf_adds(&b, " + A");
	TEST_OK(meval(buf_str(&b), 1, 0, 0) == 5001, "5001 terms");
	buf_reset(&b);
	for (i = 0; i < 200; i++)
		buf_adds(&b, "A + (");
	buf_adds(&b, "A");
	for (i = 0; i < 200; i++)
		buf_adds(&b, ")");
	TEST_OK(meta_bad(buf_str(&b)), "refused: needs a deep stack");
	buf_free(&b);
	m = meta_parse("A + A + B_2 && A", err, sizeof(err));
	TEST_OK(m && meta_nrefs(m) == 2 && !strcmp(meta_ref(m, 1), "B_2") &&
	    meta_bound(m, 0) == -1, "references are deduplicated, unbound");
	meta_free(m);
}

/* load - a finished set from inline text */
static struct saconf *
load(const struct saconf_opts *o, const char *text)
{
	struct saconf *c = saconf_new(o);

	saconf_load_string(c, "inline.cf", text);
	saconf_finish(c);
	return c;
}

/* matches - the rule's compiled pattern matches s */
static int
matches(const struct saconf_rule *r, const char *s)
{
	pcre2_match_data *md;
	int rc;

	if (r == NULL || r->code == NULL)
		return -1;
	md = pcre2_match_data_create_from_pattern(r->code, NULL);
	rc = pcre2_match(r->code, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc > 0;
}

/* test_rules - every rule type and regex form */
static void
test_rules(void)
{
	static const char cf[] =
	    "# comment line\n"
	    "header   H_SUBJ   Subject =~ /\\bviagra\\b/i  # trailing\n"
	    "header H_NEG From !~ /\\@example\\.com$/\n"
	    "header H_EXISTS exists:X-Mailer\n"
	    "header H_RAW Subject:raw =~ /=\\?utf-8\\?/i\n"
	    "header H_ADDR From:addr =~ m{^joe\\@}\n"
	    "header H_NAME From:name=~/^Joe/\n"
	    "header H_ALL ALL =~ /^X-Foo:/m\n"
	    "header H_TOCC ToCc =~ /undisclosed/i\n"
	    "header H_MSGID MESSAGEID =~ /\\@localhost>/\n"
	    "header H_UNSET X-Bar =~ /^$/ [if-unset: UNSET]\n"
	    "header H_EVAL eval:check_for_missing_to_header()\n"
	    "header H_EVAL2 eval:check_header_count_range('To','1','5')\n"
	    "header H_BADMOD From:frob =~ /x/\n"
	    "body B_SIMPLE /hello world/i\n"
	    "body B_HASH /a\\#b/\n"
	    "body B_EVAL eval:check_body_length('100')\n"
	    "rawbody R_BRACE m{<a\\s+href=\"x{2}\"}i\n"
	    "full F_BANG m!^Received:.*foo!ms\n"
	    "uri U_COMMA m,^https?://[^/]*\\.example/,x\n"
	    "uri U_SEMI m;^https?://.{10,128}\\;;i\n"
	    "mimeheader M_CT Content-Type =~ /application\\/x-msdownload/\n"
	    "meta M_ONE H_SUBJ && !H_NEG\n"
	    "meta M_SUM (H_SUBJ + B_SIMPLE + NOT_THERE) > 1\n"
	    "meta M_SELF M_SELF || H_SUBJ\n"
	    "meta M_LOOP1 M_LOOP2 && H_SUBJ\n"
	    "meta M_LOOP2 M_LOOP1\n"
	    "meta M_BAD (H_SUBJ\n"
	    "meta M_GLOB rules_matching(H_?E*) + rules_matching(M_GLO*)\n"
	    "meta M_GLOOP rules_matching(M_GLOB)\n"
	    "body BAD_RE /(unclosed/\n"
	    "body BAD_WIDE /\\x{263a}/\n"
	    "uri BAD_TAG m|^https?://x/%{GB_TO_ADDR}|i\n"
	    "body BAD_FLAGS /x/q\n"
	    "body BAD_DELIM hello\n"
	    "body 9BAD /x/\n"
	    "uri U_EVAL eval:foo()\n"
	    "askdns A_DNS _SENDERDOMAIN_ TXT /^v=spf1 \\+all$/\n"
	    "askdns A_BAD\n"
	    "frobnicate something\n"
	    "frobnicate again\n"
	    "freemail_domains gmail.com\n";
	struct saconf *c;
	struct saconf_rule *r;
	struct saconf_summary s;
	struct buf out = BUF_INIT;

	c = load(NULL, cf);
	saconf_summary(c, &s);

	r = saconf_rule_find(c, "H_SUBJ");
	TEST_OK(r && r->type == SA_HEADER && r->kind == SAK_REGEX &&
	    !strcmp(r->field, "Subject") && !r->negate && r->hmods == 0,
	    "header =~");
	TEST_OK(r && r->options == PCRE2_CASELESS &&
	    !strcmp(r->pcre, "\\bviagra\\b") && r->code, "i flag, compiled");
	TEST_OK(matches(r, "Buy VIAGRA now") == 1 &&
	    matches(r, "viagras") == 0, "header regex matches");
	r = saconf_rule_find(c, "H_NEG");
	TEST_OK(r && r->negate && !strcmp(r->field, "From") &&
	    matches(r, "joe@example.com") == 1, "header !~, \\@");
	r = saconf_rule_find(c, "H_EXISTS");
	TEST_OK(r && r->kind == SAK_EXISTS && !strcmp(r->field, "X-Mailer"),
	    "exists:");
	r = saconf_rule_find(c, "H_RAW");
	TEST_OK(r && r->hmods == SAH_RAW && !strcmp(r->field, "Subject"),
	    ":raw");
	r = saconf_rule_find(c, "H_ADDR");
	TEST_OK(r && r->hmods == SAH_ADDR && !strcmp(r->pcre, "^joe\\@") &&
	    matches(r, "joe@x") == 1, ":addr with m{}");
	r = saconf_rule_find(c, "H_NAME");
	TEST_OK(r && r->hmods == SAH_NAME && !strcmp(r->field, "From") &&
	    !strcmp(r->pcre, "^Joe"), ":name and =~ without spaces");
	r = saconf_rule_find(c, "H_ALL");
	TEST_OK(r && !strcmp(r->field, "ALL") &&
	    r->options == PCRE2_MULTILINE &&
	    matches(r, "A: b\nX-Foo: y") == 1, "ALL with m flag");
	r = saconf_rule_find(c, "H_TOCC");
	TEST_OK(r && !strcmp(r->field, "ToCc"), "ToCc");
	r = saconf_rule_find(c, "H_MSGID");
	TEST_OK(r && !strcmp(r->field, "MESSAGEID"), "MESSAGEID");
	r = saconf_rule_find(c, "H_UNSET");
	TEST_OK(r && r->if_unset && !strcmp(r->if_unset, "UNSET") &&
	    !strcmp(r->pcre, "^$"), "[if-unset: STR]");
	r = saconf_rule_find(c, "H_EVAL");
	TEST_OK(r && r->kind == SAK_EVAL &&
	    !strcmp(r->eval_func, "check_for_missing_to_header") &&
	    !strcmp(r->eval_args, ""), "header eval, no args");
	r = saconf_rule_find(c, "H_EVAL2");
	TEST_OK(r && !strcmp(r->eval_func, "check_header_count_range") &&
	    !strcmp(r->eval_args, "'To','1','5'"), "header eval, raw args");
	r = saconf_rule_find(c, "H_BADMOD");
	TEST_OK(r && r->disabled && r->code == NULL,
	    "unknown modifier disables");
	r = saconf_rule_find(c, "B_SIMPLE");
	TEST_OK(r && r->type == SA_BODY && matches(r, "HELLO World") == 1,
	    "body /re/i");
	r = saconf_rule_find(c, "B_HASH");
	TEST_OK(r && !strcmp(r->pcre, "a#b") && matches(r, "a#b") == 1,
	    "\\# is a literal #");
	r = saconf_rule_find(c, "B_EVAL");
	TEST_OK(r && r->type == SA_BODY && r->kind == SAK_EVAL &&
	    !strcmp(r->eval_args, "'100'"), "body eval");
	r = saconf_rule_find(c, "R_BRACE");
	TEST_OK(r && r->type == SA_RAWBODY &&
	    !strcmp(r->pcre, "<a\\s+href=\"x{2}\"") &&
	    matches(r, "<A HREF=\"xx\"") == 1, "rawbody m{} with {2} inside");
	r = saconf_rule_find(c, "F_BANG");
	TEST_OK(r && r->type == SA_FULL &&
	    r->options == (PCRE2_MULTILINE | PCRE2_DOTALL) &&
	    matches(r, "X: y\nReceived: a\nb foo") == 1, "full m!!ms");
	r = saconf_rule_find(c, "U_COMMA");
	TEST_OK(r && r->type == SA_URI && r->options == PCRE2_EXTENDED &&
	    matches(r, "http://www.example/x") == 1, "uri m,,x");
	r = saconf_rule_find(c, "U_SEMI");
	TEST_OK(r && r->code && !strcmp(r->pcre, "^https?://.{10,128}\\;"),
	    "uri m;; with an escaped delimiter");
	r = saconf_rule_find(c, "M_CT");
	TEST_OK(r && r->type == SA_MIMEHEADER &&
	    !strcmp(r->field, "Content-Type") && r->code, "mimeheader");
	r = saconf_rule_find(c, "M_ONE");
	TEST_OK(r && r->type == SA_META && r->meta && !r->disabled &&
	    meta_bound(r->meta, 0) == saconf_rule_index(c, "H_SUBJ"),
	    "meta bound to rule indexes");
	r = saconf_rule_find(c, "M_SUM");
	TEST_OK(r && meta_nrefs(r->meta) == 3 && meta_bound(r->meta, 2) == -1,
	    "meta naming a missing rule");
	TEST_OK(saconf_rule_find(c, "M_SELF")->disabled != NULL,
	    "meta naming itself is disabled");
	TEST_OK(saconf_rule_find(c, "M_LOOP1")->disabled ||
	    saconf_rule_find(c, "M_LOOP2")->disabled, "meta loop disabled");
	TEST_OK(saconf_rule_find(c, "M_BAD")->disabled != NULL,
	    "bad meta disabled");
	r = saconf_rule_find(c, "M_GLOB");
	if (r && r->meta) {
		const int *l;
		size_t n;

		l = meta_glob_list(r->meta, 0, &n);
		TEST_OK(n == 1 && l[0] == saconf_rule_index(c, "H_NEG"),
		    "rules_matching binds the matching rules (case-sensitive)");
		l = meta_glob_list(r->meta, 1, &n);
		TEST_OK(n == 1 && l[0] == saconf_rule_index(c, "M_GLOOP"),
		    "rules_matching leaves out the meta itself");
	} else
		TEST_OK(0, "M_GLOB parsed");
	TEST_OK(saconf_rule_find(c, "M_GLOB")->disabled &&
	    saconf_rule_find(c, "M_GLOOP")->disabled,
	    "a loop through rules_matching is disabled");
	r = saconf_rule_find(c, "BAD_RE");
	TEST_OK(r && r->disabled && strstr(r->disabled, "PCRE2") &&
	    r->code == NULL, "bad regex disabled: %s",
	    r && r->disabled ? r->disabled : "");
	r = saconf_rule_find(c, "BAD_WIDE");
	TEST_OK(r && r->disabled, "\\x{263a} without UTF disabled: %s",
	    r && r->disabled ? r->disabled : "");
	r = saconf_rule_find(c, "BAD_TAG");
	TEST_OK(r && r->disabled && strstr(r->disabled, "%{GB_TO_ADDR}"),
	    "captured tag disabled");
	TEST_OK(saconf_rule_find(c, "BAD_FLAGS")->disabled &&
	    saconf_rule_find(c, "BAD_DELIM")->disabled,
	    "bad flags, missing delimiters disabled");
	TEST_OK(saconf_rule_find(c, "9BAD") == NULL &&
	    saconf_rule_find(c, "U_EVAL") == NULL,
	    "bad name, uri eval refused");
	r = saconf_rule_find(c, "A_DNS");
	TEST_OK(r && r->type == SA_ASKDNS && r->kind == SAK_EVAL &&
	    !strcmp(r->eval_func, "askdns") &&
	    !strcmp(r->eval_args, "_SENDERDOMAIN_ TXT /^v=spf1 \\+all$/") &&
	    saconf_rule_find(c, "A_BAD") == NULL, "askdns");
	TEST_IS_INT(s.bad_regex, 2, "two regexes refused by PCRE2");
	TEST_IS_INT(s.capture_tags, 1, "one captured tag");
	TEST_IS_INT(s.active[SA_HEADER], 12, "active header rules");
	TEST_IS_INT(s.disabled[SA_HEADER], 1, "disabled header rules");
	TEST_IS_INT(s.evals[SA_HEADER], 2, "header evals");
	TEST_IS_INT(s.active[SA_BODY], 3, "active body rules");
	TEST_IS_INT(s.disabled[SA_BODY], 4, "disabled body rules");
	TEST_IS_INT(s.active[SA_META], 2, "active metas");
	TEST_IS_INT(s.disabled[SA_META], 6, "disabled metas");
	TEST_IS_INT(s.meta_missing, 1, "metas naming a missing rule");
	TEST_IS_INT(s.unknown_directives, 2, "unknown directive lines");
	TEST_IS_INT(s.ignored_directives, 1, "known unused directives");
	TEST_OK(s.bad_lines >= 7, "malformed lines counted (%d)", s.bad_lines);
	saconf_disable(c, saconf_rule_find(c, "B_EVAL"), "eval not here");
	saconf_summary_format(c, &out);
	TEST_OK(strstr(buf_str(&out), "disabled body B_EVAL (inline.cf:17): "
	    "eval not here") != NULL, "summary lists disabled rules");
	TEST_OK(strstr(buf_str(&out), "(frobnicate)") != NULL,
	    "summary names unknown directives");
	TEST_OK(strstr(buf_str(&out), "body           2 active") != NULL,
	    "summary counts per type");
	buf_free(&out);
	saconf_free(c);
}

/* test_replace - ReplaceTags as Plugin/ReplaceTags.pm */
static void
test_replace(void)
{
	static const char cf[] =
	    "replace_tag A [a@]\n"
	    "replace_tag G [gk]\n"
	    "replace_tag I [il|!1y]\n"
	    "replace_tag R [r3]\n"
	    "replace_tag V (?:[vu]|\\\\\\/)\n"
	    "replace_tag SP [\\s~_-]\n"
	    "body VIAGRA_OBFU /(?!viagra)<V>+<SP>*<I>+<SP>*<A>+<SP>*<G>+"
	    "<SP>*<R>+<SP>*<A>+/i\n"
	    "replace_pre P1 (?:\n"
	    "replace_post P2 {1,2}\n"
	    "replace_inter W1 \\W?\n"
	    "body T_POST /<post P2><inter W1><A><G>/\n"
	    "body T_POSTI /<inter W1><post P2><A><G>/i\n"
	    "body T_PRE /x<pre P1><A>)/\n"
	    "replace_tag NEST <A>z\n"
	    "body T_NEST /<NEST>/\n"
	    "body T_HTML /<a href><A>/\n"
	    "body T_NOTLISTED /<A>/\n"
	    "replace_rules VIAGRA_OBFU T_POST T_POSTI T_PRE\n"
	    "replace_rules T_NEST T_HTML NO_SUCH_RULE\n";
	struct saconf *c;
	struct saconf_rule *r;

	c = load(NULL, cf);
	r = saconf_rule_find(c, "VIAGRA_OBFU");
	TEST_IS_STR(r->pcre, "(?!viagra)(?:[vu]|\\\\\\/)+[\\s~_-]*"
	    "[il|!1y]+[\\s~_-]*[a@]+[\\s~_-]*[gk]+[\\s~_-]*[r3]+"
	    "[\\s~_-]*[a@]+", "tags replaced");
	TEST_OK(matches(r, "V1@GR@ now") == 1 && matches(r, "viagra") == 0,
	    "replaced pattern compiled");
	TEST_IS_STR(saconf_rule_find(c, "T_POST")->pcre,
	    "\\W?[a@]{1,2}\\W?[gk]{1,2}", "post and inter");
	TEST_IS_STR(saconf_rule_find(c, "T_POSTI")->pcre,
	    "[a@]{1,2}\\W?[gk]{1,2}", "no leading inter with flags, as "
	    "the plugin sees \"(?i)\" first");
	TEST_IS_STR(saconf_rule_find(c, "T_PRE")->pcre, "x(?:[a@])",
	    "pre");
	TEST_IS_STR(saconf_rule_find(c, "T_NEST")->pcre, "[a@]z",
	    "a tag inside a tag: another pass");
	TEST_IS_STR(saconf_rule_find(c, "T_HTML")->pcre, "<a href>[a@]",
	    "unknown tags stay");
	TEST_IS_STR(saconf_rule_find(c, "T_NOTLISTED")->pcre, "<A>",
	    "rules not listed are left alone");
	saconf_free(c);
}

/* test_attrs - score, describe, tflags, priority and override order */
static void
test_attrs(void)
{
	static const char cf[] =
	    "score EARLY 2.5\n"
	    "body EARLY /early/\n"
	    "body PLAIN /plain/\n"
	    "body T_TESTING /t/\n"
	    "body __SUB /sub/\n"
	    "body NICE_R /nice/\n"
	    "tflags NICE_R nice\n"
	    "body FOUR /four/\n"
	    "score FOUR 0 1.5 2 3.25\n"
	    "score FOUR 1 (1) 2 (-1)\n"
	    "score PLAIN 1 2\n"
	    "describe PLAIN a plain rule\n"
	    "tflags PLAIN net nice multiple maxhits=5 publish\n"
	    "tflags FOUR learn\n"
	    "tflags FOUR noautolearn userconf frob\n"
	    "priority PLAIN -500\n"
	    "header REDEF Subject =~ /a/\n"
	    "score REDEF 3\n"
	    "body REDEF /b/\n"
	    "score NEVER_DEFINED 9\n"
	    "lang fr describe PLAIN une regle\n"
	    "lang fr body FRONLY /fr/\n"
	    "lang pt_BR body PTONLY /pt/\n";
	struct saconf_opts o = { NULL, NULL, "fr", 0, 0 };
	struct saconf *c;
	struct saconf_rule *r;

	c = load(NULL, cf);
	r = saconf_rule_find(c, "EARLY");
	TEST_OK(r && r->scored && r->score[0] == 2.5 && r->score[3] == 2.5,
	    "score before the rule applies to all four sets");
	r = saconf_rule_find(c, "PLAIN");
	TEST_OK(r && !r->scored && r->score[0] == -1.0,
	    "unscored nice rule gets -1.0 (2 values refused)");
	TEST_OK(saconf_rule_find(c, "REDEF")->score[0] == 3 &&
	    saconf_rule_find(c, "EARLY")->score[1] == 2.5, "scored rules");
	TEST_OK(saconf_rule_find(c, "T_TESTING")->score[1] == 0.01,
	    "T_ rule gets 0.01");
	TEST_OK(saconf_rule_find(c, "__SUB")->score[2] == 1,
	    "__ rule keeps 1.0 as in SpamAssassin");
	TEST_OK(saconf_rule_find(c, "NICE_R")->score[3] == -1,
	    "unscored nice rule gets -1.0");
	r = saconf_rule_find(c, "FOUR");
	TEST_OK(r && r->score[0] == 1 && r->score[1] == 2.5 &&
	    r->score[2] == 2 && r->score[3] == 2.25,
	    "four scores, relative (n), later overrides");
	r = saconf_rule_find(c, "PLAIN");
	TEST_IS_STR(r->describe, "a plain rule", "describe (lang fr skipped)");
	TEST_OK(r->tflags == (SAF_NET | SAF_NICE | SAF_MULTIPLE | SAF_MAXHITS |
	    SAF_PUBLISH) && r->maxhits == 5, "tflags and maxhits=N");
	TEST_IS_INT(r->priority, -500, "priority");
	r = saconf_rule_find(c, "FOUR");
	TEST_OK(r->tflags == (SAF_NOAUTOLEARN | SAF_USERCONF | SAF_OTHER),
	    "later tflags replace, unknown flag kept as other");
	r = saconf_rule_find(c, "REDEF");
	TEST_OK(r && r->type == SA_BODY && r->field == NULL &&
	    !strcmp(r->pcre, "b") && r->score[0] == 3,
	    "redefinition replaces the test, keeps the score");
	TEST_OK(saconf_rule_find(c, "NEVER_DEFINED") == NULL &&
	    saconf_rule_find(c, "FRONLY") == NULL, "score alone defines "
	    "nothing; lang fr rule skipped");
	TEST_IS_INT(saconf_nrules(c), 7, "seven rules");
	saconf_free(c);

	c = load(&o, cf);
	TEST_IS_STR(saconf_rule_find(c, "PLAIN")->describe, "une regle",
	    "lang fr kept with lang fr");
	TEST_OK(saconf_rule_find(c, "FRONLY") != NULL &&
	    saconf_rule_find(c, "PTONLY") == NULL, "lang fr rule, not pt_BR");
	saconf_free(c);
}

/* test_cond - if/ifplugin/else/endif */
static void
test_cond(void)
{
	static const char *const plugins[] = {
		"Mail::SpamAssassin::Plugin::Check", "BodyEval", "DMARC", NULL
	};
	static const char cf[] =
	    "ifplugin Mail::SpamAssassin::Plugin::BodyEval\n"
	    "  body P_YES /y/\n"
	    "  if (version >= 3.004000)\n"
	    "    body V_YES /y/\n"
	    "    if !plugin(Mail::SpamAssassin::Plugin::Check)\n"
	    "      body NEST_NO /n/\n"
	    "    else\n"
	    "      body NEST_ELSE /y/\n"
	    "    endif\n"
	    "  endif\n"
	    "else\n"
	    "  body P_ELSE_NO /n/\n"
	    "endif\n"
	    "ifplugin Mail::SpamAssassin::Plugin::DKIM\n"
	    "  body P_NO /n/\n"
	    "  if (version >= 3.004000)\n"
	    "    body INNER_NO /n/\n"
	    "  else\n"
	    "    body INNER_ELSE_NO /n/\n"
	    "  endif\n"
	    "else\n"
	    "  body P_ELSE /y/\n"
	    "endif\n"
	    "if (version < 4.000000)\n  body OLD_NO /n/\nendif\n"
	    "if version >= 4.000001\n  body EXACT /y/\nendif\n"
	    "if !((version >= 3.004000))\n  body NOTNOT_NO /n/\nendif\n"
	    "if can(Mail::SpamAssassin::Conf::feature_bug6558_free)\n"
	    "  body CAN /y/\nendif\n"
	    "if !can(Mail::SpamAssassin::Conf::feature_nope)\n"
	    "  body CANT /y/\nendif\n"
	    "if can(Mail::SpamAssassin::Conf::feature_bug6558_free) && "
	    "(version >= 3.004002 || plugin(Nope))\n  body AND_OR /y/\nendif\n"
	    "if perl_version >= 5.010000\n  body PERL /y/\nendif\n"
	    "ifplugin Mail::SpamAssassin::Plugin::Dmarc\n  body DMARC_ALIAS /y/\n"
	    "endif\nif local_tests_only\n  body LOCAL_NO /n/\nendif\n"
	    "if !local_tests_only\n  body NET_OK /y/\nendif\n"
	    "if can(Mail::SpamAssassin::Plugin::BodyEval::has_check_body_length)"
	    "\n  body BODYEVAL_HAS /y/\nendif\n"
	    "if can(Mail::SpamAssassin::Plugin::DKIM::has_arc)\n"
	    "  body DKIM_HAS_NO /n/\nendif\n"
	    "if frob(x)\n  body UNKNOWN_NO /n/\nendif\n"
	    "if (version >= \n  body UNKNOWN2_NO /n/\nendif\n"
	    "endif\n"
	    "if (version >= 3)\n  body UNCLOSED_YES /y/\n";
	struct saconf_opts o = { plugins, saconf_sa401_can, NULL, 0, 0 };
	struct saconf_summary s;
	struct saconf *c;
	size_t i;
	int yes = 0, no = 0;

	c = load(&o, cf);
	for (i = 0; i < saconf_nrules(c); i++) {
		struct saconf_rule *r = saconf_rule_at(c, i);

		if (strstr(r->name, "_NO") || strcmp(r->pcre, "y"))
			printf("# rule %s should not be loaded\n", r->name), no++;
		else
			yes++;
	}
	TEST_IS_INT(no, 0, "no rule of a false branch");
	TEST_IS_INT(yes, 13, "every rule of a true branch");
	saconf_summary(c, &s);
	TEST_IS_INT(s.unknown_conditions, 2, "unknown conditions counted");
	TEST_IS_INT(s.bad_lines, 2, "stray endif and unclosed if");
	saconf_free(c);

	o.version = 3.004000;
	c = load(&o, "if (version >= 3.004002)\nbody A /y/\nendif\n"
	    "require_version 3.004000\nbody B /y/\n"
	    "require_version 4.000001\nbody C /y/\n");
	TEST_OK(!saconf_rule_find(c, "A") && saconf_rule_find(c, "B") &&
	    !saconf_rule_find(c, "C"), "version option; require_version "
	    "of another release skips the rest");
	saconf_free(c);
}

/* test_settings - the options of the tutorial and SpamAssassin */
static void
test_settings(void)
{
	const struct saconf_settings *st;
	struct saconf *c;

	c = load(NULL, "");
	st = saconf_settings(c);
	TEST_OK(st->required_score == 5.0 && st->report_safe == 1 &&
	    st->subject_tag == NULL && st->use_bayes && st->bayes_auto_learn &&
	    st->use_pyzor && st->use_razor2 && st->use_dcc &&
	    st->ok_languages.n == 1 && !strcmp(st->ok_languages.v[0], "all"),
	    "defaults");
	saconf_free(c);

	c = load(NULL,
	    "required_hits 6.5\n"
	    "rewrite_subject 1\n"
	    "subject_tag [SPAM]\n"
	    "report_safe 0\n"
	    "ok_language fr en\n"
	    "ok_locales en\n"
	    "use_bayes 0\nauto_learn 0\nuse_pyzor 0\nuse_razor2 no\n"
	    "use_dcc 0\n"
	    "whitelist_from *@lists.debian.org joe@example.com\n"
	    "welcomelist_from ?oe@example.org\n"
	    "whitelist_from bob@example.net\n"
	    "unwhitelist_from BOB@example.net\n"
	    "blacklist_from *@spam.example\n"
	    "blocklist_from spam?@*.test\n"
	    "loadplugin Mail::SpamAssassin::Plugin::TextCat\n"
	    "bayes_auto_learn_threshold_spam 10\n"
	    "report_safe 3\n"
	    "use_bayes maybe\n");
	st = saconf_settings(c);
	TEST_OK(st->required_score == 6.5, "required_hits");
	TEST_IS_STR(st->subject_tag, "[SPAM]", "rewrite_subject + subject_tag");
	TEST_OK(st->report_safe == 0, "report_safe 0 (3 refused)");
	TEST_OK(st->ok_languages.n == 2 &&
	    !strcmp(st->ok_languages.v[0], "fr") &&
	    !strcmp(st->ok_languages.v[1], "en"), "ok_language fr en");
	TEST_OK(st->ok_locales.n == 1, "ok_locales");
	TEST_OK(!st->use_bayes && !st->bayes_auto_learn && !st->use_pyzor &&
	    !st->use_razor2 && !st->use_dcc, "use_* and auto_learn off");
	TEST_OK(st->autolearn_spam == 10, "autolearn threshold");
	TEST_OK(st->loadplugin.n == 1, "loadplugin recorded");
	TEST_IS_INT(st->welcomelist_from.n, 3, "welcomelist, unwhitelist");
	TEST_OK(saconf_listed(&st->welcomelist_from,
	    "debian-user@LISTS.debian.org") &&
	    saconf_listed(&st->welcomelist_from, "joe@example.com") &&
	    saconf_listed(&st->welcomelist_from, "Zoe@example.org") &&
	    !saconf_listed(&st->welcomelist_from, "bob@example.net") &&
	    !saconf_listed(&st->welcomelist_from, "x@lists.debian.org.evil") &&
	    !saconf_listed(&st->welcomelist_from, "zzoe@example.org"),
	    "welcomelist globs");
	TEST_OK(saconf_listed(&st->blocklist_from, "a@spam.example") &&
	    saconf_listed(&st->blocklist_from, "spam1@x.y.test") &&
	    !saconf_listed(&st->blocklist_from, "spam12@x.test") &&
	    !saconf_listed(&st->blocklist_from, "spam1@test"),
	    "blocklist globs");
	TEST_OK(saconf_glob("*", "") && saconf_glob("a*b*c", "aXbYbc") &&
	    !saconf_glob("a*b", "a") && saconf_glob("**x", "x"),
	    "glob edge cases");
	saconf_free(c);

	c = load(NULL, "rewrite_header Subject *****SPAM*****\n");
	TEST_IS_STR(saconf_settings(c)->subject_tag, "*****SPAM*****",
	    "rewrite_header Subject");
	saconf_free(c);
	c = load(NULL, "rewrite_header Subject [S]\nrewrite_subject 0\n");
	TEST_OK(saconf_settings(c)->subject_tag == NULL,
	    "rewrite_subject 0 turns it off");
	saconf_free(c);
	c = load(NULL, "rewrite_subject 1\n");
	TEST_IS_STR(saconf_settings(c)->subject_tag, "*****SPAM*****",
	    "rewrite_subject 1 alone: SpamAssassin 2's tag");
	saconf_free(c);
}

/* put - write a file under dir */
static void
put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		printf("# cannot write %s\n", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

/* test_files - directory order, include, later files override */
static void
test_files(void)
{
	char dir[] = "/tmp/saconf_test.XXXXXX", sub[64], path[128];
	struct saconf *c;
	FILE *f;
	struct saconf_rule *r;

	if (mkdtemp(dir) == NULL) {
		TEST_OK(0, "mkdtemp");
		return;
	}
	snprintf(sub, sizeof(sub), "%s/rules", dir);
	mkdir(sub, 0700);
	put(sub, "20_b.cf", "score X 2\nbody Y /second/\ninclude inc/more.inc\n");
	put(sub, "10_a.cf", "body X /x/\nscore X 1\nbody Y /first/\n");
	put(sub, "30_c.txt", "score X 99\n");
	put(sub, "05_dir.cf", "");
	snprintf(path, sizeof(path), "%s/inc", sub);
	mkdir(path, 0700);
	put(path, "more.inc", "body Z /z/\ninclude ../../nested.inc\n"
	    "include nothere.cf\n");
	put(dir, "nested.inc", "describe Z from nested\n");
	put(dir, "local.cf", "score X 4.5\nrequired_score 3\n");
	snprintf(path, sizeof(path), "%s/nul.cf", dir);
	if ((f = fopen(path, "w")) != NULL) {
		fwrite("body N1 /a/\nbody N2 /b\0c/\nbody N3 /d/\n", 1, 38, f);
		fclose(f);
	}

	c = saconf_new(NULL);
	TEST_IS_INT(saconf_load_path(c, sub), 0, "directory loaded");
	snprintf(path, sizeof(path), "%s/local.cf", dir);
	TEST_IS_INT(saconf_load_path(c, path), 0, "local.cf loaded");
	snprintf(path, sizeof(path), "%s/missing.cf", dir);
	TEST_IS_INT(saconf_load_path(c, path), -1, "missing file is -1");
	snprintf(path, sizeof(path), "%s/nul.cf", dir);
	TEST_IS_INT(saconf_load_path(c, path), 0, "file with a NUL loaded");
	saconf_finish(c);
	TEST_OK(saconf_rule_find(c, "N1") && !saconf_rule_find(c, "N2") &&
	    saconf_rule_find(c, "N3"), "a NUL byte drops its line only");
	r = saconf_rule_find(c, "X");
	TEST_OK(r && r->score[0] == 4.5, "local.cf score wins");
	TEST_IS_STR(saconf_rule_find(c, "Y")->pcre, "second",
	    "later file's definition wins (name order, not readdir)");
	r = saconf_rule_find(c, "Z");
	TEST_OK(r && r->describe && !strcmp(r->describe, "from nested"),
	    "include relative to the including file, nested");
	TEST_OK(saconf_settings(c)->required_score == 3, "local.cf option");
	saconf_free(c);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# cleanup of %s failed\n", dir);
}

/* test_stock - the stock rules of the installed SpamAssassin */
static void
test_stock(void)
{
	static const char *const plugins[] = {
		"URIDNSBL", "SPF", "Pyzor", "Razor2", "SpamCop",
		"AutoLearnThreshold", "WelcomeListSubject", "MIMEHeader",
		"ReplaceTags", "DKIM", "Check", "HTTPSMismatch", "URIDetail",
		"Bayes", "BodyEval", "DNSEval", "HTMLEval", "HeaderEval",
		"MIMEEval", "RelayEval", "URIEval", "WLBLEval", "VBounce",
		"ImageInfo", "FreeMail", "AskDNS", "HashBL", "DMARC", "TextCat",
		NULL
	};
	struct saconf_opts o = { plugins, saconf_sa401_can, NULL, 0, 0 };
	struct timespec t0, t1, t2;
	struct saconf_summary s;
	struct saconf *c;
	struct saconf_rule *r;
	struct buf out = BUF_INIT;
	size_t i, k, total = 0, jit = 0, nre = 0, nev = 0;
	const char *p, *nl;
	uint32_t linksize = 0;
	int t;

	if (access(STOCK, R_OK) != 0) {
		printf("# %s missing: stock rules not tested\n", STOCK);
		return;
	}
	log_set_stderr(0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	c = saconf_new(&o);
	TEST_IS_INT(saconf_load_path(c, STOCK), 0, "stock rules read");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	saconf_finish(c);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	log_set_stderr(1);
	printf("# parse %.1f ms, compile %.1f ms\n",
	    (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
	    (t2.tv_sec - t1.tv_sec) * 1e3 + (t2.tv_nsec - t1.tv_nsec) / 1e6);
	saconf_summary(c, &s);
	for (t = 0; t < SA_NTYPES; t++)
		total += s.active[t];
	for (i = 0; i < saconf_nrules(c); i++)
		jit += saconf_rule_at(c, i)->jit;
	pcre2_config(PCRE2_CONFIG_LINKSIZE, &linksize);
	printf("# %zu rules JIT-compiled; PCRE2 link size %u (patterns "
	    "over 64 KiB compiled need 3 or 4)\n", jit, linksize);
	TEST_OK(total > 2000, "thousands of active rules (%zu)", total);
	TEST_OK(s.active[SA_HEADER] > 500 && s.active[SA_BODY] > 500 &&
	    s.active[SA_META] > 500 && s.active[SA_URI] > 50 &&
	    s.active[SA_RAWBODY] > 20 && s.active[SA_FULL] > 5,
	    "every rule type present");
	r = saconf_rule_find(c, "GTUBE");
	TEST_OK(r && r->type == SA_BODY && r->score[0] == 1000 &&
	    r->score[3] == 1000 && r->code && !r->disabled,
	    "GTUBE body rule, score 1000");
	TEST_OK(matches(r, "x XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-"
	    "ANTI-UBE-TEST-EMAIL*C.34X y") == 1, "GTUBE matches");
	r = saconf_rule_find(c, "BAYES_99");
	TEST_OK(r && r->kind == SAK_EVAL && (r->tflags & SAF_LEARN) &&
	    r->score[2] > 3, "BAYES_99 eval, learn, scored");
	TEST_OK(s.bad_regex < 30, "few regexes refused (%d)", s.bad_regex);
	TEST_IS_INT(s.unknown_directives, 0, "no unknown directive");
	TEST_OK(s.meta_missing <= 5, "metas naming undefined rules: %d "
	    "(SpamAssassin 4.0.1 --lint: 2, on DCC_CHECK)", s.meta_missing);
	TEST_OK(s.active[SA_ASKDNS] > 10, "askdns rules (%d)",
	    s.active[SA_ASKDNS]);
	TEST_IS_INT(s.unknown_conditions, 0, "no unknown condition");
	TEST_OK(saconf_settings(c)->required_score == 5,
	    "required_score 5");
	for (i = 0; i < saconf_nrules(c); i++) {
		r = saconf_rule_at(c, i);
		if (r->disabled)
			printf("# disabled %s %s: %s\n",
			    saconf_type_name(r->type), r->name, r->disabled);
		for (k = 0; r->meta && k < meta_nrefs(r->meta); k++)
			if (meta_bound(r->meta, k) < 0)
				printf("# meta %s names undefined %s\n",
				    r->name, meta_ref(r->meta, k));
		if (r->kind == SAK_REGEX)
			nre++;
		else if (r->kind == SAK_EVAL)
			nev++;
	}
	printf("# %zu regex rules, %zu eval rules\n", nre, nev);
	saconf_summary_format(c, &out);
	for (p = buf_str(&out); *p; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		if (strncmp(p, "disabled ", 9))
			printf("# %.*s\n", (int)(nl - p), p);
	}
	buf_free(&out);
	saconf_free(c);
}

/* main - every group of tests, then the plan */
int
main(void)
{
	test_meta();
	test_rules();
	test_replace();
	test_attrs();
	test_cond();
	test_settings();
	test_files();
	test_stock();
	TEST_DONE();
}
